package group

import (
	"crypto/subtle"

	"filippo.io/edwards25519/field"
)

// A FixedBase is a precomputed table for constant-time multiplication of one
// element that is used many times, such as an election public key: with it,
// [Element.FixedBaseMult] costs about as much as [Element.ScalarBaseMult]
// instead of [Element.ScalarMult].
//
// The table has the layout of ref10's and filippo.io/edwards25519's base
// point table: for i = 0 … 31 and j = 1 … 8 it holds j·256^i·P in affine
// cached form (30 KiB). A FixedBase is read-only after construction and safe
// for concurrent use.
type FixedBase struct {
	table [32][8]affineCached
}

// NewFixedBase returns the table for e. Building it costs about as much as
// four scalar multiplications (≈ 0.2 ms); it pays off from about five uses.
func NewFixedBase(e *Element) *FixedBase {
	// points[8i+j−1] = j·256^i·P, computed with additions and doublings.
	var points [32 * 8]Element
	var base, acc extPoint
	var cp completedPoint
	var cached cachedPoint
	base.fromEdwards(&e.p)
	for i := range 32 {
		cached.fromExt(&base)
		acc = base
		for j := 1; j <= 8; j++ {
			if j > 1 {
				acc.fromCompleted(cp.add(&acc, &cached))
			}
			acc.toEdwards(&points[8*i+j-1].p)
		}
		if i < 31 {
			// base = 256·base = 2·(8·base).
			base.fromCompleted(cp.double(&acc))
			for range 4 {
				base.fromCompleted(cp.double(&base))
			}
		}
	}
	ptrs := make([]*Element, len(points))
	for i := range points {
		ptrs[i] = &points[i]
	}
	flat := make([]affineCached, len(points))
	batchToAffine(flat, ptrs, nil)
	fb := new(FixedBase)
	for i := range 32 {
		copy(fb.table[i][:], flat[8*i:8*i+8])
	}
	return fb
}

// FixedBaseMult sets e = s·P, where fb = NewFixedBase(P), in constant time,
// and returns e.
//
// With s = Σ_{k=0}^{63} d_k·16^k in signed radix 16 (−8 ≤ d_k ≤ 8),
// s·P = Σ_i d_{2i+1}·16·(256^i·P) + Σ_i d_{2i}·(256^i·P): the odd digits are
// accumulated first, the sum multiplied by 16 with four doublings, then the
// even digits added, each digit's multiple read from the table with a
// constant-time scan (Bernstein, Duif, Lange, Schwabe and Yang,
// "High-speed high-security signatures", CHES 2011, Section 4).
func (e *Element) FixedBaseMult(fb *FixedBase, s *Scalar) *Element {
	digits := signedRadix16(s)
	var acc extPoint
	var cp completedPoint
	var q affineCached
	acc.identity()
	for k := 1; k < 64; k += 2 {
		selectAffine(&q, &fb.table[k/2], digits[k])
		acc.fromCompleted(cp.addAffine(&acc, &q))
	}
	for range 4 {
		acc.fromCompleted(cp.double(&acc))
	}
	for k := 0; k < 64; k += 2 {
		selectAffine(&q, &fb.table[k/2], digits[k])
		acc.fromCompleted(cp.addAffine(&acc, &q))
	}
	acc.toEdwards(&e.p)
	e.encOK = false
	return e
}

// selectAffine sets q = d·P for −8 ≤ d ≤ 8, where table holds 1·P … 8·P,
// in constant time: it reads every entry, keeping the wanted one with
// masks (field.Element.Select), and conditionally negates the result.
// (Scanning with 256-bit AVX2 masks into a padded copy took fewer
// instructions but more time on the development machine:
// docs/decisions/0012-constant-time-msm.md.)
func selectAffine(q *affineCached, table *[8]affineCached, d int8) {
	// |d| and the sign of d without branches.
	sign := uint8(d) >> 7
	abs := uint8(d) ^ -sign // ones' complement when negative
	abs += sign             // two's complement
	// The identity: (y+x)/2 = (y−x)/2 = 1/2, d·x·y = 0.
	q.YplusX.Set(feHalf)
	q.YminusX.Set(feHalf)
	q.T2d.Zero()
	for j := range 8 {
		cond := subtle.ConstantTimeByteEq(abs, uint8(j+1))
		e := &table[j]
		q.YplusX.Select(&e.YplusX, &q.YplusX, cond)
		q.YminusX.Select(&e.YminusX, &q.YminusX, cond)
		q.T2d.Select(&e.T2d, &q.T2d, cond)
	}
	neg := int(sign)
	q.YplusX.Swap(&q.YminusX, neg)
	var t field.Element
	t.Negate(&q.T2d)
	q.T2d.Select(&t, &q.T2d, neg)
}

// signedRadix16 returns s = Σ d_k·16^k with −8 ≤ d_k ≤ 8, in constant time.
// The top digit takes the final carry; it stays ≤ 8 since s < 2^253.
func signedRadix16(s *Scalar) [64]int8 {
	b := s.s.Bytes()
	var digits [64]int8
	for i := range 32 {
		digits[2*i] = int8(b[i] & 15)
		digits[2*i+1] = int8(b[i] >> 4)
	}
	for i := range 63 {
		carry := (digits[i] + 8) >> 4
		digits[i] -= carry << 4
		digits[i+1] += carry
	}
	return digits
}
