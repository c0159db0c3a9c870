package stalls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/veche/veche/bulletin"
)

// ErrNotFound: the board has no such season, or not yet the entry asked for.
var ErrNotFound = errors.New("stalls: not on the board")

// A Record is what the board holds of a season, read and checked by
// [ReadRecord].
type Record struct {
	Season    *Season
	SeasonSeq uint64

	// Bids are the counted bids, in board order: the sealed-bid entries
	// before the first bid-decryption entry that decode, whose proof
	// holds, and that are their bidder's first such bid for the stall.
	Bids    []*SealedBid
	BidSeqs []uint64
	// Ignored are the sequence numbers of sealed-bid entries before the
	// first decryption that do not count (malformed, failing proof, a
	// repeat); Late those after it (never counted).
	Ignored []uint64
	Late    []uint64

	Decryptions    []*Decryption
	DecryptionSeqs []uint64

	// Allocation is the payload of the first allocation entry, if any.
	Allocation    []byte
	AllocationSeq uint64
}

// pageSize is how many entries ReadRecord asks the board for at once.
const pageSize = 4096

// ReadRecord reads season id's topic from board and sorts its entries
// (docs/spec/stalls.md, "Reading the board"); it checks the bids' proofs
// with weights from rand. It fails with ErrNotFound if the topic or its
// market entry is missing.
func ReadRecord(ctx context.Context, board bulletin.Reader, id string, rand io.Reader) (*Record, error) {
	if !ValidSeasonID(id) {
		return nil, fmt.Errorf("%w: season id", ErrInvalid)
	}
	topic := Topic(id)
	_, count, err := board.Head(ctx, topic)
	if errors.Is(err, bulletin.ErrUnknownTopic) {
		return nil, fmt.Errorf("%w: no season %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("stalls: reading the board: %w", err)
	}
	rec := &Record{}
	var asm bulletin.Assembler
	var payloads [][]byte
	var rawSeqs []uint64
	closed := false
	for from := uint64(0); from < count; from += pageSize {
		es, err := board.Entries(ctx, topic, from, min(from+pageSize, count))
		if err != nil {
			return nil, fmt.Errorf("stalls: reading the board: %w", err)
		}
		for _, e := range es {
			msg := e.Message()
			if e.Kind.IsChunk() {
				m, done, err := asm.Add(e)
				if err != nil || !done {
					continue
				}
				msg = m
			}
			switch msg.Kind {
			case bulletin.KindMarket:
				if rec.Season == nil {
					s, err := ParseSeason(msg.Payload)
					if err != nil || s.ID != id {
						continue
					}
					rec.Season, rec.SeasonSeq = s, e.Seq
				}
			case bulletin.KindSealedBid:
				if rec.Season == nil {
					continue
				}
				if closed {
					rec.Late = append(rec.Late, e.Seq)
					continue
				}
				payloads, rawSeqs = append(payloads, msg.Payload), append(rawSeqs, e.Seq)
			case bulletin.KindBidDecryption:
				if rec.Season == nil {
					continue
				}
				closed = true
				if d, err := ParseDecryption(msg.Payload); err == nil {
					rec.Decryptions = append(rec.Decryptions, d)
					rec.DecryptionSeqs = append(rec.DecryptionSeqs, e.Seq)
				}
			case bulletin.KindAllocation:
				if rec.Season != nil && rec.Allocation == nil {
					rec.Allocation, rec.AllocationSeq = msg.Payload, e.Seq
				}
			}
		}
	}
	if rec.Season == nil {
		return nil, fmt.Errorf("%w: season %s has no market entry", ErrNotFound, id)
	}
	// Decode the bids on all cores (three element decodings each), then
	// drop those that do not decode or name no stall.
	parsed := make([]*SealedBid, len(payloads))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(payloads); i += workers {
				if b, err := ParseSealedBid(payloads[i]); err == nil && int(b.Stall) < len(rec.Season.Stalls) {
					parsed[i] = b
				}
			}
		}()
	}
	wg.Wait()
	raw := make([]*SealedBid, 0, len(parsed))
	seqs := make([]uint64, 0, len(parsed))
	for i, b := range parsed {
		if b == nil {
			rec.Ignored = append(rec.Ignored, rawSeqs[i])
			continue
		}
		raw, seqs = append(raw, b), append(seqs, rawSeqs[i])
	}
	rawSeqs = seqs
	bad, err := VerifyBids(rand, rec.Season, raw)
	if err != nil {
		return nil, err
	}
	isBad := make(map[int]bool, len(bad))
	for _, i := range bad {
		isBad[i] = true
	}
	type key struct {
		stall  uint32
		bidder Bidder
	}
	seen := make(map[key]bool, len(raw))
	for i, b := range raw {
		k := key{b.Stall, b.Bidder}
		if isBad[i] || seen[k] {
			rec.Ignored = append(rec.Ignored, rawSeqs[i])
			continue
		}
		seen[k] = true
		rec.Bids, rec.BidSeqs = append(rec.Bids, b), append(rec.BidSeqs, rawSeqs[i])
	}
	slices.Sort(rec.Ignored)
	return rec, nil
}

// A Report is the outcome of re-running a season from the board.
type Report struct {
	Season     string   `json:"season"`
	Stalls     int      `json:"stalls"`
	Bids       int      `json:"bids"`       // counted
	Ignored    int      `json:"ignored"`    // sealed-bid entries not counted
	Late       int      `json:"late"`       // sealed-bid entries after the first decryption
	Trustees   []uint32 `json:"trustees"`   // whose decryptions were combined
	Faulty     []uint32 `json:"faulty"`     // whose decryptions were invalid
	ValidBids  int      `json:"valid_bids"` // decrypted to an amount at or above the reserve
	Awards     int      `json:"awards"`     // stalls allocated
	BidsHash   string   `json:"bids_hash"`  // hex
	Seed       string   `json:"seed"`       // hex
	Allocation string   `json:"allocation"` // Keccak-256 of the allocation entry's payload, hex
	Allocated  bool     `json:"allocated"`  // the board has an allocation entry
	Matches    bool     `json:"matches"`    // it is byte for byte the rule's
	Amounts    []uint64 `json:"-"`          // per counted bid
	Recomputed []byte   `json:"-"`          // the rule's allocation encoding
}

// VerifyRecord decrypts the counted bids of rec with the posted partial
// decryptions (checking their proofs, weights from rand), re-runs the
// allocation rule, and compares it with the posted allocation. It fails if
// the bids cannot be decrypted (fewer valid decryptions than the
// threshold) or if the board's allocation differs from the rule's; with
// no allocation yet it reports what the rule gives.
func VerifyRecord(rand io.Reader, rec *Record) (*Report, error) {
	s := rec.Season
	rep := &Report{Season: s.ID, Stalls: len(s.Stalls), Bids: len(rec.Bids), Ignored: len(rec.Ignored), Late: len(rec.Late)}
	if len(rec.Bids) == 0 {
		return rep, fmt.Errorf("%w: no counted bids", ErrNotFound)
	}
	amounts, trep, err := Decrypt(rand, s, rec.Bids, rec.Decryptions)
	if trep != nil {
		rep.Trustees = trep.Used
		for _, c := range trep.Excluded {
			rep.Faulty = append(rep.Faulty, c.Index)
		}
	}
	if err != nil {
		return rep, err
	}
	a, err := Allocate(s, rec.Bids, amounts)
	if err != nil {
		return rep, err
	}
	rep.Amounts, rep.Recomputed = amounts, a.Bytes()
	rep.ValidBids, rep.Awards = int(a.Valid), len(a.Awards)
	rep.BidsHash, rep.Seed = fmt.Sprintf("%x", a.BidsHash), fmt.Sprintf("%x", a.Seed)
	h := bulletin.Keccak256(rep.Recomputed)
	rep.Allocation = fmt.Sprintf("%x", h)
	if rec.Allocation == nil {
		return rep, nil
	}
	rep.Allocated = true
	if !bytes.Equal(rep.Recomputed, rec.Allocation) { // CheckAllocation, without running the rule twice
		rep.Allocation = fmt.Sprintf("%x", bulletin.Keccak256(rec.Allocation))
		return rep, fmt.Errorf("%w: the posted allocation differs from the rule's", ErrInvalid)
	}
	rep.Matches = true
	return rep, nil
}

// VerifyBoard reads season id from board and verifies it ([ReadRecord],
// [VerifyRecord]).
func VerifyBoard(ctx context.Context, board bulletin.Reader, id string, rand io.Reader) (*Report, error) {
	rec, err := ReadRecord(ctx, board, id, rand)
	if err != nil {
		return nil, err
	}
	return VerifyRecord(rand, rec)
}
