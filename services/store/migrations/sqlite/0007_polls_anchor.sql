-- 0007 Active Citizen: anchoring by several servers, moderation on the
-- record (SQLite). Keep in step with ../postgres/0007_polls_anchor.sql.
-- docs/spec/polls.md, sections 5 and 6.

-- The anchoring lease: one row. A server anchors (plans and posts
-- aggregate batches) only while it holds the lease: holder is the random
-- token of its Anchor call, expires (Unix microseconds) when another server
-- may take the lease over if the holder died without releasing it. Every
-- write of an Anchor call renews it in the same transaction, so that two
-- servers never plan or post at once.
CREATE TABLE polls_anchor (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	holder  BLOB    CHECK (holder IS NULL OR (typeof(holder) = 'blob' AND length(holder) = 16)),
	expires INTEGER NOT NULL DEFAULT 0
);
INSERT INTO polls_anchor (id, holder, expires) VALUES (1, NULL, 0);

-- hide_batch: the aggregate batch that records a hidden comment's hide on
-- the board (NULL while the hide waits for the next batch, or the comment
-- is not hidden).
ALTER TABLE polls_items ADD COLUMN hide_batch INTEGER REFERENCES polls_batches (number);

CREATE INDEX polls_items_hides_pending ON polls_items (id) WHERE hidden_reason IS NOT NULL AND hide_batch IS NULL;
CREATE INDEX polls_items_hide_batch ON polls_items (hide_batch) WHERE hide_batch IS NOT NULL;
