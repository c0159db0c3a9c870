-- 0005 stall allocation (PostgreSQL and CockroachDB). Keep in step with
-- ../sqlite/0005_stalls.sql, which explains each table.

CREATE TABLE stalls_seasons (
	id         TEXT   PRIMARY KEY,
	operator   BYTEA  NOT NULL CHECK (length(operator) = 16),
	draft      BYTEA  NOT NULL,
	market     BYTEA,
	posted_seq BIGINT CHECK (posted_seq >= 0),
	created    BIGINT NOT NULL
);

CREATE TABLE stalls_bids (
	season     TEXT    NOT NULL REFERENCES stalls_seasons (id),
	stall      INTEGER NOT NULL CHECK (stall >= 0),
	bidder     BYTEA   NOT NULL CHECK (length(bidder) = 32),
	payload    BYTEA   NOT NULL,
	received   BIGINT  NOT NULL,
	posting    BIGINT,
	posted_seq BIGINT  CHECK (posted_seq >= 0),
	PRIMARY KEY (season, stall, bidder)
);

CREATE INDEX stalls_bids_unposted ON stalls_bids (season, received) WHERE posted_seq IS NULL;
CREATE INDEX stalls_bids_bidder ON stalls_bids (season, bidder);

CREATE TABLE stalls_allocations (
	season     TEXT   PRIMARY KEY REFERENCES stalls_seasons (id),
	payload    BYTEA  NOT NULL,
	created    BIGINT NOT NULL,
	posting    BIGINT,
	posted_seq BIGINT CHECK (posted_seq >= 0)
);

CREATE TABLE stalls_awards (
	season TEXT    NOT NULL REFERENCES stalls_seasons (id),
	stall  INTEGER NOT NULL CHECK (stall >= 0),
	bidder BYTEA   NOT NULL CHECK (length(bidder) = 32),
	amount BIGINT  NOT NULL CHECK (amount > 0),
	PRIMARY KEY (season, stall)
);

CREATE INDEX stalls_awards_bidder ON stalls_awards (season, bidder);
