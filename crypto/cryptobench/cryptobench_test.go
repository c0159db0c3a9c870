package cryptobench_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/cryptobench"
)

// TestRunReportsEveryOperation runs every registered operation once and
// checks that each line is a JSON object with the documented fields.
func TestRunReportsEveryOperation(t *testing.T) {
	var out bytes.Buffer
	if err := cryptobench.Run(&out, cryptobench.Options{Benchtime: "1x"}); err != nil {
		t.Fatal(err)
	}
	ops := cryptobench.Ops()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(ops) {
		t.Fatalf("got %d lines for %d operations:\n%s", len(lines), len(ops), out.String())
	}
	for i, line := range lines {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		for _, k := range []string{"operation", "n", "ns_per_op", "ns_per_item", "ops_per_s", "cores", "iterations"} {
			if _, ok := fields[k]; !ok {
				t.Errorf("line %d has no %q: %s", i+1, k, line)
			}
		}
		var r cryptobench.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Operation != ops[i].Name || r.N != ops[i].N {
			t.Errorf("line %d is %s n=%d, want %s n=%d", i+1, r.Operation, r.N, ops[i].Name, ops[i].N)
		}
		if r.NsPerOp <= 0 || r.OpsPerS <= 0 || r.Iterations != 1 {
			t.Errorf("line %d has implausible figures: %s", i+1, line)
		}
		if r.Cores != runtime.GOMAXPROCS(0) {
			t.Errorf("line %d: cores = %d, want GOMAXPROCS %d", i+1, r.Cores, runtime.GOMAXPROCS(0))
		}
		if want := r.NsPerOp / float64(r.N); r.NsPerItem < want-0.1 || r.NsPerItem > want+0.1 {
			t.Errorf("line %d: ns_per_item %v, want ns_per_op/n = %v", i+1, r.NsPerItem, want)
		}
	}
}

func TestRegistryCoversTheGroupOperations(t *testing.T) {
	names := map[string]int{}
	for _, op := range cryptobench.Ops() {
		if _, dup := names[op.Name]; dup {
			t.Errorf("operation %s registered twice", op.Name)
		}
		if op.N < 1 || op.Bench == nil {
			t.Errorf("operation %s: N = %d, Bench set = %v", op.Name, op.N, op.Bench != nil)
		}
		names[op.Name] = op.N
	}
	for name, n := range map[string]int{
		"group/scalar-base-mult":                1,
		"group/scalar-mult":                     1,
		"group/double-scalar-base-mult-vartime": 1,
		"group/element-decode":                  1,
		"group/element-encode":                  1,
		"group/hash-to-element":                 1,
		"group/msm-vartime/1000":                1000,
		"group/msm-vartime/10000":               10000,
	} {
		if got, ok := names[name]; !ok || got != n {
			t.Errorf("operation %s: registered = %v, n = %d, want n = %d", name, ok, got, n)
		}
	}
}

func TestRunFilterAndCPU(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	var out bytes.Buffer
	err := cryptobench.Run(&out, cryptobench.Options{Filter: "^group/element-(en|de)code$", Benchtime: "2x", CPU: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS left at %d, was %d", after, before)
	}
	var got []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r cryptobench.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Iterations != 2 {
			t.Errorf("%s ran %d iterations, want 2 (benchtime 2x)", r.Operation, r.Iterations)
		}
		got = append(got, r.Operation+"@"+string(rune('0'+r.Cores)))
	}
	want := "group/element-decode@1 group/element-encode@1 group/element-decode@2 group/element-encode@2"
	if strings.Join(got, " ") != want {
		t.Errorf("ran %v, want %s", got, want)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts cryptobench.Options
		want string
	}{
		{"bad regexp", cryptobench.Options{Filter: "("}, "invalid operation filter"},
		{"no match", cryptobench.Options{Filter: "no-such-operation"}, "no operation matches"},
		{"bad benchtime", cryptobench.Options{Benchtime: "soon"}, "invalid benchtime"},
		{"zero cpu", cryptobench.Options{CPU: []int{0}}, "invalid CPU count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := cryptobench.Run(&out, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("wrote output despite the error: %q", out.String())
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRunReportsWriteErrors(t *testing.T) {
	err := cryptobench.Run(failingWriter{}, cryptobench.Options{Filter: "element-encode", Benchtime: "1x"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}
