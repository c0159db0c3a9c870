// Package hybrid implements public-key encryption of byte strings to a
// ristretto255 public key: an ephemeral Diffie-Hellman key agreement, a key
// derived with HKDF-SHA512 (RFC 5869) and ChaCha20-Poly1305 (RFC 8439) under
// the caller's associated data, in the "DHIES" shape of Abdalla, Bellare and
// Rogaway ("The oracle Diffie-Hellman assumptions and an analysis of DHIES",
// CT-RSA 2001).
//
// Trustees of a key ceremony receive their secret shares with it
// ([github.com/veche/veche/crypto/dkg]). Every ciphertext carries a Schnorr
// proof of knowledge of its ephemeral secret e, bound to the recipient's key,
// the associated data and the sealed bytes (the "signed ElGamal" of Tsiounis
// and Yung, PKC 1998, applied to the KEM). The proof is what makes it safe
// for a recipient to publish the Diffie-Hellman value K = x·E of one
// ciphertext as evidence that it does not decrypt (a DKG complaint): nobody
// can post a valid ciphertext whose E they did not make, so K = e·X is a value
// its sender already knew, and a recipient is never turned into an oracle
// that computes x·E' for an E' of the attacker's choosing (such as another
// sender's E, or a multiple of it).
//
// # Format
//
// A ciphertext of an m-byte plaintext is 112 + m bytes:
//
//	Encode(E) || Encode(R) || z || ChaCha20-Poly1305(key, nonce = 0^12, plaintext, ad)
//
// with E = e·G, K = e·X, key = HKDF-SHA512(Encode(E) || Encode(X) ||
// Encode(K), salt "veche/hybrid/v1", info "veche/hybrid/v1 chacha20poly1305
// key", 32 bytes) and (R, z) the proof of knowledge of e. Each key encrypts
// one message, so the constant nonce is never reused under a key. Everything,
// including the transcripts of the proof, is specified byte for byte in
// docs/spec/dkg.md, section 3, with test vectors in testdata/dkg.json.
//
// # Revealing a shared secret
//
// [PrivateKey.SharedSecret] returns K = x·E of a ciphertext (after checking
// its proof); [Open] decrypts a ciphertext with K alone. A recipient that
// publishes K, with a Chaum-Pedersen proof that log_G(X) = log_E(K)
// (zkp.ProveDLEQ with the recipient's secret from [PrivateKey.Scalar]), lets
// anyone decrypt that one ciphertext and nothing else: keys of other
// ciphertexts depend on their own E.
package hybrid

import (
	"crypto/hkdf"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// Sizes of the encodings, in bytes.
const (
	PublicKeySize  = group.ElementSize
	PrivateKeySize = group.ScalarSize
	// Overhead is the size of a ciphertext minus the size of its plaintext:
	// E, R and z (96 bytes) and the Poly1305 tag (16 bytes).
	Overhead = 2*group.ElementSize + group.ScalarSize + chacha20poly1305.Overhead
)

// Labels. They are part of the format: never change them.
const (
	// Protocol is the protocol label of the proof transcript and the HKDF
	// salt.
	Protocol = "veche/hybrid/v1"
	// kdfInfo is the HKDF info string.
	kdfInfo = "veche/hybrid/v1 chacha20poly1305 key"
	// nonceProtocol is the protocol label of the sender's private
	// transcript that derives the proof nonce.
	nonceProtocol = "veche/hybrid/nonce/v1"
)

var (
	// ErrMalformed is wrapped by every decoding failure: wrong length,
	// non-canonical encodings, identity elements.
	ErrMalformed = errors.New("hybrid: malformed encoding")
	// ErrInvalidProof is wrapped when a ciphertext's proof of knowledge of
	// its ephemeral secret fails: the ciphertext was not made by an honest
	// sender for this recipient and associated data. Anyone can check it.
	ErrInvalidProof = errors.New("hybrid: invalid ephemeral key proof")
	// ErrDecrypt is wrapped when the AEAD rejects a ciphertext: wrong key,
	// wrong associated data, or modified sealed bytes.
	ErrDecrypt = errors.New("hybrid: decryption failed")
)

// A PublicKey is a long-term encryption key X = x·G, a ristretto255 element
// other than the identity. PublicKeys are not comparable with ==; use
// [PublicKey.Equal].
type PublicKey struct {
	_   [0]func() // not comparable
	e   group.Element
	enc [PublicKeySize]byte // Encode(e), computed once
}

// NewPublicKey decodes the canonical 32-byte encoding of a public key. It
// rejects non-canonical encodings and the identity. Errors wrap
// [ErrMalformed].
func NewPublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("hybrid: public key must be %d bytes, got %d: %w", PublicKeySize, len(b), ErrMalformed)
	}
	pk := new(PublicKey)
	if _, err := pk.e.SetCanonicalBytes(b); err != nil {
		return nil, fmt.Errorf("hybrid: public key: %w: %w", err, ErrMalformed)
	}
	if pk.e.IsIdentity() {
		return nil, fmt.Errorf("hybrid: public key: %w: %w", group.ErrIdentityElement, ErrMalformed)
	}
	copy(pk.enc[:], b)
	return pk, nil
}

// Bytes returns the canonical 32-byte encoding of pk.
func (pk *PublicKey) Bytes() []byte { return append([]byte(nil), pk.enc[:]...) }

// Element returns a copy of the group element X.
func (pk *PublicKey) Element() *group.Element { return new(group.Element).Set(&pk.e) }

// Equal reports whether pk and x are the same key.
func (pk *PublicKey) Equal(x *PublicKey) bool { return pk.e.Equal(&x.e) == 1 }

// A PrivateKey is a long-term decryption key: a non-zero scalar x and its
// public key x·G.
//
// The zero value is not valid; use [GenerateKey] or [NewPrivateKey]. The
// fmt package prints every PrivateKey, with any verb, as
// "hybrid.PrivateKey{REDACTED}"; the secret sits behind a pointer so that it
// is not printed either when a PrivateKey is an unexported field of a
// printed struct.
type PrivateKey struct {
	_   [0]func() // not comparable
	x   *group.Scalar
	pub *PublicKey
}

// GenerateKey returns a new key pair using randomness from rand, or from
// crypto/rand.Reader if rand is nil.
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	x, err := group.RandomNonZeroScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("hybrid: generating key: %w", err)
	}
	return newPrivateKey(x), nil
}

// NewPrivateKey decodes the canonical 32-byte little-endian encoding of a
// secret scalar. It rejects encodings of integers ≥ ℓ (it never reduces
// them) and zero. Errors wrap [ErrMalformed] and never contain the input.
func NewPrivateKey(b []byte) (*PrivateKey, error) {
	if len(b) != PrivateKeySize {
		return nil, fmt.Errorf("hybrid: private key must be %d bytes, got %d: %w", PrivateKeySize, len(b), ErrMalformed)
	}
	x, err := new(group.Scalar).SetCanonicalBytes(b)
	if err != nil {
		return nil, fmt.Errorf("hybrid: private key is not a canonical scalar: %w", ErrMalformed)
	}
	if x.IsZero() {
		return nil, fmt.Errorf("hybrid: private key is zero: %w", ErrMalformed)
	}
	return newPrivateKey(x), nil
}

func newPrivateKey(x *group.Scalar) *PrivateKey {
	pub := new(PublicKey)
	pub.e.ScalarBaseMult(x)
	pub.e.AppendBytes(pub.enc[:0])
	return &PrivateKey{x: x, pub: pub}
}

// Public returns the public key x·G.
func (sk *PrivateKey) Public() *PublicKey {
	pk := new(PublicKey)
	pk.e.Set(&sk.pub.e)
	pk.enc = sk.pub.enc
	return pk
}

// Bytes returns the canonical 32-byte encoding of the secret scalar. Handle
// the result as a secret.
func (sk *PrivateKey) Bytes() []byte { return sk.x.Bytes() }

// Scalar returns a copy of the secret scalar x, for the Chaum-Pedersen proof
// that accompanies a revealed shared secret. Handle it as a secret.
func (sk *PrivateKey) Scalar() *group.Scalar { return new(group.Scalar).Set(sk.x) }

// Equal reports, in constant time, whether sk and x hold the same secret.
func (sk *PrivateKey) Equal(x *PrivateKey) bool { return sk.x.Equal(x.x) == 1 }

const redacted = "hybrid.PrivateKey{REDACTED}"

// String returns "hybrid.PrivateKey{REDACTED}" and never the secret.
func (PrivateKey) String() string { return redacted }

// GoString returns "hybrid.PrivateKey{REDACTED}" and never the secret.
func (PrivateKey) GoString() string { return redacted }

// Format implements [fmt.Formatter] so that every verb, including %x and
// %+v, prints "hybrid.PrivateKey{REDACTED}".
func (PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// A Ciphertext is a decoded hybrid ciphertext. Ciphertexts from
// [ParseCiphertext] and [Encrypt] are well formed; one built by hand must
// have non-nil fields, E and R other than the identity, and at least 16
// sealed bytes.
type Ciphertext struct {
	E      *group.Element // ephemeral public key e·G; never the identity
	R      *group.Element // proof commitment k·G; never the identity
	Z      *group.Scalar  // proof response k + c·e
	Sealed []byte         // ChaCha20-Poly1305 output: plaintext || 16-byte tag
}

// Encrypt encrypts plaintext to pk under the associated data ad, which the
// recipient must supply again (it is authenticated, not encrypted). The
// ephemeral secret comes from rand (nil means crypto/rand.Reader): 64 bytes
// reduced modulo ℓ, read again in the negligible case of zero. The proof
// nonce is derived from the ephemeral secret and everything the proof
// covers, so Encrypt reads no other randomness.
func Encrypt(rand io.Reader, pk *PublicKey, plaintext, ad []byte) (*Ciphertext, error) {
	if pk == nil {
		return nil, errors.New("hybrid: missing public key")
	}
	e, err := group.RandomNonZeroScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("hybrid: reading randomness: %w", err)
	}
	E := new(group.Element).ScalarBaseMult(e)
	K := new(group.Element).ScalarMult(e, &pk.e)
	Xenc, Eenc := pk.enc[:], E.Bytes()
	aead, err := newAEAD(Eenc, Xenc, K)
	if err != nil {
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	sealed := aead.Seal(nil, nonce[:], plaintext, ad)

	nt := transcript.New(nonceProtocol)
	nt.Scalar("e", e)
	absorbStatement(nt, Xenc, Eenc, ad, sealed)
	k := nt.Challenge("k")
	if k.IsZero() {
		return nil, errors.New("hybrid: internal error: zero proof nonce")
	}
	R := new(group.Element).ScalarBaseMult(k)
	c := challenge(Xenc, Eenc, ad, sealed, R)
	z := new(group.Scalar).MultiplyAdd(c, e, k)
	return &Ciphertext{E: E, R: R, Z: z, Sealed: sealed}, nil
}

// absorbStatement absorbs the statement of the ephemeral key proof.
func absorbStatement(t *transcript.Transcript, X, E, ad, sealed []byte) {
	t.Bytes("group", []byte(group.Name))
	t.ElementBytes("X", X)
	t.ElementBytes("E", E)
	t.Bytes("ad", ad)
	t.Bytes("sealed", sealed)
}

// challenge returns the challenge of the ephemeral key proof.
func challenge(X, E, ad, sealed []byte, R *group.Element) *group.Scalar {
	t := transcript.New(Protocol)
	absorbStatement(t, X, E, ad, sealed)
	t.Element("R", R)
	return t.Challenge("c")
}

// newAEAD derives the ChaCha20-Poly1305 key from the encodings of E and X
// and from K.
func newAEAD(E, X []byte, K *group.Element) (interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
	Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
}, error) {
	ikm := make([]byte, 0, 3*group.ElementSize)
	ikm = append(ikm, E...)
	ikm = append(ikm, X...)
	ikm = K.AppendBytes(ikm)
	key, err := hkdf.Key(sha512.New, ikm, []byte(Protocol), kdfInfo, chacha20poly1305.KeySize)
	clear(ikm)
	if err != nil {
		return nil, fmt.Errorf("hybrid: internal error: hkdf: %w", err)
	}
	aead, err := chacha20poly1305.New(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("hybrid: internal error: %w", err)
	}
	return aead, nil
}

// check validates the shape of a ciphertext built in memory.
func (ct *Ciphertext) check() error {
	if ct == nil || ct.E == nil || ct.R == nil || ct.Z == nil {
		return fmt.Errorf("hybrid: incomplete ciphertext: %w", ErrMalformed)
	}
	if ct.E.IsIdentity() {
		return fmt.Errorf("hybrid: ephemeral key E is the identity: %w", ErrMalformed)
	}
	if ct.R.IsIdentity() {
		return fmt.Errorf("hybrid: proof commitment R is the identity: %w", ErrMalformed)
	}
	if len(ct.Sealed) < chacha20poly1305.Overhead {
		return fmt.Errorf("hybrid: sealed part is %d bytes, shorter than the tag: %w", len(ct.Sealed), ErrMalformed)
	}
	return nil
}

// Verify checks the ciphertext's proof of knowledge of its ephemeral secret
// for recipient pk and associated data ad: z·G = R + c·E. It uses public data
// only, so anyone can run it; a ciphertext that fails it was not made by an
// honest sender for this recipient and ad. Errors wrap [ErrInvalidProof] or
// [ErrMalformed].
func (ct *Ciphertext) Verify(pk *PublicKey, ad []byte) error {
	if pk == nil {
		return errors.New("hybrid: missing public key")
	}
	if err := ct.check(); err != nil {
		return err
	}
	c := challenge(pk.enc[:], ct.E.Bytes(), ad, ct.Sealed, ct.R)
	negC := new(group.Scalar).Negate(c)
	if new(group.Element).VarTimeDoubleScalarBaseMult(negC, ct.E, ct.Z).Equal(ct.R) != 1 {
		return fmt.Errorf("hybrid: z·G ≠ R + c·E: %w", ErrInvalidProof)
	}
	return nil
}

// SharedSecret checks the ciphertext's proof ([Ciphertext.Verify]) for sk's
// public key and ad, and returns the Diffie-Hellman value K = x·E (constant
// time). K decrypts this ciphertext with [Open]; publish it only as evidence
// about this ciphertext, with a proof that it is correct. It refuses
// ciphertexts whose proof fails: for those, K could be x times an element of
// someone else's choosing.
func (sk *PrivateKey) SharedSecret(ct *Ciphertext, ad []byte) (*group.Element, error) {
	if err := ct.Verify(sk.pub, ad); err != nil {
		return nil, err
	}
	return new(group.Element).ScalarMult(sk.x, ct.E), nil
}

// Decrypt checks the ciphertext's proof, computes K = x·E and opens the
// sealed part under ad. Errors wrap [ErrMalformed], [ErrInvalidProof] or
// [ErrDecrypt] and never contain plaintext.
func (sk *PrivateKey) Decrypt(ct *Ciphertext, ad []byte) ([]byte, error) {
	K, err := sk.SharedSecret(ct, ad)
	if err != nil {
		return nil, err
	}
	return open(sk.pub, K, ct, ad)
}

// Open decrypts ct with a revealed shared secret K = x·E, where x is the
// secret of the recipient pk: it derives the key from E, pk and K and opens
// the sealed part under ad. It does not check the ciphertext's proof (call
// [Ciphertext.Verify]) nor that K is correct (a DKG complaint carries a
// Chaum-Pedersen proof of it); with a wrong K it fails with [ErrDecrypt].
// It rejects K = identity, which no valid ciphertext has.
func Open(pk *PublicKey, K *group.Element, ct *Ciphertext, ad []byte) ([]byte, error) {
	if pk == nil || K == nil {
		return nil, errors.New("hybrid: missing public key or shared secret")
	}
	if err := ct.check(); err != nil {
		return nil, err
	}
	if K.IsIdentity() {
		return nil, fmt.Errorf("hybrid: shared secret is the identity: %w", ErrMalformed)
	}
	return open(pk, K, ct, ad)
}

func open(pk *PublicKey, K *group.Element, ct *Ciphertext, ad []byte) ([]byte, error) {
	aead, err := newAEAD(ct.E.Bytes(), pk.enc[:], K)
	if err != nil {
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	pt, err := aead.Open(nil, nonce[:], ct.Sealed, ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// Size returns the length of the ciphertext's encoding.
func (ct *Ciphertext) Size() int { return 2*group.ElementSize + group.ScalarSize + len(ct.Sealed) }

// Bytes returns the encoding Encode(E) || Encode(R) || z || sealed.
func (ct *Ciphertext) Bytes() []byte { return ct.AppendBytes(make([]byte, 0, ct.Size())) }

// AppendBytes appends the encoding of ct to b.
func (ct *Ciphertext) AppendBytes(b []byte) []byte {
	b = ct.E.AppendBytes(b)
	b = ct.R.AppendBytes(b)
	b = append(b, ct.Z.Bytes()...)
	return append(b, ct.Sealed...)
}

// ParseCiphertext decodes a ciphertext: at least [Overhead] bytes, E and R
// canonical elements other than the identity, z a canonical scalar, and the
// rest the sealed part (copied). Errors wrap [ErrMalformed].
func ParseCiphertext(b []byte) (*Ciphertext, error) {
	if len(b) < Overhead {
		return nil, fmt.Errorf("hybrid: ciphertext is %d bytes, shorter than the %d-byte overhead: %w", len(b), Overhead, ErrMalformed)
	}
	E, err := group.ParseNonIdentityElement(b[:32])
	if err != nil {
		return nil, fmt.Errorf("hybrid: ephemeral key E: %w: %w", err, ErrMalformed)
	}
	R, err := group.ParseNonIdentityElement(b[32:64])
	if err != nil {
		return nil, fmt.Errorf("hybrid: proof commitment R: %w: %w", err, ErrMalformed)
	}
	z, err := new(group.Scalar).SetCanonicalBytes(b[64:96])
	if err != nil {
		return nil, fmt.Errorf("hybrid: proof response z: %w: %w", err, ErrMalformed)
	}
	return &Ciphertext{E: E, R: R, Z: z, Sealed: append([]byte(nil), b[96:]...)}, nil
}
