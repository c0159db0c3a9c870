package dkg

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
)

// Errors wrapped by [Ceremony.Receive] and [Trustee.Receive]. Every error
// names the message type, the sender and what is wrong; none contains a
// secret.
var (
	// ErrWrongElection: the message carries another election's
	// fingerprint (a replay from another election, or a misconfigured
	// trustee).
	ErrWrongElection = errors.New("dkg: message for another election")
	// ErrRejected: the message breaks a rule of the ceremony (unknown
	// sender, wrong threshold, invalid proof, an unreadable ciphertext,
	// a second different message of a kind the sender already posted,
	// a complaint about shares not yet posted). It is ignored and its
	// sender blamed.
	ErrRejected = errors.New("dkg: message rejected")
	// ErrFalseComplaint: the complaint is unjustified (its evidence fails,
	// or the share it is about is in fact valid). It is recorded, changes
	// nothing, and its sender is named in the result.
	ErrFalseComplaint = errors.New("dkg: false complaint")
	// ErrTooFewQualified is wrapped by Result and Finish when fewer than k
	// dealers qualified.
	ErrTooFewQualified = errors.New("dkg: too few qualified dealers")
)

// A Fault is what a [Blame] reports.
type Fault int

// Faults. A dealer with FaultBadShare, FaultNoCommitments or FaultNoShares
// is not in the qualified set; the other faults change nothing but are
// recorded for observers.
const (
	// FaultRejected: a message of Party was rejected; Detail says why.
	FaultRejected Fault = iota + 1
	// FaultFalseComplaint: Party complained about dealer Other without
	// cause.
	FaultFalseComplaint
	// FaultBadShare: a justified complaint by Other showed that dealer
	// Party's share for Other does not decrypt or fails the Feldman check;
	// Party is disqualified.
	FaultBadShare
	// FaultNoCommitments: dealer Party has no accepted commitments message.
	FaultNoCommitments
	// FaultNoShares: dealer Party has no accepted shares message.
	FaultNoShares
)

func (f Fault) String() string {
	switch f {
	case FaultRejected:
		return "rejected message"
	case FaultFalseComplaint:
		return "false complaint"
	case FaultBadShare:
		return "bad share"
	case FaultNoCommitments:
		return "no commitments"
	case FaultNoShares:
		return "no shares"
	}
	return fmt.Sprintf("fault %d", int(f))
}

// A Blame names a trustee that misbehaved or failed to take part.
type Blame struct {
	Party  uint32 // the trustee blamed
	Fault  Fault
	Other  uint32 // the complainer (FaultBadShare) or the accused dealer (FaultFalseComplaint); otherwise 0
	Detail string // what exactly, for example "share fails the Feldman check"
}

func (b Blame) String() string {
	switch b.Fault {
	case FaultBadShare:
		return fmt.Sprintf("trustee %d: bad share for trustee %d (%s)", b.Party, b.Other, b.Detail)
	case FaultFalseComplaint:
		return fmt.Sprintf("trustee %d: false complaint against dealer %d (%s)", b.Party, b.Other, b.Detail)
	case FaultRejected:
		return fmt.Sprintf("trustee %d: rejected message (%s)", b.Party, b.Detail)
	}
	return fmt.Sprintf("trustee %d: %s", b.Party, b.Fault)
}

// A Ceremony is the public state of a key ceremony: it accepts the
// ceremony's messages in board order and computes the [PublicResult]. It
// holds no secret; observers use it (or [VerifyCeremony]) and every
// [Trustee] runs one inside.
//
// The result is a function of the sequence of messages alone, so every
// party that reads the same board computes the same result. Order matters in
// two places only, both fixed by the board: the first accepted message of a
// kind from a sender is the one that counts, and a complaint is considered
// only after the dealer's commitments and shares.
type Ceremony struct {
	p           *params
	commitments []*Commitments // [i-1]: dealer i's accepted commitments
	commitEnc   [][]byte
	shares      []*Shares
	sharesEnc   [][]byte
	complaints  map[[2]uint32][]byte // (complainer, dealer) → accepted complaint
	badDealer   []bool               // [i-1]: a justified complaint against dealer i
	blames      []Blame
}

// NewCeremony validates the parameters and returns an empty ceremony.
func NewCeremony(params *Params) (*Ceremony, error) {
	p, err := params.validate()
	if err != nil {
		return nil, err
	}
	return newCeremony(p), nil
}

func newCeremony(p *params) *Ceremony {
	return &Ceremony{
		p:           p,
		commitments: make([]*Commitments, p.n),
		commitEnc:   make([][]byte, p.n),
		shares:      make([]*Shares, p.n),
		sharesEnc:   make([][]byte, p.n),
		complaints:  make(map[[2]uint32][]byte),
		badDealer:   make([]bool, p.n),
	}
}

// reject records a rejected message of a known sender and returns the
// error.
func (c *Ceremony) reject(t MessageType, sender uint32, sentinel error, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	if c.p.inRange(sender) {
		c.blames = append(c.blames, Blame{Party: sender, Fault: FaultRejected, Detail: t.String() + ": " + detail})
	}
	return fmt.Errorf("dkg: %s from trustee %d: %s: %w", t, sender, detail, sentinel)
}

// Receive processes the next message from the board. It returns nil if the
// message was accepted, was an exact replay of an accepted one (ignored),
// or is a justified complaint. Otherwise the error names the sender and the
// problem and wraps [ErrMalformed] (a message built in memory with missing
// fields), [ErrWrongElection], [ErrRejected] or [ErrFalseComplaint]; the
// message changes nothing except that its sender is blamed in the result.
//
// The caller must have checked that the board entry's poster is the
// trustee the message names as its sender, and must feed every party the
// same messages in board order, including a trustee's own messages.
// Receive never panics on untrusted input.
func (c *Ceremony) Receive(msg Message) error {
	if err := wellFormed(msg); err != nil {
		if s := senderOf(msg); c.p.inRange(s) {
			c.blames = append(c.blames, Blame{Party: s, Fault: FaultRejected, Detail: err.Error()})
		}
		return err
	}
	t, sender := msg.Type(), msg.Sender()
	if !c.p.inRange(sender) {
		return c.reject(t, sender, ErrRejected, "no trustee %d in a ceremony of %d", sender, c.p.n)
	}
	if fp := msg.Election(); fp != c.p.fp {
		return c.reject(t, sender, ErrWrongElection, "fingerprint %x… is not this election's %x…", fp[:6], c.p.fp[:6])
	}
	switch m := msg.(type) {
	case *Commitments:
		return c.receiveCommitments(m)
	case *Shares:
		return c.receiveShares(m)
	case *Complaint:
		_, err := c.receiveComplaint(m)
		return err
	}
	return fmt.Errorf("dkg: internal error: unhandled message %T", msg)
}

// senderOf returns the sender of a message that may be a nil pointer, or 0.
func senderOf(msg Message) uint32 {
	switch m := msg.(type) {
	case *Commitments:
		if m != nil {
			return m.Dealer
		}
	case *Shares:
		if m != nil {
			return m.Dealer
		}
	case *Complaint:
		if m != nil {
			return m.Complainer
		}
	}
	return 0
}

func (c *Ceremony) receiveCommitments(m *Commitments) error {
	i := m.Dealer
	if len(m.Coefficients) != c.p.k {
		return c.reject(TypeCommitments, i, ErrRejected, "%d coefficients for threshold k = %d", len(m.Coefficients), c.p.k)
	}
	enc := m.Bytes()
	if prev := c.commitEnc[i-1]; prev != nil {
		if bytes.Equal(prev, enc) {
			return nil
		}
		return c.reject(TypeCommitments, i, ErrRejected, "dealer already posted different commitments; its key cannot change")
	}
	binding := c.p.commitmentsBinding(i, m.Coefficients)
	if err := zkp.VerifyKey(c.p.fp, m.Coefficients[0], binding, m.Proof); err != nil {
		return c.reject(TypeCommitments, i, ErrRejected, "the proof of knowledge of the secret of C_0 fails")
	}
	c.commitments[i-1], c.commitEnc[i-1] = m, enc
	return nil
}

func (c *Ceremony) receiveShares(m *Shares) error {
	i := m.Dealer
	want := c.p.recipients(i)
	if len(m.Shares) != len(want) {
		return c.reject(TypeShares, i, ErrRejected, "%d encrypted shares, want one for each of the %d other trustees", len(m.Shares), len(want))
	}
	for n, s := range m.Shares {
		if s.Recipient != want[n] {
			return c.reject(TypeShares, i, ErrRejected, "share %d is for trustee %d, want %d (ascending, every trustee but the dealer)", n, s.Recipient, want[n])
		}
	}
	enc := m.Bytes()
	if prev := c.sharesEnc[i-1]; prev != nil {
		if bytes.Equal(prev, enc) {
			return nil
		}
		return c.reject(TypeShares, i, ErrRejected, "dealer already posted different shares")
	}
	for _, s := range m.Shares {
		if err := s.Ciphertext.Verify(c.p.key(s.Recipient), c.p.shareAD(i, s.Recipient)); err != nil {
			if errors.Is(err, hybrid.ErrInvalidProof) {
				return c.reject(TypeShares, i, ErrRejected, "ciphertext for trustee %d: its ephemeral-key proof fails", s.Recipient)
			}
			return c.reject(TypeShares, i, ErrRejected, "ciphertext for trustee %d: %v", s.Recipient, err)
		}
	}
	c.shares[i-1], c.sharesEnc[i-1] = m, enc
	return nil
}

// shareFor returns dealer i's accepted ciphertext for recipient j, or nil.
func (c *Ceremony) shareFor(i, j uint32) *hybrid.Ciphertext {
	m := c.shares[i-1]
	if m == nil {
		return nil
	}
	// Recipients are 1 … n without i, in order.
	n := j - 1
	if j > i {
		n--
	}
	return m.Shares[n].Ciphertext
}

// feldmanHolds reports whether s·G = Σ_l j^l·C_l for public s.
func feldmanHolds(C []*group.Element, j uint32, s *group.Scalar) bool {
	scalars, elements := feldmanTerms(C, j)
	scalars = append(scalars, new(group.Scalar).Negate(s))
	elements = append(elements, group.NewGeneratorElement())
	sum, err := new(group.Element).VarTimeMultiScalarMult(scalars, elements)
	return err == nil && sum.IsIdentity()
}

// feldmanTerms returns the scalars j^0 … j^(k−1) and the commitments, the
// terms of Σ_l j^l·C_l.
func feldmanTerms(C []*group.Element, j uint32) ([]*group.Scalar, []*group.Element) {
	x := new(group.Scalar).SetUint64(uint64(j))
	scalars := make([]*group.Scalar, len(C), len(C)+1)
	pow := new(group.Scalar).SetUint64(1)
	for l := range C {
		scalars[l] = new(group.Scalar).Set(pow)
		pow.Multiply(pow, x)
	}
	return scalars, append(make([]*group.Element, 0, len(C)+1), C...)
}

// evalCommitments returns Σ_l j^l·C_l (public data).
func evalCommitments(C []*group.Element, j uint32) *group.Element {
	scalars, elements := feldmanTerms(C, j)
	out, err := new(group.Element).VarTimeMultiScalarMult(scalars, elements)
	if err != nil {
		panic("dkg: internal error: " + err.Error())
	}
	return out
}

// receiveComplaint processes complaint m and reports whether it was
// justified.
func (c *Ceremony) receiveComplaint(m *Complaint) (bool, error) {
	j, i := m.Complainer, m.Dealer
	if !c.p.inRange(i) || i == j {
		return false, c.reject(TypeComplaint, j, ErrRejected, "complaint against dealer %d, which is not another trustee", i)
	}
	enc := m.Bytes()
	key := [2]uint32{j, i}
	if prev, ok := c.complaints[key]; ok {
		if bytes.Equal(prev, enc) {
			return false, nil
		}
		return false, c.reject(TypeComplaint, j, ErrRejected, "a different complaint against dealer %d was already posted", i)
	}
	ct := c.shareFor(i, j)
	if c.commitments[i-1] == nil || ct == nil {
		return false, c.reject(TypeComplaint, j, ErrRejected, "dealer %d has no accepted commitments and shares to complain about yet", i)
	}
	c.complaints[key] = enc
	falseComplaint := func(detail string) error {
		c.blames = append(c.blames, Blame{Party: j, Fault: FaultFalseComplaint, Other: i, Detail: detail})
		return fmt.Errorf("dkg: complaint from trustee %d against dealer %d: %s: %w", j, i, detail, ErrFalseComplaint)
	}
	Xj := c.p.key(j).Element()
	if err := zkp.VerifyDLEQ(c.p.fp, Xj, ct.E, m.SharedSecret, c.p.complaintBinding(j, i), m.Proof); err != nil {
		return false, falseComplaint("the proof that K is the shared secret fails")
	}
	detail := shareFault(c.p, c.commitments[i-1], i, j, ct, m.SharedSecret)
	if detail == "" {
		return false, falseComplaint("the share decrypts and matches the dealer's commitments")
	}
	c.badDealer[i-1] = true
	c.blames = append(c.blames, Blame{Party: i, Fault: FaultBadShare, Other: j, Detail: detail})
	return true, nil
}

// shareFault decrypts dealer i's share for j with the revealed shared
// secret K and returns why it is bad, or "" if it is valid.
func shareFault(p *params, cm *Commitments, i, j uint32, ct *hybrid.Ciphertext, K *group.Element) string {
	pt, err := hybrid.Open(p.key(j), K, ct, p.shareAD(i, j))
	if err != nil {
		return "share does not decrypt"
	}
	s, err := new(group.Scalar).SetCanonicalBytes(pt)
	if err != nil {
		return "share is not a canonical scalar"
	}
	if !feldmanHolds(cm.Coefficients, j, s) {
		return "share fails the Feldman check"
	}
	return ""
}

// Result computes the public outcome from the messages received so far:
// the qualified set QUAL (dealers with accepted commitments and shares and
// no justified complaint), the joint key Y = Σ_{i∈QUAL} C_i0, the joint
// commitments A_l = Σ_{i∈QUAL} C_il and every trustee's verification key
// Y_j = Σ_l j^l·A_l. It fails, wrapping [ErrTooFewQualified] and naming the
// missing and disqualified dealers, if fewer than k dealers qualified.
func (c *Ceremony) Result() (*PublicResult, error) {
	p := c.p
	blames := append([]Blame(nil), c.blames...)
	var qual []uint32
	for i := uint32(1); i <= uint32(p.n); i++ {
		switch {
		case c.commitments[i-1] == nil:
			blames = append(blames, Blame{Party: i, Fault: FaultNoCommitments})
		case c.shares[i-1] == nil:
			blames = append(blames, Blame{Party: i, Fault: FaultNoShares})
		case !c.badDealer[i-1]:
			qual = append(qual, i)
		}
	}
	if len(qual) < p.k {
		return nil, c.tooFew(qual, blames)
	}
	A := make([]*group.Element, p.k)
	for l := range A {
		A[l] = group.NewElement()
		for _, i := range qual {
			A[l].Add(A[l], c.commitments[i-1].Coefficients[l])
		}
	}
	Y := make([]*group.Element, p.n)
	for j := range Y {
		Y[j] = evalCommitments(A, uint32(j+1))
	}
	return &PublicResult{
		Fingerprint:      p.fp,
		Threshold:        p.k,
		N:                p.n,
		Qualified:        qual,
		JointKey:         new(group.Element).Set(A[0]),
		Commitments:      A,
		VerificationKeys: Y,
		Blames:           blames,
	}, nil
}

func (c *Ceremony) tooFew(qual []uint32, blames []Blame) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "dkg: %d qualified dealers %v, need k = %d", len(qual), qual, c.p.k)
	for _, b := range blames {
		switch b.Fault {
		case FaultNoCommitments, FaultNoShares, FaultBadShare:
			sb.WriteString("; ")
			sb.WriteString(b.String())
		}
	}
	return fmt.Errorf("%s: %w", sb.String(), ErrTooFewQualified)
}

// VerifyCeremony recomputes the public outcome of a ceremony from its
// messages alone, in board order, exactly as every trustee computes it.
// Messages that are rejected are skipped (their senders are blamed in the
// result). It fails if the parameters are invalid or fewer than k dealers
// qualified.
func VerifyCeremony(params *Params, msgs []Message) (*PublicResult, error) {
	c, err := NewCeremony(params)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		c.Receive(m) // a rejection is recorded as a blame
	}
	return c.Result()
}
