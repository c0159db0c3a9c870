package dkg

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
)

// A MessageType is the first byte of every message encoding.
type MessageType byte

// Message types. The numbers are part of the wire format: never reorder.
const (
	TypeCommitments MessageType = 1 // a dealer's Feldman commitments and key proof
	TypeShares      MessageType = 2 // a dealer's encrypted shares
	TypeComplaint   MessageType = 3 // a recipient's complaint against a dealer
)

func (t MessageType) String() string {
	switch t {
	case TypeCommitments:
		return "commitments"
	case TypeShares:
		return "shares"
	case TypeComplaint:
		return "complaint"
	}
	return fmt.Sprintf("message type %d", byte(t))
}

// Sizes of message parts, in bytes.
const (
	// HeaderSize is the common header: type (1), fingerprint (32), sender
	// (4).
	HeaderSize = 1 + zkp.FingerprintSize + 4
	// ShareCiphertextSize is the size of one encrypted share: a hybrid
	// ciphertext of a 32-byte scalar.
	ShareCiphertextSize = hybrid.Overhead + group.ScalarSize
	// ComplaintSize is the size of a complaint message.
	ComplaintSize = HeaderSize + 4 + group.ElementSize + zkp.DLEQProofSize
)

// ErrMalformed is wrapped by every decoding failure: wrong length or type,
// non-canonical encodings, identity elements, counts that do not match,
// trailing bytes.
var ErrMalformed = errors.New("dkg: malformed message")

// A Message is one of [*Commitments], [*Shares] and [*Complaint]: what a
// trustee posts to the board and every participant feeds to
// [Trustee.Receive] or [Ceremony.Receive].
type Message interface {
	// Type returns the message type.
	Type() MessageType
	// Sender returns the index of the trustee that made the message. The
	// board's poster address must be checked against it by the caller.
	Sender() uint32
	// Election returns the fingerprint the message carries.
	Election() zkp.Fingerprint
	// Bytes returns the canonical encoding.
	Bytes() []byte
}

// Commitments is a dealer's first message: the Feldman commitments
// C_il = a_il·G to the coefficients of its secret polynomial
// f_i(x) = a_i0 + a_i1·x + … + a_i,k−1·x^(k−1), and a proof of knowledge of
// a_i0 bound to the ceremony and the dealer.
type Commitments struct {
	Fingerprint  zkp.Fingerprint
	Dealer       uint32
	Coefficients []*group.Element // C_i0 … C_i,k−1; C_i0 is never the identity
	Proof        *zkp.KeyProof    // knowledge of a_i0 = log_G C_i0
}

// EncryptedShare is one recipient's share s_ij = f_i(j), encrypted to the
// recipient's long-term key.
type EncryptedShare struct {
	Recipient  uint32
	Ciphertext *hybrid.Ciphertext
}

// Shares is a dealer's second message: the share of every other trustee,
// each encrypted to its recipient, in ascending recipient order.
type Shares struct {
	Fingerprint zkp.Fingerprint
	Dealer      uint32
	Shares      []EncryptedShare
}

// A Complaint is recipient j's public accusation that dealer i's share does
// not decrypt or does not match i's commitments. It reveals the
// Diffie-Hellman value K = x_j·E of that one ciphertext with a
// Chaum-Pedersen proof that log_G(X_j) = log_E(K), so that anyone can decrypt
// the share and check it.
type Complaint struct {
	Fingerprint  zkp.Fingerprint
	Complainer   uint32
	Dealer       uint32
	SharedSecret *group.Element // K = x_j·E; never the identity
	Proof        *zkp.DLEQProof
}

// Type returns [TypeCommitments].
func (m *Commitments) Type() MessageType { return TypeCommitments }

// Sender returns the dealer.
func (m *Commitments) Sender() uint32 { return m.Dealer }

// Election returns the message's fingerprint.
func (m *Commitments) Election() zkp.Fingerprint { return m.Fingerprint }

// Type returns [TypeShares].
func (m *Shares) Type() MessageType { return TypeShares }

// Sender returns the dealer.
func (m *Shares) Sender() uint32 { return m.Dealer }

// Election returns the message's fingerprint.
func (m *Shares) Election() zkp.Fingerprint { return m.Fingerprint }

// Type returns [TypeComplaint].
func (m *Complaint) Type() MessageType { return TypeComplaint }

// Sender returns the complainer.
func (m *Complaint) Sender() uint32 { return m.Complainer }

// Election returns the message's fingerprint.
func (m *Complaint) Election() zkp.Fingerprint { return m.Fingerprint }

func appendHeader(b []byte, t MessageType, fp *zkp.Fingerprint, sender uint32) []byte {
	b = append(b, byte(t))
	b = append(b, fp[:]...)
	return binary.BigEndian.AppendUint32(b, sender)
}

// Bytes returns the encoding
//
//	0x01 || fp || u32(i) || u32(k) || Encode(C_i0) || … || Encode(C_i,k−1) || proof
//
// of a well-formed message (see docs/spec/dkg.md, section 5.1).
func (m *Commitments) Bytes() []byte {
	b := make([]byte, 0, HeaderSize+4+group.ElementSize*len(m.Coefficients)+zkp.KeyProofSize)
	b = appendHeader(b, TypeCommitments, &m.Fingerprint, m.Dealer)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Coefficients)))
	for _, c := range m.Coefficients {
		b = c.AppendBytes(b)
	}
	return append(b, m.Proof.Bytes()...)
}

// Bytes returns the encoding
//
//	0x02 || fp || u32(i) || u32(count) || (u32(j) || ciphertext_ij)…
//
// of a well-formed message (see docs/spec/dkg.md, section 5.2).
func (m *Shares) Bytes() []byte {
	b := make([]byte, 0, HeaderSize+4+len(m.Shares)*(4+ShareCiphertextSize))
	b = appendHeader(b, TypeShares, &m.Fingerprint, m.Dealer)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Shares)))
	for _, s := range m.Shares {
		b = binary.BigEndian.AppendUint32(b, s.Recipient)
		b = s.Ciphertext.AppendBytes(b)
	}
	return b
}

// Bytes returns the encoding
//
//	0x03 || fp || u32(j) || u32(i) || Encode(K) || DLEQ proof
//
// of a well-formed message (see docs/spec/dkg.md, section 5.3).
func (m *Complaint) Bytes() []byte {
	b := make([]byte, 0, ComplaintSize)
	b = appendHeader(b, TypeComplaint, &m.Fingerprint, m.Complainer)
	b = binary.BigEndian.AppendUint32(b, m.Dealer)
	b = m.SharedSecret.AppendBytes(b)
	return append(b, m.Proof.Bytes()...)
}

func malformed(t MessageType, format string, args ...any) error {
	return fmt.Errorf("dkg: %s: %s: %w", t, fmt.Sprintf(format, args...), ErrMalformed)
}

// decoder reads the fields of one message and remembers the first error.
type decoder struct {
	t   MessageType
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = malformed(d.t, format, args...)
	}
}

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail("truncated %s", what)
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u32(what string) uint32 {
	raw := d.take(4, what)
	if raw == nil {
		return 0
	}
	return binary.BigEndian.Uint32(raw)
}

func (d *decoder) element(what string, identityOK bool) *group.Element {
	raw := d.take(group.ElementSize, what)
	if raw == nil {
		return nil
	}
	e, err := group.ParseElement(raw)
	if err != nil {
		d.fail("%s is not a canonical element", what)
		return nil
	}
	if !identityOK && e.IsIdentity() {
		d.fail("%s is the identity", what)
		return nil
	}
	return e
}

// header reads and checks the type, fingerprint and sender.
func (d *decoder) header(what string) (zkp.Fingerprint, uint32) {
	var fp zkp.Fingerprint
	typ := d.take(1, "message type")
	if typ != nil && MessageType(typ[0]) != d.t {
		d.fail("type byte %d, want %d", typ[0], byte(d.t))
	}
	copy(fp[:], d.take(zkp.FingerprintSize, "fingerprint"))
	sender := d.u32(what)
	if d.err == nil && sender == 0 {
		d.fail("%s index 0: indices start at 1", what)
	}
	return fp, sender
}

func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return malformed(d.t, "%d trailing bytes", len(d.b))
	}
	return nil
}

// ParseCommitments decodes a commitments message: type 0x01, a dealer index
// other than 0, a coefficient count from 1 to [MaxParticipants], that many
// canonical elements (C_i0 not the identity), a 64-byte key proof and
// nothing more. Whether the count equals the ceremony's k and the proof
// verifies is checked on receipt. Errors wrap [ErrMalformed].
func ParseCommitments(b []byte) (*Commitments, error) {
	d := &decoder{t: TypeCommitments, b: b}
	m := new(Commitments)
	m.Fingerprint, m.Dealer = d.header("dealer")
	k := d.u32("coefficient count")
	if d.err == nil && (k == 0 || k > MaxParticipants) {
		d.fail("coefficient count %d outside 1 … %d", k, MaxParticipants)
	}
	if d.err == nil && len(d.b) != int(k)*group.ElementSize+zkp.KeyProofSize {
		d.fail("%d bytes after the header for %d coefficients, want %d", len(d.b), k, int(k)*group.ElementSize+zkp.KeyProofSize)
	}
	for l := 0; d.err == nil && l < int(k); l++ {
		m.Coefficients = append(m.Coefficients, d.element(fmt.Sprintf("commitment C_%d", l), l > 0))
	}
	if raw := d.take(zkp.KeyProofSize, "key proof"); raw != nil {
		p, err := zkp.ParseKeyProof(raw)
		if err != nil {
			d.fail("key proof: %v", err)
		}
		m.Proof = p
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseShares decodes a shares message: type 0x02, a dealer index other
// than 0, a count below [MaxParticipants], and that many entries of a
// recipient index and a 144-byte hybrid ciphertext, with recipients in
// strictly ascending order, none 0 and none the dealer. Whether they are
// exactly the ceremony's other trustees and whether each ciphertext's proof
// verifies is checked on receipt. Errors wrap [ErrMalformed].
func ParseShares(b []byte) (*Shares, error) {
	d := &decoder{t: TypeShares, b: b}
	m := new(Shares)
	m.Fingerprint, m.Dealer = d.header("dealer")
	count := d.u32("share count")
	if d.err == nil && count >= MaxParticipants {
		d.fail("share count %d exceeds %d", count, MaxParticipants-1)
	}
	if d.err == nil && len(d.b) != int(count)*(4+ShareCiphertextSize) {
		d.fail("%d bytes after the header for %d shares, want %d", len(d.b), count, int(count)*(4+ShareCiphertextSize))
	}
	var prev uint32
	for n := 0; d.err == nil && n < int(count); n++ {
		j := d.u32("recipient")
		switch {
		case d.err != nil:
		case j == 0:
			d.fail("share %d: recipient index 0", n)
		case j == m.Dealer:
			d.fail("share %d: the dealer %d is its own recipient", n, j)
		case j <= prev:
			d.fail("share %d: recipient %d after %d: recipients must ascend", n, j, prev)
		}
		prev = j
		raw := d.take(ShareCiphertextSize, "ciphertext")
		if d.err != nil {
			break
		}
		ct, err := hybrid.ParseCiphertext(raw)
		if err != nil {
			d.fail("share for recipient %d: %v", j, err)
			break
		}
		m.Shares = append(m.Shares, EncryptedShare{Recipient: j, Ciphertext: ct})
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseComplaint decodes a complaint: exactly [ComplaintSize] bytes, type
// 0x03, complainer and dealer indices other than 0 and different from each
// other, K a canonical element other than the identity, and a 96-byte DLEQ
// proof. Errors wrap [ErrMalformed].
func ParseComplaint(b []byte) (*Complaint, error) {
	if len(b) != ComplaintSize {
		return nil, malformed(TypeComplaint, "%d bytes, want %d", len(b), ComplaintSize)
	}
	d := &decoder{t: TypeComplaint, b: b}
	m := new(Complaint)
	m.Fingerprint, m.Complainer = d.header("complainer")
	m.Dealer = d.u32("dealer")
	if d.err == nil && m.Dealer == 0 {
		d.fail("dealer index 0")
	}
	if d.err == nil && m.Dealer == m.Complainer {
		d.fail("trustee %d complains about itself", m.Dealer)
	}
	m.SharedSecret = d.element("shared secret K", false)
	if raw := d.take(zkp.DLEQProofSize, "DLEQ proof"); raw != nil {
		p, err := zkp.ParseDLEQProof(raw)
		if err != nil {
			d.fail("DLEQ proof: %v", err)
		}
		m.Proof = p
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseMessage decodes a message of any type by its first byte. Errors wrap
// [ErrMalformed].
func ParseMessage(b []byte) (Message, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("dkg: empty message: %w", ErrMalformed)
	}
	switch MessageType(b[0]) {
	case TypeCommitments:
		return ParseCommitments(b)
	case TypeShares:
		return ParseShares(b)
	case TypeComplaint:
		return ParseComplaint(b)
	}
	return nil, fmt.Errorf("dkg: unknown message type %d: %w", b[0], ErrMalformed)
}

// wellFormed checks the shape of a message built in memory (parsed
// messages always pass), so that Receive never dereferences nil.
func wellFormed(msg Message) error {
	switch m := msg.(type) {
	case *Commitments:
		if m == nil || len(m.Coefficients) == 0 || m.Proof == nil || m.Proof.R == nil || m.Proof.Z == nil {
			return malformed(TypeCommitments, "incomplete message")
		}
		for l, c := range m.Coefficients {
			if c == nil {
				return malformed(TypeCommitments, "missing commitment C_%d", l)
			}
		}
		if m.Coefficients[0].IsIdentity() {
			return malformed(TypeCommitments, "commitment C_0 is the identity")
		}
	case *Shares:
		if m == nil {
			return malformed(TypeShares, "incomplete message")
		}
		for n, s := range m.Shares {
			if s.Ciphertext == nil || s.Ciphertext.E == nil || s.Ciphertext.R == nil || s.Ciphertext.Z == nil {
				return malformed(TypeShares, "share %d: incomplete ciphertext", n)
			}
			if len(s.Ciphertext.Sealed) != ShareCiphertextSize-2*group.ElementSize-group.ScalarSize {
				return malformed(TypeShares, "share %d: ciphertext of %d bytes, want %d", n, s.Ciphertext.Size(), ShareCiphertextSize)
			}
		}
	case *Complaint:
		if m == nil || m.SharedSecret == nil || m.Proof == nil || m.Proof.RG == nil || m.Proof.RA == nil || m.Proof.Z == nil {
			return malformed(TypeComplaint, "incomplete message")
		}
	case nil:
		return fmt.Errorf("dkg: nil message: %w", ErrMalformed)
	default:
		return fmt.Errorf("dkg: unknown message type %T: %w", msg, ErrMalformed)
	}
	return nil
}
