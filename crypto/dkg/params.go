package dkg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/transcript"
	"github.com/veche/veche/crypto/zkp"
)

// MaxParticipants is the largest n a ceremony accepts. Work grows with n²
// (every trustee checks a proof per ciphertext of every dealer) and a shares
// message with n−1 ciphertexts must fit in one board entry: at n = 255 it is
// 37,633 bytes, under the board's 120 KiB payload limit.
const MaxParticipants = 255

// Labels of the ceremony transcripts and bindings. They are part of the
// format: never change them.
const (
	contextProtocol  = "veche/dkg/v1/context"
	commitmentsLabel = "veche/dkg/v1/commitments"
	shareLabel       = "veche/dkg/v1/share"
	complaintLabel   = "veche/dkg/v1/complaint"
)

// ContextSize is the size of the ceremony context digest.
const ContextSize = 32

// A Participant is one trustee of the ceremony: its index and the long-term
// encryption key it registered before the ceremony (for example in its
// trustee-joined board entry).
type Participant struct {
	Index uint32
	Key   *hybrid.PublicKey
}

// Params are the public parameters of a ceremony, identical for every
// trustee and observer: they come from the election's manifest and the
// trustees' registrations, never from the ceremony's messages.
type Params struct {
	// Fingerprint identifies the election. It is in every message and
	// bound into every proof and every encryption.
	Fingerprint zkp.Fingerprint
	// Threshold is k: any k trustees can decrypt together, fewer learn
	// nothing. 1 ≤ k ≤ N.
	Threshold int
	// N is the number of trustees, 1 ≤ N ≤ MaxParticipants.
	N int
	// Participants lists every trustee once, in any order: indices are
	// exactly 1 … N and keys are distinct.
	Participants []Participant
}

// ErrParams is wrapped by every error about invalid parameters.
var ErrParams = errors.New("dkg: invalid parameters")

// params is a validated copy of Params with the derived context.
type params struct {
	fp   zkp.Fingerprint
	k, n int
	keys []*hybrid.PublicKey // keys[j-1] is trustee j's key
	ctx  [ContextSize]byte
}

func paramsErr(format string, args ...any) error {
	return fmt.Errorf("dkg: %s: %w", fmt.Sprintf(format, args...), ErrParams)
}

// Validate checks the parameters: 1 ≤ k ≤ n ≤ [MaxParticipants], exactly n
// participants with indices 1 … n (no index 0, none above n, no duplicate)
// and distinct keys. Errors wrap [ErrParams].
func (p *Params) Validate() error {
	_, err := p.validate()
	return err
}

func (p *Params) validate() (*params, error) {
	if p == nil {
		return nil, paramsErr("missing parameters")
	}
	switch {
	case p.N < 1:
		return nil, paramsErr("n = %d: need at least one trustee", p.N)
	case p.N > MaxParticipants:
		return nil, paramsErr("n = %d exceeds the maximum of %d trustees", p.N, MaxParticipants)
	case p.Threshold < 1:
		return nil, paramsErr("threshold k = %d: must be at least 1", p.Threshold)
	case p.Threshold > p.N:
		return nil, paramsErr("threshold k = %d exceeds n = %d", p.Threshold, p.N)
	case len(p.Participants) != p.N:
		return nil, paramsErr("%d participants listed for n = %d", len(p.Participants), p.N)
	}
	v := &params{fp: p.Fingerprint, k: p.Threshold, n: p.N, keys: make([]*hybrid.PublicKey, p.N)}
	seen := make(map[string]uint32, p.N)
	for _, pt := range p.Participants {
		switch {
		case pt.Index == 0:
			return nil, paramsErr("participant index 0: indices start at 1")
		case pt.Index > uint32(p.N):
			return nil, paramsErr("participant index %d exceeds n = %d", pt.Index, p.N)
		case v.keys[pt.Index-1] != nil:
			return nil, paramsErr("participant index %d listed twice", pt.Index)
		case pt.Key == nil:
			return nil, paramsErr("participant %d has no key", pt.Index)
		}
		enc := string(pt.Key.Bytes())
		if other, dup := seen[enc]; dup {
			return nil, paramsErr("participants %d and %d registered the same key", other, pt.Index)
		}
		seen[enc] = pt.Index
		v.keys[pt.Index-1] = pt.Key
	}
	v.ctx = contextDigest(v.fp, v.k, v.keys)
	return v, nil
}

// contextDigest binds the whole parameter set: every proof and encryption
// of the ceremony absorbs it, so a message made for other parameters (other
// k, other trustees or keys, another election) never verifies.
//
//	New("veche/dkg/v1/context"), Bytes("fingerprint", fp),
//	Bytes("group", "ristretto255"), Uint64("threshold", k),
//	List("keys", n), Element("", X_1) … Element("", X_n),
//	ChallengeBytes("context", 32)
func contextDigest(fp zkp.Fingerprint, k int, keys []*hybrid.PublicKey) [ContextSize]byte {
	t := transcript.New(contextProtocol)
	t.Bytes("fingerprint", fp[:])
	t.Bytes("group", []byte(group.Name))
	t.Uint64("threshold", uint64(k))
	t.List("keys", len(keys))
	for _, X := range keys {
		t.ElementBytes("", X.Bytes())
	}
	var out [ContextSize]byte
	copy(out[:], t.ChallengeBytes("context", ContextSize))
	return out
}

// Context returns the ceremony context digest of valid parameters (see
// docs/spec/dkg.md, section 4).
func (p *Params) Context() ([ContextSize]byte, error) {
	v, err := p.validate()
	if err != nil {
		return [ContextSize]byte{}, err
	}
	return v.ctx, nil
}

// key returns trustee j's long-term key; j must be in range.
func (p *params) key(j uint32) *hybrid.PublicKey { return p.keys[j-1] }

func (p *params) inRange(j uint32) bool { return j >= 1 && j <= uint32(p.n) }

// binding builds label || ctx || u32(a) || u32(b)… for proof bindings and
// associated data.
func (p *params) binding(label string, idx ...uint32) []byte {
	b := make([]byte, 0, len(label)+ContextSize+4*len(idx))
	b = append(b, label...)
	b = append(b, p.ctx[:]...)
	for _, i := range idx {
		b = binary.BigEndian.AppendUint32(b, i)
	}
	return b
}

// commitmentsBinding is the key-proof binding of dealer i's commitments:
// "veche/dkg/v1/commitments" || ctx || u32(i) || Encode(C_i1) || … ||
// Encode(C_i,k−1).
func (p *params) commitmentsBinding(i uint32, C []*group.Element) []byte {
	b := p.binding(commitmentsLabel, i)
	for _, c := range C[1:] {
		b = c.AppendBytes(b)
	}
	return b
}

// shareAD is the associated data of dealer i's share for recipient j:
// "veche/dkg/v1/share" || ctx || u32(i) || u32(j).
func (p *params) shareAD(i, j uint32) []byte { return p.binding(shareLabel, i, j) }

// complaintBinding is the DLEQ binding of complainer j's complaint
// against dealer i: "veche/dkg/v1/complaint" || ctx || u32(j) || u32(i).
func (p *params) complaintBinding(j, i uint32) []byte { return p.binding(complaintLabel, j, i) }

// recipients returns the recipients of dealer i's shares: 1 … n without i.
func (p *params) recipients(i uint32) []uint32 {
	out := make([]uint32, 0, p.n-1)
	for j := uint32(1); j <= uint32(p.n); j++ {
		if j != i {
			out = append(out, j)
		}
	}
	return out
}

// sortedIndices returns the keys of m in ascending order.
func sortedIndices[V any](m map[uint32]V) []uint32 {
	out := make([]uint32, 0, len(m))
	for i := range m {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}
