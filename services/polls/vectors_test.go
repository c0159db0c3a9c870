package polls_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"strings"
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
	Moderation vectorModeration `json:"moderation"`
}

// vectorModeration is the file's moderation part: batches 2 and 3 after
// the file's batch 1, recording hides (docs/spec/polls.md, section 5,
// version 2).
type vectorModeration struct {
	Comment          string           `json:"comment"`
	Items            []vectorItem     `json:"items"`
	Hides            []vectorHide     `json:"hides"`
	Batches          []vectorBatch    `json:"batches"`
	Proofs           []vectorProof    `json:"proofs"`
	Totals           []vectorTotal    `json:"totals"`
	Invalid          []vectorInvalid  `json:"invalid_aggregates"`
	InvalidSequences []vectorSequence `json:"invalid_sequences"`
}

type vectorHide struct {
	ItemID     uint64 `json:"item_id"`
	Batch      uint64 `json:"batch"`
	Index      uint32 `json:"index"`
	At         string `json:"at"`
	AtMicros   int64  `json:"at_micros"`
	Reason     string `json:"reason"`
	ReasonHash string `json:"reason_hash"`
	RecordedIn uint64 `json:"recorded_in"`
}

type vectorBatch struct {
	Batch     uint64 `json:"batch"`
	Root      string `json:"root"`
	Aggregate string `json:"aggregate"`
}

type vectorTotal struct {
	Kind    uint8  `json:"kind"`
	Subject string `json:"subject"`
	Count   uint64 `json:"count"`
	Sum     uint64 `json:"sum"`
	Hidden  uint64 `json:"hidden"`
}

type vectorSequence struct {
	What     string   `json:"what"`
	Payloads []string `json:"payloads"`
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
	v.Moderation = moderationVectors(t, a)
	golden.JSON(t, "../../testdata/polls.json", v)
}

// moderationVectors makes the file's moderation part after batch 1 (b1):
// batch 2 anchors a comment and a rating and records two hides (a comment
// of batch 1, its own comment), batch 3 records one hide only. It checks
// the reason hash against the spec's formula, the reader on the valid and
// invalid records, and the spec's worked example against the payloads.
func moderationVectors(t *testing.T, b1 *polls.Aggregate) vectorModeration {
	ctx := context.Background()
	rnd := pollstest.Rand("polls vectors moderation")
	items := []*polls.Item{
		{ID: 6, Kind: polls.KindComment, Subject: "project/new-library", Text: "Spam, spam, spam."},
		{ID: 7, Kind: polls.KindRating, Subject: "activity/spring-cleanup", Rating: 4},
	}
	for _, it := range items {
		it.Salt = salt(rnd)
	}
	m := vectorModeration{Comment: "docs/spec/polls.md, sections 5 and 8: batch 2 anchors items 6 and 7 and records the hides of item 5 " +
		"(leaf 1 of batch 1) and item 6 (leaf 0 of batch 2); batch 3 records the hide of item 1 (leaf 0 of batch 1) only; " +
		"totals over batches 1 to 3; invalid version 2 payloads, which a reader MUST reject alone, and invalid records " +
		"(payloads in board order after creating the topic), which ReadAggregates MUST reject"}
	for _, it := range items {
		leaf := it.Leaf()
		m.Items = append(m.Items, vectorItem{ID: it.ID, Kind: uint8(it.Kind), Subject: it.Subject, Rating: it.Rating, Text: it.Text,
			Salt: hex.EncodeToString(it.Salt[:]), Leaf: hex.EncodeToString(leaf[:])})
	}
	type hidden struct {
		item       uint64
		batch      uint64
		index      uint32
		at         time.Time
		reason     string
		recordedIn uint64
	}
	hs := []hidden{
		{5, 1, 1, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), "advertising", 2},
		{6, 2, 0, time.Date(2026, 12, 3, 11, 30, 0, 123456000, time.UTC), "insults", 2},
		{1, 1, 0, time.Date(2026, 12, 4, 9, 15, 0, 0, time.UTC), "off topic", 3},
	}
	var hides2, hides3 []polls.Hide
	for _, h := range hs {
		rh := polls.ReasonHash(h.reason)
		if sha256.Sum256([]byte("veche/polls/reason/v1"+h.reason)) != rh {
			t.Fatalf("the reason hash is not the spec's")
		}
		hide := polls.Hide{Batch: h.batch, Index: h.index, At: h.at, Reason: rh}
		if h.recordedIn == 2 {
			hides2 = append(hides2, hide)
		} else {
			hides3 = append(hides3, hide)
		}
		m.Hides = append(m.Hides, vectorHide{ItemID: h.item, Batch: h.batch, Index: h.index, At: h.at.Format(time.RFC3339Nano),
			AtMicros: h.at.UnixMicro(), Reason: h.reason, ReasonHash: hex.EncodeToString(rh[:]), RecordedIn: h.recordedIn})
	}
	batch := append([]*polls.Item(nil), items...)
	b2, err := polls.NewAggregate(2, batch, hides2...) // sorts batch: item 6, then item 7
	if err != nil {
		t.Fatal(err)
	}
	b3, err := polls.NewAggregate(3, nil, hides3...)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []*polls.Aggregate{b2, b3} {
		m.Batches = append(m.Batches, vectorBatch{Batch: b.Number, Root: hex.EncodeToString(b.Root[:]), Aggregate: hex.EncodeToString(b.Bytes())})
		if back, err := polls.ParseAggregate(b.Bytes()); err != nil || !bytes.Equal(back.Bytes(), b.Bytes()) {
			t.Fatalf("batch %d round trip: %v", b.Number, err)
		}
	}
	leaves := []voting.TrackingCode{voting.TrackingCode(batch[0].Leaf()), voting.TrackingCode(batch[1].Leaf())}
	for i, it := range batch {
		p, err := voting.NewInclusionProof(leaves, i)
		if err != nil {
			t.Fatal(err)
		}
		m.Proofs = append(m.Proofs, vectorProof{ItemID: it.ID, Proof: hex.EncodeToString(p.Bytes())})
	}

	// The record b1, b2, b3 (with a repeat of b2) reads, and its totals.
	aggs, err := polls.ReadAggregates(ctx, hostileBoard(t, b1.Bytes(), b2.Bytes(), b2.Bytes(), b3.Bytes()), pollstest.Commission)
	if err != nil || len(aggs) != 3 {
		t.Fatalf("reading batches 1 to 3: %d, %v", len(aggs), err)
	}
	for _, tot := range polls.Totals(aggs) {
		m.Totals = append(m.Totals, vectorTotal{Kind: uint8(tot.Kind), Subject: tot.Subject, Count: tot.Count, Sum: tot.Sum, Hidden: tot.Hidden})
	}
	// Item 6's author shows it was hidden, when and why.
	rc := &polls.Receipt{Item: *batch[0], Batch: 2, Proof: must(hex.DecodeString(m.Proofs[0].Proof))}
	if rec, err := polls.CheckHidden(rc, aggs, "insults"); err != nil || rec.In != 2 || !rec.At.Equal(hs[1].at) {
		t.Fatalf("item 6's hide: %+v, %v", rec, err)
	}

	mut := func(what string, base *polls.Aggregate, f func(a *polls.Aggregate) []byte) {
		c := *base
		c.Rows = append([]polls.Row(nil), base.Rows...)
		c.Hides = append([]polls.Hide(nil), base.Hides...)
		b := f(&c)
		if _, err := polls.ParseAggregate(b); err == nil {
			t.Fatalf("invalid aggregate accepted: %s", what)
		}
		m.Invalid = append(m.Invalid, vectorInvalid{What: what, Payload: hex.EncodeToString(b)})
	}
	mut("version 2 without hides", b2, func(a *polls.Aggregate) []byte {
		b := a.Bytes()
		b = b[:len(b)-4-52*len(a.Hides)]
		return append(b, 0, 0, 0, 0)
	})
	mut("version 1 with hides after the rows", b2, func(a *polls.Aggregate) []byte { b := a.Bytes(); b[0] = 1; return b })
	mut("hides out of order", b2, func(a *polls.Aggregate) []byte {
		a.Hides[0], a.Hides[1] = a.Hides[1], a.Hides[0]
		return a.Bytes()
	})
	mut("the same comment hidden twice", b2, func(a *polls.Aggregate) []byte { a.Hides[1] = a.Hides[0]; return a.Bytes() })
	mut("a hide of a later batch", b2, func(a *polls.Aggregate) []byte { a.Hides[1].Batch = 3; return a.Bytes() })
	mut("a hide of batch 0", b2, func(a *polls.Aggregate) []byte { a.Hides[0].Batch = 0; return a.Bytes() })
	mut("a hide of a rating of its own batch", b2, func(a *polls.Aggregate) []byte { a.Hides[1].Index = 1; return a.Bytes() })
	mut("a hide past its own batch's leaves", b2, func(a *polls.Aggregate) []byte { a.Hides[1].Index = 2; return a.Bytes() })
	mut("a hide at time 0", b3, func(a *polls.Aggregate) []byte {
		b := a.Bytes()
		clear(b[len(b)-52+12 : len(b)-32])
		return b
	})
	mut("a hide in the year 10000", b3, func(a *polls.Aggregate) []byte {
		a.Hides[0].At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		return a.Bytes()
	})
	mut("no leaves and a root other than the empty tree's", b3, func(a *polls.Aggregate) []byte { a.Root = b1.Root; return a.Bytes() })
	mut("hides cut short", b3, func(a *polls.Aggregate) []byte { b := a.Bytes(); return b[:len(b)-1] })
	mut("a byte after the hides", b3, func(a *polls.Aggregate) []byte { return append(a.Bytes(), 0) })

	seq := func(what string, payloads ...[]byte) {
		if _, err := polls.ReadAggregates(ctx, hostileBoard(t, payloads...), pollstest.Commission); err == nil {
			t.Fatalf("invalid record accepted: %s", what)
		}
		s := vectorSequence{What: what}
		for _, p := range payloads {
			s.Payloads = append(s.Payloads, hex.EncodeToString(p))
		}
		m.InvalidSequences = append(m.InvalidSequences, s)
	}
	hidesOnly := func(n uint64, h ...polls.Hide) []byte {
		a := polls.Aggregate{Number: n, Root: polls.EmptyRoot, Hides: h}
		return a.Bytes()
	}
	again := hides3[0]
	again.Batch, again.Index = 1, 1 // item 5, which batch 2 recorded hidden
	seq("a comment hidden again (item 5, recorded by batch 2)", b1.Bytes(), b2.Bytes(), hidesOnly(3, again))
	again.Reason = polls.ReasonHash("another reason")
	seq("a hide's reason changed by a later batch", b1.Bytes(), b2.Bytes(), hidesOnly(3, again))
	seq("a hide of a rating of an earlier batch (leaf 3 of batch 1)", b1.Bytes(), hidesOnly(2, polls.Hide{Batch: 1, Index: 3, At: hs[0].at}))
	seq("a hide past an earlier batch's leaves (leaf 5 of batch 1)", b1.Bytes(), hidesOnly(2, polls.Hide{Batch: 1, Index: 5, At: hs[0].at}))
	seq("batch 2 twice, with different payloads", b1.Bytes(), b2.Bytes(), hidesOnly(2, hides3...))
	seq("batch 3 before batch 2", b1.Bytes(), b3.Bytes(), b2.Bytes())

	checkSpecExample(t, "batch 2", m.Batches[0].Aggregate)
	checkSpecExample(t, "batch 3", m.Batches[1].Aggregate)
	return m
}

// checkSpecExample checks that the spec's worked example named name (the
// indented lines after "<!-- name -->" up to "<!-- /name -->" in
// docs/spec/polls.md, hex with "#" comments) is payload.
func checkSpecExample(t *testing.T, name, payload string) {
	t.Helper()
	spec, err := os.ReadFile("../../docs/spec/polls.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(spec), "<!-- "+name+" -->")
	block, _, ok2 := strings.Cut(rest, "<!-- /"+name+" -->")
	if !ok || !ok2 {
		t.Fatalf("docs/spec/polls.md has no worked example %q", name)
	}
	var got strings.Builder
	for _, line := range strings.Split(block, "\n") {
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		line, _, _ = strings.Cut(line, "#")
		got.WriteString(strings.Join(strings.Fields(line), ""))
	}
	if got.String() != payload {
		t.Fatalf("docs/spec/polls.md, %s:\n%s\nthe vector:\n%s", name, got.String(), payload)
	}
}
