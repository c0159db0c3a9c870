package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/veche/veche/voting"
)

// A Ballot is a ballot made on this device and not yet cast or audited:
// the encrypted ballot and, until it is cast or audited, the secrets that
// open it. The fmt package never prints the secrets.
type Ballot struct {
	Election *Election
	Ballot   *voting.Ballot

	mu      sync.Mutex
	secrets *voting.BallotSecrets
	state   ballotState
}

type ballotState int

const (
	fresh   ballotState = iota
	sending             // a cast was sent; the box may have it
	cast
	audited
)

// TrackingCode returns the ballot's tracking code, to show the voter before
// they choose to cast or audit it.
func (b *Ballot) TrackingCode() voting.TrackingCode { return b.Ballot.TrackingCode() }

// Encrypt makes a ballot for election with the voter's credential and
// selections (voting.EncryptBallot, with the key read from the board). The
// credential must be on the election's list. The selections are checked
// against the manifest; errors about them wrap [voting.ErrInvalidSelection]
// and say what is wrong without repeating the choices.
func (c *Client) Encrypt(ctx context.Context, election string, cred *voting.Credential, sel voting.Selections) (*Ballot, error) {
	e, err := c.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	if err := e.checkCredential(cred); err != nil {
		return nil, err
	}
	b, s, err := voting.EncryptBallot(c.rand, e.Manifest, e.Key, cred.Style, cred.Key, sel)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &Ballot{Election: e, Ballot: b, secrets: s}, nil
}

// A Receipt is the ballot box's acknowledgement of a cast or audited
// ballot, checked by the client: it parses, names the election, the kind
// and the tracking code of the ballot it answers, agrees with the API's
// JSON, and, if the box's key is known -- from the manifest's
// ballot_box_key, or pinned with [ReceiptKey] -- its signature verifies
// ([Receipt.Verified]).
type Receipt struct {
	voting.Receipt
	// Verified: the signature was checked under the ballot box's key.
	Verified bool
}

// receiptJSON is the API's receipt object.
type receiptJSON struct {
	Election     string    `json:"election"`
	Kind         string    `json:"kind"`
	TrackingCode string    `json:"tracking_code"`
	Received     time.Time `json:"received"`
	Seq          uint64    `json:"seq"`
	Receipt      string    `json:"receipt"`
}

// checkReceipt checks the API's receipt for the ballot tc of election,
// whose manifest m (nil if unknown) may name the box's receipt key.
func (c *Client) checkReceipt(j *receiptJSON, m *voting.Manifest, election string, kind voting.ReceiptKind, tc voting.TrackingCode) (*Receipt, error) {
	pk, err := c.receiptKeyFor(m, election)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(j.Receipt)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrBadReceipt)
	}
	r, err := voting.ParseReceipt(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadReceipt, err)
	}
	switch {
	case r.Election != election:
		return nil, fmt.Errorf("%w: it is for election %q, not %s", ErrBadReceipt, r.Election, election)
	case r.Kind != kind:
		return nil, fmt.Errorf("%w: it acknowledges a ballot %v, not %v", ErrBadReceipt, r.Kind, kind)
	case r.TrackingCode != tc:
		return nil, fmt.Errorf("%w: it names ballot %v, not %v", ErrBadReceipt, r.TrackingCode, tc)
	case j.Election != r.Election || j.Kind != r.Kind.String() || j.TrackingCode != r.TrackingCode.String() ||
		j.Seq != r.Seq || !j.Received.Equal(r.Received):
		return nil, fmt.Errorf("%w: the API's receipt fields differ from the signed receipt", ErrBadReceipt)
	}
	out := &Receipt{Receipt: *r}
	if pk != nil {
		if err := r.Verify(pk); err != nil {
			return nil, fmt.Errorf("%w: the signature does not verify under the ballot box's key: %w", ErrBadReceipt, err)
		}
		out.Verified = true
	}
	return out, nil
}

// Cast sends the ballot to the ballot box and checks the receipt. After a
// network error it sends the same bytes again (the box answers a ballot it
// already stored with its first receipt). Once a receipt is checked the
// ballot's secrets are erased: it can no longer be audited. A refusal is
// an [*Error] (for example [ProblemNotOpen], [ProblemClash]); then the box
// stored nothing. If the receipt does not check ([ErrBadReceipt]), the
// box may still have stored the ballot: look it up with [Client.Status].
func (c *Client) Cast(ctx context.Context, b *Ballot) (*Receipt, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case audited:
		return nil, errors.New("client: this ballot was audited: it must not be cast; make a new one")
	}
	b.state = max(b.state, sending)
	e := b.Election
	resp, err := c.call(ctx, request{
		method: http.MethodPost, path: "/elections/" + pathEscape(e.ID) + "/ballots",
		body: map[string]string{"ballot": base64.StdEncoding.EncodeToString(b.Ballot.Bytes())}, repeatable: true,
	})
	if err != nil {
		return nil, err
	}
	var j receiptJSON
	if err := decode("cast", resp, &j); err != nil {
		return nil, err
	}
	rc, err := c.checkReceipt(&j, e.Manifest, e.ID, voting.ReceiptCast, b.TrackingCode())
	if err != nil {
		return nil, err
	}
	b.state = cast
	if b.secrets != nil {
		b.secrets.Erase()
		b.secrets = nil
	}
	return rc, nil
}

// Revote makes a new ballot with cred and casts it. Under the revote
// policy last-counts the new ballot replaces the credential's earlier one
// (the last in board order counts); under denied the box refuses it.
// Wait for the earlier ballot's receipt first: that orders them.
func (c *Client) Revote(ctx context.Context, election string, cred *voting.Credential, sel voting.Selections) (*Receipt, error) {
	b, err := c.Encrypt(ctx, election, cred, sel)
	if err != nil {
		return nil, err
	}
	return c.Cast(ctx, b)
}

// An AuditResult is a ballot opened for audit (Benaloh's challenge): the
// selections the ballot encrypts, as the device revealed them and checked
// them itself, the audit record the ballot box posts to the board, and the
// box's receipt.
type AuditResult struct {
	Receipt    *Receipt
	Selections voting.Selections
	Record     []byte // the audit record (docs/spec/ballot.md, section 9.1)
	// Checked: voting.CheckAudit accepted the record on this device: the
	// ballot encrypts exactly Selections.
	Checked bool
}

// Audit opens the ballot instead of casting it: it reveals the ballot's
// randomness and selections (voting.AuditBallot), checks locally that the
// ballot encrypts them (voting.CheckAudit), sends the audit record to the
// ballot box, which posts it as spoiled, and checks the receipt. The
// ballot can never be cast afterwards: make a new one to vote. Anyone can
// check the record later ([Client.CheckAuditRecord]).
func (c *Client) Audit(ctx context.Context, b *Ballot) (*AuditResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != fresh && b.state != audited || b.secrets == nil {
		return nil, errors.New("client: this ballot was (or may have been) cast: it cannot be audited")
	}
	e := b.Election
	a, err := voting.AuditBallot(b.Ballot, b.secrets)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if err := voting.CheckAudit(e.Manifest, e.Key, b.Ballot, a); err != nil {
		return nil, fmt.Errorf("client: the device's own ballot does not open as it should: %w", err)
	}
	rec, err := a.Bytes(e.Manifest)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	b.state = audited
	resp, err := c.call(ctx, request{
		method: http.MethodPost, path: "/elections/" + pathEscape(e.ID) + "/audits",
		body: map[string]string{"audit": base64.StdEncoding.EncodeToString(rec)}, repeatable: true,
	})
	if err != nil {
		return nil, err
	}
	var j receiptJSON
	if err := decode("audit", resp, &j); err != nil {
		return nil, err
	}
	rc, err := c.checkReceipt(&j, e.Manifest, e.ID, voting.ReceiptAudited, b.TrackingCode())
	if err != nil {
		return nil, err
	}
	b.secrets.Erase()
	b.secrets = nil
	return &AuditResult{Receipt: rc, Selections: a.Selections, Record: rec, Checked: true}, nil
}

// CheckAuditRecord checks an audit record of election (from the board, or
// shown by the voter's first device) as a second device or an observer
// does: it decodes it and checks that the ballot encrypts the selections
// it reveals under the election key read from the board. It returns the
// audit, whose Ballot's tracking code the voter compares with the one
// their device showed.
func (c *Client) CheckAuditRecord(ctx context.Context, election string, record []byte) (*voting.Audit, error) {
	e, err := c.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	a, err := voting.ParseAudit(record, e.Manifest)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if err := voting.CheckAudit(e.Manifest, e.Key, a.Ballot, a); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return a, nil
}
