package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestParseURL(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	sqlite := func(p string) target { return target{dialect: SQLite, path: p} }
	pg := func(dsn string) target { return target{dialect: PostgreSQL, dsn: dsn} }
	for _, c := range []struct {
		in   string
		want target
	}{
		{"sqlite:/var/lib/veche/veche.db", sqlite("/var/lib/veche/veche.db")},
		{"sqlite:///var/lib/veche/veche.db", sqlite("/var/lib/veche/veche.db")},
		{"sqlite:data/veche.db", sqlite(filepath.Join(cwd, "data/veche.db"))},
		{"SQLite://veche.db", sqlite(filepath.Join(cwd, "veche.db"))},
		{"file:/tmp/x.db", sqlite("/tmp/x.db")},
		{"file:///tmp/x.db", sqlite("/tmp/x.db")},
		{"/tmp/x.db", sqlite("/tmp/x.db")},
		{"veche.db", sqlite(filepath.Join(cwd, "veche.db"))},
		{"./a:b.db", sqlite(filepath.Join(cwd, "a:b.db"))},
		{"a:b.db", sqlite(filepath.Join(cwd, "a:b.db"))},
		{"postgres://u@127.0.0.1:5432/veche?sslmode=disable", pg("postgresql://u@127.0.0.1:5432/veche?sslmode=disable")},
		{"postgresql://u:pw@db/veche", pg("postgresql://u:pw@db/veche")},
		{"cockroach://root@crdb:26257/veche?sslmode=verify-full", pg("postgresql://root@crdb:26257/veche?sslmode=verify-full")},
	} {
		got, err := parseURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"", "sqlite:", "file:", "sqlite::memory:", ":memory:", "file::memory:",
		"sqlite:x.db?_pragma=journal_mode(DELETE)", "x.db?mode=ro", "x#y.db", "x\x00.db",
		"postgres:veche", "mysql://u@h/db", "http://example.org/db",
	} {
		if got, err := parseURL(in); err == nil {
			t.Errorf("parseURL(%q) = %+v, want an error", in, got)
		} else if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("parseURL(%q): error %q lacks the store: prefix", in, err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"sqlite:/x.db", "file:///x.db", "x.db", "postgres://u@h/db", "cockroach://h", ":memory:", "a:b", "sqlite:x?y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseURL(s)
		if err != nil {
			return
		}
		switch got.dialect {
		case SQLite:
			if !filepath.IsAbs(got.path) || strings.ContainsAny(got.path, "?#\x00") || got.dsn != "" {
				t.Fatalf("parseURL(%q) = %+v: bad SQLite target", s, got)
			}
			if dsn := sqliteDSN(got.path); strings.Count(dsn, "?") != 1 {
				t.Fatalf("sqliteDSN(%q) = %q", got.path, dsn)
			}
		case PostgreSQL:
			if !strings.HasPrefix(got.dsn, "postgresql://") || got.path != "" {
				t.Fatalf("parseURL(%q) = %+v: bad PostgreSQL target", s, got)
			}
		default:
			t.Fatalf("parseURL(%q) = %+v: dialect %v", s, got, got.dialect)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, url := range []string{
		"sqlite:" + filepath.Join(dir, "missing", "veche.db"),              // no such directory
		"postgres://u@127.0.0.1:1/veche?sslmode=disable&connect_timeout=2", // nothing listens on port 1
		"postgres://u@[::1/veche",
	} {
		if db, err := Open(ctx, url); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", url)
		} else if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("Open(%q): error %q lacks the store: prefix", url, err)
		}
	}
}

func openSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "veche.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Every SQLite connection runs with the settings the store promises.
func TestSQLiteSettings(t *testing.T) {
	db := openSQLite(t)
	if db.Dialect() != SQLite || db.Dialect().String() != "sqlite" {
		t.Fatalf("dialect %v", db.Dialect())
	}
	ctx := context.Background()
	// Hold several connections at once, so that more than one is checked.
	var conns []interface{ Close() error }
	for i := range 3 {
		conn, err := db.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1",
			"busy_timeout": fmt.Sprint(sqliteBusyTimeout.Milliseconds()),
		} {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
				t.Errorf("connection %d: PRAGMA %s = %q, %v; want %q", i, pragma, got, err, want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// A new SQLite database and its WAL are readable by their owner only.
func TestSQLiteFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "veche.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}

// The SQLite and PostgreSQL migrations have the same versions and names.
func TestMigrationFiles(t *testing.T) {
	lite, err := migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) || len(lite) != LatestSchema() {
		t.Fatalf("%d SQLite and %d PostgreSQL migrations; LatestSchema %d", len(lite), len(pg), LatestSchema())
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].version, lite[i].name, pg[i].version, pg[i].name)
		}
	}
}

func TestIsConflict(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{fmt.Errorf("store: commit: %w", &pgconn.PgError{Code: "40001"}), true},
		{fmt.Errorf("wrapped by fn: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "CR000"}, true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "40003"}, false}, // statement completion unknown: may have committed
		{errors.New("could not serialize access (SQLSTATE 40001)"), false},
		{context.Canceled, false},
		{nil, false},
	} {
		if got := isConflict(c.err); got != c.want {
			t.Errorf("isConflict(%v) = %t, want %t", c.err, got, c.want)
		}
	}
}

// A SQLite lock held by another connection (another process, in effect)
// surfaces as SQLITE_BUSY, which counts as a conflict.
func TestSQLiteBusyIsConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "veche.db")
	ctx := context.Background()
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	holding, release := make(chan struct{}), make(chan struct{})
	go a.Tx(ctx, func(ctx context.Context, tx Tx) error {
		close(holding)
		<-release
		return nil
	})
	<-holding
	defer close(release)
	conn, err := b.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 10"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.BeginTx(ctx, nil)
	if err == nil || !isConflict(err) {
		t.Fatalf("BEGIN while another connection writes: %v, want SQLITE_BUSY", err)
	}
}

// Tx retries conflicts with a fresh transaction each time, up to its
// limit, and reports the limit with ErrConflict and the last error.
func TestTxRetries(t *testing.T) {
	db := openSQLite(t)
	db.retry = retryPolicy{attempts: 5, base: time.Microsecond, max: 10 * time.Microsecond}
	ctx := context.Background()
	conflict := &pgconn.PgError{Code: "40001", Message: "could not serialize access"}

	calls := 0
	err := db.Tx(ctx, func(ctx context.Context, tx Tx) error {
		calls++
		// Each attempt starts afresh: the row written by a failed
		// attempt is gone.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM counters").Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("attempt %d sees %d rows from a rolled-back attempt", calls, n)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('x', $1)", calls); err != nil {
			return err
		}
		if calls < 3 {
			return fmt.Errorf("fn: %w", conflict)
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Tx = %v after %d calls, want success on the third", err, calls)
	}

	calls = 0
	err = db.Tx(ctx, func(ctx context.Context, tx Tx) error { calls++; return conflict })
	if !errors.Is(err, ErrConflict) || !errors.Is(err, conflict) || calls != 5 {
		t.Fatalf("Tx = %v after %d calls, want ErrConflict wrapping the conflict after 5", err, calls)
	}

	// Cancelling during the backoff ends Tx with the context's error.
	db.retry = retryPolicy{attempts: 100, base: time.Hour, max: time.Hour}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	calls = 0
	err = db.Tx(cctx, func(ctx context.Context, tx Tx) error { calls++; return conflict })
	if !errors.Is(err, context.DeadlineExceeded) || calls != 1 {
		t.Fatalf("Tx = %v after %d calls, want DeadlineExceeded after 1", err, calls)
	}
}

func TestDialectString(t *testing.T) {
	for d, want := range map[Dialect]string{SQLite: "sqlite", PostgreSQL: "postgresql", CockroachDB: "cockroachdb", 0: "Dialect(0)"} {
		if got := d.String(); got != want {
			t.Errorf("Dialect(%d).String() = %q, want %q", int(d), got, want)
		}
	}
}
