package bulletin

import (
	"fmt"
	"strconv"
)

// A Phase is the state of a topic that decides which kinds may be posted to
// it. An election topic starts in [PhaseSetup] and moves forward one phase
// at a time, by [KindPhase] entries, to [PhasePublished]:
//
//	setup -> key-ceremony -> open -> closed -> tallying -> published
//
// A service topic (a document registry, a stall market) is created in
// [PhaseService] and stays there. The zero value, [PhaseInvalid], is never a
// topic's phase.
type Phase uint8

// Phases. Do NOT reorder or renumber: the numbers are on the chain and in
// BulletinBoard.sol.
const (
	PhaseInvalid     Phase = 0
	PhaseSetup       Phase = 1 // manifest, trustees joining, credentials
	PhaseKeyCeremony Phase = 2 // distributed key generation
	PhaseOpen        Phase = 3 // voting: ballots are accepted
	PhaseClosed      Phase = 4 // ballots are no longer accepted; the tally input is fixed
	PhaseTallying    Phase = 5 // shuffles, decryption shares, the result
	PhasePublished   Phase = 6 // final: nothing more can be posted
	PhaseService     Phase = 7 // the only phase of a service topic
)

var phaseNames = [...]string{
	PhaseInvalid:     "invalid",
	PhaseSetup:       "setup",
	PhaseKeyCeremony: "key-ceremony",
	PhaseOpen:        "open",
	PhaseClosed:      "closed",
	PhaseTallying:    "tallying",
	PhasePublished:   "published",
	PhaseService:     "service",
}

// String returns the phase's name ("key-ceremony"), or "phase(N)".
func (p Phase) String() string {
	if p != PhaseInvalid && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "phase(" + strconv.Itoa(int(p)) + ")"
}

// ParsePhase returns the phase named s, as printed by [Phase.String].
func ParsePhase(s string) (Phase, error) {
	for p, name := range phaseNames {
		if p != 0 && name == s {
			return Phase(p), nil
		}
	}
	return PhaseInvalid, fmt.Errorf("bulletin: unknown phase name %q", s)
}

// Valid reports whether p is a defined phase other than PhaseInvalid.
func (p Phase) Valid() bool { return p > PhaseInvalid && p <= PhaseService }

// Initial reports whether a topic may be created in phase p: [PhaseSetup]
// for an election topic, [PhaseService] for a service topic.
func (p Phase) Initial() bool { return p == PhaseSetup || p == PhaseService }

// Next returns the phase that a [KindPhase] entry may move a topic in phase
// p to, and false if p has no successor (published, service, invalid).
func (p Phase) Next() (Phase, bool) {
	if p >= PhaseSetup && p < PhasePublished {
		return p + 1, true
	}
	return PhaseInvalid, false
}

// The phase table: which kinds may be posted in which phase. This is the
// one written table of docs/spec/bulletin.md ("Phase table");
// BulletinBoard.sol holds the same table as masks (allowedKinds), and a test
// in bulletin/eth/contract checks that the two agree. Chunk kinds do not
// appear: a chunk entry is admitted by the kind it carries.
var phaseTable = [...][]Kind{
	PhaseSetup: {KindManifest, KindTrusteeJoined, KindCredentials, KindPhase},
	PhaseKeyCeremony: {KindTrusteeJoined, KindDKGCommitments, KindDKGShares, KindDKGComplaint,
		KindDKGResult, KindCredentials, KindPhase},
	PhaseOpen:      {KindPhase, KindBallotBatch, KindAuditedBallot, KindAggregate},
	PhaseClosed:    {KindPhase, KindTallyInput},
	PhaseTallying:  {KindPhase, KindShuffle, KindDecryptionShare, KindResult},
	PhasePublished: {},
	PhaseService: {KindDocAnchor, KindDocRevoke, KindDocDistribution, KindMarket, KindSealedBid,
		KindBidDecryption, KindAllocation, KindAggregate},
}

var phaseMasks = func() (m [len(phaseTable)]KindSet) {
	for p, kinds := range phaseTable {
		m[p] = NewKindSet(kinds...)
	}
	return m
}()

// AllowedKinds returns the set of kinds that may be posted in phase p (the
// empty set for an undefined phase).
func AllowedKinds(p Phase) KindSet {
	if int(p) < len(phaseMasks) {
		return phaseMasks[p]
	}
	return KindSet{}
}

// Allowed reports whether an entry whose effective kind ([EffectiveKind])
// is k may be posted to a topic in phase p.
func Allowed(p Phase, k Kind) bool { return AllowedKinds(p).Has(k) }

// Admit applies the board's rules to one entry posted to a topic in phase
// p by a poster authorised for the kinds in may, and returns the topic's
// phase after the entry. The checks, in the order the contract makes them
// (docs/spec/bulletin.md, "Admission"):
//
//  1. the payload is at most [MaxPayload] bytes ([ErrTooLarge]);
//  2. the kind is defined and, for a chunk, carries a valid kind
//     ([EffectiveKind]; [ErrUnknownKind], [ErrMalformed]);
//  3. the effective kind is in may ([ErrUnauthorized]);
//  4. the phase table allows the effective kind in p ([ErrWrongPhase]);
//  5. a [KindPhase] entry's first byte names p.Next() ([ErrWrongPhase],
//     [ErrMalformed] for an empty payload).
//
// Whether the topic exists is the caller's check, made first.
func Admit(p Phase, may KindSet, kind Kind, payload []byte) (Phase, error) {
	if len(payload) > MaxPayload {
		return p, fmt.Errorf("%w: payload of %d bytes, the limit is %d", ErrTooLarge, len(payload), MaxPayload)
	}
	eff, err := EffectiveKind(kind, payload)
	if err != nil {
		return p, err
	}
	if !may.Has(eff) {
		return p, fmt.Errorf("%w: not a poster of %v", ErrUnauthorized, eff)
	}
	if !Allowed(p, eff) {
		return p, fmt.Errorf("%w: %v is not allowed in phase %v", ErrWrongPhase, eff, p)
	}
	if kind != KindPhase {
		return p, nil
	}
	if len(payload) == 0 {
		return p, fmt.Errorf("%w: empty phase entry", ErrMalformed)
	}
	to := Phase(payload[0])
	if next, ok := p.Next(); !ok || to != next {
		return p, fmt.Errorf("%w: cannot move from %v to %v", ErrWrongPhase, p, to)
	}
	return to, nil
}
