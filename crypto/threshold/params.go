package threshold

import (
	"fmt"
	"math/big"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

// MaxTrustees is the largest number of trustees n. It bounds the scale
// factor L = (n−1)! below 2^113 and every scaled Lagrange coefficient
// L·λ_j below 2^143, which keeps the combination's multi-exponentiation
// short (docs/decisions/0007-threshold-decryption.md).
const MaxTrustees = 32

// Params are the public parameters of a threshold key as everyone knows
// them after the key ceremony: the election fingerprint, the threshold k,
// the number of trustees n, the joint public key Y and the verification
// keys Y_j = x_j·G of the trustees j = 1 … n. A Params is read-only after
// [NewParams] and safe for concurrent use.
type Params struct {
	fp   zkp.Fingerprint
	k, n int
	pk   *group.Element
	keys []*group.Element // keys[j-1] = Y_j

	scale    *big.Int       // L = (n−1)!
	scaleInv *group.Scalar  // L^-1 mod ℓ
	gen      *group.Element // G' = L·G
	genEnc   []byte
}

// NewParams validates and returns the parameters of a k-of-n threshold key
// with joint public key publicKey and verificationKeys[j−1] = Y_j. It
// requires 1 ≤ k ≤ n ≤ [MaxTrustees], no identity key, and that the keys
// are consistent: the points (j, Y_j) and (0, Y) lie on one polynomial of
// degree at most k − 1 "in the exponent", that is Y_j = Σ_m λ_m^(j)·Y_m
// over m = 1 … k for every j > k, and Y = Σ_m λ_m^(0)·Y_m. Only then do any
// k correct partial decryptions give the same plaintexts, those of Y's
// private key. The check costs n − k + 1 multi-scalar multiplications of k
// terms.
func NewParams(fp zkp.Fingerprint, k, n int, publicKey *group.Element, verificationKeys []*group.Element) (*Params, error) {
	if n < 1 || n > MaxTrustees {
		return nil, fmt.Errorf("threshold: %d trustees, want 1 to %d", n, MaxTrustees)
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("threshold: threshold k = %d, want 1 to n = %d", k, n)
	}
	if len(verificationKeys) != n {
		return nil, fmt.Errorf("threshold: %d verification keys for %d trustees", len(verificationKeys), n)
	}
	if publicKey == nil || publicKey.IsIdentity() {
		return nil, fmt.Errorf("threshold: joint public key is missing or the identity")
	}
	p := &Params{fp: fp, k: k, n: n, pk: new(group.Element).Set(publicKey)}
	p.keys = make([]*group.Element, n)
	for i, Y := range verificationKeys {
		if Y == nil || Y.IsIdentity() {
			return nil, fmt.Errorf("threshold: verification key of trustee %d is missing or the identity", i+1)
		}
		p.keys[i] = new(group.Element).Set(Y)
	}
	if err := p.checkConsistent(); err != nil {
		return nil, err
	}
	p.scale = scaleFactor(n)
	L := scalarFromBig(p.scale)
	p.scaleInv = new(group.Scalar).Invert(L)
	p.gen = new(group.Element).ScalarBaseMult(L)
	p.genEnc = p.gen.Bytes()
	return p, nil
}

// checkConsistent checks that the verification keys and the joint key lie
// on a polynomial of degree < k, interpolating from trustees 1 … k.
func (p *Params) checkConsistent() error {
	base := make([]uint32, p.k)
	for i := range base {
		base[i] = uint32(i + 1)
	}
	check := func(x uint32, want *group.Element, what string) error {
		lambda, err := lagrangeAt(x, base)
		if err != nil {
			return err
		}
		got, err := new(group.Element).VarTimeMultiScalarMult(lambda, p.keys[:p.k])
		if err != nil {
			return err
		}
		if got.Equal(want) != 1 {
			return fmt.Errorf("threshold: %s is not on the polynomial through the verification keys of trustees 1 to %d", what, p.k)
		}
		return nil
	}
	for j := p.k + 1; j <= p.n; j++ {
		if err := check(uint32(j), p.keys[j-1], fmt.Sprintf("verification key of trustee %d", j)); err != nil {
			return err
		}
	}
	return check(0, p.pk, "the joint public key")
}

// Fingerprint returns the election fingerprint.
func (p *Params) Fingerprint() zkp.Fingerprint { return p.fp }

// K returns the threshold: the number of trustees needed to decrypt.
func (p *Params) K() int { return p.k }

// N returns the number of trustees.
func (p *Params) N() int { return p.n }

// PublicKey returns (a copy of) the joint public key Y.
func (p *Params) PublicKey() *group.Element { return new(group.Element).Set(p.pk) }

// VerificationKey returns (a copy of) Y_j = x_j·G, or nil if the index is
// not in 1 … n.
func (p *Params) VerificationKey(index uint32) *group.Element {
	if !p.validIndex(index) {
		return nil
	}
	return new(group.Element).Set(p.keys[index-1])
}

// ScaleFactor returns L = (n−1)!. A partial decryption holds the shares
// (x_j/L)·A_i: multiplied by L they are the textbook decryption shares
// x_j·A_i.
func (p *Params) ScaleFactor() *big.Int { return new(big.Int).Set(p.scale) }

// ScaledGenerator returns G' = L·G, the base of the partial decryption
// proofs: Y_j = (x_j/L)·G'.
func (p *Params) ScaledGenerator() *group.Element { return new(group.Element).Set(p.gen) }

func (p *Params) validIndex(index uint32) bool {
	return index >= 1 && int64(index) <= int64(p.n)
}

// scaleFactor returns (n−1)!.
func scaleFactor(n int) *big.Int {
	return new(big.Int).MulRange(1, int64(n-1))
}

// scalarFromBig returns x mod ℓ for 0 ≤ x < 2^256.
func scalarFromBig(x *big.Int) *group.Scalar {
	var wide [64]byte
	b := x.Bytes()
	for i, v := range b {
		wide[len(b)-1-i] = v
	}
	s, err := new(group.Scalar).SetUniformBytes(wide[:])
	if err != nil {
		panic("threshold: internal error: " + err.Error())
	}
	return s
}
