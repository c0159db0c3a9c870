// Package stallsbench measures stall allocation at the scale of issue 9
// (2,700 stalls, 20,000 bids) for `veche bench stalls`: it builds a seeded
// season on an in-memory board -- market entry, sealed bids with proofs,
// the trustees' partial decryptions -- then times each step of allocating
// and of re-verifying from the board, one JSON object per line.
package stallsbench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/internal/rusage"
	"github.com/veche/veche/services/stalls"
)

// Options size the benchmark.
type Options struct {
	Stalls    int    // stalls in the season (2,700)
	Bids      int    // sealed bids (20,000)
	PerBidder int    // bids per bidder (5): Bids/PerBidder bidders
	Cap       int    // stalls one bidder may win (2)
	Seed      string // the randomness seed
}

// A Line is one measurement.
type Line struct {
	Operation  string  `json:"operation"`
	Stalls     int     `json:"stalls"`
	Bids       int     `json:"bids"`
	Awards     int     `json:"awards,omitempty"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	PerSec     float64 `json:"bids_per_sec,omitempty"`
	Status     string  `json:"status,omitempty"`
	Covers     string  `json:"covers"`
}

// seeded is a deterministic reader: SHA-256 in counter mode, safe for
// concurrent use.
type seeded struct {
	mu   sync.Mutex
	seed [32]byte
	ctr  uint64
	buf  []byte
}

func (r *seeded) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		if len(r.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.ctr)
			h := sha256.Sum256(append(r.seed[:], c[:]...))
			r.ctr++
			r.buf = h[:]
		}
		k := copy(p, r.buf)
		p, r.buf = p[k:], r.buf[k:]
	}
	return n, nil
}

func (r *seeded) uint64n(n uint64) uint64 {
	var b [8]byte
	r.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) % n
}

// Season builds the benchmark's season, its sealed bids and the trustees'
// decryptions on a new in-memory board and returns the board.
func Season(ctx context.Context, o Options) (*memboard.Board, string, error) {
	if o.Stalls < 1 || o.Bids < 1 || o.PerBidder < 1 || o.Cap < 1 || o.PerBidder > o.Stalls {
		return nil, "", errors.New("stallsbench: stalls, bids, per-bidder and cap must be positive, per-bidder at most stalls")
	}
	r := &seeded{seed: sha256.Sum256([]byte(o.Seed))}
	id := "bench"
	keys, pub, err := stalls.Ceremony(r, id, 2, 3)
	if err != nil {
		return nil, "", err
	}
	s := &stalls.Season{ID: id, Opens: time.Unix(1_800_000_000, 0).UTC(), Closes: time.Unix(1_801_000_000, 0).UTC(),
		Cap: uint16(o.Cap), Trustees: pub}
	for m := range 10 {
		s.Markets = append(s.Markets, fmt.Sprintf("Market %d", m+1))
	}
	for i := range o.Stalls {
		s.Stalls = append(s.Stalls, stalls.Stall{ID: fmt.Sprintf("S%05d", i), Market: uint16(i % 10), Size: 400 + uint32(i%5)*100,
			Kind: []string{"produce", "dairy", "meat", "bakery", "crafts"}[i%5], Reserve: 100_000 + uint64(i%7)*10_000})
	}
	market, err := s.Bytes()
	if err != nil {
		return nil, "", err
	}
	board := memboard.New()
	poster := board.As(bulletin.Address{0x57})
	topic := stalls.Topic(id)
	if err := poster.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		return nil, "", err
	}
	kinds := bulletin.NewKindSet(bulletin.KindMarket, bulletin.KindSealedBid, bulletin.KindBidDecryption, bulletin.KindAllocation)
	if err := poster.SetPoster(ctx, topic, poster.Address(), kinds); err != nil {
		return nil, "", err
	}
	if err := postArtefact(ctx, poster, topic, bulletin.KindMarket, market); err != nil {
		return nil, "", err
	}

	// Plan the bids: bidder j bids for PerBidder distinct stalls; amounts
	// in steps of 1,000 kopecks so that ties happen.
	type plan struct {
		stall  uint32
		bidder stalls.Bidder
		amount uint64
	}
	plans := make([]plan, 0, o.Bids)
	for j := 0; len(plans) < o.Bids; j++ {
		var b stalls.Bidder
		r.Read(b[:])
		used := map[uint32]bool{}
		for k := 0; k < o.PerBidder && len(plans) < o.Bids; k++ {
			st := uint32(r.uint64n(uint64(o.Stalls)))
			for used[st] {
				st = (st + 1) % uint32(o.Stalls)
			}
			used[st] = true
			amount := s.Stalls[st].Reserve - 20_000 + 1_000*r.uint64n(200) // a few under the reserve
			plans = append(plans, plan{st, b, amount})
		}
	}
	// The benchmark seals some bids under the reserve on purpose (they are
	// void in the allocation): seal against a copy without reserves.
	noReserve := *s
	noReserve.Stalls = append([]stalls.Stall(nil), s.Stalls...)
	for i := range noReserve.Stalls {
		noReserve.Stalls[i].Reserve = 0
	}
	bids := make([]*stalls.SealedBid, len(plans))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wr := &seeded{seed: sha256.Sum256(fmt.Appendf(nil, "%s/%d", o.Seed, w))}
			for i := w; i < len(plans); i += workers {
				p := plans[i]
				b, err := stalls.EncryptBid(wr, &noReserve, p.stall, p.bidder, p.amount)
				if err != nil {
					errs[w] = err
					return
				}
				bids[i] = b
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, "", err
	}
	msgs := make([]bulletin.Message, len(bids))
	for i, b := range bids {
		msgs[i] = bulletin.Message{Kind: bulletin.KindSealedBid, Payload: b.Bytes()}
	}
	if _, err := poster.AppendBatch(ctx, topic, msgs); err != nil {
		return nil, "", err
	}
	rec, err := stalls.ReadRecord(ctx, board, id, r)
	if err != nil {
		return nil, "", err
	}
	for _, k := range keys[:2] {
		d, err := stalls.PartialDecrypt(r, s, k, rec.Bids)
		if err != nil {
			return nil, "", err
		}
		if err := postArtefact(ctx, poster, topic, bulletin.KindBidDecryption, d.Bytes()); err != nil {
			return nil, "", err
		}
	}
	return board, id, nil
}

func postArtefact(ctx context.Context, b bulletin.Appender, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) error {
	if len(payload) <= bulletin.MaxPayload {
		_, err := b.Append(ctx, topic, kind, payload)
		return err
	}
	msgs, err := bulletin.Chunk(kind, payload, 0)
	if err != nil {
		return err
	}
	_, err = b.AppendBatch(ctx, topic, msgs)
	return err
}

// timed runs f and returns its wall and process CPU seconds.
func timed(f func() error) (float64, float64, error) {
	c0, _ := rusage.CPU()
	t0 := time.Now()
	err := f()
	wall := time.Since(t0).Seconds()
	c1, _ := rusage.CPU()
	return wall, (c1 - c0).Seconds(), err
}

// Run builds the season and writes one JSON line per measurement to w:
// stalls.build (building the board, not a target), stalls.read (reading
// the board and checking every bid's proof), stalls.decrypt (checking the
// trustees' decryption proofs, combining and decoding the amounts),
// stalls.allocate (the allocation rule on the decrypted bids, the issue's
// "allocated in under 1 s"), stalls.check (re-running the rule and
// comparing bytes with the posted allocation, the issue's "re-verified in
// under 1 s") and stalls.verify (all of it from the board: what `veche
// stalls verify` does).
func Run(ctx context.Context, w io.Writer, o Options) error {
	enc := json.NewEncoder(w)
	var board *memboard.Board
	var id string
	wall, cpu, err := timed(func() (err error) { board, id, err = Season(ctx, o); return })
	if err != nil {
		return err
	}
	enc.Encode(Line{Operation: "stalls.build", Stalls: o.Stalls, Bids: o.Bids, Seconds: wall, CPUSeconds: cpu,
		Covers: "sealing every bid with its proof, the trustees' key ceremony and 2 partial decryptions (setup, not a target)"})

	var rec *stalls.Record
	wall, cpu, err = timed(func() (err error) { rec, err = stalls.ReadRecord(ctx, board, id, nil); return })
	if err != nil {
		return err
	}
	enc.Encode(Line{Operation: "stalls.read", Stalls: o.Stalls, Bids: len(rec.Bids), Seconds: wall, CPUSeconds: cpu, PerSec: float64(len(rec.Bids)) / wall,
		Covers: "reading the board and batch-checking every bid's proof"})

	var amounts []uint64
	wall, cpu, err = timed(func() (err error) {
		amounts, _, err = stalls.Decrypt(nil, rec.Season, rec.Bids, rec.Decryptions)
		return
	})
	if err != nil {
		return err
	}
	enc.Encode(Line{Operation: "stalls.decrypt", Stalls: o.Stalls, Bids: len(rec.Bids), Seconds: wall, CPUSeconds: cpu, PerSec: float64(len(rec.Bids)) / wall,
		Covers: "checking 2 trustees' decryption proofs, combining and decoding every amount"})

	var a *stalls.Allocation
	wall, cpu, err = timed(func() (err error) { a, err = stalls.Allocate(rec.Season, rec.Bids, amounts); return })
	if err != nil {
		return err
	}
	enc.Encode(Line{Operation: "stalls.allocate", Stalls: o.Stalls, Bids: len(rec.Bids), Awards: len(a.Awards), Seconds: wall, CPUSeconds: cpu,
		PerSec: float64(len(rec.Bids)) / wall, Status: target(wall), Covers: "the allocation rule on the decrypted bids, with the bids' hash and encoding (target: under 1 s)"})

	posted := a.Bytes()
	if err := postArtefact(ctx, board.As(bulletin.Address{0x57}), stalls.Topic(id), bulletin.KindAllocation, posted); err != nil {
		return err
	}
	wall, cpu, err = timed(func() error { return stalls.CheckAllocation(rec.Season, rec.Bids, amounts, posted) })
	if err != nil {
		return err
	}
	enc.Encode(Line{Operation: "stalls.check", Stalls: o.Stalls, Bids: len(rec.Bids), Awards: len(a.Awards), Seconds: wall, CPUSeconds: cpu,
		PerSec: float64(len(rec.Bids)) / wall, Status: target(wall), Covers: "re-running the rule independently and comparing it byte for byte with the posted allocation (target: under 1 s)"})

	var rep *stalls.Report
	wall, cpu, err = timed(func() (err error) { rep, err = stalls.VerifyBoard(ctx, board, id, nil); return })
	if err != nil {
		return err
	}
	status := "VERIFIED"
	if !rep.Matches {
		status = "MISMATCH"
	}
	return enc.Encode(Line{Operation: "stalls.verify", Stalls: o.Stalls, Bids: rep.Bids, Awards: rep.Awards, Seconds: wall, CPUSeconds: cpu,
		PerSec: float64(rep.Bids) / wall, Status: status, Covers: "veche stalls verify: read, bid proofs, decryption proofs, rule, byte comparison"})
}

func target(s float64) string {
	if s < 1 {
		return "under-1s"
	}
	return "over-1s"
}
