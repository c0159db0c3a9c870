package elgamal_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustKey(t testing.TB, seed string) *elgamal.PrivateKey {
	t.Helper()
	sk, err := elgamal.GenerateKey(testrand.New(seed))
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// randomElement returns an element with unknown discrete logarithm.
func randomElement(t testing.TB, r io.Reader) *group.Element {
	t.Helper()
	var b [64]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		t.Fatal(err)
	}
	e, err := new(group.Element).SetUniformBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func exp(m uint64) *group.Element {
	return new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(m))
}

// Invalid element encodings, from RFC 9496, Appendix A.2.
var badElements = []string{
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // non-canonical field element
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p
	"0100000000000000000000000000000000000000000000000000000000000000", // negative
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371", // non-square x^2
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // s = -1, y = 0
}

// A voter encrypts, a mixer re-encrypts, the key holder decrypts.
func TestEncryptReEncryptDecrypt(t *testing.T) {
	rand := testrand.New("TestEncryptReEncryptDecrypt")
	sk := mustKey(t, "TestEncryptReEncryptDecrypt/key")
	pk := sk.Public()
	M := randomElement(t, rand)

	c, r, err := elgamal.Encrypt(rand, pk, M)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("honest ciphertext fails validation: %v", err)
	}
	if got := elgamal.Decrypt(sk, c); got.Equal(M) != 1 {
		t.Fatal("decryption does not return the plaintext")
	}
	if !elgamal.EncryptWithRandomness(pk, M, r).Equal(c) {
		t.Error("Encrypt's ciphertext differs from EncryptWithRandomness with the returned randomness")
	}
	if c.A.Equal(new(group.Element).ScalarBaseMult(r)) != 1 {
		t.Error("A is not r·G")
	}

	c2, r2, err := elgamal.ReEncrypt(rand, pk, c)
	if err != nil {
		t.Fatal(err)
	}
	if c2.A.Equal(c.A) == 1 || c2.B.Equal(c.B) == 1 {
		t.Error("re-encryption left a component unchanged")
	}
	if got := elgamal.Decrypt(sk, c2); got.Equal(M) != 1 {
		t.Error("re-encrypted ciphertext decrypts to a different plaintext")
	}
	sum := new(group.Scalar).Add(r, r2)
	if !elgamal.EncryptWithRandomness(pk, M, sum).Equal(c2) {
		t.Error("re-encryption with r' is not an encryption with r + r'")
	}
	if !elgamal.ReEncryptWithRandomness(pk, c, r2).Equal(c2) {
		t.Error("ReEncrypt differs from ReEncryptWithRandomness with the returned re-randomiser")
	}

	// Threshold-style decryption: subtract a share D = s·A.
	D := new(group.Element).ScalarMult(sk.Scalar(), c2.A)
	if c2.Combine(D).Equal(M) != 1 {
		t.Error("Combine(s·A) does not give the plaintext")
	}

	// Another key holder learns nothing useful.
	other := mustKey(t, "TestEncryptReEncryptDecrypt/other")
	if elgamal.Decrypt(other, c2).Equal(M) == 1 {
		t.Error("a different key decrypts the ciphertext")
	}

	// The inputs were not modified.
	if elgamal.Decrypt(sk, c).Equal(M) != 1 {
		t.Error("ReEncrypt modified its input")
	}
}

// A homomorphic tally of 1,000 random 0/1 votes decrypts to the count.
func TestHomomorphicTally(t *testing.T) {
	rand := testrand.New("TestHomomorphicTally")
	sk := mustKey(t, "TestHomomorphicTally/key")
	pk := sk.Public()
	table, err := elgamal.NewDLogTable(1000)
	if err != nil {
		t.Fatal(err)
	}

	var coin [1]byte
	count := uint64(0)
	rsum := group.NewScalar()
	total := &elgamal.Ciphertext{A: group.NewElement(), B: group.NewElement()}
	for range 1000 {
		if _, err := io.ReadFull(rand, coin[:]); err != nil {
			t.Fatal(err)
		}
		vote := uint64(coin[0] & 1)
		count += vote
		c, r, err := elgamal.EncryptExp(rand, pk, vote)
		if err != nil {
			t.Fatal(err)
		}
		total.Add(total, c)
		rsum.Add(rsum, r)
	}
	if count == 0 || count == 1000 {
		t.Fatalf("degenerate test data: %d yes votes", count)
	}
	got, err := elgamal.DecryptExp(sk, total, table)
	if err != nil {
		t.Fatal(err)
	}
	if got != count {
		t.Errorf("tally decrypts to %d, want %d", got, count)
	}
	if !elgamal.EncryptWithRandomness(pk, exp(count), rsum).Equal(total) {
		t.Error("the sum is not the encryption of the count with the summed randomness")
	}
}

func TestAdd(t *testing.T) {
	rand := testrand.New("TestAdd")
	sk := mustKey(t, "TestAdd/key")
	a, _, _ := elgamal.EncryptExp(rand, sk.Public(), 7)
	b, _, _ := elgamal.EncryptExp(rand, sk.Public(), 35)
	aCopy := new(elgamal.Ciphertext).Set(a)

	sum := elgamal.Add(a, b)
	if !a.Equal(aCopy) {
		t.Error("Add modified its argument")
	}
	if elgamal.Decrypt(sk, sum).Equal(exp(42)) != 1 {
		t.Error("7 + 35 does not decrypt to 42")
	}
	// Aliasing: a = a + a.
	a.Add(a, a)
	if elgamal.Decrypt(sk, a).Equal(exp(14)) != 1 {
		t.Error("a.Add(a, a) does not decrypt to 14")
	}
	// Zero-value receiver.
	var z elgamal.Ciphertext
	z.Add(aCopy, b)
	if !z.Equal(sum) {
		t.Error("Add into a zero-value Ciphertext differs")
	}
}

func TestKeys(t *testing.T) {
	sk := mustKey(t, "TestKeys")
	pk := sk.Public()
	if new(group.Element).ScalarBaseMult(sk.Scalar()).Equal(pk.Element()) != 1 {
		t.Fatal("public key is not s·G")
	}
	sk2, err := elgamal.NewPrivateKey(sk.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !sk2.Equal(sk) || !sk2.Public().Equal(pk) {
		t.Error("private key does not round-trip")
	}
	pk2, err := elgamal.NewPublicKey(pk.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !pk2.Equal(pk) {
		t.Error("public key does not round-trip")
	}
	pk3, err := elgamal.NewPublicKeyFromElement(pk.Element())
	if err != nil || !pk3.Equal(pk) {
		t.Errorf("NewPublicKeyFromElement: %v", err)
	}
	other := mustKey(t, "TestKeys/other")
	if other.Equal(sk) || other.Public().Equal(pk) {
		t.Error("different keys compare equal")
	}
	// Returned values are copies.
	pk.Element().Add(pk.Element(), group.NewGeneratorElement())
	sk.Scalar().Add(sk.Scalar(), new(group.Scalar).SetUint64(1))
	if !pk.Equal(sk2.Public()) || !sk.Equal(sk2) {
		t.Error("modifying a returned value changed the key")
	}
	// Keys are drawn afresh from the reader.
	a, _ := elgamal.GenerateKey(nil)
	b, _ := elgamal.GenerateKey(nil)
	if a.Equal(b) {
		t.Error("two keys from crypto/rand are equal")
	}
}

func TestHostilePublicKeys(t *testing.T) {
	cases := map[string][]byte{
		"empty":    nil,
		"31 bytes": make([]byte, 31),
		"33 bytes": append(exp(1).Bytes(), 0),
		"identity": make([]byte, 32),
	}
	for i, s := range badElements {
		cases[fmt.Sprintf("RFC 9496 A.2 #%d", i)] = mustHex(t, s)
	}
	for name, b := range cases {
		if _, err := elgamal.NewPublicKey(b); !errors.Is(err, elgamal.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
	if _, err := elgamal.NewPublicKey(make([]byte, 32)); !errors.Is(err, group.ErrIdentityElement) {
		t.Errorf("identity rejection does not say so: %v", err)
	}
	if _, err := elgamal.NewPublicKeyFromElement(group.NewElement()); !errors.Is(err, group.ErrIdentityElement) {
		t.Errorf("NewPublicKeyFromElement accepted the identity: %v", err)
	}
}

// ℓ in little-endian.
const orderHex = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"

func TestHostilePrivateKeys(t *testing.T) {
	l := mustHex(t, orderHex)
	lPlus1 := bytes.Clone(l)
	lPlus1[0]++
	lMinus1 := bytes.Clone(l)
	lMinus1[0]--
	cases := map[string][]byte{
		"empty":    nil,
		"31 bytes": make([]byte, 31),
		"33 bytes": make([]byte, 33),
		"zero":     make([]byte, 32),
		"ℓ":        l,
		"ℓ+1":      lPlus1,
		"all ones": bytes.Repeat([]byte{0xff}, 32),
	}
	for name, b := range cases {
		if _, err := elgamal.NewPrivateKey(b); !errors.Is(err, elgamal.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
	sk, err := elgamal.NewPrivateKey(lMinus1)
	if err != nil {
		t.Fatalf("ℓ-1 rejected: %v", err)
	}
	// (ℓ-1)·G = -G.
	if sk.Public().Element().Equal(new(group.Element).Negate(group.NewGeneratorElement())) != 1 {
		t.Error("(ℓ-1)·G is not -G")
	}
}

func TestPrivateKeyNeverPrinted(t *testing.T) {
	sk := mustKey(t, "TestPrivateKeyNeverPrinted")
	secretHex := hex.EncodeToString(sk.Bytes())
	const redacted = "elgamal.PrivateKey{REDACTED}"
	// Pointers print as numbers below 2^48 (at most 15 decimal or 12 hex
	// digits); the secret's internal 64-bit limbs would print longer.
	numbers := regexp.MustCompile(`[0-9a-fA-F]+`)
	decimal := regexp.MustCompile(`^[0-9]+$`)
	tooLong := func(s string) bool {
		for _, n := range numbers.FindAllString(s, -1) {
			if decimal.MatchString(n) && len(n) > 15 || !decimal.MatchString(n) && len(n) > 12 {
				return true
			}
		}
		return false
	}
	check := func(what, out string, wantRedacted bool) {
		t.Helper()
		lower := strings.ToLower(out)
		if strings.Contains(lower, secretHex) || strings.Contains(lower, secretHex[:16]) {
			t.Errorf("%s prints the secret: %q", what, out)
		}
		if tooLong(out) {
			t.Errorf("%s prints what looks like internal limbs: %q", what, out)
		}
		if wantRedacted && !strings.Contains(out, redacted) {
			t.Errorf("%s = %q, want it to contain %q", what, out, redacted)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%08.3f", "%#x"} {
		check("Sprintf("+verb+", sk)", fmt.Sprintf(verb, sk), true)
		check("Sprintf("+verb+", *sk)", fmt.Sprintf(verb, *sk), true)
	}
	check("String", sk.String(), true)
	check("Sprint", fmt.Sprint(sk), true)
	check("Sprintln", fmt.Sprintln(sk), true)
	type exported struct{ Key elgamal.PrivateKey }
	type unexported struct{ key elgamal.PrivateKey }
	type pointer struct{ key *elgamal.PrivateKey }
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%d"} {
		check("exported field "+verb, fmt.Sprintf(verb, exported{*sk}), true)
		check("unexported field "+verb, fmt.Sprintf(verb, unexported{*sk}), false)
		check("unexported pointer "+verb, fmt.Sprintf(verb, pointer{sk}), false)
		check("slice "+verb, fmt.Sprintf(verb, []*elgamal.PrivateKey{sk}), false)
	}
}

func TestCiphertextEncoding(t *testing.T) {
	rand := testrand.New("TestCiphertextEncoding")
	pk := mustKey(t, "TestCiphertextEncoding/key").Public()
	c, _, err := elgamal.Encrypt(rand, pk, randomElement(t, rand))
	if err != nil {
		t.Fatal(err)
	}
	enc := c.Bytes()
	if len(enc) != elgamal.CiphertextSize || !bytes.Equal(enc[:32], c.A.Bytes()) || !bytes.Equal(enc[32:], c.B.Bytes()) {
		t.Fatalf("encoding is not A || B")
	}
	d, err := elgamal.ParseCiphertext(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Equal(c) || !bytes.Equal(d.Bytes(), enc) {
		t.Error("ciphertext does not round-trip")
	}
	for n := range 2*elgamal.CiphertextSize + 1 {
		if n == elgamal.CiphertextSize {
			continue
		}
		b := append(bytes.Clone(enc), enc...)[:n]
		if _, err := elgamal.ParseCiphertext(b); !errors.Is(err, elgamal.ErrMalformed) {
			t.Errorf("%d-byte encoding: got %v, want ErrMalformed", n, err)
		}
	}
	for i, s := range badElements {
		bad := mustHex(t, s)
		if _, err := elgamal.ParseCiphertext(append(bytes.Clone(bad), enc[32:]...)); !errors.Is(err, elgamal.ErrMalformed) ||
			!strings.Contains(err.Error(), "component A") {
			t.Errorf("bad A #%d: %v", i, err)
		}
		if _, err := elgamal.ParseCiphertext(append(bytes.Clone(enc[:32]), bad...)); !errors.Is(err, elgamal.ErrMalformed) ||
			!strings.Contains(err.Error(), "component B") {
			t.Errorf("bad B #%d: %v", i, err)
		}
	}
}

// The parser accepts an identity A (sums may have one); Validate, which
// ballot acceptance calls, rejects it because B is then the plaintext.
func TestIdentityA(t *testing.T) {
	pk := mustKey(t, "TestIdentityA").Public()
	M := exp(5)
	clear := elgamal.EncryptWithRandomness(pk, M, group.NewScalar())
	if !clear.A.IsIdentity() || clear.B.Equal(M) != 1 {
		t.Fatal("r = 0 does not give (identity, M)")
	}
	parsed, err := elgamal.ParseCiphertext(clear.Bytes())
	if err != nil {
		t.Fatalf("parser rejected identity A: %v", err)
	}
	if err := parsed.Validate(); !errors.Is(err, elgamal.ErrInvalidCiphertext) {
		t.Errorf("Validate accepted identity A: %v", err)
	}
	if err := (&elgamal.Ciphertext{}).Validate(); !errors.Is(err, elgamal.ErrInvalidCiphertext) {
		t.Errorf("Validate accepted a zero-value ciphertext: %v", err)
	}
	// Identity B is a legitimate ciphertext (of M = -r·PK).
	r := new(group.Scalar).SetUint64(9)
	c := elgamal.EncryptWithRandomness(pk, new(group.Element).ScalarMult(new(group.Scalar).Negate(r), pk.Element()), r)
	if !c.B.IsIdentity() {
		t.Fatal("test setup: B is not the identity")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate rejected identity B: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("entropy source failed") }

func TestRandomnessFailure(t *testing.T) {
	pk := mustKey(t, "TestRandomnessFailure").Public()
	if _, err := elgamal.GenerateKey(errReader{}); err == nil {
		t.Error("GenerateKey succeeded without randomness")
	}
	if _, _, err := elgamal.Encrypt(errReader{}, pk, exp(1)); err == nil {
		t.Error("Encrypt succeeded without randomness")
	}
	if _, _, err := elgamal.EncryptExp(io.LimitReader(testrand.New("x"), 10), pk, 1); err == nil {
		t.Error("EncryptExp succeeded with a short read")
	}
	c := elgamal.EncryptWithRandomness(pk, exp(1), new(group.Scalar).SetUint64(3))
	if _, _, err := elgamal.ReEncrypt(errReader{}, pk, c); err == nil {
		t.Error("ReEncrypt succeeded without randomness")
	}
	if _, _, err := elgamal.EncryptVector(errReader{}, pk, []*group.Element{exp(1)}); err == nil {
		t.Error("EncryptVector succeeded without randomness")
	}
	if _, _, err := elgamal.ReEncryptVector(errReader{}, pk, elgamal.VectorCiphertext{c}); err == nil {
		t.Error("ReEncryptVector succeeded without randomness")
	}
}

// A write-in is embedded, encrypted, mixed twice, decrypted and decoded.
func TestEncryptedWriteIn(t *testing.T) {
	rand := testrand.New("TestEncryptedWriteIn")
	sk := mustKey(t, "TestEncryptedWriteIn/key")
	pk := sk.Public()
	name := []byte("Jane Q. Public")
	M, err := elgamal.EncodeBytes(name)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := elgamal.Encrypt(rand, pk, M)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if c, _, err = elgamal.ReEncrypt(rand, pk, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := elgamal.DecodeBytes(elgamal.Decrypt(sk, c))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, name) {
		t.Errorf("write-in decodes to %q, want %q", got, name)
	}
}
