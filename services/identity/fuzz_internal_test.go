package identity

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// parseToken accepts exactly prefix || canonical base64url of 32 bytes,
// and hashes the whole string.
func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		"vat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "vrt_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-g",
		"vat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", "vat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"vxt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", "vat_", "vat_+/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, hash, err := parseToken(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || strings.Contains(err.Error(), s[min(4, len(s)):]) && len(s) > 8 {
				t.Fatalf("error %q does not wrap ErrInvalidToken, or repeats the input", err)
			}
			return
		}
		raw, derr := b64url.DecodeString(s[4:])
		if derr != nil || len(raw) != tokenRawSize || b64url.EncodeToString(raw) != s[4:] {
			t.Fatalf("accepted a non-canonical token %q", s)
		}
		if kind.prefix() != s[:4] || hash != sha256.Sum256([]byte(s)) {
			t.Fatalf("parseToken(%q): kind %d, wrong hash", s, kind)
		}
	})
}

// parsePasswordHash accepts exactly what String writes, within bounds.
func FuzzParsePasswordHash(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=064,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2i$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$t=1,m=64,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAB$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=+1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"", "$", "$$$$$",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePasswordHash(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if h.params.check() != nil {
			t.Fatalf("accepted parameters out of bounds: %+v", h.params)
		}
		if got := h.String(); got != s {
			t.Fatalf("parsePasswordHash(%q).String() = %q", s, got)
		}
	})
}
