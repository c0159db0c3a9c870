package stalls

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/threshold"
)

// An Award is one stall won: by whom and for how much.
type Award struct {
	Stall  uint32 // index into Season.Stalls
	Bidder Bidder
	Amount uint64 // kopecks
}

// An Allocation is the outcome of a season, the payload of its allocation
// entry.
type Allocation struct {
	BidsHash [32]byte // BidsHash of the counted bids
	Seed     [32]byte // the tie-breaking seed, Keccak-256("veche/stalls/seed/v1" || 0x00 || BidsHash)
	Valid    uint32   // counted bids that decrypted to an amount at or above their stall's reserve
	Awards   []Award  // in increasing stall order; a stall without a winning bid is absent
}

// Seed returns the tie-breaking seed of the bids with hash h.
func Seed(h [32]byte) [32]byte {
	return bulletin.Keccak256([]byte("veche/stalls/seed/v1\x00"), h[:])
}

// tieKey orders bids of equal amount: Keccak-256(seed || u32 stall || bidder), smaller first.
func tieKey(seed [32]byte, stall uint32, bidder Bidder) [32]byte {
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], stall)
	return bulletin.Keccak256(seed[:], s[:], bidder[:])
}

// Allocate applies the rule of docs/spec/stalls.md to the counted bids of
// season s (bids[i] for amounts[i] kopecks, 0 where the bid decrypted to no
// amount): a bid below its stall's reserve or of amount 0 is void; the
// others are taken by decreasing amount, ties by increasing tie key, and
// each wins if its stall is still free and its bidder has fewer than
// s.Cap stalls. It is a pure function of its inputs.
func Allocate(s *Season, bids []*SealedBid, amounts []uint64) (*Allocation, error) {
	if len(bids) != len(amounts) {
		return nil, fmt.Errorf("%w: %d bids, %d amounts", ErrInvalid, len(bids), len(amounts))
	}
	h := BidsHash(s.ID, bids)
	a := &Allocation{BidsHash: h, Seed: Seed(h)}
	type cand struct {
		amount uint64
		key    [32]byte
		i      int
	}
	cands := make([]cand, 0, len(bids))
	for i, b := range bids {
		if int(b.Stall) >= len(s.Stalls) {
			return nil, fmt.Errorf("%w: bid %d: no stall %d", ErrInvalid, i, b.Stall)
		}
		if amounts[i] == 0 || amounts[i] < s.Stalls[b.Stall].Reserve {
			continue
		}
		cands = append(cands, cand{amounts[i], tieKey(a.Seed, b.Stall, b.Bidder), i})
	}
	a.Valid = uint32(len(cands))
	slices.SortFunc(cands, func(x, y cand) int {
		if c := cmp.Compare(y.amount, x.amount); c != 0 {
			return c
		}
		return bytes.Compare(x.key[:], y.key[:])
	})
	taken := make([]bool, len(s.Stalls))
	won := make(map[Bidder]uint16)
	for _, c := range cands {
		b := bids[c.i]
		if taken[b.Stall] || won[b.Bidder] >= s.Cap {
			continue
		}
		taken[b.Stall] = true
		won[b.Bidder]++
		a.Awards = append(a.Awards, Award{Stall: b.Stall, Bidder: b.Bidder, Amount: c.amount})
	}
	slices.SortFunc(a.Awards, func(x, y Award) int { return cmp.Compare(x.Stall, y.Stall) })
	return a, nil
}

// CheckAllocation re-runs [Allocate] on the same inputs and reports
// whether posted is byte for byte its encoding.
func CheckAllocation(s *Season, bids []*SealedBid, amounts []uint64, posted []byte) error {
	a, err := Allocate(s, bids, amounts)
	if err != nil {
		return err
	}
	if !bytes.Equal(a.Bytes(), posted) {
		return fmt.Errorf("%w: the posted allocation differs from the rule's", ErrInvalid)
	}
	return nil
}

// Bytes returns u8 1 | bids hash (32) | seed (32) | u32 valid | u32 awards |
// (u32 stall | bidder (32) | u64 amount)*.
func (a *Allocation) Bytes() []byte {
	b := make([]byte, 0, 1+64+8+len(a.Awards)*44)
	b = append(b, encodingV1)
	b = append(b, a.BidsHash[:]...)
	b = append(b, a.Seed[:]...)
	b = binary.BigEndian.AppendUint32(b, a.Valid)
	b = binary.BigEndian.AppendUint32(b, uint32(len(a.Awards)))
	for _, w := range a.Awards {
		b = binary.BigEndian.AppendUint32(b, w.Stall)
		b = append(b, w.Bidder[:]...)
		b = binary.BigEndian.AppendUint64(b, w.Amount)
	}
	return b
}

// ParseAllocation decodes an allocation payload.
func ParseAllocation(p []byte) (*Allocation, error) {
	r := &reader{b: p}
	if r.u8() != encodingV1 {
		return nil, fmt.Errorf("%w: allocation: unknown version", ErrMalformed)
	}
	a := &Allocation{}
	copy(a.BidsHash[:], r.bytes(32))
	copy(a.Seed[:], r.bytes(32))
	a.Valid = r.u32()
	n := int(r.u32())
	if r.err != nil || len(r.b) != n*44 {
		return nil, fmt.Errorf("%w: allocation: wrong length", ErrMalformed)
	}
	a.Awards = make([]Award, n)
	for i := range a.Awards {
		a.Awards[i].Stall = r.u32()
		copy(a.Awards[i].Bidder[:], r.bytes(32))
		a.Awards[i].Amount = r.u64()
	}
	return a, nil
}

func ciphertexts(bids []*SealedBid) []*elgamal.Ciphertext {
	cts := make([]*elgamal.Ciphertext, len(bids))
	for i, b := range bids {
		cts[i] = b.Ciphertext
	}
	return cts
}

// Decrypt checks the trustees' partial decryptions of the counted bids
// of season s (weights from rand), combines the valid ones (at least the
// threshold) and returns each bid's amount, 0 for a bid whose plaintext
// is no amount. It returns the combination's report, which names any
// trustee whose decryption was invalid.
func Decrypt(rand io.Reader, s *Season, bids []*SealedBid, decs []*Decryption) ([]uint64, *threshold.Report, error) {
	p, err := s.thresholdParams()
	if err != nil {
		return nil, nil, fmt.Errorf("stalls: %w", err)
	}
	h := BidsHash(s.ID, bids)
	pds := make([]*threshold.PartialDecryption, 0, len(decs))
	for _, d := range decs {
		if d.BidsHash == h && int(d.Count) == len(bids) {
			pds = append(pds, d.Partial)
		}
	}
	ms, rep, err := threshold.Combine(rand, p, decryptionBinding(h), ciphertexts(bids), pds)
	if err != nil {
		return nil, rep, fmt.Errorf("stalls: decrypting the bids: %w", err)
	}
	amounts := make([]uint64, len(ms))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ms); i += workers {
				if v, err := DecodeAmount(ms[i]); err == nil {
					amounts[i] = v
				}
			}
		}()
	}
	wg.Wait()
	return amounts, rep, nil
}
