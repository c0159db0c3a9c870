package castbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// manifestTemplate is the benchmark's election: one referendum, one ballot
// style, the chain's own account as commission, ballot box and credential
// authority, one trustee (1 of 1). Filled in with the id, the times and the
// two addresses.
const manifestTemplate = `version: 1
id: %[1]s
title: {en: Cast benchmark}
opens: %[2]s
closes: %[3]s
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: all, districts: [all], contests: [referendum]}]
contests:
  - id: referendum
    title: {en: "Adopt the proposal?"}
    kind: referendum
    tally: homomorphic
    options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]
    min: 1
    max: 1
    blank: false
    write_in: false
commission: {name: Commission, address: "%[4]s"}
ballot_box: {name: Ballot box, address: "%[4]s"}
credential_authority: {name: Credential authority, address: "%[4]s"}
trustees: {threshold: 1, members: [{name: Trustee, address: "%[5]s"}]}
mixers: []
`

// election is an open benchmark election on a board: its manifest, joint
// key and the voters' private credentials.
type election struct {
	m     *voting.Manifest
	pk    *elgamal.PublicKey
	creds []*voting.Credential
}

// setupElection publishes a new election on the embedded chain b (whose
// own account becomes the commission, the ballot box and the credential
// authority), runs a one-trustee key ceremony with a second account,
// issues and posts voters credentials and opens the election.
func setupElection(ctx context.Context, b chain.Board, voters int) (*election, error) {
	tkey, err := ethboard.NewKey()
	if err != nil {
		return nil, err
	}
	trustee, err := chain.PosterFor(ctx, b, tkey)
	if err != nil {
		return nil, err
	}
	defer trustee.Close()
	var nonce [4]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	id := "bench-" + hex.EncodeToString(nonce[:])
	m, err := voting.DecodeManifest(fmt.Appendf(nil, manifestTemplate, id,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(24*time.Hour).Format(time.RFC3339),
		self, strings.ToLower(ethboard.ChecksumAddress(trustee.Address()))))
	if err != nil {
		return nil, fmt.Errorf("castbench: the benchmark manifest: %w", err)
	}
	if err := voting.Publish(ctx, b, m); err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}

	// The key ceremony: one trustee, who runs until the commission closes it.
	hkey, err := hybrid.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if _, err := voting.Join(ctx, trustee, m, hkey, nil); err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	var (
		wg     sync.WaitGroup
		kgErr  error
		kgCtx  context.Context
		cancel context.CancelFunc
	)
	kgCtx, cancel = context.WithCancel(ctx)
	defer cancel()
	wg.Go(func() { _, kgErr = voting.RunKeygen(kgCtx, trustee, m, hkey, &voting.MemoryStore{}, nil) })
	for {
		s, err := voting.ReadCeremony(ctx, b, m)
		if err != nil {
			cancel()
			wg.Wait()
			return nil, fmt.Errorf("castbench: %w", err)
		}
		if len(s.NotReady()) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			cancel()
			wg.Wait()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	res, err := voting.CloseCeremony(ctx, b, m, nil)
	if err != nil {
		cancel()
		wg.Wait()
		return nil, fmt.Errorf("castbench: closing the key ceremony: %w", err)
	}
	wg.Wait()
	if kgErr != nil {
		return nil, fmt.Errorf("castbench: the trustee: %w", kgErr)
	}
	pk, err := elgamal.NewPublicKeyFromElement(res.JointKey)
	if err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}

	creds, list, err := voting.GenerateCredentials(nil, m, map[string]int{"all": voters})
	if err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	if err := voting.PostCredentials(ctx, b, m, list); err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	return &election{m: m, pk: pk, creds: creds}, nil
}

// readElection reads election id from the board r: the manifest and the
// joint key, which the ballots are encrypted with.
func readElection(ctx context.Context, r bulletin.Reader, id string, creds []*voting.Credential) (*election, error) {
	m, err := voting.ReadManifest(ctx, r, id)
	if err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	res, err := voting.JointKey(ctx, r, m)
	if err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	pk, err := elgamal.NewPublicKeyFromElement(res.JointKey)
	if err != nil {
		return nil, fmt.Errorf("castbench: %w", err)
	}
	if len(creds) == 0 {
		return nil, errors.New("castbench: no credentials to cast with")
	}
	return &election{m: m, pk: pk, creds: creds}, nil
}
