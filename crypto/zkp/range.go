package zkp

import (
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
)

// rangeProtocol is the transcript protocol label of [RangeProof].
const rangeProtocol = "veche/zkp/range/v1"

// MaxRangeWidth is the largest hi − lo a [RangeProof] supports. A proof has
// hi − lo + 1 branches; each costs the prover four scalar multiplications,
// the verifier two multi-scalar-multiplication terms, and the encoding 128
// bytes. Wider ranges need a bit-decomposition proof (future work; see
// docs/spec/zkp-disjunctive.md, section 2).
const MaxRangeWidth = 64

// MaxRangeBranches is the largest branch count of an encoded [RangeProof].
const MaxRangeBranches = MaxRangeWidth + 1

// RangeProofSize returns the size of an encoded [RangeProof] with n
// branches: a 4-byte branch count, 2n elements, n − 1 challenges and n
// responses.
func RangeProofSize(n int) int {
	return 4 + 2*n*group.ElementSize + (2*n-1)*group.ScalarSize
}

// A RangeProof proves that a [Ciphertext] (A, B) under PK encrypts an integer
// v with lo ≤ v ≤ hi, where lo and hi are part of the statement (for a
// contest's sum of selections: its minimum and maximum number of
// selections; lo = hi for "exactly k"). It is a disjunction of n = hi − lo +
// 1 Chaum–Pedersen proofs in commitment form: branch i claims v = v_i = lo +
// i and, with commitments a_i = A[i] and b_i = B[i], response z_i = Z[i],
// and challenges c_i = C[i] for i < n − 1 and c_{n−1} = c − Σ C[i], where c
// is the transcript challenge,
//
//	z_i·G  = a_i + c_i·A
//	z_i·PK = b_i + c_i·(B − v_i·G)
type RangeProof struct {
	// A[i] and B[i] are the commitments a_i and b_i of branch i; n each.
	A, B []*group.Element
	// C holds the challenges c_0 … c_{n−2}; the last is c − Σ C[i].
	C []*group.Scalar
	// Z[i] is the response z_i of branch i; n of them.
	Z []*group.Scalar

	cache *encodingCache
}

// RangeItem is one statement and proof for [BatchVerifyRange].
type RangeItem struct {
	Ciphertext Ciphertext
	Lo, Hi     uint64
	Binding    []byte
	Proof      *RangeProof
}

// checkRange reports whether [lo, hi] is a supported range.
func checkRange(lo, hi uint64) error {
	if lo > hi {
		return errors.New("zkp: range: lo > hi")
	}
	if hi-lo > MaxRangeWidth {
		return fmt.Errorf("zkp: range: hi − lo = %d exceeds the maximum width %d; wider ranges need a bit-decomposition proof", hi-lo, MaxRangeWidth)
	}
	return nil
}

// ProveRange proves that ct = (r·G, v·G + r·PK) encrypts v ∈ [lo, hi], with
// hi − lo ≤ MaxRangeWidth. The binding is absorbed into the transcript; the
// verifier must supply the same bytes, lo and hi. Randomness is read from
// rand, or crypto/rand.Reader if rand is nil.
//
// ProveRange refuses, with an error that does not reveal v, if v is outside
// [lo, hi] or (v, r) does not open ct. Otherwise it runs in constant time
// with respect to v and r: every branch performs the same operations (see
// [ProveZeroOne]).
func ProveRange(rand io.Reader, fp Fingerprint, pk *group.Element, ct Ciphertext, v uint64, r *group.Scalar, lo, hi uint64, binding []byte) (*RangeProof, error) {
	if err := checkRange(lo, hi); err != nil {
		return nil, err
	}
	if v < lo || v > hi {
		return nil, errors.New("zkp: range: plaintext outside [lo, hi]")
	}
	st := &statement{kind: "range", protocol: rangeProtocol, ranged: true, ct: ct, lo: lo, hi: hi, binding: binding}
	d, err := proveBranches(rand, fp, pk, st, v, r)
	if err != nil {
		return nil, err
	}
	return &RangeProof{A: d.a, B: d.b, C: d.c, Z: d.z, cache: d.cache}, nil
}

// VerifyRange checks that proof proves that ct encrypts an integer in [lo,
// hi] under pk, for the election fp and the given binding. The proof's
// branch count must be hi − lo + 1, and hi − lo at most MaxRangeWidth. It
// returns nil or an error wrapping [ErrInvalidProof] that names the check
// that failed. Like [VerifyZeroOne] it checks all equations with one
// multi-scalar multiplication.
func VerifyRange(fp Fingerprint, pk *group.Element, ct Ciphertext, lo, hi uint64, binding []byte, proof *RangeProof) error {
	st := &statement{kind: "range", protocol: rangeProtocol, ranged: true, ct: ct, lo: lo, hi: hi, binding: binding}
	if proof == nil {
		return invalid(st.kind, "nil proof")
	}
	return verifyOne(fp, pk, st, proof.branches())
}

// BatchVerifyRange checks many range proofs under one public key and
// election, each with its own ciphertext, range and binding, as one
// multi-scalar multiplication with random 128-bit weights read from rand
// (crypto/rand.Reader if nil). A proof with n branches costs 2n + 2 terms.
// On failure it returns a *[BatchError] listing every failing index. An
// empty batch is an error.
func BatchVerifyRange(rand io.Reader, fp Fingerprint, pk *group.Element, items []RangeItem) error {
	sts := make([]*statement, len(items))
	ds := make([]*branchProof, len(items))
	for i := range items {
		it := &items[i]
		sts[i] = &statement{kind: "range", protocol: rangeProtocol, ranged: true, ct: it.Ciphertext, lo: it.Lo, hi: it.Hi, binding: it.Binding}
		if it.Proof != nil {
			ds[i] = it.Proof.branches()
		}
	}
	return verifyBatch(rand, fp, pk, "range", sts, ds)
}

// Bytes returns the encoding of p, RangeProofSize(n) bytes:
//
//	n (4 bytes, big-endian) || a_0 … a_{n−1} || b_0 … b_{n−1} ||
//	c_0 … c_{n−2} || z_0 … z_{n−1}
//
// It panics if a field is nil or the slice lengths are inconsistent.
func (p *RangeProof) Bytes() []byte {
	n := len(p.A)
	if n == 0 || len(p.B) != n || len(p.Z) != n || len(p.C) != n-1 {
		panic("zkp: RangeProof.Bytes: inconsistent branch counts")
	}
	out := make([]byte, 0, RangeProofSize(n))
	out = appendUint32(out, uint32(n))
	return p.branches().appendTo(out)
}

// ParseRangeProof decodes a [RangeProof]. It accepts only the canonical
// encoding with a branch count from 1 to MaxRangeBranches and exactly the
// bytes that count implies, and rejects identity commitments; errors wrap
// [ErrMalformed]. The verifier separately checks the count against its
// range.
func ParseRangeProof(b []byte) (*RangeProof, error) {
	dec := newDecoder("range", b)
	n := dec.uint32("branch count")
	if dec.err != nil {
		return nil, dec.err
	}
	if n == 0 || n > MaxRangeBranches {
		return nil, malformed("range", fmt.Sprintf("branch count %d outside [1, %d]", n, MaxRangeBranches))
	}
	if want := RangeProofSize(int(n)); len(b) != want {
		return nil, malformed("range", fmt.Sprintf("%d bytes for %d branches, want %d", len(b), n, want))
	}
	d, err := parseBranches("range", b[4:], int(n))
	if err != nil {
		return nil, err
	}
	return &RangeProof{A: d.a, B: d.b, C: d.c, Z: d.z, cache: d.cache}, nil
}

func (p *RangeProof) branches() *branchProof {
	return &branchProof{a: p.A, b: p.B, c: p.C, z: p.Z, cache: p.cache}
}
