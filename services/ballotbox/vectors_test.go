package ballotbox_test

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/voting"
)

// TestVectors writes testdata/ballotbox.json (docs/spec/ballotbox.md,
// section 7): a receipt with its signed body, and ballot-batch payloads of
// 1, 3 and 5 made-up ballots with their tracking codes, Merkle roots and
// every inclusion proof. go test -run TestVectors -update rewrites it.
func TestVectors(t *testing.T) {
	type proofVector struct {
		Index int    `json:"index"`
		Proof string `json:"proof"`
	}
	type batchVector struct {
		Ballots       []string      `json:"ballots"`
		TrackingCodes []string      `json:"tracking_codes"`
		Root          string        `json:"root"`
		Payload       string        `json:"payload"`
		Proofs        []proofVector `json:"proofs"`
	}
	type receiptVector struct {
		PrivateKey   string `json:"box_private_key"`
		PublicKey    string `json:"box_public_key"`
		Context      string `json:"context"`
		Election     string `json:"election"`
		Kind         int    `json:"kind"`
		TrackingCode string `json:"tracking_code"`
		ReceivedUS   int64  `json:"received_unix_micro"`
		Seq          uint64 `json:"seq"`
		Body         string `json:"body"`
		Signature    string `json:"signature"`
		Receipt      string `json:"receipt"`
	}
	var v struct {
		Receipt receiptVector `json:"receipt"`
		Batches []batchVector `json:"batches"`
	}
	key, err := schnorr.GenerateKey(testRand("ballotbox vectors: box key"))
	if err != nil {
		t.Fatal(err)
	}
	r := signedReceipt(t, key)
	if err := r.Verify(key.Public()); err != nil {
		t.Fatal(err)
	}
	enc := r.Bytes()
	v.Receipt = receiptVector{
		PrivateKey: hex.EncodeToString(key.Bytes()), PublicKey: hex.EncodeToString(key.Public().Bytes()),
		Context: voting.ReceiptContext, Election: r.Election, Kind: int(r.Kind),
		TrackingCode: hex.EncodeToString(r.TrackingCode[:]), ReceivedUS: r.Received.UnixMicro(), Seq: r.Seq,
		Body: hex.EncodeToString(enc[:len(enc)-schnorr.SignatureSize]), Signature: hex.EncodeToString(r.Signature),
		Receipt: hex.EncodeToString(enc),
	}
	for _, n := range []int{1, 3, 5} {
		var bv batchVector
		var ballots [][]byte
		var cs []voting.TrackingCode
		for i := range n {
			b := make([]byte, 40+i)
			if _, err := testRand(fmt.Sprintf("ballotbox vectors: batch %d ballot %d", n, i)).Read(b); err != nil {
				t.Fatal(err)
			}
			ballots = append(ballots, b)
			bv.Ballots = append(bv.Ballots, hex.EncodeToString(b))
		}
		payload := voting.EncodeBatch(ballots)
		batch, err := voting.ParseBatch(payload)
		if err != nil {
			t.Fatal(err)
		}
		cs = batch.TrackingCodes()
		for i, c := range cs {
			bv.TrackingCodes = append(bv.TrackingCodes, hex.EncodeToString(c[:]))
			p, err := voting.NewInclusionProof(cs, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := voting.VerifyInclusion(c, p.Bytes(), batch.Root); err != nil {
				t.Fatal(err)
			}
			bv.Proofs = append(bv.Proofs, proofVector{Index: i, Proof: hex.EncodeToString(p.Bytes())})
		}
		bv.Root = hex.EncodeToString(batch.Root[:])
		bv.Payload = hex.EncodeToString(payload)
		v.Batches = append(v.Batches, bv)
	}
	golden.JSON(t, "../../testdata/ballotbox.json", v)
}
