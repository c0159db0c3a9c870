package threshold

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/veche/veche/crypto/group"
)

// forChunks calls f(lo, hi) for the consecutive chunks [lo, hi) of [0, n),
// each at most size long, on up to GOMAXPROCS goroutines that take chunks
// in turn. It returns when every call has returned.
func forChunks(n, size int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	size = max(size, 1)
	chunks := (n + size - 1) / size
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for lo := 0; lo < n; lo += size {
			f(lo, min(lo+size, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * size
				f(lo, min(lo+size, n))
			}
		})
	}
	wg.Wait()
}

// chunkSize returns the chunk length for n items of a parallel loop: small
// enough that every core gets work, at most max items.
func chunkSize(n, maxSize int) int {
	w := runtime.GOMAXPROCS(0)
	return max(1, min(maxSize, (n+w-1)/w))
}

// Chunk bounds of the parallel loops. A multi-scalar multiplication chunk
// is large because the bucket method's cost per term falls with the
// number of terms; scalar multiplication and encoding chunks are small so
// that both cores stay busy to the end.
const (
	msmChunk  = 1 << 15
	workChunk = 256
)

// encodeElements returns the concatenated canonical encodings of es,
// computed in parallel (an encoding costs an inverse square root unless
// the element was decoded).
func encodeElements(n int, at func(i int) *group.Element) []byte {
	out := make([]byte, n*group.ElementSize)
	forChunks(n, chunkSize(n, workChunk*4), func(lo, hi int) {
		var buf [group.ElementSize]byte
		for i := lo; i < hi; i++ {
			copy(out[i*group.ElementSize:], at(i).AppendBytes(buf[:0]))
		}
	})
	return out
}

// weights128 converts 16-byte little-endian challenge blocks e[16i:16i+16],
// for i in [lo, hi), into scalars (each below 2^128).
func weights128(dst []group.Scalar, e []byte, lo, hi int) {
	var buf [32]byte
	for i := lo; i < hi; i++ {
		copy(buf[:16], e[16*i:16*i+16])
		if _, err := dst[i-lo].SetCanonicalBytes(buf[:]); err != nil {
			panic("threshold: internal error: 128-bit weight rejected")
		}
	}
}

// msm128 returns Σ e_i·P_i over all n points, with 128-bit weights e_i
// taken from e (16 bytes each), computed in parallel chunks.
func msm128(e []byte, n int, at func(i int) *group.Element) *group.Element {
	size := chunkSize(n, msmChunk)
	var mu sync.Mutex
	sum := group.NewElement()
	forChunks(n, size, func(lo, hi int) {
		ws := make([]group.Scalar, hi-lo)
		weights128(ws, e, lo, hi)
		ss := make([]*group.Scalar, hi-lo)
		ps := make([]*group.Element, hi-lo)
		for i := lo; i < hi; i++ {
			ss[i-lo], ps[i-lo] = &ws[i-lo], at(i)
		}
		part, _ := new(group.Element).VarTimeMultiScalarMult(ss, ps)
		mu.Lock()
		sum.Add(sum, part)
		mu.Unlock()
	})
	return sum
}
