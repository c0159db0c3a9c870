// Package tally holds everything after the polls close (docs/spec/tally.md,
// docs/spec/mixnet.md): weeding the cast ballots by a public rule, the tally
// inputs the commission posts, the chain of verifiable shuffles by the
// mixers, threshold decryption by a quorum of trustees with proofs, the
// count, and the result with references to its evidence. It reads the
// board only through package bulletin and must not import services or cmd.
//
// Every producer has its checker, which recomputes from the board and
// compares:
//
//   - [Weed] derives the counted ballots from the board alone (the ballot
//     box's batches and audits before the closing entry; the revote rule;
//     malformed, invalid, spoiled, clashing and superseded ballots named
//     with their place), with the [Reconciliation]; [CheckWeed] compares a
//     posted reconciliation with it (weed.go).
//   - [Aggregate] computes the tally inputs: the reconciliation, the
//     encrypted totals of each homomorphic contest and the mix list of
//     each mixnet contest (rows sorted by tracking code);
//     [PostTallyInputs] posts them idempotently, [ReadTallyInputs] reads
//     them back and [CheckTallyInputs] compares them byte for byte
//     (aggregate.go).
//   - The [Cascade] of [Mixer]s shuffles each mix list and
//     [Cascade.Verify] names the mixer at fault (mixnet.go, cascade.go).
//   - [ListsToDecrypt] gives a trustee the checked lists; [PostDecryption]
//     and [Decrypt] post and combine the partial decryptions with blame
//     (decrypt.go).
//   - [ComputeResults] counts the decrypted lists ([InstantRunoff],
//     [Schulze]: count.go); [TallyResults] does the whole tally from the
//     board with the evidence; [PostResults], [ReadResults] and
//     [CheckResults] publish and check the result record (result.go).
//
// The universal verifier (`veche verify`) is package tally/verify; it calls
// the checkers above in the order of the steps of
// docs/spec/verification.md.
//
// HAZARD: weeding trusts the credential list and the joint key it is
// given; a verifier reads both from the board and checks them first
// (voting.ReadCredentials, voting.JointKey).
package tally
