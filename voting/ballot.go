package voting

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
)

// Ballots (docs/spec/ballot.md): what a voter's device makes from the
// voter's selections, the election key and the voter's credential, and
// what the ballot box and every verifier check.
//
// For each contest of the voter's ballot style, in the manifest's order, a
// ballot holds:
//
//   - homomorphic contests: one exponential ElGamal ciphertext per option
//     (1 if chosen, else 0), a 0/1 proof for each and a range proof that
//     their sum, the number of options chosen, is within the contest's
//     min … max;
//   - mixnet contests: one row of ciphertexts, the choices and the
//     write-in as group elements, with a proof of knowledge of their
//     randomness.
//
// Every proof is bound to the election fingerprint, the credential's
// public key and the contest, so a ballot's ciphertexts cannot be reused
// under another credential (Cortier and Smyth, "Attacking and fixing
// Helios: an analysis of ballot secrecy", JCS 2013), and the whole ballot
// is signed with the credential. The tracking code is the SHA-256 hash of
// the ballot's bytes.

// BallotContext is the context string of ballot signatures
// ([schnorr.Sign]).
const BallotContext = "veche/ballot/v1"

// ballotVersion is the first byte of a ballot's encoding.
const ballotVersion = 1

// bindingPrefix starts every proof binding of a ballot.
const bindingPrefix = "veche/ballot/v1\x00"

// Purposes of a proof binding.
const (
	bindZeroOne = 0x01
	bindRange   = 0x02
	bindRow     = 0x03
)

var (
	// ErrMalformedBallot is wrapped by every decoding failure of a ballot
	// or an audit record.
	ErrMalformedBallot = errors.New("voting: malformed ballot")
	// ErrInvalidBallot is wrapped by every verification failure of a
	// well-formed ballot.
	ErrInvalidBallot = errors.New("voting: invalid ballot")
	// ErrUnknownCredential is wrapped (with ErrInvalidBallot) when a
	// ballot's credential is not on the election's credential list.
	ErrUnknownCredential = errors.New("voting: credential not on the list")
)

// A Ballot is an encrypted, signed ballot of one election. It is made by
// [EncryptBallot] or decoded by [ParseBallot], and is not modified
// afterwards: its methods return the ballot's own ciphertexts, which
// callers must not modify.
type Ballot struct {
	fp         zkp.Fingerprint
	style      string
	credential *schnorr.PublicKey
	contests   []ballotContest
	raw        []byte // the encoding, signature included
}

// ballotContest is one contest of a ballot.
type ballotContest struct {
	id          string
	homomorphic bool
	cts         elgamal.VectorCiphertext
	lo, hi      uint64 // homomorphic: the range of the number of choices
	zeroOne     []*zkp.ZeroOneProof
	rng         *zkp.RangeProof
	proof       *zkp.BallotProof // mixnet
	ctOffset    int              // offset of the first ciphertext in raw
}

// BallotSecrets are what the voter's device keeps of a ballot it made
// until the voter casts it (then the device erases them) or audits it
// ([AuditBallot]): the selections and the randomness of every ciphertext,
// which decrypts the ballot. The fmt package prints them as
// "voting.BallotSecrets{REDACTED}".
type BallotSecrets struct {
	selections Selections
	randomness []*group.Scalar
}

const redactedSecrets = "voting.BallotSecrets{REDACTED}"

// String returns "voting.BallotSecrets{REDACTED}".
func (*BallotSecrets) String() string { return redactedSecrets }

// GoString returns "voting.BallotSecrets{REDACTED}".
func (*BallotSecrets) GoString() string { return redactedSecrets }

// Format prints "voting.BallotSecrets{REDACTED}" for every verb.
func (*BallotSecrets) Format(f fmt.State, _ rune) { io.WriteString(f, redactedSecrets) }

// Erase overwrites the randomness and forgets the selections; call it when
// the ballot has been cast.
func (s *BallotSecrets) Erase() {
	for _, r := range s.randomness {
		r.Set(group.NewScalar())
	}
	s.randomness, s.selections = nil, nil
}

// styleContests returns the contests of ballot style id, in the order of
// the manifest's contests.
func styleContests(m *Manifest, id string) ([]*Contest, error) {
	var st *BallotStyle
	for i := range m.BallotStyles {
		if m.BallotStyles[i].ID == id {
			st = &m.BallotStyles[i]
			break
		}
	}
	if st == nil {
		return nil, fmt.Errorf("voting: election %s has no ballot style %q", m.ID, id)
	}
	on := make(map[string]bool, len(st.Contests))
	for _, c := range st.Contests {
		on[c] = true
	}
	var out []*Contest
	for i := range m.Contests {
		if c := &m.Contests[i]; on[c.ID] {
			if err := c.checkShape(); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	if len(out) != len(st.Contests) || len(out) == 0 || len(out) > MaxContests {
		return nil, fmt.Errorf("voting: election %s: ballot style %q names contests the manifest does not have", m.ID, id)
	}
	return out, nil
}

// bounds returns the range of a homomorphic contest's number of choices.
func (c *Contest) bounds() (lo, hi uint64) { return uint64(c.Min), uint64(c.Max) }

// proofBinding returns the binding of a ballot proof (docs/spec/ballot.md,
// section 5):
//
//	"veche/ballot/v1" || 0x00 || u8(purpose) || credential (32) ||
//	u8(len(contest)) || contest [|| u32(j) for a 0/1 proof]
func proofBinding(purpose byte, credential []byte, contest string, j int) []byte {
	b := make([]byte, 0, len(bindingPrefix)+1+CredentialSize+1+len(contest)+4)
	b = append(b, bindingPrefix...)
	b = append(b, purpose)
	b = append(b, credential...)
	b = append(b, byte(len(contest)))
	b = append(b, contest...)
	if purpose == bindZeroOne {
		b = binary.BigEndian.AppendUint32(b, uint32(j))
	}
	return b
}

// EncryptBallot makes a ballot of style for the election m, encrypted to
// the election key pk and signed with the voter's credential key cred,
// from the voter's selections (checked against the manifest first: errors
// wrap [ErrInvalidSelection]). It returns the ballot and its secrets,
// which the device keeps until the voter casts the ballot or audits it.
//
// Randomness comes from rand (nil means crypto/rand.Reader), in this
// order: 64 bytes per ciphertext as each contest is encrypted, then 32 per
// proof, then 32 for the signature. The ballot's length depends only on
// the manifest and the style, never on the selections.
func EncryptBallot(rand io.Reader, m *Manifest, pk *elgamal.PublicKey, style string, cred *schnorr.PrivateKey, sel Selections) (*Ballot, *BallotSecrets, error) {
	if pk == nil || cred == nil {
		return nil, nil, errors.New("voting: encrypting a ballot needs the election key and a credential")
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, nil, err
	}
	contests, err := styleContests(m, style)
	if err != nil {
		return nil, nil, err
	}
	for id := range sel {
		if !containsContest(contests, id) {
			return nil, nil, fmt.Errorf("%w: contest %s is not on ballot style %s", ErrInvalidSelection, id, style)
		}
	}
	type prepared struct {
		vals    []int
		ms      []*group.Element
		bits    []uint64
		writeIn string
	}
	preps := make([]prepared, len(contests))
	norm := make(Selections, len(contests))
	for i, c := range contests {
		s := sel[c.ID]
		vals, err := c.choices(s)
		if err != nil {
			return nil, nil, err
		}
		ms, bits, err := c.plaintexts(vals, s.WriteIn)
		if err != nil {
			return nil, nil, err
		}
		preps[i] = prepared{vals, ms, bits, s.WriteIn}
		norm[c.ID] = c.selectionOf(vals, s.WriteIn)
	}

	b := &Ballot{fp: fp, style: style, credential: cred.Public()}
	credEnc := b.credential.Bytes()
	pkE := pk.Element()
	secrets := &BallotSecrets{selections: norm}
	b.contests = make([]ballotContest, len(contests))
	for i, c := range contests {
		bc := &b.contests[i]
		bc.id, bc.homomorphic = c.ID, c.Tally == Homomorphic
		rs := make([]*group.Scalar, len(preps[i].ms))
		bc.cts = make(elgamal.VectorCiphertext, len(preps[i].ms))
		for j, M := range preps[i].ms {
			if bc.cts[j], rs[j], err = elgamal.Encrypt(rand, pk, M); err != nil {
				return nil, nil, fmt.Errorf("voting: encrypting a ballot: %w", err)
			}
		}
		secrets.randomness = append(secrets.randomness, rs...)
		if bc.homomorphic {
			bc.lo, bc.hi = c.bounds()
			bc.zeroOne = make([]*zkp.ZeroOneProof, len(bc.cts))
			for j, ct := range bc.cts {
				if bc.zeroOne[j], err = zkp.ProveZeroOne(rand, fp, pkE, zkp.Ciphertext(*ct), preps[i].bits[j], rs[j], proofBinding(bindZeroOne, credEnc, c.ID, j)); err != nil {
					return nil, nil, fmt.Errorf("voting: contest %s: %w", c.ID, err)
				}
			}
			sum, rSum := sumCiphertexts(bc.cts), group.NewScalar()
			for _, r := range rs {
				rSum.Add(rSum, r)
			}
			if bc.rng, err = zkp.ProveRange(rand, fp, pkE, sum, uint64(len(preps[i].vals)), rSum, bc.lo, bc.hi, proofBinding(bindRange, credEnc, c.ID, 0)); err != nil {
				return nil, nil, fmt.Errorf("voting: contest %s: %w", c.ID, err)
			}
		} else {
			if bc.proof, err = zkp.ProveBallot(rand, fp, pkE, zkpCiphertexts(bc.cts), rs, proofBinding(bindRow, credEnc, c.ID, 0)); err != nil {
				return nil, nil, fmt.Errorf("voting: contest %s: %w", c.ID, err)
			}
		}
	}
	body := b.appendBody(nil)
	sig, err := schnorr.Sign(rand, cred, BallotContext, body)
	if err != nil {
		return nil, nil, fmt.Errorf("voting: signing the ballot: %w", err)
	}
	b.raw = append(body, sig...)
	return b, secrets, nil
}

func containsContest(cs []*Contest, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// sumCiphertexts returns the component-wise sum of cts, as a zkp
// ciphertext.
func sumCiphertexts(cts elgamal.VectorCiphertext) zkp.Ciphertext {
	A, B := group.NewElement(), group.NewElement()
	for _, ct := range cts {
		A.Add(A, ct.A)
		B.Add(B, ct.B)
	}
	return zkp.Ciphertext{A: A, B: B}
}

func zkpCiphertexts(cts elgamal.VectorCiphertext) []zkp.Ciphertext {
	out := make([]zkp.Ciphertext, len(cts))
	for j, ct := range cts {
		out[j] = zkp.Ciphertext(*ct)
	}
	return out
}

// appendBody appends the ballot's encoding without the signature, and
// records where each contest's ciphertexts start.
func (b *Ballot) appendBody(out []byte) []byte {
	out = append(out, ballotVersion)
	out = append(out, b.fp[:]...)
	out = append(out, byte(len(b.style)))
	out = append(out, b.style...)
	out = append(out, b.credential.Bytes()...)
	out = append(out, byte(len(b.contests)))
	for i := range b.contests {
		bc := &b.contests[i]
		out = append(out, byte(len(bc.id)))
		out = append(out, bc.id...)
		bc.ctOffset = len(out)
		for _, ct := range bc.cts {
			out = ct.AppendBytes(out)
		}
		if bc.homomorphic {
			for _, p := range bc.zeroOne {
				out = append(out, p.Bytes()...)
			}
			out = append(out, bc.rng.Bytes()...)
		} else {
			out = append(out, bc.proof.Bytes()...)
		}
	}
	return out
}

// Bytes returns the ballot's encoding (docs/spec/ballot.md, section 6),
// which the ballot box posts and the tracking code hashes. The caller must
// not modify it.
func (b *Ballot) Bytes() []byte { return b.raw }

// Fingerprint returns the fingerprint of the election the ballot claims
// to be for.
func (b *Ballot) Fingerprint() zkp.Fingerprint { return b.fp }

// Style returns the ballot style.
func (b *Ballot) Style() string { return b.style }

// Credential returns the public credential the ballot is signed with.
func (b *Ballot) Credential() *schnorr.PublicKey { return b.credential }

// Ciphertexts returns the ballot's ciphertexts for a contest, nil if the
// contest is not on the ballot: for a homomorphic contest one per option,
// in the manifest's order (the tally adds them up); for a mixnet contest
// the row that goes into the contest's tally input. They are the ballot's
// own: do not modify them.
func (b *Ballot) Ciphertexts(contest string) elgamal.VectorCiphertext {
	for i := range b.contests {
		if b.contests[i].id == contest {
			return b.contests[i].cts
		}
	}
	return nil
}

// ClashKeys returns the encoding of the first component A = r·G of every
// ciphertext of the ballot, in order. Honest devices never repeat r, so a
// ballot box refuses a ballot with a key it has seen before, in any
// accepted or audited ballot (a copied ciphertext; docs/spec/ballot.md,
// section 8): a set of these 32-byte keys makes the check cheap.
func (b *Ballot) ClashKeys() [][group.ElementSize]byte {
	var out [][group.ElementSize]byte
	for i := range b.contests {
		bc := &b.contests[i]
		for j := range bc.cts {
			off := bc.ctOffset + j*elgamal.CiphertextSize
			out = append(out, [group.ElementSize]byte(b.raw[off:off+group.ElementSize]))
		}
	}
	return out
}

// ciphertextCount returns the number of ciphertexts on the ballot.
func (b *Ballot) ciphertextCount() int {
	n := 0
	for i := range b.contests {
		n += len(b.contests[i].cts)
	}
	return n
}

// A TrackingCode is the SHA-256 hash of a ballot's encoding: the voter
// looks it up on the board to see the ballot counted.
type TrackingCode [sha256.Size]byte

// TrackingCode returns the ballot's tracking code, SHA-256 of
// [Ballot.Bytes].
func (b *Ballot) TrackingCode() TrackingCode { return sha256.Sum256(b.raw) }

var trackingEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// String returns the code as shown to voters: its base32 encoding (RFC
// 4648, section 6, without padding: 52 characters A–Z and 2–7) in 13
// groups of 4 joined by hyphens.
func (c TrackingCode) String() string {
	s := trackingEncoding.EncodeToString(c[:])
	var sb strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(s[i:min(i+4, len(s))])
	}
	return sb.String()
}

// ParseTrackingCode reads a tracking code as [TrackingCode.String] prints
// it, ignoring case, hyphens and spaces. The 52 characters must encode
// exactly 32 bytes (the last character's 4 unused bits zero).
func ParseTrackingCode(s string) (TrackingCode, error) {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
	var c TrackingCode
	if len(clean) != trackingEncoding.EncodedLen(len(c)) {
		return c, fmt.Errorf("voting: a tracking code has %d characters, this has %d", trackingEncoding.EncodedLen(len(c)), len(clean))
	}
	n, err := trackingEncoding.Decode(c[:], []byte(clean))
	// The last character carries 4 unused bits: only one spelling (the
	// one with them zero) is a code.
	if err != nil || n != len(c) || trackingEncoding.EncodeToString(c[:]) != clean {
		return TrackingCode{}, errors.New("voting: not a tracking code (base32 letters A–Z and digits 2–7)")
	}
	return c, nil
}

func malformedBallot(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedBallot, fmt.Sprintf(format, args...))
}

// ballotSize returns the length of the encoding of a ballot of style id
// with the given contests (docs/spec/ballot.md, section 6.1).
func ballotSize(style string, contests []*Contest) int {
	n := 1 + zkp.FingerprintSize + 1 + len(style) + CredentialSize + 1 + schnorr.SignatureSize
	for _, c := range contests {
		w := RowWidth(c)
		n += 1 + len(c.ID) + w*elgamal.CiphertextSize
		if c.Tally == Homomorphic {
			lo, hi := c.bounds()
			n += w*zkp.ZeroOneProofSize + zkp.RangeProofSize(int(hi-lo)+1)
		} else {
			n += w * zkp.BallotProofEntrySize
		}
	}
	return n
}

// ParseBallot decodes a ballot of the election m strictly
// (docs/spec/ballot.md, section 6): the version, a ballot style of m, the
// credential a canonical element other than the identity, exactly the
// style's contests in the manifest's order, every ciphertext, proof and
// the signature canonically encoded with their lengths fixed by the
// manifest, no ciphertext with A = identity, and nothing after the
// signature. It checks no proof or signature, nor the fingerprint: that
// is [VerifyBallot]'s work. Errors wrap [ErrMalformedBallot].
func ParseBallot(b []byte, m *Manifest) (*Ballot, error) {
	if len(b) < 1+zkp.FingerprintSize+1 {
		return nil, malformedBallot("%d bytes, shorter than the header", len(b))
	}
	if b[0] != ballotVersion {
		return nil, malformedBallot("version %d, want %d", b[0], ballotVersion)
	}
	out := &Ballot{fp: zkp.Fingerprint(b[1:33])}
	d := b[33:]
	sl := int(d[0])
	if len(d) < 1+sl {
		return nil, malformedBallot("truncated in the ballot style")
	}
	out.style = string(d[1 : 1+sl])
	contests, err := styleContests(m, out.style)
	if err != nil {
		return nil, malformedBallot("%s", strings.TrimPrefix(err.Error(), "voting: "))
	}
	if want := ballotSize(out.style, contests); len(b) != want {
		what := "truncated"
		if len(b) > want {
			what = "trailing bytes"
		}
		return nil, malformedBallot("%s: %d bytes, a ballot of style %s is %d", what, len(b), out.style, want)
	}
	off := 33 + 1 + sl
	if out.credential, err = schnorr.NewPublicKey(b[off : off+CredentialSize]); err != nil {
		return nil, malformedBallot("credential: %v", err)
	}
	off += CredentialSize
	if int(b[off]) != len(contests) {
		return nil, malformedBallot("%d contests, ballot style %s has %d", b[off], out.style, len(contests))
	}
	off++
	out.contests = make([]ballotContest, len(contests))
	for i, c := range contests {
		bc := &out.contests[i]
		if idl := int(b[off]); idl != len(c.ID) || string(b[off+1:off+1+idl]) != c.ID {
			return nil, malformedBallot("contest %d is not %s", i+1, c.ID)
		}
		off += 1 + len(c.ID)
		bc.id, bc.homomorphic, bc.ctOffset = c.ID, c.Tally == Homomorphic, off
		w := RowWidth(c)
		bc.cts = make(elgamal.VectorCiphertext, w)
		for j := range w {
			ct, err := elgamal.ParseCiphertext(b[off : off+elgamal.CiphertextSize])
			if err == nil {
				err = ct.Validate()
			}
			if err != nil {
				return nil, malformedBallot("contest %s, ciphertext %d: %v", c.ID, j+1, err)
			}
			bc.cts[j] = ct
			off += elgamal.CiphertextSize
		}
		if bc.homomorphic {
			bc.lo, bc.hi = c.bounds()
			bc.zeroOne = make([]*zkp.ZeroOneProof, w)
			for j := range w {
				if bc.zeroOne[j], err = zkp.ParseZeroOneProof(b[off : off+zkp.ZeroOneProofSize]); err != nil {
					return nil, malformedBallot("contest %s, 0/1 proof %d: %v", c.ID, j+1, err)
				}
				off += zkp.ZeroOneProofSize
			}
			size := zkp.RangeProofSize(int(bc.hi-bc.lo) + 1)
			if bc.rng, err = zkp.ParseRangeProof(b[off : off+size]); err != nil {
				return nil, malformedBallot("contest %s, range proof: %v", c.ID, err)
			}
			off += size
		} else {
			size := w * zkp.BallotProofEntrySize
			if bc.proof, err = zkp.ParseBallotProof(b[off : off+size]); err != nil {
				return nil, malformedBallot("contest %s, proof: %v", c.ID, err)
			}
			off += size
		}
	}
	sig := b[off:]
	if _, err := group.ParseNonIdentityElement(sig[:group.ElementSize]); err != nil {
		return nil, malformedBallot("signature: R is not a canonical element other than the identity")
	}
	if _, err := new(group.Scalar).SetCanonicalBytes(sig[group.ElementSize:]); err != nil {
		return nil, malformedBallot("signature: z is not a canonical scalar")
	}
	out.raw = bytes.Clone(b)
	return out, nil
}
