package browsertest_test

import (
	"net/http/httptest"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/internal/electiontest/explorertest"
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
	prefix         = explorertest.Prefix
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
var serviceTopic = explorertest.ServiceTopic

// addServiceTopic creates serviceTopic on board with two entries.
func addServiceTopic(t testing.TB, board *memboard.Board) {
	t.Helper()
	explorertest.AddServiceTopic(t, board)
}

// serve starts an explorer of opts under prefix behind an HTTP server.
func serve(t testing.TB, opts explorer.Options) *httptest.Server {
	t.Helper()
	opts.Prefix = prefix
	_, srv := explorertest.Serve(t, opts)
	return srv
}

// waitReport waits until the explorer's report of the sample has the
// verdict want and at least entries entries.
func waitReport(t testing.TB, srv *httptest.Server, want verify.Verdict, entries uint64) *verify.Report {
	t.Helper()
	return explorertest.WaitReport(t, srv, sampleID, want, entries)
}

// waitBody polls path until its body contains want.
func waitBody(t testing.TB, srv *httptest.Server, path, want string) {
	t.Helper()
	electiontest.WaitForBody(t, srv.Client(), srv.URL+path, want)
}
