package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// PasswordParams are the Argon2id parameters (RFC 9106, Section 3.1) of
// new password hashes. Each hash records its own parameters, so they can
// be changed: a resident whose hash has other parameters is rehashed at
// the next login.
type PasswordParams struct {
	Time      uint32 // passes t, 1 … 16
	MemoryKiB uint32 // memory m in KiB, 8·p … 1 GiB
	Threads   uint8  // lanes p, 1 … 16
}

// The default Argon2id parameters, used when [Options.Password] is zero:
// OWASP's recommended minimum for Argon2id (Password Storage Cheat Sheet:
// m = 19 MiB, t = 2, p = 1), 30-45 ms and 19 MiB per hash on one core of
// the 2-core development machine, so up to about 40 logins per second on
// two cores (BenchmarkPasswordHash, BenchmarkLogin). RFC 9106's second recommended option (t = 3,
// m = 64 MiB, p = 4, which crypto/keystore uses) takes 160 ms of both
// cores, about 6 logins per second: too few for a city's login server
// (docs/decisions/0010-identity.md). Tests use cheaper parameters, such as
// t = 1, m = 64 KiB, p = 1.
const (
	DefaultPasswordTime      = 2
	DefaultPasswordMemoryKiB = 19 << 10
	DefaultPasswordThreads   = 1
)

// Bounds on stored parameters: a hash read from the database with larger
// ones is refused rather than run.
const (
	maxPasswordTime    = 16
	maxPasswordMemory  = 1 << 20 // KiB: 1 GiB
	maxPasswordThreads = 16
)

// Password policy (NIST SP 800-63B, Section 5.1.1.2: at least 8
// characters, long passphrases allowed, no composition rules).
const (
	// MinPasswordLength is the minimum number of characters (code points
	// after NFKC) of a new password.
	MinPasswordLength = 8
	// MaxPasswordSize bounds a password in bytes.
	MaxPasswordSize = 1024
)

const (
	saltSize = 16
	hashSize = 32
)

func (p PasswordParams) check() error {
	switch {
	case p.Time < 1 || p.Time > maxPasswordTime:
		return fmt.Errorf("identity: Argon2id t = %d, want 1 to %d", p.Time, maxPasswordTime)
	case p.Threads < 1 || p.Threads > maxPasswordThreads:
		return fmt.Errorf("identity: Argon2id p = %d, want 1 to %d", p.Threads, maxPasswordThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxPasswordMemory:
		return fmt.Errorf("identity: Argon2id m = %d KiB, want %d to %d", p.MemoryKiB, 8*uint32(p.Threads), maxPasswordMemory)
	}
	return nil
}

// normalizePassword applies NFKC (NIST SP 800-63B, Section 5.1.1.2), so
// that a password typed on keyboards that compose characters differently
// is the same password. It refuses invalid UTF-8 and over-long input.
func normalizePassword(pw string) (string, bool) {
	if len(pw) > MaxPasswordSize || !utf8.ValidString(pw) {
		return "", false
	}
	return norm.NFKC.String(pw), true
}

// checkNewPassword applies the policy to a normalised new password.
func checkNewPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength {
		return fmt.Errorf("%w: at least %d characters are required", ErrWeakPassword, MinPasswordLength)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: control characters are not allowed", ErrWeakPassword)
		}
	}
	return nil
}

// pepper returns HMAC-SHA-256(K_pepper, pw), the Argon2id input.
func (k *keys) pepperPassword(pw string) []byte {
	mac := hmac.New(sha256.New, k.pepper[:])
	mac.Write([]byte(pw))
	return mac.Sum(nil)
}

// A passwordHash is a parsed PHC string.
type passwordHash struct {
	params PasswordParams
	salt   [saltSize]byte
	hash   [hashSize]byte
}

// newPasswordHash hashes a normalised password with a fresh salt.
func newPasswordHash(rand io.Reader, k *keys, pw string, p PasswordParams) (*passwordHash, error) {
	h := &passwordHash{params: p}
	if _, err := io.ReadFull(rand, h.salt[:]); err != nil {
		return nil, fmt.Errorf("identity: reading randomness: %w", err)
	}
	copy(h.hash[:], h.derive(k, pw))
	return h, nil
}

func (h *passwordHash) derive(k *keys, pw string) []byte {
	in := k.pepperPassword(pw)
	defer clear(in)
	return argon2.IDKey(in, h.salt[:], h.params.Time, h.params.MemoryKiB, h.params.Threads, hashSize)
}

// matches reports whether pw is the password, comparing in constant time.
func (h *passwordHash) matches(k *keys, pw string) bool {
	got := h.derive(k, pw)
	defer clear(got)
	return subtle.ConstantTimeCompare(got, h.hash[:]) == 1
}

// b64 is the PHC string format's Base64: the standard alphabet without
// padding, and no stray bits in the last character.
var b64 = base64.RawStdEncoding.Strict()

// String returns the PHC string
//
//	$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>
//
// (github.com/P-H-C/phc-string-format), which is what the database stores.
func (h *passwordHash) String() string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", h.params.MemoryKiB, h.params.Time, h.params.Threads,
		b64.EncodeToString(h.salt[:]), b64.EncodeToString(h.hash[:]))
}

// parsePasswordHash decodes a PHC string exactly as String writes it:
// version 19, the parameters in the order m, t, p as decimal numbers
// without leading zeros, within bounds, a 16-byte salt and a 32-byte hash.
// Errors wrap [ErrMalformed] and do not repeat the input.
func parsePasswordHash(s string) (*passwordHash, error) {
	bad := func(what string) error { return fmt.Errorf("%w: stored password hash: %s", ErrMalformed, what) }
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return nil, bad("not an $argon2id$v=19$ PHC string")
	}
	ps := strings.Split(parts[3], ",")
	if len(ps) != 3 {
		return nil, bad("want the parameters m, t, p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		num, ok := strings.CutPrefix(ps[i], name)
		if !ok || num == "" || len(num) > 10 || (num[0] == '0' && len(num) > 1) || strings.TrimLeft(num, "0123456789") != "" {
			return nil, bad("want the parameters m, t, p as decimal numbers")
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return nil, bad("parameter out of range")
		}
		vals[i] = v
	}
	if vals[2] > maxPasswordThreads {
		return nil, bad("parameters out of bounds")
	}
	h := &passwordHash{params: PasswordParams{MemoryKiB: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}}
	if err := h.params.check(); err != nil {
		return nil, bad("parameters out of bounds")
	}
	if b64.EncodedLen(saltSize) != len(parts[4]) || b64.EncodedLen(hashSize) != len(parts[5]) {
		return nil, bad("want a 16-byte salt and a 32-byte hash")
	}
	// encoding/base64 skips '\r' and '\n' even in Strict mode, so a field
	// of the right length could decode to fewer bytes: count them.
	if n, err := b64.Decode(h.salt[:], []byte(parts[4])); err != nil || n != saltSize {
		return nil, bad("salt is not canonical unpadded Base64")
	}
	if n, err := b64.Decode(h.hash[:], []byte(parts[5])); err != nil || n != hashSize {
		return nil, bad("hash is not canonical unpadded Base64")
	}
	return h, nil
}
