package memboard_test

import (
	"context"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/bulletintest"
	"github.com/veche/veche/bulletin/memboard"
)

type board struct{ *memboard.Board }

func (b board) Client(i int) bulletintest.Client { return b.As(bulletin.Address{0xee, byte(i)}) }

func TestConformance(t *testing.T) {
	bulletintest.Run(t, func(t *testing.T) bulletintest.Board { return board{memboard.New()} })
}

// The board keeps its own copies: a caller that reuses its buffers cannot
// rewrite the log.
func TestPayloadsAreCopied(t *testing.T) {
	ctx := context.Background()
	b := memboard.New()
	owner := b.As(bulletin.Address{1})
	id := bulletin.TopicID{1}
	if err := owner.CreateTopic(ctx, id, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetPoster(ctx, id, owner.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	buf := []byte("anchor")
	if _, err := owner.Append(ctx, id, bulletin.KindDocAnchor, buf); err != nil {
		t.Fatal(err)
	}
	buf[0] = 'X'
	es, _ := b.Entries(ctx, id, 0, 1)
	es[0].Payload[1] = 'Y'
	es, _ = b.Entries(ctx, id, 0, 1)
	if string(es[0].Payload) != "anchor" {
		t.Fatalf("stored payload changed to %q", es[0].Payload)
	}
	head, count, _ := b.Head(ctx, id)
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatal(err)
	}
}

func TestPhase(t *testing.T) {
	ctx := context.Background()
	b := memboard.New()
	c := b.As(bulletin.Address{1})
	id := bulletin.TopicID{2}
	if _, err := b.Phase(ctx, id); err == nil {
		t.Fatal("Phase of an unknown topic succeeded")
	}
	c.CreateTopic(ctx, id, bulletin.PhaseSetup)
	c.SetPoster(ctx, id, c.Address(), bulletin.NewKindSet(bulletin.KindPhase))
	if _, err := c.Append(ctx, id, bulletin.KindPhase, []byte{byte(bulletin.PhaseKeyCeremony)}); err != nil {
		t.Fatal(err)
	}
	if p, err := b.Phase(ctx, id); err != nil || p != bulletin.PhaseKeyCeremony {
		t.Fatalf("Phase = %v, %v; want key-ceremony", p, err)
	}
}
