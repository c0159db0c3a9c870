package ethboard

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// An Embedded is an in-process Ethereum chain whose state is stored under a
// data directory, with the bulletin board contract deployed on it and a
// Board posting as the chain's prefunded account. A block is made whenever a
// transaction waits for one (Config.Mine); there are no peers and no RPC
// endpoints.
//
// The data directory holds the chain database (chain/), the poster's key
// (poster.key, mode 0600) and the contract's address and deployment block
// (contract.json). The genesis block is derived from the key, so it is the
// same on every start.
type Embedded struct {
	*Board

	stack  *node.Node
	beacon *catalyst.SimulatedBeacon
	client *ethclient.Client
	fast   *embeddedClient
	mining sync.Mutex
}

// embeddedClient is the in-process client with logs and receipts read from
// the chain directly, skipping the JSON encoding of the in-process RPC (which
// takes most of the time of reading a large topic).
type embeddedClient struct {
	*ethclient.Client
	fsys *filters.FilterSystem
	api  *eth.EthAPIBackend
}

// TransactionReceipt reads the receipt from the chain directly, as
// FilterLogs does.
func (c *embeddedClient) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	found, tx, blockHash, blockNumber, index := c.api.GetCanonicalTransaction(h)
	if !found {
		return nil, ethereum.NotFound
	}
	r, err := c.api.GetCanonicalReceipt(tx, blockHash, blockNumber, index)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, ethereum.NotFound
	}
	return r, nil
}

func (c *embeddedClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.BlockHash != nil || q.FromBlock == nil || q.ToBlock == nil || !q.FromBlock.IsInt64() || !q.ToBlock.IsInt64() {
		return c.Client.FilterLogs(ctx, q)
	}
	logs, err := c.fsys.NewRangeFilter(q.FromBlock.Int64(), q.ToBlock.Int64(), q.Addresses, q.Topics, 0).Logs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]types.Log, len(logs))
	for i, l := range logs {
		out[i] = *l
	}
	return out, nil
}

// ErrDataDirInUse: another process has the embedded chain open.
var ErrDataDirInUse = errors.New("ethboard: the embedded chain is open in another process")

// embeddedChainID is the chain id of the embedded chain (that of go-ethereum's
// dev and simulated chains).
const embeddedChainID = 1337

type contractFile struct {
	Address common.Address `json:"address"`
	Block   uint64         `json:"block"`
}

// OpenEmbedded opens the embedded chain in dataDir, creating it (a key, a
// genesis block with the key's account funded, the deployed contract) on
// first use. A restart on the same directory sees every earlier entry. cfg's
// Mine and FromBlock are set by OpenEmbedded. Close it to flush the chain to
// disk: a process that dies without Close may lose the latest blocks.
func OpenEmbedded(ctx context.Context, dataDir string, cfg Config) (*Embedded, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	key, err := loadOrCreateKey(filepath.Join(dataDir, "poster.key"))
	if err != nil {
		return nil, err
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)

	stack, err := node.New(&node.Config{
		Name:    "veche",
		DataDir: filepath.Join(dataDir, "chain"),
		P2P:     p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""},
	})
	if errors.Is(err, node.ErrDatadirUsed) {
		return nil, fmt.Errorf("%w: %s", ErrDataDirInUse, dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("ethboard: embedded node: %w", err)
	}
	alloc := core.SystemContractAllocs()
	alloc[addr] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 128)}
	ec := ethconfig.Defaults
	ec.NetworkId = embeddedChainID
	ec.SyncMode = ethconfig.FullSync
	ec.TxPool.NoLocals = true
	// No log index (as in the simulated backend): reloading it on restart
	// took 35 s under -race (pebble records a stack per iterator); reads
	// find a topic's blocks with the seq filter over the block blooms.
	ec.LogNoHistory = true
	ec.Genesis = &core.Genesis{
		Config:   params.AllDevChainProtocolChanges,
		GasLimit: 60_000_000,
		Alloc:    alloc,
	}
	backend, err := eth.New(stack, &ec)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("ethboard: embedded chain: %w", err)
	}
	fsys := filters.NewFilterSystem(backend.APIBackend, filters.Config{})
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(fsys)}})
	if err := stack.Start(); err != nil {
		stack.Close()
		if errors.Is(err, node.ErrDatadirUsed) {
			return nil, fmt.Errorf("%w: %s", ErrDataDirInUse, dataDir)
		}
		return nil, fmt.Errorf("ethboard: embedded node: %w", err)
	}
	beacon, err := catalyst.NewSimulatedBeacon(0, common.Address{}, backend)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("ethboard: embedded beacon: %w", err)
	}
	e := &Embedded{stack: stack, beacon: beacon, client: ethclient.NewClient(stack.Attach())}
	e.fast = &embeddedClient{Client: e.client, fsys: fsys, api: backend.APIBackend}
	cfg.Mine = e.mine

	cf := filepath.Join(dataDir, "contract.json")
	var c contractFile
	switch data, err := os.ReadFile(cf); {
	case err == nil:
		if err := json.Unmarshal(data, &c); err != nil {
			e.Close()
			return nil, fmt.Errorf("ethboard: %s: %w", cf, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		c.Address, c.Block, err = Deploy(ctx, e.fast, key, cfg)
		if err != nil {
			e.Close()
			return nil, err
		}
		data, _ := json.Marshal(c)
		if err := writeFileSync(cf, data, 0o600); err != nil {
			e.Close()
			return nil, err
		}
	default:
		e.Close()
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	cfg.FromBlock = c.Block
	e.Board, err = New(ctx, e.fast, c.Address, key, cfg)
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Client returns the chain's client, for Boards of other accounts (which
// must be funded first) and for readers.
func (e *Embedded) Client() Client { return e.fast }

// Mine makes a block now; it is Config.Mine of the chain's boards.
func (e *Embedded) Mine() { e.mine() }

// mine commits a block unless one is being made: go-ethereum 1.17.10's
// SimulatedBeacon.Commit deadlocks when called concurrently.
func (e *Embedded) mine() {
	if e.mining.TryLock() {
		defer e.mining.Unlock()
		e.beacon.Commit()
	}
}

// Fund sends value wei from the chain's account to addr, so that another
// account can post, and waits for it to be final.
func (e *Embedded) Fund(ctx context.Context, addr common.Address, value *big.Int) error {
	tip, feeCap, err := e.Board.fees(ctx)
	if err != nil {
		return err
	}
	e.Board.sendMu.Lock()
	tx, err := e.Board.sendValueLocked(ctx, addr, value, tip, feeCap)
	e.Board.sendMu.Unlock()
	if err != nil {
		return err
	}
	e.mine()
	_, err = e.Board.wait(ctx, tx)
	return err
}

// minBalance is the balance below which [Embedded.Poster] tops an account
// up: enough for about 50 million entries at the embedded chain's fees.
var minBalance = new(big.Int).Lsh(big.NewInt(1), 62)

// Poster returns a Board on this chain posting as key's account, which it
// funds from the chain's own account first if its balance is low: on the
// embedded chain every party (trustee, mixer, ballot box) can post with its
// own key, as on a real network.
func (e *Embedded) Poster(ctx context.Context, key *ecdsa.PrivateKey) (*Board, error) {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	bal, err := e.client.BalanceAt(ctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("ethboard: balance of %v: %w", addr, err)
	}
	if bal.Cmp(minBalance) < 0 {
		if err := e.Fund(ctx, addr, new(big.Int).Lsh(minBalance, 1)); err != nil {
			return nil, fmt.Errorf("ethboard: funding %v: %w", addr, err)
		}
	}
	cfg := e.Board.cfg
	return New(ctx, e.fast, e.Board.contract, key, cfg)
}

// Close stops the chain and writes it to disk.
func (e *Embedded) Close() error {
	if e.client != nil {
		e.client.Close()
	}
	return e.stack.Close()
}

func loadOrCreateKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := crypto.HexToECDSA(strings.TrimSpace(string(data)))
		if err != nil {
			return nil, fmt.Errorf("ethboard: %s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	if err := writeFileSync(path, []byte(hex.EncodeToString(crypto.FromECDSA(key))+"\n"), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

// writeFileSync writes a file atomically: to a temporary name, synced, then
// renamed.
func writeFileSync(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("ethboard: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("ethboard: writing %s: %w", path, err)
	}
	return nil
}
