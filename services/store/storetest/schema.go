package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/veche/veche/services/store"
)

// Tables returns the sorted names of db's tables (without SQLite's own),
// for tests that compare the two dialects' migrations.
func Tables(t testing.TB, db *store.DB) []string {
	t.Helper()
	query := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if db.Dialect() == store.SQLite {
		query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	return names(t, db, query)
}

// Columns returns the sorted column names of table.
func Columns(t testing.TB, db *store.DB, table string) []string {
	t.Helper()
	query := "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	if db.Dialect() == store.SQLite {
		query = "SELECT name FROM pragma_table_info($1)"
	}
	return names(t, db, query, table)
}

// names runs a query returning one text column and returns it sorted.
func names(t testing.TB, db *store.DB, query string, args ...any) []string {
	t.Helper()
	var out []string
	err := db.Tx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, query, args...)
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
		t.Fatalf("storetest: %v", err)
	}
	slices.Sort(out)
	return out
}
