package identity_test

import (
	"maps"
	"slices"
	"testing"

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
				if got := storetest.Columns(t, db, table); !slices.Equal(got, want[table]) {
					t.Errorf("%s: table %s has columns %q, want %q", db.Dialect(), table, got, want[table])
				}
			}
		})
	}
}
