package ethboard

import (
	"context"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/bulletintest"
	"github.com/veche/veche/bulletin/eth/gethtest"
)

// TestConformanceGeth runs the conformance suite against the contract on a
// real geth --dev node over JSON-RPC (1-second blocks). Without a geth binary
// it is skipped, except in CI (CI=true), where it fails: see gethtest.Start.
func TestConformanceGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("real-node test; skipped in -short mode")
	}
	node := gethtest.Start(t)
	keys := node.NewAccounts(t, "ethboard conformance", numAccounts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Config{PollInterval: 50 * time.Millisecond, RetryDelay: 50 * time.Millisecond}
	addr, deployed, err := Deploy(ctx, node.Client, keys[0], cfg)
	if err != nil {
		t.Fatalf("deploying on geth: %v", err)
	}
	cfg.FromBlock = deployed
	s := &suiteBoard{}
	for i := range numAccounts {
		if s.clients[i], err = New(ctx, node.Client, addr, keys[i], cfg); err != nil {
			t.Fatal(err)
		}
	}
	bulletintest.Run(t, func(t *testing.T) bulletintest.Board { return s })
}
