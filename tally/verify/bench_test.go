package verify_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/veche/veche/tally/verify"
)

// BenchmarkVerify verifies a sample-like election with more voters
// (VECHE_VERIFY_VOTERS, default 500), reporting each step's share of the
// time and ballots per second.
func BenchmarkVerify(b *testing.B) {
	n := 500
	if s := os.Getenv("VECHE_VERIFY_VOTERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	board, m := buildElection(b, n)
	b.ResetTimer()
	for b.Loop() {
		rep, err := verify.Verify(context.Background(), board, m.ID, nil)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Verdict != verify.Verified {
			b.Fatal(rep.VerdictLine())
		}
		for _, s := range rep.Steps {
			b.ReportMetric(s.Duration.Seconds()*1000/float64(1), "ms/step"+strconv.Itoa(s.Number))
		}
	}
	b.ReportMetric(float64(n+7)*float64(b.N)/b.Elapsed().Seconds(), "ballots/s")
}
