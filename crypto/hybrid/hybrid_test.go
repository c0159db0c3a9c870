package hybrid_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
)

func keyPair(t testing.TB, seed string) *hybrid.PrivateKey {
	t.Helper()
	sk, err := hybrid.GenerateKey(testrand.New(seed))
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func TestRoundTrip(t *testing.T) {
	r := testrand.New("round trip")
	sk := keyPair(t, "recipient")
	for _, size := range []int{0, 1, 32, 1000} {
		msg := bytes.Repeat([]byte{byte(size)}, size)
		ad := []byte(fmt.Sprintf("ad %d", size))
		ct, err := hybrid.Encrypt(r, sk.Public(), msg, ad)
		if err != nil {
			t.Fatal(err)
		}
		enc := ct.Bytes()
		if len(enc) != size+hybrid.Overhead || ct.Size() != len(enc) {
			t.Fatalf("%d-byte message: %d-byte ciphertext, want %d", size, len(enc), size+hybrid.Overhead)
		}
		parsed, err := hybrid.ParseCiphertext(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(parsed.Bytes(), enc) {
			t.Fatal("ciphertext does not re-encode")
		}
		if err := parsed.Verify(sk.Public(), ad); err != nil {
			t.Fatal(err)
		}
		got, err := sk.Decrypt(parsed, ad)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%d-byte message: decrypted %x, %v", size, got, err)
		}
	}
}

func TestEncryptIsRandomised(t *testing.T) {
	r := testrand.New("randomised")
	sk := keyPair(t, "recipient")
	a, _ := hybrid.Encrypt(r, sk.Public(), []byte("same"), nil)
	b, _ := hybrid.Encrypt(r, sk.Public(), []byte("same"), nil)
	if a.E.Equal(b.E) == 1 || bytes.Equal(a.Sealed, b.Sealed) {
		t.Fatal("two encryptions of the same message share E or sealed bytes")
	}
}

func TestDecryptRejects(t *testing.T) {
	r := testrand.New("rejects")
	sk, other := keyPair(t, "recipient"), keyPair(t, "other")
	ad := []byte("dealer 1 to trustee 2")
	ct, err := hybrid.Encrypt(r, sk.Public(), []byte("a 32-byte secret share, exactly!"), ad)
	if err != nil {
		t.Fatal(err)
	}
	enc := ct.Bytes()
	flip := func(off int) *hybrid.Ciphertext {
		b := slices.Clone(enc)
		b[off] ^= 1
		c, err := hybrid.ParseCiphertext(b)
		if err != nil {
			t.Fatalf("flipping byte %d: %v", off, err)
		}
		return c
	}
	G := group.NewGeneratorElement()
	one := new(group.Scalar).SetUint64(1)
	for _, tc := range []struct {
		name string
		key  *hybrid.PrivateKey
		ct   *hybrid.Ciphertext
		ad   []byte
		want error
	}{
		{"other associated data", sk, ct, []byte("dealer 1 to trustee 3"), hybrid.ErrInvalidProof},
		{"no associated data", sk, ct, nil, hybrid.ErrInvalidProof},
		{"other recipient", other, ct, ad, hybrid.ErrInvalidProof},
		{"E changed", sk, &hybrid.Ciphertext{E: new(group.Element).Add(ct.E, G), R: ct.R, Z: ct.Z, Sealed: ct.Sealed}, ad, hybrid.ErrInvalidProof},
		{"R changed", sk, &hybrid.Ciphertext{E: ct.E, R: new(group.Element).Add(ct.R, G), Z: ct.Z, Sealed: ct.Sealed}, ad, hybrid.ErrInvalidProof},
		{"z changed", sk, &hybrid.Ciphertext{E: ct.E, R: ct.R, Z: new(group.Scalar).Add(ct.Z, one), Sealed: ct.Sealed}, ad, hybrid.ErrInvalidProof},
		{"E = identity", sk, &hybrid.Ciphertext{E: group.NewElement(), R: ct.R, Z: ct.Z, Sealed: ct.Sealed}, ad, hybrid.ErrMalformed},
		{"no tag", sk, &hybrid.Ciphertext{E: ct.E, R: ct.R, Z: ct.Z, Sealed: ct.Sealed[:15]}, ad, hybrid.ErrMalformed},
		{"nil fields", sk, &hybrid.Ciphertext{}, ad, hybrid.ErrMalformed},
		{"sealed byte changed", sk, flip(100), ad, hybrid.ErrInvalidProof},
		{"tag changed", sk, flip(len(enc) - 1), ad, hybrid.ErrInvalidProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.key.Decrypt(tc.ct, tc.ad)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decrypt: %v, want %v", err, tc.want)
			}
			if _, err := tc.key.SharedSecret(tc.ct, tc.ad); !errors.Is(err, tc.want) {
				t.Fatalf("SharedSecret revealed K for a bad ciphertext: %v", err)
			}
		})
	}
}

// The revealed shared secret decrypts its ciphertext and nothing else, and
// a Chaum-Pedersen proof shows it is correct.
func TestSharedSecret(t *testing.T) {
	r := testrand.New("shared secret")
	sk := keyPair(t, "recipient")
	ad := []byte("ad")
	ct1, _ := hybrid.Encrypt(r, sk.Public(), []byte("first"), ad)
	ct2, _ := hybrid.Encrypt(r, sk.Public(), []byte("second"), ad)
	K, err := sk.SharedSecret(ct1, ad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := hybrid.Open(sk.Public(), K, ct1, ad); err != nil || string(got) != "first" {
		t.Fatalf("Open with K: %q, %v", got, err)
	}
	if _, err := hybrid.Open(sk.Public(), K, ct2, ad); !errors.Is(err, hybrid.ErrDecrypt) {
		t.Fatalf("K of one ciphertext opens another: %v", err)
	}
	if _, err := hybrid.Open(sk.Public(), K, ct1, []byte("other ad")); !errors.Is(err, hybrid.ErrDecrypt) {
		t.Fatalf("Open under other associated data: %v", err)
	}
	if _, err := hybrid.Open(sk.Public(), group.NewElement(), ct1, ad); !errors.Is(err, hybrid.ErrMalformed) {
		t.Fatalf("Open with K = identity: %v", err)
	}
	var fp zkp.Fingerprint
	proof, err := zkp.ProveDLEQ(r, fp, sk.Scalar(), sk.Public().Element(), ct1.E, K, []byte("complaint"))
	if err != nil {
		t.Fatal(err)
	}
	if err := zkp.VerifyDLEQ(fp, sk.Public().Element(), ct1.E, K, []byte("complaint"), proof); err != nil {
		t.Fatal(err)
	}
}

// A ciphertext that reuses another's ephemeral key under other associated
// data (or for another recipient) has no valid proof, so the recipient
// never reveals x·E for it: the Diffie-Hellman oracle is closed.
func TestCopiedEphemeralKey(t *testing.T) {
	r := testrand.New("copied E")
	sk := keyPair(t, "recipient")
	honest, _ := hybrid.Encrypt(r, sk.Public(), []byte("secret share"), []byte("dealer 1"))
	for name, ct := range map[string]*hybrid.Ciphertext{
		"whole ciphertext":       honest,
		"E, R, z with new bytes": {E: honest.E, R: honest.R, Z: honest.Z, Sealed: make([]byte, 28)},
	} {
		if _, err := sk.SharedSecret(ct, []byte("dealer 2")); !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("%s under another dealer's ad: SharedSecret returned %v", name, err)
		}
	}
	// And under the same ad, with other sealed bytes: the proof covers them.
	if _, err := sk.SharedSecret(&hybrid.Ciphertext{E: honest.E, R: honest.R, Z: honest.Z, Sealed: make([]byte, 28)}, []byte("dealer 1")); !errors.Is(err, hybrid.ErrInvalidProof) {
		t.Fatalf("copied proof over other sealed bytes: %v", err)
	}
}

func TestParseCiphertextRejects(t *testing.T) {
	r := testrand.New("parse")
	sk := keyPair(t, "recipient")
	ct, _ := hybrid.Encrypt(r, sk.Public(), []byte("x"), nil)
	enc := ct.Bytes()
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	with := func(off int, b []byte) []byte { c := slices.Clone(enc); copy(c[off:], b); return c }
	for name, b := range map[string][]byte{
		"empty":           nil,
		"overhead - 1":    enc[:hybrid.Overhead-1],
		"identity E":      with(0, make([]byte, 32)),
		"identity R":      with(32, make([]byte, 32)),
		"non-canonical E": with(0, bytes.Repeat([]byte{0xff}, 32)),
		"z = ℓ":           with(64, ell),
	} {
		if _, err := hybrid.ParseCiphertext(b); !errors.Is(err, hybrid.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := hybrid.ParseCiphertext(enc[:hybrid.Overhead]); err != nil {
		t.Fatalf("a ciphertext of the empty message: %v", err)
	}
}

func TestKeys(t *testing.T) {
	sk := keyPair(t, "keys")
	back, err := hybrid.NewPrivateKey(sk.Bytes())
	if err != nil || !back.Equal(sk) || !back.Public().Equal(sk.Public()) {
		t.Fatalf("private key round trip: %v", err)
	}
	pk, err := hybrid.NewPublicKey(sk.Public().Bytes())
	if err != nil || !pk.Equal(sk.Public()) || pk.Element().Equal(sk.Public().Element()) != 1 {
		t.Fatalf("public key round trip: %v", err)
	}
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	for name, b := range map[string][]byte{"zero": make([]byte, 32), "ℓ": ell, "31 bytes": make([]byte, 31)} {
		if _, err := hybrid.NewPrivateKey(b); !errors.Is(err, hybrid.ErrMalformed) {
			t.Errorf("private key %s: %v", name, err)
		}
	}
	for name, b := range map[string][]byte{"identity": make([]byte, 32), "non-canonical": bytes.Repeat([]byte{0xff}, 32), "33 bytes": make([]byte, 33)} {
		if _, err := hybrid.NewPublicKey(b); !errors.Is(err, hybrid.ErrMalformed) {
			t.Errorf("public key %s: %v", name, err)
		}
	}
	secret := fmt.Sprintf("%x", sk.Bytes())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		for _, v := range []any{sk, *sk, struct{ K *hybrid.PrivateKey }{sk}} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secret) {
				t.Fatalf("%s prints the secret: %s", verb, out)
			}
		}
	}
	if fmt.Sprint(sk) != "hybrid.PrivateKey{REDACTED}" {
		t.Fatalf("PrivateKey prints as %q", fmt.Sprint(sk))
	}
}

func FuzzParseCiphertext(f *testing.F) {
	r := testrand.New("fuzz")
	sk := keyPair(f, "fuzz")
	ad := []byte("fuzz ad")
	ct, _ := hybrid.Encrypt(r, sk.Public(), []byte("fuzz message"), ad)
	good := ct.Bytes()
	f.Add(good)
	f.Add(good[:hybrid.Overhead])
	f.Add(good[:50])
	f.Add(make([]byte, hybrid.Overhead))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := hybrid.ParseCiphertext(b)
		if err != nil {
			if c != nil || !errors.Is(err, hybrid.ErrMalformed) {
				t.Fatalf("ciphertext %v with error %v", c, err)
			}
			return
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatal("accepted a ciphertext that does not re-encode to its input")
		}
		pt, err := sk.Decrypt(c, ad)
		if err == nil && !bytes.Equal(b, good) {
			t.Fatalf("a fuzzed ciphertext decrypts to %q", pt)
		}
	})
}

func FuzzNewPublicKey(f *testing.F) {
	f.Add(keyPair(f, "fuzz").Public().Bytes())
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := hybrid.NewPublicKey(b)
		if err != nil {
			if !errors.Is(err, hybrid.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		if !bytes.Equal(pk.Bytes(), b) || pk.Element().IsIdentity() {
			t.Fatal("accepted a non-canonical or identity key")
		}
	})
}

func FuzzNewPrivateKey(f *testing.F) {
	f.Add(keyPair(f, "fuzz").Bytes())
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		sk, err := hybrid.NewPrivateKey(b)
		if err != nil {
			if !errors.Is(err, hybrid.ErrMalformed) || (len(b) == 32 && strings.Contains(err.Error(), fmt.Sprintf("%x", b))) {
				t.Fatal(err)
			}
			return
		}
		if !bytes.Equal(sk.Bytes(), b) {
			t.Fatal("accepted a non-canonical key")
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	pk := keyPair(b, "bench").Public()
	msg := make([]byte, 32)
	for b.Loop() {
		if _, err := hybrid.Encrypt(nil, pk, msg, []byte("ad")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	sk := keyPair(b, "bench")
	ct, _ := hybrid.Encrypt(nil, sk.Public(), make([]byte, 32), []byte("ad"))
	ct, _ = hybrid.ParseCiphertext(ct.Bytes())
	for b.Loop() {
		if err := ct.Verify(sk.Public(), []byte("ad")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	sk := keyPair(b, "bench")
	ct, _ := hybrid.Encrypt(nil, sk.Public(), make([]byte, 32), []byte("ad"))
	ct, _ = hybrid.ParseCiphertext(ct.Bytes())
	for b.Loop() {
		if _, err := sk.Decrypt(ct, []byte("ad")); err != nil {
			b.Fatal(err)
		}
	}
}
