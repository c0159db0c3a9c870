// Package chain opens Veche's bulletin board as the configuration says: the
// embedded chain under the data directory (the default), or a contract on
// any Ethereum node reached over JSON-RPC (chain.rpc, chain.contract and a
// poster key file). Every command and service that posts or reads goes
// through [Open], so the two modes behave alike everywhere.
//
// The embedded chain is a database that one process opens at a time: while
// `veche serve` runs, other commands on the same data directory fail with
// [ErrInUse] and should talk to a node instead -- such as the one serve
// makes of its embedded chain with [ServeRPC], read-only, at /chain.
package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
)

// Options say which board to open. The zero value of a field selects its
// default.
type Options struct {
	// DataDir is the data directory; the embedded chain lives in its
	// subdirectory chain/ (the chain database, poster.key, contract.json).
	DataDir string

	// RPC is the node's JSON-RPC URL (http, https, ws, wss or an IPC
	// path). Empty selects the embedded chain.
	RPC string
	// Contract is the board contract's address (0x...), required with
	// RPC except when deploying.
	Contract string
	// KeyFile is the poster key file (64 hexadecimal digits, mode 0600).
	// With RPC and no key file the board is read-only. The embedded chain
	// posts with its own key (chain/poster.key) unless KeyFile is set; then
	// it posts as KeyFile's account, which it funds itself.
	KeyFile string

	// Confirmations is the number of blocks on top of an entry's block
	// before it counts as final (default 0: the embedded chain and dev
	// nodes do not reorganise).
	Confirmations uint64
	// PollInterval is how often to poll the node for receipts and new
	// blocks (default 200 ms; 1 s suits a public chain).
	PollInterval time.Duration
}

// ErrInUse: another process has the embedded chain open.
var ErrInUse = errors.New("chain: the embedded chain is in use by another process")

// A Board is the bulletin board as opened: it posts (if it has a key),
// reads, follows and administers topics.
type Board interface {
	bulletin.Appender
	bulletin.Reader
	bulletin.Follower
	bulletin.Admin
	bulletin.Locator

	// Address is the account the board posts as (zero if read-only).
	Address() bulletin.Address
	// Contract is the board contract's address; ChainID the chain's id;
	// FromBlock the block the contract was deployed in (where readers
	// start searching for its events).
	Contract() bulletin.Address
	ChainID() uint64
	FromBlock() uint64
	// Info returns what the contract stores about a topic.
	Info(ctx context.Context, topic bulletin.TopicID) (ethboard.TopicInfo, error)
	// Stats counts what the board has posted since it was opened.
	Stats() ethboard.Stats
	// Describe says where the board is, for messages: the mode, node and
	// contract address.
	Describe() string
	// Close releases the chain or the connection.
	Close() error
}

// Open opens the board o describes.
func Open(ctx context.Context, o Options) (Board, error) {
	cfg := ethboard.Config{Confirmations: o.Confirmations, PollInterval: o.PollInterval}
	if o.RPC == "" {
		return openEmbedded(ctx, o, cfg)
	}
	if o.Contract == "" {
		return nil, errors.New("chain: chain.rpc is set but chain.contract is not: give the board contract's address (veche board deploy prints it)")
	}
	addr, err := ethboard.ParseAddress(o.Contract)
	if err != nil {
		return nil, fmt.Errorf("chain: chain.contract: %w", err)
	}
	var key *ecdsa.PrivateKey
	if o.KeyFile != "" {
		if key, err = ethboard.LoadKeyFile(o.KeyFile); err != nil {
			return nil, fmt.Errorf("chain: chain.key: %w", err)
		}
	}
	r, err := ethboard.Dial(ctx, o.RPC, addr, key, cfg)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	return &remote{Remote: r, desc: fmt.Sprintf("contract %s on %s", ethboard.ChecksumAddress(addr), describeURL(o.RPC))}, nil
}

// Deploy deploys a new board contract and returns its address and block.
// With RPC it deploys through the node from KeyFile's account; without, it
// creates the embedded chain (deploying its contract) if it does not exist.
func Deploy(ctx context.Context, o Options) (contract string, block uint64, err error) {
	cfg := ethboard.Config{Confirmations: o.Confirmations, PollInterval: o.PollInterval}
	if o.RPC == "" {
		b, err := openEmbedded(ctx, o, cfg)
		if err != nil {
			return "", 0, err
		}
		defer b.Close()
		return ethboard.ChecksumAddress(b.Embedded.Contract()), b.Embedded.FromBlock(), nil
	}
	if o.KeyFile == "" {
		return "", 0, errors.New("chain: deploying needs a funded account: set chain.key to a poster key file (veche board key creates one)")
	}
	key, err := ethboard.LoadKeyFile(o.KeyFile)
	if err != nil {
		return "", 0, fmt.Errorf("chain: chain.key: %w", err)
	}
	addr, block, err := ethboard.DeployRemote(ctx, o.RPC, key, cfg)
	if err != nil {
		return "", 0, fmt.Errorf("chain: %w", err)
	}
	return ethboard.ChecksumAddress(addr), block, nil
}

type remote struct {
	*ethboard.Remote
	desc string
}

func (r *remote) Describe() string { return r.desc }

// embedded is the embedded chain, posting as its own account, or as another
// (as, funded by the chain's account) when a key file is configured.
type embedded struct {
	*ethboard.Embedded
	dir string
	as  *ethboard.Board
}

// board is the Board that posts and reads.
func (e *embedded) board() *ethboard.Board {
	if e.as != nil {
		return e.as
	}
	return e.Embedded.Board
}

func (e *embedded) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	return e.board().Append(ctx, topic, kind, payload)
}

func (e *embedded) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	return e.board().AppendBatch(ctx, topic, msgs)
}

// AppendOnce posts msgs as the board's account (the configured key's, not
// the chain's own): without it ethboard.Embedded's method, promoted from
// the chain's own account, would post as the wrong account.
func (e *embedded) AppendOnce(ctx context.Context, topic bulletin.TopicID, from uint64, msgs []bulletin.Message) ([]uint64, error) {
	return e.board().AppendOnce(ctx, topic, from, msgs)
}

func (e *embedded) CreateTopic(ctx context.Context, topic bulletin.TopicID, initial bulletin.Phase) error {
	return e.board().CreateTopic(ctx, topic, initial)
}

func (e *embedded) SetPoster(ctx context.Context, topic bulletin.TopicID, poster bulletin.Address, kinds bulletin.KindSet) error {
	return e.board().SetPoster(ctx, topic, poster, kinds)
}

func (e *embedded) Address() bulletin.Address { return e.board().Address() }

func (e *embedded) Stats() ethboard.Stats { return e.board().Stats() }

func (e *embedded) Describe() string {
	return fmt.Sprintf("contract %s on the embedded chain in %s", ethboard.ChecksumAddress(e.Embedded.Contract()), e.dir)
}

// Locate asks the posting board first: it remembers where its own latest
// entries are.
func (e *embedded) Locate(ctx context.Context, topic bulletin.TopicID, seq uint64) (bulletin.Location, error) {
	return e.board().Locate(ctx, topic, seq)
}

func (e *embedded) Follow(ctx context.Context, topic bulletin.TopicID, from uint64) iter.Seq2[bulletin.Entry, error] {
	return e.board().Follow(ctx, topic, from)
}

func openEmbedded(ctx context.Context, o Options, cfg ethboard.Config) (*embedded, error) {
	if o.DataDir == "" {
		return nil, errors.New("chain: no data directory for the embedded chain")
	}
	dir := filepath.Join(o.DataDir, "chain")
	e, err := ethboard.OpenEmbedded(ctx, dir, cfg)
	if err != nil {
		if errors.Is(err, ethboard.ErrDataDirInUse) {
			return nil, fmt.Errorf("%w (%s): stop it (veche serve?) or point chain.rpc at a node", ErrInUse, dir)
		}
		return nil, fmt.Errorf("chain: %w", err)
	}
	b := &embedded{Embedded: e, dir: dir}
	if o.KeyFile != "" {
		key, err := ethboard.LoadKeyFile(o.KeyFile)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("chain: chain.key: %w", err)
		}
		if b.as, err = e.Poster(ctx, key); err != nil {
			e.Close()
			return nil, fmt.Errorf("chain: %w", err)
		}
	}
	return b, nil
}

// describeURL names a node for messages without credentials.
func describeURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = rest[at+1:]
		}
		if j := strings.Index(rest, "/"); j >= 0 {
			rest = rest[:j]
		}
		return u[:i+3] + rest
	}
	return u
}

// ErrNotEmbedded: an operation that only the embedded chain supports.
var ErrNotEmbedded = errors.New("chain: only the embedded chain can fund and add posters")

// PosterFor returns a Board on the same embedded chain as b, posting as
// key's account, which it funds first: for demos and tests that play every
// party in one process. Closing it does not close b's chain.
func PosterFor(ctx context.Context, b Board, key *ecdsa.PrivateKey) (Board, error) {
	e, ok := b.(*embedded)
	if !ok {
		return nil, ErrNotEmbedded
	}
	p, err := e.Embedded.Poster(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	return &embeddedPoster{embedded: &embedded{Embedded: e.Embedded, dir: e.dir, as: p}}, nil
}

// embeddedPoster is another account's view of an embedded chain; it does
// not own the chain.
type embeddedPoster struct{ *embedded }

func (p *embeddedPoster) Close() error { return nil }
