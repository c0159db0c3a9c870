package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/veche/veche/bulletin"
)

// The outbox holds board entries that a state change has decided to post,
// written in the same transaction as the change ([Enqueue]), so that the
// entry is posted if and only if the change committed. A poster reads them
// in order ([Pending]), appends them to the board, and records where they
// landed ([MarkPosted]). Posting may be repeated after a crash between the
// append and the mark; the poster makes that safe (ethboard.AppendOnce).

// Errors of [MarkPosted].
var (
	// ErrNotFound: no outbox entry has the id.
	ErrNotFound = errors.New("store: no such outbox entry")
	// ErrAlreadyPosted: the entry was marked posted with another sequence
	// number or transaction.
	ErrAlreadyPosted = errors.New("store: outbox entry already posted elsewhere")
)

// An OutboxEntry is a message waiting to be posted.
type OutboxEntry struct {
	ID      int64 // increasing in the order of Enqueue calls that committed one after the other
	Topic   bulletin.TopicID
	Kind    bulletin.Kind
	Payload []byte    // never nil
	Created time.Time // when it was enqueued, to the microsecond, UTC
}

// Message returns the entry's kind and payload.
func (e OutboxEntry) Message() bulletin.Message {
	return bulletin.Message{Kind: e.Kind, Payload: e.Payload}
}

// Enqueue adds msgs, in order, to the outbox for topic, inside tx, and
// returns their ids (increasing). A message's kind must be a defined
// [bulletin.Kind]; its payload is stored as is (nil as empty).
func Enqueue(ctx context.Context, tx Tx, topic bulletin.TopicID, msgs ...bulletin.Message) ([]int64, error) {
	for i, m := range msgs {
		if !m.Kind.Valid() {
			return nil, fmt.Errorf("store: enqueue: message %d: %w (%d)", i, bulletin.ErrUnknownKind, uint16(m.Kind))
		}
	}
	now := time.Now().UnixMicro()
	ids := make([]int64, len(msgs))
	// One INSERT per message: ids then follow the order of msgs on every
	// engine, which a multi-row INSERT ... RETURNING does not promise.
	for i, m := range msgs {
		payload := m.Payload
		if payload == nil {
			payload = []byte{}
		}
		err := tx.QueryRowContext(ctx,
			"INSERT INTO outbox (topic, kind, payload, created) VALUES ($1, $2, $3, $4) RETURNING id",
			topic[:], int64(m.Kind), payload, now).Scan(&ids[i])
		if err != nil {
			return nil, fmt.Errorf("store: enqueue: %w", err)
		}
	}
	return ids, nil
}

// Pending returns up to limit outbox entries not yet marked posted, oldest
// (lowest id) first.
func Pending(ctx context.Context, tx Tx, limit int) ([]OutboxEntry, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: pending: limit %d is not positive", limit)
	}
	rows, err := tx.QueryContext(ctx,
		"SELECT id, topic, kind, payload, created FROM outbox WHERE posted_seq IS NULL ORDER BY id LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var (
			e       OutboxEntry
			topic   []byte
			kind    int64
			created int64
		)
		if err := rows.Scan(&e.ID, &topic, &kind, &e.Payload, &created); err != nil {
			return nil, fmt.Errorf("store: pending: %w", err)
		}
		if len(topic) != len(e.Topic) || kind <= 0 || kind > math.MaxUint16 {
			return nil, fmt.Errorf("store: pending: outbox entry %d has a malformed topic or kind", e.ID)
		}
		copy(e.Topic[:], topic)
		e.Kind = bulletin.Kind(kind)
		if e.Payload == nil {
			e.Payload = []byte{}
		}
		e.Created = time.UnixMicro(created).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	return out, nil
}

// MarkPosted records, inside tx, that the entries ids[i] were posted with
// sequence numbers seqs[i], by the chain transaction txHash (nil or empty for a
// board without transactions, stored as NULL). Marking an entry again with the same sequence
// number and transaction does nothing; with different ones it fails with
// [ErrAlreadyPosted]. An unknown id fails with [ErrNotFound]. Run it in the
// transaction that should fail as a whole if one mark does.
func MarkPosted(ctx context.Context, tx Tx, ids []int64, seqs []uint64, txHash []byte) error {
	if len(ids) != len(seqs) {
		return fmt.Errorf("store: mark posted: %d ids but %d sequence numbers", len(ids), len(seqs))
	}
	// No hash (nil or empty) is stored as NULL.
	var hash any
	if len(txHash) > 0 {
		hash = txHash
	}
	for i := range seqs {
		if seqs[i] > math.MaxInt64 {
			return fmt.Errorf("store: mark posted: sequence number %d out of range", seqs[i])
		}
	}
	// The entries of one board entry share its sequence number: one
	// UPDATE marks each such run; a run with an id already marked (or
	// unknown) is then checked id by id.
	for lo := 0; lo < len(ids); {
		hi := lo + 1
		for hi < len(ids) && seqs[hi] == seqs[lo] && hi-lo < maxParams {
			hi++
		}
		run := ids[lo:hi]
		seq := int64(seqs[lo])
		args := make([]any, 0, 2+len(run))
		args = append(args, seq, hash)
		for _, id := range run {
			args = append(args, id)
		}
		res, err := tx.ExecContext(ctx,
			"UPDATE outbox SET posted_seq = $1, posted_tx = $2 WHERE posted_seq IS NULL AND id IN ("+placeholders(3, len(run))+")", args...)
		if err != nil {
			return fmt.Errorf("store: mark posted: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: mark posted: %w", err)
		}
		if int(n) != len(run) {
			for _, id := range run {
				if err := checkPosted(ctx, tx, id, seq, txHash); err != nil {
					return err
				}
			}
		}
		lo = hi
	}
	return nil
}

// checkPosted checks that outbox entry id is marked posted as seq by
// txHash.
func checkPosted(ctx context.Context, tx Tx, id, seq int64, txHash []byte) error {
	var (
		oldSeq sql.NullInt64
		oldTx  []byte
	)
	err := tx.QueryRowContext(ctx, "SELECT posted_seq, posted_tx FROM outbox WHERE id = $1", id).Scan(&oldSeq, &oldTx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: id %d", ErrNotFound, id)
	case err != nil:
		return fmt.Errorf("store: mark posted: %w", err)
	case !oldSeq.Valid || oldSeq.Int64 != seq || !bytes.Equal(oldTx, txHash):
		return fmt.Errorf("%w: id %d was posted as sequence number %d", ErrAlreadyPosted, id, oldSeq.Int64)
	}
	return nil
}
