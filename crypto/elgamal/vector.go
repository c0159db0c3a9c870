package elgamal

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/group"
)

// A VectorCiphertext is a row of w ciphertexts under one public key, each
// with its own randomness: one ballot of width w. Shuffles permute whole
// rows and re-encrypt every component.
//
// Its encoding is width (4 bytes, big-endian) || w × 64-byte ciphertexts.
type VectorCiphertext []*Ciphertext

// vectorHeaderSize is the size of the big-endian width prefix.
const vectorHeaderSize = 4

// EncryptVector encrypts each element of ms under pk with independent
// non-zero randomness and returns the ciphertexts and the randomness, in
// order. It returns an error if ms is empty.
func EncryptVector(rand io.Reader, pk *PublicKey, ms []*group.Element) (VectorCiphertext, []*group.Scalar, error) {
	if len(ms) == 0 {
		return nil, nil, fmt.Errorf("elgamal: cannot encrypt a vector of width 0")
	}
	v := make(VectorCiphertext, len(ms))
	rs := make([]*group.Scalar, len(ms))
	for i, M := range ms {
		var err error
		if v[i], rs[i], err = Encrypt(rand, pk, M); err != nil {
			return nil, nil, err
		}
	}
	return v, rs, nil
}

// EncryptExpVector encrypts each integer of ms in the exponent, like
// [EncryptExp], with independent randomness: a homomorphic ballot with one
// counter per option.
func EncryptExpVector(rand io.Reader, pk *PublicKey, ms []uint64) (VectorCiphertext, []*group.Scalar, error) {
	es := make([]*group.Element, len(ms))
	for i, m := range ms {
		es[i] = expElement(m)
	}
	return EncryptVector(rand, pk, es)
}

// ReEncryptVector re-encrypts every component of v with independent
// non-zero randomness and returns the new row and the re-randomisers.
func ReEncryptVector(rand io.Reader, pk *PublicKey, v VectorCiphertext) (VectorCiphertext, []*group.Scalar, error) {
	if len(v) == 0 {
		return nil, nil, fmt.Errorf("elgamal: cannot re-encrypt a vector of width 0")
	}
	out := make(VectorCiphertext, len(v))
	rs := make([]*group.Scalar, len(v))
	for i, c := range v {
		var err error
		if out[i], rs[i], err = ReEncrypt(rand, pk, c); err != nil {
			return nil, nil, err
		}
	}
	return out, rs, nil
}

// AddVector returns the component-wise homomorphic sum of a and b. It
// returns an error if their widths differ.
func AddVector(a, b VectorCiphertext) (VectorCiphertext, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("elgamal: adding vectors of widths %d and %d", len(a), len(b))
	}
	out := make(VectorCiphertext, len(a))
	for i := range a {
		out[i] = Add(a[i], b[i])
	}
	return out, nil
}

// Validate calls [Ciphertext.Validate] on every component and rejects an
// empty vector.
func (v VectorCiphertext) Validate() error {
	if len(v) == 0 {
		return fmt.Errorf("elgamal: vector of width 0: %w", ErrInvalidCiphertext)
	}
	for i, c := range v {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("elgamal: vector component %d: %w", i, err)
		}
	}
	return nil
}

// Bytes returns width (4 bytes, big-endian) || the 64-byte encodings of
// the components in order. It panics if the width does not fit in 32 bits.
func (v VectorCiphertext) Bytes() []byte {
	if uint64(len(v)) > 0xffffffff {
		panic("elgamal: vector too wide to encode")
	}
	b := make([]byte, vectorHeaderSize, vectorHeaderSize+len(v)*CiphertextSize)
	binary.BigEndian.PutUint32(b, uint32(len(v)))
	for _, c := range v {
		b = c.AppendBytes(b)
	}
	return b
}

// ParseVectorCiphertext decodes a vector encoding. It rejects width 0,
// widths above maxWidth, a length that is not exactly 4 + 64·width
// (truncated input or trailing bytes) and non-canonical elements. It checks
// the length before decoding anything, so a forged width costs nothing.
func ParseVectorCiphertext(b []byte, maxWidth int) (VectorCiphertext, error) {
	if len(b) < vectorHeaderSize {
		return nil, fmt.Errorf("elgamal: vector encoding of %d bytes is shorter than its width prefix: %w", len(b), ErrMalformed)
	}
	w := uint64(binary.BigEndian.Uint32(b))
	switch {
	case w == 0:
		return nil, fmt.Errorf("elgamal: vector of width 0: %w", ErrMalformed)
	case maxWidth < 1 || w > uint64(maxWidth):
		return nil, fmt.Errorf("elgamal: vector width %d exceeds the maximum %d: %w", w, maxWidth, ErrMalformed)
	}
	body := b[vectorHeaderSize:]
	if want := w * CiphertextSize; uint64(len(body)) != want {
		what := "truncated"
		if uint64(len(body)) > want {
			what = "trailing bytes after"
		}
		return nil, fmt.Errorf("elgamal: %s vector of width %d: %d bytes of ciphertexts, want %d: %w",
			what, w, len(body), want, ErrMalformed)
	}
	v := make(VectorCiphertext, w)
	for i := range v {
		c, err := parseCiphertext(body[i*CiphertextSize : (i+1)*CiphertextSize])
		if err != nil {
			return nil, fmt.Errorf("elgamal: vector component %d: %w", i, err)
		}
		v[i] = c
	}
	return v, nil
}
