// Package elgamal implements ElGamal encryption in the ristretto255 group
// (package [github.com/veche/veche/crypto/group]): the ballot encryption of
// Veche.
//
// Most callers want the protocol packages that use it (ballot casting,
// mixing, threshold decryption, tallying); this package provides the
// primitives they share. The byte-exact specification, for independent
// verifiers, is docs/spec/elgamal.md, with test vectors in
// testdata/elgamal.json.
//
// # Notation and scheme
//
// The group is written additively with generator G and order ℓ. A key pair
// is a secret scalar s ≠ 0 and the public key PK = s·G ([GenerateKey],
// [PrivateKey], [PublicKey]). A [Ciphertext] of the element M with
// randomness r is
//
//	(A, B) = (r·G, M + r·PK)
//
// and decrypts as M = B - s·A ([Decrypt]). Threshold decryption computes
// D = s·A from shares elsewhere and calls [Ciphertext.Combine]. [Encrypt]
// and [ReEncrypt] return the randomness they drew, because proofs (of
// plaintext knowledge, of 0/1 votes, of a shuffle) need it as a witness.
//
// # Homomorphic counters and write-ins
//
// Two kinds of plaintext are supported. Exponential ElGamal ([EncryptExp])
// encrypts an integer m as M = m·G; the component-wise sum ([Add]) of such
// ciphertexts encrypts the sum of the integers, so an election can add all
// ballots and decrypt only the totals. Recovering m from m·G is a discrete
// logarithm, feasible only because totals are small: a [DLogTable] solves it
// for m in a fixed range [0, max] by baby-step giant-step and fails with
// [ErrOutOfRange] instead of searching further.
//
// Mixnet ballots instead encrypt group elements that are decoded after
// decryption. [EncodeBytes] embeds a byte string of up to [MaxBytesLength]
// (29) bytes, such as a write-in name, as an element whose canonical encoding
// spells it out; [DecodeBytes] reverses it and rejects every element that
// EncodeBytes does not produce.
//
// A ballot with several entries is a [VectorCiphertext] of width w: w
// independent ciphertexts under one key. A shuffle permutes whole rows.
//
// # Encodings and validation
//
// Keys and elements use the canonical 32-byte encodings of package group; a
// ciphertext is A || B (64 bytes); a vector is its width as a 4-byte
// big-endian integer followed by the ciphertexts. Parsers accept only exact
// lengths and canonical encodings, reject the identity as a public key and
// zero or unreduced scalars as private keys, and never panic. Every parse
// failure wraps [ErrMalformed].
//
// [ParseCiphertext] accepts the identity as A: homomorphic sums and other
// intermediate values can have it, and a parser should not make protocol
// decisions. A ciphertext with A = identity can only have been made with
// r = 0, so B is the plaintext in the clear; a ballot that contained one
// would publish its vote. Code that accepts ciphertexts from voters calls
// [Ciphertext.Validate] (or [VectorCiphertext.Validate]), which rejects it.
// Honest encryption never produces it: all randomness is drawn non-zero.
//
// # Randomness, timing and secrets
//
// Randomness comes from an io.Reader argument (crypto/rand.Reader when nil);
// each scalar consumes 64 bytes reduced modulo ℓ, so deterministic readers
// give reproducible vectors. Operations on secrets (the key, the randomness,
// the plaintext of Encrypt and EncryptExp) use the constant-time scalar
// multiplications of package group. [DLogTable.Solve] and [DecodeBytes] run
// in time that depends on their input and are meant for values that are
// public anyway: election totals, and write-ins after mixing and decryption.
// [EncodeBytes] runs on the voter's device before encryption and its time
// depends on the write-in: the number of counters tried (one, with
// probability 1/4, to a few dozen) leaks about two bits of a value that is a
// function of the write-in, to an observer who can time the voter's device.
// A [PrivateKey] never prints its secret through package fmt, and errors
// never contain secrets or plaintexts.
//
// # Costs
//
// Measured on the 2-core development machine (go test -bench): encryption
// ≈ 96 µs (one fixed-base and one variable-base multiplication),
// re-encryption ≈ 96 µs, decryption ≈ 76 µs, a 2^24-bound DLogTable builds
// in ≈ 0.12 s and solves any value in ≤ 7 ms, EncodeBytes and DecodeBytes
// ≈ 20–25 µs.
package elgamal
