package thresholdbench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// A small run writes the five operations as JSON lines with positive
// rates, and rejects impossible options.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := Run(&buf, Options{N: 64, K: 3, Trustees: 5}); err != nil {
		t.Fatal(err)
	}
	var ops []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if l.Ciphertexts != 64 || l.PerSec <= 0 || l.Seconds <= 0 || l.Cores < 1 {
			t.Fatalf("line %+v", l)
		}
		ops = append(ops, l.Op)
		switch l.Op {
		case "threshold.verify_partials":
			if l.Trustees != 3 {
				t.Fatalf("verify line %+v", l)
			}
		case "threshold.combine":
			if l.K != 3 || l.N != 5 {
				t.Fatalf("combine line %+v", l)
			}
		}
	}
	want := []string{"threshold.partial_decrypt", "threshold.encode_partial", "threshold.parse_partial",
		"threshold.verify_partials", "threshold.combine"}
	if len(ops) != len(want) {
		t.Fatalf("operations %v, want %v", ops, want)
	}
	for i := range want {
		if ops[i] != want[i] {
			t.Fatalf("operations %v, want %v", ops, want)
		}
	}
	for _, o := range []Options{{N: -1}, {K: 6, Trustees: 5}, {Trustees: 33}} {
		if err := Run(&buf, o); err == nil {
			t.Fatalf("options %+v accepted", o)
		}
	}
}

// TestRunLarge runs the benchmark at scale when THRESHOLDBENCH_N is set
// (and THRESHOLDBENCH_K, THRESHOLDBENCH_TRUSTEES if given), for example
//
//	THRESHOLDBENCH_N=1000000 THRESHOLDBENCH_K=1 go test ./crypto/threshold/thresholdbench -run Large -v -timeout 30m
//
// and prints its lines.
func TestRunLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("THRESHOLDBENCH_N"))
	if n == 0 {
		t.Skip("THRESHOLDBENCH_N not set")
	}
	k, _ := strconv.Atoi(os.Getenv("THRESHOLDBENCH_K"))
	trustees, _ := strconv.Atoi(os.Getenv("THRESHOLDBENCH_TRUSTEES"))
	var buf bytes.Buffer
	if err := Run(&buf, Options{N: n, K: k, Trustees: trustees}); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
}
