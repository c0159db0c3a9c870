package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// veche bench cast runs the load generator in process, on its own
// temporary directory, and prints the setup and the measurement as JSON
// lines: every ballot acknowledged and found on the board.
func TestBenchCast(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	out := mustRun(t, "--data", data, "bench", "cast", "--clients", "8", "--ballots", "24")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out)
	}
	var setup, res map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &setup); err != nil || setup["operation"] != "cast.setup" {
		t.Fatalf("setup line %q: %v", lines[0], err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &res); err != nil || res["operation"] != "cast" {
		t.Fatalf("result line %q: %v", lines[1], err)
	}
	for k, want := range map[string]float64{"clients": 8, "ballots": 24, "acknowledged": 24, "on_board": 24, "lost": 0, "bad_receipts": 0} {
		if res[k] != want {
			t.Errorf("%s = %v, want %v", k, res[k], want)
		}
	}
	if errs, _ := res["errors"].(map[string]any); len(errs) != 0 || res["db"] != "sqlite" {
		t.Errorf("errors %v, db %v", res["errors"], res["db"])
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("bench cast touched the data directory: %v", err)
	}
}

// The flags that go together are checked before anything runs.
func TestBenchCastRefusesMismatchedFlags(t *testing.T) {
	isolate(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--election", "x"}, "go with --url"},
		{[]string{"--url", "http://127.0.0.1:1"}, "needs --election and --credentials"},
		{[]string{"--url", "http://127.0.0.1:1", "--db", "postgres://x/y", "--election", "e", "--credentials", "c"}, "--db is for the in-process server"},
		{[]string{"--url", "http://127.0.0.1:1", "--election", "e", "--credentials", "missing.txt"}, "missing.txt"},
	} {
		_, stderr, code := veche(t, append([]string{"bench", "cast"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("bench cast %v: exit %d, stderr %q; want an error about %q", c.args, code, stderr, c.want)
		}
	}
}
