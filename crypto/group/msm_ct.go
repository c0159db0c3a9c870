package group

import (
	"errors"

	"filippo.io/edwards25519"
)

// ctMSMChunk is the number of terms of one constant-time sub-sum: its
// lookup tables (about 1 KiB a term) stay in cache.
const ctMSMChunk = 128

// MultiScalarMult sets e = Σ scalars[i]·elements[i] and returns e, in time
// that depends only on the number of terms, never on the scalars' values:
// for secret scalars, such as a prover's nonces. It shares the doublings
// between the terms (Straus's method with signed radix-16 digits and
// constant-time table lookups, filippo.io/edwards25519's
// Point.MultiScalarMult), in sub-sums of 128 terms, and costs about a third
// of a [Element.ScalarMult] per term. It returns an error if the slices
// differ in length; an empty sum is the identity.
func (e *Element) MultiScalarMult(scalars []*Scalar, elements []*Element) (*Element, error) {
	if len(scalars) != len(elements) {
		return nil, errors.New("group: MultiScalarMult: scalars and elements differ in number")
	}
	sum := edwards25519.NewIdentityPoint()
	var part edwards25519.Point
	ss := make([]*edwards25519.Scalar, 0, ctMSMChunk)
	ps := make([]*edwards25519.Point, 0, ctMSMChunk)
	for lo := 0; lo < len(scalars); lo += ctMSMChunk {
		hi := min(lo+ctMSMChunk, len(scalars))
		ss, ps = ss[:0], ps[:0]
		for i := lo; i < hi; i++ {
			ss = append(ss, &scalars[i].s)
			ps = append(ps, &elements[i].p)
		}
		sum.Add(sum, part.MultiScalarMult(ss, ps))
	}
	e.p.Set(sum)
	e.encOK = false
	return e, nil
}
