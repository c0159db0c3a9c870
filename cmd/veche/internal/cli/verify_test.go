package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/veche/veche/tally/verify"
)

// The sample record of testdata/verification: it verifies (exit 0), in
// text and in JSON; its tampered copy fails at step 10, the error naming
// the step, the entry and the commission (exit 1), and --json still
// prints the whole report.
func TestVerifyRecord(t *testing.T) {
	sample, err := filepath.Abs("../../../../testdata/verification/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(sample, "sample.jsonl", "sample-tampered.jsonl", 1)
	isolate(t)

	out := mustRun(t, "verify", "--record", sample)
	for _, want := range []string{" 1. ok", "10. ok", "verdict: VERIFIED", "election sample-2026"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "verify", "--record", sample, "--json", "--election", "sample-2026")
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Verified || len(rep.Steps) != 10 || rep.Phase != "published" {
		t.Fatalf("JSON report: %+v", rep)
	}

	stdout, stderr, code := veche(t, "verify", "--record", tampered, "--json")
	if code != 1 {
		t.Fatalf("the tampered record: exit %d", code)
	}
	for _, want := range []string{"step 10 (result)", "entry 47", "blaming commission 0x1000000000000000000000000000000000000001", "posted 5, recomputed 4"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, stderr)
		}
	}
	rep = verify.Report{}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if f := rep.FirstFailure(); rep.Verdict != verify.Failed || f == nil || f.Number != 10 || *f.Entry != 47 || f.Party.Role != "commission" {
		t.Fatalf("JSON report of the tampered record: %s", stdout)
	}

	mustFail(t, "--election is required", "verify")
	mustFail(t, "no election \"other\"", "verify", "--record", sample, "--election", "other")
	mustFail(t, "--follow needs a board", "verify", "--record", sample, "--follow")
	writeFile(t, "bad.jsonl", `{"format":"something else"}`+"\n")
	mustFail(t, "bad.jsonl: verify: malformed record: line 1", "verify", "--record", "bad.jsonl")
}

// On the embedded chain: an election just published verifies as far as
// it goes (the later steps pending: exit 0, or 1 with --complete); its
// record exported and verified offline gives the same report, with the
// board's contract in its header.
func TestVerifyEmbeddedAndExport(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	publishElection(t, data, "verify-test", "all")
	d := "--data=" + data

	out := mustRun(t, d, "verify", "--election", "verify-test")
	for _, want := range []string{" 1. ok", " 2. ok", " 3. pending", "verdict: INCOMPLETE"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	mustFail(t, "is not complete (phase setup): step 3 (key ceremony)", d, "verify", "--election", "verify-test", "--complete")
	mustFail(t, "no election \"nothing-here\"", d, "verify", "--election", "nothing-here")

	mustRun(t, d, "verify", "export", "--election", "verify-test", "--out", "record.jsonl")
	exported := mustRun(t, d, "verify", "export", "--election", "verify-test")
	f, err := os.ReadFile("record.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if string(f) != exported {
		t.Fatal("--out and standard output differ")
	}
	rec, err := verify.ReadRecord(strings.NewReader(exported))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Header.Election != "verify-test" || rec.Header.ChainID == 0 || !strings.HasPrefix(rec.Header.Contract, "0x") ||
		rec.Header.Entries != 1 || len(rec.Log) != 1 {
		t.Fatalf("header %+v, %d entries", rec.Header, len(rec.Log))
	}
	offline := mustRun(t, "verify", "--record", "record.jsonl")
	durations := regexp.MustCompile(` \([0-9.]+m?s\)`)
	if durations.ReplaceAllString(offline, "") != durations.ReplaceAllString(out, "") {
		t.Fatalf("offline:\n%s\nonline:\n%s", offline, out)
	}
}
