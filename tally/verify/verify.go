package verify

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// The steps of docs/spec/verification.md. Do NOT renumber: the numbers
// are in reports, scripts and the specification.
const (
	StepChain       = 1  // the topic's hash chain and the board's head
	StepManifest    = 2  // the manifest, its poster and fingerprint
	StepCeremony    = 3  // the key ceremony and the joint key
	StepCredentials = 4  // the credential list
	StepPhases      = 5  // the phases, in order, and the phase table
	StepBallots     = 6  // every ballot, the weeding and the reconciliation
	StepInputs      = 7  // the tally inputs recomputed
	StepShuffles    = 8  // every shuffle and the chain of mixes
	StepDecryptions = 9  // every decryption share and the quorum
	StepResult      = 10 // the result recomputed, and its evidence
	numSteps        = 10
)

var stepNames = [numSteps + 1]string{
	StepChain:       "hash chain",
	StepManifest:    "manifest",
	StepCeremony:    "key ceremony",
	StepCredentials: "credential list",
	StepPhases:      "phases",
	StepBallots:     "ballots and weeding",
	StepInputs:      "tally inputs",
	StepShuffles:    "shuffles",
	StepDecryptions: "decryptions",
	StepResult:      "result",
}

// StepName returns the name of step n as reports print it ("shuffles").
func StepName(n int) string {
	if n < 1 || n > numSteps {
		return fmt.Sprintf("step(%d)", n)
	}
	return stepNames[n]
}

// readPage is how many entries one read of the board asks for.
const readPage = 1000

// Options tune a verification. The zero value is ready.
type Options struct {
	// Progress, if set, is told how the long steps (reading the board,
	// the ballots, the shuffles, the decryptions) advance.
	Progress func(Progress)
	// MaxNotes caps the notes of one step (0: 50; negative: no cap).
	MaxNotes int
}

// Progress says how far a long step has got.
type Progress struct {
	Step        int
	Name        string
	Done, Total int
	Unit        string // what is counted: "entries", "ballots", "shuffles", "lists"
}

// Verify verifies election id from the board r alone, making the steps of
// docs/spec/verification.md in order over the entries the board has when
// it is called, and returns the report. The report says what failed,
// where and whom it blames; Verify itself fails only if the board cannot
// be read (or ctx ends), or if it has no such election.
func Verify(ctx context.Context, r bulletin.Reader, id string, opts *Options) (*Report, error) {
	return NewVerifier(id, opts).Run(ctx, r)
}

// A Verifier verifies one election, again and again as its board grows:
// each [Verifier.Run] reads only the entries it has not read, extends the
// hash chain, and makes again only the steps whose inputs may have
// changed. [Follow] runs one as the board's entries arrive. A Verifier is
// not safe for concurrent use.
type Verifier struct {
	id    string
	topic bulletin.TopicID
	opts  Options

	entries []bulletin.Entry
	chain   *bulletin.Chain
	broken  *Step // a hash-chain failure: final

	// What is final once computed (see finality in each step).
	manifest  *voting.Manifest
	manStep   *Step
	ceremony  *voting.CeremonyState
	cerStep   *Step
	creds     *voting.CredentialList
	credStep  *Step
	weeded    *tally.Weeded
	cascade   *tally.Cascade
	mixed     map[string]*tally.List // verified cascade outputs, by list
	decrypted map[string]decrypted   // combined decryptions, by list
}

// decrypted is a list's combination, kept while the records it came from
// are the same.
type decrypted struct {
	records int
	rows    [][]*group.Element
	rep     *threshold.Report
}

// NewVerifier returns a verifier of election id (nil opts: defaults).
func NewVerifier(id string, opts *Options) *Verifier {
	v := &Verifier{id: id, topic: voting.ElectionTopic(id)}
	if opts != nil {
		v.opts = *opts
	}
	if v.opts.MaxNotes == 0 {
		v.opts.MaxNotes = 50
	}
	v.chain = bulletin.NewChain(v.topic)
	v.mixed = map[string]*tally.List{}
	v.decrypted = map[string]decrypted{}
	return v
}

// run is the state of one Run.
type run struct {
	v    *Verifier
	ctx  context.Context
	rep  *Report
	snap *Record // the entries verified by step 1

	phases    []phaseEntry
	phase     bulletin.Phase // the phase after the snapshot
	closing   *phaseEntry    // the closing entry, if any
	tallying  *phaseEntry
	published *phaseEntry

	m        *voting.Manifest
	pub      *dkg.PublicResult
	pk       *elgamal.PublicKey
	creds    *voting.CredentialList
	w        *tally.Weeded
	inputs   *tally.TallyInputs // as posted
	want     *tally.TallyInputs // as recomputed
	refs     map[uint64]tally.Ref
	result   *uint64 // the first entry of the commission's first result artefact
	lists    map[string]*tally.List
	order    []string // the lists to decrypt, in the manifest's order
	used     map[string][]uint32
	decs     map[string][]tally.PostedDecryption
	mix      *tally.MixRecord
	rows     map[string][][]*group.Element
	trustees *tally.Trustees

	pre        *prefetch  // the mix net's checks, started early; nil if not
	progressMu sync.Mutex // progress may be told from two goroutines
}

type phaseEntry struct {
	to     bulletin.Phase
	seq    uint64
	poster bulletin.Address
}

// Run reads the entries of the election's topic that v has not read yet
// and verifies the election as it stands.
func (v *Verifier) Run(ctx context.Context, r bulletin.Reader) (*Report, error) {
	rn := &run{v: v, ctx: ctx, rep: &Report{Election: v.id, Topic: v.topic.String()}}
	steps := make([]Step, 0, numSteps)
	timed := func(n int, f func() (Step, error)) error {
		start := time.Now()
		s, err := f()
		if err != nil {
			return err
		}
		s.Number, s.Name = n, StepName(n)
		if s.Duration == 0 {
			s.Duration = time.Since(start)
		}
		s.Notes = v.capNotes(s.Notes)
		steps = append(steps, s)
		return nil
	}
	if err := timed(StepChain, func() (Step, error) { return rn.stepChain(r) }); err != nil {
		return nil, err
	}
	head := v.chain.Head()
	rn.rep.Entries, rn.rep.Head = v.chain.Count(), hex.EncodeToString(head[:])
	if steps[0].Status == StatusFailed {
		for n := StepManifest; n <= numSteps; n++ {
			steps = append(steps, Step{Number: n, Name: StepName(n), Status: StatusSkipped,
				Detail: "not made: the entries are not the board's (step 1 failed)"})
		}
		rn.rep.Steps, rn.rep.Verdict = steps, Failed
		return rn.rep, nil
	}
	rn.snap = NewRecord(v.id, v.topic, v.entries, head, v.chain.Count())
	rn.index()
	defer rn.waitPrefetch()
	for n, f := range []func() (Step, error){
		StepManifest: rn.stepManifest, StepCeremony: rn.stepCeremony, StepCredentials: rn.stepCredentials,
		StepPhases: rn.stepPhases, StepBallots: rn.stepBallots, StepInputs: rn.stepInputs,
		StepShuffles: rn.stepShuffles, StepDecryptions: rn.stepDecryptions, StepResult: rn.stepResult,
	} {
		if f == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := timed(n, f); err != nil {
			return nil, err
		}
		rn.rep.Steps = steps
		if n == StepPhases {
			rn.startPrefetch()
		}
	}
	rn.rep.Steps = steps
	rn.rep.Verdict = rn.rep.verdict()
	return rn.rep, nil
}

func (v *Verifier) capNotes(ns []Note) []Note {
	if v.opts.MaxNotes < 0 || len(ns) <= v.opts.MaxNotes {
		return ns
	}
	left := len(ns) - v.opts.MaxNotes + 1
	return append(slices.Clone(ns[:v.opts.MaxNotes-1]), Note{Text: fmt.Sprintf("… and %d more", left)})
}

func (rn *run) progress(step, done, total int, unit string) {
	if p := rn.v.opts.Progress; p != nil {
		rn.progressMu.Lock()
		defer rn.progressMu.Unlock()
		p(Progress{Step: step, Name: StepName(step), Done: done, Total: total, Unit: unit})
	}
}

// Helpers to build outcomes.

func ok(format string, args ...any) Step {
	return Step{Status: StatusOK, Detail: fmt.Sprintf(format, args...)}
}

func pending(format string, args ...any) Step {
	return Step{Status: StatusPending, Detail: fmt.Sprintf(format, args...)}
}

func skipped(format string, args ...any) Step {
	return Step{Status: StatusSkipped, Detail: fmt.Sprintf(format, args...)}
}

func failed(entry *uint64, party *Party, format string, args ...any) Step {
	return Step{Status: StatusFailed, Entry: entry, Party: party, Detail: fmt.Sprintf(format, args...)}
}

func at(seq uint64) *uint64 { return &seq }

// Step 1: the hash chain.

func (rn *run) stepChain(r bulletin.Reader) (Step, error) {
	v := rn.v
	if v.broken != nil {
		return *v.broken, nil
	}
	board := &Party{Role: "board"}
	fail := func(s Step) (Step, error) {
		v.broken = &s
		return s, nil
	}
	head, count, err := r.Head(rn.ctx, v.topic)
	if err != nil {
		if errors.Is(err, bulletin.ErrUnknownTopic) {
			return Step{}, fmt.Errorf("verify: no election %q on the board: %w", v.id, err)
		}
		return Step{}, fmt.Errorf("verify: election %s: %w", v.id, err)
	}
	have := uint64(len(v.entries))
	if count < have {
		return fail(failed(at(count), board, "the board now counts %d entries, fewer than the %d read before: entries were removed", count, have))
	}
	for from := have; from < count; {
		es, err := r.Entries(rn.ctx, v.topic, from, min(from+readPage, count))
		if errors.Is(err, bulletin.ErrGap) || errors.Is(err, bulletin.ErrBrokenChain) {
			return fail(failed(at(from), board, "reading entries from %d: %v", from, err))
		}
		if err != nil {
			return Step{}, fmt.Errorf("verify: election %s: reading entries from %d: %w", v.id, from, err)
		}
		if len(es) == 0 {
			break // fewer entries than the count: Check reports the truncation
		}
		n, err := v.chain.AddAll(es)
		v.entries = append(v.entries, es[:n]...)
		if err != nil {
			where := v.chain.Count() // the entry expected there
			return fail(failed(at(where), board, "entry %d: %v", where, err))
		}
		from += uint64(len(es))
		rn.progress(StepChain, int(from), int(count), "entries")
	}
	if err := v.chain.Check(head, count); err != nil {
		return fail(failed(at(v.chain.Count()), board, "%v", err))
	}
	h := v.chain.Head()
	if count == 0 {
		return ok("the topic has no entries, as the board says"), nil
	}
	return ok("entries 0 to %d, each head recomputed from the one before; the last head %x… and the count (%d) are the board's", count-1, h[:6], count), nil
}

// index finds the phase entries of the snapshot.
func (rn *run) index() {
	rn.phase = bulletin.PhaseSetup
	for _, e := range rn.snap.Log {
		if e.Kind != bulletin.KindPhase || len(e.Payload) == 0 {
			continue
		}
		p := phaseEntry{to: bulletin.Phase(e.Payload[0]), seq: e.Seq, poster: e.Poster}
		rn.phases = append(rn.phases, p)
		rn.phase = p.to
		switch {
		case p.to == bulletin.PhaseClosed && rn.closing == nil:
			rn.closing = &p
		case p.to == bulletin.PhaseTallying && rn.tallying == nil:
			rn.tallying = &p
		case p.to == bulletin.PhasePublished && rn.published == nil:
			rn.published = &p
		}
	}
	rn.rep.Phase = rn.phase.String()
}

// Parties.

func (rn *run) role(role, addr string) *Party {
	a, err := voting.ParseAddress(addr)
	if err != nil {
		return &Party{Role: role}
	}
	return &Party{Role: role, Address: a.String()}
}

func (rn *run) commission() *Party { return rn.role("commission", rn.m.Commission.Address) }
func (rn *run) ballotBox() *Party  { return rn.role("ballot box", rn.m.BallotBox.Address) }
func (rn *run) authority() *Party {
	return rn.role("credential authority", rn.m.CredentialAuthority.Address)
}

// trustee names trustee j (from 1).
func (rn *run) trustee(j uint32) *Party {
	if j < 1 || int(j) > len(rn.m.Trustees.Members) {
		return &Party{Role: fmt.Sprintf("trustee %d", j)}
	}
	p := rn.m.Trustees.Members[j-1]
	return rn.role(fmt.Sprintf("trustee %d (%s)", j, p.Name), p.Address)
}

// mixer names the mixer at position k (from 0).
func (rn *run) mixer(k int) *Party {
	if k < 0 || k >= len(rn.m.Mixers) {
		return &Party{Role: fmt.Sprintf("mixer %d", k+1)}
	}
	p := rn.m.Mixers[k]
	return rn.role(fmt.Sprintf("mixer %d (%s)", k+1, p.Name), p.Address)
}

// poster names whoever posted an entry, by the manifest's roles.
func (rn *run) poster(a bulletin.Address) *Party {
	role := ""
	if rn.m != nil {
		role = rn.m.RoleOf(a)
	}
	if role == "" {
		role = "an account with no role in the manifest"
	}
	return &Party{Role: role, Address: a.String()}
}

func addr(s string) bulletin.Address {
	a, _ := voting.ParseAddress(s)
	return a
}

// Step 2: the manifest.

func (rn *run) stepManifest() (Step, error) {
	v := rn.v
	if v.manStep != nil {
		rn.m = v.manifest
		return *v.manStep, nil
	}
	if len(rn.snap.Log) == 0 {
		return pending("the topic has no entry yet"), nil
	}
	e := rn.snap.Log[0]
	m, err := voting.ReadManifest(rn.ctx, rn.snap, v.id)
	if err != nil {
		s := failed(at(0), &Party{Role: "commission (the topic's first poster)", Address: e.Poster.String()}, "%s", trimPkg(err))
		v.manStep = &s
		return s, nil
	}
	rn.m = m
	fp, err := m.Fingerprint()
	if err != nil {
		return Step{}, err // a manifest ReadManifest accepted always has one
	}
	if voting.FingerprintOf(e.Payload) != fp {
		s := failed(at(0), rn.commission(), "the manifest is not in canonical form: its fingerprint differs from its encoding's")
		v.manStep = &s
		return s, nil
	}
	rn.rep.Fingerprint = hex.EncodeToString(fp[:])
	v.manifest = m
	s := ok("election %s at entry 0, posted by its commission, in canonical form; fingerprint %x…; contests %d, ballot styles %d, trustees %d of %d, mixers %d",
		m.ID, fp[:6], len(m.Contests), len(m.BallotStyles), m.Trustees.Threshold, len(m.Trustees.Members), len(m.Mixers))
	v.manStep = &s
	return s, nil
}

// trimPkg removes a leading "voting: " or "tally: " from an error's text.
func trimPkg(err error) string {
	s := err.Error()
	for _, p := range []string{"voting: ", "tally: ", "threshold: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// Step 3: the key ceremony.

func (rn *run) stepCeremony() (Step, error) {
	v := rn.v
	if rn.m == nil {
		return skipped("needs the manifest (step 2)"), nil
	}
	if v.cerStep != nil {
		rn.setKey(v.ceremony)
		return *v.cerStep, nil
	}
	s, err := voting.ReadCeremony(rn.ctx, rn.snap, rn.m)
	if err != nil {
		return Step{}, err
	}
	final := s.Phase > bulletin.PhaseKeyCeremony // nothing after this changes the ceremony
	out := rn.ceremonyOutcome(s)
	out.Notes = rn.ceremonyNotes(s)
	if final {
		v.ceremony, v.cerStep = s, &out
	}
	if out.Status == StatusOK {
		rn.setKey(s)
	}
	return out, nil
}

func (rn *run) setKey(s *voting.CeremonyState) {
	if s == nil || !s.Matches() {
		return
	}
	rn.pub = s.Result
	rn.pk, _ = elgamal.NewPublicKeyFromElement(s.Result.JointKey)
}

func (rn *run) ceremonyOutcome(s *voting.CeremonyState) Step {
	if !s.Closed {
		if s.Phase <= bulletin.PhaseKeyCeremony {
			return pending("no key-ceremony result yet; it waits for: %s", strings.Join(s.Waiting(), "; "))
		}
		return failed(at(s.Read-1), rn.commission(), "the election left the key ceremony (entry %d) without a result", s.Read-1)
	}
	if !s.Matches() {
		why := "it differs from the result recomputed from the ceremony's messages"
		switch {
		case s.PostedErr != nil:
			why = "it does not decode: " + trimPkg(s.PostedErr)
		case s.Result == nil:
			why = "the ceremony's messages give no result: " + trimPkg(s.ResultErr)
		}
		return failed(at(s.PostedSeq), rn.commission(), "the posted key-ceremony result at entry %d is not the board's: %s", s.PostedSeq, why)
	}
	res := s.Result
	var complaints, accepted int
	for _, msg := range s.Messages {
		switch msg.Outcome {
		case "justified complaint", "false complaint":
			complaints++
		case "accepted":
			accepted++
		}
	}
	var dq []string
	for _, t := range s.Trustees {
		if t.Disqualified {
			dq = append(dq, fmt.Sprint(t.Index))
		}
	}
	disq := "none disqualified"
	if len(dq) > 0 {
		disq = "disqualified: trustees " + strings.Join(dq, ", ")
	}
	return ok("%d-of-%d: %d trustees joined with proofs of possession; %d messages (%d accepted, %d complaints, %s); qualified dealers %v; the result at entry %d equals the recomputed one; joint key %x…",
		res.Threshold, res.N, s.Joined(), len(s.Messages), accepted, complaints, disq, res.Qualified, s.PostedSeq, res.JointKey.Bytes()[:6])
}

func (rn *run) ceremonyNotes(s *voting.CeremonyState) []Note {
	var notes []Note
	for _, msg := range s.Messages {
		sender := msg.Message.Sender()
		switch msg.Outcome {
		case "accepted", "replay":
			continue
		case "justified complaint":
			if c, ok := msg.Message.(*dkg.Complaint); ok {
				notes = append(notes, Note{Text: fmt.Sprintf("entry %d: trustee %d's justified complaint disqualifies dealer %d", msg.Seq, sender, c.Dealer),
					Entry: at(msg.Seq), Party: rn.trustee(c.Dealer)})
				continue
			}
		}
		notes = append(notes, Note{Text: fmt.Sprintf("entry %d: a %s message of trustee %d: %s", msg.Seq, msg.Message.Type(), sender, msg.Outcome),
			Entry: at(msg.Seq), Party: rn.trustee(sender)})
	}
	for _, ig := range s.Ignored {
		notes = append(notes, Note{Text: fmt.Sprintf("entry %d (%v) ignored: %s", ig.Seq, ig.Kind, ig.Reason), Entry: at(ig.Seq), Party: rn.poster(ig.Poster)})
	}
	slices.SortStableFunc(notes, func(a, b Note) int { return compareEntry(a.Entry, b.Entry) })
	return notes
}

func compareEntry(a, b *uint64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	case *a < *b:
		return -1
	case *a > *b:
		return 1
	}
	return 0
}

// Step 4: the credential list.

func (rn *run) stepCredentials() (Step, error) {
	v := rn.v
	if rn.m == nil {
		return skipped("needs the manifest (step 2)"), nil
	}
	if v.credStep != nil {
		rn.creds = v.creds
		return *v.credStep, nil
	}
	final := rn.phase > bulletin.PhaseKeyCeremony
	first := rn.firstCredentialsEntry()
	l, err := voting.ReadCredentials(rn.ctx, rn.snap, rn.m)
	var out Step
	switch {
	case errors.Is(err, voting.ErrNoCredentials) && !final:
		out = pending("the credential authority has not posted the credential list yet")
	case errors.Is(err, voting.ErrNoCredentials):
		var opened *uint64
		for _, p := range rn.phases {
			if p.to == bulletin.PhaseOpen {
				opened = at(p.seq)
			}
		}
		out = failed(opened, rn.authority(), "%s", trimPkg(err))
	case err != nil:
		out = failed(first, rn.authority(), "%s", trimPkg(err))
	default:
		rn.creds = l
		var styles []string
		for _, st := range rn.m.BallotStyles {
			styles = append(styles, fmt.Sprintf("%s %d", st.ID, l.Count(st.ID)))
		}
		where := ""
		if first != nil {
			where = fmt.Sprintf(" at entry %d", *first)
		}
		out = ok("%d distinct credentials (%s), posted by the credential authority%s for this election's fingerprint",
			l.Len(), strings.Join(styles, ", "), where)
	}
	if final {
		v.creds, v.credStep = rn.creds, &out
	}
	return out, nil
}

// firstCredentialsEntry is the first entry of the credential authority's
// credentials (a credentials entry or a chunk header carrying one).
func (rn *run) firstCredentialsEntry() *uint64 {
	ca := addr(rn.m.CredentialAuthority.Address)
	for _, e := range rn.snap.Log {
		if e.Poster != ca {
			continue
		}
		if k, err := bulletin.EffectiveKind(e.Kind, e.Payload); err == nil && k == bulletin.KindCredentials && e.Kind != bulletin.KindChunk {
			return at(e.Seq)
		}
	}
	return nil
}

// Step 5: the phases.

func (rn *run) stepPhases() (Step, error) {
	all := bulletin.NewKindSet(bulletin.Kinds()...)
	p := bulletin.PhaseSetup
	for _, e := range rn.snap.Log {
		next, err := bulletin.Admit(p, all, e.Kind, e.Payload)
		if err != nil {
			return failed(at(e.Seq), &Party{Role: "board"}, "entry %d (%v, phase %v) breaks the board's rules: %v", e.Seq, e.Kind, p, err), nil
		}
		p = next
	}
	timeline := []string{"setup (entry 0)"}
	var notes []Note
	var commission bulletin.Address
	if rn.m != nil {
		commission = addr(rn.m.Commission.Address)
	}
	for _, ph := range rn.phases {
		timeline = append(timeline, fmt.Sprintf("%v (entry %d)", ph.to, ph.seq))
		if rn.m != nil && ph.poster != commission {
			notes = append(notes, Note{Text: fmt.Sprintf("entry %d: the move to %v was posted by %v, not by the commission", ph.seq, ph.to, ph.poster),
				Entry: at(ph.seq), Party: rn.poster(ph.poster)})
		}
	}
	s := ok("every entry admitted by the phase table in the phase it was posted in: %s", strings.Join(timeline, " → "))
	s.Notes = notes
	return s, nil
}

// Step 6: the ballots, the weeding and the reconciliation.

func (rn *run) stepBallots() (Step, error) {
	v := rn.v
	switch {
	case rn.m == nil || rn.pk == nil || rn.creds == nil:
		return rn.needs("the manifest, the joint key and the credential list (steps 2-4)", StepManifest, StepCeremony, StepCredentials), nil
	case rn.closing == nil:
		if rn.phase < bulletin.PhaseOpen {
			return pending("voting has not started (phase %v)", rn.phase), nil
		}
		box := addr(rn.m.BallotBox.Address)
		n := 0
		for _, e := range rn.snap.Log {
			if e.Kind == bulletin.KindBallotBatch && e.Poster == box {
				n++
			}
		}
		return pending("voting is open: %d ballot-batch entries of the ballot box so far; the ballots are weeded once the election closes", n), nil
	}
	if v.weeded == nil {
		w, err := tally.WeedWith(rn.ctx, rn.snap, rn.m, rn.creds, rn.pk, &tally.WeedOptions{
			Progress: func(done, total int) { rn.progress(StepBallots, done, total, "ballots") },
		})
		if err != nil {
			return Step{}, err
		}
		v.weeded = w
	}
	w := v.weeded
	rn.w, rn.rep.Weeded = w, w
	in, err := rn.tallyInputs(w.Refs.Closing.First + 1)
	if err != nil {
		return Step{}, err
	}
	rn.inputs = in
	r := &w.Reconciliation
	numbers := fmt.Sprintf("received %d, audited %d, revotes %d; excluded %d (malformed %d, invalid %d, spoiled %d, clash %d, superseded %d); counted %d of %d credentials",
		r.BallotsReceived, r.Audited, r.Revotes, r.Excluded.Total(), r.Excluded.Malformed, r.Excluded.Invalid, r.Excluded.Spoiled,
		r.Excluded.Clash, r.Excluded.Superseded, r.Counted, r.CredentialsIssued)
	var out Step
	switch rec := in.Reconciliation; {
	case rec == nil && rn.tallying == nil:
		out = pending("every ballot before the closing entry %d checked: %s; waiting for the commission's reconciliation", w.Refs.Closing.First, numbers)
	case rec == nil:
		out = failed(at(rn.tallying.seq), rn.commission(), "the election moved to tallying (entry %d) without the commission's reconciliation; the board gives: %s", rn.tallying.seq, numbers)
	default:
		ref := in.Input(tally.InputReconciliation, "").Ref
		if err := tally.CheckWeed(w, rec); err != nil {
			out = failed(at(ref.First), rn.commission(), "the reconciliation at entry %d is not the board's: %s", ref.First, inputDetail(err))
		} else {
			out = ok("every ballot before the closing entry %d checked (signature, proofs, credential) and weeded: %s; equal to the reconciliation at entry %d",
				w.Refs.Closing.First, numbers, ref.First)
		}
	}
	out.Notes = rn.weedNotes(w)
	return out, nil
}

// inputDetail is an InputError's detail, or the error's text.
func inputDetail(err error) string {
	var ie *tally.InputError
	if errors.As(err, &ie) {
		if ie.Row >= 0 {
			return fmt.Sprintf("row %d %s", ie.Row, ie.Detail)
		}
		return ie.Detail
	}
	return trimPkg(err)
}

func (rn *run) weedNotes(w *tally.Weeded) []Note {
	var notes []Note
	for _, x := range w.Excluded {
		text := fmt.Sprintf("%v: %v", x.Location, x.Reason)
		var party *Party
		switch x.Reason {
		case tally.ReasonMalformed, tally.ReasonInvalid:
			text += ": " + x.Detail
			party = rn.ballotBox() // it should have refused the ballot
		case tally.ReasonClash:
			party = rn.ballotBox()
			if x.Other != nil {
				text += " with " + x.Other.String()
			} else if x.Detail != "" {
				text += ": " + x.Detail
			}
		case tally.ReasonSpoiled:
			if x.Other != nil {
				text += fmt.Sprintf(" (audited at entry %d)", x.Other.Seq)
			}
		case tally.ReasonSuperseded:
			if x.Other != nil {
				text += " by " + x.Other.String()
			}
		}
		notes = append(notes, Note{Text: text, Entry: at(x.Seq), Party: party})
	}
	for _, a := range w.Audits {
		if a.Err != nil {
			notes = append(notes, Note{Text: fmt.Sprintf("entry %d: an audit that is not valid spoils nothing: %s", a.Seq, trimPkg(a.Err)),
				Entry: at(a.Seq), Party: rn.ballotBox()})
		}
	}
	for _, ig := range w.Ignored {
		notes = append(notes, Note{Text: fmt.Sprintf("entry %d: a %v entry not posted by the ballot box carries no ballot", ig.Seq, ig.Kind),
			Entry: at(ig.Seq), Party: rn.poster(ig.Poster)})
	}
	slices.SortStableFunc(notes, func(a, b Note) int { return compareEntry(a.Entry, b.Entry) })
	return notes
}

// needs is the outcome of a step whose inputs (from the steps named) are
// missing: skipped if one of those failed, pending otherwise.
func (rn *run) needs(what string, steps ...int) Step {
	for _, n := range steps {
		if s := rn.rep.Step(n); s != nil && (s.Status == StatusFailed || s.Status == StatusSkipped) {
			return skipped("needs %s: step %d %s", what, n, s.Status)
		}
	}
	return pending("needs %s, which are not complete yet", what)
}

// Step 7: the tally inputs.

func (rn *run) stepInputs() (Step, error) {
	if rn.w == nil {
		return rn.needs("the weeded ballots (step 6)", StepBallots), nil
	}
	w, in := rn.w, rn.inputs
	want, err := tally.Aggregate(rn.m, w)
	if err != nil {
		return Step{}, err
	}
	rn.want = want
	var missing, have []string
	for _, x := range want.Inputs {
		if x.Type == tally.InputReconciliation {
			continue
		}
		what := fmt.Sprintf("the %v of %s", x.Type, x.Name)
		if in.Input(x.Type, x.Name) == nil {
			missing = append(missing, what)
		} else {
			have = append(have, what)
		}
	}
	notes := rn.rejectedNotes(in.Rejected)
	if len(missing) > 0 && rn.tallying == nil {
		s := pending("waiting for the commission's %s", strings.Join(missing, ", "))
		s.Notes = notes
		return s, nil
	}
	checked := *in
	checked.Reconciliation = &w.Reconciliation // the reconciliation is step 6's
	var out Step
	if err := tally.CheckTallyInputs(w, &checked); err != nil {
		var entry *uint64
		var ie *tally.InputError
		if errors.As(err, &ie) {
			for _, p := range in.Inputs {
				if p.Name == ie.List && p.Type != tally.InputReconciliation {
					entry = at(p.Ref.First)
				}
			}
		}
		out = failed(entry, rn.commission(), "%s", trimPkg(err))
	} else if len(have) == 0 {
		out = ok("no contest has counted ballots: no totals and no mix list, and none on the board")
	} else {
		out = ok("%s recomputed from the counted ballots and equal, byte for byte, to the commission's; no other tally input counts",
			strings.Join(have, ", "))
	}
	out.Notes = notes
	return out, nil
}

func (rn *run) rejectedNotes(rs []tally.RejectedEntry) []Note {
	var notes []Note
	for _, r := range rs {
		text := fmt.Sprintf("entry %d: a %v entry that counts for nothing: %s", r.Seq, r.Kind, trimPkg(r.Err))
		notes = append(notes, Note{Text: text, Entry: at(r.Seq), Party: rn.poster(r.Poster)})
	}
	return notes
}

// window reads the snapshot's entries from … to−1 only: the tally's
// records come after the closing entry, and the decryptions that count
// before the result.
type window struct {
	r        *Record
	from, to uint64
}

func (w window) Entries(ctx context.Context, topic bulletin.TopicID, a, b uint64) ([]bulletin.Entry, error) {
	a, b = max(a, w.from), min(b, w.to)
	if a >= b {
		return nil, ctx.Err()
	}
	return w.r.Entries(ctx, topic, a, b)
}

func (w window) Head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	h, n, err := w.r.Head(ctx, topic)
	return h, min(n, w.to), err
}

// artefactRefs returns the reference of every artefact after the closing
// entry, by its last entry, as tally references them: a single entry, or a
// chunk header to its last chunk.
func (rn *run) artefactRefs() map[uint64]tally.Ref {
	if rn.refs != nil {
		return rn.refs
	}
	refs := map[uint64]tally.Ref{}
	type key struct {
		poster bulletin.Address
		hash   [32]byte
	}
	headers := map[key]uint64{}
	var asm bulletin.Assembler
	for _, e := range rn.snap.Log[rn.closing.seq+1:] {
		if !e.Kind.IsChunk() {
			refs[e.Seq] = tally.Ref{Kind: e.Kind, First: e.Seq, Last: e.Seq, Head: e.Head}
			continue
		}
		var k key
		if e.Kind == bulletin.KindChunkHeader {
			if h, err := bulletin.ParseChunkHeader(e.Payload); err == nil {
				k = key{e.Poster, h.Hash}
				if _, seen := headers[k]; !seen {
					headers[k] = e.Seq
				}
			}
		} else if c, err := bulletin.ParseChunkData(e.Payload); err == nil {
			k = key{e.Poster, c.Hash}
		}
		msg, done, err := asm.Add(e)
		if err != nil || !done {
			continue
		}
		first, seen := headers[k]
		if !seen {
			first = e.Seq
		}
		delete(headers, k)
		refs[e.Seq] = tally.Ref{Kind: msg.Kind, First: first, Last: e.Seq, Head: e.Head}
	}
	rn.refs = refs
	return refs
}

// firstOf returns the first entry of the artefact whose last entry is seq.
func (rn *run) firstOf(seq uint64) uint64 {
	if r, ok := rn.artefactRefs()[seq]; ok {
		return r.First
	}
	return seq
}

// findResult sets rn.result to the first entry of the commission's first
// result artefact after the closing entry.
func (rn *run) findResult() {
	commission := addr(rn.m.Commission.Address)
	for _, e := range rn.snap.Log[rn.closing.seq+1:] {
		if e.Poster != commission {
			continue
		}
		if k, err := bulletin.EffectiveKind(e.Kind, e.Payload); err == nil && k == bulletin.KindResult && e.Kind != bulletin.KindChunk {
			rn.result = at(e.Seq)
			return
		}
	}
}

// final reports whether an artefact still missing can no longer come
// without being too late: the result is posted, or the election published.
func (rn *run) final() bool { return rn.result != nil || rn.published != nil }

// Step 8: the shuffles.

func (rn *run) stepShuffles() (Step, error) {
	if rn.inputs == nil || rn.pk == nil {
		return rn.needs("the tally inputs (steps 6 and 7)", StepBallots, StepInputs), nil
	}
	rn.findResult()
	var names []string
	for _, c := range rn.m.Contests {
		if c.Tally == voting.Mixnet && rn.inputs.Input(tally.InputList, c.ID) != nil {
			names = append(names, c.ID)
		}
	}
	if len(names) == 0 {
		if s := rn.rep.Step(StepInputs); s != nil && s.Status == StatusPending {
			return pending("waiting for the tally inputs (step 7)"), nil
		}
		return skipped("no mix list: no mixnet contest has counted ballots"), nil
	}
	v := rn.v
	if v.cascade == nil {
		c, err := tally.CascadeOf(rn.m, rn.pk)
		if err != nil {
			return Step{}, err
		}
		v.cascade = c
	}
	c := v.cascade
	pre := rn.prefetched()
	var rec *tally.MixRecord
	var err error
	if pre != nil && pre.rec != nil && pre.inputs == rn.inputs {
		rec = pre.rec
	} else {
		pre = nil
		if rec, err = rn.readMixRecord(rn.inputs); err != nil {
			return Step{}, err
		}
	}
	rn.mix, rn.lists = rec, map[string]*tally.List{}
	var out *Step
	var notes, done []string
	total, checked := len(names)*len(c.Mixers), 0
	for _, name := range names {
		if l := v.mixed[name]; l != nil {
			rn.lists[name] = l
			done = append(done, rn.listSummary(name, l))
			checked += len(c.Mixers)
			continue
		}
		base := checked
		var l *tally.List
		if r, ok := pre.result(name); ok {
			l, err = r.list, r.err
		} else {
			l, err = c.Verify(rec, name, func(k int) { rn.progress(StepShuffles, base+k+1, total, "shuffles") })
		}
		checked += len(c.Mixers)
		var me *tally.MixError
		switch {
		case err == nil:
			v.mixed[name], rn.lists[name] = l, l
			done = append(done, rn.listSummary(name, l))
			continue
		case errors.As(err, &me) && errors.Is(err, tally.ErrMissingShuffle) && !rn.final():
			if out == nil || out.Status != StatusFailed {
				s := pending("list %s: waiting for mixer %d's shuffle", name, me.Position+1)
				out = &s
			}
			notes = append(notes, fmt.Sprintf("list %s: waiting for mixer %d", name, me.Position+1))
		case errors.As(err, &me):
			var entry *uint64
			if me.Seq != 0 || !errors.Is(err, tally.ErrMissingShuffle) {
				entry = at(rn.firstOf(me.Seq))
			} else if rn.result != nil {
				entry = rn.result
			}
			why := trimPkg(me.Err)
			if errors.Is(err, tally.ErrMissingShuffle) {
				why = "its shuffle is not on the board, and the result was posted without it"
			}
			if out == nil || out.Status != StatusFailed {
				s := failed(entry, rn.mixer(me.Position), "list %s: mixer %d breaks the cascade: %s", name, me.Position+1, why)
				out = &s
			}
		default:
			return Step{}, err
		}
	}
	var s Step
	if out != nil {
		s = *out
	} else {
		s = ok("%s", strings.Join(done, "; "))
	}
	if s.Status != StatusOK {
		for _, d := range done {
			s.Notes = append(s.Notes, Note{Text: d})
		}
	}
	for _, n := range notes {
		s.Notes = append(s.Notes, Note{Text: n})
	}
	for _, r := range rec.Rejected {
		if r.Kind == bulletin.KindShuffle || r.Kind.IsChunk() {
			s.Notes = append(s.Notes, rn.rejectedNotes([]tally.RejectedEntry{r})...)
		}
	}
	if pre != nil {
		s.Duration = pre.took // its work ran alongside steps 6 and 7
	}
	return s, nil
}

func (rn *run) listSummary(name string, l *tally.List) string {
	return fmt.Sprintf("list %s: %d rows of width %d shuffled by %d mixers in turn, each taking the previous output, each proof verified, none lazy",
		name, len(l.Rows), l.Width(), len(rn.v.cascade.Mixers))
}

// Step 9: the decryptions.

func (rn *run) stepDecryptions() (Step, error) {
	if rn.inputs == nil || rn.pub == nil {
		return rn.needs("the tally inputs (steps 6 and 7)", StepBallots, StepInputs), nil
	}
	t, err := tally.TrusteesOf(rn.m, rn.pub)
	if err != nil {
		return Step{}, err
	}
	rn.trustees = t
	// The lists, in the manifest's order.
	var unverified []string
	lists := map[string]*tally.List{}
	for _, c := range rn.m.Contests {
		switch {
		case c.Tally == voting.Homomorphic && rn.inputs.Totals[c.ID] != nil:
			lists[c.ID] = rn.inputs.Totals[c.ID].List()
		case c.Tally == voting.Mixnet && rn.inputs.Input(tally.InputList, c.ID) != nil:
			if l := rn.lists[c.ID]; l != nil {
				lists[c.ID] = l
			} else {
				unverified = append(unverified, c.ID)
				continue
			}
		default:
			continue
		}
		rn.order = append(rn.order, c.ID)
	}
	if len(rn.order) == 0 && len(unverified) == 0 {
		if s := rn.rep.Step(StepInputs); s != nil && s.Status == StatusPending {
			return pending("waiting for the tally inputs (step 7)"), nil
		}
		return skipped("no list to decrypt: no contest has counted ballots"), nil
	}
	upto := uint64(len(rn.snap.Log))
	if rn.result != nil {
		upto = *rn.result // the decryptions the result rests on come before it
	}
	decs, err := tally.ReadDecryptions(rn.ctx, window{rn.snap, rn.closing.seq + 1, upto}, rn.v.topic)
	if err != nil {
		return Step{}, err
	}
	rn.decs, rn.rows, rn.used = decs, map[string][][]*group.Element{}, map[string][]uint32{}
	var out *Step
	var notes []Note
	var done []string
	firstRecord := func(name string, j uint32) *uint64 {
		for _, p := range decs[name] {
			if p.Poster == t.Addresses[j-1] {
				return at(rn.firstOf(p.Seq))
			}
		}
		return nil
	}
	setOut := func(s Step) {
		if out == nil || out.Status != StatusFailed && s.Status == StatusFailed {
			out = &s
		}
	}
	for i, name := range rn.order {
		rn.progress(StepDecryptions, i, len(rn.order), "lists")
		l := lists[name]
		cached, ok := rn.v.decrypted[name]
		var rows [][]*group.Element
		var rep *threshold.Report
		if ok && cached.records == len(decs[name]) { // entries only append: the same records
			rows, rep = cached.rows, cached.rep
		} else {
			rows, rep, err = tally.Decrypt(nil, t, l, decs[name])
		}
		var qe *threshold.QuorumError
		excluded := rep
		switch {
		case err == nil:
			rn.v.decrypted[name] = decrypted{records: len(decs[name]), rows: rows, rep: rep}
			rn.rows[name], rn.used[name] = rows, rep.Used
			done = append(done, fmt.Sprintf("%s by trustees %s", name, joinU32(rep.Used)))
		case errors.As(err, &qe):
			excluded = &threshold.Report{Excluded: qe.Excluded, Valid: qe.Valid, Missing: qe.Missing}
			if len(qe.Excluded) == 0 {
				if rn.final() {
					setOut(failed(rn.result, rn.commission(), "list %s: %d valid partial decryptions of %d needed (missing trustees %s), yet a result was posted",
						name, len(qe.Valid), qe.K, joinU32(qe.Missing)))
				} else {
					setOut(pending("list %s: %d of the %d partial decryptions needed so far (from trustees %s)", name, len(qe.Valid), qe.K, orNone(joinU32(qe.Valid))))
				}
			}
		default:
			return Step{}, err
		}
		if excluded != nil {
			for _, c := range excluded.Excluded {
				why := trimPkg(c.Err)
				for _, p := range decs[name] {
					if p.Poster == t.Addresses[c.Index-1] {
						if d := l.Digest(); p.Digest != d {
							why = fmt.Sprintf("it decrypts another list (digest %x…), not the list to decrypt (digest %x…)", p.Digest[:6], d[:6])
						}
						break
					}
				}
				s := failed(firstRecord(name, c.Index), rn.trustee(c.Index), "list %s: trustee %d's partial decryption is not valid: %s", name, c.Index, why)
				if err == nil {
					s.Detail += fmt.Sprintf(" (the list is still decrypted, by trustees %s)", joinU32(rep.Used))
				}
				setOut(s)
			}
			for _, c := range excluded.Ignored {
				notes = append(notes, Note{Text: fmt.Sprintf("list %s: a later decryption by trustee %d is ignored (the first counts)", name, c.Index), Party: rn.trustee(c.Index)})
			}
		}
	}
	rn.progress(StepDecryptions, len(rn.order), len(rn.order), "lists")
	for _, name := range unverified {
		if s := rn.rep.Step(StepShuffles); s != nil && s.Status == StatusPending {
			setOut(pending("list %s waits for its cascade (step 8)", name))
		} else {
			setOut(skipped("list %s is not decrypted: its cascade is not verified (step 8)", name))
		}
	}
	var s Step
	if out != nil {
		s = *out
	} else {
		s = ok("every partial decryption's proof verified against its trustee's verification key; %d lists combined (k = %d): %s",
			len(done), rn.pub.Threshold, strings.Join(done, "; "))
	}
	s.Notes = append(s.Notes, notes...)
	return s, nil
}

func joinU32(xs []uint32) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// The mix net's checks (step 8) need only the tally inputs as posted, the
// shuffles and the election key, not the weeding (step 6), which checks
// that those inputs are the counted ballots. They start once the phases
// are read, on their own goroutine, and run while the ballots are weeded:
// the two share the cores, and what one of them does on one core only
// (hashing, encoding, bookkeeping) leaves the other core to the other.
// Steps 6 and 8 take their results as they would have computed them.

// prefetch is the early part of steps 6 and 8.
type prefetch struct {
	from     uint64        // the tally inputs were read from this entry
	inputsOK chan struct{} // closed once inputs and inputsErr are set
	done     chan struct{} // closed once everything is set

	inputs    *tally.TallyInputs
	inputsErr error
	rec       *tally.MixRecord // nil if it could not be read: step 8 reads it again
	cascade   *tally.Cascade
	lists     map[string]prefetchedList
	took      time.Duration // from the start to done
}

type prefetchedList struct {
	list *tally.List
	err  error
}

// result returns the cascade's outcome for list name, if computed.
func (p *prefetch) result(name string) (prefetchedList, bool) {
	if p == nil {
		return prefetchedList{}, false
	}
	r, ok := p.lists[name]
	return r, ok
}

// startPrefetch starts the mix net's checks if the election is closed, its
// key known and a mixnet list not yet verified.
func (rn *run) startPrefetch() {
	v := rn.v
	if rn.closing == nil || rn.m == nil || rn.pk == nil {
		return
	}
	var names []string
	for _, c := range rn.m.Contests {
		if c.Tally == voting.Mixnet && v.mixed[c.ID] == nil {
			names = append(names, c.ID)
		}
	}
	if len(names) == 0 {
		return
	}
	p := &prefetch{from: rn.closing.seq + 1, inputsOK: make(chan struct{}), done: make(chan struct{}), lists: map[string]prefetchedList{}}
	rn.pre = p
	m, pk, snap, ctx, c := rn.m, rn.pk, rn.snap, rn.ctx, v.cascade
	start := time.Now()
	go func() {
		defer close(p.done)
		defer func() { p.took = time.Since(start) }()
		p.inputs, p.inputsErr = tally.ReadTallyInputs(ctx, snap, m, p.from)
		close(p.inputsOK)
		if p.inputsErr != nil {
			return
		}
		if c == nil {
			var err error
			if c, err = tally.CascadeOf(m, pk); err != nil {
				return
			}
		}
		p.cascade = c
		rec, err := rn.readMixRecord(p.inputs)
		if err != nil {
			return
		}
		p.rec = rec
		total := len(names) * len(c.Mixers)
		for i, name := range names {
			if p.inputs.Input(tally.InputList, name) == nil || ctx.Err() != nil {
				continue
			}
			base := i * len(c.Mixers)
			l, err := c.Verify(rec, name, func(k int) { rn.progress(StepShuffles, base+k+1, total, "shuffles") })
			p.lists[name] = prefetchedList{l, err}
		}
	}()
}

// tallyInputs returns the tally inputs posted after entry from−1: the
// prefetch's if it read them from there, or read now.
func (rn *run) tallyInputs(from uint64) (*tally.TallyInputs, error) {
	if p := rn.pre; p != nil && p.from == from {
		<-p.inputsOK
		return p.inputs, p.inputsErr
	}
	return tally.ReadTallyInputs(rn.ctx, rn.snap, rn.m, from)
}

// prefetched waits for the prefetch, if any, and returns it (adopting its
// cascade).
func (rn *run) prefetched() *prefetch {
	p := rn.pre
	if p == nil {
		return nil
	}
	<-p.done
	if rn.v.cascade == nil && p.cascade != nil {
		rn.v.cascade = p.cascade
	}
	return p
}

// waitPrefetch waits for the prefetch's goroutine, so that none outlives Run.
func (rn *run) waitPrefetch() {
	if rn.pre != nil {
		<-rn.pre.done
	}
}

// readMixRecord reads the mix record after the closing entry.
func (rn *run) readMixRecord(in *tally.TallyInputs) (*tally.MixRecord, error) {
	commission := addr(rn.m.Commission.Address)
	return tally.ReadMixRecordWith(rn.ctx, window{rn.snap, rn.closing.seq + 1, uint64(len(rn.snap.Log))}, rn.v.topic, commission, in)
}
