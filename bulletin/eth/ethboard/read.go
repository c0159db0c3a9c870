package ethboard

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/contract"
)

// Head returns the topic's head and count as the contract stores them at the
// newest final block.
func (b *Board) Head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	final, ok, err := b.finalBlock(ctx)
	if err != nil {
		return [32]byte{}, 0, err
	}
	if !ok {
		return [32]byte{}, 0, fmt.Errorf("ethboard: topic %x: %w (chain shorter than the confirmations)", topic[:4], bulletin.ErrUnknownTopic)
	}
	return b.headAt(ctx, topic, final)
}

func (b *Board) headAt(ctx context.Context, topic bulletin.TopicID, block uint64) ([32]byte, uint64, error) {
	out, err := b.callView(ctx, b.bb.PackTopicHead(topic), new(big.Int).SetUint64(block))
	if err != nil {
		return [32]byte{}, 0, fmt.Errorf("ethboard: topic %x: %w", topic[:4], err)
	}
	h, err := b.bb.UnpackTopicHead(out)
	if err != nil {
		return [32]byte{}, 0, fmt.Errorf("ethboard: topicHead: %w", err)
	}
	return h.Head, h.Count, nil
}

// Entries returns the final entries with from <= seq < to, read from the
// contract's Posted events in pages of Config.PageSize blocks. It checks
// them as it reads: the sequence numbers must run on without a gap or
// repeat up to the count the contract stores (else [bulletin.ErrGap]), each
// entry's head must follow from the one before (the entry from-1 is read for
// the first link), and when the range reaches the end of the log the last
// head must be the stored one (else [bulletin.ErrBrokenChain]).
func (b *Board) Entries(ctx context.Context, topic bulletin.TopicID, from, to uint64) ([]bulletin.Entry, error) {
	if from > to {
		return nil, fmt.Errorf("ethboard: Entries from %d to %d", from, to)
	}
	final, ok, err := b.finalBlock(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("ethboard: topic %x: %w", topic[:4], bulletin.ErrUnknownTopic)
	}
	head, count, err := b.headAt(ctx, topic, final)
	if err != nil {
		return nil, err
	}
	to = min(to, count)
	if from >= to {
		return []bulletin.Entry{}, nil
	}
	lo := from
	if lo > 0 {
		lo-- // for the link to the first entry
	}
	es, err := b.readLogs(ctx, topic, lo, to, final)
	if err != nil {
		return nil, err
	}
	var chain *bulletin.Chain
	if lo == 0 {
		chain = bulletin.NewChain(topic)
		if err := chain.Add(es[0]); err != nil {
			return nil, fmt.Errorf("ethboard: topic %x: %w", topic[:4], err)
		}
	} else {
		chain = bulletin.ResumeChain(topic, es[0].Head, lo+1)
	}
	for _, e := range es[1:] {
		if err := chain.Add(e); err != nil {
			return nil, fmt.Errorf("ethboard: topic %x: %w", topic[:4], err)
		}
	}
	if to == count {
		if err := chain.Check(head, count); err != nil {
			return nil, fmt.Errorf("ethboard: topic %x: %w", topic[:4], err)
		}
	}
	if from > lo {
		es = es[1:]
	}
	return es, nil
}

// readLogs returns the entries lo <= seq < to from the Posted events up to
// block final, which must hold them all: it finds the block of entry lo,
// then reads forward page by page.
func (b *Board) readLogs(ctx context.Context, topic bulletin.TopicID, lo, to, final uint64) ([]bulletin.Entry, error) {
	start, err := b.blockOf(ctx, topic, lo, final)
	if err != nil {
		return nil, err
	}
	es := make([]bulletin.Entry, 0, to-lo)
	next := lo
	page := b.cfg.PageSize
	for block := start; next < to; {
		if block > final {
			return nil, fmt.Errorf("ethboard: topic %x: entries %d to %d are missing from the logs: %w", topic[:4], next, to-1, bulletin.ErrGap)
		}
		end := min(block+page-1, final)
		logs, err := b.filter(ctx, topic, nil, block, end)
		if err != nil {
			if limitExceeded(err) && page > 1 {
				// The node finds the page too much (too many blocks or
				// too large an answer): ask for less.
				page = max(page/2, 1)
				continue
			}
			return nil, err
		}
		block = end + 1
		// A node returns logs in chain order; one that does not (a
		// load balancer merging answers, a buggy client) is put right
		// here, and anything still amiss -- a log missing, repeated or
		// invented -- shows in the sequence numbers and the hash chain.
		slices.SortStableFunc(logs, func(x, y types.Log) int {
			return cmp.Or(cmp.Compare(x.BlockNumber, y.BlockNumber), cmp.Compare(x.Index, y.Index))
		})
		for i := range logs {
			e, err := b.decode(&logs[i])
			if err != nil {
				return nil, err
			}
			if e.Seq < next && next > lo {
				return nil, fmt.Errorf("ethboard: topic %x: entry %d after entry %d: %w", topic[:4], e.Seq, next-1, bulletin.ErrGap)
			}
			if e.Seq < next {
				continue // before lo, in lo's block
			}
			if e.Seq != next {
				return nil, fmt.Errorf("ethboard: topic %x: entry %d where %d is due: %w", topic[:4], e.Seq, next, bulletin.ErrGap)
			}
			es = append(es, e)
			if next++; next == to {
				break
			}
		}
	}
	return es, nil
}

// blockOf returns the number of the block holding entry seq of topic.
func (b *Board) blockOf(ctx context.Context, topic bulletin.TopicID, seq, final uint64) (uint64, error) {
	l, err := b.findLog(ctx, topic, seq, final)
	if err != nil {
		return 0, err
	}
	return l.BlockNumber, nil
}

// filter returns the Posted events of topic in blocks from..to, of entry seq
// only if seq is not nil.
func (b *Board) filter(ctx context.Context, topic bulletin.TopicID, seq *common.Hash, from, to uint64) ([]types.Log, error) {
	q := ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(from),
		ToBlock:   new(big.Int).SetUint64(to),
		Addresses: []common.Address{b.contract},
		Topics:    [][]common.Hash{{b.postedID}, {common.Hash(topic)}},
	}
	if seq != nil {
		q.Topics = append(q.Topics, []common.Hash{*seq})
	}
	var logs []types.Log
	err := b.retry(ctx, "reading logs", func(ctx context.Context) error {
		var err error
		logs, err = b.c.FilterLogs(ctx, q)
		return err
	})
	return logs, err
}

func (b *Board) decode(l *types.Log) (bulletin.Entry, error) {
	if l.Address != b.contract || len(l.Topics) != 4 || l.Topics[0] != b.postedID {
		return bulletin.Entry{}, fmt.Errorf("ethboard: the node returned a log that is not a Posted event: %w", bulletin.ErrMalformed)
	}
	e, err := contract.DecodePosted(l.Topics, l.Data)
	if err != nil {
		return bulletin.Entry{}, fmt.Errorf("ethboard: decoding a Posted event: %w: %v", bulletin.ErrMalformed, err)
	}
	return e, nil
}

// Follow yields topic's final entries from seq from on, polling for new
// blocks every Config.PollInterval.
func (b *Board) Follow(ctx context.Context, topic bulletin.TopicID, from uint64) iter.Seq2[bulletin.Entry, error] {
	return func(yield func(bulletin.Entry, error) bool) {
		for {
			es, err := b.Entries(ctx, topic, from, from+b.cfg.PageSize)
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(bulletin.Entry{}, err)
				return
			}
			for _, e := range es {
				if !yield(e, nil) {
					return
				}
				from++
			}
			if uint64(len(es)) == b.cfg.PageSize {
				continue // more at once
			}
			if err := sleep(ctx, b.cfg.PollInterval); err != nil {
				yield(bulletin.Entry{}, err)
				return
			}
		}
	}
}
