// Package explorertest serves the public explorer (services/explorer) to
// tests, the explorer's handler tests and its browser tests alike, and
// waits for its verification reports. It is imported only by _test files.
package explorertest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
)

// Prefix is where [Serve] mounts the explorer unless told otherwise.
const Prefix = "/explorer"

// Serve starts an explorer of opts (by default under [Prefix], polling the
// board every 20 ms) behind a test HTTP server; when the test ends the
// server is closed, then the explorer.
func Serve(t testing.TB, opts explorer.Options) (*explorer.Explorer, *httptest.Server) {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = Prefix
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	ex, err := explorer.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() }) // runs after the server's cleanup
	return ex, electiontest.Serve(t, ex)
}

// WaitReport waits until the report of election id that the explorer
// behind srv (under Prefix) serves has the verdict want and at least
// entries entries, and returns it; after a minute it fails the test.
func WaitReport(t testing.TB, srv *httptest.Server, id string, want verify.Verdict, entries uint64) *verify.Report {
	t.Helper()
	var rep verify.Report
	electiontest.WaitJSON(t, srv.Client(), srv.URL+Prefix+"/elections/"+id+"/report.json",
		fmt.Sprintf("a %s report with %d entries", want, entries), &rep,
		func() bool { return rep.Verdict == want && rep.Entries >= entries })
	return &rep
}

// ServiceTopic is a topic that is not an election (the city's documents),
// which the explorer lists beside the elections.
var ServiceTopic = bulletin.NamedTopic("city-documents")

// AddServiceTopic creates ServiceTopic on board in phase service, owned
// by address 0xd0 (and zeros), with two doc-anchor entries.
func AddServiceTopic(t testing.TB, board *memboard.Board) {
	t.Helper()
	ctx := context.Background()
	owner := board.As(bulletin.Address{0xd0})
	if err := owner.CreateTopic(ctx, ServiceTopic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetPoster(ctx, ServiceTopic, owner.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"first anchor", "second anchor"} {
		if _, err := owner.Append(ctx, ServiceTopic, bulletin.KindDocAnchor, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}
