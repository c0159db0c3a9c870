package tally_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// BenchmarkWeed weeds an election of VECHE_WEED_BALLOTS ballots (default
// 2,000), one per credential, on the benchmark manifest of issue 7 (a
// 1-of-5 homomorphic contest and a ranked contest of 5 candidates, 3
// ranks), or with VECHE_WEED_MANIFEST=example on the example manifest (a
// referendum, an approval of 5 and a ranked contest with a write-in). The
// ballots are encrypted once and kept in the temporary directory
// (encrypting 100,000 takes minutes); the board is an in-memory one.
//
//	VECHE_WEED_BALLOTS=100000 go test ./tally -run '^$' -bench Weed -benchtime 1x
func BenchmarkWeed(b *testing.B) {
	n := 2000
	if s := os.Getenv("VECHE_WEED_BALLOTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("VECHE_WEED_BALLOTS=%q", s)
		}
	}
	variant := os.Getenv("VECHE_WEED_MANIFEST")
	if variant == "" {
		variant = "bench"
	}
	m := benchManifest(b, variant)
	sk, err := elgamal.GenerateKey(seeded("weed bench: key"))
	if err != nil {
		b.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(seeded("weed bench: credentials"), m, map[string]int{"city": n})
	if err != nil {
		b.Fatal(err)
	}
	ballots := benchBallots(b, m, sk.Public(), creds, variant)

	ctx := context.Background()
	board := memboard.New()
	commission := board.As(mustAddr(m.Commission.Address))
	if err := voting.Publish(ctx, commission, m); err != nil {
		b.Fatal(err)
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		b.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, board.As(mustAddr(m.CredentialAuthority.Address)), m, list); err != nil {
		b.Fatal(err)
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseOpen); err != nil {
		b.Fatal(err)
	}
	box := board.As(mustAddr(m.BallotBox.Address))
	var batch [][]byte
	size := 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := box.Append(ctx, m.Topic(), bulletin.KindBallotBatch, voting.EncodeBatch(batch)); err != nil {
			b.Fatal(err)
		}
		batch, size = nil, 0
	}
	for _, raw := range ballots {
		if voting.BatchSize(size+len(raw), len(batch)+1) > bulletin.MaxPayload {
			flush()
		}
		batch = append(batch, raw)
		size += len(raw)
	}
	flush()
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseClosed); err != nil {
		b.Fatal(err)
	}
	list, err = voting.ReadCredentials(ctx, board, m)
	if err != nil {
		b.Fatal(err)
	}
	var w *tally.Weeded
	for b.Loop() {
		if w, err = tally.Weed(ctx, board, m, list, sk.Public()); err != nil {
			b.Fatal(err)
		}
	}
	if w.Reconciliation.Counted != uint64(n) {
		b.Fatalf("%d of %d ballots counted (a stale cache? remove %s)", w.Reconciliation.Counted, n, benchCache(variant, n))
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "ballots/s")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/float64(n), "heap-B/ballot")
}

// benchManifest returns the example manifest, or for "bench" one with a
// 1-of-5 contest and a ranked contest of 5 candidates with 3 ranks.
func benchManifest(tb testing.TB, variant string) *voting.Manifest {
	raw, err := os.ReadFile("../voting/testdata/election.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		tb.Fatal(err)
	}
	if variant == "example" {
		return m
	}
	opts := func(prefix string) []voting.Option {
		var out []voting.Option
		for i := range 5 {
			out = append(out, voting.Option{ID: fmt.Sprintf("%s-%d", prefix, i+1), Title: voting.Text{"en": fmt.Sprintf("%s %d", prefix, i+1)}})
		}
		return out
	}
	m.ID = "bench-2026"
	m.Contests = []voting.Contest{
		{ID: "choice", Title: voting.Text{"en": "One of five"}, Kind: voting.OneOf, Tally: voting.Homomorphic,
			Options: opts("option"), Min: 1, Max: 1},
		{ID: "ranking", Title: voting.Text{"en": "Rank up to three"}, Kind: voting.Ranked, Tally: voting.Mixnet,
			Options: opts("candidate"), Ranks: 3, Blank: true},
	}
	m.BallotStyles[0].Contests = []string{"choice", "ranking"}
	if err := m.Validate(); err != nil {
		tb.Fatal(err)
	}
	return m
}

func benchCache(variant string, n int) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("veche-weed-bench-%s-%d.bin", variant, n))
}

// benchBallots returns one ballot per credential, from the cache file if
// it is there.
func benchBallots(tb testing.TB, m *voting.Manifest, pk *elgamal.PublicKey, creds []*voting.Credential, variant string) [][]byte {
	path := benchCache(variant, len(creds))
	if raw, err := os.ReadFile(path); err == nil {
		var out [][]byte
		for len(raw) >= 4 {
			l := int(binary.BigEndian.Uint32(raw))
			if len(raw) < 4+l {
				break
			}
			out = append(out, raw[4:4+l])
			raw = raw[4+l:]
		}
		if len(out) == len(creds) {
			return out
		}
	}
	out := make([][]byte, len(creds))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, c := range creds {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		sel := voting.Selections{}
		for _, ct := range m.Contests {
			ids := make([]string, len(ct.Options))
			for j, o := range ct.Options {
				ids[j] = o.ID
			}
			r.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
			switch ct.Kind {
			case voting.Ranked:
				sel[ct.ID] = voting.Selection{Options: ids[:r.IntN(ct.Ranks+1)]}
			case voting.Approval:
				sel[ct.ID] = voting.Selection{Options: ids[:ct.Min+r.IntN(ct.Max-ct.Min+1)]}
			default:
				sel[ct.ID] = voting.Selection{Options: ids[:1]}
			}
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			bal, _, err := voting.EncryptBallot(nil, m, pk, c.Style, c.Key, sel)
			if err != nil {
				panic(err)
			}
			out[i] = bal.Bytes()
		})
	}
	wg.Wait()
	f, err := os.Create(path)
	if err == nil {
		for _, x := range out {
			f.Write(binary.BigEndian.AppendUint32(nil, uint32(len(x))))
			f.Write(x)
		}
		f.Close()
	}
	return out
}
