package identity_test

import (
	"context"
	"crypto/sha3"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// testRand is crypto/internal/testrand (which services may not import):
// the SHAKE256 stream of "veche/testrand/v1" || seed. Tests and vectors
// only.
func testRand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}

// cheap are Argon2id parameters for tests only.
var cheap = identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}

// A clock is a settable time source, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a service on a fresh database, with its clock and secret.
type env struct {
	db     *store.DB
	svc    *identity.Service
	clock  *clock
	secret []byte
}

func testSecret(seed string) []byte {
	s := make([]byte, identity.SecretSize)
	io.ReadFull(testRand(seed), s)
	return s
}

// newEnv opens a service with cheap parameters on db, with opts' other
// fields applied.
func newEnv(t testing.TB, db *store.DB, opts *identity.Options) *env {
	t.Helper()
	e := &env{db: db, clock: newClock(), secret: testSecret("secret " + t.Name())}
	var o identity.Options
	if opts != nil {
		o = *opts
	}
	if o.Password == (identity.PasswordParams{}) {
		o.Password = cheap
	}
	o.Now = e.clock.Now
	svc, err := identity.New(db, e.secret, &o)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// eachBackend runs scenario on a fresh database of every backend (the
// PostgreSQL one skips without VECHE_PG_URL, and fails under CI=true). The
// calling test runs in parallel with the other such tests: each has its own
// databases, and most of their time is spent creating them.
func eachBackend(t *testing.T, opts *identity.Options, scenario func(t *testing.T, e *env)) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			newURL := storetest.Backends()[name]
			scenario(t, newEnv(t, storetest.Open(t, newURL(t)), opts))
		})
	}
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// register registers a resident or fails the test.
func (e *env) register(t testing.TB, identifier, password string) identity.ResidentID {
	t.Helper()
	id, err := e.svc.Register(ctxFor(t), identifier, password)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return id
}

// login logs in or fails the test.
func (e *env) login(t testing.TB, identifier, password string) *identity.Tokens {
	t.Helper()
	tok, err := e.svc.Login(ctxFor(t), identifier, password)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return tok
}

// admin registers a resident and makes it the first administrator.
func (e *env) admin(t testing.TB) identity.ResidentID {
	t.Helper()
	id := e.register(t, "admin@city.example", "administrator password")
	if err := e.svc.BootstrapAdministrator(ctxFor(t), id); err != nil {
		t.Fatalf("BootstrapAdministrator: %v", err)
	}
	return id
}

// queryRow runs a one-row query in its own transaction.
func (e *env) queryRow(t testing.TB, query string, args []any, dest ...any) {
	t.Helper()
	err := e.db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(dest...)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// sqliteDB opens a fresh SQLite store, for tests that need one database of
// any engine.
func sqliteDB(t testing.TB) *store.DB {
	t.Helper()
	return storetest.Open(t, storetest.SQLiteURL(t))
}
