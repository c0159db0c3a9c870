package group

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/gtank/ristretto255"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Encode and Decode on fe64 (fe64_ristretto.go) against two references: the
// package's previous field.Element code (referenceDecode, referenceEncode,
// kept here verbatim as an oracle) and github.com/gtank/ristretto255.

// referenceDecode is Decode (RFC 9496, Section 4.3.1) on field.Element with
// filippo's SqrtRatio, as SetCanonicalBytes computed it before fe64: it
// returns the extended coordinates (x, y, 1, t) or ok = false.
func referenceDecode(b []byte) (x, y, t *field.Element, ok bool) {
	if len(b) != ElementSize {
		return nil, nil, nil, false
	}
	s, err := new(field.Element).SetBytes(b)
	if err != nil {
		return nil, nil, nil, false
	}
	if subtle.ConstantTimeCompare(s.Bytes(), b) != 1 || s.IsNegative() == 1 {
		return nil, nil, nil, false
	}
	ss := new(field.Element).Square(s)
	u1 := new(field.Element).Subtract(feOne, ss)
	u2 := new(field.Element).Add(feOne, ss)
	u2sq := new(field.Element).Square(u2)
	v := new(field.Element).Square(u1)
	v.Multiply(v, feD)
	v.Negate(v)
	v.Subtract(v, u2sq)
	invsqrt, wasSquare := new(field.Element).SqrtRatio(feOne, new(field.Element).Multiply(v, u2sq))
	denX := new(field.Element).Multiply(invsqrt, u2)
	denY := new(field.Element).Multiply(invsqrt, denX)
	denY.Multiply(denY, v)
	x = new(field.Element).Add(s, s)
	x.Multiply(x, denX)
	x.Absolute(x)
	y = new(field.Element).Multiply(u1, denY)
	t = new(field.Element).Multiply(x, y)
	var zero field.Element
	if wasSquare == 0 || t.IsNegative() == 1 || y.Equal(&zero) == 1 {
		return nil, nil, nil, false
	}
	return x, y, t, true
}

// referenceEncode is Encode (RFC 9496, Section 4.3.2) on field.Element with
// filippo's SqrtRatio, as AppendBytes computed it before fe64.
func referenceEncode(p *edwards25519.Point) []byte {
	X0, Y0, Z0, T0 := p.ExtendedCoordinates()
	var u1, u2, tmp, invsqrt field.Element
	ristrettoU(&u1, &u2, X0, Y0, Z0)
	tmp.Square(&u2)
	tmp.Multiply(&tmp, &u1)
	invsqrt.SqrtRatio(feOne, &tmp)
	var s [ElementSize]byte
	encodeWithInvSqrt(&s, X0, Y0, Z0, T0, &u1, &u2, &invsqrt)
	return s[:]
}

// checkDecode decodes b with SetCanonicalBytes and referenceDecode and
// fails unless they agree: both reject, or both accept with the same
// coordinates, and the decoded element re-encodes (from the point, not the
// remembered bytes) to b with fe64Encode and with referenceEncode. It
// reports whether b was accepted.
func checkDecode(t *testing.T, b []byte) bool {
	t.Helper()
	rx, ry, rt, ok := referenceDecode(b)
	e, err := new(Element).SetCanonicalBytes(b)
	if ok != (err == nil) {
		t.Fatalf("decode %x: error %v, reference accepts: %v", b, err, ok)
	}
	if !ok {
		if err != ErrNonCanonicalElement {
			t.Fatalf("decode %x: error %v, want ErrNonCanonicalElement", b, err)
		}
		return false
	}
	X, Y, Z, T := e.p.ExtendedCoordinates()
	if X.Equal(rx) != 1 || Y.Equal(ry) != 1 || Z.Equal(feOne) != 1 || T.Equal(rt) != 1 {
		t.Fatalf("decode %x: coordinates differ from the reference", b)
	}
	e.encOK = false
	if got := e.Bytes(); !bytes.Equal(got, b) {
		t.Fatalf("decode then encode %x = %x", b, got)
	}
	if got := referenceEncode(&e.p); !bytes.Equal(got, b) {
		t.Fatalf("reference encode of decoded %x = %x", b, got)
	}
	return true
}

// decodeInputs returns encodings of random elements, their negations (so
// negative s), and random strings with and without bit 255 and at p and
// above (non-canonical).
func decodeInputs(t *testing.T, n int) [][]byte {
	r := testrand.New("fe64 decode inputs")
	var out [][]byte
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000", // identity
		"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76", // generator
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p − 1 = −1: y = 0
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // 2^256 − 1
		"0000000000000000000000000000000000000000000000000000000000000080", // 2^255
		"0200000000000000000000000000000000000000000000000000000000000000", // 2
	} {
		b, _ := hex.DecodeString(h)
		out = append(out, b)
	}
	var buf [64]byte
	for range n {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			t.Fatal(err)
		}
		s, _ := new(Scalar).SetUniformBytes(buf[:])
		e := new(Element).ScalarBaseMult(s)
		out = append(out, e.Bytes(), new(Element).Negate(e).Bytes(), bytes.Clone(buf[:32]))
		even := bytes.Clone(buf[32:])
		even[0] &^= 1
		even[31] &= 0x7f
		out = append(out, even)
	}
	return out
}

func TestDecodeMatchesPreviousCode(t *testing.T) {
	inputs := decodeInputs(t, 200)
	forEachImpl(t, func(t *testing.T) {
		accepted := 0
		for _, b := range inputs {
			if checkDecode(t, b) {
				accepted++
			}
		}
		if accepted < 250 || accepted > len(inputs)-250 {
			t.Fatalf("lopsided inputs: %d of %d accepted", accepted, len(inputs))
		}
	})
}

// Every representative of an element encodes the same way: encoding points
// with a 4-torsion component added, and points whose Z is not 1, agrees
// with the previous code.
func TestEncodeMatchesPreviousCode(t *testing.T) {
	r := testrand.New("fe64 encode")
	var torsion []*edwards25519.Point
	for _, enc := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		b, _ := hex.DecodeString(enc)
		p, err := new(edwards25519.Point).SetBytes(b)
		if err != nil {
			t.Fatalf("torsion point %s: %v", enc, err)
		}
		torsion = append(torsion, p)
	}
	forEachImpl(t, func(t *testing.T) {
		elems := []*Element{NewElement(), NewGeneratorElement()}
		for range 100 {
			s, _ := RandomScalar(r)
			e := new(Element).ScalarBaseMult(s)
			elems = append(elems, e, new(Element).Add(e, e))
		}
		for i, e := range elems {
			want := referenceEncode(&e.p)
			if got := e.Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("encode = %x, previous code %x", got, want)
			}
			for _, tp := range torsion {
				var q Element
				q.p.Add(&e.p, tp)
				if got := q.Bytes(); !bytes.Equal(got, want) {
					t.Fatalf("encode with torsion (element %d) = %x, want %x", i, got, want)
				}
			}
		}
	})
}

// Decoding and encoding agree with github.com/gtank/ristretto255 (an
// independent RFC 9496 implementation) on both code paths: random valid
// encodings, their negations and random 32-byte strings (almost all
// invalid), and encodings of computed elements.
func TestElementCodingMatchesReferenceOnBothPaths(t *testing.T) {
	r := testrand.New("fe64 element coding")
	forEachImpl(t, func(t *testing.T) {
		accepted, rejected := 0, 0
		var buf [64]byte
		for i := range 300 {
			if _, err := io.ReadFull(r, buf[:]); err != nil {
				t.Fatal(err)
			}
			s := ristretto255.NewScalar().FromUniformBytes(buf[:])
			ref := ristretto255.NewElement().ScalarBaseMult(s)
			ours, err := new(Scalar).SetCanonicalBytes(s.Encode(nil))
			if err != nil {
				t.Fatal(err)
			}
			e := new(Element).ScalarBaseMult(ours)
			if i%3 == 0 {
				e.Add(e, e)
				ref.Add(ref, ref)
			}
			want := ref.Encode(nil)
			if got := e.Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("Encode = %x, reference %x", got, want)
			}
			for _, enc := range [][]byte{want, ristretto255.NewElement().Negate(ref).Encode(nil), buf[:32]} {
				refErr := ristretto255.NewElement().Decode(enc)
				d, err := new(Element).SetCanonicalBytes(enc)
				if (err == nil) != (refErr == nil) {
					t.Fatalf("decode %x: error %v, reference error %v", enc, err, refErr)
				}
				if err != nil {
					rejected++
					continue
				}
				accepted++
				// Re-encode from the point, not the remembered bytes.
				d.encOK = false
				if got := d.Bytes(); !bytes.Equal(got, enc) {
					t.Fatalf("decode then encode %x = %x", enc, got)
				}
			}
		}
		if accepted < 500 || rejected < 200 {
			t.Fatalf("lopsided inputs: %d accepted, %d rejected", accepted, rejected)
		}
	})
}

// FuzzFE64Decode compares decoding (and re-encoding) of arbitrary
// 32-byte strings with the previous field.Element code, on both code paths.
func FuzzFE64Decode(f *testing.F) {
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		saved := fe64UseADX
		defer func() { fe64UseADX = saved }()
		for _, adx := range []bool{fe64HaveADX, false} {
			fe64UseADX = adx
			checkDecode(t, b)
		}
	})
}
