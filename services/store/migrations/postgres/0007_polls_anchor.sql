-- 0007 Active Citizen: anchoring by several servers, moderation on the
-- record (PostgreSQL and CockroachDB). Keep in step with
-- ../sqlite/0007_polls_anchor.sql, which explains each change (and why
-- this migration was rewritten in place before the first release).

CREATE TABLE leases (
	name    TEXT   PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
	token   BYTEA  CHECK (token IS NULL OR length(token) = 16),
	expires BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE polls_items ADD COLUMN hide_batch BIGINT REFERENCES polls_batches (number);

CREATE INDEX polls_items_hides_pending ON polls_items (id) WHERE hidden_reason IS NOT NULL AND hide_batch IS NULL;
CREATE INDEX polls_items_hide_batch ON polls_items (hide_batch) WHERE hide_batch IS NOT NULL;
