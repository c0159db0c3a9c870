package zkp

import (
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// DLEQProofSize is the size of an encoded [DLEQProof]: R_G || R_A || z.
const DLEQProofSize = 2*group.ElementSize + group.ScalarSize

// A DLEQProof is a Chaum-Pedersen proof that two discrete logarithms are
// equal, log_G(X) = log_A(D) (Chaum, Pedersen, "Wallet databases with
// observers", Crypto 1992), in commitment form. A trustee with key share x
// and public share X = x·G proves with it that its decryption share D = x·A
// of a ciphertext (A, B) is correct.
//
// The same type carries the batched proof of many decryption shares
// ([ProveDecryptionShares]), which is a DLEQ on random linear combinations
// of the ciphertexts and shares.
type DLEQProof struct {
	RG *group.Element // commitment k·G; never the identity
	RA *group.Element // commitment k·A (k·A* in the batched form)
	Z  *group.Scalar  // response k + c·x
}

// dleqStatement holds the encodings of a single DLEQ statement.
type dleqStatement struct {
	binding []byte
	X, A, D []byte
}

// absorb absorbs Bytes("binding"), Element("X"), Element("A"),
// Element("D").
func (s *dleqStatement) absorb(t *transcript.Transcript) {
	t.Bytes("binding", s.binding)
	t.ElementBytes("X", s.X)
	t.ElementBytes("A", s.A)
	t.ElementBytes("D", s.D)
}

func (s *dleqStatement) challenge(fp *Fingerprint, RG, RA *group.Element) *group.Scalar {
	t := sigmaTranscript(dleqProtocol, fp)
	s.absorb(t)
	t.Element("RG", RG)
	t.Element("RA", RA)
	return t.Challenge("c")
}

// newDLEQStatement validates and encodes a DLEQ statement. X must not be
// the identity. A may be: a ciphertext (O, M) is not secret, its only
// correct share is D = O, and a decryption must not stall on it.
func newDLEQStatement(kind string, X, A, D *group.Element, binding []byte) (*dleqStatement, error) {
	if err := checkPoint(kind, "public key X", X, false); err != nil {
		return nil, err
	}
	if err := checkPoint(kind, "base A", A, true); err != nil {
		return nil, err
	}
	if err := checkPoint(kind, "share D", D, true); err != nil {
		return nil, err
	}
	return &dleqStatement{binding: binding, X: X.Bytes(), A: A.Bytes(), D: D.Bytes()}, nil
}

// ProveDLEQ proves that log_G(X) = log_A(D) = x: for a decryption share,
// X is the trustee's public key share, A the ciphertext's first component
// and D = x·A the share. binding names the prover (the trustee index) and
// must be given again to [VerifyDLEQ]. Nonces come from rand (nil means
// crypto/rand.Reader), hedged with x. ProveDLEQ refuses if X ≠ x·G or
// D ≠ x·A.
func ProveDLEQ(rand io.Reader, fp Fingerprint, x *group.Scalar, X, A, D *group.Element, binding []byte) (*DLEQProof, error) {
	if x == nil {
		return nil, fmt.Errorf("zkp: dleq: missing secret")
	}
	st, err := newDLEQStatement("dleq", X, A, D, binding)
	if err != nil {
		return nil, err
	}
	if new(group.Element).ScalarBaseMult(x).Equal(X) != 1 {
		return nil, wrongWitness("dleq", "X")
	}
	if new(group.Element).ScalarMult(x, A).Equal(D) != 1 {
		return nil, wrongWitness("dleq", "D")
	}
	ks, err := hedgedNonces(rand, dleqProtocol, &fp, st.absorb, []*group.Scalar{x}, 1)
	if err != nil {
		return nil, err
	}
	if err := nonZeroNonces("dleq", ks); err != nil {
		return nil, err
	}
	k := ks[0]
	p := &DLEQProof{
		RG: new(group.Element).ScalarBaseMult(k),
		RA: new(group.Element).ScalarMult(k, A),
	}
	c := st.challenge(&fp, p.RG, p.RA)
	p.Z = new(group.Scalar).MultiplyAdd(c, x, k)
	return p, nil
}

// VerifyDLEQ checks a proof that log_G(X) = log_A(D), bound to binding and
// the election fingerprint: z·G = R_G + c·X and z·A = R_A + c·D. It rejects
// X = identity and R_G = identity. Errors wrap [ErrInvalidProof] and say
// which equation failed.
func VerifyDLEQ(fp Fingerprint, X, A, D *group.Element, binding []byte, p *DLEQProof) error {
	st, err := dleqCheck(X, A, D, binding, p)
	if err != nil {
		return err
	}
	c := st.challenge(&fp, p.RG, p.RA)
	if !schnorrHolds(p.RG, p.Z, c, X) {
		return invalid("dleq", "z·G ≠ R_G + c·X")
	}
	negC := new(group.Scalar).Negate(c)
	got, _ := new(group.Element).VarTimeMultiScalarMult([]*group.Scalar{p.Z, negC}, []*group.Element{A, D})
	if got.Equal(p.RA) != 1 {
		return invalid("dleq", "z·A ≠ R_A + c·D")
	}
	return nil
}

// dleqCheck validates the shape of a DLEQ statement and proof.
func dleqCheck(X, A, D *group.Element, binding []byte, p *DLEQProof) (*dleqStatement, error) {
	if err := checkProofShape("dleq", p); err != nil {
		return nil, err
	}
	return newDLEQStatement("dleq", X, A, D, binding)
}

func checkProofShape(kind string, p *DLEQProof) error {
	if p == nil || p.RA == nil || p.Z == nil {
		return invalid(kind, "missing proof")
	}
	return checkPoint(kind, "commitment R_G", p.RG, false)
}

// A DLEQItem is one statement and proof for [BatchVerifyDLEQ].
type DLEQItem struct {
	X, A, D *group.Element
	Binding []byte
	Proof   *DLEQProof
}

// BatchVerifyDLEQ verifies many DLEQ proofs with one multi-scalar
// multiplication over random 128-bit weights from rand (nil means
// crypto/rand.Reader), two independent weights per proof (one per
// equation). It returns nil if every proof is valid, and otherwise a
// [*BatchError] listing exactly the invalid proofs. An empty list is rejected.
func BatchVerifyDLEQ(rand io.Reader, fp Fingerprint, items []DLEQItem) error {
	return batchOrEach(rand, "dleq", len(items), 5*len(items),
		func(b *batch, i int) error {
			it := &items[i]
			st, err := dleqCheck(it.X, it.A, it.D, it.Binding, it.Proof)
			if err != nil {
				return err
			}
			p := it.Proof
			c := st.challenge(&fp, p.RG, p.RA)
			if err := addSchnorrTerms(b, p.RG, p.Z, c, it.X); err != nil {
				return err
			}
			// w·(R_A + c·D − z·A)
			w, err := b.weight()
			if err != nil {
				return err
			}
			wz := new(group.Scalar).Multiply(w, p.Z)
			b.term(wz.Negate(wz), it.A)
			b.term(w, p.RA)
			b.term(new(group.Scalar).Multiply(w, c), it.D)
			return nil
		},
		func(i int) error {
			it := &items[i]
			return VerifyDLEQ(fp, it.X, it.A, it.D, it.Binding, it.Proof)
		})
}

// Bytes returns the 96-byte encoding R_G || R_A || z.
func (p *DLEQProof) Bytes() []byte {
	b := make([]byte, 0, DLEQProofSize)
	b = p.RG.AppendBytes(b)
	b = p.RA.AppendBytes(b)
	return append(b, p.Z.Bytes()...)
}

// ParseDLEQProof decodes a DLEQ proof (single or batched): exactly 96
// bytes, R_G a canonical element other than the identity, R_A a canonical
// element (the identity is allowed: it is k·O when A is the identity), z a
// canonical scalar. Errors wrap [ErrMalformed].
func ParseDLEQProof(b []byte) (*DLEQProof, error) {
	if len(b) != DLEQProofSize {
		return nil, malformed("dleq", fmt.Sprintf("proof is %d bytes, want %d", len(b), DLEQProofSize))
	}
	d := newDecoder("dleq", b)
	p := &DLEQProof{
		RG: d.nonIdentity("commitment R_G"),
		RA: d.element("commitment R_A"),
		Z:  d.scalar("response z"),
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return p, nil
}

// sharesStatement holds the encodings of a batched decryption-share
// statement.
type sharesStatement struct {
	binding []byte
	X       []byte
	as, ds  [][]byte
}

// absorb absorbs Bytes("binding"), Element("X"), Elements("A"),
// Elements("D").
func (s *sharesStatement) absorb(t *transcript.Transcript) {
	t.Bytes("binding", s.binding)
	t.ElementBytes("X", s.X)
	t.List("A", len(s.as))
	for _, a := range s.as {
		t.ElementBytes("", a)
	}
	t.List("D", len(s.ds))
	for _, d := range s.ds {
		t.ElementBytes("", d)
	}
}

func encodeAll(es []*group.Element) [][]byte {
	buf := make([]byte, 0, len(es)*group.ElementSize)
	out := make([][]byte, len(es))
	for i, e := range es {
		buf = e.AppendBytes(buf)
		out[i] = buf[len(buf)-group.ElementSize:]
	}
	return out
}

// checkShareInputs validates the public inputs of a batched decryption
// share proof.
func checkShareInputs(X *group.Element, As []*group.Element) error {
	if err := checkPoint("decryption shares", "public key X", X, false); err != nil {
		return err
	}
	if len(As) == 0 {
		return invalid("decryption shares", "no ciphertexts")
	}
	for j, A := range As {
		if A == nil {
			return invalid("decryption shares", fmt.Sprintf("missing A_%d", j))
		}
	}
	return nil
}

// ProveDecryptionShares computes the decryption shares D_j = x·A_j of the
// first components A_j of many ciphertexts and one proof that all of them
// are correct, log_G(X) = log_{A_j}(D_j) for every j. binding names the
// trustee.
//
// The proof is a DLEQ on random linear combinations: after absorbing X and
// every A_j and D_j, the transcript yields weights e_j, and the prover proves
// log_G(X) = log_{A*}(D*) for A* = Σ e_j·A_j and D* = Σ e_j·D_j = x·A*, in
// the same transcript. If some D_j ≠ x·A_j then D* ≠ x·A* except with
// probability 1/ℓ over the weights, which are fixed only after every share
// is. Nonces come from rand (nil means crypto/rand.Reader), hedged with x.
// ProveDecryptionShares refuses if X ≠ x·G.
func ProveDecryptionShares(rand io.Reader, fp Fingerprint, x *group.Scalar, X *group.Element, As []*group.Element, binding []byte) ([]*group.Element, *DLEQProof, error) {
	if x == nil {
		return nil, nil, fmt.Errorf("zkp: decryption shares: missing secret")
	}
	if err := checkShareInputs(X, As); err != nil {
		return nil, nil, err
	}
	if new(group.Element).ScalarBaseMult(x).Equal(X) != 1 {
		return nil, nil, wrongWitness("decryption shares", "X")
	}
	Ds := make([]*group.Element, len(As))
	for j, A := range As {
		Ds[j] = new(group.Element).ScalarMult(x, A)
	}
	st := &sharesStatement{binding: binding, X: X.Bytes(), as: encodeAll(As), ds: encodeAll(Ds)}
	t := sigmaTranscript(sharesProtocol, &fp)
	st.absorb(t)
	e := t.ChallengeScalars("e", len(As))
	// A* is public: every input is. D* = x·A* (constant time).
	Astar, err := new(group.Element).VarTimeMultiScalarMult(e, As)
	if err != nil {
		return nil, nil, err
	}
	ks, err := hedgedNonces(rand, sharesProtocol, &fp, st.absorb, []*group.Scalar{x}, 1)
	if err != nil {
		return nil, nil, err
	}
	if err := nonZeroNonces("decryption shares", ks); err != nil {
		return nil, nil, err
	}
	k := ks[0]
	p := &DLEQProof{
		RG: new(group.Element).ScalarBaseMult(k),
		RA: new(group.Element).ScalarMult(k, Astar),
	}
	t.Element("RG", p.RG)
	t.Element("RA", p.RA)
	c := t.Challenge("c")
	p.Z = new(group.Scalar).MultiplyAdd(c, x, k)
	return Ds, p, nil
}

// VerifyDecryptionShares checks a batched proof that every D_j = x·A_j for
// the x of X = x·G. It recomputes the weights e_j from the transcript and
// checks z·G = R_G + c·X and z·A* = R_A + c·D*, the latter as one
// multi-scalar multiplication Σ (z·e_j)·A_j − Σ (c·e_j)·D_j − R_A = O. It
// rejects empty lists and lists of different lengths. A wrong or misplaced
// share makes the second equation fail; the proof cannot say which share is
// wrong (check them with [VerifyDLEQ] proofs, or re-request them). Errors
// wrap [ErrInvalidProof].
func VerifyDecryptionShares(fp Fingerprint, X *group.Element, As, Ds []*group.Element, binding []byte, p *DLEQProof) error {
	const kind = "decryption shares"
	if err := checkShareInputs(X, As); err != nil {
		return err
	}
	if len(Ds) != len(As) {
		return invalid(kind, fmt.Sprintf("%d shares for %d ciphertexts", len(Ds), len(As)))
	}
	for j, D := range Ds {
		if D == nil {
			return invalid(kind, fmt.Sprintf("missing share D_%d", j))
		}
	}
	if err := checkProofShape(kind, p); err != nil {
		return err
	}
	st := &sharesStatement{binding: binding, X: X.Bytes(), as: encodeAll(As), ds: encodeAll(Ds)}
	t := sigmaTranscript(sharesProtocol, &fp)
	st.absorb(t)
	e := t.ChallengeScalars("e", len(As))
	t.Element("RG", p.RG)
	t.Element("RA", p.RA)
	c := t.Challenge("c")
	if !schnorrHolds(p.RG, p.Z, c, X) {
		return invalid(kind, "z·G ≠ R_G + c·X")
	}
	n := len(As)
	scalars := make([]*group.Scalar, 0, 2*n+1)
	elements := make([]*group.Element, 0, 2*n+1)
	negC := new(group.Scalar).Negate(c)
	for j := range As {
		scalars = append(scalars, new(group.Scalar).Multiply(p.Z, e[j]), new(group.Scalar).Multiply(negC, e[j]))
		elements = append(elements, As[j], Ds[j])
	}
	scalars = append(scalars, new(group.Scalar).SetInt64(-1))
	elements = append(elements, p.RA)
	sum, err := new(group.Element).VarTimeMultiScalarMult(scalars, elements)
	if err != nil || !sum.IsIdentity() {
		return invalid(kind, "z·A* ≠ R_A + c·D*")
	}
	return nil
}
