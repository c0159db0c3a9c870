package explorer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// An election is one election followed by the explorer: its verifier, the
// entries the verifier read, what is derived from them, and the latest
// published [state].
type election struct {
	ex    *Explorer
	id    string
	topic bulletin.TopicID

	// Owned by the run goroutine.
	v        *verify.Verifier
	log      []bulletin.Entry // the entries the verifier read, in order
	ix       *index
	d        derived
	locs     map[uint64]bulletin.Location
	locsLeft bool // some entries to locate were not located

	codesMu  sync.RWMutex // guards ix.codes and ix.audits
	progress atomic.Pointer[verify.Progress]
	state    atomic.Pointer[state]
	version  atomic.Uint64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at each publish
}

// derived is what is recomputed from the snapshot with the voting and
// tally packages, each part once final (run goroutine only).
type derived struct {
	mTried         bool
	manifest       *voting.Manifest
	manifestErr    string
	ceremony       *voting.CeremonyState
	ceremonyAt     uint64 // entries when it was read
	ceremonyFinal  bool
	creds          *voting.CredentialList
	credsErr       string
	credsTried     int // ix.credArtefacts when last read
	credsFinal     bool
	weeded         *tally.Weeded
	weedErr        string
	statuses       map[voting.TrackingCode]ballotStatus
	weedInProgress bool
}

// A ballotStatus is what the weeding decided for a cast ballot.
type ballotStatus struct {
	Reason tally.Reason // ReasonNone: counted
	Other  *tally.Location
	Detail string
}

func newElection(e *Explorer, id string) *election {
	el := &election{ex: e, id: id, topic: voting.ElectionTopic(id), ix: newIndex(), changed: make(chan struct{}),
		locs: map[uint64]bulletin.Location{}}
	el.v = verify.NewVerifier(id, &verify.Options{Progress: func(p verify.Progress) { el.progress.Store(&p) }})
	return el
}

// capture is the board as the verifier reads it: it keeps the entries of
// the election's topic the verifier reads (each once, in order: the
// verifier reads only what it has not read), so that the explorer indexes
// the very entries verified without reading the board again.
type capture struct{ el *election }

func (c capture) Head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	return c.el.ex.board.Head(ctx, topic)
}

func (c capture) Entries(ctx context.Context, topic bulletin.TopicID, from, to uint64) ([]bulletin.Entry, error) {
	es, err := c.el.ex.board.Entries(ctx, topic, from, to)
	if err == nil && topic == c.el.topic {
		for _, e := range es {
			if e.Seq == uint64(len(c.el.log)) {
				c.el.log = append(c.el.log, e)
			}
		}
	}
	return es, err
}

// settleDelay is how long the run loop waits after a new entry for more,
// so that a burst (a batch, a chunked shuffle) is verified once; it waits
// at most maxSettle after the first, so that entries arriving more often
// than settleDelay (a busy ballot box posting every 50 ms) cannot hold the
// verification back for as long as they keep coming.
const (
	settleDelay = 100 * time.Millisecond
	maxSettle   = 500 * time.Millisecond
)

// run verifies the election, then again whenever the board has new entries,
// until ctx ends or the election can change no more.
func (el *election) run(ctx context.Context) {
	defer func() {
		if v := recover(); v != nil {
			el.ex.log.Error("explorer: following an election stopped", "election", el.id, "panic", fmt.Sprint(v))
			el.fail(fmt.Errorf("explorer: internal error: %v", v))
		}
	}()
	fctx, fcancel := context.WithCancel(ctx)
	var fwg sync.WaitGroup
	defer fwg.Wait()
	defer fcancel()
	wake := make(chan struct{}, 1)
	followErr := make(chan error, 1)
	following := false
	backoff := time.Second
	for {
		rep, err := el.v.Run(ctx, capture{el})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			el.ex.log.Warn("explorer: verifying", "election", el.id, "err", err)
			el.fail(err)
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, time.Minute)
			continue
		}
		backoff = time.Second
		el.update(ctx, rep)
		if ctx.Err() != nil {
			return
		}
		if finished(rep) {
			el.locateRest(ctx, rep)
			return
		}
		have := rep.Entries
		if el.ex.follower != nil && !following {
			following = true
			fwg.Go(func() { el.follow(fctx, have, wake, followErr) })
		}
		if !el.waitForEntries(ctx, have, wake, followErr, &following) {
			return
		}
	}
}

// follow signals wake for every entry the board yields from seq from on.
func (el *election) follow(ctx context.Context, from uint64, wake chan<- struct{}, failed chan<- error) {
	for _, err := range el.ex.follower.Follow(ctx, el.topic, from) {
		if err != nil {
			if ctx.Err() == nil {
				select {
				case failed <- err:
				default:
				}
			}
			return
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// waitForEntries waits until the board has more than have entries: woken
// by the follower, or polling the head on a board that does not follow (or
// whose following failed). It returns false when ctx ends.
func (el *election) waitForEntries(ctx context.Context, have uint64, wake <-chan struct{}, followErr <-chan error, following *bool) bool {
	poll := time.NewTicker(el.ex.opts.PollInterval)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-wake:
			// Let a burst of entries arrive before verifying again, but
			// not for longer than maxSettle.
			t := time.NewTimer(settleDelay)
			defer t.Stop()
			limit := time.NewTimer(maxSettle)
			defer limit.Stop()
			for {
				select {
				case <-wake:
					t.Reset(settleDelay)
				case <-t.C:
					return true
				case <-limit.C:
					return true
				case <-ctx.Done():
					return false
				}
			}
		case err := <-followErr:
			el.ex.log.Warn("explorer: following the board", "election", el.id, "err", err)
			*following = false // poll; the run loop follows again after the next run
			return true
		case <-poll.C:
			if *following {
				continue // the follower wakes us
			}
			_, count, err := el.ex.board.Head(ctx, el.topic)
			if err == nil && count != have {
				return true
			}
		}
	}
}

// finished reports whether the election's record can change no more: it is
// published and verified (or failed), or its hash chain is broken.
func finished(r *verify.Report) bool {
	if s := r.Step(verify.StepChain); s != nil && s.Status == verify.StatusFailed {
		return true
	}
	return r.Phase == bulletin.PhasePublished.String() && r.Verdict != verify.Incomplete
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fail publishes the last state with err as the board error.
func (el *election) fail(err error) {
	st := &state{}
	if prev := el.state.Load(); prev != nil {
		c := *prev
		st = &c
	}
	st.boardErr = err.Error()
	el.publish(st)
}

// update indexes the entries verified by rep, publishes a state, then
// derives what is final or changed (manifest, key ceremony, credentials,
// weeding, locations), publishing again after each costly part.
func (el *election) update(ctx context.Context, rep *verify.Report) {
	n := min(rep.Entries, uint64(len(el.log)))
	entries := el.log[:n:n]
	var head [32]byte
	if b, err := hex.DecodeString(rep.Head); err == nil && len(b) == 32 {
		head = [32]byte(b)
	}
	snap := verify.NewRecord(el.id, el.topic, entries, head, n)
	d := &el.d
	if !d.mTried && n > 0 {
		d.mTried = true
		m, err := voting.ReadManifest(ctx, snap, el.id)
		if err != nil {
			d.manifestErr = err.Error()
		} else {
			d.manifest = m
			el.ix.setRoles(m)
		}
	}
	if el.ix.n < n {
		el.ix.add(entries[el.ix.n:], el.codesMu.Lock, el.codesMu.Unlock)
	}
	el.publish(el.compose(rep, entries, head))

	changed := false
	phase := el.phase()
	if m := d.manifest; m != nil {
		if !d.ceremonyFinal && (d.ceremony == nil || d.ceremonyAt < n) {
			if s, err := voting.ReadCeremony(ctx, snap, m); err == nil {
				d.ceremony, d.ceremonyAt, changed = s, n, true
				d.ceremonyFinal = s.Phase > bulletin.PhaseKeyCeremony
			}
		}
		if !d.credsFinal && (d.credsTried < el.ix.credArtefacts || phase > bulletin.PhaseKeyCeremony) {
			d.credsTried = el.ix.credArtefacts
			d.credsFinal = phase > bulletin.PhaseKeyCeremony
			l, err := voting.ReadCredentials(ctx, snap, m)
			switch {
			case err == nil:
				d.creds, d.credsErr = l, ""
			case errors.Is(err, voting.ErrNoCredentials) && !d.credsFinal:
			default:
				d.credsErr = err.Error()
			}
			changed = true
		}
	}
	if changed {
		el.publish(el.compose(rep, entries, head))
		changed = false
	}
	switch {
	case d.weeded == nil && rep.Weeded != nil && el.ix.closing != nil:
		// The verifier weeded the same entries for step 6: its answer is
		// the explorer's, with no second pass over the ballots.
		el.setWeeded(rep.Weeded)
		changed = true
	case el.weedable() && verifierWontWeed(rep):
		d.weedInProgress = true
		el.publish(el.compose(rep, entries, head))
		el.weed(ctx, snap)
		d.weedInProgress = false
		changed = true
	}
	found, left := el.locate(ctx, entries)
	el.locsLeft = left
	if changed || found {
		el.publish(el.compose(rep, entries, head))
	}
}

// locateRest locates what update left for later, once the election can
// change no more, retrying a few times.
func (el *election) locateRest(ctx context.Context, rep *verify.Report) {
	for try := 0; el.locsLeft && try < 5; try++ {
		n := min(rep.Entries, uint64(len(el.log)))
		entries := el.log[:n:n]
		found, left := el.locate(ctx, entries)
		el.locsLeft = left
		if found {
			prev := el.state.Load()
			el.publish(el.compose(rep, entries, prev.head))
		}
		if left && !sleep(ctx, time.Second) {
			return
		}
	}
}

// phase is the election's phase after the entries indexed.
func (el *election) phase() bulletin.Phase {
	if p := el.ix.phases; len(p) > 0 {
		return p[len(p)-1].To
	}
	return bulletin.PhaseSetup
}

// weedable reports whether the ballots can be weeded now and have not been:
// the election is closed, the key ceremony's result matches its messages,
// and the credential list is read.
func (el *election) weedable() bool {
	d := &el.d
	return el.ix.closing != nil && d.weeded == nil && d.weedErr == "" && d.manifest != nil &&
		d.ceremony != nil && d.ceremony.Matches() && d.creds != nil
}

// verifierWontWeed reports whether the verifier's report, for a closed
// election, comes without the weeding and will not bring it: step 6 did
// not get as far as weeding (it waits for, or failed on, what it needs
// first). The explorer then weeds itself when it can.
func verifierWontWeed(rep *verify.Report) bool {
	if rep.Weeded != nil {
		return false
	}
	s := rep.Step(verify.StepBallots)
	return s == nil || s.Status != verify.StatusOK
}

// weed weeds the ballots of the closed election, for the tracking-code
// lookup (which ballot counts, which is superseded, spoiled or excluded),
// when the verifier has not: once, in the background.
func (el *election) weed(ctx context.Context, snap *verify.Record) {
	d := &el.d
	pk, err := elgamal.NewPublicKeyFromElement(d.ceremony.Result.JointKey)
	if err != nil {
		d.weedErr = err.Error()
		return
	}
	w, err := tally.WeedWith(ctx, snap, d.manifest, d.creds, pk, &tally.WeedOptions{
		Progress: func(done, total int) {
			el.progress.Store(&verify.Progress{Step: verify.StepBallots, Name: "weeding for the tracking-code lookup", Done: done, Total: total, Unit: "ballots"})
		},
	})
	if err != nil {
		if ctx.Err() == nil {
			d.weedErr = err.Error()
		}
		return
	}
	el.setWeeded(w)
}

// setWeeded keeps the weeding w and what it decided for each ballot.
func (el *election) setWeeded(w *tally.Weeded) {
	st := make(map[voting.TrackingCode]ballotStatus, len(w.Counted)+len(w.Excluded))
	for _, c := range w.Counted {
		st[c.Code] = ballotStatus{}
	}
	for _, x := range w.Excluded {
		if x.Index < 0 {
			continue // a whole undecodable entry: no code
		}
		st[x.Code] = ballotStatus{Reason: x.Reason, Other: x.Other, Detail: x.Detail}
	}
	el.d.weeded, el.d.statuses = w, st
}

// locateBudget bounds the time spent locating entries after one run; what
// is left is located after the next.
const locateBudget = 10 * time.Second

// locate finds where the phase entries and the first and last entries of
// each bucket of ballots are on the chain, if the board can tell. It
// reports whether it found a new location, and whether some are left.
func (el *election) locate(ctx context.Context, entries []bulletin.Entry) (found, left bool) {
	if el.ex.locator == nil || len(entries) == 0 {
		return false, false
	}
	want := []uint64{0, uint64(len(entries) - 1)}
	for _, p := range el.ix.phases {
		want = append(want, p.Seq)
	}
	for _, b := range buckets(el.ix, uint64(len(entries))) {
		if b.First < uint64(len(entries)) {
			want = append(want, b.First)
		}
		if b.Last < uint64(len(entries)) {
			want = append(want, b.Last)
		}
	}
	stop := time.Now().Add(locateBudget)
	next := make(map[uint64]bulletin.Location, len(want))
	for _, seq := range want {
		if loc, ok := el.locs[seq]; ok {
			next[seq] = loc
			continue
		}
		if time.Now().After(stop) || ctx.Err() != nil {
			left = true
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		loc, err := el.ex.locator.Locate(lctx, el.topic, seq)
		cancel()
		if err == nil {
			next[seq], found = loc, true
		} else {
			left = true
		}
	}
	el.locs = next
	return found, left
}

// publish makes st the election's state and wakes the event streams.
func (el *election) publish(st *state) {
	st.version = el.version.Add(1)
	st.updated = time.Now()
	el.state.Store(st)
	el.mu.Lock()
	close(el.changed)
	el.changed = make(chan struct{})
	el.mu.Unlock()
}

// watch returns the latest state and a channel closed when a newer one is
// published.
func (el *election) watch() (*state, <-chan struct{}) {
	el.mu.Lock()
	defer el.mu.Unlock()
	return el.state.Load(), el.changed
}

// lookup finds a tracking code among the cast and audited ballots indexed.
func (el *election) lookup(code voting.TrackingCode) (pos ballotPos, cast bool, audit uint64, audited bool) {
	el.codesMu.RLock()
	defer el.codesMu.RUnlock()
	pos, cast = el.ix.codes[code]
	audit, audited = el.ix.audits[code]
	return
}

// A state is what the pages of one election show: published by the run
// goroutine, never modified after.
type state struct {
	version  uint64
	updated  time.Time
	report   *verify.Report // nil until the first verification ends
	boardErr string         // the last error reading the board

	entries []bulletin.Entry // the entries verified
	head    [32]byte

	manifest    *voting.Manifest
	manifestErr string
	phases      []phaseMark
	closing     *uint64
	open        *uint64
	ceremony    *voting.CeremonyState
	creds       *voting.CredentialList
	credsErr    string

	cast, revotes, audits, batches, malformed, dupCodes uint64
	buckets                                             []bucket
	anomalies                                           []anomaly

	weeded   *tally.Weeded
	weedErr  string
	weeding  bool
	statuses map[voting.TrackingCode]ballotStatus

	recon    *tally.Reconciliation
	reconRef tally.Ref
	totals   []totalsInfo
	lists    []listInfo
	shuffles []shuffleInfo
	decs     []decryptionInfo
	posted   *tally.Results
	postRef  tally.Ref
	postErr  string

	locs map[uint64]bulletin.Location
}

func (el *election) compose(rep *verify.Report, entries []bulletin.Entry, head [32]byte) *state {
	ix, d := el.ix, &el.d
	st := &state{
		report: rep, entries: entries, head: head,
		manifest: d.manifest, manifestErr: d.manifestErr,
		phases: slices.Clip(ix.phases), closing: ix.closing, open: ix.open,
		ceremony: d.ceremony, creds: d.creds, credsErr: d.credsErr,
		cast: ix.cast, revotes: ix.revotes, audits: ix.auditsN, batches: ix.batches, malformed: ix.malformed, dupCodes: ix.dupCodes,
		weeded: d.weeded, weedErr: d.weedErr, weeding: d.weedInProgress, statuses: d.statuses,
		recon: ix.recon, reconRef: ix.reconRef,
		totals: slices.Clip(ix.totals), lists: slices.Clip(ix.lists), shuffles: slices.Clip(ix.shuffles), decs: slices.Clip(ix.decs),
		posted: ix.posted, postRef: ix.postRef, postErr: ix.postErr,
		locs: el.locs,
	}
	st.buckets = buckets(ix, uint64(len(entries)))
	st.anomalies = anomalies(st.buckets, ix.cast, ix.revotes)
	return st
}
