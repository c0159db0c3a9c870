-- 0008 documents: the issuers' signing keys sealed at rest (SQLite). Keep
-- in step with ../postgres/0008_documents_sealed_keys.sql.
-- docs/spec/documents.md, section 8.
--
-- documents_issuers.secret_key now holds the key sealed with the
-- deployment's key file (XChaCha20-Poly1305: u8(1) || nonce(24) ||
-- ciphertext(48), 73 bytes), bound to its row. SQL cannot seal, so the
-- CHECK admits both lengths: the plain 32-byte keys of an older deployment
-- stay as they are until services/documents seals them, in one
-- transaction, when it starts with the key file (documents.New); a key
-- still plain at signing time is sealed then.
--
-- SQLite cannot change a CHECK in place: the table is rebuilt with its
-- rows kept. documents_docs references it, and foreign keys are on (and
-- cannot be turned off inside the migration's transaction), so the checks
-- are deferred to the commit and the rows are copied back after the new
-- table is created under the old name, which settles the references the
-- drop left open.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE documents_issuers_0008 AS
	SELECT resident, name, public_key, secret_key, entry, created FROM documents_issuers;

DROP TABLE documents_issuers;

-- Issuers: a resident with the document-issuer role, its public name and
-- its Schnorr signing key, sealed (73 bytes) or, until the service seals
-- it, plain (32 bytes).
CREATE TABLE documents_issuers (
	resident    BLOB    PRIMARY KEY REFERENCES identity_residents (id),
	name        TEXT    NOT NULL UNIQUE CHECK (typeof(name) = 'text'),
	public_key  BLOB    NOT NULL UNIQUE CHECK (typeof(public_key) = 'blob' AND length(public_key) = 32),
	secret_key  BLOB    NOT NULL CHECK (typeof(secret_key) = 'blob' AND length(secret_key) IN (32, 73)),
	entry       INTEGER NOT NULL REFERENCES documents_entries (id),
	created     INTEGER NOT NULL
);

INSERT INTO documents_issuers (resident, name, public_key, secret_key, entry, created)
	SELECT resident, name, public_key, secret_key, entry, created FROM documents_issuers_0008;

DROP TABLE documents_issuers_0008;

-- The key check: one row, written by the first start with a key file,
-- sealed like a key but with nothing inside (u8(1) || nonce(24) ||
-- tag(16), associated data "veche/documents/v1/key-check"). A server with
-- another key file fails to open it and refuses to start, before it seals
-- anything with the wrong key.
CREATE TABLE documents_key_check (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	sealed  BLOB    NOT NULL CHECK (typeof(sealed) = 'blob' AND length(sealed) = 41),
	created INTEGER NOT NULL
);
