package ballotbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// A voter casts; the box acknowledges with a receipt it signed; the same
// ballot sent again gets the same receipt; once posted, the voter finds
// the ballot on the board with an inclusion proof against the batch's
// root, and it is the ballot that counts.
func TestCastPostAndCheck(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e, box := openElection(t, "happy "+t.Name(), voting.RevoteLastCounts, 3, url)

		var receipts []*voting.Receipt
		for i := range 3 {
			b, _ := e.ballot(i, yes, fmt.Sprint(i))
			r, err := box.Cast(ctx, b.Bytes())
			if err != nil {
				t.Fatalf("cast %d: %v", i, err)
			}
			if err := r.Verify(box.PublicKey()); err != nil {
				t.Fatal(err)
			}
			if r.TrackingCode != b.TrackingCode() || r.Election != e.m.ID || r.Kind != voting.ReceiptCast {
				t.Fatalf("receipt %+v", r)
			}
			again, err := box.Cast(ctx, b.Bytes())
			if err != nil || !bytes.Equal(again.Bytes(), r.Bytes()) {
				t.Fatalf("the same ballot again: %v; receipts differ: %v", err, err == nil)
			}
			receipts = append(receipts, r)
		}
		if receipts[0].Seq >= receipts[1].Seq || receipts[1].Seq >= receipts[2].Seq {
			t.Fatalf("receipt numbers %d, %d, %d do not increase", receipts[0].Seq, receipts[1].Seq, receipts[2].Seq)
		}
		st, err := box.Status(ctx, receipts[1].TrackingCode)
		if err != nil || st.Posted {
			t.Fatalf("status before posting: %+v, %v", st, err)
		}
		if n, _ := box.Pending(ctx); n != 3 {
			t.Fatalf("%d pending, want 3", n)
		}
		if n, err := box.Post(ctx); err != nil || n != 1 {
			t.Fatalf("Post: %d entries, %v; want 1 batch", n, err)
		}
		if n, _ := box.Pending(ctx); n != 0 {
			t.Fatalf("%d pending after posting", n)
		}
		codes, batches := e.onBoard()
		if batches != 1 || len(codes) != 3 {
			t.Fatalf("%d batches holding %d ballots", batches, len(codes))
		}
		for _, r := range receipts {
			st, err := box.Status(ctx, r.TrackingCode)
			if err != nil || !st.Posted || !bytes.Equal(st.Receipt.Bytes(), r.Bytes()) {
				t.Fatalf("status: %+v, %v", st, err)
			}
			// The client reads the entry from the board itself.
			es, err := e.board.Entries(ctx, e.m.Topic(), st.Seq, st.Seq+1)
			if err != nil || len(es) != 1 || es[0].Kind != bulletin.KindBallotBatch {
				t.Fatalf("entry %d: %v", st.Seq, err)
			}
			batch, err := voting.ParseBatch(es[0].Payload)
			if err != nil {
				t.Fatal(err)
			}
			if err := voting.VerifyInclusion(r.TrackingCode, st.Proof, batch.Root); err != nil {
				t.Fatal(err)
			}
			other := receipts[0].TrackingCode
			if other != r.TrackingCode && voting.VerifyInclusion(other, st.Proof, batch.Root) == nil {
				t.Fatal("a proof verified for another ballot")
			}
		}
		counted, err := ballotbox.Counted(ctx, e.board, e.m)
		if err != nil || len(counted) != 3 {
			t.Fatalf("counted %d, %v", len(counted), err)
		}
		// Nothing more to post.
		if n, err := box.Post(ctx); err != nil || n != 0 {
			t.Fatalf("second Post: %d, %v", n, err)
		}
	})
}

// 100 ballots from one credential arrive at once. Under last-counts all
// are stored and posted, and the one that counts is the last on the
// board; under denied exactly one is accepted.
func TestConcurrentRevotes(t *testing.T) {
	const n = 100
	for _, policy := range []voting.RevotePolicy{voting.RevoteLastCounts, voting.RevoteDenied} {
		t.Run(string(policy), func(t *testing.T) {
			backends(t, func(t *testing.T, url string) {
				ctx := ctxFor(t)
				e, box := openElection(t, "revotes "+t.Name(), policy, 2, url)
				ballots := e.ballotsOf(0, yes, "", n)
				receipts := make([]*voting.Receipt, n)
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := range ballots {
					wg.Go(func() { receipts[i], errs[i] = box.Cast(ctx, ballots[i]) })
				}
				wg.Wait()
				accepted := 0
				for i, err := range errs {
					switch {
					case err == nil:
						accepted++
					case policy == voting.RevoteDenied && errors.Is(err, ballotbox.ErrRevoteDenied):
					default:
						t.Fatalf("cast %d: %v", i, err)
					}
				}
				want := n
				if policy == voting.RevoteDenied {
					want = 1
				}
				if accepted != want {
					t.Fatalf("%d accepted, want %d", accepted, want)
				}
				if _, err := box.Post(ctx); err != nil {
					t.Fatal(err)
				}
				codes, _ := e.onBoard()
				if len(codes) != want {
					t.Fatalf("%d ballots on the board, want %d", len(codes), want)
				}
				for i, r := range receipts {
					if r != nil && !slices.Contains(codes, r.TrackingCode) {
						t.Fatalf("acknowledged ballot %d is not on the board", i)
					}
				}
				counted, err := ballotbox.Counted(ctx, e.board, e.m)
				if err != nil || len(counted) != 1 {
					t.Fatalf("%d counted, %v", len(counted), err)
				}
				for _, b := range counted {
					if b.TrackingCode() != codes[len(codes)-1] {
						t.Fatal("the counted ballot is not the last on the board")
					}
				}
				if policy == voting.RevoteDenied {
					// A later ballot is refused too, the accepted one is
					// still acknowledged.
					b, _ := e.ballot(0, yes, "late")
					if _, err := box.Cast(ctx, b.Bytes()); !errors.Is(err, ballotbox.ErrRevoteDenied) {
						t.Fatalf("a late revote: %v", err)
					}
				}
			})
		})
	}
}

// A ballot whose ciphertext repeats one already accepted (here: the same
// randomness under another credential, a valid ballot otherwise) is
// refused; so is casting an audited ballot and auditing a cast one.
func TestClash(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e, box := openElection(t, "clash "+t.Name(), voting.RevoteLastCounts, 3, url)
		first, firstSecrets := e.ballot(0, yes, "same randomness")
		if _, err := box.Cast(ctx, first.Bytes()); err != nil {
			t.Fatal(err)
		}
		copied, _ := e.ballot(1, yes, "same randomness")
		if copied.ClashKeys()[0] != first.ClashKeys()[0] {
			t.Fatal("the test needs two ballots sharing a ciphertext")
		}
		if err := voting.VerifyBallot(e.m, e.pk, mustCreds(t, e), copied); err != nil {
			t.Fatalf("the copy should be valid on its own: %v", err)
		}
		if _, err := box.Cast(ctx, copied.Bytes()); !errors.Is(err, ballotbox.ErrClash) {
			t.Fatalf("copied ciphertext: %v", err)
		}

		// Auditing the cast ballot would reveal a counted vote: refused.
		a, err := voting.AuditBallot(first, firstSecrets)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := a.Bytes(e.m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := box.Audit(ctx, rec); !errors.Is(err, ballotbox.ErrClash) {
			t.Fatalf("auditing a cast ballot: %v", err)
		}

		// An audited ballot is posted as audited-ballot and never cast.
		spoiled, secrets := e.ballot(2, yes, "spoiled")
		a, err = voting.AuditBallot(spoiled, secrets)
		if err != nil {
			t.Fatal(err)
		}
		rec, err = a.Bytes(e.m)
		if err != nil {
			t.Fatal(err)
		}
		r, err := box.Audit(ctx, rec)
		if err != nil || r.Kind != voting.ReceiptAudited || r.Verify(box.PublicKey()) != nil {
			t.Fatalf("audit: %+v, %v", r, err)
		}
		if again, err := box.Audit(ctx, rec); err != nil || !bytes.Equal(again.Bytes(), r.Bytes()) {
			t.Fatalf("the same audit again: %v", err)
		}
		if _, err := box.Cast(ctx, spoiled.Bytes()); !errors.Is(err, ballotbox.ErrClash) {
			t.Fatalf("casting an audited ballot: %v", err)
		}
		// The audited credential still votes.
		fresh, _ := e.ballot(2, yes, "after the audit")
		if _, err := box.Cast(ctx, fresh.Bytes()); err != nil {
			t.Fatal(err)
		}
		if n, err := box.Post(ctx); err != nil || n != 3 {
			t.Fatalf("Post: %d entries, %v; want batch, audit, batch", n, err)
		}
		if got := e.entriesOf(bulletin.KindAuditedBallot); got != 1 {
			t.Fatalf("%d audited-ballot entries", got)
		}
		st, err := box.Status(ctx, spoiled.TrackingCode())
		if err != nil || !st.Posted || st.Proof != nil || st.Receipt.Kind != voting.ReceiptAudited {
			t.Fatalf("audited status: %+v, %v", st, err)
		}
		counted, err := ballotbox.Counted(ctx, e.board, e.m)
		if err != nil || len(counted) != 2 {
			t.Fatalf("counted %d, %v", len(counted), err)
		}
		if counted[[32]byte(e.creds[2].Key.Public().Bytes())].TrackingCode() != fresh.TrackingCode() {
			t.Fatal("the audited credential's cast ballot does not count")
		}
	})
}

func mustCreds(t *testing.T, e *election) *voting.CredentialList {
	t.Helper()
	l, err := voting.ReadCredentials(context.Background(), e.board, e.m)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Ballots the box must refuse: a credential not on the list, before the
// election opens and after it closes, a malformed ballot, a ballot of
// another election.
func TestRefusals(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e := newElection(t, "refusals "+t.Name(), voting.RevoteLastCounts, true, 2)
		box := e.box(storetest.Open(t, url))
		b, _ := e.ballot(0, yes, "early")
		if _, err := box.Cast(ctx, b.Bytes()); !errors.Is(err, ballotbox.ErrNotOpen) {
			t.Fatalf("before opening: %v", err)
		}
		e.phase(bulletin.PhaseOpen)

		strangers, _, err := voting.GenerateCredentials(testRand("strangers"), e.m, map[string]int{"city": 1})
		if err != nil {
			t.Fatal(err)
		}
		stranger, _, err := voting.EncryptBallot(testRand("stranger"), e.m, e.pk, "city", strangers[0].Key, yes)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := box.Cast(ctx, stranger.Bytes()); !errors.Is(err, voting.ErrUnknownCredential) {
			t.Fatalf("credential not on the list: %v", err)
		}
		bad := slices.Clone(b.Bytes())
		bad[len(bad)-1] ^= 1
		if _, err := box.Cast(ctx, bad); err == nil {
			t.Fatal("a ballot with a broken signature was accepted")
		}
		if _, err := box.Cast(ctx, b.Bytes()[:100]); !errors.Is(err, voting.ErrMalformedBallot) {
			t.Fatalf("truncated: %v", err)
		}
		other := newElection(t, "refusals other "+t.Name(), voting.RevoteLastCounts, true, 1)
		ob, _ := other.ballot(0, yes, "other")
		if _, err := box.Cast(ctx, ob.Bytes()); !errors.Is(err, voting.ErrInvalidBallot) {
			t.Fatalf("another election's ballot: %v", err)
		}
		r, err := box.Cast(ctx, b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		e.phase(bulletin.PhaseClosed)
		late, _ := e.ballot(1, yes, "late")
		if _, err := box.Cast(ctx, late.Bytes()); !errors.Is(err, ballotbox.ErrNotOpen) {
			t.Fatalf("after closing: %v", err)
		}
		// A replay of an acknowledged ballot still gets its receipt.
		if again, err := box.Cast(ctx, b.Bytes()); err != nil || again.Seq != r.Seq {
			t.Fatalf("replay after closing: %v", err)
		}
		if n, _ := box.Pending(ctx); n != 1 {
			t.Fatalf("%d pending", n)
		}
		// The election closed before the box posted the ballot: the board
		// refuses the batch, and the voter learns the ballot was not cast.
		if n, err := box.Post(ctx); err != nil || n != 0 {
			t.Fatalf("Post after the close: %d, %v", n, err)
		}
		st, err := box.Status(ctx, b.TrackingCode())
		if err != nil || st.Posted || !st.Refused {
			t.Fatalf("status of a refused ballot: %+v, %v", st, err)
		}
		if n, _ := box.Pending(ctx); n != 0 {
			t.Fatalf("%d pending after the refusal", n)
		}
		if e.entriesOf(bulletin.KindBallotBatch) != 0 {
			t.Fatal("a batch was posted after the close")
		}
	})
}

// The box crashes after acknowledging ballots and before posting them;
// restarted, it posts each exactly once.
func TestCrashBeforePost(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e := newElection(t, "crash "+t.Name(), voting.RevoteLastCounts, true, 2)
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		box := e.box(db)
		e.phase(bulletin.PhaseOpen)
		var codes []voting.TrackingCode
		for i := range 2 {
			b, _ := e.ballot(i, yes, fmt.Sprint("before the crash ", i))
			if _, err := box.Cast(ctx, b.Bytes()); err != nil {
				t.Fatal(err)
			}
			codes = append(codes, b.TrackingCode())
		}
		db.Close() // the crash: nothing was posted

		box = e.box(storetest.Open(t, url))
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- box.Run(runCtx) }()
		for {
			if n, err := box.Pending(ctx); err != nil || n == 0 {
				break
			}
		}
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		got, batches := e.onBoard()
		if batches != 1 || !slices.Equal(got, codes) {
			t.Fatalf("on the board: %d batches, %d ballots", batches, len(got))
		}
	})
}

// lossyBoard posts, then fails as if the connection dropped before the
// answer: the box cannot know whether its entry landed.
type mbClient = memboard.Client

type lossyBoard struct {
	*mbClient
	fail bool
}

func (b *lossyBoard) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	seq, err := b.mbClient.Append(ctx, topic, kind, payload)
	if err == nil && b.fail {
		return 0, errors.New("connection reset")
	}
	return seq, err
}

// onceBoard has ethboard's AppendOnce, which the box must use.
type onceBoard struct {
	*mbClient
	calls int
}

func (b *onceBoard) AppendOnce(ctx context.Context, topic bulletin.TopicID, from uint64, msgs []bulletin.Message) ([]uint64, error) {
	b.calls++
	seqs := make([]uint64, len(msgs))
	for i, m := range msgs {
		s, err := b.Append(ctx, topic, m.Kind, m.Payload)
		if err != nil {
			return nil, err
		}
		seqs[i] = s
	}
	return seqs, nil
}

// The box posts a batch and crashes before recording it; the restarted
// poster finds the entry on the board and does not post it again.
func TestCrashAfterAppend(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "crash after append", voting.RevoteLastCounts, true, 2)
	url := storetest.SQLiteURL(t)
	lossy := &lossyBoard{mbClient: e.boxBoard, fail: true}
	db := storetest.Open(t, url)
	box := e.boxOn(db, lossy)
	e.phase(bulletin.PhaseOpen)
	b, _ := e.ballot(0, yes, "x")
	if _, err := box.Cast(ctx, b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := box.Post(ctx); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	// A second ballot arrives meanwhile: it goes into a later batch.
	b2, _ := e.ballot(1, yes, "y")
	if _, err := box.Cast(ctx, b2.Bytes()); err != nil {
		t.Fatal(err)
	}
	lossy.fail = false
	if n, err := box.Post(ctx); err != nil || n != 2 {
		t.Fatalf("Post after the failure: %d, %v", n, err)
	}
	got, batches := e.onBoard()
	if batches != 2 || len(got) != 2 || got[0] != b.TrackingCode() || got[1] != b2.TrackingCode() {
		t.Fatalf("on the board: %d batches, %d ballots", batches, len(got))
	}

	// With a board that has AppendOnce, the box uses it.
	once := &onceBoard{mbClient: e.boxBoard}
	box = e.boxOn(db, once)
	b3, _ := e.ballot(1, yes, "z")
	if _, err := box.Cast(ctx, b3.Bytes()); err != nil {
		t.Fatal(err)
	}
	if n, err := box.Post(ctx); err != nil || n != 1 || once.calls != 1 {
		t.Fatalf("Post with AppendOnce: %d, %v, %d calls", n, err, once.calls)
	}
}

// Batches are cut where the next ballot would not fit, or at MaxBatch;
// an audit is an entry of its own between them.
func TestBatching(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "batching", voting.RevoteLastCounts, false, 1)
	db := storetest.Open(t, storetest.SQLiteURL(t))
	box := e.box(db)
	e.phase(bulletin.PhaseOpen)
	b, _ := e.ballot(0, exampleSelections, "size")
	per := (bulletin.MaxPayload - 37) / (len(b.Bytes()) + 4)
	total := per + 3
	for _, b := range e.ballotsOf(0, exampleSelections, "", total) {
		if _, err := box.Cast(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := box.Post(ctx); err != nil || n != 2 {
		t.Fatalf("Post: %d entries, %v; want 2", n, err)
	}
	codes, batches := e.onBoard()
	if len(codes) != total || batches != 2 {
		t.Fatalf("%d ballots in %d batches", len(codes), batches)
	}
	_, count, _ := e.board.Head(ctx, e.m.Topic())
	es, _ := e.board.Entries(ctx, e.m.Topic(), count-2, count)
	if bt, _ := voting.ParseBatch(es[0].Payload); len(bt.Ballots) != per {
		t.Fatalf("first batch holds %d, want %d (%d bytes each)", len(bt.Ballots), per, len(b.Bytes()))
	}
}

var exampleSelections = voting.Selections{
	"bike-lanes": {Options: []string{"yes"}},
	"council":    {Options: []string{"sidorova", "ivanova"}},
	"mayor":      {Options: []string{"volkova", voting.WriteInChoice, "orlov"}, WriteIn: "Pat Example"},
}

// The same ballot sent 20 times at once (a client retrying) is stored once
// and every request gets the same receipt.
func TestConcurrentDuplicates(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e, box := openElection(t, "duplicates "+t.Name(), voting.RevoteDenied, 1, url)
		b, _ := e.ballot(0, yes, "retried")
		receipts := make([]*voting.Receipt, 20)
		errs := make([]error, 20)
		var wg sync.WaitGroup
		for i := range receipts {
			wg.Go(func() { receipts[i], errs[i] = box.Cast(ctx, b.Bytes()) })
		}
		wg.Wait()
		for i := range receipts {
			if errs[i] != nil || !bytes.Equal(receipts[i].Bytes(), receipts[0].Bytes()) {
				t.Fatalf("request %d: %v", i, errs[i])
			}
		}
		if n, _ := box.Pending(ctx); n != 1 {
			t.Fatalf("%d stored", n)
		}
	})
}

// Ballots that arrive together are stored together (one transaction for
// all those waiting), with the same rules as one by one: of 12 copies of
// one ciphertext under 12 credentials, sent at once, exactly one is
// accepted; 24 distinct ballots sent at once are all accepted, and their
// receipts' sequence numbers follow their order on the board.
func TestConcurrentClashesAndOrder(t *testing.T) {
	backends(t, func(t *testing.T, url string) {
		ctx := ctxFor(t)
		e, box := openElection(t, "group "+t.Name(), voting.RevoteLastCounts, 24, url)
		cast := func(ballots [][]byte) ([]*voting.Receipt, []error) {
			receipts := make([]*voting.Receipt, len(ballots))
			errs := make([]error, len(ballots))
			var wg sync.WaitGroup
			for i := range ballots {
				wg.Go(func() { receipts[i], errs[i] = box.Cast(ctx, ballots[i]) })
			}
			wg.Wait()
			return receipts, errs
		}

		copies := make([][]byte, 12)
		for i := range copies {
			b, _ := e.ballot(i, yes, "one randomness for all")
			copies[i] = b.Bytes()
		}
		_, errs := cast(copies)
		accepted := 0
		for i, err := range errs {
			switch {
			case err == nil:
				accepted++
			case !errors.Is(err, ballotbox.ErrClash):
				t.Fatalf("copy %d: %v", i, err)
			}
		}
		if accepted != 1 {
			t.Fatalf("%d copies of one ciphertext accepted, want 1", accepted)
		}

		distinct := make([][]byte, 24)
		for i := range distinct {
			b, _ := e.ballot(i, yes, fmt.Sprint("distinct ", i))
			distinct[i] = b.Bytes()
		}
		receipts, errs := cast(distinct)
		seqOf := map[voting.TrackingCode]uint64{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("ballot %d: %v", i, err)
			}
			if err := receipts[i].Verify(box.PublicKey()); err != nil {
				t.Fatalf("ballot %d: %v", i, err)
			}
			seqOf[receipts[i].TrackingCode] = receipts[i].Seq
		}
		if _, err := box.Post(ctx); err != nil {
			t.Fatal(err)
		}
		codes, _ := e.onBoard()
		if len(codes) != 25 {
			t.Fatalf("%d ballots on the board, want 25", len(codes))
		}
		last := uint64(0)
		for _, c := range codes[1:] {
			seq, ok := seqOf[c]
			if !ok || seq <= last {
				t.Fatalf("board order and receipt order differ: seq %d after %d", seq, last)
			}
			last = seq
		}
	})
}

// Ballots sent at once are verified in one batch; a few invalid ones
// (a signature off by one, still canonical) among them are refused each
// with its own error, and the valid ones are accepted.
func TestInvalidBallotsAmongValidOnes(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "mixed batch", voting.RevoteLastCounts, true, 12)
	box := e.box(storetest.Open(t, storetest.SQLiteURL(t)))
	e.phase(bulletin.PhaseOpen)
	ballots := make([][]byte, 12)
	for i := range ballots {
		b, _ := e.ballot(i, yes, fmt.Sprint("mixed ", i))
		ballots[i] = b.Bytes()
		if i%4 == 3 {
			ballots[i] = slices.Clone(ballots[i])
			ballots[i][len(ballots[i])-32] ^= 1 // the low bit of the signature's z
		}
	}
	errs := make([]error, len(ballots))
	var wg sync.WaitGroup
	for i := range ballots {
		wg.Go(func() { _, errs[i] = box.Cast(ctx, ballots[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%4 == 3 && !errors.Is(err, voting.ErrInvalidBallot):
			t.Errorf("ballot %d (bad signature): %v, want ErrInvalidBallot", i, err)
		case i%4 != 3 && err != nil:
			t.Errorf("ballot %d: %v", i, err)
		}
	}
	if n, err := box.Pending(ctx); err != nil || n != 9 {
		t.Fatalf("%d stored (%v), want 9", n, err)
	}
}
