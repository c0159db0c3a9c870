package identity

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
)

// SecretSize is the size of the server secret given to [New].
const SecretSize = 32

// Labels of the key schedule and the pseudonym derivation
// (docs/spec/identity.md, sections 3 and 4). They are part of the format:
// never change them.
const (
	keySalt          = "veche/identity/v1"
	pseudonymKeyInfo = "veche/identity/v1 pseudonym key"
	pepperKeyInfo    = "veche/identity/v1 password pepper"
	limitKeyInfo     = "veche/identity/v1 login limit key"
	pseudonymLabel   = "veche/identity/pseudonym/v1"
	deliveryLabel    = "veche/identity/delivery/v1"
)

// MaxContextSize bounds a pseudonym's context, in bytes.
const MaxContextSize = 255

// keys are the keys derived from the server secret. A Service holds them
// behind a pointer, so that printing a Service (even as a field of
// another struct) prints an address, not the keys.
type keys struct {
	pseudonym [32]byte
	pepper    [32]byte
	limit     [32]byte
}

// deriveKeys runs the key schedule: PRK = HKDF-Extract(salt, secret), each
// key HKDF-Expand(PRK, info, 32), with SHA-256 (RFC 5869).
func deriveKeys(secret []byte) (*keys, error) {
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("identity: the server secret must be %d bytes, got %d", SecretSize, len(secret))
	}
	prk, err := hkdf.Extract(sha256.New, secret, []byte(keySalt))
	if err != nil {
		return nil, fmt.Errorf("identity: internal error: hkdf: %w", err)
	}
	defer clear(prk)
	k := new(keys)
	for _, d := range []struct {
		dst  *[32]byte
		info string
	}{{&k.pseudonym, pseudonymKeyInfo}, {&k.pepper, pepperKeyInfo}, {&k.limit, limitKeyInfo}} {
		b, err := hkdf.Expand(sha256.New, prk, d.info, 32)
		if err != nil {
			return nil, fmt.Errorf("identity: internal error: hkdf: %w", err)
		}
		copy(d.dst[:], b)
		clear(b)
	}
	return k, nil
}

// ResidentIDSize is the size of a [ResidentID].
const ResidentIDSize = 16

// A ResidentID names a resident inside Veche: 16 random bytes drawn at
// registration, never derived from the identifier. The zero value names
// nobody.
type ResidentID [ResidentIDSize]byte

// String returns the id in lower-case hex.
func (id ResidentID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero id.
func (id ResidentID) IsZero() bool { return id == ResidentID{} }

// ParseResidentID decodes the 32 lower-case hex digits of a [ResidentID].
// It rejects other lengths, upper-case digits and the zero id. Errors wrap
// [ErrMalformed].
func ParseResidentID(s string) (ResidentID, error) {
	var id ResidentID
	if len(s) != 2*ResidentIDSize {
		return ResidentID{}, fmt.Errorf("%w: a resident id is %d hex digits, got %d characters", ErrMalformed, 2*ResidentIDSize, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ResidentID{}, fmt.Errorf("%w: a resident id is lower-case hex", ErrMalformed)
		}
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ResidentID{}, fmt.Errorf("%w: a resident id is lower-case hex", ErrMalformed)
	}
	if id.IsZero() {
		return ResidentID{}, fmt.Errorf("%w: the zero resident id", ErrMalformed)
	}
	return id, nil
}

// newResidentID draws a non-zero id from rand.
func newResidentID(rand io.Reader) (ResidentID, error) {
	for {
		var id ResidentID
		if _, err := io.ReadFull(rand, id[:]); err != nil {
			return ResidentID{}, fmt.Errorf("identity: reading randomness: %w", err)
		}
		if !id.IsZero() {
			return id, nil
		}
	}
}

// PseudonymSize is the size of a [Pseudonym].
const PseudonymSize = sha256.Size

// A Pseudonym stands for one resident in one service and context.
type Pseudonym [PseudonymSize]byte

// String returns the pseudonym in lower-case hex.
func (p Pseudonym) String() string { return hex.EncodeToString(p[:]) }

// namePattern is the form of service and election names: the manifest's
// identifier syntax.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func checkName(what, s string) error {
	if !namePattern.MatchString(s) {
		return fmt.Errorf("%w: %s name must be 1-63 characters a-z, 0-9 and -, not starting with -", ErrMalformed, what)
	}
	return nil
}

// appendField appends u32(len(b)) || b.
func appendField(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// pseudonymMessage is the HMAC input of a pseudonym:
//
//	"veche/identity/pseudonym/v1" || u32(len(service)) || service ||
//	u32(len(context)) || context || resident
func pseudonymMessage(resident ResidentID, service string, context []byte) []byte {
	m := make([]byte, 0, len(pseudonymLabel)+8+len(service)+len(context)+ResidentIDSize)
	m = append(m, pseudonymLabel...)
	m = appendField(m, []byte(service))
	m = appendField(m, context)
	return append(m, resident[:]...)
}

// pseudonym derives a pseudonym; the inputs are checked by the caller.
func (k *keys) pseudonymOf(resident ResidentID, service string, context []byte) Pseudonym {
	mac := hmac.New(sha256.New, k.pseudonym[:])
	mac.Write(pseudonymMessage(resident, service, context))
	var p Pseudonym
	mac.Sum(p[:0])
	return p
}

// limitKey is the key of an identifier's failed-login counter:
// HMAC-SHA-256(K_limit, normalised identifier).
func (k *keys) limitKey(identifier string) []byte {
	mac := hmac.New(sha256.New, k.limit[:])
	mac.Write([]byte(identifier))
	return mac.Sum(nil)
}

// DeliveryAD returns the associated data under which a ciphertext
// delivered to resident for election is sealed (crypto/hybrid):
//
//	"veche/identity/delivery/v1" || u32(len(election)) || election || resident
//
// The sender encrypts with it and the resident decrypts with it, so a
// ciphertext cannot be moved to another resident's or election's inbox
// unnoticed. It does not check its arguments; [Service.Deliver] does.
func DeliveryAD(resident ResidentID, election string) []byte {
	ad := make([]byte, 0, len(deliveryLabel)+4+len(election)+ResidentIDSize)
	ad = append(ad, deliveryLabel...)
	ad = appendField(ad, []byte(election))
	return append(ad, resident[:]...)
}
