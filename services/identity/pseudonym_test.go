package identity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/veche/veche/services/identity"
)

// One resident's pseudonyms in different services and contexts are
// different values, as are different residents' in one service; they are
// deterministic for a secret and change with it.
func TestPseudonymsUnlinkable(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		var residents []identity.ResidentID
		for _, ident := range []string{"anna@example.com", "boris@example.com", "vera@example.com"} {
			residents = append(residents, e.register(t, ident, "some password"))
		}
		uses := []struct {
			service string
			context string
		}{
			{"voting", "city-council-2027"},
			{"voting", "referendum-2027-06"},
			{"documents", ""},
			{"stalls", "season-2027"},
			{"stalls", "season-2028"},
			{"polls", "bicycle-lanes"},
		}
		same, err := identity.New(e.db, e.secret, &identity.Options{Password: cheap})
		if err != nil {
			t.Fatal(err)
		}
		other, err := identity.New(e.db, testSecret("other"), &identity.Options{Password: cheap})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[identity.Pseudonym]string{}
		for _, r := range residents {
			for _, u := range uses {
				p, err := e.svc.Pseudonym(r, u.service, []byte(u.context))
				if err != nil {
					t.Fatal(err)
				}
				where := r.String() + " " + u.service + "/" + u.context
				if prev, dup := seen[p]; dup {
					t.Fatalf("%s and %s have the same pseudonym", prev, where)
				}
				seen[p] = where
				// Nothing of the resident id shows in the pseudonym.
				if strings.Contains(p.String(), r.String()[:8]) {
					t.Errorf("%s: pseudonym %s contains the start of the resident id", where, p)
				}
				// Deterministic.
				again, _ := e.svc.Pseudonym(r, u.service, []byte(u.context))
				if again != p {
					t.Fatalf("%s: pseudonym not deterministic", where)
				}
				// A second node with the same secret agrees; another secret
				// gives another pseudonym.
				if q, _ := same.Pseudonym(r, u.service, []byte(u.context)); q != p {
					t.Fatalf("%s: another Service with the same secret disagrees", where)
				}
				if q, _ := other.Pseudonym(r, u.service, []byte(u.context)); q == p {
					t.Fatalf("%s: another secret gives the same pseudonym", where)
				}
			}
		}
		// The fields are length-prefixed: moving bytes between service and
		// context gives another pseudonym.
		a, _ := e.svc.Pseudonym(residents[0], "stalls", []byte("2027"))
		b, _ := e.svc.Pseudonym(residents[0], "stalls2", []byte("027"))
		if a == b {
			t.Fatal("pseudonym fields are not separated")
		}
	})
}

func TestPseudonymRejects(t *testing.T) {
	e := newEnv(t, sqliteDB(t), nil)
	r := identity.ResidentID{1, 2, 3}
	for name, c := range map[string]struct {
		r       identity.ResidentID
		service string
		context []byte
	}{
		"zero resident":     {identity.ResidentID{}, "voting", nil},
		"empty service":     {r, "", nil},
		"upper case":        {r, "Voting", nil},
		"leading dash":      {r, "-voting", nil},
		"space":             {r, "voting ", nil},
		"64 characters":     {r, strings.Repeat("a", 64), nil},
		"context too large": {r, "voting", make([]byte, identity.MaxContextSize+1)},
	} {
		if _, err := e.svc.Pseudonym(c.r, c.service, c.context); !errors.Is(err, identity.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := e.svc.Pseudonym(r, strings.Repeat("a", 63), make([]byte, identity.MaxContextSize)); err != nil {
		t.Errorf("largest inputs: %v", err)
	}
}
