package threshold

import (
	"bufio"
	cryptorand "crypto/rand"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

// VerifyPartial checks trustee pd.Index's partial decryption of cts, bound
// to binding and to p's fingerprint: pd.Index is in 1 … n, there is one
// share per ciphertext, and the proof holds,
//
//	z·G' = R_G + c·Y_j   and   z·A* = R_A + c·D*
//
// with A* = Σ e_i·A_i and D* = Σ e_i·D_i for the transcript's weights e_i
// (docs/spec/threshold.md, section 5). The proof covers every share at
// once: it does not say which share is wrong. Errors wrap [ErrInvalid].
func VerifyPartial(p *Params, binding []byte, cts []*elgamal.Ciphertext, pd *PartialDecryption) error {
	if err := checkCiphertexts(cts); err != nil {
		return err
	}
	aEnc := encodeElements(len(cts), func(i int) *group.Element { return cts[i].A })
	errs, err := p.verify(nil, binding, cts, aEnc, []*PartialDecryption{pd})
	if err != nil {
		return err
	}
	return errs[0]
}

// VerifyPartials checks several partial decryptions of the same list (one
// per trustee, typically) together: the second proof equations of all of
// them are combined with independent 128-bit weights read from rand (nil
// means crypto/rand.Reader) into one multi-scalar multiplication over the
// A_i and one short one per trustee over its shares, which costs about half
// of checking each alone. If the combination fails, each is checked alone.
// It returns nil if every partial decryption is valid and otherwise a
// [*BlameError] naming each invalid one.
func VerifyPartials(rand io.Reader, p *Params, binding []byte, cts []*elgamal.Ciphertext, pds []*PartialDecryption) error {
	if err := checkCiphertexts(cts); err != nil {
		return err
	}
	if len(pds) == 0 {
		return fmt.Errorf("threshold: no partial decryptions to verify")
	}
	aEnc := encodeElements(len(cts), func(i int) *group.Element { return cts[i].A })
	errs, err := p.verify(rand, binding, cts, aEnc, pds)
	if err != nil {
		return err
	}
	var be BlameError
	for i, e := range errs {
		if e != nil {
			be.Culprits = append(be.Culprits, Culprit{Index: indexOf(pds[i]), Position: i, Err: e})
		}
	}
	if len(be.Culprits) == 0 {
		return nil
	}
	return &be
}

func indexOf(pd *PartialDecryption) uint32 {
	if pd == nil {
		return 0
	}
	return pd.Index
}

// A Culprit names a partial decryption that was not used and why.
type Culprit struct {
	// Index is the trustee named: the index the partial decryption
	// carries (which may be 0 or above n for an invalid one; 0 for a nil
	// one), or for a [Submission] the trustee who posted it.
	Index uint32
	// Position is the place of the partial decryption (or submission) in
	// the input list.
	Position int
	// Err says why; it wraps [ErrInvalid] or [ErrMalformed].
	Err error
}

func (c Culprit) String() string {
	return fmt.Sprintf("trustee %d (entry %d): %v", c.Index, c.Position, c.Err)
}

// A BlameError lists the invalid partial decryptions of a verification.
type BlameError struct {
	Culprits []Culprit
}

func (e *BlameError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "threshold: %d invalid partial decryption(s)", len(e.Culprits))
	for _, c := range e.Culprits {
		sb.WriteString("; ")
		sb.WriteString(c.String())
	}
	return sb.String()
}

// Unwrap returns the culprits' errors.
func (e *BlameError) Unwrap() []error {
	out := make([]error, len(e.Culprits))
	for i, c := range e.Culprits {
		out[i] = c.Err
	}
	return out
}

// shape checks what a partial decryption must satisfy before its proof is
// checked.
func (p *Params) shape(pd *PartialDecryption, n int) error {
	if pd == nil {
		return fmt.Errorf("threshold: missing partial decryption: %w", ErrInvalid)
	}
	if !p.validIndex(pd.Index) {
		return invalid(pd.Index, fmt.Sprintf("index outside 1 to %d", p.n))
	}
	if len(pd.Shares) != n {
		return invalid(pd.Index, fmt.Sprintf("%d shares for %d ciphertexts", len(pd.Shares), n))
	}
	for i, D := range pd.Shares {
		if D == nil {
			return invalid(pd.Index, fmt.Sprintf("share %d is missing", i))
		}
	}
	pr := pd.Proof
	if pr == nil || pr.RG == nil || pr.RA == nil || pr.Z == nil {
		return invalid(pd.Index, "missing proof")
	}
	if pr.RG.IsIdentity() {
		return invalid(pd.Index, "commitment R_G is the identity")
	}
	return nil
}

// pending is a partial decryption whose second proof equation is still to
// be checked.
type pending struct {
	pos   int
	pd    *PartialDecryption
	e     []byte        // 16-byte weights e_i
	c     *group.Scalar // challenge
	dStar *group.Element
	aStar *group.Element
}

// verify checks partial decryptions of cts (whose A encodings are aEnc) and
// returns one error per entry, nil for a valid one. rand provides the
// combination weights, read only when three or more proofs reach the
// second equation. The second return value reports a failure of rand.
func (p *Params) verify(rand io.Reader, binding []byte, cts []*elgamal.Ciphertext, aEnc []byte, pds []*PartialDecryption) ([]error, error) {
	n := len(cts)
	errs := make([]error, len(pds))
	var live []*pending
	for i, pd := range pds {
		if err := p.shape(pd, n); err != nil {
			errs[i] = err
			continue
		}
		live = append(live, &pending{pos: i, pd: pd})
	}

	// Transcripts and first equations. Each transcript is hashed
	// sequentially; different trustees' run concurrently. Encoding the
	// shares is parallel and, for decoded shares, a copy.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, v := range live {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pd := v.pd
			dEnc := encodeElements(n, func(i int) *group.Element { return pd.Shares[i] })
			t := p.proofTranscript(pd.Index, binding, aEnc, dEnc)
			v.e = t.ChallengeBytes("e", 16*n)
			t.Element("RG", pd.Proof.RG)
			t.Element("RA", pd.Proof.RA)
			v.c = t.Challenge("c")
			negC := new(group.Scalar).Negate(v.c)
			lhs, _ := new(group.Element).VarTimeMultiScalarMult(
				[]*group.Scalar{pd.Proof.Z, negC}, []*group.Element{p.gen, p.keys[pd.Index-1]})
			if lhs.Equal(pd.Proof.RG) != 1 {
				errs[v.pos] = invalid(pd.Index, "proof fails: z·G' ≠ R_G + c·Y_j")
			}
		})
	}
	wg.Wait()
	kept := live[:0]
	for _, v := range live {
		if errs[v.pos] == nil {
			kept = append(kept, v)
		}
	}
	live = kept
	if len(live) == 0 {
		return errs, nil
	}

	// Second equations. With three or more proofs, one combination
	//   Σ_i (Σ_j w_j·z_j·e_ji)·A_i − Σ_j (w_j·c_j)·D*_j − Σ_j w_j·R_Aj = O
	// replaces the per-proof A*_j (each as costly as D*_j).
	merged := len(live) >= 3
	var ws []*group.Scalar
	if merged {
		var err error
		if ws, err = readWeights(rand, len(live)); err != nil {
			return nil, err
		}
	}
	wz := make([]*group.Scalar, len(live))
	for t, v := range live {
		v.dStar = group.NewElement()
		if merged {
			wz[t] = new(group.Scalar).Multiply(ws[t], v.pd.Proof.Z)
		} else {
			v.aStar = group.NewElement()
		}
	}
	sumA := group.NewElement()
	var mu sync.Mutex
	forChunks(n, chunkSize(n, msmChunk), func(lo, hi int) {
		m := hi - lo
		e := make([]group.Scalar, m)
		ss := make([]*group.Scalar, m)
		ps := make([]*group.Element, m)
		as := make([]*group.Element, m)
		for i := range m {
			ss[i] = &e[i]
			as[i] = cts[lo+i].A
		}
		var a []group.Scalar
		if merged {
			a = make([]group.Scalar, m)
		}
		dParts := make([]*group.Element, len(live))
		aParts := make([]*group.Element, len(live))
		for t, v := range live {
			weights128(e, v.e, lo, hi)
			for i := range m {
				ps[i] = v.pd.Shares[lo+i]
			}
			dParts[t], _ = new(group.Element).VarTimeMultiScalarMult(ss, ps)
			if merged {
				for i := range m {
					a[i].MultiplyAdd(wz[t], &e[i], &a[i])
				}
			} else {
				aParts[t], _ = new(group.Element).VarTimeMultiScalarMult(ss, as)
			}
		}
		var aPart *group.Element
		if merged {
			for i := range m {
				ss[i] = &a[i]
			}
			aPart, _ = new(group.Element).VarTimeMultiScalarMult(ss, as)
		}
		mu.Lock()
		defer mu.Unlock()
		for t, v := range live {
			v.dStar.Add(v.dStar, dParts[t])
			if !merged {
				v.aStar.Add(v.aStar, aParts[t])
			}
		}
		if merged {
			sumA.Add(sumA, aPart)
		}
	})

	if merged {
		scalars := []*group.Scalar{new(group.Scalar).SetUint64(1)}
		elements := []*group.Element{sumA}
		for t, v := range live {
			wc := new(group.Scalar).Multiply(ws[t], v.c)
			scalars = append(scalars, wc.Negate(wc), new(group.Scalar).Negate(ws[t]))
			elements = append(elements, v.dStar, v.pd.Proof.RA)
		}
		if sum, _ := new(group.Element).VarTimeMultiScalarMult(scalars, elements); sum.IsIdentity() {
			return errs, nil
		}
		// Some proof is false: find which, with A*_j for each.
		for _, v := range live {
			v.aStar = msm128(v.e, n, func(i int) *group.Element { return cts[i].A })
		}
	}
	for _, v := range live {
		pr := v.pd.Proof
		negC := new(group.Scalar).Negate(v.c)
		lhs, _ := new(group.Element).VarTimeMultiScalarMult(
			[]*group.Scalar{pr.Z, negC}, []*group.Element{v.aStar, v.dStar})
		if lhs.Equal(pr.RA) != 1 {
			errs[v.pos] = invalid(v.pd.Index, "proof fails: z·A* ≠ R_A + c·D*")
		}
	}
	return errs, nil
}

// readWeights reads n independent 128-bit weights from rand (nil means
// crypto/rand.Reader).
func readWeights(rand io.Reader, n int) ([]*group.Scalar, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	buf := make([]byte, 16*n)
	if _, err := io.ReadFull(bufio.NewReader(rand), buf); err != nil {
		return nil, fmt.Errorf("threshold: reading verifier randomness: %w", err)
	}
	out := make([]group.Scalar, n)
	weights128(out, buf, 0, n)
	ptrs := make([]*group.Scalar, n)
	for i := range out {
		ptrs[i] = &out[i]
	}
	return ptrs, nil
}
