package api

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/services/store/storetest"
)

// pollsEnv is the real API over HTTP with real identity and polls
// services on a fresh database and an in-memory board.
type pollsEnv struct {
	*identityEnv
	board *memboard.Board
	polls *polls.Service
	admin identity.ResidentID
}

func newPollsEnv(t *testing.T, dbURL string) *pollsEnv {
	t.Helper()
	db := storetest.Open(t, dbURL)
	ident, err := identity.New(db, bytes.Repeat([]byte{0x5e}, identity.SecretSize), &identity.Options{
		Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	boxKey, err := schnorr.GenerateKey(pollstest.Rand("api box"))
	if err != nil {
		t.Fatal(err)
	}
	board := memboard.New()
	svc, err := polls.New(polls.Config{DB: db, Identity: ident, Board: board.As(pollstest.Commission), Defaults: pollstest.Defaults(boxKey)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWithConfig(board, nil, Config{Polls: svc})
	if err != nil {
		t.Fatal(err)
	}
	s.SetIdentity(ident, IdentityOptions{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e := &pollsEnv{identityEnv: &identityEnv{url: ts.URL + "/api/v1", svc: ident}, board: board, polls: svc}
	ctx := context.Background()
	e.admin = e.register(t, "admin")
	if err := ident.BootstrapAdministrator(ctx, e.admin); err != nil {
		t.Fatal(err)
	}
	return e
}

// register registers name@city.example with a role-less account.
func (e *pollsEnv) register(t *testing.T, name string) identity.ResidentID {
	t.Helper()
	id, err := e.svc.Register(context.Background(), name+"@city.example", "password of "+name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// login registers name with roles and returns an access token.
func (e *pollsEnv) login(t *testing.T, name string, roles ...identity.Role) string {
	t.Helper()
	id := e.register(t, name)
	for _, r := range roles {
		if err := e.svc.GrantRole(context.Background(), e.admin, id, r); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := e.svc.Login(context.Background(), name+"@city.example", "password of "+name)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Access
}

const pollBody = `{"id":"bike-lanes","question":{"en":"Where should the bicycle lanes go?"},"kind":"one-of",
	"options":[{"id":"ring","title":{"en":"Ring road"}},{"id":"river","title":{"en":"Along the river"}}],
	"opens":"2026-12-01T08:00:00Z","closes":"2026-12-15T20:00:00Z"}`

// A commission member creates a poll with one call; residents comment and
// rate; a moderator hides a comment and anchors the batch; the published
// totals are the board's and each resident checks their item.
func TestActiveCitizenAPIEndToEnd(t *testing.T) {
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newPollsEnv(t, dbURL)
		commission := e.login(t, "commission", identity.RoleCommission)
		moderator := e.login(t, "moderator", identity.RoleModerator)
		alice, bob := e.login(t, "alice"), e.login(t, "bob")

		var poll struct{ ID, Fingerprint, Topic, Subject string }
		e.do(t, "POST", "/polls", commission, pollBody).decode(t, http.StatusCreated, &poll)
		if poll.ID != "bike-lanes" || poll.Subject != "poll/bike-lanes" || len(poll.Fingerprint) != 64 {
			t.Fatalf("poll %+v", poll)
		}
		// The poll is an election: the voter API serves it from the board.
		var el struct{ Fingerprint, Phase string }
		e.do(t, "GET", "/elections/bike-lanes", "", "").decode(t, http.StatusOK, &el)
		if el.Fingerprint != poll.Fingerprint || el.Phase != "setup" {
			t.Fatalf("election %+v", el)
		}
		e.do(t, "POST", "/polls", commission, pollBody).isProblem(t, http.StatusConflict, "duplicate")
		var list struct{ Subjects []polls.Subject }
		e.do(t, "GET", "/polls", "", "").decode(t, http.StatusOK, &list)
		if len(list.Subjects) != 1 || list.Subjects[0].Name != "poll/bike-lanes" {
			t.Fatalf("polls %+v", list)
		}

		e.do(t, "POST", "/subjects", moderator, `{"subject":"activity/cleanup","title":{"en":"Clean-up day"}}`).decode(t, http.StatusCreated, nil)
		var id struct{ ID uint64 }
		e.do(t, "POST", "/subjects/activity/cleanup/ratings", alice, `{"rating":5}`).decode(t, http.StatusCreated, &id)
		e.do(t, "POST", "/subjects/activity/cleanup/ratings", bob, `{"rating":2}`).decode(t, http.StatusCreated, &id)
		e.do(t, "POST", "/subjects/activity/cleanup/ratings", bob, `{"rating":5}`).isProblem(t, http.StatusConflict, "duplicate")
		e.do(t, "POST", "/subjects/poll/bike-lanes/comments", alice, `{"text":"Along the river, please."}`).decode(t, http.StatusCreated, &id)
		var spam struct{ ID uint64 }
		e.do(t, "POST", "/subjects/poll/bike-lanes/comments", bob, `{"text":"cheap watches"}`).decode(t, http.StatusCreated, &spam)
		e.do(t, "POST", fmt.Sprintf("/comments/%d/hide", spam.ID), alice, `{"reason":"spam"}`).isProblem(t, http.StatusForbidden, "forbidden")
		e.do(t, "POST", fmt.Sprintf("/comments/%d/hide", spam.ID), moderator, `{"reason":"advertising"}`).decode(t, http.StatusNoContent, nil)
		var cs struct{ Comments []polls.Comment }
		e.do(t, "GET", "/subjects/poll/bike-lanes/comments", "", "").decode(t, http.StatusOK, &cs)
		if len(cs.Comments) != 2 || cs.Comments[1].Text != "" || !cs.Comments[1].Hidden || cs.Comments[1].HiddenReason != "advertising" {
			t.Fatalf("comments %+v", cs)
		}

		e.do(t, "POST", "/aggregates", alice, "").isProblem(t, http.StatusForbidden, "forbidden")
		var batch struct {
			Batch  uint64
			Leaves uint32
		}
		e.do(t, "POST", "/aggregates", moderator, "").decode(t, http.StatusCreated, &batch)
		if batch.Batch != 1 || batch.Leaves != 4 {
			t.Fatalf("batch %+v", batch)
		}
		e.do(t, "POST", "/aggregates", moderator, "").decode(t, http.StatusNoContent, nil)

		var aggs struct {
			Totals []struct {
				Kind, Subject string
				Count, Sum    uint64
				Average       float64
			}
		}
		e.do(t, "GET", "/aggregates", "", "").decode(t, http.StatusOK, &aggs)
		onBoard, err := polls.ReadAggregates(context.Background(), e.board, pollstest.Commission)
		if err != nil {
			t.Fatal(err)
		}
		totals := polls.Totals(onBoard)
		if len(aggs.Totals) != len(totals) || aggs.Totals[1].Subject != "activity/cleanup" || aggs.Totals[1].Average != 3.5 ||
			aggs.Totals[1].Count != totals[1].Count || aggs.Totals[1].Sum != totals[1].Sum {
			t.Fatalf("API totals %+v, board %+v", aggs.Totals, totals)
		}
		var sum struct{ Summary polls.Summary }
		e.do(t, "GET", "/subjects/activity/cleanup", "", "").decode(t, http.StatusOK, &sum)
		if sum.Summary.AnchoredRatings != 2 || sum.Summary.AnchoredSum != 7 {
			t.Fatalf("summary %+v", sum)
		}

		// Alice checks her rating against the board with what /me/feedback
		// gives her.
		var mine struct {
			Items []struct {
				ID                        uint64
				Kind, Subject, Text, Salt string
				Rating                    uint8
				Batch                     uint64
				Proof                     string
			}
		}
		e.do(t, "GET", "/me/feedback", alice, "").decode(t, http.StatusOK, &mine)
		if len(mine.Items) != 2 {
			t.Fatalf("alice's items %+v", mine)
		}
		for _, it := range mine.Items {
			salt, _ := hex.DecodeString(it.Salt)
			proof, _ := hex.DecodeString(it.Proof)
			kind := polls.KindComment
			if it.Kind == "rating" {
				kind = polls.KindRating
			}
			rc := &polls.Receipt{Item: polls.Item{ID: it.ID, Kind: kind, Subject: it.Subject, Rating: it.Rating, Text: it.Text, Salt: [32]byte(salt)},
				Batch: it.Batch, Proof: proof}
			if err := polls.CheckReceipt(rc, &onBoard[it.Batch-1].Aggregate); err != nil {
				t.Fatalf("alice's %s: %v", it.Kind, err)
			}
		}
		// The board's payloads carry none of the texts.
		for _, a := range onBoard {
			if strings.Contains(string(a.Bytes()), "river") {
				t.Fatal("a comment's text is on the board")
			}
		}
	})
}

// Hostile requests get a 4xx problem naming the rule, never a 5xx.
func TestActiveCitizenAPIHostileRequests(t *testing.T) {
	e := newPollsEnv(t, storetest.SQLiteURL(t))
	moderator := e.login(t, "moderator", identity.RoleModerator)
	mallory := e.login(t, "mallory")
	e.do(t, "POST", "/subjects", moderator, `{"subject":"activity/run","title":{"en":"Run"}}`).decode(t, http.StatusCreated, nil)
	cases := []struct {
		name, method, path, token, body string
		status                          int
		kind                            string
	}{
		{"no token", "POST", "/subjects/activity/run/ratings", "", `{"rating":3}`, 401, "unauthenticated"},
		{"forged token", "POST", "/subjects/activity/run/ratings", "vat_forged", `{"rating":3}`, 401, "unauthenticated"},
		{"resident creates a poll", "POST", "/polls", mallory, pollBody, 403, "forbidden"},
		{"resident lists a project", "POST", "/subjects", mallory, `{"subject":"project/x","title":{"en":"X"}}`, 403, "forbidden"},
		{"resident anchors", "POST", "/aggregates", mallory, "", 403, "forbidden"},
		{"role in the body", "POST", "/subjects/activity/run/ratings", mallory, `{"rating":3,"role":"moderator"}`, 400, "malformed-request"},
		{"rating as a string", "POST", "/subjects/activity/run/ratings", mallory, `{"rating":"5"}`, 400, "malformed-request"},
		{"rating 9", "POST", "/subjects/activity/run/ratings", mallory, `{"rating":9}`, 400, "invalid-feedback"},
		{"duplicate key", "POST", "/subjects/activity/run/ratings", mallory, `{"rating":1,"rating":5}`, 400, "malformed-request"},
		{"guessed subject", "POST", "/subjects/project/secret-plan/comments", mallory, `{"text":"hi"}`, 404, "not-found"},
		{"unknown subject kind", "GET", "/subjects/person/alice/comments", "", "", 404, "not-found"},
		{"comment on an activity", "POST", "/subjects/activity/run/comments", mallory, `{"text":"hi"}`, 400, "invalid-feedback"},
		{"control characters", "POST", "/subjects/poll/x/comments", mallory, "{\"text\":\"a\\u0000b\"}", 400, "invalid-feedback"},
		{"hide a non-number", "POST", "/comments/abc/hide", moderator, `{"reason":"x"}`, 404, "not-found"},
		{"hide an unknown comment", "POST", "/comments/424242/hide", moderator, `{"reason":"x"}`, 404, "not-found"},
		{"bad query", "GET", "/subjects?kind=%27%3Bdrop", "", "", 400, "invalid-query"},
		{"bad poll", "POST", "/polls", e.login(t, "clerk", identity.RoleCommission), `{"id":"p","question":{"en":"Q"},"kind":"ranked","options":[],"opens":"2026-12-01T08:00:00Z","closes":"2026-12-15T20:00:00Z"}`, 400, "invalid-poll"},
		{"huge body", "POST", "/subjects/poll/x/comments", mallory, `{"text":"` + strings.Repeat("a", MaxBody) + `"}`, 413, "request-too-large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.do(t, c.method, c.path, c.token, c.body).isProblem(t, c.status, c.kind)
		})
	}
	// Wrong content type.
	req, _ := http.NewRequest("POST", e.url+"/subjects/activity/run/ratings", strings.NewReader(`{"rating":3}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+mallory)
	send(t, req).isProblem(t, http.StatusUnsupportedMediaType, "unsupported-media-type")
}

// Without a polls service the endpoints say so.
func TestActiveCitizenAPIWithoutTheService(t *testing.T) {
	s := New(memboard.New(), nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/polls", nil))
	var p struct{ Type string }
	json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != 404 || !strings.HasSuffix(p.Type, "/no-polls-service") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// A moderator hides a comment already anchored; the next batch records
// the hide on the board, GET /aggregates shows it and counts the subject's
// hidden comment, the author's /me/feedback shows when, why and in which
// batch, and the author checks that on the board -- while another
// resident sees none of it, and the hidden text is in no public answer
// and not on the board.
func TestActiveCitizenAPIModerationOnTheRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newPollsEnv(t, dbURL)
		moderator := e.login(t, "moderator", identity.RoleModerator)
		alice, bob := e.login(t, "alice"), e.login(t, "bob")
		const spamText, reason = "BUY CHEAP WATCHES at watches.example", "advertising"

		e.do(t, "POST", "/subjects", moderator, `{"subject":"project/new-library","title":{"en":"New library"}}`).decode(t, http.StatusCreated, nil)
		var spam, kept struct{ ID uint64 }
		e.do(t, "POST", "/subjects/project/new-library/comments", alice, `{"text":"By the river, please."}`).decode(t, http.StatusCreated, &kept)
		e.do(t, "POST", "/subjects/project/new-library/comments", alice, `{"text":"`+spamText+`"}`).decode(t, http.StatusCreated, &spam)
		e.do(t, "POST", "/subjects/project/new-library/comments", bob, `{"text":"Open on Sundays."}`).decode(t, http.StatusCreated, nil)
		e.do(t, "POST", "/aggregates", moderator, "").decode(t, http.StatusCreated, nil)

		e.do(t, "POST", fmt.Sprintf("/comments/%d/hide", spam.ID), moderator, `{"reason":"`+reason+`"}`).decode(t, http.StatusNoContent, nil)
		// Hidden, not yet on the record: when and why, but no batch.
		item := e.feedbackItem(t, alice, spam.ID)
		if item["hidden"] != true || item["hidden_reason"] != reason || item["hidden_at"] == nil || item["hide_batch"] != nil {
			t.Fatalf("before anchoring the hide: %v", item)
		}
		var hb struct {
			Batch  uint64
			Leaves uint32
			Hides  []struct{ Batch uint64 }
		}
		e.do(t, "POST", "/aggregates", moderator, "").decode(t, http.StatusCreated, &hb)
		if hb.Batch != 2 || hb.Leaves != 0 || len(hb.Hides) != 1 || hb.Hides[0].Batch != 1 {
			t.Fatalf("the batch of the hide: %+v", hb)
		}

		// GET /aggregates is the board's record.
		rec := e.do(t, "GET", "/aggregates", "", "")
		var aggs struct {
			Aggregates []struct {
				Batch uint64
				Hides []struct {
					Batch      uint64 `json:"batch"`
					Index      uint32 `json:"index"`
					At         string `json:"at"`
					ReasonHash string `json:"reason_hash"`
				}
			}
			Totals []struct {
				Subject       string
				Count, Hidden uint64
			}
		}
		rec.decode(t, http.StatusOK, &aggs)
		onBoard, err := polls.ReadAggregates(context.Background(), e.board, pollstest.Commission)
		if err != nil {
			t.Fatal(err)
		}
		recorded := polls.HiddenComments(onBoard)
		if len(aggs.Aggregates) != 2 || len(aggs.Aggregates[0].Hides) != 0 || len(aggs.Aggregates[1].Hides) != 1 || len(recorded) != 1 {
			t.Fatalf("aggregates %+v, board's hides %+v", aggs.Aggregates, recorded)
		}
		h, want := aggs.Aggregates[1].Hides[0], recorded[0]
		wantHash := polls.ReasonHash(reason)
		if h.Batch != want.Batch || h.Index != want.Index || h.At != want.At.UTC().Format(time.RFC3339Nano) ||
			h.ReasonHash != hex.EncodeToString(wantHash[:]) || want.Reason != wantHash {
			t.Fatalf("API hide %+v, board %+v", h, want)
		}
		if len(aggs.Totals) != 1 || aggs.Totals[0].Subject != "project/new-library" || aggs.Totals[0].Count != 3 || aggs.Totals[0].Hidden != 1 {
			t.Fatalf("totals %+v", aggs.Totals)
		}

		// The author's feedback: when, why, and the batch of the record,
		// which she checks on the board with her receipt.
		mine := e.do(t, "GET", "/me/feedback", alice, "")
		item = e.feedbackItem(t, alice, spam.ID)
		if item["hidden"] != true || item["hidden_reason"] != reason || item["hidden_at"] != h.At || item["hide_batch"] != float64(2) {
			t.Fatalf("alice's hidden comment %v; the hide %+v", item, h)
		}
		if other := e.feedbackItem(t, alice, kept.ID); other["hidden"] != false || other["hidden_at"] != nil || other["hidden_reason"] != nil || other["hide_batch"] != nil {
			t.Fatalf("alice's comment that is not hidden %v", other)
		}
		rc := receiptOf(t, item)
		got, err := polls.CheckHidden(rc, onBoard, reason)
		if err != nil || got.In != 2 || got.At.UTC().Format(time.RFC3339Nano) != item["hidden_at"] {
			t.Fatalf("CheckHidden: %+v, %v", got, err)
		}
		if _, err := polls.CheckHidden(rc, onBoard, "off topic"); !errors.Is(err, polls.ErrMismatch) {
			t.Fatalf("another reason: %v", err)
		}
		if _, err := polls.CheckHidden(receiptOf(t, e.feedbackItem(t, alice, kept.ID)), onBoard, ""); !errors.Is(err, polls.ErrNotHidden) {
			t.Fatalf("the comment not hidden: %v", err)
		}

		// Bob sees nothing of it; the text is in no public answer nor on
		// the board (the author's own feedback carries it: her leaf needs it).
		theirs := e.do(t, "GET", "/me/feedback", bob, "")
		for _, key := range []string{"hidden_at", "hidden_reason", "hide_batch", reason} {
			if bytes.Contains(theirs.body, []byte(key)) {
				t.Fatalf("bob's feedback shows %q: %s", key, theirs.body)
			}
		}
		for name, body := range map[string][]byte{
			"GET /aggregates": rec.body, "bob's feedback": theirs.body,
			"GET /subjects/project/new-library/comments": e.do(t, "GET", "/subjects/project/new-library/comments", "", "").body,
			"GET /subjects/project/new-library":          e.do(t, "GET", "/subjects/project/new-library", "", "").body,
		} {
			if bytes.Contains(body, []byte("WATCHES")) {
				t.Fatalf("%s shows the hidden text: %s", name, body)
			}
		}
		for _, a := range onBoard {
			if bytes.Contains(a.Bytes(), []byte("WATCHES")) || bytes.Contains(a.Bytes(), []byte(reason)) {
				t.Fatal("a hidden text or a reason is on the board in clear")
			}
		}

		// Every field of these answers is described by the OpenAPI document.
		doc := openAPIDoc(t, e)
		describedBy(t, doc, "#/components/schemas/Aggregates", rec.body)
		describedBy(t, doc, "#/components/schemas/Feedback", mine.body)
	})
}

// feedbackItem returns the bearer's item id of GET /me/feedback as JSON
// values, so that absent fields show as absent.
func (e *pollsEnv) feedbackItem(t *testing.T, token string, id uint64) map[string]any {
	t.Helper()
	var out struct{ Items []map[string]any }
	e.do(t, "GET", "/me/feedback", token, "").decode(t, http.StatusOK, &out)
	for _, it := range out.Items {
		if it["id"] == float64(id) {
			return it
		}
	}
	t.Fatalf("item %d is not in the feedback %+v", id, out.Items)
	return nil
}

// receiptOf makes the polls.Receipt of an item of GET /me/feedback.
func receiptOf(t *testing.T, item map[string]any) *polls.Receipt {
	t.Helper()
	salt, err1 := hex.DecodeString(item["salt"].(string))
	proof, err2 := hex.DecodeString(item["proof"].(string))
	if err1 != nil || err2 != nil || len(salt) != polls.SaltSize || item["kind"] != "comment" {
		t.Fatalf("item %v", item)
	}
	text, _ := item["text"].(string)
	return &polls.Receipt{Item: polls.Item{ID: uint64(item["id"].(float64)), Kind: polls.KindComment, Subject: item["subject"].(string),
		Text: text, Salt: [polls.SaltSize]byte(salt)}, Batch: uint64(item["batch"].(float64)), Proof: proof}
}

// openAPIDoc returns the OpenAPI document the server serves.
func openAPIDoc(t *testing.T, e *pollsEnv) map[string]any {
	t.Helper()
	var doc map[string]any
	e.do(t, "GET", "/openapi.json", "", "").decode(t, http.StatusOK, &doc)
	return doc
}

// describedBy checks that every object key of the JSON body, at any depth,
// is a property of the schema at ref (following $refs and array items).
func describedBy(t *testing.T, doc map[string]any, ref string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	resolve := func(s map[string]any) map[string]any {
		for s["$ref"] != nil {
			var node any = doc
			for _, part := range strings.Split(strings.TrimPrefix(s["$ref"].(string), "#/"), "/") {
				node = node.(map[string]any)[part]
			}
			if node == nil {
				t.Fatalf("openapi.json has no %s", s["$ref"])
			}
			s = node.(map[string]any)
		}
		return s
	}
	var walk func(path string, schema map[string]any, v any)
	walk = func(path string, schema map[string]any, v any) {
		schema = resolve(schema)
		switch v := v.(type) {
		case map[string]any:
			props, _ := schema["properties"].(map[string]any)
			for k, sub := range v {
				ps, ok := props[k].(map[string]any)
				if !ok {
					t.Errorf("%s.%s is answered but not in openapi.json's %s", path, k, ref)
					continue
				}
				walk(path+"."+k, ps, sub)
			}
		case []any:
			items, ok := schema["items"].(map[string]any)
			if !ok {
				t.Errorf("%s is an array, openapi.json's schema has no items", path)
				return
			}
			for _, it := range v {
				walk(path+"[]", items, it)
			}
		}
	}
	walk("$", map[string]any{"$ref": ref}, v)
}
