package ballotbox_test

import (
	"errors"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/voting"
)

// historyCodes returns the tracking codes of a history's items, in its
// order, and those of its current items.
func historyCodes(items []ballotbox.HistoryItem) (codes []voting.TrackingCode, current []voting.TrackingCode) {
	for _, it := range items {
		codes = append(codes, it.Receipt.TrackingCode)
		if it.Current {
			current = append(current, it.Receipt.TrackingCode)
		}
	}
	return codes, current
}

// A voter casts, audits a ballot, revotes: the history lists the
// credential's ballots in board order (posted ones first, then the ones
// the box will post), marks the last cast one current under last-counts,
// agrees with Counted once all is posted, and shows nobody else's ballots.
func TestHistoryFollowsBoardOrder(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e, box := openElection(t, "history "+t.Name(), voting.RevoteLastCounts, 3, url)
		me := e.creds[0].Key.Public()

		if items, err := box.History(ctx, me); err != nil || len(items) != 0 {
			t.Fatalf("a credential that has not voted: %d items, %v", len(items), err)
		}
		first, _ := e.ballot(0, yes, "first")
		second, _ := e.ballot(0, yes, "second")
		other, _ := e.ballot(1, yes, "someone else")
		for _, b := range []*voting.Ballot{first, second, other} {
			if _, err := box.Cast(ctx, b.Bytes()); err != nil {
				t.Fatal(err)
			}
		}
		spoiled, secrets := e.ballot(0, yes, "spoiled")
		a, err := voting.AuditBallot(spoiled, secrets)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := a.Bytes(e.m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := box.Audit(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if _, err := box.Post(ctx); err != nil {
			t.Fatal(err)
		}
		third, _ := e.ballot(0, yes, "third, not yet posted")
		if _, err := box.Cast(ctx, third.Bytes()); err != nil {
			t.Fatal(err)
		}

		items, err := box.History(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		codes, current := historyCodes(items)
		want := []voting.TrackingCode{first.TrackingCode(), second.TrackingCode(), spoiled.TrackingCode(), third.TrackingCode()}
		if len(codes) != len(want) {
			t.Fatalf("%d items, want %d", len(codes), len(want))
		}
		for i := range want {
			if codes[i] != want[i] {
				t.Fatalf("item %d is not the ballot in board order", i)
			}
		}
		if len(current) != 1 || current[0] != third.TrackingCode() {
			t.Fatalf("current: %d ballots, want the unposted revote", len(current))
		}
		if !items[0].Posted || !items[1].Posted || items[0].BoardSeq != items[1].BoardSeq || !items[2].Posted ||
			items[2].BoardSeq <= items[1].BoardSeq || items[3].Posted {
			t.Fatalf("posting state: %+v", items)
		}
		if items[2].Receipt.Kind != voting.ReceiptAudited || items[2].Current {
			t.Fatal("the audited ballot is not marked audited, or counts")
		}

		// Once everything is posted, the history agrees with the board.
		if _, err := box.Post(ctx); err != nil {
			t.Fatal(err)
		}
		items, err = box.History(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		_, current = historyCodes(items)
		counted, err := ballotbox.Counted(ctx, e.board, e.m)
		if err != nil {
			t.Fatal(err)
		}
		if len(current) != 1 || counted[[32]byte(me.Bytes())].TrackingCode() != current[0] || !items[3].Posted {
			t.Fatal("the current ballot is not the one the board counts")
		}
		// The other voter sees only their own ballot.
		items, err = box.History(ctx, e.creds[1].Key.Public())
		if err != nil || len(items) != 1 || items[0].Receipt.TrackingCode != other.TrackingCode() || !items[0].Current {
			t.Fatalf("the other voter's history: %d items, %v", len(items), err)
		}
		// A credential not on the list has no history.
		strangers, _, err := voting.GenerateCredentials(testRand("history strangers"), e.m, map[string]int{"city": 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := box.History(ctx, strangers[0].Key.Public()); !errors.Is(err, voting.ErrUnknownCredential) {
			t.Fatalf("a credential not on the list: %v", err)
		}
	})
}

// Under revote policy denied the only accepted ballot is current; a
// ballot whose entry the board refused (the election closed first) is
// listed as refused and never current.
func TestHistoryDeniedAndRefused(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e, box := openElection(t, "history denied "+t.Name(), voting.RevoteDenied, 2, url)
		first, _ := e.ballot(0, yes, "first")
		if _, err := box.Cast(ctx, first.Bytes()); err != nil {
			t.Fatal(err)
		}
		again, _ := e.ballot(0, yes, "again")
		if _, err := box.Cast(ctx, again.Bytes()); !errors.Is(err, ballotbox.ErrRevoteDenied) {
			t.Fatalf("a revote under denied: %v", err)
		}
		if _, err := box.Post(ctx); err != nil {
			t.Fatal(err)
		}
		late, _ := e.ballot(1, yes, "late")
		if _, err := box.Cast(ctx, late.Bytes()); err != nil {
			t.Fatal(err)
		}
		e.phase(bulletin.PhaseClosed)
		if _, err := box.Post(ctx); err != nil {
			t.Fatal(err)
		}
		items, err := box.History(ctx, e.creds[0].Key.Public())
		if err != nil || len(items) != 1 || !items[0].Current || !items[0].Posted {
			t.Fatalf("denied: %+v, %v", items, err)
		}
		items, err = box.History(ctx, e.creds[1].Key.Public())
		if err != nil || len(items) != 1 || !items[0].Refused || items[0].Current || items[0].Posted {
			t.Fatalf("refused: %+v, %v", items, err)
		}
	})
}
