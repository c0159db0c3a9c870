package stalls

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/threshold"
)

// A TrusteeKey is one market trustee's share of the season's decryption
// key. It is secret: it prints redacted.
type TrusteeKey struct {
	Season string
	Index  uint32
	Share  *group.Scalar
}

// String redacts the share.
func (k *TrusteeKey) String() string {
	return fmt.Sprintf("stalls.TrusteeKey{Season: %q, Index: %d, REDACTED}", k.Season, k.Index)
}

// Bytes encodes the key for its trustee's file: u8 len | season | u32
// index | 32-byte share.
func (k *TrusteeKey) Bytes() []byte {
	b := append([]byte{byte(len(k.Season))}, k.Season...)
	b = binary.BigEndian.AppendUint32(b, k.Index)
	return append(b, k.Share.Bytes()...)
}

// ParseTrusteeKey decodes [TrusteeKey.Bytes].
func ParseTrusteeKey(b []byte) (*TrusteeKey, error) {
	r := &reader{b: b}
	k := &TrusteeKey{Season: string(r.bytes(int(r.u8())))}
	k.Index = r.u32()
	sb := r.bytes(32)
	if r.err != nil || len(r.b) != 0 || !ValidSeasonID(k.Season) {
		return nil, fmt.Errorf("%w: trustee key", ErrMalformed)
	}
	s, err := group.NewScalar().SetCanonicalBytes(sb)
	if err != nil || s.IsZero() {
		return nil, fmt.Errorf("%w: trustee key: not a canonical non-zero scalar", ErrMalformed)
	}
	k.Share = s
	return k, nil
}

// Ceremony runs the key ceremony of crypto/dkg for a k-of-n set of market
// trustees of season id in one process, as a market without separate
// trustee machines does it (and the demo and tests): every trustee deals,
// receives every message, and finishes. It returns each trustee's key and
// the public result, which goes into the season's market entry. Trustees
// on separate machines run the same protocol over the board, as election
// trustees do (voting/ceremony); the result has the same form.
func Ceremony(rand io.Reader, id string, k, n int) ([]*TrusteeKey, *dkg.PublicResult, error) {
	if !ValidSeasonID(id) {
		return nil, nil, fmt.Errorf("%w: season id", ErrInvalid)
	}
	params := &dkg.Params{Fingerprint: Fingerprint(id), Threshold: k, N: n}
	var hks []*hybrid.PrivateKey
	for j := 1; j <= n; j++ {
		sk, err := hybrid.GenerateKey(rand)
		if err != nil {
			return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
		}
		hks = append(hks, sk)
		params.Participants = append(params.Participants, dkg.Participant{Index: uint32(j), Key: sk.Public()})
	}
	if err := params.Validate(); err != nil {
		return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
	}
	trustees := make([]*dkg.Trustee, n)
	for j := range trustees {
		t, err := dkg.New(params, uint32(j+1), hks[j])
		if err != nil {
			return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
		}
		trustees[j] = t
	}
	var msgs []dkg.Message
	for _, t := range trustees {
		cm, sh, err := t.Deal(rand)
		if err != nil {
			return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
		}
		msgs = append(msgs, cm, sh)
	}
	for _, m := range msgs {
		for _, t := range trustees {
			if err := t.Receive(m); err != nil {
				return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
			}
		}
	}
	pub, err := dkg.VerifyCeremony(params, msgs)
	if err != nil {
		return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
	}
	keys := make([]*TrusteeKey, n)
	for j, t := range trustees {
		res, err := t.Finish()
		if err != nil {
			return nil, nil, fmt.Errorf("stalls: ceremony: %w", err)
		}
		if !res.Public.Equal(pub) {
			return nil, nil, fmt.Errorf("stalls: ceremony: trustee %d disagrees on the key", j+1)
		}
		keys[j] = &TrusteeKey{Season: id, Index: res.Index, Share: res.Share}
	}
	return keys, pub, nil
}

// A Decryption is one trustee's partial decryption of a season's counted
// bids, the payload of a bid-decryption entry.
type Decryption struct {
	Count    uint32   // the number of counted bids it decrypts: the first Count valid sealed bids
	BidsHash [32]byte // BidsHash of those bids
	Partial  *threshold.PartialDecryption
}

// Bytes returns u8 1 | u32 count | bids hash (32) | the partial decryption
// (crypto/threshold encoding).
func (d *Decryption) Bytes() []byte {
	b := []byte{encodingV1}
	b = binary.BigEndian.AppendUint32(b, d.Count)
	b = append(b, d.BidsHash[:]...)
	return append(b, d.Partial.Bytes()...)
}

// ParseDecryption decodes a bid-decryption payload (its proof is checked
// by [VerifyRecord]).
func ParseDecryption(p []byte) (*Decryption, error) {
	if len(p) < 37 || p[0] != encodingV1 {
		return nil, fmt.Errorf("%w: bid decryption", ErrMalformed)
	}
	d := &Decryption{Count: binary.BigEndian.Uint32(p[1:5])}
	copy(d.BidsHash[:], p[5:37])
	pd, err := threshold.ParsePartialDecryption(p[37:])
	if err != nil {
		return nil, fmt.Errorf("%w: bid decryption: %v", ErrMalformed, err)
	}
	if len(pd.Shares) != int(d.Count) {
		return nil, fmt.Errorf("%w: bid decryption: %d shares for %d bids", ErrMalformed, len(pd.Shares), d.Count)
	}
	d.Partial = pd
	return d, nil
}

// decryptionBinding binds a partial decryption to the list it decrypts.
func decryptionBinding(h [32]byte) []byte {
	return append([]byte("veche/stalls/decryption/v1\x00"), h[:]...)
}

// PartialDecrypt computes trustee key's partial decryption of the counted
// bids of season s (with its proof, nonce from rand).
func PartialDecrypt(rand io.Reader, s *Season, key *TrusteeKey, bids []*SealedBid) (*Decryption, error) {
	if key.Season != s.ID {
		return nil, fmt.Errorf("%w: the key is for season %q", ErrInvalid, key.Season)
	}
	p, err := s.thresholdParams()
	if err != nil {
		return nil, fmt.Errorf("stalls: %w", err)
	}
	if len(bids) == 0 {
		return nil, fmt.Errorf("%w: no bids to decrypt", ErrInvalid)
	}
	h := BidsHash(s.ID, bids)
	pd, err := threshold.PartialDecrypt(rand, p, key.Index, key.Share, ciphertexts(bids), decryptionBinding(h))
	if err != nil {
		return nil, fmt.Errorf("stalls: partial decryption: %w", err)
	}
	return &Decryption{Count: uint32(len(bids)), BidsHash: h, Partial: pd}, nil
}
