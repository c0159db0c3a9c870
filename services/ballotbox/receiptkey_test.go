package ballotbox_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// A box refuses to serve an election whose manifest names another receipt
// key than its own; with its own key named it gets past that check (here
// to stop at the key ceremony, which this election has not had).
func TestBoxKeyMustBeTheManifests(t *testing.T) {
	ctx := context.Background()
	key, _ := schnorr.GenerateKey(testRand("receipt key: box"))
	other, _ := schnorr.GenerateKey(testRand("receipt key: other"))
	for _, tc := range []struct {
		name  string
		named *schnorr.PrivateKey
		ok    bool
	}{{"named", key, true}, {"another", other, false}} {
		t.Run(tc.name, func(t *testing.T) {
			m := manifest(t, "receipt-key-"+tc.name, voting.RevoteLastCounts, true)
			m.BallotBoxKey = hex.EncodeToString(tc.named.Public().Bytes())
			board := memboard.New()
			if err := voting.Publish(ctx, board.As(addr(t, m.Commission.Address)), m); err != nil {
				t.Fatal(err)
			}
			box, err := ballotbox.New(ctx, ballotbox.Config{Election: m.ID, Board: board.As(addr(t, m.BallotBox.Address)),
				DB: storetest.Open(t, storetest.SQLiteURL(t)), Key: key, PhaseTTL: -1})
			if err == nil || strings.Contains(err.Error(), "receipt key") == tc.ok {
				t.Fatalf("New: %v", err)
			}
			if box != nil {
				box.Close()
			}
		})
	}
}
