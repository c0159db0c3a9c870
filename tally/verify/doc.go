// Package verify is Veche's universal verifier: it checks an election from
// its bulletin board alone, without trusting the commission, the ballot
// box, the trustees, the mixers or the software that ran them, by making
// the numbered steps of docs/spec/verification.md in order:
//
//  1. the topic's hash chain, entry by entry, against the head and count
//     the board stores;
//  2. the manifest: entry 0, its poster (the commission it names), its
//     canonical encoding and fingerprint;
//  3. the key ceremony replayed (voting.ReadCeremony): joins with proofs
//     of possession, commitments, shares, complaints and
//     disqualifications, and the posted joint key equal to the recomputed
//     one;
//  4. the credential list (voting.ReadCredentials): its poster, distinct
//     keys, counts per ballot style;
//  5. the phases: every entry admitted by the phase table in the phase it
//     was posted in, the phases in order;
//  6. every ballot's signature and proofs, the weeding (tally.Weed) and the
//     commission's reconciliation (tally.CheckWeed);
//  7. the tally inputs recomputed and compared byte for byte
//     (tally.CheckTallyInputs);
//  8. every shuffle and the chain of mixes (tally.Cascade.Verify);
//  9. every partial decryption's proof and the quorum (tally.Decrypt);
//  10. the result recomputed (tally.ComputeResults) with its evidence, and
//     compared byte for byte with the posted one, every reference checked
//     against the chain.
//
// [Verify] makes them once and returns a [Report]: a [Step] per number,
// ok, failed (naming the entry and the [Party] to blame), pending (the
// election has not got that far) or skipped (with the reason), and an
// overall [Verdict]. A [Verifier] does it again as the board grows, making
// again only what may have changed; [Follow] drives one from a
// [bulletin.Follower].
//
// # Records
//
// An election's topic can be exported to a file ([WriteRecord]: JSON
// lines, a header then one entry per line) and verified offline: a
// [Record] read back by [ReadRecord] is a [bulletin.Reader] whose head and
// count are those the board stored at the export. testdata/verification/
// holds a sample record with its expected report, and a tampered copy.
//
// The verifier reads the board only through bulletin.Reader (and
// bulletin.Follower); the command `veche verify` chooses the board.
//
// HAZARD: what the verifier cannot see, it cannot check. It trusts the
// board for the posters of entries (the chain attests them, the hash chain
// does not cover them) and for the head and count it reports, and it
// checks who may post only through the manifest's roles, not through the
// board's authorisations (which are not on the topic's log).
package verify
