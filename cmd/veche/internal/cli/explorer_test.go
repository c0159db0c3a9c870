package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// startServer runs veche with args in the background until the test ends,
// and returns the first http:// address of the line announcing want.
func startServer(t *testing.T, want string, lines int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWaiter{want: lines, done: make(chan struct{})}
	var wg sync.WaitGroup
	var code int
	wg.Go(func() { code = Run(ctx, args, out, os.Stderr) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if code != 0 {
			t.Errorf("veche %s exited %d", strings.Join(args, " "), code)
		}
	})
	select {
	case <-out.done:
	case <-time.After(time.Minute):
		t.Fatalf("veche %s did not start:\n%s", strings.Join(args, " "), out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, want) {
			return strings.TrimSuffix(strings.Fields(line[strings.Index(line, "http://"):])[0], "/")
		}
	}
	t.Fatalf("no line %q in:\n%s", want, out.String())
	return ""
}

// getUntil GETs url until its body contains want, and returns the body.
func getUntil(t *testing.T, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var body string
	var status int
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body, status = string(b), resp.StatusCode
			if strings.Contains(body, want) {
				return body
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s: %q did not appear within a minute; last answer %d:\n%.2000s", url, want, status, body)
	return ""
}

// veche explorer --record serves an exported record: the election verified,
// its page and its report.
func TestExplorerServesARecord(t *testing.T) {
	record, err := filepath.Abs("../../../../testdata/verification/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	isolate(t)
	base := startServer(t, "serving the explorer", 1, "explorer", "--record", record, "--listen", "127.0.0.1:0")
	page := getUntil(t, base+"/elections/sample-2026", `data-verdict="verified"`)
	for _, want := range []string{"City referendum and council election 2026", `id="step-10" data-status="ok"`, "veche verify --record sample-2026.jsonl"} {
		if !strings.Contains(page, want) {
			t.Errorf("the election page lacks %q", want)
		}
	}
	getUntil(t, base+"/", `href="/elections/sample-2026"`)
}

// veche serve shows the explorer at /explorer/ (and / leads there): it
// finds an election on the embedded chain by listing the board's topics,
// verifies what there is, and gives the veche verify command line through
// the chain it serves at /chain.
func TestServeMountsTheExplorer(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	m, err := voting.DecodeManifest([]byte(fmt.Sprintf(`version: 1
id: explorer-test
title: {en: Explorer test, ru: Проверка обозревателя}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: s, districts: [all], contests: [q]}]
contests:
  - {id: q, title: {en: Question}, kind: referendum, tally: homomorphic, min: 1, max: 1, blank: false, write_in: false,
     options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]}
commission: {name: C, address: "%[1]s"}
ballot_box: {name: B, address: "%[1]s"}
credential_authority: {name: A, address: "%[1]s"}
trustees: {threshold: 1, members: [{name: T, address: "0x2000000000000000000000000000000000000001"}]}
mixers: []
`, self)))
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	contract := ethboard.ChecksumAddress(b.Contract())
	b.Close()

	base := startServer(t, "serving the explorer", 2, "--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0")
	origin := strings.TrimSuffix(base, "/explorer")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(origin + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/explorer/" {
		t.Errorf("GET /: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	getUntil(t, origin+"/explorer/", `href="/explorer/elections/explorer-test">Explorer test</a>`)
	page := getUntil(t, origin+"/explorer/elections/explorer-test", `id="step-2" data-status="ok"`)
	if want := "veche --rpc " + origin + "/chain --contract " + contract + " verify --election explorer-test"; !strings.Contains(page, want) {
		t.Errorf("the election page lacks %q", want)
	}
	if resp, err := http.Get(origin + "/api/v1/health"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the API is not served beside the explorer: %v", err)
	} else {
		resp.Body.Close()
	}
}
