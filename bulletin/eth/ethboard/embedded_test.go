package ethboard

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/veche/veche/bulletin"
)

// The embedded chain keeps its entries across a restart: the second start
// finds the key, the contract and every entry, and posting goes on.
func TestEmbeddedRestart(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cfg := Config{PollInterval: 2 * time.Millisecond}
	topic := bulletin.TopicID(bulletin.Keccak256([]byte("embedded restart")))

	e, err := OpenEmbedded(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	contractAddr := e.Contract()
	if err := e.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPoster(ctx, topic, e.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for i := range 3 {
		p := fmt.Appendf(nil, "before restart %d", i)
		want = append(want, p)
		if _, err := e.Append(ctx, topic, bulletin.KindDocAnchor, p); err != nil {
			t.Fatal(err)
		}
	}
	// Another account, funded by the chain's, posts too.
	other, _ := crypto.ToECDSA(crypto.Keccak256([]byte("embedded other")))
	otherAddr := crypto.PubkeyToAddress(other.PublicKey)
	if err := e.Fund(ctx, otherAddr, new(big.Int).Lsh(big.NewInt(1), 64)); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPoster(ctx, topic, bulletin.Address(otherAddr), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	ocfg := cfg
	ocfg.Mine = e.Mine
	ob, err := New(ctx, e.Client(), common.Address(contractAddr), other, ocfg)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, []byte("from the other account"))
	if _, err := ob.Append(ctx, topic, bulletin.KindDocAnchor, want[3]); err != nil {
		t.Fatal(err)
	}
	head1, count1, _ := e.Head(ctx, topic)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e, err = OpenEmbedded(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Contract() != contractAddr || e.Contract() == (bulletin.Address{}) {
		t.Fatalf("contract at %v after the restart, was %v", e.Contract(), contractAddr)
	}
	head2, count2, err := e.Head(ctx, topic)
	if err != nil || head2 != head1 || count2 != count1 || count1 != 4 {
		t.Fatalf("after the restart: head %x count %d (%v); before: %x %d", head2, count2, err, head1, count1)
	}
	want = append(want, []byte("after restart"))
	if seq, err := e.Append(ctx, topic, bulletin.KindDocAnchor, want[4]); err != nil || seq != 4 {
		t.Fatalf("Append after the restart = %d, %v", seq, err)
	}
	checkLog(t, e.Board, topic, want)
}
