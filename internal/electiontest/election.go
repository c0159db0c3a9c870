package electiontest

import (
	"context"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

// Rand returns the SHAKE256 stream of "veche/testrand/v1" || seed, as
// crypto/internal/testrand (which tests outside crypto may not import):
// the same seed gives the same bytes.
func Rand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}

// seeded returns Rand(seed+label), or nil (crypto/rand) if seed is empty.
func seeded(seed, label string) io.Reader {
	if seed == "" {
		return nil
	}
	return Rand(seed + label)
}

// A Stage is how far [New] and [Setup] take an election.
type Stage int

const (
	// Keyed: published, the credentials posted and the key ceremony
	// closed (the joint key known); the election is in phase key-ceremony
	// and the test opens it.
	Keyed Stage = iota
	// Published: published and the credentials posted; phase setup, no
	// key ([Election.RunCeremony] runs the ceremony later).
	Published
	// Opened: keyed, then opened.
	Opened
)

// Options choose the manifest and how far the election is set up.
type Options struct {
	// Manifest, if set, is the election's manifest, and ID, Revote,
	// Referendum, Trustees and Edit are not used.
	Manifest *voting.Manifest
	// ID is the manifest's id; empty: derived from Seed (lower case,
	// spaces, slashes and underscores as hyphens), or the example's.
	ID string
	// Revote is the revote policy; empty: the example's (last-counts).
	Revote voting.RevotePolicy
	// Referendum keeps only the first contest, the yes/no referendum
	// "bike-lanes", for fast ballots.
	Referendum bool
	// Trustees is how many of the example's five trustees take part
	// (0: one); the threshold is the example's 3, or Trustees if fewer.
	Trustees int
	// Edit, if not nil, changes the manifest further before it is
	// validated.
	Edit func(*voting.Manifest)

	// Seed makes every key, credential and ballot reproducible (see the
	// package documentation); empty: crypto/rand.
	Seed string
	// Voters is the number of credentials, all of the manifest's first
	// ballot style, posted on the board (0: none).
	Voters int
	// Stage is how far the election is set up.
	Stage Stage
}

// Manifest returns the example manifest (voting/testdata/election.yaml)
// changed as opts say; it fails the test if the result is not valid.
func Manifest(t testing.TB, opts Options) *voting.Manifest {
	t.Helper()
	if opts.Manifest != nil {
		return opts.Manifest
	}
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), "voting", "testdata", "election.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case opts.ID != "":
		m.ID = opts.ID
	case opts.Seed != "":
		m.ID = strings.ToLower(strings.NewReplacer(" ", "-", "/", "-", "_", "-").Replace(opts.Seed))
	}
	if opts.Revote != "" {
		m.Revote = opts.Revote
	}
	n := max(opts.Trustees, 1)
	if n > len(m.Trustees.Members) {
		t.Fatalf("electiontest: %d trustees asked for, the example has %d", n, len(m.Trustees.Members))
	}
	m.Trustees.Members = m.Trustees.Members[:n]
	m.Trustees.Threshold = min(m.Trustees.Threshold, n)
	if opts.Referendum {
		m.Contests = m.Contests[:1]
		m.BallotStyles[0].Contests = []string{m.Contests[0].ID}
	}
	if opts.Edit != nil {
		opts.Edit(m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

// moduleRoot returns the directory of go.mod above the working directory
// (a test runs in its package's directory).
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("electiontest: no go.mod above the working directory")
		}
		dir = up
	}
}

// Parties are the boards through which the parties of an election post,
// each as its own account: the manifest names their addresses.
type Parties struct {
	// Commission publishes the manifest, moves the phases and closes the
	// key ceremony.
	Commission voting.Board
	// Authority posts the credential list.
	Authority voting.Board
	// Trustees post for the manifest's trustees, in its order.
	Trustees []voting.Board
}

// An Election is an election set up for a test by [New] or [Setup].
type Election struct {
	T    testing.TB
	Seed string // "" if its randomness is crypto/rand's
	// Manifest is the published manifest.
	Manifest *voting.Manifest
	// Board is the in-memory board of [New] (nil after [Setup]).
	Board *memboard.Board
	// Reader reads the board the election is on.
	Reader bulletin.Reader
	// Commission posts as the election's commission.
	Commission voting.Board
	// Key is the joint key (nil before the key ceremony's close).
	Key *elgamal.PublicKey
	// Credentials are the voters' credentials, in the order of List.
	Credentials []*voting.Credential
	// List is the posted credential list (nil without voters).
	List *voting.CredentialList
	// BoxKey is the key of the ballot boxes [Election.Box] starts; nil:
	// made from Seed (" box key") on first use.
	BoxKey *schnorr.PrivateKey

	trustees []voting.Board
}

// New publishes the manifest of opts on a fresh in-memory board, each
// party posting as the address the manifest names, and sets the election
// up to opts.Stage (see [Setup]).
func New(t testing.TB, opts Options) *Election {
	t.Helper()
	m := Manifest(t, opts)
	board := memboard.New()
	p := Parties{Commission: as(t, board, m.Commission.Address), Authority: as(t, board, m.CredentialAuthority.Address)}
	for _, mem := range m.Trustees.Members {
		p.Trustees = append(p.Trustees, as(t, board, mem.Address))
	}
	e := Setup(t, m, p, opts)
	e.Board, e.Reader = board, board
	return e
}

// As returns a client of the in-memory board (of [New]) posting as
// address.
func (e *Election) As(address string) *memboard.Client {
	e.T.Helper()
	return as(e.T, e.Board, address)
}

func as(t testing.TB, board *memboard.Board, address string) *memboard.Client {
	t.Helper()
	a, err := voting.ParseAddress(address)
	if err != nil {
		t.Fatal(err)
	}
	return board.As(a)
}

// Setup publishes m through p.Commission, posts opts.Voters credentials
// through p.Authority and, unless opts.Stage is [Published], runs the key
// ceremony: every trustee (p.Trustees holds one board for each) joins,
// then in turns each runs its part of the ceremony without waiting, until
// the commission can close it. Opened elections are opened last. Only
// opts.Seed, opts.Voters and opts.Stage are read.
func Setup(t testing.TB, m *voting.Manifest, p Parties, opts Options) *Election {
	t.Helper()
	ctx := context.Background()
	e := &Election{T: t, Seed: opts.Seed, Manifest: m, Reader: p.Commission, Commission: p.Commission, trustees: p.Trustees}
	if err := voting.Publish(ctx, p.Commission, m); err != nil {
		t.Fatal(err)
	}
	if opts.Voters > 0 {
		creds, list, err := voting.GenerateCredentials(seeded(e.Seed, " credentials"), m, map[string]int{m.BallotStyles[0].ID: opts.Voters})
		if err != nil {
			t.Fatal(err)
		}
		e.Credentials, e.List = creds, list
		if err := voting.PostCredentials(ctx, p.Authority, m, list); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Stage == Published {
		return e
	}
	e.RunCeremony()
	if opts.Stage == Opened {
		e.Phase(bulletin.PhaseOpen)
	}
	return e
}

// trusteeLabel is what the labels of trustee j's randomness end with:
// nothing for the first, " j+1" for the others.
func trusteeLabel(j int) string {
	if j == 0 {
		return ""
	}
	return fmt.Sprintf(" %d", j+1)
}

// RunCeremony runs the key ceremony of a published election (see [Setup])
// and sets Key; the election is left in phase key-ceremony.
func (e *Election) RunCeremony() {
	t := e.T
	t.Helper()
	ctx := context.Background()
	m := e.Manifest
	if len(e.trustees) != len(m.Trustees.Members) {
		t.Fatalf("electiontest: %d trustee boards for %d trustees", len(e.trustees), len(m.Trustees.Members))
	}
	keys := make([]*hybrid.PrivateKey, len(e.trustees))
	for j, tb := range e.trustees {
		key, err := hybrid.GenerateKey(seeded(e.Seed, " trustee"+trusteeLabel(j)))
		if err != nil {
			t.Fatal(err)
		}
		keys[j] = key
		if _, err := voting.Join(ctx, tb, m, key, seeded(e.Seed, " join"+trusteeLabel(j))); err != nil {
			t.Fatal(err)
		}
	}
	e.Phase(bulletin.PhaseKeyCeremony)
	stores := make([]voting.MemoryStore, len(e.trustees))
	for i := 0; ; i++ {
		for j, tb := range e.trustees {
			opts := &voting.KeygenOptions{Rand: seeded(e.Seed, fmt.Sprintf(" keygen %d", i)+trusteeLabel(j)), NoWait: true}
			if _, err := voting.RunKeygen(ctx, tb, m, keys[j], &stores[j], opts); err != nil && !errors.Is(err, voting.ErrPending) {
				t.Fatal(err)
			}
		}
		res, err := voting.CloseCeremony(ctx, e.Commission, m, nil)
		if err == nil {
			if e.Key, err = elgamal.NewPublicKeyFromElement(res.JointKey); err != nil {
				t.Fatal(err)
			}
			return
		}
		if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatalf("closing the ceremony: %v", err)
		}
	}
}

// Phase moves the election to phase p.
func (e *Election) Phase(p bulletin.Phase) {
	e.T.Helper()
	if err := voting.SetPhase(context.Background(), e.Commission, e.Manifest.ID, p); err != nil {
		e.T.Fatal(err)
	}
}

// Ballot encrypts sel with credential i, its randomness from Seed and
// " ballot "+label.
func (e *Election) Ballot(i int, sel voting.Selections, label string) (*voting.Ballot, *voting.BallotSecrets) {
	e.T.Helper()
	return e.BallotWith(seeded(e.Seed, " ballot "+label), i, sel)
}

// BallotWith encrypts sel with credential i and randomness from rand
// (nil: crypto/rand).
func (e *Election) BallotWith(rand io.Reader, i int, sel voting.Selections) (*voting.Ballot, *voting.BallotSecrets) {
	e.T.Helper()
	c := e.Credentials[i]
	b, s, err := voting.EncryptBallot(rand, e.Manifest, e.Key, c.Style, c.Key, sel)
	if err != nil {
		e.T.Fatal(err)
	}
	return b, s
}

// Ballots encrypts n ballots of credential i with sel, ballot k as
// Ballot(i, sel, prefix+k), on every core, and returns their encodings.
func (e *Election) Ballots(i int, sel voting.Selections, prefix string, n int) [][]byte {
	e.T.Helper()
	out := make([][]byte, n)
	errs := make([]error, n)
	c := e.Credentials[i]
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				b, _, err := voting.EncryptBallot(seeded(e.Seed, " ballot "+prefix+fmt.Sprint(k)), e.Manifest, e.Key, c.Style, c.Key, sel)
				if err == nil {
					out[k] = b.Bytes()
				}
				errs[k] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// Entries returns every entry of the election's topic, in board order.
func (e *Election) Entries() []bulletin.Entry {
	e.T.Helper()
	ctx := context.Background()
	_, n, err := e.Reader.Head(ctx, e.Manifest.Topic())
	if err != nil {
		e.T.Fatal(err)
	}
	es, err := e.Reader.Entries(ctx, e.Manifest.Topic(), 0, n)
	if err != nil {
		e.T.Fatal(err)
	}
	return es
}

// BoardBallots returns the encodings of the ballots in the election's
// ballot-batch entries, in board order, and the number of those entries.
func (e *Election) BoardBallots() (ballots [][]byte, batches int) {
	e.T.Helper()
	for _, ent := range e.Entries() {
		if ent.Kind != bulletin.KindBallotBatch {
			continue
		}
		batches++
		b, err := voting.ParseBatch(ent.Payload)
		if err != nil {
			e.T.Fatal(err)
		}
		ballots = append(ballots, b.Ballots...)
	}
	return ballots, batches
}
