package documents_test

import (
	"context"
	"crypto/sha3"
	"encoding/base64"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// testRand is the SHAKE256 stream of "veche/testrand/v1" || seed (tests
// and vectors only).
func testRand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return &lockedReader{r: x}
}

// lockedReader makes a reader safe for concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// env is a documents service on a fresh database and board, with an
// administrator, an issuer (registered as "City property registry") and
// three residents.
type env struct {
	db     *store.DB
	kek    []byte                // the key file's 32 bytes
	key    *documents.SealingKey // and the sealing key they make
	board  *memboard.Board
	ident  *identity.Service
	svc    *documents.Service
	clock  *clock
	admin  identity.ResidentID
	issuer identity.ResidentID
	anna   identity.ResidentID
	boris  identity.ResidentID
	vera   identity.ResidentID
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	ctx := ctxFor(t)
	e := &env{db: db, board: memboard.New(), clock: &clock{t: time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC)}}
	secret := make([]byte, identity.SecretSize)
	io.ReadFull(testRand("secret"), secret)
	var err error
	e.ident, err = identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg := func(name string) identity.ResidentID {
		id, err := e.ident.Register(ctx, name, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	e.admin, e.issuer, e.anna, e.boris, e.vera = reg("admin@city.example"), reg("registry@city.example"), reg("anna@example.org"), reg("boris@example.org"), reg("vera@example.org")
	if err := e.ident.BootstrapAdministrator(ctx, e.admin); err != nil {
		t.Fatal(err)
	}
	if err := e.ident.GrantRole(ctx, e.admin, e.issuer, identity.RoleDocumentIssuer); err != nil {
		t.Fatal(err)
	}
	e.kek = kekBytes("sealing key " + t.Name())
	e.key = must[*documents.SealingKey](t)(documents.NewSealingKey(e.kek))
	e.svc, err = documents.New(ctx, documents.Config{DB: db, Identity: e.ident, Board: e.board.As(bulletin.Address{1}),
		SealingKey: e.key, Rand: testRand("documents " + t.Name()), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RegisterIssuer(ctx, e.issuer, "City property registry"); err != nil {
		t.Fatal(err)
	}
	return e
}

// eachStore runs scenario on SQLite and, with VECHE_PG_URL, PostgreSQL.
func eachStore(t *testing.T, scenario func(t *testing.T, e *env)) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			newURL := storetest.Backends()[name]
			scenario(t, newEnv(t, storetest.Open(t, newURL(t))))
		})
	}
}

// kekBytes returns the 32 bytes of a key file, drawn from testRand(seed).
func kekBytes(seed string) []byte {
	b := make([]byte, documents.SealingKeySize)
	io.ReadFull(testRand(seed), b)
	return b
}

func notice(title, body string) documents.Draft {
	return documents.Draft{Type: documents.TypeMeetingNotice, Title: title, MediaType: "text/plain; charset=utf-8",
		Content: []byte(body), ValidFrom: time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC)}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func sqliteStore(t testing.TB) *store.DB {
	t.Helper()
	return storetest.Open(t, storetest.SQLiteURL(t))
}

func itoa(i int) string { return strconv.Itoa(i) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
