package shuffle

import (
	"fmt"
	"math"

	"github.com/veche/veche/crypto/group"
)

// Limits on the shape of a shuffle: far above any election, low enough that
// sizes computed from them never overflow.
const (
	maxRows  = 1 << 32
	maxWidth = 1 << 16
)

// A Proof is a non-interactive Terelius-Wikström proof that one list of
// ElGamal rows is a re-encryption and permutation of another: in the
// notation of docs/spec/shuffle.md, the permutation commitment U_1 … U_N,
// the commitment chain B_1 … B_N, the commitments A', B'_1 … B'_N, C', D',
// F'_1 … F'_w and the responses k_A, k_B,1 … k_B,N, k_C, k_D,
// k_E,1 … k_E,N, k_F,1 … k_F,w.
//
// A Proof comes from [Prove] or [ParseProof] and is immutable: its
// encoding is fixed when it is made, and the verifier hashes that encoding.
type Proof struct {
	n, w int

	u, b, bp   []group.Element // U_i, B_i, B'_i
	ap, cp, dp group.Element   // A', C', D'
	fp         []group.Element // F'_k as (A, B) pairs: fp[2k], fp[2k+1]

	kA, kC, kD group.Scalar
	kB, kE     []group.Scalar
	kF         []group.Scalar

	enc []byte // the encoding, layout(n, w)
}

// layout gives the byte offsets of the fields of an encoded proof for n rows
// of width w (docs/spec/shuffle.md, section 7).
type layout struct{ n, w int }

const (
	es = group.ElementSize
	ss = group.ScalarSize
)

func (l layout) u(i int) int  { return es * i }
func (l layout) b(i int) int  { return es * (l.n + i) }
func (l layout) ap() int      { return es * 2 * l.n }
func (l layout) bp(i int) int { return es * (2*l.n + 1 + i) }
func (l layout) cp() int      { return es * (3*l.n + 1) }
func (l layout) dp() int      { return es * (3*l.n + 2) }
func (l layout) fp(j int) int { return es * (3*l.n + 3 + j) }
func (l layout) scalars() int { return es * (3*l.n + 3 + 2*l.w) }
func (l layout) kA() int      { return l.scalars() }
func (l layout) kB(i int) int { return l.scalars() + ss*(1+i) }
func (l layout) kC() int      { return l.scalars() + ss*(1+l.n) }
func (l layout) kD() int      { return l.scalars() + ss*(2+l.n) }
func (l layout) kE(i int) int { return l.scalars() + ss*(3+l.n+i) }
func (l layout) kF(k int) int { return l.scalars() + ss*(3+2*l.n+k) }
func (l layout) size() int    { return l.scalars() + ss*(3+2*l.n+l.w) }

// ProofSize returns the length in bytes of an encoded proof for n rows of
// width w: 32·(5n + 6 + 3w), that is 160 bytes per row plus 192 + 96·w. It
// returns -1 if n or w is out of range.
func ProofSize(n, w int) int {
	if n < 1 || w < 1 || uint64(n) > maxRows || uint64(w) > maxWidth {
		return -1
	}
	if size := 32 * (5*uint64(n) + 6 + 3*uint64(w)); size > math.MaxInt {
		return -1 // 32-bit platforms
	}
	return layout{n, w}.size()
}

// N returns the number of rows the proof is for.
func (p *Proof) N() int { return p.n }

// Width returns the width of the rows the proof is for.
func (p *Proof) Width() int { return p.w }

// Bytes returns the encoding of the proof (docs/spec/shuffle.md, section
// 7): the elements U_1 … U_N, B_1 … B_N, A', B'_1 … B'_N, C', D',
// F'_1 … F'_w (each A then B), then the scalars k_A, k_B,1 … k_B,N, k_C,
// k_D, k_E,1 … k_E,N, k_F,1 … k_F,w; ProofSize(n, w) bytes.
func (p *Proof) Bytes() []byte { return append([]byte(nil), p.enc...) }

// ParseProof decodes a proof for n rows of width w. It rejects an encoding
// whose length is not ProofSize(n, w), any element that is not canonical or
// is the identity, and any scalar that is not canonical (≥ ℓ). Errors wrap
// [ErrMalformed] and name the first bad field. Decoding is spread over all
// cores.
func ParseProof(b []byte, n, w int) (*Proof, error) {
	size := ProofSize(n, w)
	if size < 0 {
		return nil, fmt.Errorf("shuffle: proof for %d rows of width %d: %w", n, w, ErrMalformed)
	}
	if len(b) != size {
		what := "truncated"
		if len(b) > size {
			what = "trailing bytes after"
		}
		return nil, fmt.Errorf("shuffle: %s proof: %d bytes, want %d for %d rows of width %d: %w", what, len(b), size, n, w, ErrMalformed)
	}
	l := layout{n, w}
	p := newProof(n, w)
	p.enc = append([]byte(nil), b...)
	enc := p.enc

	// The per-row fields, in parallel.
	c := newChunking(n, grainFor(n, 0, 64))
	err := forChunks(c, 0, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := parseElement(&p.u[i], enc[l.u(i):], "U", i); err != nil {
				return err
			}
			if err := parseElement(&p.b[i], enc[l.b(i):], "B", i); err != nil {
				return err
			}
			if err := parseElement(&p.bp[i], enc[l.bp(i):], "B'", i); err != nil {
				return err
			}
			if err := parseScalar(&p.kB[i], enc[l.kB(i):], "k_B", i); err != nil {
				return err
			}
			if err := parseScalar(&p.kE[i], enc[l.kE(i):], "k_E", i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		e    *group.Element
		off  int
		name string
	}{{&p.ap, l.ap(), "A'"}, {&p.cp, l.cp(), "C'"}, {&p.dp, l.dp(), "D'"}} {
		if err := parseElement(f.e, enc[f.off:], f.name, -1); err != nil {
			return nil, err
		}
	}
	for j := range p.fp {
		if err := parseElement(&p.fp[j], enc[l.fp(j):], fpName(j), -1); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		s    *group.Scalar
		off  int
		name string
	}{{&p.kA, l.kA(), "k_A"}, {&p.kC, l.kC(), "k_C"}, {&p.kD, l.kD(), "k_D"}} {
		if err := parseScalar(f.s, enc[f.off:], f.name, -1); err != nil {
			return nil, err
		}
	}
	for k := range p.kF {
		if err := parseScalar(&p.kF[k], enc[l.kF(k):], "k_F", k); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// newProof allocates the fields of a proof for n rows of width w.
func newProof(n, w int) *Proof {
	return &Proof{
		n: n, w: w,
		u:  make([]group.Element, n),
		b:  make([]group.Element, n),
		bp: make([]group.Element, n),
		fp: make([]group.Element, 2*w),
		kB: make([]group.Scalar, n),
		kE: make([]group.Scalar, n),
		kF: make([]group.Scalar, w),
	}
}

// fpName names the element j of F': the A or B component of F'_k,
// k = j/2 + 1.
func fpName(j int) string {
	return fmt.Sprintf("F'_%d.%c", j/2+1, "AB"[j%2])
}

// fieldName formats a proof field name with its 1-based index, if any.
func fieldName(name string, i int) string {
	if i < 0 {
		return name
	}
	return fmt.Sprintf("%s_%d", name, i+1)
}

// parseElement decodes the element at the start of b into e, rejecting
// non-canonical encodings and the identity.
func parseElement(e *group.Element, b []byte, name string, i int) error {
	if _, err := e.SetCanonicalBytes(b[:es]); err != nil {
		return fmt.Errorf("shuffle: proof element %s: %w: %w", fieldName(name, i), err, ErrMalformed)
	}
	if e.IsIdentity() {
		return fmt.Errorf("shuffle: proof element %s: %w: %w", fieldName(name, i), group.ErrIdentityElement, ErrMalformed)
	}
	return nil
}

// parseScalar decodes the canonical scalar at the start of b into s.
func parseScalar(s *group.Scalar, b []byte, name string, i int) error {
	if _, err := s.SetCanonicalBytes(b[:ss]); err != nil {
		return fmt.Errorf("shuffle: proof scalar %s: %w: %w", fieldName(name, i), err, ErrMalformed)
	}
	return nil
}
