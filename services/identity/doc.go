// Package identity is Veche's shared identity layer: the residents who use
// the elections, polls, documents and market stalls, their roles, their
// logins, and the per-service pseudonyms under which they appear on the
// bulletin board. The design is recorded in docs/decisions/0010-identity.md;
// what an outsider can check (identifier normalisation, the pseudonym
// derivation, the delivery format) is specified in docs/spec/identity.md,
// with vectors in testdata/identity.json.
//
// All state lives in services/store (tables identity_*, migration 0002)
// and every operation is one or two [store.DB.Tx] transactions; nothing is
// cached in memory, so several nodes can serve one database.
//
// # Residents
//
// A resident is registered under one identifier, an e-mail address or a
// city resident number, which is normalised ([NormalizeIdentifier]: NFKC,
// Unicode full case folding, NFKC again, white space trimmed) so that
// "Ivan@Example.COM", "ivan@example.com" and their full-width or
// decomposed forms are one person; registering a variant of a registered
// identifier fails with [ErrIdentifierTaken]. A resident is known inside
// Veche by a random [ResidentID], never by the identifier.
//
// # Roles
//
// [Role] is an enumeration whose zero value is invalid. Roles are granted
// and revoked by administrators ([Service.GrantRole]); nobody grants or
// revokes their own roles. The first administrator is made by the operator
// ([Service.BootstrapAdministrator]), once. Every change is logged.
//
// # Logins and tokens
//
// Passwords are hashed with Argon2id (RFC 9106) over an HMAC of the
// password under a key derived from the server secret (a "pepper": a copy
// of the database alone does not allow offline guessing). The parameters,
// by default OWASP's m = 19 MiB, t = 2, p = 1 ([DefaultPasswordMemoryKiB]),
// are stored with each hash, so they can be raised later: a login rehashes.
// [Service.Login] answers an unknown identifier and a wrong password with
// the same error, [ErrLoginFailed], after the same work (an Argon2id run
// against a dummy hash), and counts failed attempts per identifier in the
// store: after [LoginLimit.Failures] consecutive failures the identifier is
// locked for a time that doubles with each further failure
// ([RateLimitError]). Unknown identifiers are counted the same way, so the
// lock reveals nothing either. An attempt is counted before its password is
// checked, so concurrent guesses cannot slip past the limit.
//
// A login opens a session and returns [Tokens]: a short-lived access token
// (15 minutes) and a refresh token (12 hours, never beyond the session's
// absolute lifetime of 7 days). Tokens are opaque random strings; the store
// keeps only their SHA-256 hashes. [Service.Verify] returns the resident
// and its current roles, so a revoked role or a logout takes effect at once.
// [Service.Refresh] exchanges a refresh token for a new pair, once: a second
// use of the same refresh token (it was stolen, or replayed) revokes the
// whole session. [Service.Logout] ends a session; [Service.RevokeSessions]
// ends all of a resident's.
//
// # Pseudonyms
//
// [Service.Pseudonym] derives a resident's pseudonym for a (service,
// context) pair, for example ("stalls", season) or ("documents", nil):
// HMAC-SHA-256 under a key derived from the server secret, which is held
// outside the database. Without the secret, the pseudonyms of one resident
// in two services or two contexts cannot be linked to each other or to
// the resident; with it, they are deterministic.
//
// # Deliveries
//
// A resident may register a crypto/hybrid public key
// ([Service.SetEncryptionKey]); a credential authority then delivers to the
// resident, per election, one hybrid ciphertext bound to the resident and
// the election by its associated data ([DeliveryAD]), typically the
// resident's private election credential ([Service.Deliver],
// [Service.Delivery]). A credential authority issuing an election finds its
// voters' keys ([Service.Recipients], [Service.RecipientsWithRole]) and
// delivers to all of them in one transaction ([Service.DeliverAll]), so
// that an interrupted issuance leaves all or nothing; deliveries of an
// issuance whose credential list never reached the board can be withdrawn
// ([Service.WithdrawDeliveries]).
//
// # Secrets
//
// The server secret ([SecretSize] bytes) is given to [New] and is never
// stored; only keys derived from it are kept, behind a pointer, in the
// [Service]. Errors are prefixed "identity:" and never contain passwords,
// tokens, secrets or identifiers; [Tokens] prints redacted.
package identity
