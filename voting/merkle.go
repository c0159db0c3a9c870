package voting

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// The Merkle tree of a batch is the tree of RFC 9162 (Certificate
// Transparency 2.0), section 2.1.1, over SHA-256, whose leaves are the
// batch's tracking codes in batch order:
//
//	leaf(d)    = SHA-256(0x00 || d)
//	node(l, r) = SHA-256(0x01 || l || r)
//	MTH(D[n])  = leaf(d_0) for n = 1, else node(MTH(D[0:k]), MTH(D[k:n]))
//	             with k the largest power of two smaller than n.

// MaxProofHashes bounds the path of an inclusion proof: a batch holds far
// fewer than 2^32 ballots.
const MaxProofHashes = 32

// ErrInclusion is wrapped by every failure of [VerifyInclusion].
var ErrInclusion = errors.New("voting: inclusion proof does not verify")

func leafHash(tc TrackingCode) [32]byte {
	var buf [1 + len(tc)]byte
	copy(buf[1:], tc[:])
	return sha256.Sum256(buf[:])
}

func nodeHash(l, r [32]byte) [32]byte {
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// split returns the largest power of two smaller than n (n >= 2).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// MerkleRoot returns the Merkle tree hash (RFC 9162, section 2.1.1) of the
// tracking codes, which must not be empty.
func MerkleRoot(codes []TrackingCode) [32]byte {
	switch len(codes) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leafHash(codes[0])
	}
	k := split(len(codes))
	return nodeHash(MerkleRoot(codes[:k]), MerkleRoot(codes[k:]))
}

// path returns the audit path of leaf m (RFC 9162, section 2.1.3.1).
func path(m int, codes []TrackingCode) [][32]byte {
	if len(codes) <= 1 {
		return nil
	}
	k := split(len(codes))
	if m < k {
		return append(path(m, codes[:k]), MerkleRoot(codes[k:]))
	}
	return append(path(m-k, codes[k:]), MerkleRoot(codes[:k]))
}

// An InclusionProof shows that the tracking code at Index of a batch of
// Size ballots is under the batch's Merkle root.
type InclusionProof struct {
	Index uint32
	Size  uint32
	Path  [][32]byte
}

// NewInclusionProof returns the proof for codes[index].
func NewInclusionProof(codes []TrackingCode, index int) (*InclusionProof, error) {
	if index < 0 || index >= len(codes) || len(codes) > 1<<31 {
		return nil, fmt.Errorf("voting: no leaf %d in a tree of %d", index, len(codes))
	}
	return &InclusionProof{Index: uint32(index), Size: uint32(len(codes)), Path: path(index, codes)}, nil
}

// Bytes encodes the proof: u32be(index) || u32be(size) || u8(len(path))
// || path (32 bytes each).
func (p *InclusionProof) Bytes() []byte {
	out := binary.BigEndian.AppendUint32(nil, p.Index)
	out = binary.BigEndian.AppendUint32(out, p.Size)
	out = append(out, byte(len(p.Path)))
	for _, h := range p.Path {
		out = append(out, h[:]...)
	}
	return out
}

// ParseInclusionProof decodes [InclusionProof.Bytes] strictly: index below
// size, at most [MaxProofHashes] hashes, nothing after them.
func ParseInclusionProof(b []byte) (*InclusionProof, error) {
	if len(b) < 9 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrInclusion, len(b))
	}
	p := &InclusionProof{Index: binary.BigEndian.Uint32(b), Size: binary.BigEndian.Uint32(b[4:])}
	n := int(b[8])
	if p.Index >= p.Size {
		return nil, fmt.Errorf("%w: index %d in a batch of %d", ErrInclusion, p.Index, p.Size)
	}
	if n > MaxProofHashes || len(b) != 9+32*n {
		return nil, fmt.Errorf("%w: %d bytes for %d hashes", ErrInclusion, len(b), n)
	}
	for i := range n {
		p.Path = append(p.Path, [32]byte(b[9+32*i:9+32*(i+1)]))
	}
	return p, nil
}

// VerifyInclusion checks the encoded inclusion proof of tracking code tc
// against root, the Merkle root of a ballot-batch entry on the board
// (RFC 9162, section 2.1.3.2). The proof's path length must be exactly the
// one its index and size give.
func VerifyInclusion(tc TrackingCode, proof []byte, root [32]byte) error {
	p, err := ParseInclusionProof(proof)
	if err != nil {
		return err
	}
	fn, sn := uint64(p.Index), uint64(p.Size)-1
	r := leafHash(tc)
	for _, h := range p.Path {
		if sn == 0 {
			return fmt.Errorf("%w: path longer than the tree", ErrInclusion)
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
		return fmt.Errorf("%w: path shorter than the tree", ErrInclusion)
	}
	if r != root {
		return fmt.Errorf("%w: root mismatch", ErrInclusion)
	}
	return nil
}
