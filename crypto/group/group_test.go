package group_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"testing"

	"github.com/gtank/ristretto255"
	"github.com/veche/veche/crypto/group"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// From RFC 9496, Appendix A.1: encodings of 0·B through 15·B.
var smallMultiples = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
	"6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
	"94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
	"da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
	"e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
	"f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
	"44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
	"903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
	"02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
	"20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
	"bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
	"e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
	"aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
	"46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
	"e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
}

// From RFC 9496, Appendix A.2: invalid encodings.
var badEncodings = []string{
	// Non-canonical field encodings.
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	// Negative field elements.
	"0100000000000000000000000000000000000000000000000000000000000000",
	"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
	"c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
	"c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
	"47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
	"f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
	"87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
	// Non-square x^2.
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	"4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
	"de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
	"bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
	"2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
	"f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
	"8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
	"2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
	// Negative xy value.
	"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
	"a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
	"d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
	"8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
	"32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
	"227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
	"5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
	"445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
	// s = -1, which causes y = 0.
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func TestSmallMultiples(t *testing.T) {
	acc := group.NewElement()
	g := group.NewGeneratorElement()
	for i, want := range smallMultiples {
		if got := hex.EncodeToString(acc.Bytes()); got != want {
			t.Errorf("#%d: %d·B encodes to %s, want %s", i, i, got, want)
		}
		dec, err := group.ParseElement(mustHex(t, want))
		if err != nil {
			t.Fatalf("#%d: decoding: %v", i, err)
		}
		if dec.Equal(acc) != 1 {
			t.Errorf("#%d: decoded element differs from %d·B", i, i)
		}
		if !bytes.Equal(dec.Bytes(), mustHex(t, want)) {
			t.Errorf("#%d: re-encoding differs", i)
		}
		sb := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(uint64(i)))
		if sb.Equal(acc) != 1 {
			t.Errorf("#%d: ScalarBaseMult(%d) differs from repeated addition", i, i)
		}
		acc.Add(acc, g)
	}
}

func TestBadEncodings(t *testing.T) {
	for i, s := range badEncodings {
		e := group.NewGeneratorElement()
		if _, err := e.SetCanonicalBytes(mustHex(t, s)); !errors.Is(err, group.ErrNonCanonicalElement) {
			t.Errorf("#%d: %s decoded without error (err=%v)", i, s, err)
		}
		if e.Equal(group.NewGeneratorElement()) != 1 {
			t.Errorf("#%d: receiver changed on failed decode", i)
		}
	}
	for _, n := range []int{0, 1, 31, 33, 64} {
		if _, err := group.ParseElement(make([]byte, n)); err == nil {
			t.Errorf("%d-byte encoding accepted", n)
		}
	}
}

func TestIdentity(t *testing.T) {
	zero := make([]byte, 32)
	e, err := group.ParseElement(zero)
	if err != nil || !e.IsIdentity() {
		t.Fatalf("identity did not decode: %v", err)
	}
	if _, err := group.ParseNonIdentityElement(zero); !errors.Is(err, group.ErrIdentityElement) {
		t.Errorf("ParseNonIdentityElement accepted the identity: %v", err)
	}
	if group.NewGeneratorElement().IsIdentity() {
		t.Error("generator reported as identity")
	}
}

// From RFC 9496, Appendix A.3: the one-way map applied to SHA-512 of labels.
func TestOneWayMap(t *testing.T) {
	vectors := []struct{ label, want string }{
		{"Ristretto is traditionally a short shot of espresso coffee", "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"},
		{"made with the normal amount of ground coffee but extracted with", "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b"},
		{"about half the amount of water in the same amount of time", "006ccd2a9e6867e6a2c5cea83d3302cc9de128dd2a9a57dd8ee7b9d7ffe02826"},
		{"by using a finer grind.", "f8f0c87cf237953c5890aec3998169005dae3eca1fbb04548c635953c817f92a"},
		{"This produces a concentrated shot of coffee per volume.", "ae81e7dedf20a497e10c304a765c1767a42d6e06029758d2d7e8ef7cc4c41179"},
		{"Just pulling a normal shot short will produce a weaker shot", "e2705652ff9f5e44d3e841bf1c251cf7dddb77d140870d1ab2ed64f1a9ce8628"},
		{"and is not a Ristretto as some believe.", "80bd07262511cdde4863f8a7434cef696750681cb9510eea557088f76d9e5065"},
	}
	for i, v := range vectors {
		h := sha512.Sum512([]byte(v.label))
		e, err := new(group.Element).SetUniformBytes(h[:])
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(e.Bytes()); got != v.want {
			t.Errorf("#%d: got %s, want %s", i, got, v.want)
		}
	}
}

func TestExpandMessageXMD(t *testing.T) {
	raw, err := os.ReadFile("testdata/rfc9380_expand_message_xmd_sha512.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		DST   string
		Tests []struct {
			Msg          string `json:"msg"`
			LenInBytes   int    `json:"len_in_bytes"`
			UniformBytes string `json:"uniform_bytes"`
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Tests) < 10 {
		t.Fatalf("only %d vectors", len(v.Tests))
	}
	for i, tc := range v.Tests {
		got, err := group.ExpandMessageXMD([]byte(v.DST), []byte(tc.Msg), tc.LenInBytes)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != tc.UniformBytes {
			t.Errorf("#%d (msg %.10q, len %d): got %x", i, tc.Msg, tc.LenInBytes, got)
		}
	}
	if _, err := group.ExpandMessageXMD(nil, []byte("x"), 32); err == nil {
		t.Error("empty DST accepted")
	}
	if _, err := group.ExpandMessageXMD(make([]byte, 256), []byte("x"), 32); err == nil {
		t.Error("256-byte DST accepted")
	}
	if _, err := group.ExpandMessageXMD([]byte("d"), []byte("x"), 255*64+1); err == nil {
		t.Error("over-long output accepted")
	}
}

// TestAgainstGtank cross-checks encoding, decoding, hashing and arithmetic
// against github.com/gtank/ristretto255, an independent implementation of
// RFC 9496.
func TestAgainstGtank(t *testing.T) {
	for i := 0; i < 200; i++ {
		var seed [64]byte
		h := sha512.Sum512([]byte{byte(i), byte(i >> 8), 'x'})
		copy(seed[:], h[:])
		ours, _ := new(group.Element).SetUniformBytes(seed[:])
		theirs := new(ristretto255.Element).FromUniformBytes(seed[:])
		if !bytes.Equal(ours.Bytes(), theirs.Encode(nil)) {
			t.Fatalf("#%d: map differs", i)
		}
		s, _ := new(group.Scalar).SetUniformBytes(h[:])
		var ts ristretto255.Scalar
		ts.FromUniformBytes(h[:])
		ours.ScalarMult(s, ours)
		theirs.ScalarMult(&ts, theirs)
		if !bytes.Equal(ours.Bytes(), theirs.Encode(nil)) {
			t.Fatalf("#%d: scalar multiple differs", i)
		}
		// Random 32-byte strings: both must agree on validity.
		cand := h[:32]
		cand[31] &= 0x7f
		cand[0] &^= 1
		_, errOurs := group.ParseElement(cand)
		errTheirs := new(ristretto255.Element).Decode(cand)
		if (errOurs == nil) != (errTheirs == nil) {
			t.Fatalf("#%d: decoders disagree on %x: %v vs %v", i, cand, errOurs, errTheirs)
		}
	}
}

// TestConstants checks the defining equations of the RFC 9496, Section 4.1
// constants, using math/big independently of the field code.
func TestConstants(t *testing.T) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	dec := func(s string) *big.Int { v, _ := new(big.Int).SetString(s, 10); return v }
	mod := func(x *big.Int) *big.Int { return x.Mod(x, p) }
	d := dec("37095705934669439343138083508754565189542113879843219016388785533085940283555")
	// d = -121665/121666
	lhs := mod(new(big.Int).Mul(d, big.NewInt(121666)))
	if lhs.Cmp(mod(big.NewInt(-121665))) != 0 {
		t.Error("D is wrong")
	}
	sqrtM1 := dec("19681161376707505956807079304988542015446066515923890162744021073123829784752")
	if mod(new(big.Int).Mul(sqrtM1, sqrtM1)).Cmp(mod(big.NewInt(-1))) != 0 {
		t.Error("SQRT_M1 is wrong")
	}
	sqrtADm1 := dec("25063068953384623474111414158702152701244531502492656460079210482610430750235")
	// a = -1: sqrt(a*d - 1)^2 = -d - 1
	if mod(new(big.Int).Mul(sqrtADm1, sqrtADm1)).Cmp(mod(new(big.Int).Sub(new(big.Int).Neg(d), big.NewInt(1)))) != 0 {
		t.Error("SQRT_AD_MINUS_ONE is wrong")
	}
	invsqrt := dec("54469307008909316920995813868745141605393597292927456921205312896311721017578")
	// invsqrt^2 * (a - d) = 1
	x := mod(new(big.Int).Mul(new(big.Int).Mul(invsqrt, invsqrt), new(big.Int).Sub(big.NewInt(-1), d)))
	if x.Cmp(big.NewInt(1)) != 0 {
		t.Error("INVSQRT_A_MINUS_D is wrong")
	}
	oneMinusDSq := dec("1159843021668779879193775521855586647937357759715417654439879720876111806838")
	if mod(new(big.Int).Sub(big.NewInt(1), new(big.Int).Mul(d, d))).Cmp(oneMinusDSq) != 0 {
		t.Error("ONE_MINUS_D_SQ is wrong")
	}
	dMinusOneSq := dec("40440834346308536858101042469323190826248399146238708352240133220865137265952")
	dm1 := new(big.Int).Sub(d, big.NewInt(1))
	if mod(new(big.Int).Mul(dm1, dm1)).Cmp(dMinusOneSq) != 0 {
		t.Error("D_MINUS_ONE_SQ is wrong")
	}
}

func TestScalarCanonical(t *testing.T) {
	// ℓ itself and ℓ+1 must be rejected; ℓ-1 accepted.
	l := mustHex(t, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	if _, err := new(group.Scalar).SetCanonicalBytes(l); !errors.Is(err, group.ErrNonCanonicalScalar) {
		t.Errorf("ℓ accepted: %v", err)
	}
	lm1 := append([]byte{}, l...)
	lm1[0]--
	s, err := new(group.Scalar).SetCanonicalBytes(lm1)
	if err != nil {
		t.Fatalf("ℓ-1 rejected: %v", err)
	}
	minusOne := new(group.Scalar).SetInt64(-1)
	if s.Equal(minusOne) != 1 {
		t.Error("ℓ-1 != -1")
	}
	allFF := bytes.Repeat([]byte{0xff}, 32)
	if _, err := new(group.Scalar).SetCanonicalBytes(allFF); err == nil {
		t.Error("2^256-1 accepted")
	}
	for _, n := range []int{0, 31, 33} {
		if _, err := new(group.Scalar).SetCanonicalBytes(make([]byte, n)); err == nil {
			t.Errorf("%d-byte scalar accepted", n)
		}
	}
}

func TestScalarArithmetic(t *testing.T) {
	a := new(group.Scalar).SetUint64(7)
	b := new(group.Scalar).SetInt64(-3)
	sum := new(group.Scalar).Add(a, b)
	if sum.Equal(new(group.Scalar).SetUint64(4)) != 1 {
		t.Error("7 + -3 != 4")
	}
	inv := new(group.Scalar).Invert(a)
	if new(group.Scalar).Multiply(inv, a).Equal(new(group.Scalar).SetUint64(1)) != 1 {
		t.Error("7 * 1/7 != 1")
	}
	// Aliasing: x = x*x.
	x := new(group.Scalar).SetUint64(5)
	x.Multiply(x, x)
	if x.Equal(new(group.Scalar).SetUint64(25)) != 1 {
		t.Error("aliased multiply wrong")
	}
	if !new(group.Scalar).IsZero() || a.IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestElementArithmetic(t *testing.T) {
	g := group.NewGeneratorElement()
	a := new(group.Scalar).SetUint64(11)
	b := new(group.Scalar).SetUint64(31)
	P := new(group.Element).ScalarBaseMult(b)
	// a·P + 5·G via VarTimeDoubleScalarBaseMult = (11*31 + 5)·G.
	five := new(group.Scalar).SetUint64(5)
	got := new(group.Element).VarTimeDoubleScalarBaseMult(a, P, five)
	want := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(11*31 + 5))
	if got.Equal(want) != 1 {
		t.Error("VarTimeDoubleScalarBaseMult wrong")
	}
	ct := new(group.Element).ScalarMult(a, P)
	if new(group.Element).Add(ct, new(group.Element).ScalarBaseMult(five)).Equal(want) != 1 {
		t.Error("ScalarMult wrong")
	}
	if new(group.Element).Subtract(want, want).IsIdentity() != true {
		t.Error("x - x != 0")
	}
	neg := new(group.Element).Negate(g)
	if !new(group.Element).Add(neg, g).IsIdentity() {
		t.Error("-G + G != 0")
	}
	// Equal must treat different internal representations alike: 2G via Add
	// and via ScalarBaseMult.
	if new(group.Element).Add(g, g).Equal(new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(2))) != 1 {
		t.Error("2G representations differ")
	}
}

func TestTextEncoding(t *testing.T) {
	g := group.NewGeneratorElement()
	txt, _ := g.MarshalText()
	var back group.Element
	if err := back.UnmarshalText(txt); err != nil || back.Equal(g) != 1 {
		t.Fatalf("round trip failed: %v", err)
	}
	if err := back.UnmarshalText(bytes.ToUpper(txt)); err == nil {
		t.Error("uppercase hex accepted")
	}
	if err := back.UnmarshalText(txt[:10]); err == nil {
		t.Error("short hex accepted")
	}
	var s group.Scalar
	if err := s.UnmarshalText([]byte("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")); err == nil {
		t.Error("unreduced scalar accepted through text")
	}
}

func TestHashToElementDomainSeparation(t *testing.T) {
	a, _ := group.HashToElement([]byte("veche-test-A"), []byte("msg"))
	b, _ := group.HashToElement([]byte("veche-test-B"), []byte("msg"))
	c, _ := group.HashToElement([]byte("veche-test-A"), []byte("msg"))
	if a.Equal(b) == 1 || a.Equal(c) != 1 || a.IsIdentity() {
		t.Error("HashToElement is not a function of (dst, msg)")
	}
}

func FuzzElementDecode(f *testing.F) {
	for _, s := range smallMultiples {
		f.Add(mustHex(f, s))
	}
	for _, s := range badEncodings {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := group.ParseElement(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, e.Bytes())
		}
		if new(ristretto255.Element).Decode(b) != nil {
			t.Fatalf("accepted %x, which gtank rejects", b)
		}
	})
}

func FuzzScalarDecode(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Add(mustHex(f, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := new(group.Scalar).SetCanonicalBytes(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, s.Bytes())
		}
	})
}

// TestEncodingCacheInvalidation decodes an element (which remembers its
// encoding) and then changes it with every mutating method: the encoding
// must always be the one of the new value, never the remembered one.
func TestEncodingCacheInvalidation(t *testing.T) {
	g := group.NewGeneratorElement()
	two := new(group.Scalar).SetUint64(2)
	fb := group.NewFixedBase(g)
	mutations := map[string]func(e *group.Element){
		"Add":              func(e *group.Element) { e.Add(e, g) },
		"Subtract":         func(e *group.Element) { e.Subtract(e, g) },
		"Negate":           func(e *group.Element) { e.Negate(e) },
		"ScalarBaseMult":   func(e *group.Element) { e.ScalarBaseMult(two) },
		"ScalarMult":       func(e *group.Element) { e.ScalarMult(two, e) },
		"DoubleScalarMult": func(e *group.Element) { e.VarTimeDoubleScalarBaseMult(two, e, two) },
		"MSM": func(e *group.Element) {
			e.VarTimeMultiScalarMult([]*group.Scalar{two}, []*group.Element{new(group.Element).Set(e)})
		},
		"FixedBaseMult":   func(e *group.Element) { e.FixedBaseMult(fb, two) },
		"SetUniformBytes": func(e *group.Element) { e.SetUniformBytes(make([]byte, 64)) },
		"Set":             func(e *group.Element) { e.Set(new(group.Element).Add(g, g)) },
	}
	for name, mutate := range mutations {
		e, err := group.ParseElement(mustHex(t, smallMultiples[3]))
		if err != nil {
			t.Fatal(err)
		}
		mutate(e)
		// Recompute the encoding from scratch through an element that
		// was never decoded.
		fresh := new(group.Element).Add(e, group.NewElement())
		if !bytes.Equal(e.Bytes(), fresh.Bytes()) {
			t.Errorf("%s: stale encoding after mutation", name)
		}
		if bytes.Equal(e.Bytes(), mustHex(t, smallMultiples[3])) {
			t.Errorf("%s: encoding still that of 3·B", name)
		}
	}
	// Set copies the remembered encoding along with the value.
	d, _ := group.ParseElement(mustHex(t, smallMultiples[5]))
	if c := new(group.Element).Set(d); !bytes.Equal(c.Bytes(), mustHex(t, smallMultiples[5])) {
		t.Error("Set lost the encoding")
	}
}
