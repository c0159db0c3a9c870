package voting_test

import (
	"context"
	"errors"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/voting"
)

func addr(t *testing.T, s string) bulletin.Address {
	t.Helper()
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The commission publishes an election; every party can post exactly its
// kinds; anyone reads the manifest back; phases move forward one by one.
func TestPublishElection(t *testing.T) {
	ctx := context.Background()
	m := example(t)
	board := memboard.New()
	commission := board.As(addr(t, m.Commission.Address))

	// Only the commission's account may publish it.
	if err := voting.Publish(ctx, board.As(addr(t, m.Mixers[0].Address)), m); !errors.Is(err, voting.ErrNotCommission) {
		t.Fatalf("Publish as a mixer: %v", err)
	}
	if err := voting.Publish(ctx, commission, m); err != nil {
		t.Fatal(err)
	}
	// Publishing again (after a crash, say) completes nothing twice.
	if err := voting.Publish(ctx, commission, m); err != nil {
		t.Fatalf("Publish again: %v", err)
	}
	if _, n, _ := commission.Head(ctx, m.Topic()); n != 1 {
		t.Fatalf("the topic has %d entries after publishing twice, want 1", n)
	}
	// Another manifest under the same id is refused.
	other := example(t)
	other.Title = voting.Text{"en": "Another election"}
	if err := voting.Publish(ctx, commission, other); err == nil {
		t.Fatal("a second manifest for the same id was accepted")
	}

	got, err := voting.ReadManifest(ctx, board, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	fp1, _ := got.Fingerprint()
	fp2, _ := m.Fingerprint()
	if fp1 != fp2 {
		t.Fatal("the manifest read back has another fingerprint")
	}
	if _, err := voting.ReadManifest(ctx, board, "no-such-election"); !errors.Is(err, bulletin.ErrUnknownTopic) {
		t.Fatalf("ReadManifest of an unknown election: %v", err)
	}

	// Rights: a mixer may post a shuffle only in tallying; a trustee may
	// not post ballots; the ballot box may.
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		t.Fatal(err)
	}
	trustee := board.As(addr(t, m.Trustees.Members[0].Address))
	if _, err := trustee.Append(ctx, m.Topic(), bulletin.KindDKGCommitments, []byte("c")); err != nil {
		t.Fatalf("a trustee posting its commitments: %v", err)
	}
	if _, err := trustee.Append(ctx, m.Topic(), bulletin.KindBallotBatch, []byte("b")); !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("a trustee posting ballots: %v", err)
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseOpen); err != nil {
		t.Fatal(err)
	}
	box := board.As(addr(t, m.BallotBox.Address))
	if _, err := box.Append(ctx, m.Topic(), bulletin.KindBallotBatch, []byte("b")); err != nil {
		t.Fatalf("the ballot box posting ballots: %v", err)
	}
	if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseTallying); !errors.Is(err, bulletin.ErrWrongPhase) {
		t.Fatalf("skipping a phase: %v", err)
	}
	if err := voting.SetPhase(ctx, box, m.ID, bulletin.PhaseClosed); !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("the ballot box closing the election: %v", err)
	}
	if p, err := voting.Phase(ctx, board, m.ID); err != nil || p != bulletin.PhaseOpen {
		t.Fatalf("Phase = %v, %v; want open", p, err)
	}
	if r := m.RoleOf(addr(t, m.Trustees.Members[1].Address)); r != "trustee 2 (Trustee 2)" {
		t.Fatalf("RoleOf = %q", r)
	}
}

// A manifest entry posted by someone other than the commission it names is
// not the election's manifest.
func TestReadManifestChecksPoster(t *testing.T) {
	ctx := context.Background()
	m := example(t)
	board := memboard.New()
	impostor := board.As(addr(t, m.Trustees.Members[0].Address))
	if err := impostor.CreateTopic(ctx, m.Topic(), bulletin.PhaseSetup); err != nil {
		t.Fatal(err)
	}
	if err := impostor.SetPoster(ctx, m.Topic(), impostor.Address(), voting.CommissionKinds); err != nil {
		t.Fatal(err)
	}
	enc, _ := m.Bytes()
	if _, err := impostor.Append(ctx, m.Topic(), bulletin.KindManifest, enc); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.ReadManifest(ctx, board, m.ID); err == nil {
		t.Fatal("ReadManifest accepted a manifest posted by a trustee")
	}
}
