// Package cryptobench measures the cryptographic operations Veche's
// throughput depends on and reports them as JSON lines, one object per
// operation, so that results from different machines and commits can be
// compared with ordinary tools (jq, a spreadsheet, a plotting script).
//
// It is what `veche bench crypto` runs. The Go benchmarks next to each
// package (go test -bench) remain the reference for development; this
// package exists so that a user with only the binary can reproduce the
// performance table of the README.
//
// Each line has the form
//
//	{"operation":"group/scalar-mult","n":1,"ns_per_op":45123.4,"ns_per_item":45123.4,"ops_per_s":22161.6,"cores":2,"iterations":26589}
//
// where n is the number of items one operation handles (the number of terms
// of a multi-scalar multiplication, 1 for a single scalar multiplication),
// ns_per_op and ops_per_s are per whole operation, ns_per_item is
// ns_per_op / n, cores is GOMAXPROCS during the measurement and iterations
// is the number of operations timed.
package cryptobench

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// An Op is one measured operation.
type Op struct {
	// Name identifies the operation as "package/operation[/size]", for
	// example "group/msm-vartime/1000". Names are stable: scripts select
	// operations with them.
	Name string
	// N is the number of items one operation processes (1 for a single
	// group operation, the number of terms for a multi-scalar
	// multiplication).
	N int
	// Bench runs the operation b.N times (normally with b.Loop); set-up
	// before the loop is not timed.
	Bench func(b *testing.B)
}

// Ops returns the registered operations in reporting order. To measure a new
// operation, add it to the list of its package (groupOps for crypto/group)
// or add a list for a new package here.
func Ops() []Op {
	return slices.Concat(
		groupOps(),
		elgamalOps(),
		zkpOps(),
	)
}

// Options select and tune a run. The zero value measures every operation
// for one second each at the current GOMAXPROCS.
type Options struct {
	// Filter is a regular expression (RE2 syntax, unanchored) that an
	// operation's name must match; empty matches every operation.
	Filter string
	// Benchtime is how long to measure each operation, in the syntax of
	// go test -benchtime: a duration ("1s", "200ms") or an iteration count
	// ("100x"). Empty means "1s".
	Benchtime string
	// CPU lists GOMAXPROCS values to measure with, each in turn, like
	// go test -cpu. Empty means the current GOMAXPROCS only.
	CPU []int
}

// Result is one measured operation: the JSON object Run writes.
type Result struct {
	Operation  string  `json:"operation"`
	N          int     `json:"n"`
	NsPerOp    float64 `json:"ns_per_op"`
	NsPerItem  float64 `json:"ns_per_item"`
	OpsPerS    float64 `json:"ops_per_s"`
	Cores      int     `json:"cores"`
	Iterations int     `json:"iterations"`
}

// runMu serialises runs: the benchmark duration is a process-wide setting
// of package testing, and so is GOMAXPROCS.
var runMu sync.Mutex

// Run measures every operation selected by opts with [testing.Benchmark]
// and writes one JSON object per line to w (see the package documentation).
// It returns an error for invalid options, when no operation matches the
// filter, or when writing to w fails. Runs are serialised: Run changes the
// process's GOMAXPROCS and testing's benchmark duration while it runs and
// restores them before returning.
func Run(w io.Writer, opts Options) error {
	filter, err := regexp.Compile(opts.Filter)
	if err != nil {
		return fmt.Errorf("cryptobench: invalid operation filter: %w", err)
	}
	var selected []Op
	for _, op := range Ops() {
		if filter.MatchString(op.Name) {
			selected = append(selected, op)
		}
	}
	if len(selected) == 0 {
		return fmt.Errorf("cryptobench: no operation matches %q", opts.Filter)
	}
	cpus := opts.CPU
	if len(cpus) == 0 {
		cpus = []int{runtime.GOMAXPROCS(0)}
	}
	for _, c := range cpus {
		if c < 1 {
			return fmt.Errorf("cryptobench: invalid CPU count %d", c)
		}
	}
	benchtime := opts.Benchtime
	if benchtime == "" {
		benchtime = "1s"
	}

	runMu.Lock()
	defer runMu.Unlock()
	restore, err := setBenchtime(benchtime)
	if err != nil {
		return err
	}
	defer restore()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))

	enc := json.NewEncoder(w)
	for _, c := range cpus {
		runtime.GOMAXPROCS(c)
		for _, op := range selected {
			r := testing.Benchmark(op.Bench)
			if r.N == 0 {
				return fmt.Errorf("cryptobench: %s failed or was skipped", op.Name)
			}
			nsPerOp := float64(r.T.Nanoseconds()) / float64(r.N)
			if err := enc.Encode(Result{
				Operation:  op.Name,
				N:          op.N,
				NsPerOp:    round(nsPerOp),
				NsPerItem:  round(nsPerOp / float64(op.N)),
				OpsPerS:    round(1e9 / nsPerOp),
				Cores:      c,
				Iterations: r.N,
			}); err != nil {
				return fmt.Errorf("cryptobench: writing results: %w", err)
			}
		}
	}
	return nil
}

// setBenchtime sets testing's -test.benchtime flag, which is the only way
// to choose the duration of [testing.Benchmark], and returns a function that
// restores the previous value.
func setBenchtime(v string) (restore func(), err error) {
	testing.Init() // registers the test.* flags; no effect if already done
	f := flag.Lookup("test.benchtime")
	if f == nil {
		return nil, errors.New("cryptobench: internal error: testing has no benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set(v); err != nil {
		return nil, fmt.Errorf("cryptobench: invalid benchtime %q: want a duration like 1s or a count like 100x", v)
	}
	return func() { f.Value.Set(old) }, nil
}

// round keeps one decimal place: finer digits are noise and only make the
// JSON harder to read.
func round(x float64) float64 {
	return float64(int64(x*10+0.5)) / 10
}
