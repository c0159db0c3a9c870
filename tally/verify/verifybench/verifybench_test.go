package verifybench_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifybench"
)

// lines decodes the benchmark's JSON lines.
func lines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var ms []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		ms = append(ms, m)
	}
	return ms
}

func ops(ms []map[string]any) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m["operation"].(string))
	}
	return out
}

func TestBuildsVerifiesAndReusesTheRecord(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "record.jsonl")
	o := verifybench.Options{Ballots: 40, RevoteShare: 0.1, Audits: 2, Record: path}

	var out bytes.Buffer
	res, err := verifybench.Run(ctx, &out, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Verdict != verify.Verified {
		t.Fatalf("verdict %s", res.Report.VerdictLine())
	}
	// Every step ran and passed: the record has ballots, revotes, audits,
	// shuffles, decryptions and a result.
	for _, s := range res.Report.Steps {
		if s.Status != verify.StatusOK {
			t.Errorf("step %d %s: %s %s", s.Number, s.Name, s.Status, s.Detail)
		}
	}
	if d := res.Report.Step(verify.StepBallots).Detail; !strings.Contains(d, "received 40, audited 2, revotes 4") || !strings.Contains(d, "counted 36 of 36") {
		t.Errorf("step 6 says %q; want 40 ballots received, 2 audits, 4 revotes, 36 counted", d)
	}
	ms := lines(t, out.Bytes())
	want := []string{"verify.build", "verify.read"}
	for range res.Report.Steps {
		want = append(want, "verify.step")
	}
	want = append(want, "verify")
	if got := ops(ms); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("operations %v, want %v", got, want)
	}
	last := ms[len(ms)-1]
	if last["ballots"].(float64) != 40 || last["seconds"].(float64) <= 0 || last["ballots_per_sec"].(float64) <= 0 {
		t.Errorf("summary %v", last)
	}
	for _, m := range ms[2 : len(ms)-1] {
		if m["status"] != "ok" || m["name"] == "" {
			t.Errorf("step line %v", m)
		}
	}

	// A second run reads the kept record instead of building it.
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := verifybench.Run(ctx, &out, o); err != nil {
		t.Fatal(err)
	}
	if got := ops(lines(t, out.Bytes())); got[0] != "verify.read" {
		t.Errorf("second run: operations %v, want no build", got)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the second run changed the record")
	}
}

func TestRefusesAnotherElectionsRecordAndATamperedOne(t *testing.T) {
	ctx := context.Background()
	other := filepath.Join(t.TempDir(), "sample.jsonl")
	sample, err := os.ReadFile("../../../testdata/verification/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, sample, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = verifybench.Run(ctx, new(bytes.Buffer), verifybench.Options{Ballots: 5, Record: other})
	if err == nil || !strings.Contains(err.Error(), `election "sample-2026"`) {
		t.Fatalf("a record of another election: %v", err)
	}

	// A record whose ballot batch was altered after posting fails, and the
	// benchmark says so rather than timing it.
	path := filepath.Join(t.TempDir(), "record.jsonl")
	if _, err := verifybench.Run(ctx, new(bytes.Buffer), verifybench.Options{Ballots: 6, Audits: -1, RevoteShare: -1, Record: path}); err != nil {
		t.Fatal(err)
	}
	tampered := false
	raw, _ := os.ReadFile(path)
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<24)
	var out []string
	for sc.Scan() {
		line := sc.Text()
		if !tampered && strings.Contains(line, `"kind_name":"ballot-batch"`) {
			// Flip one hex digit near the end of the payload (inside the
			// last ballot's signature).
			i := strings.Index(line, `","head"`) - 3
			c := byte('0')
			if line[i] == '0' {
				c = '1'
			}
			line = line[:i] + string(c) + line[i+1:]
			tampered = true
		}
		out = append(out, line)
	}
	if !tampered {
		t.Fatal("no ballot batch in the record")
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = verifybench.Run(ctx, new(bytes.Buffer), verifybench.Options{Ballots: 6, Record: path})
	if err == nil || !strings.Contains(err.Error(), "did not verify") {
		t.Fatalf("a tampered record: %v", err)
	}
}

func TestRefusesImpossibleOptions(t *testing.T) {
	for _, o := range []verifybench.Options{
		{Ballots: -1},
		{Options: 1},
		{Candidates: 1},
		{Ranks: 6},
		{RevoteShare: 1},
	} {
		if _, err := verifybench.Run(context.Background(), new(bytes.Buffer), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
