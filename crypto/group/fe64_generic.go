package group

import "math/bits"

// The pure-Go fe64 arithmetic, used where the BMI2+ADX assembly is not
// available (other architectures, the purego build tag, older amd64 CPUs).
// It computes the same loosely reduced values as the assembly, with the same
// reduction: the 512-bit product h = lo + hi·2^256 ≡ lo + 38·hi, since
// 2^256 = 2·(2^255 − 19) + 38, then the bits from 255 up are folded as 19
// times their value.

// fe64MulGeneric sets out = a·b. out may alias a or b.
func fe64MulGeneric(out, a, b *fe64) {
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
	// Row 0: a·b0 into r0..r4.
	h, r0 := bits.Mul64(a0, b0)
	h1, l := bits.Mul64(a1, b0)
	r1, c := bits.Add64(l, h, 0)
	h2, l := bits.Mul64(a2, b0)
	r2, c := bits.Add64(l, h1, c)
	h3, l := bits.Mul64(a3, b0)
	r3, c := bits.Add64(l, h2, c)
	r4 := h3 + c

	// Rows 1..3: a·bi, the row first (lo halves plus the high halves
	// shifted one word), then added into r_i..r_{i+4}.
	row := func(bi uint64) (s0, s1, s2, s3, s4 uint64) {
		h0, l0 := bits.Mul64(a0, bi)
		h1, l1 := bits.Mul64(a1, bi)
		h2, l2 := bits.Mul64(a2, bi)
		h3, l3 := bits.Mul64(a3, bi)
		var c uint64
		s0 = l0
		s1, c = bits.Add64(l1, h0, 0)
		s2, c = bits.Add64(l2, h1, c)
		s3, c = bits.Add64(l3, h2, c)
		s4 = h3 + c
		return
	}
	s0, s1, s2, s3, s4 := row(b1)
	r1, c = bits.Add64(r1, s0, 0)
	r2, c = bits.Add64(r2, s1, c)
	r3, c = bits.Add64(r3, s2, c)
	r4, c = bits.Add64(r4, s3, c)
	r5 := s4 + c
	s0, s1, s2, s3, s4 = row(b2)
	r2, c = bits.Add64(r2, s0, 0)
	r3, c = bits.Add64(r3, s1, c)
	r4, c = bits.Add64(r4, s2, c)
	r5, c = bits.Add64(r5, s3, c)
	r6 := s4 + c
	s0, s1, s2, s3, s4 = row(b3)
	r3, c = bits.Add64(r3, s0, 0)
	r4, c = bits.Add64(r4, s1, c)
	r5, c = bits.Add64(r5, s2, c)
	r6, c = bits.Add64(r6, s3, c)
	r7 := s4 + c
	fe64Reduce512(out, r0, r1, r2, r3, r4, r5, r6, r7)
}

// fe64SquareGeneric sets out = a². out may alias a.
func fe64SquareGeneric(out, a *fe64) {
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	// Cross products a_i·a_j (i < j) into words 1..6: their sum is below
	// 2^448, so no carry leaves word 6.
	h01, l01 := bits.Mul64(a0, a1)
	h02, l02 := bits.Mul64(a0, a2)
	h03, l03 := bits.Mul64(a0, a3)
	h12, l12 := bits.Mul64(a1, a2)
	h13, l13 := bits.Mul64(a1, a3)
	h23, l23 := bits.Mul64(a2, a3)
	var c uint64
	r1 := l01
	r2, c := bits.Add64(h01, l02, 0)
	r3, c := bits.Add64(h02, l03, c)
	r4, c := bits.Add64(h03, l13, c)
	r5, c := bits.Add64(h13, l23, c)
	r6 := h23 + c
	r3, c = bits.Add64(r3, l12, 0)
	r4, c = bits.Add64(r4, h12, c)
	r5, c = bits.Add64(r5, 0, c)
	r6 += c
	// Double them and add the squares a_i².
	r7 := r6 >> 63
	r6 = r6<<1 | r5>>63
	r5 = r5<<1 | r4>>63
	r4 = r4<<1 | r3>>63
	r3 = r3<<1 | r2>>63
	r2 = r2<<1 | r1>>63
	r1 <<= 1
	h00, r0 := bits.Mul64(a0, a0)
	h11, l11 := bits.Mul64(a1, a1)
	h22, l22 := bits.Mul64(a2, a2)
	h33, l33 := bits.Mul64(a3, a3)
	r1, c = bits.Add64(r1, h00, 0)
	r2, c = bits.Add64(r2, l11, c)
	r3, c = bits.Add64(r3, h11, c)
	r4, c = bits.Add64(r4, l22, c)
	r5, c = bits.Add64(r5, h22, c)
	r6, c = bits.Add64(r6, l33, c)
	r7 += h33 + c
	fe64Reduce512(out, r0, r1, r2, r3, r4, r5, r6, r7)
}

// fe64Reduce512 sets out to a loosely reduced value congruent modulo p to
// the 512-bit h = r0 + r1·2^64 + … + r7·2^448, exactly as the assembly does
// (see fe64_amd64.s): fold the high half times 38, then the bits from 255 up
// times 19.
func fe64Reduce512(out *fe64, r0, r1, r2, r3, r4, r5, r6, r7 uint64) {
	// l + 38·u < 39·2^256: four limbs and a fifth word top ≤ 38.
	h4, l4 := bits.Mul64(r4, 38)
	h5, l5 := bits.Mul64(r5, 38)
	h6, l6 := bits.Mul64(r6, 38)
	h7, l7 := bits.Mul64(r7, 38)
	var c uint64
	l5, c = bits.Add64(l5, h4, 0)
	l6, c = bits.Add64(l6, h5, c)
	l7, c = bits.Add64(l7, h6, c)
	top := h7 + c
	r0, c = bits.Add64(r0, l4, 0)
	r1, c = bits.Add64(r1, l5, c)
	r2, c = bits.Add64(r2, l6, c)
	r3, c = bits.Add64(r3, l7, c)
	top += c
	// top·2^256 + r = c'·2^255 + r' ≡ r' + 19·c' with r' < 2^255 and
	// c' ≤ 77, and r' + 19·c' < 2^256: no carry leaves the last limb.
	fe64Fold255(out, r0, r1, r2, r3, top)
}
