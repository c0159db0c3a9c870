package polls_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/polls/pollstest"
	"github.com/veche/veche/voting"
)

type vectorItem struct {
	ID      uint64 `json:"id"`
	Kind    uint8  `json:"kind"`
	Subject string `json:"subject"`
	Rating  uint8  `json:"rating"`
	Text    string `json:"text"`
	Salt    string `json:"salt"`
	Leaf    string `json:"leaf"`
}

type vectorProof struct {
	ItemID uint64 `json:"item_id"`
	Proof  string `json:"proof"`
}

type vectorInvalid struct {
	What    string `json:"what"`
	Payload string `json:"payload"`
}

type vectorFile struct {
	Comment   string          `json:"comment"`
	Topic     string          `json:"topic"`
	Items     []vectorItem    `json:"items"`
	Batch     uint64          `json:"batch"`
	Root      string          `json:"root"`
	Aggregate string          `json:"aggregate"`
	Proofs    []vectorProof   `json:"proofs"`
	Invalid   []vectorInvalid `json:"invalid_aggregates"`
	Manifest  struct {
		Spec        *polls.Spec     `json:"spec"`
		Defaults    *polls.Defaults `json:"defaults"`
		Encoding    string          `json:"encoding"`
		Fingerprint string          `json:"fingerprint"`
	} `json:"manifest"`
}

func salt(r io.Reader) [polls.SaltSize]byte {
	var s [polls.SaltSize]byte
	io.ReadFull(r, s[:])
	return s
}

// TestVectors regenerates testdata/polls.json (go test -run TestVectors
// -update) and otherwise checks the code still produces it, and checks
// the leaf formula against an independent computation from
// docs/spec/polls.md.
func TestVectors(t *testing.T) {
	rnd := pollstest.Rand("polls vectors")
	items := []*polls.Item{
		{ID: 1, Kind: polls.KindComment, Subject: "poll/bike-lanes", Text: "Along the river, please."},
		{ID: 2, Kind: polls.KindRating, Subject: "activity/spring-cleanup", Rating: 5},
		{ID: 3, Kind: polls.KindRating, Subject: "activity/spring-cleanup", Rating: 2},
		{ID: 4, Kind: polls.KindComment, Subject: "project/new-library", Text: "Более учебных комнат."},
		{ID: 5, Kind: polls.KindComment, Subject: "poll/bike-lanes", Text: "Ring road!"},
	}
	for _, it := range items {
		it.Salt = salt(rnd)
	}
	var v vectorFile
	v.Comment = "docs/spec/polls.md: leaves, the aggregate entry (kind 71) and inclusion proofs; items in id order, the batch in batch order"
	v.Topic = polls.Topic.String()
	for _, it := range items {
		leaf := it.Leaf()
		// Independently, as section 4 of the spec writes it.
		th := sha256.Sum256([]byte(it.Text))
		in := append([]byte("veche/polls/leaf/v1"), byte(it.Kind), byte(len(it.Subject)))
		in = append(in, it.Subject...)
		in = binary.BigEndian.AppendUint64(in, it.ID)
		in = append(in, it.Rating)
		in = append(in, th[:]...)
		in = append(in, it.Salt[:]...)
		if sha256.Sum256(in) != leaf {
			t.Fatalf("item %d: the leaf is not the spec's", it.ID)
		}
		v.Items = append(v.Items, vectorItem{ID: it.ID, Kind: uint8(it.Kind), Subject: it.Subject, Rating: it.Rating, Text: it.Text,
			Salt: hex.EncodeToString(it.Salt[:]), Leaf: hex.EncodeToString(leaf[:])})
	}
	batch := append([]*polls.Item(nil), items...)
	a, err := polls.NewAggregate(1, batch) // sorts batch
	if err != nil {
		t.Fatal(err)
	}
	v.Batch, v.Root, v.Aggregate = a.Number, hex.EncodeToString(a.Root[:]), hex.EncodeToString(a.Bytes())
	leaves := make([]voting.TrackingCode, len(batch))
	for i, it := range batch {
		leaves[i] = voting.TrackingCode(it.Leaf())
	}
	for i, it := range batch {
		p, err := voting.NewInclusionProof(leaves, i)
		if err != nil {
			t.Fatal(err)
		}
		rc := &polls.Receipt{Item: *it, Batch: 1, Proof: p.Bytes()}
		if err := polls.CheckReceipt(rc, a); err != nil {
			t.Fatal(err)
		}
		v.Proofs = append(v.Proofs, vectorProof{ItemID: it.ID, Proof: hex.EncodeToString(p.Bytes())})
	}
	if back, err := polls.ParseAggregate(a.Bytes()); err != nil || hex.EncodeToString(back.Bytes()) != v.Aggregate {
		t.Fatalf("round trip: %v", err)
	}
	enc := a.Bytes()
	mut := func(what string, f func(b []byte) []byte) {
		b := f(append([]byte(nil), enc...))
		if _, err := polls.ParseAggregate(b); err == nil {
			t.Fatalf("invalid aggregate accepted: %s", what)
		}
		v.Invalid = append(v.Invalid, vectorInvalid{What: what, Payload: hex.EncodeToString(b)})
	}
	mut("version 2", func(b []byte) []byte { b[0] = 2; return b })
	mut("batch number 0", func(b []byte) []byte { clear(b[1:9]); return b })
	mut("leaves not the sum of the counts", func(b []byte) []byte { b[12]++; return b })
	mut("a trailing byte", func(b []byte) []byte { return append(b, 0) })
	mut("cut short", func(b []byte) []byte { return b[:len(b)-1] })
	mut("rows out of order", func(b []byte) []byte {
		c := *a
		c.Rows = []polls.Row{a.Rows[1], a.Rows[0], a.Rows[2]}
		return c.Bytes()
	})
	mut("a rating sum above 5 per rating", func(b []byte) []byte {
		c := *a
		c.Rows = append([]polls.Row(nil), a.Rows...)
		c.Rows[2].Sum = 11
		return c.Bytes()
	})
	mut("a comment row with a sum", func(b []byte) []byte {
		c := *a
		c.Rows = append([]polls.Row(nil), a.Rows...)
		c.Rows[0].Sum = 1
		return c.Bytes()
	})
	mut("a rating of a poll", func(b []byte) []byte {
		c := *a
		c.Rows = append([]polls.Row(nil), a.Rows...)
		c.Rows[2].Subject = "poll/zzz"
		return c.Bytes()
	})

	opens := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	v.Manifest.Spec = &polls.Spec{ID: "bike-lanes", Question: voting.Text{"en": "Where should the new bicycle lanes go?", "ru": "Где проложить новые велодорожки?"},
		Kind: voting.Approval, Max: 2, Opens: opens, Closes: opens.Add(14 * 24 * time.Hour),
		Options: []voting.Option{{ID: "ring", Title: voting.Text{"en": "Ring road"}}, {ID: "river", Title: voting.Text{"en": "Along the river"}}, {ID: "centre", Title: voting.Text{"en": "City centre"}}}}
	v.Manifest.Defaults = &polls.Defaults{
		Commission:          voting.Party{Name: "City hall", Address: "0x1000000000000000000000000000000000000001"},
		BallotBox:           voting.Party{Name: "Ballot box", Address: "0x1000000000000000000000000000000000000002"},
		CredentialAuthority: voting.Party{Name: "Credential authority", Address: "0x1000000000000000000000000000000000000003"},
		Trustees: voting.Trustees{Threshold: 2, Members: []voting.Party{{Name: "T1", Address: "0x2000000000000000000000000000000000000001"},
			{Name: "T2", Address: "0x2000000000000000000000000000000000000002"}, {Name: "T3", Address: "0x2000000000000000000000000000000000000003"}}},
		Mixers: []voting.Party{},
	}
	m, err := polls.NewManifest(v.Manifest.Spec, v.Manifest.Defaults)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := m.Fingerprint()
	v.Manifest.Encoding, v.Manifest.Fingerprint = string(mb), hex.EncodeToString(fp[:])
	golden.JSON(t, "../../testdata/polls.json", v)
}
