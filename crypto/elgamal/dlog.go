package elgamal

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/veche/veche/crypto/group"
)

// MaxDLogBound is the largest bound [NewDLogTable] accepts. At this bound a
// solve takes up to 2^16 giant steps (about half a second).
const MaxDLogBound = 1 << 32

// maxBabySteps caps the size of the baby-step table: 2^16 canonical
// encodings, built in about 0.6 s and held in about 5 MiB.
const maxBabySteps = 1 << 16

// ErrOutOfRange is wrapped by [DLogTable.Solve] when the element is not
// m·G for any m in [0, bound]; the error names the bound.
var ErrOutOfRange = errors.New("elgamal: discrete logarithm out of range")

// A DLogTable solves bounded discrete logarithms: given M, it finds the
// m ≤ max with M = m·G, as needed to decrypt exponential-ElGamal totals.
//
// It is Shanks' baby-step giant-step algorithm. The table holds the
// canonical encodings of j·G for 0 ≤ j < n (n baby steps; encodings, not
// internal representations, because decryption yields arbitrary
// representatives of an element). A solve looks up M - i·n·G for
// i = 0, 1, …, ⌊max/n⌋ and fails with [ErrOutOfRange] after the last one,
// so it always terminates after at most ⌊max/n⌋ + 1 steps.
//
// A DLogTable is immutable once built, and safe for concurrent use.
type DLogTable struct {
	max   uint64
	n     uint64              // baby steps
	baby  map[[32]byte]uint32 // Encode(j·G) → j, for 0 ≤ j < n
	giant *group.Element      // -n·G
}

// NewDLogTable builds a table for logarithms in [0, max]. It returns an
// error if max exceeds [MaxDLogBound].
//
// The table has n = min(max+1, 2^16, 2^(⌈log2(max)/2⌉+2)) baby steps: about
// 4·√max, so that building the table (n encodings) and the slowest solve
// (⌊max/n⌋+1 encodings, about n/4) both cost O(√max), and a solve of a total
// below n costs a single lookup. For max = 2^24 that is n = 2^14: about
// 0.12 s to build, 1.2 MiB, and at most 1025 giant steps (about 7 ms) per
// solve.
func NewDLogTable(max uint64) (*DLogTable, error) {
	if max > MaxDLogBound {
		return nil, fmt.Errorf("elgamal: discrete logarithm bound %d exceeds the maximum %d", max, uint64(MaxDLogBound))
	}
	return newDLogTable(max, babySteps(max)), nil
}

// babySteps returns min(max+1, 2^16, 2^(⌈log2(max)/2⌉+2)).
func babySteps(max uint64) uint64 {
	if max == 0 {
		return 1
	}
	ceilLog2 := bits.Len64(max - 1) // ⌈log2(max)⌉ for max ≥ 1
	n := uint64(1) << ((ceilLog2+1)/2 + 2)
	return min(max+1, maxBabySteps, n)
}

// newDLogTable builds a table with n baby steps, 1 ≤ n ≤ max+1, n < 2^32.
func newDLogTable(max, n uint64) *DLogTable {
	t := &DLogTable{max: max, n: n, baby: make(map[[32]byte]uint32, n)}
	P := group.NewElement()
	G := group.NewGeneratorElement()
	var key [32]byte
	for j := uint64(0); j < n; j++ {
		P.AppendBytes(key[:0])
		t.baby[key] = uint32(j)
		P.Add(P, G)
	}
	// P = n·G now.
	t.giant = P.Negate(P)
	return t
}

// Max returns the table's bound: Solve finds logarithms in [0, Max()].
func (t *DLogTable) Max() uint64 { return t.max }

// Solve returns the m in [0, t.Max()] with M = m·G, or an error wrapping
// [ErrOutOfRange] if there is none. Since ℓ > 2^252, the answer is the
// unique such integer. Solve runs in time proportional to m/n: use it only
// on public values such as election totals.
func (t *DLogTable) Solve(M *group.Element) (uint64, error) {
	P := new(group.Element).Set(M)
	var key [32]byte
	for i := uint64(0); i <= t.max/t.n; i++ {
		P.AppendBytes(key[:0])
		if j, ok := t.baby[key]; ok {
			if m := i*t.n + uint64(j); m <= t.max {
				return m, nil
			}
			break
		}
		P.Add(P, t.giant)
	}
	return 0, fmt.Errorf("%w: the element is not m·G for any m in [0, %d]", ErrOutOfRange, t.max)
}

// DecryptExp decrypts an exponential-ElGamal ciphertext (see [EncryptExp])
// and returns its integer plaintext, which must be at most t.Max(). The
// discrete logarithm runs in variable time: use it only where the result is
// public.
func DecryptExp(sk *PrivateKey, c *Ciphertext, t *DLogTable) (uint64, error) {
	return t.Solve(Decrypt(sk, c))
}
