package voting_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/voting"
)

// closedCeremony runs a whole k-of-n ceremony, trustee by trustee.
func closedCeremony(b *testing.B, k, n int) *ceremony {
	c := newCeremony(b, k, n, fmt.Sprintf("bench %d of %d", k, n))
	c.joinAll()
	c.phase(bulletin.PhaseKeyCeremony)
	for _, run := range []string{"deal", "ready"} {
		for j := 1; j <= n; j++ {
			c.step(j, run)
		}
	}
	if _, err := voting.CloseCeremony(context.Background(), c.commission, c.m, nil); err != nil {
		b.Fatal(err)
	}
	return c
}

// JointKey is what every voter's device and verifier runs: replay the
// ceremony from the board and check the posted result. It verifies n key
// proofs, n commitment proofs and n·(n−1) ciphertext proofs.
func BenchmarkJointKey(b *testing.B) {
	for _, kn := range [][2]int{{2, 3}, {3, 5}, {11, 21}, {16, 32}} {
		b.Run(fmt.Sprintf("%d-of-%d", kn[0], kn[1]), func(b *testing.B) {
			c := closedCeremony(b, kn[0], kn[1])
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := voting.JointKey(ctx, c.board, c.m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A trustee's first keygen run once every other trustee has dealt: replay
// the board, deal, decrypt and check n−1 shares, post.
func BenchmarkKeygenLastDealer(b *testing.B) {
	for _, kn := range [][2]int{{3, 5}, {16, 32}} {
		k, n := kn[0], kn[1]
		b.Run(fmt.Sprintf("%d-of-%d", k, n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				c := newCeremony(b, k, n, "bench keygen")
				c.joinAll()
				c.phase(bulletin.PhaseKeyCeremony)
				for j := 1; j < n; j++ {
					c.step(j, "deal")
				}
				b.StartTimer()
				c.step(n, "deal")
			}
		})
	}
}
