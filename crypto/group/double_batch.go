package group

import (
	"errors"

	"filippo.io/edwards25519/field"
)

// DoubleBatch sets out[i] = 2·in[i] for every i and computes the encodings
// of the results at the same time, which [Element.Bytes] then returns
// without further work. Encoding an element needs an inverse square root
// (about 3 µs); encoding a double needs only an inverse, and the inverses of
// a batch share one field inversion (Montgomery's trick), so a batch costs
// less than half as much. A prover that computes P = (s/2)·G + (t/2)·H
// instead of s·G + t·H gets its commitment and the commitment's encoding
// through DoubleBatch. It runs in constant time. out and in must have the
// same length; they may be the same slice.
//
// The formulas, for P = (X:Y:Z:T) on −x² + y² = 1 + d·x²·y²: with
// e = 2·X·Y, f = Z² + d·T², g = Y² + X² and h = Z² − d·T², the double is
// 2P = (e·h : g·f : f·h : e·g) (HWCD 2008, Section 3.3, rescaled), and for
// that representation Encode's u1·u2² = (h² − g²)·(e·g·h·f²)² where
// h² − g² = (a − d)·e² (from the curve equation, a = −1), so
// SQRT_RATIO_M1(1, u1·u2²) = |INVSQRT_A_MINUS_D / (e²·f²·g·h)| (RFC 9496,
// Section 4.3.2). f, g and h are never zero on the points that represent
// ristretto255 elements; e is zero exactly when P represents the identity,
// whose double encodes as 32 zero bytes (the formula's inverse is replaced
// by zero, as SQRT_RATIO_M1(1, 0) returns).
func DoubleBatch(out, in []Element) error {
	if len(out) != len(in) {
		return errors.New("group: DoubleBatch: slices differ in length")
	}
	n := len(in)
	if n == 0 {
		return nil
	}
	type state struct {
		X, Y, Z, T field.Element // 2P
		den        field.Element // e²·f²·g·h, or 1 where e = 0
		zero       int           // e = 0
	}
	st := make([]state, n)
	var zero field.Element
	for i := range in {
		X, Y, Z, T := in[i].p.ExtendedCoordinates()
		var xx, yy, zz, dtt, e, f, g, h, t field.Element
		xx.Square(X)
		yy.Square(Y)
		zz.Square(Z)
		dtt.Square(T)
		dtt.Multiply(&dtt, feD)
		e.Multiply(X, Y)
		e.Add(&e, &e)
		f.Add(&zz, &dtt)
		g.Add(&yy, &xx)
		h.Subtract(&zz, &dtt)
		s := &st[i]
		s.X.Multiply(&e, &h)
		s.Y.Multiply(&g, &f)
		s.Z.Multiply(&f, &h)
		s.T.Multiply(&e, &g)
		s.den.Square(&e)
		t.Square(&f)
		s.den.Multiply(&s.den, &t)
		t.Multiply(&g, &h)
		s.den.Multiply(&s.den, &t)
		s.zero = e.Equal(&zero)
		s.den.Select(feOne, &s.den, s.zero)
	}
	// Montgomery's trick: prefix products, one inversion, then back.
	prefix := make([]field.Element, n)
	var acc field.Element
	acc.One()
	for i := range st {
		prefix[i].Set(&acc)
		acc.Multiply(&acc, &st[i].den)
	}
	var inv field.Element
	invert(&inv, &acc)
	for i := n - 1; i >= 0; i-- {
		s := &st[i]
		var di, u1, u2, invsqrt field.Element
		di.Multiply(&inv, &prefix[i]) // 1/den_i
		inv.Multiply(&inv, &s.den)
		invsqrt.Multiply(&di, feInvSqrtAMinusD)
		invsqrt.Absolute(&invsqrt)
		invsqrt.Select(&zero, &invsqrt, s.zero)
		ristrettoU(&u1, &u2, &s.X, &s.Y, &s.Z)
		o := &out[i]
		encodeWithInvSqrt(&o.enc, &s.X, &s.Y, &s.Z, &s.T, &u1, &u2, &invsqrt)
		if _, err := o.p.SetExtendedCoordinates(&s.X, &s.Y, &s.Z, &s.T); err != nil {
			panic("group: internal error: DoubleBatch left the curve")
		}
		o.encOK = true
	}
	clear(st)
	return nil
}
