package shuffle

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

var (
	// ErrInvalidProof is wrapped by every verification failure: the proof
	// is well formed but does not prove the statement, or does not fit it.
	ErrInvalidProof = errors.New("shuffle: invalid proof")
	// ErrMalformed is wrapped by every proof decoding failure: wrong
	// length, non-canonical scalars or elements, identity elements.
	ErrMalformed = errors.New("shuffle: malformed proof encoding")
	// ErrInvalidInput is wrapped when a ciphertext list cannot be a
	// shuffle's input or output: no rows, rows of different widths, width
	// 0, missing components, or input and output of different shapes.
	ErrInvalidInput = errors.New("shuffle: invalid ciphertext list")
	// ErrLazy is wrapped by [CheckNotLazy] when the output shares a
	// ciphertext with the input.
	ErrLazy = errors.New("shuffle: output shares a ciphertext with the input")
)

// Params are the public parameters every shuffle, proof and verification
// of one mixer takes. The prover and the verifier must use the same
// Fingerprint, Position and Mixer.
type Params struct {
	// Fingerprint identifies the election; it is absorbed first by the
	// proof's transcript and selects the generators.
	Fingerprint zkp.Fingerprint
	// Position is the mixer's place in the mix cascade (0 for the first
	// mixer). It selects the generators and is absorbed by the transcript,
	// so a proof made for one position does not verify at another.
	Position uint32
	// Mixer identifies the mixer: an opaque byte string chosen by the
	// caller, such as its bulletin-board address or public key. It is
	// absorbed by the transcript.
	Mixer []byte
	// Workers is the number of goroutines to use; below 1 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Generators, if not nil, keeps the derived commitment generators for
	// later calls; otherwise every call derives them.
	Generators *GeneratorCache
}

// generators returns the generators for n rows.
func (p *Params) generators(n int) (*Generators, error) {
	if p.Generators != nil {
		return p.Generators.Get(p.Fingerprint, p.Position, n, p.Workers)
	}
	return NewGenerators(p.Fingerprint, p.Position, n, p.Workers)
}

// A Witness is the secret of a shuffle: the permutation and the
// re-encryption randomness. It is what [Prove] needs besides the public
// lists; anyone who holds it can link every output row to its input row.
// Discard it once the proof is made.
//
// The fmt package prints every Witness, with any verb, as
// "shuffle.Witness{REDACTED}".
type Witness struct {
	_   [0]func() // not comparable
	n   int
	w   int
	psi []int          // output row i is the re-encryption of input row psi[i]
	rho []group.Scalar // rho[i*w+k]: randomness of output row i, component k
}

const redacted = "shuffle.Witness{REDACTED}"

// String returns "shuffle.Witness{REDACTED}" and never the secret.
func (Witness) String() string { return redacted }

// GoString returns "shuffle.Witness{REDACTED}" and never the secret.
func (Witness) GoString() string { return redacted }

// Format implements [fmt.Formatter] so that every verb, including %v, %+v,
// %#v and %x, prints "shuffle.Witness{REDACTED}".
func (Witness) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// Shuffle re-encrypts every component of every row of in under pk with
// fresh non-zero randomness and permutes the rows by a uniformly random
// permutation, using randomness from rand (crypto/rand.Reader if nil). It
// returns the output rows and the witness for [Prove]. in must have at
// least one row, and all rows the same width w ≥ 1. The output rows are
// new values; in is not modified.
//
// It implements GenShuffle of Haenni, Locher, Koenig and Dubuis,
// "Pseudo-Code Algorithms for Verifiable Re-Encryption Mix-Nets" (FC 2017
// workshops), on rows of w ciphertexts: output row i is input row ψ(i)
// plus an encryption of the identity with randomness ρ_i,k in each
// component k.
//
// The randomness is multiplied in constant time (ScalarBaseMult and the
// public key's fixed-base table). The permutation is secret but is applied
// by indexing arrays with it, which leaks it to an attacker who can observe
// this process's memory access pattern (a cache-timing side channel shared
// with every mix-net implementation we know of, Verificatum included); see
// docs/spec/shuffle.md, section 9.
func Shuffle(rand io.Reader, pk *elgamal.PublicKey, in []elgamal.VectorCiphertext, p Params) ([]elgamal.VectorCiphertext, *Witness, error) {
	n, w, err := checkRows("input", in)
	if err != nil {
		return nil, nil, err
	}
	if pk == nil {
		return nil, nil, fmt.Errorf("shuffle: missing public key: %w", ErrInvalidInput)
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	r := newRandSource(rand)
	psi, err := randomPermutation(r, n)
	if err != nil {
		return nil, nil, err
	}
	wit := &Witness{n: n, w: w, psi: psi, rho: make([]group.Scalar, n*w)}
	for i := range wit.rho {
		if err := r.nonZeroScalar(&wit.rho[i]); err != nil {
			return nil, nil, err
		}
	}
	out, err := apply(pk, in, wit, p.Workers)
	if err != nil {
		return nil, nil, err
	}
	return out, wit, nil
}

// apply returns the output rows of the shuffle described by wit.
func apply(pk *elgamal.PublicKey, in []elgamal.VectorCiphertext, wit *Witness, workers int) ([]elgamal.VectorCiphertext, error) {
	out := make([]elgamal.VectorCiphertext, wit.n)
	c := newChunking(wit.n, grainFor(wit.n, workers, 16))
	err := forChunks(c, workers, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			src := in[wit.psi[i]]
			row := make(elgamal.VectorCiphertext, wit.w)
			for k := range row {
				row[k] = elgamal.ReEncryptWithRandomness(pk, src[k], &wit.rho[i*wit.w+k])
			}
			out[i] = row
		}
		return nil
	})
	return out, err
}

// randomPermutation returns a uniformly random permutation of [0, n): the
// Fisher-Yates shuffle (Knuth, TAOCP vol. 2, Algorithm 3.4.2 P) with
// unbiased random indices.
func randomPermutation(r *randSource, n int) ([]int, error) {
	psi := make([]int, n)
	for i := range psi {
		psi[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j, err := r.intn(uint64(i) + 1)
		if err != nil {
			return nil, err
		}
		psi[i], psi[j] = psi[j], psi[i]
	}
	return psi, nil
}

// randSource reads randomness in blocks, so that shuffling a million rows
// does not make a million small reads (each a system call with
// crypto/rand.Reader).
type randSource struct {
	r   io.Reader
	buf [4096]byte
	off int
}

func newRandSource(r io.Reader) *randSource {
	s := &randSource{r: r}
	s.off = len(s.buf)
	return s
}

func (s *randSource) read(b []byte) error {
	for len(b) > 0 {
		if s.off == len(s.buf) {
			if _, err := io.ReadFull(s.r, s.buf[:]); err != nil {
				return fmt.Errorf("shuffle: reading randomness: %w", err)
			}
			s.off = 0
		}
		n := copy(b, s.buf[s.off:])
		clear(s.buf[s.off : s.off+n])
		s.off += n
		b = b[n:]
	}
	return nil
}

// intn returns a uniform integer in [0, bound), bound ≥ 1, by rejection
// sampling of 64-bit integers.
func (s *randSource) intn(bound uint64) (uint64, error) {
	limit := -bound % bound // 2^64 mod bound: reject the top partial range
	var b [8]byte
	for {
		if err := s.read(b[:]); err != nil {
			return 0, err
		}
		x := binary.LittleEndian.Uint64(b[:])
		if x >= limit {
			return x % bound, nil
		}
	}
}

// nonZeroScalar sets x to a uniform non-zero scalar: 64 bytes reduced
// modulo ℓ, as group.RandomNonZeroScalar.
func (s *randSource) nonZeroScalar(x *group.Scalar) error {
	var b [64]byte
	for {
		if err := s.read(b[:]); err != nil {
			return err
		}
		if _, err := x.SetUniformBytes(b[:]); err != nil {
			return err
		}
		if !x.IsZero() {
			clear(b[:])
			return nil
		}
	}
}

// checkRows validates a ciphertext list: at least one row, all rows of the
// same width w ≥ 1, no missing components. It returns the number of rows
// and the width.
func checkRows(what string, rows []elgamal.VectorCiphertext) (n, w int, err error) {
	if len(rows) == 0 {
		return 0, 0, fmt.Errorf("shuffle: %s list is empty (N = 0): %w", what, ErrInvalidInput)
	}
	w = len(rows[0])
	if w == 0 {
		return 0, 0, fmt.Errorf("shuffle: %s row 0 has width 0: %w", what, ErrInvalidInput)
	}
	if uint64(w) > maxWidth || uint64(len(rows)) > maxRows {
		return 0, 0, fmt.Errorf("shuffle: %s list of %d rows of width %d is too large: %w", what, len(rows), w, ErrInvalidInput)
	}
	for i, row := range rows {
		if len(row) != w {
			return 0, 0, fmt.Errorf("shuffle: %s row %d has width %d, row 0 has width %d: %w", what, i, len(row), w, ErrInvalidInput)
		}
		for k, c := range row {
			if c == nil || c.A == nil || c.B == nil {
				return 0, 0, fmt.Errorf("shuffle: %s row %d component %d is missing: %w", what, i, k, ErrInvalidInput)
			}
		}
	}
	return len(rows), w, nil
}

// checkShapes validates the input and output lists of one shuffle.
func checkShapes(in, out []elgamal.VectorCiphertext) (n, w int, err error) {
	n, w, err = checkRows("input", in)
	if err != nil {
		return 0, 0, err
	}
	n2, w2, err := checkRows("output", out)
	if err != nil {
		return 0, 0, err
	}
	if n2 != n || w2 != w {
		return 0, 0, fmt.Errorf("shuffle: %d output rows of width %d for %d input rows of width %d: %w", n2, w2, n, w, ErrInvalidInput)
	}
	return n, w, nil
}

// CheckNotLazy reports an error wrapping [ErrLazy] if some output
// ciphertext, in any row and component, shares its A or its B element with
// some input ciphertext (in particular, if it equals an input ciphertext).
// An honest mixer re-encrypts everything with non-zero randomness, which
// changes both elements, so a shared element means that the mixer skipped
// re-encryption and publicly linked an output to an input (the extreme case
// is an output equal to the input: identity permutation, zero randomness).
// The shuffle proof does not exclude this — such an output with its
// zero-randomness proof verifies — so a mix-net checks it separately. It
// also returns an error for lists that are not a shuffle's input and output
// (wrapping [ErrInvalidInput]).
//
// It compares canonical encodings, which cost nothing for decoded
// ciphertexts.
func CheckNotLazy(in, out []elgamal.VectorCiphertext) error {
	n, w, err := checkShapes(in, out)
	if err != nil {
		return err
	}
	type pos struct{ row, comp int }
	// Keys: 'A' or 'B', then the element's encoding.
	seen := make(map[[1 + group.ElementSize]byte]pos, 2*n*w)
	var key [1 + group.ElementSize]byte
	for i, row := range in {
		for k, c := range row {
			key[0] = 'A'
			c.A.AppendBytes(key[:1])
			seen[key] = pos{i, k}
			key[0] = 'B'
			c.B.AppendBytes(key[:1])
			seen[key] = pos{i, k}
		}
	}
	for i, row := range out {
		for k, c := range row {
			for _, part := range []struct {
				name byte
				e    *group.Element
			}{{'A', c.A}, {'B', c.B}} {
				key[0] = part.name
				part.e.AppendBytes(key[:1])
				if p, ok := seen[key]; ok {
					return fmt.Errorf("shuffle: output row %d component %d has the %c element of input row %d component %d: %w", i, k, part.name, p.row, p.comp, ErrLazy)
				}
			}
		}
	}
	return nil
}
