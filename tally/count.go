package tally

import (
	"fmt"
	"slices"
)

// A Ranking is one ballot's preferences in a ranked contest: candidate ids,
// most preferred first; it may rank only some candidates, or none (blank).
// Write-in candidates are named by the caller ("write-in: Name").
type Ranking []string

// An IRVRound is one round of an instant-runoff count.
type IRVRound struct {
	Counts     map[string]int // first continuing preferences of each continuing candidate
	Exhausted  int            // ballots with no continuing candidate left
	Eliminated []string       // candidates eliminated at the end of the round
}

// An IRVResult is the whole count: every round, and the winner.
type IRVResult struct {
	Rounds []IRVRound
	Winner string
}

// InstantRunoff counts ballots by instant runoff (docs/spec/tally.md,
// "Instant runoff"). candidates lists the contest's candidates in the
// manifest's order; a ranking naming anyone else is an error (the caller
// decodes and validates ballots first). Each round, every ballot counts for
// its most preferred continuing candidate; a candidate with more than half
// of the ballots that still count wins. Otherwise the candidate with the
// fewest votes is eliminated; a tie for fewest is broken by the earlier
// rounds' counts, latest first (the one with fewer votes then goes), and
// if still tied the one listed last in candidates goes. With one candidate
// left, it wins. The count is deterministic: anyone recomputing it from the
// decrypted ballots gets the same rounds.
func InstantRunoff(candidates []string, ballots []Ranking) (*IRVResult, error) {
	if len(candidates) == 0 {
		return nil, fmt.Errorf("tally: instant runoff without candidates")
	}
	index := map[string]int{}
	for i, c := range candidates {
		if _, dup := index[c]; dup {
			return nil, fmt.Errorf("tally: candidate %q listed twice", c)
		}
		index[c] = i
	}
	for i, b := range ballots {
		seen := map[string]bool{}
		for _, c := range b {
			if _, ok := index[c]; !ok {
				return nil, fmt.Errorf("tally: ballot %d ranks an unknown candidate", i)
			}
			if seen[c] {
				return nil, fmt.Errorf("tally: ballot %d ranks a candidate twice", i)
			}
			seen[c] = true
		}
	}
	continuing := map[string]bool{}
	for _, c := range candidates {
		continuing[c] = true
	}
	res := &IRVResult{}
	for {
		round := IRVRound{Counts: map[string]int{}}
		for c := range continuing {
			round.Counts[c] = 0
		}
		for _, b := range ballots {
			counted := false
			for _, c := range b {
				if continuing[c] {
					round.Counts[c]++
					counted = true
					break
				}
			}
			if !counted {
				round.Exhausted++
			}
		}
		active := len(ballots) - round.Exhausted
		for _, c := range candidates {
			if continuing[c] && (2*round.Counts[c] > active || len(continuing) == 1) {
				res.Rounds = append(res.Rounds, round)
				res.Winner = c
				return res, nil
			}
		}
		// Eliminate the weakest, ties broken by earlier rounds, then by
		// the manifest's order (the last listed goes).
		var weakest string
		for _, c := range candidates {
			if !continuing[c] {
				continue
			}
			if weakest == "" || weaker(c, weakest, round, res.Rounds, index) {
				weakest = c
			}
		}
		round.Eliminated = []string{weakest}
		delete(continuing, weakest)
		res.Rounds = append(res.Rounds, round)
	}
}

// weaker reports whether a should be eliminated before b.
func weaker(a, b string, cur IRVRound, earlier []IRVRound, index map[string]int) bool {
	if cur.Counts[a] != cur.Counts[b] {
		return cur.Counts[a] < cur.Counts[b]
	}
	for i := len(earlier) - 1; i >= 0; i-- {
		if ca, cb := earlier[i].Counts[a], earlier[i].Counts[b]; ca != cb {
			return ca < cb
		}
	}
	return index[a] > index[b]
}

// A SchulzeResult is the outcome of the Schulze method: the pairwise
// preferences, the strongest paths and the ranking they imply.
type SchulzeResult struct {
	Candidates []string
	// D[i][j] is the number of ballots that prefer candidate i to j (a
	// ranked candidate is preferred to every unranked one).
	D [][]int
	// P[i][j] is the strength of the strongest path from i to j.
	P [][]int
	// Ranking lists the candidates best first: i before j when
	// P[i][j] > P[j][i]; candidates that tie keep the manifest's order.
	Ranking []string
	// Winners are the candidates no other beats (usually one).
	Winners []string
}

// Schulze counts ballots by the Schulze method (M. Schulze, "A new monotonic,
// clone-independent, reversal symmetric, and Condorcet-consistent
// single-winner election method", Social Choice and Welfare 36, 2011,
// sections 2.1–2.3), with path strength measured by winning votes.
func Schulze(candidates []string, ballots []Ranking) (*SchulzeResult, error) {
	n := len(candidates)
	if n == 0 {
		return nil, fmt.Errorf("tally: Schulze count without candidates")
	}
	index := map[string]int{}
	for i, c := range candidates {
		if _, dup := index[c]; dup {
			return nil, fmt.Errorf("tally: candidate %q listed twice", c)
		}
		index[c] = i
	}
	d := make([][]int, n)
	p := make([][]int, n)
	for i := range d {
		d[i], p[i] = make([]int, n), make([]int, n)
	}
	for bi, b := range ballots {
		rank := make([]int, n) // 0: unranked; else 1-based position
		for pos, c := range b {
			i, ok := index[c]
			if !ok || rank[i] != 0 {
				return nil, fmt.Errorf("tally: ballot %d ranks an unknown candidate or one twice", bi)
			}
			rank[i] = pos + 1
		}
		for i := range n {
			for j := range n {
				if i != j && rank[i] != 0 && (rank[j] == 0 || rank[i] < rank[j]) {
					d[i][j]++
				}
			}
		}
	}
	for i := range n {
		for j := range n {
			if i != j && d[i][j] > d[j][i] {
				p[i][j] = d[i][j]
			}
		}
	}
	for k := range n {
		for i := range n {
			if i == k {
				continue
			}
			for j := range n {
				if j != i && j != k {
					p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
				}
			}
		}
	}
	res := &SchulzeResult{Candidates: slices.Clone(candidates), D: d, P: p}
	beats := func(i, j int) bool { return p[i][j] > p[j][i] }
	wins := make([]int, n)
	for i := range n {
		for j := range n {
			if beats(i, j) {
				wins[i]++
			}
		}
		beaten := false
		for j := range n {
			if beats(j, i) {
				beaten = true
			}
		}
		if !beaten {
			res.Winners = append(res.Winners, candidates[i])
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return wins[b] - wins[a] })
	for _, i := range order {
		res.Ranking = append(res.Ranking, candidates[i])
	}
	return res, nil
}
