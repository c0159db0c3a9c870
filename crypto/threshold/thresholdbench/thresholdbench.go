// Package thresholdbench measures threshold decryption at election scale
// and reports JSON lines, one object per operation, for `veche bench
// trustees`:
//
//	{"operation":"threshold.partial_decrypt","ciphertexts":100000,"n":9,"runs":5,"seconds":4.1,"cpu_seconds":8.0,"ciphertexts_per_sec":24390,"cores":2}
//	{"operation":"threshold.encode_partial",...}   {"operation":"threshold.parse_partial",...}
//	{"operation":"threshold.verify_partials","ciphertexts":100000,"trustees":5,...}
//	{"operation":"threshold.combine","ciphertexts":100000,"k":5,"n":9,...}
//
// seconds is wall time for one run of the operation (the mean over runs),
// cpu_seconds the CPU time of all threads of the process during it (on a
// shared machine, the better measure of the cost), ciphertexts_per_sec is
// ciphertexts / seconds, and cores is GOMAXPROCS.
//
// partial_decrypt is one trustee decrypting every ciphertext with its
// proof ([threshold.PartialDecrypt]); each of the K trustees does it once,
// and the line reports the mean. encode_partial and parse_partial are
// writing and reading one partial decryption. verify_partials checks the K
// partial decryptions together ([threshold.VerifyPartials]), combine is
// the combination arithmetic alone ([threshold.CombineVerified]); a full
// [threshold.Combine] costs about their sum. The key is split by a dealer
// inside Run (benchmark only; elections use the key ceremony) and the
// ciphertexts are encryptions of 0, 1, 2, … read back from their
// encodings, as a verifier reads them from the board. Run checks every
// plaintext.
package thresholdbench

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/rusage"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/crypto/zkp"
)

// Options size a run. Zero values take the defaults.
type Options struct {
	// N is the number of ciphertexts (default 20,000).
	N int
	// K is the threshold, and the number of trustees that decrypt
	// (default 5).
	K int
	// Trustees is the number of trustees n (default max(9, K)), which
	// sets the length of the combination's coefficients.
	Trustees int
}

// Line is one JSON object Run writes.
type Line struct {
	Op          string  `json:"operation"`
	Ciphertexts int     `json:"ciphertexts"`
	K           int     `json:"k,omitempty"`
	N           int     `json:"n,omitempty"`
	Trustees    int     `json:"trustees,omitempty"`
	Runs        int     `json:"runs,omitempty"`
	Seconds     float64 `json:"seconds"`
	CPUSeconds  float64 `json:"cpu_seconds,omitempty"`
	PerSec      float64 `json:"ciphertexts_per_sec"`
	Cores       int     `json:"cores"`
}

// Run measures the operations and writes one JSON line each to w. Setting
// up costs about as much as encrypting N ciphertexts; the partial
// decryptions dominate (K runs).
func Run(w io.Writer, o Options) error {
	if o.N == 0 {
		o.N = 20000
	}
	if o.K == 0 {
		o.K = 5
	}
	if o.Trustees == 0 {
		o.Trustees = max(9, o.K)
	}
	if o.N < 1 || o.K < 1 || o.K > o.Trustees || o.Trustees > threshold.MaxTrustees {
		return fmt.Errorf("thresholdbench: invalid options: %d ciphertexts, %d of %d trustees", o.N, o.K, o.Trustees)
	}
	enc := json.NewEncoder(w)
	emit := func(l Line) error {
		l.Cores = runtime.GOMAXPROCS(0)
		if l.Seconds > 0 {
			l.PerSec = round(float64(l.Ciphertexts) / l.Seconds)
		}
		l.Seconds, l.CPUSeconds = round6(l.Seconds), round6(l.CPUSeconds)
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("thresholdbench: writing results: %w", err)
		}
		return nil
	}

	key, err := deal(o.K, o.Trustees)
	if err != nil {
		return err
	}
	cts, err := ciphertexts(key.pk, o.N)
	if err != nil {
		return err
	}
	binding := []byte("thresholdbench")

	// Partial decryptions, one per trustee 1 … K.
	pds := make([]*threshold.PartialDecryption, o.K)
	var t timer
	for j := range o.K {
		t.start()
		pd, err := threshold.PartialDecrypt(nil, key.params, uint32(j+1), key.shares[j], cts, binding)
		if err != nil {
			return fmt.Errorf("thresholdbench: %w", err)
		}
		t.stop()
		pds[j] = pd
	}
	if err := emit(t.line("threshold.partial_decrypt", o.N, Line{N: o.Trustees, Runs: o.K})); err != nil {
		return err
	}

	// Posting and reading them back.
	encs := make([][]byte, o.K)
	t = timer{}
	for j, pd := range pds {
		t.start()
		encs[j] = pd.Bytes()
		t.stop()
	}
	if err := emit(t.line("threshold.encode_partial", o.N, Line{Runs: o.K})); err != nil {
		return err
	}
	t = timer{}
	for j, b := range encs {
		t.start()
		pd, err := threshold.ParsePartialDecryption(b)
		if err != nil {
			return fmt.Errorf("thresholdbench: %w", err)
		}
		t.stop()
		pds[j] = pd
	}
	if err := emit(t.line("threshold.parse_partial", o.N, Line{Runs: o.K})); err != nil {
		return err
	}

	t = timer{}
	t.start()
	if err := threshold.VerifyPartials(nil, key.params, binding, cts, pds); err != nil {
		return fmt.Errorf("thresholdbench: %w", err)
	}
	t.stop()
	if err := emit(t.line("threshold.verify_partials", o.N, Line{Trustees: o.K})); err != nil {
		return err
	}

	t = timer{}
	t.start()
	ms, err := threshold.CombineVerified(key.params, cts, pds)
	if err != nil {
		return fmt.Errorf("thresholdbench: %w", err)
	}
	t.stop()
	want := group.NewElement()
	G := group.NewGeneratorElement()
	for i, M := range ms {
		if M.Equal(want) != 1 {
			return fmt.Errorf("thresholdbench: internal error: plaintext %d is wrong", i)
		}
		want.Add(want, G)
	}
	return emit(t.line("threshold.combine", o.N, Line{K: o.K, N: o.Trustees}))
}

// A timer accumulates wall and process CPU time over runs.
type timer struct {
	runs      int
	wall, cpu time.Duration
	wallStart time.Time
	cpuStart  time.Duration
	cpuOK     bool
}

func (t *timer) start() {
	t.cpuStart, t.cpuOK = rusage.CPU()
	t.wallStart = time.Now()
}

func (t *timer) stop() {
	t.wall += time.Since(t.wallStart)
	if c, ok := rusage.CPU(); ok && t.cpuOK {
		t.cpu += c - t.cpuStart
	}
	t.runs++
}

// line returns the line for op with the mean times per run.
func (t *timer) line(op string, ciphertexts int, l Line) Line {
	l.Op, l.Ciphertexts = op, ciphertexts
	l.Seconds = t.wall.Seconds() / float64(t.runs)
	l.CPUSeconds = t.cpu.Seconds() / float64(t.runs)
	return l
}

// key is a dealer-split threshold key (benchmark only).
type key struct {
	params *threshold.Params
	shares []*group.Scalar
	pk     *elgamal.PublicKey
}

// deal splits a random key into n shares with threshold k, as Shamir's
// trusted dealer does. Elections never do this: their keys come from the
// key ceremony, where no one learns the key.
func deal(k, n int) (*key, error) {
	coeffs := make([]*group.Scalar, k)
	for i := range coeffs {
		s, err := group.RandomNonZeroScalar(nil)
		if err != nil {
			return nil, fmt.Errorf("thresholdbench: %w", err)
		}
		coeffs[i] = s
	}
	kk := &key{}
	vks := make([]*group.Element, n)
	for j := 1; j <= n; j++ {
		x := new(group.Scalar).SetUint64(uint64(j))
		s := group.NewScalar()
		for i := k - 1; i >= 0; i-- {
			s.MultiplyAdd(s, x, coeffs[i])
		}
		kk.shares = append(kk.shares, s)
		vks[j-1] = new(group.Element).ScalarBaseMult(s)
	}
	Y := new(group.Element).ScalarBaseMult(coeffs[0])
	fp := zkp.Fingerprint(sha256.Sum256([]byte("thresholdbench")))
	var err error
	if kk.params, err = threshold.NewParams(fp, k, n, Y, vks); err != nil {
		return nil, fmt.Errorf("thresholdbench: %w", err)
	}
	if kk.pk, err = elgamal.NewPublicKeyFromElement(Y); err != nil {
		return nil, fmt.Errorf("thresholdbench: %w", err)
	}
	return kk, nil
}

// ciphertexts returns encryptions of 0, 1, …, n−1 under pk, decoded from
// their encodings. Ciphertext i has randomness r + i·δ, so each costs two
// additions to make (and an encoding and a decoding).
func ciphertexts(pk *elgamal.PublicKey, n int) ([]*elgamal.Ciphertext, error) {
	r, err := group.RandomNonZeroScalar(nil)
	if err != nil {
		return nil, fmt.Errorf("thresholdbench: %w", err)
	}
	delta, err := group.RandomNonZeroScalar(nil)
	if err != nil {
		return nil, fmt.Errorf("thresholdbench: %w", err)
	}
	cur := elgamal.EncryptWithRandomness(pk, group.NewElement(), r)
	step := elgamal.EncryptWithRandomness(pk, group.NewGeneratorElement(), delta)
	plain := make([]elgamal.Ciphertext, n)
	for i := range plain {
		plain[i].Set(cur)
		cur.Add(cur, step)
	}
	out := make([]*elgamal.Ciphertext, n)
	errs := make(chan error, runtime.GOMAXPROCS(0))
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		go func() {
			for i := w; i < n; i += workers {
				ct, err := elgamal.ParseCiphertext(plain[i].Bytes())
				if err != nil {
					errs <- err
					return
				}
				out[i] = ct
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			return nil, fmt.Errorf("thresholdbench: internal error: %w", err)
		}
	}
	return out, nil
}

func round(x float64) float64  { return float64(int64(x + 0.5)) }
func round6(x float64) float64 { return float64(int64(x*1e6+0.5)) / 1e6 }
