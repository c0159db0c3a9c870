package ballotbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// A Status is what the box knows of a ballot: its receipt and, once its
// board entry is posted, where. For a cast ballot Proof shows its tracking
// code under Root, the root in the ballot-batch entry Seq of the
// election's topic: a client reads that entry from the board itself,
// checks it with [voting.ParseBatch] and the proof with [voting.VerifyInclusion]. An
// audited ballot's entry (kind audited-ballot) holds the audit record
// itself and has no proof. Location says where the entry is on the chain
// (docs/spec/ballotbox.md, "Where the entry is on the chain").
type Status struct {
	Receipt *voting.Receipt
	Posted  bool
	// Refused: the board refused the ballot's entry because the election
	// closed before the box posted it. The ballot was not cast; the voter
	// must be told (docs/spec/bulletin.md, "The closing rule").
	Refused bool
	Seq     uint64   // the board entry's sequence number in the topic, if posted
	Root    [32]byte // the batch's Merkle root, if posted and cast
	Proof   []byte   // the inclusion proof (InclusionProof.Bytes), if posted and cast
	// Location is where entry Seq is on the chain: the block and the
	// transaction that posted it. It is nil until the entry is posted, on
	// a board without blocks (one that is not a [bulletin.Locator]), and
	// while the chain cannot be asked (the status is then still given).
	Location *bulletin.Location
}

// Status returns the state of the ballot with tracking code tc, cast or
// audited (cast first if both were somehow stored), or an error wrapping
// [ErrUnknownBallot].
func (b *Box) Status(ctx context.Context, tc voting.TrackingCode) (*Status, error) {
	var (
		receipt, payload []byte
		index, posted    sql.NullInt64
		refused          sql.NullInt64
		found            bool
	)
	err := b.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		receipt, payload, found = nil, nil, false
		err := tx.QueryRowContext(ctx, `SELECT b.receipt, b.batch_index, t.payload, t.posted_seq, t.refused
			FROM ballotbox_ballots b LEFT JOIN ballotbox_batches t ON t.id = b.batch
			WHERE b.election = $1 AND b.tracking = $2 ORDER BY b.kind LIMIT 1`, b.m.ID, tc[:]).Scan(&receipt, &index, &payload, &posted, &refused)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ballotbox: status: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: tracking code %v", ErrUnknownBallot, tc)
	}
	r, err := voting.ParseReceipt(receipt)
	if err != nil {
		return nil, err
	}
	st := &Status{Receipt: r, Refused: refused.Valid}
	if !posted.Valid {
		return st, nil
	}
	st.Posted, st.Seq = true, uint64(posted.Int64)
	st.Location = b.locate(ctx, st.Seq)
	if r.Kind != voting.ReceiptCast {
		return st, nil
	}
	batch, err := voting.ParseBatch(payload)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: status: stored batch: %w", err)
	}
	codes := batch.TrackingCodes()
	i := int(index.Int64)
	if i >= len(codes) || codes[i] != tc {
		return nil, fmt.Errorf("ballotbox: status: the stored batch does not hold the ballot at index %d", i)
	}
	proof, err := voting.NewInclusionProof(codes, i)
	if err != nil {
		return nil, err
	}
	st.Root, st.Proof = batch.Root, proof.Bytes()
	return st, nil
}

// locate returns where the election topic's entry seq is on the chain, or
// nil if the board cannot tell (it has no blocks, or the node did not
// answer: logged, as the rest of the status stands without it). The
// board remembers the locations of the entries it posted and found
// (ethboard), so this asks the chain at most once per entry.
func (b *Box) locate(ctx context.Context, seq uint64) *bulletin.Location {
	l, ok := b.board.(bulletin.Locator)
	if !ok {
		return nil
	}
	loc, err := l.Locate(ctx, b.topic, seq)
	if err != nil {
		if ctx.Err() == nil {
			b.cfg.Logger.Warn("ballotbox: locating a posted entry on the chain", "election", b.m.ID, "entry", seq, "err", err)
		}
		return nil
	}
	return &loc
}

// Counted reads election m's topic from r and returns the ballot that
// counts for each credential that cast one (docs/spec/ballotbox.md,
// "Which ballot counts"): board order is entry order, then order within
// a ballot-batch entry; under revote policy last-counts the last ballot of
// a credential counts, under denied the first (the box never posts a
// second). Only ballot-batch entries posted by the manifest's ballot box
// are read; audited ballots never count. It checks each batch's encoding
// and root and decodes each ballot (voting.ParseBallot) but verifies no
// proof: the tally does (voting.BatchVerifyBallots). The map's keys are
// credentials' encodings; its values the counted ballots.
func Counted(ctx context.Context, r bulletin.Reader, m *voting.Manifest) (map[[voting.CredentialSize]byte]*voting.Ballot, error) {
	box, err := voting.ParseAddress(m.BallotBox.Address)
	if err != nil {
		return nil, err
	}
	topic := m.Topic()
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: election %s: %w", m.ID, err)
	}
	out := map[[voting.CredentialSize]byte]*voting.Ballot{}
	const page = 256
	for from := uint64(0); from < count; from += page {
		es, err := r.Entries(ctx, topic, from, min(from+page, count))
		if err != nil {
			return nil, fmt.Errorf("ballotbox: election %s: %w", m.ID, err)
		}
		for _, e := range es {
			if e.Kind != bulletin.KindBallotBatch || e.Poster != box {
				continue
			}
			batch, err := voting.ParseBatch(e.Payload)
			if err != nil {
				return nil, fmt.Errorf("ballotbox: election %s, entry %d: %w", m.ID, e.Seq, err)
			}
			for i, raw := range batch.Ballots {
				bal, err := voting.ParseBallot(raw, m)
				if err != nil {
					return nil, fmt.Errorf("ballotbox: election %s, entry %d, ballot %d: %w", m.ID, e.Seq, i, err)
				}
				k := [voting.CredentialSize]byte(bal.Credential().Bytes())
				if _, seen := out[k]; seen && m.Revote == voting.RevoteDenied {
					continue
				}
				out[k] = bal
			}
		}
	}
	return out, nil
}
