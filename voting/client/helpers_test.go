package client_test

import (
	"context"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

// testRand is the SHAKE256 stream of "veche/testrand/v1" || seed, as
// crypto/internal/testrand (which this package may not import).
func testRand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func addr(t testing.TB, s string) bulletin.Address {
	t.Helper()
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An election is the example election (voting/testdata/election.yaml, one
// trustee) set up on an in-memory board up to its key ceremony's end, with
// its credentials posted, and opened.
type election struct {
	t          testing.TB
	seed       string
	board      *memboard.Board
	m          *voting.Manifest
	commission *memboard.Client
	pk         *elgamal.PublicKey
	creds      []*voting.Credential
	list       *voting.CredentialList
}

// manifest is the example manifest with id and one trustee; edit may
// change it further.
func manifest(t testing.TB, id string, edit func(*voting.Manifest)) *voting.Manifest {
	t.Helper()
	raw, err := os.ReadFile("../testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	m.ID = id
	m.Trustees.Threshold = 1
	m.Trustees.Members = m.Trustees.Members[:1]
	if edit != nil {
		edit(m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

// newElection publishes m on a new board, runs the key ceremony (seeded
// by seed), posts voters credentials (nil creds: generated) and opens the
// election.
func newElection(t testing.TB, seed string, m *voting.Manifest, voters int) *election {
	t.Helper()
	ctx := ctxFor(t)
	e := &election{t: t, seed: seed, board: memboard.New(), m: m}
	e.commission = e.board.As(addr(t, m.Commission.Address))
	if err := voting.Publish(ctx, e.commission, m); err != nil {
		t.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(testRand(seed+" credentials"), m, map[string]int{m.BallotStyles[0].ID: voters})
	if err != nil {
		t.Fatal(err)
	}
	e.creds, e.list = creds, list
	if err := voting.PostCredentials(ctx, e.board.As(addr(t, m.CredentialAuthority.Address)), m, list); err != nil {
		t.Fatal(err)
	}
	trustee := e.board.As(addr(t, m.Trustees.Members[0].Address))
	key, err := hybrid.GenerateKey(testRand(seed + " trustee"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := voting.Join(ctx, trustee, m, key, testRand(seed+" join")); err != nil {
		t.Fatal(err)
	}
	e.phase(bulletin.PhaseKeyCeremony)
	st := &voting.MemoryStore{}
	for i := 0; ; i++ {
		_, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{Rand: testRand(fmt.Sprintf("%s keygen %d", seed, i)), NoWait: true})
		if err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		res, err := voting.CloseCeremony(ctx, e.commission, m, nil)
		if err == nil {
			if e.pk, err = elgamal.NewPublicKeyFromElement(res.JointKey); err != nil {
				t.Fatal(err)
			}
			break
		}
		if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatalf("closing the ceremony: %v", err)
		}
	}
	e.phase(bulletin.PhaseOpen)
	return e
}

func (e *election) phase(p bulletin.Phase) {
	e.t.Helper()
	if err := voting.SetPhase(context.Background(), e.commission, e.m.ID, p); err != nil {
		e.t.Fatal(err)
	}
}

// A server is a real voter API with a real ballot box on SQLite in front
// of an election's board.
type server struct {
	*httptest.Server
	api    *api.Server
	box    *ballotbox.Box
	db     *store.DB
	boxKey *schnorr.PrivateKey
}

// serve starts the API and the ballot box of e; handler, if not nil,
// wraps the API (a man in the middle).
func (e *election) serve(handler func(http.Handler) http.Handler) *server {
	e.t.Helper()
	return e.serveWith(api.Config{}, handler)
}

// serveWith is serve with the API configured by cfg.
func (e *election) serveWith(cfg api.Config, handler func(http.Handler) http.Handler) *server {
	e.t.Helper()
	return startServer(e.t, e.m, e.seed, e.board, e.board.As(addr(e.t, e.m.BallotBox.Address)), storetest.SQLiteURL(e.t), cfg, handler)
}

// serveOn is serve with the box's and the identity service's database at
// dbURL.
func (e *election) serveOn(dbURL string) *server {
	e.t.Helper()
	return startServer(e.t, e.m, e.seed, e.board, e.board.As(addr(e.t, e.m.BallotBox.Address)), dbURL, api.Config{}, nil)
}

// startServer starts the API reading board and the ballot box of election
// m posting through boxBoard, on the (fresh) database at dbURL.
func startServer(t testing.TB, m *voting.Manifest, seed string, board bulletin.Reader, boxBoard ballotbox.Board, dbURL string, cfg api.Config, handler func(http.Handler) http.Handler) *server {
	t.Helper()
	ctx := ctxFor(t)
	srv, err := api.NewWithConfig(board, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, dbURL)
	s := &server{db: db, api: srv}
	if s.boxKey, err = schnorr.GenerateKey(testRand(seed + " box key")); err != nil {
		t.Fatal(err)
	}
	s.box, err = ballotbox.New(ctx, ballotbox.Config{
		Election: m.ID, Board: boxBoard, DB: db, Key: s.boxKey,
		PhaseTTL: -1, Rand: testRand(seed + " box"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.box.Close() })
	s.api.AddBox(m.ID, s.box)
	var h http.Handler = s.api
	if handler != nil {
		h = handler(h)
	}
	s.Server = httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// post posts everything the box holds to the board.
func (s *server) post(t testing.TB) {
	t.Helper()
	if _, err := s.box.Post(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
}

var clients atomic.Int64

// client returns a client of s reading board, with the box's receipt key
// pinned, quick retries and deterministic randomness.
func (s *server) client(t testing.TB, e *election, board bulletin.Reader, opts ...client.Option) *client.Client {
	t.Helper()
	return s.clientOf(t, e.m.ID, e.seed, board, opts...)
}

func (s *server) clientOf(t testing.TB, id, seed string, board bulletin.Reader, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{
		client.ReceiptKey(id, s.boxKey.Public()),
		client.Retries(3, time.Millisecond, time.Second),
		client.Rand(testRand(fmt.Sprintf("%s client %s %d", seed, t.Name(), clients.Add(1)))),
	}, opts...)
	c, err := client.New(s.URL, board, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A clock is a settable time source, safe for concurrent use.
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

// identityService adds a real identity service on the server's database
// (cheap password hashing, clock now) with self-registration, and returns
// it with a credential authority resident.
func (s *server) identityService(t testing.TB, now func() time.Time) (*identity.Service, identity.ResidentID) {
	t.Helper()
	ctx := ctxFor(t)
	secret := make([]byte, identity.SecretSize)
	io.ReadFull(testRand(t.Name()+" identity secret"), secret)
	svc, err := identity.New(s.db, secret, &identity.Options{
		Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.api.SetIdentity(svc, api.IdentityOptions{SelfRegistration: true})
	admin, err := svc.Register(ctx, "admin@city.example", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	authority, err := svc.Register(ctx, "authority@city.example", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.GrantRole(ctx, admin, authority, identity.RoleCredentialAuthority); err != nil {
		t.Fatal(err)
	}
	return svc, authority
}

// deliver is the credential authority's step: it seals cred to the
// registered key of the resident with identifier and delivers it.
func (e *election) deliver(t testing.TB, svc *identity.Service, authority identity.ResidentID, identifier string, cred *voting.Credential) {
	t.Helper()
	ctx := ctxFor(t)
	id, err := svc.Lookup(ctx, identifier)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := svc.EncryptionKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := e.m.Fingerprint()
	ct, err := voting.SealCredential(testRand(identifier+" seal"), pk, fp, cred, identity.DeliveryAD(id, e.m.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Deliver(ctx, authority, id, e.m.ID, ct); err != nil {
		t.Fatal(err)
	}
}
