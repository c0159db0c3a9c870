package gethtest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// A fakeT records how Start ends a test instead of ending it.
type fakeT struct {
	testing.TB
	skipped, failed string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Skipf(format string, a ...any) {
	f.skipped = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (f *fakeT) Fatalf(format string, a ...any) {
	f.failed = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (f *fakeT) Fatal(a ...any) { f.failed = fmt.Sprint(a...); runtime.Goexit() }

func runStart(t *testing.T) *fakeT {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(f)
		t.Error("Start returned without a geth binary")
	}()
	<-done
	return f
}

// Without a geth binary Start skips, except under CI=true, where it fails;
// a VECHE_GETH that names no executable is an error, not a reason to skip.
func TestNoBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(EnvGeth, "")

	t.Setenv("CI", "")
	if f := runStart(t); f.skipped == "" || f.failed != "" {
		t.Errorf("without geth: skipped %q, failed %q; want a skip", f.skipped, f.failed)
	}
	t.Setenv("CI", "true")
	if f := runStart(t); f.failed == "" || !strings.Contains(f.failed, "CI=true") {
		t.Errorf("without geth under CI=true: skipped %q, failed %q; want a failure", f.skipped, f.failed)
	}

	t.Setenv("CI", "")
	notExec := filepath.Join(t.TempDir(), "geth")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(t.TempDir(), "missing"), notExec} {
		t.Setenv(EnvGeth, p)
		if f := runStart(t); f.failed == "" || !strings.Contains(f.failed, p) {
			t.Errorf("VECHE_GETH=%s: skipped %q, failed %q; want a failure naming the path", p, f.skipped, f.failed)
		}
	}
}

// The node answers on loopback, seals blocks, has the developer account
// funded, funds new accounts, and is gone after stop.
func TestStartStop(t *testing.T) {
	n := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !strings.HasPrefix(n.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s is not on loopback", n.URL)
	}
	keys := n.NewAccounts(t, t.Name(), 2)
	for _, k := range keys {
		bal, err := n.Client.BalanceAt(ctx, pubAddr(k), nil)
		if err != nil || bal.Sign() == 0 {
			t.Fatalf("new account balance %v, %v", bal, err)
		}
	}
	b1, err := n.Client.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for {
		b2, err := n.Client.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b2 > b1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no block after %d within 20 s (--dev.period 1)", b1)
		case <-time.After(100 * time.Millisecond):
		}
	}
	hdr, err := n.Client.HeaderByNumber(ctx, nil)
	if err != nil || hdr.GasLimit != GasLimit {
		t.Fatalf("latest block gas limit %v (%v), want %d", hdr.GasLimit, err, GasLimit)
	}

	n.stop(t)
	if err := syscall.Kill(n.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("geth pid %d still exists after stop: kill -0 says %v", n.PID, err)
	}
}

func pubAddr(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }
