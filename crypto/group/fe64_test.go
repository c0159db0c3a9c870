package group

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/big"
	"os"
	"runtime"
	"strings"
	"testing"

	"filippo.io/edwards25519/field"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Differential tests of the fe64 arithmetic (fe64.go, fe64_amd64.s,
// fe64_generic.go) against math/big, which sees every 256-bit input, and
// against filippo.io/edwards25519/field, which sees the inputs below 2^255
// it can represent. Every test runs on the assembly (where the CPU has
// BMI2 and ADX) and on the pure-Go code.

var (
	bigP    = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	big2256 = new(big.Int).Lsh(big.NewInt(1), 256)
)

func fe64FromBig(x *big.Int) fe64 {
	if x.Sign() < 0 || x.Cmp(big2256) >= 0 {
		panic("fe64FromBig: out of range")
	}
	var b [32]byte
	x.FillBytes(b[:]) // big-endian
	var a fe64
	for i := range 4 {
		a[i] = binary.BigEndian.Uint64(b[24-8*i:])
	}
	return a
}

func bigFromFE64(a *fe64) *big.Int {
	var b [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(b[24-8*i:], a[i])
	}
	return new(big.Int).SetBytes(b[:])
}

func bigHex(s string) *big.Int {
	x, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("bad hex " + s)
	}
	return x
}

// finalCarry reports whether reducing the 512-bit h as the code does (fold
// the high half times 38, then the bits from 255 up times 19) makes the last
// addition carry through every limb into bit 255, the longest carry chain.
func finalCarry(h *big.Int) bool {
	lo := new(big.Int).Mod(h, big2256)
	hi := new(big.Int).Rsh(h, 256)
	l := lo.Add(lo, hi.Mul(hi, big.NewInt(38))) // < 39·2^256
	c := new(big.Int).Rsh(l, 255)               // 2·top + bit 255
	l.Mod(l, new(big.Int).Rsh(big2256, 1))      // l' < 2^255
	l.Add(l, c.Mul(c, big.NewInt(19)))
	return l.Bit(255) == 1
}

// Inputs chosen to hit the reduction's longest carry (checked by
// TestFE64EdgeInputsReachTheFinalCarry): with a = 2^256 − 1,
// a·b = (b − 1)·2^256 + (2^256 − b), which folds to 2^256 + 37·b − 38, so
// b = 36/37 mod 2^256 leaves 2^256 − 2 below a fifth word ≥ 1; foldSquare
// was found by a search around 2^256 − 2^128.
var (
	foldMulA   = new(big.Int).Sub(big2256, big.NewInt(1))
	foldMulB   = new(big.Int).Mod(new(big.Int).Mul(big.NewInt(36), new(big.Int).ModInverse(big.NewInt(37), big2256)), big2256)
	foldSquare = bigHex("fffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffffda")
)

// edgeInputs are 256-bit values at the boundaries of the representation:
// small values, p and its neighbours (non-canonical from p up), 2^255 and
// 2^256 and their neighbours, 2p, all-ones limbs, limb boundaries where
// carries ripple, and the fold corners above.
func edgeInputs() []*big.Int {
	var out []*big.Int
	add := func(x *big.Int) { out = append(out, new(big.Int).Set(x)) }
	for _, v := range []int64{0, 1, 2, 3, 19, 37, 38, 39, 1 << 32} {
		add(big.NewInt(v))
	}
	for _, base := range []*big.Int{bigP, new(big.Int).Lsh(bigP, 1), new(big.Int).Lsh(big.NewInt(1), 255)} {
		for d := int64(-2); d <= 2; d++ {
			add(new(big.Int).Add(base, big.NewInt(d)))
		}
	}
	for d := int64(1); d <= 40; d++ { // 2^256 − 40 … 2^256 − 1, all above 2p
		add(new(big.Int).Sub(big2256, big.NewInt(d)))
	}
	for _, k := range []uint{64, 128, 192} {
		x := new(big.Int).Lsh(big.NewInt(1), k)
		add(x)
		add(new(big.Int).Sub(x, big.NewInt(1)))
		add(new(big.Int).Sub(big2256, x))
	}
	for _, s := range []string{
		"ffffffffffffffff0000000000000000ffffffffffffffff0000000000000000",
		"0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff",
		"00000000000000000000000000000001ffffffffffffffffffffffffffffffff",
		"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00",
		"8000000000000000000000000000000000000000000000000000000000000000",
		"8000000000000000000000000000000000000000000000000000000000000013",
	} {
		add(bigHex(s))
	}
	add(new(big.Int).Rsh(bigP, 1))                                  // (p − 1)/2
	add(new(big.Int).Add(new(big.Int).Rsh(bigP, 1), big.NewInt(1))) // (p + 1)/2
	add(bigFromFE64(&fe64SqrtM1))                                   // SQRT_M1
	add(new(big.Int).Sub(bigP, bigFromFE64(&fe64SqrtM1)))           // −SQRT_M1
	add(foldMulA)
	add(foldMulB)
	add(foldSquare)
	return out
}

func randomInputs(r io.Reader, n int) []*big.Int {
	out := make([]*big.Int, n)
	var b [32]byte
	for i := range out {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			panic(err)
		}
		switch i % 4 {
		case 1: // canonical, the common case after a conversion
			b[0] &= 0x7f
		case 2: // limbs of all ones or zeros mixed in
			for j := 0; j < 32; j += 8 {
				if b[j]&1 == 1 {
					copy(b[j:j+8], bytes.Repeat([]byte{0xff}, 8))
				}
			}
		}
		out[i] = new(big.Int).SetBytes(b[:])
	}
	return out
}

// forEachImpl runs f with the assembly (if the CPU has it) and with the
// pure-Go code selected.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := fe64UseADX
	defer func() { fe64UseADX = saved }()
	for _, adx := range []bool{true, false} {
		name := "generic"
		if adx {
			name = "adx"
		}
		t.Run(name, func(t *testing.T) {
			if adx && !fe64HaveADX {
				t.Skip("the CPU lacks BMI2 or ADX, or there is no assembly for " + runtime.GOARCH)
			}
			fe64UseADX = adx
			f(t)
		})
	}
}

// fieldFromBig returns x (< 2^255) as a field.Element, not reduced: SetBytes
// keeps values in [p, 2^255) as they are.
func fieldFromBig(t *testing.T, x *big.Int) *field.Element {
	t.Helper()
	if x.BitLen() > 255 {
		t.Fatalf("fieldFromBig: %x has more than 255 bits", x)
	}
	var b [32]byte
	x.FillBytes(b[:])
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	v, err := new(field.Element).SetBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func checkCanonical(t *testing.T, what string, got *fe64, want *big.Int) {
	t.Helper()
	var c fe64
	fe64Canonical(&c, got)
	want = new(big.Int).Mod(want, bigP)
	if bigFromFE64(&c).Cmp(want) != 0 {
		t.Fatalf("%s = %x (loose %x), want %x", what, bigFromFE64(&c), bigFromFE64(got), want)
	}
}

func TestFE64EdgeInputsReachTheFinalCarry(t *testing.T) {
	if !finalCarry(new(big.Int).Mul(foldMulA, foldMulB)) {
		t.Error("foldMulA·foldMulB does not carry into bit 255 at the last fold")
	}
	if !finalCarry(new(big.Int).Mul(foldSquare, foldSquare)) {
		t.Error("foldSquare² does not carry into bit 255 at the last fold")
	}
	if finalCarry(new(big.Int).Mul(foldSquare, big.NewInt(3))) {
		t.Error("finalCarry accepts 3·foldSquare")
	}
}

func TestFE64CanonicalIsTheResidue(t *testing.T) {
	inputs := append(edgeInputs(), randomInputs(testrand.New("fe64 canonical"), 2000)...)
	for _, x := range inputs {
		a := fe64FromBig(x)
		checkCanonical(t, "canonical", &a, x)
		var c fe64
		fe64Canonical(&c, &a)
		if bigFromFE64(&c).Cmp(bigP) >= 0 {
			t.Fatalf("canonical(%x) = %x is not below p", x, bigFromFE64(&c))
		}
		// Through filippo's encoding: fe64Bytes is the canonical encoding.
		if x.BitLen() <= 255 {
			b := fe64Bytes(&a)
			if !bytes.Equal(b[:], fieldFromBig(t, x).Bytes()) {
				t.Fatalf("fe64Bytes(%x) = %x, filippo %x", x, b, fieldFromBig(t, x).Bytes())
			}
		}
	}
}

func TestFE64MulMatchesBigAndFilippo(t *testing.T) {
	edges := edgeInputs()
	random := randomInputs(testrand.New("fe64 mul"), 3000)
	forEachImpl(t, func(t *testing.T) {
		check := func(x, y *big.Int) {
			t.Helper()
			a, b := fe64FromBig(x), fe64FromBig(y)
			want := new(big.Int).Mul(x, y)
			var out fe64
			fe64Mul(&out, &a, &b)
			checkCanonical(t, "a·b", &out, want)
			// Aliased operands.
			c := a
			fe64Mul(&c, &c, &b)
			checkCanonical(t, "a·b into a", &c, want)
			c = b
			fe64Mul(&c, &a, &c)
			checkCanonical(t, "a·b into b", &c, want)
			if x.BitLen() <= 255 && y.BitLen() <= 255 {
				f := new(field.Element).Multiply(fieldFromBig(t, x), fieldFromBig(t, y))
				if got := fe64Bytes(&out); !bytes.Equal(got[:], f.Bytes()) {
					t.Fatalf("%x·%x = %x, filippo %x", x, y, got, f.Bytes())
				}
			}
		}
		for _, x := range edges {
			for _, y := range edges {
				check(x, y)
			}
		}
		for i := 0; i+1 < len(random); i += 2 {
			check(random[i], random[i+1])
			check(random[i], edges[i%len(edges)])
		}
	})
}

func TestFE64SquareMatchesBigAndFilippo(t *testing.T) {
	inputs := append(edgeInputs(), randomInputs(testrand.New("fe64 square"), 3000)...)
	forEachImpl(t, func(t *testing.T) {
		for _, x := range inputs {
			a := fe64FromBig(x)
			var out fe64
			fe64Square(&out, &a)
			checkCanonical(t, "a²", &out, new(big.Int).Mul(x, x))
			c := a
			fe64Square(&c, &c)
			checkCanonical(t, "a² in place", &c, new(big.Int).Mul(x, x))
			if x.BitLen() <= 255 {
				f := new(field.Element).Square(fieldFromBig(t, x))
				if got := fe64Bytes(&out); !bytes.Equal(got[:], f.Bytes()) {
					t.Fatalf("%x² = %x, filippo %x", x, got, f.Bytes())
				}
			}
		}
	})
}

func TestFE64SquareNMatchesRepeatedSquaring(t *testing.T) {
	inputs := append(edgeInputs(), randomInputs(testrand.New("fe64 squareN"), 200)...)
	forEachImpl(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 3, 5, 10, 50, 100} {
			e := new(big.Int).Lsh(big.NewInt(1), uint(n))
			for _, x := range inputs {
				a := fe64FromBig(x)
				var out fe64
				fe64SquareN(&out, &a, n)
				checkCanonical(t, "a^(2^n)", &out, new(big.Int).Exp(x, e, bigP))
				fe64SquareN(&a, &a, n)
				if a != out {
					t.Fatalf("squareN(%x, %d) in place = %x, not %x", x, n, a, out)
				}
				if x.BitLen() <= 255 && n <= 10 {
					f := fieldFromBig(t, x)
					for range n {
						f.Square(f)
					}
					if got := fe64Bytes(&out); !bytes.Equal(got[:], f.Bytes()) {
						t.Fatalf("%x^(2^%d) = %x, filippo %x", x, n, got, f.Bytes())
					}
				}
			}
		}
	})
}

func TestFE64SquareNMulMatchesBig(t *testing.T) {
	edges := edgeInputs()
	random := randomInputs(testrand.New("fe64 squareNMul"), 200)
	forEachImpl(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 5, 50} {
			e := new(big.Int).Lsh(big.NewInt(1), uint(n))
			for i, x := range append(edges, random...) {
				y := random[(i*7+1)%len(random)]
				if i%3 == 0 {
					y = edges[i%len(edges)]
				}
				a, b := fe64FromBig(x), fe64FromBig(y)
				want := new(big.Int).Exp(x, e, bigP)
				want.Mul(want, y)
				var out fe64
				fe64SquareNMul(&out, &a, n, &b)
				checkCanonical(t, "a^(2^n)·b", &out, want)
				c := a
				fe64SquareNMul(&c, &c, n, &b)
				checkCanonical(t, "a^(2^n)·b into a", &c, want)
				c = b
				fe64SquareNMul(&c, &a, n, &c)
				checkCanonical(t, "a^(2^n)·b into b", &c, want)
			}
		}
	})
}

// The pure-Go helpers around the multiplications: addition, subtraction,
// negation, absolute value, comparisons, on every 256-bit input.
func TestFE64AddSubNegateAbsolute(t *testing.T) {
	edges := edgeInputs()
	inputs := append(edges, randomInputs(testrand.New("fe64 add sub"), 1000)...)
	for i, x := range inputs {
		for _, y := range []*big.Int{inputs[(i*13+7)%len(inputs)], edges[i%len(edges)], x} {
			a, b := fe64FromBig(x), fe64FromBig(y)
			var out fe64
			fe64Add(&out, &a, &b)
			checkCanonical(t, "a+b", &out, new(big.Int).Add(x, y))
			fe64Sub(&out, &a, &b)
			checkCanonical(t, "a−b", &out, new(big.Int).Sub(x, y).Mod(new(big.Int).Sub(x, y), bigP))
			c := a
			fe64Sub(&c, &c, &c)
			checkCanonical(t, "a−a", &c, new(big.Int))
			wantEq := new(big.Int).Mod(x, bigP).Cmp(new(big.Int).Mod(y, bigP)) == 0
			if got := fe64Equal(&a, &b); got != boolInt(wantEq) {
				t.Fatalf("equal(%x, %x) = %d", x, y, got)
			}
		}
		a := fe64FromBig(x)
		r := new(big.Int).Mod(x, bigP)
		var out fe64
		fe64Negate(&out, &a)
		checkCanonical(t, "−a", &out, new(big.Int).Sub(bigP, r))
		fe64Absolute(&out, &a)
		wantAbs := r
		if r.Bit(0) == 1 {
			wantAbs = new(big.Int).Sub(bigP, r)
		}
		if got := bigFromFE64(&out); got.Cmp(wantAbs) != 0 || got.Bit(0) != 0 {
			t.Fatalf("|%x| = %x, want %x", x, got, wantAbs)
		}
		if got := fe64IsNegative(&a); got != int(r.Bit(0)) {
			t.Fatalf("isNegative(%x) = %d", x, got)
		}
		if got := fe64IsZero(&a); got != boolInt(r.Sign() == 0) {
			t.Fatalf("isZero(%x) = %d", x, got)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestFE64Pow22523MatchesFilippo(t *testing.T) {
	inputs := append(edgeInputs(), randomInputs(testrand.New("fe64 pow22523"), 300)...)
	e := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 252), big.NewInt(3))
	forEachImpl(t, func(t *testing.T) {
		for _, x := range inputs {
			a := fe64FromBig(x)
			var out fe64
			fe64Pow22523(&out, &a)
			checkCanonical(t, "a^((p−5)/8)", &out, new(big.Int).Exp(x, e, bigP))
			if x.BitLen() <= 255 {
				f := new(field.Element).Pow22523(fieldFromBig(t, x))
				if got := fe64Bytes(&out); !bytes.Equal(got[:], f.Bytes()) {
					t.Fatalf("pow22523(%x) = %x, filippo %x", x, got, f.Bytes())
				}
			}
		}
	})
}

// sqrtRatioInputs returns field elements for u and v: the edge values below
// 2^255 (SetBytes would drop bit 255), squares and non-squares, −1, SQRT_M1,
// and random values.
func sqrtRatioInputs(t *testing.T, seed string, n int) []*field.Element {
	var out []*field.Element
	for _, x := range append(edgeInputs(), randomInputs(testrand.New(seed), n)...) {
		if x.BitLen() <= 255 {
			out = append(out, fieldFromBig(t, x))
		}
	}
	return out
}

func checkSqrtRatio(t *testing.T, u, v *field.Element) {
	t.Helper()
	want, wantSquare := new(field.Element).SqrtRatio(u, v)
	got, gotSquare := sqrtRatio(new(field.Element), u, v)
	if got.Equal(want) != 1 || gotSquare != wantSquare {
		t.Fatalf("sqrtRatio(%x, %x) = %x, %d; filippo %x, %d",
			u.Bytes(), v.Bytes(), got.Bytes(), gotSquare, want.Bytes(), wantSquare)
	}
	// The result is canonical, as filippo's is after its Absolute.
	if !bytes.Equal(got.Bytes(), want.Bytes()) || got.IsNegative() != 0 {
		t.Fatalf("sqrtRatio(%x, %x) = %x is not the non-negative root", u.Bytes(), v.Bytes(), got.Bytes())
	}
	// Aliasing r with u and with v.
	r := new(field.Element).Set(u)
	if _, sq := sqrtRatio(r, r, v); r.Equal(want) != 1 || sq != wantSquare {
		t.Fatalf("sqrtRatio aliased with u differs")
	}
	r.Set(v)
	if _, sq := sqrtRatio(r, u, r); r.Equal(want) != 1 || sq != wantSquare {
		t.Fatalf("sqrtRatio aliased with v differs")
	}
}

func TestSqrtRatioMatchesFilippo(t *testing.T) {
	elems := sqrtRatioInputs(t, "sqrtRatio", 300)
	forEachImpl(t, func(t *testing.T) {
		squares, nonSquares := 0, 0
		for i, u := range elems {
			// u against 1 (Decode and Encode's case), against a few edge
			// values, and against a random partner.
			vs := []*field.Element{feOne, feMinusOne, new(field.Element), feSqrtM1, elems[(i*7+3)%len(elems)]}
			// u/v square by construction: v = u·w² has u/v = 1/w².
			w := elems[(i*13+5)%len(elems)]
			vs = append(vs, new(field.Element).Multiply(u, new(field.Element).Square(w)))
			// The u = 1 form that Encode and Decode use.
			var v64, r64 fe64
			fe64FromField(&v64, u)
			want, wantSquare := new(field.Element).SqrtRatio(feOne, u)
			if sq := fe64InvSqrt(&r64, &v64); sq != wantSquare || fe64Bytes(&r64) != [32]byte(want.Bytes()) {
				t.Fatalf("invSqrt(%x) = %x, %d; filippo %x, %d", u.Bytes(), fe64Bytes(&r64), sq, want.Bytes(), wantSquare)
			}
			for _, v := range vs {
				checkSqrtRatio(t, u, v)
				if _, sq := new(field.Element).SqrtRatio(u, v); sq == 1 {
					squares++
				} else {
					nonSquares++
				}
			}
		}
		if squares < 100 || nonSquares < 100 {
			t.Fatalf("inputs are lopsided: %d squares, %d non-squares", squares, nonSquares)
		}
	})
}

func TestInvertMatchesFilippo(t *testing.T) {
	elems := sqrtRatioInputs(t, "invert", 500)
	forEachImpl(t, func(t *testing.T) {
		for _, z := range elems {
			want := new(field.Element).Invert(z)
			got := invert(new(field.Element), z)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("invert(%x) = %x, filippo %x", z.Bytes(), got.Bytes(), want.Bytes())
			}
			if r := new(field.Element).Set(z); !bytes.Equal(invert(r, r).Bytes(), want.Bytes()) {
				t.Fatalf("invert(%x) in place differs", z.Bytes())
			}
		}
	})
}

// On amd64 the CPUID detection agrees with the kernel's view of the CPU.
func TestFE64DetectionMatchesCPUInfo(t *testing.T) {
	if !fe64Asm {
		t.Skip("no fe64 assembly in this build (" + runtime.GOARCH + ", or the purego tag)")
	}
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	var flags []string
	for line := range strings.SplitSeq(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = strings.Fields(v)
			break
		}
	}
	has := func(f string) bool {
		for _, x := range flags {
			if x == f {
				return true
			}
		}
		return false
	}
	if len(flags) == 0 {
		t.Skip("no flags line in /proc/cpuinfo")
	}
	if want := has("bmi2") && has("adx"); fe64HaveADX != want {
		t.Fatalf("fe64HaveADX = %v, but /proc/cpuinfo says bmi2 and adx: %v", fe64HaveADX, want)
	}
}

// FuzzSqrtRatio compares sqrtRatio, mul and square with filippo's field on
// arbitrary 32-byte inputs (SetBytes drops bit 255 and keeps values in
// [p, 2^255) unreduced), on both code paths.
func FuzzSqrtRatio(f *testing.F) {
	for _, x := range edgeInputs() {
		var b [32]byte
		x.FillBytes(b[:])
		f.Add(b[:], b[:])
	}
	f.Fuzz(func(t *testing.T, ub, vb []byte) {
		var u32, v32 [32]byte
		copy(u32[:], ub)
		copy(v32[:], vb)
		u, _ := new(field.Element).SetBytes(u32[:])
		v, _ := new(field.Element).SetBytes(v32[:])
		saved := fe64UseADX
		defer func() { fe64UseADX = saved }()
		for _, adx := range []bool{fe64HaveADX, false} {
			fe64UseADX = adx
			checkSqrtRatio(t, u, v)
			var a, b, out fe64
			fe64FromField(&a, u)
			fe64FromField(&b, v)
			fe64Mul(&out, &a, &b)
			if got := fe64Bytes(&out); !bytes.Equal(got[:], new(field.Element).Multiply(u, v).Bytes()) {
				t.Fatalf("mul(%x, %x) = %x (adx %v)", u.Bytes(), v.Bytes(), got, adx)
			}
			// The raw 256-bit input, bit 255 included, against math/big.
			x := new(big.Int).SetBytes(reversed(u32[:]))
			a = fe64FromBig(x)
			fe64Square(&out, &a)
			checkCanonical(t, "a²", &out, new(big.Int).Mul(x, x))
		}
	})
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}
