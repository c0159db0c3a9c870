package ballotbox

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// A plan is a board entry the box has fixed, with the outbox entries it
// posts.
type plan struct {
	id        int64
	kind      bulletin.Kind
	payload   []byte
	from      uint64 // the topic's entry count before the first attempt
	outboxIDs []int64
}

// Run posts the box's acknowledged ballots to the board until ctx ends
// (then it returns ctx's error): Config.PostLinger after a cast, and
// every Config.PostInterval, it posts like [Box.Post], except that
// within a round only the first entry may be less than full: the ballots
// that arrive while it is being posted wait for the next round (at most
// PostLinger after the next cast, or PostInterval), so that they fill
// entries (chain transactions) instead of trickling out in small ones.
// Errors are logged and the round is retried after the interval; nothing
// acknowledged is dropped.
func (b *Box) Run(ctx context.Context) error {
	t := time.NewTicker(b.cfg.PostInterval)
	defer t.Stop()
	for {
		if _, err := b.post(ctx, b.cfg.PostLinger > 0); err != nil && ctx.Err() == nil {
			b.cfg.Logger.Error("ballotbox: posting", "election", b.m.ID, "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.wake:
			if b.cfg.PostLinger > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(b.cfg.PostLinger):
				}
			}
		case <-t.C:
		}
	}
}

// Post posts every ballot and audit acknowledged so far, in the order of
// their outbox entries, and returns the number of board entries it
// posted. Consecutive cast ballots go into one ballot-batch entry as long
// as it fits (docs/spec/ballotbox.md); an audit is an audited-ballot
// entry of its own. Each entry is fixed in the database, with the topic's
// entry count, before it is first posted, and posted idempotently (the
// board's AppendOnce, or the same search of the topic from that count), so
// that a crash between posting and marking it never posts it twice. An
// entry the board refuses because the election has closed
// (bulletin.ErrWrongPhase) is recorded as refused and never retried; its
// ballots were not cast. Its outbox rows stay unposted.
func (b *Box) Post(ctx context.Context) (int, error) { return b.post(ctx, false) }

// post is Post; with fill, only the round's first new entry may be less
// than full.
func (b *Box) post(ctx context.Context, fill bool) (int, error) {
	b.postMu.Lock()
	defer b.postMu.Unlock()
	n := 0
	p, err := b.nextPlan(ctx, nil, false)
	if err != nil {
		return 0, err
	}
	for p != nil {
		seq, err := b.appendOnce(ctx, p)
		if errors.Is(err, bulletin.ErrWrongPhase) {
			// The election closed before the entry was posted: the board
			// will never take it, and its ballots were not cast
			// (docs/spec/bulletin.md, "The closing rule"). Status says so.
			err := b.writeTx(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE ballotbox_batches SET refused = $1 WHERE id = $2 AND posted_seq IS NULL", time.Now().UnixMicro(), p.id)
				return err
			})
			if err != nil {
				return n, fmt.Errorf("ballotbox: recording the refusal of entry %d: %w", p.id, err)
			}
			b.cfg.Logger.Error("ballotbox: the board refused an entry: the election closed before it was posted", "election", b.m.ID, "kind", p.kind.String(), "ballots", len(p.outboxIDs))
			p, err = b.nextPlan(ctx, nil, fill)
			if err != nil {
				return n, err
			}
			continue
		}
		if err != nil {
			return n, fmt.Errorf("ballotbox: posting %v entry %d: %w", p.kind, p.id, err)
		}
		// The mark and the next plan share a transaction.
		if p, err = b.nextPlan(ctx, &posted{p, seq}, fill); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// A posted entry is a plan and the sequence number it got.
type posted struct {
	p   *plan
	seq uint64
}

// nextPlan marks done (if any) posted: its outbox entries and its batch
// row; then returns the oldest planned entry not yet posted, or plans the
// next one from the unbatched ballots (with onlyFull, only if it is full:
// no more ballots would fit, or an audit follows), or returns nil if
// there is none. All in one transaction.
func (b *Box) nextPlan(ctx context.Context, done *posted, onlyFull bool) (*plan, error) {
	// The count is read before the plan's transaction: a new plan records
	// it; entries posted before it cannot be the plan's.
	_, count, err := b.board.Head(ctx, b.topic)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: reading the board: %w", err)
	}
	var p *plan
	err = b.writeTx(ctx, func(ctx context.Context, tx store.Tx) error {
		p = nil
		if done != nil {
			seqs := make([]uint64, len(done.p.outboxIDs))
			for i := range seqs {
				seqs[i] = done.seq
			}
			if err := store.MarkPosted(ctx, tx, done.p.outboxIDs, seqs, nil); err != nil {
				return fmt.Errorf("marking entry %d posted: %w", done.p.id, err)
			}
			if _, err := tx.ExecContext(ctx, "UPDATE ballotbox_batches SET posted_seq = $1 WHERE id = $2", int64(done.seq), done.p.id); err != nil {
				return fmt.Errorf("marking entry %d posted: %w", done.p.id, err)
			}
		}
		var (
			id      int64
			kind    int64
			payload []byte
			from    int64
		)
		err := tx.QueryRowContext(ctx, `SELECT id, kind, payload, board_from FROM ballotbox_batches
			WHERE election = $1 AND posted_seq IS NULL AND refused IS NULL ORDER BY id LIMIT 1`, b.m.ID).Scan(&id, &kind, &payload, &from)
		switch {
		case err == nil:
			ids, err := b.members(ctx, tx, id)
			if err != nil {
				return err
			}
			p = &plan{id: id, kind: bulletin.Kind(kind), payload: payload, from: uint64(from), outboxIDs: ids}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		return b.planNew(ctx, tx, count, onlyFull, &p)
	})
	if err != nil {
		return nil, fmt.Errorf("ballotbox: planning a board entry: %w", err)
	}
	return p, nil
}

// members returns the outbox ids of a planned entry's ballots, in order.
func (b *Box) members(ctx context.Context, tx store.Tx, batch int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT outbox_id FROM ballotbox_ballots WHERE batch = $1 ORDER BY batch_index", batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// planNew groups the oldest unbatched ballots into the next entry; with
// onlyFull it plans nothing unless the entry is full (the next ballot
// would not fit, the Config.MaxBatch cap is reached, or an audit follows).
func (b *Box) planNew(ctx context.Context, tx store.Tx, count uint64, onlyFull bool, out **plan) error {
	limit := b.cfg.MaxBatch
	if limit <= 0 {
		limit = (bulletin.MaxPayload - voting.BatchSize(0, 0)) / 4
	}
	var (
		seqs, ids []int64
		ballots   [][]byte
		kind      bulletin.Kind
		total     int
		full      bool
		after     int64 = -1 // the outbox id of the last row read
	)
	// The candidates, a page at a time: an entry holds a few hundred
	// ballots at most, so the first page nearly always suffices.
	const page = 512
	for !full && len(seqs) < limit {
		want := min(page, limit-len(seqs))
		rows, err := tx.QueryContext(ctx, `SELECT b.seq, b.kind, o.id, o.payload FROM ballotbox_ballots b JOIN outbox o ON o.id = b.outbox_id
			WHERE b.election = $1 AND b.batch IS NULL AND b.outbox_id > $2 ORDER BY b.outbox_id LIMIT $3`, b.m.ID, after, want)
		if err != nil {
			return err
		}
		read := 0
		for rows.Next() {
			var (
				seq, k, id int64
				payload    []byte
			)
			if err := rows.Scan(&seq, &k, &id, &payload); err != nil {
				rows.Close()
				return err
			}
			read++
			after = id
			if voting.ReceiptKind(k) == voting.ReceiptAudited {
				if len(seqs) == 0 {
					seqs, ids, ballots, kind = []int64{seq}, []int64{id}, [][]byte{payload}, bulletin.KindAuditedBallot
				}
				full = true
				break
			}
			if voting.BatchSize(total+len(payload), len(seqs)+1) > bulletin.MaxPayload {
				full = true
				break
			}
			seqs, ids, ballots, kind = append(seqs, seq), append(ids, id), append(ballots, payload), bulletin.KindBallotBatch
			total += len(payload)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if read < want {
			break // no more unbatched ballots
		}
	}
	full = full || len(seqs) >= limit
	if len(seqs) == 0 || (onlyFull && !full) {
		return nil
	}
	payload := ballots[0]
	if kind == bulletin.KindBallotBatch {
		payload = voting.EncodeBatch(ballots)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO ballotbox_batches (election, kind, payload, board_from, created)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, b.m.ID, int64(kind), payload, int64(count), time.Now().UnixMicro()).Scan(&id)
	if err != nil {
		return err
	}
	// One UPDATE gives each ballot its batch and index: batch_index =
	// CASE seq WHEN seq_0 THEN 0 WHEN seq_1 THEN 1 ... END. Every
	// placeholder has its own argument, in the order of the text (bare ?
	// on SQLite: see store.DB.Placeholders).
	args := make([]any, 0, 2+2*len(seqs))
	ph := func(v any) string {
		args = append(args, v)
		return b.db.Placeholders(len(args), 1)
	}
	var q strings.Builder
	q.WriteString("UPDATE ballotbox_ballots SET batch = " + ph(id) + ", batch_index = CASE seq")
	for i, seq := range seqs {
		fmt.Fprintf(&q, " WHEN %s THEN %d", ph(seq), i)
	}
	q.WriteString(" END WHERE election = " + ph(b.m.ID) + " AND seq IN (")
	for i, seq := range seqs {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(ph(seq))
	}
	q.WriteString(")")
	res, err := tx.ExecContext(ctx, q.String(), b.db.Uncached(args...)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(seqs)) {
		return fmt.Errorf("ballotbox: planning entry %d: %d of %d ballots updated (%v)", id, n, len(seqs), err)
	}
	*out = &plan{id: id, kind: kind, payload: payload, from: count, outboxIDs: ids}
	return nil
}

// appendOnce posts the plan's entry unless the topic already holds it at
// or after p.from, posted by the box: ethboard's AppendOnce if the board
// has it, else the same search and an Append.
func (b *Box) appendOnce(ctx context.Context, p *plan) (uint64, error) {
	msg := bulletin.Message{Kind: p.kind, Payload: p.payload}
	if ao, ok := b.board.(appendOncer); ok {
		seqs, err := ao.AppendOnce(ctx, b.topic, p.from, []bulletin.Message{msg})
		if err != nil {
			return 0, err
		}
		if len(seqs) != 1 {
			return 0, fmt.Errorf("ballotbox: the board returned %d sequence numbers for one entry", len(seqs))
		}
		return seqs[0], nil
	}
	_, count, err := b.board.Head(ctx, b.topic)
	if err != nil {
		return 0, err
	}
	self := b.board.Address()
	const page = 256
	for from := p.from; from < count; from += page {
		es, err := b.board.Entries(ctx, b.topic, from, min(from+page, count))
		if err != nil {
			return 0, err
		}
		for _, e := range es {
			if e.Poster == self && e.Kind == p.kind && bytes.Equal(e.Payload, p.payload) {
				return e.Seq, nil
			}
		}
	}
	return b.board.Append(ctx, b.topic, p.kind, p.payload)
}

// Pending returns the number of acknowledged ballots and audits not yet
// marked posted, except those the board refused (Status.Refused). The commission closes the election only once the box
// has stopped accepting and this is zero: the board refuses ballot-batch
// entries after the close.
func (b *Box) Pending(ctx context.Context) (int, error) {
	var n int64
	err := b.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM ballotbox_ballots b LEFT JOIN ballotbox_batches t ON t.id = b.batch
			WHERE b.election = $1 AND t.posted_seq IS NULL AND t.refused IS NULL`, b.m.ID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("ballotbox: counting pending ballots: %w", err)
	}
	return int(n), nil
}
