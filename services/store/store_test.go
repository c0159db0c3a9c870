package store_test

import (
	"os"
	"slices"
	"testing"

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
		"leases":         {"expires", "name", "token"},
		"outbox":         {"created", "id", "kind", "payload", "posted_seq", "posted_tx", "topic"},
		"schema_version": {"applied", "name", "version"},
	}
	schemas := map[string]map[string][]string{}
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, newURL(t))
			all := map[string][]string{}
			for _, table := range storetest.Tables(t, db) {
				all[table] = storetest.Columns(t, db, table)
			}
			for table, cols := range want {
				if got := all[table]; !slices.Equal(got, cols) {
					t.Errorf("%s: table %s has columns %q, want %q", db.Dialect(), table, got, cols)
				}
			}
			// Migration 0007, rewritten before the first release, makes
			// the leases (above), not the old polls_anchor, and the polls
			// hides column; 0008 (documents' sealed keys) applies after it.
			if _, ok := all["polls_anchor"]; ok {
				t.Errorf("%s: the old polls_anchor table is still made", db.Dialect())
			}
			if !slices.Contains(all["polls_items"], "hide_batch") || all["documents_key_check"] == nil {
				t.Errorf("%s: polls_items.hide_batch (0007) or documents_key_check (0008) is missing", db.Dialect())
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

func haveEnv(name string) bool { return os.Getenv(name) != "" }
