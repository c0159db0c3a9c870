package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/store"
)

// Run runs the conformance suite. newURL must return the URL of a fresh,
// empty database for each call (each subtest calls it once), cleaned up when
// that test ends: [SQLiteURL] or [PostgresURL].
func Run(t *testing.T, newURL func(testing.TB) string) {
	t.Run("Migrations", func(t *testing.T) { testMigrations(t, newURL(t)) })
	t.Run("ConcurrentOpen", func(t *testing.T) { testConcurrentOpen(t, newURL(t)) })
	t.Run("OutboxRoundTrip", func(t *testing.T) { testOutboxRoundTrip(t, newURL(t)) })
	t.Run("OutboxRollback", func(t *testing.T) { testOutboxRollback(t, newURL(t)) })
	t.Run("MarkPosted", func(t *testing.T) { testMarkPosted(t, newURL(t)) })
	t.Run("MarkPostedRuns", func(t *testing.T) { testMarkPostedRuns(t, newURL(t)) })
	t.Run("BatchWrites", func(t *testing.T) { testBatchWrites(t, newURL(t)) })
	t.Run("ConcurrentIncrements", func(t *testing.T) { testConcurrentIncrements(t, newURL(t)) })
	t.Run("WriteSkew", func(t *testing.T) { testWriteSkew(t, newURL(t)) })
	t.Run("Reopen", func(t *testing.T) { testReopen(t, newURL(t)) })
	t.Run("ErrorsAndPanics", func(t *testing.T) { testErrorsAndPanics(t, newURL(t)) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, newURL(t)) })
	t.Run("LeaseExclusion", func(t *testing.T) { testLeaseExclusion(t, newURL(t)) })
}

// ctxFor returns a context that ends with the test or after a minute.
func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// count returns the number of rows of table.
func count(t testing.TB, db *store.DB, table string) int {
	t.Helper()
	var n int
	err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	})
	if err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// counter reads a row of counters; ok is false if it does not exist.
func counter(ctx context.Context, tx store.Tx, name string) (v int64, ok bool, err error) {
	err = tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = $1", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return v, err == nil, err
}

func setCounter(ctx context.Context, tx store.Tx, name string, v int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE counters SET value = $1 WHERE name = $2", v, name)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		_, err = tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ($1, $2)", name, v)
		return err
	}
	return nil
}

// mustCounter reads a counter in its own transaction.
func mustCounter(t testing.TB, db *store.DB, name string) (int64, bool) {
	t.Helper()
	var (
		v  int64
		ok bool
	)
	err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) (err error) {
		v, ok, err = counter(ctx, tx, name)
		return err
	})
	if err != nil {
		t.Fatalf("reading counter %s: %v", name, err)
	}
	return v, ok
}

func mustSetCounter(t testing.TB, db *store.DB, name string, v int64) {
	t.Helper()
	err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error { return setCounter(ctx, tx, name, v) })
	if err != nil {
		t.Fatalf("setting counter %s: %v", name, err)
	}
}

// A fresh database is migrated to the latest schema once; opening it again
// applies nothing and changes nothing.
func testMigrations(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	latest := store.LatestSchema()
	if latest < 1 {
		t.Fatalf("LatestSchema() = %d, want at least 1", latest)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != latest {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latest)
	}
	if n := count(t, db, "schema_version"); n != latest {
		t.Fatalf("schema_version has %d rows, want %d", n, latest)
	}
	for _, table := range []string{"outbox", "counters", "leases"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("new table %s has %d rows", table, n)
		}
	}

	// Open twice more, while the first is open: still one row per version.
	for range 2 {
		again := Open(t, url)
		if v, err := again.SchemaVersion(ctx); err != nil || v != latest {
			t.Fatalf("reopened: SchemaVersion = %d, %v; want %d", v, err, latest)
		}
	}
	if n := count(t, db, "schema_version"); n != latest {
		t.Fatalf("after reopening, schema_version has %d rows, want %d", n, latest)
	}

	// A database migrated by a newer build is refused.
	err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, name, applied) VALUES ($1, 'from_a_newer_build', 0)", latest+1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if newer, err := store.Open(ctx, url); !errors.Is(err, store.ErrSchemaTooNew) {
		if err == nil {
			newer.Close()
		}
		t.Fatalf("opening a database with schema version %d: %v, want ErrSchemaTooNew", latest+1, err)
	}
}

// Several openers racing on a fresh database all succeed, and the
// migrations are applied once.
func testConcurrentOpen(t *testing.T, url string) {
	const openers = 6
	var (
		wg   sync.WaitGroup
		errs = make([]error, openers)
		dbs  = make([]*store.DB, openers)
	)
	start := make(chan struct{})
	for i := range openers {
		wg.Go(func() {
			<-start
			dbs[i], errs[i] = store.Open(ctxFor(t), url)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	if n := count(t, dbs[0], "schema_version"); n != store.LatestSchema() {
		t.Fatalf("schema_version has %d rows after %d concurrent openers, want %d", n, openers, store.LatestSchema())
	}
}

func topic(s string) bulletin.TopicID {
	var id bulletin.TopicID
	copy(id[:], s)
	return id
}

// Entries enqueued in a transaction come back from Pending in order, with
// their topic, kind and payload intact.
func testOutboxRoundTrip(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	big := bytes.Repeat([]byte{0xa5, 0x00, 0xff}, 40<<10) // 120 KiB with zero bytes
	type item struct {
		topic bulletin.TopicID
		msg   bulletin.Message
	}
	want := []item{
		{topic("election-1"), bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte("first")}},
		{topic("election-1"), bulletin.Message{Kind: bulletin.KindAuditedBallot, Payload: big}},
		{topic("registry"), bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: nil}},
		{topic("election-1"), bulletin.Message{Kind: bulletin.KindChunk, Payload: []byte{0}}},
	}
	before := time.Now().Add(-time.Millisecond)
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ids = ids[:0]
		a, err := store.Enqueue(ctx, tx, want[0].topic, want[0].msg, want[1].msg)
		if err != nil {
			return err
		}
		b, err := store.Enqueue(ctx, tx, want[2].topic, want[2].msg)
		if err != nil {
			return err
		}
		ids = append(append(ids, a...), b...)
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	// A second transaction, later: its id is higher.
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		c, err := store.Enqueue(ctx, tx, want[3].topic, want[3].msg)
		if err == nil && len(c) != 1 {
			err = fmt.Errorf("enqueue returned %d ids for one message", len(c))
		}
		if err == nil {
			ids = append(ids[:3], c...)
		}
		return err
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	after := time.Now().Add(time.Millisecond)
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("ids not increasing: %v", ids)
		}
	}

	var got []store.OutboxEntry
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = store.Pending(ctx, tx, 10)
		return err
	})
	if err != nil {
		t.Fatalf("pending: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Pending returned %d entries, want %d", len(got), len(want))
	}
	for i, e := range got {
		w := want[i]
		wantPayload := w.msg.Payload
		if wantPayload == nil {
			wantPayload = []byte{}
		}
		switch {
		case e.ID != ids[i]:
			t.Errorf("entry %d: id %d, want %d", i, e.ID, ids[i])
		case e.Topic != w.topic || e.Kind != w.msg.Kind:
			t.Errorf("entry %d: topic %v kind %v, want %v %v", i, e.Topic, e.Kind, w.topic, w.msg.Kind)
		case e.Payload == nil || !bytes.Equal(e.Payload, wantPayload):
			t.Errorf("entry %d: payload of %d bytes (nil: %t) differs from the %d enqueued", i, len(e.Payload), e.Payload == nil, len(wantPayload))
		case e.Created.Before(before) || e.Created.After(after) || e.Created.Location() != time.UTC:
			t.Errorf("entry %d: created %v, not within [%v, %v] in UTC", i, e.Created, before, after)
		case e.Message().Kind != e.Kind || !bytes.Equal(e.Message().Payload, e.Payload):
			t.Errorf("entry %d: Message() = %v", i, e.Message())
		}
	}

	// The limit is honoured, oldest first.
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = store.Pending(ctx, tx, 2)
		return err
	})
	if err != nil || len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] {
		t.Fatalf("Pending(2) = %d entries, %v; want the first two", len(got), err)
	}
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := store.Pending(ctx, tx, 0)
		return err
	})
	if err == nil {
		t.Errorf("Pending with limit 0 succeeded")
	}
}

// Entries enqueued in a transaction that fails are not in the outbox; the
// function's own error is returned as is, and it ran once.
func testOutboxRollback(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	errRefused := errors.New("ballot refused")
	calls := 0
	err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		calls++
		if _, err := store.Enqueue(ctx, tx, topic("e"), bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte("x")}); err != nil {
			return err
		}
		return errRefused
	})
	if !errors.Is(err, errRefused) || calls != 1 {
		t.Fatalf("Tx = %v after %d calls; want the function's error after 1", err, calls)
	}
	// An invalid kind is refused before anything is written.
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := store.Enqueue(ctx, tx, topic("e"), bulletin.Message{Kind: bulletin.KindBallotBatch}, bulletin.Message{Kind: 200})
		return err
	})
	if !errors.Is(err, bulletin.ErrUnknownKind) {
		t.Fatalf("enqueueing kind 200: %v, want ErrUnknownKind", err)
	}
	if n := count(t, db, "outbox"); n != 0 {
		t.Fatalf("outbox has %d entries after rolled-back transactions", n)
	}
}

// MarkPosted takes entries out of Pending, is idempotent, refuses a second
// different posting and unknown ids, and fails as a whole in its
// transaction.
func testMarkPosted(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		ids, err = store.Enqueue(ctx, tx, topic("e"),
			bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte("a")},
			bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte("b")},
			bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte("c")},
			bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte("d")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hash := bytes.Repeat([]byte{7}, 32)
	other := bytes.Repeat([]byte{8}, 32)
	mark := func(ids []int64, seqs []uint64, h []byte) error {
		return db.Tx(ctx, func(ctx context.Context, tx store.Tx) error { return store.MarkPosted(ctx, tx, ids, seqs, h) })
	}
	pending := func() []int64 {
		var got []store.OutboxEntry
		err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
			got, err = store.Pending(ctx, tx, 100)
			return err
		})
		if err != nil {
			t.Fatalf("pending: %v", err)
		}
		var out []int64
		for _, e := range got {
			out = append(out, e.ID)
		}
		return out
	}

	if err := mark(ids[:2], []uint64{10, 11}, hash); err != nil {
		t.Fatalf("marking two entries: %v", err)
	}
	if p := pending(); len(p) != 2 || p[0] != ids[2] || p[1] != ids[3] {
		t.Fatalf("pending after marking the first two: %v, want %v", p, ids[2:])
	}
	if err := mark(ids[:2], []uint64{10, 11}, hash); err != nil {
		t.Errorf("marking again identically: %v", err)
	}
	for _, c := range []struct {
		name string
		seq  uint64
		hash []byte
	}{{"another sequence number", 12, hash}, {"another transaction", 10, other}, {"no transaction", 10, nil}} {
		if err := mark(ids[:1], []uint64{c.seq}, c.hash); !errors.Is(err, store.ErrAlreadyPosted) {
			t.Errorf("marking again with %s: %v, want ErrAlreadyPosted", c.name, err)
		}
	}
	// Entry 3 is posted on a board without transactions; nil and empty
	// mean the same.
	if err := mark(ids[2:3], []uint64{12}, nil); err != nil {
		t.Errorf("marking without a transaction hash: %v", err)
	}
	if err := mark(ids[2:3], []uint64{12}, []byte{}); err != nil {
		t.Errorf("marking again with an empty transaction hash: %v", err)
	}
	// A batch with an unknown id fails as a whole: entry 4 stays pending.
	if err := mark([]int64{ids[3], ids[3] + 1000}, []uint64{13, 14}, hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("marking an unknown id: %v, want ErrNotFound", err)
	}
	if p := pending(); len(p) != 1 || p[0] != ids[3] {
		t.Fatalf("pending after a failed batch: %v, want [%d]", p, ids[3])
	}
	if err := mark(ids[3:], []uint64{13, 14}, hash); err == nil {
		t.Errorf("marking with more sequence numbers than ids succeeded")
	}
	if err := mark(ids[3:], []uint64{1 << 63}, hash); err == nil {
		t.Errorf("marking with sequence number 2^63 succeeded")
	}
}

// MarkPosted marks the entries of one board entry (one sequence number)
// together: a run with one entry already marked the same way is fine, one
// with an entry marked otherwise fails as a whole.
func testMarkPostedRuns(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		msgs := make([]bulletin.Message, 6)
		for i := range msgs {
			msgs[i] = bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte{byte(i)}}
		}
		ids, err = store.Enqueue(ctx, tx, topic("e"), msgs...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mark := func(ids []int64, seqs []uint64) error {
		return db.Tx(ctx, func(ctx context.Context, tx store.Tx) error { return store.MarkPosted(ctx, tx, ids, seqs, nil) })
	}
	if err := mark(ids[:1], []uint64{5}); err != nil {
		t.Fatal(err)
	}
	// Entries 0-2 in entry 5 (0 already marked so), 3-4 in entry 6.
	if err := mark(ids[:5], []uint64{5, 5, 5, 6, 6}); err != nil {
		t.Fatalf("a run with an entry already marked the same way: %v", err)
	}
	// Entry 5 with entry 4, which is in entry 6: nothing is marked.
	if err := mark(ids[4:], []uint64{7, 7}); !errors.Is(err, store.ErrAlreadyPosted) {
		t.Fatalf("a run with an entry marked otherwise: %v, want ErrAlreadyPosted", err)
	}
	var got []store.OutboxEntry
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = store.Pending(ctx, tx, 100)
		return err
	})
	if err != nil || len(got) != 1 || got[0].ID != ids[5] {
		t.Fatalf("pending: %v, %v; want entry %d alone", got, err, ids[5])
	}
}

// ReserveIDs reserves keys no other insert gets; EnqueueBatch keeps the
// order of its messages, after and before Enqueue's; InsertRows writes
// more rows than one statement takes.
func testBatchWrites(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	var reserved, batch, before, after []int64
	msgs := make([]bulletin.Message, 300)
	for i := range msgs {
		msgs[i] = bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: []byte(fmt.Sprint("ballot ", i))}
	}
	msgs[7].Payload = nil
	err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		if before, err = store.Enqueue(ctx, tx, topic("e"), bulletin.Message{Kind: bulletin.KindManifest}); err != nil {
			return err
		}
		if reserved, err = db.ReserveIDs(ctx, tx, "outbox", "id", 3); err != nil {
			return err
		}
		if batch, err = db.EnqueueBatch(ctx, tx, topic("e"), msgs...); err != nil {
			return err
		}
		after, err = store.Enqueue(ctx, tx, topic("e"), bulletin.Message{Kind: bulletin.KindManifest})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all := append(append(append(append([]int64{}, before...), reserved...), batch...), after...)
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("ids not increasing at %d: %v", i, all)
		}
	}
	if len(reserved) != 3 || len(batch) != len(msgs) {
		t.Fatalf("%d reserved, %d enqueued", len(reserved), len(batch))
	}
	// A later transaction reserves above them too.
	var later []int64
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		later, err = db.ReserveIDs(ctx, tx, "outbox", "id", 2)
		return err
	})
	if err != nil || len(later) != 2 || later[0] <= after[0] || later[1] <= later[0] {
		t.Fatalf("reserved later: %v, %v; after %v", later, err, after)
	}
	var got []store.OutboxEntry
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = store.Pending(ctx, tx, 1000)
		return err
	})
	if err != nil || len(got) != len(msgs)+2 {
		t.Fatalf("pending: %d entries, %v", len(got), err)
	}
	for i, m := range msgs {
		e := got[i+1]
		want := m.Payload
		if want == nil {
			want = []byte{}
		}
		if e.ID != batch[i] || e.Kind != m.Kind || !bytes.Equal(e.Payload, want) || e.Topic != topic("e") {
			t.Fatalf("entry %d: %+v, want id %d and %q", i, e, batch[i], want)
		}
	}

	// 3,000 rows of 3 values: more than one statement's placeholders.
	rows := make([][]any, 3000)
	for i := range rows {
		rows[i] = []any{fmt.Sprint("counter ", i), int64(i)}
	}
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := db.InsertRows(ctx, tx, "counters", []string{"name", "value"}, rows); err != nil {
			return err
		}
		if err := db.InsertRows(ctx, tx, "counters", []string{"name", "value"}, nil); err != nil {
			return err
		}
		return db.InsertRows(ctx, tx, "counters", []string{"name", "value"}, rows[2989:2990])
	})
	if err == nil {
		t.Fatalf("inserting a duplicate key succeeded")
	}
	if n := count(t, db, "counters"); n != 0 {
		t.Fatalf("%d counters after a failed transaction", n)
	}
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return db.InsertRows(ctx, tx, "counters", []string{"name", "value"}, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "counters"); n != len(rows) {
		t.Fatalf("%d counters, want %d", n, len(rows))
	}
	if v, ok := mustCounter(t, db, "counter 2999"); !ok || v != 2999 {
		t.Fatalf("counter 2999 = %d, %t", v, ok)
	}
	// An IN list of Placeholders after a numbered placeholder, sent
	// Uncached.
	var n int
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM counters WHERE value < $1 AND name IN ("+db.Placeholders(2, 3)+")",
			db.Uncached(int64(2000), "counter 1", "counter 2500", "counter 5")...).Scan(&n)
	})
	if err != nil || n != 2 {
		t.Fatalf("counting with an IN list: %d, %v; want 2", n, err)
	}
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, bad := range []func() error{
			func() error { return db.InsertRows(ctx, tx, "counters; DROP TABLE outbox", []string{"name"}, nil) },
			func() error { return db.InsertRows(ctx, tx, "counters", []string{"name", "value)"}, nil) },
			func() error { return db.InsertRows(ctx, tx, "counters", []string{"name", "value"}, [][]any{{"x"}}) },
			func() error { _, err := db.ReserveIDs(ctx, tx, "outbox", "id; --", 1); return err },
		} {
			if err := bad(); err == nil {
				return errors.New("a bad insert or reservation succeeded")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Concurrent read-modify-write transactions on one row lose no update:
// workers x rounds increments give exactly workers x rounds. Half of the
// workers use a second DB on the same database (another process, in
// effect).
func testConcurrentIncrements(t *testing.T, url string) {
	const workers, rounds = 16, 50
	dbs := []*store.DB{Open(t, url), Open(t, url)}
	mustSetCounter(t, dbs[0], "c", 0)
	ctx := ctxFor(t)

	var (
		attempts atomic.Int64
		most     atomic.Int64 // the most attempts one increment took
		wg       sync.WaitGroup
		errs     = make(chan error, workers)
	)
	start := time.Now()
	for w := range workers {
		db := dbs[w%2]
		wg.Go(func() {
			for range rounds {
				mine := int64(0)
				err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
					attempts.Add(1)
					mine++
					v, ok, err := counter(ctx, tx, "c")
					if err != nil {
						return err
					}
					if !ok {
						return errors.New("counter c is missing")
					}
					return setCounter(ctx, tx, "c", v+1)
				})
				for m := most.Load(); mine > m && !most.CompareAndSwap(m, mine); m = most.Load() {
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("increment: %v", err)
	}
	v, _ := mustCounter(t, dbs[0], "c")
	t.Logf("%s: %d increments in %v, %d attempts, at most %d for one", dbs[0].Dialect(), workers*rounds, time.Since(start).Round(time.Millisecond), attempts.Load(), most.Load())
	if v != workers*rounds {
		t.Fatalf("counter = %d after %d increments: %d updates lost", v, workers*rounds, workers*rounds-v)
	}
}

// Write skew: two transactions each read both rows and, if both doctors
// are on call, take one off. Serially, one sees the other's write and
// does nothing; a database that let both commit would leave nobody on
// call. On engines that run transactions concurrently, both read before
// either writes on their first attempt, so one of them must be retried.
func testWriteSkew(t *testing.T, url string) {
	db := Open(t, url)
	mustSetCounter(t, db, "alice", 1)
	mustSetCounter(t, db, "bob", 1)
	ctx := ctxFor(t)

	// On SQLite, transactions run one at a time: the first cannot wait
	// for the second to read.
	wait := 10 * time.Second
	if db.Dialect() == store.SQLite {
		wait = 0
	}
	var (
		read     sync.WaitGroup
		attempts atomic.Int64
		wg       sync.WaitGroup
		errs     [2]error
	)
	read.Add(2)
	for i, me := range []string{"alice", "bob"} {
		wg.Go(func() {
			first := true
			errs[i] = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
				attempts.Add(1)
				a, _, err := counter(ctx, tx, "alice")
				if err != nil {
					return err
				}
				b, _, err := counter(ctx, tx, "bob")
				if err != nil {
					return err
				}
				if first {
					first = false
					read.Done()
					waitFor(&read, wait)
				}
				if a+b >= 2 {
					return setCounter(ctx, tx, me, 0)
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	a, _ := mustCounter(t, db, "alice")
	b, _ := mustCounter(t, db, "bob")
	t.Logf("%s: %d attempts for 2 transactions", db.Dialect(), attempts.Load())
	if a+b != 1 {
		t.Fatalf("alice=%d bob=%d after two on-call checks: want exactly one on call", a, b)
	}
	if db.Dialect() != store.SQLite && attempts.Load() < 3 {
		t.Fatalf("%d attempts: the interleaved transactions should have forced a retry", attempts.Load())
	}
}

// waitFor waits for wg, at most d.
func waitFor(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// Committed data survives closing and reopening the database.
func testReopen(t *testing.T, url string) {
	ctx := ctxFor(t)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		if err := setCounter(ctx, tx, "kept", 42); err != nil {
			return err
		}
		ids, err = store.Enqueue(ctx, tx, topic("e"), bulletin.Message{Kind: bulletin.KindManifest, Payload: []byte("manifest")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = Open(t, url)
	if v, ok := mustCounter(t, db, "kept"); !ok || v != 42 {
		t.Errorf("after reopening, counter = %d (exists: %t), want 42", v, ok)
	}
	var got []store.OutboxEntry
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = store.Pending(ctx, tx, 10)
		return err
	})
	if err != nil || len(got) != 1 || got[0].ID != ids[0] || string(got[0].Payload) != "manifest" {
		t.Fatalf("after reopening, Pending = %d entries, %v; want the one enqueued", len(got), err)
	}
	// New ids continue after the old ones.
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		more, err := store.Enqueue(ctx, tx, topic("e"), bulletin.Message{Kind: bulletin.KindManifest})
		if err == nil && more[0] <= ids[0] {
			err = fmt.Errorf("id %d after reopening is not above %d", more[0], ids[0])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A panic in the function rolls back and propagates, and the DB stays
// usable; a cancelled context ends Tx without calling the function.
func testErrorsAndPanics(t *testing.T, url string) {
	ctx := ctxFor(t)
	db := Open(t, url)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the function's panic", r)
			}
		}()
		_ = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			if err := setCounter(ctx, tx, "panicked", 1); err != nil {
				return err
			}
			panic("boom")
		})
		t.Errorf("Tx returned after the function panicked")
	}()
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := db.Tx(short, func(ctx context.Context, tx store.Tx) error {
		_, ok, err := counter(ctx, tx, "panicked")
		if err == nil && ok {
			err = errors.New("the panicking transaction's write was committed")
		}
		return err
	})
	if err != nil {
		t.Fatalf("after a panic: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	called := false
	err = db.Tx(cancelled, func(ctx context.Context, tx store.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Fatalf("Tx with a cancelled context = %v (function called: %t), want context.Canceled and no call", err, called)
	}
}
