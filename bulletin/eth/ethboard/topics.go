package ethboard

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/veche/veche/bulletin"
)

var _ bulletin.TopicLister = (*Board)(nil)

// Topics lists the contract's topics ([bulletin.TopicLister]) in the order
// they were created: it reads the TopicCreated events from the deployment
// block (Config.FromBlock) to the newest final block, Config.PageSize
// blocks per query (halved while the node says a query is too much for
// it), then asks the contract (topicInfo, at that final block) for each
// topic's owner, phase, head and count. It costs one log query per page
// of the chain's history and one call per topic.
func (b *Board) Topics(ctx context.Context) ([]bulletin.TopicInfo, error) {
	final, ok, err := b.finalBlock(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil // no final block yet: no topic either
	}
	created := b.bb.GetABI().Events["TopicCreated"].ID
	var ids []bulletin.TopicID
	seen := map[bulletin.TopicID]bool{}
	page := b.cfg.PageSize
	for block := b.cfg.FromBlock; block <= final; {
		end := min(block+page-1, final)
		var logs []types.Log
		q := ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(block),
			ToBlock:   new(big.Int).SetUint64(end),
			Addresses: []common.Address{b.contract},
			Topics:    [][]common.Hash{{created}},
		}
		err := b.retry(ctx, "reading logs", func(ctx context.Context) error {
			var err error
			logs, err = b.c.FilterLogs(ctx, q)
			return err
		})
		if err != nil {
			if limitExceeded(err) && page > 1 {
				page = max(page/2, 1)
				continue
			}
			return nil, fmt.Errorf("ethboard: listing topics: %w", err)
		}
		for _, l := range logs {
			if l.Removed || l.Address != b.contract || len(l.Topics) != 3 || l.Topics[0] != created {
				return nil, fmt.Errorf("ethboard: the node answered a search for TopicCreated events with another log: %w", bulletin.ErrMalformed)
			}
			id := bulletin.TopicID(l.Topics[1])
			if !seen[id] { // a topic is created once; a node repeating a log is ignored
				seen[id] = true
				ids = append(ids, id)
			}
		}
		block = end + 1
	}
	out := make([]bulletin.TopicInfo, 0, len(ids))
	for _, id := range ids {
		data, err := b.callView(ctx, b.bb.PackTopicInfo(id), new(big.Int).SetUint64(final))
		if err != nil {
			return nil, fmt.Errorf("ethboard: topic %x: %w", id[:4], err)
		}
		info, err := b.bb.UnpackTopicInfo(data)
		if err != nil {
			return nil, fmt.Errorf("ethboard: topicInfo: %w", err)
		}
		out = append(out, bulletin.TopicInfo{ID: id, Owner: bulletin.Address(info.Owner), Phase: bulletin.Phase(info.Phase),
			Head: info.Head, Count: info.Count})
	}
	return out, nil
}
