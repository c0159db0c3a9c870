package zkp

import (
	"bufio"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// FingerprintSize is the size of an election (or service record)
// fingerprint: the SHA-256 hash that binds every proof to one election.
const FingerprintSize = 32

// A Fingerprint identifies the election or service record a proof belongs to.
// Every proof's transcript absorbs it first, so a proof made for one
// election never verifies in another.
type Fingerprint [FingerprintSize]byte

var (
	// ErrInvalidProof is wrapped by every verification failure: the proof
	// is well formed but does not prove the statement.
	ErrInvalidProof = errors.New("zkp: invalid proof")
	// ErrMalformed is wrapped by every decoding failure: wrong length,
	// non-canonical encodings, identity elements where not allowed,
	// trailing bytes.
	ErrMalformed = errors.New("zkp: malformed proof encoding")
)

// invalid returns an error wrapping ErrInvalidProof that names the proof
// kind and the check that failed. It never includes secret data.
func invalid(kind, what string) error {
	return fmt.Errorf("zkp: %s: %s: %w", kind, what, ErrInvalidProof)
}

// malformed returns an error wrapping ErrMalformed.
func malformed(kind, what string) error {
	return fmt.Errorf("zkp: %s: %s: %w", kind, what, ErrMalformed)
}

// decoder reads fixed-size canonical fields from an encoding and remembers
// the first error. All reads after an error return zero values.
type decoder struct {
	kind string
	b    []byte
	err  error
}

func newDecoder(kind string, b []byte) *decoder { return &decoder{kind: kind, b: b} }

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = malformed(d.kind, "truncated "+what)
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

// scalar reads a canonical scalar; unreduced encodings are an error.
func (d *decoder) scalar(what string) *group.Scalar {
	raw := d.take(group.ScalarSize, what)
	if d.err != nil {
		return group.NewScalar()
	}
	s, err := new(group.Scalar).SetCanonicalBytes(raw)
	if err != nil {
		d.err = malformed(d.kind, "non-canonical scalar "+what)
		return group.NewScalar()
	}
	return s
}

// element reads a canonical element; the identity is accepted.
func (d *decoder) element(what string) *group.Element {
	raw := d.take(group.ElementSize, what)
	if d.err != nil {
		return group.NewElement()
	}
	e, err := group.ParseElement(raw)
	if err != nil {
		d.err = malformed(d.kind, "non-canonical element "+what)
		return group.NewElement()
	}
	return e
}

// nonIdentity reads a canonical element and rejects the identity.
func (d *decoder) nonIdentity(what string) *group.Element {
	e := d.element(what)
	if d.err == nil && e.IsIdentity() {
		d.err = malformed(d.kind, "identity element "+what)
	}
	return e
}

// uint32 reads a 4-byte big-endian integer.
func (d *decoder) uint32(what string) uint32 {
	raw := d.take(4, what)
	if d.err != nil {
		return 0
	}
	return uint32(raw[0])<<24 | uint32(raw[1])<<16 | uint32(raw[2])<<8 | uint32(raw[3])
}

// finish reports the first error, or an error if bytes remain.
func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return malformed(d.kind, fmt.Sprintf("%d trailing bytes", len(d.b)))
	}
	return nil
}

func appendUint32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// batch accumulates the terms of a random linear combination of
// verification equations, each of the form Σ s_i·P_i = identity, and checks
// them all with one multi-scalar multiplication. The coefficients of the
// generator G are summed separately into one term.
//
// Soundness: each equation is multiplied by an independent 128-bit weight
// drawn from the verifier's own randomness; a batch containing a false
// equation passes with probability at most 2^-128 (Bellare, Garay, Rabin,
// "Fast batch verification for modular exponentiation and digital
// signatures", Eurocrypt 1998, small exponents test).
type batch struct {
	rand     io.Reader
	gCoef    *group.Scalar
	scalars  []*group.Scalar
	elements []*group.Element
	pkCoef   *group.Scalar // the summed coefficient of the election key, once used
}

func newBatch(r io.Reader, sizeHint int) *batch {
	if r == nil {
		r = cryptorand.Reader
	}
	return &batch{
		rand:     r,
		gCoef:    group.NewScalar(),
		scalars:  make([]*group.Scalar, 0, sizeHint),
		elements: make([]*group.Element, 0, sizeHint),
	}
}

// weight draws a fresh 128-bit weight for the next equation.
func (b *batch) weight() (*group.Scalar, error) {
	var buf [32]byte
	if _, err := io.ReadFull(b.rand, buf[:16]); err != nil {
		return nil, fmt.Errorf("zkp: reading batch randomness: %w", err)
	}
	s, err := new(group.Scalar).SetCanonicalBytes(buf[:])
	if err != nil {
		return nil, errors.New("zkp: internal error: 128-bit weight rejected")
	}
	return s, nil
}

// term adds s·P to the combination.
func (b *batch) term(s *group.Scalar, p *group.Element) {
	b.scalars = append(b.scalars, s)
	b.elements = append(b.elements, p)
}

// pkCoefficient returns the coefficient of the election key pk in the
// combination, which every equation of the batch adds to: one term for
// all of them, complete when the batch is evaluated.
func (b *batch) pkCoefficient(pk *group.Element) *group.Scalar {
	if b.pkCoef == nil {
		b.pkCoef = group.NewScalar()
		b.term(b.pkCoef, pk)
	}
	return b.pkCoef
}

// termG adds s·G to the combination.
func (b *batch) termG(s *group.Scalar) { b.gCoef.Add(b.gCoef, s) }

// holds reports whether the combined equation holds.
func (b *batch) holds() bool {
	scalars := append(b.scalars, b.gCoef)
	elements := append(b.elements, group.NewGeneratorElement())
	sum, err := new(group.Element).VarTimeMultiScalarMult(scalars, elements)
	return err == nil && sum.IsIdentity()
}

// A Ciphertext is an ElGamal ciphertext (A, B) = (r·G, M + r·PK) as the proofs
// see it: M is a group element for ballot proofs and m·G (exponential ElGamal)
// for the 0/1 and range proofs. It has the same fields as elgamal.Ciphertext,
// so one converts to the other with a type conversion; this package does not
// import elgamal.
type Ciphertext struct {
	A, B *group.Element
}

// A BatchError reports the proofs of a batch that failed verification. It
// wraps [ErrInvalidProof] through the errors of the failing proofs.
type BatchError struct {
	// Kind names the proof type, such as "zero-one" or "range".
	Kind string
	// Total is the number of proofs in the batch.
	Total int
	// Indices are the positions of the failing proofs, in ascending order.
	Indices []int
	// Errs[k] is the error of the proof at Indices[k].
	Errs []error
}

func (e *BatchError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "zkp: %s: %d of %d proofs in batch invalid", e.Kind, len(e.Indices), e.Total)
	const shown = 8
	for k, i := range e.Indices {
		if k == shown {
			fmt.Fprintf(&sb, "; and %d more", len(e.Indices)-shown)
			break
		}
		fmt.Fprintf(&sb, "; #%d: %v", i, e.Errs[k])
	}
	return sb.String()
}

// Unwrap returns the errors of the failing proofs, each of which wraps
// [ErrInvalidProof].
func (e *BatchError) Unwrap() []error { return e.Errs }

// sigmaGeneratorEnc is the encoding of the standard generator G, computed
// once: an encoding costs an inverse square root.
var sigmaGeneratorEnc = group.NewGeneratorElement().Bytes()

// sigmaTranscript starts the transcript of a proof whose only generator is G.
// It absorbs exactly what transcript.NewProof(label, fp[:], G) absorbs (a
// test checks this) but reuses the generator's cached encoding, which saves
// an element encoding on every proof and verification.
func sigmaTranscript(label string, fp *Fingerprint) *transcript.Transcript {
	t := transcript.New(label)
	t.Bytes("fingerprint", fp[:])
	t.Bytes("group", []byte(group.Name))
	t.List("generators", 1)
	t.ElementBytes("", sigmaGeneratorEnc)
	return t
}

// hedgedNonces derives n secret nonces for a proof. They are the challenge
// vector of a private transcript that absorbs the proof's protocol label, the
// fingerprint, the same statement items as the proof's transcript (through
// absorb), the witness and 32 fresh bytes from rand:
//
//	New("veche/zkp/nonce/v1"), Bytes("protocol", label),
//	Bytes("fingerprint", fp), statement items, Scalars("witness", ...),
//	Bytes("random", 32 bytes), ChallengeScalars("nonces", n)
//
// A broken random source therefore leaks nothing: with repeated or
// predictable random bytes the nonces are still secret (they depend on the
// witness) and differ between statements, so two proofs never share a nonce
// with different challenges. Verifiers do not depend on how nonces are made.
func hedgedNonces(rand io.Reader, label string, fp *Fingerprint, absorb func(*transcript.Transcript), witness []*group.Scalar, n int) ([]*group.Scalar, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	var rnd [32]byte
	if _, err := io.ReadFull(rand, rnd[:]); err != nil {
		return nil, fmt.Errorf("zkp: reading randomness: %w", err)
	}
	t := transcript.New(nonceProtocol)
	t.Bytes("protocol", []byte(label))
	t.Bytes("fingerprint", fp[:])
	absorb(t)
	t.Scalars("witness", witness)
	t.Bytes("random", rnd[:])
	return t.ChallengeScalars("nonces", n), nil
}

// wrongWitness is the error of a prover whose secret does not match the
// statement. It says nothing about the secret.
func wrongWitness(kind, what string) error {
	return fmt.Errorf("zkp: %s: the secret does not match %s", kind, what)
}

// nonZeroNonces fails if a nonce is zero, which happens with probability
// about 2^-252 per nonce and would make a commitment the identity, which
// verifiers reject.
func nonZeroNonces(kind string, ks []*group.Scalar) error {
	for _, k := range ks {
		if k.IsZero() {
			return fmt.Errorf("zkp: %s: internal error: zero nonce", kind)
		}
	}
	return nil
}

// checkPoint validates a statement or proof element that is not read from an
// encoding: it must be present, and the identity only where allowed.
func checkPoint(kind, what string, e *group.Element, identityOK bool) error {
	if e == nil {
		return invalid(kind, "missing "+what)
	}
	if !identityOK && e.IsIdentity() {
		return invalid(kind, what+" is the identity")
	}
	return nil
}

func isInvalid(err error) bool { return errors.Is(err, ErrInvalidProof) }

// subBatch is the size of the batches a failed batch is checked again in
// before the items of a failed sub-batch are checked one by one: a bad
// proof among many good ones costs a few batch equations and subBatch
// single checks, not one single check per item of a large batch.
const subBatch = 128

// batchOrEach drives a batch verification of n items with about sizeHint
// multi-scalar multiplication terms. add checks item i's shape, derives its
// challenge and adds its weighted equations to the batch (it may be called
// again for the same item, into another batch); an error wrapping
// ErrInvalidProof marks the item invalid, any other error (failing
// randomness) aborts. If the combined equation fails, the items are
// checked again in batches of subBatch, and single checks every item of a
// failed one, one by one, to name the invalid ones.
func batchOrEach(rand io.Reader, kind string, n, sizeHint int, add func(*batch, int) error, single func(int) error) error {
	if n == 0 {
		return invalid(kind, "empty batch")
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	// Weights are read 16 bytes at a time: buffer the reads.
	br := bufio.NewReaderSize(rand, 4096)
	bad := make(map[int]error)
	// check verifies the items idx together and reports whether the
	// failure of their batch was explained by an invalid item.
	var check func(idx []int, hint int) (bool, error)
	check = func(idx []int, hint int) (bool, error) {
		b := newBatch(br, hint)
		in := make([]int, 0, len(idx))
		for _, i := range idx {
			if _, known := bad[i]; known {
				continue
			}
			if err := add(b, i); err != nil {
				if !isInvalid(err) {
					return false, err
				}
				bad[i] = err
				continue
			}
			in = append(in, i)
		}
		if len(in) == 0 || b.holds() {
			return true, nil
		}
		found := false
		if len(in) > subBatch {
			for lo := 0; lo < len(in); lo += subBatch {
				part := in[lo:min(lo+subBatch, len(in))]
				explained, err := check(part, hint*len(part)/len(in)+2)
				if err != nil {
					return false, err
				}
				if explained {
					for _, i := range part {
						if _, ok := bad[i]; ok {
							found = true
						}
					}
				}
			}
			return found, nil
		}
		for _, i := range in {
			if err := single(i); err != nil {
				bad[i] = err
				found = true
			}
		}
		return found, nil
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	explained, err := check(all, sizeHint)
	if err != nil {
		return err
	}
	if !explained {
		// Unreachable: a batch of true equations always holds.
		return invalid(kind, "batch equation fails but every proof verifies alone")
	}
	if len(bad) == 0 {
		return nil
	}
	e := &BatchError{Kind: kind, Total: n}
	for i := 0; i < n; i++ {
		if err, ok := bad[i]; ok {
			e.Indices = append(e.Indices, i)
			e.Errs = append(e.Errs, err)
		}
	}
	return e
}
