// Package tally will hold everything after the polls close: weeding the
// cast ballots into the tally input by a public rule, the chain of
// verifiable shuffles by the mixers, threshold decryption by a quorum of
// trustees with proofs, the result with references to its evidence, and the
// universal verifier that replays an election's board entries and
// recomputes every public fact from them (`veche verify`). It reads the
// board only through package bulletin and must not import services or cmd.
//
// So far: the mix net's board records and the cascade (mixnet.go,
// cascade.go; docs/spec/mixnet.md): mixers take turns, each verifying its
// predecessors, and a verifier names the mixer at fault; decryption records
// and their k-of-n combination with blame (decrypt.go); and the counting
// rules for ranked contests, instant runoff and Schulze (count.go;
// docs/spec/tally.md). Weeding, homomorphic aggregation on the board,
// results and the universal verifier are to come.
package tally
