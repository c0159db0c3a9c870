package explorer_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifytest"
	"github.com/veche/veche/voting"
)

// findKind returns the first entry of kind in rec from entry from on.
func findKind(t testing.TB, rec *verify.Record, kind bulletin.Kind, from int) bulletin.Entry {
	t.Helper()
	for _, e := range rec.Log[from:] {
		if e.Kind == kind {
			return e
		}
	}
	t.Fatalf("no %v entry from %d", kind, from)
	return bulletin.Entry{}
}

func codesOf(t testing.TB, e bulletin.Entry) []voting.TrackingCode {
	t.Helper()
	b, err := voting.ParseBatch(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return b.TrackingCodes()
}

// A voter finds each of their ballots by its tracking code: the entry and
// place, the inclusion proof re-checked against the batch's Merkle root,
// and whether it counts -- the revoted first ballot is superseded by the
// later one, the last one counts, an audited ballot is never counted. A
// code that is not on the board is a 404 page, a string that is no code a
// 400 page; the form keeps what was typed.
func TestTrackingCodeLookupShowsTheBallotItsProofAndWhetherItCounts(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))
	first := findKind(t, rec, bulletin.KindBallotBatch, 0)
	codes := codesOf(t, first)
	track := prefix + "/elections/" + sampleID + "/track?code="

	// Voter 0's first ballot (superseded by their revote in the third
	// batch), typed in lower case without hyphens.
	code0 := strings.ToLower(strings.ReplaceAll(codes[0].String(), "-", ""))
	r := waitFor(t, srv, track+code0, "superseded by")
	if r.status != http.StatusOK {
		t.Fatalf("lookup of a cast ballot: %d", r.status)
	}
	mustContain(t, "the superseded ballot's page", r.body,
		codes[0].String(),
		fmt.Sprintf("Cast: ballot 0 of 3 in the ballot-batch entry %d.", first.Seq),
		`id="proof" class="state" data-status="ok"`, "Re-checked now: the tracking code is under the batch",
		`data-status="skipped">Not counted: superseded by another ballot of the same credential (entry 28, ballot 0).`,
		"Leaf", "0 of 3", `<ol class="path">`)
	// Voter 2's ballot in the same batch counts.
	r = get(t, srv, track+url.QueryEscape(codes[1].String()))
	mustContain(t, "a counted ballot's page", r.body, `data-status="ok">Counted: this is the ballot that counts for its credential.`,
		`id="proof" class="state" data-status="ok"`)
	// The audited ballot.
	audit := findKind(t, rec, bulletin.KindAuditedBallot, 0)
	n := binary.BigEndian.Uint32(audit.Payload[1:5])
	audited := voting.TrackingCode(sha256.Sum256(audit.Payload[5 : 5+n]))
	r = get(t, srv, track+url.QueryEscape(audited.String()))
	if r.status != http.StatusOK {
		t.Fatalf("lookup of an audited ballot: %d", r.status)
	}
	mustContain(t, "the audited ballot's page", r.body, fmt.Sprintf("This ballot was audited (opened to check the device) at entry %d", audit.Seq))

	// A well-formed code of no ballot on the board.
	var none voting.TrackingCode
	none[0] = 1
	r = get(t, srv, track+none.String())
	if r.status != http.StatusNotFound {
		t.Errorf("an unknown code: %d, want 404", r.status)
	}
	mustContain(t, "the unknown code's page", r.body, "No ballot with this tracking code is among the 49 entries", `id="code"`)
	// Not a code at all; the form shows it back, escaped.
	r = get(t, srv, track+url.QueryEscape(`<script>alert(1)</script>`))
	if r.status != http.StatusBadRequest {
		t.Errorf("a string that is no code: %d, want 400", r.status)
	}
	mustContain(t, "the bad code's page", r.body, "This is not a tracking code", `aria-invalid="true"`, "&lt;script&gt;")
	if strings.Contains(r.body, "<script>alert") {
		t.Error("the typed text is echoed unescaped")
	}
	// The empty form.
	if r := get(t, srv, prefix+"/elections/"+sampleID+"/track"); r.status != http.StatusOK || !strings.Contains(r.body, `<label for="code">`) {
		t.Errorf("the empty lookup form: %d", r.status)
	}
}

// The entries are paged, each row with its head, the previous head and the
// link recomputed; a single entry shows its payload and chain link. Hostile
// query strings -- negative, huge, not numbers, not UTF-8, undecodable,
// very long -- get 400 pages; an entry past the end, an unknown election,
// topic or page get 404 pages; other methods 405; none is ever a 500.
func TestEntriesPagesAndHostileRequests(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))
	entries := prefix + "/elections/" + sampleID + "/entries"

	r := get(t, srv, entries+"?from=10&limit=5")
	if r.status != http.StatusOK {
		t.Fatalf("entries page: %d", r.status)
	}
	mustContain(t, "entries 10-14", r.body, "Entries 10 to 14 of 49.", `<tr id="entry-10">`, `<tr id="entry-14">`,
		fmt.Sprintf(`title="%x"`, rec.Log[9].Head), fmt.Sprintf(`title="%x"`, rec.Log[14].Head),
		`rel="prev" href="/explorer/elections/sample-2026/entries?from=5&amp;limit=5"`,
		`rel="next" href="/explorer/elections/sample-2026/entries?from=15&amp;limit=5"`)
	if strings.Contains(r.body, `<tr id="entry-15">`) || strings.Contains(r.body, `data-chain="broken"`) {
		t.Error("the page shows more than 5 entries, or a broken link")
	}
	if r := get(t, srv, entries+"?limit=1000000"); r.status != http.StatusOK || strings.Count(r.body, `<tr id="entry-`) != 49 {
		t.Errorf("a huge limit is capped: %d, %d rows", r.status, strings.Count(r.body, `<tr id="entry-`))
	}
	r = get(t, srv, entries+"/47")
	mustContain(t, "entry 47", r.body, "Entry 47 of sample-2026", "<code>result</code>", "role: commission",
		`id="chain" data-chain="ok"`, fmt.Sprintf("%x", rec.Log[47].Head))
	r = get(t, srv, entries+"/25")
	mustContain(t, "entry 25", r.body, "ballot-batch", "role: ballot box", "The first 4,096 bytes of")

	for _, c := range []struct {
		path string
		want int
	}{
		{entries + "?from=-1", 400},
		{entries + "?from=99999999999999999999999999", 400},
		{entries + "?from=1e3", 400},
		{entries + "?limit=-5", 400},
		{entries + "?from=%ff", 400},
		{entries + "?from=%zz", 400},
		{entries + "?" + strings.Repeat("x=y&", 1000), 400},
		{entries + "?from=49", 404},
		{entries + "?from=18446744073709551615", 400},
		{entries + "/49", 404},
		{entries + "/18446744073709551616", 400},
		{entries + "/-1", 400},
		{entries + "/abc", 400},
		{prefix + "/elections/no-such-election", 404},
		{prefix + "/elections/No_Such%00Election", 404},
		{prefix + "/elections/" + strings.Repeat("a", 300), 404},
		{prefix + "/elections/%ff%fe", 400},
		{prefix + "/elections/no-such-election/entries", 404},
		{prefix + "/topics/" + strings.Repeat("ab", 32), 404},
		{prefix + "/topics/nothex", 400},
		{prefix + "/nowhere", 404},
		{prefix + "/static/nothing.css", 404},
		{prefix + "/elections/" + sampleID + "/../../etc/passwd", 404},
		{"/elsewhere", 404},
		{prefix + "/?lang=%ff", 400},
		{prefix + "/elections/" + sampleID + "?lang=xx", 200},
	} {
		r := get(t, srv, c.path)
		if r.status != c.want {
			t.Errorf("GET %.80s: %d, want %d", c.path, r.status, c.want)
		}
		if r.header.Get("Content-Security-Policy") == "" || !strings.Contains(r.body, "</html>") {
			t.Errorf("GET %.80s: not a page with the policy", c.path)
		}
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := do(t, srv, m, prefix+"/elections/"+sampleID)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q", m, r.status, r.header.Get("Allow"))
		}
	}
	if r := do(t, srv, http.MethodHead, prefix+"/elections/"+sampleID); r.status != http.StatusOK || r.body != "" {
		t.Errorf("HEAD: %d with %d bytes", r.status, len(r.body))
	}
	// The prefix alone redirects to the topics page.
	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(srv.URL + prefix)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != prefix+"/" {
		t.Errorf("GET %s: %d to %q", prefix, resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The topics page lists the election (with its title and verdict) and the
// other topics; a service topic's page shows its entries and their chain,
// and an election topic's id leads to the election's page.
func TestTopicsPageListsElectionsAndOtherTopics(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))
	r := waitFor(t, srv, prefix+"/", serviceTopic.String())
	mustContain(t, "the topics page", r.body,
		`<a href="/explorer/elections/sample-2026">City referendum and council election 2026</a>`, `data-verdict="verified"`,
		`href="/explorer/topics/`+serviceTopic.String()+`"`, "service topic")
	if strings.Contains(r.body, rec.Topic().String()) {
		t.Error("the election's topic is also listed among the other topics")
	}
	r = get(t, srv, prefix+"/topics/"+serviceTopic.String())
	if r.status != http.StatusOK {
		t.Fatalf("service topic page: %d", r.status)
	}
	mustContain(t, "the service topic's page", r.body, "Entries 0 to 1 of 2.", `<tr id="entry-1">`, "doc-anchor", `data-chain="ok"`)
	r = get(t, srv, prefix+"/topics/"+serviceTopic.String()+"?from=1")
	mustContain(t, "the service topic's second page", r.body, "Entries 1 to 1 of 2.", `<tr id="entry-1">`)
	if strings.Contains(r.body, `data-chain="broken"`) {
		t.Error("the second entry's link to the first is shown broken")
	}
	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(srv.URL + prefix + "/topics/" + rec.Topic().String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix+"/elections/"+sampleID {
		t.Errorf("an election's topic: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// ?lang=ru and Accept-Language choose Russian, also for the manifest's
// texts; an explicit choice is kept in the links; English is the default
// and the fallback for other languages.
func TestLanguageSwitch(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))
	page := prefix + "/elections/" + sampleID
	r := get(t, srv, page+"?lang=ru")
	mustContain(t, "the Russian page", r.body, `<html lang="ru">`, "Проверка", "Городской референдум и выборы в совет 2026",
		"Построить велодорожки на кольце?", "в порядке", `href="/explorer/elections/sample-2026/entries?lang=ru"`,
		`hreflang="en" lang="en">English</a>`, `<input type="hidden" name="lang" value="ru">`)
	r = get(t, srv, page, "Accept-Language", "de-DE, ru;q=0.8, en;q=0.5")
	mustContain(t, "the page for a Russian reader", r.body, `<html lang="ru">`, "Проверка")
	if strings.Contains(r.body, "?lang=ru") && !strings.Contains(r.body, `hreflang="en"`) {
		t.Error("links carry a language that was not asked for")
	}
	for _, h := range []string{"", "fr", "en-GB,ru;q=0.1", "ru;q=0"} {
		r = get(t, srv, page, "Accept-Language", h)
		mustContain(t, "the page for Accept-Language "+h, r.body, `<html lang="en">`, "Verification")
	}
	r = get(t, srv, prefix+"/nowhere?lang=ru")
	mustContain(t, "a Russian 404 page", r.body, `<html lang="ru">`, "Такой страницы нет.")
}

// The record served for download is the one verified: read back by
// verify.ReadRecord it verifies, with the same entries and head.
func TestRecordDownloadVerifies(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board, Contract: "0x5fbdb2315678afecb367f032d93f642f64180aa3", ChainID: 1337})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))
	resp, err := srv.Client().Get(srv.URL + prefix + "/elections/" + sampleID + "/record.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != `attachment; filename="sample-2026.jsonl"` {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	got, err := verify.ReadRecord(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Entries != 49 || got.Header.Head != rec.Header.Head || got.Header.Contract != "0x5fbdb2315678afecb367f032d93f642f64180aa3" ||
		got.Header.ChainID != 1337 || len(got.Log) != 49 {
		t.Fatalf("the downloaded record's header: %+v, %d entries", got.Header, len(got.Log))
	}
	rep, err := verify.Verify(context.Background(), got, sampleID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Verified {
		t.Fatalf("the downloaded record: %s", rep.VerdictLine())
	}
}

// readEvents reads server-sent events from an open stream until stop says
// it has what it waits for, or the deadline.
func readEvents(t *testing.T, sc *bufio.Scanner, deadline time.Time, stop func(name, data string) bool) {
	t.Helper()
	var name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if stop(name, strings.TrimPrefix(line, "data: ")) {
				return
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("the event stream ended or timed out: %v", sc.Err())
}

// The event stream sends the report and every step, then each step whose
// outcome changes as entries arrive: with the sample's first half on the
// board (voting open), step 10 is pending; when the second half is
// posted, an event turns it ok and the verdict verified.
func TestEventStreamDeliversStepUpdatesAsEntriesArrive(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	half := int(findKind(t, rec, bulletin.KindBallotBatch, 0).Seq) + 1
	verifytest.Replay(t, board, rec, 0, half)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Incomplete, uint64(half))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+prefix+"/elections/"+sampleID+"/events", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	deadline := time.Now().Add(50 * time.Second)
	seen := map[int]string{}
	readEvents(t, sc, deadline, func(name, data string) bool {
		if name == "step" {
			var s struct {
				Number int    `json:"number"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				t.Fatalf("step event %q: %v", data, err)
			}
			seen[s.Number] = s.Status
		}
		return len(seen) == 10
	})
	if seen[1] != "ok" || seen[10] != "pending" || seen[6] != "pending" {
		t.Fatalf("the first events: %v", seen)
	}
	verifytest.Replay(t, board, rec, half, len(rec.Log))
	var verified bool
	readEvents(t, sc, deadline, func(name, data string) bool {
		switch name {
		case "step":
			var s struct {
				Number     int    `json:"number"`
				Status     string `json:"status"`
				StatusText string `json:"status_text"`
			}
			json.Unmarshal([]byte(data), &s)
			if s.Number == 10 && s.Status == "ok" && s.StatusText == "ok" {
				seen[10] = "ok"
			}
		case "report":
			var r struct {
				Verdict string `json:"verdict"`
				Entries uint64 `json:"entries"`
			}
			json.Unmarshal([]byte(data), &r)
			verified = r.Verdict == "verified" && r.Entries == 49
		}
		return seen[10] == "ok" && verified
	})
}

// The stylesheet, the script and the icon are served same-origin with their
// types.
func TestStaticFiles(t *testing.T) {
	_, srv := serve(t, explorer.Options{Board: memboard.New()})
	for path, ct := range map[string]string{"/static/explorer.css": "text/css; charset=utf-8", "/static/explorer.js": "text/javascript; charset=utf-8",
		"/static/favicon.svg": "image/svg+xml"} {
		r := get(t, srv, prefix+path)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != ct || len(r.body) < 100 {
			t.Errorf("%s: %d %q, %d bytes", path, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	r := get(t, srv, prefix+"/")
	mustContain(t, "an empty board's topics page", r.body, "No election has been found on the board yet.", "No other topic.")
}

// New refuses what it cannot serve.
func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]explorer.Options{
		"no board":        {},
		"relative prefix": {Board: memboard.New(), Prefix: "explorer"},
		"trailing slash":  {Board: memboard.New(), Prefix: "/explorer/"},
		"bad election":    {Board: memboard.New(), Elections: []string{"Not An Id"}},
		"too many":        {Board: memboard.New(), Elections: []string{"a", "b"}, MaxElections: 1},
	} {
		if ex, err := explorer.New(o); err == nil {
			ex.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

// Entries that keep arriving more often than the 100 ms settle delay (a
// busy ballot box posting a batch every 40 ms) do not hold the
// verification back until they stop: the explorer verifies at least every
// half second, so the report moves on while the entries still come.
func TestVerificationMovesOnWhileEntriesKeepArriving(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	batch := findKind(t, rec, bulletin.KindBallotBatch, 0)
	half := int(batch.Seq) + 1
	verifytest.Replay(t, board, rec, 0, half)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Incomplete, uint64(half))

	// The ballot box keeps posting (copies of its first batch) until the
	// report has moved on, or for 20 s.
	box := board.As(batch.Poster)
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for posted := 0; ; posted++ {
		<-tick.C
		if _, err := box.Append(context.Background(), rec.Topic(), bulletin.KindBallotBatch, batch.Payload); err != nil {
			t.Fatal(err)
		}
		var rep verify.Report
		r := get(t, srv, prefix+"/elections/"+sampleID+"/report.json")
		if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
			t.Fatalf("report.json: %v", err)
		}
		if rep.Entries > uint64(half) {
			t.Logf("the report moved on to %d entries after %v, while a batch came every 40 ms (%d posted)", rep.Entries, time.Since(start).Round(time.Millisecond), posted+1)
			return
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("no verification in %v while a batch came every 40 ms (%d posted)", time.Since(start).Round(time.Millisecond), posted+1)
		}
	}
}
