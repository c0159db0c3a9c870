package polls_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/voting"
)

// One call creates a poll; it then runs as an election with the same
// credentials, ballot box, tally and universal verifier, and the count
// is what the voters chose.
func TestAPollRunsAsAnElectionAndVerifies(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		m, err := e.svc.CreatePoll(ctx, e.commission, spec("bike-lanes"))
		if err != nil {
			t.Fatal(err)
		}
		if c := m.Contests[0]; c.Tally != voting.Homomorphic || c.Kind != voting.OneOf || len(m.Mixers) != 0 {
			t.Fatalf("contest %+v", c)
		}
		onBoard, err := voting.ReadManifest(ctx, e.board, "bike-lanes")
		if err != nil {
			t.Fatal(err)
		}
		if fp1, _ := onBoard.Fingerprint(); fp1 != must(m.Fingerprint()) {
			t.Fatal("the manifest on the board is not the one returned")
		}
		p := pollstest.Open(t, e.board, "bike-lanes", 5, e.boxKey, e.db)
		choices := []string{"a", "b", "a", "c", "a"}
		for i, c := range choices {
			p.Vote(p.Creds[i], c)
		}
		res := p.Finish()
		if got := res.Contests[0].Totals; !slices.Equal(got, []uint64{3, 1, 1}) {
			t.Fatalf("totals %v, want [3 1 1]", got)
		}
		p.Verify()
		// The poll is listed as a subject residents comment on.
		if _, err := e.svc.Subject(ctx, "poll/bike-lanes"); err != nil {
			t.Fatal(err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestPollCreationNeedsTheCommissionRoleAndAValidSpec(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetestSQLite(t))
	ctx := context.Background()
	resident := e.resident("alice")
	if _, err := e.svc.CreatePoll(ctx, resident, spec("p1")); !errors.Is(err, polls.ErrForbidden) {
		t.Fatalf("a resident creating a poll: %v", err)
	}
	if _, err := e.svc.CreatePoll(ctx, e.moderator, spec("p1")); !errors.Is(err, polls.ErrForbidden) {
		t.Fatalf("a moderator creating a poll: %v", err)
	}
	bad := map[string]func(s *polls.Spec){
		"ranked kind":        func(s *polls.Spec) { s.Kind = voting.Ranked },
		"one option":         func(s *polls.Spec) { s.Options = s.Options[:1] },
		"duplicate option":   func(s *polls.Spec) { s.Options[1].ID = "a" },
		"closes before open": func(s *polls.Spec) { s.Closes = s.Opens.Add(-1) },
		"bad id":             func(s *polls.Spec) { s.ID = "Bad Id" },
		"approval max 9":     func(s *polls.Spec) { s.Kind, s.Max = voting.Approval, 9 },
		"one-of max 2":       func(s *polls.Spec) { s.Max = 2 },
		"no question":        func(s *polls.Spec) { s.Question = nil },
	}
	for name, mutate := range bad {
		s := spec("p1")
		mutate(s)
		if _, err := e.svc.CreatePoll(ctx, e.commission, s); !errors.Is(err, polls.ErrInvalidPoll) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A service whose default parties name another commission cannot
	// create polls, and says why.
	other, err := polls.New(polls.Config{DB: e.db, Identity: e.ident, Board: e.board.As(bulletin.Address{0x99}), Defaults: pollstest.Defaults(e.boxKey)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreatePoll(ctx, e.commission, spec("p1")); !errors.Is(err, polls.ErrNoBoard) {
		t.Fatalf("creating with another commission: %v", err)
	}
	s := spec("p2")
	s.Kind, s.Max = voting.Approval, 2
	m, err := e.svc.CreatePoll(ctx, e.commission, s)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Contests[0]; c.Min != 0 || c.Max != 2 || !c.Blank {
		t.Fatalf("approval contest %+v", c)
	}
	if _, err := e.svc.CreatePoll(ctx, e.commission, s); !errors.Is(err, polls.ErrDuplicate) {
		t.Fatalf("creating a poll twice: %v", err)
	}
}

func storetestSQLite(t *testing.T) string { return sqliteURL(t) }

// Comments, moderation and ratings, then their aggregates on the board:
// the published counts and averages are the board's, and each resident
// checks their own item with their receipt.
func TestCommentsRatingsAndAnchoredAggregates(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.svc.CreatePoll(ctx, e.commission, spec("park")); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AddSubject(ctx, e.moderator, "activity/spring-cleanup", voting.Text{"en": "Spring clean-up"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AddSubject(ctx, e.moderator, "project/new-library", voting.Text{"en": "New library"}); err != nil {
			t.Fatal(err)
		}
		var residents []identity.ResidentID
		for _, n := range []string{"r1", "r2", "r3", "r4"} {
			residents = append(residents, e.resident(n))
		}
		ratings := []int{5, 4, 2, 5}
		for i, r := range residents {
			if _, err := e.svc.Rate(ctx, r, "activity/spring-cleanup", ratings[i]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Rate(ctx, residents[0], "activity/spring-cleanup", 1); !errors.Is(err, polls.ErrDuplicate) {
			t.Fatalf("a second rating: %v", err)
		}
		c1, err := e.svc.Comment(ctx, residents[0], "poll/park", "Put it along the river, please.")
		if err != nil {
			t.Fatal(err)
		}
		spam, err := e.svc.Comment(ctx, residents[1], "poll/park", "BUY CHEAP WATCHES")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Comment(ctx, residents[2], "project/new-library", "More study rooms."); err != nil {
			t.Fatal(err)
		}
		// Moderation: only a moderator hides, with a reason; the comment
		// stays listed, as hidden.
		if err := e.svc.Hide(ctx, residents[0], spam, "advertising"); !errors.Is(err, polls.ErrForbidden) {
			t.Fatalf("a resident hiding a comment: %v", err)
		}
		if err := e.svc.Hide(ctx, e.moderator, spam, "  "); !errors.Is(err, polls.ErrInvalid) {
			t.Fatalf("hiding without a reason: %v", err)
		}
		if err := e.svc.Hide(ctx, e.moderator, spam, "advertising"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Hide(ctx, e.moderator, 99999, "advertising"); !errors.Is(err, polls.ErrNotFound) {
			t.Fatalf("hiding an unknown comment: %v", err)
		}
		cs, err := e.svc.Comments(ctx, "poll/park")
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].ID != c1 || cs[0].Hidden || cs[1].ID != spam || !cs[1].Hidden ||
			cs[1].HiddenReason != "advertising" || cs[1].Text != "" {
			t.Fatalf("comments %+v", cs)
		}

		first, err := e.svc.Anchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil || first.Number != 1 || first.Leaves != 7 || len(first.Rows) != 3 {
			t.Fatalf("first batch %+v", first)
		}
		if again, err := e.svc.Anchor(ctx); err != nil || again != nil {
			t.Fatalf("anchoring with nothing new: %+v, %v", again, err)
		}
		// A later rating goes into batch 2.
		r5 := e.resident("r5")
		if _, err := e.svc.Rate(ctx, r5, "activity/spring-cleanup", 3); err != nil {
			t.Fatal(err)
		}
		if second, err := e.svc.Anchor(ctx); err != nil || second.Number != 2 || second.Leaves != 1 {
			t.Fatalf("second batch %+v, %v", second, err)
		}

		// Anyone reads the board and recomputes the counts and averages
		// the service publishes.
		aggs, err := polls.ReadAggregates(ctx, e.board, pollstest.Commission)
		if err != nil {
			t.Fatal(err)
		}
		totals := polls.Totals(aggs)
		want := []polls.Total{
			{Kind: polls.KindComment, Subject: "poll/park", Count: 2, Hidden: 1}, // the hide is on the record
			{Kind: polls.KindComment, Subject: "project/new-library", Count: 1},
			{Kind: polls.KindRating, Subject: "activity/spring-cleanup", Count: 5, Sum: 19},
		}
		if !slices.Equal(totals, want) {
			t.Fatalf("totals on the board %+v, want %+v", totals, want)
		}
		sum, err := e.svc.Summarize(ctx, "activity/spring-cleanup")
		if err != nil {
			t.Fatal(err)
		}
		if sum.AnchoredRatings != totals[2].Count || sum.AnchoredSum != totals[2].Sum || totals[2].Average() != 3.8 {
			t.Fatalf("summary %+v against the board %+v", sum, totals[2])
		}
		// An auditor with the database opens each batch and checks it.
		for _, a := range aggs {
			items, err := e.svc.BatchItems(ctx, a.Number)
			if err != nil {
				t.Fatal(err)
			}
			if err := polls.CheckAggregate(&a.Aggregate, items); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.CheckBatch(ctx, &a.Aggregate); err != nil {
				t.Fatal(err)
			}
		}

		// Each resident checks their own items against the board.
		for _, r := range append(residents, r5) {
			mine, err := e.svc.Mine(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(mine) == 0 {
				t.Fatal("a resident has no items")
			}
			for _, it := range mine {
				if it.Receipt == nil {
					t.Fatalf("item %d has no receipt", it.ID)
				}
				if err := polls.CheckReceipt(it.Receipt, &aggs[it.Receipt.Batch-1].Aggregate); err != nil {
					t.Fatalf("item %d: %v", it.ID, err)
				}
				// A receipt claiming another rating, or another subject,
				// fails.
				forged := *it.Receipt
				if forged.Item.Kind == polls.KindRating {
					forged.Item.Rating = forged.Item.Rating%5 + 1
				} else {
					forged.Item.Text += "!"
				}
				if err := polls.CheckReceipt(&forged, &aggs[it.Receipt.Batch-1].Aggregate); !errors.Is(err, polls.ErrMismatch) {
					t.Fatalf("a forged receipt: %v", err)
				}
			}
		}
		// Nobody sees another's items: r2's list holds only r2's.
		mine, _ := e.svc.Mine(ctx, residents[1])
		if len(mine) != 2 || mine[0].Rating != 4 || mine[1].ID != spam || !mine[1].Hidden {
			t.Fatalf("r2's items %+v", mine)
		}
	})
}

// The aggregates name nobody: no resident id, no pseudonym, no text, no
// salt appears in any entry of the service topic.
func TestAggregatesCarryNoPersonalData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteURL(t))
	ctx := context.Background()
	if err := e.svc.AddSubject(ctx, e.moderator, "activity/concert", voting.Text{"en": "Concert"}); err != nil {
		t.Fatal(err)
	}
	r := e.resident("bob")
	if _, err := e.svc.Rate(ctx, r, "activity/concert", 4); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Anchor(ctx); err != nil {
		t.Fatal(err)
	}
	mine, err := e.svc.Mine(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	var secrets [][]byte
	secrets = append(secrets, r[:], mine[0].Salt[:])
	for _, ctxName := range []string{"author", "rating/activity/concert", ""} {
		p, err := e.ident.Pseudonym(r, polls.ServiceName, []byte(ctxName))
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, p[:])
	}
	_, n, _ := e.board.Head(ctx, polls.Topic)
	es, err := e.board.Entries(ctx, polls.Topic, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range es {
		for _, s := range secrets {
			if strings.Contains(string(ent.Payload), string(s)) {
				t.Fatalf("entry %d carries a resident's secret or pseudonym", ent.Seq)
			}
		}
	}
	// Dictionary attempt: every rating 1-5 tried without the salt gives
	// none of the leaves; with the salt, exactly the resident's.
	aggs, _ := polls.ReadAggregates(ctx, e.board, pollstest.Commission)
	for v := uint8(1); v <= 5; v++ {
		var zero [polls.SaltSize]byte
		guess := polls.Leaf(polls.KindRating, "activity/concert", mine[0].ID, v, "", zero)
		rc := &polls.Receipt{Item: polls.Item{ID: mine[0].ID, Kind: polls.KindRating, Subject: "activity/concert", Rating: v}, Batch: 1, Proof: mine[0].Receipt.Proof}
		_ = guess
		if err := polls.CheckReceipt(rc, &aggs[0].Aggregate); err == nil {
			t.Fatalf("rating %d guessed without the salt", v)
		}
	}
}

// Input a resident controls is checked: unknown subjects, wrong kinds,
// bad ratings and texts, a resident listing subjects.
func TestHostileFeedback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteURL(t))
	ctx := context.Background()
	r := e.resident("mallory")
	if err := e.svc.AddSubject(ctx, e.moderator, "activity/run", voting.Text{"en": "Run"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"comment on an unknown project", second(e.svc.Comment(ctx, r, "project/guessed", "hi")), polls.ErrNotFound},
		{"comment on an activity", second(e.svc.Comment(ctx, r, "activity/run", "hi")), polls.ErrInvalid},
		{"rating of a poll", second(e.svc.Rate(ctx, r, "poll/x", 3)), polls.ErrInvalid},
		{"rating 0", second(e.svc.Rate(ctx, r, "activity/run", 0)), polls.ErrInvalid},
		{"rating 6", second(e.svc.Rate(ctx, r, "activity/run", 6)), polls.ErrInvalid},
		{"blank comment", second(e.svc.Comment(ctx, r, "activity/run", " \n ")), polls.ErrInvalid},
		{"control characters", second(e.svc.Comment(ctx, r, "poll/x", "a\x00b")), polls.ErrInvalid},
		{"huge comment", second(e.svc.Comment(ctx, r, "poll/x", strings.Repeat("a", polls.MaxComment+1))), polls.ErrInvalid},
		{"bad subject", second(e.svc.Comment(ctx, r, "../etc/passwd", "x")), polls.ErrInvalid},
		{"resident lists a project", e.svc.AddSubject(ctx, r, "project/mine", voting.Text{"en": "Mine"}), polls.ErrForbidden},
		{"moderator lists a poll", e.svc.AddSubject(ctx, e.moderator, "poll/fake", voting.Text{"en": "Fake"}), polls.ErrInvalid},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := e.svc.Comments(ctx, "project/guessed"); !errors.Is(err, polls.ErrNotFound) {
		t.Fatalf("comments of an unknown subject: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// Concurrent ratings by one resident: exactly one is stored.
func TestConcurrentRatingsByOneResidentKeepOne(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.svc.AddSubject(ctx, e.moderator, "activity/fair", voting.Text{"en": "Fair"}); err != nil {
			t.Fatal(err)
		}
		r := e.resident("eve")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { _, errs[i] = e.svc.Rate(ctx, r, "activity/fair", i%5+1) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, polls.ErrDuplicate) && !strings.Contains(err.Error(), "UNIQUE") && !strings.Contains(err.Error(), "unique"):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		sum, err := e.svc.Summarize(ctx, "activity/fair")
		if err != nil {
			t.Fatal(err)
		}
		if ok != 1 || sum.Ratings != 1 {
			t.Fatalf("%d ratings accepted, %d stored", ok, sum.Ratings)
		}
	})
}

// A batch planned but not posted (the board refused, the process died) is
// posted once by the next Anchor, not twice.
func TestAnchorAfterAFailedPostPostsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteURL(t))
	ctx := context.Background()
	if err := e.svc.AddSubject(ctx, e.moderator, "activity/x", voting.Text{"en": "X"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Rate(ctx, e.resident("a"), "activity/x", 2); err != nil {
		t.Fatal(err)
	}
	// Someone else owns the topic and has not authorised the service yet.
	other := e.board.As(bulletin.Address{0xee})
	if err := other.CreateTopic(ctx, polls.Topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Anchor(ctx); !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("anchoring without the right: %v", err)
	}
	if err := other.SetPoster(ctx, polls.Topic, pollstest.Commission, bulletin.NewKindSet(bulletin.KindAggregate)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Rate(ctx, e.resident("b"), "activity/x", 4); err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Anchor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	aggs, err := polls.ReadAggregates(ctx, e.board, pollstest.Commission)
	if err != nil {
		t.Fatal(err)
	}
	if len(aggs) != 2 || aggs[0].Leaves != 1 || aggs[1].Leaves != 1 || p.Number != 2 {
		t.Fatalf("batches on the board %+v", aggs)
	}
	if _, err := e.svc.Anchor(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := polls.ReadAggregates(ctx, e.board, pollstest.Commission); len(again) != 2 {
		t.Fatalf("%d batches after a further anchor", len(again))
	}
}
