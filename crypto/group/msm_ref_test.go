package group

import (
	"sync"

	"filippo.io/edwards25519"
)

// pippengerFilippo is the bucket method as it was before it moved to fe64
// (docs/decisions/0013), on filippo.io/edwards25519/field: the reference the
// fe64 code is tested against. It sets out = Σ scalars[i]·elements[i] with the bucket method and
// c-bit signed windows.
//
// Each scalar s < 2^252 is written as Σ_j d_j·2^(c·j) with digits
// −2^(c−1) < d_j ≤ 2^(c−1), in ⌈253/c⌉ windows (the last window takes a
// final carry without overflowing). For each window j, the point of every
// term with d_j ≠ 0 is added to (or subtracted from) bucket |d_j|, and
// S_j = Σ_k k·B_k is formed with two running sums. The result is
// Σ_j 2^(c·j)·S_j, evaluated by Horner's rule with c doublings per window.
func pippengerFilippo(out *edwards25519.Point, scalars []*Scalar, elements []*Element, c uint, workers int) {
	n := len(scalars)
	windows := int((scalarBits + c) / c) // ⌈(scalarBits+1)/c⌉
	if workers > windows {
		workers = windows
	}

	// Per term: the affine cached point and the digits, window-major so that
	// one window's pass over the terms reads memory in order.
	points := make([]affineCached, n)
	digits := make([]int32, windows*n)
	parallel(n, workers, func(lo, hi int) {
		neg := make([]bool, hi-lo)
		for i := lo; i < hi; i++ {
			neg[i-lo] = recodeScalar(digits, i, n, scalars[i], c, windows)
		}
		batchToAffine(points[lo:hi], elements[lo:hi], neg)
	})

	// Window sums, computed independently, window j by worker j mod workers.
	sums := make([]extPoint, windows)
	sumWindows := func(w int) {
		buckets := make([]extPoint, 1<<(c-1))
		used := make([]bool, 1<<(c-1))
		for j := w; j < windows; j += workers {
			windowSumFilippo(&sums[j], points, digits[j*n:(j+1)*n], buckets, used)
		}
	}
	if workers == 1 {
		sumWindows(0)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { sumWindows(w) })
		}
		wg.Wait()
	}

	// Horner: acc = Σ_j 2^(c·j)·S_j.
	var acc extPoint
	var cp completedPoint
	var cached cachedPoint
	acc = sums[windows-1]
	for j := windows - 2; j >= 0; j-- {
		for range c {
			acc.fromCompleted(cp.double(&acc))
		}
		acc.fromCompleted(cp.add(&acc, cached.fromExt(&sums[j])))
	}
	acc.toEdwards(out)
}

// windowSumFilippo is windowSum on field.Element. It sets out = Σ_k k·B_k, where bucket B_k collects the points whose
// digit is ±k. buckets and used are scratch space of 2^(c−1) entries.
func windowSumFilippo(out *extPoint, points []affineCached, digits []int32, buckets []extPoint, used []bool) {
	clear(used)
	var cp completedPoint
	for i, d := range digits {
		switch {
		case d > 0:
			k := d - 1
			if used[k] {
				buckets[k].fromCompleted(cp.addAffine(&buckets[k], &points[i]))
			} else {
				buckets[k].setAffine(&points[i], false)
				used[k] = true
			}
		case d < 0:
			k := -d - 1
			if used[k] {
				buckets[k].fromCompleted(cp.subAffine(&buckets[k], &points[i]))
			} else {
				buckets[k].setAffine(&points[i], true)
				used[k] = true
			}
		}
	}

	// running = Σ_{m ≥ k} B_m; sum = Σ_k running_k = Σ_k k·B_k.
	var running, sum extPoint
	var cached cachedPoint
	haveRunning, haveSum := false, false
	for k := len(buckets) - 1; k >= 0; k-- {
		if used[k] {
			if haveRunning {
				running.fromCompleted(cp.add(&running, cached.fromExt(&buckets[k])))
			} else {
				running = buckets[k]
				haveRunning = true
			}
		}
		if !haveRunning {
			continue
		}
		if haveSum {
			sum.fromCompleted(cp.add(&sum, cached.fromExt(&running)))
		} else {
			sum = running
			haveSum = true
		}
	}
	if !haveSum {
		sum.identity()
	}
	*out = sum
}
