package ethboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/gethtest"
)

// locateClient is what checkLocation reads the chain with.
type locateClient interface {
	TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
}

// checkLocation checks loc against the chain itself, as a client would: the
// transaction's receipt is in block loc.Block with hash loc.BlockHash (the
// canonical block of that number), and it holds the Posted event of entry
// seq of topic, by the contract, with the entry's payload.
func checkLocation(t *testing.T, c locateClient, contractAddr common.Address, e bulletin.Entry, loc bulletin.Location) {
	t.Helper()
	r, err := c.TransactionReceipt(testCtx, loc.Tx)
	if err != nil {
		t.Fatalf("entry %d: receipt of %x: %v", e.Seq, loc.Tx, err)
	}
	if r.BlockNumber.Uint64() != loc.Block || r.BlockHash != loc.BlockHash || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("entry %d: located in block %d %x, the receipt says %v %x (status %d)", e.Seq, loc.Block, loc.BlockHash, r.BlockNumber, r.BlockHash, r.Status)
	}
	h, err := c.HeaderByNumber(testCtx, new(big.Int).SetUint64(loc.Block))
	if err != nil || h.Hash() != loc.BlockHash {
		t.Fatalf("entry %d: block %d is not the canonical block of that number (%v)", e.Seq, loc.Block, err)
	}
	found := 0
	for _, l := range r.Logs {
		if l.Address != contractAddr || len(l.Topics) != 4 || l.Topics[1] != common.Hash(e.Topic) ||
			new(big.Int).SetBytes(l.Topics[2][:]).Uint64() != e.Seq {
			continue
		}
		found++
		if !bytes.Contains(l.Data, e.Payload) {
			t.Errorf("entry %d: the event in the located transaction does not carry the entry's payload", e.Seq)
		}
	}
	if found != 1 {
		t.Fatalf("entry %d: the located transaction has %d Posted events for it, want 1", e.Seq, found)
	}
}

// postForLocate posts five entries to a new service topic: two singly and
// three in one batch (one transaction).
func postForLocate(t *testing.T, owner, poster *Board, name string) (bulletin.TopicID, []bulletin.Entry) {
	t.Helper()
	topic := bulletin.NamedTopic(name)
	if err := owner.CreateTopic(testCtx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetPoster(testCtx, topic, poster.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := poster.Append(testCtx, topic, bulletin.KindDocAnchor, fmt.Appendf(nil, "single %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var batch []bulletin.Message
	for i := range 3 {
		batch = append(batch, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: fmt.Appendf(nil, "batched %d", i)})
	}
	if _, err := poster.AppendBatch(testCtx, topic, batch); err != nil {
		t.Fatal(err)
	}
	es, err := poster.Entries(testCtx, topic, 0, 5)
	if err != nil || len(es) != 5 {
		t.Fatalf("reading back: %d entries, %v", len(es), err)
	}
	return topic, es
}

// locateAll locates every entry with b and checks each location against
// the chain; entries posted in one transaction share it, the others do not.
func locateAll(t *testing.T, b *Board, c locateClient, topic bulletin.TopicID, es []bulletin.Entry) []bulletin.Location {
	t.Helper()
	locs := make([]bulletin.Location, len(es))
	for i, e := range es {
		loc, err := b.Locate(testCtx, topic, e.Seq)
		if err != nil {
			t.Fatalf("Locate(%d): %v", e.Seq, err)
		}
		checkLocation(t, c, b.contract, e, loc)
		locs[i] = loc
	}
	if locs[0].Tx == locs[1].Tx || locs[1].Tx == locs[2].Tx {
		t.Errorf("entries posted by separate transactions located in one: %x %x %x", locs[0].Tx, locs[1].Tx, locs[2].Tx)
	}
	if locs[2] != locs[3] || locs[3] != locs[4] {
		t.Errorf("the entries of one batch located apart: %v %v %v", locs[2], locs[3], locs[4])
	}
	return locs
}

// On the embedded chain, the poster locates its entries from the receipts
// it kept, a reader that posted nothing finds the same locations in the
// chain's events, and both agree with the transactions' receipts. An entry
// not yet on the topic and an unknown topic are told apart.
func TestLocateOnTheEmbeddedChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	e, err := OpenEmbedded(ctx, t.TempDir(), Config{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	topic, es := postForLocate(t, e.Board, e.Board, "locate on the embedded chain")
	own := locateAll(t, e.Board, e.Client(), topic, es)

	reader, err := New(ctx, e.Client(), e.Board.contract, nil, Config{FromBlock: e.FromBlock()})
	if err != nil {
		t.Fatal(err)
	}
	searched := locateAll(t, reader, e.Client(), topic, es)
	for i := range own {
		if own[i] != searched[i] {
			t.Errorf("entry %d: the poster located it at %+v, a reader at %+v", i, own[i], searched[i])
		}
	}
	if _, err := reader.Locate(ctx, topic, 5); !errors.Is(err, bulletin.ErrNoEntry) {
		t.Errorf("Locate of the entry after the last: %v, want ErrNoEntry", err)
	}
	if _, err := reader.Locate(ctx, bulletin.NamedTopic("no such topic"), 0); !errors.Is(err, bulletin.ErrUnknownTopic) {
		t.Errorf("Locate on an unknown topic: %v, want ErrUnknownTopic", err)
	}
}

// On a real geth --dev node over JSON-RPC, a read-only Remote locates the
// entries where the poster's receipts put them.
func TestLocateOnGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("real-node test; skipped in -short mode")
	}
	node := gethtest.Start(t) // a node of its own: its developer account posts
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Config{PollInterval: 20 * time.Millisecond, RetryDelay: 50 * time.Millisecond}
	addr, deployed, err := Deploy(ctx, node.Client, node.Key, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.FromBlock = deployed
	poster, err := New(ctx, node.Client, addr, node.Key, cfg)
	if err != nil {
		t.Fatal(err)
	}
	topic, es := postForLocate(t, poster, poster, "locate on geth")
	own := locateAll(t, poster, node.Client, topic, es)

	r, err := Dial(ctx, node.URL, bulletin.Address(addr), nil, Config{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	searched := locateAll(t, r.Board, node.Client, topic, es)
	for i := range own {
		if own[i] != searched[i] {
			t.Errorf("entry %d: the poster located it at %+v, a reader over JSON-RPC at %+v", i, own[i], searched[i])
		}
	}
	if _, err := r.Locate(ctx, topic, 99); !errors.Is(err, bulletin.ErrNoEntry) {
		t.Errorf("Locate of a missing entry: %v, want ErrNoEntry", err)
	}
}

// The location cache keeps the newest locCacheSize locations: the oldest go
// first, a location put again is updated in place, and a receipt's events
// of other topics or contracts are not taken.
func TestLocationCacheKeepsTheNewest(t *testing.T) {
	var c locCache
	topic := bulletin.NamedTopic("cache")
	for i := range uint64(locCacheSize + 10) {
		c.put(locKey{topic, i}, bulletin.Location{Block: i + 1})
	}
	for i := range uint64(10) {
		if _, ok := c.get(topic, i); ok {
			t.Fatalf("entry %d, among the oldest, is still cached", i)
		}
	}
	if loc, ok := c.get(topic, locCacheSize+9); !ok || loc.Block != locCacheSize+10 {
		t.Fatalf("the newest entry: %+v, %v", loc, ok)
	}
	c.put(locKey{topic, 10}, bulletin.Location{Block: 7})
	if loc, _ := c.get(topic, 10); loc.Block != 7 || len(c.m) != locCacheSize {
		t.Fatalf("updated in place: %+v, %d cached", loc, len(c.m))
	}

	contract, posted := common.Address{1}, common.Hash{2}
	other := bulletin.NamedTopic("other")
	seqTopic := func(n int64) common.Hash { return common.BigToHash(big.NewInt(n)) }
	r := &types.Receipt{BlockNumber: big.NewInt(99), BlockHash: common.Hash{9}, TxHash: common.Hash{8}, Logs: []*types.Log{
		{Address: contract, Topics: []common.Hash{posted, common.Hash(topic), seqTopic(1 << 40), {}}},
		{Address: contract, Topics: []common.Hash{posted, common.Hash(other), seqTopic(1<<40 + 1), {}}},
		{Address: common.Address{3}, Topics: []common.Hash{posted, common.Hash(topic), seqTopic(1<<40 + 2), {}}},
	}}
	c.add(r, contract, posted, topic)
	if loc, ok := c.get(topic, 1<<40); !ok || loc != (bulletin.Location{Block: 99, BlockHash: [32]byte{9}, Tx: [32]byte{8}}) {
		t.Errorf("the receipt's own event: %+v, %v", loc, ok)
	}
	if _, ok := c.get(other, 1<<40+1); ok {
		t.Error("an event of another topic was cached")
	}
	if _, ok := c.get(topic, 1<<40+2); ok {
		t.Error("an event of another contract was cached")
	}
}
