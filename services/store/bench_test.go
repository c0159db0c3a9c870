package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// benchBackends runs bench on a fresh database of each backend (PostgreSQL
// only with VECHE_PG_URL).
func benchBackends(b *testing.B, bench func(b *testing.B, db *store.DB)) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			newURL := storetest.Backends()[name]
			if name == "postgres" && !haveEnv(storetest.EnvPostgresURL) {
				b.Skip("VECHE_PG_URL is not set")
			}
			bench(b, storetest.Open(b, newURL(b)))
		})
	}
}

// BenchmarkOutboxEnqueue measures enqueueing batches of 400-byte messages,
// one transaction per batch (a ballot batch's worth of entries).
func BenchmarkOutboxEnqueue(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
				msgs := make([]bulletin.Message, batch)
				for i := range msgs {
					msgs[i] = bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: make([]byte, 400)}
				}
				ctx := context.Background()
				b.SetBytes(int64(400 * batch))
				for b.Loop() {
					err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
						_, err := store.Enqueue(ctx, tx, bulletin.TopicID{1}, msgs...)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	})
}

// BenchmarkTx measures a read-modify-write transaction round trip
// (SELECT, UPDATE, COMMIT) on one row, from one goroutine, and from
// GOMAXPROCS goroutines on rows of their own.
func BenchmarkTx(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		incr := func(name string) error {
			return db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
				var v int64
				if err := tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = $1", name).Scan(&v); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "UPDATE counters SET value = $1 WHERE name = $2", v+1, name)
				return err
			})
		}
		var next atomic.Int64
		newRow := func() string {
			name := fmt.Sprintf("bench-%d", next.Add(1))
			err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ($1, 0)", name)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			return name
		}
		b.Run("serial", func(b *testing.B) {
			name := newRow()
			for b.Loop() {
				if err := incr(name); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		})
		b.Run("parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				name := newRow()
				for pb.Next() {
					if err := incr(name); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		})
	})
}
