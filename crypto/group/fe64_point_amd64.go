//go:build amd64 && !purego

package group

// fe64MaddADX sets v = v + q if neg is 0 and v = v − q otherwise (BMI2+ADX):
// ext64.addAffine or subAffine in one call.
//
//go:noescape
func fe64MaddADX(v *ext64, q *affine64, neg int)

// fe64AddExtADX sets v = v + w (BMI2+ADX): ext64.addExt in one call, with
// d2 = 2d. v may alias w.
//
//go:noescape
func fe64AddExtADX(v, w *ext64, d2 *fe64)
