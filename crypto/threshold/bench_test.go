package threshold

import (
	"fmt"
	"testing"
	"time"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Speed targets (docs/decisions/0007-threshold-decryption.md), on the
// 2-core development machine: partial decryption with proof ≥ 20,000
// ciphertexts/s; combination of k = 5 partial decryptions ≥ 50,000
// ciphertexts/s, proof verification measured separately. Each benchmark
// reports ciphertexts per second over all cores (ct/s).

// benchCiphertexts returns n encryptions of 0, 1, 2, … under tk's key as a
// verifier reads them (decoded, so their encodings are cached). They are
// made with additions: ciphertext i has randomness r + i·δ.
func benchCiphertexts(b testing.TB, tk *testKey, n int) []*elgamal.Ciphertext {
	r := testrand.New("bench ciphertexts")
	r0, _ := group.RandomNonZeroScalar(r)
	delta, _ := group.RandomNonZeroScalar(r)
	cur := elgamal.EncryptWithRandomness(tk.pk, group.NewElement(), r0)
	step := elgamal.EncryptWithRandomness(tk.pk, group.NewGeneratorElement(), delta)
	raw := make([][]byte, n)
	for i := range raw {
		raw[i] = cur.Bytes()
		cur = elgamal.Add(cur, step)
	}
	cts := make([]*elgamal.Ciphertext, n)
	forChunks(n, 256, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ct, err := elgamal.ParseCiphertext(raw[i])
			if err != nil {
				panic(err)
			}
			cts[i] = ct
		}
	})
	return cts
}

// A rate measures ciphertexts per second (wall time, all cores) and CPU
// microseconds per ciphertext (all threads) of a benchmark loop.
type rate struct {
	n    int
	cpu0 time.Duration
}

// startRate is called just before the benchmark loop.
func startRate(n int) rate {
	cpu0, _ := processCPUTime()
	return rate{n: n, cpu0: cpu0}
}

func (r rate) report(b *testing.B) {
	if cpu1, ok := processCPUTime(); ok {
		b.ReportMetric(float64((cpu1-r.cpu0).Microseconds())/float64(b.N)/float64(r.n), "cpu-µs/ct")
	}
	b.ReportMetric(float64(r.n)*float64(b.N)/b.Elapsed().Seconds(), "ct/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPartialDecrypt(b *testing.B) {
	const n = 4096
	tk := newTestKey(b, "bench", 5, 9)
	cts := benchCiphertexts(b, tk, n)
	r := testrand.New("bench")
	rt := startRate(n)
	for b.Loop() {
		if _, err := PartialDecrypt(r, tk.params, 1, tk.shares[0], cts, nil); err != nil {
			b.Fatal(err)
		}
	}
	rt.report(b)
}

// benchPartials returns the partial decryptions of trustees 1 … count,
// decoded as a verifier reads them.
func benchPartials(b *testing.B, tk *testKey, cts []*elgamal.Ciphertext, count int) []*PartialDecryption {
	return tk.decrypt(b, testrand.New("bench partials"), cts, nil, seq(1, uint32(count))...)
}

// BenchmarkVerifyPartials verifies k partial decryptions of n ciphertexts
// (one combined check); rate is ciphertexts (not shares) per second.
func BenchmarkVerifyPartials(b *testing.B) {
	const n = 4096
	tk := newTestKey(b, "bench", 5, 9)
	cts := benchCiphertexts(b, tk, n)
	all := benchPartials(b, tk, cts, 5)
	for _, k := range []int{1, 3, 5} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			r := testrand.New("weights")
			rt := startRate(n)
			for b.Loop() {
				if err := VerifyPartials(r, tk.params, nil, cts, all[:k]); err != nil {
					b.Fatal(err)
				}
			}
			rt.report(b)
		})
	}
}

// BenchmarkCombineVerified is the combination arithmetic alone, for a 5-of-n
// key with n = 5, 9, 16, 32.
func BenchmarkCombineVerified(b *testing.B) {
	const n = 4096
	for _, trustees := range []int{5, 9, 16, 32} {
		b.Run(fmt.Sprintf("k=5/n=%d", trustees), func(b *testing.B) {
			tk := newTestKey(b, "bench", 5, trustees)
			cts := benchCiphertexts(b, tk, n)
			pds := benchPartials(b, tk, cts, 5)
			b.ResetTimer()
			rt := startRate(n)
			for b.Loop() {
				if _, err := CombineVerified(tk.params, cts, pds); err != nil {
					b.Fatal(err)
				}
			}
			rt.report(b)
		})
	}
}

// BenchmarkCombine is verification of five partial decryptions plus the
// combination, for a 5-of-9 key.
func BenchmarkCombine(b *testing.B) {
	const n = 4096
	tk := newTestKey(b, "bench", 5, 9)
	cts := benchCiphertexts(b, tk, n)
	pds := benchPartials(b, tk, cts, 5)
	r := testrand.New("weights")
	rt := startRate(n)
	for b.Loop() {
		if _, _, err := Combine(r, tk.params, nil, cts, pds); err != nil {
			b.Fatal(err)
		}
	}
	rt.report(b)
}

// BenchmarkCombinationTerm is the short multi-exponentiation of one
// ciphertext, one core, against a general multi-scalar multiplication
// with the same (short) coefficients.
func BenchmarkCombinationTerm(b *testing.B) {
	for _, trustees := range []int{9, 32} {
		mu, _ := ScaledLagrangeCoefficients(trustees, seq(1, 5))
		r := testrand.New("bench combination")
		pts := make([]*group.Element, 5)
		scalars := make([]*group.Scalar, 5)
		for i := range pts {
			s, _ := group.RandomScalar(r)
			pts[i] = new(group.Element).ScalarBaseMult(s)
			scalars[i] = scalarFromSignedBig(mu[i])
		}
		b.Run(fmt.Sprintf("short/n=%d", trustees), func(b *testing.B) {
			c := newCombination(mu)
			var s combScratch
			out := new(group.Element)
			for b.Loop() {
				c.eval(out, pts, &s)
			}
		})
		b.Run(fmt.Sprintf("msm/n=%d", trustees), func(b *testing.B) {
			out := new(group.Element)
			for b.Loop() {
				out.VarTimeMultiScalarMult(scalars, pts)
			}
		})
	}
}

func BenchmarkParsePartialDecryption(b *testing.B) {
	const n = 4096
	tk := newTestKey(b, "bench", 5, 9)
	cts := benchCiphertexts(b, tk, n)
	enc := benchPartials(b, tk, cts, 1)[0].Bytes()
	rt := startRate(n)
	for b.Loop() {
		if _, err := ParsePartialDecryption(enc); err != nil {
			b.Fatal(err)
		}
	}
	rt.report(b)
}

func BenchmarkCheck(b *testing.B) {
	const n = 4096
	tk := newTestKey(b, "bench", 5, 9)
	cts := benchCiphertexts(b, tk, n)
	pds := benchPartials(b, tk, cts, 5)
	ms, err := CombineVerified(tk.params, cts, pds)
	if err != nil {
		b.Fatal(err)
	}
	r := testrand.New("weights")
	rt := startRate(n)
	for b.Loop() {
		if err := Check(r, tk.params, nil, cts, pds, ms); err != nil {
			b.Fatal(err)
		}
	}
	rt.report(b)
}
