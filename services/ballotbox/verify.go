package ballotbox

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/veche/veche/voting"
)

// errClosed: the box was closed.
var errClosed = errors.New("ballotbox: the box is closed")

// A verifyReq is one ballot waiting for its proofs and signature to be
// checked.
type verifyReq struct {
	b    *voting.Ballot
	done chan error
}

// startVerifiers starts the verifier workers, one per core. Each takes a
// waiting ballot and every other ballot waiting at that moment (up to
// maxVerifyBatch) and checks them together with voting.BatchVerifyBallots,
// whose batched multi-scalar multiplications cost several times less per
// ballot than one-by-one checks; a ballot arriving alone is checked alone,
// without waiting for company.
func (b *Box) startVerifiers() {
	for range runtime.GOMAXPROCS(0) {
		b.workers.Go(b.verifyLoop)
	}
}

const maxVerifyBatch = 128

func (b *Box) verifyLoop() {
	for {
		var batch []*verifyReq
		select {
		case <-b.closed:
			return
		case r := <-b.verifyCh:
			batch = append(batch, r)
		}
	more:
		for len(batch) < maxVerifyBatch {
			select {
			case r := <-b.verifyCh:
				batch = append(batch, r)
			default:
				break more
			}
		}
		ballots := make([]*voting.Ballot, len(batch))
		for i, r := range batch {
			ballots[i] = r.b
		}
		err := voting.BatchVerifyBallots(nil, b.m, b.pk, b.creds, ballots)
		errs := make([]error, len(batch))
		var be *voting.BallotBatchError
		switch {
		case err == nil:
		case errors.As(err, &be):
			for k, i := range be.Indices {
				errs[i] = be.Errs[k]
			}
		default:
			for i := range errs {
				errs[i] = err
			}
		}
		for i, r := range batch {
			r.done <- errs[i]
		}
	}
}

// verify checks bal's proofs and signature and its credential on the list
// (voting.VerifyBallot), batched with concurrent calls.
func (b *Box) verify(ctx context.Context, bal *voting.Ballot) error {
	r := &verifyReq{b: bal, done: make(chan error, 1)}
	select {
	case b.verifyCh <- r:
	case <-b.closed:
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("ballotbox: waiting to verify: %w", ctx.Err())
	}
	select {
	case err := <-r.done:
		return err
	case <-b.closed:
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("ballotbox: verifying: %w", ctx.Err())
	}
}

// Close stops the box's verifier workers; voting.ReceiptCast and Audit then fail. It
// does not close the database or the board, and does not wait for Run
// (cancel its context).
func (b *Box) Close() error {
	b.closeOnce.Do(func() { close(b.closed) })
	b.workers.Wait()
	return nil
}
