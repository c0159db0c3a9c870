package citytest

import (
	"bytes"
	"context"
	"crypto/sha3"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// rnd is a deterministic reader, safe for concurrent use, distinct per
// seed (so no two services draw the same bytes).
type rnd struct {
	mu sync.Mutex
	r  io.Reader
}

func newRand(seed string) *rnd {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/citytest/v1"))
	x.Write([]byte(seed))
	return &rnd{r: x}
}

func (r *rnd) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Read(p)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// One resident, one login, every service; on the board each service sees
// someone else.
func TestOneResidentUsesEveryServiceAndTheBoardLinksNothing(t *testing.T) {
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) { scenario(t, newURL(t)) })
	}
}

func scenario(t *testing.T, dbURL string) {
	ctx := context.Background()
	db := storetest.Open(t, dbURL)
	board := memboard.New()
	clk := &clock{t: time.Date(2027, 4, 2, 10, 0, 0, 0, time.UTC)}
	secret := make([]byte, identity.SecretSize)
	io.ReadFull(newRand("identity secret"), secret)
	ident, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	register := func(name string, roles ...identity.Role) identity.ResidentID {
		t.Helper()
		id, err := ident.Register(ctx, name, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	admin := register("admin@city.example")
	if err := ident.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	staff := func(name string, roles ...identity.Role) identity.ResidentID {
		t.Helper()
		id := register(name)
		for _, r := range roles {
			if err := ident.GrantRole(ctx, admin, id, r); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	issuer := staff("registry@city.example", identity.RoleDocumentIssuer)
	operator := staff("markets@city.example", identity.RoleMarketOperator)
	clerk := staff("clerk@city.example", identity.RoleCommission)
	authority := staff("credentials@city.example", identity.RoleCredentialAuthority)
	moderator := staff("moderator@city.example", identity.RoleModerator)
	neighbour := register("neighbour@example.org")

	// The services behind one API server, as veche serve runs them.
	kek, err := documents.NewSealingKey(bytes.Repeat([]byte{0x6b}, documents.SealingKeySize))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board.As(bulletin.Address{0xd0}),
		Rand: newRand("documents"), Now: clk.Now, SealingKey: kek})
	if err != nil {
		t.Fatal(err)
	}
	market, err := stalls.New(db, board.As(bulletin.Address{0x57}), ident, &stalls.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	boxKey, err := schnorr.GenerateKey(newRand("ballot box"))
	if err != nil {
		t.Fatal(err)
	}
	citizen, err := polls.New(polls.Config{DB: db, Identity: ident, Board: board.As(pollstest.Commission),
		Defaults: pollstest.Defaults(boxKey), Rand: newRand("polls")})
	if err != nil {
		t.Fatal(err)
	}
	server, err := api.NewWithConfig(board, nil, api.Config{Polls: citizen, Documents: docs, Stalls: market})
	if err != nil {
		t.Fatal(err)
	}
	server.SetIdentity(ident, api.IdentityOptions{})
	srv := httptest.NewServer(server)
	defer srv.Close()

	// The resident: registered once, logged in once. Everything she does
	// below goes through the API with that one access token.
	const identifier = "olga.petrova@example.org"
	olga, err := ident.Register(ctx, identifier, "olga's long password")
	if err != nil {
		t.Fatal(err)
	}
	if err := ident.GrantRole(ctx, admin, olga, identity.RoleSeller); err != nil {
		t.Fatal(err)
	}
	var tokens struct {
		Access string `json:"access_token"`
	}
	call(t, srv, "", "POST", "/sessions", fmt.Sprintf(`{"identifier":%q,"password":"olga's long password"}`, identifier), 201, &tokens)
	token := tokens.Access
	principal, err := ident.Verify(ctx, token)
	if err != nil || principal.Resident != olga {
		t.Fatalf("the token's principal: %v", err)
	}
	deviceKey, err := hybrid.GenerateKey(newRand("olga's device"))
	if err != nil {
		t.Fatal(err)
	}
	call(t, srv, token, "PUT", "/me/encryption-key", fmt.Sprintf(`{"public_key":"%x"}`, deviceKey.Public().Bytes()), 204, nil)

	// Documents: a meeting notice to the owners of Olga's building.
	if _, err := docs.RegisterIssuer(ctx, issuer, "City property registry"); err != nil {
		t.Fatal(err)
	}
	building, err := docs.RegisterBuilding(ctx, issuer, "Lenina 5")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		unit string
		who  identity.ResidentID
	}{{"12", olga}, {"14", neighbour}} {
		if err := docs.AddOccupancy(ctx, issuer, building, o.unit, o.who, documents.RelationOwner); err != nil {
			t.Fatal(err)
		}
	}
	notice, err := docs.IssueToOwners(ctx, issuer, building, documents.Draft{Type: documents.TypeMeetingNotice, Title: "Owners' meeting",
		MediaType: "text/plain; charset=utf-8", Content: []byte("Agenda: the roof."), ValidFrom: clk.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.Post(ctx); err != nil {
		t.Fatal(err)
	}
	var received struct {
		Documents []struct{ Series string } `json:"documents"`
	}
	call(t, srv, token, "GET", "/me/documents", "", 200, &received)
	if len(received.Documents) != 1 || received.Documents[0].Series != notice.Series.String() {
		t.Fatalf("Olga's documents: %+v", received)
	}
	var membership struct{ Member bool }
	call(t, srv, token, "GET", fmt.Sprintf("/documents/distributions/%s/%d/proof", notice.Series, notice.Version), "", 200, &membership)
	if !membership.Member {
		t.Fatal("Olga is not among the owners on the board")
	}

	// Stalls: a sealed bid for a stall.
	const seasonID = "spring-2027"
	_, pub, err := stalls.Ceremony(newRand("stalls ceremony"), seasonID, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	opens := time.Date(2027, 4, 1, 8, 0, 0, 0, time.UTC)
	if err := market.CreateSeason(ctx, operator, stalls.Draft{ID: seasonID, Opens: opens, Closes: opens.Add(14 * 24 * time.Hour), Cap: 1, Trustees: pub.Bytes()}); err != nil {
		t.Fatal(err)
	}
	if _, err := market.AddMarket(ctx, operator, seasonID, "Danilovsky market"); err != nil {
		t.Fatal(err)
	}
	if err := market.AddStalls(ctx, operator, seasonID, []stalls.Stall{{ID: "a1", Size: 600, Kind: "produce", Reserve: 1000}}); err != nil {
		t.Fatal(err)
	}
	if _, err := market.Publish(ctx, operator, seasonID); err != nil {
		t.Fatal(err)
	}
	season, err := market.Season(ctx, seasonID)
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Bidder string }
	call(t, srv, token, "GET", "/stalls/seasons/"+seasonID+"/me", "", 200, &me)
	raw, err := hex.DecodeString(me.Bidder)
	if err != nil || len(raw) != len(stalls.Bidder{}) {
		t.Fatalf("bidder %q", me.Bidder)
	}
	bidder := stalls.Bidder(raw)
	bid, err := stalls.EncryptBid(newRand("olga's bid"), season, uint32(season.StallIndex("a1")), bidder, 2500)
	if err != nil {
		t.Fatal(err)
	}
	call(t, srv, token, "POST", "/stalls/seasons/"+seasonID+"/bids", fmt.Sprintf(`{"bid":"%x"}`, bid.Bytes()), 201, nil)
	if err := market.PostPending(ctx, seasonID); err != nil {
		t.Fatal(err)
	}

	// Active Citizen: a poll, whose credential reaches Olga sealed to her
	// device, and her comment and rating.
	pollOpens := time.Date(2027, 4, 1, 8, 0, 0, 0, time.UTC)
	if _, err := citizen.CreatePoll(ctx, clerk, &polls.Spec{ID: "bike-lanes", Question: voting.Text{"en": "Bicycle lanes where?"}, Kind: voting.OneOf,
		Options: []voting.Option{{ID: "ring", Title: voting.Text{"en": "Ring road"}}, {ID: "river", Title: voting.Text{"en": "River"}}},
		Opens:   pollOpens, Closes: pollOpens.Add(30 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	poll := pollstest.Open(t, board, "bike-lanes", 3, boxKey, db)
	fp, _ := poll.M.Fingerprint()
	sealed, err := voting.SealCredential(newRand("seal"), deviceKey.Public(), fp, poll.Creds[1], identity.DeliveryAD(olga, "bike-lanes"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ident.Deliver(ctx, authority, olga, "bike-lanes", sealed); err != nil {
		t.Fatal(err)
	}
	server.AddBox("bike-lanes", poll.Box)
	var delivery struct {
		Sealed         string `json:"sealed"`
		AssociatedData string `json:"associated_data"`
	}
	call(t, srv, token, "GET", "/me/credentials/bike-lanes", "", 200, &delivery)
	sealedBytes, _ := base64.StdEncoding.DecodeString(delivery.Sealed)
	ad, _ := base64.StdEncoding.DecodeString(delivery.AssociatedData)
	ct, err := hybrid.ParseCiphertext(sealedBytes)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := voting.OpenCredential(deviceKey, fp, ct, ad)
	if err != nil {
		t.Fatal(err)
	}
	ballot, _, err := voting.EncryptBallot(newRand("olga's ballot"), poll.M, poll.PK, cred.Style, cred.Key,
		voting.Selections{polls.ContestID: {Options: []string{"river"}}})
	if err != nil {
		t.Fatal(err)
	}
	call(t, srv, token, "POST", "/elections/bike-lanes/ballots", fmt.Sprintf(`{"ballot":%q}`, base64.StdEncoding.EncodeToString(ballot.Bytes())), 201, nil)
	poll.Vote(poll.Creds[0], "ring")
	poll.Vote(poll.Creds[2], "river")
	if err := citizen.AddSubject(ctx, moderator, "activity/market-day", voting.Text{"en": "Market day"}); err != nil {
		t.Fatal(err)
	}
	call(t, srv, token, "POST", "/subjects/poll/bike-lanes/comments", `{"text":"The river route is safer."}`, 201, nil)
	call(t, srv, token, "POST", "/subjects/activity/market-day/ratings", `{"rating":4}`, 201, nil)
	if _, err := citizen.Anchor(ctx); err != nil {
		t.Fatal(err)
	}
	var feedback struct {
		Items []struct{ Batch uint64 } `json:"items"`
	}
	call(t, srv, token, "GET", "/me/feedback", "", 200, &feedback)
	if len(feedback.Items) != 2 || feedback.Items[0].Batch != 1 || feedback.Items[1].Batch != 1 {
		t.Fatalf("Olga's feedback %+v", feedback)
	}
	res := poll.Finish()
	if res.Contests[0].Totals[1] != 2 {
		t.Fatalf("totals %v", res.Contests[0].Totals)
	}
	poll.Verify()

	// What stands for Olga in each service.
	credKey := cred.Key.Public().Bytes()
	pseudonym := func(service, context string) []byte {
		p, err := ident.Pseudonym(olga, service, []byte(context))
		if err != nil {
			t.Fatal(err)
		}
		return p[:]
	}
	docPseudonym := pseudonym("documents", string(documents.DistributionContext(notice.Series, notice.Version)))
	docLeaf := documents.RecipientLeaf(notice.Series, notice.Version, [32]byte(docPseudonym))
	personal := map[string][]byte{
		"resident id":         olga[:],
		"resident id (hex)":   []byte(olga.String()),
		"identifier":          []byte(identifier),
		"device key":          deviceKey.Public().Bytes(),
		"session":             principal.Session[:],
		"polls author":        pseudonym(polls.ServiceName, "author"),
		"polls rating":        pseudonym(polls.ServiceName, "rating/activity/market-day"),
		"document leaf":       docLeaf[:],
		"documents pseudonym": docPseudonym,
	}
	// Each service's own stand-in for her, and the only topic kind it may
	// appear in.
	own := map[string]struct {
		value   []byte
		service string
	}{
		"voter credential": {credKey, "voting"},
		"bidder":           {bidder[:], "stalls"},
	}

	// Every entry of every topic, by service.
	topics, err := board.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byService := map[string][]bulletin.Entry{}
	for _, ti := range topics {
		service := ""
		switch {
		case ti.ID == poll.M.Topic():
			service = "voting"
		case ti.ID == polls.Topic:
			service = "polls"
		case ti.ID == docs.TopicID():
			service = "documents"
		case ti.ID == stalls.Topic(seasonID):
			service = "stalls"
		default:
			t.Fatalf("an unexpected topic %v", ti.ID)
		}
		_, n, err := board.Head(ctx, ti.ID)
		if err != nil {
			t.Fatal(err)
		}
		es, err := board.Entries(ctx, ti.ID, 0, n)
		if err != nil {
			t.Fatal(err)
		}
		byService[service] = append(byService[service], es...)
	}
	for _, s := range []string{"voting", "polls", "documents", "stalls"} {
		if len(byService[s]) == 0 {
			t.Fatalf("the %s service has posted nothing", s)
		}
	}
	contains := func(e bulletin.Entry, v []byte) bool {
		return bytes.Contains(e.Payload, v) || bytes.Contains(e.Poster[:], v) ||
			bytes.Contains(e.Payload, []byte(hex.EncodeToString(v)))
	}
	// No personal value is anywhere on the board.
	for what, v := range personal {
		for s, es := range byService {
			for _, e := range es {
				if contains(e, v) {
					t.Errorf("Olga's %s is in %s entry %v", what, s, e)
				}
			}
		}
	}
	// Her credential and her bidder pseudonym are on the board, each only in
	// its own service's topic.
	for what, o := range own {
		found := false
		for s, es := range byService {
			for _, e := range es {
				if !contains(e, o.value) {
					continue
				}
				if s != o.service {
					t.Errorf("Olga's %s (a %s value) is in a %s entry %v", what, o.service, s, e)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("Olga's %s is not on the board at all: the check would prove nothing", what)
		}
	}
	if bytes.Equal(credKey, bidder[:]) || bytes.Equal(bidder[:], docPseudonym) {
		t.Fatal("two services see the same value for Olga")
	}
	// And no field at all is shared between two services' entries: no
	// 16-byte run of varied bytes of one service's payloads appears in
	// another's.
	const w = 16
	seen := map[string]map[string]bool{}
	for s, es := range byService {
		seen[s] = map[string]bool{}
		for _, e := range es {
			for i := 0; i+w <= len(e.Payload); i++ {
				win := e.Payload[i : i+w]
				if varied(win) {
					seen[s][string(win)] = true
				}
			}
		}
	}
	services := []string{"voting", "polls", "documents", "stalls"}
	for i, a := range services {
		for _, b := range services[i+1:] {
			small, large := seen[a], seen[b]
			if len(small) > len(large) {
				small, large = large, small
			}
			n := 0
			for k := range small {
				if large[k] {
					n++
					if n == 1 {
						t.Errorf("%s and %s entries share the bytes %x", a, b, k)
					}
				}
			}
		}
	}
	t.Logf("checked %d voting, %d polls, %d documents and %d stalls entries", len(byService["voting"]), len(byService["polls"]),
		len(byService["documents"]), len(byService["stalls"]))
}

// call sends an API request (with the bearer token, if any) and decodes
// the answer, which must have status want.
func call(t *testing.T, srv *httptest.Server, token, method, path, body string, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// varied reports whether b has at least 8 distinct byte values: runs of
// zeros, padding and small integers are shared by every encoding and link
// nothing.
func varied(b []byte) bool {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n >= 8
}
