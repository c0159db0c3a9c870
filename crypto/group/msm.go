package group

import (
	"errors"

	"filippo.io/edwards25519"
)

// VarTimeMultiScalarMult sets e = Σ scalars[i]·elements[i] and returns e. It
// runs in variable time: use it only with public inputs. It returns an error
// if the slices differ in length; an empty sum is the identity.
func (e *Element) VarTimeMultiScalarMult(scalars []*Scalar, elements []*Element) (*Element, error) {
	if len(scalars) != len(elements) {
		return nil, errors.New("group: multi-scalar multiplication needs as many scalars as elements")
	}
	ss := make([]*edwards25519.Scalar, len(scalars))
	ps := make([]*edwards25519.Point, len(elements))
	for i := range scalars {
		ss[i] = &scalars[i].s
		ps[i] = &elements[i].p
	}
	e.p.VarTimeMultiScalarMult(ss, ps)
	return e, nil
}
