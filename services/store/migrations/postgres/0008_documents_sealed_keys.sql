-- 0008 documents: the issuers' signing keys sealed at rest (PostgreSQL and
-- CockroachDB). Keep in step with ../sqlite/0008_documents_sealed_keys.sql.
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
-- The CHECK of 0004 has the name the engine gave it: PostgreSQL's
-- documents_issuers_secret_key_check, CockroachDB's check_secret_key.
ALTER TABLE documents_issuers DROP CONSTRAINT IF EXISTS documents_issuers_secret_key_check;
ALTER TABLE documents_issuers DROP CONSTRAINT IF EXISTS check_secret_key;
ALTER TABLE documents_issuers ADD CONSTRAINT documents_issuers_secret_key_check CHECK (length(secret_key) IN (32, 73));

-- The key check: one row, written by the first start with a key file,
-- sealed like a key but with nothing inside (u8(1) || nonce(24) ||
-- tag(16), associated data "veche/documents/v1/key-check"). A server with
-- another key file fails to open it and refuses to start, before it seals
-- anything with the wrong key.
CREATE TABLE documents_key_check (
	id      BIGINT PRIMARY KEY CHECK (id = 1),
	sealed  BYTEA  NOT NULL CHECK (length(sealed) = 41),
	created BIGINT NOT NULL
);
