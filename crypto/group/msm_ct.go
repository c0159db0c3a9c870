package group

import (
	"errors"
)

// ctMSMChunk is the number of terms of one constant-time sub-sum: its
// lookup tables (8 × 120 bytes a term) stay in the L2 cache.
const ctMSMChunk = 128

// MultiScalarMult sets e = Σ scalars[i]·elements[i] and returns e, in time
// that depends only on the number of terms, never on the scalars' values:
// for secret scalars, such as a prover's nonces. An error is returned if the
// slices differ in length; an empty sum is the identity.
//
// It is Straus's method (shared doublings) with signed radix-16 digits, in
// sub-sums of ctMSMChunk terms: for each term the multiples 1·P … 8·P are
// computed and brought to affine form together (one field inversion per
// sub-sum, batchExtToAffine), then for each of the 64 digit positions, from
// the top, the accumulator is multiplied by 16 and every term's digit
// multiple is added, read with a constant-time scan of the term's table
// (selectAffine). The elements are public; only the digits
// are secret, and they choose neither a branch nor an address.
func (e *Element) MultiScalarMult(scalars []*Scalar, elements []*Element) (*Element, error) {
	if len(scalars) != len(elements) {
		return nil, errors.New("group: MultiScalarMult: scalars and elements differ in number")
	}
	n := len(scalars)
	chunk := min(n, ctMSMChunk)
	tables := make([][8]affineCached, chunk)
	digits := make([][64]int8, chunk)
	multiples := make([]extPoint, 8*chunk)
	flat := make([]affineCached, 8*chunk)
	defer clear(digits)
	var sum, acc extPoint
	var cp completedPoint
	var c cachedPoint
	var q affineCached
	sum.identity()
	for lo := 0; lo < n; lo += chunk {
		m := min(chunk, n-lo)
		for i := range m {
			digits[i] = signedRadix16(scalars[lo+i])
			p := multiples[8*i : 8*i+8]
			p[0].fromEdwards(&elements[lo+i].p)
			c.fromExt(&p[0])
			for j := 1; j < 8; j++ {
				p[j].fromCompleted(cp.add(&p[j-1], &c))
			}
		}
		batchExtToAffine(flat[:8*m], multiples[:8*m])
		for i := range m {
			copy(tables[i][:], flat[8*i:8*i+8])
		}
		acc.identity()
		for k := 63; k >= 0; k-- {
			if k < 63 {
				for range 4 {
					acc.fromCompleted(cp.double(&acc))
				}
			}
			for i := range m {
				selectAffine(&q, &tables[i], digits[i][k])
				acc.fromCompleted(cp.addAffine(&acc, &q))
			}
		}
		c.fromExt(&acc)
		sum.fromCompleted(cp.add(&sum, &c))
	}
	sum.toEdwards(&e.p)
	e.encOK = false
	return e, nil
}
