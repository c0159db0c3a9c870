package verifybench

import (
	"context"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// ElectionID is the id of the benchmark's election.
const ElectionID = "bench-verify"

// The parties' board addresses.
const (
	commissionAddr = "0x1000000000000000000000000000000000000001"
	boxAddr        = "0x1000000000000000000000000000000000000002"
	authorityAddr  = "0x1000000000000000000000000000000000000003"
)

func trusteeAddr(j int) string { return fmt.Sprintf("0x20000000000000000000000000000000000000%02x", j) }
func mixerAddr(k int) string   { return fmt.Sprintf("0x30000000000000000000000000000000000000%02x", k) }

// manifestYAML is the benchmark's election: one 1-of-n contest counted
// homomorphically and one ranked contest mixed, with n candidates each and
// ranks ranks in the ranked one, k-of-5 trustees and 3 mixers.
func manifestYAML(o *Options) string {
	var sb strings.Builder
	sb.WriteString(`version: 1
id: ` + ElectionID + `
title: {en: Verification benchmark, ru: Тест проверки}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts:
  - {id: city, name: {en: City, ru: Город}}
ballot_styles:
  - {id: city, districts: [city], contests: [head, council]}
contests:
  - id: head
    title: {en: District head (choose one), ru: Глава района (один)}
    kind: one-of
    tally: homomorphic
    options:
`)
	for i := range o.Options {
		fmt.Fprintf(&sb, "      - {id: o%d, title: {en: Option %d}}\n", i+1, i+1)
	}
	sb.WriteString(`    min: 1
    max: 1
    blank: false
    write_in: false
  - id: council
    title: {en: Council (rank your choices), ru: Совет (ранжируйте)}
    kind: ranked
    tally: mixnet
    options:
`)
	for i := range o.Candidates {
		fmt.Fprintf(&sb, "      - {id: c%d, title: {en: Candidate %d}}\n", i+1, i+1)
	}
	fmt.Fprintf(&sb, `    min: 0
    max: 0
    ranks: %d
    blank: true
    write_in: false
commission: {name: Commission, address: "%s"}
ballot_box: {name: Ballot box, address: "%s"}
credential_authority: {name: Credential authority, address: "%s"}
trustees:
  threshold: 3
  members:
`, o.Ranks, commissionAddr, boxAddr, authorityAddr)
	for j := 1; j <= 5; j++ {
		fmt.Fprintf(&sb, "    - {name: Trustee %d, address: \"%s\"}\n", j, trusteeAddr(j))
	}
	sb.WriteString("mixers:\n")
	for k := 1; k <= 3; k++ {
		fmt.Fprintf(&sb, "  - {name: Mixer %d, address: \"%s\"}\n", k, mixerAddr(k))
	}
	return sb.String()
}

// seeded returns the deterministic randomness stream named name: the
// benchmark's record depends on its options alone.
func seeded(name string) io.Reader {
	x := sha3.NewSHAKE128()
	x.Write([]byte("veche/bench/verify/v1/" + name))
	return x
}

// built is what Build made.
type built struct {
	board *memboard.Board
	m     *voting.Manifest
	cast  int // ballots cast (first ballots and revotes)
}

// build runs the benchmark's election on an in-memory board, every party
// honest: the manifest; 5 trustees, k = 3; o.Ballots ballots from
// o.Ballots − revotes voters, the revotes (o.RevoteShare of them) cast
// after every first ballot, and o.Audits audited ballots; close; weeding
// and the tally inputs; 3 mixers; trustees 1, 2 and 4 decrypt; the result;
// published.
func build(ctx context.Context, o *Options, progress func(string, int, int)) (*built, error) {
	m, err := voting.DecodeManifest([]byte(manifestYAML(o)))
	if err != nil {
		return nil, fmt.Errorf("verifybench: the benchmark's manifest: %w", err)
	}
	board := memboard.New()
	as := func(a string) *memboard.Client {
		addr, err := voting.ParseAddress(a)
		if err != nil {
			panic(err) // constant addresses
		}
		return board.As(addr)
	}
	commission, box := as(commissionAddr), as(boxAddr)
	if err := voting.Publish(ctx, commission, m); err != nil {
		return nil, err
	}

	// The key ceremony.
	progress("key ceremony", 0, 1)
	n := len(m.Trustees.Members)
	keys := make([]*hybrid.PrivateKey, n)
	stores := make([]*voting.MemoryStore, n)
	for j, p := range m.Trustees.Members {
		if keys[j], err = hybrid.GenerateKey(seeded(fmt.Sprint("trustee key ", j+1))); err != nil {
			return nil, err
		}
		stores[j] = &voting.MemoryStore{}
		if _, err := voting.Join(ctx, as(p.Address), m, keys[j], seeded(fmt.Sprint("join ", j+1))); err != nil {
			return nil, err
		}
	}
	revotes := int(float64(o.Ballots) * o.RevoteShare)
	voters := o.Ballots - revotes
	if voters < 1 {
		return nil, fmt.Errorf("verifybench: %d ballots with %d revotes leave no voter", o.Ballots, revotes)
	}
	creds, list, err := voting.GenerateCredentials(seeded("credentials"), m, map[string]int{"city": voters})
	if err != nil {
		return nil, err
	}
	if err := voting.PostCredentials(ctx, as(authorityAddr), m, list); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		return nil, err
	}
	keygen := func(j int, run string) (*dkg.Result, error) {
		return voting.RunKeygen(ctx, as(m.Trustees.Members[j].Address), m, keys[j], stores[j],
			&voting.KeygenOptions{Rand: seeded(fmt.Sprintf("keygen %d %s", j+1, run)), NoWait: true})
	}
	for round := range 2 {
		for j := range n {
			if _, err := keygen(j, fmt.Sprint("round ", round)); !errors.Is(err, voting.ErrPending) {
				return nil, fmt.Errorf("verifybench: trustee %d, key ceremony round %d: %w", j+1, round+1, err)
			}
		}
	}
	pub, err := voting.CloseCeremony(ctx, commission, m, nil)
	if err != nil {
		return nil, err
	}
	shares := make([]*dkg.Result, n)
	for j := range n {
		if shares[j], err = keygen(j, "finish"); err != nil {
			return nil, err
		}
	}
	pk, err := elgamal.NewPublicKeyFromElement(pub.JointKey)
	if err != nil {
		return nil, err
	}
	progress("key ceremony", 1, 1)

	// Voting: first ballots, then the revotes (voters 0, 1, … again).
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseOpen); err != nil {
		return nil, err
	}
	if o.Audits > 0 {
		for i := range min(o.Audits, voters) {
			b, sec, err := voting.EncryptBallot(seeded(fmt.Sprint("audited ", i)), m, pk, "city", creds[i].Key, selections(o, i+1_000_003))
			if err != nil {
				return nil, err
			}
			a, err := voting.AuditBallot(b, sec)
			if err != nil {
				return nil, err
			}
			p, err := a.Bytes(m)
			if err != nil {
				return nil, err
			}
			if _, err := box.Append(ctx, m.Topic(), bulletin.KindAuditedBallot, p); err != nil {
				return nil, err
			}
		}
	}
	// As many ballots per batch entry as fit, as a busy ballot box posts
	// them (every ballot has the same length).
	size := len(must(voting.EncryptBallot(seeded("size"), m, pk, "city", creds[0].Key, selections(o, 0))).Bytes())
	perEntry := 1
	for voting.BatchSize((perEntry+1)*size, perEntry+1) <= bulletin.MaxPayload {
		perEntry++
	}
	for lo := 0; lo < o.Ballots; lo += perEntry * 16 {
		hi := min(lo+perEntry*16, o.Ballots)
		raw := make([][]byte, hi-lo)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			firstErr error
		)
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := lo + w; i < hi; i += workers {
					voter, seed := i, fmt.Sprint("voter ", i)
					if i >= voters {
						voter, seed = i-voters, fmt.Sprint("revote ", i-voters)
					}
					b, _, err := voting.EncryptBallot(seeded(seed), m, pk, "city", creds[voter].Key, selections(o, i))
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					raw[i-lo] = b.Bytes()
				}
			})
		}
		wg.Wait()
		if firstErr != nil {
			return nil, firstErr
		}
		var msgs []bulletin.Message
		for k := 0; k < len(raw); k += perEntry {
			msgs = append(msgs, bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: voting.EncodeBatch(raw[k:min(k+perEntry, len(raw))])})
		}
		if _, err := box.AppendBatch(ctx, m.Topic(), msgs); err != nil {
			return nil, err
		}
		progress("ballots", hi, o.Ballots)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}

	// The tally.
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseClosed); err != nil {
		return nil, err
	}
	progress("weeding", 0, 1)
	w, err := tally.WeedWith(ctx, board, m, list, pk, &tally.WeedOptions{Progress: func(done, total int) { progress("weeding", done, total) }})
	if err != nil {
		return nil, err
	}
	if err := tally.PostTallyInputs(ctx, commission, m, w); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseTallying); err != nil {
		return nil, err
	}
	c, err := tally.CascadeOf(m, pk)
	if err != nil {
		return nil, err
	}
	for k := range c.Mixers {
		progress("mixing", k, len(c.Mixers))
		mx := &tally.Mixer{Cascade: *c, Position: k, Board: board.As(c.Mixers[k]), Topic: m.Topic(),
			Commission: commission.Address(), Rand: seeded(fmt.Sprint("mixer ", k+1))}
		if err := mx.Run(ctx, "council"); err != nil {
			return nil, err
		}
	}
	progress("mixing", len(c.Mixers), len(c.Mixers))
	trustees, err := tally.TrusteesOf(m, pub)
	if err != nil {
		return nil, err
	}
	lists, err := tally.ListsToDecrypt(ctx, board, m, w, c)
	if err != nil {
		return nil, err
	}
	present := []int{0, 1, 3} // trustees 3 and 5 are absent
	for i, j := range present {
		progress("decrypting", i, len(present))
		for _, l := range lists {
			if err := tally.PostDecryption(ctx, seeded(fmt.Sprintf("decrypt %d %s", j+1, l.Name)), board.As(trustees.Addresses[j]),
				m.Topic(), trustees, uint32(j+1), shares[j].Share, l); err != nil {
				return nil, err
			}
		}
	}
	progress("decrypting", len(present), len(present))
	res, err := tally.TallyResults(ctx, board, m, w, trustees, c)
	if err != nil {
		return nil, err
	}
	if err := tally.PostResults(ctx, commission, m, res); err != nil {
		return nil, err
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhasePublished); err != nil {
		return nil, err
	}
	return &built{board: board, m: m, cast: o.Ballots}, nil
}

// selections returns ballot i's choices: option i mod n in the 1-of-n
// contest, and a ranking of up to o.Ranks candidates that varies with i
// (some ballots rank fewer, one in 50 is blank).
func selections(o *Options, i int) voting.Selections {
	head := fmt.Sprintf("o%d", i%o.Options+1)
	var ranking []string
	if i%50 != 0 {
		k := 1 + (i/7)%o.Ranks
		start := (i / 3) % o.Candidates
		for r := range k {
			ranking = append(ranking, fmt.Sprintf("c%d", (start+r*(1+i%2))%o.Candidates+1))
		}
		ranking = dedupe(ranking)
	}
	return voting.Selections{"head": {Options: []string{head}}, "council": {Options: ranking}}
}

func must[T, U any](t T, _ U, err error) T {
	if err != nil {
		panic(err)
	}
	return t
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
