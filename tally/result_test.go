package tally_test

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// tallied is the scenario taken through the whole tally: closed, weeded,
// tally inputs posted, mixed by the three mixers, decrypted by trustees 1,
// 2 and 4 (3 and 5 absent). Boards are cloned at each stage for the
// hostile tests.
type tallied struct {
	*scenario
	w          *tally.Weeded
	afterClose uint64 // entries once closed, before the tally inputs
	beforeRes  uint64 // entries once decrypted, before the result
}

func newTallied(t *testing.T) *tallied {
	t.Helper()
	s := newScenario(t)
	s.phase(bulletin.PhaseClosed)
	tl := &tallied{scenario: s, afterClose: s.count()}
	tl.w = s.weed()
	if err := tally.PostTallyInputs(s.ctx, s.commission, s.m, tl.w); err != nil {
		t.Fatal(err)
	}
	s.phase(bulletin.PhaseTallying)
	for k := range s.cascade.Mixers {
		mx := &tally.Mixer{Cascade: *s.cascade, Position: k, Board: s.board.As(s.cascade.Mixers[k]), Topic: s.m.Topic(),
			Commission: s.commission.Address()}
		if err := mx.Run(s.ctx, "mayor"); err != nil {
			t.Fatal(err)
		}
	}
	lists, err := tally.ListsToDecrypt(s.ctx, s.board, s.m, tl.w, s.cascade)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range lists {
		names = append(names, l.Name)
	}
	if !slices.Equal(names, []string{"bike-lanes", "council", "mayor"}) {
		t.Fatalf("lists to decrypt %v", names)
	}
	for _, j := range []int{0, 1, 3} {
		for _, l := range lists {
			if err := tally.PostDecryption(s.ctx, nil, s.board.As(s.trustees.Addresses[j]), s.m.Topic(), s.trustees, uint32(j+1), s.shares[j], l); err != nil {
				t.Fatal(err)
			}
		}
	}
	tl.beforeRes = s.count()
	return tl
}

// The commission's tally inputs are posted once, read back, and equal
// what anyone recomputes by weeding the board: the reconciliation, the
// encrypted totals (which decrypt to the counted ballots' choices) and the
// mix list, whose rows are the counted ballots' in the order of their
// tracking codes.
func TestTallyInputsRecomputedFromTheBoard(t *testing.T) {
	s := newScenario(t)
	s.phase(bulletin.PhaseClosed)
	w := s.weed()
	if err := tally.PostTallyInputs(s.ctx, s.commission, s.m, w); err != nil {
		t.Fatal(err)
	}
	n := s.count()
	if err := tally.PostTallyInputs(s.ctx, s.commission, s.m, w); err != nil || s.count() != n {
		t.Fatalf("posting again: %v, %d new entries", err, s.count()-n)
	}
	in, err := tally.ReadTallyInputs(s.ctx, s.board, s.m, w.Refs.Closing.First+1)
	if err != nil {
		t.Fatal(err)
	}
	if err := tally.CheckWeed(w, in.Reconciliation); err != nil {
		t.Fatal(err)
	}
	if err := tally.CheckTallyInputs(w, in); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range in.Inputs {
		kinds = append(kinds, x.Type.String()+":"+x.Name)
	}
	if !slices.Equal(kinds, []string{"reconciliation:", "totals:bike-lanes", "totals:council", "mix list:mayor"}) {
		t.Fatalf("inputs %v", kinds)
	}

	// The totals decrypt to the counted ballots' choices.
	table, _ := elgamal.NewDLogTable(100)
	m := s.m
	for _, c := range []string{"bike-lanes", "council"} {
		ct := contestOf(m, c)
		tot := in.Totals[c]
		if int(tot.Ballots) != len(s.counted) {
			t.Fatalf("%s: totals over %d ballots", c, tot.Ballots)
		}
		for j, sum := range tot.Sums {
			got, err := elgamal.DecryptExp(s.sk, sum, table)
			if err != nil {
				t.Fatal(err)
			}
			if want := votesFor(s.counted, c, ct.Options[j].ID); got != want {
				t.Errorf("%s, %s: total %d, the counted ballots give %d", c, ct.Options[j].ID, got, want)
			}
		}
	}
	// The mix list holds the counted ballots' rows, sorted by tracking code.
	l, err := in.List("mayor")
	if err != nil {
		t.Fatal(err)
	}
	var codes []voting.TrackingCode
	for _, c := range w.Counted {
		codes = append(codes, c.Code)
	}
	slices.SortFunc(codes, func(a, b voting.TrackingCode) int { return bytes.Compare(a[:], b[:]) })
	if len(l.Rows) != len(codes) {
		t.Fatalf("%d rows, %d counted", len(l.Rows), len(codes))
	}
	for i, code := range codes {
		var raw []byte
		for _, c := range w.Counted {
			if c.Code == code {
				raw = c.Bytes()
			}
		}
		b, err := voting.ParseBallot(raw, m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(l.Rows[i].Bytes(), b.Ciphertexts("mayor").Bytes()) {
			t.Fatalf("row %d is not the row of the ballot with the %d-th tracking code", i, i+1)
		}
	}
}

// A tally input that is not what the ballots give is caught, and the
// error names the list, and for a mix list the row and the ballot that
// belongs there.
func TestTamperedTallyInputCaught(t *testing.T) {
	s := newScenario(t)
	s.phase(bulletin.PhaseClosed)
	w := s.weed()
	good, err := tally.Aggregate(s.m, w)
	if err != nil {
		t.Fatal(err)
	}
	list, err := good.List("mayor")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		post    func(e *election)
		list    string
		row     int
		details string
	}{
		{"a mix list with one row replaced", func(e *election) {
			l := &tally.TallyInput{List: tally.List{Name: "mayor", Rows: slices.Clone(list.Rows)}}
			l.Rows[2], _, _ = elgamal.ReEncryptVector(nil, e.pk, l.Rows[2])
			e.postInputs(good, l)
		}, "mayor", 2, "counted ballot at entry"},
		{"a mix list missing its last row", func(e *election) {
			l := &tally.TallyInput{List: tally.List{Name: "mayor", Rows: list.Rows[:len(list.Rows)-1]}}
			e.postInputs(good, l)
		}, "mayor", -1, "posted 4 rows of 4, the counted ballots give 5 rows of 4"},
		{"totals with one more vote for option 1", func(e *election) {
			tot := *good.Totals["bike-lanes"]
			one, _, _ := elgamal.EncryptExp(nil, e.pk, 1)
			tot.Sums = slices.Clone(tot.Sums)
			tot.Sums[0] = elgamal.Add(tot.Sums[0], one)
			e.postInputs(good, &tot)
		}, "bike-lanes", -1, "option 1"},
		{"no mix list", func(e *election) { e.postInputs(good, "mayor") }, "mayor", -1, "not on the board"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := s.clone(s.count())
			tc.post(e)
			in, err := tally.ReadTallyInputs(e.ctx, e.board, e.m, w.Refs.Closing.First+1)
			if err != nil {
				t.Fatal(err)
			}
			err = tally.CheckTallyInputs(w, in)
			var ie *tally.InputError
			if !errors.As(err, &ie) || ie.List != tc.list || ie.Row != tc.row || !strings.Contains(err.Error(), tc.details) {
				t.Fatalf("CheckTallyInputs = %v; want list %s, row %d, %q", err, tc.list, tc.row, tc.details)
			}
			// Posting the right inputs now is refused: the first counts.
			if tc.list == "mayor" && tc.row >= 0 {
				if err := tally.PostTallyInputs(e.ctx, e.commission, e.m, w); !errors.Is(err, tally.ErrInputConflict) {
					t.Fatalf("PostTallyInputs over a bad input: %v", err)
				}
			}
		})
	}
	// A reconciliation that miscounts is named by the number that differs.
	bad := w.Reconciliation
	bad.Excluded.Clash, bad.Counted = 0, bad.Counted+1
	err = tally.CheckWeed(w, &bad)
	if err == nil || !strings.Contains(err.Error(), "excluded clash: posted 0, the board gives 1") {
		t.Fatalf("CheckWeed = %v", err)
	}
}

// postInputs posts the good inputs but with each replacement (a
// *tally.TallyInput or *tally.Totals) in place of the record of its
// contest, or a contest id to leave out.
func (e *election) postInputs(good *tally.TallyInputs, replace ...any) {
	e.t.Helper()
	for _, in := range good.Inputs {
		p := in.Payload
		for _, r := range replace {
			var err error
			switch r := r.(type) {
			case *tally.TallyInput:
				if in.Type == tally.InputList && in.Name == r.Name {
					p, err = r.Bytes()
				}
			case *tally.Totals:
				if in.Type == tally.InputTotals && in.Name == r.Contest {
					p, err = r.Bytes()
				}
			case string:
				if in.Name == r {
					p = nil
				}
			}
			if err != nil {
				e.t.Fatal(err)
			}
		}
		if p != nil {
			e.post(e.commission, bulletin.KindTallyInput, p)
		}
	}
}

// The whole tally from the board: the results are the counted ballots'
// choices, with every instant-runoff round and the Schulze order, and
// evidence for each artefact they rest on; the commission posts them once
// and anyone recomputes them.
func TestResultsRecomputedFromTheBoard(t *testing.T) {
	tl := newTallied(t)
	s := tl.scenario
	res, err := tally.TallyResults(s.ctx, s.board, s.m, tl.w, s.trustees, s.cascade)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counted != 5 || len(res.Contests) != 3 {
		t.Fatalf("%+v", res)
	}
	for _, cr := range res.Contests {
		c := contestOf(s.m, cr.Contest)
		if cr.Ballots != 5 {
			t.Errorf("%s: %d ballots", cr.Contest, cr.Ballots)
		}
		for j, o := range c.Options {
			if want := votesFor(s.counted, c.ID, o.ID); cr.Totals[j] != want {
				t.Errorf("%s, %s: %d votes, the ballots give %d", c.ID, o.ID, cr.Totals[j], want)
			}
		}
	}
	mayor := res.Contests[2]
	// b1 and b7 rank no one; b2 writes in Pat Example alone, b0b after Volkova.
	if mayor.Blank != 2 || len(mayor.Invalid) != 0 || !slices.Equal(mayor.WriteIns, []tally.WriteIn{{Name: "Pat Example", Count: 2}}) {
		t.Fatalf("mayor: blank %d, invalid %v, write-ins %v", mayor.Blank, mayor.Invalid, mayor.WriteIns)
	}
	if !slices.Equal(mayor.Candidates, []string{"orlov", "volkova", "zaitsev", "write-in: Pat Example"}) {
		t.Fatalf("candidates %v", mayor.Candidates)
	}
	// First preferences: volkova (b0b), the write-in (b2), zaitsev (b3),
	// orlov none; two blank. Orlov goes first; then the three tie at 1
	// in every round so far and the one listed last goes, the write-in
	// (whose ballot has no one else), then zaitsev, whose ballot moves to
	// volkova.
	irv := mayor.IRV
	if irv == nil || len(irv.Rounds) != 4 || irv.Rounds[0].Counts["volkova"] != 1 || irv.Rounds[0].Exhausted != 2 ||
		irv.Rounds[3].Counts["volkova"] != 2 || irv.Winner != "volkova" {
		t.Fatalf("instant runoff %+v", irv)
	}
	var out []string
	for _, r := range irv.Rounds {
		out = append(out, r.Eliminated...)
	}
	if !slices.Equal(out, []string{"orlov", "write-in: Pat Example", "zaitsev"}) {
		t.Fatalf("eliminated %v", out)
	}
	if mayor.Schulze == nil || !slices.Equal(mayor.Schulze.Winners, []string{"volkova"}) || mayor.Schulze.Ranking[0] != "volkova" {
		t.Fatalf("Schulze %+v", mayor.Schulze)
	}
	want := map[tally.EvidenceKind]int{tally.EvidenceManifest: 1, tally.EvidenceKeyCeremony: 1, tally.EvidenceCredentials: 1,
		tally.EvidenceClosing: 1, tally.EvidenceReconciliation: 1, tally.EvidenceTotals: 2, tally.EvidenceMixList: 1,
		tally.EvidenceShuffle: 3, tally.EvidenceDecryption: 9}
	got := map[tally.EvidenceKind]int{}
	for i, e := range res.Evidence {
		got[e.What]++
		if i > 0 && e.First <= res.Evidence[i-1].First {
			t.Fatal("evidence not in board order")
		}
		es, err := s.board.Entries(s.ctx, s.m.Topic(), e.Last, e.Last+1)
		if err != nil || es[0].Head != e.Head {
			t.Fatalf("%v: the head is not the board's", e)
		}
		if e.What == tally.EvidenceDecryption && (e.Party == 3 || e.Party == 5) {
			t.Fatalf("evidence of absent trustee %d", e.Party)
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d pieces of evidence of kind %d, want %d", got[k], k, n)
		}
	}

	if _, err := tally.CheckResults(s.ctx, s.board, s.m, tl.w, s.trustees, s.cascade); !errors.Is(err, tally.ErrNoResult) {
		t.Fatalf("before posting: %v", err)
	}
	if err := tally.PostResults(s.ctx, s.commission, s.m, res); err != nil {
		t.Fatal(err)
	}
	n := s.count()
	if err := tally.PostResults(s.ctx, s.commission, s.m, res); err != nil || s.count() != n {
		t.Fatalf("posting again: %v, %d entries", err, s.count()-n)
	}
	back, ref, err := tally.ReadResults(s.ctx, s.board, s.m, 0)
	if err != nil || ref.First != n-1 {
		t.Fatalf("ReadResults: %v at %v", err, ref)
	}
	if err := tally.CompareResults(back, res); err != nil {
		t.Fatal(err)
	}
	if _, err := tally.CheckResults(s.ctx, s.board, s.m, tl.w, s.trustees, s.cascade); err != nil {
		t.Fatal(err)
	}
	other := *res
	other.Counted++
	if err := tally.PostResults(s.ctx, s.commission, s.m, &other); !errors.Is(err, tally.ErrResultConflict) {
		t.Fatalf("a second, different result: %v", err)
	}

	// Trustee 3, absent during the tally, posts its shares after the
	// result: they are not the result's evidence, and the result still
	// checks (decryption uses the lowest-indexed quorum of what was
	// posted before it).
	lists, err := tally.ListsToDecrypt(s.ctx, s.board, s.m, tl.w, s.cascade)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lists {
		if err := tally.PostDecryption(s.ctx, nil, s.board.As(s.trustees.Addresses[2]), s.m.Topic(), s.trustees, 3, s.shares[2], l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tally.CheckResults(s.ctx, s.board, s.m, tl.w, s.trustees, s.cascade); err != nil {
		t.Fatalf("a share posted after the result changed the check: %v", err)
	}
}

// A posted result that is not the board's is caught, and the error names
// what differs: a total, a piece of evidence.
func TestWrongResultCaught(t *testing.T) {
	tl := newTallied(t)
	s := tl.scenario
	res, err := tally.TallyResults(s.ctx, s.board, s.m, tl.w, s.trustees, s.cascade)
	if err != nil {
		t.Fatal(err)
	}
	shuffle2 := slices.IndexFunc(res.Evidence, func(e tally.Evidence) bool { return e.What == tally.EvidenceShuffle && e.Party == 2 })
	for _, tc := range []struct {
		name   string
		change func(r *tally.Results)
		want   string
	}{
		{"a wrong total", func(r *tally.Results) { r.Contests[1].Totals[1]++ },
			"contest council: the total of option 2: posted"},
		{"a shuffle referenced at the wrong entry", func(r *tally.Results) { r.Evidence[shuffle2].Head[0] ^= 1 },
			"the shuffle of list mayor by mixer 2"},
		{"a write-in dropped", func(r *tally.Results) { r.Contests[2].WriteIns = nil },
			"contest mayor: the write-ins"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := *res
			bad.Contests = slices.Clone(res.Contests)
			for i := range bad.Contests {
				bad.Contests[i].Totals = slices.Clone(bad.Contests[i].Totals)
			}
			bad.Evidence = slices.Clone(res.Evidence)
			tc.change(&bad)
			e := s.clone(tl.beforeRes)
			if err := tally.PostResults(e.ctx, e.commission, e.m, &bad); err != nil {
				t.Fatal(err)
			}
			_, err := tally.CheckResults(e.ctx, e.board, e.m, tl.w, e.trustees, e.cascade)
			var re *tally.ResultError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckResults = %v; want a ResultError with %q", err, tc.want)
			}
		})
	}
	// A result that does not decode is the commission's fault, named by
	// its entry; a later good one does not replace it.
	e := s.clone(tl.beforeRes)
	seq := e.post(e.commission, bulletin.KindResult, []byte{1, 2, 'x'})
	if err := tally.PostResults(e.ctx, e.commission, e.m, res); !errors.Is(err, tally.ErrResultConflict) {
		t.Fatalf("posting over a malformed result: %v", err)
	}
	_, err = tally.CheckResults(e.ctx, e.board, e.m, tl.w, e.trustees, e.cascade)
	if !errors.Is(err, tally.ErrMalformed) || !strings.Contains(err.Error(), "entry "+strconv.FormatUint(seq, 10)) {
		t.Fatalf("a malformed result: %v", err)
	}
}

func contestOf(m *voting.Manifest, id string) *voting.Contest {
	for i := range m.Contests {
		if m.Contests[i].ID == id {
			return &m.Contests[i]
		}
	}
	return nil
}

// votesFor counts the selections choosing option (at any rank).
func votesFor(sels map[voting.TrackingCode]voting.Selections, contest, option string) uint64 {
	var n uint64
	for _, s := range sels {
		if slices.Contains(s[contest].Options, option) {
			n++
		}
	}
	return n
}
