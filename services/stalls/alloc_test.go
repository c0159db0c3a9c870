package stalls_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/stalls"
)

// ruleSeason is a season of n stalls with reserve 100 and the given cap.
func ruleSeason(t testing.TB, n int, cap uint16) (*stalls.Season, []*stalls.TrusteeKey) {
	t.Helper()
	keys, pub, err := stalls.Ceremony(newRand("rule"), "rule", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := &stalls.Season{ID: "rule", Opens: time.Unix(1e9, 0).UTC(), Closes: time.Unix(2e9, 0).UTC(), Cap: cap, Markets: []string{"m"}, Trustees: pub}
	for i := range n {
		s.Stalls = append(s.Stalls, stalls.Stall{ID: fmt.Sprintf("s%d", i), Size: 1, Kind: "k", Reserve: 100})
	}
	return s, keys
}

func bidder(n byte) stalls.Bidder { return stalls.Bidder(bytes.Repeat([]byte{n}, 32)) }

// plainBids makes bids without encryption work for the rule's tests: the
// rule reads only stall, bidder and the encoding (for the hash).
func plainBids(t testing.TB, s *stalls.Season, spec ...[3]uint64) ([]*stalls.SealedBid, []uint64) {
	t.Helper()
	r := newRand("plain")
	var bids []*stalls.SealedBid
	var amounts []uint64
	for _, sp := range spec {
		b, err := stalls.EncryptBid(r, s, uint32(sp[0]), bidder(byte(sp[1])), max(sp[2], 100))
		if err != nil {
			t.Fatal(err)
		}
		bids = append(bids, b)
		amounts = append(amounts, sp[2])
	}
	return bids, amounts
}

func TestHighestBidsWinWithinTheCapAndVoidBidsNever(t *testing.T) {
	t.Parallel()
	s, _ := ruleSeason(t, 4, 2)
	// {stall, bidder, amount}
	bids, amounts := plainBids(t, s,
		[3]uint64{0, 1, 900}, [3]uint64{1, 1, 800}, [3]uint64{2, 1, 700}, // bidder 1's third-best is over the cap
		[3]uint64{2, 2, 300}, [3]uint64{0, 2, 850},
		[3]uint64{3, 3, 99}, // under the reserve: void
		[3]uint64{3, 4, 0},  // decrypted to no amount: void
	)
	a, err := stalls.Allocate(s, bids, amounts)
	if err != nil {
		t.Fatal(err)
	}
	want := []stalls.Award{{Stall: 0, Bidder: bidder(1), Amount: 900}, {Stall: 1, Bidder: bidder(1), Amount: 800}, {Stall: 2, Bidder: bidder(2), Amount: 300}}
	if fmt.Sprint(a.Awards) != fmt.Sprint(want) || a.Valid != 5 {
		t.Fatalf("awards %v valid %d, want %v valid 5", a.Awards, a.Valid, want)
	}
	// The same inputs give the same bytes; the order of the board matters
	// (it is hashed) but not the outcome here, which has no ties.
	b, _ := stalls.Allocate(s, bids, amounts)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("Allocate is not deterministic")
	}
	if err := stalls.CheckAllocation(s, bids, amounts, a.Bytes()); err != nil {
		t.Fatal(err)
	}
	tampered := a.Bytes()
	tampered[len(tampered)-1]++
	if err := stalls.CheckAllocation(s, bids, amounts, tampered); !errors.Is(err, stalls.ErrInvalid) {
		t.Fatalf("a tampered allocation: %v", err)
	}
	back, err := stalls.ParseAllocation(a.Bytes())
	if err != nil || !bytes.Equal(back.Bytes(), a.Bytes()) {
		t.Fatalf("ParseAllocation round trip: %v", err)
	}
}

func TestTiesAreBrokenByTheSeedOfAllSealedBids(t *testing.T) {
	t.Parallel()
	s, _ := ruleSeason(t, 1, 1)
	wins := map[stalls.Bidder]int{}
	for round := range 40 {
		r := newRand(fmt.Sprint("tie ", round))
		var bids []*stalls.SealedBid
		for n := byte(1); n <= 2; n++ {
			b, err := stalls.EncryptBid(r, s, 0, bidder(n), 500)
			if err != nil {
				t.Fatal(err)
			}
			bids = append(bids, b)
		}
		a, err := stalls.Allocate(s, bids, []uint64{500, 500})
		if err != nil || len(a.Awards) != 1 {
			t.Fatalf("%v %v", a, err)
		}
		h := stalls.BidsHash(s.ID, bids)
		if a.Seed != stalls.Seed(h) {
			t.Fatal("the seed is not the hash of the bids' hash")
		}
		k1, k2 := stalls.TieKey(a.Seed, 0, bidder(1)), stalls.TieKey(a.Seed, 0, bidder(2))
		want := bidder(1)
		if bytes.Compare(k2[:], k1[:]) < 0 {
			want = bidder(2)
		}
		if a.Awards[0].Bidder != want {
			t.Fatalf("round %d: the tie went to %x, not to the smaller tie key", round, a.Awards[0].Bidder[:1])
		}
		wins[want]++
	}
	// Neither bidder wins every tie: the seed changes with the bids.
	if wins[bidder(1)] == 0 || wins[bidder(2)] == 0 {
		t.Fatalf("ties: %v", wins)
	}
}

// boardWith posts a season, bids and decryptions to a fresh board as the
// service would, and returns the board.
func boardWith(t testing.TB, s *stalls.Season, msgs ...bulletin.Message) *memboard.Board {
	t.Helper()
	ctx := context.Background()
	b := memboard.New()
	p := b.As(bulletin.Address{1})
	topic := stalls.Topic(s.ID)
	p.CreateTopic(ctx, topic, bulletin.PhaseService)
	p.SetPoster(ctx, topic, p.Address(), bulletin.NewKindSet(bulletin.KindMarket, bulletin.KindSealedBid, bulletin.KindBidDecryption, bulletin.KindAllocation))
	m, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AppendBatch(ctx, topic, append([]bulletin.Message{{Kind: bulletin.KindMarket, Payload: m}}, msgs...)); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAFaultyTrusteeIsNamedAndTheOthersStillDecrypt(t *testing.T) {
	t.Parallel()
	s, keys := ruleSeason(t, 2, 1)
	r := newRand("faulty")
	b1, _ := stalls.EncryptBid(r, s, 0, bidder(1), 400)
	b2, _ := stalls.EncryptBid(r, s, 1, bidder(2), 300)
	bids := []*stalls.SealedBid{b1, b2}
	var msgs []bulletin.Message
	for _, b := range bids {
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindSealedBid, Payload: b.Bytes()})
	}
	// Trustee 2 posts its shares of the two bids swapped.
	good, err := stalls.PartialDecrypt(r, s, keys[1], bids)
	if err != nil {
		t.Fatal(err)
	}
	bad := good.Bytes()
	d1 := append([]byte(nil), bad[37+8:37+40]...)
	copy(bad[37+8:], bad[37+40:37+72])
	copy(bad[37+40:], d1)
	msgs = append(msgs, bulletin.Message{Kind: bulletin.KindBidDecryption, Payload: bad})
	late, _ := stalls.EncryptBid(r, s, 0, bidder(3), 999)
	msgs = append(msgs, bulletin.Message{Kind: bulletin.KindSealedBid, Payload: late.Bytes()}) // after the first decryption
	for _, k := range []int{0, 2} {
		d, _ := stalls.PartialDecrypt(r, s, keys[k], bids)
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindBidDecryption, Payload: d.Bytes()})
	}
	board := boardWith(t, s, msgs...)
	rep, err := stalls.VerifyBoard(context.Background(), board, s.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Faulty) != "[2]" || fmt.Sprint(rep.Trustees) != "[1 3]" || rep.Late != 1 || rep.Bids != 2 || rep.Awards != 2 || rep.Allocated {
		t.Fatalf("report %+v", rep)
	}
	if fmt.Sprint(rep.Amounts) != "[400 300]" {
		t.Fatalf("amounts %v", rep.Amounts)
	}

	// With only the faulty one and one good one, nothing can be decrypted.
	board = boardWith(t, s, append(msgs[:3:3], msgs[4])...)
	if _, err := stalls.VerifyBoard(context.Background(), board, s.ID, nil); err == nil {
		t.Fatal("decrypted with one valid share of a 2-of-3 key")
	}
}

func TestATamperedAllocationOnTheBoardFailsVerification(t *testing.T) {
	t.Parallel()
	s, keys := ruleSeason(t, 2, 1)
	r := newRand("tamper")
	b1, _ := stalls.EncryptBid(r, s, 0, bidder(1), 400)
	b2, _ := stalls.EncryptBid(r, s, 0, bidder(2), 500)
	bids := []*stalls.SealedBid{b1, b2}
	msgs := []bulletin.Message{{Kind: bulletin.KindSealedBid, Payload: b1.Bytes()}, {Kind: bulletin.KindSealedBid, Payload: b2.Bytes()}}
	for _, k := range keys[:2] {
		d, _ := stalls.PartialDecrypt(r, s, k, bids)
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindBidDecryption, Payload: d.Bytes()})
	}
	// The operator credits the stall to the lower bid.
	a, _ := stalls.Allocate(s, bids, []uint64{400, 500})
	a.Awards[0] = stalls.Award{Stall: 0, Bidder: bidder(1), Amount: 400}
	board := boardWith(t, s, append(msgs, bulletin.Message{Kind: bulletin.KindAllocation, Payload: a.Bytes()})...)
	rep, err := stalls.VerifyBoard(context.Background(), board, s.ID, nil)
	if !errors.Is(err, stalls.ErrInvalid) || rep.Matches || !rep.Allocated {
		t.Fatalf("a tampered allocation: %+v, %v", rep, err)
	}
}

func TestEncodingsRoundTripAndRejectGarbage(t *testing.T) {
	t.Parallel()
	s, keys := ruleSeason(t, 3, 2)
	m, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := stalls.ParseSeason(m)
	if err != nil {
		t.Fatal(err)
	}
	if m2, _ := back.Bytes(); !bytes.Equal(m, m2) {
		t.Fatal("season round trip")
	}
	b, _ := stalls.EncryptBid(newRand("enc"), s, 1, bidder(7), 250)
	d, _ := stalls.PartialDecrypt(newRand("enc"), s, keys[0], []*stalls.SealedBid{b})
	a, _ := stalls.Allocate(s, []*stalls.SealedBid{b}, []uint64{250})
	for name, enc := range map[string][]byte{"season": m, "bid": b.Bytes(), "decryption": d.Bytes(), "allocation": a.Bytes()} {
		parse := map[string]func([]byte) error{
			"season":     func(p []byte) error { _, err := stalls.ParseSeason(p); return err },
			"bid":        func(p []byte) error { _, err := stalls.ParseSealedBid(p); return err },
			"decryption": func(p []byte) error { _, err := stalls.ParseDecryption(p); return err },
			"allocation": func(p []byte) error { _, err := stalls.ParseAllocation(p); return err },
		}[name]
		if err := parse(enc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, bad := range [][]byte{nil, enc[:len(enc)-1], append(append([]byte(nil), enc...), 0), append([]byte{2}, enc[1:]...)} {
			if parse(bad) == nil {
				t.Errorf("%s: accepted %d bytes of garbage", name, len(bad))
			}
		}
		// Every single-byte truncation or flip fails cleanly, never panics.
		for i := range enc {
			parse(enc[:i])
			c := append([]byte(nil), enc...)
			c[i] ^= 0x80
			parse(c)
		}
	}
	// A bid of another season does not verify in this one.
	other, okeys := ruleSeason(t, 3, 2)
	_ = okeys
	other.ID = "other"
	if stalls.VerifyBid(other, b) == nil {
		t.Fatal("a bid verified in another season")
	}
}

func FuzzParsers(f *testing.F) {
	s, _ := ruleSeason(f, 2, 1)
	m, _ := s.Bytes()
	b, _ := stalls.EncryptBid(newRand("fuzz"), s, 1, bidder(7), 250)
	f.Add(m)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, p []byte) {
		stalls.ParseSeason(p)
		if sb, err := stalls.ParseSealedBid(p); err == nil {
			stalls.VerifyBid(s, sb)
			if !bytes.Equal(sb.Bytes(), p) {
				t.Fatal("a bid does not re-encode to its input")
			}
		}
		stalls.ParseDecryption(p)
		stalls.ParseAllocation(p)
		stalls.ParseTrusteeKey(p)
	})
}
