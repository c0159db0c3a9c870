package group

import (
	"encoding/binary"
	"math/bits"

	"filippo.io/edwards25519/field"
)

// This file is the fast inverse square root behind element decoding and
// encoding (docs/decisions/0013-fast-field-inverse-sqrt.md). Both spend
// almost all their time in one exponentiation, x^((p−5)/8): 250 squarings
// and 11 multiplications in a chain where every step waits for the one
// before. filippo.io/edwards25519/field represents an element in five 51-bit
// limbs; fe64 uses four 64-bit limbs, which on amd64 with BMI2 and ADX
// (MULX, and two independent carry chains with ADCX/ADOX) squares in less
// time, and its runs of squarings stay in registers in one assembly call.
// Encode and Decode run on fe64 (fe64_ristretto.go) with one conversion
// from and to field.Element each; sqrtRatio and invert serve the callers
// that hold field.Element values.

// An fe64 is an element of GF(2^255 − 19) as the integer
// x[0] + x[1]·2^64 + x[2]·2^128 + x[3]·2^192, "loosely reduced": any value
// in [0, 2^256) that is congruent to the element. Multiplication and
// squaring take and return loosely reduced values; fe64Canonical gives the
// unique representative in [0, p).
type fe64 [4]uint64

// fe64UseADX selects the BMI2+ADX assembly for fe64Mul, fe64Square,
// fe64SquareN and fe64SquareNMul. It is fe64HaveADX unless a test clears it to run the
// pure-Go code on a machine that has the instructions.
var fe64UseADX = fe64HaveADX

// fe64Mul sets out = a·b. out may alias a or b.
func fe64Mul(out, a, b *fe64) {
	if fe64UseADX {
		fe64MulADX(out, a, b)
		return
	}
	fe64MulGeneric(out, a, b)
}

// fe64Square sets out = a². out may alias a.
func fe64Square(out, a *fe64) {
	if fe64UseADX {
		fe64SquareADX(out, a)
		return
	}
	fe64SquareGeneric(out, a)
}

// fe64SquareN sets out = a^(2^n), that is n ≥ 1 squarings. out may alias a.
func fe64SquareN(out, a *fe64, n int) {
	if fe64UseADX {
		fe64SquareADX(out, a)
		if n > 1 {
			fe64SquareNADX(out, n-1)
		}
		return
	}
	fe64SquareGeneric(out, a)
	for i := 1; i < n; i++ {
		fe64SquareGeneric(out, out)
	}
}

// fe64SquareNMul sets out = a^(2^n)·b, n ≥ 1, the step of an addition
// chain. out may alias a or b.
func fe64SquareNMul(out, a *fe64, n int, b *fe64) {
	if fe64UseADX {
		fe64SquareNMulADX(out, a, n, b)
		return
	}
	var t fe64
	fe64SquareGeneric(&t, a)
	for i := 1; i < n; i++ {
		fe64SquareGeneric(&t, &t)
	}
	fe64MulGeneric(out, &t, b)
}

// p25519 is p = 2^255 − 19 in fe64 limbs.
var p25519 = fe64{0xffffffffffffffed, 0xffffffffffffffff, 0xffffffffffffffff, 0x7fffffffffffffff}

// fe64Canonical sets out to the representative of a in [0, p), in constant
// time.
func fe64Canonical(out, a *fe64) {
	// Fold bit 255: a = lo + b·2^255 ≡ lo + 19·b, which is < 2^255 + 19.
	top := a[3] >> 63
	x0, c := bits.Add64(a[0], 19*top, 0)
	x1, c := bits.Add64(a[1], 0, c)
	x2, c := bits.Add64(a[2], 0, c)
	x3 := a[3]&(1<<63-1) + c
	// x < 2^255 + 19 < 2p, so at most one subtraction of p: x ≥ p exactly
	// when x + 19 has bit 255 set, and then x − p = (x + 19) − 2^255.
	y0, c := bits.Add64(x0, 19, 0)
	y1, c := bits.Add64(x1, 0, c)
	y2, c := bits.Add64(x2, 0, c)
	y3 := x3 + c
	m := -(y3 >> 63) // all ones when x ≥ p
	out[0] = m&y0 | ^m&x0
	out[1] = m&y1 | ^m&x1
	out[2] = m&y2 | ^m&x2
	out[3] = m&(y3&(1<<63-1)) | ^m&x3
}

// fe64FromField sets out to v.
func fe64FromField(out *fe64, v *field.Element) {
	var b [32]byte
	copy(b[:], v.Bytes())
	out[0] = binary.LittleEndian.Uint64(b[0:])
	out[1] = binary.LittleEndian.Uint64(b[8:])
	out[2] = binary.LittleEndian.Uint64(b[16:])
	out[3] = binary.LittleEndian.Uint64(b[24:])
}

// fe64Bytes returns the canonical 32-byte little-endian encoding of a.
func fe64Bytes(a *fe64) [32]byte {
	var c fe64
	fe64Canonical(&c, a)
	var b [32]byte
	binary.LittleEndian.PutUint64(b[0:], c[0])
	binary.LittleEndian.PutUint64(b[8:], c[1])
	binary.LittleEndian.PutUint64(b[16:], c[2])
	binary.LittleEndian.PutUint64(b[24:], c[3])
	return b
}

// fe64ToField sets v to a and returns v.
func fe64ToField(v *field.Element, a *fe64) *field.Element {
	b := fe64Bytes(a)
	if _, err := v.SetBytes(b[:]); err != nil {
		panic("group: internal error: field element length")
	}
	return v
}

// fe64Equal returns 1 if a and b represent the same element and 0
// otherwise, in constant time.
func fe64Equal(a, b *fe64) int {
	var x, y fe64
	fe64Canonical(&x, a)
	fe64Canonical(&y, b)
	return fe64EqualCanonical(&x, &y)
}

// fe64EqualCanonical returns 1 if a == b limb by limb and 0 otherwise, in
// constant time: the element comparison for canonical a and b.
func fe64EqualCanonical(a, b *fe64) int {
	d := (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])
	return int((d|-d)>>63 ^ 1)
}

// fe64IsZero returns 1 if a represents zero and 0 otherwise, in constant
// time.
func fe64IsZero(a *fe64) int {
	var x fe64
	fe64Canonical(&x, a)
	return fe64EqualCanonical(&x, &fe64{})
}

// fe64Negate sets out = −a (loosely reduced).
func fe64Negate(out, a *fe64) {
	var x fe64
	fe64Canonical(&x, a)
	// p − x is in (0, p], a loose representative of −a.
	var b uint64
	out[0], b = bits.Sub64(p25519[0], x[0], 0)
	out[1], b = bits.Sub64(p25519[1], x[1], b)
	out[2], b = bits.Sub64(p25519[2], x[2], b)
	out[3], _ = bits.Sub64(p25519[3], x[3], b)
}

// fe64Select sets out = a if cond is 1 and out = b if cond is 0.
func fe64Select(out, a, b *fe64, cond int) {
	m := -uint64(cond & 1)
	for i := range out {
		out[i] = m&a[i] | ^m&b[i]
	}
}

// fe64IsNegative returns 1 if a is negative (odd, as RFC 9496, Section 4.1
// defines it) and 0 otherwise.
func fe64IsNegative(a *fe64) int {
	var x fe64
	fe64Canonical(&x, a)
	return int(x[0] & 1)
}

// fe64Absolute sets out = |a|: a or −a, whichever is non-negative (CT_ABS
// of RFC 9496, Section 4.1). The result is canonical.
func fe64Absolute(out, a *fe64) {
	var x, n fe64
	fe64Canonical(&x, a)
	fe64Negate(&n, &x)
	fe64Canonical(&n, &n)
	fe64Select(out, &n, &x, int(x[0]&1))
}

// fe64Add sets out = a + b (loosely reduced).
func fe64Add(out, a, b *fe64) {
	s0, c := bits.Add64(a[0], b[0], 0)
	s1, c := bits.Add64(a[1], b[1], c)
	s2, c := bits.Add64(a[2], b[2], c)
	s3, c := bits.Add64(a[3], b[3], c)
	fe64Fold255(out, s0, s1, s2, s3, c)
}

// fe64Sub sets out = a − b (loosely reduced), computed as a + 4p − b with
// 4p = 2^257 − 76 > b, a non-negative value below 2^258.
func fe64Sub(out, a, b *fe64) {
	d0, br := bits.Sub64(0xffffffffffffffb4, b[0], 0)
	d1, br := bits.Sub64(0xffffffffffffffff, b[1], br)
	d2, br := bits.Sub64(0xffffffffffffffff, b[2], br)
	d3, br := bits.Sub64(0xffffffffffffffff, b[3], br)
	d4 := 1 - br
	s0, c := bits.Add64(d0, a[0], 0)
	s1, c := bits.Add64(d1, a[1], c)
	s2, c := bits.Add64(d2, a[2], c)
	s3, c := bits.Add64(d3, a[3], c)
	fe64Fold255(out, s0, s1, s2, s3, d4+c)
}

// fe64Fold255 sets out to a value congruent to s0 + s1·2^64 + s2·2^128 +
// s3·2^192 + s4·2^256 (s4 ≤ 38): the bits from 255 up, c ≤ 77, are cleared
// and 19·c added, which leaves a loosely reduced value below 2^255 + 19·77.
func fe64Fold255(out *fe64, s0, s1, s2, s3, s4 uint64) {
	top := s4<<1 | s3>>63
	s3 &= 1<<63 - 1
	var c uint64
	out[0], c = bits.Add64(s0, 19*top, 0)
	out[1], c = bits.Add64(s1, 0, c)
	out[2], c = bits.Add64(s2, 0, c)
	out[3] = s3 + c
}

// fe64Pow22523 sets out = x^((p−5)/8) = x^(2^252 − 3). out may alias x.
// The addition chain is the usual one (as in filippo.io/edwards25519/field's
// Pow22523): 250 squarings and 11 multiplications, here in 12 calls, each
// run of squarings fused with the multiplication after it.
func fe64Pow22523(out, x *fe64) {
	var x2, x9, x11, t5, t10, t20, t40, t50, t100, t200, t250 fe64
	// tN = x^(2^N − 1)
	fe64Square(&x2, x)                       // x^2
	fe64SquareNMul(&x9, &x2, 2, x)           // x^9
	fe64Mul(&x11, &x9, &x2)                  // x^11
	fe64SquareNMul(&t5, &x11, 1, &x9)        // x^31 = x^(2^5 − 1)
	fe64SquareNMul(&t10, &t5, 5, &t5)        // 2^10 − 1
	fe64SquareNMul(&t20, &t10, 10, &t10)     // 2^20 − 1
	fe64SquareNMul(&t40, &t20, 20, &t20)     // 2^40 − 1
	fe64SquareNMul(&t50, &t40, 10, &t10)     // 2^50 − 1
	fe64SquareNMul(&t100, &t50, 50, &t50)    // 2^100 − 1
	fe64SquareNMul(&t200, &t100, 100, &t100) // 2^200 − 1
	fe64SquareNMul(&t250, &t200, 50, &t50)   // 2^250 − 1
	fe64SquareNMul(out, &t250, 2, x)         // 2^252 − 3
}

// fe64SqrtRatio sets r to SQRT_RATIO_M1(u, v) of RFC 9496, Section 4.2 (the
// non-negative square root of u/v if there is one) and returns was_square,
// exactly as field.Element.SqrtRatio does, including when u or v is zero.
// r may alias u or v. It runs in constant time.
func fe64SqrtRatio(r, u, v *fe64) int {
	var uc, uNeg, uNegI fe64
	fe64Canonical(&uc, u)
	fe64Negate(&uNeg, &uc)
	fe64Mul(&uNegI, &uNeg, &fe64SqrtM1)
	fe64Canonical(&uNeg, &uNeg)
	fe64Canonical(&uNegI, &uNegI)
	return fe64SqrtRatioWith(r, &uc, &uNeg, &uNegI, v)
}

// fe64InvSqrt is fe64SqrtRatio(r, 1, v), the inverse square root that
// encoding and decoding need.
func fe64InvSqrt(r, v *fe64) int {
	return fe64SqrtRatioWith(r, &fe64One, &fe64MinusOne, &fe64MinusSqrtM1, v)
}

// fe64SqrtRatioWith is fe64SqrtRatio given u, −u and −u·SQRT_M1, all
// canonical.
func fe64SqrtRatioWith(r, u, uNeg, uNegI, v *fe64) int {
	// r = (u·v³)·(u·v⁷)^((p−5)/8)
	var v3, uv3, uv7, t0, rr fe64
	fe64SquareNMul(&v3, v, 1, v)    // v³
	fe64SquareNMul(&uv7, &v3, 1, v) // v⁷
	fe64Mul(&uv3, u, &v3)
	fe64Mul(&uv7, u, &uv7)
	fe64Pow22523(&t0, &uv7)
	fe64Mul(&rr, &uv3, &t0)
	// check = v·r², compared with u, −u and −u·SQRT_M1.
	var check fe64
	fe64SquareNMul(&check, &rr, 1, v)
	fe64Canonical(&check, &check)
	correctSignSqrt := fe64EqualCanonical(&check, u)
	flippedSignSqrt := fe64EqualCanonical(&check, uNeg)
	flippedSignSqrtI := fe64EqualCanonical(&check, uNegI)
	// r = CT_SELECT(r·SQRT_M1 IF flipped_sign_sqrt | flipped_sign_sqrt_i ELSE r)
	fe64Mul(&t0, &rr, &fe64SqrtM1)
	fe64Select(r, &t0, &rr, flippedSignSqrt|flippedSignSqrtI)
	// r = CT_ABS(r)
	fe64Absolute(r, r)
	return correctSignSqrt | flippedSignSqrt
}

// sqrtRatio sets r to the non-negative square root of u/v and returns r and
// 1 if u/v is square, and sets r as SQRT_RATIO_M1 of RFC 9496, Section 4.2,
// specifies and returns r and 0 otherwise. It is field.Element.SqrtRatio,
// computed on fe64, with the same results for all inputs (including u or v
// zero); r may alias u or v. It runs in constant time.
func sqrtRatio(r, u, v *field.Element) (*field.Element, int) {
	var u64, v64, r64 fe64
	fe64FromField(&u64, u)
	fe64FromField(&v64, v)
	wasSquare := fe64SqrtRatio(&r64, &u64, &v64)
	fe64ToField(r, &r64)
	return r, wasSquare
}

// invert sets out = 1/z (0 if z is 0) and returns out, with the same result
// as field.Element.Invert: z^(p−2), where p − 2 = 8·((p−5)/8) + 3, so
// 1/z = (z^((p−5)/8))^8 · z³. out may alias z. It runs in constant time.
func invert(out, z *field.Element) *field.Element {
	var x, t, x3 fe64
	fe64FromField(&x, z)
	fe64SquareNMul(&x3, &x, 1, &x) // z³
	fe64Pow22523(&t, &x)
	fe64SquareNMul(&t, &t, 3, &x3) // (z^((p−5)/8))^8 · z³
	return fe64ToField(out, &t)
}
