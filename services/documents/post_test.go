package documents_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// eachStoreURL runs scenario on a fresh env on SQLite and, with
// VECHE_PG_URL, PostgreSQL, with the database's URL, so that the scenario
// can open more pools on it (more servers).
func eachStoreURL(t *testing.T, scenario func(t *testing.T, e *env, url string)) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			url := storetest.Backends()[name](t)
			scenario(t, newEnv(t, storetest.Open(t, url)), url)
		})
	}
}

// server is another `veche serve` (or `veche documents`) on e's database:
// the documents service on db, its own pool, with its own identity service
// (same secret) and the same key file, posting through board as e's
// account.
func (e *env) server(t *testing.T, db *store.DB, board documents.Board, lease time.Duration) *documents.Service {
	t.Helper()
	ctx := ctxFor(t)
	secret := make([]byte, identity.SecretSize)
	io.ReadFull(testRand("secret"), secret)
	ident, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board, SealingKey: e.key, Now: e.clock.Now, PostLease: lease})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// testBoard is e's account on its memboard, with faults: every post
// takes delay (a chain's posts take seconds, so servers posting at once
// overlap); while down, posts fail and post nothing; the next post after
// crash is set to n > 0 lands its first n entries and then fails, as when
// the connection drops or the process dies before it learns the outcome;
// while hang is set, a post waits until its context ends and posts
// nothing (hanging is closed when one does). It counts the posts that
// landed and their entries.
type testBoard struct {
	*memboard.Client
	delay          time.Duration
	down           atomic.Bool
	crash          atomic.Int32
	hang           atomic.Bool
	hanging        chan struct{}
	hangOnce       sync.Once
	posts, entries atomic.Int64
}

func (e *env) testBoard(delay time.Duration) *testBoard {
	return &testBoard{Client: e.board.As(bulletin.Address{1}), delay: delay, hanging: make(chan struct{})}
}

func (b *testBoard) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	seqs, err := b.AppendBatch(ctx, topic, []bulletin.Message{{Kind: kind, Payload: payload}})
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

func (b *testBoard) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	time.Sleep(b.delay)
	if b.hang.Load() {
		b.hangOnce.Do(func() { close(b.hanging) })
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if b.down.Load() {
		return nil, errors.New("test board: unreachable")
	}
	n := len(msgs)
	crash := b.crash.Swap(0)
	if crash > 0 {
		n = min(n, int(crash))
	}
	seqs, err := b.Client.AppendBatch(ctx, topic, msgs[:n])
	if err != nil {
		return seqs, err
	}
	b.posts.Add(1)
	b.entries.Add(int64(n))
	if crash > 0 {
		return nil, errors.New("test board: the connection dropped after the post")
	}
	return seqs, nil
}

// checkPostedOnce checks the board against the database: every planned
// entry is recorded as posted, where the board has it, and the board has
// each exactly once and nothing else from the service. It returns the
// number of entries.
func checkPostedOnce(t *testing.T, e *env) int {
	t.Helper()
	ctx := ctxFor(t)
	type row struct {
		id   int64
		kind int
		pay  []byte
		seq  *int64
	}
	var rows []row
	err := e.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		rows = nil
		rs, err := tx.QueryContext(ctx, "SELECT id, kind, payload, posted_seq FROM documents_entries ORDER BY id")
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.kind, &r.pay, &r.seq); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	_, count, err := e.board.Head(ctx, e.svc.TopicID())
	if err != nil {
		t.Fatal(err)
	}
	es, err := e.board.Entries(ctx, e.svc.TopicID(), 0, count)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]uint64{}
	for _, en := range es {
		if first, ok := seen[string(en.Payload)]; ok {
			t.Fatalf("entries %d and %d are the same %v: posted twice", first, en.Seq, en.Kind)
		}
		seen[string(en.Payload)] = en.Seq
	}
	for _, r := range rows {
		if r.seq == nil {
			t.Fatalf("entry %d was never recorded as posted", r.id)
		}
		en := es[*r.seq]
		if int(en.Kind) != r.kind || string(en.Payload) != string(r.pay) || en.Poster != (bulletin.Address{1}) {
			t.Fatalf("entry %d is recorded at %d, which holds another entry", r.id, *r.seq)
		}
	}
	if len(es) != len(rows) {
		t.Fatalf("the board has %d entries, the service planned %d", len(es), len(rows))
	}
	reg, err := documents.ReadRegistry(ctx, e.board, e.svc.TopicID())
	if err != nil || len(reg.Ignored) != 0 {
		t.Fatalf("registry: ignored %+v, %v", reg.Ignored, err)
	}
	return len(rows)
}

// Several servers share one database (SQLite, or PostgreSQL; two pools):
// issuers issue on all of them at once while each also posts on its own
// schedule; a post lands but fails before it is recorded; a server dies
// while posting. Every entry lands on the board exactly once and is
// recorded where it landed; a state change returns with its entry posted,
// whichever server posted it. (One database per engine for the scenarios,
// which run in turn.)
func TestSeveralServersPostEveryEntryExactlyOnce(t *testing.T) {
	eachStoreURL(t, func(t *testing.T, e *env, url string) {
		t.Run("four servers post while issuers issue", func(t *testing.T) { serversPostConcurrently(t, e, url) })
		t.Run("a post that landed but failed is not posted twice", func(t *testing.T) { landedPostIsNotRepeated(t, e, url) })
		t.Run("a server that died while posting is taken over", func(t *testing.T) { deadPosterIsTakenOver(t, e, url) })
	})
}

func serversPostConcurrently(t *testing.T, e *env, url string) {
	ctx := ctxFor(t)
	db2 := storetest.Open(t, url)
	slow := e.testBoard(5 * time.Millisecond)
	servers := []*documents.Service{
		e.server(t, e.db, slow, 0), e.server(t, db2, slow, 0), e.server(t, e.db, slow, 0), e.server(t, db2, slow, 0),
	}
	const issuers, each = 4, 6
	start := time.Now()
	done := make(chan struct{})
	var posters, writers sync.WaitGroup
	for _, srv := range servers {
		posters.Go(func() { // Run's loop, faster
			for {
				select {
				case <-done:
					return
				case <-time.After(3 * time.Millisecond):
				}
				if _, err := srv.Post(ctx); err != nil {
					t.Errorf("post: %v", err)
					return
				}
			}
		})
	}
	for w := range issuers {
		writers.Go(func() {
			for i := range each {
				srv := servers[(w+i)%len(servers)]
				doc, err := srv.Issue(ctx, e.issuer, e.anna, notice("Certificate", fmt.Sprintf("issuer %d, document %d", w, i)))
				if err != nil {
					t.Errorf("issue: %v", err)
					return
				}
				if doc.Seq == nil {
					t.Errorf("document %d/%d came back before its anchor was posted", w, i)
				}
				if i%3 == 2 {
					if err := servers[(w+i+1)%len(servers)].Revoke(ctx, e.issuer, doc.ID, documents.ReasonWithdrawn); err != nil {
						t.Errorf("revoke: %v", err)
					}
				}
			}
		})
	}
	writers.Wait()
	close(done)
	posters.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, srv := range servers {
		if n, err := srv.Post(ctx); n != 0 || err != nil {
			t.Fatalf("Post with nothing left = %d, %v", n, err)
		}
	}
	n := checkPostedOnce(t, e)
	t.Logf("%d entries by 4 servers in %d posts (%.1f entries a post) in %v", n, slow.posts.Load(),
		float64(slow.entries.Load())/float64(slow.posts.Load()), time.Since(start).Round(time.Millisecond))
	if slow.entries.Load() != int64(issuers*each+issuers*each/3) {
		t.Fatalf("%d entries posted through the servers, want %d", slow.entries.Load(), issuers*each+issuers*each/3)
	}
}

// landedPostIsNotRepeated: a notice (an anchor and a distribution, one
// batch) lands whole or in part and the server learns nothing; another
// server posts what is missing, once, and records where each entry is.
func landedPostIsNotRepeated(t *testing.T, e *env, url string) {
	ctx := ctxFor(t)
	b := must[documents.ID](t)(e.svc.RegisterBuilding(ctx, e.admin, "Lenina 5"))
	if err := e.svc.AddOccupancy(ctx, e.issuer, b, "12", e.anna, documents.RelationOwner); err != nil {
		t.Fatal(err)
	}
	db2 := storetest.Open(t, url)
	for _, landed := range []int32{2, 1} {
		before := checkPostedOnce(t, e)
		crashing := e.testBoard(0)
		crashing.crash.Store(landed)
		doc := must[*documents.Document](t)(e.server(t, db2, crashing, 0).IssueToOwners(ctx, e.issuer, b, notice("Meeting", fmt.Sprint("landed ", landed))))
		if doc.Seq != nil || crashing.entries.Load() != int64(landed) {
			t.Fatalf("the crashing post: anchor at %v, %d entries landed; want none recorded, %d landed", doc.Seq, crashing.entries.Load(), landed)
		}
		other := e.testBoard(0)
		if n, err := e.server(t, e.db, other, 0).Post(ctx); n != 2 || err != nil {
			t.Fatalf("the next server's Post = %d, %v; want the notice's 2 entries", n, err)
		}
		if other.entries.Load() != 2-int64(landed) {
			t.Fatalf("the next server posted %d entries, want the %d missing", other.entries.Load(), 2-landed)
		}
		if after := checkPostedOnce(t, e); after != before+2 {
			t.Fatalf("%d entries after a notice, %d before", after, before)
		}
		if got := must[*documents.Document](t)(e.svc.Get(ctx, e.anna, doc.ID)); got.Seq == nil {
			t.Fatal("the notice is not recorded as anchored")
		}
	}
}

// deadPosterIsTakenOver: a server dies while posting (its post hangs,
// then its database is gone) and never releases the posting lease; a
// document issued meanwhile on another server waits for the lease to
// expire, then that server posts the dead server's entry and its own,
// once each.
func deadPosterIsTakenOver(t *testing.T, e *env, url string) {
	ctx := ctxFor(t)
	const lease = 400 * time.Millisecond
	dbA, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	hang := e.testBoard(0)
	hang.hang.Store(true)
	dying := e.server(t, dbA, hang, lease)
	errA := make(chan error, 1)
	go func() {
		_, err := dying.Issue(ctx, e.issuer, e.boris, notice("Certificate", "issued on the dying server"))
		errA <- err
	}()
	<-hang.hanging // it holds the lease, renewed just now, and is posting
	hung := time.Now()
	dbA.Close() // and dies
	survivor := e.server(t, storetest.Open(t, url), e.testBoard(0), lease)
	doc := must[*documents.Document](t)(survivor.Issue(ctx, e.issuer, e.vera, notice("Certificate", "issued on the survivor")))
	waited := time.Since(hung)
	if doc.Seq == nil {
		t.Fatal("the survivor's document is not anchored")
	}
	if waited < lease/2 {
		t.Fatalf("the survivor posted %v after the dead server's last renewal, before its lease (%v) could expire", waited, lease)
	}
	t.Logf("the survivor posted %v after the dead server's last renewal", waited.Round(time.Millisecond))
	<-errA // the dying server's Issue fails, or returns its unanchored document: it no longer matters
	checkPostedOnce(t, e)
}

// A server posting holds the others back: a document issued on another
// server meanwhile waits, and comes back anchored once the first is done.
// Many entries planned while the board was unreachable go in one post.
func TestPostWaitsForTheServerHoldingTheLeaseAndBatches(t *testing.T) {
	t.Parallel()
	url := storetest.SQLiteURL(t)
	e := newEnv(t, storetest.Open(t, url))
	ctx := ctxFor(t)

	hang := e.testBoard(0)
	hang.hang.Store(true)
	hctx, cancel := context.WithCancel(ctx)
	first := e.server(t, e.db, hang, time.Minute)
	firstDone := make(chan error, 1)
	go func() {
		_, err := first.Issue(hctx, e.issuer, e.anna, notice("First", "posted slowly"))
		firstDone <- err
	}()
	<-hang.hanging
	second := e.server(t, storetest.Open(t, url), e.testBoard(0), time.Minute)
	got := make(chan *documents.Document, 1)
	go func() {
		doc, err := second.Issue(ctx, e.issuer, e.boris, notice("Second", "waits"))
		if err != nil {
			t.Error(err)
		}
		got <- doc
	}()
	select {
	case doc := <-got:
		t.Fatalf("a document came back while another server held the posting lease: %+v", doc)
	case <-time.After(300 * time.Millisecond):
	}
	cancel() // the first server gives up its post and releases the lease
	<-firstDone
	doc := <-got
	if doc == nil || doc.Seq == nil {
		t.Fatalf("after the release: %+v", doc)
	}

	// The board goes down: issued documents wait; back up, one Post
	// posts the batch attempted while it was down, then the rest in one.
	down := e.testBoard(0)
	down.down.Store(true)
	srv := e.server(t, e.db, down, time.Minute)
	for i := range 10 {
		if d := must[*documents.Document](t)(srv.Issue(ctx, e.issuer, e.vera, notice("Batch", fmt.Sprint(i)))); d.Seq != nil {
			t.Fatal("anchored on a board that is down")
		}
	}
	down.down.Store(false)
	n, err := srv.Post(ctx)
	if err != nil || n != 10 {
		t.Fatalf("Post = %d, %v; want the 10 anchors", n, err)
	}
	if down.posts.Load() != 2 {
		t.Fatalf("%d posts for the entries planned while the board was down, want 2 (the batch attempted, then the rest)", down.posts.Load())
	}
	checkPostedOnce(t, e)
}
