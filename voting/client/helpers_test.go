package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

// testRand is the SHAKE256 stream of "veche/testrand/v1" || seed
// (electiontest.Rand).
func testRand(seed string) io.Reader { return electiontest.Rand(seed) }

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// An election is the example election (voting/testdata/election.yaml, one
// trustee) set up on an in-memory board up to its key ceremony's end, with
// its credentials posted, and opened.
type election struct {
	t     testing.TB
	seed  string
	board *memboard.Board
	box   *memboard.Client // the board as the ballot box
	m     *voting.Manifest
	pk    *elgamal.PublicKey
	creds []*voting.Credential
}

// manifest is the example manifest with id and one trustee; edit may
// change it further.
func manifest(t testing.TB, id string, edit func(*voting.Manifest)) *voting.Manifest {
	t.Helper()
	return electiontest.Manifest(t, electiontest.Options{ID: id, Edit: edit})
}

// newElection publishes m on a new board, runs the key ceremony (seeded
// by seed), posts voters credentials and opens the election.
func newElection(t testing.TB, seed string, m *voting.Manifest, voters int) *election {
	t.Helper()
	x := electiontest.New(t, electiontest.Options{Manifest: m, Seed: seed, Voters: voters, Stage: electiontest.Opened})
	return &election{t: t, seed: seed, board: x.Board, box: x.As(m.BallotBox.Address), m: m, pk: x.Key, creds: x.Credentials}
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
	return startServer(e.t, e.m, e.seed, e.board, e.box, storetest.SQLiteURL(e.t), cfg, handler)
}

// serveOn is serve with the box's and the identity service's database at
// dbURL.
func (e *election) serveOn(dbURL string) *server {
	e.t.Helper()
	return startServer(e.t, e.m, e.seed, e.board, e.box, dbURL, api.Config{}, nil)
}

// startServer starts the API reading board and the ballot box of election
// m posting through boxBoard, on the (fresh) database at dbURL.
func startServer(t testing.TB, m *voting.Manifest, seed string, board bulletin.Reader, boxBoard ballotbox.Board, dbURL string, cfg api.Config, handler func(http.Handler) http.Handler) *server {
	t.Helper()
	srv, err := api.NewWithConfig(board, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, dbURL)
	s := &server{db: db, api: srv}
	// The box's key and randomness are those of the election of seed.
	fx := &electiontest.Election{T: t, Seed: seed, Manifest: m}
	s.box = fx.Box(db, boxBoard)
	s.boxKey = fx.BoxKey
	s.api.AddBox(m.ID, s.box)
	var h http.Handler = s.api
	if handler != nil {
		h = handler(h)
	}
	s.Server = electiontest.Serve(t, h)
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
