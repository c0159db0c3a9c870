package shuffle

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
)

// An election for the internal tests: a key pair and n ballots of width w
// encrypting m·G for distinct small m, decoded from their encodings as
// they would be when read from the bulletin board.
type testElection struct {
	sk   *elgamal.PrivateKey
	pk   *elgamal.PublicKey
	in   []elgamal.VectorCiphertext
	rand io.Reader
	p    Params
}

func newTestElection(t testing.TB, seed string, n, w int) *testElection {
	t.Helper()
	r := testrand.New(seed)
	sk, err := elgamal.GenerateKey(r)
	if err != nil {
		t.Fatal(err)
	}
	e := &testElection{sk: sk, pk: sk.Public(), rand: r}
	e.in = encryptRows(t, r, e.pk, n, w)
	copy(e.p.Fingerprint[:], "fingerprint of the test election")
	e.p.Position = 1
	e.p.Mixer = []byte("mixer-1")
	return e
}

func encryptRows(t testing.TB, r io.Reader, pk *elgamal.PublicKey, n, w int) []elgamal.VectorCiphertext {
	t.Helper()
	rows := make([]elgamal.VectorCiphertext, n)
	for i := range rows {
		ms := make([]uint64, w)
		for k := range ms {
			ms[k] = uint64(1000*i + k + 1)
		}
		v, _, err := elgamal.EncryptExpVector(r, pk, ms)
		if err != nil {
			t.Fatal(err)
		}
		if rows[i], err = elgamal.ParseVectorCiphertext(v.Bytes(), w); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// wantInvalid fails unless err wraps ErrInvalidProof and mentions each of
// contains, and none of absent.
func wantInvalid(t *testing.T, err error, contains []string, absent []string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("got %v, want an error wrapping ErrInvalidProof", err)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not mention %q", err, c)
		}
	}
	for _, a := range absent {
		if strings.Contains(err.Error(), a) {
			t.Errorf("error %q mentions %q", err, a)
		}
	}
}

func scalarPtrs(ss []group.Scalar) []*group.Scalar {
	out := make([]*group.Scalar, len(ss))
	for i := range ss {
		out[i] = &ss[i]
	}
	return out
}

func (e *testElection) refStatement(out []elgamal.VectorCiphertext, p Params) *refStatement {
	return &refStatement{fp: zkp.Fingerprint(p.Fingerprint), mixer: p.Mixer, position: p.Position, pk: e.pk, in: e.in, out: out, n: len(out), w: len(out[0])}
}

// TestMatchesReference checks the package's prover and verifier against the
// naive implementation of the spec in reference_test.go.
func TestMatchesReference(t *testing.T) {
	for _, tc := range []struct{ n, w int }{{1, 1}, {2, 1}, {5, 1}, {3, 3}} {
		e := newTestElection(t, "reference", tc.n, tc.w)
		out, wit, err := Shuffle(e.rand, e.pk, e.in, e.p)
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.p.generators(tc.n)
		if err != nil {
			t.Fatal(err)
		}
		tr := &proofTrace{}
		proof, err := prove(e.rand, e.pk, e.in, out, wit, &e.p, g, &proverHooks{trace: tr})
		if err != nil {
			t.Fatal(err)
		}
		st := e.refStatement(out, e.p)
		nc := st.deriveNonces(wit.psi, scalarPtrs(wit.rho), tr.random[:])
		ref := st.prove(wit.psi, scalarPtrs(wit.rho), st.generators(), nc, nil)
		if !bytes.Equal(ref.bytes(), proof.Bytes()) {
			t.Fatalf("n=%d w=%d: proof differs from the reference implementation", tc.n, tc.w)
		}
		if err := st.verify(proof.Bytes(), st.generators()); err != nil {
			t.Fatalf("n=%d w=%d: reference verifier rejects: %v", tc.n, tc.w, err)
		}
	}
}
