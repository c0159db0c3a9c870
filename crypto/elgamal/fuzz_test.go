package elgamal_test

import (
	"bytes"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

func seedCiphertexts(f *testing.F) []*elgamal.Ciphertext {
	rand := testrand.New("fuzz seeds")
	pk := mustKey(f, "fuzz seeds/key").Public()
	c1, _, _ := elgamal.EncryptExp(rand, pk, 1)
	c2, _, _ := elgamal.Encrypt(rand, pk, randomElement(f, rand))
	c3 := elgamal.EncryptWithRandomness(pk, exp(3), group.NewScalar()) // identity A
	return []*elgamal.Ciphertext{c1, c2, c3}
}

func FuzzParseCiphertext(f *testing.F) {
	for _, c := range seedCiphertexts(f) {
		f.Add(c.Bytes())
	}
	f.Add(make([]byte, 64))
	f.Add(make([]byte, 63))
	for _, s := range badElements {
		f.Add(append(mustHex(f, s), exp(1).Bytes()...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := elgamal.ParseCiphertext(b)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, c.Bytes())
		}
		if (c.Validate() == nil) == c.A.IsIdentity() {
			t.Fatalf("Validate disagrees with A's identity check for %x", b)
		}
	})
}

func FuzzParseVector(f *testing.F) {
	cs := seedCiphertexts(f)
	f.Add(elgamal.VectorCiphertext(cs).Bytes(), 3)
	f.Add(elgamal.VectorCiphertext(cs[:1]).Bytes(), 1)
	f.Add(elgamal.VectorCiphertext(cs).Bytes(), 2)
	f.Add([]byte{0, 0, 0, 0}, 5)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, 1<<30)
	f.Add(append(elgamal.VectorCiphertext(cs).Bytes(), 0), 3)
	f.Fuzz(func(t *testing.T, b []byte, maxWidth int) {
		v, err := elgamal.ParseVectorCiphertext(b, maxWidth)
		if err != nil {
			return
		}
		if len(v) == 0 || len(v) > maxWidth {
			t.Fatalf("accepted width %d with maximum %d", len(v), maxWidth)
		}
		if !bytes.Equal(v.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, v.Bytes())
		}
	})
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{"", "a", "Jane Q. Public", "exactly twenty-nine bytes lon"} {
		e, err := elgamal.EncodeBytes([]byte(s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.Bytes())
	}
	f.Add(group.NewGeneratorElement().Bytes())
	f.Add(exp(2).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := group.ParseElement(b)
		if err != nil {
			return
		}
		msg, err := elgamal.DecodeBytes(e)
		if err != nil {
			return
		}
		// Everything DecodeBytes accepts is EncodeBytes' output.
		e2, err := elgamal.EncodeBytes(msg)
		if err != nil {
			t.Fatalf("decoded %x, which does not encode: %v", msg, err)
		}
		if e2.Equal(e) != 1 {
			t.Fatalf("%x decodes to %x, which encodes to a different element", b, msg)
		}
	})
}

func FuzzEncodeBytes(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("Jane Q. Public"))
	f.Add(bytes.Repeat([]byte{0xff}, 29))
	f.Add(bytes.Repeat([]byte{0}, 30))
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := elgamal.EncodeBytes(msg)
		if len(msg) > elgamal.MaxBytesLength {
			if err == nil {
				t.Fatalf("embedded %d bytes", len(msg))
			}
			return
		}
		if err != nil {
			t.Fatalf("%x: %v", msg, err)
		}
		got, err := elgamal.DecodeBytes(e)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%x decodes to %x, %v", msg, got, err)
		}
	})
}

func FuzzNewPublicKey(f *testing.F) {
	f.Add(mustKey(f, "fuzz seeds/key").Public().Bytes())
	f.Add(make([]byte, 32))
	f.Add(group.NewGeneratorElement().Bytes())
	for _, s := range badElements {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := elgamal.NewPublicKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(pk.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, pk.Bytes())
		}
		if pk.Element().IsIdentity() {
			t.Fatal("accepted the identity")
		}
	})
}

func FuzzNewPrivateKey(f *testing.F) {
	f.Add(mustKey(f, "fuzz seeds/key").Bytes())
	f.Add(make([]byte, 32))
	f.Add(mustHex(f, orderHex))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		sk, err := elgamal.NewPrivateKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(sk.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, sk.Bytes())
		}
		if sk.Scalar().IsZero() || sk.Public().Element().IsIdentity() {
			t.Fatal("accepted the zero key")
		}
	})
}
