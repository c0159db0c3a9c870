package shuffle

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

// generatorLabel starts every generator seed.
const generatorLabel = "veche/shuffle/v1/generators"

// generatorSeed returns the public seed of the commitment generators of one
// shuffle:
//
//	"veche/shuffle/v1/generators" || fingerprint (32) || u32(position) || u64(n)
//
// The label is fixed, so the fields after it have fixed offsets and the
// seed is an injective function of (fingerprint, position, n).
func generatorSeed(fp zkp.Fingerprint, position uint32, n int) []byte {
	seed := make([]byte, 0, len(generatorLabel)+zkp.FingerprintSize+4+8)
	seed = append(seed, generatorLabel...)
	seed = append(seed, fp[:]...)
	seed = binary.BigEndian.AppendUint32(seed, position)
	return binary.BigEndian.AppendUint64(seed, uint64(n))
}

// Generators are the commitment generators of the shuffles of n rows at one
// mix position of one election: H_0, the base of the commitment chain, and
// H_1 … H_n, one per row. They are group.DeriveGenerators(seed, n+1) for the
// seed of docs/spec/shuffle.md, section 3 (generator i is H_i), so nobody
// knows a discrete-logarithm relation between them or with G; provers and
// verifiers derive them, and proofs never carry them.
//
// Deriving them costs one hash to the group per row (about 14 µs, spread
// over the workers). A Generators value is read-only and safe for
// concurrent use; keep it, or let a [GeneratorCache] keep it, to check
// several proofs at the same position without deriving them again.
type Generators struct {
	fp       zkp.Fingerprint
	position uint32
	n        int
	seed     []byte
	h        []*group.Element // h[0] = H_0, h[i] = H_i

	tableOnce sync.Once
	h0Table   *group.FixedBase // prover's fixed-base table of H_0
}

// NewGenerators derives the generators for n rows at mix position position
// of the election fp, on up to workers goroutines (below 1: all cores).
func NewGenerators(fp zkp.Fingerprint, position uint32, n, workers int) (*Generators, error) {
	if n < 1 {
		return nil, fmt.Errorf("shuffle: generators for %d rows: %w", n, ErrInvalidInput)
	}
	seed := generatorSeed(fp, position, n)
	h, err := group.DeriveGeneratorsParallel(seed, n+1, workerCount(workers))
	if err != nil {
		return nil, fmt.Errorf("shuffle: deriving generators: %w", err)
	}
	return &Generators{fp: fp, position: position, n: n, seed: seed, h: h}, nil
}

// Len returns the number of rows n the generators are for.
func (g *Generators) Len() int { return g.n }

func (g *Generators) matches(fp zkp.Fingerprint, position uint32, n int) bool {
	return g.fp == fp && g.position == position && g.n == n
}

// table returns the fixed-base table of H_0, built on first use.
func (g *Generators) table() *group.FixedBase {
	g.tableOnce.Do(func() { g.h0Table = group.NewFixedBase(g.h[0]) })
	return g.h0Table
}

// A GeneratorCache keeps the most recently used [Generators], up to a fixed
// number of sets, so that proving and verifying, or verifying the same
// shuffle again, derive them once. It is safe for concurrent use. A set of
// generators for n rows takes about 200·n bytes.
type GeneratorCache struct {
	mu      sync.Mutex
	max     int
	entries []*Generators // most recently used last
}

// NewGeneratorCache returns a cache that keeps up to size sets (at least 1).
func NewGeneratorCache(size int) *GeneratorCache {
	return &GeneratorCache{max: max(size, 1)}
}

// Get returns the generators for (fp, position, n), deriving them on up to
// workers goroutines if the cache does not hold them.
func (c *GeneratorCache) Get(fp zkp.Fingerprint, position uint32, n, workers int) (*Generators, error) {
	if g := c.lookup(fp, position, n); g != nil {
		return g, nil
	}
	g, err := NewGenerators(fp, position, n, workers)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.matches(fp, position, n) {
			return e, nil // derived concurrently by another caller
		}
	}
	if len(c.entries) == c.max {
		c.entries = append(c.entries[:0], c.entries[1:]...)
	}
	c.entries = append(c.entries, g)
	return g, nil
}

func (c *GeneratorCache) lookup(fp zkp.Fingerprint, position uint32, n int) *Generators {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.matches(fp, position, n) {
			c.entries = append(append(c.entries[:i], c.entries[i+1:]...), e)
			return e
		}
	}
	return nil
}
