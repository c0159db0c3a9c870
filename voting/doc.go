// Package voting will hold the election-side protocol: the election
// manifest (whose hash is the election fingerprint), voter credentials and
// the public credential list, ballot preparation and casting with tracking
// codes and cast-or-audit, and the ballot box that checks each ballot's
// proofs and posts accepted ballots to the bulletin board in batches with a
// Merkle root so that a receipt can carry an inclusion proof. It builds on
// crypto/... and talks to the board only through package bulletin's
// interfaces, so every protocol test can run on the in-memory board. It
// must not import tally, services or cmd.
//
// So far: the manifest ([Manifest], docs/spec/manifest.md): validation with
// errors naming the field, the canonical encoding that is posted and hashed
// into the election fingerprint, strict parsing from the board (only the
// canonical bytes are accepted), and reading the commission's YAML;
// publishing an election with each party's rights; and the trustees' key
// ceremony on the board (docs/spec/ceremony.md): joining, dealing,
// complaints, readiness, the commission closing it, and [JointKey], the
// checked election key every voter and verifier reads; voter credentials
// and the public credential list, ballots encrypted on the voter's device
// with their proofs, signature and tracking code, batch verification, and
// cast-or-audit (docs/spec/ballot.md).
package voting
