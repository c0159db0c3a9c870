package zkp

import (
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// This file holds the Schnorr proof of knowledge of a discrete logarithm
// (the key proof) and the machinery the sigma proofs of this package share:
// the proof transcript with the standard generator, hedged nonces and the
// batch-with-fallback driver. docs/spec/zkp-sigma.md specifies every proof
// byte for byte.

// Protocol labels of the sigma proofs, absorbed first by their transcripts.
const (
	keyProtocol    = "veche/zkp/key/v1"
	ballotProtocol = "veche/zkp/ballot/v1"
	dleqProtocol   = "veche/zkp/dleq/v1"
	sharesProtocol = "veche/zkp/decryption-shares/v1"

	// nonceProtocol is the protocol label of the prover's private nonce
	// transcript (see hedgedNonces); verifiers never compute it.
	nonceProtocol = "veche/zkp/nonce/v1"
)

// KeyProofSize is the size of an encoded [KeyProof]: R || z.
const KeyProofSize = group.ElementSize + group.ScalarSize

// schnorrHolds reports whether z·G = R + c·P, computed as R == z·G − c·P on
// public data.
func schnorrHolds(R *group.Element, z, c *group.Scalar, P *group.Element) bool {
	negC := new(group.Scalar).Negate(c)
	return new(group.Element).VarTimeDoubleScalarBaseMult(negC, P, z).Equal(R) == 1
}

// addSchnorrTerms adds w·(R + c·P − z·G) to the batch, with a fresh 128-bit
// weight w (R's coefficient stays short).
func addSchnorrTerms(b *batch, R *group.Element, z, c *group.Scalar, P *group.Element) error {
	w, err := b.weight()
	if err != nil {
		return err
	}
	wz := new(group.Scalar).Multiply(w, z)
	b.termG(wz.Negate(wz))
	b.term(w, R)
	b.term(new(group.Scalar).Multiply(w, c), P)
	return nil
}

// A KeyProof is a Schnorr proof of knowledge of x with X = x·G (Schnorr,
// "Efficient signature generation by smart cards", J. Cryptology 1991), made
// non-interactive with the strong Fiat-Shamir transform and kept in
// commitment form so that many proofs verify in one batch. Trustees prove
// knowledge of their key shares and voters of their credential keys with it.
type KeyProof struct {
	R *group.Element // commitment k·G; never the identity
	Z *group.Scalar  // response k + c·x
}

// keyStatement holds the statement's encodings.
type keyStatement struct {
	binding []byte
	X       []byte
}

func (s *keyStatement) absorb(t *transcript.Transcript) {
	t.Bytes("binding", s.binding)
	t.ElementBytes("X", s.X)
}

// challenge returns the key proof challenge for commitment R.
func (s *keyStatement) challenge(fp *Fingerprint, R *group.Element) *group.Scalar {
	t := sigmaTranscript(keyProtocol, fp)
	s.absorb(t)
	t.Element("R", R)
	return t.Challenge("c")
}

// ProveKey proves knowledge of the secret key x of the public key X = x·G.
// binding names the key's owner (a trustee index, a credential identifier)
// and must be given again to [VerifyKey]; the proof does not verify for
// another binding, key or election fingerprint. Nonces come from rand (nil
// means crypto/rand.Reader), hedged with the secret as in hedgedNonces. X
// must not be the identity, and ProveKey refuses if X ≠ x·G.
func ProveKey(rand io.Reader, fp Fingerprint, x *group.Scalar, X *group.Element, binding []byte) (*KeyProof, error) {
	if x == nil {
		return nil, fmt.Errorf("zkp: key: missing secret key")
	}
	if X == nil || X.IsIdentity() {
		return nil, fmt.Errorf("zkp: key: public key is missing or the identity")
	}
	if new(group.Element).ScalarBaseMult(x).Equal(X) != 1 {
		return nil, wrongWitness("key", "X")
	}
	st := &keyStatement{binding: binding, X: X.Bytes()}
	ks, err := hedgedNonces(rand, keyProtocol, &fp, st.absorb, []*group.Scalar{x}, 1)
	if err != nil {
		return nil, err
	}
	if err := nonZeroNonces("key", ks); err != nil {
		return nil, err
	}
	k := ks[0]
	R := new(group.Element).ScalarBaseMult(k)
	c := st.challenge(&fp, R)
	z := new(group.Scalar).MultiplyAdd(c, x, k)
	return &KeyProof{R: R, Z: z}, nil
}

// VerifyKey checks a proof that the prover knows the secret key of X, bound
// to binding and the election fingerprint: z·G = R + c·X. It rejects X = the
// identity and R = the identity. Errors wrap [ErrInvalidProof].
func VerifyKey(fp Fingerprint, X *group.Element, binding []byte, p *KeyProof) error {
	st, err := keyCheck(X, binding, p)
	if err != nil {
		return err
	}
	c := st.challenge(&fp, p.R)
	if !schnorrHolds(p.R, p.Z, c, X) {
		return invalid("key", "z·G ≠ R + c·X")
	}
	return nil
}

// keyCheck validates the shape of a key statement and proof.
func keyCheck(X *group.Element, binding []byte, p *KeyProof) (*keyStatement, error) {
	if err := checkPoint("key", "public key X", X, false); err != nil {
		return nil, err
	}
	if p == nil || p.Z == nil {
		return nil, invalid("key", "missing proof")
	}
	if err := checkPoint("key", "commitment R", p.R, false); err != nil {
		return nil, err
	}
	return &keyStatement{binding: binding, X: X.Bytes()}, nil
}

// A KeyItem is one statement and proof for [BatchVerifyKeys].
type KeyItem struct {
	X       *group.Element
	Binding []byte
	Proof   *KeyProof
}

// BatchVerifyKeys verifies many key proofs with one multi-scalar
// multiplication over random 128-bit weights drawn from rand (nil means
// crypto/rand.Reader). It returns nil if every proof is valid. Otherwise it
// returns a [*BatchError] listing every invalid proof, found by checking the
// proofs one by one after the batch equation failed. An empty list is
// rejected.
func BatchVerifyKeys(rand io.Reader, fp Fingerprint, items []KeyItem) error {
	return batchOrEach(rand, "key", len(items), 2*len(items),
		func(b *batch, i int) error {
			it := &items[i]
			st, err := keyCheck(it.X, it.Binding, it.Proof)
			if err != nil {
				return err
			}
			c := st.challenge(&fp, it.Proof.R)
			return addSchnorrTerms(b, it.Proof.R, it.Proof.Z, c, it.X)
		},
		func(i int) error { return VerifyKey(fp, items[i].X, items[i].Binding, items[i].Proof) })
}

// Bytes returns the 64-byte encoding R || z.
func (p *KeyProof) Bytes() []byte {
	b := make([]byte, 0, KeyProofSize)
	b = p.R.AppendBytes(b)
	return append(b, p.Z.Bytes()...)
}

// ParseKeyProof decodes a key proof: exactly 64 bytes, R a canonical
// element other than the identity, z a canonical scalar. Errors wrap
// [ErrMalformed].
func ParseKeyProof(b []byte) (*KeyProof, error) {
	if len(b) != KeyProofSize {
		return nil, malformed("key", fmt.Sprintf("proof is %d bytes, want %d", len(b), KeyProofSize))
	}
	d := newDecoder("key", b)
	p := &KeyProof{R: d.nonIdentity("commitment R"), Z: d.scalar("response z")}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return p, nil
}
