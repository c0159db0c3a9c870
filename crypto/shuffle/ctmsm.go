package shuffle

import "github.com/veche/veche/crypto/group"

// secretMultiScalarMult returns Σ scalars[i]·elements[i] in constant time
// with respect to the scalars: the prover's nonce terms Σ ε_i·H_i of A' and
// Σ ε_i·Y_i,k of F', whose scalars are secret (ε_i = k_E,i − v·e_ψ(i) would
// reveal the permutation). It is [group.Element.MultiScalarMult], Straus's
// method with constant-time table scans, which shares the doublings between
// terms: about a third of a ScalarMult per term
// (docs/decisions/0011-shuffle.md).
func secretMultiScalarMult(scalars []*group.Scalar, elements []*group.Element) *group.Element {
	sum, err := new(group.Element).MultiScalarMult(scalars, elements)
	if err != nil {
		panic("shuffle: internal error: " + err.Error()) // the callers pass equal lengths
	}
	return sum
}
