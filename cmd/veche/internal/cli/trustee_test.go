package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/veche/veche/bulletin/eth/gethtest"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/keystore"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// trusteeRegistered reports whether cli.go wires veche trustee.
func trusteeRegistered() bool {
	root := newRoot(new(bytes.Buffer), new(bytes.Buffer))
	c, _, err := root.Find([]string{"trustee"})
	return err == nil && c != root
}

// The trustees' commands on the embedded chain, one invocation at a time:
// three trustees (2 of 3) create key files, join, and run keygen in turns
// with --no-wait (the embedded chain is one process's, so they cannot
// follow it at the same time here; voting's tests run trustees
// concurrently on the in-memory board); status shows what the ceremony
// waits for; after the commission's close each trustee saves its share.
func TestTrusteeCommands(t *testing.T) {
	if !trusteeRegistered() {
		t.Skip("veche trustee is not registered in cli.go yet (a.trusteeCommand())")
	}
	keystoreOptions = &keystore.Options{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { keystoreOptions = nil })
	dir := isolate(t)
	data := "--data=" + filepath.Join(dir, "data")
	keys := map[string]string{}
	for _, who := range []string{"commission", "t1", "t2", "t3"} {
		path := filepath.Join(dir, who+".key")
		out := mustRun(t, "board", "key", "--out", path)
		keys[who] = path
		keys[who+".addr"] = strings.ToLower(strings.Fields(out)[1])
	}
	writeTrusteesManifest(t, "trustees-test", keys)

	// Long-term keys, each under its own passphrase.
	trustee := func(j int) []string {
		return []string{data, "--chain-key", keys[fmt.Sprintf("t%d", j)]}
	}
	keyFlags := func(j int) []string {
		return []string{"--key", filepath.Join(dir, fmt.Sprintf("t%d.tkey", j)), "--passphrase-file", fmt.Sprintf("pass%d", j)}
	}
	for j := 1; j <= 3; j++ {
		writeFile(t, fmt.Sprintf("pass%d", j), fmt.Sprintf("correct horse %d\n", j))
		out := mustRun(t, append([]string{"trustee", "init"}, keyFlags(j)...)...)
		if !strings.HasPrefix(out, "public key ") {
			t.Fatalf("init printed %q", out)
		}
	}
	mustFail(t, "not overwriting", append([]string{"trustee", "init"}, keyFlags(1)...)...)
	mustFail(t, "no passphrase", "trustee", "init", "--key", "other.tkey")
	if _, err := os.Stat("other.tkey"); !os.IsNotExist(err) {
		t.Fatal("init without a passphrase left a file")
	}
	// The passphrase may come from the file named in the environment.
	t.Setenv(passphraseEnv, "pass3")
	mustRun(t, "trustee", "init", "--key", "env.tkey")

	asCommission := []string{data, "--chain-key", keys["commission"]}
	mustRun(t, append(asCommission, "election", "create", "manifest.yaml")...)
	out := mustRun(t, data, "trustee", "status", "trustees-test")
	if !strings.Contains(out, "to join: trustee 1 (Alice), trustee 2 (Bob), trustee 3 (Carol)") {
		t.Fatalf("status before the joins:\n%s", out)
	}

	// Joining: as the trustee's account, with the right passphrase.
	mustFail(t, "not a trustee", append(append(asCommission, "trustee", "join", "trustees-test"), keyFlags(1)...)...)
	writeFile(t, "wrong", "wrong horse\n")
	mustFail(t, "wrong passphrase", append(trustee(1), "trustee", "join", "trustees-test", "--key", filepath.Join(dir, "t1.tkey"), "--passphrase-file", "wrong")...)
	for j := 1; j <= 3; j++ {
		out := mustRun(t, append(append(trustee(j), "trustee", "join", "trustees-test"), keyFlags(j)...)...)
		if !strings.Contains(out, fmt.Sprintf("trustee %d", j)) || !strings.Contains(out, "joined election trustees-test") {
			t.Fatalf("join printed %q", out)
		}
	}
	again := mustRun(t, append(append(trustee(1), "trustee", "join", "trustees-test"), keyFlags(1)...)...)
	out = mustRun(t, data, "trustee", "status", "trustees-test")
	if !strings.Contains(out, "the commission to start the key ceremony") || strings.Count(out, "joined (entry") != 3 || strings.Contains(out, "ignored") {
		t.Fatalf("status after the joins (the second join of trustee 1 printed %q):\n%s", again, out)
	}

	// The ceremony: trustees take turns with --no-wait.
	keygen := func(j int) string {
		return mustRun(t, append(append(trustee(j), "trustee", "keygen", "trustees-test", "--no-wait"), keyFlags(j)...)...)
	}
	out = keygen(1)
	if !strings.Contains(out, "the commission to start the key ceremony") {
		t.Fatalf("keygen before the ceremony printed:\n%s", out)
	}
	mustRun(t, append(asCommission, "election", "ceremony", "trustees-test")...)
	out = keygen(1)
	if !strings.Contains(out, "to deal (commitments and shares): trustee 2 (Bob), trustee 3 (Carol)") {
		t.Fatalf("keygen of trustee 1 printed:\n%s", out)
	}
	for _, j := range []int{2, 3, 1, 2} {
		keygen(j)
	}
	out = mustRun(t, data, "trustee", "status", "trustees-test")
	if strings.Count(out, "dealt, complaints 0, ready (entry") != 3 || !strings.Contains(out, "the commission to close the ceremony") {
		t.Fatalf("status with everyone ready:\n%s", out)
	}
	for j := 1; j <= 3; j++ {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("t%d.tkey.trustees-test.state", j))); err != nil {
			t.Fatalf("trustee %d's state file: %v", j, err)
		}
	}

	// The commission closes the ceremony and opens the election.
	out = mustRun(t, append(asCommission, "election", "open", "trustees-test")...)
	if !strings.Contains(out, "2 of 3 trustees qualified") && !strings.Contains(out, "3 of 3 trustees qualified") {
		t.Fatalf("election open printed:\n%s", out)
	}

	var joint string
	for j := 1; j <= 3; j++ {
		out := keygen(j)
		if !strings.Contains(out, "is over") || !strings.Contains(out, "qualified 1 2 3") {
			t.Fatalf("keygen of trustee %d after the close printed:\n%s", j, out)
		}
		fields := strings.Fields(out[strings.Index(out, "joint key"):])
		if joint != "" && fields[2] != joint {
			t.Fatal("trustees disagree on the joint key")
		}
		joint = fields[2]
		checkShareFile(t, filepath.Join(dir, fmt.Sprintf("t%d.tkey.trustees-test.share", j)), fmt.Sprintf("correct horse %d", j), j, out)
	}
	out = mustRun(t, data, "trustee", "status", "trustees-test")
	if !strings.Contains(out, "matches the board's messages") || !strings.Contains(out, "joint key "+joint) || strings.Contains(out, "waiting for") {
		t.Fatalf("status after the close:\n%s", out)
	}
	// Running keygen again gives the same share and posts nothing.
	before := mustRun(t, data, "board", "verify", "election/trustees-test")
	keygen(2)
	if after := mustRun(t, data, "board", "verify", "election/trustees-test"); after != before {
		t.Fatalf("a rerun of keygen posted:\n%s\n%s", before, after)
	}
	mustRun(t, append(asCommission, "election", "open", "trustees-test")...)
	mustFail(t, "no election", data, "trustee", "status", "nope")
}

// writeTrusteesManifest writes manifest.yaml for election id: a 2-of-3
// election whose commission and trustees post with keys[...+".addr"].
func writeTrusteesManifest(t *testing.T, id string, keys map[string]string) {
	t.Helper()
	writeFile(t, "manifest.yaml", referendum{
		id: id, title: "{en: Trustees test}", commission: keys["commission.addr"], threshold: 2,
		trustees: []string{"Alice=" + keys["t1.addr"], "Bob=" + keys["t2.addr"], "Carol=" + keys["t3.addr"]},
	}.yaml())
}

// checkShareFile opens a share file and checks x_j·G against the
// verification key keygen printed.
func checkShareFile(t *testing.T, path, pass string, j int, keygenOut string) {
	t.Helper()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("share file %s: %v", path, err)
	}
	pt, err := openSealed(path, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	s, err := voting.ParseTrusteeShare(pt)
	if err != nil || s.Index != uint32(j) {
		t.Fatalf("share file of trustee %d: %v", j, err)
	}
	Y := new(group.Element).ScalarBaseMult(s.Share)
	want := fmt.Sprintf("verification key Y_%d %s", j, hex.EncodeToString(Y.Bytes()))
	if !strings.Contains(keygenOut, want) {
		t.Fatalf("trustee %d's share does not match its printed verification key:\n%s", j, keygenOut)
	}
}

// On a real node over JSON-RPC the three trustees run keygen at the same
// time, each following the board, while the commission waits until it can
// close the ceremony: every invocation ends with the same joint key.
func TestTrusteeKeygenGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("real-node test; skipped in -short mode")
	}
	if !trusteeRegistered() {
		t.Skip("veche trustee is not registered in cli.go yet (a.trusteeCommand())")
	}
	node := gethtest.Start(t)
	keystoreOptions = &keystore.Options{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { keystoreOptions = nil })
	dir := isolate(t)
	keys := map[string]string{}
	for n, k := range node.NewAccounts(t, "cli trustees", 4) {
		who := []string{"commission", "t1", "t2", "t3"}[n]
		keys[who] = filepath.Join(dir, who+".key")
		keys[who+".addr"] = strings.ToLower(crypto.PubkeyToAddress(k.PublicKey).Hex())
		writeFile(t, keys[who], fmt.Sprintf("%x\n", crypto.FromECDSA(k)))
	}
	out := mustRun(t, "--rpc", node.URL, "--chain-key", keys["commission"], "board", "deploy")
	var contract string
	if _, err := fmt.Sscanf(out, "contract %s", &contract); err != nil {
		t.Fatalf("deploy printed %q", out)
	}
	t.Setenv("VECHE_CHAIN_RPC", node.URL)
	t.Setenv("VECHE_CHAIN_CONTRACT", contract)
	t.Setenv("VECHE_CHAIN_POLL_INTERVAL", "50ms")
	writeTrusteesManifest(t, "trustees-geth", keys)
	mustRun(t, "--chain-key", keys["commission"], "election", "create", "manifest.yaml")
	keyFlags := func(j int) []string {
		return []string{"--key", filepath.Join(dir, fmt.Sprintf("t%d.tkey", j)), "--passphrase-file", "pass"}
	}
	writeFile(t, "pass", "one passphrase for all\n")
	for j := 1; j <= 3; j++ {
		mustRun(t, append([]string{"trustee", "init"}, keyFlags(j)...)...)
		mustRun(t, append([]string{"--chain-key", keys[fmt.Sprintf("t%d", j)], "trustee", "join", "trustees-geth"}, keyFlags(j)...)...)
	}
	mustRun(t, "--chain-key", keys["commission"], "election", "ceremony", "trustees-geth")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	outs := make([]bytes.Buffer, 3)
	errs := make([]lockedBuffer, 3)
	codes := make([]int, 3)
	var wg sync.WaitGroup
	for j := 1; j <= 3; j++ {
		args := append([]string{"--chain-key", keys[fmt.Sprintf("t%d", j)], "trustee", "keygen", "trustees-geth"}, keyFlags(j)...)
		wg.Go(func() { codes[j-1] = Run(ctx, args, &outs[j-1], &errs[j-1]) })
	}
	b, err := chain.Open(ctx, chain.Options{RPC: node.URL, Contract: contract, KeyFile: keys["commission"], PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m, err := voting.ReadManifest(ctx, b, "trustees-geth")
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := voting.CloseCeremony(ctx, b, m, nil)
		if err == nil {
			break
		}
		if !errors.Is(err, voting.ErrNotReady) || ctx.Err() != nil {
			cancel()
			wg.Wait()
			t.Fatalf("closing: %v\nkeygen stderr:\n%s%s%s", err, errs[0].String(), errs[1].String(), errs[2].String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	var joint string
	for j := range 3 {
		out := outs[j].String()
		if codes[j] != 0 || !strings.Contains(out, "is over") {
			t.Fatalf("keygen of trustee %d: exit %d\n%s\n%s", j+1, codes[j], out, errs[j].String())
		}
		line := out[strings.Index(out, "joint key"):]
		line = line[:strings.Index(line, "\n")]
		if joint != "" && line != joint {
			t.Fatalf("trustees disagree: %q, %q", joint, line)
		}
		joint = line
		if !strings.Contains(errs[j].String(), "ready: checked the shares of 6 messages") {
			t.Errorf("trustee %d's progress:\n%s", j+1, errs[j].String())
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and a concurrent
// reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// On a terminal the passphrase is asked for, twice for a new key, and a
// mismatch creates nothing.
func TestTrusteePassphrasePrompt(t *testing.T) {
	keystoreOptions = &keystore.Options{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { keystoreOptions = nil })
	isolate(t)
	var answers []string
	var prompts []string
	oldTerm, oldRead := stdinIsTerminal, readPassword
	t.Cleanup(func() { stdinIsTerminal, readPassword = oldTerm, oldRead })
	stdinIsTerminal = func() bool { return true }
	readPassword = func(prompt string) ([]byte, error) {
		prompts = append(prompts, prompt)
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	}
	answers = []string{"one", "two"}
	mustFail(t, "the passphrases differ", "trustee", "init", "--key", "t.tkey")
	if _, err := os.Stat("t.tkey"); !os.IsNotExist(err) {
		t.Fatal("a mismatched passphrase left a key file")
	}
	answers = []string{"same", "same"}
	mustRun(t, "trustee", "init", "--key", "t.tkey")
	if len(prompts) != 4 || prompts[3] != "Passphrase again: " {
		t.Fatalf("prompts %q", prompts)
	}
	pt, err := openSealed("t.tkey", []byte("same"))
	if err != nil || len(pt) == 0 {
		t.Fatalf("the key file does not open with the prompted passphrase: %v", err)
	}
}
