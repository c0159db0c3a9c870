// Package storetest is the conformance suite that every store backend
// passes, and the helpers that give a test a fresh database: a SQLite file
// in the test's temporary directory ([SQLiteURL]) or a new database on the
// PostgreSQL server named by VECHE_PG_URL ([PostgresURL]), dropped when the
// test ends.
//
// Packages built on the store use the helpers to run their own tests on
// every backend:
//
//	for name, newURL := range storetest.Backends() {
//		t.Run(name, func(t *testing.T) {
//			db := storetest.Open(t, newURL(t))
//			...
//		})
//	}
//
// Without VECHE_PG_URL the PostgreSQL tests skip, except when the
// environment variable CI is "true", where they fail: CI never skips them
// silently. .ci/postgres.sh (also `make postgres`) starts a server and
// prints its URL; `make test` and .ci/run export it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for creating test databases

	"github.com/veche/veche/services/store"
)

// EnvPostgresURL is the environment variable naming the PostgreSQL (or
// CockroachDB) server for the tests: a URL whose user may create and drop
// databases, e.g. postgres://postgres@127.0.0.1:15432/veche?sslmode=disable.
const EnvPostgresURL = "VECHE_PG_URL"

// Backends returns, by backend name ("sqlite", "postgres"), the functions
// that give a test a fresh database URL.
func Backends() map[string]func(testing.TB) string {
	return map[string]func(testing.TB) string{
		"sqlite":   SQLiteURL,
		"postgres": PostgresURL,
	}
}

// SQLiteURL returns the URL of a new SQLite database file in the test's
// temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "veche.db")
}

// PostgresURL creates a database with a random name on the server named by
// VECHE_PG_URL, drops it (with every connection to it) when the test ends,
// and returns its URL. Without VECHE_PG_URL it skips the test, or fails it
// when CI is "true".
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgresURL)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("storetest: %s is not set; CI=true: the PostgreSQL tests must not be skipped (export %s=$(.ci/postgres.sh))", EnvPostgresURL, EnvPostgresURL)
		}
		t.Skipf("skipping the PostgreSQL test: %s is not set (export %s=$(.ci/postgres.sh), or run make test)", EnvPostgresURL, EnvPostgresURL)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL", EnvPostgresURL) // the URL may hold a password: not printed
	}
	if u.Scheme == "cockroach" {
		u.Scheme = "postgresql"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer db.Close()

	var b [8]byte
	rand.Read(b[:])
	name := "veche_test_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("storetest: creating a test database on the server in %s: %v", EnvPostgresURL, err)
	}
	t.Cleanup(func() { dropDatabase(t, u.String(), name) })

	test := *u
	test.Path = "/" + name
	if strings.HasPrefix(admin, "cockroach:") {
		test.Scheme = "cockroach"
	}
	return test.String()
}

// dropDatabase drops name, closing any connection still open to it.
func dropDatabase(t testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Errorf("storetest: dropping %s: %v", name, err)
		return
	}
	defer db.Close()
	// WITH (FORCE) is PostgreSQL 13+; CockroachDB drops without it.
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		if _, err2 := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err2 != nil {
			t.Errorf("storetest: dropping %s: %v; %v", name, err, err2)
		}
	}
}

// Open opens the store at rawURL and closes it when the test ends.
func Open(t testing.TB, rawURL string) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, rawURL)
	if err != nil {
		t.Fatalf("store.Open(%s): %v", redact(rawURL), err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return db
}

// redact hides a password in a URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
