// Command keepup measures whether the explorer keeps up with a board that
// receives ballots at a steady rate (docs/explorer.md, "Performance"):
//
//	go run ./services/explorer/internal/keepup [-rate 1000] [-duration 30s] [-interval 200ms] [-close]
//
// It runs an election on an in-memory board up to the opening of voting
// (5 trustees, k = 3; one credential per ballot), encrypts rate × duration
// referendum ballots beforehand (on all cores, the randomness seeded; not
// timed), then starts the explorer (services/explorer, behind an HTTP
// server on the loopback) and posts the ballots as the ballot box would:
// every interval, the ballots of that interval, packed into ballot-batch
// entries as full as bulletin.MaxPayload allows, in one AppendBatch. An
// observer's client reads the election page's event stream
// (/elections/ID/events) and notes the entries of each verification the
// explorer publishes. Every 10 ms the program compares the explorer's
// latest snapshot with the board:
//
//   - entries behind: the board's entries not yet in the snapshot;
//   - seconds behind: how long ago the oldest of them was posted (0 when
//     the snapshot has every entry).
//
// It prints JSON lines: one object each second while posting, then the
// summary -- the worst and the mean lag while posting, the lag when the
// posting stops and how long the explorer takes to catch up, the number of
// verifications published, and the process's CPU time. With -close it then
// closes the election and measures how long the explorer takes to check
// every ballot (step 6, the weeding: the ballots are verified once voting
// has closed, spec/verification.md, section 3.3).
//
// It is a measurement, not a test: the numbers depend on the machine and
// its load. The posting runs in the same process as the explorer, as the
// ballot box and the explorer would share a 2-core machine.
package main

import (
	"bufio"
	"context"
	"crypto/sha3"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/internal/rusage"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/voting"
)

const electionID = "keepup-2026"

// The parties' board addresses.
const (
	commissionAddr = "0x1000000000000000000000000000000000000001"
	boxAddr        = "0x1000000000000000000000000000000000000002"
	authorityAddr  = "0x1000000000000000000000000000000000000003"
)

func trusteeAddr(j int) string { return fmt.Sprintf("0x20000000000000000000000000000000000000%02x", j) }

var manifestYAML = `version: 1
id: ` + electionID + `
title: {en: Explorer keep-up measurement, ru: Измерение обозревателя}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts:
  - {id: city, name: {en: City, ru: Город}}
ballot_styles:
  - {id: city, districts: [city], contests: [q]}
contests:
  - id: q
    title: {en: "Build bicycle lanes on the ring road?", ru: "Построить велодорожки на кольце?"}
    kind: referendum
    tally: homomorphic
    options:
      - {id: "yes", title: {en: "Yes", ru: "Да"}}
      - {id: "no", title: {en: "No", ru: "Нет"}}
    min: 1
    max: 1
    blank: false
    write_in: false
commission: {name: Commission, address: "` + commissionAddr + `"}
ballot_box: {name: Ballot box, address: "` + boxAddr + `"}
credential_authority: {name: Credential authority, address: "` + authorityAddr + `"}
trustees:
  threshold: 3
  members:
` + func() string {
	var sb strings.Builder
	for j := 1; j <= 5; j++ {
		fmt.Fprintf(&sb, "    - {name: Trustee %d, address: \"%s\"}\n", j, trusteeAddr(j))
	}
	return sb.String()
}()

func main() {
	rate := flag.Int("rate", 1000, "ballots posted per second")
	duration := flag.Duration("duration", 30*time.Second, "how long ballots are posted")
	interval := flag.Duration("interval", 200*time.Millisecond, "how often the ballots are posted (the ballot box's PostInterval)")
	closeIt := flag.Bool("close", false, "then close the election and measure the explorer's check of every ballot")
	flag.Parse()
	if *rate < 1 || *duration < *interval || *interval < time.Millisecond {
		fmt.Fprintln(os.Stderr, "keepup: want -rate ≥ 1 and -duration ≥ -interval ≥ 1ms")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Stdout, *rate, *duration, *interval, *closeIt); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// seeded returns the deterministic randomness stream named name.
func seeded(name string) io.Reader {
	x := sha3.NewSHAKE128()
	x.Write([]byte("veche/explorer/keepup/v1/" + name))
	return x
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "keepup: "+format+"\n", args...)
}

func run(ctx context.Context, out io.Writer, rate int, duration, interval time.Duration, closeIt bool) error {
	enc := json.NewEncoder(out)
	total := int(math.Round(float64(rate) * duration.Seconds()))
	board, m, pk, creds, err := setUp(ctx, total)
	if err != nil {
		return err
	}
	ballots, err := encrypt(m, pk, creds)
	if err != nil {
		return err
	}
	commission, box := board.As(mustAddr(commissionAddr)), board.As(mustAddr(boxAddr))
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseOpen); err != nil {
		return err
	}
	perEntry := 1
	for voting.BatchSize((perEntry+1)*len(ballots[0]), perEntry+1) <= bulletin.MaxPayload {
		perEntry++
	}

	ex, err := explorer.New(explorer.Options{Board: board, Elections: []string{m.ID}})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(ex)
	defer func() {
		srv.CloseClientConnections()
		srv.Close()
		ex.Close()
	}()

	// The board's side: how many entries it has, and when each append
	// landed (the count after it, the time).
	type landed struct {
		count uint64
		at    time.Time
	}
	var (
		mu        sync.Mutex
		timeline  []landed
		onBoard   atomic.Uint64
		snapshot  atomic.Uint64 // the entries of the explorer's latest verification
		snapshots atomic.Int64
		step6     atomic.Pointer[string] // step 6's latest detail
	)
	_, n0, err := board.Head(ctx, m.Topic())
	if err != nil {
		return err
	}
	onBoard.Store(n0)

	// The observer: the election page's event stream.
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	streamErr := make(chan error, 1)
	go func() {
		streamErr <- follow(sctx, srv.URL+"/elections/"+m.ID+"/events", func(event, data string) {
			switch event {
			case "report":
				var r struct {
					Entries uint64 `json:"entries"`
				}
				if json.Unmarshal([]byte(data), &r) == nil {
					snapshot.Store(r.Entries)
					snapshots.Add(1)
				}
			case "step":
				var s struct {
					Number int    `json:"number"`
					Detail string `json:"detail"`
				}
				if json.Unmarshal([]byte(data), &s) == nil && s.Number == 6 {
					step6.Store(&s.Detail)
				}
			}
		})
	}()
	// Wait for the first verification of the opened election.
	for snapshot.Load() < n0 {
		select {
		case err := <-streamErr:
			return fmt.Errorf("keepup: the event stream: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	lagAt := func(now time.Time) (entries uint64, seconds float64) {
		have, seen := onBoard.Load(), snapshot.Load()
		if seen >= have {
			return 0, 0
		}
		mu.Lock()
		i := sort.Search(len(timeline), func(i int) bool { return timeline[i].count > seen })
		var at time.Time
		if i < len(timeline) {
			at = timeline[i].at
		}
		mu.Unlock()
		if at.IsZero() {
			return have - seen, 0
		}
		return have - seen, now.Sub(at).Seconds()
	}

	// The sampler.
	type stats struct {
		samples             int
		sumEntries, sumSecs float64
		maxEntries          uint64
		maxSecs             float64
	}
	var (
		st      stats
		stMu    sync.Mutex
		perSec  stats
		started = time.Now()
	)
	sampleCtx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	var sampler sync.WaitGroup
	sampler.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		second := time.NewTicker(time.Second)
		defer second.Stop()
		for {
			select {
			case <-sampleCtx.Done():
				return
			case now := <-tick.C:
				e, s := lagAt(now)
				stMu.Lock()
				for _, x := range []*stats{&st, &perSec} {
					x.samples++
					x.sumEntries += float64(e)
					x.sumSecs += s
					x.maxEntries = max(x.maxEntries, e)
					x.maxSecs = max(x.maxSecs, s)
				}
				stMu.Unlock()
			case now := <-second.C:
				stMu.Lock()
				p := perSec
				perSec = stats{}
				stMu.Unlock()
				enc.Encode(map[string]any{"t": round(now.Sub(started).Seconds()), "board_entries": onBoard.Load(),
					"explorer_entries": snapshot.Load(), "max_behind_entries": p.maxEntries, "max_behind_seconds": round(p.maxSecs)})
			}
		}
	})

	// The ballot box: every interval, the ballots due by then.
	cpu0, _ := rusage.CPU()
	t0 := time.Now()
	posted := 0
	tick := time.NewTicker(interval)
	for posted < len(ballots) {
		now := <-tick.C
		due := min(len(ballots), int(math.Round(now.Sub(t0).Seconds()*float64(rate))))
		if due <= posted {
			continue
		}
		var msgs []bulletin.Message
		for lo := posted; lo < due; lo += perEntry {
			msgs = append(msgs, bulletin.Message{Kind: bulletin.KindBallotBatch, Payload: voting.EncodeBatch(ballots[lo:min(lo+perEntry, due)])})
		}
		seqs, err := box.AppendBatch(ctx, m.Topic(), msgs)
		if err != nil {
			tick.Stop()
			return err
		}
		at := time.Now()
		count := seqs[len(seqs)-1] + 1
		mu.Lock()
		timeline = append(timeline, landed{count: count, at: at})
		mu.Unlock()
		onBoard.Store(count)
		posted = due
	}
	tick.Stop()
	postSecs := time.Since(t0).Seconds()
	endEntries, endSecs := lagAt(time.Now())
	// Catching up: until the snapshot has every entry.
	stopped := time.Now()
	for snapshot.Load() < onBoard.Load() {
		select {
		case err := <-streamErr:
			return fmt.Errorf("keepup: the event stream: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(stopped) > 5*time.Minute {
			return errors.New("keepup: the explorer did not catch up within 5 minutes")
		}
	}
	caughtUp := time.Since(stopped).Seconds()
	stopSampling()
	sampler.Wait()
	cpu1, _ := rusage.CPU()

	stMu.Lock()
	summary := map[string]any{
		"operation": "explorer.keepup", "rate": rate, "interval_ms": interval.Milliseconds(), "ballots": posted,
		"ballots_per_entry": perEntry, "ballot_bytes": len(ballots[0]), "entries": onBoard.Load(),
		"posting_seconds": round(postSecs), "ballots_per_sec": round(float64(posted) / postSecs),
		"max_behind_entries": st.maxEntries, "max_behind_seconds": round(st.maxSecs),
		"mean_behind_entries": round(st.sumEntries / float64(max(st.samples, 1))), "mean_behind_seconds": round(st.sumSecs / float64(max(st.samples, 1))),
		"end_behind_entries": endEntries, "end_behind_seconds": round(endSecs), "catch_up_seconds": round(caughtUp),
		"verifications": snapshots.Load(), "cpu_seconds": round((cpu1 - cpu0).Seconds()), "cores": runtime.GOMAXPROCS(0),
	}
	stMu.Unlock()
	if err := enc.Encode(summary); err != nil {
		return err
	}

	if !closeIt {
		return nil
	}
	// Close: the explorer's verifier now checks every ballot (step 6).
	t1 := time.Now()
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseClosed); err != nil {
		return err
	}
	for {
		if d := step6.Load(); d != nil && strings.Contains(*d, "checked") {
			break
		}
		select {
		case err := <-streamErr:
			return fmt.Errorf("keepup: the event stream: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Since(t1) > 10*time.Minute {
			return errors.New("keepup: step 6 did not check the ballots within 10 minutes")
		}
	}
	secs := time.Since(t1).Seconds()
	d := step6.Load()
	return enc.Encode(map[string]any{"operation": "explorer.keepup.close", "ballots": posted, "seconds": round(secs),
		"ballots_per_sec": round(float64(posted) / secs), "step6": *d})
}

// setUp publishes the election on a new in-memory board, runs its key
// ceremony and posts n voters' credentials; the election stays in the
// key-ceremony phase.
func setUp(ctx context.Context, n int) (*memboard.Board, *voting.Manifest, *elgamal.PublicKey, []*voting.Credential, error) {
	progress("setting up the election (%d credentials)", n)
	m, err := voting.DecodeManifest([]byte(manifestYAML))
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("keepup: the manifest: %w", err)
	}
	board := memboard.New()
	commission := board.As(mustAddr(commissionAddr))
	if err := voting.Publish(ctx, commission, m); err != nil {
		return nil, nil, nil, nil, err
	}
	members := m.Trustees.Members
	keys := make([]*hybrid.PrivateKey, len(members))
	stores := make([]*voting.MemoryStore, len(members))
	for j, p := range members {
		if keys[j], err = hybrid.GenerateKey(seeded(fmt.Sprint("trustee key ", j+1))); err != nil {
			return nil, nil, nil, nil, err
		}
		stores[j] = &voting.MemoryStore{}
		if _, err := voting.Join(ctx, board.As(mustAddr(p.Address)), m, keys[j], seeded(fmt.Sprint("join ", j+1))); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	creds, list, err := voting.GenerateCredentials(seeded("credentials"), m, map[string]int{"city": n})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := voting.PostCredentials(ctx, board.As(mustAddr(authorityAddr)), m, list); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		return nil, nil, nil, nil, err
	}
	keygen := func(j int, run string) error {
		_, err := voting.RunKeygen(ctx, board.As(mustAddr(members[j].Address)), m, keys[j], stores[j],
			&voting.KeygenOptions{Rand: seeded(fmt.Sprintf("keygen %d %s", j+1, run)), NoWait: true})
		return err
	}
	for round := range 2 {
		for j := range members {
			if err := keygen(j, fmt.Sprint("round ", round)); !errors.Is(err, voting.ErrPending) {
				return nil, nil, nil, nil, fmt.Errorf("keepup: trustee %d, key ceremony round %d: %w", j+1, round+1, err)
			}
		}
	}
	pub, err := voting.CloseCeremony(ctx, commission, m, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for j := range members {
		if err := keygen(j, "finish"); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	pk, err := elgamal.NewPublicKeyFromElement(pub.JointKey)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return board, m, pk, creds, nil
}

// encrypt encrypts one ballot per credential, on all cores: yes for even
// voters, no for odd ones.
func encrypt(m *voting.Manifest, pk *elgamal.PublicKey, creds []*voting.Credential) ([][]byte, error) {
	t0 := time.Now()
	out := make([][]byte, len(creds))
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
		done     atomic.Int64
	)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(creds); i += workers {
				choice := "yes"
				if i%2 == 1 {
					choice = "no"
				}
				b, _, err := voting.EncryptBallot(seeded(fmt.Sprint("voter ", i)), m, pk, "city", creds[i].Key,
					voting.Selections{"q": {Options: []string{choice}}})
				if err != nil {
					errMu.Lock()
					firstErr = err
					errMu.Unlock()
					return
				}
				out[i] = b.Bytes()
				if n := done.Add(1); n%5000 == 0 {
					progress("encrypted %d of %d ballots", n, len(creds))
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	progress("encrypted %d ballots in %.1f s (not timed)", len(out), time.Since(t0).Seconds())
	return out, nil
}

// follow reads the server-sent events at url until ctx ends, calling fn
// for each event's data line.
func follow(ctx context.Context, url string, fn func(event, data string)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			fn(event, strings.TrimPrefix(line, "data: "))
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("the stream ended")
}

func mustAddr(s string) bulletin.Address {
	a, err := voting.ParseAddress(s)
	if err != nil {
		panic(err) // constant addresses
	}
	return a
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }
