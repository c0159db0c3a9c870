package ballotbox_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

func FuzzParseBatch(f *testing.F) {
	f.Add(voting.EncodeBatch([][]byte{[]byte("a"), []byte("bc")}))
	f.Add([]byte{1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		batch, err := voting.ParseBatch(b)
		if err != nil {
			return
		}
		if !bytes.Equal(voting.EncodeBatch(batch.Ballots), b) {
			t.Fatal("accepted a non-canonical batch")
		}
	})
}

func FuzzParseReceipt(f *testing.F) {
	key, _ := schnorr.GenerateKey(testRand("fuzz receipt"))
	f.Add(signedReceipt(f, key).Bytes())
	f.Add([]byte{1, 1, 1, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := voting.ParseReceipt(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatal("accepted a non-canonical receipt")
		}
		_ = r.Verify(key.Public())
	})
}

func FuzzVerifyInclusion(f *testing.F) {
	cs := codes(5)
	p, _ := voting.NewInclusionProof(cs, 3)
	f.Add(p.Bytes(), cs[3][:])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0}, cs[0][:])
	root := voting.MerkleRoot(cs)
	f.Fuzz(func(t *testing.T, proof, code []byte) {
		if len(code) != 32 {
			return
		}
		tc := voting.TrackingCode(code)
		if voting.VerifyInclusion(tc, proof, root) == nil {
			if _, err := voting.ParseInclusionProof(proof); err != nil || !slices.Contains(cs, tc) {
				t.Fatalf("verified a false inclusion: %x", proof)
			}
		}
	})
}
