package ethboard

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/contract"
)

// A Client is the part of go-ethereum's ethclient.Client that a Board uses.
// *ethclient.Client and the simulated backend's client implement it.
type Client interface {
	ChainID(ctx context.Context) (*big.Int, error)
	BlockNumber(ctx context.Context) (uint64, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
	EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// Config tunes a Board. The zero value of each field selects its default.
type Config struct {
	// Confirmations is the number of blocks on top of an entry's block
	// before the entry is final: Append returns, and readers see it, only
	// then. 0 (the default) suits dev and in-process chains.
	Confirmations uint64

	// FromBlock is the first block to search for events: the contract's
	// deployment block.
	FromBlock uint64

	// PageSize is the number of blocks per log query (default 5000).
	PageSize uint64

	// PollInterval is the time between polls for receipts and new blocks
	// (default 200 ms).
	PollInterval time.Duration

	// ResendInterval: a transaction that has no receipt after this long is
	// sent again, unchanged (default 30 s).
	ResendInterval time.Duration

	// MaxRetries bounds the retries of a call that fails because the node
	// is unreachable (default 8); RetryDelay is the first delay, doubled
	// after each failure up to 32 times (default 100 ms).
	MaxRetries int
	RetryDelay time.Duration

	// CallTimeout bounds each call to the node (default 30 s; negative:
	// no bound). A call without an answer by then counts as the node being
	// unreachable and is retried.
	CallTimeout time.Duration

	// MaxTxData is the largest call data of one transaction (default
	// [DefaultMaxTxData]); MaxBatchEntries the most entries in one
	// transaction (default 512). AppendBatch splits larger batches.
	MaxTxData       int
	MaxBatchEntries int

	// Mine, if set, is called after sending and while waiting, for chains
	// that make a block only when asked (the simulated backend). It must be
	// safe for concurrent use: go-ethereum 1.17.10's SimulatedBeacon.Commit
	// is not (concurrent calls deadlock in TxPool.Sync); a Mine that does
	// nothing while another call is mining is enough, as waiters ask again.
	Mine func()
}

// DefaultMaxTxData is the default limit on a transaction's call data: 126
// KiB, under the 128 KiB transaction size limit of go-ethereum's pool with
// room for the signed envelope (about 120 bytes, see TestEnvelopeOverhead).
const DefaultMaxTxData = 126 << 10

func (c Config) withDefaults() Config {
	if c.PageSize == 0 {
		c.PageSize = 5000
	}
	if c.PollInterval == 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.ResendInterval == 0 {
		c.ResendInterval = 30 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 8
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = 100 * time.Millisecond
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 30 * time.Second
	}
	if c.MaxTxData == 0 {
		c.MaxTxData = DefaultMaxTxData
	}
	if c.MaxBatchEntries == 0 {
		c.MaxBatchEntries = 512
	}
	return c
}

// A Board is the bulletin board contract at one address, posting as the
// account of one key. It is safe for concurrent use. A process must not
// post with the same key through two Boards at once: each Board manages the
// account's nonces itself.
type Board struct {
	c        Client
	cfg      Config
	contract common.Address
	key      *ecdsa.PrivateKey
	addr     common.Address
	chainID  *big.Int
	signer   types.Signer
	bb       *contract.BulletinBoard
	postedID common.Hash

	sendMu     sync.Mutex // held while signing and sending: the nonce manager
	nonce      uint64
	nonceKnown bool

	stats struct {
		transactions, gas, callData, entries atomic.Uint64
	}
	locs locCache // where this board's latest entries are (Locate)
}

// Stats counts what a Board has posted since it was made: for metrics and
// benchmarks.
type Stats struct {
	Transactions uint64 // final, successful transactions sent
	GasUsed      uint64 // gas they used
	CallData     uint64 // bytes of call data they carried
	Entries      uint64 // entries posted through Append, AppendBatch and AppendOnce
}

// Stats returns the board's counters.
func (b *Board) Stats() Stats {
	return Stats{
		Transactions: b.stats.transactions.Load(),
		GasUsed:      b.stats.gas.Load(),
		CallData:     b.stats.callData.Load(),
		Entries:      b.stats.entries.Load(),
	}
}

var (
	_ bulletin.Appender = (*Board)(nil)
	_ bulletin.Reader   = (*Board)(nil)
	_ bulletin.Follower = (*Board)(nil)
	_ bulletin.Admin    = (*Board)(nil)
)

// New returns a Board for the contract at addr, posting as key's account.
// It asks the node for the chain id. key may be nil for a read-only board.
func New(ctx context.Context, c Client, addr common.Address, key *ecdsa.PrivateKey, cfg Config) (*Board, error) {
	b := &Board{c: c, cfg: cfg.withDefaults(), contract: addr, key: key, bb: contract.NewBulletinBoard()}
	b.postedID = b.bb.GetABI().Events["Posted"].ID
	if key != nil {
		b.addr = crypto.PubkeyToAddress(key.PublicKey)
	}
	if err := b.retry(ctx, "reading the chain id", func(ctx context.Context) error {
		var err error
		b.chainID, err = c.ChainID(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	b.signer = types.LatestSignerForChainID(b.chainID)
	return b, nil
}

// Deploy deploys the BulletinBoard contract from key's account and returns
// its address and the block it is in, once final under cfg.
func Deploy(ctx context.Context, c Client, key *ecdsa.PrivateKey, cfg Config) (common.Address, uint64, error) {
	b, err := New(ctx, c, common.Address{}, key, cfg)
	if err != nil {
		return common.Address{}, 0, err
	}
	code := common.FromHex(contract.BulletinBoardMetaData.Bin)
	gas, err := b.estimate(ctx, nil, code)
	if err != nil {
		return common.Address{}, 0, fmt.Errorf("ethboard: deploy: %w", err)
	}
	txs, err := b.sendAll(ctx, []call{{data: code, gas: gas}})
	if err != nil {
		return common.Address{}, 0, fmt.Errorf("ethboard: deploy: %w", err)
	}
	b.mine()
	r, err := b.wait(ctx, txs[0])
	if err != nil {
		return common.Address{}, 0, fmt.Errorf("ethboard: deploy: %w", err)
	}
	return r.ContractAddress, r.BlockNumber.Uint64(), nil
}

// Address returns the account the board posts as.
func (b *Board) Address() bulletin.Address { return bulletin.Address(b.addr) }

// Contract returns the contract's address.
func (b *Board) Contract() bulletin.Address { return bulletin.Address(b.contract) }

// FromBlock returns the block where reading starts: the contract's
// deployment block.
func (b *Board) FromBlock() uint64 { return b.cfg.FromBlock }

// ChainID returns the chain id the node reported.
func (b *Board) ChainID() uint64 { return b.chainID.Uint64() }

var errNoKey = errors.New("ethboard: read-only board (no key)")

// transact estimates, sends and waits for one call to the contract.
func (b *Board) transact(ctx context.Context, data []byte) (*types.Receipt, error) {
	if b.key == nil {
		return nil, errNoKey
	}
	gas, err := b.estimate(ctx, &b.contract, data)
	if err != nil {
		return nil, err
	}
	txs, err := b.sendAll(ctx, []call{{to: &b.contract, data: data, gas: gas}})
	if err != nil {
		return nil, err
	}
	b.mine()
	return b.wait(ctx, txs[0])
}

// CreateTopic creates a topic owned by the board's account.
func (b *Board) CreateTopic(ctx context.Context, topic bulletin.TopicID, initial bulletin.Phase) error {
	_, err := b.transact(ctx, b.bb.PackCreateTopic(topic, uint8(initial)))
	if err != nil {
		return fmt.Errorf("ethboard: creating topic %x: %w", topic[:4], err)
	}
	return nil
}

// SetPoster sets the kinds poster may post to topic.
func (b *Board) SetPoster(ctx context.Context, topic bulletin.TopicID, poster bulletin.Address, kinds bulletin.KindSet) error {
	_, err := b.transact(ctx, b.bb.PackSetPoster(topic, common.Address(poster), contract.KindMask(kinds)))
	if err != nil {
		return fmt.Errorf("ethboard: setting poster %v: %w", poster, err)
	}
	return nil
}

// Append posts one entry and returns its sequence number once final.
func (b *Board) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	seqs, err := b.AppendBatch(ctx, topic, []bulletin.Message{{Kind: kind, Payload: payload}})
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

// AppendBatch posts msgs in order and returns their sequence numbers once
// final. A batch too large for one transaction (Config.MaxTxData,
// Config.MaxBatchEntries) is split into several, sent with consecutive
// nonces; then every message is first checked against the topic's phase and
// the account's rights as the chain has them ([bulletin.Admit]), and nothing
// is sent if one is refused. The parts are atomic each, not together: should
// the topic change between the check and the parts' execution (the owner
// revokes the poster), the parts before the refused one stay posted.
func (b *Board) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if b.key == nil {
		return nil, errNoKey
	}
	for i, m := range msgs {
		if len(m.Payload) > bulletin.MaxPayload {
			return nil, fmt.Errorf("ethboard: message %d: %d bytes: %w", i, len(m.Payload), bulletin.ErrTooLarge)
		}
	}
	parts := split(msgs, b.cfg.MaxTxData, b.cfg.MaxBatchEntries)
	if len(parts) > 1 {
		if err := b.admit(ctx, topic, msgs); err != nil {
			return nil, err
		}
	}
	calls := make([]call, len(parts))
	for i, p := range parts {
		calls[i] = call{to: &b.contract, data: b.pack(topic, p)}
		if i > 0 {
			// Later parts may depend on earlier ones (a phase change), so
			// the node cannot estimate them now; they passed Admit, and
			// the bound is safe. Not estimating also saves executing each
			// part once more.
			calls[i].gas = gasBound(len(calls[i].data), len(p))
			continue
		}
		gas, err := b.estimate(ctx, &b.contract, calls[i].data)
		if err != nil {
			return nil, fmt.Errorf("ethboard: posting to topic %x: %w", topic[:4], err)
		}
		calls[i].gas = gas
	}
	txs, err := b.sendAll(ctx, calls)
	if len(txs) > 0 {
		b.mine()
	}
	var seqs []uint64
	for _, tx := range txs {
		r, werr := b.wait(ctx, tx)
		if werr != nil {
			return seqs, fmt.Errorf("ethboard: posting to topic %x: %w", topic[:4], werr)
		}
		s, perr := b.postedSeqs(r, topic)
		if perr != nil {
			return seqs, perr
		}
		b.locs.add(r, b.contract, b.postedID, topic)
		seqs = append(seqs, s...)
		b.stats.entries.Add(uint64(len(s)))
	}
	if err != nil {
		return seqs, fmt.Errorf("ethboard: posting to topic %x: %w", topic[:4], err)
	}
	if len(seqs) != len(msgs) {
		return seqs, fmt.Errorf("ethboard: posted %d entries of %d", len(seqs), len(msgs))
	}
	return seqs, nil
}

// pack returns the call data posting msgs: append for one message,
// appendBatch for more.
func (b *Board) pack(topic bulletin.TopicID, msgs []bulletin.Message) []byte {
	if len(msgs) == 1 {
		return b.bb.PackAppend(topic, uint16(msgs[0].Kind), msgs[0].Payload)
	}
	kinds := make([]uint16, len(msgs))
	payloads := make([][]byte, len(msgs))
	for i, m := range msgs {
		kinds[i], payloads[i] = uint16(m.Kind), m.Payload
	}
	return b.bb.PackAppendBatch(topic, kinds, payloads)
}

// gasBound is a generous gas limit for a post of n entries and dataLen bytes
// of call data, for parts that cannot be estimated in advance: the
// calldata floor of EIP-7623 (40 gas a byte) plus 40,000 gas an entry for
// hashing, the event and storage, capped at the per-transaction limit.
func gasBound(dataLen, n int) uint64 {
	return min(uint64(100_000+40*dataLen+40_000*n), maxTxGas)
}

// admit checks msgs against the topic's phase and the account's rights as
// the latest block has them.
func (b *Board) admit(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) error {
	out, err := b.callView(ctx, b.bb.PackTopicInfo(topic), nil)
	if err != nil {
		return err
	}
	info, err := b.bb.UnpackTopicInfo(out)
	if err != nil {
		return fmt.Errorf("ethboard: topicInfo: %w", err)
	}
	out, err = b.callView(ctx, b.bb.PackPosterKinds(topic, b.addr), nil)
	if err != nil {
		return err
	}
	mask, err := b.bb.UnpackPosterKinds(out)
	if err != nil {
		return fmt.Errorf("ethboard: posterKinds: %w", err)
	}
	may, err := contract.KindSetFromMask(mask)
	if err != nil {
		return err
	}
	p := bulletin.Phase(info.Phase)
	for i, m := range msgs {
		if p, err = bulletin.Admit(p, may, m.Kind, m.Payload); err != nil {
			return fmt.Errorf("ethboard: message %d: %w", i, err)
		}
	}
	return nil
}

// callView runs a view function at block (nil: latest), retrying while the
// node is unreachable; a revert comes back as a *contract.RevertError.
func (b *Board) callView(ctx context.Context, data []byte, block *big.Int) ([]byte, error) {
	var out []byte
	err := b.retry(ctx, "calling the contract", func(ctx context.Context) error {
		var err error
		out, err = b.c.CallContract(ctx, ethereum.CallMsg{To: &b.contract, Data: data}, block)
		return err
	})
	return out, contract.DecodeError(err)
}

// postedSeqs returns the sequence numbers of the entries a receipt posted
// to topic.
func (b *Board) postedSeqs(r *types.Receipt, topic bulletin.TopicID) ([]uint64, error) {
	var seqs []uint64
	for _, l := range r.Logs {
		if l.Address != b.contract || len(l.Topics) != 4 || l.Topics[0] != b.postedID || l.Topics[1] != common.Hash(topic) {
			continue
		}
		seqs = append(seqs, new(big.Int).SetBytes(l.Topics[2][:]).Uint64())
	}
	return seqs, nil
}

// AppendOnce posts msgs to topic unless they are already there: it is
// [Board.AppendBatch] made safe to repeat after an error whose outcome is
// unknown (ErrOutcomeUnknown, a timeout, a crash of the process).
//
// The rule: from is the topic's entry count the caller saw before its first
// attempt (and kept with its own state). AppendOnce waits until every
// transaction of the account that the node knows of is final, then reads the
// topic's entries from seq from on; the longest prefix of msgs found among
// this account's entries there, in order and with equal kind and payload, is
// taken as posted, and only the rest is posted. The caller must therefore
// not post the same messages twice on purpose after from.
func (b *Board) AppendOnce(ctx context.Context, topic bulletin.TopicID, from uint64, msgs []bulletin.Message) ([]uint64, error) {
	if err := b.settle(ctx); err != nil {
		return nil, err
	}
	es, err := b.Entries(ctx, topic, from, ^uint64(0))
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, e := range es {
		i := len(seqs)
		if i == len(msgs) {
			break
		}
		if e.Poster == b.Address() && e.Kind == msgs[i].Kind && bytes.Equal(e.Payload, msgs[i].Payload) {
			seqs = append(seqs, e.Seq)
		}
	}
	if len(seqs) == len(msgs) {
		return seqs, nil
	}
	rest, err := b.AppendBatch(ctx, topic, msgs[len(seqs):])
	return append(seqs, rest...), err
}

// settle waits until the account has no transaction that the node knows of
// and that is not final: its nonce at the final block reaches its pending
// nonce.
func (b *Board) settle(ctx context.Context) error {
	for {
		var pending, done uint64
		final, ok, err := b.finalBlock(ctx)
		if err != nil {
			return err
		}
		if err := b.retry(ctx, "reading nonces", func(ctx context.Context) error {
			var err error
			if pending, err = b.c.PendingNonceAt(ctx, b.addr); err != nil {
				return err
			}
			if ok {
				done, err = b.c.NonceAt(ctx, b.addr, new(big.Int).SetUint64(final))
			}
			return err
		}); err != nil {
			return err
		}
		if ok && done >= pending {
			return nil
		}
		b.mine()
		if err := sleep(ctx, b.cfg.PollInterval); err != nil {
			return fmt.Errorf("ethboard: waiting for the account's transactions: %w", err)
		}
	}
}
