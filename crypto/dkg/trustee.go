package dkg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
)

// A Trustee is one participant's side of the ceremony: a [Ceremony] (the
// public state every observer keeps) plus its long-term key, its secret
// polynomial once it has dealt, and the shares it received.
//
// Use it as: [New]; [Trustee.Deal] and post both messages; feed every board
// message, in board order and including its own, to [Trustee.Receive]; post
// whatever [Trustee.Complaints] returns; when the board closes the
// ceremony, [Trustee.Finish].
//
// A Trustee is not safe for concurrent use. The fmt package prints it
// without secrets.
type Trustee struct {
	c   *Ceremony
	me  uint32
	key *hybrid.PrivateKey

	poly    []*group.Scalar   // a_0 … a_k−1 once dealt; secret
	polyEnc []byte            // encoding of the commitments dealt
	checked []bool            // [i-1]: dealer i's share for me was checked
	good    []*group.Scalar   // [i-1]: dealer i's valid share for me; secret
	bad     map[uint32]string // dealer → why its share for me is bad
	pending map[uint32]*Complaint
}

// New returns trustee index's side of the ceremony. key must be the
// private key of the long-term public key registered for index.
func New(params *Params, index uint32, key *hybrid.PrivateKey) (*Trustee, error) {
	p, err := params.validate()
	if err != nil {
		return nil, err
	}
	if !p.inRange(index) {
		return nil, fmt.Errorf("dkg: no trustee %d in a ceremony of %d: %w", index, p.n, ErrParams)
	}
	if key == nil || !key.Public().Equal(p.key(index)) {
		return nil, fmt.Errorf("dkg: the private key does not match trustee %d's registered key: %w", index, ErrParams)
	}
	return &Trustee{
		c:       newCeremony(p),
		me:      index,
		key:     key,
		checked: make([]bool, p.n),
		good:    make([]*group.Scalar, p.n),
		bad:     make(map[uint32]string),
		pending: make(map[uint32]*Complaint),
	}, nil
}

// Index returns the trustee's index.
func (t *Trustee) Index() uint32 { return t.me }

// Ceremony returns the trustee's view of the public state.
func (t *Trustee) Ceremony() *Ceremony { return t.c }

// String describes the trustee without secrets.
func (t *Trustee) String() string { return fmt.Sprintf("dkg.Trustee{Index: %d, REDACTED}", t.me) }

// GoString is String.
func (t *Trustee) GoString() string { return t.String() }

// Format implements [fmt.Formatter] so that every verb prints String.
func (t *Trustee) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// Deal draws the trustee's secret polynomial f(x) = a_0 + … + a_k−1·x^(k−1)
// (a_0 ≠ 0) with randomness from rand (nil means crypto/rand.Reader) and
// returns its two messages: the Feldman commitments with a proof of
// knowledge of a_0, and the shares s_ij = f(j) for every other trustee j,
// each encrypted to j's long-term key. Post both. A trustee deals once.
//
// Deal does not feed the messages to the trustee's own state: they count
// only once they come back from the board through Receive, as for everyone
// else, so the trustee's view never differs from the board's.
func (t *Trustee) Deal(rand io.Reader) (*Commitments, *Shares, error) {
	if t.poly != nil {
		return nil, nil, fmt.Errorf("dkg: trustee %d has already dealt", t.me)
	}
	p := t.c.p
	poly := make([]*group.Scalar, p.k)
	var err error
	if poly[0], err = group.RandomNonZeroScalar(rand); err != nil {
		return nil, nil, fmt.Errorf("dkg: dealing: %w", err)
	}
	for l := 1; l < p.k; l++ {
		if poly[l], err = group.RandomScalar(rand); err != nil {
			return nil, nil, fmt.Errorf("dkg: dealing: %w", err)
		}
	}
	cm, err := t.commit(rand, poly)
	if err != nil {
		return nil, nil, err
	}
	var cEnc []byte
	for _, c := range cm.Coefficients {
		cEnc = c.AppendBytes(cEnc)
	}
	sh := &Shares{Fingerprint: p.fp, Dealer: t.me}
	for _, j := range p.recipients(t.me) {
		s := evalPoly(poly, j)
		ct, err := hybrid.Encrypt(rand, p.key(j), s.Bytes(), p.shareAD(t.me, j))
		if err != nil {
			return nil, nil, fmt.Errorf("dkg: encrypting the share of trustee %d: %w", j, err)
		}
		sh.Shares = append(sh.Shares, EncryptedShare{Recipient: j, Ciphertext: ct})
	}
	t.poly, t.polyEnc = poly, cEnc
	return cm, sh, nil
}

// commit computes the commitments message of poly.
func (t *Trustee) commit(rand io.Reader, poly []*group.Scalar) (*Commitments, error) {
	p := t.c.p
	cm := &Commitments{Fingerprint: p.fp, Dealer: t.me, Coefficients: make([]*group.Element, len(poly))}
	for l, a := range poly {
		cm.Coefficients[l] = new(group.Element).ScalarBaseMult(a)
	}
	proof, err := zkp.ProveKey(rand, p.fp, poly[0], cm.Coefficients[0], p.commitmentsBinding(t.me, cm.Coefficients))
	if err != nil {
		return nil, fmt.Errorf("dkg: proving knowledge of the dealt secret: %w", err)
	}
	cm.Proof = proof
	return cm, nil
}

// evalPoly returns f(x) by Horner's rule, in constant time.
func evalPoly(poly []*group.Scalar, x uint32) *group.Scalar {
	xs := new(group.Scalar).SetUint64(uint64(x))
	s := new(group.Scalar).Set(poly[len(poly)-1])
	for l := len(poly) - 2; l >= 0; l-- {
		s.MultiplyAdd(s, xs, poly[l])
	}
	return s
}

// dealerStateVersion is the first byte of MarshalDealerState's output.
const dealerStateVersion = 1

// MarshalDealerState returns the trustee's secret polynomial for storage
// between runs (a trustee that restarts replays the board and restores its
// polynomial, which it needs for its own share): a version byte, the
// ceremony context, u32(index) and the k coefficients. Store it as a
// secret: it reveals the trustee's contribution to the joint key.
func (t *Trustee) MarshalDealerState() ([]byte, error) {
	if t.poly == nil {
		return nil, fmt.Errorf("dkg: trustee %d has not dealt", t.me)
	}
	b := make([]byte, 0, 1+ContextSize+4+group.ScalarSize*len(t.poly))
	b = append(b, dealerStateVersion)
	b = append(b, t.c.p.ctx[:]...)
	b = binary.BigEndian.AppendUint32(b, t.me)
	for _, a := range t.poly {
		b = append(b, a.Bytes()...)
	}
	return b, nil
}

// RestoreDealerState restores a polynomial saved by MarshalDealerState for
// the same ceremony and trustee. Errors never contain the input.
func (t *Trustee) RestoreDealerState(b []byte) error {
	if t.poly != nil {
		return fmt.Errorf("dkg: trustee %d has already dealt", t.me)
	}
	p := t.c.p
	if len(b) != 1+ContextSize+4+group.ScalarSize*p.k || b[0] != dealerStateVersion {
		return errors.New("dkg: dealer state has the wrong length or version for this ceremony")
	}
	if [ContextSize]byte(b[1:1+ContextSize]) != p.ctx || binary.BigEndian.Uint32(b[1+ContextSize:]) != t.me {
		return errors.New("dkg: dealer state belongs to another ceremony or trustee")
	}
	rest := b[1+ContextSize+4:]
	poly := make([]*group.Scalar, p.k)
	for l := range poly {
		a, err := new(group.Scalar).SetCanonicalBytes(rest[:group.ScalarSize])
		if err != nil {
			return errors.New("dkg: dealer state holds a non-canonical scalar")
		}
		poly[l] = a
		rest = rest[group.ScalarSize:]
	}
	if poly[0].IsZero() {
		return errors.New("dkg: dealer state has a zero secret")
	}
	// Keep the encoding of the commitments (without the proof, which is
	// randomised) to recognise them on the board.
	t.poly, t.polyEnc = poly, nil
	for _, a := range poly {
		t.polyEnc = new(group.Element).ScalarBaseMult(a).AppendBytes(t.polyEnc)
	}
	return nil
}

// Receive processes the next board message as [Ceremony.Receive] does and,
// once a dealer's commitments and shares are both accepted, decrypts and
// checks this trustee's share from it (a bad one yields a complaint from
// [Trustee.Complaints]). Errors are those of [Ceremony.Receive].
func (t *Trustee) Receive(msg Message) error {
	if err := t.c.Receive(msg); err != nil {
		return err
	}
	switch msg.(type) {
	case *Commitments, *Shares:
		t.checkShare(msg.Sender())
	}
	return nil
}

// checkShare decrypts and checks dealer i's share for this trustee, once
// both of i's messages are accepted.
func (t *Trustee) checkShare(i uint32) {
	c := t.c
	if i == t.me || t.checked[i-1] || c.commitments[i-1] == nil || c.shares[i-1] == nil {
		return
	}
	t.checked[i-1] = true
	pt, err := t.key.Decrypt(c.shareFor(i, t.me), c.p.shareAD(i, t.me))
	if err != nil {
		t.bad[i] = "share does not decrypt"
		return
	}
	s, err := new(group.Scalar).SetCanonicalBytes(pt)
	clear(pt)
	if err != nil {
		t.bad[i] = "share is not a canonical scalar"
		return
	}
	// s is secret: s·G in constant time, the commitments side on public data.
	want := evalCommitments(c.commitments[i-1].Coefficients, t.me)
	if new(group.Element).ScalarBaseMult(s).Equal(want) != 1 {
		t.bad[i] = "share fails the Feldman check"
		return
	}
	t.good[i-1] = s
}

// Complaints returns this trustee's complaints that are not yet on the
// board: one for each dealer whose share for this trustee does not decrypt,
// is not a canonical scalar or fails the Feldman check, unless another
// trustee's complaint has already disqualified that dealer. Each reveals the
// Diffie-Hellman value of that one ciphertext with a Chaum-Pedersen proof
// (nonces from rand, nil meaning crypto/rand.Reader). A complaint is made
// once and returned again by later calls until it comes back through
// Receive. Post every complaint before the ceremony closes: a trustee with
// a bad share from a qualified dealer cannot finish.
func (t *Trustee) Complaints(rand io.Reader) ([]*Complaint, error) {
	var out []*Complaint
	c := t.c
	for _, i := range sortedIndices(t.bad) {
		if _, posted := c.complaints[[2]uint32{t.me, i}]; posted || c.badDealer[i-1] {
			continue // posted, or the dealer is already disqualified
		}
		if m, ok := t.pending[i]; ok {
			out = append(out, m)
			continue
		}
		ct, ad := c.shareFor(i, t.me), c.p.shareAD(i, t.me)
		K, err := t.key.SharedSecret(ct, ad)
		if err != nil {
			return nil, fmt.Errorf("dkg: complaint against dealer %d: %w", i, err)
		}
		x := t.key.Scalar()
		proof, err := zkp.ProveDLEQ(rand, c.p.fp, x, c.p.key(t.me).Element(), ct.E, K, c.p.complaintBinding(t.me, i))
		if err != nil {
			return nil, fmt.Errorf("dkg: complaint against dealer %d: %w", i, err)
		}
		m := &Complaint{Fingerprint: c.p.fp, Complainer: t.me, Dealer: i, SharedSecret: K, Proof: proof}
		t.pending[i] = m
		out = append(out, m)
	}
	return out, nil
}

// Finish computes the trustee's result once the ceremony is closed: the
// public result of [Ceremony.Result] and the share x_j = Σ_{i∈QUAL} s_ij,
// checked against the verification key Y_j. It fails if fewer than k
// dealers qualified, if a qualified dealer's share for this trustee is bad
// (its complaint did not reach the board in time), or if the trustee is
// qualified as a dealer with commitments it did not deal or cannot restore.
func (t *Trustee) Finish() (*Result, error) {
	pub, err := t.c.Result()
	if err != nil {
		return nil, err
	}
	x := group.NewScalar()
	for _, i := range pub.Qualified {
		if i == t.me {
			if t.poly == nil {
				return nil, fmt.Errorf("dkg: trustee %d qualified as a dealer but has no polynomial (restore it with RestoreDealerState)", t.me)
			}
			if !t.ownCommitments() {
				return nil, fmt.Errorf("dkg: the commitments accepted for trustee %d are not the ones it dealt", t.me)
			}
			x.Add(x, evalPoly(t.poly, t.me))
			continue
		}
		s := t.good[i-1]
		if s == nil {
			why := t.bad[i]
			if why == "" {
				why = "no share checked"
			}
			return nil, fmt.Errorf("dkg: trustee %d: qualified dealer %d's share is unusable (%s) and no complaint was accepted before the close; this trustee cannot take part in decryption", t.me, i, why)
		}
		x.Add(x, s)
	}
	if err := pub.CheckShare(t.me, x); err != nil {
		return nil, err
	}
	return &Result{Index: t.me, Share: x, Public: pub}, nil
}

// ownCommitments reports whether the accepted commitments of this trustee
// are those of its polynomial.
func (t *Trustee) ownCommitments() bool {
	cm := t.c.commitments[t.me-1]
	if cm == nil {
		return false
	}
	var enc []byte
	for _, c := range cm.Coefficients {
		enc = c.AppendBytes(enc)
	}
	return string(enc) == string(t.polyEnc)
}
