package shuffle_test

import (
	"fmt"
	"testing"

	"filippo.io/edwards25519"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/crypto/zkp"
)

// Benchmarks of the shuffle's hot operations at N = 1,000 rows, widths 1
// and 3, on all cores. Each reports ciphertexts/s (N·w per operation).
// The targets (docs/decisions/0011-shuffle.md) are for N = 100,000 and are
// measured with crypto/shuffle/shufflebench (`veche bench shuffle`); run
// these with
//
//	go test ./crypto/shuffle -run '^$' -bench . -benchtime 3x

const benchN = 1000

var benchWidths = []int{1, 3}

func reportRate(b *testing.B, n, w int) {
	b.ReportMetric(float64(n*w)*float64(b.N)/b.Elapsed().Seconds(), "ciphertexts/s")
}

// benchElection returns an election with benchN rows of width w and
// generators cached in its Params, so that the benchmarks below measure one
// operation each.
func benchElection(b *testing.B, w int) *election {
	e := newElection(b, fmt.Sprintf("bench w=%d", w), benchN, w)
	e.p.Generators = shuffle.NewGeneratorCache(1)
	if _, err := e.p.Generators.Get(e.p.Fingerprint, e.p.Position, benchN, 0); err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkShuffle(b *testing.B) {
	for _, w := range benchWidths {
		b.Run(fmt.Sprintf("N=%d/w=%d", benchN, w), func(b *testing.B) {
			e := benchElection(b, w)
			for b.Loop() {
				if _, _, err := shuffle.Shuffle(e.rand, e.pk, e.in, e.p); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, benchN, w)
		})
	}
}

func BenchmarkProve(b *testing.B) {
	for _, w := range benchWidths {
		b.Run(fmt.Sprintf("N=%d/w=%d", benchN, w), func(b *testing.B) {
			e := benchElection(b, w)
			out, wit, err := shuffle.Shuffle(e.rand, e.pk, e.in, e.p)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := shuffle.Prove(e.rand, e.pk, e.in, out, wit, e.p); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, benchN, w)
		})
	}
}

// BenchmarkShuffleAndProve includes deriving the generators, as a mixer
// does once per shuffle.
func BenchmarkShuffleAndProve(b *testing.B) {
	for _, w := range benchWidths {
		b.Run(fmt.Sprintf("N=%d/w=%d", benchN, w), func(b *testing.B) {
			e := newElection(b, "bench", benchN, w)
			for b.Loop() {
				if _, _, err := shuffle.ShuffleAndProve(e.rand, e.pk, e.in, e.p); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, benchN, w)
		})
	}
}

// BenchmarkVerify decodes the proof and verifies it, with cached
// generators (the output rows are decoded once, outside the loop).
func BenchmarkVerify(b *testing.B) {
	for _, w := range benchWidths {
		b.Run(fmt.Sprintf("N=%d/w=%d", benchN, w), func(b *testing.B) {
			e := benchElection(b, w)
			out, proof := e.mix(b)
			enc := proof.Bytes()
			for b.Loop() {
				p, err := shuffle.ParseProof(enc, benchN, w)
				if err != nil {
					b.Fatal(err)
				}
				if err := shuffle.Verify(e.pk, e.in, out, p, e.p); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, benchN, w)
		})
	}
}

func BenchmarkParseProof(b *testing.B) {
	e := benchElection(b, 1)
	_, proof := e.mix(b)
	enc := proof.Bytes()
	for b.Loop() {
		if _, err := shuffle.ParseProof(enc, benchN, 1); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, benchN, 1)
}

func BenchmarkNewGenerators(b *testing.B) {
	for b.Loop() {
		if _, err := shuffle.NewGenerators(zkp.Fingerprint{}, 0, benchN, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchN)*float64(b.N)/b.Elapsed().Seconds(), "generators/s")
}

func BenchmarkCheckNotLazy(b *testing.B) {
	e := newElection(b, "bench lazy", benchN, 1)
	out, _ := e.mix(b)
	var rows []elgamal.VectorCiphertext = out
	for b.Loop() {
		if err := shuffle.CheckNotLazy(e.in, rows); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, benchN, 1)
}

// BenchmarkSecretTerms compares, per term, the constant-time ways to
// compute the prover's nonce sums Σ ε_i·P_i: one group.Element.ScalarMult
// per term, group.Element.MultiScalarMult (what secretMultiScalarMult
// does) and filippo.io/edwards25519's Point.MultiScalarMult, which it
// replaced (docs/decisions/0011-shuffle.md).
func BenchmarkSecretTerms(b *testing.B) {
	const n = 64
	r := testrand.New("secret terms")
	b.Run("group.ScalarMult", func(b *testing.B) {
		s, _ := group.RandomScalar(r)
		p := new(group.Element).ScalarBaseMult(s)
		var t group.Element
		for b.Loop() {
			t.ScalarMult(s, p)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/term")
	})
	b.Run(fmt.Sprintf("group.MultiScalarMult/%d", n), func(b *testing.B) {
		ss := make([]*group.Scalar, n)
		ps := make([]*group.Element, n)
		for i := range ss {
			ss[i], _ = group.RandomScalar(r)
			ps[i] = new(group.Element).ScalarBaseMult(ss[i])
		}
		var t group.Element
		for b.Loop() {
			t.MultiScalarMult(ss, ps)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n/1e3, "µs/term")
	})
	b.Run(fmt.Sprintf("edwards25519.MultiScalarMult/%d", n), func(b *testing.B) {
		ss := make([]*edwards25519.Scalar, n)
		ps := make([]*edwards25519.Point, n)
		for i := range ss {
			var buf [64]byte
			r.Read(buf[:])
			ss[i], _ = new(edwards25519.Scalar).SetUniformBytes(buf[:])
			ps[i] = new(edwards25519.Point).ScalarBaseMult(ss[i])
		}
		var t edwards25519.Point
		for b.Loop() {
			t.MultiScalarMult(ss, ps)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n/1e3, "µs/term")
	})
}
