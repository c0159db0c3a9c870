-- 0002 identity (SQLite). Keep in step with ../postgres/0002_identity.sql.
-- The tables of services/identity (docs/decisions/0010-identity.md). Times
-- are Unix microseconds; ids are random 16-byte strings.

-- Residents. identifier is the normalised identifier (an e-mail address or
-- a city resident number, after NFKC and case folding: docs/spec/identity.md,
-- section 2), unique. password is a PHC string
-- "$argon2id$v=19$m=...,t=...,p=...$salt$hash" over the peppered password.
-- hybrid_key is the resident's crypto/hybrid public key, if any, for
-- encrypted deliveries.
CREATE TABLE identity_residents (
	id         BLOB    PRIMARY KEY CHECK (typeof(id) = 'blob' AND length(id) = 16),
	identifier TEXT    NOT NULL UNIQUE CHECK (typeof(identifier) = 'text' AND length(identifier) > 0),
	password   TEXT    NOT NULL CHECK (typeof(password) = 'text'),
	created    INTEGER NOT NULL,
	hybrid_key BLOB    CHECK (hybrid_key IS NULL OR (typeof(hybrid_key) = 'blob' AND length(hybrid_key) = 32))
);

-- The roles a resident holds, by name ("voter", "commission", ...).
-- granted_by is the administrator who granted it, NULL for the first
-- administrator (bootstrap).
CREATE TABLE identity_roles (
	resident   BLOB    NOT NULL REFERENCES identity_residents (id),
	role       TEXT    NOT NULL CHECK (typeof(role) = 'text'),
	granted_by BLOB    REFERENCES identity_residents (id),
	granted    INTEGER NOT NULL,
	PRIMARY KEY (resident, role)
);

-- Every grant and revocation, for audit; never updated or deleted.
-- action is 1 for a grant, 2 for a revocation.
CREATE TABLE identity_role_log (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	resident BLOB    NOT NULL REFERENCES identity_residents (id),
	role     TEXT    NOT NULL,
	action   INTEGER NOT NULL CHECK (action IN (1, 2)),
	actor    BLOB    REFERENCES identity_residents (id),
	at       INTEGER NOT NULL
);

-- Login sessions: one per successful login, ended by logout (revoked),
-- by refresh-token reuse (revoked) or by time (expires, absolute).
CREATE TABLE identity_sessions (
	id       BLOB    PRIMARY KEY CHECK (typeof(id) = 'blob' AND length(id) = 16),
	resident BLOB    NOT NULL REFERENCES identity_residents (id),
	created  INTEGER NOT NULL,
	expires  INTEGER NOT NULL,
	revoked  INTEGER
);

CREATE INDEX identity_sessions_resident ON identity_sessions (resident);

-- Access (kind 1) and refresh (kind 2) tokens of a session, by the
-- SHA-256 hash of the token string: the tokens themselves are never
-- stored. used is when a refresh token was exchanged (a second use revokes
-- the session).
CREATE TABLE identity_tokens (
	hash    BLOB    PRIMARY KEY CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
	session BLOB    NOT NULL REFERENCES identity_sessions (id) ON DELETE CASCADE,
	kind    INTEGER NOT NULL CHECK (kind IN (1, 2)),
	expires INTEGER NOT NULL,
	used    INTEGER,
	CHECK (used IS NULL OR kind = 2)
);

CREATE INDEX identity_tokens_session ON identity_tokens (session);
CREATE INDEX identity_tokens_expires ON identity_tokens (expires);

-- Failed-login counters, by a keyed hash of the normalised identifier (so
-- that identifiers that belong to nobody, such as mistyped passwords, are
-- not stored in the clear), whether or not a resident has it.
CREATE TABLE identity_login_failures (
	ident_hash   BLOB    PRIMARY KEY CHECK (typeof(ident_hash) = 'blob' AND length(ident_hash) = 32),
	failures     INTEGER NOT NULL CHECK (failures >= 0),
	last_failure INTEGER NOT NULL,
	locked_until INTEGER NOT NULL
);

-- Encrypted blobs (an election credential) delivered to a resident, one
-- per (resident, election), sealed to recipient_key (the resident's
-- hybrid_key at delivery) by sender (a credential authority).
CREATE TABLE identity_inbox (
	resident      BLOB    NOT NULL REFERENCES identity_residents (id),
	election      TEXT    NOT NULL CHECK (typeof(election) = 'text'),
	recipient_key BLOB    NOT NULL CHECK (typeof(recipient_key) = 'blob' AND length(recipient_key) = 32),
	blob          BLOB    NOT NULL CHECK (typeof(blob) = 'blob'),
	sender        BLOB    NOT NULL REFERENCES identity_residents (id),
	delivered     INTEGER NOT NULL,
	PRIMARY KEY (resident, election)
);
