package client_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

var full = voting.Selections{
	"bike-lanes": {Options: []string{"yes"}},
	"council":    {Options: []string{"petrov", "ivanova"}},
	"mayor":      {Options: []string{"volkova", voting.WriteInChoice, "orlov"}, WriteIn: "Ada Lovelace"},
}

// A voter holding a credential encrypts on the device, casts, sees the
// ballot "not on the board yet", then, once the box has posted, checks it
// on the board with the inclusion proof; revotes, and the new ballot is
// on the board too; audits a third ballot, whose record the board holds
// and which opens to the selections shown.
func TestVoterCastsRevotesAuditsAndChecksTheBoard(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk cast", manifest(t, "sdk-cast", nil), 3)
	s := e.serve(nil)
	c := s.client(t, e, e.board)
	cred := e.creds[1]

	b, err := c.Encrypt(ctx, e.m.ID, cred, full)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Cast(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if !rc.Verified || rc.TrackingCode != b.TrackingCode() || rc.Kind != voting.ReceiptCast || rc.Election != e.m.ID {
		t.Fatalf("receipt %+v for ballot %v", rc.Receipt, b.TrackingCode())
	}
	// Casting the same ballot again (a retry) gives the same receipt.
	again, err := c.Cast(ctx, b)
	if err != nil || again.Seq != rc.Seq || !again.Received.Equal(rc.Received) {
		t.Fatalf("the same ballot again: %v, seq %d (first %d)", err, again.Seq, rc.Seq)
	}
	if _, err := c.Audit(ctx, b); err == nil {
		t.Fatal("a cast ballot was audited")
	}
	if _, err := c.CheckInclusion(ctx, e.m.ID, rc.TrackingCode); !errors.Is(err, client.ErrNotPosted) {
		t.Fatalf("before posting: %v, want ErrNotPosted", err)
	}
	s.post(t)
	inc, err := c.CheckInclusion(ctx, e.m.ID, rc.TrackingCode)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Kind != voting.ReceiptCast || inc.Size != 1 || inc.Index != 0 {
		t.Fatalf("inclusion %+v", inc)
	}

	// Revote: a new ballot with the same credential; then another voter's
	// ballot in the same batch.
	rc2, err := c.Revote(ctx, e.m.ID, cred, voting.Selections{"bike-lanes": {Options: []string{"no"}}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Encrypt(ctx, e.m.ID, e.creds[0], voting.Selections{"bike-lanes": {Options: []string{"yes"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cast(ctx, other); err != nil {
		t.Fatal(err)
	}
	s.post(t)
	inc2, err := c.CheckInclusion(ctx, e.m.ID, rc2.TrackingCode)
	if err != nil {
		t.Fatal(err)
	}
	if inc2.Seq <= inc.Seq || inc2.Size != 2 || inc2.Index != 0 {
		t.Fatalf("revote's inclusion %+v after %+v", inc2, inc)
	}
	if _, err := c.CheckInclusion(ctx, e.m.ID, other.TrackingCode()); err != nil {
		t.Fatal(err)
	}

	// Audit: the device reveals the ballot; the box posts the record; the
	// record on the board opens the ballot to the same selections.
	sel := voting.Selections{"bike-lanes": {Options: []string{"no"}}, "council": {Options: []string{"smirnova"}}}
	ab, err := c.Encrypt(ctx, e.m.ID, cred, sel)
	if err != nil {
		t.Fatal(err)
	}
	ar, err := c.Audit(ctx, ab)
	if err != nil {
		t.Fatal(err)
	}
	if !ar.Checked || ar.Receipt.Kind != voting.ReceiptAudited || ar.Receipt.TrackingCode != ab.TrackingCode() {
		t.Fatalf("audit %+v", ar.Receipt)
	}
	if got := ar.Selections["council"].Options; !slices.Equal(got, []string{"smirnova"}) {
		t.Fatalf("revealed council choice %q", got)
	}
	if _, err := c.Cast(ctx, ab); err == nil {
		t.Fatal("an audited ballot was cast")
	}
	s.post(t)
	ainc, err := c.CheckInclusion(ctx, e.m.ID, ab.TrackingCode())
	if err != nil {
		t.Fatal(err)
	}
	if ainc.Audit == nil || ainc.Kind != voting.ReceiptAudited || !slices.Equal(ainc.Audit.Selections["bike-lanes"].Options, []string{"no"}) {
		t.Fatalf("audited inclusion %+v", ainc)
	}
	if a, err := c.CheckAuditRecord(ctx, e.m.ID, ar.Record); err != nil || a.Ballot.TrackingCode() != ab.TrackingCode() {
		t.Fatalf("a second device checking the record: %v", err)
	}
}
