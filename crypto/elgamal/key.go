package elgamal

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/veche/veche/crypto/group"
)

// A PublicKey is an ElGamal public key PK = s·G: a ristretto255 element
// other than the identity.
//
// The zero value is not valid; use [NewPublicKey], [NewPublicKeyFromElement]
// or [PrivateKey.Public]. PublicKeys are not comparable with ==; use
// [PublicKey.Equal].
type PublicKey struct {
	_ [0]func() // not comparable
	e group.Element

	// fb is the fixed-base table of e, built on the first encryption under
	// this key (about 0.2 ms, four scalar multiplications): afterwards r·PK
	// costs about as much as r·G (≈ 17 µs instead of ≈ 55 µs), which is
	// what shuffles and ballot encryption spend most of their time on.
	fb atomic.Pointer[group.FixedBase]
}

// mult returns r·PK in constant time, through the fixed-base table.
func (pk *PublicKey) mult(r *group.Scalar) *group.Element {
	fb := pk.fb.Load()
	if fb == nil {
		fb = group.NewFixedBase(&pk.e)
		pk.fb.Store(fb)
	}
	return new(group.Element).FixedBaseMult(fb, r)
}

// NewPublicKey decodes the canonical 32-byte encoding of a public key. It
// rejects non-canonical encodings and the identity element (the public key of
// the secret 0, under which every ciphertext is B = M in the clear).
func NewPublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("elgamal: public key must be %d bytes, got %d: %w", PublicKeySize, len(b), ErrMalformed)
	}
	pk := new(PublicKey)
	if _, err := pk.e.SetCanonicalBytes(b); err != nil {
		return nil, fmt.Errorf("elgamal: public key: %w: %w", err, ErrMalformed)
	}
	if pk.e.IsIdentity() {
		return nil, fmt.Errorf("elgamal: public key: %w: %w", group.ErrIdentityElement, ErrMalformed)
	}
	return pk, nil
}

// NewPublicKeyFromElement returns the public key e, which is copied. It
// rejects the identity element. Threshold key generation uses it to wrap the
// joint key Σ s_i·G.
func NewPublicKeyFromElement(e *group.Element) (*PublicKey, error) {
	if e.IsIdentity() {
		return nil, fmt.Errorf("elgamal: public key: %w: %w", group.ErrIdentityElement, ErrMalformed)
	}
	pk := new(PublicKey)
	pk.e.Set(e)
	return pk, nil
}

// Bytes returns the canonical 32-byte encoding of pk.
func (pk *PublicKey) Bytes() []byte { return pk.e.Bytes() }

// Element returns a copy of the group element PK.
func (pk *PublicKey) Element() *group.Element { return new(group.Element).Set(&pk.e) }

// Equal reports whether pk and x are the same public key.
func (pk *PublicKey) Equal(x *PublicKey) bool { return pk.e.Equal(&x.e) == 1 }

// A PrivateKey is an ElGamal secret key: a non-zero scalar s, together with
// its public key s·G.
//
// The zero value is not valid; use [GenerateKey] or [NewPrivateKey].
// PrivateKeys are not comparable with ==; use [PrivateKey.Equal]. The fmt
// package prints every PrivateKey, with any verb, as
// "elgamal.PrivateKey{REDACTED}"; the secret sits behind a pointer so that it
// is not printed either when a PrivateKey is an unexported field of a
// printed struct.
type PrivateKey struct {
	_   [0]func() // not comparable
	s   *group.Scalar
	pub *PublicKey
}

// GenerateKey returns a new key pair using randomness from rand, or from
// crypto/rand.Reader if rand is nil. It reads 64 bytes at a time and reduces
// them modulo ℓ, retrying in the (negligible) case of zero.
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	s, err := group.RandomNonZeroScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("elgamal: generating key: %w", err)
	}
	return newPrivateKey(s), nil
}

// NewPrivateKey decodes the canonical 32-byte little-endian encoding of a
// secret scalar. It rejects encodings of integers ≥ ℓ (it never reduces
// them) and zero.
func NewPrivateKey(b []byte) (*PrivateKey, error) {
	if len(b) != PrivateKeySize {
		return nil, fmt.Errorf("elgamal: private key must be %d bytes, got %d: %w", PrivateKeySize, len(b), ErrMalformed)
	}
	s, err := new(group.Scalar).SetCanonicalBytes(b)
	if err != nil {
		return nil, fmt.Errorf("elgamal: private key is not a canonical scalar: %w", ErrMalformed)
	}
	if s.IsZero() {
		return nil, fmt.Errorf("elgamal: private key is zero: %w", ErrMalformed)
	}
	return newPrivateKey(s), nil
}

func newPrivateKey(s *group.Scalar) *PrivateKey {
	pub := new(PublicKey)
	pub.e.ScalarBaseMult(s)
	return &PrivateKey{s: s, pub: pub}
}

// Public returns the public key s·G.
func (sk *PrivateKey) Public() *PublicKey {
	pk := new(PublicKey)
	pk.e.Set(&sk.pub.e)
	return pk
}

// Bytes returns the canonical 32-byte little-endian encoding of the secret
// scalar. Handle the result as a secret.
func (sk *PrivateKey) Bytes() []byte { return sk.s.Bytes() }

// Scalar returns a copy of the secret scalar s, for proofs of knowledge of
// the key and for correct-decryption proofs. Handle it as a secret.
func (sk *PrivateKey) Scalar() *group.Scalar { return new(group.Scalar).Set(sk.s) }

// Equal reports, in constant time, whether sk and x hold the same secret.
func (sk *PrivateKey) Equal(x *PrivateKey) bool {
	return sk.s.Equal(x.s) == 1
}

const redacted = "elgamal.PrivateKey{REDACTED}"

// String returns "elgamal.PrivateKey{REDACTED}" and never the secret.
func (PrivateKey) String() string { return redacted }

// GoString returns "elgamal.PrivateKey{REDACTED}" and never the secret.
func (PrivateKey) GoString() string { return redacted }

// Format implements [fmt.Formatter] so that every verb, including %x, %d
// and %+v, prints "elgamal.PrivateKey{REDACTED}".
func (PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }
