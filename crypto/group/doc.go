// Package group implements the prime-order group ristretto255 (RFC 9496) that
// every Veche protocol runs in.
//
// The two types are [Scalar], an integer modulo the group order
// ℓ = 2^252 + 27742317777372353535851937790883648493, and [Element], a group
// element. Both work like math/big values: methods set the receiver and
// return it, and arguments may alias the receiver.
//
// # Encodings
//
// Both types have canonical 32-byte encodings. Decoders accept only canonical
// encodings: [Scalar.SetCanonicalBytes] rejects integers ≥ ℓ instead of
// reducing them, and [Element.SetCanonicalBytes] implements the Decode
// function of RFC 9496, Section 4.3.1, which rejects non-canonical field
// elements, negative field elements and encodings of points outside the
// group. Decoders never panic and leave the receiver unchanged on error.
// Protocols that give the identity no meaning reject it with
// [Element.IsIdentity] or the convenience [ParseNonIdentityElement].
//
// # Hashing into the group
//
// [HashToElement] is hash_to_ristretto255 from RFC 9380, Section 6.8.1 with
// expand_message_xmd over SHA-512 (RFC 9380, Section 5.3.1) feeding the
// one-way map of RFC 9496, Section 4.3.4. [HashToScalar] reduces 64 bytes of
// the same expander modulo ℓ. Independent generators are always derived this
// way from public seeds, never as g^x.
//
// # Timing
//
// Scalar arithmetic, [Element.ScalarBaseMult], [Element.ScalarMult] and
// [Element.FixedBaseMult] (with a precomputed [FixedBase] table for an
// element used many times, such as an election public key) run in constant
// time and are the only operations to use with secrets. Methods
// whose names start with VarTime ([Element.VarTimeDoubleScalarBaseMult],
// [Element.VarTimeMultiScalarMult]) leak their scalars through timing and are
// for verification of public data only.
//
// A decoded element remembers its encoding, so absorbing it into a
// transcript costs no re-encoding; any change to the element forgets it.
//
// The arithmetic is filippo.io/edwards25519; this package adds the RFC 9496
// encoding layer on its field package, the hash-to-group functions and a
// Pippenger multi-scalar multiplication. docs/decisions/0001-group-library.md
// records why (measurements against github.com/gtank/ristretto255).
//
// # The inverse square root
//
// Encoding and decoding an element each need an inverse square root, an
// exponentiation of 250 squarings that was most of their cost. Encode,
// Decode, the one-way map's SQRT_RATIO_M1 and the batch inversions run on
// fe64 (fe64*.go), GF(2^255 − 19) in four 64-bit limbs, converted from and
// to field.Element once per operation. On amd64 CPUs with BMI2 and ADX
// (detected with CPUID) its multiplication and squaring are assembly using
// MULX and the two carry chains of ADCX and ADOX, and runs of squarings stay
// in registers; elsewhere, or with the purego build tag, the same
// arithmetic runs in Go (math/bits). The results are exactly those of
// field.Element: tests compare the two, and math/big, on both code paths.
// docs/decisions/0013-fast-field-inverse-sqrt.md has the design and the
// measurements (decoding about 1.6× faster, 9.6 ns a squaring against
// 15.6 ns). The variable-time bucket method (msm.go) runs its point
// additions on fe64 too: a bucket addition is one assembly call of 7
// multiplications (113 ns against 172 ns on field.Element); on amd64
// without BMI2 and ADX the Go fallback makes it slower than filippo's
// assembly (about 1.4×), a trade recorded in decision 0013.
package group
