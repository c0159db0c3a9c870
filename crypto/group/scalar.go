package group

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"

	"filippo.io/edwards25519"
)

// ScalarSize is the size in bytes of a canonical scalar encoding.
const ScalarSize = 32

// ErrNonCanonicalScalar is returned when decoding a 32-byte string that is
// not the little-endian encoding of an integer below the group order.
var ErrNonCanonicalScalar = errors.New("group: non-canonical scalar encoding")

// A Scalar is an integer modulo the group order ℓ.
//
// The zero value is a valid zero scalar.
type Scalar struct {
	s edwards25519.Scalar
}

// NewScalar returns a new zero Scalar.
func NewScalar() *Scalar { return new(Scalar) }

// Set sets s = x and returns s.
func (s *Scalar) Set(x *Scalar) *Scalar {
	s.s.Set(&x.s)
	return s
}

// SetUint64 sets s = x and returns s.
func (s *Scalar) SetUint64(x uint64) *Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], x)
	if _, err := s.s.SetCanonicalBytes(b[:]); err != nil {
		panic("group: internal error: small scalar rejected")
	}
	return s
}

// SetInt64 sets s = x mod ℓ (negative x gives ℓ - |x|) and returns s.
func (s *Scalar) SetInt64(x int64) *Scalar {
	if x >= 0 {
		return s.SetUint64(uint64(x))
	}
	s.SetUint64(uint64(-(x + 1)) + 1)
	return s.Negate(s)
}

// SetCanonicalBytes sets s to the scalar encoded in the 32-byte little-endian
// string b. It returns an error, and leaves s unchanged, if b is not exactly
// 32 bytes or encodes an integer ≥ ℓ: unreduced scalars are rejected, never
// reduced.
func (s *Scalar) SetCanonicalBytes(b []byte) (*Scalar, error) {
	if len(b) != ScalarSize {
		return nil, errors.New("group: scalar encoding must be 32 bytes")
	}
	if _, err := s.s.SetCanonicalBytes(b); err != nil {
		return nil, ErrNonCanonicalScalar
	}
	return s, nil
}

// SetUniformBytes sets s to the 64-byte little-endian integer b reduced
// modulo ℓ. The result is uniform when b is; this is how challenges and
// random scalars are derived.
func (s *Scalar) SetUniformBytes(b []byte) (*Scalar, error) {
	if len(b) != 64 {
		return nil, errors.New("group: uniform scalar input must be 64 bytes")
	}
	if _, err := s.s.SetUniformBytes(b); err != nil {
		return nil, err
	}
	return s, nil
}

// RandomScalar returns a uniformly random scalar read from r, or from
// crypto/rand.Reader if r is nil. It reads 64 bytes and reduces them modulo ℓ
// (statistical distance below 2^-250 from uniform).
func RandomScalar(r io.Reader) (*Scalar, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [64]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, errors.New("group: reading randomness: " + err.Error())
	}
	s := new(Scalar)
	s.s.SetUniformBytes(b[:])
	clear(b[:])
	return s, nil
}

// RandomNonZeroScalar is like RandomScalar but never returns zero.
func RandomNonZeroScalar(r io.Reader) (*Scalar, error) {
	for {
		s, err := RandomScalar(r)
		if err != nil {
			return nil, err
		}
		if !s.IsZero() {
			return s, nil
		}
	}
}

// Bytes returns the canonical 32-byte little-endian encoding of s.
func (s *Scalar) Bytes() []byte { return s.s.Bytes() }

// Add sets s = x + y mod ℓ and returns s.
func (s *Scalar) Add(x, y *Scalar) *Scalar {
	s.s.Add(&x.s, &y.s)
	return s
}

// Subtract sets s = x - y mod ℓ and returns s.
func (s *Scalar) Subtract(x, y *Scalar) *Scalar {
	s.s.Subtract(&x.s, &y.s)
	return s
}

// Negate sets s = -x mod ℓ and returns s.
func (s *Scalar) Negate(x *Scalar) *Scalar {
	s.s.Negate(&x.s)
	return s
}

// Multiply sets s = x * y mod ℓ and returns s.
func (s *Scalar) Multiply(x, y *Scalar) *Scalar {
	s.s.Multiply(&x.s, &y.s)
	return s
}

// MultiplyAdd sets s = x * y + z mod ℓ and returns s.
func (s *Scalar) MultiplyAdd(x, y, z *Scalar) *Scalar {
	s.s.MultiplyAdd(&x.s, &y.s, &z.s)
	return s
}

// Invert sets s = 1/x mod ℓ in constant time and returns s. If x is zero,
// s is set to zero.
func (s *Scalar) Invert(x *Scalar) *Scalar {
	s.s.Invert(&x.s)
	return s
}

// Equal returns 1 if s and t are equal and 0 otherwise, in constant time.
func (s *Scalar) Equal(t *Scalar) int { return s.s.Equal(&t.s) }

// IsZero reports whether s is zero, in constant time.
func (s *Scalar) IsZero() bool {
	var zero edwards25519.Scalar
	return s.s.Equal(&zero) == 1
}

// MarshalBinary returns the canonical encoding of s.
func (s *Scalar) MarshalBinary() ([]byte, error) { return s.Bytes(), nil }

// UnmarshalBinary sets s from a canonical encoding.
func (s *Scalar) UnmarshalBinary(b []byte) error {
	_, err := s.SetCanonicalBytes(b)
	return err
}
