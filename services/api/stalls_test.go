package api

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/store/storetest"
)

// stallsEnv is an API server with the stall service on a real store and an
// in-memory board, and residents logged in with their roles.
type stallsEnv struct {
	*identityEnv
	board  *memboard.Board
	clock  *testClock
	tokens map[string]string // by name
	keys   []*stalls.TrusteeKey
	pub    []byte
}

var (
	stallsOpens  = time.Date(2027, 5, 1, 7, 0, 0, 0, time.UTC)
	stallsCloses = time.Date(2027, 5, 10, 19, 0, 0, 0, time.UTC)
)

func newStallsEnv(t *testing.T, dbURL string) *stallsEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, dbURL)
	ident, err := identity.New(db, bytes.Repeat([]byte{0x5a}, identity.SecretSize),
		&identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e := &stallsEnv{board: memboard.New(), clock: &testClock{t: stallsOpens.Add(-time.Hour)}, tokens: map[string]string{}}
	svc, err := stalls.New(db, e.board.As(bulletin.Address{0x57}), ident, &stalls.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWithConfig(e.board, nil, Config{Stalls: svc})
	if err != nil {
		t.Fatal(err)
	}
	s.SetIdentity(ident, IdentityOptions{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e.identityEnv = &identityEnv{url: ts.URL + "/api/v1", svc: ident}

	admin, _ := ident.Register(ctx, "admin@city.example", "a long enough password")
	if err := ident.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	for name, roles := range map[string][]identity.Role{
		"operator": {identity.RoleMarketOperator}, "operator2": {identity.RoleMarketOperator},
		"alice": {identity.RoleSeller}, "bob": {identity.RoleSeller}, "mallory": {identity.RoleSeller},
		"trustee1": {identity.RoleTrustee}, "trustee2": {identity.RoleTrustee}, "resident": nil,
	} {
		id, err := ident.Register(ctx, name+"@example.org", "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			if err := ident.GrantRole(ctx, admin, id, r); err != nil {
				t.Fatal(err)
			}
		}
		tok, err := ident.Login(ctx, name+"@example.org", "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok.Access
	}
	keys, pub, err := stalls.Ceremony(nil, "summer-2027", 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	e.keys, e.pub = keys, pub.Bytes()
	return e
}

// call sends a request as the named resident ("" for none).
func (e *stallsEnv) call(t *testing.T, method, path, who, body string) response {
	t.Helper()
	return e.do(t, method, path, e.tokens[who], body)
}

// want checks a problem's status and type.
func (r response) want(t *testing.T, status int, kind string) {
	t.Helper()
	if r.status != status || !strings.Contains(string(r.body), problemBase+kind+`"`) {
		t.Fatalf("status %d %s, want %d %s", r.status, r.body, status, kind)
	}
}

func (e *stallsEnv) setUp(t *testing.T) *stalls.Season {
	t.Helper()
	body := fmt.Sprintf(`{"id":"summer-2027","opens":%q,"closes":%q,"cap":1,"trustees":%q}`,
		stallsOpens.Format(time.RFC3339), stallsCloses.Format(time.RFC3339), hex.EncodeToString(e.pub))
	e.call(t, "POST", "/stalls/seasons", "alice", body).want(t, 403, "forbidden")
	e.call(t, "POST", "/stalls/seasons", "", body).want(t, 401, "unauthenticated")
	e.call(t, "POST", "/stalls/seasons", "operator", body).decode(t, 201, nil)
	e.call(t, "POST", "/stalls/seasons", "operator", body).want(t, 409, "exists")
	e.call(t, "POST", "/stalls/seasons/summer-2027/markets", "operator", `{"name":"Danilovsky"}`).decode(t, 201, nil)
	e.call(t, "POST", "/stalls/seasons/summer-2027/markets", "operator2", `{"name":"Hijacked"}`).want(t, 403, "forbidden")
	e.call(t, "POST", "/stalls/seasons/summer-2027/stalls", "operator",
		`{"stalls":[{"id":"D-1","market":0,"size":600,"kind":"produce","reserve":50000},{"id":"D-2","market":0,"size":400,"kind":"dairy","reserve":30000}]}`).decode(t, 201, nil)
	e.call(t, "POST", "/stalls/seasons/summer-2027/stalls", "operator",
		`{"stalls":[{"id":"D-3","market":7,"size":600,"kind":"produce","reserve":1}]}`).want(t, 400, "invalid-stalls-request")
	e.call(t, "GET", "/stalls/seasons/summer-2027", "", "").want(t, 404, "unknown-season")
	e.call(t, "POST", "/stalls/seasons/summer-2027/publish", "operator", "").decode(t, 200, nil)
	var sr seasonResponse
	e.call(t, "GET", "/stalls/seasons/summer-2027", "", "").decode(t, 200, &sr)
	raw, _ := hex.DecodeString(sr.Market)
	s, err := stalls.ParseSeason(raw)
	if err != nil || len(sr.Stalls) != 2 || sr.Threshold != 2 {
		t.Fatalf("season %+v: %v", sr, err)
	}
	return s
}

// sealFor seals a bid as the named seller's app does: it asks the API for
// its pseudonym and encrypts on the client.
func (e *stallsEnv) sealFor(t *testing.T, s *stalls.Season, who, stall string, amount uint64) *stalls.SealedBid {
	t.Helper()
	var me struct {
		Bidder string `json:"bidder"`
	}
	e.call(t, "GET", "/stalls/seasons/"+s.ID+"/me", who, "").decode(t, 200, &me)
	var b stalls.Bidder
	hex.Decode(b[:], []byte(me.Bidder))
	bid, err := stalls.EncryptBid(nil, s, uint32(s.StallIndex(stall)), b, amount)
	if err != nil {
		t.Fatal(err)
	}
	return bid
}

func bidBody(b *stalls.SealedBid) string { return `{"bid":"` + hex.EncodeToString(b.Bytes()) + `"}` }

func TestStallsThroughTheAPIFromSeasonToAllocation(t *testing.T) {
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newStallsEnv(t, dbURL)
		s := e.setUp(t)
		path := "/stalls/seasons/" + s.ID

		early := e.sealFor(t, s, "alice", "D-1", 60000)
		e.call(t, "POST", path+"/bids", "alice", bidBody(early)).want(t, 409, "wrong-state")
		e.clock.Advance(stallsOpens.Sub(e.clock.Now()))
		e.call(t, "POST", path+"/bids", "alice", bidBody(early)).decode(t, 201, nil)
		e.call(t, "POST", path+"/bids", "alice", bidBody(e.sealFor(t, s, "alice", "D-1", 70000))).want(t, 409, "exists")
		e.call(t, "POST", path+"/bids", "alice", bidBody(e.sealFor(t, s, "alice", "D-2", 40000))).decode(t, 201, nil)
		e.call(t, "POST", path+"/bids", "bob", bidBody(e.sealFor(t, s, "bob", "D-1", 55000))).decode(t, 201, nil)
		e.call(t, "POST", path+"/bids", "bob", bidBody(e.sealFor(t, s, "bob", "D-2", 35000))).decode(t, 201, nil)

		var mine struct {
			Bids []stalls.BidInfo `json:"bids"`
		}
		e.call(t, "GET", path+"/bids/mine", "alice", "").decode(t, 200, &mine)
		if len(mine.Bids) != 2 || mine.Bids[0].Stall != "D-1" || mine.Bids[0].Posted == nil {
			t.Fatalf("alice's bids %+v", mine.Bids)
		}
		if strings.Contains(fmt.Sprint(mine), "60000") {
			t.Fatal("the server knows a sealed amount")
		}

		// Trustees decrypt after the window, through the API.
		var counted struct {
			Count int      `json:"count"`
			Bids  []string `json:"bids"`
		}
		e.call(t, "GET", path+"/bids", "", "").decode(t, 200, &counted)
		var bids []*stalls.SealedBid
		for _, h := range counted.Bids {
			raw, _ := hex.DecodeString(h)
			b, err := stalls.ParseSealedBid(raw)
			if err != nil {
				t.Fatal(err)
			}
			bids = append(bids, b)
		}
		if counted.Count != 4 || len(bids) != 4 {
			t.Fatalf("%d counted bids", counted.Count)
		}
		dec := func(j int) string {
			d, err := stalls.PartialDecrypt(nil, s, e.keys[j], bids)
			if err != nil {
				t.Fatal(err)
			}
			return `{"decryption":"` + hex.EncodeToString(d.Bytes()) + `"}`
		}
		e.call(t, "POST", path+"/decryptions", "trustee1", dec(0)).want(t, 409, "wrong-state")
		e.clock.Advance(stallsCloses.Sub(e.clock.Now()))
		e.call(t, "POST", path+"/bids", "bob", bidBody(e.sealFor(t, s, "mallory", "D-1", 99000))).want(t, 409, "wrong-state")
		e.call(t, "POST", path+"/decryptions", "alice", dec(0)).want(t, 403, "forbidden")
		e.call(t, "POST", path+"/decryptions", "trustee1", dec(0)).decode(t, 201, nil)
		e.call(t, "POST", path+"/decryptions", "trustee1", dec(0)).want(t, 409, "exists")
		e.call(t, "GET", path+"/allocation", "", "").want(t, 404, "unknown-season")
		e.call(t, "POST", path+"/allocation", "operator", "").want(t, 409, "wrong-state") // one share of two
		e.call(t, "POST", path+"/decryptions", "trustee2", dec(1)).decode(t, 201, nil)
		e.call(t, "POST", path+"/allocation", "bob", "").want(t, 403, "forbidden")
		var alloc allocationResponse
		e.call(t, "POST", path+"/allocation", "operator", "").decode(t, 200, &alloc)
		var public allocationResponse
		e.call(t, "GET", path+"/allocation", "", "").decode(t, 200, &public)
		if fmt.Sprint(alloc) != fmt.Sprint(public) || len(public.Awards) != 2 {
			t.Fatalf("allocation %+v, public %+v", alloc, public)
		}
		// Cap 1: alice wins D-1 (60000 over 55000); bob then D-2 (35000,
		// alice's 40000 passed over because she has her one stall).
		var aliceAwards, bobAwards struct {
			Awards []awardJSON `json:"awards"`
		}
		e.call(t, "GET", path+"/allocation/mine", "alice", "").decode(t, 200, &aliceAwards)
		e.call(t, "GET", path+"/allocation/mine", "bob", "").decode(t, 200, &bobAwards)
		if len(aliceAwards.Awards) != 1 || aliceAwards.Awards[0].Stall != "D-1" || aliceAwards.Awards[0].Amount != 60000 ||
			len(bobAwards.Awards) != 1 || bobAwards.Awards[0].Stall != "D-2" || bobAwards.Awards[0].Amount != 35000 {
			t.Fatalf("alice won %+v, bob %+v", aliceAwards, bobAwards)
		}
		rep, err := stalls.VerifyBoard(context.Background(), e.board, s.ID, nil)
		if err != nil || !rep.Matches || rep.Allocation != public.Hash {
			t.Fatalf("verify: %+v, %v", rep, err)
		}
	})
}

func TestStallsAPIRefusesHostileRequests(t *testing.T) {
	e := newStallsEnv(t, storetest.SQLiteURL(t))
	s := e.setUp(t)
	path := "/stalls/seasons/" + s.ID
	e.clock.Advance(stallsOpens.Sub(e.clock.Now()))
	alices := e.sealFor(t, s, "alice", "D-1", 60000)

	// Mallory submits Alice's bid, then the same ciphertext and proof under his own pseudonym.
	e.call(t, "POST", path+"/bids", "mallory", bidBody(alices)).want(t, 403, "forbidden")
	copied := *alices
	copied.Bidder = e.sealFor(t, s, "mallory", "D-1", 50000).Bidder
	e.call(t, "POST", path+"/bids", "mallory", bidBody(&copied)).want(t, 400, "invalid-stalls-request")

	for name, c := range map[string]struct {
		method, path, who, body string
		status                  int
		kind                    string
	}{
		"guessed season":           {"GET", "/stalls/seasons/winter-1999", "", "", 404, "unknown-season"},
		"hostile season id":        {"GET", "/stalls/seasons/..%2F..%2Fetc", "", "", 404, "unknown-season"},
		"upper-case season id":     {"GET", "/stalls/seasons/SUMMER-2027", "", "", 404, "unknown-season"},
		"bid without a token":      {"POST", path + "/bids", "", bidBody(alices), 401, "unauthenticated"},
		"bid by a plain resident":  {"POST", path + "/bids", "resident", bidBody(alices), 403, "forbidden"},
		"bid by an operator":       {"POST", path + "/bids", "operator", bidBody(alices), 403, "forbidden"},
		"bid not hex":              {"POST", path + "/bids", "alice", `{"bid":"zz"}`, 400, "malformed-request"},
		"bid in upper-case hex":    {"POST", path + "/bids", "alice", `{"bid":"` + strings.ToUpper(hex.EncodeToString(alices.Bytes())) + `"}`, 400, "malformed-request"},
		"bid truncated":            {"POST", path + "/bids", "alice", `{"bid":"` + hex.EncodeToString(alices.Bytes()[:100]) + `"}`, 400, "malformed-bid"},
		"bid with an extra field":  {"POST", path + "/bids", "alice", `{"bid":"00","amount":5}`, 400, "malformed-request"},
		"bid for a stall guessed":  {"POST", path + "/bids", "alice", bidBody(withStall(alices, 99)), 400, "invalid-stalls-request"},
		"my bids as a resident":    {"GET", path + "/bids/mine", "resident", "", 403, "forbidden"},
		"pseudonym as an operator": {"GET", path + "/me", "operator", "", 403, "forbidden"},
		"seller publishing":        {"POST", path + "/publish", "alice", "", 403, "forbidden"},
		"seller adding stalls":     {"POST", path + "/stalls", "alice", `{"stalls":[{"id":"X","market":0,"size":1,"kind":"k","reserve":0}]}`, 403, "forbidden"},
		"editing a published one":  {"POST", path + "/markets", "operator", `{"name":"late"}`, 409, "wrong-state"},
		"decryption garbage":       {"POST", path + "/decryptions", "trustee1", `{"decryption":"0102"}`, 409, "wrong-state"},
		"season with a wrong key":  {"POST", "/stalls/seasons", "operator", `{"id":"x","opens":"2027-01-01T00:00:00Z","closes":"2027-02-01T00:00:00Z","cap":1,"trustees":"` + hex.EncodeToString(e.pub) + `"}`, 400, "invalid-stalls-request"},
		"season with cap 0":        {"POST", "/stalls/seasons", "operator", `{"id":"summer-2027b","opens":"2027-01-01T00:00:00Z","closes":"2027-02-01T00:00:00Z","cap":0,"trustees":"` + hex.EncodeToString(e.pub) + `"}`, 400, "invalid-stalls-request"},
	} {
		t.Run(name, func(t *testing.T) {
			e.call(t, c.method, c.path, c.who, c.body).want(t, c.status, c.kind)
		})
	}
	req, _ := http.NewRequest("POST", e.url+path+"/bids", strings.NewReader(bidBody(alices)))
	req.Header.Set("Authorization", "Bearer "+e.tokens["alice"])
	req.Header.Set("Content-Type", "text/plain")
	send(t, req).want(t, 415, "unsupported-media-type")
	// Nothing hostile reached the board: only the market entry.
	_, n, _ := e.board.Head(context.Background(), stalls.Topic(s.ID))
	if n != 1 {
		t.Fatalf("%d entries on the season's topic, want 1", n)
	}
}

func withStall(b *stalls.SealedBid, stall uint32) *stalls.SealedBid {
	c := *b
	c.Stall = stall
	return &c
}
