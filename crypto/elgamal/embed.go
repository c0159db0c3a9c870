package elgamal

import (
	"errors"
	"fmt"

	"github.com/veche/veche/crypto/group"
)

// MaxBytesLength is the longest byte string [EncodeBytes] embeds in one
// element: 32 bytes minus the counter byte, the length byte and the final
// zero byte.
const MaxBytesLength = 29

// embedCounters is the number of candidates EncodeBytes tries: byte 0 holds
// counter<<1 for counter in [0, 128).
const embedCounters = 128

var (
	// ErrMessageTooLong is wrapped by [EncodeBytes] for input longer than
	// [MaxBytesLength].
	ErrMessageTooLong = errors.New("elgamal: byte string too long to embed")
	// ErrNotEmbedding is wrapped by [DecodeBytes] when an element is not
	// the output of [EncodeBytes] for any byte string.
	ErrNotEmbedding = errors.New("elgamal: element is not an embedded byte string")
)

// EncodeBytes embeds a byte string of at most [MaxBytesLength] bytes into a
// group element, so that it can be encrypted, mixed and decrypted (write-in
// candidates). [DecodeBytes] recovers it.
//
// The candidate encodings are the 32-byte strings
//
//	c<<1 || len(msg) || msg || zero padding to 31 bytes || 0x00
//
// for the counter c = 0, 1, …, 127; the result is the element whose canonical
// encoding is the first candidate that is a valid canonical ristretto255
// encoding (RFC 9496, Section 4.3.1). Byte 0 is even, so the field element is
// non-negative, and byte 31 is zero, so it is below 2^248 < p. About one
// candidate in four is valid; all 128 fail with probability about
// (3/4)^128 ≈ 2^-53, reported as an error.
//
// The empty string embeds as the identity element (32 zero bytes).
// EncodeBytes runs in variable time depending on msg: the number of
// counters it tries depends on the message.
func EncodeBytes(msg []byte) (*group.Element, error) {
	if len(msg) > MaxBytesLength {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrMessageTooLong, len(msg), MaxBytesLength)
	}
	var b [group.ElementSize]byte
	b[1] = byte(len(msg))
	copy(b[2:], msg)
	for c := range embedCounters {
		b[0] = byte(c << 1)
		if e, err := group.ParseElement(b[:]); err == nil {
			return e, nil
		}
	}
	return nil, errors.New("elgamal: no valid element encoding for this byte string after 128 counters")
}

// DecodeBytes returns the byte string embedded in e by [EncodeBytes]. It
// checks the whole layout of e's canonical encoding (length at most
// [MaxBytesLength], zero padding, zero final byte) and that no smaller
// counter gives a valid encoding, so it accepts exactly the elements
// EncodeBytes outputs and each string has one embedding. Any other element
// is rejected with an error wrapping [ErrNotEmbedding], which never contains
// the element's bytes.
func DecodeBytes(e *group.Element) ([]byte, error) {
	var b [group.ElementSize]byte
	e.AppendBytes(b[:0])
	n := int(b[1])
	switch {
	case b[31] != 0:
		return nil, fmt.Errorf("%w: final byte is not zero", ErrNotEmbedding)
	case n > MaxBytesLength:
		return nil, fmt.Errorf("%w: length byte exceeds %d", ErrNotEmbedding, MaxBytesLength)
	}
	for _, x := range b[2+n : 31] {
		if x != 0 {
			return nil, fmt.Errorf("%w: padding is not zero", ErrNotEmbedding)
		}
	}
	// Canonical encodings are non-negative, so b[0] is even.
	cand := b
	for c := range b[0] >> 1 {
		cand[0] = c << 1
		if _, err := group.ParseElement(cand[:]); err == nil {
			return nil, fmt.Errorf("%w: a smaller counter gives a valid encoding", ErrNotEmbedding)
		}
	}
	msg := make([]byte, n)
	copy(msg, b[2:])
	return msg, nil
}
