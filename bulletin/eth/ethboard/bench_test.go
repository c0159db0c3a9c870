package ethboard

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
)

// ballots returns n ballot-sized (500-byte) aggregate messages, distinct.
func ballots(n, offset int) []bulletin.Message {
	msgs := make([]bulletin.Message, n)
	for i := range msgs {
		p := make([]byte, 500)
		for j := 0; j+8 <= len(p); j += 8 {
			binary.BigEndian.PutUint64(p[j:], uint64(offset+i)*0x9e3779b97f4a7c15+uint64(j))
		}
		msgs[i] = bulletin.Message{Kind: bulletin.KindAggregate, Payload: p}
	}
	return msgs
}

// benchBoards returns a poster on the simulated chain or the embedded one.
func benchBoard(b *testing.B, embedded bool) (*Board, bulletin.TopicID) {
	ctx := context.Background()
	var poster *Board
	if embedded {
		e, err := OpenEmbedded(ctx, b.TempDir(), Config{PollInterval: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { e.Close() })
		poster = e.Board
	} else {
		c := newTestChain(b)
		poster = c.board(b, c.client, 1, c.config())
	}
	topic := bulletin.TopicID(bulletin.Keccak256([]byte(b.Name())))
	if err := poster.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		b.Fatal(err)
	}
	if err := poster.SetPoster(ctx, topic, poster.Address(), bulletin.NewKindSet(bulletin.KindAggregate)); err != nil {
		b.Fatal(err)
	}
	return poster, topic
}

// BenchmarkAppendBatch appends 500-byte entries in batches of 2,000 (split
// into transactions of about 200 entries) and reports entries per second.
func BenchmarkAppendBatch(b *testing.B) {
	for _, embedded := range []bool{false, true} {
		name := "simulated"
		if embedded {
			name = "embedded"
		}
		b.Run(name, func(b *testing.B) {
			poster, topic := benchBoard(b, embedded)
			const batch = 2000
			n := 0
			b.ResetTimer()
			for b.Loop() {
				if _, err := poster.AppendBatch(context.Background(), topic, ballots(batch, n)); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkReadVerify reads 10,000 500-byte entries back from the events and
// verifies their chain against the stored head.
func BenchmarkReadVerify(b *testing.B) {
	poster, topic := benchBoard(b, true)
	const n = 10_000
	for i := 0; i < n; i += 2000 {
		if _, err := poster.AppendBatch(context.Background(), topic, ballots(2000, i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		head, count, err := poster.Head(context.Background(), topic)
		if err != nil {
			b.Fatal(err)
		}
		es, err := poster.Entries(context.Background(), topic, 0, count)
		if err != nil {
			b.Fatal(err)
		}
		if err := bulletin.VerifyChain(es, head, count); err != nil || len(es) != n {
			b.Fatal(len(es), err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}
