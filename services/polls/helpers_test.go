package polls_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// env is the polls service on a fresh database with a real identity
// service, posting to an in-memory board as pollstest.Commission.
type env struct {
	t      *testing.T
	db     *store.DB
	board  *memboard.Board
	ident  *identity.Service
	svc    *polls.Service
	boxKey *schnorr.PrivateKey

	admin, commission, moderator identity.ResidentID
}

// eachStore runs scenario on SQLite and, with VECHE_PG_URL, PostgreSQL.
func eachStore(t *testing.T, scenario func(t *testing.T, e *env)) {
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) { scenario(t, newEnv(t, newURL(t))) })
	}
}

func newEnv(t *testing.T, url string) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, url)
	ident, err := identity.New(db, bytes.Repeat([]byte{0x7a}, identity.SecretSize), &identity.Options{
		Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	boxKey, err := schnorr.GenerateKey(pollstest.Rand(t.Name() + " box key"))
	if err != nil {
		t.Fatal(err)
	}
	board := memboard.New()
	svc, err := polls.New(polls.Config{DB: db, Identity: ident, Board: board.As(pollstest.Commission),
		Defaults: pollstest.Defaults(boxKey), Rand: pollstest.Rand(t.Name() + " salts")})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, board: board, ident: ident, svc: svc, boxKey: boxKey}
	e.admin = e.resident("admin")
	if err := ident.BootstrapAdministrator(ctx, e.admin); err != nil {
		t.Fatal(err)
	}
	e.commission = e.resident("commission")
	e.grant(e.commission, identity.RoleCommission)
	e.moderator = e.resident("moderator")
	e.grant(e.moderator, identity.RoleModerator)
	return e
}

func (e *env) resident(name string) identity.ResidentID {
	e.t.Helper()
	id, err := e.ident.Register(context.Background(), name+"@city.example", "correct horse battery "+name)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) grant(id identity.ResidentID, r identity.Role) {
	e.t.Helper()
	if err := e.ident.GrantRole(context.Background(), e.admin, id, r); err != nil {
		e.t.Fatal(err)
	}
}

// spec is a one-of poll with options a, b and c.
func spec(id string) *polls.Spec {
	opens := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := &polls.Spec{ID: id, Question: voting.Text{"en": "Where should the new bicycle lanes go?"}, Kind: voting.OneOf,
		Opens: opens, Closes: opens.Add(14 * 24 * time.Hour)}
	for _, o := range []string{"a", "b", "c"} {
		s.Options = append(s.Options, voting.Option{ID: o, Title: voting.Text{"en": fmt.Sprintf("Route %s", o)}})
	}
	return s
}

func sqliteURL(t *testing.T) string { return storetest.SQLiteURL(t) }
