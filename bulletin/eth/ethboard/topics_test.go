package ethboard

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/veche/veche/bulletin"
)

// limitedClient refuses, as a provider does with "limit exceeded", every
// log query spanning more than maxBlocks blocks.
type limitedClient struct {
	Client
	maxBlocks uint64
	refused   atomic.Int64
}

type limitError struct{}

func (limitError) Error() string  { return "query exceeds max block range" }
func (limitError) ErrorCode() int { return errLimitExceeded }

func (l *limitedClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.ToBlock.Uint64()-q.FromBlock.Uint64()+1 > l.maxBlocks {
		l.refused.Add(1)
		return nil, limitError{}
	}
	return l.Client.FilterLogs(ctx, q)
}

// The topics two accounts created are listed in the order of creation,
// each with the owner, phase, head and count the contract stores; a
// read-only board lists the same, and so does one whose node refuses log
// queries over more than two blocks (the page is halved until the node
// answers). A topic created after the listing appears in the next one.
func TestTopicsListsTheContractsTopicsInOrderOfCreation(t *testing.T) {
	c := newTestChain(t)
	owner, poster, first := setup(t, c) // one service topic, created by the owner
	if _, err := poster.Append(testCtx, first, bulletin.KindDocAnchor, []byte("anchor")); err != nil {
		t.Fatal(err)
	}
	second := bulletin.NamedTopic("election/topics-test")
	if err := poster.CreateTopic(testCtx, second, bulletin.PhaseSetup); err != nil {
		t.Fatal(err)
	}
	if err := poster.SetPoster(testCtx, second, poster.Address(), bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindPhase)); err != nil {
		t.Fatal(err)
	}
	if _, err := poster.AppendBatch(testCtx, second, []bulletin.Message{
		{Kind: bulletin.KindManifest, Payload: []byte("manifest")},
		{Kind: bulletin.KindPhase, Payload: []byte{byte(bulletin.PhaseKeyCeremony)}},
	}); err != nil {
		t.Fatal(err)
	}
	head1, count1, _ := owner.Head(testCtx, first)
	head2, count2, _ := owner.Head(testCtx, second)
	want := []bulletin.TopicInfo{
		{ID: first, Owner: owner.Address(), Phase: bulletin.PhaseService, Head: head1, Count: count1},
		{ID: second, Owner: poster.Address(), Phase: bulletin.PhaseKeyCeremony, Head: head2, Count: count2},
	}
	if count1 != 1 || count2 != 2 {
		t.Fatalf("counts %d and %d after posting 1 and 2 entries", count1, count2)
	}
	check := func(name string, b *Board, want []bulletin.TopicInfo) {
		t.Helper()
		got, err := b.Topics(testCtx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s lists %d topics, want %d: %+v", name, len(got), len(want), got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: topic %d = %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
	check("the owner", owner, want)
	readOnly, err := New(testCtx, c.client, c.addr, nil, c.config())
	if err != nil {
		t.Fatal(err)
	}
	check("a read-only board", readOnly, want)
	limited := &limitedClient{Client: c.client, maxBlocks: 2}
	check("a board on a limited node", c.board(t, limited, 2, c.config()), want)
	if limited.refused.Load() == 0 {
		t.Error("the limited node refused no query: the page was never halved")
	}

	third := bulletin.NamedTopic("later")
	if err := owner.CreateTopic(testCtx, third, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	check("after a third topic", readOnly, append(want, bulletin.TopicInfo{ID: third, Owner: owner.Address(), Phase: bulletin.PhaseService}))
}
