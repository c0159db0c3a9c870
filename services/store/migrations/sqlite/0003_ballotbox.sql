-- 0003 ballot box (SQLite). Keep in step with ../postgres/0003_ballotbox.sql.
-- The tables of services/ballotbox (docs/spec/ballotbox.md). Times are Unix
-- microseconds.

-- Board entries the ballot box has planned: a ballot-batch (kind 9) or an
-- audited-ballot (kind 10) payload, fixed before its first posting attempt
-- together with board_from, the election topic's entry count read before
-- that attempt, so that a repeated attempt (after a crash) finds the entry
-- instead of posting it twice. posted_seq is where it landed.
CREATE TABLE ballotbox_batches (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	election   TEXT    NOT NULL CHECK (typeof(election) = 'text'),
	kind       INTEGER NOT NULL CHECK (kind IN (9, 10)),
	payload    BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
	board_from INTEGER NOT NULL CHECK (board_from >= 0),
	created    INTEGER NOT NULL,
	posted_seq INTEGER CHECK (posted_seq >= 0),
	refused    INTEGER, -- when the board refused the entry (the election had closed): never posted
	CHECK (posted_seq IS NULL OR refused IS NULL)
);

CREATE INDEX ballotbox_batches_unposted ON ballotbox_batches (election, id) WHERE posted_seq IS NULL AND refused IS NULL;

-- Every ballot the box acknowledged: cast (kind 1) or audited (kind 2).
-- seq is the box's sequence number, printed on the receipt. The ballot (or
-- audit record) itself is the payload of its outbox row. sole_credential
-- is the credential of a cast ballot in an election whose revote policy is
-- "denied" (NULL otherwise): its uniqueness enforces that policy. batch
-- and batch_index say where the planned board entry holds it.
CREATE TABLE ballotbox_ballots (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	election        TEXT    NOT NULL CHECK (typeof(election) = 'text'),
	kind            INTEGER NOT NULL CHECK (kind IN (1, 2)),
	tracking        BLOB    NOT NULL CHECK (typeof(tracking) = 'blob' AND length(tracking) = 32),
	credential      BLOB    NOT NULL CHECK (typeof(credential) = 'blob' AND length(credential) = 32),
	sole_credential BLOB    CHECK (sole_credential IS NULL OR sole_credential = credential),
	received        INTEGER NOT NULL,
	receipt         BLOB    NOT NULL CHECK (typeof(receipt) = 'blob'),
	outbox_id       INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
	batch           INTEGER REFERENCES ballotbox_batches (id),
	batch_index     INTEGER CHECK (batch_index >= 0),
	CHECK ((batch IS NULL) = (batch_index IS NULL)),
	UNIQUE (election, kind, tracking),
	UNIQUE (election, sole_credential)
);

CREATE INDEX ballotbox_ballots_unbatched ON ballotbox_ballots (election, outbox_id) WHERE batch IS NULL;
CREATE INDEX ballotbox_ballots_credential ON ballotbox_ballots (election, credential);
CREATE INDEX ballotbox_ballots_batch ON ballotbox_ballots (batch);

-- The clash keys (the A component of every ciphertext) of every accepted or
-- audited ballot: a ballot repeating one is refused.
CREATE TABLE ballotbox_clash_keys (
	election  TEXT    NOT NULL CHECK (typeof(election) = 'text'),
	clash_key BLOB    NOT NULL CHECK (typeof(clash_key) = 'blob' AND length(clash_key) = 32),
	ballot    INTEGER NOT NULL REFERENCES ballotbox_ballots (seq),
	PRIMARY KEY (election, clash_key)
);
