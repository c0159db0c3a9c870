package cli

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veche/veche/internal/electiontest"
)

// veche explorer --record serves an exported record: the election verified,
// its page and its report.
func TestExplorerServesARecord(t *testing.T) {
	record, err := filepath.Abs("../../../../testdata/verification/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	isolate(t)
	base, _ := startServer(t, "serving the explorer", 1, "explorer", "--record", record, "--listen", "127.0.0.1:0")
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
	_, contract := chainElection(t, data, referendum{
		id: "explorer-test", title: "{en: Explorer test, ru: Проверка обозревателя}", threshold: 1,
		trustees: []string{"T=0x2000000000000000000000000000000000000001"},
	}, 0, electiontest.Options{Stage: electiontest.Published})

	base, _ := startServer(t, "serving the explorer", 2, "--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0")
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
