package group

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sync"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// ElementSize is the size in bytes of a canonical element encoding.
const ElementSize = 32

// Name is the group's name as absorbed by every Fiat-Shamir transcript.
const Name = "ristretto255"

var (
	// ErrNonCanonicalElement is returned when decoding a 32-byte string that
	// is not the canonical encoding of a ristretto255 element.
	ErrNonCanonicalElement = errors.New("group: invalid or non-canonical element encoding")
	// ErrIdentityElement is returned where the identity element is not
	// allowed.
	ErrIdentityElement = errors.New("group: identity element not allowed")
)

// An Element is an element of the ristretto255 group.
//
// The zero value is NOT valid: use [NewElement], [NewGeneratorElement] or a
// decoder. Elements are not comparable with ==, since one element has many
// internal representations; use [Element.Equal].
type Element struct {
	_ [0]func() // not comparable
	p edwards25519.Point

	// enc is the canonical encoding of p when encOK is set. Only decoding
	// sets it (the element arrived as those bytes), so [Element.Bytes]
	// never writes and stays safe for concurrent use; every method that
	// changes p clears encOK. It saves a re-encoding (≈ 3 µs, an inverse
	// square root) each time a decoded element is absorbed by a
	// transcript.
	enc   [ElementSize]byte
	encOK bool
}

// NewElement returns a new Element set to the identity.
func NewElement() *Element {
	e := &Element{}
	e.p.Set(edwards25519.NewIdentityPoint())
	return e
}

// NewGeneratorElement returns a new Element set to the canonical generator
// of RFC 9496, Section 4.4.
func NewGeneratorElement() *Element {
	e := &Element{}
	e.p.Set(edwards25519.NewGeneratorPoint())
	return e
}

// Set sets e = x and returns e.
func (e *Element) Set(x *Element) *Element {
	e.p.Set(&x.p)
	e.enc, e.encOK = x.enc, x.encOK
	return e
}

// Add sets e = x + y and returns e.
func (e *Element) Add(x, y *Element) *Element {
	e.p.Add(&x.p, &y.p)
	e.encOK = false
	return e
}

// Subtract sets e = x - y and returns e.
func (e *Element) Subtract(x, y *Element) *Element {
	e.p.Subtract(&x.p, &y.p)
	e.encOK = false
	return e
}

// Negate sets e = -x and returns e.
func (e *Element) Negate(x *Element) *Element {
	e.p.Negate(&x.p)
	e.encOK = false
	return e
}

// ScalarBaseMult sets e = s·G, where G is the generator, in constant time,
// and returns e. It is [Element.FixedBaseMult] with a table for G built on
// first use: its additions take the affine operand with Z = 1/2 (see
// point_extended.go), about 6% faster than filippo.io/edwards25519's
// ScalarBaseMult (docs/decisions/0012-constant-time-msm.md).
func (e *Element) ScalarBaseMult(s *Scalar) *Element {
	return e.FixedBaseMult(generatorTable(), s)
}

// generatorTable is the [FixedBase] table of the generator.
var generatorTable = sync.OnceValue(func() *FixedBase { return NewFixedBase(NewGeneratorElement()) })

// ScalarMult sets e = s·x in constant time and returns e.
func (e *Element) ScalarMult(s *Scalar, x *Element) *Element {
	e.p.ScalarMult(&s.s, &x.p)
	e.encOK = false
	return e
}

// VarTimeDoubleScalarBaseMult sets e = a·A + b·G, where G is the generator,
// and returns e. It runs in variable time: use it only with public inputs.
func (e *Element) VarTimeDoubleScalarBaseMult(a *Scalar, A *Element, b *Scalar) *Element {
	e.p.VarTimeDoubleScalarBaseMult(&a.s, &A.p, &b.s)
	e.encOK = false
	return e
}

// Equal returns 1 if e and x are the same group element and 0 otherwise, in
// constant time. It implements the Equals operation of RFC 9496, Section
// 4.3.3.
func (e *Element) Equal(x *Element) int {
	X1, Y1, _, _ := e.p.ExtendedCoordinates()
	X2, Y2, _, _ := x.p.ExtendedCoordinates()
	var f0, f1 field.Element
	f0.Multiply(X1, Y2)
	f1.Multiply(Y1, X2)
	out := f0.Equal(&f1)
	f0.Multiply(Y1, Y2)
	f1.Multiply(X1, X2)
	return out | f0.Equal(&f1)
}

// IsIdentity reports whether e is the identity element.
func (e *Element) IsIdentity() bool {
	return e.Equal(identity) == 1
}

var identity = NewElement()

// Constants of RFC 9496, Section 4.1, as field elements.
var (
	feOne            = new(field.Element).One()
	feMinusOne       = new(field.Element).Negate(feOne)
	feD              = mustFeDecimal("37095705934669439343138083508754565189542113879843219016388785533085940283555")
	feSqrtM1         = mustFeDecimal("19681161376707505956807079304988542015446066515923890162744021073123829784752")
	feSqrtADMinusOne = mustFeDecimal("25063068953384623474111414158702152701244531502492656460079210482610430750235")
	feInvSqrtAMinusD = mustFeDecimal("54469307008909316920995813868745141605393597292927456921205312896311721017578")
	feOneMinusDSq    = mustFeDecimal("1159843021668779879193775521855586647937357759715417654439879720876111806838")
	feDMinusOneSq    = mustFeDecimal("40440834346308536858101042469323190826248399146238708352240133220865137265952")
)

// SetCanonicalBytes sets e to the element encoded by the 32-byte string b,
// implementing Decode from RFC 9496, Section 4.3.1. It returns
// [ErrNonCanonicalElement], and leaves e unchanged, if b is not a valid
// canonical encoding. The identity (32 zero bytes) is accepted; callers that
// must reject it check [Element.IsIdentity].
func (e *Element) SetCanonicalBytes(b []byte) (*Element, error) {
	if len(b) != ElementSize {
		return nil, ErrNonCanonicalElement
	}
	// Decode (RFC 9496, Section 4.3.1) runs on fe64 (fe64_ristretto.go), whose
	// inverse square root is the fast one of fe64.go.
	var x, y, t field.Element
	if fe64Decode(&x, &y, &t, (*[ElementSize]byte)(b)) != 1 {
		return nil, ErrNonCanonicalElement
	}
	if _, err := e.p.SetExtendedCoordinates(&x, &y, feOne, &t); err != nil {
		return nil, ErrNonCanonicalElement
	}
	copy(e.enc[:], b)
	e.encOK = true
	return e, nil
}

// ParseElement decodes a canonical element encoding; see
// [Element.SetCanonicalBytes].
func ParseElement(b []byte) (*Element, error) {
	return new(Element).SetCanonicalBytes(b)
}

// ParseNonIdentityElement decodes a canonical element encoding and rejects
// the identity with [ErrIdentityElement].
func ParseNonIdentityElement(b []byte) (*Element, error) {
	e, err := new(Element).SetCanonicalBytes(b)
	if err != nil {
		return nil, err
	}
	if e.IsIdentity() {
		return nil, ErrIdentityElement
	}
	return e, nil
}

// Bytes returns the canonical 32-byte encoding of e, implementing Encode from
// RFC 9496, Section 4.3.2.
func (e *Element) Bytes() []byte {
	var out [ElementSize]byte
	return e.AppendBytes(out[:0])
}

// AppendBytes appends the canonical 32-byte encoding of e to b.
func (e *Element) AppendBytes(b []byte) []byte {
	if e.encOK {
		return append(b, e.enc[:]...)
	}
	var s [ElementSize]byte
	X0, Y0, Z0, T0 := e.p.ExtendedCoordinates()
	fe64Encode(&s, X0, Y0, Z0, T0) // Encode on fe64 (fe64_ristretto.go)
	return append(b, s[:]...)
}

// ristrettoU sets u1 = (Z0 + Y0)·(Z0 − Y0) and u2 = X0·Y0, the first step
// of Encode (RFC 9496, Section 4.3.2).
func ristrettoU(u1, u2, X0, Y0, Z0 *field.Element) {
	var tmp field.Element
	u1.Add(Z0, Y0)
	tmp.Subtract(Z0, Y0)
	u1.Multiply(u1, &tmp)
	u2.Multiply(X0, Y0)
}

// encodeWithInvSqrt finishes Encode (RFC 9496, Section 4.3.2) given
// invsqrt = SQRT_RATIO_M1(1, u1·u2²), writing s to out.
func encodeWithInvSqrt(out *[ElementSize]byte, X0, Y0, Z0, T0, u1, u2, invsqrt *field.Element) {
	var tmp field.Element
	var den1, den2, zInv field.Element
	den1.Multiply(invsqrt, u1)
	den2.Multiply(invsqrt, u2)
	zInv.Multiply(&den1, &den2)
	zInv.Multiply(&zInv, T0)
	var ix0, iy0, enchanted field.Element
	ix0.Multiply(X0, feSqrtM1)
	iy0.Multiply(Y0, feSqrtM1)
	enchanted.Multiply(&den1, feInvSqrtAMinusD)
	tmp.Multiply(T0, &zInv)
	rotate := tmp.IsNegative()
	var x, y, denInv field.Element
	x.Select(&iy0, X0, rotate)
	y.Select(&ix0, Y0, rotate)
	denInv.Select(&enchanted, &den2, rotate)
	// y = CT_NEG(y, IS_NEGATIVE(x * z_inv))
	tmp.Multiply(&x, &zInv)
	var negY field.Element
	negY.Negate(&y)
	y.Select(&negY, &y, tmp.IsNegative())
	// s = CT_ABS(den_inv * (z - y))
	var s field.Element
	s.Subtract(Z0, &y)
	s.Multiply(&s, &denInv)
	s.Absolute(&s)
	copy(out[:], s.Bytes())
}

// SetUniformBytes sets e to the output of the one-way map of RFC 9496,
// Section 4.3.4, applied to the 64-byte string b, and returns e. The result
// is uniform when b is; nobody learns its discrete logarithm.
func (e *Element) SetUniformBytes(b []byte) (*Element, error) {
	if len(b) != 64 {
		return nil, errors.New("group: uniform element input must be 64 bytes")
	}
	var p1, p2 edwards25519.Point
	mapToPoint(&p1, b[:32])
	mapToPoint(&p2, b[32:])
	e.p.Add(&p1, &p2)
	e.encOK = false
	return e, nil
}

// mapToPoint is the MAP function of RFC 9496, Section 4.3.4.
func mapToPoint(out *edwards25519.Point, b []byte) {
	// The field element t is the little-endian b with its top bit masked and
	// reduced modulo p, as filippo.io/edwards25519/field's SetBytes does.
	t, err := new(field.Element).SetBytes(b)
	if err != nil {
		panic("group: internal error: map input length")
	}
	// r = SQRT_M1 * t^2
	r := new(field.Element).Square(t)
	r.Multiply(r, feSqrtM1)
	// u = (r + 1) * ONE_MINUS_D_SQ
	u := new(field.Element).Add(r, feOne)
	u.Multiply(u, feOneMinusDSq)
	// v = (-1 - r*D) * (r + D)
	rD := new(field.Element).Multiply(r, feD)
	v := new(field.Element).Subtract(feMinusOne, rD)
	v.Multiply(v, new(field.Element).Add(r, feD))
	// (was_square, s) = SQRT_RATIO_M1(u, v)
	s, wasSquare := sqrtRatio(new(field.Element), u, v)
	// s_prime = -CT_ABS(s*t)
	sPrime := new(field.Element).Multiply(s, t)
	sPrime.Absolute(sPrime)
	sPrime.Negate(sPrime)
	s.Select(s, sPrime, wasSquare)
	c := new(field.Element).Select(feMinusOne, r, wasSquare)
	// N = c * (r - 1) * D_MINUS_ONE_SQ - v
	N := new(field.Element).Subtract(r, feOne)
	N.Multiply(N, c)
	N.Multiply(N, feDMinusOneSq)
	N.Subtract(N, v)
	ss := new(field.Element).Square(s)
	w0 := new(field.Element).Add(s, s)
	w0.Multiply(w0, v)
	w1 := new(field.Element).Multiply(N, feSqrtADMinusOne)
	w2 := new(field.Element).Subtract(feOne, ss)
	w3 := new(field.Element).Add(feOne, ss)
	X := new(field.Element).Multiply(w0, w3)
	Y := new(field.Element).Multiply(w2, w1)
	Z := new(field.Element).Multiply(w1, w3)
	T := new(field.Element).Multiply(w0, w2)
	if _, err := out.SetExtendedCoordinates(X, Y, Z, T); err != nil {
		panic("group: internal error: map produced an invalid point")
	}
}

// MarshalBinary returns the canonical encoding of e.
func (e *Element) MarshalBinary() ([]byte, error) { return e.Bytes(), nil }

// UnmarshalBinary sets e from a canonical encoding.
func (e *Element) UnmarshalBinary(b []byte) error {
	_, err := e.SetCanonicalBytes(b)
	return err
}

// MarshalText returns the lowercase hexadecimal canonical encoding of e.
func (e *Element) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(e.Bytes())), nil
}

// UnmarshalText sets e from a hexadecimal canonical encoding.
func (e *Element) UnmarshalText(b []byte) error {
	raw, err := decodeHex(b, ElementSize)
	if err != nil {
		return err
	}
	_, err = e.SetCanonicalBytes(raw)
	return err
}

// MarshalText returns the lowercase hexadecimal canonical encoding of s.
func (s *Scalar) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(s.Bytes())), nil
}

// UnmarshalText sets s from a hexadecimal canonical encoding.
func (s *Scalar) UnmarshalText(b []byte) error {
	raw, err := decodeHex(b, ScalarSize)
	if err != nil {
		return err
	}
	_, err = s.SetCanonicalBytes(raw)
	return err
}

func decodeHex(b []byte, n int) ([]byte, error) {
	if len(b) != 2*n {
		return nil, errors.New("group: hex encoding has the wrong length")
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, errors.New("group: hex encoding must be lowercase hexadecimal")
		}
	}
	raw := make([]byte, n)
	if _, err := hex.Decode(raw, b); err != nil {
		return nil, errors.New("group: invalid hex encoding")
	}
	return raw, nil
}

func mustFeDecimal(s string) *field.Element {
	// Decimal to little-endian bytes without math/big in the hot path: done
	// once at init.
	var digits []byte
	for i := 0; i < len(s); i++ {
		digits = append(digits, s[i]-'0')
	}
	var le [32]byte
	// Repeated division by 256.
	for i := 0; i < 32; i++ {
		var rem int
		var next []byte
		for _, d := range digits {
			cur := rem*10 + int(d)
			q := cur / 256
			rem = cur % 256
			if len(next) > 0 || q > 0 {
				next = append(next, byte(q))
			}
		}
		le[i] = byte(rem)
		digits = next
	}
	if len(digits) != 0 {
		panic("group: constant too large")
	}
	fe, err := new(field.Element).SetBytes(le[:])
	if err != nil || subtle.ConstantTimeCompare(fe.Bytes(), le[:]) != 1 {
		panic("group: invalid field constant")
	}
	return fe
}
