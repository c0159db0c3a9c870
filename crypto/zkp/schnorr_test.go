package zkp

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/transcript"
)

// Helpers shared by the tests of the sigma proofs (key, ballot, DLEQ) carry
// the prefix "sigma" so that they do not collide with other tests of the
// package.

func sigmaFP(name string) Fingerprint { return sha256.Sum256([]byte("election " + name)) }

func sigmaScalar(t testing.TB, r io.Reader) *group.Scalar {
	t.Helper()
	s, err := group.RandomNonZeroScalar(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sigmaKeyPair(t testing.TB, r io.Reader) (*group.Scalar, *group.Element) {
	x := sigmaScalar(t, r)
	return x, new(group.Element).ScalarBaseMult(x)
}

// sigmaAddOrder returns the 32-byte little-endian encoding of s + ℓ: the
// same scalar, unreduced. Since s < ℓ < 2^253 it always fits.
func sigmaAddOrder(s []byte) []byte {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	be := make([]byte, 32)
	for i := range s {
		be[31-i] = s[i]
	}
	v := new(big.Int).SetBytes(be)
	v.Add(v, l)
	out := make([]byte, 32)
	v.FillBytes(be)
	for i := range be {
		out[31-i] = be[i]
	}
	return out
}

func sigmaWantInvalid(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted", what)
	}
	if !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("%s: error %v does not wrap ErrInvalidProof", what, err)
	}
}

func sigmaWantMalformed(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted", what)
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("%s: error %v does not wrap ErrMalformed", what, err)
	}
}

// sigmaOtherElement returns a random element different from everything in
// the tests.
func sigmaOtherElement(t testing.TB, r io.Reader) *group.Element {
	_, e := sigmaKeyPair(t, r)
	return e
}

// sigmaWantBatchIndices checks that err is a *BatchError naming exactly
// the indices want.
func sigmaWantBatchIndices(t *testing.T, err error, want ...int) {
	t.Helper()
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a *BatchError", err)
	}
	if fmt.Sprint(be.Indices) != fmt.Sprint(want) {
		t.Fatalf("batch error names indices %v, want %v (%v)", be.Indices, want, err)
	}
	if len(be.Errs) != len(be.Indices) {
		t.Fatalf("%d errors for %d indices", len(be.Errs), len(be.Indices))
	}
	if !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("batch error %v does not wrap ErrInvalidProof", err)
	}
}

func TestSigmaTranscriptIsNewProof(t *testing.T) {
	fp := sigmaFP("transcript")
	a := sigmaTranscript("veche/zkp/test/v1", &fp).Bytes("x", []byte("y")).Challenge("c")
	b := transcript.NewProof("veche/zkp/test/v1", fp[:], group.NewGeneratorElement()).Bytes("x", []byte("y")).Challenge("c")
	if a.Equal(b) != 1 {
		t.Fatal("sigmaTranscript absorbs something other than transcript.NewProof(label, fp, G)")
	}
}

// A trustee publishes its key with a proof bound to its index; the proof
// convinces for exactly that key, index and election.
func TestKeyProof(t *testing.T) {
	r := testrand.New("key proof")
	fp := sigmaFP("key")
	x, X := sigmaKeyPair(t, r)
	binding := []byte("trustee 3")
	p, err := ProveKey(r, fp, x, X, binding)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyKey(fp, X, binding, p); err != nil {
		t.Fatalf("honest proof rejected: %v", err)
	}
	q, err := ParseKeyProof(p.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyKey(fp, X, binding, q); err != nil {
		t.Fatalf("decoded proof rejected: %v", err)
	}
	if len(p.Bytes()) != KeyProofSize || KeyProofSize != 64 {
		t.Fatalf("proof is %d bytes", len(p.Bytes()))
	}

	t.Run("moved to another owner", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyKey(fp, X, []byte("trustee 4"), p), "other binding")
		sigmaWantInvalid(t, VerifyKey(fp, X, nil, p), "empty binding")
	})
	t.Run("moved to another election", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyKey(sigmaFP("other"), X, binding, p), "other fingerprint")
	})
	t.Run("moved to another key", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyKey(fp, sigmaOtherElement(t, r), binding, p), "other key")
		sigmaWantInvalid(t, VerifyKey(fp, new(group.Element).Add(X, X), binding, p), "2X")
	})
	t.Run("tampered", func(t *testing.T) {
		z := new(group.Scalar).Add(p.Z, new(group.Scalar).SetUint64(1))
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{R: p.R, Z: z}), "z+1")
		R := new(group.Element).Add(p.R, group.NewGeneratorElement())
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{R: R, Z: p.Z}), "R+G")
		// Shifting both R and z consistently passes the equation for the
		// old challenge but changes the challenge.
		R2 := new(group.Element).Add(p.R, group.NewGeneratorElement())
		z2 := new(group.Scalar).Add(p.Z, new(group.Scalar).SetUint64(1))
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{R: R2, Z: z2}), "R+G, z+1")
	})
	t.Run("identity", func(t *testing.T) {
		O := group.NewElement()
		sigmaWantInvalid(t, VerifyKey(fp, O, binding, p), "X = identity")
		// With R = O, z = c·x would reveal x; a verifier never accepts it.
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{R: O, Z: p.Z}), "R = identity")
		if _, err := ProveKey(r, fp, x, O, binding); err == nil {
			t.Fatal("proved knowledge of the key of the identity")
		}
		enc := p.Bytes()
		copy(enc, make([]byte, 32))
		_, err := ParseKeyProof(enc)
		sigmaWantMalformed(t, err, "identity R encoding")
	})
	t.Run("missing fields", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, nil), "nil proof")
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{R: p.R}), "nil z")
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{Z: p.Z}), "nil R")
		sigmaWantInvalid(t, VerifyKey(fp, nil, binding, p), "nil X")
	})
	t.Run("wrong witness", func(t *testing.T) {
		y := sigmaScalar(t, r)
		if _, err := ProveKey(r, fp, y, X, binding); err == nil || strings.Contains(err.Error(), fmt.Sprint(y.Bytes())) {
			t.Fatalf("prover with the wrong secret: got %v, want a refusal", err)
		}
		// A prover that does not check: R = k·G, z = k + c·y.
		k := sigmaScalar(t, r)
		R := new(group.Element).ScalarBaseMult(k)
		c := (&keyStatement{binding: binding, X: X.Bytes()}).challenge(&fp, R)
		z := new(group.Scalar).MultiplyAdd(c, y, k)
		sigmaWantInvalid(t, VerifyKey(fp, X, binding, &KeyProof{R: R, Z: z}), "proof with the wrong secret")
	})
}

func TestKeyProofEncoding(t *testing.T) {
	r := testrand.New("key proof encoding")
	fp := sigmaFP("key")
	x, X := sigmaKeyPair(t, r)
	p, err := ProveKey(r, fp, x, X, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc := p.Bytes()
	for n := 0; n <= len(enc)+33; n++ {
		if n == len(enc) {
			continue
		}
		var b []byte
		if n < len(enc) {
			b = enc[:n]
		} else {
			b = append(bytes.Clone(enc), make([]byte, n-len(enc))...)
		}
		_, err := ParseKeyProof(b)
		sigmaWantMalformed(t, err, fmt.Sprintf("%d bytes", n))
	}
	// z + ℓ is the same response, unreduced: rejected, never reduced.
	bad := append(bytes.Clone(enc[:32]), sigmaAddOrder(enc[32:])...)
	_, err = ParseKeyProof(bad)
	sigmaWantMalformed(t, err, "unreduced z")
	// A non-canonical element (a field element ≥ p).
	bad = bytes.Clone(enc)
	copy(bad, bytes.Repeat([]byte{0xff}, 32))
	bad[31] = 0x7f
	_, err = ParseKeyProof(bad)
	sigmaWantMalformed(t, err, "non-canonical R")
}

func TestKeyProofHedgedNonce(t *testing.T) {
	// A random source that always returns the same bytes must not make
	// two proofs for different statements share a nonce: then
	// (z1 − z2) = (c1 − c2)·x would reveal x.
	fp := sigmaFP("hedge")
	x, X := sigmaKeyPair(t, testrand.New("hedge key"))
	zeros := bytes.NewReader(make([]byte, 1<<10))
	p1, err := ProveKey(zeros, fp, x, X, []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	zeros = bytes.NewReader(make([]byte, 1<<10))
	p2, err := ProveKey(zeros, fp, x, X, []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	if p1.R.Equal(p2.R) == 1 {
		t.Fatal("constant randomness gave the same nonce for two statements")
	}
	if err := VerifyKey(fp, X, []byte("a"), p1); err != nil {
		t.Fatal(err)
	}
	// A failing random source is an error, not a weak proof.
	if _, err := ProveKey(bytes.NewReader(nil), fp, x, X, nil); err == nil {
		t.Fatal("proved with an empty random source")
	}
}

func TestBatchVerifyKeys(t *testing.T) {
	r := testrand.New("batch keys")
	fp := sigmaFP("batch keys")
	items := make([]KeyItem, 20)
	for i := range items {
		x, X := sigmaKeyPair(t, r)
		b := []byte(fmt.Sprintf("credential %d", i))
		p, err := ProveKey(r, fp, x, X, b)
		if err != nil {
			t.Fatal(err)
		}
		items[i] = KeyItem{X: X, Binding: b, Proof: p}
	}
	if err := BatchVerifyKeys(r, fp, items); err != nil {
		t.Fatalf("valid batch rejected: %v", err)
	}
	bad := append([]KeyItem(nil), items...)
	bad[4].Binding = []byte("credential 5")                       // equation fails
	bad[11] = KeyItem{X: items[11].X, Binding: items[11].Binding} // no proof
	bad[17].X = group.NewElement()                                // identity key
	sigmaWantBatchIndices(t, BatchVerifyKeys(r, fp, bad), 4, 11, 17)
	sigmaWantInvalid(t, BatchVerifyKeys(r, fp, nil), "empty batch")
	if err := BatchVerifyKeys(bytes.NewReader(nil), fp, items); err == nil || errors.Is(err, ErrInvalidProof) {
		t.Fatalf("batch with a failing random source: got %v, want a randomness error", err)
	}
}

func FuzzParseKeyProof(f *testing.F) {
	r := testrand.New("fuzz key")
	fp := sigmaFP("fuzz")
	x, X := sigmaKeyPair(f, r)
	p, _ := ProveKey(r, fp, x, X, nil)
	f.Add(p.Bytes())
	f.Add(make([]byte, 64))
	f.Add(append(p.Bytes()[:32], sigmaAddOrder(p.Bytes()[32:])...))
	f.Add(p.Bytes()[:63])
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := ParseKeyProof(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(q.Bytes(), b) {
			t.Fatalf("accepted %x, re-encodes as %x", b, q.Bytes())
		}
		if err := VerifyKey(fp, X, nil, q); err == nil && !bytes.Equal(b, p.Bytes()) {
			t.Fatalf("a fuzzed proof %x verifies", b)
		}
	})
}

func BenchmarkKeyProof(b *testing.B) {
	r := testrand.New("bench key")
	fp := sigmaFP("bench")
	x, X := sigmaKeyPair(b, r)
	binding := []byte("trustee 1")
	p, _ := ProveKey(r, fp, x, X, binding)
	b.Run("Prove", func(b *testing.B) {
		for b.Loop() {
			if _, err := ProveKey(r, fp, x, X, binding); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if err := VerifyKey(fp, X, binding, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BatchVerify1000", func(b *testing.B) {
		items := make([]KeyItem, 1000)
		for i := range items {
			x, X := sigmaKeyPair(b, r)
			p, _ := ProveKey(r, fp, x, X, binding)
			items[i] = KeyItem{X: X, Binding: binding, Proof: p}
		}
		b.ResetTimer()
		for b.Loop() {
			if err := BatchVerifyKeys(r, fp, items); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/proof")
	})
}
