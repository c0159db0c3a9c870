package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/voting"
)

// veche serve --box takes a ballot over HTTP, acknowledges it with a
// receipt, posts it to the embedded chain, and reports it posted with an
// inclusion proof.
func TestServeBallotBox(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")

	// The election, set up through the Go API on the embedded chain: the
	// chain's own account is the commission, ballot box and credential
	// authority; three trustees, 2 of 3.
	e, _ := chainElection(t, data, referendum{id: "serve-test", title: "{en: Serve test}", threshold: 2}, 3,
		electiontest.Options{Voters: 2, Stage: electiontest.Opened})

	// Serve, cast, wait for the posting.
	base, stop := startServer(t, "serving the voter API", 2,
		"--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0", "--box", "serve-test")
	ballot, _ := e.BallotWith(nil, 0, voting.Selections{"q": {Options: []string{"no"}}})
	if code := castOverHTTP(t, base, "serve-test", ballot); code != ballot.TrackingCode().String() {
		t.Fatalf("cast: tracking code %q", code)
	}
	var st struct {
		Posted bool   `json:"posted"`
		Proof  string `json:"inclusion_proof"`
	}
	electiontest.WaitJSON(t, nil, base+"/elections/serve-test/ballots/"+ballot.TrackingCode().String(), "the ballot posted with its inclusion proof",
		&st, func() bool { return st.Posted && st.Proof != "" })
	stop()
	// The ballot is on the chain: the board has one ballot batch.
	out2 := mustRun(t, "--data", data, "election", "show", "serve-test")
	if !strings.Contains(strings.Join(strings.Fields(out2), " "), "ballot-batch 1") {
		t.Fatalf("election show after serving:\n%s", out2)
	}
}
