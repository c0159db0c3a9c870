-- 0001 outbox (SQLite). Keep in step with ../postgres/0001_outbox.sql.

-- Board entries waiting to be posted, written in the same transaction as the
-- state change they announce, posted in id order, then marked with the
-- board's sequence number (and the chain transaction, if any). AUTOINCREMENT
-- keeps ids increasing and never reused.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	topic      BLOB    NOT NULL CHECK (typeof(topic) = 'blob' AND length(topic) = 32),
	kind       INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 65535),
	payload    BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
	created    INTEGER NOT NULL, -- Unix microseconds
	posted_seq INTEGER CHECK (posted_seq >= 0),
	posted_tx  BLOB,
	CHECK (posted_tx IS NULL OR posted_seq IS NOT NULL)
);

CREATE INDEX outbox_pending ON outbox (id) WHERE posted_seq IS NULL;

-- Named integers (running counts, next numbers), updated read-modify-write
-- inside a transaction.
CREATE TABLE counters (
	name  TEXT    PRIMARY KEY,
	value INTEGER NOT NULL
);
