package threshold

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

var (
	// ErrTooFewShares is wrapped by the [*QuorumError] of a combination
	// with fewer than k valid partial decryptions.
	ErrTooFewShares = errors.New("threshold: too few valid partial decryptions")
	// ErrWrongResult is wrapped by [Check] when claimed plaintexts do not
	// follow from the partial decryptions.
	ErrWrongResult = errors.New("threshold: plaintexts do not match the partial decryptions")
)

// A Report says which partial decryptions a combination used and which it
// could not use.
type Report struct {
	// Used are the k trustees whose shares were interpolated: the k
	// smallest indices among Valid.
	Used []uint32
	// Valid are all trustees whose partial decryption verified, ascending.
	Valid []uint32
	// Missing are the trustees of 1 … n of whom no partial decryption was
	// given at all, ascending.
	Missing []uint32
	// Excluded are the partial decryptions that were malformed or
	// invalid, in input order, each naming its trustee.
	Excluded []Culprit
	// Ignored are later partial decryptions of trustees that already had
	// one: only the first one of each trustee counts, whatever the later
	// ones hold, so a trustee cannot replace a posted partial decryption.
	Ignored []Culprit
}

// A QuorumError is the error of a combination with fewer than k valid
// partial decryptions. It wraps [ErrTooFewShares].
type QuorumError struct {
	K        int
	Valid    []uint32
	Missing  []uint32
	Excluded []Culprit
}

func (e *QuorumError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "threshold: %d valid partial decryption(s) %s, %d needed", len(e.Valid), trusteeList(e.Valid), e.K)
	if len(e.Missing) > 0 {
		fmt.Fprintf(&sb, "; missing %s", trusteeList(e.Missing))
	}
	for _, c := range e.Excluded {
		fmt.Fprintf(&sb, "; excluded %s", c)
	}
	return sb.String()
}

// Unwrap returns [ErrTooFewShares].
func (e *QuorumError) Unwrap() error { return ErrTooFewShares }

func trusteeList(idx []uint32) string {
	if len(idx) == 0 {
		return "(none)"
	}
	s := make([]string, len(idx))
	for i, j := range idx {
		s[i] = fmt.Sprint(j)
	}
	return "(trustees " + strings.Join(s, ", ") + ")"
}

// A Submission is a partial decryption as read from the bulletin board:
// the trustee who posted it, as the board authenticates it, and the bytes.
type Submission struct {
	Trustee uint32
	Data    []byte
}

// entry is one partial decryption given to a combination.
type entry struct {
	pos     int
	trustee uint32 // who is named
	pd      *PartialDecryption
	err     error // set if it is already known to be unusable
}

// Combine decrypts cts with the partial decryptions of the trustees,
// verifying each (bound to binding and p's fingerprint; rand, nil meaning
// crypto/rand.Reader, gives the verifier's combination weights, see
// [VerifyPartials]).
//
// Only the first partial decryption of each trustee counts; later ones are
// reported as ignored. Invalid ones (index outside 1 … n, a share count
// other than len(cts), a proof that fails, for example one made for other
// ciphertexts, another election or another binding) are excluded and
// their trustees named in the report. With at least k valid partial
// decryptions it interpolates over the k smallest valid indices S:
//
//	M_i = B_i − Σ_{j ∈ S} μ_j·D_ij,   μ_j = L·λ_j ([ScaledLagrangeCoefficients])
//
// which equals B_i − x·A_i for the private key x of Y, and returns the M_i
// with the report. With fewer than k it returns no plaintexts and a
// [*QuorumError] listing the valid, missing and excluded trustees (the
// report holds the same). An error without a report means the inputs
// themselves (no ciphertexts, a missing component) are unusable or rand
// failed.
func Combine(rand io.Reader, p *Params, binding []byte, cts []*elgamal.Ciphertext, partials []*PartialDecryption) ([]*group.Element, *Report, error) {
	entries := make([]entry, len(partials))
	for i, pd := range partials {
		entries[i] = entry{pos: i, trustee: indexOf(pd), pd: pd}
	}
	return p.combine(rand, binding, cts, entries)
}

// CombineSubmissions is [Combine] for partial decryptions as posted: each
// submission is decoded, and one that does not decode, or that carries
// another index than its poster's, excludes its poster, named by
// Submission.Trustee. The first submission of each trustee counts,
// decodable or not.
func CombineSubmissions(rand io.Reader, p *Params, binding []byte, cts []*elgamal.Ciphertext, subs []Submission) ([]*group.Element, *Report, error) {
	entries := make([]entry, len(subs))
	for i, s := range subs {
		en := entry{pos: i, trustee: s.Trustee}
		pd, err := ParsePartialDecryption(s.Data)
		switch {
		case err != nil:
			en.err = err
		case pd.Index != s.Trustee:
			en.err = invalid(s.Trustee, fmt.Sprintf("posted with index %d", pd.Index))
		default:
			en.pd = pd
		}
		entries[i] = en
	}
	return p.combine(rand, binding, cts, entries)
}

func (p *Params) combine(rand io.Reader, binding []byte, cts []*elgamal.Ciphertext, entries []entry) ([]*group.Element, *Report, error) {
	if err := checkCiphertexts(cts); err != nil {
		return nil, nil, err
	}
	r := &Report{}
	seen := make(map[uint32]bool)
	var live []entry
	for _, en := range entries {
		switch {
		case en.pd == nil && en.err == nil:
			r.Excluded = append(r.Excluded, Culprit{Index: en.trustee, Position: en.pos, Err: fmt.Errorf("threshold: missing partial decryption: %w", ErrInvalid)})
		case !p.validIndex(en.trustee):
			err := en.err
			if err == nil {
				err = invalid(en.trustee, fmt.Sprintf("index outside 1 to %d", p.n))
			}
			r.Excluded = append(r.Excluded, Culprit{Index: en.trustee, Position: en.pos, Err: err})
		case seen[en.trustee]:
			r.Ignored = append(r.Ignored, Culprit{Index: en.trustee, Position: en.pos,
				Err: fmt.Errorf("threshold: trustee %d already gave a partial decryption; the first one counts: %w", en.trustee, ErrInvalid)})
		default:
			seen[en.trustee] = true
			if en.err != nil {
				r.Excluded = append(r.Excluded, Culprit{Index: en.trustee, Position: en.pos, Err: en.err})
				continue
			}
			live = append(live, en)
		}
	}
	for j := 1; j <= p.n; j++ {
		if !seen[uint32(j)] {
			r.Missing = append(r.Missing, uint32(j))
		}
	}

	byIndex := make(map[uint32]*PartialDecryption)
	if len(live) > 0 {
		pds := make([]*PartialDecryption, len(live))
		for i, en := range live {
			pds[i] = en.pd
		}
		aEnc := encodeElements(len(cts), func(i int) *group.Element { return cts[i].A })
		errs, err := p.verify(rand, binding, cts, aEnc, pds)
		if err != nil {
			return nil, nil, err
		}
		for i, en := range live {
			if errs[i] != nil {
				r.Excluded = append(r.Excluded, Culprit{Index: en.trustee, Position: en.pos, Err: errs[i]})
				continue
			}
			r.Valid = append(r.Valid, en.trustee)
			byIndex[en.trustee] = en.pd
		}
	}
	slices.SortFunc(r.Excluded, func(a, b Culprit) int { return a.Position - b.Position })
	slices.Sort(r.Valid)
	if len(r.Valid) < p.k {
		return nil, r, &QuorumError{K: p.k, Valid: r.Valid, Missing: r.Missing, Excluded: r.Excluded}
	}
	r.Used = slices.Clone(r.Valid[:p.k])
	used := make([]*PartialDecryption, p.k)
	for i, j := range r.Used {
		used[i] = byIndex[j]
	}
	ms, err := CombineVerified(p, cts, used)
	if err != nil {
		return nil, nil, err
	}
	return ms, r, nil
}

// CombineVerified is the arithmetic of [Combine] without any proof check:
// it returns M_i = B_i − Σ_j μ_j·D_ij over the given partial decryptions
// (at least k, distinct indices in 1 … n, one share per ciphertext), with
// μ_j the scaled Lagrange coefficients of their index set. Use it only with
// partial decryptions already verified for these ciphertexts, with
// [VerifyPartial] or [VerifyPartials]; [Combine] does both steps.
//
// It evaluates the k-term sums with the coefficients' short width-w
// non-adjacent forms (about 19 bits for n = 9) rather than 253-bit scalars,
// in parallel on GOMAXPROCS cores, in variable time (all inputs are
// public).
func CombineVerified(p *Params, cts []*elgamal.Ciphertext, partials []*PartialDecryption) ([]*group.Element, error) {
	if err := checkCiphertexts(cts); err != nil {
		return nil, err
	}
	if len(partials) < p.k {
		return nil, fmt.Errorf("threshold: %d partial decryptions, %d needed", len(partials), p.k)
	}
	indices := make([]uint32, len(partials))
	for t, pd := range partials {
		if err := p.shape(pd, len(cts)); err != nil {
			return nil, err
		}
		indices[t] = pd.Index
	}
	mu, err := ScaledLagrangeCoefficients(p.n, indices)
	if err != nil {
		return nil, err
	}
	comb := newCombination(mu)
	n := len(cts)
	elems := make([]group.Element, n)
	out := make([]*group.Element, n)
	forChunks(n, chunkSize(n, workChunk*4), func(lo, hi int) {
		var s combScratch
		var sum group.Element
		pts := make([]*group.Element, len(partials))
		for i := lo; i < hi; i++ {
			for t, pd := range partials {
				pts[t] = pd.Shares[i]
			}
			comb.eval(&sum, pts, &s)
			out[i] = elems[i].Subtract(cts[i].B, &sum)
		}
	})
	return out, nil
}

// Check verifies a published decryption result: that the plaintexts
// follow from the ciphertexts and the partial decryptions used (at least
// k, distinct indices in 1 … n), each of which must verify (bound to
// binding and p's fingerprint; rand gives the verifier's weights, see
// [VerifyPartials]). It needs neither the unused or rejected partial
// decryptions nor the combiner's choices: since the verification keys are
// consistent ([NewParams]), every set of at least k valid partial
// decryptions gives the same plaintexts, so Check interpolates over all of
// used. A wrong plaintext gives an error wrapping [ErrWrongResult] with its
// positions; an invalid partial decryption a [*BlameError].
func Check(rand io.Reader, p *Params, binding []byte, cts []*elgamal.Ciphertext, used []*PartialDecryption, plaintexts []*group.Element) error {
	if err := checkCiphertexts(cts); err != nil {
		return err
	}
	if len(plaintexts) != len(cts) {
		return fmt.Errorf("threshold: %d plaintexts for %d ciphertexts: %w", len(plaintexts), len(cts), ErrWrongResult)
	}
	for i, M := range plaintexts {
		if M == nil {
			return fmt.Errorf("threshold: plaintext %d is missing: %w", i, ErrWrongResult)
		}
	}
	if len(used) < p.k {
		return fmt.Errorf("threshold: the result uses %d partial decryptions, %d needed: %w", len(used), p.k, ErrWrongResult)
	}
	indices := make([]uint32, len(used))
	for i, pd := range used {
		if pd == nil {
			return fmt.Errorf("threshold: partial decryption %d of the result is missing: %w", i, ErrWrongResult)
		}
		indices[i] = pd.Index
	}
	if err := checkIndices(indices, p.n); err != nil {
		return fmt.Errorf("%w: %w", err, ErrWrongResult)
	}
	if err := VerifyPartials(rand, p, binding, cts, used); err != nil {
		return err
	}
	ms, err := CombineVerified(p, cts, used)
	if err != nil {
		return err
	}
	var wrong []int
	for i := range ms {
		if ms[i].Equal(plaintexts[i]) != 1 {
			wrong = append(wrong, i)
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	const shown = 8
	s := make([]string, 0, shown)
	for _, i := range wrong[:min(len(wrong), shown)] {
		s = append(s, fmt.Sprint(i))
	}
	more := ""
	if len(wrong) > shown {
		more = fmt.Sprintf(" and %d more", len(wrong)-shown)
	}
	return fmt.Errorf("threshold: %d of %d plaintexts wrong (at %s%s): %w", len(wrong), len(ms), strings.Join(s, ", "), more, ErrWrongResult)
}
