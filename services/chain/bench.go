package chain

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
)

// BenchOptions tune [Bench].
type BenchOptions struct {
	Entries    int // entries appended in batches and read back (default 20,000)
	EntrySize  int // payload bytes per entry (default 500, a ballot)
	Batch      int // entries per AppendBatch call (default 2,000)
	Singles    int // entries appended one per transaction, for comparison (0: none)
	ReadRounds int // times the whole topic is read back and verified (default 3)
}

func (o BenchOptions) withDefaults() BenchOptions {
	if o.Entries <= 0 {
		o.Entries = 20_000
	}
	if o.EntrySize <= 0 {
		o.EntrySize = 500
	}
	if o.Batch <= 0 {
		o.Batch = 2000
	}
	if o.ReadRounds <= 0 {
		o.ReadRounds = 3
	}
	return o
}

// A BenchResult is one line of [Bench]'s output.
type BenchResult struct {
	Op            string  `json:"operation"`
	Board         string  `json:"board"`
	Entries       int     `json:"entries"`
	EntryBytes    int     `json:"entry_bytes"`
	Batch         int     `json:"batch,omitempty"`
	Seconds       float64 `json:"seconds"`
	EntriesPerSec float64 `json:"entries_per_sec"`
	Transactions  uint64  `json:"transactions,omitempty"`
	GasPerEntry   float64 `json:"gas_per_entry,omitempty"`
	GasPerByte    float64 `json:"gas_per_payload_byte,omitempty"`
}

// Bench measures the board b: appending ballot-sized entries in batches and
// one per transaction (entries per second, gas per entry and per payload
// byte, as the chain charges them), and reading the topic back from the
// events with its hash chain verified against the stored head (entries per
// second). It posts to a new service topic with a random name, which it
// creates and authorises itself for, and writes one JSON object per line
// to w.
func Bench(ctx context.Context, w io.Writer, b Board, o BenchOptions) error {
	o = o.withDefaults()
	if o.EntrySize > bulletin.MaxPayload {
		return fmt.Errorf("chain: bench: entries of %d bytes: at most %d", o.EntrySize, bulletin.MaxPayload)
	}
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	topic := bulletin.NamedTopic(fmt.Sprintf("veche-bench-%x", nonce))
	if err := b.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		return fmt.Errorf("chain: bench: %w", err)
	}
	if err := b.SetPoster(ctx, topic, b.Address(), bulletin.NewKindSet(bulletin.KindAggregate)); err != nil {
		return fmt.Errorf("chain: bench: %w", err)
	}
	enc := json.NewEncoder(w)
	desc := b.Describe()
	payloads := entryMaker(nonce, o.EntrySize)

	// Batched appends.
	before := b.Stats()
	start := time.Now()
	for n := 0; n < o.Entries; {
		k := min(o.Batch, o.Entries-n)
		msgs := make([]bulletin.Message, k)
		for i := range msgs {
			msgs[i] = bulletin.Message{Kind: bulletin.KindAggregate, Payload: payloads(n + i)}
		}
		if _, err := b.AppendBatch(ctx, topic, msgs); err != nil {
			return fmt.Errorf("chain: bench: appending entries %d..%d: %w", n, n+k-1, err)
		}
		n += k
	}
	r := appendResult("board.append", desc, o.Entries, o.EntrySize, o.Batch, time.Since(start), before, b.Stats())
	if err := enc.Encode(r); err != nil {
		return err
	}

	// One entry per transaction.
	if o.Singles > 0 {
		before = b.Stats()
		start = time.Now()
		for i := range o.Singles {
			if _, err := b.Append(ctx, topic, bulletin.KindAggregate, payloads(o.Entries+i)); err != nil {
				return fmt.Errorf("chain: bench: appending one entry: %w", err)
			}
		}
		r = appendResult("board.append_single", desc, o.Singles, o.EntrySize, 1, time.Since(start), before, b.Stats())
		if err := enc.Encode(r); err != nil {
			return err
		}
	}

	// Read back and verify, a page at a time as a verifier would.
	var best time.Duration = math.MaxInt64
	var count uint64
	for range o.ReadRounds {
		start = time.Now()
		head, n, err := b.Head(ctx, topic)
		if err != nil {
			return fmt.Errorf("chain: bench: %w", err)
		}
		c := bulletin.NewChain(topic)
		const page = 10_000
		for from := uint64(0); from < n; from += page {
			es, err := b.Entries(ctx, topic, from, min(from+page, n))
			if err != nil {
				return fmt.Errorf("chain: bench: reading: %w", err)
			}
			for _, e := range es {
				if err := c.Add(e); err != nil {
					return fmt.Errorf("chain: bench: %w", err)
				}
			}
		}
		if err := c.Check(head, n); err != nil {
			return fmt.Errorf("chain: bench: %w", err)
		}
		best, count = min(best, time.Since(start)), n
	}
	if count == 0 {
		return errors.New("chain: bench: nothing to read back")
	}
	return enc.Encode(BenchResult{
		Op: "board.read_verify", Board: desc, Entries: int(count), EntryBytes: o.EntrySize,
		Seconds: round3(best.Seconds()), EntriesPerSec: math.Round(float64(count) / best.Seconds()),
	})
}

func appendResult(op, desc string, n, size, batch int, d time.Duration, before, after ethboard.Stats) BenchResult {
	r := BenchResult{
		Op: op, Board: desc, Entries: n, EntryBytes: size, Batch: batch,
		Seconds: round3(d.Seconds()), EntriesPerSec: math.Round(float64(n) / d.Seconds()),
		Transactions: after.Transactions - before.Transactions,
	}
	if gas := after.GasUsed - before.GasUsed; gas > 0 {
		r.GasPerEntry = math.Round(float64(gas) / float64(n))
		r.GasPerByte = math.Round(float64(gas)/float64(n*size)*10) / 10
	}
	return r
}

// entryMaker returns distinct payloads of size bytes: entry i of a run.
func entryMaker(nonce [8]byte, size int) func(i int) []byte {
	return func(i int) []byte {
		p := make([]byte, size)
		x := binary.BigEndian.Uint64(nonce[:]) ^ uint64(i)*0x9e3779b97f4a7c15
		for j := 0; j < size; j += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			var w [8]byte
			binary.BigEndian.PutUint64(w[:], x)
			copy(p[j:], w[:])
		}
		return p
	}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
