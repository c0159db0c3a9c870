// Package verifybench measures the universal verifier (tally/verify) on a
// whole election record of a chosen size, for `veche bench verify`.
//
// It builds the record first (or reads one it built before): an election
// with one 1-of-n contest counted homomorphically and one ranked contest
// mixed by 3 mixers, 5 trustees of whom 3 decrypt, every party honest, on
// an in-memory board exported as a record file (docs/spec/verification.md,
// section 3). Then it reads the record back and verifies it as `veche
// verify --record FILE` does, and prints JSON lines, one object per
// measurement:
//
//	{"operation":"verify.build","ballots":100000,"entries":541,"record_bytes":412345678,"seconds":301.2}
//	{"operation":"verify.read","ballots":100000,"record_bytes":412345678,"seconds":2.1}
//	{"operation":"verify.step","step":6,"name":"ballots and weeding","ballots":100000,"seconds":31.2,"ballots_per_sec":3205.1}
//	{"operation":"verify","ballots":100000,"verdict":"VERIFIED","seconds":55.1,"cpu_seconds":108.3,"ballots_per_sec":1814.9,"peak_rss_bytes":2345678901}
//
// verify.step comes once per step of the verification in order; its
// ballots_per_sec is the ballots cast over the step's time (steps that do
// not depend on the ballots say so by being fast). verify is the whole
// verification from the record in memory (read time apart);
// cpu_seconds is the process's CPU time during it (user and system, all
// threads), which on a shared machine varies less than the elapsed
// seconds. peak_rss_bytes is the process's peak resident memory from
// getrusage(2), the build included when it ran in the same process.
//
// The record depends on the options alone (the randomness is seeded), so
// a record file kept with Options.Record is the same election each time;
// building one of 100,000 ballots takes minutes, verifying it should not.
package verifybench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/veche/veche/internal/rusage"
	"github.com/veche/veche/tally/verify"
)

// Options choose the benchmark's election and where its record goes. The
// zero value is the target: 100,000 ballots, a 1-of-5 contest and a
// ranked contest of 5 candidates with 3 ranks.
type Options struct {
	Ballots    int // ballots cast in all, revotes included (default 100,000)
	Options    int // options of the 1-of-n contest (default 5)
	Candidates int // candidates of the ranked contest (default 5)
	Ranks      int // ranks of the ranked contest (default 3)
	// RevoteShare is the share of the ballots that are second ballots of
	// a voter (default 0.01; negative: none).
	RevoteShare float64
	// Audits is the number of ballots audited (spoiled) before voting
	// (default 10; negative: none).
	Audits int
	// Record is a file for the record: read if it exists (it must be this
	// benchmark's, for the same options), otherwise built and kept there.
	// Empty: built in a temporary file and removed after.
	Record string
	// Progress, if set, is told how the build and the verification
	// advance, in short lines for a terminal.
	Progress io.Writer
}

func (o *Options) defaults() error {
	if o.Ballots == 0 {
		o.Ballots = 100_000
	}
	if o.Options == 0 {
		o.Options = 5
	}
	if o.Candidates == 0 {
		o.Candidates = 5
	}
	if o.Ranks == 0 {
		o.Ranks = 3
	}
	switch {
	case o.RevoteShare == 0:
		o.RevoteShare = 0.01
	case o.RevoteShare < 0:
		o.RevoteShare = 0
	}
	switch {
	case o.Audits == 0:
		o.Audits = 10
	case o.Audits < 0:
		o.Audits = 0
	}
	switch {
	case o.Ballots < 1:
		return fmt.Errorf("verifybench: %d ballots: want at least 1", o.Ballots)
	case o.Options < 2:
		return fmt.Errorf("verifybench: a 1-of-%d contest: want at least 2 options", o.Options)
	case o.Candidates < 2:
		return fmt.Errorf("verifybench: %d candidates: want at least 2", o.Candidates)
	case o.Ranks < 1 || o.Ranks > o.Candidates:
		return fmt.Errorf("verifybench: %d ranks of %d candidates: want 1 to %d", o.Ranks, o.Candidates, o.Candidates)
	case o.RevoteShare >= 1:
		return fmt.Errorf("verifybench: revote share %g: want less than 1", o.RevoteShare)
	}
	return nil
}

// Result is what [Run] measured.
type Result struct {
	Ballots int
	Report  *verify.Report
	Seconds float64 // the verification, the record in memory
	CPU     float64 // CPU seconds during it
}

// Run builds (or reads) the record, verifies it, and writes the
// measurements to w as JSON lines. It fails if the record cannot be built
// or read, or if the verification does not end VERIFIED.
func Run(ctx context.Context, w io.Writer, o Options) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	enc := json.NewEncoder(w)
	path := o.Record
	if path == "" {
		dir, err := os.MkdirTemp("", "veche-bench-verify-")
		if err != nil {
			return nil, fmt.Errorf("verifybench: %w", err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "record.jsonl")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := buildRecord(ctx, enc, &o, path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("verifybench: %w", err)
	}

	t0 := time.Now()
	rec, size, err := readRecord(path)
	if err != nil {
		return nil, err
	}
	if rec.Header.Election != ElectionID {
		return nil, fmt.Errorf("verifybench: %s is a record of election %q, not the benchmark's", path, rec.Header.Election)
	}
	if err := enc.Encode(map[string]any{"operation": "verify.read", "ballots": o.Ballots, "record_bytes": size,
		"seconds": round(time.Since(t0).Seconds())}); err != nil {
		return nil, err
	}

	p := newPrinter(o.Progress)
	opts := &verify.Options{Progress: func(pr verify.Progress) {
		p.printf("verify step %d (%s): %d/%d %s", pr.Step, pr.Name, pr.Done, pr.Total, pr.Unit)
	}}
	cpu0, t1 := cpuTime(), time.Now()
	rep, err := verify.Verify(ctx, rec, ElectionID, opts)
	secs, cpu := time.Since(t1).Seconds(), (cpuTime() - cpu0).Seconds()
	p.done()
	if err != nil {
		return nil, err
	}
	for _, s := range rep.Steps {
		if err := enc.Encode(map[string]any{"operation": "verify.step", "step": s.Number, "name": s.Name, "status": s.Status,
			"ballots": o.Ballots, "seconds": round(s.Duration.Seconds()), "ballots_per_sec": rate(o.Ballots, s.Duration.Seconds())}); err != nil {
			return nil, err
		}
	}
	if err := enc.Encode(map[string]any{"operation": "verify", "ballots": o.Ballots, "verdict": rep.Verdict,
		"seconds": round(secs), "cpu_seconds": round(cpu), "ballots_per_sec": rate(o.Ballots, secs), "peak_rss_bytes": peakRSS()}); err != nil {
		return nil, err
	}
	if rep.Verdict != verify.Verified {
		return nil, fmt.Errorf("verifybench: the benchmark's record did not verify: %s", rep.VerdictLine())
	}
	return &Result{Ballots: o.Ballots, Report: rep, Seconds: secs, CPU: cpu}, nil
}

// buildRecord builds the election and writes its record to path (through
// a temporary file, so that an interrupted build leaves nothing behind).
func buildRecord(ctx context.Context, enc *json.Encoder, o *Options, path string) error {
	p := newPrinter(o.Progress)
	t0 := time.Now()
	b, err := build(ctx, o, func(what string, done, total int) { p.printf("building: %s %d/%d", what, done, total) })
	p.done()
	if err != nil {
		return fmt.Errorf("verifybench: building the record: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".record-*.jsonl")
	if err != nil {
		return fmt.Errorf("verifybench: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := verify.WriteRecord(ctx, bw, b.board, b.m.ID, "", 0, b.m.Topic()); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("verifybench: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("verifybench: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("verifybench: %w", err)
	}
	_, count, err := b.board.Head(ctx, b.m.Topic())
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("verifybench: %w", err)
	}
	return enc.Encode(map[string]any{"operation": "verify.build", "ballots": b.cast, "entries": count,
		"record_bytes": st.Size(), "seconds": round(time.Since(t0).Seconds())})
}

func readRecord(path string) (*verify.Record, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("verifybench: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("verifybench: %w", err)
	}
	rec, err := verify.ReadRecord(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("verifybench: %s: %w", path, err)
	}
	return rec, st.Size(), nil
}

func round(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

func rate(n int, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return round(float64(n) / secs)
}

// printer rewrites one status line on a terminal, at most 10 times a
// second.
type printer struct {
	w    io.Writer
	last time.Time
	line int
}

func newPrinter(w io.Writer) *printer { return &printer{w: w} }

func (p *printer) printf(format string, args ...any) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	s := fmt.Sprintf(format, args...)
	pad := max(0, p.line-len(s))
	fmt.Fprintf(p.w, "\r%s%s", s, strings.Repeat(" ", pad))
	p.line = len(s)
}

func (p *printer) done() {
	if p.w != nil && p.line > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.line))
		p.line = 0
	}
}

func cpuTime() time.Duration {
	d, _ := rusage.CPU()
	return d
}

func peakRSS() int64 { return rusage.PeakRSS() }
