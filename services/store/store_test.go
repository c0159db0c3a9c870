package store_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

func TestSQLite(t *testing.T) { storetest.Run(t, storetest.SQLiteURL) }

// TestPostgres runs the suite on the server named by VECHE_PG_URL; without
// it the test skips, or fails under CI=true.
func TestPostgres(t *testing.T) { storetest.Run(t, storetest.PostgresURL) }

// The two migration directories must give the same tables and columns:
// every table of either dialect, compared with the other (and the store's
// own tables as listed).
func TestSchemasAgree(t *testing.T) {
	want := map[string][]string{
		"counters":       {"name", "value"},
		"outbox":         {"created", "id", "kind", "payload", "posted_seq", "posted_tx", "topic"},
		"schema_version": {"applied", "name", "version"},
	}
	schemas := map[string]map[string][]string{}
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, newURL(t))
			all := map[string][]string{}
			for _, table := range tables(t, db) {
				all[table] = columns(t, db, table)
			}
			for table, cols := range want {
				if got := all[table]; !slices.Equal(got, cols) {
					t.Errorf("%s: table %s has columns %q, want %q", db.Dialect(), table, got, cols)
				}
			}
			schemas[name] = all
		})
	}
	if len(schemas) < 2 {
		return // PostgreSQL not configured (the backend test says so)
	}
	var names []string
	for n := range schemas {
		names = append(names, n)
	}
	a, b := schemas[names[0]], schemas[names[1]]
	for table, cols := range a {
		if !slices.Equal(b[table], cols) {
			t.Errorf("table %s: %s has columns %q, %s has %q", table, names[0], cols, names[1], b[table])
		}
	}
	for table := range b {
		if _, ok := a[table]; !ok {
			t.Errorf("table %s exists only on %s", table, names[1])
		}
	}
}

// tables returns the names of the database's tables, without SQLite's own.
func tables(t *testing.T, db *store.DB) []string {
	t.Helper()
	query := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if db.Dialect() == store.SQLite {
		query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	var out []string
	err := db.Tx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// columns returns the sorted column names of table.
func columns(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	query := "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	if db.Dialect() == store.SQLite {
		query = "SELECT name FROM pragma_table_info($1)"
	}
	var cols []string
	err := db.Tx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		cols = cols[:0]
		rows, err := tx.QueryContext(ctx, query, table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			cols = append(cols, c)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	slices.Sort(cols)
	return cols
}

func haveEnv(name string) bool { return os.Getenv(name) != "" }
