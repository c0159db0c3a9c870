package voting_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/voting"
)

// Benchmarks of the voter's device (EncryptBallot) and of the ballot box
// (ParseBallot, VerifyBallot, BatchVerifyBallots) on the example manifest:
// a referendum, an approval of 5 (at most 2) and a ranked contest of 3
// with a write-in; 11 ciphertexts, 3,144 bytes.

func BenchmarkEncryptBallot(b *testing.B) {
	e := exampleElection(b, "bench")
	sel := exampleSelections()
	c := e.creds[0]
	for b.Loop() {
		if _, _, err := voting.EncryptBallot(nil, e.m, e.pk, c.Style, c.Key, sel); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBallot(b *testing.B) {
	e := exampleElection(b, "bench")
	ballot, _ := e.cast(0, exampleSelections(), "bench")
	raw := ballot.Bytes()
	for b.Loop() {
		if _, err := voting.ParseBallot(raw, e.m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyBallot(b *testing.B) {
	e := exampleElection(b, "bench")
	ballot, _ := e.cast(0, exampleSelections(), "bench")
	for b.Loop() {
		if err := voting.VerifyBallot(e.m, e.pk, e.list, ballot); err != nil {
			b.Fatal(err)
		}
	}
}

// benchBallots are 1,000 example ballots from 100 credentials, made once:
// 250 distinct ones, each four times (verification costs the same).
var benchBallots = sync.OnceValues(func() (*election, [][]byte) {
	e := newElection(&testing.T{}, "bench batch", exampleManifest(&testing.T{}), map[string]int{"city": 100})
	distinct := make([][]byte, 250)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range distinct {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c := e.creds[i%len(e.creds)]
			bb, _, err := voting.EncryptBallot(nil, e.m, e.pk, c.Style, c.Key, exampleSelections())
			if err != nil {
				panic(err)
			}
			distinct[i] = bb.Bytes()
		})
	}
	wg.Wait()
	var raws [][]byte
	for range 4 {
		raws = append(raws, distinct...)
	}
	return e, raws
})

// perBallot reports ballots per second of wall time and, where the
// process's CPU time is available, CPU microseconds per ballot, measured
// from cpu0 (taken before the benchmark loop).
func perBallot(b *testing.B, ballots int, cpu0 time.Duration) {
	n := float64(ballots * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "ballots/s")
	if cpu1, ok := processCPUTime(); ok {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/n, "cpu-µs/ballot")
	}
}

// BenchmarkBatchVerifyBallots verifies 1,000 parsed ballots per operation
// and reports ballots per second.
func BenchmarkBatchVerifyBallots(b *testing.B) {
	e, raws := benchBallots()
	ballots := make([]*voting.Ballot, len(raws))
	for i, raw := range raws {
		var err error
		if ballots[i], err = voting.ParseBallot(raw, e.m); err != nil {
			b.Fatal(err)
		}
	}
	cpu0, _ := processCPUTime()
	for b.Loop() {
		if err := voting.BatchVerifyBallots(nil, e.m, e.pk, e.list, ballots); err != nil {
			b.Fatal(err)
		}
	}
	perBallot(b, len(ballots), cpu0)
}

// BenchmarkParseAndBatchVerifyBallots is the ballot box's work for 1,000
// ballots as received: decoding them (on all cores) and verifying them.
func BenchmarkParseAndBatchVerifyBallots(b *testing.B) {
	e, raws := benchBallots()
	workers := runtime.GOMAXPROCS(0)
	cpu0, _ := processCPUTime()
	for b.Loop() {
		ballots := make([]*voting.Ballot, len(raws))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(raws); i += workers {
					var err error
					if ballots[i], err = voting.ParseBallot(raws[i], e.m); err != nil {
						panic(err)
					}
				}
			})
		}
		wg.Wait()
		if err := voting.BatchVerifyBallots(nil, e.m, e.pk, e.list, ballots); err != nil {
			b.Fatal(err)
		}
	}
	perBallot(b, len(raws), cpu0)
}

// BenchmarkBatchVerifyOneBad is BenchmarkBatchVerifyBallots with one
// ballot whose signature is wrong: its batch falls back to checking proof
// by proof.
func BenchmarkBatchVerifyOneBad(b *testing.B) {
	e, raws := benchBallots()
	ballots := make([]*voting.Ballot, len(raws))
	for i, raw := range raws {
		if i == 500 {
			raw = append([]byte(nil), raw...)
			raw[len(raw)-32] ^= 1
		}
		var err error
		if ballots[i], err = voting.ParseBallot(raw, e.m); err != nil {
			b.Fatal(err)
		}
	}
	cpu0, _ := processCPUTime()
	for b.Loop() {
		if err := voting.BatchVerifyBallots(nil, e.m, e.pk, e.list, ballots); err == nil {
			b.Fatal("the bad ballot verified")
		}
	}
	perBallot(b, len(ballots), cpu0)
}

func BenchmarkGenerateCredentials(b *testing.B) {
	m := exampleManifest(b)
	for _, n := range []int{10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := voting.GenerateCredentials(nil, m, map[string]int{"city": n}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "credentials/s")
		})
	}
}

func BenchmarkParseCredentials(b *testing.B) {
	m := exampleManifest(b)
	for _, n := range []int{10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			_, list, err := voting.GenerateCredentials(nil, m, map[string]int{"city": n})
			if err != nil {
				b.Fatal(err)
			}
			enc := list.Bytes()
			for b.Loop() {
				if _, err := voting.ParseCredentials(enc, m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "credentials/s")
		})
	}
}
