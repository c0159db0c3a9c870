package ballotbox_test

import (
	"context"
	"crypto/sha256"
	"io"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// testRand is the SHAKE256 stream of "veche/testrand/v1" || seed
// (electiontest.Rand). Tests and vectors only.
func testRand(seed string) io.Reader { return electiontest.Rand(seed) }

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
// posted; the test opens it. Its randomness comes from seed.
type election struct {
	t        testing.TB
	seed     string
	board    *memboard.Board
	m        *voting.Manifest
	boxBoard *memboard.Client
	pk       *elgamal.PublicKey
	creds    []*voting.Credential
	boxKey   *schnorr.PrivateKey    // nil: made from seed
	fx       *electiontest.Election // nil: made by chainElection
}

// manifest is the example manifest (voting/testdata/election.yaml) with
// one trustee and the given revote policy; small keeps only the
// referendum, for fast ballots.
func manifest(t testing.TB, id string, revote voting.RevotePolicy, small bool) *voting.Manifest {
	t.Helper()
	return electiontest.Manifest(t, electiontest.Options{ID: id, Revote: revote, Referendum: small})
}

// newElection sets up the election whose id is seed, lower case and
// hyphenated, with voters credentials.
func newElection(t testing.TB, seed string, revote voting.RevotePolicy, small bool, voters int) *election {
	t.Helper()
	x := electiontest.New(t, electiontest.Options{Seed: seed, Revote: revote, Referendum: small, Voters: voters})
	return &election{
		t: t, seed: seed, board: x.Board, m: x.Manifest, pk: x.Key, creds: x.Credentials, fx: x,
		boxBoard: x.As(x.Manifest.BallotBox.Address),
	}
}

// fixture is e as an electiontest.Election; an election set up elsewhere
// (on a chain, by chainElection) gets one of its fields.
func (e *election) fixture() *electiontest.Election {
	if e.fx != nil {
		return e.fx
	}
	return &electiontest.Election{T: e.t, Seed: e.seed, Manifest: e.m, Key: e.pk, Credentials: e.creds, BoxKey: e.boxKey}
}

func (e *election) phase(p bulletin.Phase) {
	e.t.Helper()
	e.fixture().Phase(p)
}

// box starts a ballot box on db that reads the phase on every request.
func (e *election) box(db *store.DB) *ballotbox.Box {
	e.t.Helper()
	return e.boxOn(db, e.boxBoard)
}

// boxOn is box posting through b.
func (e *election) boxOn(db *store.DB, b ballotbox.Board) *ballotbox.Box {
	e.t.Helper()
	return e.fixture().Box(db, b)
}

var yes = voting.Selections{"bike-lanes": {Options: []string{"yes"}}}

// ballot encrypts sel with credential i, randomness from seed.
func (e *election) ballot(i int, sel voting.Selections, seed string) (*voting.Ballot, *voting.BallotSecrets) {
	e.t.Helper()
	return e.fixture().Ballot(i, sel, seed)
}

// ballotsOf encrypts n ballots of credential i with sel, ballot k from
// seed prefix+k (as e.ballot), on every core, and returns their bytes.
func (e *election) ballotsOf(i int, sel voting.Selections, prefix string, n int) [][]byte {
	e.t.Helper()
	return e.fixture().Ballots(i, sel, prefix, n)
}

// onBoard returns the tracking codes of the ballots in the election's
// ballot-batch entries, in board order, and the number of those entries.
func (e *election) onBoard() ([]voting.TrackingCode, int) {
	e.t.Helper()
	ballots, batches := e.fixture().BoardBallots()
	var out []voting.TrackingCode
	for _, b := range ballots {
		out = append(out, sha256.Sum256(b))
	}
	return out, batches
}

// entriesOf counts the topic's entries of kind k.
func (e *election) entriesOf(k bulletin.Kind) int {
	e.t.Helper()
	c := 0
	for _, ent := range e.fixture().Entries() {
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

// openElection is newElection (small) with a ballot box on a fresh
// database at url, opened.
func openElection(t *testing.T, seed string, revote voting.RevotePolicy, voters int, url string) (*election, *ballotbox.Box) {
	t.Helper()
	e := newElection(t, seed, revote, true, voters)
	box := e.box(storetest.Open(t, url))
	e.phase(bulletin.PhaseOpen)
	return e, box
}
