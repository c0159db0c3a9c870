package voting

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/veche/veche/bulletin"
)

// batchVersion is the first byte of a ballot-batch payload.
const batchVersion = 1

// batchHeader is the length of a batch payload before its ballots:
// version, count and root.
const batchHeader = 1 + 4 + 32

// ErrMalformedBatch is wrapped by every failure of [ParseBatch].
var ErrMalformedBatch = errors.New("voting: malformed ballot batch")

// A Batch is the payload of a ballot-batch entry: ballots in the order the
// box posted them and the Merkle root over their tracking codes.
type Batch struct {
	Root    [32]byte
	Ballots [][]byte // each a ballot's encoding (docs/spec/ballot.md, section 6.1)
}

// TrackingCodes returns the tracking codes of the batch's ballots, in order.
func (b *Batch) TrackingCodes() []TrackingCode {
	out := make([]TrackingCode, len(b.Ballots))
	for i, x := range b.Ballots {
		out[i] = sha256.Sum256(x)
	}
	return out
}

// BatchSize returns the payload length of a batch holding ballots of the
// given lengths.
func BatchSize(total, count int) int { return batchHeader + 4*count + total }

// EncodeBatch returns the ballot-batch payload
//
//	0x01 || u32be(n) || root || (u32be(len(ballot_i)) || ballot_i) for i = 1 … n
func EncodeBatch(ballots [][]byte) []byte {
	codes := make([]TrackingCode, len(ballots))
	total := 0
	for i, b := range ballots {
		codes[i] = sha256.Sum256(b)
		total += len(b)
	}
	root := MerkleRoot(codes)
	out := make([]byte, 0, BatchSize(total, len(ballots)))
	out = append(out, batchVersion)
	out = binary.BigEndian.AppendUint32(out, uint32(len(ballots)))
	out = append(out, root[:]...)
	for _, b := range ballots {
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return out
}

// ParseBatch decodes a ballot-batch payload strictly: version 1, at least
// one ballot, every length within the payload, nothing after the last
// ballot, and the root equal to the Merkle root of the ballots' tracking
// codes. It does not decode the ballots (that needs the manifest:
// ParseBallot).
func ParseBatch(p []byte) (*Batch, error) {
	if len(p) > bulletin.MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, more than a board entry", ErrMalformedBatch, len(p))
	}
	if len(p) < batchHeader {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrMalformedBatch, len(p))
	}
	if p[0] != batchVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrMalformedBatch, p[0], batchVersion)
	}
	n := binary.BigEndian.Uint32(p[1:])
	if n == 0 || uint64(n)*4 > uint64(len(p)-batchHeader) {
		return nil, fmt.Errorf("%w: %d ballots in %d bytes", ErrMalformedBatch, n, len(p))
	}
	b := &Batch{Root: [32]byte(p[5:batchHeader]), Ballots: make([][]byte, 0, n)}
	rest := p[batchHeader:]
	for i := range n {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: truncated at ballot %d", ErrMalformedBatch, i)
		}
		l := binary.BigEndian.Uint32(rest)
		rest = rest[4:]
		if l == 0 || uint64(l) > uint64(len(rest)) {
			return nil, fmt.Errorf("%w: ballot %d of %d bytes in %d", ErrMalformedBatch, i, l, len(rest))
		}
		b.Ballots = append(b.Ballots, rest[:l:l])
		rest = rest[l:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last ballot", ErrMalformedBatch, len(rest))
	}
	if MerkleRoot(b.TrackingCodes()) != b.Root {
		return nil, fmt.Errorf("%w: the root is not the Merkle root of the ballots", ErrMalformedBatch)
	}
	return b, nil
}
