package elgamal_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// A ballot of width 3 is encrypted, shuffled (re-encrypted), serialised,
// parsed and decrypted component by component.
func TestVectorCiphertext(t *testing.T) {
	rand := testrand.New("TestVectorCiphertext")
	sk := mustKey(t, "TestVectorCiphertext/key")
	pk := sk.Public()
	ms := []*group.Element{exp(1), randomElement(t, rand), group.NewElement()}

	v, rs, err := elgamal.EncryptVector(rand, pk, ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 3 || len(rs) != 3 {
		t.Fatalf("width %d with %d randomness values, want 3", len(v), len(rs))
	}
	if rs[0].Equal(rs[1]) == 1 || rs[1].Equal(rs[2]) == 1 {
		t.Error("components share randomness")
	}
	for i := range v {
		if !elgamal.EncryptWithRandomness(pk, ms[i], rs[i]).Equal(v[i]) {
			t.Errorf("component %d is not encrypted with its returned randomness", i)
		}
	}
	if err := v.Validate(); err != nil {
		t.Errorf("honest vector fails validation: %v", err)
	}

	w, rs2, err := elgamal.ReEncryptVector(rand, pk, v)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w {
		if w[i].Equal(v[i]) {
			t.Errorf("component %d unchanged by re-encryption", i)
		}
		if !elgamal.ReEncryptWithRandomness(pk, v[i], rs2[i]).Equal(w[i]) {
			t.Errorf("component %d is not re-encrypted with its returned re-randomiser", i)
		}
	}

	enc := w.Bytes()
	if len(enc) != 4+3*64 || binary.BigEndian.Uint32(enc) != 3 {
		t.Fatalf("encoding has length %d and width prefix %x", len(enc), enc[:4])
	}
	parsed, err := elgamal.ParseVectorCiphertext(enc, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parsed.Bytes(), enc) {
		t.Error("vector does not round-trip")
	}
	for i := range parsed {
		if elgamal.Decrypt(sk, parsed[i]).Equal(ms[i]) != 1 {
			t.Errorf("component %d decrypts to the wrong plaintext", i)
		}
	}

	sum, err := elgamal.AddVector(v, w)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sum {
		want := new(group.Element).Add(ms[i], ms[i])
		if elgamal.Decrypt(sk, sum[i]).Equal(want) != 1 {
			t.Errorf("component %d of the sum is not 2·M", i)
		}
	}
	if _, err := elgamal.AddVector(v, w[:2]); err == nil {
		t.Error("AddVector accepted a width mismatch")
	}
	if _, _, err := elgamal.EncryptVector(rand, pk, nil); err == nil {
		t.Error("EncryptVector accepted width 0")
	}
	if _, _, err := elgamal.ReEncryptVector(rand, pk, nil); err == nil {
		t.Error("ReEncryptVector accepted width 0")
	}
}

func TestEncryptExpVector(t *testing.T) {
	rand := testrand.New("TestEncryptExpVector")
	sk := mustKey(t, "TestEncryptExpVector/key")
	table, err := elgamal.NewDLogTable(10)
	if err != nil {
		t.Fatal(err)
	}
	ballot := []uint64{0, 0, 1, 0}
	v, _, err := elgamal.EncryptExpVector(rand, sk.Public(), ballot)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range v {
		if m, err := elgamal.DecryptExp(sk, c, table); err != nil || m != ballot[i] {
			t.Errorf("counter %d decrypts to %d (%v), want %d", i, m, err, ballot[i])
		}
	}
}

func TestParseVectorHostile(t *testing.T) {
	rand := testrand.New("TestParseVectorHostile")
	pk := mustKey(t, "TestParseVectorHostile/key").Public()
	v, _, err := elgamal.EncryptExpVector(rand, pk, []uint64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	good := v.Bytes()
	withWidth := func(w uint32, body []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, w)
		return append(b, body...)
	}
	bad := []struct {
		name, want string
		b          []byte
		max        int
	}{
		{"empty", "shorter than its width prefix", nil, 10},
		{"3 bytes", "shorter than its width prefix", good[:3], 10},
		{"width 0", "width 0", withWidth(0, nil), 10},
		{"width 0 with body", "width 0", withWidth(0, good[4:]), 10},
		{"above maximum", "exceeds the maximum 2", good, 2},
		{"zero maximum", "exceeds the maximum 0", good, 0},
		{"huge width", "exceeds the maximum", withWidth(0xffffffff, nil), 1 << 20},
		{"huge width within maximum", "truncated", withWidth(0x7fffffff, good[4:]), 1<<31 - 1},
		{"truncated", "truncated", good[:len(good)-1], 10},
		{"missing component", "truncated", good[:4+2*64], 10},
		{"trailing byte", "trailing bytes", append(bytes.Clone(good), 0), 10},
		{"width prefix too small", "trailing bytes", withWidth(2, good[4:]), 10},
		{"width prefix too large", "truncated", withWidth(4, good[4:]), 10},
	}
	for _, tc := range bad {
		_, err := elgamal.ParseVectorCiphertext(tc.b, tc.max)
		if !errors.Is(err, elgamal.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrMalformed mentioning %q", tc.name, err, tc.want)
		}
	}
	// Every truncation is rejected.
	for n := range len(good) {
		if _, err := elgamal.ParseVectorCiphertext(good[:n], 10); !errors.Is(err, elgamal.ErrMalformed) {
			t.Errorf("truncation to %d bytes: %v", n, err)
		}
	}
	// A non-canonical element in the last component is found and named.
	for i, s := range badElements {
		b := bytes.Clone(good)
		copy(b[4+2*64+32:], mustHex(t, s))
		_, err := elgamal.ParseVectorCiphertext(b, 10)
		if !errors.Is(err, elgamal.ErrMalformed) || !strings.Contains(err.Error(), "component 2") {
			t.Errorf("bad element #%d in component 2: %v", i, err)
		}
	}
	// Validate names the component with an identity A.
	v[1] = elgamal.EncryptWithRandomness(pk, exp(1), group.NewScalar())
	if err := v.Validate(); !errors.Is(err, elgamal.ErrInvalidCiphertext) || !strings.Contains(err.Error(), "component 1") {
		t.Errorf("Validate: %v", err)
	}
	if err := (elgamal.VectorCiphertext{}).Validate(); !errors.Is(err, elgamal.ErrInvalidCiphertext) {
		t.Errorf("Validate accepted width 0: %v", err)
	}
}
