package identity_test

import (
	"errors"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/veche/veche/services/identity"
)

// NormalizeIdentifier never panics, accepts or rejects with
// ErrInvalidIdentifier, and its output is a valid identifier that is its
// own normal form.
func FuzzNormalizeIdentifier(f *testing.F) {
	for _, s := range []string{
		"Ivan.Petrov@Example.COM", "  ИВАН@ПОЧТА.РФ ", "АЛЕ\u0308НА", "jose\u0301", "ＩＶＡＮ", "Straße", "ΣΊΣΥΦΟΣ",
		"İstanbul", "ﬁ", "\u00a0x\u3000", "a\u200bb", "\xff", "", " ", "\u0345\u0399", "ǅ", "\u1e9e", "x\u0307\u0323",
		"\u0130\u0307", "\u2126", "\u212b", "\ufb01\u0301",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := identity.NormalizeIdentifier(s)
		if err != nil {
			if !errors.Is(err, identity.ErrInvalidIdentifier) {
				t.Fatalf("error %v does not wrap ErrInvalidIdentifier", err)
			}
			return
		}
		if n == "" || len(n) > identity.MaxIdentifierSize || !utf8.ValidString(n) {
			t.Fatalf("normal form %+q is empty, too long or not UTF-8", n)
		}
		for _, r := range n {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				t.Fatalf("normal form %+q contains %U", n, r)
			}
		}
		again, err := identity.NormalizeIdentifier(n)
		if err != nil || again != n {
			t.Fatalf("not idempotent: %+q -> %+q -> %+q, %v", s, n, again, err)
		}
	})
}

// ParseResidentID accepts exactly the strings that String produces for
// non-zero ids.
func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{"00112233445566778899aabbccddeeff", "00000000000000000000000000000000",
		"00112233445566778899AABBCCDDEEFF", "0011", "00112233445566778899aabbccddeefg", "+0112233445566778899aabbccddeeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := identity.ParseResidentID(s)
		if err != nil {
			if !errors.Is(err, identity.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if id.IsZero() || id.String() != s {
			t.Fatalf("ParseResidentID(%q) = %v", s, id)
		}
	})
}
