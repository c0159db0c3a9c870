// Package tally will hold everything after the polls close: weeding the
// cast ballots into the tally input by a public rule, the chain of
// verifiable shuffles by the mixers, threshold decryption by a quorum of
// trustees with proofs, the result with references to its evidence, and the
// universal verifier that replays an election's board entries and
// recomputes every public fact from them (`veche verify`). It reads the
// board only through package bulletin and must not import services or cmd.
// Nothing is implemented here yet.
package tally
