package client_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

// On the embedded chain, whose board can say where an entry is, the client
// locates the ballot's entry itself and finds the block and transaction
// the box reported; a status naming another block, block hash or
// transaction is refused.
func TestClientChecksTheBlockAndTransactionOnTheChain(t *testing.T) {
	ctx := ctxFor(t)
	b, err := chain.Open(ctx, chain.Options{DataDir: t.TempDir(), PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, ok := b.(bulletin.Locator); !ok {
		t.Fatal("the embedded chain's board cannot locate entries")
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	tkey, _ := ethboard.NewKey()
	trustee, err := chain.PosterFor(ctx, b, tkey)
	if err != nil {
		t.Fatal(err)
	}
	m := manifest(t, "sdk-chain", func(m *voting.Manifest) {
		m.Commission.Address, m.BallotBox.Address, m.CredentialAuthority.Address = self, self, self
		m.Trustees.Members[0].Address = strings.ToLower(ethboard.ChecksumAddress(trustee.Address()))
		m.Contests = m.Contests[:1]
		m.BallotStyles[0].Contests = []string{m.Contests[0].ID}
	})
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(testRand("sdk chain credentials"), m, map[string]int{"city": 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, b, m, list); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		t.Fatal(err)
	}
	tk, _ := hybrid.GenerateKey(testRand("sdk chain trustee"))
	if _, err := voting.Join(ctx, trustee, m, tk, nil); err != nil {
		t.Fatal(err)
	}
	st := &voting.MemoryStore{}
	for i := 0; ; i++ {
		if _, err := voting.RunKeygen(ctx, trustee, m, tk, st, &voting.KeygenOptions{Rand: testRand(fmt.Sprint("sdk chain keygen ", i)), NoWait: true}); err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		if _, err := voting.CloseCeremony(ctx, b, m, nil); err == nil {
			break
		} else if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatal(err)
		}
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
		t.Fatal(err)
	}

	var tamper atomic.Pointer[func(map[string]any)]
	s := startServer(t, m, "sdk chain", b, b, storetest.SQLiteURL(t), api.Config{}, rewrite(isStatus, func(_ *http.Request, body map[string]any) {
		if f := tamper.Load(); f != nil {
			(*f)(body)
		}
	}))
	c := s.clientOf(t, m.ID, "sdk chain", b)
	ballot, err := c.Encrypt(ctx, m.ID, creds[0], yes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cast(ctx, ballot); err != nil {
		t.Fatal(err)
	}
	s.post(t)
	st1, err := c.Status(ctx, m.ID, ballot.TrackingCode())
	if err != nil {
		t.Fatal(err)
	}
	if !st1.Located || st1.Block == 0 || st1.BlockHash == ([32]byte{}) {
		t.Fatalf("the box reports no location: %+v", st1)
	}
	inc, err := c.CheckInclusion(ctx, m.ID, ballot.TrackingCode())
	if err != nil {
		t.Fatal(err)
	}
	if !inc.LocationChecked || inc.Block != st1.Block || inc.Transaction != st1.Transaction || inc.BlockHash != st1.BlockHash {
		t.Fatalf("inclusion %+v, status %+v", inc, st1)
	}
	for name, f := range map[string]func(map[string]any){
		"another block":       func(b map[string]any) { b["block"] = b["block"].(float64) - 1 },
		"another transaction": func(b map[string]any) { b["transaction"] = "0x" + strings.Repeat("11", 32) },
		"another block hash":  func(b map[string]any) { b["block_hash"] = "0x" + strings.Repeat("22", 32) },
	} {
		tamper.Store(&f)
		if _, err := c.CheckInclusion(ctx, m.ID, ballot.TrackingCode()); !errors.Is(err, client.ErrNotIncluded) {
			t.Errorf("%s: %v, want ErrNotIncluded", name, err)
		}
	}
}
