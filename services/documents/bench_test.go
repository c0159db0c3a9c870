package documents_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/documents"
)

// BenchmarkVerifyFile measures what `veche documents verify` and the
// explorer do per request: read a documents topic of n anchors, check its
// hash chain and every signature, and check one file.
func BenchmarkVerifyFile(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("anchors=%d", n), func(b *testing.B) {
			ctx := context.Background()
			board := memboard.New()
			poster := board.As(bulletin.Address{1})
			topic := documents.Topic()
			poster.CreateTopic(ctx, topic, bulletin.PhaseService)
			poster.SetPoster(ctx, topic, poster.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor))
			rnd := testRand("bench")
			sk, _ := schnorr.GenerateKey(rnd)
			ie, _ := documents.NewIssuerEntry(rnd, sk, "Registry")
			msgs := []bulletin.Message{{Kind: bulletin.KindDocAnchor, Payload: ie.Bytes()}}
			salt := make([]byte, 32)
			var file *documents.File
			for i := range n {
				rnd.Read(salt)
				content := []byte(fmt.Sprintf("document %d", i))
				c, _ := documents.Commit(salt, content, "text/plain", "t")
				series, _ := documents.NewSeries(rnd)
				a := &documents.Anchor{Series: series, Version: 1, Type: documents.TypeOther, ValidFrom: time.Unix(1e9, 0), Commitment: c}
				a.Sign(rnd, sk)
				msgs = append(msgs, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: a.Bytes()})
				if i == n/2 {
					file = &documents.File{Format: documents.FileFormat, Topic: topic.String(), Seq: uint64(i + 1), Series: series.String(), Version: 1,
						Type: "other", Title: "t", MediaType: "text/plain", Salt: fmt.Sprintf("%x", salt), Content: b64(content)}
				}
			}
			for i := 0; i < len(msgs); i += 1000 {
				if _, err := poster.AppendBatch(ctx, topic, msgs[i:min(i+1000, len(msgs))]); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				v, err := documents.VerifyFile(ctx, board, file, time.Unix(2e9, 0))
				if err != nil || !v.Authentic {
					b.Fatalf("%v %+v", err, v)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/anchor")
		})
	}
}
