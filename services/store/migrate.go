package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The schema migrations, one SQL file per version and engine family:
// migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql
// (PostgreSQL and CockroachDB). Both directories hold the same versions with
// the same names; the files differ only where the engines' types do (BLOB
// and BYTEA, INTEGER PRIMARY KEY AUTOINCREMENT and identity columns). A
// migration may hold several statements. Applied migrations are never
// edited: a change is a new file in both directories.
//
//go:embed migrations
var migrationFiles embed.FS

// A migration is one embedded schema change.
type migration struct {
	version int
	name    string // the file name without the version and .sql
	sql     string
}

// migrations lists dir's migrations in version order and checks that the
// versions are 1, 2, 3, ... without gaps.
func migrations(dir string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, path.Join("migrations", dir))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, rest, ok := strings.Cut(e.Name(), "_")
		name, isSQL := strings.CutSuffix(rest, ".sql")
		if e.IsDir() || !ok || !isSQL || name == "" {
			return nil, fmt.Errorf("store: migrations/%s/%s: not a NNNN_name.sql file", dir, e.Name())
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migrations/%s/%s: bad version number", dir, e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations/%s: version %d where %d was expected", dir, m.version, i+1)
		}
	}
	return ms, nil
}

// migrationDir is the migrations directory for d.
func migrationDir(d Dialect) string {
	if d == SQLite {
		return "sqlite"
	}
	return "postgres"
}

// LatestSchema is the schema version this build migrates databases to: the
// number of embedded migrations.
func LatestSchema() int {
	ms, err := migrations("sqlite")
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return len(ms)
}

// ErrSchemaTooNew is returned by [Open] when the database has migrations
// that this build does not know: a newer build has migrated it.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this build")

// createVersionTable is valid on every engine. applied is Unix microseconds.
const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (
	version INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL,
	applied BIGINT  NOT NULL
)`

// advisoryLockKey is the PostgreSQL advisory lock that serialises the
// migrations of one database (advisory locks are per database); the number
// is "veche" in ASCII.
const advisoryLockKey int64 = 0x7665636865

// migrate applies the pending migrations. All of them run in one
// SERIALIZABLE transaction (PostgreSQL, CockroachDB and SQLite all have
// transactional DDL), together with their rows in schema_version, so a
// database is at one version or the next, never between.
//
// Concurrent openers of one database are safe:
//   - SQLite: the transaction is BEGIN IMMEDIATE, so it holds the write lock
//     before it reads schema_version; a second opener, in this process or
//     another, waits and then finds nothing to do.
//   - PostgreSQL: a session advisory lock is taken on a dedicated
//     connection before the transaction starts (its snapshot is then taken
//     after the previous holder committed) and released after it; the lock
//     dies with the session if the process does.
//   - CockroachDB has no advisory locks; two concurrent migrations
//     conflict as serializable transactions and the loser is retried by
//     [DB.Tx], or fails on a table the winner created, in which case the
//     versions are read again and the migration succeeds if the winner
//     applied them.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations(migrationDir(db.dialect))
	if err != nil {
		return err
	}
	apply := func(ctx context.Context, tx Tx) error { return applyMigrations(ctx, tx, ms) }

	if db.dialect == PostgreSQL {
		err = db.migrateLocked(ctx, apply)
	} else {
		err = db.runTx(ctx, db.db, apply)
	}
	if err != nil && db.dialect == CockroachDB {
		// A concurrent migration may have won (see above).
		if v, verr := db.SchemaVersion(ctx); verr == nil && v >= len(ms) {
			return nil
		}
	}
	return err
}

// migrateLocked runs apply on PostgreSQL under the migration advisory lock,
// held by a dedicated connection from before the transaction begins until
// after it ends.
func (db *DB) migrateLocked(ctx context.Context, apply func(context.Context, Tx) error) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", advisoryLockKey); err != nil {
		return fmt.Errorf("store: migrate: taking the migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", advisoryLockKey); err != nil {
			// Drop the connection, and the lock with its session, rather
			// than return it to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return db.runTx(ctx, conn, apply)
}

// applyMigrations brings the schema in tx up to the last of ms.
func applyMigrations(ctx context.Context, tx Tx, ms []migration) error {
	if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
		return fmt.Errorf("store: migrate: creating schema_version: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT version, name FROM schema_version ORDER BY version")
	if err != nil {
		return fmt.Errorf("store: migrate: reading schema_version: %w", err)
	}
	n := 0
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: reading schema_version: %w", err)
		}
		switch {
		case v > len(ms):
			rows.Close()
			return fmt.Errorf("%w: it has version %d (%s), this build knows up to %d", ErrSchemaTooNew, v, name, len(ms))
		case v != n+1 || name != ms[n].name:
			rows.Close()
			return fmt.Errorf("store: migrate: schema_version has version %d %q where this build expects %d %q", v, name, n+1, ms[n].name)
		}
		n++
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: migrate: reading schema_version: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: migrate: reading schema_version: %w", err)
	}
	for _, m := range ms[n:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("store: migrate: applying %04d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, name, applied) VALUES ($1, $2, $3)",
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("store: migrate: recording %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// SchemaVersion returns the database's schema version: the highest applied
// migration, 0 if none.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := db.db.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: reading schema version: %w", err)
	}
	return int(v.Int64), nil
}
