package ethboard

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/veche/veche/bulletin"
)

var _ bulletin.Locator = (*Board)(nil)

// Locate returns where entry seq of topic is on the chain: the block and the
// transaction of its Posted event (docs/spec/bulletin.md, "Where an entry
// is"). The entry must be final: in the newest block with
// Config.Confirmations blocks on top, or before it. Entries this Board posted
// are answered from memory (their receipts); others are found with the same
// event search as [Board.Entries], once: the Board remembers the latest
// 16,384 locations.
func (b *Board) Locate(ctx context.Context, topic bulletin.TopicID, seq uint64) (bulletin.Location, error) {
	if loc, ok := b.locs.get(topic, seq); ok {
		return loc, nil
	}
	final, ok, err := b.finalBlock(ctx)
	if err != nil {
		return bulletin.Location{}, err
	}
	if !ok {
		return bulletin.Location{}, fmt.Errorf("ethboard: topic %x: %w (chain shorter than the confirmations)", topic[:4], bulletin.ErrUnknownTopic)
	}
	_, count, err := b.headAt(ctx, topic, final)
	if err != nil {
		return bulletin.Location{}, err
	}
	if seq >= count {
		return bulletin.Location{}, fmt.Errorf("ethboard: topic %x: entry %d of %d: %w", topic[:4], seq, count, bulletin.ErrNoEntry)
	}
	l, err := b.findLog(ctx, topic, seq, final)
	if err != nil {
		return bulletin.Location{}, err
	}
	loc := bulletin.Location{Block: l.BlockNumber, BlockHash: l.BlockHash, Tx: l.TxHash}
	b.locs.put(locKey{topic, seq}, loc)
	return loc, nil
}

// findLog returns the Posted event of entry seq of topic, searching the
// blocks from the deployment block to final in windows of 16 pages (halved
// while the node says a window is too much for it).
func (b *Board) findLog(ctx context.Context, topic bulletin.TopicID, seq, final uint64) (types.Log, error) {
	s := common.BigToHash(new(big.Int).SetUint64(seq))
	window := b.cfg.PageSize * 16
	for block := b.cfg.FromBlock; block <= final; {
		end := min(block+window-1, final)
		logs, err := b.filter(ctx, topic, &s, block, end)
		if err != nil {
			if limitExceeded(err) && window > 1 {
				window = max(window/2, 1)
				continue
			}
			return types.Log{}, err
		}
		for _, l := range logs {
			if l.Removed || l.Address != b.contract || len(l.Topics) != 4 || l.Topics[0] != b.postedID ||
				l.Topics[1] != common.Hash(topic) || l.Topics[2] != s {
				return types.Log{}, fmt.Errorf("ethboard: the node answered a search for entry %d with another log: %w", seq, bulletin.ErrMalformed)
			}
			return l, nil
		}
		block = end + 1
	}
	return types.Log{}, fmt.Errorf("ethboard: topic %x: no event for entry %d: %w", topic[:4], seq, bulletin.ErrGap)
}

// errLimitExceeded is the JSON-RPC error code with which nodes and providers
// refuse a query as too large (EIP-1474: "limit exceeded"), as ServeRPC
// does for a log query over too many blocks or with too large an answer.
const errLimitExceeded = -32005

// limitExceeded reports whether the node refused a query as too large: the
// caller may ask again for less.
func limitExceeded(err error) bool {
	var re rpc.Error
	return errors.As(err, &re) && re.ErrorCode() == errLimitExceeded
}

// locCacheSize is the number of locations of its own entries a Board keeps.
const locCacheSize = 1 << 14

type locKey struct {
	topic bulletin.TopicID
	seq   uint64
}

// locCache remembers the locations of final entries: those a Board posted,
// from the receipts of their transactions, and those it found, so that
// asking again (a voter's client polling a ballot's status) does not search
// the chain again. It keeps the newest locCacheSize.
type locCache struct {
	mu    sync.Mutex
	m     map[locKey]bulletin.Location
	order []locKey // a ring of the keys in m, oldest at next
	next  int
}

func (c *locCache) get(topic bulletin.TopicID, seq uint64) (bulletin.Location, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	loc, ok := c.m[locKey{topic, seq}]
	return loc, ok
}

// add records the location of every Posted event of topic in r, the
// receipt of a final transaction.
func (c *locCache) add(r *types.Receipt, contract common.Address, posted common.Hash, topic bulletin.TopicID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range r.Logs {
		if l.Address != contract || len(l.Topics) != 4 || l.Topics[0] != posted || l.Topics[1] != common.Hash(topic) {
			continue
		}
		k := locKey{topic, new(big.Int).SetBytes(l.Topics[2][:]).Uint64()}
		c.putLocked(k, bulletin.Location{Block: r.BlockNumber.Uint64(), BlockHash: r.BlockHash, Tx: r.TxHash})
	}
}

func (c *locCache) put(k locKey, loc bulletin.Location) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, loc)
}

func (c *locCache) putLocked(k locKey, loc bulletin.Location) {
	if c.m == nil {
		c.m = make(map[locKey]bulletin.Location)
		c.order = make([]locKey, 0, locCacheSize)
	}
	if _, ok := c.m[k]; ok {
		c.m[k] = loc
		return
	}
	if len(c.order) < locCacheSize {
		c.order = append(c.order, k)
	} else {
		delete(c.m, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % locCacheSize
	}
	c.m[k] = loc
}
