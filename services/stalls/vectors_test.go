package stalls_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/services/stalls"
)

// vectors is the layout of testdata/stalls.json (docs/spec/stalls.md,
// section 9).
type vectors struct {
	Comment     string   `json:"comment"`
	Season      string   `json:"season"`
	Fingerprint string   `json:"fingerprint"`
	Topic       string   `json:"topic"`
	Market      string   `json:"market"`
	Bids        []vecBid `json:"bids"`
	BidsHash    string   `json:"bids_hash"`
	Seed        string   `json:"seed"`
	Decryptions []string `json:"decryptions"`
	Allocation  string   `json:"allocation"`
	Awards      []vecWon `json:"awards"`
}

type vecBid struct {
	Payload string `json:"payload"`
	Binding string `json:"binding"` // what the proof is bound to besides the fingerprint
	Stall   string `json:"stall"`
	Amount  uint64 `json:"amount"` // as decrypted
	TieKey  string `json:"tie_key"`
}

type vecWon struct {
	Stall  string `json:"stall"`
	Bidder string `json:"bidder"`
	Amount uint64 `json:"amount"`
}

const vectorsPath = "../../testdata/stalls.json"

// makeVectors builds the vectors' season from a fixed seed: 3 stalls, cap
// 1, a 2-of-3 key, bids including a tie, one under the reserve, and a
// bidder who would win two stalls without the cap.
func makeVectors(t *testing.T) *vectors {
	r := newRand("testdata/stalls.json")
	id := "vector-2027"
	keys, pub, err := stalls.Ceremony(r, id, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := &stalls.Season{ID: id, Opens: time.Date(2027, 4, 1, 8, 0, 0, 0, time.UTC), Closes: time.Date(2027, 4, 15, 20, 0, 0, 0, time.UTC),
		Cap: 1, Markets: []string{"Danilovsky", "Усачёвский"}, Trustees: pub,
		Stalls: []stalls.Stall{
			{ID: "D-01", Market: 0, Size: 600, Kind: "produce", Reserve: 100000},
			{ID: "D-02", Market: 0, Size: 400, Kind: "dairy", Reserve: 80000},
			{ID: "U-01", Market: 1, Size: 900, Kind: "молочные продукты", Reserve: 120000},
		}}
	market, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var bidder = func(n byte) stalls.Bidder { return stalls.Bidder(bytes.Repeat([]byte{n}, 32)) }
	noReserve := *s
	noReserve.Stalls = append([]stalls.Stall(nil), s.Stalls...)
	for i := range noReserve.Stalls {
		noReserve.Stalls[i].Reserve = 0
	}
	plan := []struct {
		stall  uint32
		bidder byte
		amount uint64
	}{
		{0, 0xa1, 150000}, {0, 0xb2, 150000}, // a tie for D-01
		{1, 0xa1, 200000}, // A's best: wins D-02, so cannot also win D-01 (cap 1)
		{1, 0xc3, 90000},  // loses D-02
		{2, 0xc3, 110000}, // under U-01's reserve: void
		{2, 0xb2, 130000},
	}
	var bids []*stalls.SealedBid
	for _, p := range plan {
		b, err := stalls.EncryptBid(r, &noReserve, p.stall, bidder(p.bidder), p.amount)
		if err != nil {
			t.Fatal(err)
		}
		bids = append(bids, b)
	}
	v := &vectors{Comment: "docs/spec/stalls.md section 9: a season of 3 stalls, cap 1, a 2-of-3 trustees' key (trustees 1 and 3 decrypt); regenerate with make generate",
		Season: id, Market: hex.EncodeToString(market)}
	for _, b := range bids {
		v.Bids = append(v.Bids, vecBid{Payload: hex.EncodeToString(b.Bytes())})
	}
	fp, topic := stalls.Fingerprint(id), stalls.Topic(id)
	v.Fingerprint, v.Topic = hex.EncodeToString(fp[:]), hex.EncodeToString(topic[:])
	for _, k := range []int{0, 2} {
		d, err := stalls.PartialDecrypt(r, s, keys[k], bids)
		if err != nil {
			t.Fatal(err)
		}
		v.Decryptions = append(v.Decryptions, hex.EncodeToString(d.Bytes()))
	}
	return v
}

// fill completes v from its payloads with the package itself; the test
// then compares with the stored file.
func fill(t *testing.T, v *vectors) (*stalls.Season, []*stalls.SealedBid) {
	t.Helper()
	raw, _ := hex.DecodeString(v.Market)
	s, err := stalls.ParseSeason(raw)
	if err != nil {
		t.Fatal(err)
	}
	var bids []*stalls.SealedBid
	if v.Bids == nil {
		t.Fatal("no bids")
	}
	for _, vb := range v.Bids {
		p, _ := hex.DecodeString(vb.Payload)
		b, err := stalls.ParseSealedBid(p)
		if err != nil {
			t.Fatal(err)
		}
		bids = append(bids, b)
	}
	var decs []*stalls.Decryption
	for _, h := range v.Decryptions {
		p, _ := hex.DecodeString(h)
		d, err := stalls.ParseDecryption(p)
		if err != nil {
			t.Fatal(err)
		}
		decs = append(decs, d)
	}
	amounts, _, err := stalls.Decrypt(nil, s, bids, decs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := stalls.Allocate(s, bids, amounts)
	if err != nil {
		t.Fatal(err)
	}
	v.BidsHash, v.Seed, v.Allocation = hex.EncodeToString(a.BidsHash[:]), hex.EncodeToString(a.Seed[:]), hex.EncodeToString(a.Bytes())
	for i, b := range bids {
		v.Bids[i].Stall = s.Stalls[b.Stall].ID
		v.Bids[i].Amount = amounts[i]
		v.Bids[i].Binding = hex.EncodeToString(stalls.BidBinding(b.Stall, b.Bidder))
		k := stalls.TieKey(a.Seed, b.Stall, b.Bidder)
		v.Bids[i].TieKey = hex.EncodeToString(k[:])
	}
	v.Awards = nil
	for _, w := range a.Awards {
		v.Awards = append(v.Awards, vecWon{Stall: s.Stalls[w.Stall].ID, Bidder: hex.EncodeToString(w.Bidder[:]), Amount: w.Amount})
	}
	return s, bids
}

func TestVectors(t *testing.T) {
	t.Parallel()
	v := makeVectors(t)
	fill(t, v)
	golden.JSON(t, vectorsPath, v)
	if golden.Updating() {
		return
	}
	// The stored payloads, read as an independent implementation would,
	// give the stored hashes, amounts, tie keys and allocation.
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var want vectors
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got := want
	got.Bids = append([]vecBid(nil), want.Bids...)
	fill(t, &got)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("the stored payloads give\n%s\nwant\n%s", g, w)
	}
	fp, topic := stalls.Fingerprint(want.Season), stalls.Topic(want.Season)
	if hex.EncodeToString(fp[:]) != want.Fingerprint || hex.EncodeToString(topic[:]) != want.Topic ||
		bulletin.NamedTopic("veche/stalls/"+want.Season) != topic {
		t.Fatal("fingerprint or topic differ")
	}
}
