package ballotbox_test

import (
	"context"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// testRand is the SHAKE256 stream of "veche/testrand/v1" || seed, as
// crypto/internal/testrand (which this package may not import). Tests and
// vectors only.
func testRand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}

func addr(t testing.TB, s string) bulletin.Address {
	t.Helper()
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An election is the example election, run on an in-memory board up to
// the end of its key ceremony (1 of 1 trustees), with its credentials
// posted; the test opens it.
type election struct {
	t          testing.TB
	seed       string
	board      *memboard.Board
	m          *voting.Manifest
	commission *memboard.Client
	boxBoard   *memboard.Client
	pk         *elgamal.PublicKey
	creds      []*voting.Credential
	boxKey     *schnorr.PrivateKey
}

// manifest is the example manifest (voting/testdata/election.yaml) with
// one trustee and the given revote policy; small keeps only the
// referendum, for fast ballots.
func manifest(t testing.TB, id string, revote voting.RevotePolicy, small bool) *voting.Manifest {
	t.Helper()
	raw, err := os.ReadFile("../../voting/testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	m.ID = id
	m.Revote = revote
	m.Trustees.Threshold = 1
	m.Trustees.Members = m.Trustees.Members[:1]
	if small {
		m.Contests = m.Contests[:1]
		m.BallotStyles[0].Contests = []string{m.Contests[0].ID}
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

func newElection(t testing.TB, seed string, revote voting.RevotePolicy, small bool, voters int) *election {
	t.Helper()
	ctx := context.Background()
	id := strings.ToLower(strings.NewReplacer(" ", "-", "/", "-", "_", "-").Replace(seed))
	m := manifest(t, id, revote, small)
	e := &election{t: t, seed: seed, board: memboard.New(), m: m}
	e.commission = e.board.As(addr(t, m.Commission.Address))
	e.boxBoard = e.board.As(addr(t, m.BallotBox.Address))
	if err := voting.Publish(ctx, e.commission, m); err != nil {
		t.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(testRand(seed+" credentials"), m, map[string]int{"city": voters})
	if err != nil {
		t.Fatal(err)
	}
	e.creds = creds
	if err := voting.PostCredentials(ctx, e.board.As(addr(t, m.CredentialAuthority.Address)), m, list); err != nil {
		t.Fatal(err)
	}
	trustee := e.board.As(addr(t, m.Trustees.Members[0].Address))
	key, err := hybrid.GenerateKey(testRand(seed + " trustee"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := voting.Join(ctx, trustee, m, key, testRand(seed+" join")); err != nil {
		t.Fatal(err)
	}
	e.phase(bulletin.PhaseKeyCeremony)
	st := &voting.MemoryStore{}
	for i := 0; ; i++ {
		_, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{Rand: testRand(fmt.Sprintf("%s keygen %d", seed, i)), NoWait: true})
		if err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		res, err := voting.CloseCeremony(ctx, e.commission, m, nil)
		if err == nil {
			e.pk, err = elgamal.NewPublicKeyFromElement(res.JointKey)
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatalf("closing the ceremony: %v", err)
		}
	}
	e.boxKey, err = schnorr.GenerateKey(testRand(seed + " box key"))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *election) phase(p bulletin.Phase) {
	e.t.Helper()
	if err := voting.SetPhase(context.Background(), e.commission, e.m.ID, p); err != nil {
		e.t.Fatal(err)
	}
}

// box starts a ballot box on db that reads the phase on every request.
func (e *election) box(db *store.DB) *ballotbox.Box {
	return e.boxOn(db, e.boxBoard)
}

func (e *election) boxOn(db *store.DB, b ballotbox.Board) *ballotbox.Box {
	e.t.Helper()
	box, err := ballotbox.New(context.Background(), ballotbox.Config{
		Election: e.m.ID, Board: b, DB: db, Key: e.boxKey, PhaseTTL: -1,
		Rand: testRand(e.seed + " box"),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { box.Close() })
	return box
}

var yes = voting.Selections{"bike-lanes": {Options: []string{"yes"}}}

// ballot encrypts sel with credential i, randomness from seed.
func (e *election) ballot(i int, sel voting.Selections, seed string) (*voting.Ballot, *voting.BallotSecrets) {
	e.t.Helper()
	c := e.creds[i]
	b, s, err := voting.EncryptBallot(testRand(e.seed+" ballot "+seed), e.m, e.pk, c.Style, c.Key, sel)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, s
}

// ballotsOf encrypts n ballots of credential i with sel, ballot k from
// seed prefix+k (as e.ballot), on every core, and returns their bytes.
func (e *election) ballotsOf(i int, sel voting.Selections, prefix string, n int) [][]byte {
	e.t.Helper()
	out := make([][]byte, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				c := e.creds[i]
				b, _, err := voting.EncryptBallot(testRand(e.seed+" ballot "+prefix+fmt.Sprint(k)), e.m, e.pk, c.Style, c.Key, sel)
				if err == nil {
					out[k] = b.Bytes()
				}
				errs[k] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// onBoard returns the tracking codes of the ballots in the election's
// ballot-batch entries, in board order, and the number of those entries.
func (e *election) onBoard() ([]voting.TrackingCode, int) {
	e.t.Helper()
	ctx := context.Background()
	_, n, err := e.board.Head(ctx, e.m.Topic())
	if err != nil {
		e.t.Fatal(err)
	}
	es, err := e.board.Entries(ctx, e.m.Topic(), 0, n)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []voting.TrackingCode
	batches := 0
	for _, ent := range es {
		if ent.Kind != bulletin.KindBallotBatch {
			continue
		}
		batches++
		b, err := voting.ParseBatch(ent.Payload)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, b.TrackingCodes()...)
	}
	return out, batches
}

// entriesOf counts the topic's entries of kind k.
func (e *election) entriesOf(k bulletin.Kind) int {
	e.t.Helper()
	ctx := context.Background()
	_, n, _ := e.board.Head(ctx, e.m.Topic())
	es, err := e.board.Entries(ctx, e.m.Topic(), 0, n)
	if err != nil {
		e.t.Fatal(err)
	}
	c := 0
	for _, ent := range es {
		if ent.Kind == k {
			c++
		}
	}
	return c
}

// backends runs f on SQLite and (with VECHE_PG_URL) PostgreSQL.
func backends(t *testing.T, f func(t *testing.T, url string)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { f(t, storetest.Backends()[name](t)) })
	}
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
