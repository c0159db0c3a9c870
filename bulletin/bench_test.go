package bulletin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
)

// BenchmarkVerifyChain verifies a log of ballot-sized (500-byte) entries;
// the target is 50,000 entries per second read back and verified.
func BenchmarkVerifyChain(b *testing.B) {
	topic := bulletin.TopicID{1}
	const n = 1000
	es := make([]bulletin.Entry, n)
	var head [32]byte
	for i := range es {
		p := ballotBytes(i, 500)
		head = bulletin.NextHead(head, topic, uint64(i), bulletin.KindBallotBatch, p)
		es[i] = bulletin.Entry{Topic: topic, Seq: uint64(i), Kind: bulletin.KindBallotBatch, Payload: p, Head: head}
	}
	b.SetBytes(n * 500)
	b.ResetTimer()
	for b.Loop() {
		if err := bulletin.VerifyChain(es, head, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkNextHead(b *testing.B) {
	p := ballotBytes(0, 500)
	var head [32]byte
	b.SetBytes(500)
	for b.Loop() {
		head = bulletin.NextHead(head, bulletin.TopicID{}, 7, bulletin.KindBallotBatch, p)
	}
}

// A 1 MiB artefact split into and rebuilt from chunks of MaxChunkData.
func BenchmarkChunk(b *testing.B) {
	a := artefact(1 << 20)
	b.SetBytes(1 << 20)
	for b.Loop() {
		if _, err := bulletin.Chunk(bulletin.KindShuffle, a, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReassemble(b *testing.B) {
	a := artefact(1 << 20)
	msgs, _ := bulletin.Chunk(bulletin.KindShuffle, a, 0)
	b.SetBytes(1 << 20)
	for b.Loop() {
		if _, err := bulletin.Reassemble(msgs); err != nil {
			b.Fatal(err)
		}
	}
}

// The in-memory board appending batches of 100 ballot-sized entries.
func BenchmarkMemboardAppendBatch(b *testing.B) {
	ctx := context.Background()
	board := memboard.New()
	c := board.As(bulletin.Address{1})
	topic := bulletin.TopicID{1}
	c.CreateTopic(ctx, topic, bulletin.PhaseService)
	c.SetPoster(ctx, topic, c.Address(), bulletin.NewKindSet(bulletin.KindAggregate))
	msgs := make([]bulletin.Message, 100)
	for i := range msgs {
		msgs[i] = bulletin.Message{Kind: bulletin.KindAggregate, Payload: ballotBytes(i, 500)}
	}
	for b.Loop() {
		if _, err := c.AppendBatch(ctx, topic, msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "entries/s")
}

func ballotBytes(i, n int) []byte {
	return fmt.Appendf(nil, "%0*d", n, i)
}
