// Package schnorr implements Schnorr signatures over ristretto255 (Schnorr,
// "Efficient signature generation by smart cards", J. Cryptology 1991), the
// signatures of Veche's voter credentials and service keys.
//
// A signature is R || z, 64 bytes, with R = k·G and z = k + c·sk, where the
// challenge c comes from the Fiat-Shamir transcript of
// [github.com/veche/veche/crypto/transcript] over the protocol label
// "veche/schnorr/v1", a context string, the public key, the message and R.
// The context string separates uses: a signature made under one context never
// verifies under another, so a signature on a ballot cannot be replayed as a
// signature on anything else.
//
// Signing is hedged (as in RFC 8032's deterministic nonces, plus fresh
// randomness): the nonce is hashed from the secret key, 32 random bytes, the
// context and the message, so a broken random source neither repeats a
// nonce for different messages nor makes it predictable, and the key does
// not leak.
//
// Verification accepts only canonical encodings and rejects R = identity.
// [BatchVerify] checks many signatures with one multi-scalar multiplication.
// The scheme is specified byte for byte in docs/spec/signature.md with test
// vectors in testdata/signature.json.
package schnorr

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// Sizes of the encodings, in bytes.
const (
	PublicKeySize  = group.ElementSize
	PrivateKeySize = group.ScalarSize
	SignatureSize  = group.ElementSize + group.ScalarSize
)

// Protocol is the transcript protocol label of the challenge.
const Protocol = "veche/schnorr/v1"

// nonceDST is the domain separation tag of the nonce derivation.
const nonceDST = "veche/schnorr/v1/nonce"

var (
	// ErrInvalidSignature is wrapped by every verification failure.
	ErrInvalidSignature = errors.New("schnorr: invalid signature")
	// ErrMalformed is wrapped by every decoding failure of a key or a
	// signature: wrong length, non-canonical encoding, identity element,
	// zero secret key. A malformed signature's error wraps both.
	ErrMalformed = errors.New("schnorr: malformed encoding")
)

// A PublicKey is a Schnorr public key PK = sk·G: a ristretto255 element
// other than the identity.
//
// PublicKeys are not comparable with ==; use [PublicKey.Equal].
type PublicKey struct {
	_   [0]func() // not comparable
	e   group.Element
	enc [PublicKeySize]byte // the canonical encoding of e
}

// NewPublicKey decodes the 32-byte canonical encoding of a public key. It
// rejects non-canonical encodings and the identity, for which every message
// has the signature (R, z) with z·G = R.
func NewPublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("schnorr: public key is %d bytes, want %d: %w", len(b), PublicKeySize, ErrMalformed)
	}
	pk := new(PublicKey)
	if _, err := pk.e.SetCanonicalBytes(b); err != nil {
		return nil, fmt.Errorf("schnorr: public key: non-canonical element: %w", ErrMalformed)
	}
	if pk.e.IsIdentity() {
		return nil, fmt.Errorf("schnorr: public key is the identity: %w", ErrMalformed)
	}
	copy(pk.enc[:], b)
	return pk, nil
}

// Bytes returns the canonical 32-byte encoding of pk.
func (pk *PublicKey) Bytes() []byte { return append([]byte(nil), pk.enc[:]...) }

// Element returns a copy of the group element PK (for example to prove
// knowledge of the key with zkp.ProveKey).
func (pk *PublicKey) Element() *group.Element { return new(group.Element).Set(&pk.e) }

// Equal reports whether pk and x are the same public key.
func (pk *PublicKey) Equal(x *PublicKey) bool {
	return subtle.ConstantTimeCompare(pk.enc[:], x.enc[:]) == 1
}

// A PrivateKey is a Schnorr secret key: a non-zero scalar sk, together with
// its public key sk·G.
//
// PrivateKeys are not comparable with ==; use [PrivateKey.Equal]. The fmt
// package prints every PrivateKey, with any verb, as
// "schnorr.PrivateKey{REDACTED}"; the secret sits behind a pointer so that it
// is not printed either when a PrivateKey is a field of a printed struct.
type PrivateKey struct {
	_   [0]func() // not comparable
	s   *group.Scalar
	pub *PublicKey
}

const redacted = "schnorr.PrivateKey{REDACTED}"

// GenerateKey returns a new key pair with randomness from rand, or from
// crypto/rand.Reader if rand is nil.
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	s, err := group.RandomNonZeroScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("schnorr: generating key: %w", err)
	}
	return newPrivateKey(s), nil
}

// NewPrivateKey decodes the 32-byte canonical encoding of a secret key. It
// rejects unreduced scalars and zero.
func NewPrivateKey(b []byte) (*PrivateKey, error) {
	if len(b) != PrivateKeySize {
		return nil, fmt.Errorf("schnorr: private key is %d bytes, want %d: %w", len(b), PrivateKeySize, ErrMalformed)
	}
	s, err := new(group.Scalar).SetCanonicalBytes(b)
	if err != nil {
		return nil, fmt.Errorf("schnorr: private key: non-canonical scalar: %w", ErrMalformed)
	}
	if s.IsZero() {
		return nil, fmt.Errorf("schnorr: private key is zero: %w", ErrMalformed)
	}
	return newPrivateKey(s), nil
}

func newPrivateKey(s *group.Scalar) *PrivateKey {
	pub := new(PublicKey)
	pub.e.ScalarBaseMult(s)
	pub.e.AppendBytes(pub.enc[:0])
	return &PrivateKey{s: s, pub: pub}
}

// Public returns the public key of sk.
func (sk *PrivateKey) Public() *PublicKey { return sk.pub }

// Bytes returns the canonical 32-byte encoding of the secret scalar.
func (sk *PrivateKey) Bytes() []byte { return sk.s.Bytes() }

// Scalar returns a copy of the secret scalar (for example to prove
// knowledge of the key with zkp.ProveKey).
func (sk *PrivateKey) Scalar() *group.Scalar { return new(group.Scalar).Set(sk.s) }

// Equal reports, in constant time, whether sk and x are the same key.
func (sk *PrivateKey) Equal(x *PrivateKey) bool { return sk.s.Equal(x.s) == 1 }

// String returns "schnorr.PrivateKey{REDACTED}".
func (PrivateKey) String() string { return redacted }

// GoString returns "schnorr.PrivateKey{REDACTED}".
func (PrivateKey) GoString() string { return redacted }

// Format prints "schnorr.PrivateKey{REDACTED}" for every verb.
func (PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// challenge returns the signature challenge:
//
//	New("veche/schnorr/v1"), Bytes("context", context), Element("pk", PK),
//	Bytes("msg", msg), Element("R", R), Challenge("c")
func challenge(pkEnc []byte, context string, msg, REnc []byte) *group.Scalar {
	t := transcript.New(Protocol)
	t.Bytes("context", []byte(context))
	t.ElementBytes("pk", pkEnc)
	t.Bytes("msg", msg)
	t.ElementBytes("R", REnc)
	return t.Challenge("c")
}

// Sign signs msg under the context string with sk and returns the 64-byte
// signature R || z. context names what is signed (such as
// "veche/ballot/v1") and must not be empty; the signature verifies only
// under the same context. The nonce is hedged: k = HashToScalar over sk, 32
// bytes from rand (nil means crypto/rand.Reader), the context and msg.
func Sign(rand io.Reader, sk *PrivateKey, context string, msg []byte) ([]byte, error) {
	if context == "" {
		return nil, errors.New("schnorr: empty context string")
	}
	if sk == nil || sk.s == nil {
		return nil, errors.New("schnorr: missing or uninitialised private key")
	}
	k, err := nonce(rand, sk, context, msg)
	if err != nil {
		return nil, err
	}
	R := new(group.Element).ScalarBaseMult(k)
	sig := make([]byte, 0, SignatureSize)
	sig = R.AppendBytes(sig)
	c := challenge(sk.pub.enc[:], context, msg, sig[:group.ElementSize])
	z := new(group.Scalar).MultiplyAdd(c, sk.s, k)
	return append(sig, z.Bytes()...), nil
}

// nonce derives the hedged nonce
//
//	k = HashToScalar("veche/schnorr/v1/nonce",
//	    sk || Z || u64(len(context)) || context || msg)
//
// for 32 fresh random bytes Z, drawing new bytes in the (negligible) case
// k = 0.
func nonce(rand io.Reader, sk *PrivateKey, context string, msg []byte) (*group.Scalar, error) {
	if rand == nil {
		rand = randReader
	}
	in := make([]byte, 0, 2*32+8+len(context)+len(msg))
	in = append(in, sk.s.Bytes()...)
	in = append(in, make([]byte, 32)...)
	in = binary.BigEndian.AppendUint64(in, uint64(len(context)))
	in = append(in, context...)
	in = append(in, msg...)
	defer clear(in[:64])
	for {
		if _, err := io.ReadFull(rand, in[32:64]); err != nil {
			return nil, fmt.Errorf("schnorr: reading randomness: %w", err)
		}
		k, err := group.HashToScalar([]byte(nonceDST), in)
		if err != nil {
			return nil, errors.New("schnorr: internal error: " + err.Error())
		}
		if !k.IsZero() {
			return k, nil
		}
	}
}

var randReader = rand.Reader

// signature is a decoded signature.
type signature struct {
	R *group.Element
	z *group.Scalar
}

// parse decodes a signature: 64 bytes, R a canonical element other than the
// identity, z a canonical scalar.
func parse(sig []byte) (*signature, error) {
	if len(sig) != SignatureSize {
		return nil, malformed(fmt.Sprintf("signature is %d bytes, want %d", len(sig), SignatureSize))
	}
	R, err := group.ParseElement(sig[:group.ElementSize])
	if err != nil {
		return nil, malformed("non-canonical R")
	}
	if R.IsIdentity() {
		return nil, malformed("R is the identity")
	}
	z, err := new(group.Scalar).SetCanonicalBytes(sig[group.ElementSize:])
	if err != nil {
		return nil, malformed("non-canonical z")
	}
	return &signature{R, z}, nil
}

func malformed(what string) error {
	return fmt.Errorf("schnorr: %s: %w: %w", what, ErrMalformed, ErrInvalidSignature)
}

// Verify checks that sig is a valid signature of msg under context by pk:
// z·G = R + c·PK. It rejects signatures that are not exactly 64 bytes, a
// non-canonical or identity R, an unreduced z and an empty context. Errors
// wrap [ErrInvalidSignature].
func Verify(pk *PublicKey, context string, msg, sig []byte) error {
	s, c, err := prepare(pk, context, msg, sig)
	if err != nil {
		return err
	}
	negC := new(group.Scalar).Negate(c)
	if new(group.Element).VarTimeDoubleScalarBaseMult(negC, &pk.e, s.z).Equal(s.R) != 1 {
		return fmt.Errorf("schnorr: z·G ≠ R + c·PK: %w", ErrInvalidSignature)
	}
	return nil
}

// prepare checks the inputs of a verification, decodes the signature and
// derives the challenge.
func prepare(pk *PublicKey, context string, msg, sig []byte) (*signature, *group.Scalar, error) {
	if pk == nil || pk.enc == [PublicKeySize]byte{} {
		// A zero PublicKey was not made by NewPublicKey or GenerateKey.
		return nil, nil, fmt.Errorf("schnorr: missing or uninitialised public key: %w", ErrInvalidSignature)
	}
	if context == "" {
		return nil, nil, fmt.Errorf("schnorr: empty context string: %w", ErrInvalidSignature)
	}
	s, err := parse(sig)
	if err != nil {
		return nil, nil, err
	}
	return s, challenge(pk.enc[:], context, msg, sig[:group.ElementSize]), nil
}

// A BatchItem is one signature for [BatchVerify].
type BatchItem struct {
	PublicKey *PublicKey
	Context   string
	Message   []byte
	Signature []byte
}

// A BatchError reports which signatures of a batch are invalid. It wraps
// one error per invalid signature, each wrapping [ErrInvalidSignature].
type BatchError struct {
	Total   int     // the number of signatures in the batch
	Indices []int   // the invalid signatures' indices, ascending
	Errs    []error // Errs[i] is why signature Indices[i] is invalid
}

func (e *BatchError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "schnorr: %d of %d signatures invalid (indices ", len(e.Indices), e.Total)
	const shown = 8
	for i, idx := range e.Indices {
		if i == shown {
			fmt.Fprintf(&sb, ", and %d more", len(e.Indices)-shown)
			break
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(idx))
	}
	sb.WriteString(")")
	if len(e.Errs) > 0 {
		sb.WriteString("; first: " + e.Errs[0].Error())
	}
	return sb.String()
}

// Unwrap returns the per-signature errors.
func (e *BatchError) Unwrap() []error { return e.Errs }

// subBatch is the size of the batches a failed batch is checked again in
// before the signatures of a failed sub-batch are verified one by one: a
// bad signature among many good ones costs a few batch equations and
// subBatch single verifications, not one per signature of a large batch.
const subBatch = 128

// BatchVerify verifies many signatures with one multi-scalar multiplication:
// each equation z_i·G = R_i + c_i·PK_i is weighted by an independent 128-bit
// scalar read from rand (nil means crypto/rand.Reader) and the sum checked
// once (Bellare, Garay, Rabin, Eurocrypt 1998); a batch with an invalid
// signature passes with probability at most 2^-128. It returns nil if every
// signature is valid and otherwise a [*BatchError] listing exactly the
// invalid ones, found after the batch failed by checking batches of 128
// and verifying the signatures of a failed one one by one. An empty batch
// is an error.
func BatchVerify(rand io.Reader, items []BatchItem) error {
	if len(items) == 0 {
		return fmt.Errorf("schnorr: empty batch: %w", ErrInvalidSignature)
	}
	if rand == nil {
		rand = randReader
	}
	br := bufio.NewReaderSize(rand, 4096)
	n := len(items)
	bad := make(map[int]error)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	explained, err := batchCheck(br, items, all, bad)
	if err != nil {
		return err
	}
	if !explained {
		return fmt.Errorf("schnorr: batch equation fails but every signature verifies alone: %w", ErrInvalidSignature)
	}
	if len(bad) == 0 {
		return nil
	}
	e := &BatchError{Total: n}
	for i := 0; i < n; i++ {
		if err, ok := bad[i]; ok {
			e.Indices = append(e.Indices, i)
			e.Errs = append(e.Errs, err)
		}
	}
	return e
}

// batchCheck verifies the signatures items[i], i in idx, together, adding
// the invalid ones to bad, and reports whether a failure of their batch
// equation was explained by an invalid signature.
func batchCheck(br *bufio.Reader, items []BatchItem, idx []int, bad map[int]error) (bool, error) {
	scalars := make([]*group.Scalar, 0, 2*len(idx)+1)
	elements := make([]*group.Element, 0, 2*len(idx)+1)
	gCoef := group.NewScalar()
	in := make([]int, 0, len(idx))
	var wb [32]byte
	for _, i := range idx {
		if _, known := bad[i]; known {
			continue
		}
		it := &items[i]
		s, c, err := prepare(it.PublicKey, it.Context, it.Message, it.Signature)
		if err != nil {
			bad[i] = err
			continue
		}
		if _, err := io.ReadFull(br, wb[:16]); err != nil {
			return false, fmt.Errorf("schnorr: reading batch randomness: %w", err)
		}
		w, err := new(group.Scalar).SetCanonicalBytes(wb[:])
		if err != nil {
			return false, errors.New("schnorr: internal error: 128-bit weight rejected")
		}
		// w·(R + c·PK − z·G), with the short weight on R.
		gCoef.MultiplyAdd(w, s.z, gCoef)
		scalars = append(scalars, w, new(group.Scalar).Multiply(w, c))
		elements = append(elements, s.R, &it.PublicKey.e)
		in = append(in, i)
	}
	if len(in) == 0 {
		return true, nil
	}
	scalars = append(scalars, gCoef.Negate(gCoef))
	elements = append(elements, group.NewGeneratorElement())
	sum, err := new(group.Element).VarTimeMultiScalarMult(scalars, elements)
	if err == nil && sum.IsIdentity() {
		return true, nil
	}
	found := false
	if len(in) > subBatch {
		for lo := 0; lo < len(in); lo += subBatch {
			part := in[lo:min(lo+subBatch, len(in))]
			if _, err := batchCheck(br, items, part, bad); err != nil {
				return false, err
			}
			for _, i := range part {
				if _, ok := bad[i]; ok {
					found = true
				}
			}
		}
		return found, nil
	}
	for _, i := range in {
		it := &items[i]
		if err := Verify(it.PublicKey, it.Context, it.Message, it.Signature); err != nil {
			bad[i] = err
			found = true
		}
	}
	return found, nil
}
