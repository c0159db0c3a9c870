package group

import (
	"encoding/binary"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// DeriveGeneratorsParallel returns the same generators as
// [DeriveGenerators](seed, n), byte for byte, computed by up to workers
// goroutines; workers < 1 means runtime.GOMAXPROCS(0). Each generator is
// one [HashToElement] (about 9 µs), so the 100,001 generators of a shuffle
// of 100,000 rows cost 1.4 s of CPU time: this spreads it over the cores.
// The goroutines take blocks of indices in turn, so that a core slowed down
// by other processes takes fewer.
func DeriveGeneratorsParallel(seed []byte, n, workers int) ([]*Element, error) {
	if n < 0 || len(seed) > 1<<20 {
		return nil, errors.New("group: generator derivation: bad count or seed length")
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	const block = 256
	blocks := (n + block - 1) / block
	workers = max(1, min(workers, blocks))
	// One backing array: n small allocations would cost more than the
	// elements' own arithmetic at n = 10^6.
	backing := make([]Element, n)
	out := make([]*Element, n)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range workers {
		wg.Go(func() {
			msg := make([]byte, 4+len(seed)+8)
			binary.BigEndian.PutUint32(msg, uint32(len(seed)))
			copy(msg[4:], seed)
			for {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				for i := b * block; i < min((b+1)*block, n); i++ {
					binary.BigEndian.PutUint64(msg[4+len(seed):], uint64(i))
					// HashToElement, into the backing array.
					u, err := ExpandMessageXMD([]byte(GeneratorDST), msg, 64)
					if err == nil {
						_, err = backing[i].SetUniformBytes(u)
					}
					if err != nil {
						errOnce.Do(func() { firstErr = err })
						return
					}
					out[i] = &backing[i]
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
