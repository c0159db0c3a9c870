package voting_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/voting"
)

// The voter audits a ballot instead of casting it: the record shows the
// selections and the randomness, anyone checks that the ballot encrypts
// exactly those selections, and the record reads back from its bytes.
func TestAuditRoundTrip(t *testing.T) {
	e := exampleElection(t, "audit")
	b, s := e.cast(0, exampleSelections(), "1")
	a, err := voting.AuditBallot(b, s)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := a.Bytes(e.m)
	if err != nil {
		t.Fatal(err)
	}
	// bike-lanes: 1 choice (1), no write-in; council: 2 choices (1, 3);
	// mayor: 3 choices (2, 4, 1) and the write-in.
	sel := []byte{1, 1, 0, 2, 1, 3, 0, 3, 2, 4, 1, 11}
	sel = append(sel, "Pat Example"...)
	if want := 1 + 4 + len(b.Bytes()) + 11*32 + len(sel); len(enc) != want || !strings.HasSuffix(string(enc), string(sel)) {
		t.Fatalf("the audit record is %d bytes, want %d ending in the selections", len(enc), want)
	}
	parsed, err := voting.ParseAudit(enc, e.m)
	if err != nil {
		t.Fatal(err)
	}
	again, err := parsed.Bytes(e.m)
	if err != nil || string(again) != string(enc) {
		t.Fatalf("the parsed record encodes differently: %v", err)
	}
	if err := voting.CheckAudit(e.m, e.pk, b, parsed); err != nil {
		t.Fatal(err)
	}
	want := exampleSelections()
	want["council"] = voting.Selection{Options: []string{"ivanova", "sidorova"}} // in the manifest's order
	for id, w := range want {
		got := parsed.Selections[id]
		if !slices.Equal(got.Options, w.Options) || got.WriteIn != w.WriteIn {
			t.Errorf("contest %s: the audit shows %+v, want %+v", id, got, w)
		}
	}
	// After casting, the device erases the secrets: no audit then.
	s.Erase()
	if _, err := voting.AuditBallot(b, s); err == nil {
		t.Fatal("audited with erased secrets")
	}
}

// An audit that does not show what the ballot encrypts is caught: other
// selections, other randomness, another ballot's record, a ballot that
// does not verify.
func TestCheckAuditRejects(t *testing.T) {
	e := exampleElection(t, "audit rejects")
	b, s := e.cast(0, exampleSelections(), "1")
	other, otherSecrets := e.cast(1, exampleSelections(), "2")
	fresh := func() *voting.Audit {
		a, err := voting.AuditBallot(b, s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if _, err := voting.AuditBallot(b, otherSecrets); err == nil {
		t.Fatal("audited a ballot with another ballot's secrets")
	}

	t.Run("other selections shown", func(t *testing.T) {
		// The device encrypted sidorova and ivanova but shows petrov and smirnova.
		a := fresh()
		a.Selections["council"] = voting.Selection{Options: []string{"petrov", "smirnova"}}
		err := voting.CheckAudit(e.m, e.pk, b, a)
		if !errors.Is(err, voting.ErrInvalidAudit) || !strings.Contains(err.Error(), "contest council") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("another write-in shown", func(t *testing.T) {
		a := fresh()
		a.Selections["mayor"] = voting.Selection{Options: []string{"volkova", voting.WriteInChoice, "orlov"}, WriteIn: "Pat Exampel"}
		if err := voting.CheckAudit(e.m, e.pk, b, a); !errors.Is(err, voting.ErrInvalidAudit) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("other randomness", func(t *testing.T) {
		a := fresh()
		a.Randomness[5] = new(group.Scalar).Add(a.Randomness[5], new(group.Scalar).SetUint64(1))
		if err := voting.CheckAudit(e.m, e.pk, b, a); !errors.Is(err, voting.ErrInvalidAudit) {
			t.Fatalf("got %v", err)
		}
		a.Randomness = a.Randomness[:10]
		if err := voting.CheckAudit(e.m, e.pk, b, a); !errors.Is(err, voting.ErrInvalidAudit) {
			t.Fatalf("short randomness: %v", err)
		}
	})
	t.Run("another ballot", func(t *testing.T) {
		if err := voting.CheckAudit(e.m, e.pk, other, fresh()); !errors.Is(err, voting.ErrInvalidAudit) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("invalid selections shown", func(t *testing.T) {
		a := fresh()
		a.Selections["bike-lanes"] = voting.Selection{Options: []string{"yes", "no"}}
		if err := voting.CheckAudit(e.m, e.pk, b, a); !errors.Is(err, voting.ErrInvalidSelection) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a ballot that does not verify", func(t *testing.T) {
		c := slices.Clone(b.Bytes())
		c[len(c)-32] ^= 1 // the signature
		bad, err := voting.ParseBallot(c, e.m)
		if err != nil {
			t.Fatal(err)
		}
		a := fresh()
		a.Ballot = bad
		if err := voting.CheckAudit(e.m, e.pk, bad, a); !errors.Is(err, voting.ErrInvalidBallot) {
			t.Fatalf("got %v", err)
		}
	})
}

// The audit record decodes strictly.
func TestParseAuditRejects(t *testing.T) {
	e := exampleElection(t, "parse audit")
	b, s := e.cast(0, exampleSelections(), "1")
	a, err := voting.AuditBallot(b, s)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := a.Bytes(e.m)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(enc); n += 1 + n/16 {
		if _, err := voting.ParseAudit(enc[:n], e.m); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
	sel := 1 + 4 + len(b.Bytes()) + 11*32 // where the selections start
	mutate := func(off int, val ...byte) []byte {
		c := slices.Clone(enc)
		copy(c[off:], val)
		return c
	}
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"trailing byte", append(slices.Clone(enc), 0), voting.ErrMalformedBallot},
		{"version 2", mutate(0, 2), voting.ErrMalformedBallot},
		{"ballot length", mutate(1, 0, 0, 0x0c, 0x47), voting.ErrMalformedBallot},
		{"unreduced randomness", mutate(sel-32, ell...), voting.ErrMalformedBallot},
		{"choice value 0", mutate(sel+1, 0), voting.ErrMalformedBallot},
		{"choice value 4 of 2 options", mutate(sel+1, 4), voting.ErrMalformedBallot},
		{"a write-in (3 of 2 options) where none is allowed", mutate(sel+1, 3), voting.ErrInvalidSelection},
		{"choices out of order", mutate(sel+4, 3, 1), voting.ErrMalformedBallot},
		{"a write-in name where none is allowed", mutate(sel+6, 1), voting.ErrInvalidSelection},
		{"two answers to a referendum", mutate(sel, 2, 1, 2), voting.ErrInvalidSelection},
		{"a ranked repeat", mutate(sel+8, 2, 2), voting.ErrInvalidSelection},
	}
	for _, tc := range cases {
		if _, err := voting.ParseAudit(tc.b, e.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}
