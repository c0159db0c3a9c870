package client_test

import (
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

const password = "a long enough password"

// The whole journey of issue 6 through the SDK: a resident registers,
// logs in, registers an encryption key made on the device; the credential
// authority delivers a credential sealed to it; the voter fetches and
// checks it, casts, revotes, audits, finds each ballot on the board with
// its proof, and reads the credential's history, where the revote is the
// ballot that counts. On SQLite and (with VECHE_PG_URL) PostgreSQL.
func TestVoterJourneyFromRegistrationToHistory(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dbURL := storetest.Backends()[name](t)
			e := newElection(t, "sdk journey "+name, manifest(t, "sdk-journey", nil), 3)
			voterJourney(t, e, e.serveOn(dbURL))
		})
	}
}

func voterJourney(t *testing.T, e *election, s *server) {
	ctx := ctxFor(t)
	svc, authority := s.identityService(t, nil)
	c := s.client(t, e, e.board)

	resident, err := c.Register(ctx, "Ivan@Example.org", password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(ctx, "ivan@example.org", password); !client.IsProblem(err, client.ProblemIdentifierTaken) {
		t.Fatalf("registering the same identifier again: %v", err)
	}
	if _, err := c.Me(ctx); !errors.Is(err, client.ErrNotLoggedIn) {
		t.Fatalf("Me before login: %v", err)
	}
	if err := c.Login(ctx, "ivan@example.org", "wrong password here"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if err := c.Login(ctx, "ivan@example.org", password); err != nil {
		t.Fatal(err)
	}
	key, err := c.NewEncryptionKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Resident != resident || me.EncryptionKey != hex.EncodeToString(key.Public().Bytes()) {
		t.Fatalf("me %+v, registered %s", me, resident)
	}
	var pe *client.Error
	if _, err := c.FetchCredential(ctx, e.m.ID, key); !errors.As(err, &pe) || pe.Status != http.StatusNotFound {
		t.Fatalf("fetching before delivery: %v, want 404", err)
	}

	e.deliver(t, svc, authority, "ivan@example.org", e.creds[2])
	ds, err := c.Deliveries(ctx)
	if err != nil || len(ds) != 1 || ds[0].Election != e.m.ID {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	cred, err := c.FetchCredential(ctx, e.m.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	if !cred.Key.Equal(e.creds[2].Key) || cred.Style != e.creds[2].Style {
		t.Fatal("the fetched credential is not the one delivered")
	}

	first, err := c.Revote(ctx, e.m.ID, cred, full)
	if err != nil {
		t.Fatal(err)
	}
	s.post(t)
	second, err := c.Revote(ctx, e.m.ID, cred, voting.Selections{"bike-lanes": {Options: []string{"no"}}})
	if err != nil {
		t.Fatal(err)
	}
	ab, err := c.Encrypt(ctx, e.m.ID, cred, full)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := c.Audit(ctx, ab)
	if err != nil {
		t.Fatal(err)
	}
	s.post(t)
	for _, code := range []voting.TrackingCode{first.TrackingCode, second.TrackingCode, audit.Receipt.TrackingCode} {
		if _, err := c.CheckInclusion(ctx, e.m.ID, code); err != nil {
			t.Fatalf("ballot %v: %v", code, err)
		}
	}

	h, err := c.History(ctx, e.m.ID, cred)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 {
		t.Fatalf("history of %d ballots, want 3: %+v", len(h), h)
	}
	byCode := map[string]client.HistoryItem{}
	for _, it := range h {
		byCode[it.TrackingCode] = it
	}
	if it := byCode[second.TrackingCode.String()]; !it.Current || it.Kind != "cast" || !it.Posted || it.BoardSeq == nil {
		t.Fatalf("the revote in the history: %+v", it)
	}
	if it := byCode[first.TrackingCode.String()]; it.Current || it.Kind != "cast" {
		t.Fatalf("the first ballot in the history: %+v", it)
	}
	if it := byCode[audit.Receipt.TrackingCode.String()]; it.Current || it.Kind != "audited" {
		t.Fatalf("the audited ballot in the history: %+v", it)
	}

	// Another voter's credential reads nothing of this one's: its history
	// is empty, and a request signed an hour off is refused.
	other, err := c.History(ctx, e.m.ID, e.creds[0])
	if err != nil || len(other) != 0 {
		t.Fatalf("another credential's history: %+v, %v", other, err)
	}
	skewed := s.client(t, e, e.board, client.Clock(func() time.Time { return time.Now().Add(time.Hour) }))
	if _, err := skewed.History(ctx, e.m.ID, cred); !client.IsProblem(err, client.ProblemUnauthenticated) {
		t.Fatalf("a history request an hour ahead: %v", err)
	}

	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(ctx); !errors.Is(err, client.ErrNotLoggedIn) {
		t.Fatalf("Me after logout: %v", err)
	}
}

// A credential delivered for one election does not open as another's,
// and a delivery is only bound to its own resident: the client checks the
// associated data itself.
func TestClientRefusesADeliveryNotBoundToItsResident(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk delivery", manifest(t, "sdk-delivery", nil), 2)
	s := e.serve(rewrite(func(r *http.Request) bool { return r.URL.Path == "/api/v1/me/credentials/"+e.m.ID },
		func(_ *http.Request, body map[string]any) { body["associated_data"] = "AAAA" }))
	svc, authority := s.identityService(t, nil)
	c := s.client(t, e, e.board)
	if _, err := c.Register(ctx, "olga@example.org", password); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "olga@example.org", password); err != nil {
		t.Fatal(err)
	}
	key, err := c.NewEncryptionKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(t, svc, authority, "olga@example.org", e.creds[0])
	if _, err := c.FetchCredential(ctx, e.m.ID, key); !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("FetchCredential with the wrong associated data: %v, want ErrMismatch", err)
	}
}

// Sessions: an access token that expired is renewed before the call (the
// client's clock) or after the server refuses it (the server's clock),
// and each new pair of tokens is handed to the owner to save; a session
// the server ended asks for a new login.
func TestClientRenewsItsSession(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk session", manifest(t, "sdk-session", nil), 1)
	s := e.serve(nil)
	serverClock := &clock{t: time.Now()}
	s.identityService(t, serverClock.Now)
	deviceClock := &clock{t: serverClock.Now()}
	var saved []client.Tokens
	c := s.client(t, e, e.board, client.Clock(deviceClock.Now),
		client.WithTokens(client.Tokens{}, func(t client.Tokens) { saved = append(saved, t) }))
	if _, err := c.Register(ctx, "petr@example.org", password); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "petr@example.org", password); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0] != c.Tokens() {
		t.Fatalf("%d token saves after login", len(saved))
	}

	// Both clocks past the access token's 15 minutes: renewed before the call.
	serverClock.Advance(20 * time.Minute)
	deviceClock.Advance(20 * time.Minute)
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 2 || saved[1].Access == saved[0].Access {
		t.Fatalf("%d token saves after a proactive refresh", len(saved))
	}
	// Only the server's clock moves: it refuses, the client renews, retries.
	serverClock.Advance(20 * time.Minute)
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 3 {
		t.Fatalf("%d token saves after a refused token", len(saved))
	}
	// A day later the refresh token is dead too: log in again.
	serverClock.Advance(24 * time.Hour)
	deviceClock.Advance(24 * time.Hour)
	if _, err := c.Me(ctx); !errors.Is(err, client.ErrNotLoggedIn) {
		t.Fatalf("a day later: %v, want ErrNotLoggedIn", err)
	}
	if last := saved[len(saved)-1]; last.Access != "" {
		t.Fatal("the dead session was not cleared")
	}
	// The tokens never print.
	if got := c.Tokens(); got.String() != "client.Tokens{REDACTED}" {
		t.Fatal(got.String())
	}
}
