package keystore

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/crypto/internal/testrand"
)

// cheap are test parameters: one pass over 64 KiB.
var cheap = &Options{Time: 1, MemoryKiB: 64, Threads: 1}

func seal(t *testing.T, pass, pt string) []byte {
	t.Helper()
	f, err := Seal(testrand.New("keystore/"+pass), []byte(pass), []byte(pt), cheap)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A trustee seals its key share and opens it again with the passphrase.
func TestSealOpen(t *testing.T) {
	secret := "trustee 3 key share: 0123456789abcdef"
	f := seal(t, "correct horse", secret)
	got, err := Open([]byte("correct horse"), f)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != secret {
		t.Fatalf("opened %q", got)
	}
	if bytes.Contains(f, []byte("trustee")) {
		t.Fatal("the file contains the plaintext")
	}
	o, err := Parameters(f)
	if err != nil || o != *cheap {
		t.Fatalf("parameters %+v, %v", o, err)
	}
	// Two seals of the same secret differ (fresh salt and nonce).
	g, _ := Seal(nil, []byte("correct horse"), []byte(secret), cheap)
	if bytes.Equal(f, g) {
		t.Fatal("two seals are equal")
	}
	// An empty secret is fine.
	e := seal(t, "pw", "")
	if got, err := Open([]byte("pw"), e); err != nil || len(got) != 0 {
		t.Fatalf("empty secret: %q, %v", got, err)
	}
}

// A wrong passphrase gives ErrWrongPassphrase and nothing else: the error
// does not say how the passphrase differs.
func TestWrongPassphrase(t *testing.T) {
	f := seal(t, "correct horse", "secret")
	for _, pw := range []string{"correct hors", "correct horse ", "Correct horse", ""} {
		got, err := Open([]byte(pw), f)
		if err != ErrWrongPassphrase || got != nil {
			t.Fatalf("passphrase %q: %q, %v", pw, got, err)
		}
	}
}

// setField returns f with one JSON field replaced.
func setField(t *testing.T, f []byte, key string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(f, &m); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		delete(m, key)
	} else {
		m[key] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every header field is authenticated: changing the salt, the nonce, the
// parameters (within bounds) or the ciphertext makes Open fail.
func TestTamperedHeader(t *testing.T) {
	f := seal(t, "pw", "secret")
	var fj fileJSON
	json.Unmarshal(f, &fj)
	flip := func(h string) string {
		b := []byte(h)
		if b[0] == '0' {
			b[0] = '1'
		} else {
			b[0] = '0'
		}
		return string(b)
	}
	cases := map[string][]byte{
		"salt":       setField(t, f, "salt", flip(fj.Salt)),
		"nonce":      setField(t, f, "nonce", flip(fj.Nonce)),
		"ciphertext": setField(t, f, "ciphertext", flip(fj.Ciphertext)),
		"tag":        setField(t, f, "ciphertext", fj.Ciphertext[:len(fj.Ciphertext)-2]+"00"),
		"t":          setField(t, f, "t", 2),
		"m_kib":      setField(t, f, "m_kib", 72),
		"p":          setField(t, f, "p", 2),
	}
	if string(cases["tag"]) == string(f) {
		t.Fatal("tag not changed")
	}
	// Unchanged, the map round trip still opens: the JSON layout is not
	// what is authenticated.
	if _, err := Open([]byte("pw"), setField(t, f, "version", 1)); err != nil {
		t.Fatalf("re-serialised file: %v", err)
	}
	for name, g := range cases {
		if _, err := Open([]byte("pw"), g); err != ErrWrongPassphrase {
			t.Errorf("%s changed: %v", name, err)
		}
	}
}

// Out-of-bounds parameters are refused before the KDF runs: a file asking
// for 1 TiB of memory fails at once.
func TestParameterBounds(t *testing.T) {
	f := seal(t, "pw", "secret")
	for name, g := range map[string][]byte{
		"m above 4 GiB": setField(t, f, "m_kib", MaxMemoryKiB+1),
		"m = 2^32 − 1":  setField(t, f, "m_kib", uint32(1<<32-1)),
		"m below 8·p":   setField(t, setField(t, f, "p", 4), "m_kib", 31),
		"t = 0":         setField(t, f, "t", 0),
		"t above max":   setField(t, f, "t", MaxTime+1),
		"p = 0":         setField(t, f, "p", 0),
		"p above max":   setField(t, f, "p", MaxThreads+1),
		"t = 2^32 − 1":  setField(t, f, "t", uint32(1<<32-1)),
	} {
		start := time.Now()
		_, err := Open([]byte("pw"), g)
		if !errors.Is(err, ErrParameters) {
			t.Errorf("%s: %v", name, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("%s: took %v: the KDF ran", name, d)
		}
	}
	for _, o := range []Options{{Time: 1, MemoryKiB: MaxMemoryKiB + 1, Threads: 1}, {Time: 0, MemoryKiB: 64, Threads: 1}, {Time: 1, MemoryKiB: 7, Threads: 1}} {
		if _, err := Seal(nil, []byte("pw"), nil, &o); !errors.Is(err, ErrParameters) {
			t.Errorf("Seal with %+v: %v", o, err)
		}
	}
}

func TestVersionsAndFormat(t *testing.T) {
	f := seal(t, "pw", "secret")
	for _, v := range []any{2, 0, "1", 1.5} {
		_, err := Open([]byte("pw"), setField(t, f, "version", v))
		if !errors.Is(err, ErrUnsupportedVersion) && !errors.Is(err, ErrMalformed) {
			t.Errorf("version %v: %v", v, err)
		}
	}
	if _, err := Open([]byte("pw"), setField(t, f, "version", 2)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("version 2: %v", err)
	}
	malformedCases := map[string][]byte{
		"empty":            nil,
		"not JSON":         []byte("veche-keystore"),
		"array":            []byte("[1]"),
		"trailing object":  append(bytes.Clone(f), []byte(`{}`)...),
		"trailing garbage": append(bytes.Clone(f), 'x'),
		"unknown field":    setField(t, f, "comment", "hello"),
		"no version":       setField(t, f, "version", nil),
		"no salt":          setField(t, f, "salt", nil),
		"no ciphertext":    setField(t, f, "ciphertext", nil),
		"other format":     setField(t, f, "format", "other"),
		"other kdf":        setField(t, f, "kdf", "scrypt"),
		"other cipher":     setField(t, f, "cipher", "aes-256-gcm"),
		"short salt":       setField(t, f, "salt", "00"),
		"short nonce":      setField(t, f, "nonce", strings.Repeat("00", 12)),
		"upper-case hex":   setField(t, f, "salt", strings.Repeat("AB", 16)),
		"odd hex":          setField(t, f, "ciphertext", strings.Repeat("0", 33)),
		"short ciphertext": setField(t, f, "ciphertext", strings.Repeat("00", 15)),
		"non-hex":          setField(t, f, "nonce", strings.Repeat("zz", 24)),
		"string parameter": setField(t, f, "t", "1"),
		"negative memory":  setField(t, f, "m_kib", -1),
		"too large file":   bytes.Repeat([]byte(" "), maxFile+1),
	}
	for name, g := range malformedCases {
		if _, err := Open([]byte("pw"), g); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// White space around the object is fine.
	if _, err := Open([]byte("pw"), append(append([]byte(" \n"), f...), "\n\n"...)); err != nil {
		t.Fatalf("white space: %v", err)
	}
}

func TestSealRefuses(t *testing.T) {
	if _, err := Seal(nil, nil, []byte("x"), cheap); err == nil {
		t.Fatal("sealed under an empty passphrase")
	}
	if _, err := Seal(nil, []byte("pw"), make([]byte, MaxPlaintext+1), cheap); err == nil {
		t.Fatal("sealed more than MaxPlaintext")
	}
	if _, err := Seal(bytes.NewReader(make([]byte, 20)), []byte("pw"), []byte("x"), cheap); err == nil {
		t.Fatal("sealed with too little randomness")
	}
	// MaxPlaintext itself round-trips.
	f, err := Seal(nil, []byte("pw"), make([]byte, MaxPlaintext), cheap)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := Open([]byte("pw"), f); err != nil || len(pt) != MaxPlaintext {
		t.Fatalf("largest plaintext: %d bytes, %v", len(pt), err)
	}
}

// The defaults are RFC 9106's second recommended option.
func TestDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Argon2id with 64 MiB")
	}
	f, err := Seal(nil, []byte("pw"), []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := Parameters(f)
	if o != (Options{Time: 3, MemoryKiB: 65536, Threads: 4}) {
		t.Fatalf("defaults %+v", o)
	}
}
