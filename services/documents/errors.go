package documents

import "errors"

// Errors. Each operation's error wraps one of these (with %w), or is a
// store or board error, wrapped. None of them carries a document's content,
// title, salt, a resident's identifier or a share code.
var (
	// ErrMalformed: a board payload, a document file, a proof or an input
	// does not decode, or breaks a rule of docs/spec/documents.md.
	ErrMalformed = errors.New("documents: malformed")
	// ErrBadSignature: an issuer's signature on a board entry does not verify.
	ErrBadSignature = errors.New("documents: bad issuer signature")
	// ErrForbidden: the acting resident lacks the role the operation needs.
	ErrForbidden = errors.New("documents: not permitted")
	// ErrNotFound: no such document, building, share or issuer -- or one the
	// caller may not see; the two are not told apart.
	ErrNotFound = errors.New("documents: not found")
	// ErrNoIssuer: the acting resident has not registered as an issuer.
	ErrNoIssuer = errors.New("documents: not a registered issuer")
	// ErrConflict: the operation contradicts the document's state (a new
	// version of a revoked or erased document, a second revocation, an
	// issuer registered twice, an occupancy recorded twice).
	ErrConflict = errors.New("documents: conflicts with the current state")
	// ErrNoRecipients: a building has no owner to distribute to.
	ErrNoRecipients = errors.New("documents: no recipients")
	// ErrNotAnchored: a document's anchor has not reached the board yet.
	ErrNotAnchored = errors.New("documents: not anchored on the board yet")
	// ErrProof: a membership proof does not verify against the root.
	ErrProof = errors.New("documents: membership proof does not verify")
	// ErrKeyFile: the service's [SealingKey] is not the one the issuers'
	// signing keys are sealed with (the wrong key file, or a copy of the
	// database without its key file), or an issuer's sealed key was copied
	// from another issuer's row. The error names the issuer by its public
	// name, never a key.
	ErrKeyFile = errors.New("documents: the signing keys do not open with this key file")
)
