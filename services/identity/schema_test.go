package identity_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// Both migration directories give the identity tables the same columns.
func TestSchemasAgree(t *testing.T) {
	want := map[string][]string{
		"identity_residents":      {"created", "hybrid_key", "id", "identifier", "password"},
		"identity_roles":          {"granted", "granted_by", "resident", "role"},
		"identity_role_log":       {"action", "actor", "at", "id", "resident", "role"},
		"identity_sessions":       {"created", "expires", "id", "resident", "revoked"},
		"identity_tokens":         {"expires", "hash", "kind", "session", "used"},
		"identity_login_failures": {"failures", "ident_hash", "last_failure", "locked_until"},
		"identity_inbox":          {"delivered", "election", "recipient_key", "resident", "blob", "sender"},
	}
	for _, cols := range want {
		slices.Sort(cols)
	}
	t.Parallel()
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, newURL(t))
			for _, table := range slices.Sorted(maps.Keys(want)) {
				if got := columns(t, db, table); !slices.Equal(got, want[table]) {
					t.Errorf("%s: table %s has columns %q, want %q", db.Dialect(), table, got, want[table])
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
	err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error {
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
