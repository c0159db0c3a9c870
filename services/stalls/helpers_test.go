package stalls_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// detRand is a deterministic reader for tests: SHA-256 in counter mode.
type detRand struct {
	mu   sync.Mutex
	seed [32]byte
	ctr  uint64
	buf  []byte
}

func newRand(seed string) *detRand { return &detRand{seed: sha256.Sum256([]byte(seed))} }

func (r *detRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		if len(r.buf) == 0 {
			h := sha256.Sum256(fmt.Appendf(r.seed[:], "%d", r.ctr))
			r.ctr++
			r.buf = h[:]
		}
		c := copy(p, r.buf)
		p, r.buf = p[c:], r.buf[c:]
	}
	return n, nil
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

var (
	opens  = time.Date(2027, 4, 1, 8, 0, 0, 0, time.UTC)
	closes = time.Date(2027, 4, 15, 20, 0, 0, 0, time.UTC)
)

// env is a stall service on a real store and an in-memory board, with an
// identity layer holding an administrator, an operator, three trustees
// and sellers registered on demand.
type env struct {
	db       *store.DB
	board    *memboard.Board
	ident    *identity.Service
	svc      *stalls.Service
	clock    *clock
	admin    identity.ResidentID
	operator identity.ResidentID
	trustees []identity.ResidentID
	keys     []*stalls.TrusteeKey
	rand     *detRand
	season   string
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newEnv(t testing.TB, dbURL string) *env {
	t.Helper()
	ctx := ctxFor(t)
	db := storetest.Open(t, dbURL)
	secret := make([]byte, identity.SecretSize)
	newRand("secret " + t.Name()).Read(secret)
	e := &env{db: db, board: memboard.New(), clock: &clock{t: opens.Add(-24 * time.Hour)}, rand: newRand(t.Name()), season: "spring-2027"}
	ident, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e.ident = ident
	e.admin = e.register(t, "admin@city.example")
	if err := ident.BootstrapAdministrator(ctx, e.admin); err != nil {
		t.Fatal(err)
	}
	e.operator = e.resident(t, "operator@markets.example", identity.RoleMarketOperator)
	for j := 1; j <= 3; j++ {
		e.trustees = append(e.trustees, e.resident(t, fmt.Sprintf("trustee%d@markets.example", j), identity.RoleTrustee))
	}
	e.svc = e.service(t)
	return e
}

// service returns another Service on e's database and board, as a second
// node would run it.
func (e *env) service(t testing.TB) *stalls.Service {
	svc, err := stalls.New(e.db, e.board.As(bulletin.Address{0x57}), e.ident, &stalls.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (e *env) register(t testing.TB, ident string) identity.ResidentID {
	t.Helper()
	id, err := e.ident.Register(ctxFor(t), ident, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) resident(t testing.TB, ident string, roles ...identity.Role) identity.ResidentID {
	t.Helper()
	id := e.register(t, ident)
	for _, r := range roles {
		if err := e.ident.GrantRole(ctxFor(t), e.admin, id, r); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// publish defines and publishes a season of one market with the given
// stalls (reserve 1000 kopecks each unless given) and cap.
func (e *env) publish(t testing.TB, cap uint16, stallIDs ...string) *stalls.Season {
	t.Helper()
	ctx := ctxFor(t)
	keys, pub, err := stalls.Ceremony(e.rand, e.season, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	e.keys = keys
	if err := e.svc.CreateSeason(ctx, e.operator, stalls.Draft{ID: e.season, Opens: opens, Closes: closes, Cap: cap, Trustees: pub.Bytes()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMarket(ctx, e.operator, e.season, "Danilovsky market"); err != nil {
		t.Fatal(err)
	}
	var ss []stalls.Stall
	for _, id := range stallIDs {
		ss = append(ss, stalls.Stall{ID: id, Size: 600, Kind: "produce", Reserve: 1000})
	}
	if err := e.svc.AddStalls(ctx, e.operator, e.season, ss); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Publish(ctx, e.operator, e.season); err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Season(ctx, e.season)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bid seals and submits seller's bid of amount for the stall named id.
func (e *env) bid(t testing.TB, svc *stalls.Service, s *stalls.Season, seller identity.ResidentID, stall string, amount uint64) error {
	t.Helper()
	ctx := ctxFor(t)
	me, err := svc.Bidder(ctx, seller, s.ID)
	if err != nil {
		return err
	}
	b, err := stalls.EncryptBid(e.rand, s, uint32(s.StallIndex(stall)), me, amount)
	if err != nil {
		return err
	}
	_, err = svc.Bid(ctx, seller, s.ID, b.Bytes())
	return err
}

// decrypt has trustees (indices 1-based) submit their decryptions.
func (e *env) decrypt(t testing.TB, s *stalls.Season, who ...int) {
	t.Helper()
	ctx := ctxFor(t)
	bids, err := e.svc.Counted(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range who {
		d, err := stalls.PartialDecrypt(e.rand, s, e.keys[j-1], bids)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SubmitDecryption(ctx, e.trustees[j-1], s.ID, d.Bytes()); err != nil {
			t.Fatalf("trustee %d: %v", j, err)
		}
	}
}

// eachBackend runs scenario on SQLite and (with VECHE_PG_URL) PostgreSQL.
func eachBackend(t *testing.T, scenario func(t *testing.T, dbURL string)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			scenario(t, storetest.Backends()[name](t))
		})
	}
}

func storetestSQLite(t testing.TB) string { return storetest.SQLiteURL(t) }
