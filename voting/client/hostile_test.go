package client_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

var yes = voting.Selections{"bike-lanes": {Options: []string{"yes"}}}

// rewrite is a man in the middle: it passes every request to the real
// API and lets f rewrite the JSON answer of the requests that match.
func rewrite(match func(*http.Request) bool, f func(r *http.Request, body map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				panic(err)
			}
			f(r, body)
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.WriteHeader(rec.Code)
			json.NewEncoder(w).Encode(body)
		})
	}
}

func isStatus(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/ballots/")
}

func isCast(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/ballots")
}

// An API in front of another board that publishes the same election id
// with another manifest is refused before anything is encrypted or sent.
func TestClientRefusesAnAPIServingAnotherManifest(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk manifest", manifest(t, "sdk-manifest", nil), 1)
	other := manifest(t, "sdk-manifest", func(m *voting.Manifest) { m.Title["en"] = "Something else" })
	evil := newElection(t, "sdk manifest evil", other, 1)
	s := evil.serve(nil)
	c := s.client(t, e, e.board)

	if _, err := c.Manifest(ctx, e.m.ID); !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("Manifest: %v, want ErrMismatch", err)
	}
	if _, err := c.Encrypt(ctx, e.m.ID, e.creds[0], yes); !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("Encrypt: %v, want ErrMismatch", err)
	}
	if n, err := s.box.Pending(ctx); err != nil || n != 0 {
		t.Fatalf("the evil box holds %d ballots (%v)", n, err)
	}
}

// An API serving the right manifest but another election key (a ballot
// encrypted to it would be readable by whoever holds that key) is refused.
func TestClientRefusesAnAPIServingAnotherKey(t *testing.T) {
	ctx := ctxFor(t)
	m := manifest(t, "sdk-key", nil)
	e := newElection(t, "sdk key", m, 1)
	evil := newElection(t, "sdk key evil", m, 1) // same manifest, its own ceremony
	if e.pk.Equal(evil.pk) {
		t.Fatal("the two ceremonies made the same key")
	}
	s := evil.serve(nil)
	c := s.client(t, e, e.board)
	if _, err := c.Manifest(ctx, m.ID); err != nil {
		t.Fatalf("the manifests are the same, yet: %v", err)
	}
	_, err := c.Election(ctx, m.ID)
	if !errors.Is(err, client.ErrMismatch) || !strings.Contains(err.Error(), "key") {
		t.Fatalf("Election: %v, want ErrMismatch about the key", err)
	}
	if _, err := c.Encrypt(ctx, m.ID, e.creds[0], yes); !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("Encrypt: %v, want ErrMismatch", err)
	}
}

// A receipt whose signature does not verify under the pinned key of the
// ballot box -- signed by another key, or altered on the way -- is
// reported, as is a receipt for another ballot.
func TestClientRefusesBadReceipts(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk receipt", manifest(t, "sdk-receipt", nil), 3)

	t.Run("signed by another key", func(t *testing.T) {
		s := e.serve(nil)
		wrong, _ := schnorr.GenerateKey(testRand("another box"))
		c := s.client(t, e, e.board, client.ReceiptKey(e.m.ID, wrong.Public()))
		b, err := c.Encrypt(ctx, e.m.ID, e.creds[0], yes)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Cast(ctx, b); !errors.Is(err, client.ErrBadReceipt) {
			t.Fatalf("Cast: %v, want ErrBadReceipt", err)
		}
	})
	t.Run("signature altered", func(t *testing.T) {
		s := e.serve(rewrite(isCast, func(_ *http.Request, body map[string]any) {
			rc, _ := base64.StdEncoding.DecodeString(body["receipt"].(string))
			rc[len(rc)-40] ^= 1
			body["receipt"] = base64.StdEncoding.EncodeToString(rc)
		}))
		c := s.client(t, e, e.board)
		b, err := c.Encrypt(ctx, e.m.ID, e.creds[1], yes)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Cast(ctx, b); !errors.Is(err, client.ErrBadReceipt) {
			t.Fatalf("Cast: %v, want ErrBadReceipt", err)
		}
	})
	t.Run("for another ballot", func(t *testing.T) {
		var first atomic.Value
		s := e.serve(rewrite(isCast, func(_ *http.Request, body map[string]any) {
			if !first.CompareAndSwap(nil, body) {
				for k, v := range first.Load().(map[string]any) {
					body[k] = v
				}
			}
		}))
		c := s.client(t, e, e.board)
		b1, _ := c.Encrypt(ctx, e.m.ID, e.creds[2], yes)
		if _, err := c.Cast(ctx, b1); err != nil {
			t.Fatal(err)
		}
		b2, _ := c.Encrypt(ctx, e.m.ID, e.creds[2], voting.Selections{"bike-lanes": {Options: []string{"no"}}})
		_, err := c.Cast(ctx, b2)
		if !errors.Is(err, client.ErrBadReceipt) || !strings.Contains(err.Error(), b2.TrackingCode().String()) {
			t.Fatalf("Cast of a second ballot answered with the first's receipt: %v", err)
		}
	})
}

// A status whose inclusion proof, root or entry does not hold the ballot
// on the board is refused: the client reads the entry from the board.
func TestClientRefusesAWrongInclusionProof(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk proof", manifest(t, "sdk-proof", nil), 2)
	var tamper atomic.Pointer[func(map[string]any)]
	s := e.serve(rewrite(isStatus, func(_ *http.Request, body map[string]any) {
		if f := tamper.Load(); f != nil {
			(*f)(body)
		}
	}))
	c := s.client(t, e, e.board)
	var codes []voting.TrackingCode
	for i := range 2 {
		b, err := c.Encrypt(ctx, e.m.ID, e.creds[i], yes)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Cast(ctx, b); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.TrackingCode())
	}
	s.post(t)
	st1, err := c.Status(ctx, e.m.ID, codes[1])
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(map[string]any){
		"another ballot's proof": func(b map[string]any) {
			b["inclusion_proof"] = base64.StdEncoding.EncodeToString(st1.Proof)
		},
		"a proof of the right shape, wrong hash": func(b map[string]any) {
			p, _ := base64.StdEncoding.DecodeString(b["inclusion_proof"].(string))
			p[len(p)-1] ^= 1
			b["inclusion_proof"] = base64.StdEncoding.EncodeToString(p)
		},
		"another root": func(b map[string]any) { b["merkle_root"] = strings.Repeat("ab", 32) },
		"the manifest's entry": func(b map[string]any) {
			b["seq"] = 0
		},
		"an entry not there": func(b map[string]any) { b["seq"] = 1000 },
	} {
		tamper.Store(&f)
		if _, err := c.CheckInclusion(ctx, e.m.ID, codes[0]); !errors.Is(err, client.ErrNotIncluded) {
			t.Errorf("%s: %v, want ErrNotIncluded", name, err)
		}
	}
	tamper.Store(nil)
	if _, err := c.CheckInclusion(ctx, e.m.ID, codes[0]); err != nil {
		t.Fatalf("untampered: %v", err)
	}
}

// The answer to a cast is lost (the connection drops after the box stored
// the ballot): the client sends the same bytes again and gets the first
// receipt; the board holds the ballot once.
func TestClientRetriesACastWhoseAnswerWasLost(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk lost", manifest(t, "sdk-lost", nil), 1)
	var drops atomic.Int32
	s := e.serve(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isCast(r) && drops.Add(1) == 1 {
				next.ServeHTTP(httptest.NewRecorder(), r) // the box stores it...
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				conn.Close() // ...and the answer never arrives
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	c := s.client(t, e, e.board)
	b, err := c.Encrypt(ctx, e.m.ID, e.creds[0], yes)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Cast(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if drops.Load() != 2 || rc.TrackingCode != b.TrackingCode() {
		t.Fatalf("%d casts sent; receipt for %v", drops.Load(), rc.TrackingCode)
	}
	s.post(t)
	inc, err := c.CheckInclusion(ctx, e.m.ID, rc.TrackingCode)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Size != 1 {
		t.Fatalf("the batch holds %d ballots, want the one", inc.Size)
	}
}

// The API's per-credential limit refuses a quick second cast with 429 and
// Retry-After; the client waits that long and casts; with retries off the
// caller gets the problem with its Retry-After.
func TestClientWaitsOutTheRateLimit(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk limit", manifest(t, "sdk-limit", nil), 1)
	s := e.serveWith(api.Config{Limits: api.Limits{PerCredential: 0.5, CredentialBurst: 1}}, nil)
	c := s.client(t, e, e.board, client.Retries(3, time.Millisecond, 5*time.Second))
	impatient := s.client(t, e, e.board, client.Retries(0, 0, 0))
	// The ballots are made first, so that the casts follow each other
	// closely.
	var ballots []*client.Ballot
	for _, sel := range []string{"yes", "no", "yes"} {
		b, err := c.Encrypt(ctx, e.m.ID, e.creds[0], voting.Selections{"bike-lanes": {Options: []string{sel}}})
		if err != nil {
			t.Fatal(err)
		}
		ballots = append(ballots, b)
	}
	if _, err := c.Cast(ctx, ballots[0]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Cast(ctx, ballots[1]); err != nil {
		t.Fatalf("the client did not wait out the limit: %v", err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("the second cast went through after %v: was it limited?", waited)
	}
	_, err := impatient.Cast(ctx, ballots[2])
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Status != http.StatusTooManyRequests || pe.Kind() != client.ProblemRateLimited || pe.RetryAfter < time.Second {
		t.Fatalf("without retries: %v, want a 429 rate-limited problem with Retry-After", err)
	}
	if !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "retry after "+pe.RetryAfter.String()) {
		t.Fatalf("the error does not say: %v", err)
	}
}

// A credential that is not on the election's list is refused on the
// device; no ballot is made with it.
func TestClientRefusesACredentialNotOnTheList(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "sdk stranger", manifest(t, "sdk-stranger", nil), 1)
	s := e.serve(nil)
	c := s.client(t, e, e.board)
	k, _ := schnorr.GenerateKey(testRand("stranger"))
	_, err := c.Encrypt(ctx, e.m.ID, &voting.Credential{Style: "city", Key: k}, yes)
	if !errors.Is(err, client.ErrCredential) {
		t.Fatalf("Encrypt: %v, want ErrCredential", err)
	}
	if bytes.Contains([]byte(err.Error()), k.Bytes()) {
		t.Fatal("the error holds the key")
	}
}

// A manifest that names the ballot box's receipt key makes every receipt
// checkable from the board alone, without pinning; a pinned key that is not
// the manifest's, or a box signing with another key, is refused.
func TestClientChecksReceiptsAgainstTheManifestsKey(t *testing.T) {
	ctx := ctxFor(t)
	const seed = "sdk manifest key"
	boxKey, err := schnorr.GenerateKey(testRand(seed + " box key")) // the key startServer gives the box
	if err != nil {
		t.Fatal(err)
	}
	m := manifest(t, "sdk-manifest-key", func(m *voting.Manifest) {
		m.BallotBoxKey = hex.EncodeToString(boxKey.Public().Bytes())
	})
	e := newElection(t, seed, m, 3)
	s := e.serve(nil)

	c, err := client.New(s.URL, e.board, client.Rand(testRand(seed+" unpinned client")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encrypt(ctx, m.ID, e.creds[0], yes)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Cast(ctx, b)
	if err != nil || !rc.Verified {
		t.Fatalf("Cast: %v (verified %v), want a receipt verified under the manifest's key", err, rc != nil && rc.Verified)
	}
	st, err := c.Status(ctx, m.ID, b.TrackingCode())
	if err != nil || !st.Receipt.Verified {
		t.Fatalf("Status: %v", err)
	}

	wrong, _ := schnorr.GenerateKey(testRand("another box"))
	pinned := s.client(t, e, e.board, client.ReceiptKey(m.ID, wrong.Public()))
	b2, err := pinned.Encrypt(ctx, m.ID, e.creds[1], yes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pinned.Cast(ctx, b2); !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("Cast with a pinned key that is not the manifest's: %v, want ErrMismatch", err)
	}

	// A box answering with a receipt signed by another key than the
	// manifest names (a box refuses to start with a key other than the
	// manifest's, so the answer is rewritten on the way).
	forged := e.serve(rewrite(isCast, func(_ *http.Request, body map[string]any) {
		raw, _ := base64.StdEncoding.DecodeString(body["receipt"].(string))
		rc, err := voting.ParseReceipt(raw)
		if err != nil {
			t.Error(err)
			return
		}
		if err := rc.Sign(testRand("forged receipt"), wrong); err != nil {
			t.Error(err)
			return
		}
		body["receipt"] = base64.StdEncoding.EncodeToString(rc.Bytes())
	}))
	fc, err := client.New(forged.URL, e.board, client.Rand(testRand(seed+" forged client")))
	if err != nil {
		t.Fatal(err)
	}
	b3, err := fc.Encrypt(ctx, m.ID, e.creds[2], yes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fc.Cast(ctx, b3); !errors.Is(err, client.ErrBadReceipt) {
		t.Fatalf("Cast answered with a receipt under another key: %v, want ErrBadReceipt", err)
	}
}
