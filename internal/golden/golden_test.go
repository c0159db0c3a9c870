package golden_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/veche/veche/internal/golden"
)

// recorder captures Fatalf so that a failing check can be observed.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.json")
	if err := os.WriteFile(path, []byte("{\n  \"a\": 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, path, map[string]int{"a": 1})

	for name, v := range map[string]any{"changed": map[string]int{"a": 2}, "longer": map[string]int{"a": 1, "b": 2}} {
		r := &recorder{TB: t}
		golden.JSON(r, path, v)
		if !r.failed {
			t.Errorf("%s: a differing file passed", name)
		}
	}
	r := &recorder{TB: t}
	golden.Check(r, filepath.Join(t.TempDir(), "missing.json"), []byte("x"))
	if !r.failed {
		t.Error("a missing file passed")
	}
}
