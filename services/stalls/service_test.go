package stalls_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/store"
)

func TestASeasonRunsFromSealedBidsToAnAllocationAnyoneReproduces(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := ctxFor(t)
		s := e.publish(t, 1, "A-01", "A-02", "A-03")
		alice := e.resident(t, "alice@example.org", identity.RoleSeller)
		bob := e.resident(t, "bob@example.org", identity.RoleSeller)
		carol := e.resident(t, "carol@example.org", identity.RoleSeller)

		if err := e.bid(t, e.svc, s, alice, "A-01", 5000); !errors.Is(err, stalls.ErrState) {
			t.Fatalf("a bid before the window opens: %v, want ErrState", err)
		}
		e.clock.Set(opens.Add(time.Hour))
		for _, b := range []struct {
			who    identity.ResidentID
			stall  string
			amount uint64
		}{
			{alice, "A-01", 5000}, {alice, "A-02", 9000}, // cap 1: alice wins A-02 only
			{bob, "A-01", 4000}, {bob, "A-02", 8000},
			{carol, "A-03", 999}, // below the reserve: refused when sealing
		} {
			err := e.bid(t, e.svc, s, b.who, b.stall, b.amount)
			if b.amount < 1000 {
				if !errors.Is(err, stalls.ErrInvalid) {
					t.Fatalf("a bid below the reserve: %v", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("bid %v: %v", b, err)
			}
		}
		if err := e.bid(t, e.svc, s, alice, "A-01", 6000); !errors.Is(err, stalls.ErrExists) {
			t.Fatalf("a second bid for one stall: %v, want ErrExists", err)
		}
		mine, err := e.svc.MyBids(ctx, alice, s.ID)
		if err != nil || len(mine) != 2 || mine[0].Stall != "A-01" || mine[0].Posted == nil {
			t.Fatalf("alice's bids: %+v, %v", mine, err)
		}
		if _, err := e.svc.MyBids(ctx, e.operator, s.ID); !errors.Is(err, stalls.ErrForbidden) {
			t.Fatalf("an operator asking for bids as a seller: %v", err)
		}

		bids, _ := e.svc.Counted(ctx, s.ID)
		d, _ := stalls.PartialDecrypt(e.rand, s, e.keys[0], bids)
		if _, err := e.svc.SubmitDecryption(ctx, e.trustees[0], s.ID, d.Bytes()); !errors.Is(err, stalls.ErrState) {
			t.Fatalf("a decryption while the window is open: %v, want ErrState", err)
		}
		e.clock.Set(closes)
		if err := e.bid(t, e.svc, s, carol, "A-03", 2000); !errors.Is(err, stalls.ErrState) {
			t.Fatalf("a bid after the window: %v, want ErrState", err)
		}
		if _, err := e.svc.SubmitDecryption(ctx, alice, s.ID, d.Bytes()); !errors.Is(err, stalls.ErrForbidden) {
			t.Fatalf("a seller posting a decryption: %v", err)
		}
		if _, _, err := e.svc.Allocate(ctx, e.operator, s.ID); !errors.Is(err, stalls.ErrState) {
			t.Fatalf("allocating before any decryption: %v", err)
		}
		e.decrypt(t, s, 1, 3)
		if _, _, err := e.svc.Allocate(ctx, alice, s.ID); !errors.Is(err, stalls.ErrForbidden) {
			t.Fatalf("a seller allocating: %v", err)
		}
		a, seq, err := e.svc.Allocate(ctx, e.operator, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		aliceB, _ := e.svc.Bidder(ctx, alice, s.ID)
		bobB, _ := e.svc.Bidder(ctx, bob, s.ID)
		want := []stalls.Award{{Stall: 0, Bidder: bobB, Amount: 4000}, {Stall: 1, Bidder: aliceB, Amount: 9000}}
		if fmt.Sprint(a.Awards) != fmt.Sprint(want) || a.Valid != 4 {
			t.Fatalf("awards %v (valid %d), want %v", a.Awards, a.Valid, want)
		}
		won, err := e.svc.MyAwards(ctx, alice, s.ID)
		if err != nil || len(won) != 1 || won[0].Stall != 1 {
			t.Fatalf("alice's awards: %v, %v", won, err)
		}

		rep, err := stalls.VerifyBoard(ctx, e.board, s.ID, nil)
		if err != nil || !rep.Matches || rep.Awards != 2 || rep.Bids != 4 || fmt.Sprint(rep.Trustees) != "[1 3]" {
			t.Fatalf("verify: %+v, %v", rep, err)
		}
		es, _ := e.board.Entries(ctx, stalls.Topic(s.ID), seq, seq+1)
		if es[0].Kind != bulletin.KindAllocation || string(es[0].Payload) != string(a.Bytes()) {
			t.Fatalf("entry %d is not the allocation", seq)
		}
		// A second allocation call posts nothing more.
		if _, seq2, err := e.svc.Allocate(ctx, e.operator, s.ID); err != nil || seq2 != seq {
			t.Fatalf("second Allocate: %d, %v", seq2, err)
		}
	})
}

func TestACopiedBidIsNotCreditedToAnotherBidder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetestSQLite(t))
	ctx := ctxFor(t)
	s := e.publish(t, 2, "B-01")
	alice := e.resident(t, "alice@example.org", identity.RoleSeller)
	mallory := e.resident(t, "mallory@example.org", identity.RoleSeller)
	e.clock.Set(opens)

	aliceB, _ := e.svc.Bidder(ctx, alice, s.ID)
	malloryB, _ := e.svc.Bidder(ctx, mallory, s.ID)
	bid, err := stalls.EncryptBid(e.rand, s, 0, aliceB, 7000)
	if err != nil {
		t.Fatal(err)
	}
	// Mallory submits Alice's bid as it is: it names Alice.
	if _, err := e.svc.Bid(ctx, mallory, s.ID, bid.Bytes()); !errors.Is(err, stalls.ErrForbidden) {
		t.Fatalf("submitting another's bid: %v, want ErrForbidden", err)
	}
	// Mallory puts his own pseudonym on Alice's ciphertext and proof.
	copied := *bid
	copied.Bidder = malloryB
	if _, err := e.svc.Bid(ctx, mallory, s.ID, copied.Bytes()); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("a copied bid: %v, want ErrInvalid", err)
	}
	if err := stalls.VerifyBid(s, &copied); err == nil {
		t.Fatal("VerifyBid accepts a copied bid")
	}
	// Copied to another stall of the same bidder, or to another season: no.
	other := *bid
	other.Stall = 1
	if stalls.VerifyBid(s, &other) == nil {
		t.Fatal("VerifyBid accepts a bid moved to another stall")
	}
	// Even if the copy reaches the board, readers do not count it.
	if _, err := e.svc.Bid(ctx, alice, s.ID, bid.Bytes()); err != nil {
		t.Fatal(err)
	}
	poster := e.board.As(bulletin.Address{0x57})
	if _, err := poster.Append(ctx, stalls.Topic(s.ID), bulletin.KindSealedBid, copied.Bytes()); err != nil {
		t.Fatal(err)
	}
	rec, err := stalls.ReadRecord(ctx, e.board, s.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Bids) != 1 || rec.Bids[0].Bidder != aliceB || len(rec.Ignored) != 1 {
		t.Fatalf("counted %d bids, ignored %v", len(rec.Bids), rec.Ignored)
	}
}

func TestConcurrentClaimsOnOneStallHaveExactlyOneWinner(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := ctxFor(t)
		s := e.publish(t, 1, "C-01", "C-02")
		const sellers = 8
		var who []identity.ResidentID
		for i := range sellers {
			who = append(who, e.resident(t, fmt.Sprintf("seller%d@example.org", i), identity.RoleSeller))
		}
		e.clock.Set(opens)
		nodes := []*stalls.Service{e.svc, e.service(t)}
		// Every seller bids the same amount for C-01 at once, through two
		// nodes; each also tries to bid twice for it.
		var wg sync.WaitGroup
		errs := make(chan error, 2*sellers)
		for i, seller := range who {
			for k := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- e.bid(t, nodes[(i+k)%2], s, seller, "C-01", 5000)
				}()
			}
		}
		wg.Wait()
		close(errs)
		var accepted, repeats int
		for err := range errs {
			switch {
			case err == nil:
				accepted++
			case errors.Is(err, stalls.ErrExists):
				repeats++
			default:
				t.Fatalf("bid: %v", err)
			}
		}
		if accepted != sellers || repeats != sellers {
			t.Fatalf("%d bids accepted, %d refused as repeats; want %d and %d", accepted, repeats, sellers, sellers)
		}
		e.clock.Set(closes)
		e.decrypt(t, s, 2, 3)
		// Both nodes allocate at once, twice each.
		type out struct {
			a   *stalls.Allocation
			seq uint64
			err error
		}
		outs := make(chan out, 4)
		for k := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, seq, err := nodes[k%2].Allocate(ctx, e.operator, s.ID)
				outs <- out{a, seq, err}
			}()
		}
		wg.Wait()
		close(outs)
		var first *out
		for o := range outs {
			if o.err != nil {
				t.Fatalf("Allocate: %v", o.err)
			}
			if first == nil {
				first = &o
			} else if o.seq != first.seq || string(o.a.Bytes()) != string(first.a.Bytes()) {
				t.Fatalf("two allocations: at %d and %d", first.seq, o.seq)
			}
		}
		if len(first.a.Awards) != 1 || first.a.Awards[0].Stall != 0 {
			t.Fatalf("awards %v: want exactly one winner of C-01", first.a.Awards)
		}
		var allocations int
		es, _ := e.board.Entries(ctx, stalls.Topic(s.ID), 0, 1000)
		for _, en := range es {
			if en.Kind == bulletin.KindAllocation {
				allocations++
			}
		}
		var rows int
		e.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM stalls_awards WHERE season = $1 AND stall = 0`, s.ID).Scan(&rows)
		})
		if allocations != 1 || rows != 1 {
			t.Fatalf("%d allocation entries, %d award rows for C-01; want 1 and 1", allocations, rows)
		}
		var winners int
		for _, seller := range who {
			won, err := e.svc.MyAwards(ctx, seller, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			winners += len(won)
		}
		if winners != 1 {
			t.Fatalf("%d sellers were told they won", winners)
		}
		if rep, err := stalls.VerifyBoard(ctx, e.board, s.ID, nil); err != nil || !rep.Matches || rep.Ignored != 0 || rep.Bids != sellers {
			t.Fatalf("verify (no bid may be posted twice): %+v, %v", rep, err)
		}
	})
}

func TestOnlyTheOperatorDefinesAndPublishesItsSeason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetestSQLite(t))
	ctx := ctxFor(t)
	seller := e.resident(t, "seller@example.org", identity.RoleSeller)
	other := e.resident(t, "other-operator@example.org", identity.RoleMarketOperator)
	_, pub, _ := stalls.Ceremony(e.rand, e.season, 1, 1)
	d := stalls.Draft{ID: e.season, Opens: opens, Closes: closes, Cap: 1, Trustees: pub.Bytes()}
	if err := e.svc.CreateSeason(ctx, seller, d); !errors.Is(err, stalls.ErrForbidden) {
		t.Fatalf("a seller creating a season: %v", err)
	}
	_, wrong, _ := stalls.Ceremony(e.rand, "another-season", 1, 1)
	if err := e.svc.CreateSeason(ctx, e.operator, stalls.Draft{ID: e.season, Opens: opens, Closes: closes, Cap: 1, Trustees: wrong.Bytes()}); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("another season's key: %v", err)
	}
	if err := e.svc.CreateSeason(ctx, e.operator, d); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CreateSeason(ctx, e.operator, d); !errors.Is(err, stalls.ErrExists) {
		t.Fatalf("the same season twice: %v", err)
	}
	if _, err := e.svc.AddMarket(ctx, other, e.season, "Mine now"); !errors.Is(err, stalls.ErrForbidden) {
		t.Fatalf("another operator editing the season: %v", err)
	}
	if err := e.svc.AddStalls(ctx, e.operator, e.season, []stalls.Stall{{ID: "X", Size: 1, Kind: "k"}}); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("a stall before any market: %v", err)
	}
	e.svc.AddMarket(ctx, e.operator, e.season, "M")
	if err := e.svc.AddStalls(ctx, e.operator, e.season, []stalls.Stall{{ID: "X", Market: 3, Size: 1, Kind: "k"}}); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("a stall in no market: %v", err)
	}
	if err := e.svc.AddStalls(ctx, e.operator, e.season, []stalls.Stall{{ID: "X", Size: 1, Kind: "k"}, {ID: "X", Size: 1, Kind: "k"}}); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("one stall id twice: %v", err)
	}
	if _, err := e.svc.Publish(ctx, e.operator, e.season); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("publishing a season without stalls: %v", err)
	}
	e.svc.AddStalls(ctx, e.operator, e.season, []stalls.Stall{{ID: "X", Size: 1, Kind: "k"}})
	seq, err := e.svc.Publish(ctx, e.operator, e.season)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.svc.Publish(ctx, e.operator, e.season); err != nil || again != seq {
		t.Fatalf("publishing twice: %d, %v", again, err)
	}
	if _, err := e.svc.AddMarket(ctx, e.operator, e.season, "late"); !errors.Is(err, stalls.ErrState) {
		t.Fatalf("editing a published season: %v", err)
	}
}

func TestTheBoardNamesASellerOnlyByAPseudonymOfThisSeason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetestSQLite(t))
	ctx := ctxFor(t)
	s := e.publish(t, 1, "P-01")
	alice := e.resident(t, "alice@example.org", identity.RoleSeller)
	e.clock.Set(opens)
	if err := e.bid(t, e.svc, s, alice, "P-01", 4000); err != nil {
		t.Fatal(err)
	}
	bidder, _ := e.svc.Bidder(ctx, alice, s.ID)
	es, err := e.board.Entries(ctx, stalls.Topic(s.ID), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, en := range es {
		all = append(all, en.Payload...)
	}
	if !bytes.Contains(all, bidder[:]) {
		t.Fatal("the bid does not name its bidder")
	}
	voting, _ := e.ident.Pseudonym(alice, "voting", []byte(s.ID))
	docs, _ := e.ident.Pseudonym(alice, "documents", nil)
	next, _ := e.ident.Pseudonym(alice, stalls.PseudonymService, []byte("autumn-2027"))
	for name, v := range map[string][]byte{"resident id": alice[:], "identifier": []byte("alice@example.org"),
		"voting pseudonym": voting[:], "documents pseudonym": docs[:], "next season's bidder": next[:]} {
		if bytes.Contains(all, v) {
			t.Errorf("the board holds alice's %s", name)
		}
	}
	if next == identity.Pseudonym(bidder) {
		t.Error("one bidder value in two seasons")
	}
}
