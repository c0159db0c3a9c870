package shufflebench_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/shuffle/shufflebench"
)

func TestRun(t *testing.T) {
	var buf bytes.Buffer
	o := shufflebench.Options{N: 20, Width: 2, Workers: 2, Rand: testrand.New("shufflebench")}
	if err := shufflebench.Run(&buf, o); err != nil {
		t.Fatal(err)
	}
	var ops []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		op := r["operation"].(string)
		ops = append(ops, op)
		if r["n"] != 20.0 || r["width"] != 2.0 || r["workers"] != 2.0 {
			t.Errorf("%s: wrong n, width or workers: %v", op, r)
		}
		positive := func(keys ...string) {
			for _, k := range keys {
				if v, ok := r[k].(float64); !ok || v <= 0 {
					t.Errorf("%s: %s = %v, want a positive number", op, k, r[k])
				}
			}
		}
		switch op {
		case "shuffle.prove":
			positive("seconds", "shuffle_seconds", "rows_per_sec", "ciphertexts_per_sec", "proof_bytes", "proof_bytes_per_ciphertext")
			if r["proof_bytes"] != float64(160*20+192+96*2) {
				t.Errorf("proof_bytes = %v", r["proof_bytes"])
			}
			if cps, rps := r["ciphertexts_per_sec"].(float64), r["rows_per_sec"].(float64); cps < 1.99*rps || cps > 2.01*rps {
				t.Errorf("ciphertexts_per_sec %v is not 2 × rows_per_sec %v", cps, rps)
			}
		case "shuffle.verify":
			positive("seconds", "parse_seconds", "rows_per_sec", "ciphertexts_per_sec")
		case "shuffle.memory":
			if runtime.GOOS == "linux" {
				positive("peak_rss_bytes")
			}
		}
	}
	if got := strings.Join(ops, ","); got != "shuffle.prove,shuffle.verify,shuffle.memory" {
		t.Fatalf("ops: %s", got)
	}
}

func TestRunRejects(t *testing.T) {
	for _, o := range []shufflebench.Options{{N: 0, Width: 1}, {N: 1, Width: 0}} {
		if err := shufflebench.Run(new(bytes.Buffer), o); err == nil {
			t.Errorf("Run(%+v) succeeded", o)
		}
	}
}
