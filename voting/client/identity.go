package client

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

// Tokens are a session's bearer tokens (services/identity): a short-lived
// access token and the refresh token that renews it. The fmt package
// prints them as "client.Tokens{REDACTED}"; encoding/json writes them, for
// a client that saves its session.
type Tokens struct {
	Access         string    `json:"access_token"`
	Refresh        string    `json:"refresh_token"`
	AccessExpires  time.Time `json:"access_expires"`
	RefreshExpires time.Time `json:"refresh_expires"`
}

const redactedTokens = "client.Tokens{REDACTED}"

// String returns "client.Tokens{REDACTED}".
func (Tokens) String() string { return redactedTokens }

// GoString returns "client.Tokens{REDACTED}".
func (Tokens) GoString() string { return redactedTokens }

// Format prints "client.Tokens{REDACTED}" for every verb.
func (Tokens) Format(f fmt.State, _ rune) { io.WriteString(f, redactedTokens) }

// Tokens returns the session's current tokens (zero if logged out).
func (c *Client) Tokens() Tokens {
	c.auth.Lock()
	defer c.auth.Unlock()
	return c.tokens
}

// setTokensLocked replaces the tokens and tells the owner; c.auth is held.
func (c *Client) setTokensLocked(t Tokens) {
	c.tokens = t
	if c.onTokens != nil {
		c.onTokens(t)
	}
}

// earlyRefresh is how long before its expiry an access token is renewed.
const earlyRefresh = 15 * time.Second

// accessToken returns a live access token, refreshing it first if it has
// expired or is about to.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.auth.Lock()
	defer c.auth.Unlock()
	if c.tokens.Access == "" {
		return "", fmt.Errorf("%w: log in first", ErrNotLoggedIn)
	}
	if c.now().Add(earlyRefresh).Before(c.tokens.AccessExpires) {
		return c.tokens.Access, nil
	}
	return c.refreshLocked(ctx)
}

// refreshAfter renews the tokens after the server refused access token
// used, unless another call has renewed them already.
func (c *Client) refreshAfter(ctx context.Context, used string) (string, error) {
	c.auth.Lock()
	defer c.auth.Unlock()
	if c.tokens.Access != "" && c.tokens.Access != used {
		return c.tokens.Access, nil
	}
	return c.refreshLocked(ctx)
}

// refreshLocked exchanges the refresh token for new tokens; c.auth is
// held. A refresh token is good for one exchange (a second one revokes the
// session), so it is never sent twice.
func (c *Client) refreshLocked(ctx context.Context) (string, error) {
	if c.tokens.Refresh == "" || !c.now().Before(c.tokens.RefreshExpires) {
		c.setTokensLocked(Tokens{})
		return "", fmt.Errorf("%w: the session has expired: log in again", ErrNotLoggedIn)
	}
	resp, err := c.call(ctx, request{method: http.MethodPost, path: "/sessions/refresh",
		body: map[string]string{"refresh_token": c.tokens.Refresh}})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			c.setTokensLocked(Tokens{})
			return "", fmt.Errorf("%w: the session has ended: log in again (%w)", ErrNotLoggedIn, err)
		}
		return "", err
	}
	t, err := parseTokens(resp)
	if err != nil {
		return "", err
	}
	c.setTokensLocked(t)
	return t.Access, nil
}

func parseTokens(resp *response) (Tokens, error) {
	var t Tokens
	if err := decode("tokens", resp, &t); err != nil {
		return Tokens{}, err
	}
	if t.Access == "" || t.Refresh == "" || t.AccessExpires.IsZero() || t.RefreshExpires.IsZero() {
		return Tokens{}, errors.New("client: the server's session answer lacks tokens or expiry times")
	}
	return t, nil
}

type credentialsBody struct {
	Identifier string `json:"identifier"`
	Password   string `json:"password"`
}

// Register creates a resident account (POST /residents) and returns the
// resident's id in hex. A taken identifier is an [*Error] of kind
// [ProblemIdentifierTaken]; a server that registers residents itself
// answers "registration-closed".
func (c *Client) Register(ctx context.Context, identifier, password string) (string, error) {
	resp, err := c.call(ctx, request{method: http.MethodPost, path: "/residents",
		body: credentialsBody{Identifier: identifier, Password: password}})
	if err != nil {
		return "", err
	}
	var out struct {
		Resident string `json:"resident"`
	}
	if err := decode("/residents", resp, &out); err != nil {
		return "", err
	}
	return out.Resident, nil
}

// Login opens a session (POST /sessions) and keeps its tokens, renewing
// them as needed. A wrong identifier or password is an [*Error] with
// status 401 that does not say which.
func (c *Client) Login(ctx context.Context, identifier, password string) error {
	resp, err := c.call(ctx, request{method: http.MethodPost, path: "/sessions",
		body: credentialsBody{Identifier: identifier, Password: password}})
	if err != nil {
		return err
	}
	t, err := parseTokens(resp)
	if err != nil {
		return err
	}
	c.auth.Lock()
	defer c.auth.Unlock()
	c.setTokensLocked(t)
	return nil
}

// Refresh renews the session's tokens now.
func (c *Client) Refresh(ctx context.Context) error {
	c.auth.Lock()
	defer c.auth.Unlock()
	_, err := c.refreshLocked(ctx)
	return err
}

// Logout ends the session on the server (DELETE /sessions) and forgets the
// tokens, even if the server could not be told.
func (c *Client) Logout(ctx context.Context) error {
	if c.Tokens().Access == "" {
		return nil
	}
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/sessions", auth: true})
	c.auth.Lock()
	c.setTokensLocked(Tokens{})
	c.auth.Unlock()
	if IsProblem(err, ProblemUnauthenticated) || errors.Is(err, ErrNotLoggedIn) {
		return nil // the session was over anyway
	}
	return err
}

// A Me is the logged-in resident as the identity service knows them.
type Me struct {
	Resident      string   `json:"resident"` // hex
	Roles         []string `json:"roles"`
	EncryptionKey string   `json:"encryption_key,omitempty"` // hex, empty if none
}

// Me returns the logged-in resident (GET /me).
func (c *Client) Me(ctx context.Context) (*Me, error) {
	resp, err := c.call(ctx, request{method: http.MethodGet, path: "/me", auth: true, repeatable: true})
	if err != nil {
		return nil, err
	}
	var me Me
	if err := decode("/me", resp, &me); err != nil {
		return nil, err
	}
	if r, err := hex.DecodeString(me.Resident); err != nil || len(r) != residentIDSize {
		return nil, errors.New("client: /me: the resident id is not 16 bytes of hex")
	}
	return &me, nil
}

// SetEncryptionKey registers pk as the key credentials are sealed to (PUT
// /me/encryption-key).
func (c *Client) SetEncryptionKey(ctx context.Context, pk *hybrid.PublicKey) error {
	_, err := c.call(ctx, request{method: http.MethodPut, path: "/me/encryption-key", auth: true, repeatable: true,
		body: map[string]string{"public_key": hex.EncodeToString(pk.Bytes())}})
	return err
}

// NewEncryptionKey generates a key pair on this device (crypto/hybrid),
// registers its public key, and returns the private key: keep it (the CLI
// seals it under a passphrase); without it no credential delivered to the
// public key can be opened.
func (c *Client) NewEncryptionKey(ctx context.Context) (*hybrid.PrivateKey, error) {
	sk, err := hybrid.GenerateKey(c.rand)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if err := c.SetEncryptionKey(ctx, sk.Public()); err != nil {
		return nil, err
	}
	return sk, nil
}

// A Delivery names an election for which the credential authority has
// delivered a credential to the resident.
type Delivery struct {
	Election  string    `json:"election"`
	Delivered time.Time `json:"delivered"`
}

// Deliveries lists the resident's delivered credentials (GET
// /me/credentials).
func (c *Client) Deliveries(ctx context.Context) ([]Delivery, error) {
	resp, err := c.call(ctx, request{method: http.MethodGet, path: "/me/credentials", auth: true, repeatable: true})
	if err != nil {
		return nil, err
	}
	var out struct {
		Credentials []Delivery `json:"credentials"`
	}
	if err := decode("/me/credentials", resp, &out); err != nil {
		return nil, err
	}
	return out.Credentials, nil
}

// residentIDSize is the size of a resident id (services/identity).
const residentIDSize = 16

// deliveryLabel starts a delivery's associated data
// (docs/spec/identity.md, section 7).
const deliveryLabel = "veche/identity/delivery/v1"

// deliveryAD is the associated data of a credential delivered to resident
// for election: "veche/identity/delivery/v1" || u32(len(E)) || E || R.
func deliveryAD(resident []byte, election string) []byte {
	ad := make([]byte, 0, len(deliveryLabel)+4+len(election)+len(resident))
	ad = append(ad, deliveryLabel...)
	ad = binary.BigEndian.AppendUint32(ad, uint32(len(election)))
	ad = append(ad, election...)
	return append(ad, resident...)
}

// FetchCredential fetches the credential delivered to the resident for
// election (GET /me/credentials/{election}) and opens it with the
// resident's key (voting.OpenCredential), under associated data the client
// computes itself from the resident's id and the election (the API's copy
// must agree: [ErrMismatch]). The credential must be for this election
// (its fingerprint, read from the board, is inside the sealed plaintext)
// and on the election's public credential list with its ballot style
// ([ErrCredential]). No delivery is an [*Error] with status 404.
func (c *Client) FetchCredential(ctx context.Context, election string, key *hybrid.PrivateKey) (*voting.Credential, error) {
	if key == nil {
		return nil, errors.New("client: opening a credential needs the resident's private key")
	}
	e, err := c.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	me, err := c.Me(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.call(ctx, request{method: http.MethodGet, path: "/me/credentials/" + pathEscape(election), auth: true, repeatable: true})
	if err != nil {
		return nil, err
	}
	var d struct {
		Election       string    `json:"election"`
		Sealed         string    `json:"sealed"`
		AssociatedData string    `json:"associated_data"`
		Delivered      time.Time `json:"delivered"`
	}
	if err := decode("/me/credentials", resp, &d); err != nil {
		return nil, err
	}
	resident, _ := hex.DecodeString(me.Resident)
	ad := deliveryAD(resident, election)
	if d.Election != election || d.AssociatedData != base64.StdEncoding.EncodeToString(ad) {
		return nil, fmt.Errorf("%w: the delivery is not bound to this resident and election %s", ErrMismatch, election)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(d.Sealed)
	if err != nil {
		return nil, errors.New("client: the sealed credential is not base64")
	}
	ct, err := hybrid.ParseCiphertext(raw)
	if err != nil {
		return nil, fmt.Errorf("client: the sealed credential: %w", err)
	}
	cred, err := voting.OpenCredential(key, e.Fingerprint, ct, ad)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if err := e.checkCredential(cred); err != nil {
		return nil, err
	}
	return cred, nil
}

// HistoryContext is the schnorr context string of a history request's
// signature (docs/spec/ballotbox.md, "History requests").
const HistoryContext = "veche/api/history/v1"

// A HistoryItem is one ballot of a credential's history, as the ballot box
// reports it.
type HistoryItem struct {
	Kind         string    `json:"kind"` // "cast" or "audited"
	TrackingCode string    `json:"tracking_code"`
	Received     time.Time `json:"received"`
	Seq          uint64    `json:"seq"`
	Posted       bool      `json:"posted"`
	BoardSeq     *uint64   `json:"board_seq,omitempty"`
	Refused      bool      `json:"refused"`
	// Current: the ballot that counts now under the revote rule.
	Current bool `json:"current"`
}

// History asks the ballot box for every ballot cast or audited with cred
// (GET /elections/{id}/history), proving possession of the credential
// with a signature over the election fingerprint, the public credential
// and the current time:
//
//	sig = schnorr.Sign(credential, "veche/api/history/v1", fp || credential || u64be(unix seconds))
//
// The server accepts it within 5 minutes of its clock. Nobody but the
// credential's holder can ask.
func (c *Client) History(ctx context.Context, election string, cred *voting.Credential) ([]HistoryItem, error) {
	if cred == nil || cred.Key == nil {
		return nil, errors.New("client: a history request needs the credential")
	}
	m, err := c.Manifest(ctx, election)
	if err != nil {
		return nil, err
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	pub := cred.Key.Public().Bytes()
	ts := c.now().Unix()
	msg := make([]byte, 0, len(fp)+len(pub)+8)
	msg = append(msg, fp[:]...)
	msg = append(msg, pub...)
	msg = binary.BigEndian.AppendUint64(msg, uint64(ts))
	sig, err := schnorr.Sign(c.rand, cred.Key, HistoryContext, msg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	h := http.Header{}
	h.Set("Veche-Credential", hex.EncodeToString(pub))
	h.Set("Veche-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("Veche-Signature", base64.StdEncoding.EncodeToString(sig))
	resp, err := c.call(ctx, request{method: http.MethodGet, path: "/elections/" + pathEscape(election) + "/history", header: h, repeatable: true})
	if err != nil {
		return nil, err
	}
	var out struct {
		Election   string        `json:"election"`
		Credential string        `json:"credential"`
		Ballots    []HistoryItem `json:"ballots"`
	}
	if err := decode("history", resp, &out); err != nil {
		return nil, err
	}
	if out.Election != election || out.Credential != hex.EncodeToString(pub) {
		return nil, fmt.Errorf("%w: the history answer is for another election or credential", ErrMismatch)
	}
	for _, it := range out.Ballots {
		if _, err := voting.ParseTrackingCode(it.TrackingCode); err != nil || (it.Kind != "cast" && it.Kind != "audited") {
			return nil, fmt.Errorf("client: the history holds a malformed item: %q", it.Kind)
		}
	}
	return out.Ballots, nil
}
