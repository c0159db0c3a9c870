package voting

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

// Cast or audit (Benaloh, "Simple verifiable elections", EVT 2006;
// docs/spec/ballot.md, section 9). After the device has made a ballot and
// shown its tracking code, the voter either casts it or audits it: the
// device then reveals the ballot's randomness and the selections it
// encrypted, anyone (the voter's second device, an observer) checks that
// the ballot encrypts exactly those selections, and the device makes a new
// ballot with fresh randomness. An audited ballot is never cast: the
// ballot box posts the audit record (kind audited-ballot) and refuses any
// later ballot that shares a ciphertext with it ([Ballot.ClashKeys]).

// auditVersion is the first byte of an audit record.
const auditVersion = 1

// ErrInvalidAudit is wrapped when an audit record does not show what its
// ballot encrypts.
var ErrInvalidAudit = errors.New("voting: audit does not match the ballot")

// An Audit is a ballot opened for audit: the ballot, the selections the
// device says it encrypted, and the randomness of every ciphertext, in the
// ballot's order.
type Audit struct {
	Ballot     *Ballot
	Selections Selections
	Randomness []*group.Scalar
}

// AuditBallot opens a ballot for audit with the secrets [EncryptBallot]
// returned with it. Afterwards the ballot must not be cast: the device
// makes a new one.
func AuditBallot(b *Ballot, s *BallotSecrets) (*Audit, error) {
	if b == nil || s == nil || s.randomness == nil {
		return nil, errors.New("voting: auditing needs the ballot and its (unerased) secrets")
	}
	if len(s.randomness) != b.ciphertextCount() {
		return nil, errors.New("voting: the secrets are not this ballot's")
	}
	for i, k := range b.ClashKeys() {
		if !bytes.Equal(new(group.Element).ScalarBaseMult(s.randomness[i]).Bytes(), k[:]) {
			return nil, errors.New("voting: the secrets are not this ballot's")
		}
	}
	a := &Audit{Ballot: b, Selections: make(Selections, len(s.selections))}
	for id, sel := range s.selections {
		a.Selections[id] = Selection{Options: append([]string(nil), sel.Options...), WriteIn: sel.WriteIn}
	}
	for _, r := range s.randomness {
		a.Randomness = append(a.Randomness, new(group.Scalar).Set(r))
	}
	return a, nil
}

// Bytes returns the audit record (docs/spec/ballot.md, section 9.1), the
// payload of an audited-ballot entry:
//
//	0x01 || u32(len(ballot)) || ballot || r_1 … r_k (32 bytes each, one
//	per ciphertext in the ballot's order) || for each contest of the
//	ballot, in its order: u8(count) || count choice values (u8 each) ||
//	u8(len(write-in)) || write-in
//
// where the choice values are those of section 4.1 in canonical order. It
// returns an error if the selections do not fit the manifest m.
func (a *Audit) Bytes(m *Manifest) ([]byte, error) {
	if a.Ballot == nil {
		return nil, errors.New("voting: an audit without its ballot")
	}
	contests, err := styleContests(m, a.Ballot.style)
	if err != nil {
		return nil, err
	}
	if len(a.Randomness) != a.Ballot.ciphertextCount() {
		return nil, fmt.Errorf("voting: audit: %d randomness scalars for %d ciphertexts", len(a.Randomness), a.Ballot.ciphertextCount())
	}
	raw := a.Ballot.raw
	b := make([]byte, 0, 1+4+len(raw)+32*len(a.Randomness)+64)
	b = append(b, auditVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(raw)))
	b = append(b, raw...)
	for _, r := range a.Randomness {
		b = append(b, r.Bytes()...)
	}
	for _, c := range contests {
		s := a.Selections[c.ID]
		vals, err := c.choices(s)
		if err != nil {
			return nil, err
		}
		b = append(b, byte(len(vals)))
		for _, v := range vals {
			b = append(b, byte(v))
		}
		b = append(b, byte(len(s.WriteIn)))
		b = append(b, s.WriteIn...)
	}
	return b, nil
}

// ParseAudit decodes an audit record of the election m strictly: the
// ballot ([ParseBallot]), one canonical scalar per ciphertext, and
// selections that are valid for the ballot's contests and in canonical
// order, with nothing after them. It does not check that they match the
// ballot: that is [CheckAudit]. Errors wrap [ErrMalformedBallot] or
// [ErrInvalidSelection].
func ParseAudit(b []byte, m *Manifest) (*Audit, error) {
	if len(b) < 5 || b[0] != auditVersion {
		return nil, malformedBallot("not a version %d audit record", auditVersion)
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if uint64(len(b)-5) < uint64(n) {
		return nil, malformedBallot("audit record truncated in its ballot")
	}
	ballot, err := ParseBallot(b[5:5+n], m)
	if err != nil {
		return nil, err
	}
	contests, err := styleContests(m, ballot.style)
	if err != nil {
		return nil, err
	}
	rest := b[5+n:]
	k := ballot.ciphertextCount()
	if len(rest) < 32*k {
		return nil, malformedBallot("audit record truncated in its randomness")
	}
	a := &Audit{Ballot: ballot, Selections: make(Selections, len(contests)), Randomness: make([]*group.Scalar, k)}
	for i := range k {
		if a.Randomness[i], err = new(group.Scalar).SetCanonicalBytes(rest[32*i : 32*(i+1)]); err != nil {
			return nil, malformedBallot("audit randomness %d is not a canonical scalar", i+1)
		}
	}
	rest = rest[32*k:]
	for _, c := range contests {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+1 {
			return nil, malformedBallot("audit record truncated in the selections of contest %s", c.ID)
		}
		count := int(rest[0])
		vals := make([]int, count)
		for i := range count {
			vals[i] = int(rest[1+i])
			if vals[i] < 1 || vals[i] > len(c.Options)+1 {
				return nil, malformedBallot("contest %s: choice %d is not a choice value", c.ID, i+1)
			}
		}
		rest = rest[1+count:]
		wl := int(rest[0])
		if len(rest) < 1+wl {
			return nil, malformedBallot("audit record truncated in the write-in of contest %s", c.ID)
		}
		s := c.selectionOf(vals, string(rest[1:1+wl]))
		rest = rest[1+wl:]
		got, err := c.choices(s)
		if err != nil {
			return nil, err
		}
		for i := range got {
			if got[i] != vals[i] {
				return nil, malformedBallot("contest %s: the choices are not in canonical order", c.ID)
			}
		}
		a.Selections[c.ID] = s
	}
	if len(rest) != 0 {
		return nil, malformedBallot("%d bytes after the audit record", len(rest))
	}
	return a, nil
}

// CheckAudit checks that the audit a opens the ballot: that a is of this
// very ballot (the same bytes: the voter compares its tracking code with
// the one the device showed), that the ballot is for the election m and
// its proofs and signature hold ([VerifyBallot] without the credential
// list), and that every ciphertext is the encryption under pk of the
// plaintext a's selections give it (section 4) with a's randomness:
// (A_j, B_j) = (r_j·G, M_j + r_j·PK). Then the selections in a are what
// the ballot says, and the voter checks them against what they chose.
// Errors wrap [ErrInvalidAudit], [ErrInvalidBallot] or
// [ErrInvalidSelection].
func CheckAudit(m *Manifest, pk *elgamal.PublicKey, ballot *Ballot, a *Audit) error {
	if ballot == nil || a == nil || a.Ballot == nil || pk == nil {
		return errors.New("voting: checking an audit needs the election key, the ballot and the audit")
	}
	if !bytes.Equal(ballot.raw, a.Ballot.raw) {
		return fmt.Errorf("%w: the audit is of another ballot (tracking code %v)", ErrInvalidAudit, a.Ballot.TrackingCode())
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	if err := verifyBallots(nil, m, fp, pk, nil, []*Ballot{ballot}); err != nil {
		var be *BallotBatchError
		if errors.As(err, &be) {
			return be.Errs[0]
		}
		return err
	}
	contests, err := styleContests(m, ballot.style)
	if err != nil {
		return err
	}
	for id := range a.Selections {
		if !containsContest(contests, id) {
			return fmt.Errorf("%w: contest %s is not on ballot style %s", ErrInvalidSelection, id, ballot.style)
		}
	}
	if len(a.Randomness) != ballot.ciphertextCount() {
		return fmt.Errorf("%w: %d randomness scalars for %d ciphertexts", ErrInvalidAudit, len(a.Randomness), ballot.ciphertextCount())
	}
	next := 0
	for i, c := range contests {
		s := a.Selections[c.ID]
		vals, err := c.choices(s)
		if err != nil {
			return err
		}
		ms, _, err := c.plaintexts(vals, s.WriteIn)
		if err != nil {
			return err
		}
		for j, M := range ms {
			r := a.Randomness[next]
			next++
			if r == nil || !elgamal.EncryptWithRandomness(pk, M, r).Equal(ballot.contests[i].cts[j]) {
				return fmt.Errorf("%w: contest %s: ciphertext %d does not encrypt the shown selection with the shown randomness", ErrInvalidAudit, c.ID, j+1)
			}
		}
	}
	return nil
}
