package chain

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
)

// The embedded chain, served read-only, is a node like any other: a board
// opened with RPC set to the served URL reads what the embedded board
// posted, sees the same contract, chain id and deployment block, locates
// entries where the poster does, and cannot post. A board on a node is
// not served again.
func TestServedEmbeddedChainOpensAsANode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	b, err := Open(ctx, Options{DataDir: t.TempDir(), PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	topic := bulletin.NamedTopic("served chain")
	if err := b.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := b.SetPoster(ctx, topic, b.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	seq, err := b.Append(ctx, topic, bulletin.KindDocAnchor, []byte("on the embedded chain"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := ServeRPC(b, ethboard.RPCLimits{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	r, err := Open(ctx, Options{RPC: srv.URL, Contract: ethboard.ChecksumAddress(b.Contract()), PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Contract() != b.Contract() || r.ChainID() != b.ChainID() || r.FromBlock() != b.FromBlock() || b.ChainID() != 1337 {
		t.Errorf("over RPC: contract %v chain %d from %d; embedded: %v %d %d",
			r.Contract(), r.ChainID(), r.FromBlock(), b.Contract(), b.ChainID(), b.FromBlock())
	}
	es, err := r.Entries(ctx, topic, 0, 1)
	if err != nil || len(es) != 1 || string(es[0].Payload) != "on the embedded chain" {
		t.Fatalf("read over RPC: %v, %v", es, err)
	}
	there, err := r.Locate(ctx, topic, seq)
	if err != nil {
		t.Fatal(err)
	}
	here, err := b.Locate(ctx, topic, seq)
	if err != nil || here != there || here.Block == 0 {
		t.Errorf("located over RPC at %+v, by the poster at %+v (%v)", there, here, err)
	}
	if _, err := r.Append(ctx, topic, bulletin.KindDocAnchor, []byte("no key")); err == nil {
		t.Error("a board opened over the served chain without a key posted")
	}
	if _, err := ServeRPC(r, ethboard.RPCLimits{}); !errors.Is(err, ErrNotServed) {
		t.Errorf("serving a node-backed board: %v, want ErrNotServed", err)
	}
}

// Another account's view of the embedded chain posts as that account
// through every way of posting, AppendOnce included (which the ballot box
// uses): the contract would refuse the chain's own account here.
func TestPosterForPostsAsItsAccount(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	b, err := Open(ctx, Options{DataDir: t.TempDir(), PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key, err := ethboard.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	p, err := PosterFor(ctx, b, key)
	if err != nil {
		t.Fatal(err)
	}
	topic := bulletin.NamedTopic("poster for")
	if err := b.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := b.SetPoster(ctx, topic, ethboard.KeyAddress(key), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	once, ok := p.(interface {
		AppendOnce(context.Context, bulletin.TopicID, uint64, []bulletin.Message) ([]uint64, error)
	})
	if !ok {
		t.Fatal("the poster's board has no AppendOnce")
	}
	if _, err := once.AppendOnce(ctx, topic, 0, []bulletin.Message{{Kind: bulletin.KindDocAnchor, Payload: []byte("once")}}); err != nil {
		t.Fatalf("AppendOnce as the granted account: %v", err)
	}
	if _, err := p.Append(ctx, topic, bulletin.KindDocAnchor, []byte("append")); err != nil {
		t.Fatal(err)
	}
	es, err := b.Entries(ctx, topic, 0, 2)
	if err != nil || len(es) != 2 {
		t.Fatalf("entries: %v, %v", es, err)
	}
	for _, e := range es {
		if e.Poster != ethboard.KeyAddress(key) {
			t.Fatalf("entry %d posted by %v, not the poster's account", e.Seq, e.Poster)
		}
	}
}
