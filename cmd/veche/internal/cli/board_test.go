package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/veche/veche/bulletin/eth/gethtest"
	"github.com/veche/veche/services/chain"
)

// A local flag that shadows a global one silently swallows it (post's
// --data once took the data directory's place).
func TestNoFlagShadowsAGlobalOne(t *testing.T) {
	root := newRoot(new(bytes.Buffer), new(bytes.Buffer))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if root.PersistentFlags().Lookup(f.Name) != nil {
				t.Errorf("%s: --%s shadows the global flag", c.CommandPath(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// The board commands on the embedded chain, each run as its own
// invocation (opening and closing the chain): deploy, create, grant, post,
// tail, verify, phases, and the errors people will meet.
func TestBoardEmbedded(t *testing.T) {
	dir := isolate(t)
	data := "--data=" + filepath.Join(dir, "data")
	out := mustRun(t, data, "board", "deploy")
	if !strings.HasPrefix(out, "contract 0x") {
		t.Fatalf("deploy printed %q", out)
	}
	if again := mustRun(t, data, "board", "deploy"); again != out {
		t.Fatalf("a second deploy on the embedded chain printed %q, then %q", out, again)
	}
	out = mustRun(t, data, "board", "create", "city", "--service")
	owner := strings.TrimSpace(out[strings.LastIndex(out, " "):])
	mustFail(t, "may not post doc-anchor", data, "board", "post", "city", "doc-anchor", "--string", "hello")
	mustRun(t, data, "board", "grant", "city", owner, "doc-anchor,doc-revoke")

	mustRun(t, data, "board", "post", "city", "doc-anchor", "--string", "hello")
	big := bytes.Repeat([]byte("0123456789abcdef"), 20_000) // 320,000 bytes: chunked
	writeFile(t, "big.bin", string(big))
	out = mustRun(t, data, "board", "post", "city", "doc-revoke", "--file", "big.bin")
	if !strings.Contains(out, "chunk entries 1..") {
		t.Fatalf("a 320,000-byte post printed %q, want chunks", out)
	}

	out = mustRun(t, data, "board", "tail", "city", "--from", "0")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 || !strings.Contains(lines[0], `"hello"`) || !strings.Contains(lines[1], "chunk-header") {
		t.Fatalf("tail printed:\n%s", out)
	}
	out = mustRun(t, data, "board", "tail", "city", "--json", "--from", "-1")
	var e entryJSON
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Kind != "chunk" || e.Seq != uint64(len(lines)-1) {
		t.Fatalf("tail --json --from -1 printed %q (%v)", out, err)
	}

	out = mustRun(t, data, "board", "verify", "city")
	if !strings.Contains(out, fmt.Sprintf("entries %d", len(lines))) || !strings.Contains(out, "chunked artefacts 1") || !strings.Contains(out, "OK:") {
		t.Fatalf("verify printed:\n%s", out)
	}

	// An election topic moves through its phases; the board enforces them.
	mustRun(t, data, "board", "create", "election-1")
	mustRun(t, data, "board", "grant", "election-1", owner, "phase", "manifest", "ballot-batch")
	mustFail(t, "ballot-batch is not allowed in phase setup", data, "board", "post", "election-1", "ballot-batch", "--string", "x")
	mustFail(t, "cannot move from phase setup to closed", data, "board", "phase", "election-1", "closed")
	mustRun(t, data, "board", "phase", "election-1", "key-ceremony")
	mustRun(t, data, "board", "phase", "election-1", "open")
	mustRun(t, data, "board", "post", "election-1", "ballot-batch", "--string", "ballots")
	out = mustRun(t, data, "board", "verify", "election-1")
	if !strings.Contains(out, "phase open") || !strings.Contains(out, "entries 3") {
		t.Fatalf("verify printed:\n%s", out)
	}

	// Mistakes get errors that say what is wrong.
	mustFail(t, "no topic", data, "board", "tail", "nonexistent")
	mustFail(t, "no topic", data, "board", "verify", "nonexistent")
	mustFail(t, "TopicExists", data, "board", "create", "city")
	mustFail(t, `unknown entry kind "ballot"`, data, "board", "post", "city", "ballot", "--string", "x")
	mustFail(t, "no payload", data, "board", "post", "city", "doc-anchor")
	mustFail(t, "bad EIP-55 checksum", data, "board", "grant", "city", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "doc-anchor")
	mustFail(t, "chain.contract is not", "--rpc=http://127.0.0.1:1", "board", "tail", "city")
	mustFail(t, "--payload", data, "board", "tail", "city", "--payload", "base64")

	// The embedded chain is one process's: a second opener is told so.
	b, err := chain.Open(context.Background(), chain.Options{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	mustFail(t, "in use by another process", data, "board", "tail", "city")
	b.Close()
}

// The same against a real geth --dev node over JSON-RPC: a poster key file,
// deploy, post, tail --follow while another invocation posts, verify.
func TestBoardGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("real-node test; skipped in -short mode")
	}
	node := gethtest.Start(t)
	dir := isolate(t)
	keys := node.NewAccounts(t, "cli board", 1)
	keyFile := filepath.Join(dir, "poster.key")
	writeFile(t, keyFile, fmt.Sprintf("%x\n", crypto.FromECDSA(keys[0])))

	mustFail(t, "needs a funded account", "--rpc", node.URL, "board", "deploy")
	out := mustRun(t, "--rpc", node.URL, "--chain-key", keyFile, "board", "deploy")
	var contract string
	if _, err := fmt.Sscanf(out, "contract %s", &contract); err != nil {
		t.Fatalf("deploy printed %q", out)
	}
	// From here on the settings come from the environment, as in production.
	t.Setenv("VECHE_CHAIN_RPC", node.URL)
	t.Setenv("VECHE_CHAIN_CONTRACT", contract)
	t.Setenv("VECHE_CHAIN_KEY", keyFile)
	t.Setenv("VECHE_CHAIN_POLL_INTERVAL", "50ms")

	out = mustRun(t, "board", "create", "notices", "--service")
	owner := strings.TrimSpace(out[strings.LastIndex(out, " "):])
	mustRun(t, "board", "grant", "notices", owner, "doc-anchor")

	// tail --follow in the background prints entries as they are posted.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fw := &lineWaiter{want: 3, done: make(chan struct{})}
	var code int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		code = Run(ctx, []string{"board", "tail", "notices", "--follow", "--from", "0"}, fw, os.Stderr)
	}()
	for i := range 3 {
		mustRun(t, "board", "post", "notices", "doc-anchor", "--string", fmt.Sprintf("notice %d", i))
	}
	select {
	case <-fw.done:
	case <-time.After(time.Minute):
		t.Fatalf("tail --follow printed only:\n%s", fw.String())
	}
	cancel()
	wg.Wait()
	if code != 0 {
		t.Fatalf("tail --follow ended with exit %d", code)
	}
	for i := range 3 {
		if !strings.Contains(fw.String(), fmt.Sprintf(`"notice %d"`, i)) {
			t.Fatalf("tail --follow missed notice %d:\n%s", i, fw.String())
		}
	}
	out = mustRun(t, "board", "verify", "notices")
	if !strings.Contains(out, "entries 3") || !strings.Contains(out, "OK:") || !strings.Contains(out, strings.TrimPrefix(node.URL, "http://")) {
		t.Fatalf("verify printed:\n%s", out)
	}

	// A read-only observer needs no key; a wrong contract address is named.
	os.Unsetenv("VECHE_CHAIN_KEY")
	mustRun(t, "board", "verify", "notices")
	mustFail(t, "read-only", "board", "post", "notices", "doc-anchor", "--string", "x")
	mustFail(t, "no contract at", "--contract", owner, "board", "verify", "notices")
}

func TestBenchBoard(t *testing.T) {
	dir := isolate(t)
	out := mustRun(t, "--data", filepath.Join(dir, "data"), "bench", "board", "--entries", "300", "--batch", "100", "--singles", "3", "--rounds", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []struct {
		op      string
		entries int
	}{{"board.append", 300}, {"board.append_single", 3}, {"board.read_verify", 303}}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		var r chain.BenchResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if r.Op != want[i].op || r.Entries != want[i].entries || r.EntryBytes != 500 || r.EntriesPerSec <= 0 {
			t.Errorf("line %d: %s", i, line)
		}
		if r.Op != "board.read_verify" && (r.GasPerEntry < 10_000 || r.Transactions == 0) {
			t.Errorf("line %d: implausible gas: %s", i, line)
		}
	}
	// The temporary chain is gone and the data directory untouched.
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("bench board touched the data directory: %v", err)
	}
}

// The commission's commands on the embedded chain, each party with its own
// key file (funded by the embedded chain).
func TestElectionCommands(t *testing.T) {
	dir := isolate(t)
	data := "--data=" + filepath.Join(dir, "data")
	keys := map[string]string{}
	for _, who := range []string{"commission", "t1", "t2", "t3", "m1"} {
		path := filepath.Join(dir, who+".key")
		out := mustRun(t, "board", "key", "--out", path)
		keys[who] = path
		keys[who+".addr"] = strings.ToLower(strings.Fields(out)[1])
	}
	manifest := referendum{
		id: "test-election", title: "{en: Test election}", commission: keys["commission.addr"], threshold: 2,
		trustees: []string{"T1=" + keys["t1.addr"], "T2=" + keys["t2.addr"], "T3=" + keys["t3.addr"]},
		mixers:   []string{"M1=" + keys["m1.addr"]},
	}.yaml()
	writeFile(t, "manifest.yaml", manifest)

	out := mustRun(t, "election", "check", "manifest.yaml")
	if !strings.Contains(out, "fingerprint") || !strings.Contains(out, "2 of 3") {
		t.Fatalf("check printed:\n%s", out)
	}
	writeFile(t, "bad.yaml", strings.Replace(manifest, "threshold: 2", "threshold: 4", 1))
	mustFail(t, "trustees.threshold", "election", "check", "bad.yaml")

	// Only the commission's key may create it.
	mustFail(t, "not the commission's account", data, "--chain-key", keys["t1"], "election", "create", "manifest.yaml")
	asCommission := []string{data, "--chain-key", keys["commission"]}
	mustRun(t, append(asCommission, "election", "create", "manifest.yaml")...)
	mustRun(t, append(asCommission, "election", "create", "manifest.yaml")...) // idempotent

	// A trustee posts in the key ceremony with its own key; not before.
	mustFail(t, "not allowed in phase setup", data, "--chain-key", keys["t1"], "board", "post", "election/test-election", "dkg-commitments", "--string", "c")
	mustRun(t, append(asCommission, "election", "ceremony", "test-election")...)
	mustRun(t, data, "--chain-key", keys["t1"], "board", "post", "election/test-election", "dkg-commitments", "--string", "c")
	mustFail(t, "may not post", data, "--chain-key", keys["m1"], "board", "post", "election/test-election", "dkg-commitments", "--string", "c")
	mustFail(t, "may not post", data, "--chain-key", keys["t1"], "election", "close", "test-election")
	// The ceremony has not run (a trustee posted junk): the election cannot open.
	mustFail(t, "", append(asCommission, "election", "open", "test-election")...)

	out = mustRun(t, data, "election", "show", "test-election")
	for _, want := range []string{"phase\tkey-ceremony", "dkg-commitments\t1", "manifest\t1", "Test election"} {
		if !strings.Contains(strings.Join(strings.Fields(out), "\t"), strings.Join(strings.Fields(want), "\t")) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	mustFail(t, `no election "nope"`, data, "election", "show", "nope")
}

func TestElectionTrustees(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "voting", "testdata", "election.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	isolate(t)
	writeFile(t, "m.yaml", string(src))
	out := mustRun(t, "election", "trustees", "m.yaml")
	if !strings.Contains(out, "threshold 3 of 5") {
		t.Fatalf("trustees printed:\n%s", out)
	}
	mustRun(t, "election", "trustees", "m.yaml", "--threshold", "2", "--out", "m2.yaml",
		"--trustee", "Alice=0x4000000000000000000000000000000000000001",
		"--trustee", "Bob=0x4000000000000000000000000000000000000002")
	out = mustRun(t, "election", "check", "m2.yaml")
	if !strings.Contains(out, "2 of 2") || !strings.Contains(out, "Alice") {
		t.Fatalf("check of the new manifest:\n%s", out)
	}
	mustFail(t, "trustees.threshold", "election", "trustees", "m.yaml", "--threshold", "9")
	mustFail(t, "already", "election", "trustees", "m.yaml", "--threshold", "1", "--trustee", "Eve=0x1000000000000000000000000000000000000001")
	mustFail(t, "NAME=ADDRESS", "election", "trustees", "m.yaml", "--trustee", "Eve")
}

// veche serve answers on its address with the board behind it, and stops
// cleanly when interrupted.
func TestServe(t *testing.T) {
	dir := isolate(t)
	base, stop := startServer(t, "serving the voter API", 1, "--data", filepath.Join(dir, "data"), "serve", "--listen", "127.0.0.1:0")
	for path, want := range map[string]int{"/health": 200, "/ready": 200, "/elections/nope": 404, "/openapi.json": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, err := http.Get(strings.TrimSuffix(base, "/api/v1") + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics: %v %v", resp, err)
	}
	resp.Body.Close()
	stop()
}
