// Package gethtest runs a real geth node in developer mode (`geth --dev`)
// for tests that must talk to Ethereum over JSON-RPC rather than to the
// in-process simulated backend.
//
// The geth binary is the one named by the VECHE_GETH environment variable,
// else the first geth on PATH; .ci/geth.sh (also `make geth`) builds it from
// the go-ethereum module at the go.mod version and prints its path, and
// .ci/run exports VECHE_GETH. Without a binary, [Start] skips the test --
// unless CI is "true", where it fails, so that CI never skips the real-node
// tests silently.
//
// The node listens on 127.0.0.1 only, on free ports, with its data under the
// test's temporary directory, seals a block every second (--dev.period 1;
// period 0 mines on demand but has been seen to stall for tens of seconds)
// with a 60M gas limit, and is stopped by its process id when the test ends.
package gethtest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
)

// EnvGeth is the environment variable naming the geth binary.
const EnvGeth = "VECHE_GETH"

// DevKeyHex is the private key of the account that `geth --dev` creates and
// prefunds when its keystore is empty (go-ethereum's well-known developer
// key; address 0x71562b71999873DB5b286dF957af199Ec94617F7). It controls
// nothing outside developer chains.
const DevKeyHex = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"

// ChainID is the chain id of `geth --dev`.
const ChainID = 1337

// GasLimit is the block gas limit the node is started with.
const GasLimit = 60_000_000

// Timeouts. geth is ready in about half a second on a 2-core machine; the
// bounds leave room for a loaded CI machine.
const (
	readyTimeout   = 30 * time.Second
	stopTimeout    = 15 * time.Second
	pollInterval   = 50 * time.Millisecond
	startAttempts  = 3 // a free port can be taken between probing and binding
	logTailOnError = 40
)

// A Node is a running `geth --dev` node.
type Node struct {
	// URL is the node's HTTP JSON-RPC endpoint, http://127.0.0.1:<port>.
	URL string
	// Client is connected to URL; it is closed when the test ends.
	Client *ethclient.Client
	// Key is the prefunded developer account's key ([DevKeyHex]) and
	// Address its address. Sign transactions locally with it; the node
	// does not hold the key unlocked for eth_sendTransaction.
	Key     *ecdsa.PrivateKey
	Address common.Address
	// ChainID is the node's chain id ([ChainID]).
	ChainID *big.Int
	// PID is the geth process id; DataDir its --datadir; LogFile the file
	// its standard output and error go to.
	PID     int
	DataDir string
	LogFile string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	werr error         // cmd.Wait's result, valid after done

	fundMu sync.Mutex
}

// Binary returns the path of the geth binary that [Start] would run: the
// value of VECHE_GETH, else geth on PATH. It fails when neither exists; a
// set VECHE_GETH that is not an executable file is an error, not a fallback.
func Binary() (string, error) {
	if p := os.Getenv(EnvGeth); p != "" {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("gethtest: %s=%s: %w", EnvGeth, p, err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("gethtest: %s=%s is not an executable file", EnvGeth, p)
		}
		return p, nil
	}
	p, err := exec.LookPath("geth")
	if err != nil {
		return "", fmt.Errorf("gethtest: no geth binary: %s is not set and geth is not on PATH (build one with `make geth`, then export %s=$(.ci/geth.sh))", EnvGeth, EnvGeth)
	}
	return p, nil
}

// Start starts a geth --dev node for the test and stops it when the test
// ends. Without a geth binary it skips the test, or fails it when the
// environment variable CI is "true" or VECHE_GETH names a missing file. It
// fails the test if the node does not answer JSON-RPC within 30 seconds.
func Start(t testing.TB) *Node {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; CI=true: the real-node tests must not be skipped", err)
		}
		if os.Getenv(EnvGeth) != "" {
			t.Fatal(err)
		}
		t.Skipf("skipping the real-node test: %v", err)
	}
	key, err := crypto.HexToECDSA(DevKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := range startAttempts {
		n, err := start(t, bin, attempt)
		if err == nil {
			n.Key, n.Address = key, crypto.PubkeyToAddress(key.PublicKey)
			if err := n.checkDevAccount(); err != nil {
				t.Fatal(err)
			}
			return n
		}
		lastErr = err
		t.Logf("gethtest: start attempt %d: %v", attempt+1, err)
	}
	t.Fatalf("gethtest: geth did not start: %v", lastErr)
	return nil
}

// start runs one attempt to start the node. On failure the process, if
// any, has been stopped.
func start(t testing.TB, bin string, attempt int) (*Node, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	authPort, err := freePort()
	if err != nil {
		return nil, err
	}
	// t.TempDir is removed after the cleanups registered later have run,
	// so the node is stopped before its data directory goes.
	base := t.TempDir()
	n := &Node{
		URL:     "http://127.0.0.1:" + strconv.Itoa(httpPort),
		DataDir: filepath.Join(base, "geth"),
		LogFile: filepath.Join(base, "geth.log"),
		ChainID: big.NewInt(ChainID),
		done:    make(chan struct{}),
	}
	logf, err := os.Create(n.LogFile)
	if err != nil {
		return nil, err
	}
	n.cmd = exec.Command(bin,
		"--dev",
		"--dev.period", "1",
		"--dev.gaslimit", strconv.Itoa(GasLimit),
		"--datadir", n.DataDir,
		"--http",
		"--http.addr", "127.0.0.1",
		"--http.port", strconv.Itoa(httpPort),
		"--http.api", "eth,net,web3,txpool",
		"--authrpc.addr", "127.0.0.1",
		"--authrpc.port", strconv.Itoa(authPort),
		"--port", "0",
		"--nodiscover",
		"--maxpeers", "0",
		"--ipcdisable",
		"--verbosity", "3",
	)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	n.cmd.SysProcAttr = sysProcAttr()
	started := time.Now()
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("gethtest: %s: %w", bin, err)
	}
	n.PID = n.cmd.Process.Pid
	go func() {
		n.werr = n.cmd.Wait()
		logf.Close()
		close(n.done)
	}()
	t.Cleanup(func() { n.stop(t) })

	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := n.waitReady(ctx); err != nil {
		n.stop(t)
		return nil, fmt.Errorf("%w\n%s", err, n.logTail())
	}
	t.Logf("gethtest: geth --dev (pid %d) answering at %s after %v; log %s",
		n.PID, n.URL, time.Since(started).Round(time.Millisecond), n.LogFile)
	return n, nil
}

// waitReady polls eth_chainId until the node answers with the dev chain
// id, the process exits or ctx is done. It leaves n.Client connected.
func (n *Node) waitReady(ctx context.Context) error {
	c, err := ethclient.DialContext(ctx, n.URL)
	if err != nil {
		return fmt.Errorf("gethtest: dial %s: %w", n.URL, err)
	}
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		id, err := c.ChainID(cctx)
		cancel()
		if err == nil {
			if id.Cmp(n.ChainID) != 0 {
				c.Close()
				return fmt.Errorf("gethtest: %s has chain id %v, want %v", n.URL, id, n.ChainID)
			}
			n.Client = c
			return nil
		}
		select {
		case <-n.done:
			c.Close()
			return fmt.Errorf("gethtest: geth exited before answering: %v", n.werr)
		case <-ctx.Done():
			c.Close()
			return fmt.Errorf("gethtest: %s did not answer within %v: %v", n.URL, readyTimeout, err)
		case <-time.After(pollInterval):
		}
	}
}

// checkDevAccount confirms that the developer key's account is the funded
// one: a geth whose --dev chain funds another account would otherwise
// fail later with a confusing "insufficient funds".
func (n *Node) checkDevAccount() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bal, err := n.Client.BalanceAt(ctx, n.Address, nil)
	if err != nil {
		return fmt.Errorf("gethtest: balance of the dev account: %w", err)
	}
	if bal.Sign() == 0 {
		return fmt.Errorf("gethtest: the dev account %v has no funds: this geth does not use the well-known developer key", n.Address)
	}
	return nil
}

// stop interrupts geth (a clean shutdown takes a few seconds), kills it if
// it has not exited after stopTimeout, and closes the client. It is safe to
// call more than once.
func (n *Node) stop(t testing.TB) {
	if n.Client != nil {
		n.Client.Close()
	}
	select {
	case <-n.done:
		return
	default:
	}
	start := time.Now()
	_ = n.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-n.done:
		t.Logf("gethtest: geth (pid %d) stopped in %v", n.PID, time.Since(start).Round(time.Millisecond))
	case <-time.After(stopTimeout):
		_ = n.cmd.Process.Kill()
		<-n.done
		t.Errorf("gethtest: geth (pid %d) ignored SIGINT for %v and was killed", n.PID, stopTimeout)
	}
}

// logTail returns the last lines of the node's log.
func (n *Node) logTail() string {
	b, err := os.ReadFile(n.LogFile)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailOnError {
		lines = lines[len(lines)-logTailOnError:]
	}
	return "geth log (tail):\n" + strings.Join(lines, "\n")
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("gethtest: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NewAccounts returns n fresh keys, each funded from the developer account
// with 1000 ether and mined before it returns. The keys are derived from
// label, so a test that asks twice with the same label gets the same
// accounts (funded twice).
//
// NewAccounts sends from the developer account with the nonce the node
// reports as pending; do not send from [Node.Key] concurrently with it.
func (n *Node) NewAccounts(t testing.TB, label string, count int) []*ecdsa.PrivateKey {
	t.Helper()
	n.fundMu.Lock()
	defer n.fundMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	nonce, err := n.Client.PendingNonceAt(ctx, n.Address)
	if err != nil {
		t.Fatalf("gethtest: nonce of the dev account: %v", err)
	}
	signer := types.LatestSignerForChainID(n.ChainID)
	amount := new(big.Int).Mul(big.NewInt(1000), big.NewInt(params.Ether))
	keys := make([]*ecdsa.PrivateKey, count)
	hashes := make([]common.Hash, count)
	for i := range keys {
		key, err := crypto.ToECDSA(crypto.Keccak256(fmt.Appendf(nil, "veche/gethtest account %s %d", label, i)))
		if err != nil {
			t.Fatal(err)
		}
		to := crypto.PubkeyToAddress(key.PublicKey)
		tx := types.MustSignNewTx(n.Key, signer, &types.DynamicFeeTx{
			ChainID:   n.ChainID,
			Nonce:     nonce + uint64(i),
			GasTipCap: big.NewInt(params.GWei),
			GasFeeCap: big.NewInt(100 * params.GWei),
			Gas:       params.TxGas,
			To:        &to,
			Value:     amount,
		})
		if err := n.Client.SendTransaction(ctx, tx); err != nil {
			t.Fatalf("gethtest: fund %v: %v", to, err)
		}
		keys[i], hashes[i] = key, tx.Hash()
	}
	for _, h := range hashes {
		r, err := WaitMined(ctx, n.Client, h)
		if err != nil {
			t.Fatalf("gethtest: funding transaction %v: %v", h, err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("gethtest: funding transaction %v failed", h)
		}
	}
	return keys
}

// A ReceiptReader is the part of ethclient.Client that [WaitMined] uses.
type ReceiptReader interface {
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

// WaitMined polls the node every 50 ms until the transaction has a receipt
// (whatever its status) or ctx is done. bind.WaitMined polls once a second,
// which hides the node's speed.
func WaitMined(ctx context.Context, c ReceiptReader, hash common.Hash) (*types.Receipt, error) {
	for {
		r, err := c.TransactionReceipt(ctx, hash)
		if err == nil {
			return r, nil
		}
		if !isNotFound(err) {
			return nil, fmt.Errorf("gethtest: receipt of %v: %w", hash, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gethtest: transaction %v not mined: %w", hash, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// isNotFound reports whether err means "no receipt yet". ethclient returns
// ethereum.NotFound; geth answers null while the transaction is pending,
// or, while it is still indexing, an error saying so.
func isNotFound(err error) bool {
	return errors.Is(err, ethereum.NotFound) || strings.Contains(err.Error(), "indexing is in progress")
}
