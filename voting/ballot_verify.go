package voting

import (
	cryptorand "crypto/rand"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
)

// Verifying ballots (docs/spec/ballot.md, section 7): everything the ballot
// box checks except the election's state (phase, revoting, clashes with
// earlier ballots).

// batchSize is the most ballots verified with one set of multi-scalar
// multiplications. Larger batches cost less per ballot: the bucket method's
// cost per term falls as the terms grow (about 29 point additions per term
// for the 0/1 proofs of 128 ballots, 22 for 1,024). A bad ballot makes its
// batch's failed equation be checked again in batches of 128 proofs, and
// only a failed one of those proof by proof (zkp and schnorr), so a bad
// ballot costs about two batch equations and 128 single checks.
const batchSize = 1024

// A BallotBatchError reports the ballots of a batch that failed
// verification. It wraps one error per failing ballot, each wrapping
// [ErrInvalidBallot].
type BallotBatchError struct {
	Total   int     // the number of ballots in the batch
	Indices []int   // the invalid ballots' indices, ascending
	Errs    []error // Errs[k] is why ballot Indices[k] is invalid
}

func (e *BallotBatchError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "voting: %d of %d ballots invalid (", len(e.Indices), e.Total)
	const shown = 8
	for k, i := range e.Indices {
		if k == shown {
			fmt.Fprintf(&sb, ", and %d more", len(e.Indices)-shown)
			break
		}
		if k > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("#" + strconv.Itoa(i))
	}
	sb.WriteString(")")
	if len(e.Errs) > 0 {
		sb.WriteString("; first: " + e.Errs[0].Error())
	}
	return sb.String()
}

// Unwrap returns the per-ballot errors.
func (e *BallotBatchError) Unwrap() []error { return e.Errs }

// VerifyBallot checks a ballot as the ballot box does, except for the
// election's state: that it is for the election m (its fingerprint; with
// creds read for m, the list's), that its credential is on the list creds
// with the ballot's style, that its contests are exactly the style's, that
// no two of its ciphertexts share A, and every proof and the signature.
// Errors wrap [ErrInvalidBallot] (and [ErrUnknownCredential] for a
// credential not on the list). m must not have been modified since creds
// was made or read with it.
func VerifyBallot(m *Manifest, pk *elgamal.PublicKey, creds *CredentialList, b *Ballot) error {
	err := BatchVerifyBallots(nil, m, pk, creds, []*Ballot{b})
	if be, ok := err.(*BallotBatchError); ok && len(be.Errs) == 1 {
		return be.Errs[0]
	}
	return err
}

// BatchVerifyBallots checks many ballots like [VerifyBallot], with the
// proofs of each kind and the signatures of up to 1,024 ballots at a time
// checked together (zkp.BatchVerifyZeroOne, zkp.BatchVerifyRange,
// zkp.BatchVerifyBallots, schnorr.BatchVerify), the batches spread over
// all cores. The batches' weights come from rand (nil means
// crypto/rand.Reader; otherwise 32 bytes per batch seed SHAKE256 streams).
// It returns nil if every ballot is valid, a [*BallotBatchError] naming
// exactly the invalid ones otherwise, or another error if the inputs are
// unusable (no key, a list for another election, no ballots).
func BatchVerifyBallots(rand io.Reader, m *Manifest, pk *elgamal.PublicKey, creds *CredentialList, ballots []*Ballot) error {
	if creds == nil {
		return errors.New("voting: verifying ballots needs the election's credential list")
	}
	fp, err := electionFingerprint(m, creds)
	if err != nil {
		return err
	}
	return verifyBallots(rand, m, fp, pk, creds, ballots)
}

// electionFingerprint returns m's fingerprint, taking it from creds when
// creds was made or read with the same manifest, and checks that creds is
// for m.
func electionFingerprint(m *Manifest, creds *CredentialList) (zkp.Fingerprint, error) {
	if creds != nil && creds.manifest == m {
		return creds.fp, nil
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return fp, err
	}
	if creds != nil && creds.fp != fp {
		return fp, fmt.Errorf("voting: the credential list is for another election than %s", m.ID)
	}
	return fp, nil
}

// verifyBallots verifies ballots of the election m (fingerprint fp); a nil
// creds skips the credential list check.
func verifyBallots(rand io.Reader, m *Manifest, fp zkp.Fingerprint, pk *elgamal.PublicKey, creds *CredentialList, ballots []*Ballot) error {
	if pk == nil {
		return errors.New("voting: verifying ballots needs the election key")
	}
	if len(ballots) == 0 {
		return errors.New("voting: no ballots to verify")
	}
	n := len(ballots)
	batches := (n + batchSize - 1) / batchSize
	// Give the batches their own randomness, drawn in order.
	readers := make([]io.Reader, batches)
	for i := range readers {
		if rand == nil {
			readers[i] = cryptorand.Reader
			continue
		}
		var seed [32]byte
		if _, err := io.ReadFull(rand, seed[:]); err != nil {
			return fmt.Errorf("voting: reading randomness: %w", err)
		}
		x := sha3.NewSHAKE256()
		x.Write([]byte("veche/ballot/v1/batch-weights"))
		x.Write(seed[:])
		readers[i] = x
	}
	pkE := pk.Element()
	// The contests of the styles the ballots claim; a style the manifest
	// does not have stays out, and its ballots fail.
	styles := map[string][]*Contest{}
	for _, b := range ballots {
		if b == nil {
			continue
		}
		if _, done := styles[b.style]; done {
			continue
		}
		if cs, err := styleContests(m, b.style); err == nil {
			styles[b.style] = cs
		}
	}
	errs := make([]error, n)
	fatal := make([]error, batches)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k := range batches {
		lo, hi := k*batchSize, min((k+1)*batchSize, n)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fatal[k] = verifyBatch(readers[k], fp, pkE, creds, styles, ballots[lo:hi], errs[lo:hi])
		})
	}
	wg.Wait()
	for _, err := range fatal {
		if err != nil {
			return err
		}
	}
	be := &BallotBatchError{Total: n}
	for i, err := range errs {
		if err != nil {
			be.Indices = append(be.Indices, i)
			be.Errs = append(be.Errs, err)
		}
	}
	if len(be.Indices) > 0 {
		return be
	}
	return nil
}

func invalidBallot(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidBallot, fmt.Sprintf(format, args...))
}

// checkBallotShape makes the checks of a ballot that need no group
// operation: election, style, credential, contests, distinct ciphertexts.
func checkBallotShape(b *Ballot, fp zkp.Fingerprint, creds *CredentialList, styles map[string][]*Contest) error {
	if b == nil || b.credential == nil || len(b.raw) < schnorr.SignatureSize {
		return invalidBallot("an incomplete ballot")
	}
	if b.fp != fp {
		return invalidBallot("the ballot is for another election (fingerprint %x…)", b.fp[:8])
	}
	contests, ok := styles[b.style]
	if !ok {
		return invalidBallot("the election has no ballot style %q", b.style)
	}
	if creds != nil {
		style, ok := creds.StyleOf(b.credential.Bytes())
		if !ok {
			return fmt.Errorf("%w: %w", ErrInvalidBallot, ErrUnknownCredential)
		}
		if style != b.style {
			return invalidBallot("a ballot of style %s cast with a credential of style %s", b.style, style)
		}
	}
	if len(b.contests) != len(contests) {
		return invalidBallot("%d contests, ballot style %s has %d", len(b.contests), b.style, len(contests))
	}
	seen := make(map[[group.ElementSize]byte]bool, 16)
	for i, c := range contests {
		bc := &b.contests[i]
		lo, hi := c.bounds()
		switch {
		case bc.id != c.ID || bc.homomorphic != (c.Tally == Homomorphic) || len(bc.cts) != RowWidth(c):
			return invalidBallot("contest %d does not match contest %s of the manifest", i+1, c.ID)
		case bc.homomorphic && (len(bc.zeroOne) != len(bc.cts) || bc.rng == nil || bc.lo != lo || bc.hi != hi):
			return invalidBallot("contest %s: the proofs do not match the contest", c.ID)
		case !bc.homomorphic && bc.proof == nil:
			return invalidBallot("contest %s: no proof", c.ID)
		}
	}
	for _, k := range b.ClashKeys() {
		if seen[k] {
			return invalidBallot("two ciphertexts share their first component")
		}
		seen[k] = true
	}
	return nil
}

// owner maps a batched item back to its ballot and says what it is.
type owner struct {
	ballot  int
	contest string
	j       int // the 0/1 proof's option, from 0
	kind    byte
}

// Kinds of batched items.
const (
	itemZeroOne byte = iota
	itemRange
	itemRow
	itemSignature
)

func (o owner) String() string {
	switch o.kind {
	case itemZeroOne:
		return fmt.Sprintf("contest %s, 0/1 proof %d", o.contest, o.j+1)
	case itemRange:
		return fmt.Sprintf("contest %s, range proof", o.contest)
	case itemRow:
		return fmt.Sprintf("contest %s, proof", o.contest)
	}
	return "signature"
}

// verifyBatch verifies a batch of ballots and sets errs[i] for each invalid
// one. It returns an error only if the batch could not be verified.
func verifyBatch(rand io.Reader, fp zkp.Fingerprint, pk *group.Element, creds *CredentialList, styles map[string][]*Contest, ballots []*Ballot, errs []error) error {
	var (
		zo     []zkp.ZeroOneItem
		zoOwn  []owner
		rg     []zkp.RangeItem
		rgOwn  []owner
		bp     []zkp.BallotItem
		bpOwn  []owner
		sig    []schnorr.BatchItem
		sigOwn []owner
	)
	for i, b := range ballots {
		if err := checkBallotShape(b, fp, creds, styles); err != nil {
			errs[i] = err
			continue
		}
		cred := b.credential.Bytes()
		for k := range b.contests {
			bc := &b.contests[k]
			if bc.homomorphic {
				for j, ct := range bc.cts {
					zo = append(zo, zkp.ZeroOneItem{Ciphertext: zkp.Ciphertext(*ct), Binding: proofBinding(bindZeroOne, cred, bc.id, j), Proof: bc.zeroOne[j]})
					zoOwn = append(zoOwn, owner{i, bc.id, j, itemZeroOne})
				}
				rg = append(rg, zkp.RangeItem{Ciphertext: sumCiphertexts(bc.cts), Lo: bc.lo, Hi: bc.hi, Binding: proofBinding(bindRange, cred, bc.id, 0), Proof: bc.rng})
				rgOwn = append(rgOwn, owner{i, bc.id, 0, itemRange})
			} else {
				bp = append(bp, zkp.BallotItem{Ciphertexts: zkpCiphertexts(bc.cts), Credential: proofBinding(bindRow, cred, bc.id, 0), Proof: bc.proof})
				bpOwn = append(bpOwn, owner{i, bc.id, 0, itemRow})
			}
		}
		body := len(b.raw) - schnorr.SignatureSize
		sig = append(sig, schnorr.BatchItem{PublicKey: b.credential, Context: BallotContext, Message: b.raw[:body], Signature: b.raw[body:]})
		sigOwn = append(sigOwn, owner{ballot: i, kind: itemSignature})
	}
	blame := func(err error, own []owner) error {
		if err == nil {
			return nil
		}
		var (
			indices []int
			itemErr []error
		)
		var ze *zkp.BatchError
		var se *schnorr.BatchError
		switch {
		case errors.As(err, &ze):
			indices, itemErr = ze.Indices, ze.Errs
		case errors.As(err, &se):
			indices, itemErr = se.Indices, se.Errs
		default:
			return err
		}
		for k, idx := range indices {
			o := own[idx]
			if errs[o.ballot] == nil {
				errs[o.ballot] = fmt.Errorf("%w: %v: %w", ErrInvalidBallot, o, itemErr[k])
			}
		}
		return nil
	}
	if len(zo) > 0 {
		if err := blame(zkp.BatchVerifyZeroOne(rand, fp, pk, zo), zoOwn); err != nil {
			return err
		}
	}
	if len(rg) > 0 {
		if err := blame(zkp.BatchVerifyRange(rand, fp, pk, rg), rgOwn); err != nil {
			return err
		}
	}
	if len(bp) > 0 {
		if err := blame(zkp.BatchVerifyBallots(rand, fp, pk, bp), bpOwn); err != nil {
			return err
		}
	}
	if len(sig) > 0 {
		if err := blame(schnorr.BatchVerify(rand, sig), sigOwn); err != nil {
			return err
		}
	}
	return nil
}
