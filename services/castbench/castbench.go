// Package castbench is the load generator of `veche bench cast`: simulated
// voters casting ballots over HTTP at the voter API, as fast as C
// concurrent clients can, measured end to end.
//
// # What it measures
//
// Before the clock starts it encrypts one ballot per voter (the voters'
// devices' work, not the server's) and encodes each request. Then C
// clients send the requests, each waiting for its answer before sending
// the next (closed loop: the server's capacity; by Little's law the
// latency is then about C over the throughput), or, with Options.Rate,
// each request when it is due (open loop: the latency at a given load),
// and [Run] records every answer's status and latency. The ballots per
// second are the acknowledged ballots over the wall time from the first
// request to the last answer; "steady" counts the middle 80 % of the
// answers only, without the ramp-up and the tail.
//
// After the last answer it reads the election's topic on the board until
// every acknowledged ballot's tracking code is in a ballot-batch entry
// posted by the manifest's ballot box, or until Options.PostTimeout: Lost
// is the number of acknowledged ballots not on the board (it must be 0),
// Duplicates the number of ballots the board holds twice (also 0). In
// process it also checks every receipt's signature with the box's key.
//
// # In process or against a server
//
// By default it builds everything itself on a temporary directory: the
// embedded chain, an election with one referendum (one trustee, the
// chain's own account as commission, ballot box and credential
// authority), one credential per ballot, a ballot box on SQLite in the
// directory (or on Options.DB) and the voter API (services/api, no rate
// limits) on a loopback port. The clients and the server then share the
// machine's cores, and the process's CPU time is split between them with
// CPU-profile labels: ServerCPUShare is the share of the samples not taken
// in the clients' goroutines (the garbage collector's background work and
// the board's block production count as the server's).
//
// With Options.URL it drives a running server instead: the election's
// manifest and joint key are read from Options.Board (never from the
// API), and the ballots are signed with the credentials of
// Options.Credentials ([ReadCredentials]), in turn if there are fewer
// credentials than ballots (revotes: the election must allow them).
//
// Output is one JSON object per line ([Result]); logs never contain
// credentials or choices.
package castbench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/rusage"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// Options tune [Run]. The zero value of a field selects its default.
type Options struct {
	Clients int // concurrent clients (default 1,000)
	Ballots int // ballots to cast (default 10,000)
	// Rate, if positive, is the offered load in ballots per second, all
	// clients together (open loop): ballot i is due at i/Rate seconds
	// after the start and sent by the next free client, and its latency
	// counts from when it was due, so that a server falling behind shows
	// in the latencies. Zero: each client sends its next ballot as soon as
	// it has the last answer (closed loop), which measures the capacity.
	Rate float64

	// In process (URL empty).

	// DataDir is where the embedded chain and the SQLite database are
	// made; empty: a temporary directory, removed at the end.
	DataDir string
	// DB is the ballot box's database URL (store.Open): empty means
	// SQLite in DataDir; postgres://... runs on PostgreSQL.
	DB string

	// Against a running server.

	// URL is the server's base URL, such as http://127.0.0.1:8080 (the API
	// is under /api/v1).
	URL string
	// Election is the election's id.
	Election string
	// Credentials are the voters' private credentials.
	Credentials []*voting.Credential
	// Board is where the election is read from and the ballots are
	// looked for.
	Board bulletin.Reader

	// PostTimeout bounds the wait, after the last answer, for the ballots
	// to appear on the board (default 5 minutes).
	PostTimeout time.Duration
	// Log receives progress messages (default: discarded).
	Log *slog.Logger
}

// A Setup is the first line of [Run]'s output (operation "cast.setup"):
// what was prepared before the clock started.
type Setup struct {
	Op      string  `json:"operation"`
	Target  string  `json:"target"`          // "in-process" or the URL
	DB      string  `json:"db,omitempty"`    // in process: the engine
	Cores   int     `json:"cores"`           // GOMAXPROCS
	Voters  int     `json:"voters"`          // credentials used
	Bytes   int     `json:"ballot_bytes"`    // the size of one ballot
	Setup   float64 `json:"setup_seconds"`   // chain, election, key ceremony, credentials (or reading them)
	Encrypt float64 `json:"encrypt_seconds"` // encrypting the ballots and encoding the requests
}

// A Result is the measurement, the second line of [Run]'s output
// (operation "cast").
type Result struct {
	Op     string `json:"operation"`
	Target string `json:"target"`       // "in-process" or the URL
	DB     string `json:"db,omitempty"` // in process: the engine
	Cores  int    `json:"cores"`        // GOMAXPROCS
	Voters int    `json:"voters"`       // credentials used
	Bytes  int    `json:"ballot_bytes"` // the size of one ballot

	Clients      int            `json:"clients"`
	Ballots      int            `json:"ballots"`
	Offered      float64        `json:"offered_per_sec,omitempty"` // Options.Rate, if set
	Acknowledged int            `json:"acknowledged"`
	Errors       map[string]int `json:"errors"` // answers other than 200/201 by status code; "network" for transport errors
	Seconds      float64        `json:"seconds,omitempty"`
	PerSec       float64        `json:"ballots_per_sec,omitempty"`
	SteadyPerSec float64        `json:"steady_ballots_per_sec,omitempty"`
	P50          float64        `json:"p50_ms,omitempty"`
	P99          float64        `json:"p99_ms,omitempty"`
	Max          float64        `json:"max_ms,omitempty"`

	CPUCores           float64  `json:"cpu_cores_used,omitempty"`           // this process's CPU time over the wall time
	CPUPerBallot       float64  `json:"cpu_ms_per_ballot,omitempty"`        // this process's CPU time per acknowledged ballot
	ServerCPUShare     *float64 `json:"server_cpu_share,omitempty"`         // in process: the server's share of that CPU time
	ServerCPUPerBallot *float64 `json:"server_cpu_ms_per_ballot,omitempty"` // in process: the server's CPU time per acknowledged ballot

	OnBoard    int     `json:"on_board"`            // acknowledged ballots found on the board
	Lost       int     `json:"lost"`                // acknowledged ballots not on the board
	Duplicates int     `json:"duplicates_on_board"` // ballots the board holds more than once
	Entries    int     `json:"board_entries"`       // ballot-batch entries holding the run's ballots
	PostWait   float64 `json:"post_wait_seconds"`   // from the last answer until every ballot was on the board
	BadReceipt int     `json:"bad_receipts"`        // receipts that do not name the ballot (or, in process, do not verify)
}

func (o Options) withDefaults() Options {
	if o.Clients <= 0 {
		o.Clients = 1000
	}
	if o.Ballots <= 0 {
		o.Ballots = 10_000
	}
	if o.PostTimeout <= 0 {
		o.PostTimeout = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// target is what the clients drive: the API's URL, the election, and,
// in process, the box (for its key) and the teardown.
type target struct {
	url    string
	e      *election
	board  bulletin.Reader
	box    *ballotbox.Box // nil against a server
	db     string
	closer func()
}

// Run runs the benchmark and writes its results to w, one JSON object per
// line, and returns the measurement. The run fails (with the result) if
// any acknowledged ballot is missing from the board.
func Run(ctx context.Context, w io.Writer, o Options) (*Result, error) {
	o = o.withDefaults()
	enc := json.NewEncoder(w)
	start := time.Now()
	var (
		t   *target
		err error
	)
	if o.URL == "" {
		t, err = inProcess(ctx, o)
	} else {
		t, err = remote(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	defer t.closer()
	setup := time.Since(start)

	start = time.Now()
	o.Log.Info("encrypting the ballots", "ballots", o.Ballots)
	reqs, err := prepare(t.e, o.Ballots)
	if err != nil {
		return nil, err
	}
	r := Result{
		Op: "cast", Target: "in-process", DB: t.db, Cores: runtime.GOMAXPROCS(0),
		Voters: min(len(t.e.creds), o.Ballots), Bytes: reqs[0].size,
		Clients: o.Clients, Ballots: o.Ballots, Offered: o.Rate,
	}
	if o.URL != "" {
		r.Target = o.URL
	}
	su := Setup{
		Op: "cast.setup", Target: r.Target, DB: r.DB, Cores: r.Cores, Voters: r.Voters, Bytes: r.Bytes,
		Setup: round3(setup.Seconds()), Encrypt: round3(time.Since(start).Seconds()),
	}
	if err := enc.Encode(su); err != nil {
		return nil, err
	}

	o.Log.Info("casting", "ballots", o.Ballots, "clients", o.Clients, "rate", o.Rate, "url", t.url)
	if err := drive(ctx, t, reqs, o.Clients, o.Rate, &r); err != nil {
		return nil, err
	}
	o.Log.Info("waiting for the ballots on the board", "acknowledged", r.Acknowledged)
	if err := checkBoard(ctx, t, reqs, o.PostTimeout, &r); err != nil {
		return nil, err
	}
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	if r.Lost > 0 {
		return &r, fmt.Errorf("castbench: %d acknowledged ballots are not on the board", r.Lost)
	}
	return &r, nil
}

// inProcess builds the chain, the election, the box and the server.
func inProcess(ctx context.Context, o Options) (_ *target, err error) {
	var cleanup []func()
	closer := func() {
		for _, f := range slices.Backward(cleanup) {
			f()
		}
	}
	defer func() {
		if err != nil {
			closer()
		}
	}()
	dir := o.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "veche-bench-cast-"); err != nil {
			return nil, fmt.Errorf("castbench: %w", err)
		}
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
	}
	o.Log.Info("setting up an election on the embedded chain", "dir", dir, "voters", o.Ballots)
	b, err := chain.Open(ctx, chain.Options{DataDir: dir, PollInterval: time.Millisecond})
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { b.Close() })
	e, err := setupElection(ctx, b, o.Ballots)
	if err != nil {
		return nil, err
	}
	dbURL := o.DB
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "veche.db")
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { db.Close() })
	key, err := schnorr.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	box, err := ballotbox.New(ctx, ballotbox.Config{Election: e.m.ID, Board: b, DB: db, Key: key, Logger: o.Log})
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { box.Close() })
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { box.Run(runCtx) })
	cleanup = append(cleanup, func() { stop(); wg.Wait() })

	srv := api.New(b, o.Log)
	srv.AddBox(e.m.ID, box)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	wg.Go(func() { hs.Serve(ln) })
	cleanup = append(cleanup, func() { hs.Close() })
	return &target{url: "http://" + ln.Addr().String(), e: e, board: b, box: box, db: db.Dialect().String(), closer: closer}, nil
}

// remote reads the election of a running server from the board.
func remote(ctx context.Context, o Options) (*target, error) {
	if o.Board == nil || o.Election == "" {
		return nil, errors.New("castbench: driving a server needs the board and the election's id")
	}
	e, err := readElection(ctx, o.Board, o.Election, o.Credentials)
	if err != nil {
		return nil, err
	}
	u := o.URL
	for len(u) > 0 && u[len(u)-1] == '/' {
		u = u[:len(u)-1]
	}
	return &target{url: u, e: e, board: o.Board, closer: func() {}}, nil
}

// A request is one prepared cast: its body and what the receipt must say.
type request struct {
	body []byte
	code voting.TrackingCode
	size int // the ballot's bytes
}

// prepare encrypts n ballots with the election's credentials in turn, on
// every core, and encodes their requests.
func prepare(e *election, n int) ([]request, error) {
	reqs := make([]request, n)
	errs := make([]error, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := range errs {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				c := e.creds[i%len(e.creds)]
				sel, err := selections(e.m, c.Style, rnd)
				if err != nil {
					errs[k] = err
					return
				}
				b, s, err := voting.EncryptBallot(nil, e.m, e.pk, c.Style, c.Key, sel)
				if err != nil {
					errs[k] = fmt.Errorf("castbench: encrypting ballot %d: %w", i, err)
					return
				}
				s.Erase()
				body, err := json.Marshal(map[string]string{"ballot": base64.StdEncoding.EncodeToString(b.Bytes())})
				if err != nil {
					errs[k] = err
					return
				}
				reqs[i] = request{body: body, code: b.TrackingCode(), size: len(b.Bytes())}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return reqs, nil
}

// selections picks valid random choices for every contest of a style.
func selections(m *voting.Manifest, style string, r *rand.Rand) (voting.Selections, error) {
	var ids []string
	for _, s := range m.BallotStyles {
		if s.ID == style {
			ids = s.Contests
		}
	}
	if ids == nil {
		return nil, fmt.Errorf("castbench: election %s has no ballot style %q", m.ID, style)
	}
	sel := voting.Selections{}
	for _, c := range m.Contests {
		if !slices.Contains(ids, c.ID) {
			continue
		}
		opts := make([]string, len(c.Options))
		for j, o := range c.Options {
			opts[j] = o.ID
		}
		r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		k := 1
		switch {
		case c.Kind == voting.Ranked:
			k = 1 + r.IntN(max(1, min(c.Ranks, len(opts))))
		case c.Max >= c.Min && c.Max > 0:
			k = c.Min + r.IntN(c.Max-c.Min+1)
		}
		sel[c.ID] = voting.Selection{Options: opts[:min(k, len(opts))]}
	}
	return sel, nil
}

// An answer is what one request got.
type answer struct {
	status  int    // 0: a transport error
	receipt []byte // the receipt's bytes, if acknowledged
	code    string // the receipt's tracking code, as answered
	lat     time.Duration
	done    time.Duration // since the start of the run
}

// receiptAnswer is the part of a receipt response the clients read.
type receiptAnswer struct {
	TrackingCode string `json:"tracking_code"`
	Receipt      string `json:"receipt"`
}

// drive sends the requests from c clients and fills in r's rates,
// latencies, errors and CPU figures.
func drive(ctx context.Context, t *target, reqs []request, c int, rate float64, r *Result) error {
	tr := &http.Transport{
		MaxIdleConns: c, MaxIdleConnsPerHost: c, IdleConnTimeout: time.Minute,
		DisableCompression: true, ForceAttemptHTTP2: false,
		DialContext: (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	endpoint := t.url + "/api/v1/elections/" + t.e.m.ID + "/ballots"
	answers := make([]answer, len(reqs))

	prof := startCPUShare(t.box != nil)
	cpu0 := rusageCPU()
	start := time.Now()
	// Closed loop: the clients take the next ballot as they come free.
	// Open loop: a dispatcher hands out each ballot when it is due.
	var next atomic.Int64
	take := func() (int, bool) {
		i := int(next.Add(1) - 1)
		return i, i < len(reqs)
	}
	due := func(int) time.Time { return time.Now() }
	if rate > 0 {
		ch := make(chan int, len(reqs))
		due = func(i int) time.Time { return start.Add(time.Duration(float64(i) / rate * float64(time.Second))) }
		go func() {
			defer close(ch)
			for i := range reqs {
				if d := time.Until(due(i)); d > 0 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(d):
					}
				}
				ch <- i
			}
		}()
		take = func() (int, bool) {
			i, ok := <-ch
			return i, ok
		}
	}
	var wg sync.WaitGroup
	clientLoop := func(ctx context.Context) {
		buf := make([]byte, 0, 4096)
		for i, ok := take(); ok; i, ok = take() {
			if ctx.Err() != nil {
				return
			}
			t0 := due(i)
			a := &answers[i]
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(reqs[i].body))
			if err != nil {
				a.done = time.Since(start)
				continue
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err == nil {
				buf, err = readAll(resp.Body, buf[:0])
				resp.Body.Close()
				a.status = resp.StatusCode
				if err == nil && (a.status == http.StatusCreated || a.status == http.StatusOK) {
					var ra receiptAnswer
					if json.Unmarshal(buf, &ra) == nil {
						a.code = ra.TrackingCode
						a.receipt, _ = base64.StdEncoding.DecodeString(ra.Receipt)
					}
				}
			}
			a.lat = time.Since(t0)
			a.done = time.Since(start)
		}
	}
	for range c {
		wg.Go(func() { withClientLabel(ctx, clientLoop) })
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := rusageCPU() - cpu0
	share := prof.stop()
	if err := ctx.Err(); err != nil {
		return err
	}

	r.Errors = map[string]int{}
	var lats, dones []time.Duration
	for i, a := range answers {
		switch {
		case a.status == http.StatusCreated || a.status == http.StatusOK:
			if a.code != reqs[i].code.String() {
				r.BadReceipt++
				continue
			}
			r.Acknowledged++
			dones = append(dones, a.done)
		case a.status == 0:
			r.Errors["network"]++
		default:
			r.Errors[strconv.Itoa(a.status)]++
		}
		lats = append(lats, a.lat)
	}
	r.Seconds = round3(wall.Seconds())
	r.PerSec = math.Round(float64(r.Acknowledged) / wall.Seconds())
	slices.Sort(lats)
	slices.Sort(dones)
	if len(lats) > 0 {
		r.P50, r.P99, r.Max = ms(pct(lats, 0.50)), ms(pct(lats, 0.99)), ms(lats[len(lats)-1])
	}
	if n := len(dones); n >= 10 {
		lo, hi := n/10, n-n/10-1
		if d := dones[hi] - dones[lo]; d > 0 {
			r.SteadyPerSec = math.Round(float64(hi-lo) / d.Seconds())
		}
	}
	if cpu > 0 {
		r.CPUCores = round3(cpu.Seconds() / wall.Seconds())
	}
	if share >= 0 {
		s := round3(share)
		r.ServerCPUShare = &s
	}
	// In process the receipts are checked against the box's key too.
	if t.box != nil {
		pk := t.box.PublicKey()
		for i, a := range answers {
			if a.code == "" || a.code != reqs[i].code.String() {
				continue
			}
			rc, err := voting.ParseReceipt(a.receipt)
			if err != nil || rc.TrackingCode != reqs[i].code || rc.Election != t.e.m.ID || rc.Verify(pk) != nil {
				r.BadReceipt++
				r.Acknowledged--
				answers[i].code = ""
			}
		}
	}
	if cpu > 0 && r.Acknowledged > 0 {
		per := cpu.Seconds() * 1000 / float64(r.Acknowledged)
		r.CPUPerBallot = round3(per)
		if share >= 0 {
			s := round3(per * share)
			r.ServerCPUPerBallot = &s
		}
	}
	for i := range answers {
		if answers[i].code != reqs[i].code.String() {
			reqs[i].code = voting.TrackingCode{} // not acknowledged: not looked for
		}
	}
	return nil
}

// readAll reads a response body of at most 64 KiB into buf.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	lr := io.LimitReader(r, 64<<10)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// checkBoard reads the election's topic until every acknowledged ballot
// (reqs with a tracking code) is in a ballot-batch entry of the ballot box,
// or the timeout, and fills in r's board figures.
func checkBoard(ctx context.Context, t *target, reqs []request, timeout time.Duration, r *Result) error {
	box, err := voting.ParseAddress(t.e.m.BallotBox.Address)
	if err != nil {
		return fmt.Errorf("castbench: %w", err)
	}
	want := make(map[voting.TrackingCode]int, len(reqs))
	for _, q := range reqs {
		if q.code != (voting.TrackingCode{}) {
			want[q.code] = 0
		}
	}
	topic := t.e.m.Topic()
	start := time.Now()
	var read uint64
	found, entries := 0, 0
	for found < len(want) {
		_, count, err := t.board.Head(ctx, topic)
		if err != nil {
			return fmt.Errorf("castbench: reading the board: %w", err)
		}
		const page = 256
		for ; read < count; read = min(read+page, count) {
			es, err := t.board.Entries(ctx, topic, read, min(read+page, count))
			if err != nil {
				return fmt.Errorf("castbench: reading the board: %w", err)
			}
			for _, e := range es {
				if e.Kind != bulletin.KindBallotBatch || e.Poster != box {
					continue
				}
				batch, err := voting.ParseBatch(e.Payload)
				if err != nil {
					return fmt.Errorf("castbench: board entry %d: %w", e.Seq, err)
				}
				mine := false
				for _, c := range batch.TrackingCodes() {
					n, ok := want[c]
					if !ok {
						continue
					}
					mine = true
					if n == 0 {
						found++
					} else {
						r.Duplicates++
					}
					want[c] = n + 1
				}
				if mine {
					entries++
				}
			}
		}
		if found == len(want) || time.Since(start) > timeout {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	r.OnBoard, r.Lost, r.Entries = found, len(want)-found, entries
	r.PostWait = round3(time.Since(start).Seconds())
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// rusageCPU returns the process's CPU time so far (0 where the system does
// not report it).
func rusageCPU() time.Duration {
	d, _ := rusage.CPU()
	return d
}
