-- 0007 Active Citizen: anchoring by several servers, moderation on the
-- record (PostgreSQL and CockroachDB). Keep in step with
-- ../sqlite/0007_polls_anchor.sql, which explains each change.

CREATE TABLE polls_anchor (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	holder  BYTEA   CHECK (holder IS NULL OR length(holder) = 16),
	expires BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO polls_anchor (id, holder, expires) VALUES (1, NULL, 0);

ALTER TABLE polls_items ADD COLUMN hide_batch BIGINT REFERENCES polls_batches (number);

CREATE INDEX polls_items_hides_pending ON polls_items (id) WHERE hidden_reason IS NOT NULL AND hide_batch IS NULL;
CREATE INDEX polls_items_hide_batch ON polls_items (hide_batch) WHERE hide_batch IS NOT NULL;
