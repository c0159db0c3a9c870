-- 0004 documents (SQLite). Keep in step with ../postgres/0004_documents.sql.
-- The tables of services/documents (docs/spec/documents.md). Times are Unix
-- microseconds; ids are random 16-byte strings. Content, title, media type
-- and salt of a document live only here; the board holds the commitment.

-- Buildings of the city's property register (what notices are sent to).
CREATE TABLE documents_buildings (
	id      BLOB    PRIMARY KEY CHECK (typeof(id) = 'blob' AND length(id) = 16),
	address TEXT    NOT NULL UNIQUE CHECK (typeof(address) = 'text' AND length(address) > 0),
	created INTEGER NOT NULL,
	created_by BLOB NOT NULL REFERENCES identity_residents (id)
);

-- Who owns or lives in which unit of a building. relation 1 is an owner,
-- 2 a resident. Only issuers and administrators write these rows.
CREATE TABLE documents_occupancies (
	building BLOB    NOT NULL REFERENCES documents_buildings (id),
	unit     TEXT    NOT NULL CHECK (typeof(unit) = 'text'),
	resident BLOB    NOT NULL REFERENCES identity_residents (id),
	relation INTEGER NOT NULL CHECK (relation IN (1, 2)),
	since    INTEGER NOT NULL,
	recorded_by BLOB NOT NULL REFERENCES identity_residents (id),
	PRIMARY KEY (building, unit, resident, relation)
);

CREATE INDEX documents_occupancies_resident ON documents_occupancies (resident);

-- Board entries the service has decided to post, in order (kind 64, 65 or
-- 66). board_from is the topic's entry count read before the first
-- attempt, so that a repeated attempt finds the entry instead of posting
-- it twice; posted_seq is where it landed.
CREATE TABLE documents_entries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       INTEGER NOT NULL CHECK (kind IN (64, 65, 66)),
	payload    BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
	created    INTEGER NOT NULL,
	board_from INTEGER CHECK (board_from >= 0),
	posted_seq INTEGER CHECK (posted_seq >= 0)
);

CREATE INDEX documents_entries_unposted ON documents_entries (id) WHERE posted_seq IS NULL;

-- Issuers: a resident with the document-issuer role, its public name and
-- its Schnorr signing key (HAZARD: the secret key is in the database).
CREATE TABLE documents_issuers (
	resident    BLOB    PRIMARY KEY REFERENCES identity_residents (id),
	name        TEXT    NOT NULL UNIQUE CHECK (typeof(name) = 'text'),
	public_key  BLOB    NOT NULL UNIQUE CHECK (typeof(public_key) = 'blob' AND length(public_key) = 32),
	secret_key  BLOB    NOT NULL CHECK (typeof(secret_key) = 'blob' AND length(secret_key) = 32),
	entry       INTEGER NOT NULL REFERENCES documents_entries (id),
	created     INTEGER NOT NULL
);

-- Document versions. id is the version's private handle; (series, version)
-- is what the board shows. Erasure sets erased and clears title,
-- media_type, content and salt for good.
CREATE TABLE documents_docs (
	id          BLOB    PRIMARY KEY CHECK (typeof(id) = 'blob' AND length(id) = 16),
	series      BLOB    NOT NULL CHECK (typeof(series) = 'blob' AND length(series) = 16),
	version     INTEGER NOT NULL CHECK (version >= 1),
	issuer      BLOB    NOT NULL REFERENCES documents_issuers (resident),
	type        INTEGER NOT NULL,
	title       TEXT,
	media_type  TEXT,
	content     BLOB,
	salt        BLOB    CHECK (salt IS NULL OR length(salt) = 32),
	commitment  BLOB    NOT NULL CHECK (typeof(commitment) = 'blob' AND length(commitment) = 32),
	valid_from  INTEGER NOT NULL,
	valid_until INTEGER NOT NULL,
	building    BLOB    REFERENCES documents_buildings (id),
	created     INTEGER NOT NULL,
	anchor      INTEGER NOT NULL REFERENCES documents_entries (id),
	revoked     INTEGER,
	reason      INTEGER,
	revoke_entry INTEGER REFERENCES documents_entries (id),
	erased      INTEGER,
	UNIQUE (series, version),
	CHECK (erased IS NULL OR (content IS NULL AND salt IS NULL AND title IS NULL AND media_type IS NULL)),
	CHECK (erased IS NOT NULL OR (content IS NOT NULL AND salt IS NOT NULL AND title IS NOT NULL AND media_type IS NOT NULL))
);

-- Who received a document version.
CREATE TABLE documents_recipients (
	doc      BLOB NOT NULL REFERENCES documents_docs (id),
	resident BLOB NOT NULL REFERENCES identity_residents (id),
	PRIMARY KEY (doc, resident)
);

CREATE INDEX documents_recipients_resident ON documents_recipients (resident);

-- The recipient list of a distributed version: its sorted leaves (32 bytes
-- each, concatenated), count and root, as in its doc-distribution entry.
CREATE TABLE documents_distributions (
	doc    BLOB    PRIMARY KEY REFERENCES documents_docs (id),
	count  INTEGER NOT NULL CHECK (count >= 0),
	root   BLOB    NOT NULL CHECK (length(root) = 32),
	leaves BLOB    NOT NULL CHECK (typeof(leaves) = 'blob'),
	entry  INTEGER NOT NULL REFERENCES documents_entries (id)
);

-- Share codes: only the SHA-256 of a code is kept.
CREATE TABLE documents_shares (
	id        BLOB    PRIMARY KEY CHECK (typeof(id) = 'blob' AND length(id) = 8),
	code_hash BLOB    NOT NULL UNIQUE CHECK (typeof(code_hash) = 'blob' AND length(code_hash) = 32),
	doc       BLOB    NOT NULL REFERENCES documents_docs (id),
	resident  BLOB    NOT NULL REFERENCES identity_residents (id),
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	revoked   INTEGER
);

CREATE INDEX documents_shares_doc ON documents_shares (doc);
