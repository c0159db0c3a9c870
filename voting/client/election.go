package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
)

// An Election is what a voter's device needs of an election, read from
// the board and found to agree with the API.
type Election struct {
	ID          string
	Manifest    *voting.Manifest
	Fingerprint zkp.Fingerprint
	// Key is the election key: the joint key of the closed key ceremony.
	Key *elgamal.PublicKey
	// Credentials is the public credential list.
	Credentials *voting.CredentialList
	// BallotBox is the ballot box's board account, the only poster whose
	// ballot entries count.
	BallotBox bulletin.Address
}

// Manifest reads election id's manifest from the board and checks that
// the API serves the same bytes (GET /elections/{id}/manifest): if not,
// the error wraps [ErrMismatch]. It needs neither the key nor the
// credentials, so it works from the moment the election is published.
func (c *Client) Manifest(ctx context.Context, id string) (*voting.Manifest, error) {
	c.mu.Lock()
	e := c.elections[id]
	c.mu.Unlock()
	if e != nil {
		return e.Manifest, nil
	}
	m, _, err := c.manifest(ctx, id)
	return m, err
}

func (c *Client) manifest(ctx context.Context, id string) (*voting.Manifest, []byte, error) {
	if c.board == nil {
		return nil, nil, ErrNoBoard
	}
	m, err := voting.ReadManifest(ctx, c.board, id)
	if err != nil {
		return nil, nil, fmt.Errorf("client: reading the manifest from the board: %w", err)
	}
	onBoard, err := m.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	path := "/elections/" + pathEscape(id) + "/manifest"
	resp, err := c.call(ctx, request{method: "GET", path: path, repeatable: true})
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(resp.body, onBoard) {
		fpAPI := voting.FingerprintOf(resp.body)
		fpBoard := voting.FingerprintOf(onBoard)
		return nil, nil, fmt.Errorf("%w: the API's manifest of election %s (fingerprint %x…) is not the board's (%x…): do not vote through this server",
			ErrMismatch, id, fpAPI[:8], fpBoard[:8])
	}
	return m, onBoard, nil
}

// Election reads election id from the board -- the manifest, the election
// key and the public credential list -- and checks that the API serves
// the same manifest and key (errors wrap [ErrMismatch] if not). The result
// is cached: an election's manifest, key and list never change once the
// election is open.
func (c *Client) Election(ctx context.Context, id string) (*Election, error) {
	c.mu.Lock()
	e := c.elections[id]
	c.mu.Unlock()
	if e != nil {
		return e, nil
	}
	m, enc, err := c.manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	res, err := voting.JointKey(ctx, c.board, m)
	if err != nil {
		return nil, fmt.Errorf("client: reading the election key from the board: %w", err)
	}
	pk, err := elgamal.NewPublicKeyFromElement(res.JointKey)
	if err != nil {
		return nil, fmt.Errorf("client: election %s's key: %w", id, err)
	}
	var key struct {
		Election string `json:"election"`
		JointKey string `json:"joint_key"`
	}
	if err := c.getJSON(ctx, "/elections/"+pathEscape(id)+"/key", &key); err != nil {
		return nil, err
	}
	if key.Election != id || key.JointKey != hex.EncodeToString(pk.Bytes()) {
		return nil, fmt.Errorf("%w: the API's key of election %s is not the board's: do not vote through this server", ErrMismatch, id)
	}
	creds, err := voting.ReadCredentials(ctx, c.board, m)
	if err != nil {
		return nil, fmt.Errorf("client: reading the credential list from the board: %w", err)
	}
	box, err := voting.ParseAddress(m.BallotBox.Address)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	e = &Election{ID: id, Manifest: m, Fingerprint: voting.FingerprintOf(enc), Key: pk, Credentials: creds, BallotBox: box}
	c.mu.Lock()
	c.elections[id] = e
	c.mu.Unlock()
	return e, nil
}

// checkCredential checks that cred is on e's list with its style.
func (e *Election) checkCredential(cred *voting.Credential) error {
	if cred == nil || cred.Key == nil {
		return errors.New("client: no credential")
	}
	style, ok := e.Credentials.StyleOf(cred.Key.Public().Bytes())
	if !ok {
		return fmt.Errorf("%w: the credential is not on election %s's list", ErrCredential, e.ID)
	}
	if style != cred.Style {
		return fmt.Errorf("%w: the list has the credential for ballot style %q, not %q", ErrCredential, style, cred.Style)
	}
	return nil
}
