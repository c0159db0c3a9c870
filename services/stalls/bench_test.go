package stalls_test

import (
	"encoding/binary"
	"testing"

	"github.com/veche/veche/services/stalls"
)

// benchInputs are 20,000 bids for 2,700 stalls (issue 9's scale), made by
// re-labelling one sealed bid: the rule reads stalls, bidders, amounts and
// the encodings, not the proofs. `veche bench stalls` measures the same
// with real bids, proofs and decryptions.
func benchInputs(b *testing.B) (*stalls.Season, []*stalls.SealedBid, []uint64) {
	s, _ := ruleSeason(b, 2700, 2)
	one, err := stalls.EncryptBid(newRand("bench"), s, 0, bidder(1), 500)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := one.Bytes()
	r := newRand("bench amounts")
	bids := make([]*stalls.SealedBid, 20_000)
	amounts := make([]uint64, len(bids))
	for i := range bids {
		p := append([]byte(nil), tmpl...)
		binary.BigEndian.PutUint32(p[1:], uint32(i*7919%2700))
		binary.BigEndian.PutUint32(p[5:], uint32(i/5)) // 4,000 bidders of 5 bids
		sb, err := stalls.ParseSealedBid(p)
		if err != nil {
			b.Fatal(err)
		}
		bids[i] = sb
		var x [2]byte
		r.Read(x[:])
		amounts[i] = 50 + uint64(binary.BigEndian.Uint16(x[:])%200)*10
	}
	return s, bids, amounts
}

func BenchmarkAllocate20000Bids2700Stalls(b *testing.B) {
	s, bids, amounts := benchInputs(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := stalls.Allocate(s, bids, amounts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckAllocation20000Bids2700Stalls(b *testing.B) {
	s, bids, amounts := benchInputs(b)
	a, _ := stalls.Allocate(s, bids, amounts)
	posted := a.Bytes()
	b.ResetTimer()
	for b.Loop() {
		if err := stalls.CheckAllocation(s, bids, amounts, posted); err != nil {
			b.Fatal(err)
		}
	}
}
