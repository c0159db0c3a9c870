package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

// ProblemBase prefixes the type URI of every problem the voter API
// answers with (RFC 9457); the rest is the problem's kind, for example
// "rate-limited".
const ProblemBase = "https://veche.example/problems/"

// Problem kinds the client acts on or that callers commonly test for with
// [IsProblem].
const (
	ProblemRateLimited     = "rate-limited"
	ProblemUnauthenticated = "unauthenticated"
	ProblemNotOpen         = "election-not-open"
	ProblemClash           = "clash"
	ProblemUnknownBallot   = "unknown-ballot"
	ProblemNoKeyYet        = "no-key-yet"
	ProblemIdentifierTaken = "identifier-taken"
	ProblemNotFound        = "not-found"
)

// Errors of the client's own checks; test with [errors.Is].
var (
	// ErrMismatch: the API serves something (the manifest, the election
	// key, a delivery's associated data) that differs from what the board
	// or the client's own computation says. The client does not go on.
	ErrMismatch = errors.New("client: the API disagrees with the board")
	// ErrBadReceipt: a receipt does not parse, does not name the ballot it
	// answers, or its signature does not verify under the ballot box's
	// key.
	ErrBadReceipt = errors.New("client: bad receipt")
	// ErrNotPosted: the ballot box has not posted the ballot to the board
	// yet; try again later.
	ErrNotPosted = errors.New("client: the ballot is not on the board yet")
	// ErrRefused: the board refused the ballot's entry (the election
	// closed before the box posted it): the ballot was not cast.
	ErrRefused = errors.New("client: the board refused the ballot's entry; it was not cast")
	// ErrNotIncluded: the board entry the ballot box points at does not
	// hold the ballot as claimed.
	ErrNotIncluded = errors.New("client: the ballot is not on the board as the ballot box says")
	// ErrNotLoggedIn: an identity call without tokens (or with expired
	// ones that cannot be refreshed).
	ErrNotLoggedIn = errors.New("client: not logged in")
	// ErrNoBoard: the client has no board reader, and the call must check
	// the API against the board.
	ErrNoBoard = errors.New("client: no board reader: elections are read from the board, not taken from the API")
	// ErrCredential: a credential is not one of the election's.
	ErrCredential = errors.New("client: not a credential of this election")
)

// An Error is the voter API's refusal of a request: an RFC 9457 problem
// (or, from something in between that does not speak it, just a status).
type Error struct {
	Method, Path string // the request, without query
	Status       int
	Type         string // the problem type URI
	Title        string
	Detail       string
	// RetryAfter is the Retry-After header's delay (zero if none).
	RetryAfter time.Duration
}

// Kind returns the problem type without [ProblemBase]: "rate-limited".
func (e *Error) Kind() string { return strings.TrimPrefix(e.Type, ProblemBase) }

func (e *Error) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "client: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Title != "" {
		sb.WriteString(" " + e.Title)
	}
	if k := e.Kind(); k != "" {
		sb.WriteString(" (" + k + ")")
	}
	if e.Detail != "" {
		sb.WriteString(": " + e.Detail)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&sb, "; retry after %v", e.RetryAfter)
	}
	return sb.String()
}

// IsProblem reports whether err is (or wraps) an [*Error] of the given
// kind, such as [ProblemRateLimited].
func IsProblem(err error, kind string) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind() == kind
}

// A Client is a voter's connection to the voter API and the board. Its
// methods are safe for concurrent use.
type Client struct {
	api     *url.URL // ends with /api/v1
	hc      *http.Client
	board   bulletin.Reader
	rand    io.Reader
	now     func() time.Time
	retries int
	backoff time.Duration
	maxWait time.Duration

	mu          sync.Mutex
	elections   map[string]*Election
	receiptKeys map[string]*schnorr.PublicKey

	auth     sync.Mutex // held while refreshing
	tokens   Tokens
	onTokens func(Tokens)
}

// An Option configures a [Client].
type Option func(*Client)

// HTTPClient sets the HTTP client (default: one with a 60 s timeout).
func HTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// Rand sets the source of randomness for ballots, keys and signatures
// (default, and nil: crypto/rand). Tests only.
func Rand(r io.Reader) Option { return func(c *Client) { c.rand = r } }

// Retries sets how often a request is tried again after a network error
// (requests that are safe to repeat: reads, casts, audits), a 429 or a
// 502/503/504 answer, and the first delay, doubled at each try (default 4
// and 200 ms). A Retry-After longer than maxWait (default 30 s) is not
// waited for: the [*Error] is returned.
func Retries(n int, first, maxWait time.Duration) Option {
	return func(c *Client) { c.retries, c.backoff, c.maxWait = max(n, 0), first, maxWait }
}

// ReceiptKey pins the ballot box's receipt-signing key for an election:
// every receipt for it must verify under pk, or the client reports
// [ErrBadReceipt]. The manifest's ballot_box_key, read from the board, is
// used without pinning; a pinned key that differs from it is an
// [ErrMismatch]. For a manifest without the key the pinned one comes from
// the election's publication (veche serve prints it). Without either,
// receipts are checked for what they say but their signature is not
// ([Receipt.Verified] is false).
func ReceiptKey(election string, pk *schnorr.PublicKey) Option {
	return func(c *Client) { c.receiptKeys[election] = pk }
}

// WithTokens starts the client logged in with tokens saved from an
// earlier session; onChange (may be nil) is called with the new tokens
// whenever they change (login, refresh, logout), to save them again.
func WithTokens(t Tokens, onChange func(Tokens)) Option {
	return func(c *Client) { c.tokens, c.onTokens = t, onChange }
}

// Clock sets the clock (default time.Now), for tests.
func Clock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a client of the voter API at apiURL (the server's base URL,
// such as http://127.0.0.1:8080, or its /api/v1 URL) that reads the
// bulletin board through board. board may be nil for a client that only
// registers, logs in and manages its key (the identity calls); everything
// about an election needs it ([ErrNoBoard]).
func New(apiURL string, board bulletin.Reader, opts ...Option) (*Client, error) {
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: the API URL %q is not an http(s) URL", apiURL)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/api/v1") {
		u.Path += "/api/v1"
	}
	u.RawPath = ""
	c := &Client{
		api: u, hc: &http.Client{Timeout: 60 * time.Second}, board: board, now: time.Now,
		retries: 4, backoff: 200 * time.Millisecond, maxWait: 30 * time.Second,
		elections: map[string]*Election{}, receiptKeys: map[string]*schnorr.PublicKey{},
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	return c, nil
}

// API returns the voter API's URL (ending in /api/v1).
func (c *Client) API() string { return c.api.String() }

// Board returns the board reader the client checks the API against.
func (c *Client) Board() bulletin.Reader { return c.board }

// SetReceiptKey pins the receipt key of an election, as the [ReceiptKey]
// option does.
func (c *Client) SetReceiptKey(election string, pk *schnorr.PublicKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.receiptKeys[election] = pk
}

// receiptKeyFor returns the receipt key of an election: the one its
// manifest m names (m may be nil), else the pinned one, else nil.
func (c *Client) receiptKeyFor(m *voting.Manifest, election string) (*schnorr.PublicKey, error) {
	pinned := c.receiptKey(election)
	if m == nil {
		return pinned, nil
	}
	k, err := m.ReceiptKey()
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if k == nil {
		return pinned, nil
	}
	if pinned != nil && !bytes.Equal(pinned.Bytes(), k.Bytes()) {
		return nil, fmt.Errorf("%w: the pinned receipt key is not the one the manifest names", ErrMismatch)
	}
	return k, nil
}

func (c *Client) receiptKey(election string) *schnorr.PublicKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.receiptKeys[election]
}

// maxResponse bounds what is read of one response: the largest is a
// manifest (100 KiB) or a sealed delivery (64 KiB) in JSON.
const maxResponse = 1 << 20

// A request is one call of the API.
type request struct {
	method string
	path   string // under /api/v1, already escaped
	body   any    // marshalled as JSON if not nil
	header http.Header
	// repeatable: the request may be sent again after a network error or
	// a 502/503/504 (reads, and casts and audits, which the box makes
	// idempotent). A 429 is always retried (the server did nothing).
	repeatable bool
	auth       bool // send the access token (and refresh it on 401)
}

// response is a successful answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends r, retrying as configured, and returns a 2xx answer or an
// error (an *Error for the server's refusals).
func (c *Client) call(ctx context.Context, r request) (*response, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
		}
	}
	refreshed := false
	if r.auth {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		r.header = r.header.Clone()
		if r.header == nil {
			r.header = http.Header{}
		}
		r.header.Set("Authorization", "Bearer "+tok)
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, r, payload)
		if err != nil {
			if ctx.Err() != nil || !r.repeatable || attempt >= c.retries {
				return nil, err
			}
			if err := c.sleep(ctx, c.delay(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		if resp.status >= 200 && resp.status < 300 {
			return resp, nil
		}
		perr := problemOf(r, resp)
		switch {
		case resp.status == http.StatusUnauthorized && r.auth && !refreshed:
			refreshed = true
			tok, err := c.refreshAfter(ctx, strings.TrimPrefix(r.header.Get("Authorization"), "Bearer "))
			if err != nil {
				return nil, perr
			}
			r.header.Set("Authorization", "Bearer "+tok)
			attempt-- // the refresh is not a retry
			continue
		case attempt >= c.retries:
		case resp.status == http.StatusTooManyRequests:
			wait := perr.RetryAfter
			if wait == 0 {
				wait = c.delay(attempt)
			}
			if wait > c.maxWait {
				return nil, perr
			}
			if err := c.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		case r.repeatable && (resp.status == http.StatusBadGateway || resp.status == http.StatusServiceUnavailable || resp.status == http.StatusGatewayTimeout):
			if err := c.sleep(ctx, c.delay(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		return nil, perr
	}
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, r request, payload []byte) (*response, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.api.String()+r.path, body)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	resp, err := c.hc.Do(req)
	if err != nil {
		// The URL error repeats the URL, which holds no secret; the
		// request's headers (tokens, signatures) are not in it.
		return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: reading the answer: %w", r.method, r.path, err)
	}
	if len(b) > maxResponse {
		return nil, fmt.Errorf("client: %s %s: an answer of more than %d bytes", r.method, r.path, maxResponse)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// problemOf makes the *Error of a non-2xx answer.
func problemOf(r request, resp *response) *Error {
	e := &Error{Method: r.method, Path: r.path, Status: resp.status}
	if ct, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type")); ct == "application/problem+json" || ct == "application/json" {
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(resp.body, &p) == nil {
			e.Type, e.Title, e.Detail = p.Type, p.Title, p.Detail
		}
	}
	if e.Title == "" {
		e.Title = http.StatusText(resp.status)
	}
	if ra := resp.header.Get("Retry-After"); ra != "" {
		if s, err := strconv.ParseUint(strings.TrimSpace(ra), 10, 32); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			e.RetryAfter = max(time.Until(t), time.Second)
		}
	}
	return e
}

// delay is the backoff before retry attempt+1: backoff·2^attempt, ±25 %.
func (c *Client) delay(attempt int) time.Duration {
	d := c.backoff << min(attempt, 10)
	if d <= 0 {
		return 0
	}
	return d*3/4 + rand.N(d/2+1)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// getJSON GETs path and decodes the JSON answer into out.
func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	resp, err := c.call(ctx, request{method: http.MethodGet, path: path, repeatable: true})
	if err != nil {
		return err
	}
	return decode(path, resp, out)
}

// decode decodes a JSON answer (unknown fields are allowed: the server may
// add some).
func decode(path string, resp *response, out any) error {
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("client: %s: the answer is not the expected JSON: %w", path, err)
	}
	return nil
}

// pathEscape escapes one path segment.
func pathEscape(s string) string { return url.PathEscape(s) }
