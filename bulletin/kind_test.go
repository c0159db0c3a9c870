package bulletin_test

import (
	"testing"

	"github.com/veche/veche/bulletin"
)

// The kind numbers are on the chain and in BulletinBoard.sol: they never
// change. A failure here means a kind was renumbered, which breaks every
// board already written.
func TestKindNumbersArePinned(t *testing.T) {
	pinned := []struct {
		kind bulletin.Kind
		num  uint16
		name string
	}{
		{bulletin.KindInvalid, 0, "kind(0)"},
		{bulletin.KindManifest, 1, "manifest"},
		{bulletin.KindTrusteeJoined, 2, "trustee-joined"},
		{bulletin.KindDKGCommitments, 3, "dkg-commitments"},
		{bulletin.KindDKGShares, 4, "dkg-shares"},
		{bulletin.KindDKGComplaint, 5, "dkg-complaint"},
		{bulletin.KindDKGResult, 6, "dkg-result"},
		{bulletin.KindCredentials, 7, "credentials"},
		{bulletin.KindPhase, 8, "phase"},
		{bulletin.KindBallotBatch, 9, "ballot-batch"},
		{bulletin.KindAuditedBallot, 10, "audited-ballot"},
		{bulletin.KindTallyInput, 11, "tally-input"},
		{bulletin.KindShuffle, 12, "shuffle"},
		{bulletin.KindDecryptionShare, 13, "decryption-share"},
		{bulletin.KindResult, 14, "result"},
		{bulletin.KindDocAnchor, 64, "doc-anchor"},
		{bulletin.KindDocRevoke, 65, "doc-revoke"},
		{bulletin.KindDocDistribution, 66, "doc-distribution"},
		{bulletin.KindMarket, 67, "market"},
		{bulletin.KindSealedBid, 68, "sealed-bid"},
		{bulletin.KindBidDecryption, 69, "bid-decryption"},
		{bulletin.KindAllocation, 70, "allocation"},
		{bulletin.KindAggregate, 71, "aggregate"},
		{bulletin.KindChunkHeader, 128, "chunk-header"},
		{bulletin.KindChunk, 129, "chunk"},
	}
	for _, p := range pinned {
		if uint16(p.kind) != p.num {
			t.Errorf("%s is %d, pinned at %d", p.name, uint16(p.kind), p.num)
		}
		if p.kind.String() != p.name {
			t.Errorf("Kind(%d).String() = %q, want %q", p.num, p.kind.String(), p.name)
		}
		if p.kind == bulletin.KindInvalid {
			if p.kind.Valid() {
				t.Error("KindInvalid is valid")
			}
			continue
		}
		if got, err := bulletin.ParseKind(p.name); err != nil || got != p.kind {
			t.Errorf("ParseKind(%q) = %v, %v", p.name, got, err)
		}
	}
	if got, want := len(bulletin.Kinds()), len(pinned)-1; got != want {
		t.Errorf("Kinds() has %d kinds, %d are pinned here: pin the new kind", got, want)
	}
	for _, k := range bulletin.Kinds() {
		if k >= 256 {
			t.Errorf("%v = %d: kinds must stay below 256 to fit the contract's masks", k, uint16(k))
		}
	}
	if bulletin.Kind(300).String() != "kind(300)" || bulletin.Kind(300).Valid() {
		t.Error("an undefined kind must print as kind(N) and be invalid")
	}
	if _, err := bulletin.ParseKind("ballot"); err == nil {
		t.Error(`ParseKind("ballot") succeeded`)
	}
}

func TestEffectiveKind(t *testing.T) {
	for _, tc := range []struct {
		kind    bulletin.Kind
		payload []byte
		want    bulletin.Kind
		err     error
	}{
		{bulletin.KindShuffle, nil, bulletin.KindShuffle, nil},
		{bulletin.KindChunk, []byte{0, 12, 0xff}, bulletin.KindShuffle, nil},
		{bulletin.KindChunkHeader, []byte{0, 64}, bulletin.KindDocAnchor, nil},
		{bulletin.KindInvalid, nil, 0, bulletin.ErrUnknownKind},
		{99, nil, 0, bulletin.ErrUnknownKind},
		{bulletin.KindChunk, []byte{0}, 0, bulletin.ErrMalformed},
		{bulletin.KindChunk, []byte{0, 0}, 0, bulletin.ErrMalformed},
		{bulletin.KindChunk, []byte{0, 128}, 0, bulletin.ErrMalformed},
		{bulletin.KindChunkHeader, []byte{0, 8, 3}, 0, bulletin.ErrMalformed}, // a phase change is never chunked
		{bulletin.KindChunk, []byte{1, 12}, 0, bulletin.ErrMalformed},         // 268 is not a kind
	} {
		got, err := bulletin.EffectiveKind(tc.kind, tc.payload)
		if got != tc.want || !errorIs(err, tc.err) {
			t.Errorf("EffectiveKind(%v, %x) = %v, %v; want %v, %v", tc.kind, tc.payload, got, err, tc.want, tc.err)
		}
	}
}

func TestKindSet(t *testing.T) {
	s := bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindAggregate, bulletin.KindChunk, 255, 256)
	for k, want := range map[bulletin.Kind]bool{1: true, 71: true, 129: true, 255: true, 256: false, 0: false, 2: false} {
		if s.Has(k) != want {
			t.Errorf("Has(%d) = %v", k, !want)
		}
	}
	b := s.Bytes()
	// Bit k of a big-endian uint256: kind 1 is bit 1 of the last byte, 255
	// the top bit of the first.
	if b[31] != 0x02 || b[0] != 0x80 || b[31-71/8] != 1<<(71%8) || b[31-129/8] != 1<<(129%8) {
		t.Errorf("Bytes() = %x", b)
	}
	if bulletin.KindSetFromBytes(b) != s {
		t.Error("KindSetFromBytes(Bytes()) differs")
	}
	if got := s.String(); got != "{manifest aggregate chunk kind(255)}" {
		t.Errorf("String() = %q", got)
	}
}
