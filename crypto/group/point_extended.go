package group

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// This file holds the point arithmetic behind the constant-time
// multi-scalar multiplication, the fixed-base tables and the affine points
// of the Pippenger bucket method (whose additions run on fe64, in
// fe64_point.go). filippo.io/edwards25519 keeps its coordinate types
// unexported, so the formulas are restated here on its field package.
//
// The curve is edwards25519, −x² + y² = 1 + d·x²·y² (a twisted Edwards curve
// with a = −1). The formulas are those of Hisil, Wong, Carter and Dawson,
// "Twisted Edwards Curves Revisited" (Asiacrypt 2008, eprint 2008/522),
// Section 3, in the Explicit-Formulas Database's a = −1 versions:
// add-2008-hwcd-3 (8M, with k = 2d on the cached operand), madd-2008-hwcd-3
// (7M, Z2 = 1) and dbl-2008-hwcd (4M + 4S). As in ref10 and
// filippo.io/edwards25519 they are split into a "completed" result and a
// four-multiplication conversion back to extended coordinates.

// An extPoint is a point in extended coordinates (X:Y:Z:T) with x = X/Z,
// y = Y/Z and x·y = T/Z (HWCD 2008, Section 3).
type extPoint struct {
	X, Y, Z, T field.Element
}

// A completedPoint is ((X:Z), (Y:T)), with x = X/Z and y = Y/T: the output of
// the addition and doubling formulas before their last four multiplications
// ("P1xP1" in ref10).
type completedPoint struct {
	X, Y, Z, T field.Element
}

// A cachedPoint is (Y+X, Y−X, Z, 2d·T), the form of the second operand of an
// addition, computed once per point.
type cachedPoint struct {
	YplusX, YminusX, Z, T2d field.Element
}

// An affineCached point is the cached form (Y+X, Y−X, Z, 2d·T) of a point
// with Z = 1/2, that is ((y+x)/2, (y−x)/2, d·x·y), Z left implicit: the
// "Niels" form of an affine point, scaled so that the 2·Z1·Z2 of the addition
// formula is just Z1. Adding it to an extPoint costs 7 multiplications
// instead of 8.
type affineCached struct {
	YplusX, YminusX, T2d field.Element
}

var (
	feD2   = new(field.Element).Add(feD, feD)
	feD4   = new(field.Element).Add(feD2, feD2)
	feInvD = new(field.Element).Invert(feD)
	feHalf = new(field.Element).Invert(new(field.Element).Add(feOne, feOne))
)

// identity sets v to the neutral element (0:1:1:0).
func (v *extPoint) identity() *extPoint {
	v.X.Zero()
	v.Y.One()
	v.Z.One()
	v.T.Zero()
	return v
}

// fromEdwards sets v to the coordinates of p.
func (v *extPoint) fromEdwards(p *edwards25519.Point) *extPoint {
	X, Y, Z, T := p.ExtendedCoordinates()
	v.X.Set(X)
	v.Y.Set(Y)
	v.Z.Set(Z)
	v.T.Set(T)
	return v
}

// toEdwards sets p to v. SetExtendedCoordinates checks the curve equation,
// so a wrong formula here panics instead of returning a wrong element.
func (v *extPoint) toEdwards(p *edwards25519.Point) *edwards25519.Point {
	if _, err := p.SetExtendedCoordinates(&v.X, &v.Y, &v.Z, &v.T); err != nil {
		panic("group: internal error: extended-coordinate arithmetic left the curve")
	}
	return p
}

// fromCompleted sets v = p, converting from completed coordinates with four
// multiplications.
func (v *extPoint) fromCompleted(p *completedPoint) *extPoint {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
	v.T.Multiply(&p.X, &p.Y)
	return v
}

// fromExt sets v to the cached form of p (one multiplication).
func (v *cachedPoint) fromExt(p *extPoint) *cachedPoint {
	v.YplusX.Add(&p.Y, &p.X)
	v.YminusX.Subtract(&p.Y, &p.X)
	v.Z.Set(&p.Z)
	v.T2d.Multiply(&p.T, feD2)
	return v
}

// add sets v = p + q (add-2008-hwcd-3), with A = (Y1−X1)(Y2−X2),
// B = (Y1+X1)(Y2+X2), C = T1·2d·T2, D = 2·Z1·Z2 and the completed result
// (B−A, B+A, D+C, D−C). Four multiplications.
func (v *completedPoint) add(p *extPoint, q *cachedPoint) *completedPoint {
	var ypx, ymx, pp, mm, tt2d, zz2 field.Element
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, &q.YplusX)
	mm.Multiply(&ymx, &q.YminusX)
	tt2d.Multiply(&p.T, &q.T2d)
	zz2.Multiply(&p.Z, &q.Z)
	zz2.Add(&zz2, &zz2)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	v.Z.Add(&zz2, &tt2d)
	v.T.Subtract(&zz2, &tt2d)
	return v
}

// addAffine sets v = p + q for an affine q (madd-2008-hwcd-3, here with
// Z2 = 1/2 so that D = 2·Z1·Z2 = Z1). Three multiplications.
func (v *completedPoint) addAffine(p *extPoint, q *affineCached) *completedPoint {
	var ypx, ymx, pp, mm, tt2d field.Element
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, &q.YplusX)
	mm.Multiply(&ymx, &q.YminusX)
	tt2d.Multiply(&p.T, &q.T2d)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	v.Z.Add(&p.Z, &tt2d)
	v.T.Subtract(&p.Z, &tt2d)
	return v
}

// subAffine sets v = p − q for an affine q: −(x, y) = (−x, y) swaps y+x with
// y−x and negates 2d·T.
func (v *completedPoint) subAffine(p *extPoint, q *affineCached) *completedPoint {
	var ypx, ymx, pp, mm, tt2d field.Element
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, &q.YminusX)
	mm.Multiply(&ymx, &q.YplusX)
	tt2d.Multiply(&p.T, &q.T2d)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	v.Z.Subtract(&p.Z, &tt2d)
	v.T.Add(&p.Z, &tt2d)
	return v
}

// double sets v = 2·p (dbl-2008-hwcd with a = −1), using only X, Y and Z.
// With A = X², B = Y², C = 2Z², E = (X+Y)² − A − B and G = B − A, the
// completed result is (E, A+B, G, C−G) = (E, −H, G, −F) for the formula's
// (E, H, G, F) with H = −A−B and F = G − C: after the conversion every
// coordinate is negated, which is the same projective point. Four squarings.
func (v *completedPoint) double(p *extPoint) *completedPoint {
	var xx, yy, zz2, xpy2 field.Element
	xx.Square(&p.X)
	yy.Square(&p.Y)
	zz2.Square(&p.Z)
	zz2.Add(&zz2, &zz2)
	xpy2.Add(&p.X, &p.Y)
	xpy2.Square(&xpy2)
	v.Y.Add(&yy, &xx)
	v.Z.Subtract(&yy, &xx)
	v.X.Subtract(&xpy2, &v.Y)
	v.T.Subtract(&zz2, &v.Z)
	return v
}

// setAffine sets v = q, or −q if neg, without a full addition:
// X = (y+x)/2 − (y−x)/2 = x, Y = y, Z = 1 and T = x·y = (d·x·y)/d. One
// multiplication.
func (v *extPoint) setAffine(q *affineCached, neg bool) *extPoint {
	if neg {
		v.X.Subtract(&q.YminusX, &q.YplusX)
	} else {
		v.X.Subtract(&q.YplusX, &q.YminusX)
	}
	v.Y.Add(&q.YplusX, &q.YminusX)
	v.Z.One()
	v.T.Multiply(&q.T2d, feInvD)
	if neg {
		v.T.Negate(&v.T)
	}
	return v
}

// negate sets v = −v for an affine cached point.
func (v *affineCached) negate() *affineCached {
	v.YplusX, v.YminusX = v.YminusX, v.YplusX
	v.T2d.Negate(&v.T2d)
	return v
}

// batchToAffine sets out[i] to the affine cached form of points[i], negated
// where neg[i] is set (neg may be nil). The Z inverses share one field
// inversion through Montgomery's trick (three multiplications per point).
func batchToAffine(out []affineCached, points []*Element, neg []bool) {
	batchAffine(out, func(i int) (X, Y, Z *field.Element) {
		X, Y, Z, _ = points[i].p.ExtendedCoordinates()
		return X, Y, Z
	}, neg)
}

// batchExtToAffine is batchToAffine for extended-coordinate points.
func batchExtToAffine(out []affineCached, points []extPoint) {
	batchAffine(out, func(i int) (X, Y, Z *field.Element) {
		return &points[i].X, &points[i].Y, &points[i].Z
	}, nil)
}

// batchAffine is batchToAffine with the coordinates of point i given by
// coords(i).
func batchAffine(out []affineCached, coords func(i int) (X, Y, Z *field.Element), neg []bool) {
	n := len(out)
	if n == 0 {
		return
	}
	// Prefix products Z_0·…·Z_i, kept in out[i].T2d until point i is done.
	var acc field.Element
	acc.One()
	for i := range n {
		_, _, Z := coords(i)
		acc.Multiply(&acc, Z)
		out[i].T2d.Set(&acc)
	}
	var inv, zInv, x, y field.Element
	invert(&inv, &acc) // (Z_0·…·Z_{n−1})⁻¹; Z is never zero for a valid point.
	inv.Multiply(&inv, feHalf)
	for i := n - 1; i >= 0; i-- {
		X, Y, Z := coords(i)
		// zInv = 1/(2·Z_i), so x, y below are half the affine coordinates.
		if i > 0 {
			zInv.Multiply(&inv, &out[i-1].T2d)
			inv.Multiply(&inv, Z)
		} else {
			zInv.Set(&inv)
		}
		x.Multiply(X, &zInv)
		y.Multiply(Y, &zInv)
		q := &out[i]
		q.YplusX.Add(&y, &x)
		q.YminusX.Subtract(&y, &x)
		q.T2d.Multiply(&x, &y)
		q.T2d.Multiply(&q.T2d, feD4) // d·x·y = 4d·(x/2)·(y/2)
		if neg != nil && neg[i] {
			q.negate()
		}
	}
}
