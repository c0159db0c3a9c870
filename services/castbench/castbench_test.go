package castbench

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// scale returns the clients, ballots and offered rate of the in-process
// load test: 50, 300 (100 under the race detector) and none (closed
// loop), or VECHE_CASTBENCH_CLIENTS, VECHE_CASTBENCH_BALLOTS and
// VECHE_CASTBENCH_RATE (for profiling a full-size run with go test
// -cpuprofile).
func scale(t *testing.T) (clients, ballots int, rate float64) {
	clients, ballots = 50, 300
	if raceEnabled {
		ballots = 100
	}
	if v, err := strconv.ParseFloat(os.Getenv("VECHE_CASTBENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	if v, err := strconv.Atoi(os.Getenv("VECHE_CASTBENCH_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	if v, err := strconv.Atoi(os.Getenv("VECHE_CASTBENCH_BALLOTS")); err == nil && v > 0 {
		ballots = v
	}
	return clients, ballots, rate
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// lines decodes Run's output: the setup line, then the result.
func lines(t *testing.T, out *bytes.Buffer) (Setup, Result) {
	t.Helper()
	var (
		s Setup
		r Result
	)
	dec := json.NewDecoder(out)
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("the setup line: %v", err)
	}
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("the result line: %v", err)
	}
	if s.Op != "cast.setup" || r.Op != "cast" {
		t.Fatalf("operations %q and %q, want cast.setup and cast", s.Op, r.Op)
	}
	return s, r
}

// checkNothingLost asserts that every ballot was acknowledged with a
// receipt naming it, without an error, and found once on the board.
func checkNothingLost(t *testing.T, r *Result, ballots int) {
	t.Helper()
	if r.Acknowledged != ballots || len(r.Errors) != 0 || r.BadReceipt != 0 {
		t.Errorf("%d of %d ballots acknowledged, errors %v, %d bad receipts", r.Acknowledged, ballots, r.Errors, r.BadReceipt)
	}
	if r.Lost != 0 || r.OnBoard != ballots || r.Duplicates != 0 || r.Entries == 0 {
		t.Errorf("on the board: %d found, %d lost, %d duplicates, in %d entries", r.OnBoard, r.Lost, r.Duplicates, r.Entries)
	}
	if r.PerSec <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Errorf("implausible figures: %v ballots/s, p50 %v ms, p99 %v ms, max %v ms", r.PerSec, r.P50, r.P99, r.Max)
	}
}

// The load generator, in process on SQLite and PostgreSQL: every ballot
// acknowledged and on the embedded chain, every receipt verified, and the
// CPU split between the clients and the server measured.
func TestLoadInProcessLosesNothing(t *testing.T) {
	clients, ballots, rate := scale(t)
	for name, newURL := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			db := newURL(t)
			if name == "sqlite" {
				db = "" // the default: SQLite in the data directory
			}
			var out bytes.Buffer
			res, err := Run(ctxFor(t), &out, Options{Clients: clients, Ballots: ballots, Rate: rate, DataDir: t.TempDir(), DB: db})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s", out.String())
			printed := strings.SplitAfter(out.String(), "\n")[1]
			if want, _ := json.Marshal(res); string(want)+"\n" != printed {
				t.Errorf("Run returned %s, printed %s", want, printed)
			}
			s, _ := lines(t, &out)
			if s.Voters != ballots || s.Bytes <= 0 || s.DB != map[string]string{"sqlite": "sqlite", "postgres": "postgresql"}[name] {
				t.Errorf("setup line %+v", s)
			}
			checkNothingLost(t, res, ballots)
			if res.ServerCPUShare != nil && (*res.ServerCPUShare <= 0 || *res.ServerCPUShare > 1) {
				t.Errorf("server CPU share %v, want in (0, 1]", *res.ServerCPUShare)
			}
		})
	}
}

// Against a running server: the election read from the board, the
// ballots signed with credentials read from a file, used in turn (two
// ballots per credential: revotes), at an offered rate.
func TestLoadAgainstAServerAtAnOfferedRate(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	b, err := chain.Open(ctx, chain.Options{DataDir: dir, PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e, err := setupElection(ctx, b, 40)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, storetest.SQLiteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, _ := schnorr.GenerateKey(nil)
	box, err := ballotbox.New(ctx, ballotbox.Config{Election: e.m.ID, Board: b, DB: db, Key: key, PostInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	wg.Go(func() { box.Run(runCtx) })
	srv := api.New(b, nil)
	srv.AddBox(e.m.ID, box)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()

	// The credentials go through their file format.
	var file bytes.Buffer
	if err := WriteCredentials(&file, e.creds); err != nil {
		t.Fatal(err)
	}
	creds, err := ReadCredentials(strings.NewReader("# benchmark voters\n\n" + file.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != len(e.creds) || !creds[7].Key.Equal(e.creds[7].Key) || creds[7].Style != "all" {
		t.Fatalf("credentials file round trip: %d credentials", len(creds))
	}

	var out bytes.Buffer
	const ballots = 60
	res, err := Run(ctx, &out, Options{
		Clients: 10, Ballots: ballots, Rate: 200,
		URL: "http://" + ln.Addr().String() + "/", Election: e.m.ID, Credentials: creds, Board: b,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, r := lines(t, &out)
	t.Logf("%s", out.String())
	if s.Voters != 40 || r.Target != "http://"+ln.Addr().String()+"/" || r.DB != "" || r.ServerCPUShare != nil || r.Offered != 200 {
		t.Errorf("setup %+v, result %+v", s, r)
	}
	checkNothingLost(t, res, ballots)
	// 60 ballots offered at 200/s take 0.3 s at least.
	if res.Seconds < 0.29 {
		t.Errorf("the run took %v s: the rate was not kept", res.Seconds)
	}
	// The box holds them all.
	if n, err := box.Pending(ctx); err != nil || n != 0 {
		t.Errorf("pending %d, %v", n, err)
	}
}

func TestReadCredentialsRefusesBadLines(t *testing.T) {
	for _, in := range []string{
		"all",
		" 0102",
		"all zz",
		"all " + strings.Repeat("00", 31),
		"all " + strings.Repeat("ff", 32), // not a canonical scalar
	} {
		if _, err := ReadCredentials(strings.NewReader(in + "\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v, want an error naming line 1", in, err)
		} else if strings.Contains(err.Error(), "ff") || strings.Contains(err.Error(), "zz") {
			t.Errorf("%q: the error shows the key: %v", in, err)
		}
	}
}

// The data directory of an in-process run is kept when given, and the
// benchmark database is in it.
func TestLoadInProcessUsesTheGivenDirectory(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if _, err := Run(ctxFor(t), &out, Options{Clients: 4, Ballots: 8, DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "veche.db")); err != nil {
		t.Error(err)
	}
}
