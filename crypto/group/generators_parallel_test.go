package group_test

import (
	"bytes"
	"testing"

	"github.com/veche/veche/crypto/group"
)

// TestDeriveGeneratorsParallel checks that the parallel derivation returns
// exactly DeriveGenerators' elements, whatever the number of workers
// (including more workers than generators, and the default).
func TestDeriveGeneratorsParallel(t *testing.T) {
	seed := []byte("veche/test/generators-parallel")
	for _, n := range []int{0, 1, 2, 7, 33, 600} {
		want, err := group.DeriveGenerators(seed, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{0, 1, 2, 3, 64} {
			got, err := group.DeriveGeneratorsParallel(seed, n, workers)
			if err != nil {
				t.Fatalf("n=%d workers=%d: %v", n, workers, err)
			}
			if len(got) != n {
				t.Fatalf("n=%d workers=%d: got %d generators", n, workers, len(got))
			}
			for i := range got {
				if !bytes.Equal(got[i].Bytes(), want[i].Bytes()) {
					t.Fatalf("n=%d workers=%d: generator %d differs from DeriveGenerators", n, workers, i)
				}
			}
		}
	}
	// Another seed gives other generators.
	other, err := group.DeriveGeneratorsParallel([]byte("veche/test/other"), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := group.DeriveGeneratorsParallel(seed, 1, 1)
	if other[0].Equal(same[0]) == 1 {
		t.Fatal("different seeds gave the same generator")
	}
}

func TestDeriveGeneratorsParallelRejects(t *testing.T) {
	if _, err := group.DeriveGeneratorsParallel(nil, -1, 2); err == nil {
		t.Error("negative count accepted")
	}
	if _, err := group.DeriveGeneratorsParallel(make([]byte, 1<<20+1), 1, 2); err == nil {
		t.Error("seed over 1 MiB accepted")
	}
}

func BenchmarkDeriveGeneratorsParallel(b *testing.B) {
	seed := []byte("veche/bench/generators")
	for b.Loop() {
		if _, err := group.DeriveGeneratorsParallel(seed, 1000, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000/1000, "us/generator")
}
