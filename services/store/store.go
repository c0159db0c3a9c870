package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// A Dialect is the SQL engine behind a [DB].
type Dialect int

// The supported engines. The zero value is invalid.
const (
	SQLite      Dialect = iota + 1 // modernc.org/sqlite, embedded
	PostgreSQL                     // PostgreSQL through pgx
	CockroachDB                    // CockroachDB through pgx (PostgreSQL wire protocol)
)

// String returns the engine's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case PostgreSQL:
		return "postgresql"
	case CockroachDB:
		return "cockroachdb"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// Connection pool limits. SQLite has one writer at a time anyway ([DB.Tx]
// serialises them); its extra connections serve concurrent readers.
const (
	sqliteMaxConns   = 8
	postgresMaxConns = 16
	maxIdleTime      = 5 * time.Minute
)

// sqliteBusyTimeout is how long a SQLite statement waits for a lock held by
// another connection or process before failing with SQLITE_BUSY (which
// [DB.Tx] then retries).
const sqliteBusyTimeout = 5 * time.Second

// A DB is an open store: a connection pool with the schema migrated to
// [LatestSchema]. It is safe for concurrent use.
type DB struct {
	db      *sql.DB
	dialect Dialect

	// writer serialises the transactions of this process on SQLite, which
	// has a single writer: waiting here is cheaper and fairer than
	// SQLite's busy-wait polling. nil on the other engines.
	writer chan struct{}

	retry retryPolicy
}

// Open opens the store named by rawURL and applies any pending migrations.
//
// SQLite: "sqlite:PATH", "sqlite://PATH", "file:PATH" or a bare PATH (a
// relative path is made absolute). The file is created if missing, with
// mode 0600; its directory must exist. Options in the URL are refused: the store sets its
// own (WAL journal, synchronous=FULL, foreign keys on, a 5 s busy timeout,
// and BEGIN IMMEDIATE for every transaction). In-memory databases are not
// supported.
//
// PostgreSQL and CockroachDB: "postgres://...", "postgresql://..." or
// "cockroach://..." (read as postgresql://), in pgx's URL syntax, for
// example postgres://user@127.0.0.1:5432/veche?sslmode=disable. Which of the
// two engines answers is read from the server's version().
func Open(ctx context.Context, rawURL string) (*DB, error) {
	t, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: t.dialect, retry: defaultRetry}
	switch t.dialect {
	case SQLite:
		if fi, err := os.Stat(filepath.Dir(t.path)); err != nil {
			return nil, fmt.Errorf("store: sqlite: directory of %s: %w", t.path, err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("store: sqlite: %s is not a directory", filepath.Dir(t.path))
		}
		// The file holds private state: create it readable by its owner
		// only (SQLite gives the -wal and -shm files the same mode).
		f, err := os.OpenFile(t.path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("store: sqlite: %w", err)
		}
		f.Close()
		db.db, err = sql.Open("sqlite", sqliteDSN(t.path))
		if err != nil {
			return nil, fmt.Errorf("store: sqlite: %w", err)
		}
		db.db.SetMaxOpenConns(sqliteMaxConns)
		db.db.SetMaxIdleConns(sqliteMaxConns)
		db.writer = make(chan struct{}, 1)
	default:
		cfg, err := pgx.ParseConfig(t.dsn)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.db = stdlib.OpenDB(*cfg)
		db.db.SetMaxOpenConns(postgresMaxConns)
		db.db.SetMaxIdleConns(postgresMaxConns)
	}
	db.db.SetConnMaxIdleTime(maxIdleTime)

	if err := db.init(ctx); err != nil {
		db.db.Close()
		return nil, err
	}
	return db, nil
}

// init checks the connection, finds the engine and migrates the schema.
func (db *DB) init(ctx context.Context) error {
	if db.dialect != SQLite {
		var version string
		if err := db.db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
			return fmt.Errorf("store: connecting: %w", err)
		}
		db.dialect = PostgreSQL
		if strings.Contains(version, "CockroachDB") {
			db.dialect = CockroachDB
		}
	} else if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: sqlite: %w", err)
	}
	return db.migrate(ctx)
}

// Close closes the connection pool. Transactions in progress fail.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Dialect returns the engine behind db.
func (db *DB) Dialect() Dialect { return db.dialect }

// A target is a parsed store URL.
type target struct {
	dialect Dialect // SQLite or PostgreSQL (CockroachDB is told apart at connection)
	path    string  // SQLite: the absolute file path
	dsn     string  // PostgreSQL: the URL for pgx
}

// parseURL interprets a store URL as [Open] documents it.
func parseURL(raw string) (target, error) {
	if raw == "" {
		return target{}, errors.New("store: empty database URL")
	}
	scheme, rest, hasScheme := strings.Cut(raw, ":")
	if !hasScheme || strings.ContainsAny(scheme, "/\\.") {
		return sqliteTarget(raw)
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql", "cockroach":
		if !strings.HasPrefix(rest, "//") {
			return target{}, fmt.Errorf("store: %s URL must start with %s://", scheme, scheme)
		}
		return target{dialect: PostgreSQL, dsn: "postgresql:" + rest}, nil
	case "sqlite", "file":
		return sqliteTarget(strings.TrimPrefix(rest, "//"))
	}
	if strings.HasPrefix(rest, "//") {
		return target{}, fmt.Errorf("store: unsupported database URL scheme %q (want sqlite:, file:, postgres://, postgresql:// or cockroach://)", scheme)
	}
	// "a:b.db": a bare path with a colon in it.
	return sqliteTarget(raw)
}

func sqliteTarget(path string) (target, error) {
	switch {
	case path == "":
		return target{}, errors.New("store: sqlite: empty file path")
	case path == ":memory:":
		return target{}, errors.New("store: sqlite: in-memory databases are not supported (each pooled connection would see its own); use a file")
	case strings.ContainsAny(path, "?#"):
		return target{}, errors.New("store: sqlite: options in the URL are not supported (the store sets its own) and a path may not contain '?' or '#'")
	case strings.ContainsRune(path, 0):
		return target{}, errors.New("store: sqlite: file path contains a NUL byte")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return target{}, fmt.Errorf("store: sqlite: %w", err)
	}
	return target{dialect: SQLite, path: abs}, nil
}

// sqliteDSN is the modernc.org/sqlite data source name for an absolute
// path: the path (not a file: URI, so no character in it is special) and
// the connection settings, which the driver validates and applies to every
// new connection.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL") // readers do not block the writer
	q.Set("_synchronous", "FULL") // a commit is on disk when Commit returns
	q.Set("_foreign_keys", "1")   // enforce REFERENCES
	q.Set("_txlock", "immediate") // BEGIN IMMEDIATE: take the write lock first, so read-then-write never deadlocks
	q.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeout.Milliseconds()))
	return path + "?" + q.Encode()
}
