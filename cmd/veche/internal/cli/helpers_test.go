package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// mustRun runs veche and fails the test on a non-zero exit.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, code := veche(t, args...)
	if code != 0 {
		t.Fatalf("veche %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}

// mustFail runs veche, expects exit status 1 and returns stderr, which must
// contain want.
func mustFail(t *testing.T, want string, args ...string) {
	t.Helper()
	_, stderr, code := veche(t, args...)
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("veche %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(args, " "), code, stderr, want)
	}
}

// lineWaiter collects output and closes done once it has want lines.
type lineWaiter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	want   int
	done   chan struct{}
	closed bool
}

func (w *lineWaiter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, _ := w.buf.Write(p)
	if strings.Count(w.buf.String(), "\n") >= w.want && !w.closed {
		close(w.done)
		w.closed = true
	}
	return n, nil
}

func (w *lineWaiter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startServer runs veche with args in the background until it has printed
// lines lines, and returns the first http:// address of the line that
// contains want (without a final "/"), and stop, which ends veche and
// fails the test unless it exited 0. The test's end calls stop if the test
// did not.
func startServer(t *testing.T, want string, lines int, args ...string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWaiter{want: lines, done: make(chan struct{})}
	var wg sync.WaitGroup
	var code int
	wg.Go(func() { code = Run(ctx, args, out, os.Stderr) })
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if code != 0 {
				t.Errorf("veche %s exited %d", strings.Join(args, " "), code)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-out.done:
	case <-time.After(time.Minute):
		t.Fatalf("veche %s did not start:\n%s", strings.Join(args, " "), out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, want) && strings.Contains(line, "http://") {
			return strings.TrimSuffix(strings.Fields(line[strings.Index(line, "http://"):])[0], "/"), stop
		}
	}
	t.Fatalf("no line %q in:\n%s", want, out.String())
	return "", stop
}

// getUntil GETs url until its body contains want, and returns the body.
func getUntil(t *testing.T, url, want string) string {
	t.Helper()
	return electiontest.WaitForBody(t, nil, url, want).Body
}

// castOverHTTP casts ballot b in election id through the voter API at
// api, wants 201 Created, and returns the tracking code of the receipt.
func castOverHTTP(t *testing.T, api, id string, b *voting.Ballot) string {
	t.Helper()
	resp, err := http.Post(api+"/elections/"+id+"/ballots", "application/json",
		strings.NewReader(`{"ballot":"`+base64.StdEncoding.EncodeToString(b.Bytes())+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rc struct {
		TrackingCode string `json:"tracking_code"`
	}
	json.NewDecoder(resp.Body).Decode(&rc)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("cast: HTTP %d, tracking code %q", resp.StatusCode, rc.TrackingCode)
	}
	return rc.TrackingCode
}

// A referendum is the manifest of a yes/no election (one contest, q) the
// command-line tests create: its commission's account is also its ballot
// box and its credential authority.
type referendum struct {
	id         string
	title      string // a YAML map, {en: ...}
	commission string // an address
	threshold  int
	trustees   []string // NAME=ADDRESS
	mixers     []string // NAME=ADDRESS
}

// yaml returns r as a manifest file.
func (r referendum) yaml() string {
	parties := func(list []string) string {
		var out []string
		for _, p := range list {
			name, address, _ := strings.Cut(p, "=")
			out = append(out, fmt.Sprintf(`{name: %s, address: "%s"}`, name, address))
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	return fmt.Sprintf(`version: 1
id: %s
title: %s
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: s, districts: [all], contests: [q]}]
contests:
  - {id: q, title: {en: Question}, kind: referendum, tally: homomorphic, min: 1, max: 1, blank: false, write_in: false,
     options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]}
commission: {name: Commission, address: "%[3]s"}
ballot_box: {name: Box, address: "%[3]s"}
credential_authority: {name: CA, address: "%[3]s"}
trustees:
  threshold: %[4]d
  members: %[5]s
mixers: %[6]s
`, r.id, r.title, r.commission, r.threshold, parties(r.trustees), parties(r.mixers))
}

// chainElection creates election r on the embedded chain in data, whose
// own account is its commission (r.commission is set), with trustees
// funded trustees posting with keys of their own (r.trustees is set, if
// trustees > 0), and sets it up as opts say (electiontest.Setup). It
// closes the chain again, for veche to open, and returns the election,
// whose board is closed, and the board contract's address.
func chainElection(t *testing.T, data string, r referendum, trustees int, opts electiontest.Options) (*electiontest.Election, string) {
	t.Helper()
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r.commission = strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	p := electiontest.Parties{Commission: b, Authority: b}
	if trustees > 0 {
		r.trustees = nil
	}
	for j := range trustees {
		key, err := ethboard.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		tb, err := chain.PosterFor(ctx, b, key)
		if err != nil {
			t.Fatal(err)
		}
		p.Trustees = append(p.Trustees, tb)
		r.trustees = append(r.trustees, fmt.Sprintf("T%d=%s", j+1, strings.ToLower(ethboard.ChecksumAddress(tb.Address()))))
	}
	m, err := voting.DecodeManifest([]byte(r.yaml()))
	if err != nil {
		t.Fatal(err)
	}
	return electiontest.Setup(t, m, p, opts), ethboard.ChecksumAddress(b.Contract())
}
