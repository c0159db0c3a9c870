package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Tx is a transaction in progress, handed to the function given to
// [DB.Tx]. It has the query methods of [*sql.Tx] (which satisfies it) and
// no Commit or Rollback: [DB.Tx] ends the transaction.
//
// Placeholders are PostgreSQL's $1, $2, ... on every engine (SQLite accepts
// them too, by number).
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var _ Tx = (*sql.Tx)(nil)

// ErrConflict is wrapped by the error of a [DB.Tx] that was still failing
// with serialization conflicts when it ran out of attempts.
var ErrConflict = errors.New("store: transaction conflict")

// A retryPolicy bounds the attempts of [DB.Tx] and the waits between them.
type retryPolicy struct {
	attempts int           // at most this many runs of fn
	base     time.Duration // the first wait
	max      time.Duration // the cap of a wait
}

// defaultRetry allows 100 attempts, waiting 1 ms, 2 ms, 4 ms, ... up to
// 100 ms between them (each wait drawn from its upper half), about 7 s of
// waiting in all. 16 writers fighting over one PostgreSQL row on a loaded
// 2-core machine needed up to 28 attempts for one transaction (the
// conformance suite logs the figure); a truly stuck transaction is still
// reported within seconds.
var defaultRetry = retryPolicy{attempts: 100, base: time.Millisecond, max: 100 * time.Millisecond}

// Tx runs fn in a SERIALIZABLE transaction and commits it if fn returns nil.
//
// If fn or the commit fails with a serialization conflict -- SQLSTATE 40001
// (PostgreSQL's serialization failure, CockroachDB's "restart transaction"),
// 40P01 (deadlock), CockroachDB's CR000, or SQLite's BUSY or LOCKED -- the
// transaction is rolled back and the whole of it is run again, from a fresh
// BEGIN and snapshot, after a randomised exponential backoff, up to 100
// attempts (then the error wraps [ErrConflict] and the last conflict).
// Those errors mean the transaction did not commit, so a retry never
// applies its writes twice. Any other error ends Tx at once: an error
// returned by fn is returned unchanged (after the rollback), a failed BEGIN
// or COMMIT is wrapped. A COMMIT that fails for another reason (a lost
// connection, say) may or may not have committed; Tx reports it and does
// not guess.
//
// fn may therefore run more than once: apart from its effects through tx,
// it must be idempotent (build results in variables that each run
// overwrites, send nothing to the outside world). It must return the
// database errors it meets wrapped with %w, not swallowed, so that
// conflicts are seen; and it must use tx only until it returns. A panic in
// fn rolls back and is re-raised.
//
// On SQLite the transactions of one DB run one at a time (the engine has a
// single writer), so fn must not call db.Tx itself: nested calls deadlock
// until ctx ends. The other engines run transactions concurrently on
// separate connections.
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	return db.runTx(ctx, db.db, fn)
}

// beginner is *sql.DB or *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// runTx is [DB.Tx] on a given pool or connection.
func (db *DB) runTx(ctx context.Context, b beginner, fn func(ctx context.Context, tx Tx) error) error {
	wait := db.retry.base
	for attempt := 1; ; attempt++ {
		err := db.attempt(ctx, b, fn)
		if err == nil {
			return nil
		}
		if !isConflict(err) {
			return err
		}
		if attempt >= db.retry.attempts {
			return fmt.Errorf("store: transaction gave up after %d attempts: %w: %w", attempt, ErrConflict, err)
		}
		// Full wait drawn from [wait/2, wait], so that conflicting
		// transactions spread out instead of colliding again.
		d := wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("store: transaction abandoned after %d conflicting attempts: %w", attempt, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, db.retry.max)
	}
}

// attempt runs fn once in a fresh transaction.
func (db *DB) attempt(ctx context.Context, b beginner, fn func(ctx context.Context, tx Tx) error) (err error) {
	if db.writer != nil {
		select {
		case db.writer <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("store: waiting for the writer: %w", ctx.Err())
		}
		defer func() { <-db.writer }()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx, err := b.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// The error of fn (or the panic) matters, not the rollback's.
			_ = tx.Rollback()
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	committed = true // a failed COMMIT has ended the transaction too
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// isConflict reports whether err says that the transaction was rolled back
// because of concurrent transactions, so that running it again may succeed.
func isConflict(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "40001", // serialization_failure; CockroachDB's retry errors
			"40P01", // deadlock_detected
			"CR000": // CockroachDB's old code for a retryable error
			return true
		}
		return false
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		// Extended result codes carry the primary code in the low byte:
		// SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE, ...
		switch lite.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}
