package zkp

import (
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// BallotProofEntrySize is the size of one (R_j, z_j) entry of an encoded
// [BallotProof]; a proof for w ciphertexts is w entries long.
const BallotProofEntrySize = group.ElementSize + group.ScalarSize

// A BallotProof proves knowledge of the encryption randomness r_j of every
// ciphertext of a ballot, A_j = r_j·G, with one Fiat-Shamir challenge over
// the election fingerprint, the public key, all the ciphertexts and the
// voter's credential. It makes ballots non-malleable: a ballot copied or
// re-randomised by someone who does not know the r_j, or replayed under
// another credential, has no valid proof (a Schnorr proof of the randomness
// makes ElGamal plaintext-aware, as in the "Signed ElGamal" of Tsiounis and
// Yung, PKC 1998, and Bernhard, Pereira, Warinschi, Asiacrypt 2012).
//
// The proof is in commitment form: one commitment R_j = k_j·G and one
// response z_j = k_j + c·r_j per ciphertext, so many ballots verify in one
// batch ([BatchVerifyBallots]).
type BallotProof struct {
	R []*group.Element // commitments k_j·G, one per ciphertext; never the identity
	Z []*group.Scalar  // responses k_j + c·r_j, one per ciphertext

	// parsed holds, for a decoded proof, copies of the commitments and
	// their encodings, so that the verifier need not re-encode them. It is
	// used only while the R_j still equal the copies.
	parsed *parsedCommitments
}

// parsedCommitments caches the encodings of decoded commitments.
type parsedCommitments struct {
	elems []group.Element
	enc   []byte // len(elems)·32 bytes
}

// commitmentEncodings returns the encodings of p.R, from the cache if p was
// decoded and its commitments have not been changed since.
func (p *BallotProof) commitmentEncodings() [][]byte {
	out := make([][]byte, len(p.R))
	if c := p.parsed; c != nil && len(c.elems) == len(p.R) {
		same := 1
		for j, R := range p.R {
			same &= R.Equal(&c.elems[j])
		}
		if same == 1 {
			for j := range out {
				out[j] = c.enc[j*group.ElementSize : (j+1)*group.ElementSize]
			}
			return out
		}
	}
	return encodeAll(p.R)
}

// ballotStatement holds the encodings of a ballot proof's statement.
type ballotStatement struct {
	pk         []byte
	as, bs     [][]byte
	credential []byte
}

// absorb absorbs the statement: Element("pk"), Elements("A"),
// Elements("B"), Bytes("credential").
func (s *ballotStatement) absorb(t *transcript.Transcript) {
	t.ElementBytes("pk", s.pk)
	t.List("A", len(s.as))
	for _, a := range s.as {
		t.ElementBytes("", a)
	}
	t.List("B", len(s.bs))
	for _, b := range s.bs {
		t.ElementBytes("", b)
	}
	t.Bytes("credential", s.credential)
}

// challenge returns the ballot proof challenge for the commitments with
// encodings R.
func (s *ballotStatement) challenge(fp *Fingerprint, R [][]byte) *group.Scalar {
	t := sigmaTranscript(ballotProtocol, fp)
	s.absorb(t)
	t.List("R", len(R))
	for _, r := range R {
		t.ElementBytes("", r)
	}
	return t.Challenge("c")
}

// newBallotStatement validates and encodes a ballot statement. pkEnc, if
// not nil, is the encoding of pk, computed once per batch.
func newBallotStatement(pk *group.Element, pkEnc []byte, cts []Ciphertext, credential []byte) (*ballotStatement, error) {
	if err := checkPoint("ballot", "public key", pk, false); err != nil {
		return nil, err
	}
	if len(cts) == 0 {
		return nil, invalid("ballot", "no ciphertexts")
	}
	if pkEnc == nil {
		pkEnc = pk.Bytes()
	}
	st := &ballotStatement{
		pk:         pkEnc,
		as:         make([][]byte, len(cts)),
		bs:         make([][]byte, len(cts)),
		credential: credential,
	}
	buf := make([]byte, 0, 2*group.ElementSize*len(cts))
	for j, ct := range cts {
		if ct.A == nil || ct.B == nil {
			return nil, invalid("ballot", fmt.Sprintf("ciphertext %d has a missing component", j))
		}
		if ct.A.IsIdentity() {
			// Only r_j = 0 gives A_j = O, and then B_j is the plaintext.
			return nil, invalid("ballot", fmt.Sprintf("ciphertext %d has A = identity", j))
		}
		buf = ct.A.AppendBytes(buf)
		st.as[j] = buf[len(buf)-group.ElementSize:]
		buf = ct.B.AppendBytes(buf)
		st.bs[j] = buf[len(buf)-group.ElementSize:]
	}
	return st, nil
}

// ProveBallot proves knowledge of the randomness rs[j] of every ciphertext
// cts[j] = (rs[j]·G, M_j + rs[j]·pk), bound to the election fingerprint and
// the voter's credential (the public credential key's bytes). The ballot
// must have at least one ciphertext, and rs one scalar per ciphertext.
// Nonces come from rand (nil means crypto/rand.Reader), hedged with the
// randomness rs. ProveBallot refuses if some A_j ≠ rs[j]·G.
func ProveBallot(rand io.Reader, fp Fingerprint, pk *group.Element, cts []Ciphertext, rs []*group.Scalar, credential []byte) (*BallotProof, error) {
	if len(rs) != len(cts) {
		return nil, fmt.Errorf("zkp: ballot: %d randomness scalars for %d ciphertexts", len(rs), len(cts))
	}
	for _, r := range rs {
		if r == nil {
			return nil, fmt.Errorf("zkp: ballot: missing randomness")
		}
	}
	st, err := newBallotStatement(pk, nil, cts, credential)
	if err != nil {
		return nil, err
	}
	for j, r := range rs {
		if new(group.Element).ScalarBaseMult(r).Equal(cts[j].A) != 1 {
			return nil, wrongWitness("ballot", fmt.Sprintf("ciphertext %d", j))
		}
	}
	ks, err := hedgedNonces(rand, ballotProtocol, &fp, st.absorb, rs, len(cts))
	if err != nil {
		return nil, err
	}
	if err := nonZeroNonces("ballot", ks); err != nil {
		return nil, err
	}
	p := &BallotProof{R: make([]*group.Element, len(cts)), Z: make([]*group.Scalar, len(cts))}
	for j, k := range ks {
		p.R[j] = new(group.Element).ScalarBaseMult(k)
	}
	c := st.challenge(&fp, encodeAll(p.R))
	for j, k := range ks {
		p.Z[j] = new(group.Scalar).MultiplyAdd(c, rs[j], k)
	}
	return p, nil
}

// VerifyBallot checks a ballot proof for the ciphertexts cts under pk, cast
// with credential in the election fp: for every j, z_j·G = R_j + c·A_j. It
// rejects an empty ballot, a proof whose width differs from the ballot's, a
// ciphertext with A_j = identity and a commitment R_j = identity. Errors
// wrap [ErrInvalidProof] and name the failing check.
func VerifyBallot(fp Fingerprint, pk *group.Element, cts []Ciphertext, credential []byte, p *BallotProof) error {
	st, err := ballotCheck(pk, nil, cts, credential, p)
	if err != nil {
		return err
	}
	c := st.challenge(&fp, p.commitmentEncodings())
	for j, ct := range cts {
		if !schnorrHolds(p.R[j], p.Z[j], c, ct.A) {
			return invalid("ballot", fmt.Sprintf("ciphertext %d: z·G ≠ R + c·A", j))
		}
	}
	return nil
}

// ballotCheck validates the shape of a ballot statement and proof.
func ballotCheck(pk *group.Element, pkEnc []byte, cts []Ciphertext, credential []byte, p *BallotProof) (*ballotStatement, error) {
	if p == nil {
		return nil, invalid("ballot", "missing proof")
	}
	st, err := newBallotStatement(pk, pkEnc, cts, credential)
	if err != nil {
		return nil, err
	}
	if len(p.R) != len(cts) || len(p.Z) != len(cts) {
		return nil, invalid("ballot", fmt.Sprintf("proof has %d commitments and %d responses for %d ciphertexts", len(p.R), len(p.Z), len(cts)))
	}
	for j := range cts {
		if p.R[j] == nil || p.Z[j] == nil {
			return nil, invalid("ballot", fmt.Sprintf("proof entry %d has a missing field", j))
		}
		if p.R[j].IsIdentity() {
			return nil, invalid("ballot", fmt.Sprintf("commitment R_%d is the identity", j))
		}
	}
	return st, nil
}

// A BallotItem is one ballot for [BatchVerifyBallots].
type BallotItem struct {
	Ciphertexts []Ciphertext
	Credential  []byte
	Proof       *BallotProof
}

// BatchVerifyBallots verifies the proofs of many ballots of one election
// (fingerprint fp, public key pk) with one multi-scalar multiplication: each
// equation z_j·G = R_j + c·A_j of each ballot is weighted by an independent
// 128-bit scalar from rand (nil means crypto/rand.Reader) and the weighted
// sum is checked once. A batch with an invalid proof passes with
// probability at most 2^-128.
//
// It returns nil if every proof is valid. Otherwise it returns a
// [*BatchError] whose Indices are exactly the invalid ballots: when the
// combined equation fails, every ballot is checked on its own. An empty list
// is rejected.
func BatchVerifyBallots(rand io.Reader, fp Fingerprint, pk *group.Element, items []BallotItem) error {
	if err := checkPoint("ballot", "public key", pk, false); err != nil {
		return err
	}
	pkEnc := pk.Bytes()
	terms := 0
	for i := range items {
		terms += 2 * len(items[i].Ciphertexts)
	}
	return batchOrEach(rand, "ballot", len(items), terms,
		func(b *batch, i int) error {
			it := &items[i]
			st, err := ballotCheck(pk, pkEnc, it.Ciphertexts, it.Credential, it.Proof)
			if err != nil {
				return err
			}
			c := st.challenge(&fp, it.Proof.commitmentEncodings())
			for j, ct := range it.Ciphertexts {
				if err := addSchnorrTerms(b, it.Proof.R[j], it.Proof.Z[j], c, ct.A); err != nil {
					return err
				}
			}
			return nil
		},
		func(i int) error {
			return VerifyBallot(fp, pk, items[i].Ciphertexts, items[i].Credential, items[i].Proof)
		})
}

// Bytes returns the encoding of the proof: for each ciphertext in order,
// R_j || z_j (64 bytes per ciphertext).
func (p *BallotProof) Bytes() []byte {
	b := make([]byte, 0, len(p.R)*BallotProofEntrySize)
	for j := range p.R {
		b = p.R[j].AppendBytes(b)
		b = append(b, p.Z[j].Bytes()...)
	}
	return b
}

// ParseBallotProof decodes a ballot proof: a non-zero multiple of 64 bytes,
// each entry a canonical element other than the identity followed by a
// canonical scalar. The width is the number of entries; the verifier checks
// it against the ballot. Errors wrap [ErrMalformed].
func ParseBallotProof(b []byte) (*BallotProof, error) {
	if len(b) == 0 {
		return nil, malformed("ballot", "empty proof")
	}
	if len(b)%BallotProofEntrySize != 0 {
		return nil, malformed("ballot", fmt.Sprintf("proof length %d is not a multiple of %d", len(b), BallotProofEntrySize))
	}
	w := len(b) / BallotProofEntrySize
	p := &BallotProof{
		R:      make([]*group.Element, w),
		Z:      make([]*group.Scalar, w),
		parsed: &parsedCommitments{elems: make([]group.Element, w), enc: make([]byte, 0, w*group.ElementSize)},
	}
	for j := 0; j < w; j++ {
		e := b[j*BallotProofEntrySize:]
		R, err := group.ParseElement(e[:group.ElementSize])
		if err != nil {
			return nil, malformed("ballot", fmt.Sprintf("non-canonical element commitment R_%d", j))
		}
		if R.IsIdentity() {
			return nil, malformed("ballot", fmt.Sprintf("identity element commitment R_%d", j))
		}
		z, err := new(group.Scalar).SetCanonicalBytes(e[group.ElementSize:BallotProofEntrySize])
		if err != nil {
			return nil, malformed("ballot", fmt.Sprintf("non-canonical scalar response z_%d", j))
		}
		p.R[j], p.Z[j] = R, z
		p.parsed.elems[j].Set(R)
		p.parsed.enc = append(p.parsed.enc, e[:group.ElementSize]...)
	}
	return p, nil
}
