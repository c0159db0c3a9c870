package shuffle

import (
	"fmt"
	"strings"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

// msmChunk is the largest number of terms given to one multi-scalar
// multiplication: the bucket method needs about 200 bytes per term, so
// larger sums are split (the cost per term hardly changes above 10^5).
const msmChunk = 1 << 19

// Verify checks that proof proves out to be a re-encryption and
// permutation of in under pk, made by the mixer, at the position and in the
// election of p. It re-derives the commitment generators from the public
// seed (or takes them from p.Generators) and recomputes every challenge;
// proofs never carry generators.
//
// It checks the five verification equations of docs/spec/shuffle.md,
// section 8 (Wikström's stand-alone verifier, proof of a shuffle;
// CheckProof of Haenni et al. in commitment form) combined with 128-bit
// weights into one multi-scalar multiplication of about 3 + 2w terms per
// row, plus 2w + 1 with 128-bit scalars, spread over p.Workers goroutines.
// If the combination fails, it checks the equations one by one to name the
// failing ones.
//
// Errors wrap [ErrInvalidProof]; lists of the wrong shape also wrap
// [ErrInvalidInput]. Verify does not detect a mixer that reuses input
// ciphertexts: see [CheckNotLazy].
func Verify(pk *elgamal.PublicKey, in, out []elgamal.VectorCiphertext, proof *Proof, p Params) error {
	n, w, err := checkShapes(in, out)
	if err != nil {
		return fmt.Errorf("%w (%w)", err, ErrInvalidProof)
	}
	if pk == nil {
		return fmt.Errorf("shuffle: missing public key: %w (%w)", ErrInvalidInput, ErrInvalidProof)
	}
	if proof == nil || proof.enc == nil {
		return invalid("missing proof")
	}
	if proof.n != n || proof.w != w {
		return invalid(fmt.Sprintf("proof is for %d rows of width %d, the lists have %d rows of width %d", proof.n, proof.w, n, w))
	}
	g, err := p.generators(n)
	if err != nil {
		return err
	}
	return verify(pk, in, out, proof, &p, g)
}

func invalid(what string) error { return fmt.Errorf("shuffle: %s: %w", what, ErrInvalidProof) }

// A verifier holds the values derived while checking one proof.
// Indices are 0-based: row i is row i+1 of the spec.
type verifier struct {
	n, w, workers int
	pk            *group.Element
	in, out       []elgamal.VectorCiphertext
	p             *Proof
	h             []*group.Element // h[0] = H_0, h[i+1] = H for row i
	e             []group.Scalar   // e_i, 128 bits
	v             group.Scalar
	lam           []group.Scalar // weights: λ_A, λ_C, λ_D, λ_B,0 … λ_B,n-1, λ_F,0 … λ_F,2w-1

	a, sumU group.Element   // A = Σ e_i·U_i, Σ U_i
	f       []group.Element // F = Σ e_i·X_i, as (A, B) pairs
	prodE   group.Scalar    // e_1 ⋯ e_N
}

func (vf *verifier) lamA() *group.Scalar       { return &vf.lam[0] }
func (vf *verifier) lamC() *group.Scalar       { return &vf.lam[1] }
func (vf *verifier) lamD() *group.Scalar       { return &vf.lam[2] }
func (vf *verifier) lamB(i int) *group.Scalar  { return &vf.lam[3+i] }
func (vf *verifier) lamF(j int) *group.Scalar  { return &vf.lam[3+vf.n+j] }
func (vf *verifier) y(i, j int) *group.Element { return component(vf.out[i][j/2], j) }
func (vf *verifier) x(i, j int) *group.Element { return component(vf.in[i][j/2], j) }
func component(c *elgamal.Ciphertext, j int) *group.Element {
	if j%2 == 0 {
		return c.A
	}
	return c.B
}

func verify(pk *elgamal.PublicKey, in, out []elgamal.VectorCiphertext, proof *Proof, p *Params, g *Generators) error {
	n, w := proof.n, proof.w
	l := layout{n, w}
	st := newStatement(pk, in, out, p, g, n, w)
	t := st.transcript()
	vf := &verifier{n: n, w: w, workers: p.Workers, pk: pk.Element(), in: in, out: out, p: proof, h: g.h}
	vf.e = challengeE(t, l, proof.enc)
	vf.v.Set(challengeV(t, l, proof.enc))
	vf.lam = batchWeights(t, l, proof.enc, 3+n+2*w)

	// The sums with the 128-bit challenges as scalars.
	es := make([]*group.Scalar, n)
	vf.prodE.SetUint64(1)
	for i := range es {
		es[i] = &vf.e[i]
		vf.prodE.Multiply(&vf.prodE, &vf.e[i])
	}
	elems := make([]*group.Element, n)
	for i := range elems {
		elems[i] = &proof.u[i]
	}
	vf.a.Set(msm(es, elems, vf.workers))
	vf.sumU.Set(sum(elems, vf.workers))
	vf.f = make([]group.Element, 2*w)
	for j := range vf.f {
		for i := range elems {
			elems[i] = vf.x(i, j)
		}
		vf.f[j].Set(msm(es, elems, vf.workers))
	}

	if vf.combined().IsIdentity() {
		return nil
	}
	fails, all := vf.failures()
	switch {
	case len(fails) == 0:
		return invalid("the combined verification equation does not hold")
	case len(fails) == all:
		// New challenges: the proof is for another statement or was changed.
		return invalid("no verification equation holds (the proof was made for other lists, another public key, election, position or mixer, or was modified)")
	}
	return fmt.Errorf("shuffle: %s: %w", strings.Join(fails, "; "), ErrInvalidProof)
}

// combined returns the weighted sum of the five equations (each written as
// Σ s·P = O), computed by row chunks:
//
//	λ_A·(v·A + A' − k_A·G − Σ k_E,i·H_i)
//	+ Σ_i λ_B,i·(v·B_i + B'_i − k_B,i·G − k_E,i·B_{i-1})
//	+ λ_C·(v·(Σ U_i − Σ H_i) + C' − k_C·G)
//	+ λ_D·(v·(B_N − (∏ e_i)·H_0) + D' − k_D·G)
//	+ Σ_j λ_F,j·(v·F_j + F'_j − Σ k_E,i·Y_i,j + k_F·(G or pk))
func (vf *verifier) combined() *group.Element {
	n, w, p := vf.n, vf.w, vf.p
	perRow := 3 + 2*w
	total := group.NewElement()

	// Terms that are not per row.
	var fixed terms
	gc := new(group.Scalar)
	gc.Multiply(vf.lamA(), &p.kA)
	gc.MultiplyAdd(vf.lamC(), &p.kC, gc)
	gc.MultiplyAdd(vf.lamD(), &p.kD, gc)
	for i := range n {
		gc.MultiplyAdd(vf.lamB(i), &p.kB[i], gc)
	}
	gc.Negate(gc)
	pkc := new(group.Scalar)
	for k := range w {
		gc.MultiplyAdd(vf.lamF(2*k), &p.kF[k], gc)
		pkc.MultiplyAdd(vf.lamF(2*k+1), &p.kF[k], pkc)
	}
	fixed.add(gc, group.NewGeneratorElement())
	fixed.add(pkc, vf.pk)
	h0 := new(group.Scalar).Multiply(vf.lamB(0), &p.kE[0])
	h0.MultiplyAdd(new(group.Scalar).Multiply(vf.lamD(), &vf.v), &vf.prodE, h0)
	fixed.add(h0.Negate(h0), vf.h[0])
	fixed.add(new(group.Scalar).Multiply(vf.lamA(), &vf.v), &vf.a)
	fixed.add(new(group.Scalar).Multiply(vf.lamC(), &vf.v), &vf.sumU)
	fixed.add(vf.lamA(), &p.ap)
	fixed.add(vf.lamC(), &p.cp)
	fixed.add(vf.lamD(), &p.dp)
	for j := range 2 * w {
		fixed.add(new(group.Scalar).Multiply(vf.lamF(j), &vf.v), &vf.f[j])
		fixed.add(vf.lamF(j), &p.fp[j])
	}
	total.Add(total, msm(fixed.s, fixed.e, vf.workers))

	// Per row i: H_i, B_i, B'_i and the 2w components of Y_i.
	rowsPerChunk := max(1, msmChunk/perRow)
	m := min(n, rowsPerChunk)
	sc := make([]group.Scalar, m*perRow)
	sp := make([]*group.Scalar, m*perRow)
	ep := make([]*group.Element, m*perRow)
	for i := range sc {
		sp[i] = &sc[i]
	}
	var lamCv group.Scalar
	lamCv.Multiply(vf.lamC(), &vf.v)
	for lo := 0; lo < n; lo += rowsPerChunk {
		hi := min(lo+rowsPerChunk, n)
		c := newChunking(hi-lo, grainFor(hi-lo, vf.workers, 256))
		forChunks(c, vf.workers, func(_, a, b int) error {
			var t group.Scalar
			for r := a; r < b; r++ {
				i := lo + r
				s, e := sc[r*perRow:(r+1)*perRow], ep[r*perRow:(r+1)*perRow]
				// H_i: −(λ_A·k_E,i + λ_C·v)
				s[0].MultiplyAdd(vf.lamA(), &p.kE[i], &lamCv)
				s[0].Negate(&s[0])
				e[0] = vf.h[i+1]
				// B_i: λ_B,i·v − λ_B,i+1·k_E,i+1, or (λ_B,N + λ_D)·v for the last
				if i < n-1 {
					t.Multiply(vf.lamB(i+1), &p.kE[i+1])
					s[1].Multiply(vf.lamB(i), &vf.v)
					s[1].Subtract(&s[1], &t)
				} else {
					t.Add(vf.lamB(i), vf.lamD())
					s[1].Multiply(&t, &vf.v)
				}
				e[1] = &p.b[i]
				// B'_i: λ_B,i
				s[2].Set(vf.lamB(i))
				e[2] = &p.bp[i]
				// Y_i,j: −λ_F,j·k_E,i
				for j := range 2 * w {
					s[3+j].Multiply(vf.lamF(j), &p.kE[i])
					s[3+j].Negate(&s[3+j])
					e[3+j] = vf.y(i, j)
				}
			}
			return nil
		})
		k := (hi - lo) * perRow
		total.Add(total, msm(sp[:k], ep[:k], vf.workers))
	}
	return total
}

// failures checks each verification equation on its own and returns the
// names of those that do not hold, and the number of equations checked.
func (vf *verifier) failures() ([]string, int) {
	n, w, p, v := vf.n, vf.w, vf.p, &vf.v
	one := new(group.Scalar).SetUint64(1)
	neg := func(s *group.Scalar) *group.Scalar { return new(group.Scalar).Negate(s) }
	G := group.NewGeneratorElement()
	var out []string
	checked := 0
	check := func(t *terms, name string) {
		checked++
		if !msm(t.s, t.e, vf.workers).IsIdentity() {
			out = append(out, name)
		}
	}

	// (1) v·A + A' = k_A·G + Σ k_E,i·H_i
	var t1 terms
	t1.add(v, &vf.a).add(one, &p.ap).add(neg(&p.kA), G)
	for i := range n {
		t1.add(neg(&p.kE[i]), vf.h[i+1])
	}
	check(&t1, "equation 1 (permutation commitment): v·A + A' ≠ k_A·G + Σ k_E,i·H_i")

	// (2) v·B_i + B'_i = k_B,i·G + k_E,i·B_{i-1}, weighted by λ_B,i.
	var t2 terms
	gc := new(group.Scalar)
	for i := range n {
		lam := vf.lamB(i)
		t2.add(new(group.Scalar).Multiply(lam, v), &p.b[i]).add(lam, &p.bp[i])
		gc.MultiplyAdd(lam, &p.kB[i], gc)
		prev := vf.h[0]
		if i > 0 {
			prev = &p.b[i-1]
		}
		t2.add(neg(new(group.Scalar).Multiply(lam, &p.kE[i])), prev)
	}
	t2.add(neg(gc), G)
	check(&t2, "equation 2 (commitment chain): v·B_i + B'_i ≠ k_B,i·G + k_E,i·B_{i-1}")

	// (3) v·C + C' = k_C·G with C = Σ U_i − Σ H_i.
	var t3 terms
	t3.add(v, &vf.sumU).add(one, &p.cp).add(neg(&p.kC), G)
	negV := neg(v)
	for i := range n {
		t3.add(negV, vf.h[i+1])
	}
	check(&t3, "equation 3 (permutation commitment sum): v·C + C' ≠ k_C·G")

	// (4) v·D + D' = k_D·G with D = B_N − (∏ e_i)·H_0.
	var t4 terms
	t4.add(v, &p.b[n-1]).add(neg(new(group.Scalar).Multiply(v, &vf.prodE)), vf.h[0])
	t4.add(one, &p.dp).add(neg(&p.kD), G)
	check(&t4, "equation 4 (chain end): v·D + D' ≠ k_D·G")

	// (5) v·F_k + F'_k = Σ k_E,i·Y_i,k − (k_F,k·G, k_F,k·pk), per element.
	for j := range 2 * w {
		var t5 terms
		base := G
		if j%2 == 1 {
			base = vf.pk
		}
		t5.add(v, &vf.f[j]).add(one, &p.fp[j]).add(&p.kF[j/2], base)
		for i := range n {
			t5.add(neg(&p.kE[i]), vf.y(i, j))
		}
		check(&t5, fmt.Sprintf("equation 5 (re-encryption, component %d.%c): v·F + F' ≠ Σ k_E,i·Y_i − Enc(0; k_F)", j/2+1, "AB"[j%2]))
	}
	return out, checked
}

// terms collects the terms of a multi-scalar multiplication.
type terms struct {
	s []*group.Scalar
	e []*group.Element
}

func (t *terms) add(s *group.Scalar, e *group.Element) *terms {
	t.s = append(t.s, s)
	t.e = append(t.e, e)
	return t
}

// msm returns Σ scalars[i]·elements[i] in variable time (public data only),
// in chunks of at most msmChunk terms.
func msm(scalars []*group.Scalar, elements []*group.Element, workers int) *group.Element {
	total := group.NewElement()
	for lo := 0; lo < len(scalars); lo += msmChunk {
		hi := min(lo+msmChunk, len(scalars))
		part, err := new(group.Element).VarTimeMultiScalarMultParallel(scalars[lo:hi], elements[lo:hi], workerCount(workers))
		if err != nil {
			panic("shuffle: internal error: " + err.Error())
		}
		total.Add(total, part)
	}
	return total
}

// sum returns Σ elements[i], in parallel.
func sum(elements []*group.Element, workers int) *group.Element {
	c := newChunking(len(elements), grainFor(len(elements), workers, 1024))
	parts := identities(c.count())
	forChunks(c, workers, func(k, lo, hi int) error {
		for i := lo; i < hi; i++ {
			parts[k].Add(&parts[k], elements[i])
		}
		return nil
	})
	total := group.NewElement()
	for i := range parts {
		total.Add(total, &parts[i])
	}
	return total
}
