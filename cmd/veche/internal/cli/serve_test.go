package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// veche serve --box takes a ballot over HTTP, acknowledges it with a
// receipt, posts it to the embedded chain, and reports it posted with an
// inclusion proof.
func TestServeBallotBox(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	ctx := context.Background()

	// The election, set up through the Go API on the embedded chain: the
	// chain's own account is the commission, ballot box and credential
	// authority; three trustees, 2 of 3.
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	var trustees []chain.Board
	var members []string
	for range 3 {
		key, _ := ethboard.NewKey()
		tb, err := chain.PosterFor(ctx, b, key)
		if err != nil {
			t.Fatal(err)
		}
		trustees = append(trustees, tb)
		members = append(members, fmt.Sprintf(`{name: T, address: "%s"}`, strings.ToLower(ethboard.ChecksumAddress(tb.Address()))))
	}
	m, err := voting.DecodeManifest([]byte(fmt.Sprintf(`version: 1
id: serve-test
title: {en: Serve test}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: s, districts: [all], contests: [q]}]
contests:
  - {id: q, title: {en: Question}, kind: referendum, tally: homomorphic, min: 1, max: 1, blank: false, write_in: false,
     options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]}
commission: {name: C, address: "%[1]s"}
ballot_box: {name: B, address: "%[1]s"}
credential_authority: {name: A, address: "%[1]s"}
trustees: {threshold: 2, members: [%[2]s]}
mixers: []
`, self, strings.Join(members, ", "))))
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, tb := range trustees {
		key, _ := hybrid.GenerateKey(nil)
		if _, err := voting.Join(ctx, tb, m, key, nil); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = voting.RunKeygen(ctx, tb, m, key, &voting.MemoryStore{}, nil)
		}()
	}
	for {
		s, err := voting.ReadCeremony(ctx, b, m)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.NotReady()) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := voting.CloseCeremony(ctx, b, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(nil, m, map[string]int{"s": 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, b, m, list); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
		t.Fatal(err)
	}
	b.Close()

	// Serve, cast, wait for the posting.
	sctx, cancel := context.WithCancel(ctx)
	out := &lineWaiter{want: 2, done: make(chan struct{})}
	var code int
	wg.Add(1)
	go func() {
		defer wg.Done()
		code = Run(sctx, []string{"--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0", "--box", "serve-test"}, out, os.Stderr)
	}()
	select {
	case <-out.done:
	case <-time.After(time.Minute):
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	line := out.String()
	base := strings.Fields(line[strings.Index(line, "http://"):])[0]
	pk, _ := elgamal.NewPublicKeyFromElement(res.JointKey)
	ballot, _, err := voting.EncryptBallot(nil, m, pk, "s", creds[0].Key, voting.Selections{"q": {Options: []string{"no"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/elections/serve-test/ballots", "application/json",
		strings.NewReader(`{"ballot":"`+base64.StdEncoding.EncodeToString(ballot.Bytes())+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var rc struct {
		TrackingCode string `json:"tracking_code"`
	}
	json.NewDecoder(resp.Body).Decode(&rc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || rc.TrackingCode != ballot.TrackingCode().String() {
		t.Fatalf("cast: %d, tracking code %q", resp.StatusCode, rc.TrackingCode)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/elections/serve-test/ballots/" + rc.TrackingCode)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Posted bool   `json:"posted"`
			Proof  string `json:"inclusion_proof"`
		}
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.Posted && st.Proof != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ballot was not posted within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	// The ballot is on the chain: the board has one ballot batch.
	out2 := mustRun(t, "--data", data, "election", "show", "serve-test")
	if !strings.Contains(strings.Join(strings.Fields(out2), " "), "ballot-batch 1") {
		t.Fatalf("election show after serving:\n%s", out2)
	}
}
