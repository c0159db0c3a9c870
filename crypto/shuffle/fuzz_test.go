package shuffle_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/shuffle"
)

// A fuzzFixture is one valid shuffle (N = 3, w = 2) for the fuzz targets.
type fuzzFixture struct {
	e     *election
	out   []elgamal.VectorCiphertext
	proof []byte
}

var (
	fuzzOnce sync.Once
	fuzzFx   *fuzzFixture
)

// getFuzzFixture builds the fixture once per process.
func getFuzzFixture(tb testing.TB) *fuzzFixture {
	fuzzOnce.Do(func() {
		e := newElection(tb, "fuzz", 3, 2)
		out, proof := e.mix(tb)
		fuzzFx = &fuzzFixture{e: e, out: out, proof: proof.Bytes()}
	})
	if fuzzFx == nil {
		tb.Fatal("fuzz fixture not built")
	}
	return fuzzFx
}

// FuzzParseProof: the decoder never panics, rejects with ErrMalformed, and
// what it accepts re-encodes to exactly its input.
func FuzzParseProof(f *testing.F) {
	fx := getFuzzFixture(f)
	f.Add(fx.proof, uint8(3), uint8(2))
	f.Add(fx.proof[:len(fx.proof)-1], uint8(3), uint8(2))
	f.Add(append(bytes.Clone(fx.proof), 0), uint8(3), uint8(2))
	f.Add(make([]byte, shuffle.ProofSize(1, 1)), uint8(1), uint8(1))
	f.Add(bytes.Repeat([]byte{0xff}, shuffle.ProofSize(1, 1)), uint8(1), uint8(1))
	f.Add([]byte{}, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, n, w uint8) {
		p, err := shuffle.ParseProof(b, int(n%5), int(w%4))
		if err != nil {
			if !errors.Is(err, shuffle.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatal("a decoded proof does not re-encode to its input")
		}
	})
}

// FuzzVerifyMutated: a proof with any byte changed either fails to decode
// or fails to verify; only the original verifies.
func FuzzVerifyMutated(f *testing.F) {
	fx := getFuzzFixture(f)
	f.Add(fx.proof)
	for _, off := range []int{0, 33, len(fx.proof) / 2, len(fx.proof) - 32, len(fx.proof) - 1} {
		b := bytes.Clone(fx.proof)
		b[off] ^= 1
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := shuffle.ParseProof(b, 3, 2)
		if err != nil {
			return
		}
		err = shuffle.Verify(fx.e.pk, fx.e.in, fx.out, p, fx.e.p)
		if bytes.Equal(b, fx.proof) {
			if err != nil {
				t.Fatalf("the original proof does not verify: %v", err)
			}
		} else if !errors.Is(err, shuffle.ErrInvalidProof) {
			t.Fatalf("a modified proof: Verify = %v, want ErrInvalidProof", err)
		}
	})
}
