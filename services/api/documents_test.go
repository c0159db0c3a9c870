package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store/storetest"
)

// docEnv is a real API server over HTTP with the identity and documents
// services on a fresh database and an in-memory board, with an
// administrator, an issuer and two residents logged in.
type docEnv struct {
	*identityEnv
	board                      *memboard.Board
	admin, issuer, anna, boris string // access tokens
}

func newDocEnv(t *testing.T, dbURL string) *docEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, dbURL)
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	ident, err := identity.New(db, bytes.Repeat([]byte{0x5e}, identity.SecretSize), &identity.Options{
		Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	board := memboard.New()
	kek, err := documents.NewSealingKey(bytes.Repeat([]byte{0x6b}, documents.SealingKeySize))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board.As(bulletin.Address{7}), SealingKey: kek})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWithConfig(board, nil, Config{Documents: docs})
	if err != nil {
		t.Fatal(err)
	}
	s.SetIdentity(ident, IdentityOptions{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e := &docEnv{identityEnv: &identityEnv{url: ts.URL + "/api/v1", svc: ident, clock: clock}, board: board}
	login := func(who string) (identity.ResidentID, string) {
		id, err := ident.Register(ctx, who, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := ident.Login(ctx, who, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		return id, tok.Access
	}
	var adminID, issuerID identity.ResidentID
	adminID, e.admin = login("admin@city.example")
	issuerID, e.issuer = login("registry@city.example")
	_, e.anna = login("anna@example.org")
	_, e.boris = login("boris@example.org")
	if err := ident.BootstrapAdministrator(ctx, adminID); err != nil {
		t.Fatal(err)
	}
	if err := ident.GrantRole(ctx, adminID, issuerID, identity.RoleDocumentIssuer); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *docEnv) want(t *testing.T, r response, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if status >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("a %d without a problem document", status)
	}
	var out map[string]any
	if len(r.body) > 0 {
		json.Unmarshal(r.body, &out)
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestDocumentsThroughTheAPI(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newDocEnv(t, dbURL)
		e.want(t, e.do(t, "POST", "/issuers", e.issuer, `{"name":"City property registry"}`), 201)
		b := e.want(t, e.do(t, "POST", "/buildings", e.issuer, `{"address":"Lenina 5"}`), 201)["building"].(string)
		e.want(t, e.do(t, "POST", "/buildings/"+b+"/occupancies", e.issuer, `{"identifier":"anna@example.org","unit":"12","relation":"owner"}`), 204)

		// An extract to Anna: she lists it, downloads it, and it verifies.
		doc := e.want(t, e.do(t, "POST", "/documents", e.issuer, `{"recipient":"anna@example.org","type":"ownership-extract",
			"title":"Extract: flat 12","media_type":"text/plain","content":"`+b64("Anna owns flat 12.")+`"}`), 201)
		id := doc["id"].(string)
		list := e.want(t, e.do(t, "GET", "/me/documents", e.anna, ""), 200)["documents"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["id"] != id {
			t.Fatalf("Anna's list: %v", list)
		}
		file := e.do(t, "GET", "/me/documents/"+id+"/file", e.anna, "")
		e.want(t, file, 200)
		v := e.want(t, e.do(t, "POST", "/documents/verify", "", string(file.body)), 200)
		if v["authentic"] != true || v["issuer"] != "City property registry" || v["current"] != true || v["revoked"] != false {
			t.Fatalf("verdict %v", v)
		}
		// A tampered file is not authentic; a malformed one is a 400.
		tampered := bytes.Replace(file.body, []byte(b64("Anna owns flat 12.")), []byte(b64("Anna owns flat 14.")), 1)
		if v := e.want(t, e.do(t, "POST", "/documents/verify", "", string(tampered)), 200); v["authentic"] != false || v["problem"] == "" {
			t.Fatalf("tampered verdict %v", v)
		}
		e.want(t, e.do(t, "POST", "/documents/verify", "", `{"format":"veche-document/v1","extra":1}`), 400)

		// Sharing: Anna shares, a third party opens the code without a
		// login, Anna revokes, the code stops working.
		sh := e.want(t, e.do(t, "POST", "/me/documents/"+id+"/shares", e.anna, `{"ttl_seconds":3600}`), 201)
		code := sh["code"].(string)
		if got := e.do(t, "GET", "/shared/"+code, "", ""); got.status != 200 || !bytes.Equal(got.body, file.body) {
			t.Fatalf("shared: %d %s", got.status, got.body)
		}
		e.want(t, e.do(t, "DELETE", "/me/documents/"+id+"/shares/"+sh["share"].(string), e.boris, ""), 404)
		e.want(t, e.do(t, "DELETE", "/me/documents/"+id+"/shares/"+sh["share"].(string), e.anna, ""), 204)
		e.want(t, e.do(t, "GET", "/shared/"+code, "", ""), 404)

		// A new version supersedes, a revocation shows.
		v2 := e.want(t, e.do(t, "POST", "/documents/"+id+"/versions", e.issuer, `{"type":"ownership-extract","title":"Extract: flat 12",
			"media_type":"text/plain","content":"`+b64("Anna owns flat 12 (corrected).")+`"}`), 201)
		if v := e.want(t, e.do(t, "POST", "/documents/verify", "", string(file.body)), 200); v["current"] != false || v["latest_version"] != 2.0 {
			t.Fatalf("superseded verdict %v", v)
		}
		e.want(t, e.do(t, "POST", "/documents/"+v2["id"].(string)+"/revocation", e.issuer, `{"reason":"withdrawn"}`), 204)
		file2 := e.do(t, "GET", "/me/documents/"+v2["id"].(string)+"/file", e.anna, "")
		if v := e.want(t, e.do(t, "POST", "/documents/verify", "", string(file2.body)), 200); v["revoked"] != true || v["reason"] != "withdrawn" {
			t.Fatalf("revoked verdict %v", v)
		}

		// A notice to the building's owners, with Anna's proof of receipt
		// and Boris's proof of not being among the recipients.
		n := e.want(t, e.do(t, "POST", "/buildings/"+b+"/notices", e.issuer, `{"type":"meeting-notice","title":"Meeting",
			"media_type":"text/plain","content":"`+b64("1 April, 19:00")+`"}`), 201)
		path := "/documents/distributions/" + n["series"].(string) + "/1/proof"
		if p := e.want(t, e.do(t, "GET", path, e.anna, ""), 200); p["member"] != true || p["count"] != 1.0 {
			t.Fatalf("Anna's proof %v", p)
		}
		if p := e.want(t, e.do(t, "GET", path, e.boris, ""), 200); p["member"] != false {
			t.Fatalf("Boris's proof %v", p)
		}

		// Erasure: the issuer erases, the file is gone.
		e.want(t, e.do(t, "DELETE", "/documents/"+id, e.issuer, ""), 204)
		e.want(t, e.do(t, "GET", "/me/documents/"+id+"/file", e.anna, ""), 404)
		e.want(t, e.do(t, "GET", "/me/documents/"+id, e.anna, ""), 404)
		if got := e.want(t, e.do(t, "GET", "/me/documents/"+id, e.issuer, ""), 200); got["erased"] == nil || got["title"] != nil {
			t.Fatalf("erased document, as its issuer sees it: %v", got)
		}
	})
}

func TestDocumentsAPIRefusesHostileRequests(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newDocEnv(t, dbURL)
		e.want(t, e.do(t, "POST", "/issuers", e.issuer, `{"name":"Registry"}`), 201)
		doc := e.want(t, e.do(t, "POST", "/documents", e.issuer, `{"recipient":"anna@example.org","type":"other","title":"Anna's",
			"media_type":"text/plain","content":"`+b64("private")+`"}`), 201)
		id := doc["id"].(string)
		b := e.want(t, e.do(t, "POST", "/buildings", e.admin, `{"address":"Lenina 5"}`), 201)["building"].(string)

		// Guessed ids: another's document, a random one, malformed ones.
		for _, guess := range []string{id, strings.Repeat("0", 32), "x", strings.Repeat("A", 32), "../../etc"} {
			for _, p := range []string{"/me/documents/" + guess, "/me/documents/" + guess + "/file", "/me/documents/" + guess + "/shares"} {
				if r := e.do(t, "GET", p, e.boris, ""); r.status != 404 && r.status != 405 {
					t.Errorf("Boris GET %s: %d %s", p, r.status, r.body)
				}
			}
			if r := e.do(t, "POST", "/me/documents/"+guess+"/shares", e.boris, `{"ttl_seconds":60}`); r.status != 404 && r.status != 405 {
				t.Errorf("Boris shares %s: %d", guess, r.status)
			}
		}
		// Role escalation through a request body: a resident records
		// herself as an owner, adds a field, registers as an issuer,
		// issues, revokes, erases.
		e.want(t, e.do(t, "POST", "/buildings/"+b+"/occupancies", e.anna, `{"identifier":"anna@example.org","unit":"12","relation":"owner"}`), 403)
		e.want(t, e.do(t, "POST", "/buildings/"+b+"/occupancies", e.anna, `{"identifier":"anna@example.org","unit":"12","relation":"owner","role":"administrator"}`), 400)
		e.want(t, e.do(t, "POST", "/buildings", e.anna, `{"address":"Lenina 7"}`), 403)
		e.want(t, e.do(t, "POST", "/issuers", e.anna, `{"name":"Fake registry"}`), 403)
		e.want(t, e.do(t, "POST", "/documents", e.anna, `{"recipient":"anna@example.org","type":"other","title":"x","media_type":"text/plain","content":""}`), 403)
		e.want(t, e.do(t, "POST", "/documents/"+id+"/revocation", e.anna, `{"reason":"withdrawn"}`), 403)
		e.want(t, e.do(t, "DELETE", "/documents/"+id, e.anna, ""), 404)
		e.want(t, e.do(t, "GET", "/buildings", e.anna, ""), 403)
		e.want(t, e.do(t, "GET", "/buildings/"+b, e.anna, ""), 403)
		if p := e.want(t, e.do(t, "GET", "/me/properties", e.anna, ""), 200)["properties"].([]any); len(p) != 0 {
			t.Fatalf("Anna owns %v", p)
		}
		// Malformed bodies are 400s naming the problem, never 5xx.
		for _, body := range []string{`{`, `[]`, `{"recipient":"anna@example.org","recipient":"boris@example.org"}`, `{"Type":"other"}`,
			`{"recipient":"anna@example.org","type":"passport","title":"x","media_type":"text/plain","content":""}`,
			`{"recipient":"anna@example.org","type":"other","title":"x","media_type":"text/plain","content":"***"}`,
			`{"recipient":"anna@example.org","type":"other","title":"","media_type":"text/plain","content":""}`,
			`{"recipient":"anna@example.org","type":"other","title":"x\u0000y","media_type":"text/plain","content":""}`,
			`{"recipient":"anna@example.org","type":"other","title":"x","media_type":"text/plain","content":"","valid_from":"2030-01-01T00:00:00Z","valid_until":"2020-01-01T00:00:00Z"}`} {
			e.want(t, e.do(t, "POST", "/documents", e.issuer, body), 400)
		}
		// An oversize body is 413 and another media type 415, as on every
		// JSON route.
		e.want(t, e.do(t, "POST", "/documents", e.issuer, `{"recipient":"anna@example.org","type":"other","title":"x","media_type":"text/plain","content":"`+
			strings.Repeat("A", MaxBody)+`"}`), 413)
		e.want(t, e.do(t, "POST", "/documents/"+id+"/revocation", e.issuer, `{"reason":"bored"}`), 400)
		e.want(t, e.do(t, "POST", "/me/documents/"+id+"/shares", e.anna, `{"ttl_seconds":0}`), 400)
		e.want(t, e.do(t, "POST", "/me/documents/"+id+"/shares", e.anna, `{"ttl_seconds":99999999999}`), 400)
		e.want(t, e.do(t, "GET", "/documents/distributions/zz/1/proof", e.anna, ""), 404)
		e.want(t, e.do(t, "GET", "/documents/distributions/"+strings.Repeat("0", 32)+"/0/proof", e.anna, ""), 404)
		e.want(t, e.do(t, "GET", "/documents/distributions/"+strings.Repeat("0", 32)+"/1/proof", e.anna, ""), 404)
		e.want(t, e.do(t, "GET", "/shared/"+strings.Repeat("A", 32), "", ""), 404)
		e.want(t, e.do(t, "GET", "/me/documents", "", ""), 401)
		// A revoked document cannot be shared.
		e.want(t, e.do(t, "POST", "/documents/"+id+"/revocation", e.issuer, `{"reason":"issued-in-error"}`), 204)
		e.want(t, e.do(t, "POST", "/me/documents/"+id+"/shares", e.anna, `{"ttl_seconds":60}`), 409)
		e.want(t, e.do(t, "POST", "/documents/"+id+"/revocation", e.issuer, `{"reason":"withdrawn"}`), 409)
	})
}

func TestDocumentsEndpointsWithoutTheServiceAnswer404(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(New(memboard.New(), nil))
	t.Cleanup(ts.Close)
	e := &identityEnv{url: ts.URL + "/api/v1"}
	for _, p := range []string{"/me/documents", "/shared/ABC", "/buildings"} {
		if r := e.do(t, "GET", p, "", ""); r.status != 404 {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
}
