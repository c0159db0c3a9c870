package verify

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// Step 10: the result, recomputed and compared, and its evidence checked
// against the chain.

func (rn *run) stepResult() (Step, error) {
	for _, n := range []int{StepBallots, StepInputs} {
		if s := rn.rep.Step(n); s == nil || s.Status == StatusFailed || s.Status == StatusSkipped {
			return skipped("the result rests on the counted ballots and the tally inputs: step %d did not hold", n), nil
		}
	}
	if rn.w == nil || rn.want == nil {
		return pending("waiting for the tally inputs (step 7)"), nil
	}
	for _, c := range rn.m.Contests {
		if rn.w.ContestBallots(rn.m, c.ID) == 0 {
			continue
		}
		if _, ok := rn.rows[c.ID]; !ok {
			for _, n := range []int{StepShuffles, StepDecryptions} {
				if s := rn.rep.Step(n); s != nil && (s.Status == StatusFailed || s.Status == StatusSkipped) {
					return skipped("contest %s is not decrypted: step %d did not hold", c.ID, n), nil
				}
			}
			return pending("waiting for contest %s to be mixed and decrypted (steps 8 and 9)", c.ID), nil
		}
	}
	decrypted := map[string][][]*group.Element{}
	for name, rows := range rn.rows {
		decrypted[name] = rows
	}
	want, err := tally.ComputeResults(rn.m, rn.w, decrypted)
	if err != nil {
		return failed(nil, nil, "the decrypted lists cannot be counted: %s", trimPkg(err)), nil
	}
	want.Evidence = rn.evidence()
	rn.rep.Results = want
	summary := resultNotes(rn.m, want)

	posted, ref, err := tally.ReadResults(rn.ctx, rn.snap, rn.m, rn.closing.seq+1)
	switch {
	case errors.Is(err, tally.ErrNoResult) && rn.published == nil:
		s := pending("the result recomputed from the board (%d ballots counted, %d contests); waiting for the commission to post it", want.Counted, len(want.Contests))
		s.Notes = summary
		return s, nil
	case errors.Is(err, tally.ErrNoResult):
		return failed(at(rn.published.seq), rn.commission(), "the election was published (entry %d) without a result", rn.published.seq), nil
	case errors.Is(err, tally.ErrMalformed):
		return failed(at(ref.First), rn.commission(), "the result at entry %d does not decode: %s", ref.First, trimPkg(errors.Unwrap(err))), nil
	case err != nil:
		return Step{}, err
	}
	if s := rn.checkEvidence(posted, ref); s != nil {
		return withNotes(*s, summary), nil
	}
	pb, err := posted.Bytes()
	if err != nil {
		return failed(at(ref.First), rn.commission(), "the result at entry %d does not re-encode: %s", ref.First, trimPkg(err)), nil
	}
	wb, err := want.Bytes()
	if err != nil {
		return Step{}, err
	}
	if !bytes.Equal(pb, wb) {
		var re *tally.ResultError
		if err := tally.CompareResults(posted, want); errors.As(err, &re) {
			return withNotes(failed(at(ref.First), rn.commission(), "the result at entry %d is not the board's: %s: posted %s, recomputed %s", ref.First, re.What, re.Posted, re.Board), summary), nil
		}
		return withNotes(failed(at(ref.First), rn.commission(), "the result at entry %d is not the board's: its encoding differs (%d bytes, recomputed %d)", ref.First, len(pb), len(wb)), summary), nil
	}
	s := ok("the result at entry %d equals, byte for byte, the one recomputed from the decrypted lists: %d ballots counted in %d contests; its %d pieces of evidence are on the chain with their heads",
		ref.First, want.Counted, len(want.Contests), len(posted.Evidence))
	s.Notes = summary
	return s, nil
}

// evidence collects the references the result must carry
// (docs/spec/tally.md, section 6), from what the steps before read.
func (rn *run) evidence() []tally.Evidence {
	var ev []tally.Evidence
	add := func(what tally.EvidenceKind, list string, party uint32, ref tally.Ref) {
		if ref.Kind != 0 {
			ev = append(ev, tally.Evidence{What: what, List: list, Party: party, Ref: ref})
		}
	}
	w := rn.w
	add(tally.EvidenceManifest, "", 0, w.Refs.Manifest)
	add(tally.EvidenceKeyCeremony, "", 0, w.Refs.KeyCeremony)
	add(tally.EvidenceCredentials, "", 0, w.Refs.Credentials)
	add(tally.EvidenceClosing, "", 0, w.Refs.Closing)
	for _, in := range rn.inputs.Inputs {
		switch in.Type {
		case tally.InputReconciliation:
			add(tally.EvidenceReconciliation, "", 0, in.Ref)
		case tally.InputTotals:
			add(tally.EvidenceTotals, in.Name, 0, in.Ref)
		case tally.InputList:
			add(tally.EvidenceMixList, in.Name, 0, in.Ref)
		}
	}
	refs := rn.artefactRefs()
	for _, name := range rn.order {
		if rn.inputs.Input(tally.InputList, name) != nil && rn.mix != nil {
			for k, mixer := range rn.v.cascade.Mixers {
				for _, s := range rn.mix.Shuffles[name] {
					if s.Poster == mixer {
						add(tally.EvidenceShuffle, name, uint32(k+1), refs[s.Seq])
						break
					}
				}
			}
		}
		for _, j := range rn.used[name] {
			for _, p := range rn.decs[name] {
				if p.Poster == rn.trustees.Addresses[j-1] {
					add(tally.EvidenceDecryption, name, j, refs[p.Seq])
					break
				}
			}
		}
	}
	slices.SortFunc(ev, func(a, b tally.Evidence) int { return cmp.Compare(a.First, b.First) })
	return ev
}

// checkEvidence checks that every reference of the posted result is on the
// chain: its entries exist, the first is of the evidence's kind (or a
// chunk header carrying it), and the head after the last is the chain's.
func (rn *run) checkEvidence(posted *tally.Results, ref tally.Ref) *Step {
	es := rn.snap.Log
	for i, e := range posted.Evidence {
		why := ""
		switch {
		case e.Last >= uint64(len(es)):
			why = fmt.Sprintf("the board has only %d entries", len(es))
		case es[e.Last].Head != e.Head:
			why = fmt.Sprintf("the chain's head after entry %d is %x…", e.Last, es[e.Last].Head[:6])
		default:
			first := es[e.First]
			k, err := bulletin.EffectiveKind(first.Kind, first.Payload)
			if err != nil || k != e.Kind || first.Kind == bulletin.KindChunk {
				why = fmt.Sprintf("entry %d is a %v entry, not a %v artefact", e.First, first.Kind, e.Kind)
			}
		}
		if why != "" {
			s := failed(at(ref.First), rn.commission(), "the result at entry %d: evidence %d (%v) names %v: %s", ref.First, i+1, e, e.Ref, why)
			return &s
		}
	}
	return nil
}

// resultNotes summarises the recomputed results, contest by contest.
func resultNotes(m *voting.Manifest, res *tally.Results) []Note {
	var notes []Note
	for i, c := range res.Contests {
		mc := &m.Contests[i]
		var parts []string
		for j, n := range c.Totals {
			parts = append(parts, fmt.Sprintf("%s %d", mc.Options[j].ID, n))
		}
		text := fmt.Sprintf("%s (%d ballots): %s", c.Contest, c.Ballots, strings.Join(parts, ", "))
		if c.Method == voting.Mixnet {
			text += fmt.Sprintf("; blank %d, invalid %d", c.Blank, len(c.Invalid))
			for _, w := range c.WriteIns {
				text += fmt.Sprintf("; write-in %q %d", w.Name, w.Count)
			}
		}
		if c.IRV != nil {
			text += fmt.Sprintf("; instant runoff: %s in %d rounds", c.IRV.Winner, len(c.IRV.Rounds))
		}
		if c.Schulze != nil {
			text += fmt.Sprintf("; Schulze: %s", strings.Join(c.Schulze.Winners, ", "))
		}
		notes = append(notes, Note{Text: text})
	}
	return notes
}

func withNotes(s Step, notes []Note) Step {
	s.Notes = append(s.Notes, notes...)
	return s
}
