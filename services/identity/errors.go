package identity

import (
	"errors"
	"fmt"
	"time"
)

// Errors. Each operation's error wraps one of these (with %w), or is a
// store error (wrapped, so that store conflicts are still recognised).
var (
	// ErrInvalidIdentifier: the identifier is empty, too long, not UTF-8,
	// or has characters other than letters, marks, numbers, punctuation
	// and symbols after normalisation (white space inside, control,
	// format, private-use or unassigned characters).
	ErrInvalidIdentifier = errors.New("identity: invalid identifier")
	// ErrIdentifierTaken: another resident is registered under the same
	// normalised identifier.
	ErrIdentifierTaken = errors.New("identity: identifier already registered")
	// ErrWeakPassword: a new password is outside the policy (length,
	// encoding, control characters).
	ErrWeakPassword = errors.New("identity: password does not meet the policy")
	// ErrLoginFailed: the identifier is unknown or the password is wrong;
	// the two are not told apart.
	ErrLoginFailed = errors.New("identity: unknown identifier or wrong password")
	// ErrRateLimited is wrapped by [RateLimitError].
	ErrRateLimited = errors.New("identity: too many failed logins")
	// ErrInvalidToken: the token is malformed, unknown, expired, of the
	// wrong kind, or its session has ended; the cases are not told apart.
	ErrInvalidToken = errors.New("identity: invalid, expired or revoked token")
	// ErrNotFound: no resident has the id.
	ErrNotFound = errors.New("identity: no such resident")
	// ErrForbidden: the acting resident lacks the role the operation
	// needs, or acts on its own roles.
	ErrForbidden = errors.New("identity: not permitted")
	// ErrInvalidRole: a role outside the enumeration (the zero Role, say).
	ErrInvalidRole = errors.New("identity: invalid role")
	// ErrMalformed: a resident id, service or election name, context or
	// stored value is malformed.
	ErrMalformed = errors.New("identity: malformed input")
	// ErrNoEncryptionKey: the resident has registered no hybrid public key.
	ErrNoEncryptionKey = errors.New("identity: resident has no encryption key")
	// ErrAlreadyDelivered: a different ciphertext was already delivered
	// to the resident for the election.
	ErrAlreadyDelivered = errors.New("identity: another ciphertext was already delivered for this election")
	// ErrNoDelivery: nothing was delivered to the resident for the
	// election.
	ErrNoDelivery = errors.New("identity: nothing delivered for this election")
)

// A RateLimitError refuses a login attempt because its identifier is
// locked after too many failures. It is returned whether or not a resident
// has the identifier, and wraps [ErrRateLimited].
type RateLimitError struct {
	// RetryAfter is how long the identifier stays locked, rounded up to
	// the second.
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("identity: too many failed logins: try again in %v", e.RetryAfter)
}

func (e *RateLimitError) Unwrap() error { return ErrRateLimited }
