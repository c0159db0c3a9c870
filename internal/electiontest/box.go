package electiontest

import (
	"context"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store"
)

// Box starts a ballot box of the election on db, posting through board
// (nil: the in-memory board as the manifest's ballot box), signing with
// BoxKey, its randomness from Seed (" box"), and reading the phase on
// every request; the box is closed when the test ends.
func (e *Election) Box(db *store.DB, board ballotbox.Board) *ballotbox.Box {
	t := e.T
	t.Helper()
	if board == nil {
		board = e.As(e.Manifest.BallotBox.Address)
	}
	box, err := ballotbox.New(context.Background(), ballotbox.Config{
		Election: e.Manifest.ID, Board: board, DB: db, Key: e.boxKey(),
		PhaseTTL: -1, Rand: seeded(e.Seed, " box"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { box.Close() })
	return box
}

// boxKey returns BoxKey, made from Seed first if it is nil.
func (e *Election) boxKey() *schnorr.PrivateKey {
	if e.BoxKey == nil {
		k, err := schnorr.GenerateKey(seeded(e.Seed, " box key"))
		if err != nil {
			e.T.Fatal(err)
		}
		e.BoxKey = k
	}
	return e.BoxKey
}
