package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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
	// A fixed key, so that the bids in testdata/ stay sealed to it.
	keys, pub, err := stalls.Ceremony(rand.NewChaCha8([32]byte{'s', 't', 'a', 'l', 'l', 's'}), "summer-2027", 2, 2)
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

// TestStallsAPIAcceptsADecryptionOverTheGeneralBodyLimit runs a season
// with the fewest bids whose decryption body is over MaxBody (4,092: 64
// bytes of body a bid) through the API to its allocation; the limit of
// the decryption route is MaxDecryptionBody, and only a trustee's body is
// read at all. Two bids come from sellers through the API; the other 4,090
// (testdata/stalls-4090-bids.bin) are posted to the board as the service
// posts bids: sealing them here would take 17 s of CPU under -race, and
// the server checks every proof when it counts them.
func TestStallsAPIAcceptsADecryptionOverTheGeneralBodyLimit(t *testing.T) {
	e := newStallsEnv(t, storetest.SQLiteURL(t))
	s := e.setUp(t)
	path := "/stalls/seasons/" + s.ID
	ctx := context.Background()

	e.clock.Advance(stallsOpens.Sub(e.clock.Now()))
	e.call(t, "POST", path+"/bids", "alice", bidBody(e.sealFor(t, s, "alice", "D-1", 60000))).decode(t, 201, nil)
	e.call(t, "POST", path+"/bids", "bob", bidBody(e.sealFor(t, s, "bob", "D-2", 35000))).decode(t, 201, nil)
	const bids = 4092
	if _, err := e.board.As(bulletin.Address{0x57}).AppendBatch(ctx, stalls.Topic(s.ID), manyBids(t, s, bids-2)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(stallsCloses.Sub(e.clock.Now()))

	var counted struct {
		Count int      `json:"count"`
		Bids  []string `json:"bids"`
	}
	e.call(t, "GET", path+"/bids", "", "").decode(t, 200, &counted)
	if counted.Count != bids || len(counted.Bids) != bids {
		t.Fatalf("%d counted bids, want %d (if the season changed, run go test -run %s -%s)", counted.Count, bids, t.Name(), updateBidsFlag)
	}
	sealed := make([]*stalls.SealedBid, len(counted.Bids))
	for i, h := range counted.Bids {
		raw, _ := hex.DecodeString(h)
		b, err := stalls.ParseSealedBid(raw)
		if err != nil {
			t.Fatal(err)
		}
		sealed[i] = b
	}
	body := make([]string, 2)
	for j := range body {
		d, err := stalls.PartialDecrypt(nil, s, e.keys[j], sealed)
		if err != nil {
			t.Fatal(err)
		}
		body[j] = `{"decryption":"` + hex.EncodeToString(d.Bytes()) + `"}`
	}
	if n := len(body[0]); n <= MaxBody || n-64 > MaxBody {
		t.Fatalf("a decryption of %d bids is %d bytes: not the fewest bids over MaxBody (%d)", bids, n, MaxBody)
	}

	// Nobody but a trustee gets the server to read it: with "Expect:
	// 100-continue" the client sends the body only when the server asks.
	for who, want := range map[string]int{"alice": 403, "operator": 403, "resident": 403, "": 401} {
		r, sent := e.sendCounting(t, path+"/decryptions", who, body[0])
		if r.status != want || sent != 0 {
			t.Errorf("%q: status %d after %d bytes of the body were sent, want %d after none: %s", who, r.status, sent, want, r.body)
		}
	}
	over := `{"decryption":"` + strings.Repeat("0", MaxDecryptionBody+1-17) + `"}`
	e.call(t, "POST", path+"/decryptions", "trustee1", over).want(t, 413, "request-too-large")
	atLimit := `{"decryption": "` + strings.Repeat("0", MaxDecryptionBody-18) + `"}` // read and parsed: not a decryption
	e.call(t, "POST", path+"/decryptions", "trustee1", atLimit).want(t, 400, "malformed-bid")
	e.call(t, "POST", path+"/decryptions", "trustee1", body[0][:MaxBody]).want(t, 400, "malformed-request")

	r, sent := e.sendCounting(t, path+"/decryptions", "trustee1", body[0])
	if r.status != 201 || sent != int64(len(body[0])) {
		t.Fatalf("trustee 1: status %d after %d of %d bytes: %s", r.status, sent, len(body[0]), r.body)
	}
	e.call(t, "POST", path+"/decryptions", "trustee2", body[1]).decode(t, 201, nil)

	// The sellers' bids are the highest: they win, the 4,090 others lose.
	var alloc allocationResponse
	e.call(t, "POST", path+"/allocation", "operator", "").decode(t, 200, &alloc)
	if alloc.Valid != bids || len(alloc.Awards) != 2 {
		t.Fatalf("allocation: %d valid bids, awards %+v", alloc.Valid, alloc.Awards)
	}
	for who, want := range map[string]awardJSON{"alice": {Stall: "D-1", Amount: 60000}, "bob": {Stall: "D-2", Amount: 35000}} {
		var mine struct {
			Awards []awardJSON `json:"awards"`
		}
		e.call(t, "GET", path+"/allocation/mine", who, "").decode(t, 200, &mine)
		if len(mine.Awards) != 1 || mine.Awards[0].Stall != want.Stall || mine.Awards[0].Amount != want.Amount {
			t.Errorf("%s won %+v, want %+v", who, mine.Awards, want)
		}
	}
}

const updateBidsFlag = "update-stalls-bids"

var updateBids = flag.Bool(updateBidsFlag, false, "seal testdata/stalls-4090-bids.bin again")

// manyBids returns n sealed bids of season s as board messages, by
// made-up bidders, alternately for D-1 and D-2, each under the sellers'
// bids of the test above: from testdata/stalls-4090-bids.bin (n bid
// encodings of stalls.SealedBid.Bytes, 165 bytes each), sealed again and
// written with -update-stalls-bids.
func manyBids(t *testing.T, s *stalls.Season, n int) []bulletin.Message {
	t.Helper()
	const size = 165
	file := fmt.Sprintf("testdata/stalls-%d-bids.bin", n)
	if *updateBids {
		var b []byte
		for _, bid := range sealMany(t, s, n) {
			b = append(b, bid.Bytes()...)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil || len(b) != n*size {
		t.Fatalf("%s: %d bytes, %v (run go test -run %s -%s)", file, len(b), err, t.Name(), updateBidsFlag)
	}
	msgs := make([]bulletin.Message, n)
	for i := range msgs {
		msgs[i] = bulletin.Message{Kind: bulletin.KindSealedBid, Payload: b[i*size : (i+1)*size]}
	}
	return msgs
}

// sealMany seals the bids of manyBids on all cores.
func sealMany(t *testing.T, s *stalls.Season, n int) []*stalls.SealedBid {
	t.Helper()
	bids := make([]*stalls.SealedBid, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				var bidder stalls.Bidder
				binary.BigEndian.PutUint64(bidder[:], uint64(i)+1)
				stall, amount := uint32(i%2), uint64(50000+i%9000) // D-1: reserve 50000, alice bids 60000
				if stall == 1 {
					amount = uint64(30000 + i%4000) // D-2: reserve 30000, bob bids 35000
				}
				bids[i], errs[i] = stalls.EncryptBid(nil, s, stall, bidder, amount)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return bids
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sendCounting posts body as the named resident ("" for none) with
// "Expect: 100-continue", so that the client sends the body only if the
// server starts reading it, and returns the response and how many bytes
// of the body were sent.
func (e *stallsEnv) sendCounting(t *testing.T, path, who, body string) (response, int64) {
	t.Helper()
	cr := &countingReader{r: strings.NewReader(body)}
	req, err := http.NewRequest("POST", e.url+path, cr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	if tok := e.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	// The client waits for the server's answer however slow it is; it
	// would send the body after ExpectContinueTimeout without one.
	tr := &http.Transport{ExpectContinueTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, cr.n.Load()
}
