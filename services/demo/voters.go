package demo

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

// A voterPlan is what one voter will do.
type voterPlan struct {
	audit    voting.Selections // non-nil: make a ballot with these and audit it first
	cast     voting.Selections
	revote   voting.Selections // non-nil: vote again with these, after every first ballot is in
	tampered bool
}

// votingLog is what stage 5 did, for the later stages' checks.
type votingLog struct {
	cast, audited, revoters int
	castCodes               []voting.TrackingCode // one per voter: its counted ballot
	auditCodes              []voting.TrackingCode
	revoteCodes             []voting.TrackingCode
	tamperedCodes           []voting.TrackingCode
}

// plan draws what each voter does: their choices, and who audits, revotes
// or runs a tampered app (disjoint groups).
func (e *election) plan() []voterPlan {
	r := rand.New(rand.NewPCG(e.o.Seed, 0x7665636865))
	n := e.o.Voters
	share := func(s float64) int {
		if s <= 0 {
			return 0
		}
		return max(1, int(s*float64(n)+0.5))
	}
	tampered, audits, revotes := max(e.o.Tampered, 0), share(e.o.AuditShare), share(e.o.RevoteShare)
	order := r.Perm(n)
	role := make([]int, n) // 0 plain, 1 tampered, 2 audits, 3 revotes
	for i, v := range order {
		switch {
		case i < tampered:
			role[v] = 1
		case i < tampered+audits:
			role[v] = 2
		case i < tampered+audits+revotes:
			role[v] = 3
		}
	}
	plans := make([]voterPlan, n)
	for i := range plans {
		pl := &plans[i]
		switch role[i] {
		case 1:
			pl.tampered = true
		case 2:
			pl.audit = randomSelections(e.m, r)
		}
		pl.cast = randomSelections(e.m, r)
		if role[i] == 3 {
			pl.revote = randomSelections(e.m, r)
		}
	}
	return plans
}

// Stage 5.
func (e *election) vote(ctx context.Context) error {
	plans := e.plan()
	e.run.Voters = make([]VoterRecord, len(plans))
	log := &e.votes
	log.castCodes = make([]voting.TrackingCode, len(plans))
	el, err := e.client.Election(ctx, e.m.ID)
	if err != nil {
		return err
	}
	var (
		mu       sync.Mutex
		verified atomic.Int64
	)
	receipt := func(rc *client.Receipt) {
		if rc.Verified {
			verified.Add(1)
		}
	}
	workers := 4 * runtime.GOMAXPROCS(0)
	each := func(n int, f func(i int) error) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var next atomic.Int64
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for k := range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= n || ctx.Err() != nil {
						return
					}
					if err := f(i); err != nil {
						errs[k] = fmt.Errorf("voter %d: %w", i+1, err)
						cancel()
						return
					}
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}

	// First, every voter votes (some audit a ballot first).
	start := time.Now()
	err = each(len(plans), func(i int) error {
		pl, cred, rec := &plans[i], e.creds[i], &e.run.Voters[i]
		if pl.audit != nil {
			b, err := e.client.Encrypt(ctx, e.m.ID, cred, pl.audit)
			if err != nil {
				return err
			}
			res, err := e.client.Audit(ctx, b)
			if err != nil {
				return err
			}
			if !res.Checked || !sameSelections(e.m, res.Selections, pl.audit) {
				return errors.New("the audited ballot does not open to the voter's choices")
			}
			receipt(res.Receipt)
			mu.Lock()
			rec.Audited = append(rec.Audited, pl.audit)
			log.audited++
			log.auditCodes = append(log.auditCodes, b.TrackingCode())
			mu.Unlock()
		}
		var b *client.Ballot
		if pl.tampered {
			forged, err := tamperedBallot(e.m, e.pk, cred, pl.cast)
			if err != nil {
				return err
			}
			b = &client.Ballot{Election: el, Ballot: forged}
		} else {
			var err error
			if b, err = e.client.Encrypt(ctx, e.m.ID, cred, pl.cast); err != nil {
				return err
			}
		}
		rc, err := e.client.Cast(ctx, b)
		if err != nil {
			return err
		}
		receipt(rc)
		mu.Lock()
		rec.Cast = append(rec.Cast, pl.cast)
		rec.Tampered = pl.tampered
		log.cast++
		log.castCodes[i] = b.TrackingCode()
		if pl.tampered {
			log.tamperedCodes = append(log.tamperedCodes, b.TrackingCode())
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	first := time.Since(start)

	// Then some vote again: the last ballot in board order counts.
	var revoters []int
	for i, pl := range plans {
		if pl.revote != nil {
			revoters = append(revoters, i)
		}
	}
	start = time.Now()
	err = each(len(revoters), func(k int) error {
		i := revoters[k]
		b, err := e.client.Encrypt(ctx, e.m.ID, e.creds[i], plans[i].revote)
		if err != nil {
			return err
		}
		rc, err := e.client.Cast(ctx, b)
		if err != nil {
			return err
		}
		receipt(rc)
		mu.Lock()
		e.run.Voters[i].Cast = append(e.run.Voters[i].Cast, plans[i].revote)
		log.cast++
		log.revoters++
		log.castCodes[i] = b.TrackingCode()
		log.revoteCodes = append(log.revoteCodes, b.TrackingCode())
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	second := time.Since(start)
	if int(verified.Load()) != log.cast+log.audited {
		return fmt.Errorf("%d of %d receipts verified under the ballot box's key", verified.Load(), log.cast+log.audited)
	}
	p := e.p
	p.printf("  %d voters cast their ballots (and %d audits) over HTTP with the client SDK in %v: %.0f ballots/s,\n",
		len(plans), log.audited, roundDuration(first), float64(len(plans)+log.audited)/first.Seconds())
	p.printf("    each encrypted with its proofs on the voter's side, checked, stored and acknowledged by the ballot box\n")
	p.printf("  %d voters first audited a ballot (Benaloh's challenge: the device revealed its randomness, checked that it\n", log.audited)
	p.printf("    opens to their choices, and the box posts it as spoiled), then cast a new one\n")
	p.printf("  %d voters voted again (%v): the last ballot in board order counts\n", log.revoters, roundDuration(second))
	p.printf("  %d voters ran a tampered app that ranks one mayoral candidate twice, with valid proofs: accepted (no proof\n", len(log.tamperedCodes))
	p.printf("    shows a ranking well-formed); the tally will find the row invalid after decryption\n")
	p.printf("  every one of the %d receipts is signed by the ballot box's key named in the manifest (checked)\n", log.cast+log.audited)
	p.printf("  tracking code of voter 1's ballot: %v\n", log.castCodes[0])
	return nil
}

// checkReceipts checks a sample of ballots on the chain as voters do
// (client.CheckInclusion): some cast ballots, a revote, a tampered
// ballot and the audited ones.
func (e *election) checkReceipts(ctx context.Context) error {
	log := &e.votes
	var sample []voting.TrackingCode
	for _, i := range []int{0, len(log.castCodes) / 2, len(log.castCodes) - 1} {
		sample = append(sample, log.castCodes[i])
	}
	for _, codes := range [][]voting.TrackingCode{log.revoteCodes, log.tamperedCodes} {
		if len(codes) > 0 {
			sample = append(sample, codes[0])
		}
	}
	sample = append(sample, log.auditCodes[:min(len(log.auditCodes), 5)]...)
	slices.SortFunc(sample, func(a, b voting.TrackingCode) int { return bytes.Compare(a[:], b[:]) })
	sample = slices.Compact(sample)
	var cast, audited int
	var example *client.Inclusion
	for _, code := range sample {
		inc, err := e.client.CheckInclusion(ctx, e.m.ID, code)
		if err != nil {
			return err
		}
		if !inc.LocationChecked {
			return fmt.Errorf("ballot %v: its block and transaction were not checked", code)
		}
		if inc.Kind == voting.ReceiptCast {
			cast++
			if example == nil {
				example = inc
			}
		} else {
			audited++
		}
	}
	e.p.printf("  %d cast and %d audited ballots looked up by tracking code and found on the chain (entry, block,\n", cast, audited)
	e.p.printf("    transaction, Merkle inclusion proof against the entry's root), e.g. %v:\n", example.TrackingCode)
	e.p.printf("    entry %d, ballot %d of %d, block %d, transaction 0x%x…\n", example.Seq, example.Index+1, example.Size, example.Block, example.Transaction[:6])
	return nil
}

// sameSelections reports whether two complete selections of m's contests
// are the same choices (the order of a non-ranked contest's options does
// not matter).
func sameSelections(m *voting.Manifest, a, b voting.Selections) bool {
	for _, c := range m.Contests {
		x, y := a[c.ID], b[c.ID]
		xo, yo := slices.Clone(x.Options), slices.Clone(y.Options)
		if c.Kind != voting.Ranked {
			slices.Sort(xo)
			slices.Sort(yo)
		}
		if !slices.Equal(xo, yo) || x.WriteIn != y.WriteIn {
			return false
		}
	}
	return true
}

// writeIns are the names voters write in.
var writeIns = []string{"Ivan Petrov", "Olga Sokolova", "Captain Vrungel"}

// randomSelections picks a voter's choices: yes (60%) or no; up to two
// council candidates; for mayor a ranking of one to three candidates,
// now and then with a write-in, or a blank.
func randomSelections(m *voting.Manifest, r *rand.Rand) voting.Selections {
	sel := voting.Selections{}
	for _, c := range m.Contests {
		ids := make([]string, len(c.Options))
		for j, o := range c.Options {
			ids[j] = o.ID
		}
		// A random order in which some candidates come first more often
		// than others: sorted by u^(1/weight), u uniform in [0, 1).
		keys := map[string]float64{}
		for j, id := range ids {
			keys[id] = math.Pow(r.Float64(), 1/(1+float64((j*7)%5)/3))
		}
		slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(keys[b], keys[a]) })
		switch c.Kind {
		case voting.Referendum, voting.OneOf:
			pick := c.Options[1].ID
			if r.IntN(10) < 6 {
				pick = c.Options[0].ID
			}
			sel[c.ID] = voting.Selection{Options: []string{pick}}
		case voting.Approval:
			sel[c.ID] = voting.Selection{Options: ids[:c.Min+r.IntN(c.Max-c.Min+1)]}
		case voting.Ranked:
			n := 1 + r.IntN(min(c.Ranks, len(ids)))
			switch x := r.IntN(100); {
			case c.Min == 0 && x < 3:
				sel[c.ID] = voting.Selection{} // blank
			case c.WriteIn && x < 9:
				ranking := append(slices.Clone(ids[:n-1]), voting.WriteInChoice)
				r.Shuffle(len(ranking), func(i, j int) { ranking[i], ranking[j] = ranking[j], ranking[i] })
				sel[c.ID] = voting.Selection{Options: ranking, WriteIn: writeIns[r.IntN(len(writeIns))]}
			default:
				sel[c.ID] = voting.Selection{Options: ids[:n]}
			}
		}
	}
	return sel
}

// tamperedBallot is what a tampered voting app makes: a ballot with the
// selections sel, except that the ranked contest's row ranks its first
// candidate twice. Every proof is valid -- a ballot proof shows that the
// device knows the randomness of its ciphertexts, bound to its credential
// (docs/spec/ballot.md, section 5), not that the row is a well-formed
// ranking -- and the ballot is signed with the voter's credential, so the
// ballot box accepts it and it is counted; after the mix and the
// decryption the tally finds the row invalid (voting.DecodeRow) and lists
// it, without stopping.
func tamperedBallot(m *voting.Manifest, pk *elgamal.PublicKey, cred *voting.Credential, sel voting.Selections) (*voting.Ballot, error) {
	b, secrets, err := voting.EncryptBallot(nil, m, pk, cred.Style, cred.Key, sel)
	if err != nil {
		return nil, err
	}
	secrets.Erase()
	var ranked *voting.Contest
	for i := range m.Contests {
		if m.Contests[i].Kind == voting.Ranked {
			ranked = &m.Contests[i]
		}
	}
	if ranked == nil {
		return nil, errors.New("no ranked contest to tamper with")
	}
	raw := b.Bytes()
	var old []byte
	for _, ct := range b.Ciphertexts(ranked.ID) {
		old = ct.AppendBytes(old)
	}
	off := bytes.Index(raw, old)
	width := voting.RowWidth(ranked)
	proofLen := width * zkp.BallotProofEntrySize
	if off < 0 || off+len(old)+proofLen > len(raw)-schnorr.SignatureSize {
		return nil, errors.New("the ranked contest's row is not where the encoding puts it")
	}
	// The row: candidate 1 at ranks 1 and 2, then empty ranks, then an
	// empty write-in (docs/spec/ballot.md, section 4.3).
	one := group.NewGeneratorElement()
	row := []*group.Element{one, one}
	for len(row) < ranked.Ranks {
		row = append(row, group.NewElement())
	}
	for len(row) < width {
		empty, err := elgamal.EncodeBytes(nil)
		if err != nil {
			return nil, err
		}
		row = append(row, empty)
	}
	cts := make([]zkp.Ciphertext, width)
	rs := make([]*group.Scalar, width)
	var enc []byte
	for j, M := range row {
		ct, r, err := elgamal.Encrypt(nil, pk, M)
		if err != nil {
			return nil, err
		}
		cts[j], rs[j] = zkp.Ciphertext(*ct), r
		enc = ct.AppendBytes(enc)
	}
	// The proof's binding (docs/spec/ballot.md, section 5): purpose 3, a
	// mixnet row.
	binding := append([]byte(voting.BallotContext+"\x00\x03"), cred.Key.Public().Bytes()...)
	binding = append(binding, byte(len(ranked.ID)))
	binding = append(binding, ranked.ID...)
	proof, err := zkp.ProveBallot(nil, b.Fingerprint(), pk.Element(), cts, rs, binding)
	if err != nil {
		return nil, err
	}
	if len(proof.Bytes()) != proofLen {
		return nil, errors.New("the row proof is not of the size the encoding expects")
	}
	body := slices.Concat(raw[:off], enc, proof.Bytes(), raw[off+len(old)+proofLen:len(raw)-schnorr.SignatureSize])
	sig, err := schnorr.Sign(nil, cred.Key, voting.BallotContext, body)
	if err != nil {
		return nil, err
	}
	return voting.ParseBallot(append(body, sig...), m)
}
