package tally_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/tally"
)

func ballots(spec map[string]int) []tally.Ranking {
	var keys []string
	for k := range spec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []tally.Ranking
	for _, k := range keys {
		for range spec[k] {
			r := tally.Ranking{}
			for _, c := range k {
				r = append(r, string(c))
			}
			out = append(out, r)
		}
	}
	return out
}

// The classic case: the plurality leader loses once the last candidate's
// ballots transfer.
func TestInstantRunoff(t *testing.T) {
	res, err := tally.InstantRunoff([]string{"A", "B", "C"}, ballots(map[string]int{"AB": 8, "BC": 5, "CB": 4}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Winner != "B" || len(res.Rounds) != 2 || !slices.Equal(res.Rounds[0].Eliminated, []string{"C"}) ||
		res.Rounds[1].Counts["B"] != 9 || res.Rounds[1].Counts["A"] != 8 {
		t.Fatalf("result %+v", res)
	}
	// Exhausted ballots stop counting: A 4, B 3, C 2 (C's voters rank no
	// one else); after C goes, A has 4 of the 7 that still count.
	res, err = tally.InstantRunoff([]string{"A", "B", "C"}, ballots(map[string]int{"A": 4, "B": 3, "C": 2}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Winner != "A" || res.Rounds[1].Exhausted != 2 {
		t.Fatalf("result %+v", res)
	}
	// A tie for last place: broken by the earlier round, then by the
	// manifest's order (the last listed goes).
	res, _ = tally.InstantRunoff([]string{"A", "B", "C", "D"}, ballots(map[string]int{"A": 5, "B": 4, "C": 2, "D": 2}))
	if !slices.Equal(res.Rounds[0].Eliminated, []string{"D"}) {
		t.Fatalf("tie for last: eliminated %v, want D (listed last)", res.Rounds[0].Eliminated)
	}
	// A single candidate wins even without a majority of all ballots.
	res, _ = tally.InstantRunoff([]string{"A"}, []tally.Ranking{{}, {"A"}})
	if res.Winner != "A" {
		t.Fatalf("winner %q", res.Winner)
	}
	for _, bad := range [][]tally.Ranking{{{"Z"}}, {{"A", "A"}}} {
		if _, err := tally.InstantRunoff([]string{"A", "B"}, bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	if _, err := tally.InstantRunoff([]string{"A", "A"}, nil); err == nil {
		t.Error("accepted a candidate listed twice")
	}
}

// The example of Schulze's paper and of its Wikipedia article: 45 voters,
// five candidates; E wins, and the order is E > A > C > B > D.
func TestSchulze(t *testing.T) {
	bs := ballots(map[string]int{"ACBED": 5, "ADECB": 5, "BEDAC": 8, "CABED": 3, "CAEBD": 7, "CBADE": 2, "DCEBA": 7, "EBADC": 8})
	res, err := tally.Schulze(strings.Split("A B C D E", " "), bs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Winners, []string{"E"}) || strings.Join(res.Ranking, "") != "EACBD" {
		t.Fatalf("winners %v, ranking %v", res.Winners, res.Ranking)
	}
	// d[A][B] = 20, d[B][A] = 25; the strongest path from A to B is 28.
	if res.D[0][1] != 20 || res.D[1][0] != 25 || res.P[0][1] != 28 {
		t.Fatalf("d[A][B] %d, d[B][A] %d, p[A][B] %d", res.D[0][1], res.D[1][0], res.P[0][1])
	}
	// Unranked candidates are below every ranked one.
	res, _ = tally.Schulze([]string{"A", "B", "C"}, []tally.Ranking{{"C"}, {"C"}, {"A", "B"}})
	if res.Winners[0] != "C" || res.D[2][0] != 2 || res.D[0][2] != 1 || res.D[0][1] != 1 {
		t.Fatalf("%+v", res)
	}
}
