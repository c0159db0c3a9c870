package electiontest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

var yes = voting.Selections{"bike-lanes": {Options: []string{"yes"}}}

// The manifest options cut the example down: the id from the seed, one
// trustee (1 of 1) by default, the referendum only, the revote policy, an
// edit; five trustees keep the example's 3 of 5.
func TestManifestOptions(t *testing.T) {
	m := electiontest.Manifest(t, electiontest.Options{Seed: "Some Test/sub_test", Referendum: true, Revote: voting.RevoteDenied,
		Edit: func(m *voting.Manifest) { m.Title["en"] = "Edited" }})
	if m.ID != "some-test-sub-test" || len(m.Contests) != 1 || m.Contests[0].ID != "bike-lanes" || m.Revote != voting.RevoteDenied ||
		len(m.Trustees.Members) != 1 || m.Trustees.Threshold != 1 || m.Title["en"] != "Edited" {
		t.Fatalf("manifest %+v", m)
	}
	full := electiontest.Manifest(t, electiontest.Options{Trustees: 5})
	if full.ID != "city-2026" || len(full.Contests) != 3 || len(full.Trustees.Members) != 5 || full.Trustees.Threshold != 3 {
		t.Fatalf("the example with five trustees: %+v", full)
	}
	if two := electiontest.Manifest(t, electiontest.Options{Trustees: 2}); two.Trustees.Threshold != 2 {
		t.Fatalf("two trustees, threshold %d", two.Trustees.Threshold)
	}
}

// The same seed gives the same credentials, joint key and ballots; another
// seed others; without a seed two elections differ.
func TestSeededElectionsRepeat(t *testing.T) {
	opts := electiontest.Options{Seed: "repeat", Referendum: true, Voters: 2}
	a, b := electiontest.New(t, opts), electiontest.New(t, opts)
	opts.Seed = "another"
	c := electiontest.New(t, opts)
	if !a.Credentials[1].Key.Equal(b.Credentials[1].Key) || !bytes.Equal(a.Key.Bytes(), b.Key.Bytes()) {
		t.Fatal("the same seed gave other credentials or another joint key")
	}
	if a.Credentials[1].Key.Equal(c.Credentials[1].Key) || bytes.Equal(a.Key.Bytes(), c.Key.Bytes()) {
		t.Fatal("another seed gave the same credentials or joint key")
	}
	ba, _ := a.Ballot(1, yes, "x")
	bb, _ := b.Ballot(1, yes, "x")
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
		t.Fatal("the same ballot label gave other ballots")
	}
	x1, _ := a.Ballot(1, yes, "x1")
	if many := a.Ballots(1, yes, "x", 2); !bytes.Equal(many[1], x1.Bytes()) || bytes.Equal(many[0], many[1]) {
		t.Fatal(`Ballots(prefix "x") is not Ballot("x0"), Ballot("x1")`)
	}
	unseeded := electiontest.Options{Referendum: true, Voters: 1}
	if electiontest.New(t, unseeded).Credentials[0].Key.Equal(electiontest.New(t, unseeded).Credentials[0].Key) {
		t.Fatal("two unseeded elections share a credential")
	}
}

// Five trustees, in turns, close a 3-of-5 ceremony whose key is the one
// on the board; the election is open, its credentials on the board.
func TestFiveTrusteesCloseTheCeremony(t *testing.T) {
	ctx := context.Background()
	e := electiontest.New(t, electiontest.Options{Seed: "five", Trustees: 5, Voters: 3, Stage: electiontest.Opened})
	res, err := voting.JointKey(ctx, e.Board, e.Manifest)
	if err != nil || !bytes.Equal(res.JointKey.Bytes(), e.Key.Bytes()) || res.Threshold != 3 || res.N != 5 {
		t.Fatalf("the board's joint key: %v", err)
	}
	if p, err := e.Board.Phase(ctx, e.Manifest.Topic()); err != nil || p != bulletin.PhaseOpen {
		t.Fatalf("phase %v, %v", p, err)
	}
	list, err := voting.ReadCredentials(ctx, e.Board, e.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range e.Credentials {
		if style, ok := list.StyleOf(c.Key.Public().Bytes()); !ok || style != "city" {
			t.Fatalf("credential %d is not on the board's list", i)
		}
	}
}

// A published election has no key and stays in phase setup until
// RunCeremony.
func TestPublishedElectionsWaitForTheirCeremony(t *testing.T) {
	ctx := context.Background()
	e := electiontest.New(t, electiontest.Options{Stage: electiontest.Published})
	if p, _ := e.Board.Phase(ctx, e.Manifest.Topic()); e.Key != nil || p != bulletin.PhaseSetup {
		t.Fatalf("published: key %v, phase %v", e.Key, p)
	}
	if _, err := voting.JointKey(ctx, e.Board, e.Manifest); err == nil {
		t.Fatal("a joint key before the ceremony")
	}
	e.RunCeremony()
	if p, _ := e.Board.Phase(ctx, e.Manifest.Topic()); e.Key == nil || p != bulletin.PhaseKeyCeremony {
		t.Fatalf("after the ceremony: key %v, phase %v", e.Key, p)
	}
}

// A box takes ballots and posts them; BoardBallots and Entries read them
// back in board order; the box signs with BoxKey, made from the seed.
func TestBoxPostsWhatItTakes(t *testing.T) {
	ctx := context.Background()
	e := electiontest.New(t, electiontest.Options{Seed: "box", Referendum: true, Voters: 2})
	box := e.Box(storetest.Open(t, storetest.SQLiteURL(t)), nil)
	e.Phase(bulletin.PhaseOpen)
	want := e.Ballots(0, yes, "b", 3)
	for _, b := range want {
		if _, err := box.Cast(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := box.Post(ctx); err != nil {
		t.Fatal(err)
	}
	got, batches := e.BoardBallots()
	if batches != 1 || len(got) != 3 {
		t.Fatalf("%d batches of %d ballots", batches, len(got))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("ballot %d is not the one cast", i)
		}
	}
	if !box.PublicKey().Equal(e.BoxKey.Public()) {
		t.Fatal("the box does not sign with BoxKey")
	}
	again := electiontest.New(t, electiontest.Options{Seed: "box", Referendum: true, Voters: 1})
	again.Box(storetest.Open(t, storetest.SQLiteURL(t)), nil)
	if !again.BoxKey.Equal(e.BoxKey) {
		t.Fatal("the same seed gave another box key")
	}
	if n := len(e.Entries()); n < 2 || e.Entries()[n-1].Kind != bulletin.KindBallotBatch {
		t.Fatalf("%d entries, the last not the batch", n)
	}
}

// The wait helpers poll until the answer is the one wanted.
func TestWaitHelpers(t *testing.T) {
	var n atomic.Int64
	srv := electiontest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		if r.Method == http.MethodGet && k < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"request":%d,"method":%q,"x":%q}`, k, r.Method, r.Header.Get("X"))
	}))
	var v struct {
		Request int    `json:"request"`
		Method  string `json:"method"`
	}
	electiontest.WaitJSON(t, srv.Client(), srv.URL, "request 4", &v, func() bool { return v.Request >= 4 })
	if v.Request != 4 {
		t.Fatalf("WaitJSON stopped at %+v", v)
	}
	if r := electiontest.WaitForBody(t, nil, srv.URL, `"request":6`); r.Status != http.StatusOK {
		t.Fatalf("WaitForBody: %+v", r)
	}
	if r := electiontest.Do(t, nil, http.MethodHead, srv.URL); r.Status != http.StatusOK || r.Body != "" {
		t.Fatalf("HEAD: %+v", r)
	}
	if r := electiontest.Get(t, nil, srv.URL, "X", "y"); r.Body != `{"request":8,"method":"GET","x":"y"}` {
		t.Fatalf("GET with a header: %s", r.Body)
	}
}
