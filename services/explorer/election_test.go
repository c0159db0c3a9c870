package explorer_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifytest"
)

// The explorer finds the sample election on a board that lists its topics,
// verifies it in the background, and its page shows everything: the
// manifest, the phases with their entries, the key ceremony, the credential
// count, the ballots, the reconciliation, the results with their charts and
// instant-runoff rounds, every step ok, and the commands to verify it
// independently; under a strict Content-Security-Policy.
func TestElectionPageShowsTheVerifiedSample(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board, Contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3", ChainID: 1337,
		RPC: "/chain"})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))
	// The weeding for the lookup comes after the verification.
	r := waitFor(t, srv, prefix+"/elections/"+sampleID, `<th scope="row">counted</th><td class="num">7</td><td class="num">7</td>`)
	if r.status != http.StatusOK {
		t.Fatalf("election page: %d", r.status)
	}
	page := r.body
	mustContain(t, "the election page", page,
		`<html lang="en">`,
		"City referendum and council election 2026",
		`data-verdict="verified"`,
		"Build bicycle lanes on the ring road?",
		"A. Ivanova", "F. Orlov",
		"8 credentials on the list",
		"ballot style city: 8",
		"any 3 of 5 can decrypt",
		"Closed: the joint key posted at entry",
		"Ballots cast: 8, in 3 batch entries; audited: 1; revotes: 1",
		`<svg class="chart" id="chart-bike-lanes"`,
		`<svg class="chart" id="ballots-chart"`,
		"Instant-runoff rounds", "Pat Example (write-in)", "Schulze ranking",
		"veche verify --record sample-2026.jsonl",
		"veche --rpc "+srv.URL+"/chain --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 verify --election sample-2026",
		`id="code" name="code"`, `<label for="code">`,
		`data-events="/explorer/elections/sample-2026/events"`,
		`<script src="/explorer/static/explorer.js" defer></script>`,
	)
	for n := 1; n <= 10; n++ {
		if s := step(t, page, n); !strings.Contains(s, `data-status="ok"`) {
			t.Errorf("step %d is not ok on the page:\n%s", n, s)
		}
	}
	// The results: yes 4, no 3 (recomputed and posted alike).
	yes := strings.Index(page, `<th scope="row">Yes</th>`)
	if yes < 0 || !strings.HasPrefix(page[yes:], `<th scope="row">Yes</th><td class="num">4</td><td class="num">4</td>`) {
		t.Errorf("the referendum's yes row is not 4 recomputed, 4 posted: %.200s", page[max(yes, 0):])
	}
	no := strings.Index(page, `<th scope="row">No</th>`)
	if no < 0 || !strings.HasPrefix(page[no:], `<th scope="row">No</th><td class="num">3</td><td class="num">3</td>`) {
		t.Errorf("the referendum's no row is not 3 and 3: %.200s", page[max(no, 0):])
	}
	// The reconciliation: 7 counted, 1 superseded, posted and recomputed.
	counted := strings.Index(page, `<th scope="row">counted</th>`)
	if counted < 0 || !strings.HasPrefix(page[counted:], `<th scope="row">counted</th><td class="num">7</td><td class="num">7</td>`) {
		t.Errorf("the reconciliation's counted row is not 7 and 7: %.200s", page[max(counted, 0):])
	}
	if strings.Contains(page, `class="differs"`) {
		t.Error("the honest sample shows a difference between posted and recomputed numbers")
	}
	// The headers of every page.
	h := r.header
	if got := h.Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'" {
		t.Errorf("Content-Security-Policy %q", got)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("headers: %v", h)
	}
	// No inline script or style anywhere: the policy would block them.
	for _, bad := range []string{"<script>", "style=", "<style", "onclick", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q, which the Content-Security-Policy forbids", bad)
		}
	}
	// Headings in order: one h1, then h2s.
	if strings.Count(page, "<h1") != 1 || strings.Index(page, "<h2") < strings.Index(page, "<h1") {
		t.Error("the page's headings are not in order")
	}
}

// The tampered sample (a record file, a board that can neither list nor
// follow) verifies as failed at step 10, blaming the commission: the page
// shows that step in red with its party and entry, the verdict FAILED, and
// the referendum's posted totals against the recomputed ones.
func TestTamperedRecordShowsTheFailedStepAndItsParty(t *testing.T) {
	rec := verifytest.Load(t, tamperedRecord)
	_, srv := serve(t, explorer.Options{Board: rec, Elections: []string{sampleID}})
	rep := waitReport(t, srv, sampleID, verify.Failed, 0)
	f := rep.FirstFailure()
	if f == nil || f.Number != verify.StepResult || f.Party == nil || f.Party.Role != "commission" {
		t.Fatalf("the tampered record's first failure: %+v", f)
	}
	page := get(t, srv, prefix+"/elections/"+sampleID).body
	s10 := step(t, page, 10)
	mustContain(t, "step 10", s10, `data-status="failed"`, "FAILED", "blame: commission 0x1000000000000000000000000000000000000001",
		"entry 47", "contest bike-lanes: the total of option 1: posted 5, recomputed 4")
	for n := 1; n <= 9; n++ {
		if s := step(t, page, n); !strings.Contains(s, `data-status="ok"`) {
			t.Errorf("step %d is not ok:\n%s", n, s)
		}
	}
	mustContain(t, "the page", page, `data-verdict="failed"`, "FAILED at step 10 (result)",
		`<tr class="differs"><th scope="row">Yes</th><td class="num">4</td><td class="num">5 <strong>(differs)</strong></td></tr>`)
	// The board cannot list topics: the topics page says so and shows the
	// election it was told of.
	topics := get(t, srv, prefix+"/")
	mustContain(t, "the topics page", topics.body, "This board cannot list its topics", `href="/explorer/elections/sample-2026"`,
		`data-verdict="failed"`)
}
