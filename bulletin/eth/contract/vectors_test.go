package contract_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/contract"
)

// The subset of testdata/bulletin.json (written by package bulletin's
// TestVectors) that the contract must reproduce.
type vectorFile struct {
	Topic   string `json:"topic"`
	Entries []struct {
		Kind    uint16 `json:"kind"`
		Payload string `json:"payload"`
		Head    string `json:"head"`
	} `json:"entries"`
	FinalHead string `json:"final_head"`
	ABI       []struct {
		Signature string `json:"signature"`
		Keccak256 string `json:"keccak256"`
	} `json:"abi_signatures"`
}

func readVectors(t *testing.T) *vectorFile {
	t.Helper()
	raw, err := os.ReadFile("../../../testdata/bulletin.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The contract computes exactly the heads of the vector file.
func TestVectorsOnChain(t *testing.T) {
	v := readVectors(t)
	c := newChain(t, mainnetRules)
	owner := c.accounts[0]
	topic := bulletin.TopicID(unhex(t, v.Topic))
	c.mustSend(t, owner, c.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)))
	c.mustSend(t, owner, c.bb.PackSetPoster(topic, owner.addr, contract.KindMask(bulletin.NewKindSet(bulletin.Kinds()...))))
	for i, e := range v.Entries {
		r := c.mustSend(t, owner, c.bb.PackAppend(topic, e.Kind, unhex(t, e.Payload)))
		es, err := c.posted(r.Logs)
		if err != nil || len(es) != 1 {
			t.Fatalf("entry %d: %d events, %v", i, len(es), err)
		}
		if got := hex.EncodeToString(es[0].Head[:]); got != e.Head {
			t.Fatalf("entry %d: the contract's head %s, the vector's %s", i, got, e.Head)
		}
	}
	head, count, err := c.head(context.Background(), topic)
	if err != nil || hex.EncodeToString(head[:]) != v.FinalHead || count != uint64(len(v.Entries)) {
		t.Fatalf("topicHead = %x, %d, %v", head, count, err)
	}
}

// The signatures the spec lists are the contract's ABI, complete.
func TestABISignatures(t *testing.T) {
	v := readVectors(t)
	abi := contract.NewBulletinBoard().GetABI()
	ids := map[string]string{}
	for _, e := range abi.Events {
		ids["event "+e.Sig] = hex.EncodeToString(e.ID[:])
	}
	for _, m := range abi.Methods {
		ids["function "+m.Sig] = hex.EncodeToString(m.ID) // the 4-byte selector
	}
	for _, e := range abi.Errors {
		ids["error "+e.Sig] = hex.EncodeToString(e.ID[:])
	}
	for _, s := range v.ABI {
		id, ok := ids[s.Signature]
		if !ok {
			t.Errorf("the spec lists %q; the contract has no such item", s.Signature)
			continue
		}
		if !strings.HasPrefix(s.Keccak256, id) {
			t.Errorf("%s: vector %s, ABI %s", s.Signature, s.Keccak256, id)
		}
		delete(ids, s.Signature)
	}
	for sig := range ids {
		t.Errorf("the contract has %q, which the spec does not list", sig)
	}
}
