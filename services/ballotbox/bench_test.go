package ballotbox_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// benchElection is an open election with a pool of encrypted ballots,
// shared by the benchmarks (encryption is the voter's device's work, not
// the box's).
type benchElection struct {
	e       *election
	sel     voting.Selections
	mu      sync.Mutex
	ballots [][]byte
}

var benchElections sync.Map

func openBenchElection(b *testing.B, small bool) *benchElection {
	key := fmt.Sprint(small)
	if v, ok := benchElections.Load(key); ok {
		return v.(*benchElection)
	}
	e := newElection(b, fmt.Sprintf("bench small %v", small), voting.RevoteLastCounts, small, 64)
	e.phase(bulletin.PhaseOpen)
	be := &benchElection{e: e, sel: exampleSelections}
	if small {
		be.sel = yes
	}
	benchElections.Store(key, be)
	return be
}

// pool returns at least n ballots, from 64 credentials in turn.
func (be *benchElection) pool(b *testing.B, n int) [][]byte {
	be.mu.Lock()
	defer be.mu.Unlock()
	b.StopTimer()
	var wg sync.WaitGroup
	start := len(be.ballots)
	if start < n {
		be.ballots = append(be.ballots, make([][]byte, n-start)...)
		next := atomic.Int64{}
		next.Store(int64(start))
		for range 2 {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
					c := be.e.creds[i%len(be.e.creds)]
					bal, _, err := voting.EncryptBallot(testRand(fmt.Sprint("bench ballot ", i)), be.e.m, be.e.pk, c.Style, c.Key, be.sel)
					if err != nil {
						panic(err)
					}
					be.ballots[i] = bal.Bytes()
				}
			})
		}
		wg.Wait()
	}
	b.StartTimer()
	return be.ballots[:n]
}

// BenchmarkCast measures Box.Cast -- parse, verify every proof and the
// signature, the state checks and the durable transaction -- from
// concurrent clients (b.RunParallel), on each backend, for the example
// ballot (3 contests, 3,144 bytes) and a one-question referendum ballot.
// Report casts/s = 1e9 / (ns/op), and the process's CPU time per cast
// (cpu-µs/cast: the poster is not running; 2e6 / cpu-µs/cast estimates
// the casts/s of two idle cores).
func BenchmarkCast(b *testing.B) {
	for _, ballot := range []string{"example", "referendum"} {
		for _, backend := range []string{"sqlite", "postgres"} {
			b.Run(ballot+"/"+backend, func(b *testing.B) {
				be := openBenchElection(b, ballot == "referendum")
				ballots := be.pool(b, b.N)
				box := be.e.box(storetest.Open(b, storetest.Backends()[backend](b)))
				ctx := context.Background()
				b.SetParallelism(benchParallelism)
				b.ResetTimer()
				cpu0, cpuOK := processCPUTime()
				var next atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := next.Add(1) - 1
						if _, err := box.Cast(ctx, ballots[i]); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "casts/s")
				if cpu1, ok := processCPUTime(); ok && cpuOK {
					b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/cast")
				}
			})
		}
	}
}

// BenchmarkCastMany is BenchmarkCast's referendum with 1,000 concurrent
// clients, as `veche bench cast` drives the box: the verifier and the
// writer then take large batches and groups.
func BenchmarkCastMany(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			be := openBenchElection(b, true)
			ballots := be.pool(b, b.N)
			box := be.e.box(storetest.Open(b, storetest.Backends()[backend](b)))
			ctx := context.Background()
			b.SetParallelism((1000 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			cpu0, cpuOK := processCPUTime()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) - 1
					if _, err := box.Cast(ctx, ballots[i]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "casts/s")
			if cpu1, ok := processCPUTime(); ok && cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/cast")
			}
		})
	}
}

// BenchmarkPost measures posting 1,000 stored referendum ballots to the
// in-memory board (planning the batches, encoding them with their Merkle
// roots, the idempotent append and the marks): ns/op is per 1,000.
func BenchmarkPost(b *testing.B) {
	be := openBenchElection(b, true)
	ballots := be.pool(b, 1000)
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		box := be.e.box(storetest.Open(b, storetest.SQLiteURL(b)))
		for _, x := range ballots {
			if _, err := box.Cast(ctx, x); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if n, err := box.Post(ctx); err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
}

// benchParallelism is the number of concurrent clients per GOMAXPROCS.
var benchParallelism = 8
