package polls_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// eachStoreURL runs scenario on a fresh env on SQLite and, with
// VECHE_PG_URL, PostgreSQL, with the database's URL, so that the scenario
// can open more pools on it (more servers).
func eachStoreURL(t *testing.T, scenario func(t *testing.T, e *env, url string)) {
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			url := newURL(t)
			scenario(t, newEnv(t, url), url)
		})
	}
}

// server is another `veche serve` on e's database: the polls service on
// db (its own pool), with its own identity service (same secret), posting
// through board as the same account.
func (e *env) server(t *testing.T, db *store.DB, board voting.Board, lease time.Duration) *polls.Service {
	t.Helper()
	ident, err := identity.New(db, bytes.Repeat([]byte{0x7a}, identity.SecretSize), &identity.Options{
		Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := polls.New(polls.Config{DB: db, Identity: ident, Board: board, Defaults: pollstest.Defaults(e.boxKey), AnchorLease: lease})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// flakyBoard is the service's account on a memboard whose next Appends
// fail: refused, or -- with land -- after the entry was posted, as when
// the connection drops or the process dies before it learns the outcome.
type flakyBoard struct {
	*memboard.Client
	land bool
	fail atomic.Int32
}

func (f *flakyBoard) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	if f.fail.Add(-1) < 0 {
		return f.Client.Append(ctx, topic, kind, payload)
	}
	if f.land {
		if _, err := f.Client.Append(ctx, topic, kind, payload); err != nil {
			return 0, err
		}
	}
	return 0, errors.New("flaky board: the connection dropped")
}

// slowBoard is the service's account on a memboard whose Append takes a
// few milliseconds, as a chain's does (much longer there), so that
// servers anchoring at once overlap while posting.
type slowBoard struct{ *memboard.Client }

func (s slowBoard) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	time.Sleep(5 * time.Millisecond)
	return s.Client.Append(ctx, topic, kind, payload)
}

// hangingBoard is the service's account on a memboard whose Append hangs
// until its context ends, posting nothing; entered is closed when the
// first Append starts.
type hangingBoard struct {
	*memboard.Client
	once    sync.Once
	entered chan struct{}
}

func (h *hangingBoard) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	h.once.Do(func() { close(h.entered) })
	<-ctx.Done()
	return 0, ctx.Err()
}

// checkRecord checks the board against the database: no aggregate entry
// posted twice, every batch opening to its items and hides
// (Service.CheckBatch), every item in exactly one batch, and each
// subject's totals on the board (counts, rating sums, hidden comments)
// the database's. It returns the aggregates.
func checkRecord(t *testing.T, e *env, subjects ...string) []polls.Posted {
	t.Helper()
	ctx := context.Background()
	_, n, err := e.board.Head(ctx, polls.Topic)
	if err != nil {
		t.Fatal(err)
	}
	es, err := e.board.Entries(ctx, polls.Topic, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	posted := map[string]uint64{}
	for _, en := range es {
		if en.Kind != bulletin.KindAggregate {
			continue
		}
		if first, ok := posted[string(en.Payload)]; ok {
			t.Fatalf("entries %d and %d hold the same batch: it was posted twice", first, en.Seq)
		}
		posted[string(en.Payload)] = en.Seq
	}
	aggs, err := polls.ReadAggregates(ctx, e.board, pollstest.Commission)
	if err != nil {
		t.Fatal(err)
	}
	if len(aggs) != len(posted) {
		t.Fatalf("%d aggregate entries, %d batches read", len(posted), len(aggs))
	}
	var leaves uint64
	for _, a := range aggs {
		if err := e.svc.CheckBatch(ctx, &a.Aggregate); err != nil {
			t.Fatalf("batch %d: %v", a.Number, err)
		}
		leaves += uint64(a.Leaves)
	}
	var items, hidden uint64
	err = e.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(hidden_reason) FROM polls_items").Scan(&items, &hidden)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each batch holds exactly the items the database puts in it, each
	// item is in one batch in the database: the leaves count each item
	// once if they add up to the items.
	if leaves != items || uint64(len(polls.HiddenComments(aggs))) != hidden {
		t.Fatalf("the board has %d leaves and %d hides; the database %d items and %d hidden comments", leaves, len(polls.HiddenComments(aggs)), items, hidden)
	}
	totals := map[string]polls.Total{}
	for _, tot := range polls.Totals(aggs) {
		totals[tot.Subject] = tot
	}
	for _, sub := range subjects {
		s, err := e.svc.Summarize(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		tot := totals[sub]
		if tot.Count != s.Comments+s.Ratings || tot.Sum != s.Sum || tot.Hidden != s.Hidden ||
			s.AnchoredComments != s.Comments || s.AnchoredRatings != s.Ratings {
			t.Fatalf("%s: the board's totals %+v, the database's %+v", sub, tot, s)
		}
	}
	return aggs
}

// Several servers share one database (SQLite, or PostgreSQL with two
// pools): they anchor concurrently while residents write, one's post
// fails, one dies while posting. Every item lands on the board exactly
// once, every hide once, no batch is posted twice, nothing is lost, and
// the totals on the board are the database's. (One database per engine
// for the three scenarios, which run in turn: creating a PostgreSQL
// database takes seconds on a busy machine.)
func TestSeveralServersAnchorEveryItemExactlyOnce(t *testing.T) {
	t.Parallel()
	eachStoreURL(t, func(t *testing.T, e *env, url string) {
		t.Run("four servers anchor while residents write", func(t *testing.T) { serversAnchorConcurrently(t, e, url) })
		t.Run("a failed post is posted once by the next anchor", func(t *testing.T) { failedPostIsPostedOnce(t, e, url) })
		t.Run("a server that died while posting is taken over", func(t *testing.T) { deadServerIsTakenOver(t, e, url) })
	})
}

// serversAnchorConcurrently: four servers on two pools of one database
// anchor over and over while residents comment and rate and a moderator
// hides comments.
func serversAnchorConcurrently(t *testing.T, e *env, url string) {
	{
		ctx := context.Background()
		subjects := []string{"project/park", "project/bridge", "activity/fair", "activity/run"}
		for _, sub := range subjects {
			if err := e.svc.AddSubject(ctx, e.moderator, sub, voting.Text{"en": sub}); err != nil {
				t.Fatal(err)
			}
		}
		const residents = 16
		rs := make([]identity.ResidentID, residents)
		for i := range rs {
			rs[i] = e.resident(fmt.Sprintf("r%d", i))
		}
		db2 := storetest.Open(t, url)
		slow := slowBoard{e.board.As(pollstest.Commission)}
		servers := []*polls.Service{e.server(t, e.db, slow, 0), e.server(t, db2, slow, 0), e.server(t, e.db, slow, 0), e.server(t, db2, slow, 0)}

		start := time.Now()
		done := make(chan struct{})
		var writers, moderator, anchorers sync.WaitGroup
		var batches atomic.Int64
		for _, srv := range servers {
			anchorers.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					p, err := srv.Anchor(ctx)
					if err != nil {
						t.Errorf("anchor: %v", err)
						return
					}
					if p != nil {
						batches.Add(1)
					}
					time.Sleep(time.Millisecond)
				}
			})
		}
		comments := make(chan uint64, residents)
		for w := range 4 {
			writers.Go(func() {
				for i := w; i < residents; i += 4 {
					time.Sleep(20 * time.Millisecond) // residents trickle in while the servers anchor
					id, err := e.svc.Comment(ctx, rs[i], subjects[i%2], fmt.Sprintf("Comment %d", i))
					if err != nil {
						t.Errorf("comment: %v", err)
						return
					}
					comments <- id
					if _, err := servers[i%4].Rate(ctx, rs[i], "activity/fair", i%5+1); err != nil {
						t.Errorf("rate: %v", err)
					}
					if _, err := servers[(i+1)%4].Rate(ctx, rs[i], "activity/run", (3*i)%5+1); err != nil {
						t.Errorf("rate: %v", err)
					}
				}
			})
		}
		moderator.Go(func() {
			n := 0
			for id := range comments {
				if n%3 == 0 {
					if err := servers[n%4].Hide(ctx, e.moderator, id, fmt.Sprintf("reason %d", n)); err != nil {
						t.Errorf("hide: %v", err)
					}
				}
				n++
			}
		})
		writers.Wait()
		close(comments)
		moderator.Wait()
		close(done)
		anchorers.Wait()
		if t.Failed() {
			t.FailNow()
		}
		// Whatever the last round left is anchored by the next call.
		if _, err := servers[1].Anchor(ctx); err != nil {
			t.Fatal(err)
		}
		if p, err := servers[2].Anchor(ctx); p != nil || err != nil {
			t.Fatalf("anchoring with nothing left: %+v, %v", p, err)
		}
		aggs := checkRecord(t, e, subjects...)
		t.Logf("%d items and %d hides in %d batches by 4 servers (%d calls that posted) in %v",
			3*residents, len(polls.HiddenComments(aggs)), len(aggs), batches.Load(), time.Since(start).Round(time.Millisecond))
	}
}

// batchesOnBoard returns the number of batches on e's board.
func batchesOnBoard(t *testing.T, e *env) uint64 {
	t.Helper()
	aggs, err := polls.ReadAggregates(context.Background(), e.board, pollstest.Commission)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(len(aggs))
}

// failedPostIsPostedOnce: a post that fails -- refused, or landed without
// the server learning it -- leaves its batch planned: the next Anchor, on
// another server, posts it once and loses nothing.
func failedPostIsPostedOnce(t *testing.T, e *env, url string) {
	{
		ctx := context.Background()
		before := batchesOnBoard(t, e)
		if err := e.svc.AddSubject(ctx, e.moderator, "activity/x", voting.Text{"en": "X"}); err != nil {
			t.Fatal(err)
		}
		db2 := storetest.Open(t, url)
		for n, land := range []bool{false, true} {
			if _, err := e.svc.Rate(ctx, e.resident(fmt.Sprint("failed-post-", n)), "activity/x", n+2); err != nil {
				t.Fatal(err)
			}
			flaky := &flakyBoard{Client: e.board.As(pollstest.Commission), land: land}
			flaky.fail.Store(1)
			crashing := e.server(t, db2, flaky, 0)
			if _, err := crashing.Anchor(ctx); !errors.Is(err, polls.ErrBoard) {
				t.Fatalf("anchoring on a failing board (landed %v): %v", land, err)
			}
			restarted := e.server(t, e.db, e.board.As(pollstest.Commission), 0)
			p, err := restarted.Anchor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if p == nil || p.Number != before+uint64(n+1) || p.Leaves != 1 {
				t.Fatalf("after a failed post (landed %v): %+v", land, p)
			}
		}
		if aggs := checkRecord(t, e, "activity/x"); uint64(len(aggs)) != before+2 {
			t.Fatalf("%d batches, want %d", len(aggs), before+2)
		}
	}
}

// deadServerIsTakenOver: a server that dies while posting (its post
// hangs, then its database connection is gone) never releases the
// anchoring lease: another server waits for the lease to expire, takes it
// over and posts the dead server's batch, once.
func deadServerIsTakenOver(t *testing.T, e *env, url string) {
	{
		ctx := context.Background()
		before := batchesOnBoard(t, e)
		if err := e.svc.AddSubject(ctx, e.moderator, "project/x", voting.Text{"en": "X"}); err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.Comment(ctx, e.resident("dead-server"), "project/x", "First.")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Hide(ctx, e.moderator, c, "off topic"); err != nil {
			t.Fatal(err)
		}
		const lease = 400 * time.Millisecond
		dbA, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		hang := &hangingBoard{Client: e.board.As(pollstest.Commission), entered: make(chan struct{})}
		dying := e.server(t, dbA, hang, lease)
		errA := make(chan error, 1)
		go func() {
			_, err := dying.Anchor(ctx)
			errA <- err
		}()
		<-hang.entered // it has planned the batch and is posting it
		dbA.Close()    // and dies
		survivor := e.server(t, storetest.Open(t, url), e.board.As(pollstest.Commission), lease)
		start := time.Now()
		p, err := survivor.Anchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p == nil || p.Number != before+1 || p.Leaves != 1 || len(p.Hides) != 1 {
			t.Fatalf("the survivor posted %+v", p)
		}
		t.Logf("the survivor took the lease over after %v", time.Since(start).Round(time.Millisecond))
		if err := <-errA; !errors.Is(err, polls.ErrBoard) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the dying server's Anchor: %v", err)
		}
		checkRecord(t, e, "project/x")
	}
}

// A server waits for the one anchoring, then anchors what is left.
func TestAnchorWaitsForTheServerHoldingTheLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteURL(t))
	ctx := context.Background()
	if err := e.svc.AddSubject(ctx, e.moderator, "activity/x", voting.Text{"en": "X"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Rate(ctx, e.resident("a"), "activity/x", 3); err != nil {
		t.Fatal(err)
	}
	hang := &hangingBoard{Client: e.board.As(pollstest.Commission), entered: make(chan struct{})}
	slow := e.server(t, e.db, hang, time.Minute)
	hctx, cancel := context.WithCancel(ctx)
	errA := make(chan error, 1)
	go func() {
		_, err := slow.Anchor(hctx)
		errA <- err
	}()
	<-hang.entered
	other := e.server(t, e.db, e.board.As(pollstest.Commission), time.Minute)
	wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer wcancel()
	if _, err := other.Anchor(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("anchoring while another server holds the lease: %v", err)
	}
	cancel() // the slow server gives up and releases the lease
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled Anchor: %v", err)
	}
	p, err := other.Anchor(ctx)
	if err != nil || p == nil || p.Number != 1 {
		t.Fatalf("anchoring after the release: %+v, %v", p, err)
	}
	checkRecord(t, e, "activity/x")
}

// BenchmarkAnchorFullBatch anchors the largest batch, 100,000 items of
// 1,000 subjects (600 hidden comments of a project and 99,400 ratings of
// 999 activities), from the database to the board: reading, the
// aggregate, the claim, the post. The items are written straight into the
// table (writing them one by one through the service would dominate). On
// SQLite, and PostgreSQL with VECHE_PG_URL.
func BenchmarkAnchorFullBatch(b *testing.B) {
	for name, newURL := range storetest.Backends() {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				e := newBenchEnv(b, newURL(b))
				b.StartTimer()
				p, err := e.svc.Anchor(ctx)
				if err != nil || p == nil || p.Leaves != polls.MaxBatch || len(p.Rows) != polls.MaxRows || len(p.Hides) != polls.MaxHides {
					b.Fatalf("anchoring a full batch: %v", err)
				}
			}
		})
	}
}

// benchEnv is a polls service on a database holding a full batch.
type benchEnv struct {
	svc *polls.Service
}

func newBenchEnv(b *testing.B, url string) *benchEnv {
	b.Helper()
	ctx := context.Background()
	db := storetest.Open(b, url)
	ident, err := identity.New(db, bytes.Repeat([]byte{0x7a}, identity.SecretSize), nil)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := polls.New(polls.Config{DB: db, Identity: ident, Board: memboard.New().As(pollstest.Commission)})
	if err != nil {
		b.Fatal(err)
	}
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var subjects, items [][]any
		for i := range polls.MaxRows - 1 {
			subjects = append(subjects, []any{fmt.Sprintf("activity/a%d", i), `{"en":"A"}`, int64(1)})
		}
		subjects = append(subjects, []any{"project/p", `{"en":"P"}`, int64(1)})
		if err := db.InsertRows(ctx, tx, "polls_subjects", []string{"subject", "title", "created"}, subjects); err != nil {
			return err
		}
		author := make([]byte, 32)
		for i := range polls.MaxHides {
			items = append(items, []any{int64(1), "project/p", author, nil, fmt.Sprint("comment ", i), int64(0), author, int64(1), "spam", int64(2)})
		}
		if err := db.InsertRows(ctx, tx, "polls_items", []string{"kind", "subject", "author", "sole", "body", "rating", "salt", "created", "hidden_reason", "hidden_at"}, items); err != nil {
			return err
		}
		items = items[:0]
		for i := range polls.MaxBatch - polls.MaxHides {
			sole := []byte(fmt.Sprintf("%032d", i))
			items = append(items, []any{int64(2), fmt.Sprintf("activity/a%d", i%(polls.MaxRows-1)), author, sole, "", int64(i%5 + 1), sole, int64(1)})
		}
		return db.InsertRows(ctx, tx, "polls_items", []string{"kind", "subject", "author", "sole", "body", "rating", "salt", "created"}, items)
	})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{svc: svc}
}
