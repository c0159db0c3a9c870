package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// veche bench verify builds a small record, keeps it where --record says,
// verifies it and prints one JSON line per step and a summary.
func TestBenchVerify(t *testing.T) {
	dir := isolate(t)
	record := filepath.Join(dir, "record.jsonl")
	out := mustRun(t, "bench", "verify", "--ballots", "12", "--audits", "1", "--record", record)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2+10+1 {
		t.Fatalf("%d lines, want the build, the read, 10 steps and the summary:\n%s", len(lines), out)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if last["operation"] != "verify" || last["verdict"] != "verified" || last["ballots"] != 12.0 {
		t.Errorf("summary %v", last)
	}
	if st, err := os.Stat(record); err != nil || st.Size() == 0 {
		t.Fatalf("the record was not kept: %v", err)
	}
	_, stderr, code := veche(t, "bench", "verify", "--ranks", "9")
	if code == 0 || !strings.Contains(stderr, "9 ranks of 5 candidates") {
		t.Errorf("--ranks 9: exit %d, stderr %q", code, stderr)
	}
}
