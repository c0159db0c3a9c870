// Package ballotbox is an election's ballot box: it checks each ballot a
// voter's device sends (every encoding, proof and signature, the
// credential on the published list, the election open, no ciphertext
// clashing with an accepted or audited ballot, the revote policy), stores
// it durably in SQL (services/store), and only then acknowledges it with a
// receipt signed by the box (crypto/schnorr). A poster ([Box.Run]) takes
// the stored ballots from the outbox in order and posts them to the
// bulletin board in ballot-batch entries, each carrying the Merkle root
// (RFC 9162, section 2.1) of its ballots' tracking codes, so that a voter
// checks that their ballot is on the board with an inclusion proof
// ([Box.Status], [voting.VerifyInclusion]). Audited (spoiled) ballots are posted
// as audited-ballot entries.
//
// Every acknowledged ballot reaches the board, across crashes: the
// ballot, its clash keys and its outbox entry are written in one
// transaction before the receipt exists, and each board entry is fixed in
// the database, with the topic's length, before it is posted, so that a
// restarted poster finds an entry it posted before crashing instead of
// posting it twice.
//
// The encodings (batch, receipt, inclusion proof) and the rule for which
// ballot counts are in docs/spec/ballotbox.md; vectors in
// testdata/ballotbox.json.
package ballotbox
