package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// A boxServer is the example election cut down for speed (the referendum
// only, one trustee), on an in-memory board up to the end of its key
// ceremony, with the credentials of voters posted, a real ballot box on a
// real database (SQLite or PostgreSQL) and the API in front of it on a real
// HTTP server. The test opens the election. Its randomness is crypto/rand's.
type boxServer struct {
	t        *testing.T
	election *electiontest.Election
	board    *memboard.Board
	m        *voting.Manifest
	fp       [32]byte
	pk       *elgamal.PublicKey
	creds    []*voting.Credential
	box      *ballotbox.Box
	api      *Server
	srv      *httptest.Server
	base     string // the election's URL: .../api/v1/elections/ID
}

func newBoxServer(t *testing.T, dbURL string, cfg Config, revote voting.RevotePolicy, voters int) *boxServer {
	t.Helper()
	x := electiontest.New(t, electiontest.Options{ID: "hostile", Revote: revote, Referendum: true, Voters: voters})
	e := &boxServer{t: t, election: x, board: x.Board, m: x.Manifest, pk: x.Key, creds: x.Credentials}
	e.fp, _ = e.m.Fingerprint()
	e.box = x.Box(storetest.Open(t, dbURL), nil)
	var err error
	if e.api, err = NewWithConfig(e.board, nil, cfg); err != nil {
		t.Fatal(err)
	}
	e.api.AddBox(e.m.ID, e.box)
	e.srv = electiontest.Serve(t, e.api)
	e.base = e.srv.URL + "/api/v1/elections/" + e.m.ID
	return e
}

func (e *boxServer) phase(p bulletin.Phase) {
	e.t.Helper()
	e.election.Phase(p)
}

var referendumYes = voting.Selections{"bike-lanes": {Options: []string{"yes"}}}

// ballot encrypts a yes with credential i (rand nil: crypto/rand).
func (e *boxServer) ballot(i int, rand io.Reader) (*voting.Ballot, *voting.BallotSecrets) {
	e.t.Helper()
	return e.election.BallotWith(rand, i, referendumYes)
}

// auditRecord encrypts a ballot with credential i and opens it for audit.
func (e *boxServer) auditRecord(i int) (*voting.Ballot, []byte) {
	e.t.Helper()
	b, s := e.ballot(i, nil)
	a, err := voting.AuditBallot(b, s)
	if err != nil {
		e.t.Fatal(err)
	}
	rec, err := a.Bytes(e.m)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, rec
}

// A reply is an HTTP response, read.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    error // the request failed (no response)
}

func (r reply) String() string {
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// send makes a real HTTP request to the server; header holds extra header
// lines.
func (e *boxServer) send(method, url, ct string, body io.Reader, header ...string) reply {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return reply{err: err}
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// post sends a JSON body to path under the election's URL.
func (e *boxServer) post(path, body string) reply {
	return e.send(http.MethodPost, e.base+path, "application/json", strings.NewReader(body))
}

func castBody(b []byte) string { return `{"ballot":"` + base64.StdEncoding.EncodeToString(b) + `"}` }

func auditBody(b []byte) string { return `{"audit":"` + base64.StdEncoding.EncodeToString(b) + `"}` }

// cast casts ballot bytes and wants 201 with the receipt of that ballot.
func (e *boxServer) cast(b []byte) receiptResponse {
	e.t.Helper()
	r := e.post("/ballots", castBody(b))
	if r.status != http.StatusCreated {
		e.t.Fatalf("cast: %v", r)
	}
	var rc receiptResponse
	if err := json.Unmarshal(r.body, &rc); err != nil {
		e.t.Fatal(err)
	}
	if want := voting.TrackingCode(sha256.Sum256(b)).String(); rc.TrackingCode != want {
		e.t.Fatalf("the receipt names %s, the ballot is %s", rc.TrackingCode, want)
	}
	return rc
}

// wantProblem checks that r is an RFC 9457 problem of the given status and
// type.
func wantProblem(t *testing.T, what string, r reply, status int, kind string) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("%s: %v", what, r.err)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}
	if r.status != status || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%s: %v, content type %q; want a %d problem %s", what, r, r.header.Get("Content-Type"), status, kind)
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Type != problemBase+kind || p.Status != status || p.Title == "" {
		t.Fatalf("%s: problem %s (%v), want type %s", what, r.body, err, kind)
	}
}

// pending returns the number of acknowledged ballots not yet posted.
func (e *boxServer) pending() int {
	e.t.Helper()
	n, err := e.box.Pending(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// post posts everything acknowledged to the board.
func (e *boxServer) postAll() {
	e.t.Helper()
	if _, err := e.box.Post(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// onBoard returns the tracking codes of the ballots in the election's
// ballot-batch entries, in board order.
func (e *boxServer) onBoard() []voting.TrackingCode {
	e.t.Helper()
	var out []voting.TrackingCode
	for _, raw := range e.boardBallots() {
		out = append(out, voting.TrackingCode(sha256.Sum256(raw)))
	}
	return out
}

// boardBallots returns the encodings of the ballots on the board, in board
// order.
func (e *boxServer) boardBallots() [][]byte {
	e.t.Helper()
	ballots, _ := e.election.BoardBallots()
	return ballots
}

// historyHeaders returns the headers of a history request signed by
// credential signer for credential claimed at Unix time ts.
func (e *boxServer) historyHeaders(signer *schnorr.PrivateKey, claimed *schnorr.PublicKey, ts int64) []string {
	e.t.Helper()
	sig, err := schnorr.Sign(nil, signer, HistoryContext, HistoryMessage(e.fp, claimed.Bytes(), uint64(ts)))
	if err != nil {
		e.t.Fatal(err)
	}
	return []string{HeaderCredential, hex.EncodeToString(claimed.Bytes()), HeaderTimestamp, strconv.FormatInt(ts, 10),
		HeaderSignature, base64.StdEncoding.EncodeToString(sig)}
}

type historyReply struct {
	Election   string `json:"election"`
	Credential string `json:"credential"`
	Ballots    []struct {
		Kind         string    `json:"kind"`
		TrackingCode string    `json:"tracking_code"`
		Received     time.Time `json:"received"`
		Seq          uint64    `json:"seq"`
		Posted       bool      `json:"posted"`
		BoardSeq     *uint64   `json:"board_seq"`
		Refused      bool      `json:"refused"`
		Current      bool      `json:"current"`
	} `json:"ballots"`
}

// history fetches credential i's own history, signed now.
func (e *boxServer) history(i int) historyReply {
	e.t.Helper()
	k := e.creds[i].Key
	r := e.send(http.MethodGet, e.base+"/history", "", nil, e.historyHeaders(k, k.Public(), time.Now().Unix())...)
	if r.status != http.StatusOK {
		e.t.Fatalf("history: %v", r)
	}
	var h historyReply
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		e.t.Fatalf("history %s: %v", r.body, err)
	}
	return h
}
