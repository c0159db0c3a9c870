package explorer_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/internal/electiontest/explorertest"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifytest"
)

// The sample election record of docs/spec/verification.md, section 5, and
// its tampered copy (the commission's result gives the referendum 5 yes
// and 2 no instead of 4 and 3).
const (
	sampleID       = "sample-2026"
	sampleRecord   = "../../testdata/verification/sample.jsonl"
	tamperedRecord = "../../testdata/verification/sample-tampered.jsonl"
	prefix         = explorertest.Prefix
)

// sampleBoard is a memboard holding the whole sample election, plus a
// service topic with two entries.
func sampleBoard(t testing.TB) (*memboard.Board, *verify.Record) {
	t.Helper()
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	verifytest.Replay(t, board, rec, 0, len(rec.Log))
	explorertest.AddServiceTopic(t, board)
	return board, rec
}

var serviceTopic = explorertest.ServiceTopic

// serve starts an explorer of opts under prefix and an HTTP server for it.
func serve(t testing.TB, opts explorer.Options) (*explorer.Explorer, *httptest.Server) {
	t.Helper()
	return explorertest.Serve(t, opts)
}

// A response is what a request got.
type response struct {
	status int
	header http.Header
	body   string
}

func get(t testing.TB, srv *httptest.Server, path string, header ...string) response {
	t.Helper()
	return do(t, srv, http.MethodGet, path, header...)
}

func do(t testing.TB, srv *httptest.Server, method, path string, header ...string) response {
	t.Helper()
	r := electiontest.Do(t, srv.Client(), method, srv.URL+path, header...)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

// waitReport waits until the explorer's report of election id has the
// verdict want and at least entries entries, and returns it.
func waitReport(t testing.TB, srv *httptest.Server, id string, want verify.Verdict, entries uint64) *verify.Report {
	t.Helper()
	return explorertest.WaitReport(t, srv, id, want, entries)
}

// waitFor polls path until its body contains want.
func waitFor(t testing.TB, srv *httptest.Server, path, want string) response {
	t.Helper()
	r := electiontest.WaitForBody(t, srv.Client(), srv.URL+path, want)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

// mustContain fails unless s contains every one of want.
func mustContain(t testing.TB, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

// step returns the HTML of the element of step n on an election page.
func step(t testing.TB, page string, n int) string {
	t.Helper()
	start := strings.Index(page, `<li id="step-`+itoa(n)+`"`)
	if start < 0 {
		t.Fatalf("no step %d on the page", n)
	}
	end := strings.Index(page[start:], "</li>\n<li id=\"step-")
	if end < 0 {
		end = strings.Index(page[start:], "</ol>")
	}
	return page[start : start+end]
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
