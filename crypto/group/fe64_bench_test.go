package group

import (
	"testing"

	"filippo.io/edwards25519/field"
)

// Benchmarks of the fe64 arithmetic against filippo.io/edwards25519/field
// (docs/decisions/0013-fast-field-inverse-sqrt.md). On a shared machine run
// them with short, repeated runs and keep the minimum, for example
//
//	go test -c -o g.test ./crypto/group
//	for i in $(seq 30); do GOMAXPROCS=1 ./g.test -test.run '^$' \
//	    -test.bench 'Pow22523|FieldSquare|SqrtRatio' -test.benchtime 300x; done
//
// "-adx" is the BMI2+ADX assembly, "-generic" the pure-Go fe64 code that
// runs without it.

var (
	fe64Sink  fe64
	fieldSink *field.Element
)

// benchFE64 is an arbitrary canonical value.
var benchFE64 = fe64{0x1234567890abcdef, 0x0fedcba987654321, 0x1122334455667788, 0x0123456789abcdef}

// withImpl runs f as sub-benchmarks for the assembly (if the CPU has it)
// and the pure-Go fe64 code.
func withImpl(b *testing.B, f func(b *testing.B)) {
	saved := fe64UseADX
	defer func() { fe64UseADX = saved }()
	for _, adx := range []bool{true, false} {
		name := "fe64-generic"
		if adx {
			name = "fe64-adx"
		}
		b.Run(name, func(b *testing.B) {
			if adx && !fe64HaveADX {
				b.Skip("no BMI2+ADX assembly")
			}
			fe64UseADX = adx
			f(b)
		})
	}
}

// BenchmarkPow22523 times x^((p−5)/8), the exponentiation behind every
// inverse square root (250 squarings, 11 multiplications).
func BenchmarkPow22523(b *testing.B) {
	withImpl(b, func(b *testing.B) {
		x := benchFE64
		for b.Loop() {
			fe64Pow22523(&x, &x)
		}
		fe64Sink = x
	})
	b.Run("filippo", func(b *testing.B) {
		f := fe64ToField(new(field.Element), &benchFE64)
		for b.Loop() {
			f.Pow22523(f)
		}
		fieldSink = f
	})
}

// BenchmarkFieldSquare times one squaring, called as the other operations
// are.
func BenchmarkFieldSquare(b *testing.B) {
	withImpl(b, func(b *testing.B) {
		x := benchFE64
		for b.Loop() {
			fe64Square(&x, &x)
		}
		fe64Sink = x
	})
	b.Run("filippo", func(b *testing.B) {
		f := fe64ToField(new(field.Element), &benchFE64)
		for b.Loop() {
			f.Square(f)
		}
		fieldSink = f
	})
}

// BenchmarkFieldSquareN times runs of 100 squarings, as the exponentiation
// does them, and reports the time per squaring.
func BenchmarkFieldSquareN(b *testing.B) {
	withImpl(b, func(b *testing.B) {
		x := benchFE64
		for b.Loop() {
			fe64SquareN(&x, &x, 100)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/square")
		fe64Sink = x
	})
	b.Run("filippo", func(b *testing.B) {
		f := fe64ToField(new(field.Element), &benchFE64)
		for b.Loop() {
			for range 100 {
				f.Square(f)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/square")
		fieldSink = f
	})
}

// BenchmarkFieldMultiply times one multiplication as a call.
func BenchmarkFieldMultiply(b *testing.B) {
	withImpl(b, func(b *testing.B) {
		x, y := benchFE64, fe64SqrtM1
		for b.Loop() {
			fe64Mul(&x, &x, &y)
		}
		fe64Sink = x
	})
	b.Run("filippo", func(b *testing.B) {
		f := fe64ToField(new(field.Element), &benchFE64)
		for b.Loop() {
			f.Multiply(f, feSqrtM1)
		}
		fieldSink = f
	})
}

// BenchmarkSqrtRatio times SQRT_RATIO_M1 on field.Element values,
// conversions included, as mapToPoint calls it.
func BenchmarkSqrtRatio(b *testing.B) {
	u := fe64ToField(new(field.Element), &fe64SqrtM1)
	v := fe64ToField(new(field.Element), &benchFE64)
	r := new(field.Element)
	withImpl(b, func(b *testing.B) {
		for b.Loop() {
			sqrtRatio(r, u, v)
		}
		fieldSink = r
	})
	b.Run("filippo", func(b *testing.B) {
		for b.Loop() {
			r.SqrtRatio(u, v)
		}
		fieldSink = r
	})
}
