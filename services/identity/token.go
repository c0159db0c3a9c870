package identity

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// A tokenKind says what a token is for; it is stored as an integer.
type tokenKind int

const (
	accessToken  tokenKind = 1
	refreshToken tokenKind = 2
)

// Token strings are a prefix naming the kind and 32 random bytes in
// unpadded base64url (RFC 4648, Section 5): 47 characters from the
// alphabet of an OAuth bearer token (RFC 6750, Section 2.1). The prefix
// lets secret scanners recognise a leaked token.
const (
	accessPrefix  = "vat_"
	refreshPrefix = "vrt_"
	tokenRawSize  = 32
	tokenSize     = 4 + 43
)

var b64url = base64.RawURLEncoding.Strict()

func (k tokenKind) prefix() string {
	if k == accessToken {
		return accessPrefix
	}
	return refreshPrefix
}

// newToken returns a fresh token of kind k and its hash.
func newToken(rand io.Reader, k tokenKind) (string, [sha256.Size]byte, error) {
	var raw [tokenRawSize]byte
	if _, err := io.ReadFull(rand, raw[:]); err != nil {
		return "", [sha256.Size]byte{}, fmt.Errorf("identity: reading randomness: %w", err)
	}
	tok := k.prefix() + b64url.EncodeToString(raw[:])
	clear(raw[:])
	return tok, sha256.Sum256([]byte(tok)), nil
}

// parseToken checks the form of a token and returns its kind and the hash
// under which the store keeps it: SHA-256 of the whole token string. The
// token's 256 random bits make a slow hash pointless, and a lookup by hash
// reveals nothing of the token. Errors wrap [ErrInvalidToken] and do not
// repeat the input.
func parseToken(tok string) (tokenKind, [sha256.Size]byte, error) {
	var kind tokenKind
	switch {
	case len(tok) != tokenSize:
		return 0, [sha256.Size]byte{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	case strings.HasPrefix(tok, accessPrefix):
		kind = accessToken
	case strings.HasPrefix(tok, refreshPrefix):
		kind = refreshToken
	default:
		return 0, [sha256.Size]byte{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	var raw [tokenRawSize]byte
	if n, err := b64url.Decode(raw[:], []byte(tok[4:])); err != nil || n != tokenRawSize {
		return 0, [sha256.Size]byte{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	clear(raw[:])
	return kind, sha256.Sum256([]byte(tok)), nil
}
