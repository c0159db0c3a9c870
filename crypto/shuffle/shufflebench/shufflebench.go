// Package shufflebench measures one mixer's shuffle, proof and verification
// at a chosen size and reports JSON lines, one object per measurement, for
// `veche bench shuffle`:
//
//	{"operation":"shuffle.prove","n":100000,"width":1,"workers":2,"seconds":12.3,"cpu_seconds":24.1,"shuffle_seconds":1.1,"rows_per_sec":8130.1,"ciphertexts_per_sec":8130.1,"proof_bytes":16000288,"proof_bytes_per_ciphertext":160.0}
//	{"operation":"shuffle.verify","n":100000,"width":1,"workers":2,"seconds":4.1,"cpu_seconds":7.9,"parse_seconds":1.2,"rows_per_sec":24390.2,"ciphertexts_per_sec":24390.2}
//	{"operation":"shuffle.memory","n":100000,"width":1,"workers":2,"peak_rss_bytes":812345344}
//
// shuffle.prove times [shuffle.ShuffleAndProve] (generator derivation,
// shuffle and proof) on input rows that were decoded from their encodings,
// as a mixer reads them from the bulletin board; shuffle_seconds is the
// shuffle alone, measured separately. shuffle.verify times what an
// independent verifier does with the published output and proof: decode the
// output rows and the proof, derive the generators, verify (parse_seconds
// is the decoding part). ciphertexts_per_sec counts N·w ciphertexts, so it
// equals rows_per_sec for w = 1. cpu_seconds is the process's CPU time
// (user and system, all threads) during the measurement, which on a shared
// machine varies less than the elapsed seconds. shuffle.memory is the process's peak
// resident set size from getrusage(2), which includes everything the
// process did before (0 where the system does not report it).
package shufflebench

import (
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/rusage"
	"github.com/veche/veche/crypto/shuffle"
)

// Options choose the size of the measured shuffle.
type Options struct {
	// N is the number of rows (ballots), at least 1.
	N int
	// Width is the number of ciphertexts per row, at least 1.
	Width int
	// Workers is the number of goroutines; below 1 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Rand is the randomness for the ciphertexts, the shuffle and the
	// proof; nil means crypto/rand.Reader.
	Rand io.Reader
}

// A Result is one JSON line. Fields that do not apply to an op are
// omitted.
type Result struct {
	Op                      string  `json:"operation"`
	N                       int     `json:"n"`
	Width                   int     `json:"width"`
	Workers                 int     `json:"workers"`
	Seconds                 float64 `json:"seconds,omitempty"`
	CPUSeconds              float64 `json:"cpu_seconds,omitempty"`
	ShuffleSeconds          float64 `json:"shuffle_seconds,omitempty"`
	ParseSeconds            float64 `json:"parse_seconds,omitempty"`
	RowsPerSec              float64 `json:"rows_per_sec,omitempty"`
	CiphertextsPerSec       float64 `json:"ciphertexts_per_sec,omitempty"`
	ProofBytes              int     `json:"proof_bytes,omitempty"`
	ProofBytesPerCiphertext float64 `json:"proof_bytes_per_ciphertext,omitempty"`
	PeakRSSBytes            *int64  `json:"peak_rss_bytes,omitempty"`
}

// Run builds N random rows of Width ciphertexts under a fresh key, then
// measures shuffle and proof, and verification, and writes one JSON line
// per measurement to w.
func Run(w io.Writer, o Options) error {
	if o.N < 1 || o.Width < 1 {
		return fmt.Errorf("shufflebench: need N ≥ 1 and width ≥ 1, got N = %d, width = %d", o.N, o.Width)
	}
	if o.Rand == nil {
		o.Rand = cryptorand.Reader
	}
	workers := o.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	enc := json.NewEncoder(w)
	base := Result{N: o.N, Width: o.Width, Workers: workers}

	sk, err := elgamal.GenerateKey(o.Rand)
	if err != nil {
		return fmt.Errorf("shufflebench: %w", err)
	}
	pk := sk.Public()
	in, err := randomRows(o.Rand, pk, o.N, o.Width, workers)
	if err != nil {
		return err
	}
	p := shuffle.Params{Position: 0, Mixer: []byte("shufflebench"), Workers: workers}
	if _, err := io.ReadFull(o.Rand, p.Fingerprint[:]); err != nil {
		return fmt.Errorf("shufflebench: %w", err)
	}

	// The shuffle alone, for the breakdown.
	runtime.GC()
	start := time.Now()
	if _, _, err := shuffle.Shuffle(o.Rand, pk, in, p); err != nil {
		return err
	}
	shuffleTime := time.Since(start)

	// Shuffle and proof, as a mixer runs them.
	runtime.GC()
	start, cpu := time.Now(), rusageCPU()
	out, proof, err := shuffle.ShuffleAndProve(o.Rand, pk, in, p)
	if err != nil {
		return err
	}
	proveTime, proveCPU := time.Since(start), rusageCPU()-cpu
	proofBytes := proof.Bytes()
	cts := float64(o.N * o.Width)
	r := base
	r.Op = "shuffle.prove"
	r.Seconds = proveTime.Seconds()
	r.CPUSeconds = proveCPU.Seconds()
	r.ShuffleSeconds = shuffleTime.Seconds()
	r.RowsPerSec = float64(o.N) / r.Seconds
	r.CiphertextsPerSec = cts / r.Seconds
	r.ProofBytes = len(proofBytes)
	r.ProofBytesPerCiphertext = float64(len(proofBytes)) / cts
	if err := enc.Encode(r); err != nil {
		return err
	}

	// What is published: the encoded output rows and the proof.
	published := make([][]byte, len(out))
	parallel(len(out), workers, func(i int) { published[i] = out[i].Bytes() })
	out, proof = nil, nil

	runtime.GC()
	start, cpu = time.Now(), rusageCPU()
	decoded := make([]elgamal.VectorCiphertext, len(published))
	errs := make([]error, len(published))
	parallel(len(published), workers, func(i int) {
		decoded[i], errs[i] = elgamal.ParseVectorCiphertext(published[i], o.Width)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	parsedProof, err := shuffle.ParseProof(proofBytes, o.N, o.Width)
	if err != nil {
		return err
	}
	parseTime := time.Since(start)
	if err := shuffle.Verify(pk, in, decoded, parsedProof, p); err != nil {
		return fmt.Errorf("shufflebench: the proof does not verify: %w", err)
	}
	verifyTime, verifyCPU := time.Since(start), rusageCPU()-cpu
	r = base
	r.Op = "shuffle.verify"
	r.Seconds = verifyTime.Seconds()
	r.CPUSeconds = verifyCPU.Seconds()
	r.ParseSeconds = parseTime.Seconds()
	r.RowsPerSec = float64(o.N) / r.Seconds
	r.CiphertextsPerSec = cts / r.Seconds
	if err := enc.Encode(r); err != nil {
		return err
	}

	r = base
	r.Op = "shuffle.memory"
	rss := rusage.PeakRSS()
	r.PeakRSSBytes = &rss
	return enc.Encode(r)
}

// randomRows returns n rows of w encryptions of random elements, decoded
// from their encodings. The randomness is read serially (rand need not be
// safe for concurrent use); the encryptions run in parallel.
func randomRows(rand io.Reader, pk *elgamal.PublicKey, n, w, workers int) ([]elgamal.VectorCiphertext, error) {
	ms := make([]group.Scalar, n*w)
	rs := make([]group.Scalar, n*w)
	for i := range ms {
		m, err := group.RandomScalar(rand)
		if err != nil {
			return nil, fmt.Errorf("shufflebench: %w", err)
		}
		r, err := group.RandomNonZeroScalar(rand)
		if err != nil {
			return nil, fmt.Errorf("shufflebench: %w", err)
		}
		ms[i], rs[i] = *m, *r
	}
	rows := make([]elgamal.VectorCiphertext, n)
	errs := make([]error, n)
	parallel(n, workers, func(i int) {
		row := make(elgamal.VectorCiphertext, w)
		for k := range row {
			M := new(group.Element).ScalarBaseMult(&ms[i*w+k])
			row[k] = elgamal.EncryptWithRandomness(pk, M, &rs[i*w+k])
		}
		rows[i], errs[i] = elgamal.ParseVectorCiphertext(row.Bytes(), w)
	})
	return rows, errors.Join(errs...)
}

// parallel calls f(i) for i in [0, n) on workers goroutines.
func parallel(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	for c := range workers {
		lo, hi := n*c/workers, n*(c+1)/workers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}

// rusageCPU returns the process's CPU time so far (0 where the system does
// not report it).
func rusageCPU() time.Duration {
	d, _ := rusage.CPU()
	return d
}
