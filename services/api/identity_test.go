package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// testClock is a settable clock for the identity service.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// identityEnv is a real API server over HTTP with a real identity service
// on a fresh database.
type identityEnv struct {
	url   string
	svc   *identity.Service
	clock *testClock
}

// newIdentityEnv serves the API with an identity service on the database
// at dbURL. limit tunes the login limiter (zero: the defaults).
func newIdentityEnv(t *testing.T, dbURL string, opts IdentityOptions, limit identity.LoginLimit) *identityEnv {
	t.Helper()
	db := storetest.Open(t, dbURL)
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	secret := bytes.Repeat([]byte{0x5e}, identity.SecretSize)
	svc, err := identity.New(db, secret, &identity.Options{
		Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}, // tests only
		Limit:    limit,
		Now:      clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := New(memboard.New(), nil)
	s.SetIdentity(svc, opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &identityEnv{url: ts.URL + "/api/v1", svc: svc, clock: clock}
}

// eachStore runs scenario on SQLite and, when VECHE_PG_URL is set, on
// PostgreSQL.
func eachStore(t *testing.T, scenario func(t *testing.T, dbURL string)) {
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) { scenario(t, newURL(t)) })
	}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; body "" sends none, token "" no Authorization.
func (e *identityEnv) do(t *testing.T, method, path, token, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// decode decodes a JSON response with the wanted status.
func (r response) decode(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if v != nil {
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content type %q", ct)
		}
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s: %v", r.body, err)
		}
	}
}

// isProblem checks an RFC 9457 problem of the given status and type.
func (r response) isProblem(t *testing.T, status int, kind string) {
	t.Helper()
	if r.status != status || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, content type %q; want %d problem+json %s: %s", r.status, r.header.Get("Content-Type"), status, kind, r.body)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Type != problemBase+kind || p.Status != status || p.Title == "" {
		t.Fatalf("problem %s (%v), want type %s", r.body, err, kind)
	}
}

func credentialsBody(identifier, password string) string {
	b, _ := json.Marshal(map[string]string{"identifier": identifier, "password": password})
	return string(b)
}

func (e *identityEnv) register(t *testing.T, identifier, password string) identity.ResidentID {
	t.Helper()
	var out struct {
		Resident string `json:"resident"`
	}
	e.do(t, http.MethodPost, "/residents", "", credentialsBody(identifier, password)).decode(t, http.StatusCreated, &out)
	id, err := identity.ParseResidentID(out.Resident)
	if err != nil {
		t.Fatalf("resident %q: %v", out.Resident, err)
	}
	return id
}

func (e *identityEnv) login(t *testing.T, identifier, password string) tokensResponse {
	t.Helper()
	var tok tokensResponse
	e.do(t, http.MethodPost, "/sessions", "", credentialsBody(identifier, password)).decode(t, http.StatusCreated, &tok)
	return tok
}

// A resident registers, logs in, registers its encryption key, refreshes
// its tokens and logs out, all over HTTP on a real identity service.
func TestResidentRegistersLogsInAndOut(t *testing.T) {
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newIdentityEnv(t, dbURL, IdentityOptions{SelfRegistration: true}, identity.LoginLimit{})
		id := e.register(t, "Anna.Petrova@Example.org", "correct horse battery")

		// One person, one resident: another spelling of the identifier is
		// taken. Bad identifiers and passwords are refused with the rule.
		e.do(t, http.MethodPost, "/residents", "", credentialsBody("anna.petrova@example.ORG", "another password")).isProblem(t, 409, "identifier-taken")
		e.do(t, http.MethodPost, "/residents", "", credentialsBody("anna petrova", "correct horse battery")).isProblem(t, 400, "invalid-identifier")
		e.do(t, http.MethodPost, "/residents", "", credentialsBody("boris@example.org", "short")).isProblem(t, 400, "weak-password")

		// A failed login does not say what was wrong: the same answer for
		// a wrong password, an unknown identifier and an impossible one.
		wrong := e.do(t, http.MethodPost, "/sessions", "", credentialsBody("anna.petrova@example.org", "wrong password"))
		wrong.isProblem(t, 401, "bad-login")
		for _, ident := range []string{"nobody@example.org", "no body"} {
			r := e.do(t, http.MethodPost, "/sessions", "", credentialsBody(ident, "correct horse battery"))
			r.isProblem(t, 401, "bad-login")
			if !bytes.Equal(r.body, wrong.body) {
				t.Fatalf("login failures differ:\n%s\n%s", r.body, wrong.body)
			}
		}

		tok := e.login(t, "ANNA.PETROVA@example.org", "correct horse battery")
		if !strings.HasPrefix(tok.AccessToken, "vat_") || !strings.HasPrefix(tok.RefreshToken, "vrt_") ||
			!tok.AccessExpires.Equal(e.clock.Now().Add(identity.DefaultAccessTTL)) || !tok.RefreshExpires.After(tok.AccessExpires) {
			t.Fatalf("tokens: %+v", tok)
		}

		var me meResponse
		e.do(t, http.MethodGet, "/me", tok.AccessToken, "").decode(t, 200, &me)
		if me.Resident != id.String() || len(me.Roles) != 0 || me.EncryptionKey != "" {
			t.Fatalf("/me before the key: %+v", me)
		}
		if !bytes.Contains(e.do(t, http.MethodGet, "/me", tok.AccessToken, "").body, []byte(`"roles":[]`)) {
			t.Fatal("roles must be an empty list, not null")
		}

		// The key the credentials are sealed to.
		sk, _ := hybrid.GenerateKey(nil)
		pkHex := hex.EncodeToString(sk.Public().Bytes())
		for _, bad := range []string{
			strings.Repeat("00", 32), // the identity element
			strings.ToUpper(pkHex),   // not lower case
			pkHex[:62],               // short
			strings.Repeat("ff", 32), // not an encoding
			"zz" + pkHex[2:],         // not hex
		} {
			e.do(t, http.MethodPut, "/me/encryption-key", tok.AccessToken, `{"public_key":"`+bad+`"}`).isProblem(t, 400, "invalid-key")
		}
		if r := e.do(t, http.MethodPut, "/me/encryption-key", tok.AccessToken, `{"public_key":"`+pkHex+`"}`); r.status != http.StatusNoContent {
			t.Fatalf("setting the key: %d %s", r.status, r.body)
		}
		e.do(t, http.MethodGet, "/me", tok.AccessToken, "").decode(t, 200, &me)
		if me.EncryptionKey != pkHex {
			t.Fatalf("/me after the key: %+v", me)
		}
		if pk, err := e.svc.EncryptionKey(context.Background(), id); err != nil || !pk.Equal(sk.Public()) {
			t.Fatalf("the stored key: %v", err)
		}

		// Roles granted by an administrator show at once.
		admin, err := e.svc.Register(context.Background(), "admin@city.example", "administrator password")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.BootstrapAdministrator(context.Background(), admin); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.GrantRole(context.Background(), admin, id, identity.RoleVoter); err != nil {
			t.Fatal(err)
		}
		e.do(t, http.MethodGet, "/me", tok.AccessToken, "").decode(t, 200, &me)
		if strings.Join(me.Roles, ",") != "voter" {
			t.Fatalf("roles %v", me.Roles)
		}

		// Refresh: a new pair; the refresh token works once, and a second
		// use ends the session (it was stolen or replayed).
		var fresh tokensResponse
		e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`).decode(t, 201, &fresh)
		if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken {
			t.Fatal("refresh returned the same tokens")
		}
		e.do(t, http.MethodGet, "/me", fresh.AccessToken, "").decode(t, 200, &me)
		e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`).isProblem(t, 401, "unauthenticated")
		e.do(t, http.MethodGet, "/me", fresh.AccessToken, "").isProblem(t, 401, "unauthenticated")
		e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.AccessToken+`"}`).isProblem(t, 401, "unauthenticated")

		// Logout ends the session.
		tok = e.login(t, "anna.petrova@example.org", "correct horse battery")
		if r := e.do(t, http.MethodDelete, "/sessions", tok.AccessToken, ""); r.status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.status, r.body)
		}
		e.do(t, http.MethodGet, "/me", tok.AccessToken, "").isProblem(t, 401, "unauthenticated")
		e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`).isProblem(t, 401, "unauthenticated")
		e.do(t, http.MethodDelete, "/sessions", "", "").isProblem(t, 401, "unauthenticated")
	})
}

// Missing, malformed, expired and refresh tokens are all the same 401
// with a WWW-Authenticate challenge.
func TestBadAndExpiredTokensAreUnauthenticated(t *testing.T) {
	e := newIdentityEnv(t, storetest.SQLiteURL(t), IdentityOptions{SelfRegistration: true}, identity.LoginLimit{})
	e.register(t, "voter@example.com", "voter password")
	tok := e.login(t, "voter@example.com", "voter password")

	req := func(auth ...string) response {
		r, _ := http.NewRequest(http.MethodGet, e.url+"/me", nil)
		for _, a := range auth {
			r.Header.Add("Authorization", a)
		}
		return send(t, r)
	}
	for name, auth := range map[string][]string{
		"no header":         nil,
		"empty":             {""},
		"basic":             {"Basic dm90ZXI6cGFzcw=="},
		"no token":          {"Bearer"},
		"malformed":         {"Bearer vat_not-a-token"},
		"unknown":           {"Bearer vat_" + strings.Repeat("A", 43)},
		"refresh as access": {"Bearer " + tok.RefreshToken},
		"two headers":       {"Bearer " + tok.AccessToken, "Bearer " + tok.AccessToken},
		"extra words":       {"Bearer " + tok.AccessToken + " x"},
	} {
		r := req(auth...)
		if r.status != 401 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d %q %s", name, r.status, r.header.Get("WWW-Authenticate"), r.body)
			continue
		}
		r.isProblem(t, 401, "unauthenticated")
	}
	if r := req("bearer " + tok.AccessToken); r.status != 200 {
		t.Fatalf("the scheme is case-insensitive: %d %s", r.status, r.body)
	}

	// Fifteen minutes later the access token has expired; the refresh
	// token still gives a new one.
	e.clock.Advance(identity.DefaultAccessTTL)
	req("Bearer "+tok.AccessToken).isProblem(t, 401, "unauthenticated")
	var fresh tokensResponse
	e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`).decode(t, 201, &fresh)
	if r := req("Bearer " + fresh.AccessToken); r.status != 200 {
		t.Fatalf("after the refresh: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/me/credentials", "/me/credentials/city-2026"} {
		e.do(t, http.MethodGet, path, "", "").isProblem(t, 401, "unauthenticated")
	}
	e.do(t, http.MethodPut, "/me/encryption-key", tok.AccessToken, `{"public_key":"00"}`).isProblem(t, 401, "unauthenticated")
}

// Hostile request bodies get a 400 problem naming what is wrong, never a
// 5xx, and change nothing.
func TestIdentityRejectsHostileJSON(t *testing.T) {
	e := newIdentityEnv(t, storetest.SQLiteURL(t), IdentityOptions{SelfRegistration: true}, identity.LoginLimit{})
	e.register(t, "voter@example.com", "voter password")
	tok := e.login(t, "voter@example.com", "voter password")
	deep := strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000)
	for _, path := range []string{"/residents", "/sessions"} {
		for name, body := range map[string]string{
			"duplicate key":    `{"identifier":"x@example.com","identifier":"voter@example.com","password":"voter password"}`,
			"case variant":     `{"Identifier":"voter@example.com","password":"voter password"}`,
			"unknown field":    `{"identifier":"voter@example.com","password":"voter password","admin":true}`,
			"deeply nested":    `{"identifier":"voter@example.com","password":` + deep + `}`,
			"oversize":         `{"identifier":"voter@example.com","password":"` + strings.Repeat("p", MaxBody) + `"}`,
			"not an object":    `["voter@example.com","voter password"]`,
			"trailing data":    `{"identifier":"voter@example.com","password":"voter password"}{}`,
			"wrong type":       `{"identifier":"voter@example.com","password":12345678}`,
			"missing field":    `{"identifier":"voter@example.com"}`,
			"empty":            `{}`,
			"not JSON":         `identifier=voter@example.com`,
			"invalid UTF-8 \\": "{\"identifier\":\"voter@example.com\",\"password\":\"\\ud800\xff\"}",
		} {
			r := e.do(t, http.MethodPost, path, "", body)
			if name == "invalid UTF-8 \\" && (r.status == 401 || r.status == 400) {
				continue // decodes (with U+FFFD), then fails as a login or a weak password
			}
			if name == "oversize" { // as on every JSON route
				r.isProblem(t, 413, "request-too-large")
				continue
			}
			if r.status != 400 {
				t.Errorf("%s %s: %d %s", path, name, r.status, r.body)
				continue
			}
			r.isProblem(t, 400, "malformed-request")
		}
	}
	r, _ := http.NewRequest(http.MethodPost, e.url+"/sessions", strings.NewReader(credentialsBody("voter@example.com", "voter password")))
	r.Header.Set("Content-Type", "text/plain")
	send(t, r).isProblem(t, 415, "unsupported-media-type")
	e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":""}`).isProblem(t, 400, "malformed-request")
	e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`","x":1}`).isProblem(t, 400, "malformed-request")
	e.do(t, http.MethodPut, "/me/encryption-key", tok.AccessToken, `{"public_key":"aa","public_key":"bb"}`).isProblem(t, 400, "malformed-request")
	// The refresh token was not consumed by the refused requests.
	e.do(t, http.MethodPost, "/sessions/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`).decode(t, 201, nil)
	// Only one resident was ever registered.
	if _, err := e.svc.Lookup(context.Background(), "x@example.com"); err == nil {
		t.Fatal("a refused request registered a resident")
	}
}

// A credential authority's delivery is fetched by its recipient only:
// deliveries are found by the token's resident, never by a parameter.
func TestResidentFetchesOnlyItsOwnCredential(t *testing.T) {
	eachStore(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		e := newIdentityEnv(t, dbURL, IdentityOptions{SelfRegistration: true}, identity.LoginLimit{})
		m := electiontest.Manifest(t, electiontest.Options{Trustees: 5})
		fp, _ := m.Fingerprint()

		anna := e.register(t, "anna@example.org", "anna's password")
		e.register(t, "boris@example.org", "boris's password")
		annaTok := e.login(t, "anna@example.org", "anna's password")
		borisTok := e.login(t, "boris@example.org", "boris's password")
		annaKey, _ := hybrid.GenerateKey(nil)
		borisKey, _ := hybrid.GenerateKey(nil)
		e.do(t, http.MethodPut, "/me/encryption-key", annaTok.AccessToken, `{"public_key":"`+hex.EncodeToString(annaKey.Public().Bytes())+`"}`)
		e.do(t, http.MethodPut, "/me/encryption-key", borisTok.AccessToken, `{"public_key":"`+hex.EncodeToString(borisKey.Public().Bytes())+`"}`)

		// Before any delivery: an empty list and 404.
		var list struct {
			Credentials []deliveryInfo `json:"credentials"`
		}
		e.do(t, http.MethodGet, "/me/credentials", annaTok.AccessToken, "").decode(t, 200, &list)
		if list.Credentials == nil || len(list.Credentials) != 0 {
			t.Fatalf("before delivery: %+v", list)
		}
		e.do(t, http.MethodGet, "/me/credentials/"+m.ID, annaTok.AccessToken, "").isProblem(t, 404, "no-credential")

		// The authority delivers Anna's credential.
		creds, cl, err := voting.GenerateCredentials(nil, m, map[string]int{"city": 2})
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := e.svc.Register(ctx, "admin@city.example", "administrator password")
		ca, _ := e.svc.Register(ctx, "ca@city.example", "authority password")
		if err := e.svc.BootstrapAdministrator(ctx, admin); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.GrantRole(ctx, admin, ca, identity.RoleCredentialAuthority); err != nil {
			t.Fatal(err)
		}
		sealed, err := voting.SealCredential(nil, annaKey.Public(), fp, creds[0], identity.DeliveryAD(anna, m.ID))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Deliver(ctx, ca, anna, m.ID, sealed); err != nil {
			t.Fatal(err)
		}

		e.do(t, http.MethodGet, "/me/credentials", annaTok.AccessToken, "").decode(t, 200, &list)
		if len(list.Credentials) != 1 || list.Credentials[0].Election != m.ID || !list.Credentials[0].Delivered.Equal(e.clock.Now()) {
			t.Fatalf("Anna's list: %+v", list)
		}
		var d deliveryResponse
		e.do(t, http.MethodGet, "/me/credentials/"+m.ID, annaTok.AccessToken, "").decode(t, 200, &d)
		ad, _ := base64.StdEncoding.DecodeString(d.AssociatedData)
		raw, _ := base64.StdEncoding.DecodeString(d.Sealed)
		ct, err := hybrid.ParseCiphertext(raw)
		if err != nil || !bytes.Equal(ad, identity.DeliveryAD(anna, m.ID)) || d.RecipientKey != hex.EncodeToString(annaKey.Public().Bytes()) {
			t.Fatalf("delivery %+v: %v", d, err)
		}
		c, err := voting.OpenCredential(annaKey, fp, ct, ad)
		if err != nil || !c.Key.Equal(creds[0].Key) || c.Style != "city" {
			t.Fatalf("Anna opens her credential: %v", err)
		}
		if style, ok := cl.StyleOf(c.Key.Public().Bytes()); !ok || style != "city" {
			t.Fatal("the opened credential is not on the list")
		}

		// Boris sees nothing, whatever he asks for; Boris's key does not
		// open Anna's ciphertext either.
		e.do(t, http.MethodGet, "/me/credentials", borisTok.AccessToken, "").decode(t, 200, &list)
		if len(list.Credentials) != 0 {
			t.Fatalf("Boris sees %+v", list)
		}
		e.do(t, http.MethodGet, "/me/credentials/"+m.ID, borisTok.AccessToken, "").isProblem(t, 404, "no-credential")
		e.do(t, http.MethodGet, "/me/credentials/"+m.ID+"?resident="+anna.String(), borisTok.AccessToken, "").isProblem(t, 404, "no-credential")
		if _, err := voting.OpenCredential(borisKey, fp, ct, ad); err == nil {
			t.Fatal("Boris's key opened Anna's credential")
		}
		e.do(t, http.MethodGet, "/me/credentials/Not%20An%20Election", annaTok.AccessToken, "").isProblem(t, 404, "no-credential")
		e.do(t, http.MethodGet, "/me/credentials/"+strings.Repeat("x", 300), annaTok.AccessToken, "").isProblem(t, 404, "no-credential")
	})
}

// Self-registration can be turned off; the login limiter's refusals are
// 429 with Retry-After; a server without identity says so.
func TestRegistrationClosedAndLoginLimited(t *testing.T) {
	e := newIdentityEnv(t, storetest.SQLiteURL(t), IdentityOptions{}, identity.LoginLimit{Failures: 2, Lockout: 90 * time.Second})
	e.do(t, http.MethodPost, "/residents", "", credentialsBody("voter@example.com", "voter password")).isProblem(t, 403, "registration-closed")
	if _, err := e.svc.Register(context.Background(), "voter@example.com", "voter password"); err != nil {
		t.Fatal(err)
	}
	e.do(t, http.MethodPost, "/sessions", "", credentialsBody("voter@example.com", "guess one")).isProblem(t, 401, "bad-login")
	e.do(t, http.MethodPost, "/sessions", "", credentialsBody("voter@example.com", "guess two")).isProblem(t, 401, "bad-login")
	r := e.do(t, http.MethodPost, "/sessions", "", credentialsBody("voter@example.com", "voter password"))
	r.isProblem(t, 429, "rate-limited")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s != 90 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	e.clock.Advance(90 * time.Second)
	e.login(t, "voter@example.com", "voter password")

	s := New(memboard.New(), nil)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/residents"}, {http.MethodPost, "/api/v1/sessions"}, {http.MethodGet, "/api/v1/me"},
		{http.MethodGet, "/api/v1/me/credentials/x"}, {http.MethodDelete, "/api/v1/sessions"},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(`{}`)))
		checkProblem(t, rec, 404, "no-identity-service")
	}
}
