// Package golden checks generated files, such as the test vectors under
// testdata/, against their checked-in copies. It is for tests only: importing
// it registers the -update flag, with which a test rewrites the file instead
// of comparing (`make generate` runs go test -run TestVectors -update).
//
// It imports only the standard library, so tests at every layer (crypto,
// bulletin) may use it.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files (test vectors) instead of comparing")

// Updating reports whether the test binary runs with -update.
func Updating() bool { return *update }

// Check compares got with the file at path, reporting the first differing
// line; with -update it writes got to path instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestVectors -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Fatalf("%s is stale or its generator changed: line %d:\n got: %s\nwant: %s\n(regenerate with -update only if the change is intended)", path, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s is stale or its generator changed: %d lines, want %d", path, len(gl), len(wl))
}

// JSON marshals v with two-space indentation and a final newline, the
// format of every vector file, and checks it with [Check].
func JSON(t testing.TB, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	Check(t, path, append(got, '\n'))
}
