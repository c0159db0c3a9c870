package zkp

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// This file holds the proof that an exponential ElGamal ciphertext encrypts 0
// or 1, and the commitment-form disjunction of Chaum–Pedersen proofs that it
// shares with the range proof of range.go (Cramer, Damgård, Schoenmakers,
// "Proofs of partial knowledge and simplified design of witness hiding
// protocols", CRYPTO 1994; Chaum, Pedersen, "Wallet databases with observers",
// CRYPTO 1992). The byte formats, transcripts and rejection rules are
// specified in docs/spec/zkp-disjunctive.md; test vectors are in
// testdata/zkp-disjunctive.json.

// zeroOneProtocol is the transcript protocol label of [ZeroOneProof].
const zeroOneProtocol = "veche/zkp/zero-one/v1"

// ZeroOneProofSize is the size of an encoded [ZeroOneProof]: four elements
// and three scalars.
const ZeroOneProofSize = 4*group.ElementSize + 3*group.ScalarSize

// A ZeroOneProof proves that a [Ciphertext] (A, B) under PK encrypts 0 or 1:
// that for some r, A = r·G and either B = r·PK or B − G = r·PK. It is a
// disjunction of two Chaum–Pedersen proofs in commitment form: for each
// branch i ∈ {0, 1}, with commitments a_i = A[i] and b_i = B[i], response
// z_i = Z[i], and challenges c_0 = C0 and c_1 = c − C0 where c is the
// transcript challenge,
//
//	z_i·G  = a_i + c_i·A
//	z_i·PK = b_i + c_i·(B − i·G)
//
// Sending the commitments rather than all challenges lets a verifier check
// many proofs with one multi-scalar multiplication ([BatchVerifyZeroOne]).
type ZeroOneProof struct {
	// A[i] and B[i] are the commitments a_i and b_i of branch i.
	A, B [2]*group.Element
	// C0 is the challenge c_0 of branch 0; branch 1's is c − C0.
	C0 *group.Scalar
	// Z[i] is the response z_i of branch i.
	Z [2]*group.Scalar

	cache *encodingCache
}

// ZeroOneItem is one statement and proof for [BatchVerifyZeroOne].
type ZeroOneItem struct {
	Ciphertext Ciphertext
	Binding    []byte
	Proof      *ZeroOneProof
}

// ProveZeroOne proves that ct = (r·G, m·G + r·PK) encrypts m ∈ {0, 1}. The
// binding (for example a ballot's credential, contest and selection index)
// is absorbed into the transcript; the verifier must supply the same bytes.
// Randomness is read from rand, or crypto/rand.Reader if rand is nil.
//
// ProveZeroOne refuses, with an error that does not reveal m, if m is not 0
// or 1 or if (m, r) does not open ct. Otherwise it runs in constant time
// with respect to m and r: both branches are computed with the same
// operations, and the real one is chosen by scalar arithmetic, not by a
// branch (see proveBranches).
func ProveZeroOne(rand io.Reader, fp Fingerprint, pk *group.Element, ct Ciphertext, m uint64, r *group.Scalar, binding []byte) (*ZeroOneProof, error) {
	const kind = "zero-one"
	if m > 1 {
		return nil, errors.New("zkp: zero-one: plaintext is neither 0 nor 1")
	}
	st := &statement{kind: kind, protocol: zeroOneProtocol, ct: ct, lo: 0, hi: 1, binding: binding}
	d, err := proveBranches(rand, fp, pk, st, m, r)
	if err != nil {
		return nil, err
	}
	return &ZeroOneProof{
		A:     [2]*group.Element{d.a[0], d.a[1]},
		B:     [2]*group.Element{d.b[0], d.b[1]},
		C0:    d.c[0],
		Z:     [2]*group.Scalar{d.z[0], d.z[1]},
		cache: d.cache,
	}, nil
}

// VerifyZeroOne checks that proof proves that ct encrypts 0 or 1 under pk,
// for the election fp and the given binding. It returns nil or an error
// wrapping [ErrInvalidProof] that names the check that failed.
//
// It checks all four equations with one multi-scalar multiplication,
// weighted by scalars derived by hashing the statement and the whole proof
// (a false equation passes with probability about 2^-128 per proof tried),
// and on failure checks each equation alone to report which one fails.
func VerifyZeroOne(fp Fingerprint, pk *group.Element, ct Ciphertext, binding []byte, proof *ZeroOneProof) error {
	st := &statement{kind: "zero-one", protocol: zeroOneProtocol, ct: ct, lo: 0, hi: 1, binding: binding}
	if proof == nil {
		return invalid(st.kind, "nil proof")
	}
	return verifyOne(fp, pk, st, proof.branches())
}

// BatchVerifyZeroOne checks many zero-one proofs under one public key and
// election. It checks every equation of every proof at once, as one
// multi-scalar multiplication with independent random 128-bit weights read
// from rand (crypto/rand.Reader if nil): a batch holding a false equation
// passes with probability at most 2^-128. The coefficients of G and of PK
// are summed into one term each, so a proof costs six terms (its four
// commitments, A and B).
//
// If the batch fails, each proof is checked alone and the returned
// *[BatchError] (which wraps [ErrInvalidProof]) lists every failing index.
// An empty batch is an error.
func BatchVerifyZeroOne(rand io.Reader, fp Fingerprint, pk *group.Element, items []ZeroOneItem) error {
	sts := make([]*statement, len(items))
	ds := make([]*branchProof, len(items))
	for i := range items {
		sts[i] = &statement{kind: "zero-one", protocol: zeroOneProtocol, ct: items[i].Ciphertext, lo: 0, hi: 1, binding: items[i].Binding}
		if items[i].Proof != nil {
			ds[i] = items[i].Proof.branches()
		}
	}
	return verifyBatch(rand, fp, pk, "zero-one", sts, ds)
}

// Bytes returns the encoding of p, ZeroOneProofSize bytes:
//
//	a_0 || a_1 || b_0 || b_1 || c_0 || z_0 || z_1
//
// It panics if a field is nil.
func (p *ZeroOneProof) Bytes() []byte {
	return p.branches().appendTo(make([]byte, 0, ZeroOneProofSize))
}

// ParseZeroOneProof decodes a [ZeroOneProof]. It accepts only the canonical
// encoding of exactly ZeroOneProofSize bytes and rejects identity
// commitments; errors wrap [ErrMalformed].
func ParseZeroOneProof(b []byte) (*ZeroOneProof, error) {
	if len(b) != ZeroOneProofSize {
		return nil, malformed("zero-one", fmt.Sprintf("%d bytes, want %d", len(b), ZeroOneProofSize))
	}
	d, err := parseBranches("zero-one", b, 2)
	if err != nil {
		return nil, err
	}
	return &ZeroOneProof{
		A:     [2]*group.Element{d.a[0], d.a[1]},
		B:     [2]*group.Element{d.b[0], d.b[1]},
		C0:    d.c[0],
		Z:     [2]*group.Scalar{d.z[0], d.z[1]},
		cache: d.cache,
	}, nil
}

func (p *ZeroOneProof) branches() *branchProof {
	return &branchProof{
		a:     []*group.Element{p.A[0], p.A[1]},
		b:     []*group.Element{p.B[0], p.B[1]},
		c:     []*group.Scalar{p.C0},
		z:     []*group.Scalar{p.Z[0], p.Z[1]},
		cache: p.cache,
	}
}

// statement is what a disjunctive proof is about: the ciphertext claims to
// encrypt some v ∈ [lo, hi], and branch i of the proof claims v = lo + i.
type statement struct {
	kind     string // "zero-one" or "range", for errors
	protocol string // the transcript protocol label
	ranged   bool   // whether lo and hi are absorbed (range proofs)
	ct       Ciphertext
	lo, hi   uint64
	binding  []byte
}

// branchProof is the commitment-form disjunction shared by ZeroOneProof and
// RangeProof, with n branches.
type branchProof struct {
	a, b  []*group.Element // commitments a_i, b_i; n each
	c     []*group.Scalar  // the n − 1 encoded challenges c_0 … c_{n−2}
	z     []*group.Scalar  // responses z_i; n
	cache *encodingCache
}

// encodingCache holds the canonical encodings of a proof's commitments, as
// computed by the prover or read by the parser (a_0 … a_{n−1} then b_0 …
// b_{n−1}), with copies of the elements they encode. Verification uses the
// encodings only while the proof's commitments still equal the copies,
// which costs a few field multiplications per element, instead of encoding
// every commitment again (an inverse square root each, about 5 µs).
type encodingCache struct {
	elems []group.Element
	enc   []byte
}

func newEncodingCache(elems []*group.Element, enc []byte) *encodingCache {
	c := &encodingCache{elems: make([]group.Element, len(elems)), enc: enc}
	for i, e := range elems {
		c.elems[i].Set(e)
	}
	return c
}

// encodings returns the encodings of the commitments a then b: the cached
// ones if they are still current, fresh ones otherwise.
func (d *branchProof) encodings() []byte {
	n := len(d.a)
	if c := d.cache; c != nil && len(c.elems) == 2*n && len(c.enc) == 2*n*group.ElementSize {
		ok := 1
		for i := range n {
			ok &= d.a[i].Equal(&c.elems[i])
			ok &= d.b[i].Equal(&c.elems[n+i])
		}
		if ok == 1 {
			return c.enc
		}
	}
	enc := make([]byte, 0, 2*n*group.ElementSize)
	for _, e := range d.a {
		enc = e.AppendBytes(enc)
	}
	for _, e := range d.b {
		enc = e.AppendBytes(enc)
	}
	return enc
}

// appendTo appends the body of the proof's encoding:
// a_0 … a_{n−1} || b_0 … b_{n−1} || c_0 … c_{n−2} || z_0 … z_{n−1}.
func (d *branchProof) appendTo(out []byte) []byte {
	out = append(out, d.encodings()...)
	for _, s := range d.c {
		out = append(out, s.Bytes()...)
	}
	for _, s := range d.z {
		out = append(out, s.Bytes()...)
	}
	return out
}

// fieldNames are the names of the fields of branch i in decoding errors,
// made once rather than on every parse.
var fieldNames = func() (f struct{ a, b, c, z [MaxRangeBranches]string }) {
	for i := range MaxRangeBranches {
		f.a[i] = fmt.Sprintf("commitment a_%d", i)
		f.b[i] = fmt.Sprintf("commitment b_%d", i)
		f.c[i] = fmt.Sprintf("challenge c_%d", i)
		f.z[i] = fmt.Sprintf("response z_%d", i)
	}
	return f
}()

// parseBranches decodes the body a || b || c || z of a proof with n ≤
// MaxRangeBranches branches, which must be all of b.
func parseBranches(kind string, b []byte, n int) (*branchProof, error) {
	dec := newDecoder(kind, b)
	d := &branchProof{
		a: make([]*group.Element, n),
		b: make([]*group.Element, n),
		c: make([]*group.Scalar, n-1),
		z: make([]*group.Scalar, n),
	}
	for i := range n {
		d.a[i] = dec.nonIdentity(fieldNames.a[i])
	}
	for i := range n {
		d.b[i] = dec.nonIdentity(fieldNames.b[i])
	}
	for i := range n - 1 {
		d.c[i] = dec.scalar(fieldNames.c[i])
	}
	for i := range n {
		d.z[i] = dec.scalar(fieldNames.z[i])
	}
	if err := dec.finish(); err != nil {
		return nil, err
	}
	enc := bytes.Clone(b[:2*n*group.ElementSize])
	d.cache = newEncodingCache(append(append([]*group.Element{}, d.a...), d.b...), enc)
	return d, nil
}

// absorb absorbs the statement, given the encodings of PK and of the
// ciphertext (A || B):
//
//	Element("pk", PK)
//	Element("A", A)
//	Element("B", B)
//	Uint64("lo", lo)             range proofs only
//	Uint64("hi", hi)             range proofs only
//	Bytes("binding", binding)
func (st *statement) absorb(t *transcript.Transcript, pkEnc, ctEnc []byte) {
	t.ElementBytes("pk", pkEnc)
	t.ElementBytes("A", ctEnc[:group.ElementSize])
	t.ElementBytes("B", ctEnc[group.ElementSize:])
	if st.ranged {
		t.Uint64("lo", st.lo)
		t.Uint64("hi", st.hi)
	}
	t.Bytes("binding", st.binding)
}

// ciphertextEncoding returns A || B.
func (st *statement) ciphertextEncoding() []byte {
	return st.ct.B.AppendBytes(st.ct.A.AppendBytes(make([]byte, 0, 2*group.ElementSize)))
}

// challenge absorbs the statement and the commitments (commitEnc: the
// encodings of a_0 … a_{n−1} then b_0 … b_{n−1}) and returns the transcript
// and the challenge c:
//
//	NewProof(protocol, fp, [G])
//	the statement (see absorb)
//	List("a", n) then n × Element("", a_i)
//	List("b", n) then n × Element("", b_i)
//	Challenge("c")
func (st *statement) challenge(fp *Fingerprint, pkEnc, ctEnc, commitEnc []byte) (*transcript.Transcript, *group.Scalar) {
	n := len(commitEnc) / (2 * group.ElementSize)
	t := sigmaTranscript(st.protocol, fp)
	st.absorb(t, pkEnc, ctEnc)
	t.List("a", n)
	for i := range n {
		t.ElementBytes("", commitEnc[i*group.ElementSize:(i+1)*group.ElementSize])
	}
	t.List("b", n)
	for i := n; i < 2*n; i++ {
		t.ElementBytes("", commitEnc[i*group.ElementSize:(i+1)*group.ElementSize])
	}
	return t, t.Challenge("c")
}

// branches returns the number of branches of the statement, hi − lo + 1.
// Callers check hi − lo ≤ MaxRangeWidth first.
func (st *statement) branches() int { return int(st.hi-st.lo) + 1 }

// checkStatement checks the public inputs a verifier was given.
func checkStatement(kind string, pk *group.Element, st *statement) error {
	if err := checkPoint(kind, "public key", pk, false); err != nil {
		return err
	}
	if st.ct.A == nil || st.ct.B == nil {
		return invalid(kind, "ciphertext has a nil element")
	}
	if st.lo > st.hi {
		return invalid(kind, "range bounds: lo > hi")
	}
	if st.hi-st.lo > MaxRangeWidth {
		return invalid(kind, fmt.Sprintf("range wider than %d (hi − lo = %d)", MaxRangeWidth, st.hi-st.lo))
	}
	return nil
}

// check checks that d is a structurally sound proof for st: the branch count
// matches, no field is nil, and no commitment is the identity.
func (d *branchProof) check(st *statement) error {
	n := st.branches()
	if len(d.a) != n || len(d.b) != n || len(d.z) != n || len(d.c) != n-1 {
		return invalid(st.kind, fmt.Sprintf("proof has %d branches, statement [%d, %d] needs %d", len(d.a), st.lo, st.hi, n))
	}
	for i := range n {
		if d.a[i] == nil || d.b[i] == nil || d.z[i] == nil || (i < n-1 && d.c[i] == nil) {
			return invalid(st.kind, fmt.Sprintf("branch %d has a nil field", i))
		}
		// An honest prover's commitment is the identity with probability
		// 1/ℓ; see "Identity commitments" in docs/spec/zkp-disjunctive.md.
		if d.a[i].IsIdentity() {
			return invalid(st.kind, fmt.Sprintf("commitment a_%d is the identity", i))
		}
		if d.b[i].IsIdentity() {
			return invalid(st.kind, fmt.Sprintf("commitment b_%d is the identity", i))
		}
	}
	return nil
}

// allChallenges returns c_0 … c_{n−1}, where c_{n−1} = c − Σ_{i<n−1} c_i.
func (d *branchProof) allChallenges(c *group.Scalar) []*group.Scalar {
	n := len(d.z)
	cs := make([]*group.Scalar, n)
	last := new(group.Scalar).Set(c)
	for i := range n - 1 {
		cs[i] = d.c[i]
		last.Subtract(last, d.c[i])
	}
	cs[n-1] = last
	return cs
}

// proveBranches is the constant-time prover of the disjunction for st with
// the real branch j = v − lo. It derives 2n secret scalars w_0 … w_{n−1},
// s_0 … s_{n−1} with hedgedNonces (from the statement, the witness (r, v)
// and 32 random bytes) and, for every branch i, sets δ_i = [i = j] as a
// scalar, e_i = (1 − δ_i)·s_i, and
//
//	a_i = w_i·G − e_i·A,  b_i = w_i·PK − e_i·(B − v_i·G).
//
// The real branch thus gets Chaum–Pedersen commitments (w·G, w·PK) and the
// others simulated ones for challenge s_i and response w_i. With the
// transcript challenge c, c_i = e_i + δ_i·(c − Σ e_k) and z_i = w_i +
// δ_i·c_i·r. Every branch performs the same constant-time scalar
// multiplications and scalar arithmetic, and δ_i comes from
// subtle.ConstantTimeEq, so nothing branches on v. (crypto/group has no
// constant-time conditional select; multiplying by δ_i ∈ {0, 1} is the
// select.)
func proveBranches(rand io.Reader, fp Fingerprint, pk *group.Element, st *statement, v uint64, r *group.Scalar) (*branchProof, error) {
	if pk == nil || pk.IsIdentity() {
		return nil, fmt.Errorf("zkp: %s: public key is nil or the identity", st.kind)
	}
	if st.ct.A == nil || st.ct.B == nil || r == nil {
		return nil, fmt.Errorf("zkp: %s: nil ciphertext element or randomness", st.kind)
	}
	// Refuse a witness that does not open the ciphertext: the proof would
	// not verify. Constant time; only the final verdict is branched on.
	vs := new(group.Scalar).SetUint64(v)
	wantA := new(group.Element).ScalarBaseMult(r)
	wantB := new(group.Element).ScalarMult(r, pk)
	wantB.Add(wantB, new(group.Element).ScalarBaseMult(vs))
	if wantA.Equal(st.ct.A)&wantB.Equal(st.ct.B) != 1 {
		return nil, fmt.Errorf("zkp: %s: the plaintext and randomness do not open the ciphertext", st.kind)
	}

	n := st.branches()
	pkEnc, ctEnc := pk.Bytes(), st.ciphertextEncoding()
	nonces, err := hedgedNonces(rand, st.protocol, &fp, func(t *transcript.Transcript) { st.absorb(t, pkEnc, ctEnc) },
		[]*group.Scalar{r, vs}, 2*n)
	if err != nil {
		return nil, err
	}
	w, s := nonces[:n], nonces[n:]

	j := int32(v - st.lo) // 0 ≤ j < n ≤ MaxRangeBranches, checked by callers
	one := new(group.Scalar).SetUint64(1)
	delta := make([]*group.Scalar, n)
	e := make([]*group.Scalar, n)
	d := &branchProof{
		a: make([]*group.Element, n),
		b: make([]*group.Element, n),
		c: make([]*group.Scalar, n-1),
		z: make([]*group.Scalar, n),
	}
	// D = B − lo·G, then B − v_i·G for each branch by subtracting G.
	G := group.NewGeneratorElement()
	D := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(st.lo))
	D.Subtract(st.ct.B, D)
	tmp := group.NewElement()
	for i := range n {
		// SetUint64 of 0 or 1 takes the same path: the reduction check
		// decides on the most significant byte, zero in both cases.
		delta[i] = new(group.Scalar).SetUint64(uint64(subtle.ConstantTimeEq(int32(i), j)))
		e[i] = new(group.Scalar).Subtract(one, delta[i])
		e[i].Multiply(e[i], s[i])

		d.a[i] = new(group.Element).ScalarBaseMult(w[i])
		d.a[i].Subtract(d.a[i], tmp.ScalarMult(e[i], st.ct.A))
		d.b[i] = new(group.Element).ScalarMult(w[i], pk)
		d.b[i].Subtract(d.b[i], tmp.ScalarMult(e[i], D))
		D.Subtract(D, G)
	}
	enc := make([]byte, 0, 2*n*group.ElementSize)
	for _, x := range d.a {
		enc = x.AppendBytes(enc)
	}
	for _, x := range d.b {
		enc = x.AppendBytes(enc)
	}
	// A commitment is the identity with probability 2n/ℓ; verifiers reject
	// such proofs, so never output one.
	for i := range n {
		if d.a[i].IsIdentity() || d.b[i].IsIdentity() {
			return nil, fmt.Errorf("zkp: %s: internal error: identity commitment", st.kind)
		}
	}
	_, c := st.challenge(&fp, pkEnc, ctEnc, enc)

	cReal := new(group.Scalar).Set(c) // c − Σ e_k: the real branch's challenge
	for i := range n {
		cReal.Subtract(cReal, e[i])
	}
	for i := range n {
		ci := new(group.Scalar).Multiply(delta[i], cReal)
		ci.Add(ci, e[i])
		zi := new(group.Scalar).Multiply(delta[i], ci)
		d.z[i] = zi.MultiplyAdd(zi, r, w[i])
		if i < n-1 {
			d.c[i] = ci
		}
	}
	d.cache = newEncodingCache(append(append([]*group.Element{}, d.a...), d.b...), enc)
	return d, nil
}

// addTerms adds the weighted verification equations of d for st to bt, and
// the coefficient of PK to pkCoef. For each branch i, with weights u_i and
// t_i, the equations
//
//	a_i + c_i·A − z_i·G = 0
//	b_i + c_i·B − c_i·v_i·G − z_i·PK = 0
//
// contribute u_i·a_i + t_i·b_i, (Σ u_i·c_i)·A, (Σ t_i·c_i)·B, −Σ(u_i·z_i +
// t_i·c_i·v_i)·G and −(Σ t_i·z_i)·PK.
func addTerms(bt *batch, pkCoef *group.Scalar, st *statement, d *branchProof, cs []*group.Scalar) error {
	n := len(cs)
	coefA, coefB, coefG := group.NewScalar(), group.NewScalar(), group.NewScalar()
	v := new(group.Scalar).SetUint64(st.lo)
	one := new(group.Scalar).SetUint64(1)
	tmp := group.NewScalar()
	for i := range n {
		u, err := bt.weight()
		if err != nil {
			return err
		}
		t, err := bt.weight()
		if err != nil {
			return err
		}
		bt.term(u, d.a[i])
		bt.term(t, d.b[i])
		coefA.MultiplyAdd(u, cs[i], coefA)
		tc := new(group.Scalar).Multiply(t, cs[i])
		coefB.Add(coefB, tc)
		coefG.MultiplyAdd(u, d.z[i], coefG)
		coefG.MultiplyAdd(tc, v, coefG)
		pkCoef.Subtract(pkCoef, tmp.Multiply(t, d.z[i]))
		v.Add(v, one)
	}
	bt.term(coefA, st.ct.A)
	bt.term(coefB, st.ct.B)
	bt.termG(coefG.Negate(coefG))
	return nil
}

// explain checks each equation of d alone and returns an error naming the
// first that fails, or nil if all hold.
func explain(pk *group.Element, st *statement, d *branchProof, cs []*group.Scalar) error {
	D := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(st.lo))
	D.Subtract(st.ct.B, D)
	G := group.NewGeneratorElement()
	neg := group.NewScalar()
	x := group.NewElement()
	for i := range cs {
		v := st.lo + uint64(i)
		// a_i + c_i·A − z_i·G
		x.VarTimeDoubleScalarBaseMult(cs[i], st.ct.A, neg.Negate(d.z[i]))
		if !x.Add(x, d.a[i]).IsIdentity() {
			return invalid(st.kind, fmt.Sprintf("branch %d (v = %d): z·G ≠ a + c·A", i, v))
		}
		// b_i + c_i·(B − v_i·G) − z_i·PK
		if _, err := x.VarTimeMultiScalarMult([]*group.Scalar{cs[i], neg}, []*group.Element{D, pk}); err != nil {
			return invalid(st.kind, err.Error())
		}
		if !x.Add(x, d.b[i]).IsIdentity() {
			return invalid(st.kind, fmt.Sprintf("branch %d (v = %d): z·PK ≠ b + c·(B − v·G)", i, v))
		}
		D.Subtract(D, G)
	}
	return nil
}

// verifyOne verifies one proof with deterministic weights: after the
// challenge, the transcript absorbs all challenges and responses, and the
// weights are read from ChallengeBytes("verifier weights", 32n). They are
// local to this verifier, not part of the proof format.
func verifyOne(fp Fingerprint, pk *group.Element, st *statement, d *branchProof) error {
	if d == nil {
		return invalid(st.kind, "nil proof")
	}
	if err := checkStatement(st.kind, pk, st); err != nil {
		return err
	}
	if err := d.check(st); err != nil {
		return err
	}
	t, c := st.challenge(&fp, pk.Bytes(), st.ciphertextEncoding(), d.encodings())
	cs := d.allChallenges(c)
	t.Scalars("c", cs)
	t.Scalars("z", d.z)
	n := len(cs)
	bt := newBatch(bytes.NewReader(t.ChallengeBytes("verifier weights", 2*n*16)), 2*n+4)
	pkCoef := group.NewScalar()
	bt.term(pkCoef, pk) // pkCoef is complete when the batch is evaluated
	if err := addTerms(bt, pkCoef, st, d, cs); err != nil {
		return err
	}
	if bt.holds() {
		return nil
	}
	if err := explain(pk, st, d, cs); err != nil {
		return err
	}
	return invalid(st.kind, "verification equations do not hold")
}

// verifyBatch verifies the proofs ds for the statements sts with one
// multi-scalar multiplication through batchOrEach; see BatchVerifyZeroOne.
func verifyBatch(rand io.Reader, fp Fingerprint, pk *group.Element, kind string, sts []*statement, ds []*branchProof) error {
	if err := checkPoint(kind, "public key", pk, false); err != nil {
		return err
	}
	pkEnc := pk.Bytes()
	terms := 1
	for _, st := range sts {
		if st.lo <= st.hi && st.hi-st.lo <= MaxRangeWidth {
			terms += 2*st.branches() + 2
		}
	}
	// The coefficients of PK of all proofs are summed into one term
	// (batch.pkCoefficient).
	return batchOrEach(rand, kind, len(sts), terms,
		func(bt *batch, i int) error {
			st, d := sts[i], ds[i]
			if d == nil {
				return invalid(kind, "nil proof")
			}
			if err := checkStatement(kind, pk, st); err != nil {
				return err
			}
			if err := d.check(st); err != nil {
				return err
			}
			_, c := st.challenge(&fp, pkEnc, st.ciphertextEncoding(), d.encodings())
			return addTerms(bt, bt.pkCoefficient(pk), st, d, d.allChallenges(c))
		},
		func(i int) error { return verifyOne(fp, pk, sts[i], ds[i]) })
}
