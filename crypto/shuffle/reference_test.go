package shuffle

import (
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"
	"errors"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

// This file is a second, deliberately naive implementation of
// docs/spec/shuffle.md, written from the spec and sharing no code with the
// package beyond the group and elgamal types: its own transcript framing
// (docs/spec/transcript.md), list digests, nonce derivation, a prover that
// computes the commitment chain the textbook way (B_i = b_i·G + e'_i·B_{i-1},
// one variable-base multiplication after another) and a verifier that
// checks the five equations one by one without batching. The vector test
// requires the package to agree with it byte for byte; the hostile tests use
// its options to act as dishonest provers.

// refT is the transcript input, built item by item.
type refT struct{ in []byte }

func (t *refT) item(typ byte, label string, v []byte) *refT {
	t.in = append(t.in, typ)
	t.in = binary.BigEndian.AppendUint32(t.in, uint32(len(label)))
	t.in = append(t.in, label...)
	t.in = binary.BigEndian.AppendUint64(t.in, uint64(len(v)))
	t.in = append(t.in, v...)
	return t
}

func refNew(protocol string) *refT {
	return new(refT).item(0x01, "veche/transcript/v1", []byte(protocol))
}
func (t *refT) bytes(label string, b []byte) *refT { return t.item(0x02, label, b) }
func (t *refT) u64(label string, v uint64) *refT {
	return t.item(0x03, label, binary.BigEndian.AppendUint64(nil, v))
}
func (t *refT) elem(label string, e []byte) *refT { return t.item(0x05, label, e) }
func (t *refT) list(label string, n int) *refT {
	return t.item(0x06, label, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// digest appends a challenge item and returns SHA-512 of the input.
func (t *refT) digest(label string) [64]byte {
	t.item(0x07, label, nil)
	return sha512.Sum512(t.in)
}

// challengeBytes returns n bytes of SHAKE256(digest).
func (t *refT) challengeBytes(label string, n int) []byte {
	d := t.digest(label)
	x := sha3.NewSHAKE256()
	x.Write(d[:])
	out := make([]byte, n)
	x.Read(out)
	return out
}

// challenge returns the digest reduced mod ℓ.
func (t *refT) challenge(label string) *group.Scalar {
	d := t.digest(label)
	s, _ := new(group.Scalar).SetUniformBytes(d[:])
	return s
}

func refSHA512(parts ...[]byte) []byte {
	h := sha512.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// refRows returns the concatenated encodings of a ciphertext list.
func refRows(rows []elgamal.VectorCiphertext) []byte {
	var b []byte
	for _, row := range rows {
		for _, c := range row {
			b = append(b, c.A.Bytes()...)
			b = append(b, c.B.Bytes()...)
		}
	}
	return b
}

func refConcat(es []*group.Element) []byte {
	var b []byte
	for _, e := range es {
		b = append(b, e.Bytes()...)
	}
	return b
}

// refStatement holds a shuffle statement as the spec lists it.
type refStatement struct {
	fp       zkp.Fingerprint
	mixer    []byte
	position uint32
	pk       *elgamal.PublicKey
	in, out  []elgamal.VectorCiphertext
	n, w     int
}

func (s *refStatement) seed() []byte {
	b := append([]byte("veche/shuffle/v1/generators"), s.fp[:]...)
	b = binary.BigEndian.AppendUint32(b, s.position)
	return binary.BigEndian.AppendUint64(b, uint64(s.n))
}

// generators returns H_0 … H_N: DeriveGenerators(seed, N+1).
func (s *refStatement) generators() []*group.Element {
	h, err := group.DeriveGenerators(s.seed(), s.n+1)
	if err != nil {
		panic(err)
	}
	return h
}

// absorb appends spec section 4, items 6 to 13.
func (s *refStatement) absorb(t *refT) *refT {
	t.bytes("generator-seed", s.seed())
	t.bytes("mixer", s.mixer)
	t.u64("position", uint64(s.position))
	t.elem("pk", s.pk.Bytes())
	t.u64("N", uint64(s.n))
	t.u64("width", uint64(s.w))
	t.bytes("inputs", refSHA512(refRows(s.in)))
	t.bytes("outputs", refSHA512(refRows(s.out)))
	return t
}

// transcript returns spec section 4, items 1 to 13.
func (s *refStatement) transcript() *refT {
	t := refNew("veche/shuffle/v1")
	t.bytes("fingerprint", s.fp[:]).bytes("group", []byte("ristretto255"))
	t.list("generators", 1).elem("", group.NewGeneratorElement().Bytes())
	return s.absorb(t)
}

// refNonces holds the prover's nonces (spec section 6).
type refNonces struct {
	r, R, beta, eps, phi []*group.Scalar
	alpha, gamma, delta  *group.Scalar
}

// deriveNonces implements spec section 6, "Nonces".
func (s *refStatement) deriveNonces(psi []int, rho []*group.Scalar, rnd []byte) *refNonces {
	var wit []byte
	for i, j := range psi {
		wit = binary.BigEndian.AppendUint64(wit, uint64(j))
		for k := range s.w {
			wit = append(wit, rho[i*s.w+k].Bytes()...)
		}
	}
	t := refNew("veche/shuffle/nonce/v1")
	t.bytes("protocol", []byte("veche/shuffle/v1")).bytes("fingerprint", s.fp[:])
	s.absorb(t)
	t.bytes("witness", refSHA512(wit)).bytes("random", rnd)
	seed := t.challengeBytes("nonces", 64)
	x := sha3.NewSHAKE256()
	x.Write(seed)
	next := func(k int) []*group.Scalar {
		out := make([]*group.Scalar, k)
		for i := range out {
			var b [64]byte
			x.Read(b[:])
			out[i], _ = new(group.Scalar).SetUniformBytes(b[:])
		}
		return out
	}
	nc := &refNonces{}
	nc.r = next(s.n)
	nc.R = next(s.n)
	nc.alpha = next(1)[0]
	nc.beta = next(s.n)
	nc.gamma = next(1)[0]
	nc.delta = next(1)[0]
	nc.eps = next(s.n)
	nc.phi = next(s.w)
	return nc
}

// refProof is a proof with every intermediate value of the spec.
type refProof struct {
	h                []*group.Element // H_0 … H_N
	U, B, Bp         []*group.Element
	Ap, Cp, Dp       *group.Element
	Fp               []*group.Element // 2w: A, B of F'_1, …
	e, ep            []*group.Scalar  // e_i and e'_i = e_ψ(i)
	v                *group.Scalar
	kA, kC, kD       *group.Scalar
	kB, kE, kF       []*group.Scalar
	eTranscript      []byte // input up to and including the "e" challenge item
	vTranscript      []byte // input up to and including the "v" challenge item
	digestU, digestB []byte
	digestBp         []byte
}

func (p *refProof) bytes() []byte {
	var b []byte
	b = append(b, refConcat(p.U)...)
	b = append(b, refConcat(p.B)...)
	b = append(b, p.Ap.Bytes()...)
	b = append(b, refConcat(p.Bp)...)
	b = append(b, p.Cp.Bytes()...)
	b = append(b, p.Dp.Bytes()...)
	b = append(b, refConcat(p.Fp)...)
	b = append(b, p.kA.Bytes()...)
	for _, s := range p.kB {
		b = append(b, s.Bytes()...)
	}
	b = append(b, p.kC.Bytes()...)
	b = append(b, p.kD.Bytes()...)
	for _, s := range p.kE {
		b = append(b, s.Bytes()...)
	}
	for _, s := range p.kF {
		b = append(b, s.Bytes()...)
	}
	return b
}

// refForgery turns the reference prover into a dishonest one. With a
// trapdoor (x_0 … x_N with H_i = x_i·G, generators the prover chose), the
// permutation commitment is U_j = r_j·G, which can be opened to anything,
// and eprime may replace the permuted challenges e'_i; k_A, k_C and k_D are
// then computed from the trapdoor so that equations 1, 3 and 4 hold anyway.
type refForgery struct {
	trapdoor []*group.Scalar
	eprime   func(ep []*group.Scalar)
}

// prove implements spec section 6 step by step. psi and rho are the
// witness, h the generators H_0 … H_N.
func (s *refStatement) prove(psi []int, rho []*group.Scalar, h []*group.Element, nc *refNonces, forge *refForgery) *refProof {
	n, w := s.n, s.w
	G := group.NewGeneratorElement()
	pk := s.pk.Element()
	p := &refProof{h: h}

	// Step 1: U_ψ(i) = r_ψ(i)·G + H_i.
	p.U = make([]*group.Element, n)
	for i := 1; i <= n; i++ {
		j := psi[i-1]
		p.U[j] = new(group.Element).ScalarBaseMult(nc.r[j])
		if forge == nil || forge.trapdoor == nil {
			p.U[j].Add(p.U[j], h[i])
		}
	}
	// Step 2: e.
	t := s.transcript()
	p.digestU = refSHA512(refConcat(p.U))
	t.bytes("U", p.digestU)
	raw := t.challengeBytes("e", 16*n)
	p.eTranscript = append([]byte(nil), t.in...)
	p.e = make([]*group.Scalar, n)
	for i := range p.e {
		var b [32]byte
		copy(b[:16], raw[16*i:])
		p.e[i], _ = new(group.Scalar).SetCanonicalBytes(b[:])
	}
	// Step 3: e'_i = e_ψ(i).
	p.ep = make([]*group.Scalar, n)
	for i := range p.ep {
		p.ep[i] = new(group.Scalar).Set(p.e[psi[i]])
	}
	if forge != nil && forge.eprime != nil {
		forge.eprime(p.ep)
	}
	// Step 4: the chain, the textbook way: b_i = R_i − e'_i·R_{i-1},
	// B_i = b_i·G + e'_i·B_{i-1}, B_0 = H_0, R_0 = 0.
	b := make([]*group.Scalar, n)
	p.B = make([]*group.Element, n)
	prev, prevR := h[0], group.NewScalar()
	for i := range n {
		b[i] = new(group.Scalar).Multiply(p.ep[i], prevR)
		b[i].Subtract(nc.R[i], b[i])
		p.B[i] = new(group.Element).ScalarBaseMult(b[i])
		p.B[i].Add(p.B[i], new(group.Element).ScalarMult(p.ep[i], prev))
		prev, prevR = p.B[i], nc.R[i]
	}
	// Step 5: the other commitments.
	p.Ap = new(group.Element).ScalarBaseMult(nc.alpha)
	for i := range n {
		p.Ap.Add(p.Ap, new(group.Element).ScalarMult(nc.eps[i], h[i+1]))
	}
	p.Bp = make([]*group.Element, n)
	for i := range n {
		prev := h[0]
		if i > 0 {
			prev = p.B[i-1]
		}
		p.Bp[i] = new(group.Element).ScalarBaseMult(nc.beta[i])
		p.Bp[i].Add(p.Bp[i], new(group.Element).ScalarMult(nc.eps[i], prev))
	}
	p.Cp = new(group.Element).ScalarBaseMult(nc.gamma)
	p.Dp = new(group.Element).ScalarBaseMult(nc.delta)
	p.Fp = make([]*group.Element, 2*w)
	for k := range w {
		fa := new(group.Element).ScalarMult(nc.phi[k], G)
		fb := new(group.Element).ScalarMult(nc.phi[k], pk)
		fa.Negate(fa)
		fb.Negate(fb)
		for i := range n {
			fa.Add(fa, new(group.Element).ScalarMult(nc.eps[i], s.out[i][k].A))
			fb.Add(fb, new(group.Element).ScalarMult(nc.eps[i], s.out[i][k].B))
		}
		p.Fp[2*k], p.Fp[2*k+1] = fa, fb
	}
	// Step 6: v.
	p.digestB = refSHA512(refConcat(p.B))
	p.digestBp = refSHA512(refConcat(p.Bp))
	t.bytes("B", p.digestB).elem("A'", p.Ap.Bytes()).bytes("B'", p.digestBp)
	t.elem("C'", p.Cp.Bytes()).elem("D'", p.Dp.Bytes()).list("F'", 2*w)
	for _, f := range p.Fp {
		t.elem("", f.Bytes())
	}
	p.v = t.challenge("v")
	p.vTranscript = append([]byte(nil), t.in...)
	v := p.v
	// Step 7: responses.
	a, c := group.NewScalar(), group.NewScalar()
	for j := range n {
		a.Add(a, new(group.Scalar).Multiply(nc.r[j], p.e[j]))
		c.Add(c, nc.r[j])
	}
	d := nc.R[n-1]
	if forge != nil && forge.trapdoor != nil {
		// U_j = r_j·G and H_i = x_i·G: equation 1 needs
		// a = Σ r_j·e_j − Σ e'_i·x_i, equation 3 c = Σ r_j − Σ x_i and
		// equation 4 d = R_N + (∏ e'_i − ∏ e_i)·x_0.
		x := forge.trapdoor
		prodE, prodEp := new(group.Scalar).SetUint64(1), new(group.Scalar).SetUint64(1)
		for i := range n {
			a.Subtract(a, new(group.Scalar).Multiply(p.ep[i], x[i+1]))
			c.Subtract(c, x[i+1])
			prodE.Multiply(prodE, p.e[i])
			prodEp.Multiply(prodEp, p.ep[i])
		}
		d = new(group.Scalar).Subtract(prodEp, prodE)
		d.MultiplyAdd(d, x[0], nc.R[n-1])
	}
	p.kA = new(group.Scalar).MultiplyAdd(v, a, nc.alpha)
	p.kC = new(group.Scalar).MultiplyAdd(v, c, nc.gamma)
	p.kD = new(group.Scalar).MultiplyAdd(v, d, nc.delta)
	p.kB = make([]*group.Scalar, n)
	p.kE = make([]*group.Scalar, n)
	for i := range n {
		p.kB[i] = new(group.Scalar).MultiplyAdd(v, b[i], nc.beta[i])
		p.kE[i] = new(group.Scalar).MultiplyAdd(v, p.ep[i], nc.eps[i])
	}
	p.kF = make([]*group.Scalar, w)
	for k := range w {
		f := group.NewScalar()
		for i := range n {
			f.Add(f, new(group.Scalar).Multiply(rho[i*w+k], p.ep[i]))
		}
		p.kF[k] = new(group.Scalar).MultiplyAdd(v, f, nc.phi[k])
	}
	return p
}

// verify checks an encoded proof by spec section 8, with the generators h
// (the re-derived ones, unless a test passes others), without batching.
func (s *refStatement) verify(proof []byte, h []*group.Element) error {
	n, w := s.n, s.w
	if len(proof) != 32*(5*n+6+3*w) {
		return errors.New("length")
	}
	off := 0
	elem := func() (*group.Element, error) {
		e, err := group.ParseNonIdentityElement(proof[off : off+32])
		off += 32
		return e, err
	}
	scalar := func() (*group.Scalar, error) {
		sc, err := new(group.Scalar).SetCanonicalBytes(proof[off : off+32])
		off += 32
		return sc, err
	}
	var err error
	elems := func(k int) []*group.Element {
		out := make([]*group.Element, k)
		for i := range out {
			var e2 error
			if out[i], e2 = elem(); e2 != nil {
				err = e2
			}
		}
		return out
	}
	scalars := func(k int) []*group.Scalar {
		out := make([]*group.Scalar, k)
		for i := range out {
			var e2 error
			if out[i], e2 = scalar(); e2 != nil {
				err = e2
			}
		}
		return out
	}
	U, B, Ap, Bp := elems(n), elems(n), elems(1)[0], elems(n)
	Cp, Dp, Fp := elems(1)[0], elems(1)[0], elems(2*w)
	kA, kB, kC, kD, kE, kF := scalars(1)[0], scalars(n), scalars(1)[0], scalars(1)[0], scalars(n), scalars(w)
	if err != nil {
		return err
	}
	t := s.transcript()
	t.bytes("U", refSHA512(refConcat(U)))
	raw := t.challengeBytes("e", 16*n)
	e := make([]*group.Scalar, n)
	for i := range e {
		var b [32]byte
		copy(b[:16], raw[16*i:])
		e[i], _ = new(group.Scalar).SetCanonicalBytes(b[:])
	}
	t.bytes("B", refSHA512(refConcat(B))).elem("A'", Ap.Bytes()).bytes("B'", refSHA512(refConcat(Bp)))
	t.elem("C'", Cp.Bytes()).elem("D'", Dp.Bytes()).list("F'", 2*w)
	for _, f := range Fp {
		t.elem("", f.Bytes())
	}
	v := t.challenge("v")

	G := group.NewGeneratorElement()
	pk := s.pk.Element()
	mul := func(sc *group.Scalar, e *group.Element) *group.Element { return new(group.Element).ScalarMult(sc, e) }
	add := func(es ...*group.Element) *group.Element {
		acc := group.NewElement()
		for _, x := range es {
			acc.Add(acc, x)
		}
		return acc
	}
	A, C := group.NewElement(), group.NewElement()
	prodE := new(group.Scalar).SetUint64(1)
	for i := range n {
		A.Add(A, mul(e[i], U[i]))
		C.Add(C, U[i])
		C.Subtract(C, h[i+1])
		prodE.Multiply(prodE, e[i])
	}
	// (1)
	rhs := mul(kA, G)
	for i := range n {
		rhs.Add(rhs, mul(kE[i], h[i+1]))
	}
	if add(mul(v, A), Ap).Equal(rhs) != 1 {
		return errors.New("equation 1")
	}
	// (2)
	for i := range n {
		prev := h[0]
		if i > 0 {
			prev = B[i-1]
		}
		if add(mul(v, B[i]), Bp[i]).Equal(add(mul(kB[i], G), mul(kE[i], prev))) != 1 {
			return errors.New("equation 2")
		}
	}
	// (3)
	if add(mul(v, C), Cp).Equal(mul(kC, G)) != 1 {
		return errors.New("equation 3")
	}
	// (4)
	D := new(group.Element).Subtract(B[n-1], mul(prodE, h[0]))
	if add(mul(v, D), Dp).Equal(mul(kD, G)) != 1 {
		return errors.New("equation 4")
	}
	// (5)
	for k := range w {
		FA, FB := group.NewElement(), group.NewElement()
		RA, RB := mul(kF[k], G), mul(kF[k], pk)
		RA.Negate(RA)
		RB.Negate(RB)
		for i := range n {
			FA.Add(FA, mul(e[i], s.in[i][k].A))
			FB.Add(FB, mul(e[i], s.in[i][k].B))
			RA.Add(RA, mul(kE[i], s.out[i][k].A))
			RB.Add(RB, mul(kE[i], s.out[i][k].B))
		}
		if add(mul(v, FA), Fp[2*k]).Equal(RA) != 1 || add(mul(v, FB), Fp[2*k+1]).Equal(RB) != 1 {
			return errors.New("equation 5")
		}
	}
	return nil
}
