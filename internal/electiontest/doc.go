// Package electiontest sets up elections for tests, so that the packages
// that test with an election (the ballot box, the voter API, the voter's
// SDK, the explorer, the command line) share one fixture instead of
// keeping copies of it. It is imported only by _test files.
//
// [New] takes the example manifest (voting/testdata/election.yaml), cut
// down by [Options] (one trustee, the referendum only, another id or
// revote policy), publishes it on a fresh in-memory board, posts the
// credentials of the voters, runs the key ceremony and, if asked, opens
// the election; [Setup] does the same for a given manifest on given boards
// (an embedded chain, each party with its own account). An [Election]
// encrypts ballots, reads the ballots on the board and starts ballot boxes
// on a database.
//
// With a seed every key, credential, ballot and ballot-box signature comes
// from [Rand] of the seed and a label (" credentials", " trustee",
// " join", " keygen N", " box key", " box", " ballot LABEL"; the labels
// of the trustees after the first end in their number, " trustee 2"), so
// that a test can recompute them; without one they come from crypto/rand.
//
// [Serve] starts a test HTTP server; [Get], [Do], [WaitFor], [WaitForBody]
// and [WaitJSON] ask one, or poll it until it answers as the test wants.
// Package explorertest serves the explorer on top of these.
//
// It may import any of the module's packages but cmd/ (deps_test.go sets
// no rule for internal/); it imports crypto, bulletin/memboard, voting and,
// for [Election.Box], services/ballotbox and services/store.
package electiontest
