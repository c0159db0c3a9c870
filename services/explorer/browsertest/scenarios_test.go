package browsertest_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifytest"
	"github.com/veche/veche/voting"
)

// stepStatuses is a JavaScript expression giving the data-status of the
// ten steps on an election page, joined by spaces.
const stepStatuses = `Array.from({length: 10}, function (_, i) { var e = document.getElementById("step-" + (i + 1)); return e ? e.dataset.status : "none"; }).join(" ")`

// allOK is true when every step of an election page is ok.
var allOK = stepStatuses + ` === "ok ok ok ok ok ok ok ok ok ok"`

// An observer opens the explorer while the sample election is half on the
// board (voting open, step 10 pending), follows the topics page's link to
// the election, and watches: when the rest of the record arrives, every
// step turns green and the verdict becomes verified on the open page, from
// its event stream, without a reload. Reloading then shows the results: the
// referendum's chart and table, recomputed and posted alike.
func TestObserverWatchesTheStepsTurnGreenAsTheElectionArrives(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	addServiceTopic(t, board)
	half := int(firstBatch(t, rec).Seq) + 1
	verifytest.Replay(t, board, rec, 0, half)
	srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, verify.Incomplete, uint64(half))
	waitBody(t, srv, prefix+"/", `href="`+electionPath+`"`)

	tb := newTab(t, srv.URL)
	tb.open(prefix + "/")
	tb.waitFor(`document.querySelector('#elections a[href="`+electionPath+`"]')`, "the topics page lists the election")
	if got := tb.text("#elections tbody tr"); !strings.Contains(got, "City referendum and council election 2026") || !strings.Contains(got, "incomplete") {
		t.Errorf("the topics page's election row: %q", got)
	}
	if got := tb.text("#topics tbody"); !strings.Contains(got, "service topic") {
		t.Errorf("the topics page's other topics: %q", got)
	}
	tb.screenshot("topics")

	tb.do(chromedp.Click(chromedp.CSS(`#elections a[href="` + electionPath + `"]`)))
	tb.waitFor(`location.pathname === "`+electionPath+`" && document.readyState === "complete" && document.getElementById("step-10")`, "the election page opens")
	// Half the election: the chain, manifest, ceremony and credentials
	// hold; the steps that need the closed election are pending.
	tb.waitFor(`document.getElementById("step-1").dataset.status === "ok" && document.getElementById("step-10").dataset.status === "pending"`, "step 1 ok, step 10 pending")
	if v := tb.attr("#verdict", "data-verdict"); v != "incomplete" {
		t.Errorf("the verdict with half the election: %q, want incomplete", v)
	}
	if got := tb.text("#step-10 .status"); got != "pending" {
		t.Errorf("step 10's status text: %q, want pending", got)
	}
	// The page listens to its event stream; a reload would drop this mark.
	eval[bool](tb, `window.vecheTestMark = true`)
	tb.screenshot("half")

	verifytest.Replay(t, board, rec, half, len(rec.Log))
	tb.waitFor(allOK+` && document.getElementById("verdict").dataset.verdict === "verified"`, "every step ok and the verdict verified, live")
	if !eval[bool](tb, `window.vecheTestMark === true`) {
		t.Fatal("the page was reloaded: the steps must turn green from the event stream")
	}
	for n := 1; n <= 10; n++ {
		if got := tb.text(fmt.Sprintf("#step-%d .status", n)); got != "ok" {
			t.Errorf("step %d's status text after the update: %q, want ok", n, got)
		}
	}
	if got := tb.text("#verdict"); !strings.Contains(got, "Verified: every step holds") {
		t.Errorf("the verdict line after the update: %q", got)
	}
	checkGreen(t, tb, "#step-10")
	tb.screenshot("verified-live")

	// The results are rendered by the server: reload.
	tb.do(chromedp.Reload())
	tb.waitFor(`!window.vecheTestMark && document.readyState === "complete" && document.querySelector("#result-bike-lanes svg.chart")`, "the results after a reload")
	yes := tb.text(`#result-bike-lanes table tr:has(th[scope="row"]:first-child)`)
	if !regexp.MustCompile(`^Yes\s+4\s+4`).MatchString(yes) {
		t.Errorf("the referendum's first row: %q, want Yes 4 recomputed, 4 posted", yes)
	}
	if n := eval[int](tb, `document.querySelectorAll("#result-bike-lanes svg.chart rect").length`); n < 2 {
		t.Errorf("the referendum's chart has %d bars", n)
	}
	if got := tb.text("#results"); !strings.Contains(got, "Instant-runoff rounds") || !strings.Contains(got, "Schulze ranking") {
		t.Errorf("the results section lacks the ranked contest's rounds: %.500q", got)
	}
	if d := eval[int](tb, `document.querySelectorAll("#results tr.differs").length`); d != 0 {
		t.Errorf("%d result rows differ on the honest sample", d)
	}
	tb.waitFor(allOK, "every step ok after the reload")
	tb.screenshot("results")
}

// checkGreen fails unless the element's border is green (the ok colour).
func checkGreen(t *testing.T, tb *tab, sel string) {
	t.Helper()
	r, g, b := colour(t, tb, sel, "border-left-color")
	if !(g > r+40 && g > b+20) {
		t.Errorf("%s's border is rgb(%d, %d, %d): not green", sel, r, g, b)
	}
}

// checkRed fails unless the element's border is red (the failure colour).
func checkRed(t *testing.T, tb *tab, sel string) {
	t.Helper()
	r, g, b := colour(t, tb, sel, "border-left-color")
	if !(r > g+60 && r > b+60) {
		t.Errorf("%s's border is rgb(%d, %d, %d): not red", sel, r, g, b)
	}
}

var rgbPattern = regexp.MustCompile(`^rgba?\((\d+), (\d+), (\d+)`)

// colour returns the computed colour property of the element sel.
func colour(t *testing.T, tb *tab, sel, property string) (r, g, b int) {
	t.Helper()
	c := eval[string](tb, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).getPropertyValue(%q)`, sel, property))
	m := rgbPattern.FindStringSubmatch(c)
	if m == nil {
		t.Fatalf("%s's %s is %q, not an rgb colour", sel, property, c)
	}
	r, _ = strconv.Atoi(m[1])
	g, _ = strconv.Atoi(m[2])
	b, _ = strconv.Atoi(m[3])
	return r, g, b
}

// A voter types the tracking code their device showed (in lower case,
// without hyphens) into the election page's form and submits it: the page
// shows their ballot's batch entry and place, says it counts, and shows
// its Merkle inclusion proof re-checked against the batch's root. The
// first voter's first ballot, revoted, is shown superseded.
func TestVoterFindsTheirBallotByTrackingCode(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	verifytest.Replay(t, board, rec, 0, len(rec.Log))
	srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, verify.Verified, uint64(len(rec.Log)))
	// The per-ballot answers come from the explorer's own weeding, after
	// the verification.
	waitBody(t, srv, electionPath, `<th scope="row">counted</th><td class="num">7</td><td class="num">7</td>`)
	batch := firstBatch(t, rec)
	b, err := voting.ParseBatch(batch.Payload)
	if err != nil {
		t.Fatal(err)
	}
	codes := b.TrackingCodes()

	tb := newTab(t, srv.URL)
	tb.open(electionPath)
	typed := strings.ToLower(strings.ReplaceAll(codes[1].String(), "-", ""))
	tb.do(chromedp.SendKeys(chromedp.ID("code"), typed))
	tb.screenshot("typed")
	tb.do(chromedp.Click(chromedp.CSS(`#track button[type="submit"]`)))
	tb.waitFor(`location.pathname === "`+electionPath+`/track" && document.readyState === "complete" && document.getElementById("proof")`, "the lookup's answer")

	if got := eval[string](tb, `new URLSearchParams(location.search).get("code")`); got != typed {
		t.Errorf("the form sent code=%q, want %q", got, typed)
	}
	if got := tb.text("#result-h"); got != codes[1].String() {
		t.Errorf("the answer's heading: %q, want the code %s", got, codes[1])
	}
	if got, want := tb.text("#found"), fmt.Sprintf("ballot 1 of 3 in the ballot-batch entry %d", batch.Seq); !strings.Contains(got, want) {
		t.Errorf("the answer says %q, want %q", got, want)
	}
	if got := tb.attr("#status", "data-status"); got != "ok" || !strings.Contains(tb.text("#status"), "Counted") {
		t.Errorf("the ballot's status: %s %q, want ok, counted", got, tb.text("#status"))
	}
	if got := tb.attr("#proof", "data-status"); got != "ok" || !strings.Contains(tb.text("#proof"), "Re-checked now: the tracking code is under the batch") {
		t.Errorf("the inclusion proof: %s %q, want ok, re-checked", got, tb.text("#proof"))
	}
	if n := eval[int](tb, `document.querySelectorAll("ol.path li").length`); n < 1 {
		t.Errorf("the inclusion proof shows %d path nodes", n)
	}
	r, g, _ := colour(t, tb, "#proof", "color")
	if g <= r {
		t.Errorf("the checked proof is not shown in green: rgb(%d, %d, …)", r, g)
	}
	tb.screenshot("found")

	// The entry link leads to the batch entry.
	tb.do(chromedp.Click(chromedp.CSS("#found a")))
	tb.waitFor(fmt.Sprintf(`location.pathname === "%s/entries/%d" && document.readyState === "complete"`, electionPath, batch.Seq), "the batch entry's page")

	// The first voter's first ballot, superseded by a revote, from the form
	// on the answer page itself.
	tb.open(electionPath + "/track")
	tb.do(chromedp.SendKeys(chromedp.ID("code"), codes[0].String()+"\n"))
	tb.waitFor(`document.getElementById("status") && document.getElementById("status").dataset.status === "skipped"`, "the superseded ballot's answer")
	if got := tb.text("#status"); !strings.Contains(got, "superseded by another ballot of the same credential") {
		t.Errorf("the revoted ballot's status: %q", got)
	}
	if got := tb.attr("#proof", "data-status"); got != "ok" {
		t.Errorf("the revoted ballot's proof: %q, want ok", got)
	}
}

// An observer opens the tampered record (the commission's posted result
// gives the referendum 5 yes and 2 no where the ballots give 4 and 3): the
// election page shows step 10 FAILED in red, naming the commission and the
// entry at fault, the other steps green, and the referendum's posted row
// marked as differing. On a board that receives the tampered record live,
// step 10 turns red on the open page when the result arrives.
func TestTamperedRecordShowsTheFailedStepInRedWithItsParty(t *testing.T) {
	t.Run("record", func(t *testing.T) {
		rec := verifytest.Load(t, tamperedRecord)
		srv := serve(t, explorer.Options{Board: rec, Elections: []string{sampleID}})
		waitReport(t, srv, verify.Failed, 0)

		tb := newTab(t, srv.URL)
		tb.open(electionPath)
		tb.waitFor(`document.getElementById("step-10").dataset.status === "failed"`, "step 10 failed")
		checkTampered(t, tb)
		tb.screenshot("failed")
	})
	t.Run("live", func(t *testing.T) {
		rec := verifytest.Load(t, tamperedRecord)
		board := memboard.New()
		var result int
		for _, e := range rec.Log {
			if e.Kind == bulletin.KindResult {
				result = int(e.Seq)
			}
		}
		if result == 0 {
			t.Fatal("the tampered record has no result entry")
		}
		verifytest.Replay(t, board, rec, 0, result)
		srv := serve(t, explorer.Options{Board: board})
		waitReport(t, srv, verify.Incomplete, uint64(result))

		tb := newTab(t, srv.URL)
		tb.open(electionPath)
		tb.waitFor(`document.getElementById("step-9").dataset.status === "ok" && document.getElementById("step-10").dataset.status === "pending"`, "steps 1-9 ok, step 10 pending")
		eval[bool](tb, `window.vecheTestMark = true`)
		verifytest.Replay(t, board, rec, result, len(rec.Log))
		tb.waitFor(`document.getElementById("step-10").dataset.status === "failed" && document.getElementById("verdict").dataset.verdict === "failed"`, "step 10 failed, live")
		if !eval[bool](tb, `window.vecheTestMark === true`) {
			t.Fatal("the page was reloaded: step 10 must turn red from the event stream")
		}
		if got := tb.text("#step-10 .party"); !strings.Contains(got, "blame: commission") {
			t.Errorf("step 10's party after the update: %q", got)
		}
		checkRed(t, tb, "#step-10")
		tb.screenshot("failed-live")
	})
}

// checkTampered checks the election page of the tampered sample.
func checkTampered(t *testing.T, tb *tab) {
	t.Helper()
	if got := tb.text("#step-10 .status"); got != "FAILED" {
		t.Errorf("step 10's status: %q, want FAILED", got)
	}
	if got := tb.text("#step-10 .party"); !strings.Contains(got, "blame: commission 0x1000000000000000000000000000000000000001") {
		t.Errorf("step 10's party: %q", got)
	}
	if got := tb.text("#step-10"); !strings.Contains(got, "entry 47") || !strings.Contains(got, "posted 5, recomputed 4") {
		t.Errorf("step 10: %q", got)
	}
	checkRed(t, tb, "#step-10")
	r, g, b := colour(t, tb, "#step-10 .status", "color")
	if !(r > g+60 && r > b+60) {
		t.Errorf("step 10's FAILED is rgb(%d, %d, %d): not red", r, g, b)
	}
	for n := 1; n <= 9; n++ {
		sel := fmt.Sprintf("#step-%d", n)
		if got := tb.attr(sel, "data-status"); got != "ok" {
			t.Errorf("step %d: %q, want ok", n, got)
		}
		checkGreen(t, tb, sel)
	}
	if v := tb.attr("#verdict", "data-verdict"); v != "failed" || !strings.Contains(tb.text("#verdict"), "FAILED at step 10 (result)") {
		t.Errorf("the verdict: %s %q", v, tb.text("#verdict"))
	}
	if got := tb.text("#result-bike-lanes tr.differs"); !regexp.MustCompile(`^Yes\s+4\s+5 \(differs\)`).MatchString(got) {
		t.Errorf("the referendum's differing row: %q", got)
	}
}

// A Russian-speaking observer opens the election page in Russian
// (?lang=ru) while voting is open: the document's language, the headings,
// the verdict, the steps and the lookup form are in Russian, and so are the
// live updates (the event stream is asked for in the page's language): step
// 10 turns to "в порядке" when the rest of the election arrives. After a
// reload the results are in Russian; the links keep the language, the
// lookup answers in Russian, and the language link leads to the English
// page.
func TestRussianPages(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	half := int(firstBatch(t, rec).Seq) + 1
	verifytest.Replay(t, board, rec, 0, half)
	srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, verify.Incomplete, uint64(half))

	tb := newTab(t, srv.URL)
	tb.open(electionPath + "?lang=ru")
	tb.waitFor(`document.getElementById("step-10").dataset.status === "pending"`, "step 10 pending")
	if got := eval[string](tb, `document.documentElement.lang`); got != "ru" {
		t.Errorf("the document's language: %q, want ru", got)
	}
	for sel, want := range map[string]string{
		"#verification-h": "Проверка",
		"#verdict":        "Не завершено: пока нарушений нет",
		"#step-1 .status": "в порядке",
		"#step-10":        "результат",
		"label[for=code]": "Код отслеживания",
		"#track button":   "Найти",
		"header .lang a":  "English",
		"#manifest-h":     "Манифест",
	} {
		if got := tb.text(sel); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	eval[bool](tb, `window.vecheTestMark = true`)
	verifytest.Replay(t, board, rec, half, len(rec.Log))
	tb.waitFor(allOK+` && document.querySelector("#step-10 .status").innerText === "в порядке"`, "step 10 ok, in Russian, live")
	if !eval[bool](tb, `window.vecheTestMark === true`) {
		t.Fatal("the page was reloaded: the steps must change from the event stream")
	}
	tb.waitFor(`document.getElementById("verdict").dataset.verdict === "verified"`, "the verdict verified, live")
	if got := tb.text("#verdict"); !strings.Contains(got, "проверено") || !strings.Contains(got, "Проверено: все шаги выполнены") {
		t.Errorf("the live verdict: %q, want it in Russian", got)
	}
	if got := tb.text("#step-6 .status"); got != "в порядке" {
		t.Errorf("step 6's live status: %q, want в порядке", got)
	}

	tb.do(chromedp.Reload())
	tb.waitFor(`!window.vecheTestMark && document.readyState === "complete" && document.querySelector("#result-bike-lanes svg.chart")`, "the results after a reload")
	if got := tb.text("#results-h"); got != "Результаты" {
		t.Errorf("the results heading: %q", got)
	}
	// Every link within the explorer keeps the language (but the language
	// link; the downloads have none).
	if bad := eval[[]string](tb, `Array.from(document.querySelectorAll("a[href^='/explorer/']:not([hreflang])")).map(function (a) { return a.getAttribute("href"); }).filter(function (h) { return h.indexOf("lang=ru") < 0 && !/\.jsonl?$/.test(h); })`); len(bad) != 0 {
		t.Errorf("links without lang=ru: %q", bad)
	}
	tb.screenshot("election-ru")

	// The lookup form keeps the language.
	tb.do(chromedp.SendKeys(chromedp.ID("code"), "not a code\n"))
	tb.waitFor(`location.pathname === "`+electionPath+`/track" && document.getElementById("result")`, "the lookup's answer")
	tb.allow(`status of 400`) // the answer to a string that is no code is a 400 page
	if got := tb.text("#result"); !strings.Contains(got, "Это не код отслеживания") {
		t.Errorf("the Russian answer to a bad code: %q", got)
	}
	if got := eval[string](tb, `document.documentElement.lang`); got != "ru" {
		t.Errorf("the lookup answer's language: %q, want ru", got)
	}

	// Back to English through the language link.
	tb.open(electionPath + "?lang=ru")
	tb.do(chromedp.Click(chromedp.CSS("header .lang a")))
	tb.waitFor(`document.documentElement.lang === "en" && document.readyState === "complete"`, "the English page")
	if got := tb.text("#verification-h"); got != "Verification" {
		t.Errorf("the English heading: %q", got)
	}
}

// Every kind of page, in both languages, loads with no console error, no
// uncaught exception, no Content-Security-Policy violation and no request
// to another origin (newTab's check, when each subtest ends); the pages
// hold no inline script or style for the policy to block. The check itself
// is shown to work: a script the test injects into a page adds an inline
// script, an inline style and a third-party image; each is blocked, and
// reported on the console, and the image's attempt to reach another origin
// is seen.
func TestNoConsoleErrorsOrPolicyViolationsOnAnyPage(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	board := memboard.New()
	addServiceTopic(t, board)
	verifytest.Replay(t, board, rec, 0, len(rec.Log))
	srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, verify.Verified, uint64(len(rec.Log)))
	waitBody(t, srv, electionPath, `<th scope="row">counted</th><td class="num">7</td><td class="num">7</td>`)
	batch := firstBatch(t, rec)
	b, err := voting.ParseBatch(batch.Payload)
	if err != nil {
		t.Fatal(err)
	}
	code := b.TrackingCodes()[1].String()

	pages := []struct{ path, ready string }{
		{prefix + "/", "#elections"},
		{electionPath, "#step-10"},
		{electionPath + "/entries", "table.entries"},
		{electionPath + "/entries?from=10&limit=5", "#entry-10"},
		{fmt.Sprintf("%s/entries/%d", electionPath, batch.Seq), "main h1"},
		{electionPath + "/track", "#code"},
		{electionPath + "/track?code=" + code, "#proof"},
		{electionPath + "/shuffles", "main h1"},
		{electionPath + "/decryptions", "main h1"},
		{prefix + "/topics/" + serviceTopic.String(), "main h1"},
	}
	for _, lang := range []string{"en", "ru"} {
		t.Run(lang, func(t *testing.T) {
			tb := newTab(t, srv.URL)
			for _, p := range pages {
				path := p.path
				if lang == "ru" {
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					path += sep + "lang=ru"
				}
				tb.open(path)
				tb.waitFor(fmt.Sprintf(`document.documentElement.lang === %q && document.querySelector(%q)`, lang, p.ready), "the page "+path)
				if n := eval[int](tb, `document.querySelectorAll("script:not([src]), style, [style]").length`); n != 0 {
					t.Errorf("%s: %d inline scripts or styles", path, n)
				}
				if bad := tb.problems(); len(bad) != 0 {
					t.Errorf("%s: console: %q", path, bad)
				}
			}
			tb.screenshot("last-page")
		})
	}

	t.Run("the check sees violations", func(t *testing.T) {
		tb := newTab(t, srv.URL)
		tb.open(electionPath)
		eval[bool](tb, `(function () {
  var s = document.createElement("script"); s.textContent = "window.vecheInlineRan = true"; document.body.appendChild(s);
  var st = document.createElement("style"); st.textContent = "body { color: red }"; document.head.appendChild(st);
  var img = document.createElement("img"); img.src = "https://third-party.invalid/pixel.png"; document.body.appendChild(img);
  return true;
})()`)
		tb.waitFor(`true`, "the page")
		// Each violation is reported twice: by Chromium ("... violates the
		// following Content Security Policy directive 'script-src ...'")
		// and by the page's listener ("CSP violation: script-src-elem
		// blocked ..."), the latter sometimes much later under load. Wait
		// for all six, so that none arrives after forget below.
		var got []string
		seen := func(want string) bool { return strings.Contains(strings.Join(got, "\n"), want) }
		wants := []string{"directive 'script-src", "directive 'style-src", "directive: \"img-src",
			"CSP violation: script-src", "CSP violation: style-src", "CSP violation: img-src"}
		deadline := time.Now().Add(waitTimeout)
		for time.Now().Before(deadline) {
			got = tb.problems()
			if !slices.ContainsFunc(wants, func(w string) bool { return !seen(w) }) {
				break
			}
			time.Sleep(pollEvery)
		}
		t.Logf("reported: %q", got)
		for _, want := range wants {
			if !seen(want) {
				t.Errorf("no report %q among %q", want, got)
			}
		}
		if eval[bool](tb, `window.vecheInlineRan === true`) {
			t.Error("the inline script ran: the Content-Security-Policy did not block it")
		}
		// The attempt to reach another origin is seen too (Chromium
		// reports the request, then blocks it).
		if f := tb.foreign(); len(f) != 1 || f[0] != "https://third-party.invalid/pixel.png" {
			t.Errorf("the requests to other origins: %q, want the image's", f)
		}
		tb.forget() // the violations were the point
	})
}
