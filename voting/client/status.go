package client

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/voting"
)

// A Status is what the ballot box says of a ballot (GET
// /elections/{id}/ballots/{code}), its receipt checked.
type Status struct {
	Receipt *Receipt
	// Posted: the box posted the ballot's board entry, number Seq of the
	// election's topic.
	Posted bool
	// Refused: the board refused the entry (the election had closed); the
	// ballot was not cast.
	Refused bool
	Seq     uint64
	// Root and Proof: for a posted cast ballot, the batch's Merkle root and
	// the inclusion proof of its tracking code (voting.InclusionProof).
	Root  [32]byte
	Proof []byte
	// Located: the box gave the block (number and, if it did, hash) and the
	// transaction that posted the entry.
	Located     bool
	Block       uint64
	BlockHash   [32]byte // zero if not given
	Transaction [32]byte
}

// statusJSON is the API's ballot status object.
type statusJSON struct {
	Receipt        receiptJSON `json:"receipt"`
	Posted         bool        `json:"posted"`
	Refused        bool        `json:"refused"`
	Seq            *uint64     `json:"seq"`
	MerkleRoot     string      `json:"merkle_root"`
	InclusionProof string      `json:"inclusion_proof"`
	Block          *uint64     `json:"block"`
	BlockHash      string      `json:"block_hash"`
	Transaction    string      `json:"transaction"`
}

// Status asks the ballot box where the ballot with tracking code code is,
// and checks the receipt that comes with the answer. An unknown code is
// an [*Error] of kind [ProblemUnknownBallot].
func (c *Client) Status(ctx context.Context, election string, code voting.TrackingCode) (*Status, error) {
	var j statusJSON
	err := c.getJSON(ctx, "/elections/"+pathEscape(election)+"/ballots/"+code.String(), &j)
	if err != nil {
		return nil, err
	}
	kind := voting.ReceiptCast
	if j.Receipt.Kind == voting.ReceiptAudited.String() {
		kind = voting.ReceiptAudited
	}
	var m *voting.Manifest
	if c.board != nil {
		if m, err = c.Manifest(ctx, election); err != nil {
			return nil, err
		}
	}
	rc, err := c.checkReceipt(&j.Receipt, m, election, kind, code)
	if err != nil {
		return nil, err
	}
	st := &Status{Receipt: rc, Posted: j.Posted, Refused: j.Refused}
	if !j.Posted {
		return st, nil
	}
	if j.Seq == nil {
		return nil, fmt.Errorf("%w: the status says posted but gives no entry", ErrNotIncluded)
	}
	st.Seq = *j.Seq
	if kind == voting.ReceiptCast {
		root, err := hex.DecodeString(j.MerkleRoot)
		if err != nil || len(root) != 32 {
			return nil, fmt.Errorf("%w: the status's merkle_root is not 32 bytes of hex", ErrNotIncluded)
		}
		st.Root = [32]byte(root)
		if st.Proof, err = base64.StdEncoding.Strict().DecodeString(j.InclusionProof); err != nil || len(st.Proof) == 0 {
			return nil, fmt.Errorf("%w: the status's inclusion_proof is not base64", ErrNotIncluded)
		}
	}
	if j.Block != nil && j.Transaction != "" {
		tx, ok := parseHash(j.Transaction)
		if !ok {
			return nil, fmt.Errorf("%w: the status's transaction is not a 0x-hex hash", ErrNotIncluded)
		}
		st.Located, st.Block, st.Transaction = true, *j.Block, tx
		if j.BlockHash != "" {
			if st.BlockHash, ok = parseHash(j.BlockHash); !ok {
				return nil, fmt.Errorf("%w: the status's block_hash is not a 0x-hex hash", ErrNotIncluded)
			}
		}
	}
	return st, nil
}

// parseHash reads a 0x-prefixed hex hash of 32 bytes.
func parseHash(s string) ([32]byte, bool) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 || !strings.HasPrefix(s, "0x") {
		return [32]byte{}, false
	}
	return [32]byte(b), true
}

// An Inclusion is a ballot found on the board by [Client.CheckInclusion].
type Inclusion struct {
	Election     string
	TrackingCode voting.TrackingCode
	Kind         voting.ReceiptKind
	// Seq is the board entry that holds the ballot (a ballot batch) or its
	// audit record (an audited-ballot entry).
	Seq uint64
	// Index and Size: the ballot's position in its batch (cast ballots).
	Index, Size int
	Root        [32]byte
	// Block and Transaction are where the entry is on the chain.
	// LocationChecked: they come from the board reader itself, which can
	// locate entries ([bulletin.Locator]), and agree with the box's if it
	// reported them; otherwise they are the box's report (zero if none).
	Block           uint64
	BlockHash       [32]byte
	Transaction     [32]byte
	LocationChecked bool
	// Audit is the audit record found on the board, checked (audited
	// ballots).
	Audit *voting.Audit
}

// CheckInclusion checks that the ballot with tracking code code is on the
// board where the ballot box says (docs/spec/ballotbox.md, section 5): it
// asks the box for the status, reads entry Seq of the election's topic
// from the board itself, and checks that it is a ballot batch posted by
// the manifest's ballot box, that it decodes with the root the box gave,
// that the ballot at the proof's index has this tracking code and that the
// inclusion proof verifies against the entry's root. For an audited
// ballot the entry must be an audited-ballot entry by the box whose
// record opens this very ballot (voting.CheckAudit). When the box reports
// a block and transaction and the board reader can locate entries
// ([bulletin.Locator]), they must match. It returns [ErrNotPosted] or
// [ErrRefused] (wrapped) when there is nothing to check yet, or was never
// going to be, and errors wrapping [ErrNotIncluded] when a check fails.
func (c *Client) CheckInclusion(ctx context.Context, election string, code voting.TrackingCode) (*Inclusion, error) {
	e, err := c.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	st, err := c.Status(ctx, election, code)
	if err != nil {
		return nil, err
	}
	switch {
	case st.Refused:
		return nil, fmt.Errorf("%w (tracking code %v)", ErrRefused, code)
	case !st.Posted:
		return nil, fmt.Errorf("%w (tracking code %v)", ErrNotPosted, code)
	}
	topic := e.Manifest.Topic()
	es, err := c.board.Entries(ctx, topic, st.Seq, st.Seq+1)
	if err != nil {
		return nil, fmt.Errorf("client: reading entry %d from the board: %w", st.Seq, err)
	}
	if len(es) != 1 || es[0].Seq != st.Seq || es[0].Topic != topic {
		return nil, fmt.Errorf("%w: the board (its final entries, as this reader sees them) has no entry %d in election %s's topic", ErrNotIncluded, st.Seq, election)
	}
	ent := es[0]
	if ent.Poster != e.BallotBox {
		return nil, fmt.Errorf("%w: entry %d was posted by %v, not by the ballot box %v", ErrNotIncluded, st.Seq, ent.Poster, e.BallotBox)
	}
	inc := &Inclusion{Election: election, TrackingCode: code, Kind: st.Receipt.Kind, Seq: st.Seq,
		Block: st.Block, BlockHash: st.BlockHash, Transaction: st.Transaction}
	switch st.Receipt.Kind {
	case voting.ReceiptCast:
		if ent.Kind != bulletin.KindBallotBatch {
			return nil, fmt.Errorf("%w: entry %d is %v, not a ballot batch", ErrNotIncluded, st.Seq, ent.Kind)
		}
		batch, err := voting.ParseBatch(ent.Payload)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrNotIncluded, st.Seq, err)
		}
		if batch.Root != st.Root {
			return nil, fmt.Errorf("%w: entry %d's Merkle root is not the one the box gave", ErrNotIncluded, st.Seq)
		}
		p, err := voting.ParseInclusionProof(st.Proof)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotIncluded, err)
		}
		codes := batch.TrackingCodes()
		if int(p.Size) != len(codes) || codes[p.Index] != code {
			return nil, fmt.Errorf("%w: entry %d (%d ballots) does not hold the ballot at index %d of %d", ErrNotIncluded, st.Seq, len(codes), p.Index, p.Size)
		}
		if err := voting.VerifyInclusion(code, st.Proof, batch.Root); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotIncluded, err)
		}
		inc.Index, inc.Size, inc.Root = int(p.Index), int(p.Size), batch.Root
	case voting.ReceiptAudited:
		if ent.Kind != bulletin.KindAuditedBallot {
			return nil, fmt.Errorf("%w: entry %d is %v, not an audited ballot", ErrNotIncluded, st.Seq, ent.Kind)
		}
		a, err := voting.ParseAudit(ent.Payload, e.Manifest)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrNotIncluded, st.Seq, err)
		}
		if a.Ballot.TrackingCode() != code {
			return nil, fmt.Errorf("%w: entry %d audits ballot %v", ErrNotIncluded, st.Seq, a.Ballot.TrackingCode())
		}
		if err := voting.CheckAudit(e.Manifest, e.Key, a.Ballot, a); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrNotIncluded, st.Seq, err)
		}
		inc.Audit = a
	}
	if err := c.checkLocation(ctx, topic, st, inc); err != nil {
		return nil, err
	}
	return inc, nil
}

// checkLocation locates the entry with the board reader, when it can
// ([bulletin.Locator]), and compares the location with the box's.
func (c *Client) checkLocation(ctx context.Context, topic bulletin.TopicID, st *Status, inc *Inclusion) error {
	loc, ok := c.board.(bulletin.Locator)
	if !ok {
		return nil
	}
	l, err := loc.Locate(ctx, topic, st.Seq)
	if err != nil {
		return fmt.Errorf("client: locating entry %d on the chain: %w", st.Seq, err)
	}
	if st.Located && (l.Block != st.Block || l.Tx != st.Transaction || st.BlockHash != ([32]byte{}) && l.BlockHash != st.BlockHash) {
		return fmt.Errorf("%w: the box says entry %d was posted in block %d by transaction 0x%x, the chain says block %d, transaction 0x%x",
			ErrNotIncluded, st.Seq, st.Block, st.Transaction, l.Block, l.Tx)
	}
	inc.Block, inc.BlockHash, inc.Transaction, inc.LocationChecked = l.Block, l.BlockHash, l.Tx, true
	return nil
}
