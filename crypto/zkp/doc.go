// Package zkp implements the non-interactive zero-knowledge proofs of Veche:
// sigma protocols made non-interactive with the strong Fiat-Shamir
// transform through [github.com/veche/veche/crypto/transcript].
//
// Every proof's transcript starts with transcript.NewProof: its protocol
// label, the election [Fingerprint], the group name and every generator; then
// the full statement (public keys, ciphertexts, the prover's binding such as a
// voter credential or trustee index) and every commitment. A proof therefore
// does not verify against another statement, another election or another
// credential (Bernhard, Pereira, Warinschi, "How not to prove yourself",
// Asiacrypt 2012).
//
// Every prover has its verifier beside it, and every proof type has a
// byte-exact encoding with a decoder that accepts only canonical encodings.
// Where a proof is sent in commitment form (commitments and responses rather
// than challenge and responses), a batch verifier checks many proofs with one
// multi-scalar multiplication over random 128-bit weights.
//
// The proofs and their exact transcript inputs are specified in
// docs/spec/zkp-sigma.md (key, ballot, Chaum-Pedersen and decryption-share
// proofs) and docs/spec/zkp-disjunctive.md (0/1 and range proofs); test
// vectors are in testdata/zkp-sigma.json and testdata/zkp-disjunctive.json.
package zkp
