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

// The two migration directories must give the same tables and columns.
func TestSchemasAgree(t *testing.T) {
	want := map[string][]string{
		"counters":       {"name", "value"},
		"outbox":         {"created", "id", "kind", "payload", "posted_seq", "posted_tx", "topic"},
		"schema_version": {"applied", "name", "version"},
	}
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, newURL(t))
			for table, cols := range want {
				if got := columns(t, db, table); !slices.Equal(got, cols) {
					t.Errorf("%s: table %s has columns %q, want %q", db.Dialect(), table, got, cols)
				}
			}
		})
	}
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
