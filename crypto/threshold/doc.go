// Package threshold implements k-of-n threshold decryption of ElGamal
// ciphertexts with publicly verifiable partial decryptions and blame.
//
// After the key ceremony (crypto/dkg) each trustee j ∈ 1 … n holds a share
// x_j = f(j) of the election private key x = f(0), for a secret polynomial
// f of degree k − 1, and everyone knows the joint key Y = x·G and the
// verification keys Y_j = x_j·G. [NewParams] takes these public values and
// checks that they are consistent.
//
// # Partial decryption
//
// A trustee decrypts a whole list of ciphertexts (A_i, B_i) at once
// ([PartialDecrypt]): it publishes D_i = (x_j/L)·A_i, where L = (n−1)! is
// the scale factor of the parameters, and one Chaum-Pedersen proof that
// log_{G'} Y_j = log_{A_i} D_i for every i, with the public base G' = L·G.
// The proof is batched: it proves the equality for random linear
// combinations A* = Σ e_i·A_i, D* = Σ e_i·D_i with 128-bit weights e_i
// derived from the transcript after every share is fixed. It is bound to
// the election fingerprint, the trustee index and a caller-supplied binding
// naming the list. The shares are computed in constant time in the secret,
// in parallel on all cores.
//
// # Combination
//
// [Combine] verifies every partial decryption, excludes and names the
// trustees whose partial decryptions are invalid, and with at least k valid
// ones interpolates in the exponent:
//
//	M_i = B_i − Σ_j λ_j·x_j·A_i = B_i − Σ_j μ_j·D_ij,   μ_j = L·λ_j
//
// Because every denominator of a Lagrange coefficient λ_j over indices in
// 1 … n divides (n−1)!, the μ_j are integers of a few dozen bits (19 for
// n = 9), so the combination costs a short multi-exponentiation per
// ciphertext instead of k full scalar multiplications. With fewer than k
// valid partial decryptions it returns a [*QuorumError] naming the missing
// and excluded trustees, and no plaintexts. [Check] verifies a published
// result from the partial decryptions it used.
//
// The byte formats, the transcript and every check are specified in
// docs/spec/threshold.md, with test vectors in testdata/threshold.json;
// docs/decisions/0007-threshold-decryption.md records the design and its
// measurements.
package threshold
