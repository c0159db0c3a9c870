package explorer_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
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
	prefix         = "/explorer"
)

// sampleBoard is a memboard holding the whole sample election, plus a
// service topic with two entries.
func sampleBoard(t testing.TB) (*memboard.Board, *verify.Record) {
	t.Helper()
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	verifytest.Replay(t, board, rec, 0, len(rec.Log))
	ctx := context.Background()
	owner := board.As(bulletin.Address{0xd0})
	if err := owner.CreateTopic(ctx, serviceTopic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetPoster(ctx, serviceTopic, owner.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"first anchor", "second anchor"} {
		if _, err := owner.Append(ctx, serviceTopic, bulletin.KindDocAnchor, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	return board, rec
}

var serviceTopic = bulletin.NamedTopic("city-documents")

// serve starts an explorer of opts under prefix and an HTTP server for it.
func serve(t testing.TB, opts explorer.Options) (*explorer.Explorer, *httptest.Server) {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = prefix
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	ex, err := explorer.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ex)
	t.Cleanup(func() {
		srv.Close()
		ex.Close()
	})
	return ex, srv
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
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// waitReport waits until the explorer's report of election id has the
// verdict want and at least entries entries, and returns it.
func waitReport(t testing.TB, srv *httptest.Server, id string, want verify.Verdict, entries uint64) *verify.Report {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		r := get(t, srv, prefix+"/elections/"+id+"/report.json")
		if r.status == http.StatusOK {
			var rep verify.Report
			if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
				t.Fatalf("report.json: %v\n%s", err, r.body)
			}
			if rep.Verdict == want && rep.Entries >= entries {
				return &rep
			}
			last = string(rep.Verdict)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("election %s: no %s report with %d entries within a minute (last verdict %q)", id, want, entries, last)
	return nil
}

// waitFor polls path until its body contains want.
func waitFor(t testing.TB, srv *httptest.Server, path, want string) response {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var r response
	for time.Now().Before(deadline) {
		if r = get(t, srv, path); strings.Contains(r.body, want) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s: %q did not appear within a minute; last answer %d:\n%s", path, want, r.status, r.body)
	return r
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
