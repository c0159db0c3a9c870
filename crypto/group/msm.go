package group

import (
	"errors"
	"runtime"
	"sync"

	"filippo.io/edwards25519"
)

// errMSMLength is returned when a multi-scalar multiplication gets slices of
// different lengths.
var errMSMLength = errors.New("group: multi-scalar multiplication needs as many scalars as elements")

// msmStrausMax is the largest number of terms for which
// [Element.VarTimeMultiScalarMult] uses Straus's method
// (filippo.io/edwards25519's VarTimeMultiScalarMult); above it the Pippenger
// bucket method is faster. With the bucket additions in BMI2+ADX assembly
// the two cost the same at about 32 terms; on the pure-Go field (purego
// builds, CPUs without ADX) at 64 to 128. Measured in
// docs/decisions/0002-msm.md (2026-11-24 re-measurement).
func msmStrausMax() int {
	if fe64UseADX {
		return 32
	}
	return 96
}

// VarTimeMultiScalarMult sets e = Σ scalars[i]·elements[i] and returns e. It
// runs in variable time: use it only with public inputs. It returns an error
// if the slices differ in length; an empty sum is the identity.
//
// Up to a measured number of terms it uses Straus's method; above it the
// bucket method of Pippenger with signed digits (Bernstein, Doumen, Lange and
// Oosterwijk, "Faster batch forgery identification", INDOCRYPT 2012,
// Section 4), which costs about 3.8 µs per term at 10,000 terms and 3.4 µs
// at 100,000 on one core of the development machine, against 12–18 µs for
// Straus. docs/decisions/0002-msm.md and 0013 record the figures.
func (e *Element) VarTimeMultiScalarMult(scalars []*Scalar, elements []*Element) (*Element, error) {
	return e.VarTimeMultiScalarMultParallel(scalars, elements, 1)
}

// VarTimeMultiScalarMultParallel is [Element.VarTimeMultiScalarMult] spread
// over up to workers goroutines; workers < 1 means runtime.GOMAXPROCS(0). The
// result is the same; only large sums (Pippenger's range) are split.
func (e *Element) VarTimeMultiScalarMultParallel(scalars []*Scalar, elements []*Element, workers int) (*Element, error) {
	if len(scalars) != len(elements) {
		return nil, errMSMLength
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	e.encOK = false
	if len(scalars) <= msmStrausMax() {
		varTimeStraus(&e.p, scalars, elements)
		return e, nil
	}
	pippenger(&e.p, scalars, elements, msmWindow(len(scalars)), workers)
	return e, nil
}

// varTimeStraus sets out = Σ scalars[i]·elements[i] with
// filippo.io/edwards25519's Straus implementation.
func varTimeStraus(out *edwards25519.Point, scalars []*Scalar, elements []*Element) {
	ss := make([]*edwards25519.Scalar, len(scalars))
	ps := make([]*edwards25519.Point, len(elements))
	for i := range scalars {
		ss[i] = &scalars[i].s
		ps[i] = &elements[i].p
	}
	out.VarTimeMultiScalarMult(ss, ps)
}

// msmWindows is the window size c of the bucket method by number of terms:
// the first entry whose bound is ≥ n applies. Measured on one core
// (BenchmarkPippengerWindow); see docs/decisions/0002-msm.md.
var msmWindows = []struct {
	maxTerms int
	c        uint
}{
	{160, 5},
	{448, 6},
	{896, 7},
	{2560, 8},
	{5120, 9},
	{8192, 10},
	{20000, 11},
	{49152, 12},
	{160000, 13},
	{600000, 14},
	{1 << 62, 15},
}

// msmWindow returns the window size for n terms.
func msmWindow(n int) uint {
	for _, w := range msmWindows {
		if n <= w.maxTerms {
			return w.c
		}
	}
	return msmWindows[len(msmWindows)-1].c
}

// scalarBits is the number of bits the bucket method recodes. Scalars are
// below ℓ < 2^253; one ≥ 2^252 is replaced by ℓ − s < 2^125 on the negated
// point, so every recoded scalar is below 2^252.
const scalarBits = 252

// pippenger sets out = Σ scalars[i]·elements[i] with the bucket method and
// c-bit signed windows.
//
// Each scalar s < 2^252 is written as Σ_j d_j·2^(c·j) with digits
// −2^(c−1) < d_j ≤ 2^(c−1), in ⌈253/c⌉ windows (the last window takes a
// final carry without overflowing). For each window j, the point of every
// term with d_j ≠ 0 is added to (or subtracted from) bucket |d_j|, and
// S_j = Σ_k k·B_k is formed with two running sums. The result is
// Σ_j 2^(c·j)·S_j, evaluated by Horner's rule with c doublings per window.
//
// The point arithmetic is on fe64 (fe64_point.go): each term's point is
// converted to it once, as an affine cached point, and the sum back once.
// Where fe64's assembly runs, a bucket addition (seven multiplications) and
// an addition of two extended points (nine) are one assembly call each
// (docs/decisions/0013).
func pippenger(out *edwards25519.Point, scalars []*Scalar, elements []*Element, c uint, workers int) {
	n := len(scalars)
	windows := int((scalarBits + c) / c) // ⌈(scalarBits+1)/c⌉
	if workers > windows {
		workers = windows
	}

	// Per term: the affine cached point on fe64 and the digits,
	// window-major so that one window's pass over the terms reads memory in
	// order. The affine points are computed on field.Element (one shared
	// inversion per chunk) and converted to fe64 once each.
	points := make([]affine64, n)
	digits := make([]int32, windows*n)
	parallel(n, workers, func(lo, hi int) {
		const chunk = 1024
		neg := make([]bool, min(chunk, hi-lo))
		affine := make([]affineCached, min(chunk, hi-lo))
		for clo := lo; clo < hi; clo += chunk {
			chi := min(clo+chunk, hi)
			for i := clo; i < chi; i++ {
				neg[i-clo] = recodeScalar(digits, i, n, scalars[i], c, windows)
			}
			batchToAffine(affine[:chi-clo], elements[clo:chi], neg[:chi-clo])
			for i := clo; i < chi; i++ {
				points[i].fromAffineCached(&affine[i-clo])
			}
		}
	})

	// Window sums, computed independently, window j by worker j mod workers.
	sums := make([]ext64, windows)
	sumWindows := func(w int) {
		buckets := make([]ext64, 1<<(c-1))
		used := make([]bool, 1<<(c-1))
		for j := w; j < windows; j += workers {
			windowSum(&sums[j], points, digits[j*n:(j+1)*n], buckets, used)
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
	acc := sums[windows-1]
	for j := windows - 2; j >= 0; j-- {
		for range c {
			acc.double()
		}
		acc.addExt(&sums[j])
	}
	var res extPoint
	acc.toExt(&res).toEdwards(out)
}

// parallel runs f over [0, n) split into workers contiguous chunks.
func parallel(n, workers int, f func(lo, hi int)) {
	if workers <= 1 || n < 2*workers {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}

// recodeScalar writes the c-bit signed digits of scalars[i] (or of its
// negation, when the scalar is ≥ 2^252) to digits[j*n+i] for each window j,
// and reports whether it negated.
func recodeScalar(digits []int32, i, n int, s *Scalar, c uint, windows int) bool {
	b := s.s.Bytes()
	neg := b[31]&0x10 != 0 // bit 252
	if neg {
		var t Scalar
		b = t.Negate(s).s.Bytes()
	}
	var limbs [4]uint64
	for k := range limbs {
		for m := 7; m >= 0; m-- {
			limbs[k] = limbs[k]<<8 | uint64(b[8*k+m])
		}
	}
	mask := uint64(1)<<c - 1
	half := int32(1) << (c - 1)
	carry := int32(0)
	for j := range windows {
		off := uint(j) * c
		k, sh := off/64, off%64
		v := limbs[k] >> sh
		if sh+c > 64 && k < 3 {
			v |= limbs[k+1] << (64 - sh)
		}
		d := int32(v&mask) + carry
		carry = 0
		if d > half {
			d -= 1 << c
			carry = 1
		}
		digits[j*n+i] = d
	}
	if carry != 0 {
		panic("group: internal error: signed-digit recoding overflowed")
	}
	return neg
}

// windowSum sets out = Σ_k k·B_k, where bucket B_k collects the points whose
// digit is ±k. buckets and used are scratch space of 2^(c−1) entries.
func windowSum(out *ext64, points []affine64, digits []int32, buckets []ext64, used []bool) {
	clear(used)
	for i, d := range digits {
		switch {
		case d > 0:
			k := d - 1
			if used[k] {
				buckets[k].addAffine(&points[i])
			} else {
				buckets[k].setAffine(&points[i], false)
				used[k] = true
			}
		case d < 0:
			k := -d - 1
			if used[k] {
				buckets[k].subAffine(&points[i])
			} else {
				buckets[k].setAffine(&points[i], true)
				used[k] = true
			}
		}
	}

	// running = Σ_{m ≥ k} B_m; sum = Σ_k running_k = Σ_k k·B_k.
	var running, sum ext64
	haveRunning, haveSum := false, false
	for k := len(buckets) - 1; k >= 0; k-- {
		if used[k] {
			if haveRunning {
				running.addExt(&buckets[k])
			} else {
				running = buckets[k]
				haveRunning = true
			}
		}
		if !haveRunning {
			continue
		}
		if haveSum {
			sum.addExt(&running)
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
