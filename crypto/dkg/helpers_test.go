package dkg_test

import (
	"io"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/transcript"
)

// forgeCiphertext makes a hybrid ciphertext to pk under ad whose
// ephemeral-key proof is valid (the forger knows e) but whose sealed part is
// the given bytes, following docs/spec/dkg.md, section 3: only the maker of
// a ciphertext can do this.
func forgeCiphertext(t testing.TB, r io.Reader, pk *hybrid.PublicKey, ad, sealed []byte) *hybrid.Ciphertext {
	t.Helper()
	e, err := group.RandomNonZeroScalar(r)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := group.RandomNonZeroScalar(r)
	E := new(group.Element).ScalarBaseMult(e)
	R := new(group.Element).ScalarBaseMult(k)
	tr := transcript.New("veche/hybrid/v1")
	tr.Bytes("group", []byte("ristretto255"))
	tr.Element("X", pk.Element())
	tr.Element("E", E)
	tr.Bytes("ad", ad)
	tr.Bytes("sealed", sealed)
	tr.Element("R", R)
	c := tr.Challenge("c")
	ct := &hybrid.Ciphertext{E: E, R: R, Z: new(group.Scalar).MultiplyAdd(c, e, k), Sealed: sealed}
	if err := ct.Verify(pk, ad); err != nil {
		t.Fatalf("forged ciphertext does not verify: %v", err)
	}
	return ct
}
