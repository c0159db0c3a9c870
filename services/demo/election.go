package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

//go:embed election.yaml
var exampleManifest []byte

// ElectionOptions tune [Election].
type ElectionOptions struct {
	DataDir string // where the embedded chain lives (a fresh directory)
	Voters  int    // default 200
	Absent  []int  // trustees (1-based) who do not decrypt; default 2 and 5
}

// Election runs the back office of the example election end to end on the
// embedded Ethereum chain in o.DataDir, every party with its own account:
// the commission publishes the manifest; five trustees generate the key
// jointly (3 of 5 needed); the credential authority posts the credential
// list; voters encrypt ballots with proofs on their "devices" and the
// ballots are batch-verified; after the close the homomorphic contests are
// added up and the ranked contest's ballots go through three mixers, each
// verifying its predecessors; three trustees decrypt with proofs (two are
// absent) and the results are printed. The ballot box, the voter API and the
// universal verifier are not part of it yet.
func Election(ctx context.Context, w io.Writer, o ElectionOptions) error {
	if o.Voters <= 0 {
		o.Voters = 200
	}
	if o.Absent == nil {
		o.Absent = []int{2, 5}
	}
	p := &printer{w: w}
	total := time.Now()
	step := func(title string, f func() error) error {
		p.printf("\n%s\n", title)
		start := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("demo: %s: %w", strings.ToLower(title), err)
		}
		p.printf("  (%v)\n", roundDuration(time.Since(start)))
		return p.err
	}

	p.printf("Veche election walk-through on the embedded Ethereum chain in %s\n", o.DataDir)
	commission, err := chain.Open(ctx, chain.Options{DataDir: o.DataDir})
	if err != nil {
		return err
	}
	defer commission.Close()

	// Parties: each its own board account.
	account := func() (chain.Board, error) {
		key, err := ethboard.NewKey()
		if err != nil {
			return nil, err
		}
		return chain.PosterFor(ctx, commission, key)
	}
	var trustees, mixers []chain.Board
	for range 5 {
		b, err := account()
		if err != nil {
			return err
		}
		trustees = append(trustees, b)
	}
	for range 3 {
		b, err := account()
		if err != nil {
			return err
		}
		mixers = append(mixers, b)
	}
	m, err := voting.DecodeManifest(exampleManifest)
	if err != nil {
		return err
	}
	addr := func(b chain.Board) string { return strings.ToLower(ethboard.ChecksumAddress(b.Address())) }
	m.ID = fmt.Sprintf("city-2026-%d", time.Now().Unix()%100000)
	m.Commission.Address, m.BallotBox.Address, m.CredentialAuthority.Address = addr(commission), addr(commission), addr(commission)
	for i := range m.Trustees.Members {
		m.Trustees.Members[i].Address = addr(trustees[i])
	}
	for i := range m.Mixers {
		m.Mixers[i].Address = addr(mixers[i])
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}

	if err := step("1. The commission publishes the election", func() error {
		if err := voting.Publish(ctx, commission, m); err != nil {
			return err
		}
		p.printf("  election %s, %d contests, fingerprint %x...\n", m.ID, len(m.Contests), fp[:8])
		p.printf("  on %s\n", commission.Describe())
		return voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseKeyCeremony)
	}); err != nil {
		return err
	}

	var joint *elgamal.PublicKey
	shares := make([]*group.Scalar, len(trustees))
	if err := step("2. Five trustees generate the election key together (any 3 can decrypt)", func() error {
		keys := make([]*hybrid.PrivateKey, len(trustees))
		for i, t := range trustees {
			if keys[i], err = hybrid.GenerateKey(nil); err != nil {
				return err
			}
			if _, err := voting.Join(ctx, t, m, keys[i], nil); err != nil {
				return err
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, len(trustees))
		for i, t := range trustees {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := voting.RunKeygen(ctx, t, m, keys[i], &voting.MemoryStore{}, nil)
				if err == nil {
					shares[i] = res.Share
				}
				errs[i] = err
			}()
		}
		// The commission closes the ceremony once every trustee is ready.
		var res *voting.CeremonyState
		for {
			if res, err = voting.ReadCeremony(ctx, commission, m); err != nil {
				return err
			}
			if len(res.NotReady()) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		pub, err := voting.CloseCeremony(ctx, commission, m, nil)
		if err != nil {
			return err
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		joint, err = elgamal.NewPublicKeyFromElement(pub.JointKey)
		if err != nil {
			return err
		}
		p.printf("  joint key %x..., qualified trustees %v; nobody ever held the private key\n", joint.Bytes()[:8], pub.Qualified)
		return nil
	}); err != nil {
		return err
	}

	var creds []*voting.Credential
	var list *voting.CredentialList
	if err := step(fmt.Sprintf("3. The credential authority issues %d voter credentials", o.Voters), func() error {
		creds, list, err = voting.GenerateCredentials(nil, m, map[string]int{"city": o.Voters})
		if err != nil {
			return err
		}
		if err := voting.PostCredentials(ctx, commission, m, list); err != nil {
			return err
		}
		p.printf("  %d public credentials on the board; each voter gets its private one\n", list.Len())
		return voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseOpen)
	}); err != nil {
		return err
	}

	var ballots []*voting.Ballot
	if err := step(fmt.Sprintf("4. %d voters encrypt their ballots on their devices; the ballots are checked", o.Voters), func() error {
		r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		ballots = make([]*voting.Ballot, len(creds))
		errs := make([]error, len(creds))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, c := range creds {
			sel := randomSelections(m, r)
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				b, secrets, err := voting.EncryptBallot(nil, m, joint, c.Style, c.Key, sel)
				if err == nil {
					secrets.Erase()
				}
				ballots[i], errs[i] = b, err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		start := time.Now()
		if err := voting.BatchVerifyBallots(nil, m, joint, list, ballots); err != nil {
			return err
		}
		d := time.Since(start)
		p.printf("  every proof and signature verified in one batch: %v (%.0f ballots/s)\n", roundDuration(d), float64(len(ballots))/d.Seconds())
		p.printf("  tracking code of ballot 1: %v\n", ballots[0].TrackingCode())
		return voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseClosed)
	}); err != nil {
		return err
	}

	var toDecrypt []*tally.List
	ranked := contest(m, "mayor")
	if err := step("5. After the close: totals added up under encryption; ranked ballots posted for mixing", func() error {
		for _, c := range m.Contests {
			if c.Tally != voting.Homomorphic {
				continue
			}
			sums := make(elgamal.VectorCiphertext, len(c.Options))
			for _, b := range ballots {
				cts := b.Ciphertexts(c.ID)
				for j := range sums {
					if sums[j] == nil {
						sums[j] = new(elgamal.Ciphertext).Set(cts[j])
					} else {
						sums[j].Add(sums[j], cts[j])
					}
				}
			}
			toDecrypt = append(toDecrypt, &tally.List{Name: c.ID + "-totals", Rows: []elgamal.VectorCiphertext{sums}})
			p.printf("  %s: %d encrypted option totals\n", c.ID, len(sums))
		}
		in := &tally.TallyInput{List: tally.List{Name: ranked.ID}}
		for _, b := range ballots {
			in.Rows = append(in.Rows, b.Ciphertexts(ranked.ID))
		}
		payload, err := in.Bytes()
		if err != nil {
			return err
		}
		msgs := []bulletin.Message{{Kind: bulletin.KindTallyInput, Payload: payload}}
		if len(payload) > bulletin.MaxPayload {
			if msgs, err = bulletin.Chunk(bulletin.KindTallyInput, payload, 0); err != nil {
				return err
			}
		}
		if _, err := commission.AppendBatch(ctx, m.Topic(), msgs); err != nil {
			return err
		}
		p.printf("  %s: %d rows of %d ciphertexts posted as the tally input (%d bytes)\n", ranked.ID, len(in.Rows), in.Width(), len(payload))
		return voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseTallying)
	}); err != nil {
		return err
	}

	cascade := &tally.Cascade{Fingerprint: fp, Key: joint, Generators: shuffle.NewGeneratorCache(4)}
	for _, mx := range mixers {
		cascade.Mixers = append(cascade.Mixers, mx.Address())
	}
	if err := step("6. Three mixers shuffle the ranked ballots in turn, each with a proof", func() error {
		var wg sync.WaitGroup
		errs := make([]error, len(mixers))
		for k, mx := range mixers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mixer := &tally.Mixer{Cascade: *cascade, Position: k, Board: mx, Topic: m.Topic(), Commission: commission.Address()}
				errs[k] = mixer.Run(ctx, ranked.ID)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		rec, err := tally.ReadMixRecord(ctx, commission, m.Topic(), commission.Address())
		if err != nil {
			return err
		}
		out, err := cascade.Verify(rec, ranked.ID, nil)
		if err != nil {
			return err
		}
		p.printf("  cascade verified from the board: 3 shuffles of %d rows, every link and proof checked\n", len(out.Rows))
		toDecrypt = append(toDecrypt, out)
		return nil
	}); err != nil {
		return err
	}

	results := map[string][][]*group.Element{}
	if err := step(fmt.Sprintf("7. Trustees decrypt with proofs; trustees %v are absent", o.Absent), func() error {
		pub, err := voting.JointKey(ctx, commission, m)
		if err != nil {
			return err
		}
		params, err := threshold.NewParams(fp, pub.Threshold, pub.N, pub.JointKey, pub.VerificationKeys)
		if err != nil {
			return err
		}
		tr := &tally.Trustees{Params: params}
		for _, t := range trustees {
			tr.Addresses = append(tr.Addresses, t.Address())
		}
		for i, t := range trustees {
			if slices.Contains(o.Absent, i+1) {
				continue
			}
			for _, l := range toDecrypt {
				if err := tally.PostDecryption(ctx, nil, t, m.Topic(), tr, uint32(i+1), shares[i], l); err != nil {
					return err
				}
			}
		}
		posted, err := tally.ReadDecryptions(ctx, commission, m.Topic())
		if err != nil {
			return err
		}
		for _, l := range toDecrypt {
			rows, rep, err := tally.Decrypt(nil, tr, l, posted[l.Name])
			if err != nil {
				return err
			}
			results[l.Name] = rows
			p.printf("  %s: decrypted with trustees %v (missing %v)\n", l.Name, rep.Used, rep.Missing)
		}
		return nil
	}); err != nil {
		return err
	}

	if err := step("8. Results", func() error {
		table, err := elgamal.NewDLogTable(uint64(len(ballots)))
		if err != nil {
			return err
		}
		for _, c := range m.Contests {
			if c.Tally != voting.Homomorphic {
				continue
			}
			p.printf("  %s\n", title(c.Title))
			for j, M := range results[c.ID+"-totals"][0] {
				n, err := table.Solve(M)
				if err != nil {
					return err
				}
				p.printf("    %-28s %5d\n", title(c.Options[j].Title), n)
			}
		}
		first := map[string]int{}
		invalid := 0
		names := map[string]string{} // candidate id -> name
		var candidates []string
		for _, o := range ranked.Options {
			names[o.ID] = title(o.Title)
			candidates = append(candidates, o.ID)
		}
		var rankings []tally.Ranking
		for _, row := range results[ranked.ID] {
			sel, err := voting.DecodeRow(ranked, row)
			if err != nil {
				invalid++
				continue
			}
			var r tally.Ranking
			for _, o := range sel.Options {
				if o == voting.WriteInChoice {
					o = "write-in: " + sel.WriteIn
					if _, ok := names[o]; !ok {
						names[o] = o
						candidates = append(candidates, o)
					}
				}
				r = append(r, o)
			}
			rankings = append(rankings, r)
			if len(r) == 0 {
				first["(blank)"]++
			} else {
				first[names[r[0]]]++
			}
		}
		p.printf("  %s: first preferences\n", title(ranked.Title))
		labels := make([]string, 0, len(first))
		for k := range first {
			labels = append(labels, k)
		}
		sort.Slice(labels, func(i, j int) bool {
			return first[labels[i]] > first[labels[j]] || first[labels[i]] == first[labels[j]] && labels[i] < labels[j]
		})
		for _, k := range labels {
			p.printf("    %-28s %5d\n", k, first[k])
		}
		if invalid > 0 {
			p.printf("    %-28s %5d\n", "(invalid)", invalid)
		}
		irv, err := tally.InstantRunoff(candidates, rankings)
		if err != nil {
			return err
		}
		for i, r := range irv.Rounds {
			var parts []string
			for _, c := range candidates {
				if n, ok := r.Counts[c]; ok {
					parts = append(parts, fmt.Sprintf("%s %d", names[c], n))
				}
			}
			line := fmt.Sprintf("    instant runoff, round %d: %s", i+1, strings.Join(parts, ", "))
			if len(r.Eliminated) > 0 {
				line += "; eliminated " + names[r.Eliminated[0]]
			}
			p.printf("%s\n", line)
		}
		p.printf("    instant-runoff winner: %s\n", names[irv.Winner])
		sch, err := tally.Schulze(candidates, rankings)
		if err != nil {
			return err
		}
		var order []string
		for _, c := range sch.Ranking {
			order = append(order, names[c])
		}
		p.printf("    Schulze (Condorcet) order: %s\n", strings.Join(order, " > "))
		return nil
	}); err != nil {
		return err
	}
	p.printf("\nThe election ran end to end in %v. Everything above is on the chain in %s:\n", roundDuration(time.Since(total)), o.DataDir)
	p.printf("veche --data %s election show %s; veche --data %s mix verify %s\n", o.DataDir, m.ID, o.DataDir, m.ID)
	return p.err
}

func contest(m *voting.Manifest, id string) *voting.Contest {
	for i := range m.Contests {
		if m.Contests[i].ID == id {
			return &m.Contests[i]
		}
	}
	return nil
}

func title(t voting.Text) string {
	if s, ok := t["en"]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// randomSelections picks a voter's choices: yes/no, up to two council
// candidates, a ranking of up to three mayors or a write-in now and then.
func randomSelections(m *voting.Manifest, r *rand.Rand) voting.Selections {
	sel := voting.Selections{}
	for _, c := range m.Contests {
		ids := make([]string, len(c.Options))
		for j, o := range c.Options {
			ids[j] = o.ID
		}
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		switch c.Kind {
		case voting.Referendum, voting.OneOf:
			if r.IntN(10) < 6 {
				sel[c.ID] = voting.Selection{Options: []string{c.Options[0].ID}}
			} else {
				sel[c.ID] = voting.Selection{Options: []string{c.Options[1].ID}}
			}
		case voting.Approval:
			sel[c.ID] = voting.Selection{Options: ids[:c.Min+r.IntN(c.Max-c.Min+1)]}
		case voting.Ranked:
			if c.WriteIn && r.IntN(20) == 0 {
				sel[c.ID] = voting.Selection{Options: []string{voting.WriteInChoice}, WriteIn: "Ivan Petrov"}
				continue
			}
			sel[c.ID] = voting.Selection{Options: ids[:1+r.IntN(min(c.Ranks, len(ids)))]}
		}
	}
	return sel
}
