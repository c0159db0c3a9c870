package memboard_test

import (
	"context"
	"errors"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
)

// An empty board lists no topics; a board lists every topic with its owner,
// phase, count and head as they are after the posts, in order of id, the
// same through a client as through the board.
func TestTopicsListsEveryTopicWithItsState(t *testing.T) {
	ctx := context.Background()
	b := memboard.New()
	if ts, err := b.Topics(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("an empty board lists %v, %v", ts, err)
	}
	alice, bob := b.As(bulletin.Address{0xa1}), b.As(bulletin.Address{0xb0})
	election, service := bulletin.TopicID{0x20}, bulletin.TopicID{0x10}
	if err := alice.CreateTopic(ctx, election, bulletin.PhaseSetup); err != nil {
		t.Fatal(err)
	}
	if err := bob.CreateTopic(ctx, service, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := alice.SetPoster(ctx, election, alice.Address(), bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindPhase)); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.AppendBatch(ctx, election, []bulletin.Message{
		{Kind: bulletin.KindManifest, Payload: []byte("m")},
		{Kind: bulletin.KindPhase, Payload: []byte{byte(bulletin.PhaseKeyCeremony)}},
	}); err != nil {
		t.Fatal(err)
	}
	head, _, err := b.Head(ctx, election)
	if err != nil {
		t.Fatal(err)
	}
	want := []bulletin.TopicInfo{
		{ID: service, Owner: bob.Address(), Phase: bulletin.PhaseService},
		{ID: election, Owner: alice.Address(), Phase: bulletin.PhaseKeyCeremony, Head: head, Count: 2},
	}
	for name, l := range map[string]bulletin.TopicLister{"board": b, "client": bob} {
		got, err := l.Topics(ctx)
		if err != nil {
			t.Fatal(err)
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
}

// Listing honours a cancelled context.
func TestTopicsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := memboard.New().Topics(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Topics with a cancelled context: %v", err)
	}
}
