package polls_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/veche/veche/services/polls"
)

// FuzzParseAggregate: a payload from the board (version 1 or 2, seeded
// with the vectors' valid and invalid ones) either is refused or
// re-encodes to exactly itself, and never panics.
func FuzzParseAggregate(f *testing.F) {
	raw, err := os.ReadFile("../../testdata/polls.json")
	if err != nil {
		f.Fatal(err)
	}
	var v struct {
		Aggregate  string
		Invalid    []struct{ Payload string } `json:"invalid_aggregates"`
		Moderation struct {
			Batches []struct{ Aggregate string }
			Invalid []struct{ Payload string } `json:"invalid_aggregates"`
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		f.Fatal(err)
	}
	seeds := []string{v.Aggregate}
	for _, i := range append(v.Invalid, v.Moderation.Invalid...) {
		seeds = append(seeds, i.Payload)
	}
	for _, b := range v.Moderation.Batches {
		seeds = append(seeds, b.Aggregate)
	}
	for _, s := range seeds {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := polls.ParseAggregate(b)
		if err != nil {
			return
		}
		if !bytes.Equal(a.Bytes(), b) {
			t.Fatalf("%x re-encodes to %x", b, a.Bytes())
		}
	})
}

// BenchmarkNewAggregate makes the aggregate of a batch of 100,000 ratings
// over 1,000 activities (the largest batch): sorting, leaves, rows, root.
func BenchmarkNewAggregate(b *testing.B) {
	items := make([]*polls.Item, polls.MaxBatch)
	for i := range items {
		items[i] = &polls.Item{ID: uint64(i + 1), Kind: polls.KindRating, Subject: fmt.Sprintf("activity/a%d", i%polls.MaxRows),
			Rating: uint8(i%5 + 1), Salt: [32]byte{byte(i), byte(i >> 8), byte(i >> 16)}}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := polls.NewAggregate(1, items); err != nil {
			b.Fatal(err)
		}
	}
}
