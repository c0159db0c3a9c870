-- 0007 Active Citizen: anchoring by several servers, moderation on the
-- record (SQLite). Keep in step with ../postgres/0007_polls_anchor.sql.
-- docs/spec/polls.md, sections 5 and 6.
--
-- This migration was rewritten in place before the first release: it
-- first made a one-row table polls_anchor for the polls service's lease;
-- it now makes the generic table leases instead, which services/documents
-- uses too (lease "documents-post"). A new migration would have left every
-- database with a table created and dropped again for nothing, and 0007
-- was never deployed. A development database migrated by a build with the
-- old 0007 lacks the table leases (anchoring and posting then fail with
-- "no such table: leases"): make a new one.

-- Leases (services/store, lease.go): a named claim that one process among
-- those sharing the database holds at a time, such as "polls-anchor" (a
-- server plans and posts aggregate batches only under it) or
-- "documents-post". token is the random 16-byte token of the holder's
-- claim (NULL: released); expires (Unix microseconds, the database's clock)
-- is when another process may take the lease over if the holder died
-- without releasing it. A row is created on first use. Every write of a
-- holder renews its lease in the same transaction.
CREATE TABLE leases (
	name    TEXT    PRIMARY KEY CHECK (typeof(name) = 'text' AND length(name) BETWEEN 1 AND 100),
	token   BLOB    CHECK (token IS NULL OR (typeof(token) = 'blob' AND length(token) = 16)),
	expires INTEGER NOT NULL DEFAULT 0 CHECK (typeof(expires) = 'integer')
);

-- hide_batch: the aggregate batch that records a hidden comment's hide on
-- the board (NULL while the hide waits for the next batch, or the comment
-- is not hidden).
ALTER TABLE polls_items ADD COLUMN hide_batch INTEGER REFERENCES polls_batches (number);

CREATE INDEX polls_items_hides_pending ON polls_items (id) WHERE hidden_reason IS NOT NULL AND hide_batch IS NULL;
CREATE INDEX polls_items_hide_batch ON polls_items (hide_batch) WHERE hide_batch IS NOT NULL;
