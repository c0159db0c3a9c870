package stalls

import (
	"bytes"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

// A Bidder is a seller's pseudonym for one season: identity.Service.Pseudonym
// (resident, "stalls", season id). Nothing else about the seller is on the
// board.
type Bidder [32]byte

// SealedBidSize is the size of a sealed bid's encoding.
const SealedBidSize = 1 + 4 + 32 + 64 + zkp.BallotProofEntrySize

// A SealedBid is a bid for one stall, the payload of a sealed-bid entry:
// the amount embedded in a group element ([EncodeAmount]) and encrypted
// under the trustees' joint key, with a proof of knowledge of the
// encryption randomness bound to the season, the stall and the bidder.
type SealedBid struct {
	Stall      uint32 // index into Season.Stalls
	Bidder     Bidder
	Ciphertext *elgamal.Ciphertext
	Proof      *zkp.BallotProof

	// raw is the encoding as parsed or made, of rawCT and rawProof: it
	// is Bytes while the fields are unchanged.
	raw      []byte
	rawCT    *elgamal.Ciphertext
	rawProof *zkp.BallotProof
}

// bidBinding is what a bid's proof is bound to besides the season:
// "veche/stalls/bid/v1" || 0x00 || u32 stall || bidder.
func bidBinding(stall uint32, bidder Bidder) []byte {
	b := append([]byte(bidDomain), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(b[len(bidDomain):], stall)
	return append(b, bidder[:]...)
}

// EncodeAmount embeds an amount of 1 ... MaxAmount kopecks as the group
// element elgamal.EncodeBytes(u64 big-endian amount).
func EncodeAmount(amount uint64) (*group.Element, error) {
	if amount == 0 || amount > MaxAmount {
		return nil, fmt.Errorf("%w: a bid is 1 to %d kopecks", ErrInvalid, uint64(MaxAmount))
	}
	return elgamal.EncodeBytes(binary.BigEndian.AppendUint64(nil, amount))
}

// DecodeAmount returns the amount a decrypted bid embeds, failing (with
// ErrInvalid) for an element that embeds no amount of 1 ... MaxAmount.
func DecodeAmount(m *group.Element) (uint64, error) {
	b, err := elgamal.DecodeBytes(m)
	if err != nil || len(b) != 8 {
		return 0, fmt.Errorf("%w: the plaintext is not an amount", ErrInvalid)
	}
	v := binary.BigEndian.Uint64(b)
	if v == 0 || v > MaxAmount {
		return 0, fmt.Errorf("%w: the amount is out of range", ErrInvalid)
	}
	return v, nil
}

// EncryptBid seals a bid of amount kopecks by bidder for the stall with
// index stall of season s, with randomness from rand (nil: crypto/rand).
func EncryptBid(rand io.Reader, s *Season, stall uint32, bidder Bidder, amount uint64) (*SealedBid, error) {
	if int(stall) >= len(s.Stalls) {
		return nil, fmt.Errorf("%w: no stall %d", ErrInvalid, stall)
	}
	if amount < s.Stalls[stall].Reserve {
		return nil, fmt.Errorf("%w: the bid is below the stall's reserve price", ErrInvalid)
	}
	m, err := EncodeAmount(amount)
	if err != nil {
		return nil, err
	}
	pk, err := elgamal.NewPublicKeyFromElement(s.Trustees.JointKey)
	if err != nil {
		return nil, fmt.Errorf("stalls: trustees' key: %w", err)
	}
	ct, r, err := elgamal.Encrypt(rand, pk, m)
	if err != nil {
		return nil, fmt.Errorf("stalls: encrypting the bid: %w", err)
	}
	proof, err := zkp.ProveBallot(rand, Fingerprint(s.ID), s.Trustees.JointKey,
		[]zkp.Ciphertext{zkp.Ciphertext(*ct)}, []*group.Scalar{r}, bidBinding(stall, bidder))
	if err != nil {
		return nil, fmt.Errorf("stalls: proving the bid: %w", err)
	}
	b := &SealedBid{Stall: stall, Bidder: bidder, Ciphertext: ct, Proof: proof}
	b.raw, b.rawCT, b.rawProof = b.encode(), ct, proof
	return b, nil
}

// Bytes returns the bid's encoding: u8 1 | u32 stall | bidder (32) |
// ciphertext A || B (64) | proof R || z (64).
func (b *SealedBid) Bytes() []byte {
	if b.raw != nil && b.rawCT == b.Ciphertext && b.rawProof == b.Proof &&
		binary.BigEndian.Uint32(b.raw[1:5]) == b.Stall && Bidder(b.raw[5:37]) == b.Bidder {
		return b.raw
	}
	return b.encode()
}

func (b *SealedBid) encode() []byte {
	out := make([]byte, 0, SealedBidSize)
	out = append(out, encodingV1)
	out = binary.BigEndian.AppendUint32(out, b.Stall)
	out = append(out, b.Bidder[:]...)
	out = b.Ciphertext.A.AppendBytes(out)
	out = b.Ciphertext.B.AppendBytes(out)
	return append(out, b.Proof.Bytes()...)
}

// ParseSealedBid decodes a sealed-bid payload. It checks the encoding, not
// the proof ([VerifyBid]).
func ParseSealedBid(p []byte) (*SealedBid, error) {
	if len(p) != SealedBidSize || p[0] != encodingV1 {
		return nil, fmt.Errorf("%w: a sealed bid is %d bytes starting with 1", ErrMalformed, SealedBidSize)
	}
	b := &SealedBid{Stall: binary.BigEndian.Uint32(p[1:5])}
	copy(b.Bidder[:], p[5:37])
	ct, err := elgamal.ParseCiphertext(p[37:101])
	if err != nil {
		return nil, fmt.Errorf("%w: sealed bid: %v", ErrMalformed, err)
	}
	if err := ct.Validate(); err != nil {
		return nil, fmt.Errorf("%w: sealed bid: %v", ErrMalformed, err)
	}
	proof, err := zkp.ParseBallotProof(p[101:])
	if err != nil {
		return nil, fmt.Errorf("%w: sealed bid: %v", ErrMalformed, err)
	}
	b.Ciphertext, b.Proof = ct, proof
	b.raw, b.rawCT, b.rawProof = bytes.Clone(p), ct, proof
	return b, nil
}

// VerifyBid checks a bid against season s: its stall exists and its proof
// holds for its ciphertext, this season, its stall and its bidder. A bid
// copied under another bidder or stall fails here.
func VerifyBid(s *Season, b *SealedBid) error {
	if int(b.Stall) >= len(s.Stalls) {
		return fmt.Errorf("%w: no stall %d", ErrInvalid, b.Stall)
	}
	err := zkp.VerifyBallot(Fingerprint(s.ID), s.Trustees.JointKey,
		[]zkp.Ciphertext{zkp.Ciphertext(*b.Ciphertext)}, bidBinding(b.Stall, b.Bidder), b.Proof)
	if err != nil {
		return fmt.Errorf("%w: the bid's proof: %v", ErrInvalid, err)
	}
	return nil
}

// VerifyBids checks many bids of season s at once (one multi-scalar
// multiplication, weights from rand) and returns the indices of the invalid
// ones, in increasing order.
func VerifyBids(rand io.Reader, s *Season, bids []*SealedBid) ([]int, error) {
	var bad []int
	items := make([]zkp.BallotItem, 0, len(bids))
	pos := make([]int, 0, len(bids))
	for i, b := range bids {
		if int(b.Stall) >= len(s.Stalls) {
			bad = append(bad, i)
			continue
		}
		items = append(items, zkp.BallotItem{
			Ciphertexts: []zkp.Ciphertext{zkp.Ciphertext(*b.Ciphertext)},
			Credential:  bidBinding(b.Stall, b.Bidder),
			Proof:       b.Proof,
		})
		pos = append(pos, i)
	}
	if len(items) == 0 {
		return bad, nil
	}
	// Batches of verifyChunk bids on all cores, each with its own weight
	// stream seeded from rand (read here, in order, so rand need not be
	// safe for concurrent use).
	chunks := (len(items) + verifyChunk - 1) / verifyChunk
	seeds := make([][32]byte, chunks)
	if rand == nil {
		rand = cryptorand.Reader
	}
	for c := range seeds {
		if _, err := io.ReadFull(rand, seeds[c][:]); err != nil {
			return nil, fmt.Errorf("stalls: verifying bids: %w", err)
		}
	}
	badOf := make([][]int, chunks)
	errs := make([]error, chunks)
	next := make(chan int, chunks)
	for c := range chunks {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range min(chunks, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				lo, hi := c*verifyChunk, min((c+1)*verifyChunk, len(items))
				err := zkp.BatchVerifyBallots(newWeights(seeds[c]), Fingerprint(s.ID), s.Trustees.JointKey, items[lo:hi])
				var be *zkp.BatchError
				switch {
				case err == nil:
				case errors.As(err, &be):
					for _, j := range be.Indices {
						badOf[c] = append(badOf[c], pos[lo+j])
					}
				default:
					errs[c] = err
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("stalls: verifying bids: %w", err)
	}
	for _, b := range badOf {
		bad = append(bad, b...)
	}
	slices.Sort(bad)
	return bad, nil
}

// verifyChunk is how many bid proofs VerifyBids checks in one batch.
const verifyChunk = 2048

// weights is a stream of batch-verification weights: SHA-256 of a secret
// seed and a counter.
type weights struct {
	seed [32]byte
	ctr  uint64
	buf  []byte
}

func newWeights(seed [32]byte) *weights { return &weights{seed: seed} }

func (w *weights) Read(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(w.buf) == 0 {
			var blk [40]byte
			copy(blk[:], w.seed[:])
			binary.BigEndian.PutUint64(blk[32:], w.ctr)
			w.ctr++
			h := sha256.Sum256(blk[:])
			w.buf = h[:]
		}
		k := copy(p, w.buf)
		p, w.buf = p[k:], w.buf[k:]
	}
	return n, nil
}

// BidsHash is the hash of the counted sealed bids, in board order, to
// which the decryptions are bound and from which the tie-breaking seed is
// derived: Keccak-256("veche/stalls/bids/v1" || 0x00 || season id length
// (u8) || season id || u32 count || the bids' payloads).
func BidsHash(seasonID string, bids []*SealedBid) [32]byte {
	buf := make([]byte, 0, len(bidsHashDomain)+1+len(seasonID)+4+len(bids)*SealedBidSize)
	buf = append(buf, bidsHashDomain...)
	buf = append(buf, byte(len(seasonID)))
	buf = append(buf, seasonID...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(bids)))
	for _, b := range bids {
		buf = append(buf, b.Bytes()...)
	}
	// Bytes may return the bid's own encoding: it is copied, never kept.
	return bulletin.Keccak256(buf)
}
