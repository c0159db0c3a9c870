package cryptobench

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/veche/veche/crypto/group"
)

// groupOps measures the ristretto255 operations of crypto/group that every
// protocol is built from.
func groupOps() []Op {
	return []Op{
		{Name: "group/scalar-base-mult", N: 1, Bench: benchScalarBaseMult},
		{Name: "group/scalar-mult", N: 1, Bench: benchScalarMult},
		{Name: "group/double-scalar-base-mult-vartime", N: 1, Bench: benchDoubleScalarBaseMult},
		{Name: "group/element-decode", N: 1, Bench: benchElementDecode},
		{Name: "group/element-encode", N: 1, Bench: benchElementEncode},
		{Name: "group/hash-to-element", N: 1, Bench: benchHashToElement},
		msmOp(1000),
		msmOp(10000),
	}
}

func randomScalar(b *testing.B) *group.Scalar {
	s, err := group.RandomScalar(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func randomElement(b *testing.B) *group.Element {
	return new(group.Element).ScalarBaseMult(randomScalar(b))
}

// benchScalarBaseMult is the constant-time fixed-base multiplication x·G
// used for key generation and encryption.
func benchScalarBaseMult(b *testing.B) {
	s, e := randomScalar(b), group.NewElement()
	for b.Loop() {
		e.ScalarBaseMult(s)
	}
}

// benchScalarMult is the constant-time variable-base multiplication x·P
// used for decryption shares and re-encryption under a public key.
func benchScalarMult(b *testing.B) {
	s, p, e := randomScalar(b), randomElement(b), group.NewElement()
	for b.Loop() {
		e.ScalarMult(s, p)
	}
}

// benchDoubleScalarBaseMult is a·A + b·G in variable time, the shape of a
// Schnorr or Chaum–Pedersen verification equation.
func benchDoubleScalarBaseMult(b *testing.B) {
	x, y, p, e := randomScalar(b), randomScalar(b), randomElement(b), group.NewElement()
	for b.Loop() {
		e.VarTimeDoubleScalarBaseMult(x, p, y)
	}
}

// benchElementDecode is RFC 9496 Decode of a canonical encoding, paid for
// every element read from the board.
func benchElementDecode(b *testing.B) {
	enc, e := randomElement(b).Bytes(), group.NewElement()
	for b.Loop() {
		if _, err := e.SetCanonicalBytes(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// benchElementEncode is RFC 9496 Encode, paid for every element written to
// the board or absorbed by a transcript.
func benchElementEncode(b *testing.B) {
	p := randomElement(b)
	buf := make([]byte, 0, group.ElementSize)
	for b.Loop() {
		buf = p.AppendBytes(buf[:0])
	}
}

// benchHashToElement is hash_to_ristretto255 (RFC 9380) of a 32-byte
// message, used to derive independent generators.
func benchHashToElement(b *testing.B) {
	dst, msg := []byte("veche/cryptobench/v1"), make([]byte, 32)
	for b.Loop() {
		if _, err := group.HashToElement(dst, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// msmOp is a variable-time multi-scalar multiplication with n terms, the
// core of batch verification; one operation is the whole sum.
func msmOp(n int) Op {
	return Op{
		Name: fmt.Sprintf("group/msm-vartime/%d", n),
		N:    n,
		Bench: func(b *testing.B) {
			// Random scalars, and elements P, P+Q, P+2Q, ...: as good as
			// random elements for timing a variable-time MSM, and much
			// cheaper to set up than n scalar multiplications.
			scalars := make([]*group.Scalar, n)
			elements := make([]*group.Element, n)
			p, q := randomElement(b), randomElement(b)
			for i := range n {
				scalars[i] = randomScalar(b)
				elements[i] = new(group.Element).Set(p)
				p.Add(p, q)
			}
			e := group.NewElement()
			for b.Loop() {
				if _, err := e.VarTimeMultiScalarMult(scalars, elements); err != nil {
					b.Fatal(err)
				}
			}
		},
	}
}
