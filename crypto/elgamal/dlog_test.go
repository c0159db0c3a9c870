package elgamal_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Every value in a small range is found; values just past the bound,
// including those the last giant step could reach, are rejected.
func TestDLogSmallRange(t *testing.T) {
	const max = 1000 // 128 baby steps: the last giant step covers up to 1023
	table, err := elgamal.NewDLogTable(max)
	if err != nil {
		t.Fatal(err)
	}
	if table.Max() != max {
		t.Errorf("Max() = %d", table.Max())
	}
	P := group.NewElement()
	G := group.NewGeneratorElement()
	for m := uint64(0); m <= max; m++ {
		got, err := table.Solve(P)
		if err != nil || got != m {
			t.Fatalf("Solve(%d·G) = %d, %v", m, got, err)
		}
		P.Add(P, G)
	}
	for _, m := range []uint64{max + 1, max + 23, 1023, 1024, 1025, 1 << 40} {
		if _, err := table.Solve(exp(m)); !errors.Is(err, elgamal.ErrOutOfRange) {
			t.Errorf("Solve(%d·G): %v, want ErrOutOfRange", m, err)
		}
	}
	minusOne := new(group.Element).Negate(G)
	if _, err := table.Solve(minusOne); !errors.Is(err, elgamal.ErrOutOfRange) {
		t.Errorf("Solve(-G): %v, want ErrOutOfRange", err)
	}
	if _, err := table.Solve(randomElement(t, testrand.New("TestDLogSmallRange"))); !errors.Is(err, elgamal.ErrOutOfRange) {
		t.Errorf("Solve(random): %v, want ErrOutOfRange", err)
	}
}

func TestDLogDegenerateBounds(t *testing.T) {
	for _, max := range []uint64{0, 1, 2, 3, 15, 16, 17} {
		table, err := elgamal.NewDLogTable(max)
		if err != nil {
			t.Fatal(err)
		}
		for m := uint64(0); m <= max+20; m++ {
			got, err := table.Solve(exp(m))
			if m <= max && (err != nil || got != m) {
				t.Errorf("max %d: Solve(%d·G) = %d, %v", max, m, got, err)
			}
			if m > max && !errors.Is(err, elgamal.ErrOutOfRange) {
				t.Errorf("max %d: Solve(%d·G) = %d, %v, want ErrOutOfRange", max, m, got, err)
			}
		}
	}
	if _, err := elgamal.NewDLogTable(elgamal.MaxDLogBound + 1); err == nil {
		t.Error("bound above MaxDLogBound accepted")
	}
}

// The 2^24 table of the issue: values at and near the bound, concurrently.
func TestDLogLargeBound(t *testing.T) {
	const max = 1 << 24
	table, err := elgamal.NewDLogTable(max)
	if err != nil {
		t.Fatal(err)
	}
	values := []uint64{0, 1, 1<<14 - 1, 1 << 14, 1<<14 + 1, 1_500_000, 12_345_678, max - 1, max}
	var wg sync.WaitGroup
	for _, m := range values {
		wg.Go(func() {
			if got, err := table.Solve(exp(m)); err != nil || got != m {
				t.Errorf("Solve(%d·G) = %d, %v", m, got, err)
			}
		})
	}
	wg.Wait()
	_, err = table.Solve(exp(max + 1))
	if !errors.Is(err, elgamal.ErrOutOfRange) || !strings.Contains(err.Error(), "16777216") {
		t.Errorf("Solve(max+1): %v, want ErrOutOfRange naming the bound 16777216", err)
	}
}

// Decryption yields arbitrary internal representatives; the table must
// still find them (it is keyed by canonical encodings).
func TestDecryptExpRepresentatives(t *testing.T) {
	rand := testrand.New("TestDecryptExpRepresentatives")
	sk := mustKey(t, "TestDecryptExpRepresentatives/key")
	table, err := elgamal.NewDLogTable(5000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []uint64{0, 1, 2, 4095, 4096, 4097, 5000} {
		c, _, err := elgamal.EncryptExp(rand, sk.Public(), m)
		if err != nil {
			t.Fatal(err)
		}
		c, _, _ = elgamal.ReEncrypt(rand, sk.Public(), c)
		if got, err := elgamal.DecryptExp(sk, c, table); err != nil || got != m {
			t.Errorf("DecryptExp = %d, %v, want %d", got, err, m)
		}
	}
	c, _, _ := elgamal.EncryptExp(rand, sk.Public(), 5001)
	if _, err := elgamal.DecryptExp(sk, c, table); !errors.Is(err, elgamal.ErrOutOfRange) {
		t.Errorf("DecryptExp(5001) with bound 5000: %v", err)
	}
}
