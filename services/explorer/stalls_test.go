package explorer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/stalls/stallsbench"
)

func TestTheStallsPageReRunsTheAllocationFromTheBoard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	board, id, err := stallsbench.Season(ctx, stallsbench.Options{Stalls: 30, Bids: 120, PerBidder: 3, Cap: 1, Seed: "explorer"})
	if err != nil {
		t.Fatal(err)
	}
	_, srv := serve(t, explorer.Options{Board: board})
	page := prefix + "/stalls/" + id

	r := get(t, srv, page)
	if r.status != 200 || !strings.Contains(r.body, "No allocation is posted yet") || !strings.Contains(r.body, "any 2 of 3 decrypt") {
		t.Fatalf("before the allocation: %d %s", r.status, r.body)
	}
	rep, err := stalls.VerifyBoard(ctx, board, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	poster := board.As(bulletin.Address{0x57})
	if _, err := poster.Append(ctx, stalls.Topic(id), bulletin.KindAllocation, rep.Recomputed); err != nil {
		t.Fatal(err)
	}
	r = get(t, srv, page)
	if r.status != 200 || !strings.Contains(r.body, `data-status="verified"`) || !strings.Contains(r.body, "matches the rule byte for byte") ||
		!strings.Contains(r.body, "S00000") && !strings.Contains(r.body, "S00001") {
		t.Fatalf("after the allocation: %d %s", r.status, r.body)
	}
	ru := get(t, srv, page+"?lang=ru")
	if !strings.Contains(ru.body, "побайтно совпадает") {
		t.Fatal("no Russian page")
	}

	// A second season whose first allocation entry was tampered with.
	board2, id2, _ := stallsbench.Season(ctx, stallsbench.Options{Stalls: 10, Bids: 30, PerBidder: 2, Cap: 1, Seed: "tampered"})
	rep2, _ := stalls.VerifyBoard(ctx, board2, id2, nil)
	bad := append([]byte(nil), rep2.Recomputed...)
	bad[len(bad)-1] ^= 1 // one kopeck more for the last stall
	board2.As(bulletin.Address{0x57}).Append(ctx, stalls.Topic(id2), bulletin.KindAllocation, bad)
	_, srv2 := serve(t, explorer.Options{Board: board2})
	if r := get(t, srv2, prefix+"/stalls/"+id2); r.status != 200 || !strings.Contains(r.body, `data-status="failed"`) || !strings.Contains(r.body, "DIFFERS") {
		t.Fatalf("tampered: %d %s", r.status, r.body)
	}
}

func TestTheStallsPageRefusesUnknownSeasonsAndHostileQueries(t *testing.T) {
	t.Parallel()
	board, id, err := stallsbench.Season(context.Background(), stallsbench.Options{Stalls: 5, Bids: 10, PerBidder: 2, Cap: 1, Seed: "hostile"})
	if err != nil {
		t.Fatal(err)
	}
	_, srv := serve(t, explorer.Options{Board: board})
	for path, want := range map[string]int{
		prefix + "/stalls/no-such-season":             404,
		prefix + "/stalls/UPPER":                      404,
		prefix + "/stalls/" + strings.Repeat("a", 64): 404,
		prefix + "/stalls/%3Cscript%3E":               404,
		prefix + "/stalls/" + id + "?lang=%ff":        400,
		prefix + "/stalls/" + id + "?%zz":             400,
		prefix + "/stalls/" + id + "/extra":           404,
	} {
		if r := get(t, srv, path); r.status != want || strings.Contains(r.body, "<script>") {
			t.Errorf("%s: %d, want %d", path, r.status, want)
		}
	}
}
