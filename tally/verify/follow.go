package verify

import (
	"context"
	"errors"
	"time"

	"github.com/veche/veche/bulletin"
)

// A Board is what [Follow] reads: a topic's entries and head, and new
// entries as they become final.
type Board interface {
	bulletin.Reader
	bulletin.Follower
}

// settle is how long Follow waits after an entry for more before it
// verifies again, so that a burst of entries (a batch, a chunked shuffle)
// is verified once; it waits at most maxSettle after the first, so that
// entries arriving more often than settle (a busy ballot box) cannot hold
// the verification back for as long as they keep coming.
const (
	settle    = 100 * time.Millisecond
	maxSettle = 500 * time.Millisecond
)

// Follow verifies election id on board b as its entries arrive: once at
// once, then again after each new entry (or burst of entries), making
// again only the steps whose inputs changed ([Verifier]). After each
// verification it calls report with the report and the numbers of the
// steps whose outcome changed since the previous one (every step the
// first time); nothing is reported when nothing changed. It returns nil
// when the election can change no more (it is published, or its hash
// chain is broken), report's error if report fails, and ctx's error when
// ctx ends.
func Follow(ctx context.Context, b Board, id string, opts *Options, report func(r *Report, changed []int) error) error {
	v := NewVerifier(id, opts)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		prev    *Report
		wake    = make(chan struct{}, 1)
		failure = make(chan error, 1)
		started bool
	)
	for {
		rep, err := v.Run(ctx, b)
		if err != nil {
			return err
		}
		var changed []int
		for i := range rep.Steps {
			s := &rep.Steps[i]
			if prev == nil || prev.Step(s.Number) == nil || !prev.Step(s.Number).equal(s) {
				changed = append(changed, s.Number)
			}
		}
		if len(changed) > 0 || prev == nil {
			if err := report(rep, changed); err != nil {
				return err
			}
		}
		prev = rep
		if done(rep) {
			return nil
		}
		if !started {
			// Follow from the entries read, waking the loop on every new one.
			started = true
			from := rep.Entries
			go func() {
				for _, err := range b.Follow(ctx, v.topic, from) {
					if err != nil {
						if !errors.Is(err, context.Canceled) {
							select {
							case failure <- err:
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
			}()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-failure:
			return err
		case <-wake:
		}
		// Let a burst of entries arrive before verifying again, but not
		// for longer than maxSettle.
		t, limit := time.NewTimer(settle), time.NewTimer(maxSettle)
		for waiting := true; waiting; {
			select {
			case <-wake:
				t.Reset(settle)
			case <-t.C:
				waiting = false
			case <-limit.C:
				waiting = false
			case <-ctx.Done():
				t.Stop()
				limit.Stop()
				return ctx.Err()
			}
		}
		t.Stop()
		limit.Stop()
	}
}

// done reports whether the election's record can change no more.
func done(r *Report) bool {
	if s := r.Step(StepChain); s != nil && s.Status == StatusFailed {
		return true
	}
	return r.Phase == "published" && r.Verdict != Incomplete
}
