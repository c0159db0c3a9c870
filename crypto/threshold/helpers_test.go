package threshold

import (
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
)

// A testKey is a k-of-n key split by a trusted dealer (Shamir, "How to
// share a secret", CACM 1979): tests only. The key ceremony of crypto/dkg
// produces the same public values without anyone knowing x.
type testKey struct {
	params *Params
	x      *group.Scalar
	coeffs []*group.Scalar  // f(X) = Σ coeffs[i]·X^i, coeffs[0] = x
	shares []*group.Scalar  // shares[j-1] = x_j = f(j)
	keys   []*group.Element // keys[j-1] = Y_j
	pk     *elgamal.PublicKey
}

func testFP(name string) zkp.Fingerprint { return zkp.Fingerprint(sha256.Sum256([]byte(name))) }

// dealShares returns the coefficients of a random polynomial of degree
// k − 1 and its values at 1 … n.
func dealShares(t testing.TB, r io.Reader, k, n int) (coeffs, shares []*group.Scalar) {
	t.Helper()
	coeffs = make([]*group.Scalar, k)
	for i := range coeffs {
		s, err := group.RandomNonZeroScalar(r)
		if err != nil {
			t.Fatal(err)
		}
		coeffs[i] = s
	}
	shares = make([]*group.Scalar, n)
	for j := 1; j <= n; j++ {
		shares[j-1] = evalPoly(coeffs, uint64(j))
	}
	return coeffs, shares
}

// evalPoly returns f(x) by Horner's rule.
func evalPoly(coeffs []*group.Scalar, x uint64) *group.Scalar {
	xs := new(group.Scalar).SetUint64(x)
	acc := group.NewScalar()
	for i := len(coeffs) - 1; i >= 0; i-- {
		acc.MultiplyAdd(acc, xs, coeffs[i])
	}
	return acc
}

func newTestKey(t testing.TB, seed string, k, n int) *testKey {
	t.Helper()
	return newTestKeyFP(t, seed, testFP(seed), k, n)
}

func newTestKeyFP(t testing.TB, seed string, fp zkp.Fingerprint, k, n int) *testKey {
	t.Helper()
	r := testrand.New("threshold/dealer/" + seed)
	coeffs, shares := dealShares(t, r, k, n)
	tk := &testKey{x: coeffs[0], coeffs: coeffs, shares: shares}
	for _, s := range shares {
		tk.keys = append(tk.keys, new(group.Element).ScalarBaseMult(s))
	}
	Y := new(group.Element).ScalarBaseMult(tk.x)
	p, err := NewParams(fp, k, n, Y, tk.keys)
	if err != nil {
		t.Fatal(err)
	}
	tk.params = p
	if tk.pk, err = elgamal.NewPublicKeyFromElement(Y); err != nil {
		t.Fatal(err)
	}
	return tk
}

// encryptExp returns encryptions of m_i·G for the given integers, as
// decoded from the wire (so that their encodings are cached, as on a
// verifier), and the plaintext elements.
func (tk *testKey) encryptExp(t testing.TB, r io.Reader, ms ...uint64) ([]*elgamal.Ciphertext, []*group.Element) {
	t.Helper()
	cts := make([]*elgamal.Ciphertext, len(ms))
	pts := make([]*group.Element, len(ms))
	for i, m := range ms {
		ct, _, err := elgamal.EncryptExp(r, tk.pk, m)
		if err != nil {
			t.Fatal(err)
		}
		if cts[i], err = elgamal.ParseCiphertext(ct.Bytes()); err != nil {
			t.Fatal(err)
		}
		pts[i] = new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(m))
	}
	return cts, pts
}

// decrypt returns every trustee's partial decryption of cts (in index
// order), each re-decoded from its encoding as a verifier would read it.
func (tk *testKey) decrypt(t testing.TB, r io.Reader, cts []*elgamal.Ciphertext, binding []byte, indices ...uint32) []*PartialDecryption {
	t.Helper()
	var out []*PartialDecryption
	for _, j := range indices {
		pd, err := PartialDecrypt(r, tk.params, j, tk.shares[j-1], cts, binding)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParsePartialDecryption(pd.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

func seq(from, to uint32) []uint32 {
	var out []uint32
	for j := from; j <= to; j++ {
		out = append(out, j)
	}
	return out
}

func wantPlaintexts(t testing.TB, got, want []*group.Element) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d plaintexts, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Equal(want[i]) != 1 {
			t.Fatalf("plaintext %d is wrong", i)
		}
	}
}

func wantErr(t testing.TB, err, target error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error wrapping %v", target)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %v", err, target)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

func equalIndices(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
