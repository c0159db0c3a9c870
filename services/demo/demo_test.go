package demo_test

import (
	"bytes"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/services/demo"
)

// seeded returns a deterministic randomness stream for the tests.
func seeded(seed string) io.Reader {
	x := sha3.NewSHAKE128()
	x.Write([]byte(seed))
	return x
}

// The tour shows every step with what the code computed; it is the same
// on every run with the same randomness except for the timings, and
// another with crypto/rand (a nil reader). (One test runs the three tours
// at once: each is slow under the race detector.)
func TestWalkthroughShowsEveryStepDeterministically(t *testing.T) {
	t.Parallel()
	var out, again, other bytes.Buffer
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, run := range []struct {
		w    *bytes.Buffer
		rand io.Reader
	}{{&out, seeded("demo test")}, {&again, seeded("demo test")}, {&other, nil}} {
		wg.Go(func() { errs[i] = demo.Walkthrough(run.w, run.rand) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Walkthrough: %v\n%s", err, out.String())
	}
	text := out.String()

	// The public key printed is x·G for the x the randomness gives.
	x, err := group.RandomNonZeroScalar(seeded("demo test"))
	if err != nil {
		t.Fatal(err)
	}
	X := new(group.Element).ScalarBaseMult(x)
	hs, err := group.DeriveGenerators([]byte("veche demo"), 1)
	if err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{
		"Step 1/10: Generate an election key pair",
		fmt.Sprintf("public key X = x·G: %x", X.Bytes()),
		"Step 2/10: Derive an independent generator",
		fmt.Sprintf(`H = hash-to-group("veche demo"): %x`, hs[0].Bytes()),
		"Step 3/10: Encode elements and scalars canonically",
		"G:           e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76", // RFC 9496, Appendix A.1
		"identity:    0000000000000000000000000000000000000000000000000000000000000000",
		"decode(encode(X)) = X: ok",
		"Step 4/10: Reject encodings that are not canonical",
		"the identity as a public key:",
		"the scalar ℓ (the group order, unreduced):",
		"Step 5/10: Bind a Fiat-Shamir challenge to the election",
		"same c (checked)",
		"Step 6/10: Prove knowledge of the election key",
		"The same proof claimed by trustee 2: zkp: key:",
		"Step 7/10: Encrypt a ballot on the voter's device",
		"Step 8/10: Check the ballot as the ballot box does",
		"the sum proof and the write-in proof: all valid",
		"The same ballot re-signed under another credential: zkp: ballot:",
		"A selection replaced by an encryption of 2: zkp: zero-one:",
		"Step 9/10: Tally many ballots homomorphically",
		"Batch verification of 600 0/1 proofs",
		"proof #300 named as invalid",
		"Step 10/10: Decrypt the tally and the write-in, with proofs",
		`write-in:    "Kolomenskoye"`,
		"The totals match the votes cast (checked)",
		"All 10 steps passed in ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(text, " rejected: "); n != 6 {
		t.Errorf("%d rejections shown, want 6", n)
	}
	if n := strings.Count(text, "(step took "); n != 10 {
		t.Errorf("%d step timings shown, want 10", n)
	}
	// The secret key is never printed.
	if strings.Contains(text, fmt.Sprintf("%x", x.Bytes())) {
		t.Error("the secret key appears in the output")
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}

	if stripTimings(again.String()) != stripTimings(text) {
		t.Errorf("two runs with the same randomness differ:\n%s\n---\n%s", text, again.String())
	}
	if stripTimings(other.String()) == stripTimings(text) {
		t.Error("a run with crypto/rand printed the same key as a seeded run")
	}
}

// durations matches the timings the tour prints, which differ between runs:
// whole Go durations, "2m58.213s" as well as "3.795ms".
var durations = regexp.MustCompile(`(?:[0-9]+(?:\.[0-9]+)?(?:ns|µs|ms|s|m|h))+\b`)

func stripTimings(s string) string {
	return durations.ReplaceAllString(s, "<t>")
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy source unplugged") }

func TestWalkthroughReportsRandomnessFailure(t *testing.T) {
	err := demo.Walkthrough(io.Discard, failingReader{})
	if err == nil || !strings.Contains(err.Error(), "step 1") || !strings.Contains(err.Error(), "unplugged") {
		t.Fatalf("err = %v, want a step 1 error naming the reader's failure", err)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("broken pipe")
	}
	w.after--
	return len(p), nil
}

func TestWalkthroughReportsWriteFailure(t *testing.T) {
	err := demo.Walkthrough(&failingWriter{after: 5}, seeded("w"))
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// The comparison of two tours ignores whole durations, minutes included
// (a slow run crossed from 2m58s to 3m0s and the tours "differed").
func TestStripTimingsTakesWholeDurations(t *testing.T) {
	for _, pair := range [][2]string{
		{"(step took 2m58.213s)", "(step took 3m0.755s)"},
		{"proved in 1.116ms, verified in 6.49ms", "proved in 1.846ms, verified in 122.251ms"},
		{"(688.3µs)", "(1h2m3s)"},
	} {
		if a, b := stripTimings(pair[0]), stripTimings(pair[1]); a != b {
			t.Errorf("%q -> %q, %q -> %q", pair[0], a, pair[1], b)
		}
	}
	if a, b := stripTimings("Ballot: 1160 bytes"), stripTimings("Ballot: 1161 bytes"); a == b {
		t.Error("numbers that are not durations are stripped too")
	}
}
