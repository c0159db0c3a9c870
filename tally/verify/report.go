package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/veche/veche/tally"
)

// A Status is the outcome of one step.
type Status string

// Step outcomes.
const (
	// StatusOK: everything the step checks holds.
	StatusOK Status = "ok"
	// StatusFailed: something does not hold; the step names the entry
	// and the party at fault.
	StatusFailed Status = "failed"
	// StatusPending: the election has not got that far yet (the step's
	// artefacts are not all on the board, and may still come).
	StatusPending Status = "pending"
	// StatusSkipped: the step cannot be made or has nothing to check; the
	// detail says why (an earlier step failed, no contest of that kind).
	StatusSkipped Status = "skipped"
)

// A Verdict is the outcome of a whole verification.
type Verdict string

// Verdicts.
const (
	// Verified: every step is ok (or skipped for having nothing to
	// check): the published result is the one the board gives.
	Verified Verdict = "verified"
	// Failed: at least one step failed.
	Failed Verdict = "failed"
	// Incomplete: nothing failed, but the election has not got to the
	// end: some steps are pending.
	Incomplete Verdict = "incomplete"
)

// A Party is who is to blame for a failure: a role of the manifest
// ("commission", "ballot box", "credential authority", "trustee 2 (Name)",
// "mixer 3 (Name)", as voting.Manifest.RoleOf names them) and its address,
// or "board" (the contract, the node or the record the entries were read
// from) without an address.
type Party struct {
	Role    string `json:"role"`
	Address string `json:"address,omitempty"` // 0x and 40 lowercase hexadecimal digits
}

// String prints "mixer 2 (Mixer 2) 0x3000…0002".
func (p Party) String() string {
	if p.Address == "" {
		return p.Role
	}
	return p.Role + " " + p.Address
}

// A Note is an observation of a step that is not a failure: a ballot the
// weeding excluded, an ignored entry, a trustee who did not take part. It
// may still name a party (a ballot box that posted an invalid ballot).
type Note struct {
	Text  string  `json:"text"`
	Entry *uint64 `json:"entry,omitempty"`
	Party *Party  `json:"party,omitempty"`
}

// A Step is the outcome of one numbered step of docs/spec/verification.md.
type Step struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was checked (ok), what is wrong (failed), what is
	// awaited (pending) or why the step was not made (skipped).
	Detail string `json:"detail"`
	// Entry is the sequence number of the entry at fault (the first entry
	// of a chunked artefact), if there is one.
	Entry *uint64 `json:"entry,omitempty"`
	// Party is who is at fault, for a failure.
	Party *Party `json:"party,omitempty"`
	// Notes are observations that are not failures, in board order
	// (at most Options.MaxNotes, the last saying how many were left out).
	Notes []Note `json:"notes,omitempty"`
	// Duration is how long the step took (in JSON: duration_ms); for step
	// 8, whose checks run alongside steps 6 and 7, how long they took.
	Duration time.Duration `json:"-"`
}

// MarshalJSON encodes the step with its duration in milliseconds.
func (s Step) MarshalJSON() ([]byte, error) {
	type plain Step
	return json.Marshal(struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}{plain(s), float64(s.Duration.Microseconds()) / 1000})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (s *Step) UnmarshalJSON(b []byte) error {
	type plain Step
	var v struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Step(v.plain)
	s.Duration = time.Duration(v.DurationMS * float64(time.Millisecond))
	return nil
}

// equal reports whether two outcomes of a step say the same (durations
// aside).
func (s *Step) equal(o *Step) bool {
	if s.Status != o.Status || s.Detail != o.Detail || len(s.Notes) != len(o.Notes) ||
		!eqPtr(s.Entry, o.Entry) || !eqPtr(s.Party, o.Party) {
		return false
	}
	for i := range s.Notes {
		a, b := s.Notes[i], o.Notes[i]
		if a.Text != b.Text || !eqPtr(a.Entry, b.Entry) || !eqPtr(a.Party, b.Party) {
			return false
		}
	}
	return true
}

func eqPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// A Report is the outcome of verifying an election from its board.
type Report struct {
	Election    string `json:"election"`
	Topic       string `json:"topic"`
	Fingerprint string `json:"fingerprint,omitempty"` // hex, once the manifest is read
	// Entries and Head are the part of the board verified: its first
	// Entries entries, whose hash chain ends in Head (hex).
	Entries uint64  `json:"entries"`
	Head    string  `json:"head"`
	Phase   string  `json:"phase,omitempty"` // the election's phase after those entries
	Verdict Verdict `json:"verdict"`
	Steps   []Step  `json:"steps"`

	// Results are the results recomputed from the board (step 10), once
	// every list is decrypted; nil before.
	Results *tally.Results `json:"-"`
	// Weeded is the weeding of the ballots (step 6): which ballots count
	// and why the others do not; nil until the election is closed.
	Weeded *tally.Weeded `json:"-"`
}

// Step returns step n (1 … 10), or nil.
func (r *Report) Step(n int) *Step {
	for i := range r.Steps {
		if r.Steps[i].Number == n {
			return &r.Steps[i]
		}
	}
	return nil
}

// FirstFailure returns the first failed step, or nil.
func (r *Report) FirstFailure() *Step {
	for i := range r.Steps {
		if r.Steps[i].Status == StatusFailed {
			return &r.Steps[i]
		}
	}
	return nil
}

// verdict computes the verdict from the steps.
func (r *Report) verdict() Verdict {
	v := Verified
	for _, s := range r.Steps {
		switch s.Status {
		case StatusFailed:
			return Failed
		case StatusPending:
			v = Incomplete
		}
	}
	return v
}

// A FailureError is the error a caller returns for a failed verification:
// the first failed step, with its entry and the party at fault.
type FailureError struct {
	Election string
	Step     Step
}

// Error names the election, the step, the entry and the party.
func (e *FailureError) Error() string {
	s := &e.Step
	var where []string
	if s.Entry != nil {
		where = append(where, fmt.Sprintf("entry %d", *s.Entry))
	}
	if s.Party != nil {
		where = append(where, "blaming "+s.Party.String())
	}
	msg := fmt.Sprintf("verify: election %s failed at step %d (%s)", e.Election, s.Number, s.Name)
	if len(where) > 0 {
		msg += ", " + strings.Join(where, ", ")
	}
	return msg + ": " + s.Detail
}

// Err returns a *FailureError for the first failed step, or nil.
func (r *Report) Err() error {
	if s := r.FirstFailure(); s != nil {
		return &FailureError{Election: r.Election, Step: *s}
	}
	return nil
}

// statusLabel is the fixed-width label of a status in the text report.
func statusLabel(s Status) string {
	switch s {
	case StatusOK:
		return "ok     "
	case StatusFailed:
		return "FAILED "
	case StatusPending:
		return "pending"
	case StatusSkipped:
		return "skipped"
	}
	return string(s)
}

// WriteStepLine writes one step as one line of text: its number, status,
// name and detail, then for a failure the entry and the party, and the
// duration.
func WriteStepLine(w io.Writer, s *Step) error {
	line := fmt.Sprintf("%2d. %s  %-24s %s", s.Number, statusLabel(s.Status), s.Name, s.Detail)
	var where []string
	if s.Entry != nil {
		where = append(where, fmt.Sprintf("entry %d", *s.Entry))
	}
	if s.Party != nil {
		where = append(where, "blame: "+s.Party.String())
	}
	if len(where) > 0 {
		line += " [" + strings.Join(where, "; ") + "]"
	}
	if s.Duration >= time.Millisecond {
		line += fmt.Sprintf(" (%s)", roundDuration(s.Duration))
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// WriteText writes the report as text: a heading, one line per step (with
// its notes below it, indented, if notes is set) and the verdict.
func (r *Report) WriteText(w io.Writer, notes bool) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "election %s (topic %s)\n", r.Election, r.Topic)
	if r.Fingerprint != "" {
		fmt.Fprintf(ew, "fingerprint %s\n", r.Fingerprint)
	}
	fmt.Fprintf(ew, "board: %d entries, head %s, phase %s\n", r.Entries, r.Head, orDash(r.Phase))
	for i := range r.Steps {
		s := &r.Steps[i]
		WriteStepLine(ew, s)
		if notes {
			for _, n := range s.Notes {
				line := "      - " + n.Text
				if n.Party != nil {
					line += " [" + n.Party.String() + "]"
				}
				fmt.Fprintln(ew, line)
			}
		}
	}
	fmt.Fprintln(ew, r.VerdictLine())
	return ew.err
}

// VerdictLine is the report's conclusion in one line.
func (r *Report) VerdictLine() string {
	switch r.Verdict {
	case Verified:
		return fmt.Sprintf("verdict: VERIFIED: every step holds; the result of election %s is the one its board gives", r.Election)
	case Failed:
		return "verdict: FAILED: " + strings.TrimPrefix(r.Err().Error(), "verify: ")
	}
	var pending []string
	for _, s := range r.Steps {
		if s.Status == StatusPending {
			pending = append(pending, fmt.Sprint(s.Number))
		}
	}
	return fmt.Sprintf("verdict: INCOMPLETE: nothing failed so far; steps %s wait for the election to go on (phase %s)", strings.Join(pending, ", "), orDash(r.Phase))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
