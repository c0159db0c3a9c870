package demo

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The election demo's results add up: every voter's referendum vote is
// counted once, and the first preferences of the ranked contest (with
// write-ins and blanks) account for every ballot.
func TestElection(t *testing.T) {
	var out bytes.Buffer
	const voters = 15
	if testing.Short() {
		t.Skip("runs a whole election on the embedded chain")
	}
	if err := Election(context.Background(), &out, ElectionOptions{DataDir: t.TempDir(), Voters: voters}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"qualified trustees [1 2 3 4 5]", "15 public credentials",
		"cascade verified from the board: 3 shuffles of 15 rows", "decrypted with trustees [1 3 4] (missing [2 5])",
		"instant-runoff winner:", "Schulze (Condorcet) order:", "The election ran end to end"} {
		if !strings.Contains(s, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	count := func(label string) int {
		m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(label) + `\s+(\d+)$`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no %q in:\n%s", label, s)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if yes, no := count("Yes"), count("No"); yes+no != voters {
		t.Fatalf("referendum: %d + %d votes for %d voters", yes, no, voters)
	}
	first := 0
	for _, m := range regexp.MustCompile(`(?m)^\s+(F\. Orlov|G\. Volkova|H\. Zaitsev|write-in: .*?|\(invalid\))\s+(\d+)$`).FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[2])
		first += n
	}
	if first != voters {
		t.Fatalf("ranked contest: %d first preferences for %d voters:\n%s", first, voters, s)
	}
}
