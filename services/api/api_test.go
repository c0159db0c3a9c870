package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// exampleElection is the example election, unchanged (3 of 5 trustees),
// published on an in-memory board with voters credentials, set up to stage.
func exampleElection(t *testing.T, voters int, stage electiontest.Stage) *electiontest.Election {
	t.Helper()
	return electiontest.New(t, electiontest.Options{Trustees: 5, Voters: voters, Stage: stage})
}

func addr(t *testing.T, s string) bulletin.Address {
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// checkProblem checks an RFC 9457 response.
func checkProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, kind string) {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, content type %q; want %d problem+json: %s", rec.Code, rec.Header().Get("Content-Type"), status, rec.Body)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Type != problemBase+kind || p.Status != status || p.Title == "" {
		t.Fatalf("problem %s (%v), want type %s", rec.Body, err, kind)
	}
}

func TestReadEndpoints(t *testing.T) {
	e := exampleElection(t, 0, electiontest.Published)
	board, m := e.Board, e.Manifest
	s := New(board, nil)

	if rec := get(t, s, "/api/v1/health"); rec.Code != 200 {
		t.Fatalf("health: %d", rec.Code)
	}
	if rec := get(t, s, "/api/v1/ready"); rec.Code != 200 {
		t.Fatalf("ready: %d %s", rec.Code, rec.Body)
	}
	checkProblem(t, get(t, s, "/api/v1/elections/no-such-election"), 404, "unknown-election")
	checkProblem(t, get(t, s, "/api/v1/elections/"+strings.Repeat("x", 100)), 404, "unknown-election")
	checkProblem(t, get(t, s, "/api/v1/nothing-here"), 404, "not-found")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/api/v1/elections/"+m.ID, nil))
	checkProblem(t, rec, 405, "method-not-allowed")

	var info electionInfo
	rec = get(t, s, "/api/v1/elections/"+m.ID)
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	fp, _ := m.Fingerprint()
	if info.ID != m.ID || info.Fingerprint != hex.EncodeToString(fp[:]) || info.Phase != "setup" {
		t.Fatalf("election: %+v", info)
	}
	// The manifest comes back byte for byte; its hash is the fingerprint.
	rec = get(t, s, "/api/v1/elections/"+m.ID+"/manifest")
	if voting.FingerprintOf(rec.Body.Bytes()) != fp {
		t.Fatal("the served manifest does not hash to the fingerprint")
	}
	// No key before the ceremony, then the ceremony's key.
	checkProblem(t, get(t, s, "/api/v1/elections/"+m.ID+"/key"), 409, "no-key-yet")
	e.RunCeremony()
	rec = get(t, s, "/api/v1/elections/"+m.ID+"/key")
	var key struct {
		JointKey  string   `json:"joint_key"`
		Threshold int      `json:"threshold"`
		VKs       []string `json:"verification_keys"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &key); err != nil || key.Threshold != 3 || len(key.VKs) != 5 {
		t.Fatalf("key: %s (%v)", rec.Body, err)
	}
	res, err := voting.JointKey(context.Background(), board, m)
	if err != nil || key.JointKey != hex.EncodeToString(res.JointKey.Bytes()) {
		t.Fatalf("served key %s, board's %v", key.JointKey, err)
	}
}

// Every route the router serves is described in the OpenAPI document,
// with the 429 of the per-address limit (which covers every route), and
// the document describes no route that is not served.
func TestOpenAPICoversRoutes(t *testing.T) {
	s := New(memboard.New(), nil)
	rec := get(t, s, "/api/v1/openapi.json")
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v", err)
	}
	served := map[string]bool{}
	err := chi.Walk(s.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		p := strings.TrimPrefix(strings.TrimSuffix(route, "/"), "/api/v1")
		served[strings.ToLower(method)+" "+p] = true
		ops, ok := doc.Paths[p]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", method, route)
			return nil
		}
		op, ok := ops[strings.ToLower(method)]
		if !ok {
			t.Errorf("method %s of %s is not in openapi.json", method, route)
			return nil
		}
		if _, ok := op.Responses["429"]; !ok {
			t.Errorf(`%s %s: no 429 response in openapi.json (every route is rate limited: add "429": {"$ref": "#/components/responses/RateLimited"})`, method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("openapi.json describes %s %s, which the router does not serve", strings.ToUpper(m), p)
			}
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	type req struct {
		Ballot string `json:"ballot"`
		Note   string `json:"note,omitempty"`
	}
	ok := `{"ballot":"AAAA"}`
	for name, c := range map[string]struct{ body, ct string }{
		"duplicate key":   {`{"ballot":"A","ballot":"B"}`, ""},
		"case variant":    {`{"Ballot":"A"}`, ""},
		"unknown field":   {`{"ballot":"A","extra":1}`, ""},
		"nested too deep": {`{"ballot":"A","note":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, ""},
		"trailing data":   {ok + `{}`, ""},
		"not an object":   {`["ballot"]`, ""},
		"not JSON":        {`ballot=A`, ""},
		"wrong type":      {`{"ballot":5}`, ""},
		"content type":    {ok, "text/plain"},
		"oversize":        {`{"ballot":"` + strings.Repeat("A", MaxBody) + `"}`, ""},
		"duplicate inner": {`{"ballot":"A","note":{"x":1,"x":2}}`, ""},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		var v req
		if err := decodeStrict(r, &v); !errors.Is(err, errBadJSON) {
			t.Errorf("%s: decodeStrict = %v", name, err)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(ok))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	var v req
	if err := decodeStrict(r, &v); err != nil || v.Ballot != "AAAA" {
		t.Fatalf("a good request: %v", err)
	}
}

// Casting through the API with a real ballot box on SQLite: a receipt once
// stored, the same receipt for the same ballot, the status with an
// inclusion proof once posted, and 4xx problems for bad input.
func TestCastThroughAPI(t *testing.T) {
	ctx := context.Background()
	e := exampleElection(t, 3, electiontest.Opened)
	board, m, creds, pk := e.Board, e.Manifest, e.Credentials, e.Key
	commission := board.As(addr(t, m.Commission.Address))
	box := e.Box(storetest.Open(t, storetest.SQLiteURL(t)), nil)
	s := New(board, nil)
	s.AddBox(m.ID, box)

	sel := voting.Selections{"bike-lanes": {Options: []string{"yes"}}, "council": {Options: []string{"petrov"}}, "mayor": {Options: []string{"volkova", "orlov"}}}
	ballot, _, err := voting.EncryptBallot(nil, m, pk, creds[0].Style, creds[0].Key, sel)
	if err != nil {
		t.Fatal(err)
	}
	post := func(path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(rec, req)
		return rec
	}
	body := `{"ballot":"` + base64.StdEncoding.EncodeToString(ballot.Bytes()) + `"}`
	rec := post("/api/v1/elections/"+m.ID+"/ballots", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("cast: %d %s", rec.Code, rec.Body)
	}
	var rc receiptResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &rc); err != nil || rc.TrackingCode != ballot.TrackingCode().String() {
		t.Fatalf("receipt %s (%v)", rec.Body, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(rc.Receipt)
	parsed, err := voting.ParseReceipt(raw)
	if err != nil || parsed.Verify(box.PublicKey()) != nil {
		t.Fatalf("the receipt does not verify under the box's key: %v", err)
	}
	if again := post("/api/v1/elections/"+m.ID+"/ballots", body); again.Code != http.StatusCreated || again.Body.String() != rec.Body.String() {
		t.Fatalf("a resent ballot: %d %s", again.Code, again.Body)
	}

	// Posted: the status carries the inclusion proof, which checks.
	if _, err := box.Post(ctx); err != nil {
		t.Fatal(err)
	}
	rec = get(t, s, "/api/v1/elections/"+m.ID+"/ballots/"+rc.TrackingCode)
	var st struct {
		Posted bool   `json:"posted"`
		Root   string `json:"merkle_root"`
		Proof  string `json:"inclusion_proof"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || !st.Posted || st.Proof == "" {
		t.Fatalf("status %s (%v)", rec.Body, err)
	}
	proofBytes, _ := base64.StdEncoding.DecodeString(st.Proof)
	if _, err := voting.ParseInclusionProof(proofBytes); err != nil {
		t.Fatal(err)
	}
	var root [32]byte
	hex.Decode(root[:], []byte(st.Root))
	if err := voting.VerifyInclusion(ballot.TrackingCode(), proofBytes, root); err != nil {
		t.Fatalf("inclusion proof: %v", err)
	}

	// Bad input: problems, never 5xx.
	checkProblem(t, post("/api/v1/elections/"+m.ID+"/ballots", `{"ballot":"!!"}`), 400, "malformed-request")
	checkProblem(t, post("/api/v1/elections/"+m.ID+"/ballots", `{"Ballot":"AA=="}`), 400, "malformed-request")
	checkProblem(t, post("/api/v1/elections/"+m.ID+"/ballots", `{"ballot":"AAAA"}`), 400, "malformed-ballot")
	checkProblem(t, post("/api/v1/elections/other/ballots", body), 404, "no-ballot-box")
	checkProblem(t, get(t, s, "/api/v1/elections/"+m.ID+"/ballots/not-a-code"), 400, "malformed-tracking-code")
	// A ballot signed by a credential not in the list.
	stranger, _ := schnorr.GenerateKey(nil)
	bad, _, err := voting.EncryptBallot(nil, m, pk, "city", stranger, sel)
	if err != nil {
		t.Fatal(err)
	}
	checkProblem(t, post("/api/v1/elections/"+m.ID+"/ballots", `{"ballot":"`+base64.StdEncoding.EncodeToString(bad.Bytes())+`"}`), 403, "unknown-credential")
	// After the close: 409.
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseClosed); err != nil {
		t.Fatal(err)
	}
	late, _, _ := voting.EncryptBallot(nil, m, pk, creds[1].Style, creds[1].Key, sel)
	checkProblem(t, post("/api/v1/elections/"+m.ID+"/ballots", `{"ballot":"`+base64.StdEncoding.EncodeToString(late.Bytes())+`"}`), 409, "election-not-open")
}
