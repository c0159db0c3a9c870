// Package verifytest helps tests work with exported election records
// (docs/spec/verification.md, section 3): read one from a file, and replay
// it onto an in-memory board, whole or in parts, so that a test can watch a
// verifier or an explorer follow the election as it happens.
package verifytest

import (
	"context"
	"os"
	"testing"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// Load reads the record in the file at path, failing t if it cannot.
func Load(t testing.TB, path string) *verify.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := verify.ReadRecord(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Replay posts entries from … to−1 of rec to board, each as its poster,
// after publishing the election (creating its topic and authorising its
// parties) when from is 0: the board then holds the same log, hash chain
// and all, as the board the record was exported from.
func Replay(t testing.TB, board *memboard.Board, rec *verify.Record, from, to int) {
	t.Helper()
	ctx := context.Background()
	m, err := voting.ParseManifest(rec.Log[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	if from == 0 {
		if err := voting.Publish(ctx, board.As(rec.Log[0].Poster), m); err != nil {
			t.Fatal(err)
		}
		from = 1
	}
	for _, e := range rec.Log[from:to] {
		if _, err := board.As(e.Poster).Append(ctx, rec.Topic(), e.Kind, e.Payload); err != nil {
			t.Fatalf("replaying entry %d: %v", e.Seq, err)
		}
	}
}
