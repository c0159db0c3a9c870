package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/store"
)

// demoClock is the stall service's clock in the demo: the bidding window
// is opened and closed by moving it, not by waiting.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *demoClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// stallsDemo runs a short stall allocation season after the election, on
// the same chain and in the same data directory (docs/spec/stalls.md): an
// operator publishes 6 stalls with a 2-of-3 trustees' key, 5 sellers seal
// bids under per-season pseudonyms (a copied bid is refused), the trustees
// decrypt after the window, the allocation is posted and re-run from the
// board as anyone would.
func (e *election) stallsDemo(ctx context.Context) error {
	p := e.p
	start := time.Now()
	p.printf("\nFarmers' market stalls on the same chain (services/stalls)\n")
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(e.o.DataDir, "stalls.db")) // its own residents and administrator
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
	poster, err := e.account(ctx)
	if err != nil {
		return err
	}
	opens := time.Now().UTC().Truncate(time.Second)
	closes := opens.Add(14 * 24 * time.Hour)
	clock := &demoClock{t: opens.Add(-time.Minute)}
	svc, err := stalls.New(db, poster, ident, &stalls.Options{Now: clock.Now, Log: e.o.Logger})
	if err != nil {
		return err
	}
	reg := func(who string) (identity.ResidentID, error) {
		return ident.Register(ctx, who, "demo password, not secret")
	}
	admin, err := reg("admin@city.example")
	if err != nil {
		return err
	}
	if err := ident.BootstrapAdministrator(ctx, admin); err != nil {
		return err
	}
	grant := func(who string, r identity.Role) (identity.ResidentID, error) {
		id, err := reg(who)
		if err != nil {
			return id, err
		}
		return id, ident.GrantRole(ctx, admin, id, r)
	}
	operator, err := grant("markets@city.example", identity.RoleMarketOperator)
	if err != nil {
		return err
	}
	var trustees []identity.ResidentID
	for j := 1; j <= 3; j++ {
		t, err := grant(fmt.Sprintf("market-trustee%d@city.example", j), identity.RoleTrustee)
		if err != nil {
			return err
		}
		trustees = append(trustees, t)
	}
	const season = "danilovsky-spring"
	keys, pub, err := stalls.Ceremony(nil, season, 2, 3)
	if err != nil {
		return err
	}
	if err := svc.CreateSeason(ctx, operator, stalls.Draft{ID: season, Opens: opens, Closes: closes, Cap: 1, Trustees: pub.Bytes()}); err != nil {
		return err
	}
	if _, err := svc.AddMarket(ctx, operator, season, "Danilovsky market"); err != nil {
		return err
	}
	var defs []stalls.Stall
	for i, kind := range []string{"produce", "produce", "dairy", "meat", "bakery", "crafts"} {
		defs = append(defs, stalls.Stall{ID: fmt.Sprintf("D-%02d", i+1), Size: 600, Kind: kind, Reserve: 150000})
	}
	if err := svc.AddStalls(ctx, operator, season, defs); err != nil {
		return err
	}
	if _, err := svc.Publish(ctx, operator, season); err != nil {
		return err
	}
	s, err := svc.Season(ctx, season)
	if err != nil {
		return err
	}
	topic := stalls.Topic(season)
	p.printf("  season %s: %d stalls, at most %d per person, bids sealed under a 2-of-3 trustees' key; topic %s…\n",
		season, len(s.Stalls), s.Cap, topic.String()[:16])

	clock.set(opens)
	bids := []struct {
		seller string
		stall  string
		amount uint64
	}{
		{"anna", "D-01", 250000}, {"anna", "D-02", 240000}, {"boris", "D-01", 250000}, // a tie for D-01
		{"boris", "D-03", 180000}, {"vera", "D-02", 260000}, {"vera", "D-04", 200000},
		{"gleb", "D-04", 210000}, {"gleb", "D-05", 100000}, {"dina", "D-06", 155000}, // D-05: under the reserve
	}
	sellers := map[string]identity.ResidentID{}
	for _, b := range bids {
		if _, ok := sellers[b.seller]; !ok {
			id, err := grant(b.seller+"@example.org", identity.RoleSeller)
			if err != nil {
				return err
			}
			sellers[b.seller] = id
		}
	}
	var sealed []*stalls.SealedBid
	for _, b := range bids {
		me, err := svc.Bidder(ctx, sellers[b.seller], season)
		if err != nil {
			return err
		}
		// A bid under the reserve is sealed all the same (a seller's app
		// might not check); it is void in the allocation.
		open := *s
		open.Stalls = append([]stalls.Stall(nil), s.Stalls...)
		open.Stalls[s.StallIndex(b.stall)].Reserve = 0
		sb, err := stalls.EncryptBid(nil, &open, uint32(s.StallIndex(b.stall)), me, b.amount)
		if err != nil {
			return err
		}
		if _, err := svc.Bid(ctx, sellers[b.seller], season, sb.Bytes()); err != nil {
			return err
		}
		sealed = append(sealed, sb)
	}
	copied := *sealed[0]
	copied.Bidder, _ = svc.Bidder(ctx, sellers["dina"], season)
	_, cerr := svc.Bid(ctx, sellers["dina"], season, copied.Bytes())
	if !errors.Is(cerr, stalls.ErrInvalid) {
		return fmt.Errorf("a copied bid was not refused: %v", cerr)
	}
	p.printf("  %d sellers sealed %d bids on their own devices, each under a per-season pseudonym; anna's bid copied under dina's pseudonym: refused (its proof is bound to anna's)\n",
		len(sellers), len(bids))

	clock.set(closes)
	counted, err := svc.Counted(ctx, season)
	if err != nil {
		return err
	}
	for _, j := range []int{0, 2} {
		d, err := stalls.PartialDecrypt(nil, s, keys[j], counted)
		if err != nil {
			return err
		}
		if _, err := svc.SubmitDecryption(ctx, trustees[j], season, d.Bytes()); err != nil {
			return err
		}
	}
	a, seq, err := svc.Allocate(ctx, operator, season)
	if err != nil {
		return err
	}
	names := map[stalls.Bidder]string{}
	for name, id := range sellers {
		b, _ := svc.Bidder(ctx, id, season)
		names[b] = name
	}
	p.printf("  after the window trustees 1 and 3 decrypted with proofs; allocation (entry #%d), highest bids first, cap 1, ties by a seed hashed from all sealed bids:\n", seq)
	for _, w := range a.Awards {
		p.printf("    %s  %-6s %8.2f roubles  (bidder %x…)\n", s.Stalls[w.Stall].ID, names[w.Bidder], float64(w.Amount)/100, w.Bidder[:6])
	}
	rep, err := stalls.VerifyBoard(ctx, poster, season, nil)
	if err != nil || !rep.Matches {
		return fmt.Errorf("the allocation does not re-run from the board: %v", err)
	}
	p.printf("  re-run from the board: %d bids counted, %d valid, %d stalls: matches byte for byte (%s…)\n", rep.Bids, rep.ValidBids, rep.Awards, rep.Allocation[:16])
	p.printf("  check it yourself: veche --data %s stalls verify %s --list (and /explorer/stalls/%s)\n", e.o.DataDir, season, season)
	p.printf("  (%v)\n", roundDuration(time.Since(start)))
	return nil
}
