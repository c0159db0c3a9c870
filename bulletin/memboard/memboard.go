// Package memboard is an in-memory bulletin board with the same rules as the
// contract: topics with owners, posters authorised per kind, election phases,
// the hash chain and the payload limit. It is for the unit tests of the
// packages above bulletin, so that every protocol test can run without a
// chain; it passes the conformance suite in bulletin/bulletintest.
//
// A [Board] holds the state; [Board.As] returns a [Client] that acts as one
// account. Reading needs no account, so the Board is itself a
// [bulletin.Reader] and [bulletin.Follower].
package memboard

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/veche/veche/bulletin"
)

// A Board is an in-memory bulletin board. It is safe for concurrent use.
type Board struct {
	mu      sync.Mutex
	topics  map[bulletin.TopicID]*topic
	changed chan struct{} // closed and replaced after every append
}

type topic struct {
	owner   bulletin.Address
	phase   bulletin.Phase
	posters map[bulletin.Address]bulletin.KindSet
	entries []bulletin.Entry
	head    [32]byte
}

// New returns an empty board.
func New() *Board {
	return &Board{topics: map[bulletin.TopicID]*topic{}, changed: make(chan struct{})}
}

// As returns a client that acts as account a: it owns the topics it creates
// and posts as a.
func (b *Board) As(a bulletin.Address) *Client { return &Client{b: b, addr: a} }

// A Client is a [Board] seen by one account.
type Client struct {
	b    *Board
	addr bulletin.Address
}

var (
	_ bulletin.Appender = (*Client)(nil)
	_ bulletin.Reader   = (*Client)(nil)
	_ bulletin.Follower = (*Client)(nil)
	_ bulletin.Admin    = (*Client)(nil)
	_ bulletin.Reader   = (*Board)(nil)
	_ bulletin.Follower = (*Board)(nil)
)

// Address returns the client's account.
func (c *Client) Address() bulletin.Address { return c.addr }

// lookup returns the topic; b.mu must be held.
func (b *Board) lookup(id bulletin.TopicID) (*topic, error) {
	t := b.topics[id]
	if t == nil {
		return nil, fmt.Errorf("%w: %v", bulletin.ErrUnknownTopic, id)
	}
	return t, nil
}

// CreateTopic implements [bulletin.Admin].
func (c *Client) CreateTopic(ctx context.Context, id bulletin.TopicID, initial bulletin.Phase) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !initial.Initial() {
		return fmt.Errorf("%w: a topic cannot start in phase %v", bulletin.ErrWrongPhase, initial)
	}
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	if c.b.topics[id] != nil {
		return fmt.Errorf("%w: %v", bulletin.ErrTopicExists, id)
	}
	c.b.topics[id] = &topic{owner: c.addr, phase: initial, posters: map[bulletin.Address]bulletin.KindSet{}}
	return nil
}

// SetPoster implements [bulletin.Admin].
func (c *Client) SetPoster(ctx context.Context, id bulletin.TopicID, poster bulletin.Address, kinds bulletin.KindSet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	t, err := c.b.lookup(id)
	if err != nil {
		return err
	}
	if t.owner != c.addr {
		return fmt.Errorf("%w: %v is not the owner of topic %v", bulletin.ErrUnauthorized, c.addr, id)
	}
	if kinds == (bulletin.KindSet{}) {
		delete(t.posters, poster)
	} else {
		t.posters[poster] = kinds
	}
	return nil
}

// Append implements [bulletin.Appender]. The entry is final at once.
func (c *Client) Append(ctx context.Context, id bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	seqs, err := c.AppendBatch(ctx, id, []bulletin.Message{{Kind: kind, Payload: payload}})
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

// AppendBatch implements [bulletin.Appender]. The batch is atomic: it is
// checked as a whole, with the phase changes of its own entries applied in
// order, before any entry is added.
func (c *Client) AppendBatch(ctx context.Context, id bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	t, err := c.b.lookup(id)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	may := t.posters[c.addr]
	phase := t.phase
	for i, m := range msgs {
		if phase, err = bulletin.Admit(phase, may, m.Kind, m.Payload); err != nil {
			if len(msgs) > 1 {
				err = fmt.Errorf("batch entry %d: %w", i, err)
			}
			return nil, err
		}
	}
	seqs := make([]uint64, len(msgs))
	for i, m := range msgs {
		seq := uint64(len(t.entries))
		payload := slices.Clone(m.Payload)
		if payload == nil {
			payload = []byte{}
		}
		t.head = bulletin.NextHead(t.head, id, seq, m.Kind, payload)
		t.entries = append(t.entries, bulletin.Entry{
			Topic: id, Seq: seq, Kind: m.Kind, Payload: payload, Head: t.head, Poster: c.addr,
		})
		seqs[i] = seq
	}
	t.phase = phase
	close(c.b.changed)
	c.b.changed = make(chan struct{})
	return seqs, nil
}

// Phase returns the topic's current phase.
func (b *Board) Phase(ctx context.Context, id bulletin.TopicID) (bulletin.Phase, error) {
	if err := ctx.Err(); err != nil {
		return bulletin.PhaseInvalid, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t, err := b.lookup(id)
	if err != nil {
		return bulletin.PhaseInvalid, err
	}
	return t.phase, nil
}

// Entries implements [bulletin.Reader]. The entries are copies.
func (b *Board) Entries(ctx context.Context, id bulletin.TopicID, from, to uint64) ([]bulletin.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if from > to {
		return nil, fmt.Errorf("memboard: entries from %d to %d: from is after to", from, to)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t, err := b.lookup(id)
	if err != nil {
		return nil, err
	}
	n := uint64(len(t.entries))
	from, to = min(from, n), min(to, n)
	return cloneEntries(t.entries[from:to]), nil
}

// Head implements [bulletin.Reader].
func (b *Board) Head(ctx context.Context, id bulletin.TopicID) ([32]byte, uint64, error) {
	if err := ctx.Err(); err != nil {
		return [32]byte{}, 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t, err := b.lookup(id)
	if err != nil {
		return [32]byte{}, 0, err
	}
	return t.head, uint64(len(t.entries)), nil
}

// Follow implements [bulletin.Follower].
func (b *Board) Follow(ctx context.Context, id bulletin.TopicID, from uint64) iter.Seq2[bulletin.Entry, error] {
	return func(yield func(bulletin.Entry, error) bool) {
		next := from
		for {
			b.mu.Lock()
			t, err := b.lookup(id)
			if err != nil {
				b.mu.Unlock()
				yield(bulletin.Entry{}, err)
				return
			}
			var batch []bulletin.Entry
			if next < uint64(len(t.entries)) {
				batch = cloneEntries(t.entries[next:])
			}
			changed := b.changed
			b.mu.Unlock()

			for _, e := range batch {
				if ctx.Err() != nil {
					break
				}
				if !yield(e, nil) {
					return
				}
				next++
			}
			if len(batch) > 0 && ctx.Err() == nil {
				continue
			}
			select {
			case <-changed:
			case <-ctx.Done():
				yield(bulletin.Entry{}, ctx.Err())
				return
			}
		}
	}
}

// The Client reads through its board.

// Entries implements [bulletin.Reader].
func (c *Client) Entries(ctx context.Context, id bulletin.TopicID, from, to uint64) ([]bulletin.Entry, error) {
	return c.b.Entries(ctx, id, from, to)
}

// Head implements [bulletin.Reader].
func (c *Client) Head(ctx context.Context, id bulletin.TopicID) ([32]byte, uint64, error) {
	return c.b.Head(ctx, id)
}

// Follow implements [bulletin.Follower].
func (c *Client) Follow(ctx context.Context, id bulletin.TopicID, from uint64) iter.Seq2[bulletin.Entry, error] {
	return c.b.Follow(ctx, id, from)
}

func cloneEntries(es []bulletin.Entry) []bulletin.Entry {
	out := make([]bulletin.Entry, len(es))
	for i, e := range es {
		e.Payload = slices.Clone(e.Payload)
		out[i] = e
	}
	return out
}
