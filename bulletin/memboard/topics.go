package memboard

import (
	"bytes"
	"context"
	"slices"

	"github.com/veche/veche/bulletin"
)

var (
	_ bulletin.TopicLister = (*Board)(nil)
	_ bulletin.TopicLister = (*Client)(nil)
)

// Topics implements [bulletin.TopicLister]: every topic, in increasing
// order of id (the in-memory board does not keep the order of creation).
func (b *Board) Topics(ctx context.Context) ([]bulletin.TopicInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	out := make([]bulletin.TopicInfo, 0, len(b.topics))
	for id, t := range b.topics {
		out = append(out, bulletin.TopicInfo{ID: id, Owner: t.owner, Phase: t.phase, Head: t.head, Count: uint64(len(t.entries))})
	}
	b.mu.Unlock()
	slices.SortFunc(out, func(x, y bulletin.TopicInfo) int { return bytes.Compare(x.ID[:], y.ID[:]) })
	return out, nil
}

// Topics implements [bulletin.TopicLister].
func (c *Client) Topics(ctx context.Context) ([]bulletin.TopicInfo, error) {
	return c.b.Topics(ctx)
}
