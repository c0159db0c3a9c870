package bulletin_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/veche/veche/bulletin"
)

func errorIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}

func TestPhaseNumbersArePinned(t *testing.T) {
	for _, p := range []struct {
		phase bulletin.Phase
		num   uint8
		name  string
	}{
		{bulletin.PhaseSetup, 1, "setup"},
		{bulletin.PhaseKeyCeremony, 2, "key-ceremony"},
		{bulletin.PhaseOpen, 3, "open"},
		{bulletin.PhaseClosed, 4, "closed"},
		{bulletin.PhaseTallying, 5, "tallying"},
		{bulletin.PhasePublished, 6, "published"},
		{bulletin.PhaseService, 7, "service"},
	} {
		if uint8(p.phase) != p.num || p.phase.String() != p.name || !p.phase.Valid() {
			t.Errorf("%s: number %d, name %q", p.name, uint8(p.phase), p.phase.String())
		}
		if got, err := bulletin.ParsePhase(p.name); err != nil || got != p.phase {
			t.Errorf("ParsePhase(%q) = %v, %v", p.name, got, err)
		}
	}
	if bulletin.PhaseInvalid.Valid() || bulletin.Phase(8).Valid() || bulletin.Phase(8).String() != "phase(8)" {
		t.Error("phases 0 and 8 must be invalid")
	}
	if _, err := bulletin.ParsePhase("invalid"); err == nil {
		t.Error(`ParsePhase("invalid") succeeded`)
	}
}

// The phase table as docs/spec/bulletin.md writes it. Changing it is a
// protocol change: change the spec, the contract and this test together.
func TestPhaseTable(t *testing.T) {
	k := func(ks ...bulletin.Kind) []bulletin.Kind { return ks }
	want := map[bulletin.Phase][]bulletin.Kind{
		bulletin.PhaseSetup: k(bulletin.KindManifest, bulletin.KindTrusteeJoined, bulletin.KindCredentials, bulletin.KindPhase),
		bulletin.PhaseKeyCeremony: k(bulletin.KindTrusteeJoined, bulletin.KindDKGCommitments, bulletin.KindDKGShares,
			bulletin.KindDKGComplaint, bulletin.KindDKGResult, bulletin.KindCredentials, bulletin.KindPhase),
		bulletin.PhaseOpen:      k(bulletin.KindPhase, bulletin.KindBallotBatch, bulletin.KindAuditedBallot, bulletin.KindAggregate),
		bulletin.PhaseClosed:    k(bulletin.KindPhase, bulletin.KindTallyInput),
		bulletin.PhaseTallying:  k(bulletin.KindPhase, bulletin.KindShuffle, bulletin.KindDecryptionShare, bulletin.KindResult),
		bulletin.PhasePublished: nil,
		bulletin.PhaseService: k(bulletin.KindDocAnchor, bulletin.KindDocRevoke, bulletin.KindDocDistribution,
			bulletin.KindMarket, bulletin.KindSealedBid, bulletin.KindBidDecryption, bulletin.KindAllocation, bulletin.KindAggregate),
		bulletin.PhaseInvalid: nil,
		8:                     nil,
	}
	for p, kinds := range want {
		slices.Sort(kinds)
		if got := bulletin.AllowedKinds(p).Kinds(); !slices.Equal(got, kinds) {
			t.Errorf("phase %v allows %v, want %v", p, got, kinds)
		}
	}
	// Every non-chunk kind is posted in some phase; chunk kinds in none.
	for _, kind := range bulletin.Kinds() {
		in := false
		for p := range bulletin.Phase(8) {
			in = in || bulletin.Allowed(p, kind)
		}
		if in == kind.IsChunk() {
			t.Errorf("%v: allowed in some phase = %v", kind, in)
		}
	}
}

func TestPhaseNext(t *testing.T) {
	order := []bulletin.Phase{bulletin.PhaseSetup, bulletin.PhaseKeyCeremony, bulletin.PhaseOpen,
		bulletin.PhaseClosed, bulletin.PhaseTallying, bulletin.PhasePublished}
	for i, p := range order[:len(order)-1] {
		if n, ok := p.Next(); !ok || n != order[i+1] {
			t.Errorf("%v.Next() = %v, %v", p, n, ok)
		}
	}
	for _, p := range []bulletin.Phase{bulletin.PhasePublished, bulletin.PhaseService, bulletin.PhaseInvalid, 9} {
		if _, ok := p.Next(); ok {
			t.Errorf("%v has a next phase", p)
		}
	}
	for p := range bulletin.Phase(10) {
		if p.Initial() != (p == bulletin.PhaseSetup || p == bulletin.PhaseService) {
			t.Errorf("%v.Initial() = %v", p, p.Initial())
		}
	}
}

func TestAdmit(t *testing.T) {
	all := bulletin.NewKindSet(bulletin.Kinds()...)
	chunkOf := func(k bulletin.Kind) []byte { return []byte{0, byte(k), 1, 2, 3} }
	for _, tc := range []struct {
		name    string
		phase   bulletin.Phase
		may     bulletin.KindSet
		kind    bulletin.Kind
		payload []byte
		next    bulletin.Phase
		err     error
	}{
		{"manifest in setup", bulletin.PhaseSetup, all, bulletin.KindManifest, nil, bulletin.PhaseSetup, nil},
		{"ballots while open", bulletin.PhaseOpen, all, bulletin.KindBallotBatch, []byte("b"), bulletin.PhaseOpen, nil},
		{"ballots after closing", bulletin.PhaseClosed, all, bulletin.KindBallotBatch, []byte("b"), bulletin.PhaseClosed, bulletin.ErrWrongPhase},
		{"open -> closed", bulletin.PhaseOpen, all, bulletin.KindPhase, []byte{4}, bulletin.PhaseClosed, nil},
		{"open -> closed with annotation", bulletin.PhaseOpen, all, bulletin.KindPhase, []byte{4, 'x'}, bulletin.PhaseClosed, nil},
		{"open -> tallying", bulletin.PhaseOpen, all, bulletin.KindPhase, []byte{5}, bulletin.PhaseOpen, bulletin.ErrWrongPhase},
		{"empty phase entry", bulletin.PhaseOpen, all, bulletin.KindPhase, nil, bulletin.PhaseOpen, bulletin.ErrMalformed},
		{"phase entry on a service topic", bulletin.PhaseService, all, bulletin.KindPhase, []byte{1}, bulletin.PhaseService, bulletin.ErrWrongPhase},
		{"unauthorised", bulletin.PhaseOpen, bulletin.NewKindSet(bulletin.KindPhase), bulletin.KindBallotBatch, nil, bulletin.PhaseOpen, bulletin.ErrUnauthorized},
		{"authorised for the chunk kind only", bulletin.PhaseTallying, bulletin.NewKindSet(bulletin.KindChunk), bulletin.KindChunk, chunkOf(bulletin.KindShuffle), bulletin.PhaseTallying, bulletin.ErrUnauthorized},
		{"chunk of a shuffle", bulletin.PhaseTallying, bulletin.NewKindSet(bulletin.KindShuffle), bulletin.KindChunk, chunkOf(bulletin.KindShuffle), bulletin.PhaseTallying, nil},
		{"chunk of a shuffle while open", bulletin.PhaseOpen, all, bulletin.KindChunkHeader, chunkOf(bulletin.KindShuffle), bulletin.PhaseOpen, bulletin.ErrWrongPhase},
		{"too large beats everything", bulletin.PhaseInvalid, bulletin.KindSet{}, 0, make([]byte, bulletin.MaxPayload+1), bulletin.PhaseInvalid, bulletin.ErrTooLarge},
		{"largest payload", bulletin.PhaseSetup, all, bulletin.KindCredentials, make([]byte, bulletin.MaxPayload), bulletin.PhaseSetup, nil},
		{"unknown kind before authorisation", bulletin.PhaseSetup, bulletin.KindSet{}, 42, nil, bulletin.PhaseSetup, bulletin.ErrUnknownKind},
		{"authorisation before phase", bulletin.PhaseSetup, bulletin.KindSet{}, bulletin.KindShuffle, nil, bulletin.PhaseSetup, bulletin.ErrUnauthorized},
		{"published is final", bulletin.PhasePublished, all, bulletin.KindResult, nil, bulletin.PhasePublished, bulletin.ErrWrongPhase},
	} {
		next, err := bulletin.Admit(tc.phase, tc.may, tc.kind, tc.payload)
		if next != tc.next || !errorIs(err, tc.err) {
			t.Errorf("%s: Admit = %v, %v; want %v, %v", tc.name, next, err, tc.next, tc.err)
		}
	}
}
