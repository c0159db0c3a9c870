package group

import (
	"bytes"
	"encoding/hex"
	"testing"

	"filippo.io/edwards25519"
	"github.com/veche/veche/crypto/internal/testrand"
)

// DoubleBatch agrees with doubling and encoding one element at a time, for
// random elements, the identity, and elements represented by points with a
// 4-torsion component (every representative of a ristretto255 element must
// encode the same way).
func TestDoubleBatch(t *testing.T) {
	r := testrand.New("double batch")
	// The 4-torsion point (i, 0), from its Edwards encoding: y = 0, sign of
	// x set or not; and (0, −1).
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
	var in []Element
	in = append(in, *NewElement(), *NewGeneratorElement())
	for i := range 40 {
		s, _ := RandomScalar(r)
		e := new(Element).ScalarBaseMult(s)
		if i < len(torsion) {
			e.p.Add(&e.p, torsion[i])
		}
		in = append(in, *e)
	}
	for _, tp := range torsion {
		var e Element
		e.p.Set(tp) // a representative of the identity
		in = append(in, e)
	}
	out := make([]Element, len(in))
	if err := DoubleBatch(out, in); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		want := new(Element).Add(&in[i], &in[i])
		if out[i].Equal(want) != 1 {
			t.Fatalf("element %d: not the double", i)
		}
		var fresh Element
		fresh.p.Set(&out[i].p)
		if !bytes.Equal(out[i].Bytes(), want.Bytes()) || !bytes.Equal(fresh.Bytes(), want.Bytes()) {
			t.Fatalf("element %d: encoding %x, want %x", i, out[i].Bytes(), want.Bytes())
		}
	}
	// In place.
	in2 := append([]Element(nil), in...)
	if err := DoubleBatch(in2, in2); err != nil {
		t.Fatal(err)
	}
	for i := range in2 {
		if !bytes.Equal(in2[i].Bytes(), out[i].Bytes()) {
			t.Fatalf("in place, element %d differs", i)
		}
	}
	if DoubleBatch(make([]Element, 1), nil) == nil {
		t.Fatal("accepted slices of different lengths")
	}
}
