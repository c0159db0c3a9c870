package ballotbox_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

func codes(n int) []voting.TrackingCode {
	out := make([]voting.TrackingCode, n)
	for i := range out {
		out[i] = sha256.Sum256([]byte(fmt.Sprint("ballot ", i)))
	}
	return out
}

// Every leaf of trees of 1 to 33 leaves proves its inclusion, and only at
// its own position, in its own tree.
func TestInclusionProofs(t *testing.T) {
	for n := 1; n <= 33; n++ {
		cs := codes(n)
		root := voting.MerkleRoot(cs)
		for i := range n {
			p, err := voting.NewInclusionProof(cs, i)
			if err != nil {
				t.Fatal(err)
			}
			enc := p.Bytes()
			if err := voting.VerifyInclusion(cs[i], enc, root); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
			if err := voting.VerifyInclusion(cs[(i+1)%n], enc, root); n > 1 && err == nil {
				t.Fatalf("n=%d i=%d: verified another leaf", n, i)
			}
			moved := slices.Clone(enc)
			moved[3] ^= 1 // another index
			if err := voting.VerifyInclusion(cs[i], moved, root); err == nil {
				t.Fatalf("n=%d i=%d: verified at index %d", n, i, i^1)
			}
			if n > 1 {
				if err := voting.VerifyInclusion(cs[i], enc[:len(enc)-32], root); err == nil {
					t.Fatalf("n=%d i=%d: verified with a short path", n, i)
				}
			}
			if err := voting.VerifyInclusion(cs[i], enc, voting.MerkleRoot(cs[:max(1, n-1)])); n > 1 && err == nil {
				t.Fatalf("n=%d i=%d: verified against another root", n, i)
			}
		}
	}
	// The tree of one leaf: its hash is SHA-256(0x00 || code), no path.
	c := codes(1)
	if voting.MerkleRoot(c) != sha256.Sum256(append([]byte{0}, c[0][:]...)) {
		t.Fatal("leaf hash is not RFC 9162's")
	}
}

// Receipts round-trip and verify only under the box's key and unchanged.
func TestReceiptEncoding(t *testing.T) {
	key, _ := schnorr.GenerateKey(testRand("receipt key"))
	other, _ := schnorr.GenerateKey(testRand("other key"))
	r := signedReceipt(t, key)
	got, err := voting.ParseReceipt(r.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), r.Bytes()) || got.Election != r.Election || got.Seq != r.Seq || !got.Received.Equal(r.Received) {
		t.Fatalf("round trip: %+v", got)
	}
	if err := got.Verify(key.Public()); err != nil {
		t.Fatal(err)
	}
	if got.Verify(other.Public()) == nil {
		t.Fatal("verified under another key")
	}
	got.Seq++
	if got.Verify(key.Public()) == nil {
		t.Fatal("a changed receipt verified")
	}
	enc := r.Bytes()
	for _, bad := range [][]byte{nil, enc[:len(enc)-1], append(slices.Clone(enc), 0), func() []byte { b := slices.Clone(enc); b[0] = 2; return b }(), func() []byte { b := slices.Clone(enc); b[1] = 3; return b }(), func() []byte { b := slices.Clone(enc); b[2] = 0; return b }()} {
		if _, err := voting.ParseReceipt(bad); !errors.Is(err, voting.ErrMalformedReceipt) {
			t.Fatalf("%x: %v", bad, err)
		}
	}
}

// signedReceipt signs a receipt as a box does: through the exported
// encoding, by parsing a receipt whose signature is then replaced.
func signedReceipt(t testing.TB, key *schnorr.PrivateKey) *voting.Receipt {
	t.Helper()
	r := &voting.Receipt{Election: "city-2026", Kind: voting.ReceiptCast, TrackingCode: codes(1)[0],
		Received: time.Date(2026, 9, 13, 9, 30, 0, 123456000, time.UTC), Seq: 42}
	body := r.Bytes() // without a signature yet
	sig, err := schnorr.Sign(testRand("receipt signature"), key, voting.ReceiptContext, body)
	if err != nil {
		t.Fatal(err)
	}
	r.Signature = sig
	return r
}

// Batches round-trip; ParseBatch rejects every malformation.
func TestBatchEncoding(t *testing.T) {
	ballots := [][]byte{[]byte("first ballot"), []byte("second"), bytes.Repeat([]byte{7}, 300)}
	enc := voting.EncodeBatch(ballots)
	b, err := voting.ParseBatch(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Ballots) != 3 || !bytes.Equal(b.Ballots[2], ballots[2]) {
		t.Fatal("round trip")
	}
	var cs []voting.TrackingCode
	for _, x := range ballots {
		cs = append(cs, sha256.Sum256(x))
	}
	if b.Root != voting.MerkleRoot(cs) || !slices.Equal(b.TrackingCodes(), cs) {
		t.Fatal("root or tracking codes")
	}
	mut := func(f func([]byte) []byte) []byte { return f(slices.Clone(enc)) }
	for name, bad := range map[string][]byte{
		"empty":        nil,
		"version":      mut(func(b []byte) []byte { b[0] = 2; return b }),
		"zero ballots": mut(func(b []byte) []byte { b[4] = 0; return b[:37] }),
		"count high":   mut(func(b []byte) []byte { b[4] = 4; return b }),
		"count low":    mut(func(b []byte) []byte { b[4] = 2; return b }),
		"root":         mut(func(b []byte) []byte { b[10] ^= 1; return b }),
		"ballot":       mut(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }),
		"truncated":    enc[:len(enc)-1],
		"trailing":     append(slices.Clone(enc), 0),
		"zero length":  voting.EncodeBatch([][]byte{{}}),
		"too large":    make([]byte, bulletin.MaxPayload+1),
	} {
		if _, err := voting.ParseBatch(bad); !errors.Is(err, voting.ErrMalformedBatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
