package documents

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// The recipient list of a distribution is committed to by a Merkle tree
// (RFC 9162, section 2.1.1, over SHA-256) whose leaves are the recipients'
// leaf values sorted in increasing byte order, with no repeats
// (docs/spec/documents.md, section 5). Because the leaves are sorted, a
// recipient proves membership with one inclusion proof, and anyone proves
// that a leaf value is NOT in the list with the inclusion proofs of the two
// adjacent leaves that enclose it (or of the first or the last leaf).

// RecipientLeaf returns a recipient's leaf value in the distribution of a
// document version:
//
//	SHA-256("veche/documents/v1/recipient" || series || u32be(version) || pseudonym)
//
// where pseudonym is the resident's identity pseudonym for the service
// "documents" and the context series || u32be(version) (32 bytes, keyed by
// the server secret: without it a leaf cannot be tied to anyone, nor two
// leaves of one person in two distributions to each other).
func RecipientLeaf(series Series, version uint32, pseudonym [32]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(tagRecipient))
	h.Write(series[:])
	h.Write(binary.BigEndian.AppendUint32(nil, version))
	h.Write(pseudonym[:])
	return [32]byte(h.Sum(nil))
}

// DistributionContext returns the pseudonym context of a document version's
// distribution: series || u32be(version).
func DistributionContext(series Series, version uint32) []byte {
	return binary.BigEndian.AppendUint32(bytes.Clone(series[:]), version)
}

func leafHash(d [32]byte) [32]byte {
	var buf [33]byte
	copy(buf[1:], d[:])
	return sha256.Sum256(buf[:])
}

func nodeHash(l, r [32]byte) [32]byte {
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

func mth(leaves [][32]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leafHash(leaves[0])
	}
	k := split(len(leaves))
	return nodeHash(mth(leaves[:k]), mth(leaves[k:]))
}

func auditPath(m int, leaves [][32]byte) [][32]byte {
	if len(leaves) <= 1 {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(auditPath(m, leaves[:k]), mth(leaves[k:]))
	}
	return append(auditPath(m-k, leaves[k:]), mth(leaves[:k]))
}

// SortLeaves returns the leaves sorted increasingly; it fails on a repeat.
func SortLeaves(leaves [][32]byte) ([][32]byte, error) {
	s := slices.Clone(leaves)
	slices.SortFunc(s, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			return nil, fmt.Errorf("%w: a recipient leaf appears twice", ErrMalformed)
		}
	}
	return s, nil
}

// RecipientsRoot returns the Merkle root of the sorted leaves (the
// SHA-256 of the empty string for none).
func RecipientsRoot(sorted [][32]byte) [32]byte { return mth(sorted) }

// A Step is one leaf of a sorted tree with its inclusion proof.
type Step struct {
	Index uint32
	Value [32]byte   // the leaf value
	Path  [][32]byte // RFC 9162 audit path
}

// A MembershipProof says whether Leaf is in a distribution's list of Count
// recipients. For a member, Lower is the leaf itself; for a non-member,
// Lower and Upper are the adjacent leaves around it (Lower nil when Leaf
// sorts before the first, Upper nil when after the last; both nil for an
// empty list).
type MembershipProof struct {
	Leaf   [32]byte
	Count  uint32
	Member bool
	Lower  *Step
	Upper  *Step
}

// ProveMembership returns the membership or non-membership proof of leaf in
// sorted (as [SortLeaves] returns).
func ProveMembership(sorted [][32]byte, leaf [32]byte) (*MembershipProof, error) {
	if len(sorted) >= 1<<31 {
		return nil, fmt.Errorf("%w: too many recipients", ErrMalformed)
	}
	p := &MembershipProof{Leaf: leaf, Count: uint32(len(sorted))}
	i, found := slices.BinarySearchFunc(sorted, leaf, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	step := func(j int) *Step {
		return &Step{Index: uint32(j), Value: sorted[j], Path: auditPath(j, sorted)}
	}
	if found {
		p.Member, p.Lower = true, step(i)
		return p, nil
	}
	if i > 0 {
		p.Lower = step(i - 1)
	}
	if i < len(sorted) {
		p.Upper = step(i)
	}
	return p, nil
}

// verifyStep checks that s is the leaf at s.Index of a tree of n leaves with
// the given root (RFC 9162, section 2.1.3.2).
func verifyStep(s *Step, n uint32, root [32]byte) error {
	if s.Index >= n || len(s.Path) > 32 {
		return fmt.Errorf("%w: leaf %d of %d", ErrProof, s.Index, n)
	}
	fn, sn := uint64(s.Index), uint64(n)-1
	r := leafHash(s.Value)
	for _, h := range s.Path {
		if sn == 0 {
			return fmt.Errorf("%w: path longer than the tree", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(h, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, h)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return fmt.Errorf("%w: path shorter than the tree", ErrProof)
	}
	if r != root {
		return fmt.Errorf("%w: root mismatch", ErrProof)
	}
	return nil
}

// VerifyMembership checks p against a distribution's count and root, and
// returns whether p.Leaf is among the recipients. It fails unless the
// proof is complete and sound: a member's leaf is at its index; a
// non-member's enclosing leaves are adjacent (indexes i and i+1, or index 0
// alone, or index count-1 alone, or none for an empty list) and sort
// strictly around it.
func VerifyMembership(p *MembershipProof, count uint32, root [32]byte) (bool, error) {
	if p == nil || p.Count != count {
		return false, fmt.Errorf("%w: the proof is for another list size", ErrProof)
	}
	cmp := func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }
	if p.Member {
		if p.Lower == nil || p.Upper != nil || p.Lower.Value != p.Leaf {
			return false, fmt.Errorf("%w: a member's proof is its own leaf", ErrProof)
		}
		return true, verifyStep(p.Lower, count, root)
	}
	switch {
	case count == 0:
		if p.Lower != nil || p.Upper != nil || root != mth(nil) {
			return false, fmt.Errorf("%w: an empty list", ErrProof)
		}
		return false, nil
	case p.Lower == nil && p.Upper == nil:
		return false, fmt.Errorf("%w: no enclosing leaves", ErrProof)
	case p.Lower == nil && p.Upper.Index != 0,
		p.Upper == nil && p.Lower.Index != count-1,
		p.Lower != nil && p.Upper != nil && p.Upper.Index != p.Lower.Index+1:
		return false, fmt.Errorf("%w: the enclosing leaves are not adjacent", ErrProof)
	}
	if p.Lower != nil {
		if cmp(p.Lower.Value, p.Leaf) >= 0 {
			return false, fmt.Errorf("%w: the lower leaf does not sort below", ErrProof)
		}
		if err := verifyStep(p.Lower, count, root); err != nil {
			return false, err
		}
	}
	if p.Upper != nil {
		if cmp(p.Upper.Value, p.Leaf) <= 0 {
			return false, fmt.Errorf("%w: the upper leaf does not sort above", ErrProof)
		}
		if err := verifyStep(p.Upper, count, root); err != nil {
			return false, err
		}
	}
	return false, nil
}
