package ethboard

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/veche/veche/bulletin"
)

// A node that returns each page of logs in reverse order, or with one log
// repeated: the reader puts the order right, and a repeat is a gap.
func TestLogsOutOfOrder(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	var want [][]byte
	for batch := range 4 {
		var msgs []bulletin.Message
		for i := range 5 {
			p := fmt.Appendf(nil, "batch %d entry %d", batch, i)
			want = append(want, p)
			msgs = append(msgs, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: p})
		}
		if _, err := poster.AppendBatch(testCtx, topic, msgs); err != nil {
			t.Fatal(err)
		}
	}

	rc := &reorderingClient{Client: c.client}
	cfg := c.config()
	cfg.PageSize = 3 // several pages, each reversed
	r := c.board(t, rc, 3, cfg)
	checkLog(t, r, topic, want)
	if rc.calls.Load() == 0 {
		t.Fatal("the reordering client was not used")
	}
	var n int
	for e, err := range r.Follow(testCtx, topic, 7) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != uint64(7+n) || string(e.Payload) != string(want[7+n]) {
			t.Fatalf("Follow yielded entry %d %q, want %d %q", e.Seq, e.Payload, 7+n, want[7+n])
		}
		if n++; 7+n == len(want) {
			break
		}
	}

	rc.repeat = true
	if _, err := r.Entries(testCtx, topic, 0, uint64(len(want))); !errors.Is(err, bulletin.ErrGap) {
		t.Fatalf("Entries with a repeated log: %v, want ErrGap", err)
	}
}

// reorderingClient reverses every FilterLogs answer; with repeat it also
// returns the first log of each answer twice.
type reorderingClient struct {
	Client
	repeat bool
	calls  atomic.Int64
}

func (r *reorderingClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	logs, err := r.Client.FilterLogs(ctx, q)
	if err != nil {
		return nil, err
	}
	r.calls.Add(1)
	slices.Reverse(logs)
	if r.repeat && len(logs) > 1 {
		logs = append(logs, logs[len(logs)-1])
	}
	return logs, nil
}

// A node that sometimes never answers: each call is abandoned after
// Config.CallTimeout and retried, and posting and reading still complete,
// every entry exactly once. A node that is merely slow (answers within the
// timeout) is waited for.
func TestSlowNode(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)

	hc := &hangingClient{Client: c.client, delay: 5 * time.Millisecond}
	cfg := c.config()
	cfg.CallTimeout = 50 * time.Millisecond
	b := c.board(t, hc, 1, cfg)
	_, before, _ := poster.Head(testCtx, topic)
	var want [][]byte
	for i := range 4 {
		hc.hangs.Store(2) // the next two calls hang until abandoned
		p := fmt.Appendf(nil, "slow entry %d", i)
		want = append(want, p)
		if _, err := b.Append(testCtx, topic, bulletin.KindDocAnchor, p); err != nil {
			t.Fatalf("Append %d through a hanging node: %v", i, err)
		}
	}
	if hc.hung.Load() != 8 {
		t.Fatalf("%d calls hung, want 8", hc.hung.Load())
	}
	hc.hangs.Store(3)
	got, err := b.Entries(testCtx, topic, before, before+4)
	if err != nil {
		t.Fatalf("Entries through a hanging node: %v", err)
	}
	for i, e := range got {
		if string(e.Payload) != string(want[i]) {
			t.Fatalf("entry %d is %q, want %q", i, e.Payload, want[i])
		}
	}
	if _, after, _ := poster.Head(testCtx, topic); after-before != 4 {
		t.Fatalf("4 appends made %d entries", after-before)
	}

	// A node that hangs for good: the error says the node did not answer,
	// after the configured retries.
	cfg.MaxRetries = 2
	b = c.board(t, hc, 1, cfg)
	hc.hangs.Store(1 << 40)
	_, err = b.Append(testCtx, topic, bulletin.KindDocAnchor, []byte("never"))
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errCallTimeout) {
		t.Fatalf("Append through a dead node: %v, want the call timeout", err)
	}
}

// hangingClient delays every call by delay, and makes the next hangs calls
// block until their context ends.
type hangingClient struct {
	Client
	delay time.Duration
	hangs atomic.Int64
	hung  atomic.Int64
}

func (h *hangingClient) wait(ctx context.Context) error {
	if h.hangs.Add(-1) >= 0 {
		h.hung.Add(1)
		<-ctx.Done()
		return ctx.Err()
	}
	return sleep(ctx, h.delay)
}

func (h *hangingClient) BlockNumber(ctx context.Context) (uint64, error) {
	if err := h.wait(ctx); err != nil {
		return 0, err
	}
	return h.Client.BlockNumber(ctx)
}

func (h *hangingClient) CallContract(ctx context.Context, msg ethereum.CallMsg, n *big.Int) ([]byte, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.Client.CallContract(ctx, msg, n)
}

func (h *hangingClient) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	if err := h.wait(ctx); err != nil {
		return 0, err
	}
	return h.Client.EstimateGas(ctx, msg)
}

func (h *hangingClient) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if err := h.wait(ctx); err != nil {
		return err
	}
	return h.Client.SendTransaction(ctx, tx)
}

func (h *hangingClient) TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.Client.TransactionReceipt(ctx, hash)
}

func (h *hangingClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.Client.FilterLogs(ctx, q)
}

func TestParseAddress(t *testing.T) {
	const good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // EIP-55's example
	for _, s := range []string{good, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"} {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatalf("ParseAddress(%s): %v", s, err)
		}
		if ChecksumAddress(a) != good {
			t.Fatalf("ChecksumAddress = %s, want %s", ChecksumAddress(a), good)
		}
	}
	for _, s := range []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", // checksum broken
		"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",   // no 0x
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea",   // short
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedff",
		"0xzzaeb6053f3e94c9b9a09f33669435e7ef1beaed",
		"",
	} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("ParseAddress(%q) accepted", s)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := t.TempDir() + "/poster.key"
	key, err := CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateKeyFile(path); !errors.Is(err, ErrKeyFileExists) {
		t.Fatalf("CreateKeyFile over an existing key: %v", err)
	}
	got, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if KeyAddress(got) != KeyAddress(key) {
		t.Fatal("the loaded key differs from the created one")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(path); err == nil {
		t.Fatal("LoadKeyFile accepted a world-readable key")
	}
	for _, bad := range []string{"", "zz", "00", strings.Repeat("00", 32), strings.Repeat("ff", 32), strings.Repeat("11", 33)} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyFile(path); err == nil {
			t.Errorf("LoadKeyFile accepted %q", bad)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8545":                    "http://127.0.0.1:8545",
		"https://mainnet.example.com/v3/SECRETKEY": "https://mainnet.example.com/...",
		"https://user:pass@node.example.com/":      "https://node.example.com/...",
		"wss://node.example.com/ws?apikey=SECRET":  "wss://node.example.com/...",
		"/var/run/geth.ipc":                        "/var/run/geth.ipc",
		"http://[::1]:8545/":                       "http://[::1]:8545",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// The contract records its deployment block, where Dial starts reading.
func TestDeployedAt(t *testing.T) {
	c := newTestChain(t)
	b := c.board(t, c.client, 3, c.config())
	got, err := b.deployedAt(testCtx)
	if err != nil {
		t.Fatal(err)
	}
	if got != c.deployed || got == 0 {
		t.Fatalf("DEPLOYED_AT = %d, deployed in block %d", got, c.deployed)
	}
}
