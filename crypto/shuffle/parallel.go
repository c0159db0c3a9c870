package shuffle

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// workerCount resolves the Workers option: below 1 means
// runtime.GOMAXPROCS(0).
func workerCount(w int) int {
	if w < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}

// chunking splits [0, n) into chunks of at most grain items.
type chunking struct{ n, grain int }

func newChunking(n, grain int) chunking { return chunking{n: n, grain: max(grain, 1)} }

func (c chunking) count() int { return (c.n + c.grain - 1) / c.grain }

func (c chunking) bounds(k int) (lo, hi int) {
	lo = k * c.grain
	return lo, min(lo+c.grain, c.n)
}

// forChunks calls f(k, lo, hi) for every chunk k of c, on up to workers
// goroutines that take chunks in turn (so that a core slowed down by other
// processes takes fewer). It returns the error of the lowest-numbered chunk
// that failed; chunks not yet started when an error occurs are skipped.
func forChunks(c chunking, workers int, f func(k, lo, hi int) error) error {
	count := c.count()
	if count == 0 {
		return nil
	}
	workers = min(workerCount(workers), count)
	errs := make([]error, count)
	if workers == 1 {
		for k := range count {
			lo, hi := c.bounds(k)
			if errs[k] = f(k, lo, hi); errs[k] != nil {
				return errs[k]
			}
		}
		return nil
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				k := int(next.Add(1) - 1)
				if k >= count {
					return
				}
				lo, hi := c.bounds(k)
				if errs[k] = f(k, lo, hi); errs[k] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// grainFor returns a chunk size for n items of similar cost: about eight
// chunks per worker, at least min items each.
func grainFor(n, workers, minGrain int) int {
	return max(minGrain, n/(8*workerCount(workers))+1)
}
