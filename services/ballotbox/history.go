package ballotbox

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// A HistoryItem is one ballot a credential cast or audited through the box
// ([Box.History]).
type HistoryItem struct {
	// Receipt is the box's signed receipt: kind, tracking code, received
	// time and the box's sequence number.
	Receipt *voting.Receipt
	// Posted: the ballot's board entry is on the board, at BoardSeq in the
	// election's topic.
	Posted   bool
	BoardSeq uint64
	// Refused: the board refused the ballot's entry because the election
	// had closed; the ballot was not cast (see [Status]).
	Refused bool
	// Current: under the election's revote policy this is the ballot that
	// counts now for the credential (docs/spec/ballotbox.md, "Which ballot
	// counts"), the board order of the ballots not yet posted being the
	// order in which the box will post them. At most one item is current;
	// audited and refused ballots never are.
	Current bool
}

// Eligible reports whether credential (a public credential's 32-byte
// encoding) is on the election's credential list.
func (b *Box) Eligible(credential []byte) bool {
	_, ok := b.creds.StyleOf(credential)
	return ok
}

// History returns every ballot that credential cast or audited through
// the box, in board order: first the posted ones by their entry's sequence
// number and their index in a ballot batch, then the ones not yet posted in
// the order the box will post them, refused ones where their entry was
// planned. The box stores each ballot's credential (it is in the ballot,
// on the board); it never knows whose it is. A credential not on the list
// gives an error wrapping [voting.ErrUnknownCredential]. History does not
// authenticate the caller: the API does (docs/spec/ballotbox.md, "History
// requests").
func (b *Box) History(ctx context.Context, credential *schnorr.PublicKey) ([]HistoryItem, error) {
	cred := credential.Bytes()
	if !b.Eligible(cred) {
		return nil, fmt.Errorf("%w: the credential is not on election %s's list", voting.ErrUnknownCredential, b.m.ID)
	}
	type row struct {
		receipt        []byte
		outbox         int64
		batch, index   sql.NullInt64
		posted, refuse sql.NullInt64
	}
	var rows []row
	err := b.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		rows = rows[:0]
		rs, err := tx.QueryContext(ctx, `SELECT b.receipt, b.outbox_id, b.batch, b.batch_index, t.posted_seq, t.refused
			FROM ballotbox_ballots b LEFT JOIN ballotbox_batches t ON t.id = b.batch
			WHERE b.election = $1 AND b.credential = $2`, b.m.ID, cred)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.receipt, &r.outbox, &r.batch, &r.index, &r.posted, &r.refuse); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("ballotbox: history: %w", err)
	}
	// Board order: posted entries by sequence number; then planned
	// entries by plan (the poster posts plans in id order); then ballots
	// not yet planned by outbox id (the poster plans in that order).
	// Within an entry, the index in the batch.
	const last = int64(^uint64(0) >> 1)
	or := func(v sql.NullInt64) int64 {
		if v.Valid {
			return v.Int64
		}
		return last
	}
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(
			cmp.Compare(or(x.posted), or(y.posted)),
			cmp.Compare(or(x.batch), or(y.batch)),
			cmp.Compare(x.index.Int64, y.index.Int64),
			cmp.Compare(x.outbox, y.outbox))
	})
	out := make([]HistoryItem, len(rows))
	current := -1
	for i, r := range rows {
		rc, err := voting.ParseReceipt(r.receipt)
		if err != nil {
			return nil, fmt.Errorf("ballotbox: history: stored receipt: %w", err)
		}
		out[i] = HistoryItem{Receipt: rc, Posted: r.posted.Valid, BoardSeq: uint64(r.posted.Int64), Refused: r.refuse.Valid}
		if rc.Kind != voting.ReceiptCast || r.refuse.Valid {
			continue
		}
		// last-counts: the last cast ballot; denied: the first (the box
		// takes only one).
		if current < 0 || b.revote != voting.RevoteDenied {
			current = i
		}
	}
	if current >= 0 {
		out[current].Current = true
	}
	return out, nil
}
