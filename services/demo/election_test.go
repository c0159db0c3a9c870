package demo

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// count is an independent count of one contest from the voters'
// plaintext choices: the votes per option (and per write-in name), the
// blank and the invalid ballots, and for a ranked contest the rankings.
type count struct {
	votes          map[string]int // by option title, or "write-in: Name"
	blank, invalid int
	rankings       []tally.Ranking
}

// countChoices counts contest c over the ballots that should count: each
// voter's last cast ballot (last-counts), never an audited one. With
// first set it counts the first cast ballots instead (what a wrong revote
// rule gives), with audits the audited ballots too: the test checks that
// both differ from the right count, so that it would catch either mistake.
func countChoices(m *voting.Manifest, c *voting.Contest, voters []VoterRecord, first, audits bool) *count {
	out := &count{votes: map[string]int{}}
	add := func(s voting.Selections, tampered bool) {
		if c.Kind == voting.Ranked && tampered {
			out.invalid++
			return
		}
		sel := s[c.ID]
		if c.Kind == voting.Ranked && len(sel.Options) == 0 {
			out.blank++
		}
		var r tally.Ranking
		for _, o := range sel.Options {
			if o == voting.WriteInChoice {
				out.votes[tally.WriteInPrefix+sel.WriteIn]++
				r = append(r, tally.WriteInPrefix+sel.WriteIn)
				continue
			}
			out.votes[title(optionByID(c, o).Title)]++
			r = append(r, o)
		}
		out.rankings = append(out.rankings, r)
	}
	for _, v := range voters {
		if first {
			add(v.Cast[0], v.Tampered && len(v.Cast) == 1)
		} else {
			add(v.Cast[len(v.Cast)-1], v.Tampered)
		}
		if audits {
			for _, s := range v.Audited {
				add(s, false)
			}
		}
	}
	return out
}

// block returns the printed results block of the contest titled t: the
// lines after its heading up to the next blank line.
func block(t *testing.T, out, heading string) []string {
	t.Helper()
	i := strings.Index(out, "\n  "+heading+"  [")
	if i < 0 {
		t.Fatalf("no results for %q in:\n%s", heading, out)
	}
	rest := out[i+1:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return strings.Split(rest, "\n")[1:]
}

// rowPattern matches a results row: label, count, share, bar.
var rowPattern = regexp.MustCompile(`^    (.{26}) +(\d+) +\d+\.\d%(  [█▏▎▍▌▋▊▉]+)?$`)

// rows returns the counts of a block's rows by label.
func rows(lines []string) map[string]int {
	out := map[string]int{}
	for _, l := range lines {
		if m := rowPattern.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			out[strings.TrimSpace(m[1])] = n
		}
	}
	return out
}

func line(t *testing.T, lines []string, prefix string) string {
	t.Helper()
	for _, l := range lines {
		if s, ok := strings.CutPrefix(strings.TrimSpace(l), prefix); ok {
			return s
		}
	}
	t.Fatalf("no line %q in %q", prefix, lines)
	return ""
}

// A small election runs end to end through the real ballot box and voter
// API on the embedded chain, and the results it prints are what an
// independent count of the voters' plaintext choices gives: every
// voter's last ballot counts, audited ballots never do, the tampered
// app's rows are invalid (and counted as such), and the ranked contest's
// instant-runoff and Schulze winners are those of the plaintext rankings.
func TestElectionResultsMatchTheVotersChoices(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a whole election on the embedded chain")
	}
	const voters = 30
	var out bytes.Buffer
	run, err := Election(context.Background(), &out, ElectionOptions{
		DataDir: t.TempDir(), Voters: voters, RevoteShare: 0.2, AuditShare: 0.1, Tampered: 2, Seed: 1,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	defer func() {
		if t.Failed() {
			t.Logf("output:\n%s", s)
		}
	}()
	if len(run.Voters) != voters {
		t.Fatalf("%d voter records", len(run.Voters))
	}
	revoters, audits, tampered := 0, 0, 0
	for _, v := range run.Voters {
		if len(v.Cast) > 1 {
			revoters++
		}
		audits += len(v.Audited)
		if v.Tampered {
			tampered++
		}
	}
	if revoters != 6 || audits != 3 || tampered != 2 {
		t.Fatalf("%d revoters, %d audits, %d tampered apps; want 6, 3, 2", revoters, audits, tampered)
	}

	// The reconciliation as printed.
	for label, want := range map[string]int{
		"credentials issued": voters, "ballots received": voters + revoters, "audited (spoiled, not cast)": audits,
		"credentials that revoted": revoters, "excluded": revoters, "counted": voters,
	} {
		re := regexp.MustCompile(`(?m)^    ` + regexp.QuoteMeta(label) + ` +(\d+)\b`)
		m := re.FindStringSubmatch(s)
		if m == nil || m[1] != strconv.Itoa(want) {
			t.Errorf("reconciliation: %q = %v, want %d", label, m, want)
		}
	}

	m := run.Manifest
	for i := range m.Contests {
		c := &m.Contests[i]
		want := countChoices(m, c, run.Voters, false, false)
		// The test would see a wrong revote rule or counted audits.
		if wrong := countChoices(m, c, run.Voters, true, false); maps.Equal(wrong.votes, want.votes) {
			t.Errorf("%s: counting the first ballots gives the same totals: pick another seed", c.ID)
		}
		if wrong := countChoices(m, c, run.Voters, false, true); maps.Equal(wrong.votes, want.votes) {
			t.Errorf("%s: counting the audited ballots gives the same totals: pick another seed", c.ID)
		}

		lines := block(t, s, title(c.Title))
		got := rows(lines)
		for _, o := range c.Options {
			want.votes[title(o.Title)] += 0 // an option nobody chose is printed with 0
		}
		if c.Kind == voting.Ranked {
			want.votes["(blank)"], want.votes["(invalid)"] = want.blank, want.invalid
		}
		if !maps.Equal(got, want.votes) {
			t.Errorf("%s: printed %v, the voters' choices give %v", c.ID, got, want.votes)
		}
		if c.Kind != voting.Ranked {
			continue
		}
		if want.invalid != tampered || !strings.Contains(s, "invalid rows, by place in the decrypted list: ") {
			t.Errorf("%s: %d invalid rows expected, listed: %q", c.ID, want.invalid, line(t, lines, "invalid rows"))
		}
		// The candidates in the order of the result (the options, then the
		// write-ins in order of first appearance in the mixed list): the
		// order breaks ties.
		cands := run.Results.Contests[i].Candidates
		if len(cands) != len(want.votes)-2 { // the options and the write-ins
			t.Errorf("%s: candidates %v", c.ID, cands)
		}
		irv, err := tally.InstantRunoff(cands, want.rankings)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := tally.Schulze(cands, want.rankings)
		if err != nil {
			t.Fatal(err)
		}
		name := func(id string) string {
			if o := optionByID(c, id); o != nil {
				return title(o.Title)
			}
			return id
		}
		if got := line(t, lines, "instant-runoff winner: "); got != name(irv.Winner) {
			t.Errorf("%s: printed IRV winner %q, the rankings give %q", c.ID, got, name(irv.Winner))
		}
		var first []string
		for _, cand := range cands {
			first = append(first, fmt.Sprintf("%s %d", name(cand), irv.Rounds[0].Counts[cand]))
		}
		if got := line(t, lines, "round 1: "); !strings.HasPrefix(got, strings.Join(first, ", ")) {
			t.Errorf("%s: printed round 1 %q, the rankings give %q", c.ID, got, strings.Join(first, ", "))
		}
		if n := strings.Count(strings.Join(lines, "\n"), "      round "); n != len(irv.Rounds) {
			t.Errorf("%s: %d rounds printed, the rankings give %d", c.ID, n, len(irv.Rounds))
		}
		var winners []string
		for _, x := range sch.Winners {
			winners = append(winners, name(x))
		}
		if got := line(t, lines, "Schulze winner: "); got != strings.Join(winners, ", ") {
			t.Errorf("%s: printed Schulze winner %q, the rankings give %q", c.ID, got, winners)
		}
	}

	// What the demo prints of the rest, and the stage timings.
	for _, want := range []string{
		"qualified trustees [1 2 3 4 5]",
		"30 public credentials on the board",
		"every one of the 39 receipts is signed by the ballot box's key named in the manifest (checked)",
		"looked up by tracking code and found on the chain",
		"the commission closed the election",
		"decrypted with the shares of trustees [1 3 4]",
		"phase published",
		"Stage timings (30 voters):",
		"serve --box city-2026",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if len(run.Stages) != 11 {
		t.Errorf("%d stages timed, want 11", len(run.Stages))
	}
	if strings.Contains(s, "REDACTED") {
		t.Error("a secret's redacted form was printed")
	}
}
