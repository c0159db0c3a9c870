package group

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"
	"testing"

	"filippo.io/edwards25519"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Tests of the fe64 point arithmetic (fe64_point.go, fe64_point_amd64.s)
// and of the bucket method built on it (msm.go): the formulas against
// math/big on arbitrary, edge-valued coordinates (not only points on the
// curve), the operations against the field.Element ones of
// point_extended.go on curve points, and pippenger against the previous,
// field.Element-based pippengerFilippo (msm_ref_test.go). Each runs on the
// assembly (where the CPU has BMI2 and ADX) and on the pure-Go code.

// bigMadd computes the outputs of ext64.addAffine (neg false) or subAffine
// (neg true) with math/big, modulo p.
func bigMadd(v [4]*big.Int, q [3]*big.Int, neg bool) [4]*big.Int {
	m := func(x *big.Int) *big.Int { return x.Mod(x, bigP) }
	mul := func(a, b *big.Int) *big.Int { return m(new(big.Int).Mul(a, b)) }
	add := func(a, b *big.Int) *big.Int { return m(new(big.Int).Add(a, b)) }
	sub := func(a, b *big.Int) *big.Int { return m(new(big.Int).Sub(a, b)) }
	X, Y, Z, T := v[0], v[1], v[2], v[3]
	q1, q2 := q[0], q[1]
	if neg {
		q1, q2 = q2, q1
	}
	a := mul(add(Y, X), q1)
	b := mul(sub(Y, X), q2)
	c := mul(T, q[2])
	cx, cy, cz, ct := sub(a, b), add(a, b), add(Z, c), sub(Z, c)
	if neg {
		cz, ct = ct, cz
	}
	return [4]*big.Int{mul(cx, ct), mul(cy, cz), mul(cz, ct), mul(cx, cy)}
}

// bigAddCached computes the outputs of ext64.add(cached64.fromExt(w)) and
// ext64.addExt(w) with math/big, modulo p.
func bigAddCached(v, w [4]*big.Int) [4]*big.Int {
	m := func(x *big.Int) *big.Int { return x.Mod(x, bigP) }
	mul := func(a, b *big.Int) *big.Int { return m(new(big.Int).Mul(a, b)) }
	add := func(a, b *big.Int) *big.Int { return m(new(big.Int).Add(a, b)) }
	sub := func(a, b *big.Int) *big.Int { return m(new(big.Int).Sub(a, b)) }
	d2 := bigFromFE64(&fe64D2)
	a := mul(add(v[1], v[0]), add(w[1], w[0]))
	b := mul(sub(v[1], v[0]), sub(w[1], w[0]))
	c := mul(v[3], mul(w[3], d2))
	d := mul(big.NewInt(2), mul(v[2], w[2]))
	cx, cy, cz, ct := sub(a, b), add(a, b), add(d, c), sub(d, c)
	return [4]*big.Int{mul(cx, ct), mul(cy, cz), mul(cz, ct), mul(cx, cy)}
}

// bigDouble computes the outputs of ext64.double with math/big, modulo p.
func bigDouble(v [4]*big.Int) [4]*big.Int {
	m := func(x *big.Int) *big.Int { return x.Mod(x, bigP) }
	mul := func(a, b *big.Int) *big.Int { return m(new(big.Int).Mul(a, b)) }
	add := func(a, b *big.Int) *big.Int { return m(new(big.Int).Add(a, b)) }
	sub := func(a, b *big.Int) *big.Int { return m(new(big.Int).Sub(a, b)) }
	xx, yy := mul(v[0], v[0]), mul(v[1], v[1])
	zz2 := mul(big.NewInt(2), mul(v[2], v[2]))
	xpy := add(v[0], v[1])
	xpy2 := mul(xpy, xpy)
	cy, cz := add(yy, xx), sub(yy, xx)
	cx, ct := sub(xpy2, cy), sub(zz2, cz)
	return [4]*big.Int{mul(cx, ct), mul(cy, cz), mul(cz, ct), mul(cx, cy)}
}

// TestFE64PointFormulasMatchBigOnEdgeInputs feeds the bucket addition and
// the addition of two extended points (the assembly's additions and
// subtractions inside them included), the cached addition and the doubling every edge value of fe64_test.go and random
// 256-bit values as coordinates, and compares each output coordinate with
// math/big. The outputs are then fed back in, so loosely reduced results
// (not only canonical ones) are inputs too.
func TestFE64PointFormulasMatchBigOnEdgeInputs(t *testing.T) {
	edges := edgeInputs()
	inputs := append(edges, randomInputs(testrand.New("fe64 point formulas"), 200)...)
	pick := func(i, k int) *big.Int {
		if k%2 == 0 {
			return edges[(i*7+k*11)%len(edges)]
		}
		return inputs[(i*13+k*5)%len(inputs)]
	}
	toBig := func(p *ext64) [4]*big.Int {
		return [4]*big.Int{bigFromFE64(&p.X), bigFromFE64(&p.Y), bigFromFE64(&p.Z), bigFromFE64(&p.T)}
	}
	check := func(t *testing.T, what string, got *ext64, want [4]*big.Int) {
		t.Helper()
		for k, c := range []*fe64{&got.X, &got.Y, &got.Z, &got.T} {
			checkCanonical(t, fmt.Sprintf("%s coordinate %d", what, k), c, want[k])
		}
	}
	forEachImpl(t, func(t *testing.T) {
		for i := range inputs {
			var v, w ext64
			v.X, v.Y, v.Z, v.T = fe64FromBig(pick(i, 0)), fe64FromBig(pick(i, 1)), fe64FromBig(pick(i, 2)), fe64FromBig(pick(i, 3))
			w.X, w.Y, w.Z, w.T = fe64FromBig(pick(i, 4)), fe64FromBig(pick(i, 5)), fe64FromBig(pick(i, 6)), fe64FromBig(pick(i, 7))
			q := affine64{fe64FromBig(pick(i, 8)), fe64FromBig(pick(i, 9)), fe64FromBig(pick(i, 10))}
			qb := [3]*big.Int{bigFromFE64(&q.YplusX), bigFromFE64(&q.YminusX), bigFromFE64(&q.T2d)}
			for round := range 3 { // round > 0: loosely reduced outputs as inputs
				want := bigMadd(toBig(&v), qb, false)
				got := v
				got.addAffine(&q)
				check(t, fmt.Sprintf("input %d round %d: addAffine", i, round), &got, want)
				want = bigMadd(toBig(&v), qb, true)
				sub := v
				sub.subAffine(&q)
				check(t, fmt.Sprintf("input %d round %d: subAffine", i, round), &sub, want)
				want = bigAddCached(toBig(&v), toBig(&w))
				var cached cached64
				sum := v
				sum.add(cached.fromExt(&w))
				check(t, fmt.Sprintf("input %d round %d: add", i, round), &sum, want)
				sum = v
				sum.addExt(&w)
				check(t, fmt.Sprintf("input %d round %d: addExt", i, round), &sum, want)
				want = bigAddCached(toBig(&w), toBig(&w))
				self := w
				self.addExt(&self)
				check(t, fmt.Sprintf("input %d round %d: addExt to itself", i, round), &self, want)
				want = bigDouble(toBig(&v))
				dbl := v
				dbl.double()
				check(t, fmt.Sprintf("input %d round %d: double", i, round), &dbl, want)
				v, w = got, sub
				q.YplusX, q.T2d = dbl.X, sum.Y
				qb = [3]*big.Int{bigFromFE64(&q.YplusX), bigFromFE64(&q.YminusX), bigFromFE64(&q.T2d)}
			}
		}
	})
}

// TestExt64MatchesExtPoint compares the fe64 point operations with the
// field.Element ones of point_extended.go (themselves checked against
// filippo.io/edwards25519 by TestExtendedPointArithmetic) on points of the
// group: random ones, the identity, the generator, a sum (Z ≠ 1) and a
// negation, added to themselves and to their negations.
func TestExt64MatchesExtPoint(t *testing.T) {
	r := testrand.New("TestExt64MatchesExtPoint")
	elems := append(randomElements(t, r, 6), NewElement(), NewGeneratorElement())
	elems = append(elems, new(Element).Add(elems[0], elems[1]), new(Element).Negate(elems[2]))
	affine := make([]affineCached, len(elems))
	batchToAffine(affine, elems, nil)
	same := func(a *ext64, b *extPoint) bool {
		var pa, pb edwards25519.Point
		var e extPoint
		return a.toExt(&e).toEdwards(&pa).Equal(b.toEdwards(&pb)) == 1
	}
	forEachImpl(t, func(t *testing.T) {
		var cp completedPoint
		var cached cachedPoint
		var cached64 cached64
		for i := range elems {
			var pa extPoint
			pa.fromEdwards(&elems[i].p)
			var va ext64
			va.fromExt(&pa)
			var q affine64
			q.fromAffineCached(&affine[i])
			for _, neg := range []bool{false, true} {
				var want extPoint
				var got ext64
				want.setAffine(&affine[i], neg)
				if !same(got.setAffine(&q, neg), &want) {
					t.Errorf("%d: setAffine(neg=%v) differs", i, neg)
				}
			}
			var dbl extPoint
			dbl.fromCompleted(cp.double(&pa))
			got := va
			got.double()
			if !same(&got, &dbl) {
				t.Errorf("%d: double differs", i)
			}
			for j := range elems {
				var pb, want extPoint
				pb.fromEdwards(&elems[j].p)
				var vb ext64
				vb.fromExt(&pb)
				var qb affine64
				qb.fromAffineCached(&affine[j])

				want.fromCompleted(cp.addAffine(&pa, &affine[j]))
				got := va
				got.addAffine(&qb)
				if !same(&got, &want) {
					t.Errorf("(%d, %d): addAffine differs", i, j)
				}
				want.fromCompleted(cp.subAffine(&pa, &affine[j]))
				got = va
				got.subAffine(&qb)
				if !same(&got, &want) {
					t.Errorf("(%d, %d): subAffine differs", i, j)
				}
				want.fromCompleted(cp.add(&pa, cached.fromExt(&pb)))
				got = va
				got.add(cached64.fromExt(&vb))
				if !same(&got, &want) {
					t.Errorf("(%d, %d): add differs", i, j)
				}
				got = va
				got.addExt(&vb)
				if !same(&got, &want) {
					t.Errorf("(%d, %d): addExt differs", i, j)
				}
			}
			// P − P through a bucket: the identity, and on from there.
			got = va
			got.subAffine(&q)
			var id ext64
			var idp extPoint
			if !same(&got, idp.fromExt(id.identity())) {
				t.Errorf("%d: P − P is not the identity", i)
			}
			got.addAffine(&q)
			if !same(&got, &pa) {
				t.Errorf("%d: (P − P) + P is not P", i)
			}
		}
	})
}

// fromExt sets v to p (test helper: the inverse of ext64.toExt).
func (v *extPoint) fromExt(p *ext64) *extPoint { return p.toExt(v) }

// TestPippengerMatchesFilippoReference runs the fe64 bucket method and the
// previous field.Element one (pippengerFilippo) on the same random inputs,
// at every window width the table uses and at the widths around it, on one
// worker and on several, and compares the results. Some terms repeat a
// point, negate one, use the identity or a zero scalar, so buckets start
// from, cancel to and add to the identity.
func TestPippengerMatchesFilippoReference(t *testing.T) {
	r := testrand.New("TestPippengerMatchesFilippoReference")
	const n = 400
	scalars := randomScalars(t, r, n)
	elements := benchElements(t, r, n)
	for i := 0; i < n; i += 37 {
		elements[i] = NewElement()
		scalars[i+1] = NewScalar()
		elements[i+2] = elements[i+3]
		elements[i+4] = new(Element).Negate(elements[i+5])
		scalars[i+6] = new(Scalar).Negate(scalars[i+7])
		elements[i+6] = elements[i+7]
	}
	// The references, computed once: whole sums for c ≤ 10 and, as wider
	// windows cost 2^c additions per window whatever the number of terms,
	// one window's sum for c = 11…16, from random digits of every value
	// (zero and ±2^(c−1) included).
	type sumCase struct {
		c    uint
		m    int
		want Element
	}
	var sums []sumCase
	for c := uint(2); c <= 10; c++ {
		for _, m := range []int{1, 2, 113, n} {
			sc := sumCase{c: c, m: m}
			pippengerFilippo(&sc.want.p, scalars[:m], elements[:m], c, 1)
			sums = append(sums, sc)
		}
	}
	affine := make([]affineCached, n)
	batchToAffine(affine, elements, nil)
	type windowCase struct {
		c      uint
		digits []int32
		want   edwards25519.Point
	}
	var windows []windowCase
	var rnd [4]byte
	for c := uint(11); c <= 16; c++ {
		half := int32(1) << (c - 1)
		wc := windowCase{c: c, digits: make([]int32, n)}
		for i := range wc.digits {
			if _, err := r.Read(rnd[:]); err != nil {
				t.Fatal(err)
			}
			d := int32(binary.LittleEndian.Uint32(rnd[:])%uint32(2*half)) - half + 1 // (−half, half]
			switch i % 50 {
			case 0:
				d = 0
			case 1:
				d = half
			case 2:
				d = -half + 1
			}
			wc.digits[i] = d
		}
		var want extPoint
		windowSumFilippo(&want, affine, wc.digits, make([]extPoint, half), make([]bool, half))
		want.toEdwards(&wc.want)
		windows = append(windows, wc)
	}

	forEachImpl(t, func(t *testing.T) {
		for i := range sums {
			sc := &sums[i]
			for _, workers := range []int{1, 3} {
				if workers > 1 && sc.m < n {
					continue
				}
				var got Element
				pippenger(&got.p, scalars[:sc.m], elements[:sc.m], sc.c, workers)
				if got.Equal(&sc.want) != 1 {
					t.Errorf("c=%d, %d terms, %d workers: fe64 bucket method differs from the field.Element one", sc.c, sc.m, workers)
				}
			}
		}
		a64 := make([]affine64, n)
		for i := range affine {
			a64[i].fromAffineCached(&affine[i])
		}
		for i := range windows {
			wc := &windows[i]
			half := 1 << (wc.c - 1)
			var got ext64
			windowSum(&got, a64, wc.digits, make([]ext64, half), make([]bool, half))
			var g edwards25519.Point
			var ge extPoint
			if got.toExt(&ge).toEdwards(&g).Equal(&wc.want) != 1 {
				t.Errorf("c=%d: fe64 window sum differs from the field.Element one", wc.c)
			}
		}
		// The table's own choices, through the public entry point.
		for _, m := range []int{msmStrausMax() + 1, 161, n} {
			i := slices.IndexFunc(sums, func(sc sumCase) bool { return sc.m == n })
			want := &sums[i].want
			if m < n {
				want = naiveMSM(scalars[:m], elements[:m])
			}
			got, err := new(Element).VarTimeMultiScalarMult(scalars[:m], elements[:m])
			if err != nil {
				t.Fatal(err)
			}
			if got.Equal(want) != 1 {
				t.Errorf("%d terms (c=%d): VarTimeMultiScalarMult differs from the reference", m, msmWindow(m))
			}
		}
	})
}

// BenchmarkBucketAddition measures one bucket addition (v = v + q, q
// affine): the field.Element code it replaced, and the fe64 code on the
// assembly and on the pure-Go path.
func BenchmarkBucketAddition(b *testing.B) {
	r := testrand.New("BenchmarkBucketAddition")
	elems := randomElements(b, r, 64)
	affine := make([]affineCached, len(elems))
	batchToAffine(affine, elems, nil)
	a64 := make([]affine64, len(elems))
	for i := range affine {
		a64[i].fromAffineCached(&affine[i])
	}
	b.Run("field.Element", func(b *testing.B) {
		var acc extPoint
		var cp completedPoint
		acc.identity()
		i := 0
		for b.Loop() {
			acc.fromCompleted(cp.addAffine(&acc, &affine[i&63]))
			i++
		}
	})
	saved := fe64UseADX
	defer func() { fe64UseADX = saved }()
	for _, adx := range []bool{true, false} {
		if adx && !fe64HaveADX {
			continue
		}
		name := "fe64/generic"
		if adx {
			name = "fe64/adx"
		}
		b.Run(name, func(b *testing.B) {
			fe64UseADX = adx
			var acc ext64
			acc.identity()
			i := 0
			for b.Loop() {
				acc.addAffine(&a64[i&63])
				i++
			}
		})
	}
}
