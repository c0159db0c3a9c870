package dkg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

// A PublicResult is the public outcome of a ceremony, the same for every
// trustee and observer: what threshold decryption needs besides the
// trustees' shares.
type PublicResult struct {
	Fingerprint zkp.Fingerprint
	Threshold   int      // k
	N           int      // n
	Qualified   []uint32 // QUAL, ascending; at least k dealers
	// JointKey is the election public key Y = Σ_{i∈QUAL} C_i0.
	JointKey *group.Element
	// Commitments are the joint Feldman commitments A_l = Σ_{i∈QUAL} C_il,
	// l = 0 … k−1, to the polynomial F = Σ_{i∈QUAL} f_i whose values are
	// the trustees' shares; A_0 = JointKey.
	Commitments []*group.Element
	// VerificationKeys[j−1] is trustee j's verification key
	// Y_j = x_j·G = Σ_l j^l·A_l, for j = 1 … n.
	VerificationKeys []*group.Element
	// Blames names every trustee that misbehaved or did not take part,
	// in board order, then the dealers missing messages by index. It is
	// not part of the encoding.
	Blames []Blame
}

// VerificationKey returns trustee j's verification key Y_j, or nil if j is
// not a trustee of the ceremony.
func (r *PublicResult) VerificationKey(j uint32) *group.Element {
	if j < 1 || int(j) > len(r.VerificationKeys) {
		return nil
	}
	return r.VerificationKeys[j-1]
}

// IsQualified reports whether dealer i is in QUAL.
func (r *PublicResult) IsQualified(i uint32) bool {
	for _, q := range r.Qualified {
		if q == i {
			return true
		}
	}
	return false
}

// CheckShare is the trustee-side check of a final share: x_j·G = Y_j. The
// multiplication is constant time; the error says only that the share does
// not match.
func (r *PublicResult) CheckShare(j uint32, share *group.Scalar) error {
	Yj := r.VerificationKey(j)
	if Yj == nil {
		return fmt.Errorf("dkg: no trustee %d in a ceremony of %d", j, r.N)
	}
	if share == nil {
		return errors.New("dkg: missing share")
	}
	if new(group.Element).ScalarBaseMult(share).Equal(Yj) != 1 {
		return fmt.Errorf("dkg: trustee %d: the share does not match the verification key Y_%d", j, j)
	}
	return nil
}

// resultType is the first byte of an encoded PublicResult. It is outside
// the message types, so a result never parses as a message or vice versa.
const resultType = 4

// Bytes returns the encoding of the result, posted as the ceremony's
// dkg-result entry (docs/spec/dkg.md, section 8):
//
//	0x04 || fp || u32(k) || u32(n) || u32(|QUAL|) || u32(i)… ||
//	Encode(A_0) … Encode(A_k−1) || Encode(Y_1) … Encode(Y_n)
//
// Blames are not encoded: anyone recomputes them from the messages.
func (r *PublicResult) Bytes() []byte {
	b := make([]byte, 0, 1+zkp.FingerprintSize+12+4*len(r.Qualified)+group.ElementSize*(len(r.Commitments)+len(r.VerificationKeys)))
	b = append(b, resultType)
	b = append(b, r.Fingerprint[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(r.Threshold))
	b = binary.BigEndian.AppendUint32(b, uint32(r.N))
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Qualified)))
	for _, i := range r.Qualified {
		b = binary.BigEndian.AppendUint32(b, i)
	}
	for _, a := range r.Commitments {
		b = a.AppendBytes(b)
	}
	for _, y := range r.VerificationKeys {
		b = y.AppendBytes(b)
	}
	return b
}

// Equal reports whether r and o have the same encoding (blames are not
// compared).
func (r *PublicResult) Equal(o *PublicResult) bool { return bytes.Equal(r.Bytes(), o.Bytes()) }

// ParsePublicResult decodes an encoded result and checks that it is
// consistent: 1 ≤ k ≤ n ≤ [MaxParticipants], k ≤ |QUAL| ≤ n with indices
// ascending in 1 … n, canonical elements, a joint key other than the
// identity, and every Y_j equal to Σ_l j^l·A_l. It does not check that the
// result is the outcome of any ceremony: compare it with [VerifyCeremony]'s.
// Errors wrap [ErrMalformed].
func ParsePublicResult(b []byte) (*PublicResult, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("dkg: result: %s: %w", fmt.Sprintf(format, args...), ErrMalformed)
	}
	const fixed = 1 + zkp.FingerprintSize + 12
	if len(b) < fixed {
		return nil, bad("%d bytes, shorter than the %d-byte header", len(b), fixed)
	}
	if b[0] != resultType {
		return nil, bad("type byte %d, want %d", b[0], resultType)
	}
	r := new(PublicResult)
	copy(r.Fingerprint[:], b[1:33])
	k, n, q := binary.BigEndian.Uint32(b[33:]), binary.BigEndian.Uint32(b[37:]), binary.BigEndian.Uint32(b[41:])
	switch {
	case n < 1 || n > MaxParticipants:
		return nil, bad("n = %d outside 1 … %d", n, MaxParticipants)
	case k < 1 || k > n:
		return nil, bad("k = %d outside 1 … n = %d", k, n)
	case q < k || q > n:
		return nil, bad("%d qualified dealers outside k = %d … n = %d", q, k, n)
	}
	want := fixed + 4*int(q) + group.ElementSize*int(k+n)
	if len(b) != want {
		return nil, bad("%d bytes, want %d", len(b), want)
	}
	r.Threshold, r.N = int(k), int(n)
	rest := b[fixed:]
	var prev uint32
	for range q {
		i := binary.BigEndian.Uint32(rest)
		rest = rest[4:]
		if i <= prev || i > n {
			return nil, bad("qualified dealer %d after %d: indices must ascend within 1 … %d", i, prev, n)
		}
		r.Qualified = append(r.Qualified, i)
		prev = i
	}
	elems := func(count int, name string, base int) ([]*group.Element, error) {
		out := make([]*group.Element, count)
		for l := range out {
			e, err := group.ParseElement(rest[:group.ElementSize])
			if err != nil {
				return nil, bad("%s_%d is not a canonical element", name, l+base)
			}
			out[l] = e
			rest = rest[group.ElementSize:]
		}
		return out, nil
	}
	var err error
	if r.Commitments, err = elems(int(k), "joint commitment A", 0); err != nil {
		return nil, err
	}
	if r.Commitments[0].IsIdentity() {
		return nil, bad("the joint key is the identity")
	}
	if r.VerificationKeys, err = elems(int(n), "verification key Y", 1); err != nil {
		return nil, err
	}
	for j := range r.VerificationKeys {
		if evalCommitments(r.Commitments, uint32(j+1)).Equal(r.VerificationKeys[j]) != 1 {
			return nil, bad("verification key Y_%d ≠ Σ_l %d^l·A_l", j+1, j+1)
		}
	}
	r.JointKey = new(group.Element).Set(r.Commitments[0])
	return r, nil
}

// A Result is one trustee's outcome of a ceremony: its index, its share
// x_j = Σ_{i∈QUAL} s_ij of the joint secret, and the public result. The
// fmt package prints a Result with the share redacted.
type Result struct {
	Index  uint32
	Share  *group.Scalar // secret: x_j, with x_j·G = Public.VerificationKey(Index)
	Public *PublicResult
}

// String returns a description of r without the share.
func (r Result) String() string {
	s := fmt.Sprintf("dkg.Result{Index: %d, Share: REDACTED", r.Index)
	if r.Public != nil && r.Public.JointKey != nil {
		s += fmt.Sprintf(", JointKey: %x, Qualified: %v", r.Public.JointKey.Bytes(), r.Public.Qualified)
	}
	return s + "}"
}

// GoString is String.
func (r Result) GoString() string { return r.String() }

// Format implements [fmt.Formatter] so that every verb prints String.
func (r Result) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }
