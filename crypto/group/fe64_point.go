package group

// The extended-coordinate point arithmetic of point_extended.go restated on
// fe64, for the variable-time bucket method (pippenger in msm.go): the same
// formulas (HWCD 2008, Section 3, a = −1: madd-2008-hwcd-3, add-2008-hwcd-3,
// dbl-2008-hwcd), the same multiplication counts, on the four-limb field
// whose multiplication costs less (docs/decisions/0013). Points enter as
// affine cached points once per term and the result leaves as an extPoint
// once per multi-scalar multiplication. Every coordinate is loosely reduced
// (below 2^256); fe64Add, fe64Sub and fe64Mul take and return such values.

// An ext64 is an extPoint on fe64: (X:Y:Z:T) with x = X/Z, y = Y/Z and
// x·y = T/Z.
type ext64 struct {
	X, Y, Z, T fe64
}

// An affine64 is an affineCached point on fe64: ((y+x)/2, (y−x)/2, d·x·y),
// Z = 1/2 implicit.
type affine64 struct {
	YplusX, YminusX, T2d fe64
}

// A cached64 is a cachedPoint on fe64: (Y+X, Y−X, Z, 2d·T).
type cached64 struct {
	YplusX, YminusX, Z, T2d fe64
}

var (
	fe64D2   = fe64Of(feD2)
	fe64InvD = fe64Of(feInvD)
)

// fromAffineCached sets v to q.
func (v *affine64) fromAffineCached(q *affineCached) *affine64 {
	fe64FromField(&v.YplusX, &q.YplusX)
	fe64FromField(&v.YminusX, &q.YminusX)
	fe64FromField(&v.T2d, &q.T2d)
	return v
}

// identity sets v to the neutral element (0:1:1:0).
func (v *ext64) identity() *ext64 {
	*v = ext64{Y: fe64One, Z: fe64One}
	return v
}

// toExt sets p to v, each coordinate reduced and converted once.
func (v *ext64) toExt(p *extPoint) *extPoint {
	fe64ToField(&p.X, &v.X)
	fe64ToField(&p.Y, &v.Y)
	fe64ToField(&p.Z, &v.Z)
	fe64ToField(&p.T, &v.T)
	return p
}

// fromExt sets v to p.
func (v *ext64) fromExt(p *extPoint) *ext64 {
	fe64FromField(&v.X, &p.X)
	fe64FromField(&v.Y, &p.Y)
	fe64FromField(&v.Z, &p.Z)
	fe64FromField(&v.T, &p.T)
	return v
}

// setAffine sets v = q, or −q if neg, as extPoint.setAffine does: X = x,
// Y = y, Z = 1 and T = (d·x·y)/d. One multiplication.
func (v *ext64) setAffine(q *affine64, neg bool) *ext64 {
	if neg {
		fe64Sub(&v.X, &q.YminusX, &q.YplusX)
	} else {
		fe64Sub(&v.X, &q.YplusX, &q.YminusX)
	}
	fe64Add(&v.Y, &q.YplusX, &q.YminusX)
	v.Z = fe64One
	fe64Mul(&v.T, &q.T2d, &fe64InvD)
	if neg {
		fe64Sub(&v.T, &fe64{}, &v.T)
	}
	return v
}

// addAffine sets v = v + q (madd-2008-hwcd-3 with Z2 = 1/2, as
// completedPoint.addAffine, then the conversion back to extended
// coordinates). Seven multiplications, in one assembly call where fe64's
// assembly runs.
func (v *ext64) addAffine(q *affine64) {
	if fe64UseADX {
		fe64MaddADX(v, q, 0)
		return
	}
	var ypx, ymx, pp, mm, tt, X, Y, Z, T fe64
	fe64Add(&ypx, &v.Y, &v.X)
	fe64Sub(&ymx, &v.Y, &v.X)
	fe64Mul(&pp, &ypx, &q.YplusX)
	fe64Mul(&mm, &ymx, &q.YminusX)
	fe64Mul(&tt, &v.T, &q.T2d)
	fe64Sub(&X, &pp, &mm)
	fe64Add(&Y, &pp, &mm)
	fe64Add(&Z, &v.Z, &tt)
	fe64Sub(&T, &v.Z, &tt)
	fe64Mul(&v.X, &X, &T)
	fe64Mul(&v.Y, &Y, &Z)
	fe64Mul(&v.Z, &Z, &T)
	fe64Mul(&v.T, &X, &Y)
}

// subAffine sets v = v − q: −(x, y) = (−x, y) swaps y+x with y−x and
// negates d·x·y. Seven multiplications.
func (v *ext64) subAffine(q *affine64) {
	if fe64UseADX {
		fe64MaddADX(v, q, 1)
		return
	}
	var ypx, ymx, pp, mm, tt, X, Y, Z, T fe64
	fe64Add(&ypx, &v.Y, &v.X)
	fe64Sub(&ymx, &v.Y, &v.X)
	fe64Mul(&pp, &ypx, &q.YminusX)
	fe64Mul(&mm, &ymx, &q.YplusX)
	fe64Mul(&tt, &v.T, &q.T2d)
	fe64Sub(&X, &pp, &mm)
	fe64Add(&Y, &pp, &mm)
	fe64Sub(&Z, &v.Z, &tt)
	fe64Add(&T, &v.Z, &tt)
	fe64Mul(&v.X, &X, &T)
	fe64Mul(&v.Y, &Y, &Z)
	fe64Mul(&v.Z, &Z, &T)
	fe64Mul(&v.T, &X, &Y)
}

// fromExt sets v to the cached form of p (one multiplication).
func (v *cached64) fromExt(p *ext64) *cached64 {
	fe64Add(&v.YplusX, &p.Y, &p.X)
	fe64Sub(&v.YminusX, &p.Y, &p.X)
	v.Z = p.Z
	fe64Mul(&v.T2d, &p.T, &fe64D2)
	return v
}

// add sets v = v + q (add-2008-hwcd-3, as completedPoint.add, then the
// conversion back). Eight multiplications.
func (v *ext64) add(q *cached64) {
	var ypx, ymx, pp, mm, tt, zz, X, Y, Z, T fe64
	fe64Add(&ypx, &v.Y, &v.X)
	fe64Sub(&ymx, &v.Y, &v.X)
	fe64Mul(&pp, &ypx, &q.YplusX)
	fe64Mul(&mm, &ymx, &q.YminusX)
	fe64Mul(&tt, &v.T, &q.T2d)
	fe64Mul(&zz, &v.Z, &q.Z)
	fe64Add(&zz, &zz, &zz)
	fe64Sub(&X, &pp, &mm)
	fe64Add(&Y, &pp, &mm)
	fe64Add(&Z, &zz, &tt)
	fe64Sub(&T, &zz, &tt)
	fe64Mul(&v.X, &X, &T)
	fe64Mul(&v.Y, &Y, &Z)
	fe64Mul(&v.Z, &Z, &T)
	fe64Mul(&v.T, &X, &Y)
}

// addExt sets v = v + w: add with w's cached form, nine multiplications,
// in one assembly call where fe64's assembly runs. v may alias w.
func (v *ext64) addExt(w *ext64) {
	if fe64UseADX {
		fe64AddExtADX(v, w, &fe64D2)
		return
	}
	var c cached64
	v.add(c.fromExt(w))
}

// double sets v = 2·v (dbl-2008-hwcd with a = −1, as
// completedPoint.double, then the conversion back). Four squarings and four
// multiplications.
func (v *ext64) double() {
	var xx, yy, zz2, xpy2, X, Y, Z, T fe64
	fe64Square(&xx, &v.X)
	fe64Square(&yy, &v.Y)
	fe64Square(&zz2, &v.Z)
	fe64Add(&zz2, &zz2, &zz2)
	fe64Add(&xpy2, &v.X, &v.Y)
	fe64Square(&xpy2, &xpy2)
	fe64Add(&Y, &yy, &xx)
	fe64Sub(&Z, &yy, &xx)
	fe64Sub(&X, &xpy2, &Y)
	fe64Sub(&T, &zz2, &Z)
	fe64Mul(&v.X, &X, &T)
	fe64Mul(&v.Y, &Y, &Z)
	fe64Mul(&v.Z, &Z, &T)
	fe64Mul(&v.T, &X, &Y)
}
