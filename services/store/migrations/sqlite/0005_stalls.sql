-- 0005 stall allocation (SQLite). Keep in step with ../postgres/0005_stalls.sql.
-- The tables of services/stalls (docs/spec/stalls.md). Times are Unix
-- microseconds. No table holds a bid amount: bids are sealed by the bidder.

-- A season: its operator (a resident id), its definition while a draft
-- (JSON of markets, stalls, window, cap and the trustees' key), its market
-- entry once published (posted_seq: where it landed).
CREATE TABLE stalls_seasons (
	id         TEXT    PRIMARY KEY CHECK (typeof(id) = 'text'),
	operator   BLOB    NOT NULL CHECK (typeof(operator) = 'blob' AND length(operator) = 16),
	draft      BLOB    NOT NULL CHECK (typeof(draft) = 'blob'),
	market     BLOB    CHECK (market IS NULL OR typeof(market) = 'blob'),
	posted_seq INTEGER CHECK (posted_seq >= 0),
	created    INTEGER NOT NULL
);

-- Accepted sealed bids, one per bidder (a per-season pseudonym) and stall.
-- posted_seq is NULL until the bid is on the board; posting is when a node
-- claimed the posting of it (a claim older than a minute is taken over),
-- so that concurrent requests do not post a bid twice.
CREATE TABLE stalls_bids (
	season     TEXT    NOT NULL REFERENCES stalls_seasons (id),
	stall      INTEGER NOT NULL CHECK (stall >= 0),
	bidder     BLOB    NOT NULL CHECK (typeof(bidder) = 'blob' AND length(bidder) = 32),
	payload    BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
	received   INTEGER NOT NULL,
	posting    INTEGER,
	posted_seq INTEGER CHECK (posted_seq >= 0),
	PRIMARY KEY (season, stall, bidder)
);

CREATE INDEX stalls_bids_unposted ON stalls_bids (season, received) WHERE posted_seq IS NULL;
CREATE INDEX stalls_bids_bidder ON stalls_bids (season, bidder);

-- A season's allocation: one row, whoever computes it first. posting is
-- when a node claimed the posting of it (a claim older than a minute is
-- taken over), posted_seq where it landed.
CREATE TABLE stalls_allocations (
	season     TEXT    PRIMARY KEY REFERENCES stalls_seasons (id),
	payload    BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
	created    INTEGER NOT NULL,
	posting    INTEGER,
	posted_seq INTEGER CHECK (posted_seq >= 0)
);

-- The stalls won: exactly one winner per stall.
CREATE TABLE stalls_awards (
	season TEXT    NOT NULL REFERENCES stalls_seasons (id),
	stall  INTEGER NOT NULL CHECK (stall >= 0),
	bidder BLOB    NOT NULL CHECK (typeof(bidder) = 'blob' AND length(bidder) = 32),
	amount INTEGER NOT NULL CHECK (amount > 0),
	PRIMARY KEY (season, stall)
);

CREATE INDEX stalls_awards_bidder ON stalls_awards (season, bidder);
