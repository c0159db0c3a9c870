package group

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"filippo.io/edwards25519"
	"github.com/veche/veche/crypto/internal/testrand"
)

// These tests check the multi-scalar multiplication and the point arithmetic
// under it from inside the package, so that every window size and both
// methods can be driven directly. The reference is always the plain sum of
// constant-time ScalarMult results.

func randomScalars(t testing.TB, r io.Reader, n int) []*Scalar {
	t.Helper()
	out := make([]*Scalar, n)
	for i := range out {
		s, err := RandomScalar(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

func randomElements(t testing.TB, r io.Reader, n int) []*Element {
	t.Helper()
	out := make([]*Element, n)
	for i := range out {
		var b [64]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			t.Fatal(err)
		}
		e, err := new(Element).SetUniformBytes(b[:])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

// naiveMSM is the reference Σ scalars[i]·elements[i].
func naiveMSM(scalars []*Scalar, elements []*Element) *Element {
	sum := NewElement()
	var term Element
	for i := range scalars {
		sum.Add(sum, term.ScalarMult(scalars[i], elements[i]))
	}
	return sum
}

// scalarFromBits returns the scalar whose bits c·j … c·j+c−1 hold v for
// every window j, truncated to the bits below top (top ≤ 252 keeps it < ℓ).
func scalarFromBits(t testing.TB, c uint, v uint64, top uint) *Scalar {
	t.Helper()
	var b [32]byte
	for bit := range top {
		if v>>(bit%c)&1 == 1 {
			b[bit/8] |= 1 << (bit % 8)
		}
	}
	s, err := new(Scalar).SetCanonicalBytes(b[:])
	if err != nil {
		t.Fatalf("scalarFromBits(%d, %#x): %v", c, v, err)
	}
	return s
}

func scalarLMinus(k uint64) *Scalar {
	var s, x Scalar
	return s.Negate(x.SetUint64(k)) // ℓ − k
}

func checkMSM(t *testing.T, name string, scalars []*Scalar, elements []*Element) {
	t.Helper()
	want := naiveMSM(scalars, elements)
	got, err := NewElement().VarTimeMultiScalarMult(scalars, elements)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got.Equal(want) != 1 {
		t.Errorf("%s: VarTimeMultiScalarMult differs from Σ ScalarMult (n = %d)", name, len(scalars))
	}
	for _, workers := range []int{2, 3} {
		got, err := NewElement().VarTimeMultiScalarMultParallel(scalars, elements, workers)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Equal(want) != 1 {
			t.Errorf("%s: VarTimeMultiScalarMultParallel(%d workers) differs from Σ ScalarMult (n = %d)", name, workers, len(scalars))
		}
	}
}

func TestMSMRandomSizes(t *testing.T) {
	r := testrand.New("TestMSMRandomSizes")
	for _, n := range []int{0, 1, 2, 3, 17, msmStrausMax() - 1, msmStrausMax(), msmStrausMax() + 1, msmStrausMax() + 2, 3000} {
		checkMSM(t, fmt.Sprintf("random n=%d", n), randomScalars(t, r, n), randomElements(t, r, n))
	}
}

func TestMSMReceiverAliasesInput(t *testing.T) {
	r := testrand.New("TestMSMReceiverAliasesInput")
	for _, n := range []int{5, msmStrausMax() + 5} {
		s, p := randomScalars(t, r, n), randomElements(t, r, n)
		want := naiveMSM(s, p)
		e := p[n/2]
		got, err := e.VarTimeMultiScalarMult(s, p)
		if err != nil {
			t.Fatal(err)
		}
		if got != e || got.Equal(want) != 1 {
			t.Errorf("n=%d: receiver that is also an input gives a wrong sum", n)
		}
	}
}

func TestMSMEmptyIsIdentity(t *testing.T) {
	e := NewGeneratorElement()
	got, err := e.VarTimeMultiScalarMult(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != e || !got.IsIdentity() {
		t.Error("empty sum is not the identity in the receiver")
	}
}

func TestMSMLengthMismatch(t *testing.T) {
	r := testrand.New("TestMSMLengthMismatch")
	for _, n := range []int{1, msmStrausMax() + 10} {
		s := randomScalars(t, r, n)
		p := randomElements(t, r, n+1)
		e := NewGeneratorElement()
		if got, err := e.VarTimeMultiScalarMult(s, p); err == nil || got != nil {
			t.Errorf("n=%d: mismatched lengths accepted", n)
		}
		if got, err := e.VarTimeMultiScalarMultParallel(s, p, 2); err == nil || got != nil {
			t.Errorf("n=%d: mismatched lengths accepted by the parallel version", n)
		}
		if e.Equal(NewGeneratorElement()) != 1 {
			t.Errorf("n=%d: receiver changed on error", n)
		}
	}
}

// TestMSMAdversarial feeds inputs that hit the special cases of the bucket
// method on both sides of the Straus cut-over.
func TestMSMAdversarial(t *testing.T) {
	r := testrand.New("TestMSMAdversarial")
	for _, n := range []int{3, msmStrausMax() + 1, 600} {
		c := msmWindow(n)
		rs := randomScalars(t, r, n)
		rp := randomElements(t, r, n)
		fill := func(f func(i int) (*Scalar, *Element)) ([]*Scalar, []*Element) {
			s, p := make([]*Scalar, n), make([]*Element, n)
			for i := range n {
				s[i], p[i] = f(i)
			}
			return s, p
		}
		cases := []struct {
			name string
			f    func(i int) (*Scalar, *Element)
		}{
			{"all scalars zero", func(i int) (*Scalar, *Element) { return NewScalar(), rp[i] }},
			{"every other scalar zero", func(i int) (*Scalar, *Element) {
				if i%2 == 0 {
					return NewScalar(), rp[i]
				}
				return rs[i], rp[i]
			}},
			{"all elements identity", func(i int) (*Scalar, *Element) { return rs[i], NewElement() }},
			{"some elements identity", func(i int) (*Scalar, *Element) {
				if i%3 == 0 {
					return rs[i], NewElement()
				}
				return rs[i], rp[i]
			}},
			{"one repeated element", func(i int) (*Scalar, *Element) { return rs[i], rp[0] }},
			{"repeated element and scalar", func(i int) (*Scalar, *Element) { return rs[0], rp[0] }},
			{"element and its negation", func(i int) (*Scalar, *Element) {
				if i%2 == 1 {
					return rs[i/2*2], new(Element).Negate(rp[i/2*2])
				}
				return rs[i], rp[i]
			}},
			{"scalars cancel", func(i int) (*Scalar, *Element) {
				if i%2 == 1 {
					return new(Scalar).Negate(rs[i-1]), rp[i-1]
				}
				return rs[i], rp[i]
			}},
			{"scalar ℓ−1", func(i int) (*Scalar, *Element) { return scalarLMinus(1), rp[i] }},
			{"scalars ℓ−1 … ℓ−n", func(i int) (*Scalar, *Element) { return scalarLMinus(uint64(i + 1)), rp[i] }},
			{"scalars 1 … n", func(i int) (*Scalar, *Element) { return new(Scalar).SetUint64(uint64(i + 1)), rp[i] }},
			{"scalars 2^252 + i", func(i int) (*Scalar, *Element) {
				return new(Scalar).Add(powerOfTwo(252), new(Scalar).SetUint64(uint64(i))), rp[i]
			}},
			{"all digits 2^(c−1)", func(i int) (*Scalar, *Element) { return scalarFromBits(t, c, 1<<(c-1), 252), rp[i] }},
			{"all digits 2^(c−1)+1", func(i int) (*Scalar, *Element) { return scalarFromBits(t, c, 1<<(c-1)+1, 252), rp[i] }},
			{"all digits 2^(c−1)−1", func(i int) (*Scalar, *Element) { return scalarFromBits(t, c, 1<<(c-1)-1, 252), rp[i] }},
			{"all windows 2^c−1 (carry chain)", func(i int) (*Scalar, *Element) { return scalarFromBits(t, c, 1<<c-1, 252), rp[i] }},
			{"2^252−1", func(i int) (*Scalar, *Element) { return scalarFromBits(t, 1, 1, 252), rp[i] }},
			{"mixed boundaries", func(i int) (*Scalar, *Element) {
				switch i % 5 {
				case 0:
					return scalarFromBits(t, c, 1<<(c-1), 252), rp[i]
				case 1:
					return scalarLMinus(uint64(i)), rp[i]
				case 2:
					return scalarFromBits(t, c, 1<<c-1, 252), rp[i]
				case 3:
					return NewScalar(), rp[i]
				}
				return rs[i], NewElement()
			}},
		}
		for _, tc := range cases {
			s, p := fill(tc.f)
			checkMSM(t, fmt.Sprintf("%s (n=%d, c=%d)", tc.name, n, c), s, p)
		}
	}
}

func powerOfTwo(k int) *Scalar {
	s := new(Scalar).SetUint64(1)
	for range k {
		s.Add(s, s)
	}
	return s
}

// TestPippengerEveryWindow runs the bucket method itself at every window
// size the table can choose and a few more, on random and boundary scalars.
func TestPippengerEveryWindow(t *testing.T) {
	r := testrand.New("TestPippengerEveryWindow")
	const n = 40
	p := randomElements(t, r, n)
	rs := randomScalars(t, r, n)
	for c := uint(2); c <= 16; c++ {
		s := make([]*Scalar, n)
		for i := range s {
			switch i % 4 {
			case 0:
				s[i] = scalarFromBits(t, c, 1<<(c-1), 252)
			case 1:
				s[i] = scalarFromBits(t, c, 1<<c-1, 252)
			case 2:
				s[i] = scalarLMinus(uint64(i))
			default:
				s[i] = rs[i]
			}
		}
		want := naiveMSM(s, p)
		for _, workers := range []int{1, 2, 5} {
			var got Element
			pippenger(&got.p, s, p, c, workers)
			if got.Equal(want) != 1 {
				t.Errorf("pippenger(c=%d, workers=%d) differs from Σ ScalarMult", c, workers)
			}
		}
	}
}

// TestRecodeScalar checks that the signed digits recompose the scalar and
// stay in (−2^(c−1), 2^(c−1)].
func TestRecodeScalar(t *testing.T) {
	r := testrand.New("TestRecodeScalar")
	scalars := append(randomScalars(t, r, 20), NewScalar(), scalarLMinus(1), powerOfTwo(252), powerOfTwo(251))
	for c := uint(2); c <= 16; c++ {
		windows := int((scalarBits + c) / c)
		for _, s := range scalars {
			digits := make([]int32, windows)
			neg := recodeScalar(digits, 0, 1, s, c, windows)
			// Σ d_j·2^(c·j), evaluated with scalar arithmetic.
			sum, pow, d := NewScalar(), new(Scalar).SetUint64(1), NewScalar()
			radix := powerOfTwo(int(c))
			for _, dj := range digits {
				if dj <= -(1<<(c-1)) || dj > 1<<(c-1) {
					t.Fatalf("c=%d: digit %d out of range", c, dj)
				}
				sum.MultiplyAdd(d.SetInt64(int64(dj)), pow, sum)
				pow.Multiply(pow, radix)
			}
			want := s
			if neg {
				want = new(Scalar).Negate(s)
			}
			if sum.Equal(want) != 1 {
				t.Errorf("c=%d: digits of %x do not recompose it (negated: %v)", c, s.Bytes(), neg)
			}
		}
	}
}

// TestExtendedPointArithmetic compares the hand-written extended-coordinate
// formulas with filippo.io/edwards25519's Point operations.
func TestExtendedPointArithmetic(t *testing.T) {
	r := testrand.New("TestExtendedPointArithmetic")
	elems := append(randomElements(t, r, 8), NewElement(), NewGeneratorElement())
	// A point with Z ≠ 1 and a point equal to another one's negation.
	elems = append(elems, new(Element).Add(elems[0], elems[1]), new(Element).Negate(elems[2]))
	affine := make([]affineCached, len(elems))
	batchToAffine(affine, elems, nil)
	negated := make([]bool, len(elems))
	for i := range negated {
		negated[i] = i%2 == 1
	}
	affineNeg := make([]affineCached, len(elems))
	batchToAffine(affineNeg, elems, negated)

	toElement := func(v *extPoint) *Element {
		e := new(Element)
		v.toEdwards(&e.p)
		return e
	}
	var cp completedPoint
	var cached cachedPoint
	for i, a := range elems {
		var pa extPoint
		pa.fromEdwards(&a.p)
		if toElement(&pa).Equal(a) != 1 {
			t.Fatalf("%d: fromEdwards/toEdwards round trip", i)
		}
		var set extPoint
		if toElement(set.setAffine(&affine[i], false)).Equal(a) != 1 {
			t.Errorf("%d: setAffine(P) ≠ P", i)
		}
		if toElement(set.setAffine(&affine[i], true)).Equal(new(Element).Negate(a)) != 1 {
			t.Errorf("%d: setAffine(P, neg) ≠ −P", i)
		}
		wantNeg := a
		if negated[i] {
			wantNeg = new(Element).Negate(a)
		}
		if toElement(set.setAffine(&affineNeg[i], false)).Equal(wantNeg) != 1 {
			t.Errorf("%d: batchToAffine negation flag ignored", i)
		}

		var dbl extPoint
		dbl.fromCompleted(cp.double(&pa))
		if toElement(&dbl).Equal(new(Element).Add(a, a)) != 1 {
			t.Errorf("%d: double(P) ≠ P + P", i)
		}
		for j, b := range elems {
			var pb, sum extPoint
			pb.fromEdwards(&b.p)
			wantSum := new(Element).Add(a, b)
			wantDiff := new(Element).Subtract(a, b)
			if toElement(sum.fromCompleted(cp.add(&pa, cached.fromExt(&pb)))).Equal(wantSum) != 1 {
				t.Errorf("(%d, %d): add ≠ Point.Add", i, j)
			}
			if toElement(sum.fromCompleted(cp.addAffine(&pa, &affine[j]))).Equal(wantSum) != 1 {
				t.Errorf("(%d, %d): addAffine ≠ Point.Add", i, j)
			}
			if toElement(sum.fromCompleted(cp.subAffine(&pa, &affine[j]))).Equal(wantDiff) != 1 {
				t.Errorf("(%d, %d): subAffine ≠ Point.Subtract", i, j)
			}
		}
	}
	// A chain of additions and doublings stays on the curve and agrees with
	// the reference (toEdwards checks the curve equation).
	var acc extPoint
	acc.identity()
	ref := edwards25519.NewIdentityPoint()
	for k := range 50 {
		q := elems[k%len(elems)]
		acc.fromCompleted(cp.addAffine(&acc, &affine[k%len(elems)]))
		ref.Add(ref, &q.p)
		acc.fromCompleted(cp.double(&acc))
		ref.Add(ref, ref)
	}
	var got edwards25519.Point
	if acc.toEdwards(&got).Equal(ref) != 1 {
		t.Error("a chain of 50 additions and doublings differs from Point.Add")
	}
}

// measureTerms runs f in b.Loop on a locked OS thread and reports wall and
// thread CPU time per term.
func measureTerms(b *testing.B, n int, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPUTime()
	for b.Loop() {
		f()
	}
	cpu1, _ := threadCPUTime()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/term")
	if ok {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/term")
	}
}

// BenchmarkPippengerWindow measures the bucket method at each window size
// near the table's choice; it produced the table in msmWindows
// (docs/decisions/0002-msm.md). Run with -cpu 1.
func BenchmarkPippengerWindow(b *testing.B) {
	r := testrand.New("BenchmarkPippengerWindow")
	for _, n := range []int{64, 128, 256, 512, 1024, 2048, 4096, 10000, 30000, 100000} {
		s := randomScalars(b, r, n)
		p := benchElements(b, r, n)
		best := msmWindow(n)
		for c := max(best, 6) - 3; c <= min(best+2, 16); c++ {
			b.Run(fmt.Sprintf("n=%d/c=%d", n, c), func(b *testing.B) {
				var out edwards25519.Point
				measureTerms(b, n, func() { pippenger(&out, s, p, c, 1) })
			})
		}
	}
}

// BenchmarkStrausVsPippenger measures both methods at sizes around the
// cut-over msmStrausMax. Run with -cpu 1.
func BenchmarkStrausVsPippenger(b *testing.B) {
	r := testrand.New("BenchmarkStrausVsPippenger")
	for _, n := range []int{16, 20, 24, 28, 32, 48, 64, 96, 112, 128, 192, 256, 512, 1000, 10000} {
		s := randomScalars(b, r, n)
		p := benchElements(b, r, n)
		b.Run(fmt.Sprintf("straus/n=%d", n), func(b *testing.B) {
			var out edwards25519.Point
			measureTerms(b, n, func() { varTimeStraus(&out, s, p) })
		})
		b.Run(fmt.Sprintf("pippenger/n=%d", n), func(b *testing.B) {
			var out edwards25519.Point
			c := msmWindow(n)
			measureTerms(b, n, func() { pippenger(&out, s, p, c, 1) })
		})
	}
}

// benchElements returns n distinct elements cheaply: random multiples of
// the generator, by repeated addition of a few random elements.
func benchElements(b testing.TB, r io.Reader, n int) []*Element {
	seed := randomElements(b, r, 16)
	out := make([]*Element, n)
	acc := NewElement()
	for i := range out {
		acc.Add(acc, seed[i%16])
		if i%16 == 15 {
			acc.Add(acc, acc)
		}
		out[i] = new(Element).Set(acc)
	}
	return out
}

// TestFixedBaseMult checks the precomputed-table multiplication against
// ScalarMult for random, boundary and small scalars and several bases.
func TestFixedBaseMult(t *testing.T) {
	r := testrand.New("TestFixedBaseMult")
	bases := append(randomElements(t, r, 3), NewGeneratorElement(), NewElement())
	scalars := append(randomScalars(t, r, 20),
		NewScalar(), new(Scalar).SetUint64(1), new(Scalar).SetUint64(8), new(Scalar).SetUint64(9),
		new(Scalar).SetInt64(-1), new(Scalar).SetInt64(-8), scalarLMinus(9),
		powerOfTwo(252), scalarFromBits(t, 4, 8, 252), scalarFromBits(t, 4, 15, 252), scalarFromBits(t, 8, 0x88, 252))
	for i, base := range bases {
		fb := NewFixedBase(base)
		for _, s := range scalars {
			want := new(Element).ScalarMult(s, base)
			got := new(Element).FixedBaseMult(fb, s)
			if got.Equal(want) != 1 {
				t.Errorf("base %d: FixedBaseMult(%x) ≠ ScalarMult", i, s.Bytes())
			}
		}
	}
}

// TestSignedRadix16 checks that the digits recompose the scalar and stay in
// [−8, 8].
func TestSignedRadix16(t *testing.T) {
	r := testrand.New("TestSignedRadix16")
	for _, s := range append(randomScalars(t, r, 20), NewScalar(), scalarLMinus(1), powerOfTwo(252)) {
		digits := signedRadix16(s)
		sum, pow, d, radix := NewScalar(), new(Scalar).SetUint64(1), NewScalar(), new(Scalar).SetUint64(16)
		for _, dk := range digits {
			if dk < -8 || dk > 8 {
				t.Fatalf("digit %d out of range", dk)
			}
			sum.MultiplyAdd(d.SetInt64(int64(dk)), pow, sum)
			pow.Multiply(pow, radix)
		}
		if sum.Equal(s) != 1 {
			t.Errorf("digits of %x do not recompose it", s.Bytes())
		}
	}
}

// FuzzPippenger compares the bucket method, at a window size chosen by the
// input, with Σ ScalarMult for scalars taken from the input (reduced from 32
// bytes, so values ≥ 2^252 and digits at every boundary occur) and points
// from a fixed pool (so repeats and opposites occur).
func FuzzPippenger(f *testing.F) {
	pool := randomElements(f, testrand.New("FuzzPippenger"), 8)
	for i := range 4 {
		pool = append(pool, new(Element).Negate(pool[i]))
	}
	pool = append(pool, NewElement())
	f.Add([]byte{11}, bytes.Repeat([]byte{0xff}, 33*3))
	f.Add([]byte{2}, bytes.Repeat([]byte{0x80}, 33*5))
	f.Add([]byte{16}, append(bytes.Repeat([]byte{0}, 33), bytes.Repeat([]byte{0xed, 0xd3}, 33)...))
	f.Fuzz(func(t *testing.T, cfg, data []byte) {
		if len(cfg) == 0 {
			return
		}
		c := 2 + uint(cfg[0])%15
		var scalars []*Scalar
		var elements []*Element
		for len(data) >= 33 && len(scalars) < 16 {
			var wide [64]byte
			copy(wide[:], data[1:33])
			s, err := new(Scalar).SetUniformBytes(wide[:])
			if err != nil {
				t.Fatal(err)
			}
			scalars = append(scalars, s)
			elements = append(elements, pool[int(data[0])%len(pool)])
			data = data[33:]
		}
		want := naiveMSM(scalars, elements)
		var got Element
		pippenger(&got.p, scalars, elements, c, 1)
		if got.Equal(want) != 1 {
			t.Errorf("pippenger(c=%d) differs from Σ ScalarMult on %d terms", c, len(scalars))
		}
	})
}
