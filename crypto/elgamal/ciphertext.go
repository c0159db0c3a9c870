package elgamal

import (
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
)

// Sizes of the fixed-length encodings, in bytes.
const (
	PublicKeySize  = group.ElementSize
	PrivateKeySize = group.ScalarSize
	CiphertextSize = 2 * group.ElementSize
)

var (
	// ErrMalformed is wrapped by every decoding failure: wrong length,
	// non-canonical encodings, identity elements where they are not
	// allowed, widths out of bounds, trailing bytes.
	ErrMalformed = errors.New("elgamal: malformed encoding")
	// ErrInvalidCiphertext is wrapped by [Ciphertext.Validate] failures.
	ErrInvalidCiphertext = errors.New("elgamal: invalid ciphertext")
)

// A Ciphertext is an ElGamal ciphertext (A, B) = (r·G, M + r·PK) of the
// element M under the public key PK with randomness r.
//
// Methods that set the receiver allocate A and B if they are nil, so the
// zero value may be used as a receiver. Arguments may alias the receiver.
type Ciphertext struct {
	A, B *group.Element
}

// Encrypt encrypts the element M under pk with a fresh non-zero randomness r
// read from rand (crypto/rand.Reader if nil), and returns the ciphertext and
// r. Proofs about the ciphertext need r; otherwise discard it, since it
// decrypts the ciphertext as well as the private key does.
func Encrypt(rand io.Reader, pk *PublicKey, M *group.Element) (*Ciphertext, *group.Scalar, error) {
	r, err := group.RandomNonZeroScalar(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("elgamal: encrypting: %w", err)
	}
	return EncryptWithRandomness(pk, M, r), r, nil
}

// EncryptWithRandomness returns (r·G, M + r·PK), in constant time with
// respect to M and r. It is the deterministic core of [Encrypt] for provers
// and tests; r must be uniformly random and secret. r = 0 gives A = identity
// and B = M in the clear, which [Ciphertext.Validate] rejects.
func EncryptWithRandomness(pk *PublicKey, M *group.Element, r *group.Scalar) *Ciphertext {
	c := &Ciphertext{A: new(group.Element), B: new(group.Element)}
	c.A.ScalarBaseMult(r)
	c.B.Add(pk.mult(r), M)
	return c
}

// EncryptExp encrypts the integer m "in the exponent": it encrypts the
// element M = m·G (exponential ElGamal), so that the sum of ciphertexts
// encrypts the sum of the integers. It returns the ciphertext and the
// randomness r. Decrypting needs a discrete logarithm; see [DLogTable].
func EncryptExp(rand io.Reader, pk *PublicKey, m uint64) (*Ciphertext, *group.Scalar, error) {
	return Encrypt(rand, pk, expElement(m))
}

// expElement returns m·G in constant time (m may be a vote).
func expElement(m uint64) *group.Element {
	return new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(m))
}

// ReEncrypt returns a fresh encryption of the same plaintext as c:
// (A + r'·G, B + r'·PK) with a new non-zero r' read from rand, and r'.
// Mixers use it; the re-randomiser r' is a witness of the shuffle proof.
func ReEncrypt(rand io.Reader, pk *PublicKey, c *Ciphertext) (*Ciphertext, *group.Scalar, error) {
	r, err := group.RandomNonZeroScalar(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("elgamal: re-encrypting: %w", err)
	}
	return ReEncryptWithRandomness(pk, c, r), r, nil
}

// ReEncryptWithRandomness returns (A + r'·G, B + r'·PK): c plus an
// encryption of the identity with randomness r'. It is the deterministic
// core of [ReEncrypt].
func ReEncryptWithRandomness(pk *PublicKey, c *Ciphertext, r *group.Scalar) *Ciphertext {
	z := EncryptWithRandomness(pk, group.NewElement(), r)
	return z.Add(z, c)
}

// Add returns a new ciphertext (a.A + b.A, a.B + b.B), which encrypts the
// sum of the plaintexts of a and b with the sum of their randomness.
func Add(a, b *Ciphertext) *Ciphertext { return new(Ciphertext).Add(a, b) }

// Add sets c = a + b component-wise (homomorphic addition) and returns c.
func (c *Ciphertext) Add(a, b *Ciphertext) *Ciphertext {
	c.init()
	c.A.Add(a.A, b.A)
	c.B.Add(a.B, b.B)
	return c
}

// Set sets c = x (copying the elements) and returns c.
func (c *Ciphertext) Set(x *Ciphertext) *Ciphertext {
	c.init()
	c.A.Set(x.A)
	c.B.Set(x.B)
	return c
}

func (c *Ciphertext) init() {
	if c.A == nil {
		c.A = new(group.Element)
	}
	if c.B == nil {
		c.B = new(group.Element)
	}
}

// Decrypt returns the plaintext element M = B - s·A, in constant time.
// Every ciphertext decrypts to some element: ElGamal has no integrity, so
// callers learn nothing about who made c or whether it was meant for sk.
func Decrypt(sk *PrivateKey, c *Ciphertext) *group.Element {
	D := new(group.Element).ScalarMult(sk.s, c.A)
	return c.Combine(D)
}

// Combine returns B - D. With D = s·A it is the plaintext; threshold
// decryption passes the combined decryption share D = Σ λ_i·(s_i·A).
func (c *Ciphertext) Combine(D *group.Element) *group.Element {
	return new(group.Element).Subtract(c.B, D)
}

// Equal reports whether c and x have equal components. Two encryptions of
// the same plaintext with different randomness are not Equal.
func (c *Ciphertext) Equal(x *Ciphertext) bool {
	return c.A.Equal(x.A)&c.B.Equal(x.B) == 1
}

// Bytes returns the 64-byte encoding A || B (canonical element encodings).
func (c *Ciphertext) Bytes() []byte {
	return c.AppendBytes(make([]byte, 0, CiphertextSize))
}

// AppendBytes appends the 64-byte encoding A || B to b.
func (c *Ciphertext) AppendBytes(b []byte) []byte {
	return c.B.AppendBytes(c.A.AppendBytes(b))
}

// ParseCiphertext decodes the 64-byte encoding A || B. It accepts any pair of
// canonical element encodings, including the identity: sums and other
// intermediate values may legitimately have A = identity. Code that accepts
// ciphertexts from voters must also call [Ciphertext.Validate].
func ParseCiphertext(b []byte) (*Ciphertext, error) {
	if len(b) != CiphertextSize {
		return nil, fmt.Errorf("elgamal: ciphertext must be %d bytes, got %d: %w", CiphertextSize, len(b), ErrMalformed)
	}
	return parseCiphertext(b)
}

func parseCiphertext(b []byte) (*Ciphertext, error) {
	A, err := group.ParseElement(b[:group.ElementSize])
	if err != nil {
		return nil, fmt.Errorf("elgamal: ciphertext component A: %w: %w", err, ErrMalformed)
	}
	B, err := group.ParseElement(b[group.ElementSize:CiphertextSize])
	if err != nil {
		return nil, fmt.Errorf("elgamal: ciphertext component B: %w: %w", err, ErrMalformed)
	}
	return &Ciphertext{A: A, B: B}, nil
}

// Validate rejects a ciphertext whose A is the identity. Such a ciphertext
// can only come from r = 0, so B is the plaintext in the clear: accepted
// from a voter it would publish the vote on the bulletin board (and give the
// voter a receipt anyone can check). Honest encryption never produces it:
// [Encrypt] and [ReEncrypt] draw non-zero randomness.
func (c *Ciphertext) Validate() error {
	if c.A == nil || c.B == nil {
		return fmt.Errorf("elgamal: ciphertext has a missing component: %w", ErrInvalidCiphertext)
	}
	if c.A.IsIdentity() {
		return fmt.Errorf("elgamal: ciphertext component A is the identity: %w", ErrInvalidCiphertext)
	}
	return nil
}
