package group

import (
	"encoding/binary"

	"filippo.io/edwards25519/field"
)

// The RFC 9496 encoding and decoding of elements on fe64 (see fe64.go): the
// same formulas as the rest of the package writes with field.Element, here
// so that a decode or an encode converts to fe64 once, not around every
// operation. Both run in constant time except that decoding returns early
// on an invalid (public) encoding.

// Constants of RFC 9496, Section 4.1, as fe64 values.
var (
	fe64One            = fe64{1, 0, 0, 0}
	fe64D              = fe64Of(feD)
	fe64SqrtM1         = fe64Of(feSqrtM1)
	fe64InvSqrtAMinusD = fe64Of(feInvSqrtAMinusD)
	fe64MinusOne       = fe64Of(feMinusOne)
	fe64MinusSqrtM1    = fe64Of(new(field.Element).Negate(feSqrtM1))
)

// fe64Of returns v as an fe64.
func fe64Of(v *field.Element) (x fe64) {
	fe64FromField(&x, v)
	return x
}

// fe64Decode implements Decode of RFC 9496, Section 4.3.1: if b is the
// canonical encoding of an element, it sets (x, y, 1, t) to the extended
// coordinates of the point it decodes to and returns 1; otherwise it
// returns 0 and leaves x, y and t unchanged.
func fe64Decode(x, y, t *field.Element, b *[ElementSize]byte) int {
	// Step 1: s must be a canonical (< p, so bit 255 clear), non-negative
	// field element.
	var s, sc fe64
	le := binary.LittleEndian
	s = fe64{le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:])}
	fe64Canonical(&sc, &s)
	if fe64EqualCanonical(&sc, &s) != 1 || s[0]&1 == 1 {
		return 0
	}
	// Step 2.
	var ss, u1, u2, u2sq, v, tmp fe64
	fe64Square(&ss, &s)
	fe64Sub(&u1, &fe64One, &ss)
	fe64Add(&u2, &fe64One, &ss)
	fe64Square(&u2sq, &u2)
	// v = -(D * u1^2) - u2_sqr
	fe64Square(&v, &u1)
	fe64Mul(&v, &v, &fe64D)
	fe64Add(&v, &v, &u2sq)
	fe64Negate(&v, &v)
	// (was_square, invsqrt) = SQRT_RATIO_M1(1, v * u2_sqr)
	var invsqrt fe64
	fe64Mul(&tmp, &v, &u2sq)
	wasSquare := fe64InvSqrt(&invsqrt, &tmp)
	var denX, denY fe64
	fe64Mul(&denX, &invsqrt, &u2)
	fe64Mul(&denY, &invsqrt, &denX)
	fe64Mul(&denY, &denY, &v)
	// x = CT_ABS(2 * s * den_x)
	var xx, yy, tt fe64
	fe64Add(&xx, &s, &s)
	fe64Mul(&xx, &xx, &denX)
	fe64Absolute(&xx, &xx)
	// y = u1 * den_y, t = x * y
	fe64Mul(&yy, &u1, &denY)
	fe64Mul(&tt, &xx, &yy)
	if wasSquare == 0 || fe64IsNegative(&tt) == 1 || fe64IsZero(&yy) == 1 {
		return 0
	}
	fe64ToField(x, &xx)
	fe64ToField(y, &yy)
	fe64ToField(t, &tt)
	return 1
}

// fe64Encode implements Encode of RFC 9496, Section 4.3.2, for the point
// with extended coordinates (X0, Y0, Z0, T0), writing s to out.
func fe64Encode(out *[ElementSize]byte, X0f, Y0f, Z0f, T0f *field.Element) {
	var X0, Y0, Z0, T0 fe64
	fe64FromField(&X0, X0f)
	fe64FromField(&Y0, Y0f)
	fe64FromField(&Z0, Z0f)
	fe64FromField(&T0, T0f)
	// u1 = (z0 + y0) * (z0 - y0), u2 = x0 * y0
	var u1, u2, tmp fe64
	fe64Add(&u1, &Z0, &Y0)
	fe64Sub(&tmp, &Z0, &Y0)
	fe64Mul(&u1, &u1, &tmp)
	fe64Mul(&u2, &X0, &Y0)
	// (_, invsqrt) = SQRT_RATIO_M1(1, u1 * u2^2)
	var invsqrt fe64
	fe64Square(&tmp, &u2)
	fe64Mul(&tmp, &tmp, &u1)
	fe64InvSqrt(&invsqrt, &tmp)
	// den1 = invsqrt * u1, den2 = invsqrt * u2, z_inv = den1 * den2 * t0
	var den1, den2, zInv fe64
	fe64Mul(&den1, &invsqrt, &u1)
	fe64Mul(&den2, &invsqrt, &u2)
	fe64Mul(&zInv, &den1, &den2)
	fe64Mul(&zInv, &zInv, &T0)
	// ix0 = x0 * SQRT_M1, iy0 = y0 * SQRT_M1,
	// enchanted_denominator = den1 * INVSQRT_A_MINUS_D
	var ix0, iy0, enchanted fe64
	fe64Mul(&ix0, &X0, &fe64SqrtM1)
	fe64Mul(&iy0, &Y0, &fe64SqrtM1)
	fe64Mul(&enchanted, &den1, &fe64InvSqrtAMinusD)
	// rotate = IS_NEGATIVE(t0 * z_inv)
	fe64Mul(&tmp, &T0, &zInv)
	rotate := fe64IsNegative(&tmp)
	// x = CT_SELECT(iy0 IF rotate ELSE x0), y = CT_SELECT(ix0 IF rotate ELSE y0),
	// den_inv = CT_SELECT(enchanted_denominator IF rotate ELSE den2)
	var x, y, denInv fe64
	fe64Select(&x, &iy0, &X0, rotate)
	fe64Select(&y, &ix0, &Y0, rotate)
	fe64Select(&denInv, &enchanted, &den2, rotate)
	// y = CT_NEG(y, IS_NEGATIVE(x * z_inv))
	var negY fe64
	fe64Mul(&tmp, &x, &zInv)
	fe64Negate(&negY, &y)
	fe64Select(&y, &negY, &y, fe64IsNegative(&tmp))
	// s = CT_ABS(den_inv * (z0 - y))
	var s fe64
	fe64Sub(&s, &Z0, &y)
	fe64Mul(&s, &s, &denInv)
	fe64Absolute(&s, &s)
	*out = fe64Bytes(&s)
}
