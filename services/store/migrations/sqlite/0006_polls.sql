-- 0006 Active Citizen (SQLite). Keep in step with ../postgres/0006_polls.sql.
-- The tables of services/polls (docs/spec/polls.md). Times are Unix
-- microseconds. No table holds a resident id: residents appear only as
-- pseudonyms of the "polls" service (identity.Service.Pseudonym).

-- What comments and ratings are about: "poll/ID" (made with the poll),
-- "project/ID" and "activity/ID" (listed by a moderator). title is a JSON
-- object of texts by language.
CREATE TABLE polls_subjects (
	subject TEXT    PRIMARY KEY CHECK (typeof(subject) = 'text'),
	title   TEXT    NOT NULL,
	created INTEGER NOT NULL
);

-- Aggregate entries, fixed (payload and board_from, the service topic's
-- entry count read before the first posting attempt) before they are
-- posted, so that a repeated attempt finds the entry instead of posting it
-- twice. number runs 1, 2, 3, ...
CREATE TABLE polls_batches (
	number     INTEGER PRIMARY KEY CHECK (number >= 1),
	payload    BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
	board_from INTEGER NOT NULL CHECK (board_from >= 0),
	created    INTEGER NOT NULL,
	posted_seq INTEGER CHECK (posted_seq >= 0)
);

-- Comments (kind 1) and ratings (kind 2). author is the resident's
-- pseudonym in context "author" (to list their own items); sole, for a
-- rating only, their pseudonym in context "rating/" || subject, unique, so
-- that a resident rates a subject once. salt keys the item's leaf. A
-- hidden comment keeps its row, with the moderator's reason.
CREATE TABLE polls_items (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	kind          INTEGER NOT NULL CHECK (kind IN (1, 2)),
	subject       TEXT    NOT NULL REFERENCES polls_subjects (subject),
	author        BLOB    NOT NULL CHECK (typeof(author) = 'blob' AND length(author) = 32),
	sole          BLOB    UNIQUE CHECK (sole IS NULL OR length(sole) = 32),
	body          TEXT    NOT NULL,
	rating        INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 5),
	salt          BLOB    NOT NULL CHECK (typeof(salt) = 'blob' AND length(salt) = 32),
	created       INTEGER NOT NULL,
	hidden_reason TEXT,
	hidden_at     INTEGER,
	hidden_by     BLOB,
	batch         INTEGER REFERENCES polls_batches (number),
	batch_index   INTEGER CHECK (batch_index >= 0),
	CHECK ((kind = 1) = (rating = 0)),
	CHECK ((kind = 2) = (sole IS NOT NULL)),
	CHECK ((batch IS NULL) = (batch_index IS NULL)),
	CHECK ((hidden_reason IS NULL) = (hidden_at IS NULL))
);

CREATE INDEX polls_items_unbatched ON polls_items (id) WHERE batch IS NULL;
CREATE INDEX polls_items_author ON polls_items (author, id);
CREATE INDEX polls_items_subject ON polls_items (subject, kind, id);
CREATE INDEX polls_items_batch ON polls_items (batch, batch_index);
