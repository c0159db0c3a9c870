package bulletin

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// A Kind says what an entry's payload is. It is a uint16 on the wire
// (docs/spec/bulletin.md, "Entry kinds"). The zero value, [KindInvalid], is
// never posted.
//
// Every number below 256 that a contract accepts is listed here; the
// contract keeps its permissions as 256-bit masks indexed by kind, so a
// kind number is always below 256.
type Kind uint16

// Entry kinds. Do NOT reorder or renumber: the numbers are on the chain and
// in BulletinBoard.sol. Add new kinds at the end of their range.
const (
	KindInvalid Kind = 0

	// Election kinds (1-63). An election topic follows the phase table
	// ([Allowed]).
	KindManifest        Kind = 1  // the commission's signed manifest
	KindTrusteeJoined   Kind = 2  // a trustee's public key and acceptance
	KindDKGCommitments  Kind = 3  // a trustee's key-generation commitments and proofs
	KindDKGShares       Kind = 4  // a trustee's shares, encrypted per recipient
	KindDKGComplaint    Kind = 5  // a complaint against a trustee's share
	KindDKGResult       Kind = 6  // joint key, verification keys, qualified set
	KindCredentials     Kind = 7  // the public credential list
	KindPhase           Kind = 8  // a phase change (payload: [PhaseChange])
	KindBallotBatch     Kind = 9  // cast ballots with a Merkle root
	KindAuditedBallot   Kind = 10 // a ballot spoiled for audit, with its randomness
	KindTallyInput      Kind = 11 // the weeded list of ballots to tally
	KindShuffle         Kind = 12 // one mixer's output and proof
	KindDecryptionShare Kind = 13 // a trustee's partial decryptions and proofs
	KindResult          Kind = 14 // the result, referring to its evidence

	// Service kinds (64-127).
	KindDocAnchor       Kind = 64 // a salted document commitment and its issuer's signature
	KindDocRevoke       Kind = 65 // revocation of an anchored document
	KindDocDistribution Kind = 66 // a recipient count and a commitment to the list
	KindMarket          Kind = 67 // a stall market: stalls, reserve prices, window
	KindSealedBid       Kind = 68 // a bid encrypted under the market trustees' key
	KindBidDecryption   Kind = 69 // decryption of the sealed bids
	KindAllocation      Kind = 70 // the stall allocation
	KindAggregate       Kind = 71 // an anchored batch of comments or ratings

	// Chunk kinds (128-135) carry an artefact of another kind that is too
	// large for one entry ([Chunk], [Reassemble]). Authorisation and the
	// phase table apply to the carried kind ([EffectiveKind]).
	KindChunkHeader Kind = 128 // announces a chunked artefact: [ChunkHeader]
	KindChunk       Kind = 129 // one piece of it: [ChunkData]
)

var kindNames = map[Kind]string{
	KindManifest:        "manifest",
	KindTrusteeJoined:   "trustee-joined",
	KindDKGCommitments:  "dkg-commitments",
	KindDKGShares:       "dkg-shares",
	KindDKGComplaint:    "dkg-complaint",
	KindDKGResult:       "dkg-result",
	KindCredentials:     "credentials",
	KindPhase:           "phase",
	KindBallotBatch:     "ballot-batch",
	KindAuditedBallot:   "audited-ballot",
	KindTallyInput:      "tally-input",
	KindShuffle:         "shuffle",
	KindDecryptionShare: "decryption-share",
	KindResult:          "result",
	KindDocAnchor:       "doc-anchor",
	KindDocRevoke:       "doc-revoke",
	KindDocDistribution: "doc-distribution",
	KindMarket:          "market",
	KindSealedBid:       "sealed-bid",
	KindBidDecryption:   "bid-decryption",
	KindAllocation:      "allocation",
	KindAggregate:       "aggregate",
	KindChunkHeader:     "chunk-header",
	KindChunk:           "chunk",
}

// Kinds returns every defined kind in increasing order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindNames))
	for k := Kind(1); k < 256; k++ {
		if _, ok := kindNames[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// Valid reports whether k is a defined kind.
func (k Kind) Valid() bool {
	_, ok := kindNames[k]
	return ok
}

// IsChunk reports whether k is one of the chunk kinds, whose payload carries
// another kind.
func (k Kind) IsChunk() bool { return k == KindChunkHeader || k == KindChunk }

// String returns the kind's name as used in the specification and the
// command line ("ballot-batch"), or "kind(N)" for an undefined number.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind returns the kind named s, as printed by [Kind.String].
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name == s {
			return k, nil
		}
	}
	return KindInvalid, fmt.Errorf("bulletin: unknown kind name %q", s)
}

// EffectiveKind returns the kind that authorisation and the phase table
// apply to for an entry of the given kind and payload: the kind itself, or,
// for the chunk kinds, the kind carried in the first two bytes of the
// payload. It fails with [ErrUnknownKind] for an undefined kind and with
// [ErrMalformed] for a chunk payload shorter than two bytes or carrying an
// undefined kind, a chunk kind or [KindPhase] (a phase change is never
// chunked).
//
// BulletinBoard.sol applies exactly this rule.
func EffectiveKind(kind Kind, payload []byte) (Kind, error) {
	if !kind.Valid() {
		return KindInvalid, fmt.Errorf("%w: %v", ErrUnknownKind, kind)
	}
	if !kind.IsChunk() {
		return kind, nil
	}
	if len(payload) < 2 {
		return KindInvalid, fmt.Errorf("%w: %v payload of %d bytes carries no kind", ErrMalformed, kind, len(payload))
	}
	carried := Kind(binary.BigEndian.Uint16(payload))
	if !carried.Valid() || carried.IsChunk() || carried == KindPhase {
		return KindInvalid, fmt.Errorf("%w: %v carries %v", ErrMalformed, kind, carried)
	}
	return carried, nil
}

// A KindSet is a set of kinds, as the contract stores a poster's
// permissions: bit k of a 256-bit number is set when kind k is in the set.
// The zero value is the empty set.
type KindSet [4]uint64

// NewKindSet returns the set of the given kinds. Kinds of 256 and above
// cannot be members and are ignored.
func NewKindSet(kinds ...Kind) KindSet {
	var s KindSet
	for _, k := range kinds {
		s = s.With(k)
	}
	return s
}

// With returns s with k added (unchanged if k >= 256).
func (s KindSet) With(k Kind) KindSet {
	if k < 256 {
		s[k/64] |= 1 << (k % 64)
	}
	return s
}

// Has reports whether k is in s.
func (s KindSet) Has(k Kind) bool {
	return k < 256 && s[k/64]&(1<<(k%64)) != 0
}

// Kinds returns the members of s in increasing order.
func (s KindSet) Kinds() []Kind {
	var out []Kind
	for k := Kind(0); k < 256; k++ {
		if s.Has(k) {
			out = append(out, k)
		}
	}
	return out
}

// Bytes returns s as the contract's uint256: 32 bytes, big-endian, bit k
// set for kind k.
func (s KindSet) Bytes() [32]byte {
	var b [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(b[24-8*i:], s[i])
	}
	return b
}

// KindSetFromBytes is the inverse of [KindSet.Bytes].
func KindSetFromBytes(b [32]byte) KindSet {
	var s KindSet
	for i := range 4 {
		s[i] = binary.BigEndian.Uint64(b[24-8*i:])
	}
	return s
}

// String lists the member names, "{manifest phase}".
func (s KindSet) String() string {
	out := "{"
	for i, k := range s.Kinds() {
		if i > 0 {
			out += " "
		}
		out += k.String()
	}
	return out + "}"
}
