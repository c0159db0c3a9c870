// Package store is Veche's SQL storage for private state: the ballot box's,
// the identity layer's and the services' (everything public is on the
// bulletin board). One code path serves three engines through database/sql:
//
//   - SQLite (modernc.org/sqlite, pure Go), the embedded default of a
//     single `veche serve` process: a file under --data;
//   - CockroachDB, the shared store of a city-scale deployment, and
//     PostgreSQL, on which the tests run, both through pgx
//     (github.com/jackc/pgx/v5/stdlib).
//
// [Open] takes a URL ("sqlite:/var/lib/veche/veche.db",
// "postgres://...", "cockroach://...") and migrates the schema. The design
// is recorded in docs/decisions/0008-storage.md.
//
// # Transactions
//
// All work goes through [DB.Tx], which runs a function in a SERIALIZABLE
// transaction and, when the engine reports a serialization conflict
// (SQLSTATE 40001 and its kin, SQLite BUSY), rolls back and runs the whole
// function again from a fresh BEGIN, with randomised exponential backoff, up
// to a cap ([ErrConflict]). A conflict error means nothing was committed,
// so the retry is safe; any other error, including an ambiguous COMMIT
// failure, is returned. The function may thus run several times and must be
// idempotent apart from its effects through the [Tx]. This is the rule that
// was measured correct on PostgreSQL (a fresh transaction per attempt, commit
// errors propagated); the savepoint-based retry of cockroach-go's
// crdbpgxv5.ExecuteTx is not used, because on PostgreSQL it retries inside
// the failed snapshot and can report success for a transaction that was
// rolled back at COMMIT.
//
// SQLite has one writer per database. Every SQLite transaction is BEGIN
// IMMEDIATE (it takes the write lock before its first read, so two
// read-then-write transactions cannot deadlock on lock upgrades), and the
// transactions of one [DB] queue on an in-process lock instead of polling
// SQLite's busy handler; other processes and other DBs on the same file
// wait up to the 5 s busy timeout, then conflict and are retried. The
// journal is WAL (readers never block the writer) with synchronous=FULL
// (a commit survives power loss once Tx returns), and foreign keys are on.
//
// # Writing SQL for every engine
//
//   - Placeholders are $1, $2, ...: PostgreSQL's own, and SQLite binds
//     $N to the N-th argument too.
//   - Use the common subset: INSERT ... RETURNING, ON CONFLICT, partial
//     indexes, CHECK constraints; keep integers BIGINT-sized and times as
//     BIGINT Unix microseconds (time types differ between engines).
//   - The types that differ (BLOB and BYTEA, INTEGER PRIMARY KEY
//     AUTOINCREMENT and identity columns) appear only in migrations, which
//     come in two directories with the same versions and names:
//     migrations/sqlite and migrations/postgres (PostgreSQL and CockroachDB).
//
// # Groups of rows
//
// A transaction that writes many rows should not pay one statement per
// row: on PostgreSQL each is a round trip, on SQLite each is compiled
// anew (database/sql caches no statement inside a transaction). [DB.InsertRows]
// writes any number of rows with one multi-row INSERT per 8,000
// placeholders; [DB.ReserveIDs] reserves keys of an auto-generated column
// in advance (so a row can carry a signature over its own key);
// [DB.EnqueueBatch] is [Enqueue] in two statements; and
// [DB.Placeholders] writes the placeholders of a long IN list, as bare ?
// on SQLite, which reads $N as a named parameter and looks each one up in
// a list (quadratic in the statement's placeholders).
//
// # Migrations
//
// The migrations are embedded in the binary and applied by [Open], all
// pending ones in one transaction with their rows in the schema_version
// table ([DB.SchemaVersion], [LatestSchema]). Opening is idempotent, and
// concurrent openers are safe: SQLite serialises them on its write lock,
// PostgreSQL on an advisory lock per database, CockroachDB on serializable
// conflicts. A database migrated by a newer build is refused
// ([ErrSchemaTooNew]).
//
// # Outbox
//
// Board entries that a state change decides to post are written to the
// outbox in the same transaction as the change ([Enqueue]), so an entry
// exists if and only if its change committed. A poster takes them in order
// ([Pending]), appends them to the board, and records the sequence numbers
// and chain transaction they got ([MarkPosted]).
//
// # Leases
//
// Several processes may share one database (`veche serve` replicas, or
// `veche documents` next to them); work that must not run twice at once --
// posting a service's entries to the board, say -- runs under a lease: a
// named claim that one holder at a time has, in table leases (migration
// 0007). [DB.TryLease] takes it if it is free or its holder's time is up
// (else [ErrLeaseHeld]), [DB.AcquireLease] waits for it; the holder
// renews it in each transaction that acts under it ([Lease.Renew]: the
// transaction then fails with [ErrLeaseLost] if another holder took over,
// and the holders' transactions, which all write the lease's row, never
// interleave), and releases it when done ([Lease.Release]). A holder that
// dies delays the next one by at most the lease's time to live. Times are
// the database's clock (the SQL engine's), so the servers' clocks need not
// agree. Users: the polls service's "polls-anchor" and the documents
// service's "documents-post".
//
// HAZARD: a lease is time-based, and it covers only the transactions that
// renew it. A holder paused past its time to live (or whose board call
// hangs) may still do what it does outside the database -- a post -- after
// another holder took over. The users bound their board calls to three
// quarters of the lease and record where a post starts, so that the next
// holder finds a post that landed instead of repeating it.
//
// # Tests
//
// Every engine passes the conformance suite in services/store/storetest:
// migrations, the outbox, leases, and lost-update and write-skew checks
// under concurrency. The PostgreSQL run needs VECHE_PG_URL (.ci/postgres.sh
// starts a local server and prints it; `make test` does so itself); without
// it the PostgreSQL tests skip, or fail under CI=true. Each test gets its
// own database, dropped at its end. CockroachDB is supported by the code
// (URL scheme, dialect detection, retry codes, migration locking) but no
// CockroachDB server is available to the tests here.
//
// Errors are prefixed "store:" and wrap their causes; they name ids,
// versions and SQL states, never stored payloads.
package store
