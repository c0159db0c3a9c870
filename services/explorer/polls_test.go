package explorer_test

import (
	"context"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/voting"
)

// pollsBoard posts to a fresh board one aggregate batch of three items as
// the polls service does, and returns the board and the items in batch
// order with their proofs.
func pollsBoard(t *testing.T) (*memboard.Board, []*polls.Item, [][]byte) {
	t.Helper()
	ctx := context.Background()
	board := memboard.New()
	poster := board.As(bulletin.Address{0xac})
	if err := poster.CreateTopic(ctx, polls.Topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := poster.SetPoster(ctx, polls.Topic, poster.Address(), bulletin.NewKindSet(bulletin.KindAggregate)); err != nil {
		t.Fatal(err)
	}
	items := []*polls.Item{
		{ID: 1, Kind: polls.KindRating, Subject: "activity/concert", Rating: 5, Salt: [32]byte{1}},
		{ID: 2, Kind: polls.KindRating, Subject: "activity/concert", Rating: 4, Salt: [32]byte{2}},
		{ID: 3, Kind: polls.KindComment, Subject: "poll/bike-lanes", Text: "yes", Salt: [32]byte{3}},
	}
	a, err := polls.NewAggregate(1, items)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poster.Append(ctx, polls.Topic, bulletin.KindAggregate, a.Bytes()); err != nil {
		t.Fatal(err)
	}
	var leaves []voting.TrackingCode
	for _, it := range items {
		leaves = append(leaves, voting.TrackingCode(it.Leaf()))
	}
	var proofs [][]byte
	for i := range items {
		p, _ := voting.NewInclusionProof(leaves, i)
		proofs = append(proofs, p.Bytes())
	}
	return board, items, proofs
}

func TestThePollsPageShowsTotalsAndChecksAResidentsItem(t *testing.T) {
	t.Parallel()
	board, items, proofs := pollsBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	r := get(t, srv, prefix+"/polls/")
	if r.status != 200 {
		t.Fatalf("/polls/: %d %s", r.status, r.body)
	}
	for _, want := range []string{"activity/concert", "4.50", "poll/bike-lanes", prefix + "/elections/bike-lanes"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/polls/ lacks %q", want)
		}
	}
	if strings.Contains(r.body, "yes</") {
		t.Error("a comment's text is on the page")
	}
	check := func(it *polls.Item, proof []byte, kind, subject string) response {
		leaf := it.Leaf()
		q := url.Values{"batch": {"1"}, "kind": {kind}, "subject": {subject}, "leaf": {hex.EncodeToString(leaf[:])}, "proof": {hex.EncodeToString(proof)}}
		return get(t, srv, prefix+"/polls/?"+q.Encode())
	}
	// Items are sorted by kind: the comment is first in the batch.
	var rating *polls.Item
	var ratingProof []byte
	for i, it := range items {
		if it.ID == 2 {
			rating, ratingProof = it, proofs[i]
		}
	}
	if r := check(rating, ratingProof, "rating", "activity/concert"); r.status != 200 || !strings.Contains(r.body, `data-status="verified"`) {
		t.Fatalf("a good item: %d %s", r.status, r.body)
	}
	if r := check(rating, ratingProof, "comment", "poll/bike-lanes"); r.status != 200 || !strings.Contains(r.body, `data-status="failed"`) {
		t.Fatalf("an item claimed under another subject: %d", r.status)
	}
	forged := *rating
	forged.Rating = 1
	if r := check(&forged, ratingProof, "rating", "activity/concert"); !strings.Contains(r.body, `data-status="failed"`) {
		t.Fatal("a forged rating was confirmed")
	}
}

func TestThePollsPageRefusesHostileQueries(t *testing.T) {
	t.Parallel()
	board, _, _ := pollsBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	leaf := strings.Repeat("ab", 32)
	for _, q := range []string{
		"batch=x&kind=rating&subject=activity/concert&leaf=" + leaf + "&proof=00",
		"batch=1&kind=vote&subject=activity/concert&leaf=" + leaf + "&proof=00",
		"batch=1&kind=rating&subject=../../etc&leaf=" + leaf + "&proof=00",
		"batch=1&kind=rating&subject=activity/concert&leaf=zz&proof=00",
		"batch=1&kind=rating&subject=activity/concert&leaf=" + strings.ToUpper(leaf) + "&proof=00",
		"batch=0&kind=rating&subject=activity/concert&leaf=" + leaf + "&proof=00",
		"batch=%ff",
		"leaf=%3Cscript%3E",
	} {
		if r := get(t, srv, prefix+"/polls/?"+q); r.status != 400 {
			t.Errorf("?%s: %d, want 400", q, r.status)
		}
	}
	if r := get(t, srv, prefix+"/polls/?batch=7&kind=rating&subject=activity/concert&leaf="+leaf+"&proof=00"); r.status != 200 || !strings.Contains(r.body, "Batch 7 is not on the board") {
		t.Errorf("an unknown batch: %d", r.status)
	}
	if r := get(t, srv, prefix+"/polls/unknown"); r.status != 404 {
		t.Errorf("/polls/unknown: %d", r.status)
	}
	// An empty board: nothing anchored yet, no error.
	_, empty := serve(t, explorer.Options{Board: memboard.New()})
	if r := get(t, empty, prefix+"/polls/?lang=ru"); r.status != 200 || !strings.Contains(r.body, "Пока ничего не размещено") {
		t.Errorf("an empty board: %d", r.status)
	}
}

// A batch that records a hide: the totals show the subject's hidden
// comments, and the author checking the comment learns when it was hidden
// and the hash of the reason, from the board.
func TestThePollsPageShowsHiddenComments(t *testing.T) {
	t.Parallel()
	board, items, proofs := pollsBoard(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	reason := polls.ReasonHash("advertising")
	// The comment is leaf 0 of batch 1 (comments sort first).
	b2, err := polls.NewAggregate(2, nil, polls.Hide{Batch: 1, Index: 0, At: at, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := board.As(bulletin.Address{0xac}).Append(ctx, polls.Topic, bulletin.KindAggregate, b2.Bytes()); err != nil {
		t.Fatal(err)
	}
	_, srv := serve(t, explorer.Options{Board: board})
	r := get(t, srv, prefix+"/polls/")
	if r.status != 200 || !strings.Contains(r.body, "Hidden by moderators") || !strings.Contains(r.body, ">poll/bike-lanes</a></td><td>1</td><td>–</td><td>1</td>") {
		t.Fatalf("/polls/ does not show the hidden comment: %d %s", r.status, r.body)
	}
	var comment *polls.Item
	var proof []byte
	for i, it := range items {
		if it.Kind == polls.KindComment {
			comment, proof = it, proofs[i]
		}
	}
	leaf := comment.Leaf()
	q := url.Values{"batch": {"1"}, "kind": {"comment"}, "subject": {"poll/bike-lanes"}, "leaf": {hex.EncodeToString(leaf[:])}, "proof": {hex.EncodeToString(proof)}}
	r = get(t, srv, prefix+"/polls/?"+q.Encode())
	if !strings.Contains(r.body, `data-status="verified"`) || !strings.Contains(r.body, "hidden at 2026-12-03 10:00:00 UTC (recorded in batch 2)") ||
		!strings.Contains(r.body, hex.EncodeToString(reason[:])) {
		t.Fatalf("checking a hidden comment: %d %s", r.status, r.body)
	}
}
