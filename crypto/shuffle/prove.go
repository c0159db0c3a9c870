package shuffle

import (
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

// errZeroNonce is the (probability 2^-252 per nonce) failure of a prover
// whose nonce stream yields zero.
var errZeroNonce = errors.New("shuffle: internal error: zero nonce")

// Prove proves that out is the shuffle of in described by wit (from
// [Shuffle]) under pk, for the mixer, position and election of p, with
// nonces derived from 32 bytes of rand (crypto/rand.Reader if nil), the
// statement and the witness (docs/spec/shuffle.md, section 6).
//
// It is the proof of a shuffle of Terelius and Wikström ("Proofs of
// restricted shuffles", Africacrypt 2010) in the form of Wikström's "How To
// Implement A Stand-Alone Verifier for the Verificatum Mix-Net" (the proof
// of a shuffle of ciphertexts: commitments A', B', C', D', F' and responses
// k_A … k_F) with the commitment chain computed as in Haenni, Locher,
// Koenig and Dubuis, "Pseudo-Code Algorithms for Verifiable Re-Encryption
// Mix-Nets" (GenProof): B_i = R_i·G + (e'_1 ⋯ e'_i)·H_0, so that every
// exponentiation with a secret exponent has a fixed base except those of A'
// and F'. Rows of width w are handled in the product group: one
// permutation, one proof, and F' and k_F with w components.
//
// Every multiplication by a secret scalar runs in constant time:
// ScalarBaseMult and fixed-base tables for G, H_0 and pk, ScalarMult for
// the nonce terms of A' and F' (the variable-time multi-scalar
// multiplication is used only by the verifier). The permutation is applied
// by array indexing (see [Shuffle]).
//
// Prove checks the shapes of in, out and wit but not that out is the
// shuffle wit describes; a proof for a wrong witness fails [Verify].
func Prove(rand io.Reader, pk *elgamal.PublicKey, in, out []elgamal.VectorCiphertext, wit *Witness, p Params) (*Proof, error) {
	n, w, err := checkShapes(in, out)
	if err != nil {
		return nil, err
	}
	if pk == nil {
		return nil, fmt.Errorf("shuffle: missing public key: %w", ErrInvalidInput)
	}
	if err := wit.check(n, w); err != nil {
		return nil, err
	}
	g, err := p.generators(n)
	if err != nil {
		return nil, err
	}
	return prove(rand, pk, in, out, wit, &p, g, nil)
}

// ShuffleAndProve is [Shuffle] followed by [Prove], with the same
// randomness source and generators: it returns the output rows and their
// proof, and discards the witness.
func ShuffleAndProve(rand io.Reader, pk *elgamal.PublicKey, in []elgamal.VectorCiphertext, p Params) ([]elgamal.VectorCiphertext, *Proof, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	out, wit, err := Shuffle(rand, pk, in, p)
	if err != nil {
		return nil, nil, err
	}
	defer wit.erase()
	g, err := p.generators(len(in))
	if err != nil {
		return nil, nil, err
	}
	proof, err := prove(rand, pk, in, out, wit, &p, g, nil)
	if err != nil {
		return nil, nil, err
	}
	return out, proof, nil
}

// check validates the witness's shape against n rows of width w: psi must
// be a permutation of [0, n) and rho hold n·w scalars.
func (wit *Witness) check(n, w int) error {
	if wit == nil {
		return fmt.Errorf("shuffle: missing witness: %w", ErrInvalidInput)
	}
	if wit.n != n || wit.w != w || len(wit.psi) != n || len(wit.rho) != n*w {
		return fmt.Errorf("shuffle: witness is for %d rows of width %d, lists have %d rows of width %d: %w", wit.n, wit.w, n, w, ErrInvalidInput)
	}
	seen := make([]bool, n)
	for _, j := range wit.psi {
		if j < 0 || j >= n || seen[j] {
			return fmt.Errorf("shuffle: witness permutation is not a permutation: %w", ErrInvalidInput)
		}
		seen[j] = true
	}
	return nil
}

// erase overwrites the witness's randomness and permutation.
func (wit *Witness) erase() {
	clear(wit.rho)
	clear(wit.psi)
}

// proverHooks lets tests act as a dishonest prover: tamper is called after
// each family of commitments is computed and before it is encoded and
// hashed ("U", "B", "A'", "B'", "C'", "D'", "F'"). trace, if not nil,
// receives the challenges.
type proverHooks struct {
	tamper func(stage string, p *Proof)
	trace  *proofTrace
}

// proofTrace records a proof's intermediate values for the test vectors.
type proofTrace struct {
	random [32]byte
	e      []group.Scalar
	v      group.Scalar
}

func (hk *proverHooks) after(stage string, p *Proof) {
	if hk != nil && hk.tamper != nil {
		hk.tamper(stage, p)
	}
}

// prove computes the proof; the shapes are checked by the caller and g
// holds the generators to use. Notation and steps: docs/spec/shuffle.md,
// section 6 (indices here are 0-based: row i is row i+1 of the spec, and
// g.h[i+1] is its generator).
func prove(rand io.Reader, pk *elgamal.PublicKey, in, out []elgamal.VectorCiphertext, wit *Witness, p *Params, g *Generators, hk *proverHooks) (*Proof, error) {
	n, w, workers := wit.n, wit.w, p.Workers
	if rand == nil {
		rand = cryptorand.Reader
	}
	var rnd [32]byte
	if _, err := io.ReadFull(rand, rnd[:]); err != nil {
		return nil, fmt.Errorf("shuffle: reading randomness: %w", err)
	}
	if hk != nil && hk.trace != nil {
		hk.trace.random = rnd
	}
	st := newStatement(pk, in, out, p, g, n, w)

	// The nonces, in the order of the spec: r, R, α, β, γ, δ, ε, φ.
	ns := newNonceStream(st, wit, rnd[:])
	r := make([]group.Scalar, n)    // r_j, by input row: U_j = r_j·G + H_{ψ⁻¹(j)}
	R := make([]group.Scalar, n)    // R_i: B_i = R_i·G + E_i·H_0
	beta := make([]group.Scalar, n) // β_i
	eps := make([]group.Scalar, n)  // ε_i
	phi := make([]group.Scalar, w)  // φ_k
	var alpha, gamma, delta group.Scalar
	ns.fill(r)
	ns.fill(R)
	ns.next(&alpha)
	ns.fill(beta)
	ns.next(&gamma)
	ns.next(&delta)
	ns.fill(eps)
	ns.fill(phi)
	defer func() {
		for _, s := range [][]group.Scalar{r, R, beta, eps, phi} {
			clear(s)
		}
		alpha, gamma, delta = group.Scalar{}, group.Scalar{}, group.Scalar{}
	}()
	for _, s := range [][]group.Scalar{r, R, beta, eps, phi, {alpha, gamma, delta}} {
		for i := range s {
			if s[i].IsZero() {
				return nil, errZeroNonce
			}
		}
	}

	l := layout{n, w}
	pr := newProof(n, w)
	pr.enc = make([]byte, l.size())
	rows := newChunking(n, grainFor(n, workers, 16))

	// Permutation commitment: U_ψ(i) = r_ψ(i)·G + H_i.
	err := forChunks(rows, workers, func(_, lo, hi int) error {
		var t group.Element
		for i := lo; i < hi; i++ {
			j := wit.psi[i]
			pr.u[j].Add(t.ScalarBaseMult(&r[j]), g.h[i+1])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	hk.after("U", pr)
	if err := encodeElements(pr.enc[l.u(0):], pr.u, "U", workers); err != nil {
		return nil, err
	}

	t := st.transcript()
	e := challengeE(t, l, pr.enc)

	// e'_i = e_ψ(i), and the prefix products E_i = e'_1 ⋯ e'_i (E[0] = 1):
	// they depend on the permutation, so they are secret.
	ep := make([]group.Scalar, n)
	E := make([]group.Scalar, n+1)
	defer func() { clear(ep); clear(E) }()
	E[0].SetUint64(1)
	for i := range n {
		ep[i].Set(&e[wit.psi[i]])
		E[i+1].Multiply(&E[i], &ep[i])
	}

	// The chain B_i = R_i·G + E_i·H_0, B'_i = (β_i + ε_i·R_{i-1})·G +
	// (ε_i·E_{i-1})·H_0 (that is, β_i·G + ε_i·B_{i-1} with B_0 = H_0), and
	// the partial sums Σ ε_i·H_i of A' and Σ ε_i·Y_i of F'.
	h0 := g.table()
	type partial struct{ a, f []group.Element }
	parts := make([]partial, rows.count())
	// Each commitment is computed as its half, with halved scalars, and
	// doubled by group.DoubleBatch, which encodes the doubles for the
	// transcript at a fifth of the cost of encoding them one by one.
	var half group.Scalar
	half.Invert(new(group.Scalar).SetUint64(2))
	err = forChunks(rows, workers, func(c, lo, hi int) error {
		var t1, t2 group.Element
		var s, u group.Scalar
		for i := lo; i < hi; i++ {
			s.Multiply(&R[i], &half)
			u.Multiply(&E[i+1], &half)
			pr.b[i].Add(t1.ScalarBaseMult(&s), t2.FixedBaseMult(h0, &u))
			s.Set(&beta[i])
			if i > 0 {
				s.MultiplyAdd(&eps[i], &R[i-1], &beta[i])
			}
			t1.ScalarBaseMult(s.Multiply(&s, &half))
			s.Multiply(&eps[i], &E[i])
			pr.bp[i].Add(&t1, t2.FixedBaseMult(h0, s.Multiply(&s, &half)))
		}
		s, u = group.Scalar{}, group.Scalar{}
		if err := group.DoubleBatch(pr.b[lo:hi], pr.b[lo:hi]); err != nil {
			return err
		}
		if err := group.DoubleBatch(pr.bp[lo:hi], pr.bp[lo:hi]); err != nil {
			return err
		}
		// The nonce terms of A' and F', in constant time.
		scalars := make([]*group.Scalar, hi-lo)
		elems := make([]*group.Element, hi-lo)
		for i := lo; i < hi; i++ {
			scalars[i-lo] = &eps[i]
		}
		pa := &parts[c]
		pa.a = make([]group.Element, 1)
		pa.a[0].Set(secretMultiScalarMult(scalars, g.h[lo+1:hi+1]))
		pa.f = make([]group.Element, 2*w)
		for j := range pa.f {
			for i := lo; i < hi; i++ {
				elems[i-lo] = component(out[i][j/2], j)
			}
			pa.f[j].Set(secretMultiScalarMult(scalars, elems))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	hk.after("B", pr)

	// A' = α·G + Σ ε_i·H_i, C' = γ·G, D' = δ·G,
	// F'_k = Σ ε_i·Y_i,k − (φ_k·G, φ_k·pk).
	pr.ap.ScalarBaseMult(&alpha)
	for j := range pr.fp {
		pr.fp[j].Set(group.NewElement())
	}
	for _, pa := range parts {
		pr.ap.Add(&pr.ap, &pa.a[0])
		for j := range pr.fp {
			pr.fp[j].Add(&pr.fp[j], &pa.f[j])
		}
	}
	identity := group.NewElement()
	for k := range w {
		z := elgamal.EncryptWithRandomness(pk, identity, &phi[k])
		pr.fp[2*k].Subtract(&pr.fp[2*k], z.A)
		pr.fp[2*k+1].Subtract(&pr.fp[2*k+1], z.B)
	}
	pr.cp.ScalarBaseMult(&gamma)
	pr.dp.ScalarBaseMult(&delta)
	for _, stage := range []string{"A'", "B'", "C'", "D'", "F'"} {
		hk.after(stage, pr)
	}
	enc := pr.enc
	if err := encodeElements(enc[l.b(0):], pr.b, "B", workers); err != nil {
		return nil, err
	}
	if err := encodeElements(enc[l.bp(0):], pr.bp, "B'", workers); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		e    *group.Element
		off  int
		name string
	}{{&pr.ap, l.ap(), "A'"}, {&pr.cp, l.cp(), "C'"}, {&pr.dp, l.dp(), "D'"}} {
		if err := encodeElement(enc[f.off:], f.e, f.name); err != nil {
			return nil, err
		}
	}
	for j := range pr.fp {
		if err := encodeElement(enc[l.fp(j):], &pr.fp[j], fpName(j)); err != nil {
			return nil, err
		}
	}

	v := challengeV(t, l, enc)

	// Responses: k_A = v·⟨r, e⟩ + α, k_B,i = v·b_i + β_i with
	// b_i = R_i − e'_i·R_{i-1}, k_C = v·Σ r_j + γ, k_D = v·R_N + δ,
	// k_E,i = v·e'_i + ε_i, k_F,k = v·Σ_i ρ_i,k·e'_i + φ_k.
	var a, c, b group.Scalar
	for j := range n {
		a.MultiplyAdd(&r[j], &e[j], &a)
		c.Add(&c, &r[j])
	}
	pr.kA.MultiplyAdd(v, &a, &alpha)
	pr.kC.MultiplyAdd(v, &c, &gamma)
	pr.kD.MultiplyAdd(v, &R[n-1], &delta)
	f := make([]group.Scalar, w)
	for i := range n {
		b.Set(&R[i])
		if i > 0 {
			b.Subtract(&R[i], b.Multiply(&ep[i], &R[i-1]))
		}
		pr.kB[i].MultiplyAdd(v, &b, &beta[i])
		pr.kE[i].MultiplyAdd(v, &ep[i], &eps[i])
		for k := range w {
			f[k].MultiplyAdd(&wit.rho[i*w+k], &ep[i], &f[k])
		}
	}
	for k := range w {
		pr.kF[k].MultiplyAdd(v, &f[k], &phi[k])
	}
	a, c, b = group.Scalar{}, group.Scalar{}, group.Scalar{}
	clear(f)
	hk.after("responses", pr)
	encodeScalar(enc[l.kA():], &pr.kA)
	encodeScalar(enc[l.kC():], &pr.kC)
	encodeScalar(enc[l.kD():], &pr.kD)
	for i := range n {
		encodeScalar(enc[l.kB(i):], &pr.kB[i])
		encodeScalar(enc[l.kE(i):], &pr.kE[i])
	}
	for k := range w {
		encodeScalar(enc[l.kF(k):], &pr.kF[k])
	}
	if hk != nil && hk.trace != nil {
		hk.trace.e = e
		hk.trace.v.Set(v)
	}
	return pr, nil
}

// identities returns n identity elements.
func identities(n int) []group.Element {
	out := make([]group.Element, n)
	for i := range out {
		out[i].Set(group.NewElement())
	}
	return out
}

// encodeElements writes the encodings of es to dst, 32 bytes each, in
// parallel. A commitment equal to the identity (probability about 2^-252
// for an honest prover) is an error: verifiers reject it.
func encodeElements(dst []byte, es []group.Element, name string, workers int) error {
	c := newChunking(len(es), grainFor(len(es), workers, 64))
	return forChunks(c, workers, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := encodeElement(dst[i*group.ElementSize:], &es[i], fieldName(name, i)); err != nil {
				return err
			}
		}
		return nil
	})
}

// encodeElement writes the encoding of e at the start of dst.
func encodeElement(dst []byte, e *group.Element, name string) error {
	if e.IsIdentity() {
		return fmt.Errorf("shuffle: internal error: commitment %s is the identity", name)
	}
	e.AppendBytes(dst[:0])
	return nil
}

// encodeScalar writes the encoding of s at the start of dst.
func encodeScalar(dst []byte, s *group.Scalar) { copy(dst, s.Bytes()) }
