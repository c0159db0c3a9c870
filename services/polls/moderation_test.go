package polls_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/voting"
)

// Moderation on the record: a comment hidden before it is anchored has
// its hide in the same batch, one hidden later in a batch of hides only.
// The board's hidden counts per subject are the database's; each author
// shows from their receipt that their comment was hidden, when and for
// the reason shown, and the author of a comment never hidden shows that;
// an auditor with the database finds a batch whose reason was changed.
func TestHidesAreOnTheRecordAndCheckable(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.svc.AddSubject(ctx, e.moderator, "project/park", voting.Text{"en": "Park"}); err != nil {
			t.Fatal(err)
		}
		alice, bob, carol := e.resident("alice"), e.resident("bob"), e.resident("carol")
		ca, err := e.svc.Comment(ctx, alice, "project/park", "More benches, please.")
		if err != nil {
			t.Fatal(err)
		}
		cb, err := e.svc.Comment(ctx, bob, "project/park", "BUY CHEAP WATCHES")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Hide(ctx, e.moderator, cb, "advertising"); err != nil {
			t.Fatal(err)
		}
		first, err := e.svc.Anchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if first.Leaves != 2 || len(first.Hides) != 1 || first.Hides[0].Batch != 1 {
			t.Fatalf("batch 1: %+v", first)
		}
		// Hidden after it was anchored: a batch of hides only.
		if err := e.svc.Hide(ctx, e.moderator, ca, "off topic"); err != nil {
			t.Fatal(err)
		}
		second, err := e.svc.Anchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if second.Number != 2 || second.Leaves != 0 || len(second.Rows) != 0 || second.Root != polls.EmptyRoot ||
			len(second.Hides) != 1 || second.Hides[0].Batch != 1 {
			t.Fatalf("batch 2: %+v", second)
		}
		if _, err := e.svc.Comment(ctx, carol, "project/park", "Keep the old oaks."); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Anchor(ctx); err != nil {
			t.Fatal(err)
		}
		aggs := checkRecord(t, e, "project/park")
		if tot := polls.Totals(aggs); len(tot) != 1 || tot[0].Count != 3 || tot[0].Hidden != 2 {
			t.Fatalf("totals %+v", tot)
		}
		// The board holds no reason, text or name.
		_, n, _ := e.board.Head(ctx, polls.Topic)
		es, _ := e.board.Entries(ctx, polls.Topic, 0, n)
		for _, en := range es {
			for _, s := range []string{"advertising", "off topic", "WATCHES", "benches"} {
				if bytes.Contains(en.Payload, []byte(s)) {
					t.Fatalf("entry %d carries %q", en.Seq, s)
				}
			}
		}

		shown := map[uint64]polls.Comment{}
		cs, err := e.svc.Comments(ctx, "project/park")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			shown[c.ID] = c
		}
		for _, who := range []struct {
			name   string
			mine   []polls.Mine
			in     uint64
			reason string
		}{
			{"alice", mustMine(t, e, alice), 2, "off topic"},
			{"bob", mustMine(t, e, bob), 1, "advertising"},
		} {
			m := who.mine[0]
			if !m.Hidden || m.HideBatch != who.in || m.HiddenReason != who.reason {
				t.Fatalf("%s's item %+v", who.name, m)
			}
			rec, err := polls.CheckHidden(m.Receipt, aggs, shown[m.ID].HiddenReason)
			if err != nil {
				t.Fatalf("%s: %v", who.name, err)
			}
			if rec.In != who.in || !rec.At.Equal(shown[m.ID].HiddenAt) || rec.Subject != "project/park" {
				t.Fatalf("%s: the board records %+v, the service shows %+v", who.name, rec, shown[m.ID])
			}
			if _, err := polls.CheckHidden(m.Receipt, aggs, "a reason nobody gave"); !errors.Is(err, polls.ErrMismatch) {
				t.Fatalf("%s with another reason: %v", who.name, err)
			}
		}
		m := mustMine(t, e, carol)[0]
		if _, err := polls.CheckHidden(m.Receipt, aggs, ""); !errors.Is(err, polls.ErrNotHidden) {
			t.Fatalf("carol's comment, never hidden: %v", err)
		}

		// The service posted a batch whose hide names another reason than
		// the moderator's (or another time): the auditor with the
		// database, and the author, find it.
		for name, doctor := range map[string]func(h *polls.Hide){
			"reason": func(h *polls.Hide) { h.Reason = polls.ReasonHash("nothing wrong") },
			"time":   func(h *polls.Hide) { h.At = h.At.Add(time.Hour) },
		} {
			bad := aggs[0]
			bad.Hides = []polls.Hide{aggs[0].Hides[0]}
			doctor(&bad.Hides[0])
			if err := e.svc.CheckBatch(ctx, &bad.Aggregate); !errors.Is(err, polls.ErrMismatch) {
				t.Fatalf("a batch with another %s: %v", name, err)
			}
			if name == "reason" {
				doctored := append([]polls.Posted{bad}, aggs[1:]...)
				bm := mustMine(t, e, bob)[0]
				if _, err := polls.CheckHidden(bm.Receipt, doctored, "advertising"); !errors.Is(err, polls.ErrMismatch) {
					t.Fatalf("bob's check against a changed reason: %v", err)
				}
			}
		}
	})
}

func mustMine(t *testing.T, e *env, r [16]byte) []polls.Mine {
	t.Helper()
	m, err := e.svc.Mine(context.Background(), r)
	if err != nil || len(m) == 0 || m[0].Receipt == nil {
		t.Fatalf("items %+v, %v", m, err)
	}
	return m
}

// hostileBoard posts payloads as the service's account to a fresh board.
func hostileBoard(t *testing.T, payloads ...[]byte) *memboard.Board {
	t.Helper()
	ctx := context.Background()
	b := memboard.New()
	c := b.As(pollstest.Commission)
	if err := c.CreateTopic(ctx, polls.Topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPoster(ctx, polls.Topic, pollstest.Commission, bulletin.NewKindSet(bulletin.KindAggregate)); err != nil {
		t.Fatal(err)
	}
	for _, p := range payloads {
		if _, err := c.Append(ctx, polls.Topic, bulletin.KindAggregate, p); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// Hostile records of moderation: a hide counted twice, a reason or time
// changed by a later batch, a hide of an unknown leaf, of a rating, of a
// batch not yet made. The reader refuses each, naming it; a batch
// repeated byte for byte (a retried post) counts once.
func TestHostileHideRecordsAreDetected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	items := []*polls.Item{
		{ID: 1, Kind: polls.KindComment, Subject: "project/park", Text: "a", Salt: [32]byte{1}},
		{ID: 2, Kind: polls.KindComment, Subject: "project/park", Text: "b", Salt: [32]byte{2}},
		{ID: 3, Kind: polls.KindRating, Subject: "activity/fair", Rating: 4, Salt: [32]byte{3}},
		{ID: 4, Kind: polls.KindRating, Subject: "activity/fair", Rating: 2, Salt: [32]byte{4}},
	}
	b1 := must(polls.NewAggregate(1, items)) // comments at leaves 0 and 1, ratings at 2 and 3
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	hide := polls.Hide{Batch: 1, Index: 1, At: at, Reason: polls.ReasonHash("advertising")}
	b2 := must(polls.NewAggregate(2, nil, hide))
	hidesOnly := func(n uint64, hs ...polls.Hide) []byte {
		// Built by hand: the producer refuses what the reader must refuse.
		a := polls.Aggregate{Number: n, Root: polls.EmptyRoot, Hides: hs}
		return a.Bytes()
	}
	again := hide
	again.Reason = polls.ReasonHash("spam")
	later := hide
	later.At = at.Add(time.Hour)
	cases := []struct {
		name     string
		payloads [][]byte
		want     string
	}{
		{"a hide counted twice", [][]byte{b1.Bytes(), b2.Bytes(), hidesOnly(3, hide)}, "hides leaf 1 of batch 1 again, which batch 2 recorded hidden"},
		{"a reason changed", [][]byte{b1.Bytes(), b2.Bytes(), hidesOnly(3, again)}, "again"},
		{"a time changed", [][]byte{b1.Bytes(), b2.Bytes(), hidesOnly(3, later)}, "again"},
		{"a hide of a leaf the batch does not have", [][]byte{b1.Bytes(), hidesOnly(2, polls.Hide{Batch: 1, Index: 4, At: at})}, "which has 4 leaves"},
		{"a hide of a rating", [][]byte{b1.Bytes(), hidesOnly(2, polls.Hide{Batch: 1, Index: 2, At: at})}, "only comments are hidden"},
		{"a hide of a batch not yet made", [][]byte{b1.Bytes(), hidesOnly(2, polls.Hide{Batch: 3, Index: 0, At: at})}, "not of batch 1 to 2"},
		{"a hide of its own batch's rating", [][]byte{func() []byte {
			a := *b1
			a.Hides = []polls.Hide{{Batch: 1, Index: 3, At: at}}
			return a.Bytes()
		}()}, "only comments are hidden"},
		{"one comment hidden twice in a batch", [][]byte{b1.Bytes(), hidesOnly(2, hide, again)}, "the same comment twice"},
		{"a batch of hides with a root", [][]byte{b1.Bytes(), func() []byte {
			a := polls.Aggregate{Number: 2, Root: b1.Root, Hides: []polls.Hide{hide}}
			return a.Bytes()
		}()}, "root other than the empty tree's"},
	}
	for _, c := range cases {
		_, err := polls.ReadAggregates(ctx, hostileBoard(t, c.payloads...), pollstest.Commission)
		if !errors.Is(err, polls.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an invalid record naming %q", c.name, err, c.want)
		}
	}
	// A repeat of batch 2, byte for byte, after batch 2 or after batch 3:
	// it adds nothing and its hide counts once.
	b3 := must(polls.NewAggregate(3, []*polls.Item{{ID: 5, Kind: polls.KindComment, Subject: "project/park", Text: "c", Salt: [32]byte{5}}}))
	aggs, err := polls.ReadAggregates(ctx, hostileBoard(t, b1.Bytes(), b2.Bytes(), b2.Bytes(), b3.Bytes(), b2.Bytes()), pollstest.Commission)
	if err != nil {
		t.Fatal(err)
	}
	if tot := polls.Totals(aggs); len(aggs) != 3 || tot[0].Subject != "project/park" || tot[0].Count != 3 || tot[0].Hidden != 1 {
		t.Fatalf("%d batches, totals %+v", len(aggs), tot)
	}
	// A batch number reused with another payload is not a repeat.
	other := must(polls.NewAggregate(2, nil, polls.Hide{Batch: 1, Index: 0, At: at}))
	if _, err := polls.ReadAggregates(ctx, hostileBoard(t, b1.Bytes(), b2.Bytes(), other.Bytes()), pollstest.Commission); !errors.Is(err, polls.ErrMismatch) {
		t.Fatalf("batch 2 twice with different hides: %v", err)
	}
}
