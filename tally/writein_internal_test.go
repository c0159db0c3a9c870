package tally

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/voting"
)

// mayorRows is the example election's ranked contest (orlov, volkova,
// zaitsev; 3 ranks; one write-in of up to 28 bytes) and a row maker:
// choices 1-3 are the options, 4 the write-in.
func mayorRows(t *testing.T) (*voting.Contest, func(name string, choices ...uint64) []*group.Element) {
	t.Helper()
	text, err := os.ReadFile("../voting/testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(text)
	if err != nil {
		t.Fatal(err)
	}
	var c *voting.Contest
	for i := range m.Contests {
		if m.Contests[i].ID == "mayor" {
			c = &m.Contests[i]
		}
	}
	return c, func(name string, choices ...uint64) []*group.Element {
		row := make([]*group.Element, 0, 4)
		for i := range 3 {
			var v uint64
			if i < len(choices) {
				v = choices[i]
			}
			row = append(row, new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(v)))
		}
		w, err := elgamal.EncodeBytes([]byte(name))
		if err != nil {
			t.Fatal(err)
		}
		return append(row, w)
	}
}

// A ranked contest where thousands of voters each write in another name
// is still counted quickly and publishes bounded rounds and matrices: the
// 16 most named write-ins are candidates, in order of first appearance, a
// tie at the edge going to the bytewise smaller name, and every other
// write-in counts for one candidate, "write-ins: others", listed last.
// Every name keeps its own total.
func TestManyWriteInsArePooledBeyondTheMostNamed(t *testing.T) {
	c, row := mayorRows(t)
	var rows [][]*group.Element
	// 3,000 names written once each, first preference, then volkova:
	// before pooling these made 3,003 candidates (a Schulze count of
	// 2.7·10^10 steps and a 144-MB matrix).
	for i := range 3000 {
		rows = append(rows, row(fmt.Sprintf("Once %04d", i), 4, 2))
	}
	// Named more often: "Popular 00" … "Popular 14" (15 names, 20 rows
	// each, appearing in reverse order), then two names tied for the 16th
	// place with 5 rows each: "Tie B" appears first, "Tie A" wins the tie.
	for k := 14; k >= 0; k-- {
		for range 20 {
			rows = append(rows, row(fmt.Sprintf("Popular %02d", k), 1, 4))
		}
	}
	for range 5 {
		rows = append(rows, row("Tie B", 4), row("Tie A", 4))
	}
	rows = append(rows, row("", 3, 1, 2)) // no write-in

	cr := &ContestResult{Contest: c.ID, Method: c.Tally, Ranked: true, Ballots: uint64(len(rows)), Totals: make([]uint64, len(c.Options)),
		Candidates: []string{"orlov", "volkova", "zaitsev"}}
	if err := countRows(c, rows, len(rows), cr); err != nil {
		t.Fatal(err)
	}
	want := []string{"orlov", "volkova", "zaitsev"}
	for k := 14; k >= 0; k-- {
		want = append(want, fmt.Sprintf("%sPopular %02d", WriteInPrefix, k))
	}
	want = append(want, WriteInPrefix+"Tie A", OtherWriteIns)
	if !slices.Equal(cr.Candidates, want) {
		t.Fatalf("candidates (%d):\n%q\nwant (%d):\n%q", len(cr.Candidates), cr.Candidates, len(want), want)
	}
	if len(cr.WriteIns) != 3000+15+2 {
		t.Fatalf("%d write-in totals, want every name's (3,017)", len(cr.WriteIns))
	}
	for _, w := range cr.WriteIns {
		if w.Name == "Tie B" && w.Count != 5 || w.Name == "Once 0042" && w.Count != 1 || w.Name == "Popular 03" && w.Count != 20 {
			t.Fatalf("write-in %q counted %d", w.Name, w.Count)
		}
	}
	if cr.Totals[0] != 15*20+1 || cr.Totals[1] != 3000+1 || cr.Totals[2] != 1 {
		t.Fatalf("option totals %v", cr.Totals)
	}
	// 3,000 once-named write-ins and Tie B's 5 are first preferences of
	// the pooled candidate, which wins the first round outright.
	r1 := cr.IRV.Rounds[0]
	if r1.Counts[OtherWriteIns] != 3005 || r1.Counts[WriteInPrefix+"Tie A"] != 5 || r1.Counts["orlov"] != 300 || cr.IRV.Winner != OtherWriteIns {
		t.Fatalf("first round %v, winner %q", r1.Counts, cr.IRV.Winner)
	}
	if k := len(cr.Candidates); len(cr.Schulze.D) != k || len(cr.Schulze.P) != k {
		t.Fatalf("Schulze matrices of %d, want %d", len(cr.Schulze.D), k)
	}
	// The result encodes and decodes (the verifier's comparison).
	res := &Results{Election: "e", Counted: uint64(len(rows)), Contests: []ContestResult{*cr}}
	b, err := res.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseResults(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Contests[0].Candidates, want) {
		t.Fatal("the candidates did not survive encoding")
	}
}

// With exactly MaxWriteInCandidates names nothing is pooled.
func TestSixteenWriteInsAreEachACandidate(t *testing.T) {
	c, row := mayorRows(t)
	var rows [][]*group.Element
	for i := range MaxWriteInCandidates {
		rows = append(rows, row(fmt.Sprintf("Name %02d", i), 4))
	}
	cr := &ContestResult{Contest: c.ID, Method: c.Tally, Ranked: true, Ballots: uint64(len(rows)), Totals: make([]uint64, len(c.Options)),
		Candidates: []string{"orlov", "volkova", "zaitsev"}}
	if err := countRows(c, rows, len(rows), cr); err != nil {
		t.Fatal(err)
	}
	if len(cr.Candidates) != 3+MaxWriteInCandidates || slices.Contains(cr.Candidates, OtherWriteIns) {
		t.Fatalf("candidates %q", cr.Candidates)
	}
}
