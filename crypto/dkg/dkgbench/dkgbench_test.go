package dkgbench_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/dkg/dkgbench"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := dkgbench.Run(&out, dkgbench.Options{K: 2, N: 3, Rounds: 2}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r["operation"] != "dkg.ceremony" || r["k"] != 2.0 || r["n"] != 3.0 {
			t.Fatalf("line %s", l)
		}
		sum := 0.0
		for _, f := range []string{"deal_seconds", "receive_seconds", "finish_seconds", "verify_seconds"} {
			v, ok := r[f].(float64)
			if !ok || v <= 0 {
				t.Fatalf("%s = %v in %s", f, r[f], l)
			}
			sum += v
		}
		if s := r["seconds"].(float64); s < sum*0.999 || s > sum*1.001 {
			t.Fatalf("seconds %v is not the sum of the phases %v", s, sum)
		}
		// Per dealer: commitments to 2 coefficients (169 bytes) and
		// shares with 2 ciphertexts (337 bytes); 3 dealers.
		if r["board_bytes"] != float64(3*(169+337)) {
			t.Fatalf("board_bytes = %v", r["board_bytes"])
		}
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	for _, o := range []dkgbench.Options{{K: 3, N: 2}, {K: 1, N: 0}, {K: 0, N: 3}} {
		if err := dkgbench.Run(new(bytes.Buffer), o); err == nil {
			t.Fatalf("%+v accepted", o)
		}
	}
}
