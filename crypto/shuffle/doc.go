// Package shuffle implements the verifiable re-encryption shuffle of Veche's
// mix-net: a mixer re-encrypts and permutes a list of ElGamal rows and
// proves, with the proof of a shuffle of Terelius and Wikström, that it did
// so, without revealing how the rows were permuted.
//
// A row is a [elgamal.VectorCiphertext] of w ≥ 1 ciphertexts under one
// public key: one ballot. [Shuffle] re-encrypts every component with fresh
// randomness and permutes the rows; [Prove] proves it, [Verify] checks it,
// and [ShuffleAndProve] does the first two at once. A [Proof] is encoded by
// [Proof.Bytes] and decoded by [ParseProof]; [CheckNotLazy] catches a mixer
// that reuses input ciphertexts, which the proof does not exclude.
//
// # The proof
//
// The proof is Terelius and Wikström's proof of a shuffle ("Proofs of
// restricted shuffles", Africacrypt 2010; Wikström, "A commitment-consistent
// proof of a shuffle", ACISP 2009) as specified for implementers in
// Wikström's "How To Implement A Stand-Alone Verifier for the Verificatum
// Mix-Net" (the proof of a shuffle of ciphertexts, in commitment form: the
// prover sends the commitments A', B'_i, C', D', F' and the responses k_A …
// k_F, and the verifier recomputes the challenges), with the names of that
// document, and Haenni, Locher, Koenig and Dubuis, "Pseudo-Code Algorithms
// for Verifiable Re-Encryption Mix-Nets" (FC 2017 workshops: GenShuffle,
// GenPermutationCommitment, GenCommitmentChain, GenProof, CheckProof). Rows
// of width w use the product-group form (Wikström's document; proven secure
// for this optimised variant by Haines, "A Description and Proof of a
// Generalised and Optimised Variant of Wikström's Mixnet", arXiv
// 1901.08371): one permutation and one proof for all w components, with F'
// and k_F having w components. docs/spec/shuffle.md gives every step and the
// byte formats; testdata/shuffle.json has test vectors.
//
// # Design notes
//
// Generators. The commitment generators H_0 … H_N are hashed to the group
// from a public seed that encodes a domain label, the election fingerprint,
// the mix position and N ([Generators]); nobody knows their discrete
// logarithms. Provers and verifiers derive them, in parallel
// ([group.DeriveGeneratorsParallel]); a proof never carries them. A prover
// who chose its own generators could open its permutation commitment to
// anything and change votes (hostile_test.go shows one negating a vote).
// [GeneratorCache] keeps derived sets for repeated use.
//
// Fiat-Shamir. One transcript (crypto/transcript) binds the fingerprint,
// the generator seed (the generators themselves are not absorbed: the seed
// determines them and verifiers re-derive them), the mixer's identity, the
// position, the public key, N and w, the input and output lists and every
// commitment. Lists of N items are absorbed as the SHA-512 digest of their
// concatenated fixed-size encodings, which is injective since N and w come
// first. The N challenges e_i are 128-bit integers cut from one challenge
// output; they keep the soundness error below N·2^-128 and halve the cost of
// the verifier's sums over them.
//
// Prover. The commitment chain B_i = b_i·G + e'_i·B_{i-1} is computed as
// B_i = R_i·G + (e'_1 ⋯ e'_i)·H_0, as in Haenni et al., so that the rows are
// independent and every exponentiation with a secret exponent has a fixed
// base (G, H_0 or the public key, with precomputed tables) except the nonce
// terms of A' and F'. Those 1 + 2w variable-base multiplications per row use
// the constant-time [group.Element.ScalarMult] and dominate the prover's
// cost; the variable-time multi-scalar multiplication is never applied to
// secrets. The permutation is secret but applied by array indexing, a
// memory-access side channel that every mix-net implementation we know of
// shares (docs/spec/shuffle.md, section 9).
//
// Verifier. All checks become one multi-scalar multiplication of 3 + 2w
// terms per row (H_i, B_i, B'_i and the 2w output elements) over 128-bit
// weights, plus 2w + 1 sums with the 128-bit e_i as scalars (A and F),
// through [group.Element.VarTimeMultiScalarMultParallel] in chunks that
// bound memory. If the combination fails, each equation is checked alone to
// name it in the error.
//
// Throughput and memory are recorded in docs/decisions/0011-shuffle.md.
// Every function takes a Workers option (through [Params]) and uses all
// cores by default.
package shuffle
