package group_test

import (
	"fmt"
	"io"
	"runtime"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/gtank/ristretto255"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Benchmarks for every hot group operation, and the same operations in
// github.com/gtank/ristretto255 for docs/decisions/0001-group-library.md.
// The speed targets (ScalarMult ≤ 50 µs, MSM ≤ 5 µs per term at 10,000 terms
// on one core) are checked by reading these figures; run them with
//
//	go test ./crypto/group -run '^$' -bench . -cpu 1
//
// BenchmarkCalibration gives the speed of the machine at the time (one field
// multiplication, one Edwards point addition), since a shared 2-core machine
// varies by tens of percent from run to run.

var sink any

func benchScalar(b *testing.B, r io.Reader) *group.Scalar {
	b.Helper()
	s, err := group.RandomScalar(r)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchElement(b *testing.B, r io.Reader) *group.Element {
	b.Helper()
	return new(group.Element).ScalarBaseMult(benchScalar(b, r))
}

func BenchmarkCalibration(b *testing.B) {
	b.Run("FieldMultiply", func(b *testing.B) {
		x := new(field.Element).One()
		y := new(field.Element).Add(x, x)
		for b.Loop() {
			x.Multiply(x, y)
		}
		sink = x
	})
	b.Run("EdwardsPointAdd", func(b *testing.B) {
		p := edwards25519.NewGeneratorPoint()
		q := new(edwards25519.Point).Add(p, p)
		for b.Loop() {
			p.Add(p, q)
		}
		sink = p
	})
}

func BenchmarkScalarBaseMult(b *testing.B) {
	s := benchScalar(b, testrand.New("BenchmarkScalarBaseMult"))
	e := group.NewElement()
	for b.Loop() {
		e.ScalarBaseMult(s)
	}
	sink = e
}

func BenchmarkScalarMult(b *testing.B) {
	r := testrand.New("BenchmarkScalarMult")
	s, x := benchScalar(b, r), benchElement(b, r)
	e := group.NewElement()
	for b.Loop() {
		e.ScalarMult(s, x)
	}
	sink = e
}

func BenchmarkVarTimeDoubleScalarBaseMult(b *testing.B) {
	r := testrand.New("BenchmarkVarTimeDoubleScalarBaseMult")
	s1, x, s2 := benchScalar(b, r), benchElement(b, r), benchScalar(b, r)
	e := group.NewElement()
	for b.Loop() {
		e.VarTimeDoubleScalarBaseMult(s1, x, s2)
	}
	sink = e
}

func BenchmarkElementAdd(b *testing.B) {
	r := testrand.New("BenchmarkElementAdd")
	x, y := benchElement(b, r), benchElement(b, r)
	for b.Loop() {
		x.Add(x, y)
	}
	sink = x
}

func BenchmarkElementDecode(b *testing.B) {
	enc := benchElement(b, testrand.New("BenchmarkElementDecode")).Bytes()
	e := group.NewElement()
	for b.Loop() {
		if _, err := e.SetCanonicalBytes(enc); err != nil {
			b.Fatal(err)
		}
	}
	sink = e
}

func BenchmarkElementEncode(b *testing.B) {
	e := benchElement(b, testrand.New("BenchmarkElementEncode"))
	buf := make([]byte, 0, group.ElementSize)
	for b.Loop() {
		buf = e.AppendBytes(buf[:0])
	}
	sink = buf
}

func BenchmarkElementEqual(b *testing.B) {
	r := testrand.New("BenchmarkElementEqual")
	x, y := benchElement(b, r), benchElement(b, r)
	n := 0
	for b.Loop() {
		n += x.Equal(y)
	}
	sink = n
}

func BenchmarkHashToElement(b *testing.B) {
	dst := []byte("veche/bench/v1")
	msg := []byte("generator 0")
	for b.Loop() {
		e, err := group.HashToElement(dst, msg)
		if err != nil {
			b.Fatal(err)
		}
		sink = e
	}
}

func BenchmarkElementSetUniformBytes(b *testing.B) {
	u := make([]byte, 64)
	if _, err := io.ReadFull(testrand.New("BenchmarkElementSetUniformBytes"), u); err != nil {
		b.Fatal(err)
	}
	e := group.NewElement()
	for b.Loop() {
		if _, err := e.SetUniformBytes(u); err != nil {
			b.Fatal(err)
		}
	}
	sink = e
}

func BenchmarkHashToScalar(b *testing.B) {
	dst := []byte("veche/bench/v1")
	msg := []byte("challenge")
	for b.Loop() {
		s, err := group.HashToScalar(dst, msg)
		if err != nil {
			b.Fatal(err)
		}
		sink = s
	}
}

func BenchmarkScalar(b *testing.B) {
	r := testrand.New("BenchmarkScalar")
	x, y, z := benchScalar(b, r), benchScalar(b, r), benchScalar(b, r)
	enc := x.Bytes()
	u := make([]byte, 64)
	if _, err := io.ReadFull(r, u); err != nil {
		b.Fatal(err)
	}
	s := group.NewScalar()
	b.Run("Add", func(b *testing.B) {
		for b.Loop() {
			s.Add(x, y)
		}
	})
	b.Run("Multiply", func(b *testing.B) {
		for b.Loop() {
			s.Multiply(x, y)
		}
	})
	b.Run("MultiplyAdd", func(b *testing.B) {
		for b.Loop() {
			s.MultiplyAdd(x, y, z)
		}
	})
	b.Run("Invert", func(b *testing.B) {
		for b.Loop() {
			s.Invert(x)
		}
	})
	b.Run("SetCanonicalBytes", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.SetCanonicalBytes(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SetUniformBytes", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.SetUniformBytes(u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Bytes", func(b *testing.B) {
		for b.Loop() {
			sink = s.Bytes()
		}
	})
	sink = s
}

// msmInputs returns n random scalars and n distinct elements, the elements
// made cheaply by additions (their representation is not normalised, as in
// real use after decoding and arithmetic).
func msmInputs(b *testing.B, n int) ([]*group.Scalar, []*group.Element) {
	b.Helper()
	r := testrand.New(fmt.Sprintf("msmInputs %d", n))
	seed := make([]*group.Element, 16)
	for i := range seed {
		seed[i] = benchElement(b, r)
	}
	scalars := make([]*group.Scalar, n)
	elements := make([]*group.Element, n)
	acc := group.NewElement()
	for i := range n {
		scalars[i] = benchScalar(b, r)
		acc.Add(acc, seed[i%16])
		if i%16 == 15 {
			acc.Add(acc, acc)
		}
		elements[i] = new(group.Element).Set(acc)
	}
	return scalars, elements
}

var msmSizes = []int{16, 64, 256, 1000, 10000, 100000}

func BenchmarkVarTimeMultiScalarMult(b *testing.B) {
	for _, n := range msmSizes {
		scalars, elements := msmInputs(b, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			e := group.NewElement()
			for b.Loop() {
				if _, err := e.VarTimeMultiScalarMult(scalars, elements); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/term")
		})
	}
}

func BenchmarkVarTimeMultiScalarMultParallel(b *testing.B) {
	workers := runtime.GOMAXPROCS(0)
	for _, n := range msmSizes[3:] {
		scalars, elements := msmInputs(b, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			e := group.NewElement()
			for b.Loop() {
				if _, err := e.VarTimeMultiScalarMultParallel(scalars, elements, workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/term")
		})
	}
}

// BenchmarkGtank measures github.com/gtank/ristretto255 v0.1.2, the
// alternative to this package's own encoding layer on filippo.io/edwards25519.
func BenchmarkGtank(b *testing.B) {
	var buf [64]byte
	if _, err := io.ReadFull(testrand.New("BenchmarkGtank"), buf[:]); err != nil {
		b.Fatal(err)
	}
	s := ristretto255.NewScalar().FromUniformBytes(buf[:])
	s2 := ristretto255.NewScalar().FromUniformBytes(append(buf[32:], buf[:32]...))
	x := ristretto255.NewElement().ScalarBaseMult(s)
	enc := x.Encode(nil)
	e := ristretto255.NewElement()
	b.Run("Decode", func(b *testing.B) {
		for b.Loop() {
			if err := e.Decode(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Encode", func(b *testing.B) {
		out := make([]byte, 0, 32)
		for b.Loop() {
			out = x.Encode(out[:0])
		}
	})
	b.Run("ScalarBaseMult", func(b *testing.B) {
		for b.Loop() {
			e.ScalarBaseMult(s)
		}
	})
	b.Run("ScalarMult", func(b *testing.B) {
		for b.Loop() {
			e.ScalarMult(s, x)
		}
	})
	b.Run("VarTimeDoubleScalarBaseMult", func(b *testing.B) {
		for b.Loop() {
			e.VarTimeDoubleScalarBaseMult(s, x, s2)
		}
	})
	b.Run("FromUniformBytes", func(b *testing.B) {
		for b.Loop() {
			e.FromUniformBytes(buf[:])
		}
	})
	b.Run("Add", func(b *testing.B) {
		for b.Loop() {
			e.Add(e, x)
		}
	})
	b.Run("VarTimeMultiScalarMult/n=1000", func(b *testing.B) {
		ss := make([]*ristretto255.Scalar, 1000)
		ps := make([]*ristretto255.Element, 1000)
		acc := ristretto255.NewElement().Base()
		for i := range ss {
			ss[i] = ristretto255.NewScalar().Add(s, s2)
			s2 = ss[i]
			acc.Add(acc, x)
			ps[i] = ristretto255.NewElement().Add(acc, acc)
		}
		for b.Loop() {
			e.VarTimeMultiScalarMult(ss, ps)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/term")
	})
	sink = e
}

func BenchmarkFixedBase(b *testing.B) {
	r := testrand.New("BenchmarkFixedBase")
	s, x := benchScalar(b, r), benchElement(b, r)
	b.Run("NewFixedBase", func(b *testing.B) {
		for b.Loop() {
			sink = group.NewFixedBase(x)
		}
	})
	b.Run("FixedBaseMult", func(b *testing.B) {
		fb := group.NewFixedBase(x)
		e := group.NewElement()
		for b.Loop() {
			e.FixedBaseMult(fb, s)
		}
		sink = e
	})
}
