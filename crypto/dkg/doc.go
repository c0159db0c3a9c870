// Package dkg implements the key ceremony of Veche's election trustees: a
// distributed key generation that gives n trustees shares of an ElGamal
// secret key such that any k of them can decrypt and fewer learn nothing,
// without any party ever holding the key. It is the joint-Feldman protocol
// of Pedersen ("A threshold cryptosystem without a trusted party",
// Eurocrypt 1991) as analysed by Gennaro, Jarecki, Krawczyk and Rabin
// ("Secure distributed key generation for discrete-log based
// cryptosystems", J. Cryptology 2007), with proofs of knowledge of each
// dealer's secret against rogue keys and publicly verifiable complaints;
// docs/decisions/0006-dkg.md records why this variant and not GJKR's.
//
// # Protocol
//
// The parameters ([Params]) are the election fingerprint, k, n and every
// trustee's index and long-term encryption key ([hybrid.PublicKey]),
// registered before the ceremony. Every proof and encryption is bound to a
// digest of all of them, the ceremony context.
//
//  1. Each trustee i deals ([Trustee.Deal]): a random polynomial f_i of
//     degree k−1, the Feldman commitments C_il = a_il·G with a Schnorr
//     proof of knowledge of a_i0 ([Commitments]), and s_ij = f_i(j)
//     encrypted to every other trustee j ([Shares]).
//  2. Everyone checks every message ([Ceremony.Receive]): the proof of
//     knowledge, that there is a ciphertext for every other trustee, and
//     each ciphertext's proof of knowledge of its ephemeral key. Trustee j
//     also decrypts its share and checks s_ij·G = Σ_l j^l·C_il.
//  3. A trustee whose share fails complains ([Trustee.Complaints]): it
//     reveals the Diffie-Hellman value K of that ciphertext with a
//     Chaum-Pedersen proof, so anyone can decrypt the share and see that it
//     fails. A justified complaint disqualifies the dealer; a false one
//     changes nothing and names the complainer.
//  4. When the board closes the ceremony, everyone computes the same
//     [PublicResult] ([Ceremony.Result], [VerifyCeremony]): the qualified
//     dealers QUAL, the joint key Y = Σ_{i∈QUAL} C_i0 and every trustee's
//     verification key Y_j = Σ_{i∈QUAL} Σ_l j^l·C_il; each trustee its share
//     x_j = Σ_{i∈QUAL} s_ij, checked against Y_j ([Trustee.Finish]).
//
// # Design notes
//
// No I/O: the package consumes and produces messages with byte-exact
// encodings; the caller carries them over the bulletin board and decides
// when the ceremony closes (the board's phase change). The board supplies
// what the protocol assumes of a broadcast channel: everyone sees the same
// messages in the same order, so no dealer can show different commitments
// to different trustees. The caller must also check that each entry's
// poster is the trustee the message names as its sender; the package
// cannot, and a message's sender index is otherwise unauthenticated.
//
// The outcome is a deterministic function of the message sequence. A
// dealer's first accepted commitments and shares count; a later different
// one is rejected (its key cannot change once posted), an identical replay
// ignored. Messages for another election fail on their fingerprint; a
// message copied into another ceremony of the same election fails its
// proofs, which absorb the context.
//
// Complaints need no answer from the accused dealer: the evidence decides.
// This is safe only because every hybrid ciphertext proves knowledge of its
// ephemeral secret (see [github.com/veche/veche/crypto/hybrid]) and every
// ciphertext's proof is checked publicly before its dealer's shares are
// accepted: a recipient then only ever reveals K = e·X_j for an e that the
// dealer knows, never x_j times an element chosen by someone else, so a
// malicious dealer cannot use complaints to decrypt an honest dealer's
// shares.
//
// Secret values (polynomial coefficients, decrypted shares, the final
// share) are handled with constant-time scalar arithmetic and
// [group.Element.ScalarBaseMult]; variable-time multi-scalar
// multiplications see only public data (commitments, revealed shares).
// [Trustee] and [Result] print without their secrets.
//
// The format, every transcript and every check is specified in
// docs/spec/dkg.md with test vectors in testdata/dkg.json.
package dkg
