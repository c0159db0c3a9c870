package browsertest_test

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
)

// The sample election record of docs/spec/verification.md, section 5, and
// its tampered copy (the commission's result gives the referendum 5 yes
// and 2 no instead of 4 and 3).
const (
	sampleID       = "sample-2026"
	sampleRecord   = "../../../testdata/verification/sample.jsonl"
	tamperedRecord = "../../../testdata/verification/sample-tampered.jsonl"
	prefix         = "/explorer"
	electionPath   = prefix + "/elections/" + sampleID
)

// firstBatch returns the sample's first ballot-batch entry.
func firstBatch(t testing.TB, rec *verify.Record) bulletin.Entry {
	t.Helper()
	for _, e := range rec.Log {
		if e.Kind == bulletin.KindBallotBatch {
			return e
		}
	}
	t.Fatal("the record has no ballot batch")
	return bulletin.Entry{}
}

// serviceTopic is a topic that is not an election, listed on the topics
// page beside the election.
var serviceTopic = bulletin.NamedTopic("city-documents")

// addServiceTopic creates serviceTopic on board with two entries.
func addServiceTopic(t testing.TB, board *memboard.Board) {
	t.Helper()
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
}

// serve starts an explorer of opts under prefix behind an HTTP server.
func serve(t testing.TB, opts explorer.Options) *httptest.Server {
	t.Helper()
	opts.Prefix = prefix
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	ex, err := explorer.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ex)
	t.Cleanup(func() {
		srv.CloseClientConnections() // the browser's event streams
		srv.Close()
		ex.Close()
	})
	return srv
}

func get(t testing.TB, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// waitReport waits until the explorer's report of the sample has the
// verdict want and at least entries entries.
func waitReport(t testing.TB, srv *httptest.Server, want verify.Verdict, entries uint64) *verify.Report {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if status, body := get(t, srv, electionPath+"/report.json"); status == http.StatusOK {
			var rep verify.Report
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatalf("report.json: %v\n%s", err, body)
			}
			if rep.Verdict == want && rep.Entries >= entries {
				return &rep
			}
			last = string(rep.Verdict)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s report with %d entries within a minute (last verdict %q)", want, entries, last)
	return nil
}

// waitBody polls path until its body contains want.
func waitBody(t testing.TB, srv *httptest.Server, path, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		if _, body = get(t, srv, path); strings.Contains(body, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s: %q did not appear within a minute:\n%.2000s", path, want, body)
}
