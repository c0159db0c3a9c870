package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// pollsDemo runs Active Citizen briefly after the election, on the same
// chain (docs/spec/polls.md): a city poll made from a question and three
// options with one call, run as an election (one trustee, a few voters)
// and verified like one; residents comment and rate; a moderator hides a
// comment; the batch is anchored, the totals are read back from the chain
// and one resident checks their rating with their receipt.
func (e *election) pollsDemo(ctx context.Context) error {
	p := e.p
	start := time.Now()
	p.printf("\nActive Citizen on the same chain (services/polls)\n")
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(e.o.DataDir, "polls.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	secret := make([]byte, identity.SecretSize)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	ident, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}}) // demo only
	if err != nil {
		return err
	}
	service, err := e.account(ctx) // the service's account: commission, ballot box and credential authority of its polls
	if err != nil {
		return err
	}
	trusteeBoard, err := e.account(ctx)
	if err != nil {
		return err
	}
	self := address(service)
	boxKey, err := schnorr.GenerateKey(nil)
	if err != nil {
		return err
	}
	defaults := &polls.Defaults{
		Commission:          voting.Party{Name: "City hall", Address: self},
		BallotBox:           voting.Party{Name: "City hall ballot box", Address: self},
		BallotBoxKey:        hex.EncodeToString(boxKey.Public().Bytes()),
		CredentialAuthority: voting.Party{Name: "City hall credentials", Address: self},
		Trustees:            voting.Trustees{Threshold: 1, Members: []voting.Party{{Name: "Civic chamber", Address: address(trusteeBoard)}}},
		Mixers:              []voting.Party{},
	}
	svc, err := polls.New(polls.Config{DB: db, Identity: ident, Board: service, Defaults: defaults, Logger: e.o.Logger})
	if err != nil {
		return err
	}
	reg := func(who string, roles ...identity.Role) (identity.ResidentID, error) {
		return ident.Register(ctx, who, "demo password, not secret")
	}
	admin, err := reg("admin@city.example")
	if err != nil {
		return err
	}
	if err := ident.BootstrapAdministrator(ctx, admin); err != nil {
		return err
	}
	clerk, _ := reg("clerk@city.example")
	moderator, _ := reg("moderator@city.example")
	if err := errors.Join(ident.GrantRole(ctx, admin, clerk, identity.RoleCommission), ident.GrantRole(ctx, admin, moderator, identity.RoleModerator)); err != nil {
		return err
	}

	// 1. The poll: one call.
	now := time.Now().UTC().Truncate(time.Second)
	m, err := svc.CreatePoll(ctx, clerk, &polls.Spec{ID: "bike-route", Question: voting.Text{"en": "Which street gets the new bicycle lane?", "ru": "Какой улице новая велодорожка?"},
		Kind: voting.OneOf, Opens: now, Closes: now.Add(7 * 24 * time.Hour), Options: []voting.Option{
			{ID: "lenina", Title: voting.Text{"en": "Lenina street"}}, {ID: "river", Title: voting.Text{"en": "River embankment"}}, {ID: "ring", Title: voting.Text{"en": "Ring road"}}}})
	if err != nil {
		return err
	}
	fp, _ := m.Fingerprint()
	p.printf("  poll %s created with one call: one one-of question, 3 options, homomorphic tally; fingerprint %x…\n", m.ID, fp[:8])
	choices := []string{"river", "lenina", "river", "ring", "river", "river", "lenina"}
	res, err := e.runPoll(ctx, m, service, trusteeBoard, db, boxKey, choices)
	if err != nil {
		return err
	}
	rep, err := verify.Verify(ctx, e.commission, m.ID, nil)
	if err != nil {
		return err
	}
	if rep.Verdict != verify.Verified {
		return fmt.Errorf("the poll does not verify: %s: %w", rep.Verdict, rep.Err())
	}
	p.printf("  %d residents voted; totals %v for %v; the poll verifies like any election (veche verify --election %s: %s)\n",
		len(choices), res.Contests[0].Totals, []string{"lenina", "river", "ring"}, m.ID, rep.Verdict)

	// 2. Comments, moderation, ratings, and the batch on the chain.
	if err := svc.AddSubject(ctx, moderator, "activity/cleanup-day", voting.Text{"en": "Clean-up day", "ru": "Субботник"}); err != nil {
		return err
	}
	var residents []identity.ResidentID
	for i := range 5 {
		r, err := reg(fmt.Sprintf("resident%d@example.org", i+1))
		if err != nil {
			return err
		}
		residents = append(residents, r)
	}
	for i, rating := range []int{5, 4, 4, 3, 5} {
		if _, err := svc.Rate(ctx, residents[i], "activity/cleanup-day", rating); err != nil {
			return err
		}
	}
	if _, err := svc.Comment(ctx, residents[0], "poll/"+m.ID, "The embankment is safer for children."); err != nil {
		return err
	}
	spam, err := svc.Comment(ctx, residents[1], "poll/"+m.ID, "Buy cheap watches!")
	if err != nil {
		return err
	}
	if err := svc.Hide(ctx, moderator, spam, "advertising"); err != nil {
		return err
	}
	batch, err := svc.Anchor(ctx)
	if err != nil {
		return err
	}
	aggs, err := polls.ReadAggregates(ctx, e.commission, service.Address())
	if err != nil {
		return err
	}
	p.printf("  7 items (5 ratings, 2 comments, one hidden by a moderator: \"advertising\") anchored as batch %d at entry %d of the service topic: counts, sums and a Merkle root, no names\n",
		batch.Number, batch.Seq)
	for _, t := range polls.Totals(aggs) {
		if t.Kind == polls.KindRating {
			p.printf("  from the chain: %s rated %d times, average %.2f\n", t.Subject, t.Count, t.Average())
		} else {
			p.printf("  from the chain: %s has %d comments\n", t.Subject, t.Count)
		}
	}
	mine, err := svc.Mine(ctx, residents[2])
	if err != nil {
		return err
	}
	if len(mine) != 1 || mine[0].Receipt == nil {
		return errors.New("a resident has no receipt")
	}
	if err := polls.CheckReceipt(mine[0].Receipt, &aggs[mine[0].Receipt.Batch-1].Aggregate); err != nil {
		return err
	}
	p.printf("  resident 3 checked their rating (4) against the chain: its salted leaf is in batch %d, in the row of activity/cleanup-day\n", mine[0].Receipt.Batch)
	p.printf("  check it yourself: veche --data %s polls verify --poster %s (and the explorer's /explorer/polls/)\n", e.o.DataDir, self)
	p.printf("  (%v)\n", roundDuration(time.Since(start)))
	return nil
}

// runPoll runs published poll m to its published results: the trustee's
// key ceremony, credentials for the choices' voters, a ballot box on db
// taking their ballots, closing, weeding, the decryption and the results.
func (e *election) runPoll(ctx context.Context, m *voting.Manifest, service, trustee chain.Board, db *store.DB, boxKey *schnorr.PrivateKey, choices []string) (*tally.Results, error) {
	if err := voting.SetPhase(ctx, service, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		return nil, err
	}
	key, err := hybrid.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if _, err := voting.Join(ctx, trustee, m, key, nil); err != nil {
		return nil, err
	}
	st := &voting.MemoryStore{}
	var share *group.Scalar
	for i := 0; ; i++ {
		res, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{NoWait: true})
		if err != nil && !errors.Is(err, voting.ErrPending) {
			return nil, err
		}
		if res != nil {
			share = res.Share
		}
		if _, err := voting.CloseCeremony(ctx, service, m, nil); err == nil {
			break
		} else if !errors.Is(err, voting.ErrNotReady) || i == 10 {
			return nil, err
		}
	}
	if share == nil {
		res, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{NoWait: true})
		if err != nil {
			return nil, err
		}
		share = res.Share
	}
	pub, err := voting.JointKey(ctx, service, m)
	if err != nil {
		return nil, err
	}
	pk, err := elgamal.NewPublicKeyFromElement(pub.JointKey)
	if err != nil {
		return nil, err
	}
	creds, list, err := voting.GenerateCredentials(nil, m, map[string]int{polls.District: len(choices)})
	if err != nil {
		return nil, err
	}
	if err := voting.PostCredentials(ctx, service, m, list); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, service, m.ID, bulletin.PhaseOpen); err != nil {
		return nil, err
	}
	box, err := ballotbox.New(ctx, ballotbox.Config{Election: m.ID, Board: boxOnly{service}, DB: db, Key: boxKey, PhaseTTL: -1, Logger: e.o.Logger})
	if err != nil {
		return nil, err
	}
	defer box.Close()
	for i, c := range choices {
		b, _, err := voting.EncryptBallot(nil, m, pk, creds[i].Style, creds[i].Key, voting.Selections{polls.ContestID: {Options: []string{c}}})
		if err != nil {
			return nil, err
		}
		if _, err := box.Cast(ctx, b.Bytes()); err != nil {
			return nil, err
		}
	}
	if _, err := box.Post(ctx); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, service, m.ID, bulletin.PhaseClosed); err != nil {
		return nil, err
	}
	w, err := tally.Weed(ctx, service, m, list, pk)
	if err != nil {
		return nil, err
	}
	if err := tally.PostTallyInputs(ctx, service, m, w); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, service, m.ID, bulletin.PhaseTallying); err != nil {
		return nil, err
	}
	tr, err := tally.TrusteesOf(m, pub)
	if err != nil {
		return nil, err
	}
	c, err := tally.CascadeOf(m, pk)
	if err != nil {
		return nil, err
	}
	lists, err := tally.ListsToDecrypt(ctx, trustee, m, w, c)
	if err != nil {
		return nil, err
	}
	for _, l := range lists {
		if err := tally.PostDecryption(ctx, nil, trustee, m.Topic(), tr, 1, share, l); err != nil {
			return nil, err
		}
	}
	res, err := tally.TallyResults(ctx, service, m, w, tr, c)
	if err != nil {
		return nil, err
	}
	if err := tally.PostResults(ctx, service, m, res); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, service, m.ID, bulletin.PhasePublished); err != nil {
		return nil, err
	}
	return res, nil
}
