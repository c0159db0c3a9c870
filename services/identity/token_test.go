package identity_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/services/identity"
)

func invalidToken(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, identity.ErrInvalidToken) {
		t.Fatalf("%s: %v, want ErrInvalidToken", what, err)
	}
}

// An access token works for 15 minutes; a refresh gives a new pair, once.
func TestTokenLifecycle(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		id := e.register(t, "lifecycle@example.com", "lifecycle password")
		tok := e.login(t, "lifecycle@example.com", "lifecycle password")

		if !strings.HasPrefix(tok.Access, "vat_") || !strings.HasPrefix(tok.Refresh, "vrt_") || len(tok.Access) != 47 {
			t.Fatalf("token shapes: %d and %d characters", len(tok.Access), len(tok.Refresh))
		}
		// The kinds are not interchangeable.
		_, err := e.svc.Verify(ctx, tok.Refresh)
		invalidToken(t, "Verify(refresh token)", err)
		_, err = e.svc.Refresh(ctx, tok.Access)
		invalidToken(t, "Refresh(access token)", err)

		e.clock.Advance(identity.DefaultAccessTTL - time.Microsecond)
		if _, err := e.svc.Verify(ctx, tok.Access); err != nil {
			t.Fatalf("Verify just before expiry: %v", err)
		}
		e.clock.Advance(time.Microsecond)
		_, err = e.svc.Verify(ctx, tok.Access)
		invalidToken(t, "Verify at expiry", err)

		next, err := e.svc.Refresh(ctx, tok.Refresh)
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		if next.Session != tok.Session || next.Resident != id || next.Access == tok.Access || next.Refresh == tok.Refresh {
			t.Fatal("Refresh did not give a new pair of the same session")
		}
		p, err := e.svc.Verify(ctx, next.Access)
		if err != nil || p.Resident != id || p.Session != tok.Session {
			t.Fatalf("Verify(refreshed access token) = %+v, %v", p, err)
		}

		// Refresh tokens expire too.
		e.clock.Advance(identity.DefaultRefreshTTL)
		_, err = e.svc.Refresh(ctx, next.Refresh)
		invalidToken(t, "Refresh after expiry", err)
	})
}

// A refresh token presented twice revokes the session: the thief's and
// the owner's tokens stop working.
func TestRefreshReuseRevokesSession(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		e.register(t, "reuse@example.com", "reuse password")
		tok := e.login(t, "reuse@example.com", "reuse password")
		other := e.login(t, "reuse@example.com", "reuse password") // another device

		thief, err := e.svc.Refresh(ctx, tok.Refresh)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Refresh(ctx, tok.Refresh)
		invalidToken(t, "second use of a refresh token", err)
		for name, tk := range map[string]string{"original access": tok.Access, "new access": thief.Access} {
			_, err := e.svc.Verify(ctx, tk)
			invalidToken(t, name+" after reuse", err)
		}
		_, err = e.svc.Refresh(ctx, thief.Refresh)
		invalidToken(t, "new refresh after reuse", err)
		// The other session is untouched.
		if _, err := e.svc.Verify(ctx, other.Access); err != nil {
			t.Fatalf("another session after reuse: %v", err)
		}
	})
}

// Two concurrent uses of one refresh token: at most one gets a new pair,
// and the second use revokes the session.
func TestConcurrentRefresh(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		e.register(t, "twice@example.com", "twice password")
		tok := e.login(t, "twice@example.com", "twice password")
		var (
			wg   sync.WaitGroup
			errs [2]error
			got  [2]*identity.Tokens
		)
		start := make(chan struct{})
		for i := range 2 {
			wg.Go(func() {
				<-start
				got[i], errs[i] = e.svc.Refresh(ctxFor(t), tok.Refresh)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
				_, err := e.svc.Verify(ctxFor(t), got[i].Access)
				invalidToken(t, "the winner's access token after the second use", err)
			case !errors.Is(err, identity.ErrInvalidToken):
				t.Fatalf("refresh %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 2 concurrent refreshes succeeded, want 1", ok)
		}
	})
}

func TestLogoutAndRevocation(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		id := e.register(t, "logout@example.com", "logout password")
		a := e.login(t, "logout@example.com", "logout password")
		b := e.login(t, "logout@example.com", "logout password")
		c := e.login(t, "logout@example.com", "logout password")

		// Logout with the access token ends that session only.
		if err := e.svc.Logout(ctx, a.Access); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Verify(ctx, a.Access)
		invalidToken(t, "access token after logout", err)
		_, err = e.svc.Refresh(ctx, a.Refresh)
		invalidToken(t, "refresh token after logout", err)
		if err := e.svc.Logout(ctx, a.Refresh); err != nil {
			t.Fatalf("logging out twice: %v", err)
		}
		if _, err := e.svc.Verify(ctx, b.Access); err != nil {
			t.Fatalf("another session after logout: %v", err)
		}
		// Logout with the refresh token works too.
		if err := e.svc.Logout(ctx, b.Refresh); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Verify(ctx, b.Access)
		invalidToken(t, "access token after logout by refresh token", err)

		// RevokeSessions ends the rest.
		n, err := e.svc.RevokeSessions(ctx, id)
		if err != nil || n != 1 {
			t.Fatalf("RevokeSessions = %d, %v; want 1 open session", n, err)
		}
		_, err = e.svc.Verify(ctx, c.Access)
		invalidToken(t, "access token after RevokeSessions", err)

		invalidToken(t, "Logout(unknown token)", e.svc.Logout(ctx, "vat_"+strings.Repeat("A", 43)))
	})
}

// A session ends after SessionTTL however often it is refreshed, and its
// tokens never outlive it.
func TestSessionLifetime(t *testing.T) {
	opts := &identity.Options{AccessTTL: 10 * time.Minute, RefreshTTL: time.Hour, SessionTTL: 150 * time.Minute}
	eachBackend(t, opts, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		e.register(t, "session@example.com", "session password")
		start := e.clock.Now()
		tok := e.login(t, "session@example.com", "session password")
		for range 2 {
			e.clock.Advance(55 * time.Minute)
			var err error
			if tok, err = e.svc.Refresh(ctx, tok.Refresh); err != nil {
				t.Fatal(err)
			}
		}
		// 110 minutes in: the refresh token would last 60 more, the session 40.
		if want := start.Add(150 * time.Minute); !tok.RefreshExpires.Equal(want) {
			t.Fatalf("refresh token expires at %v, want the session's end %v", tok.RefreshExpires, want)
		}
		e.clock.Advance(40 * time.Minute)
		_, err := e.svc.Refresh(ctx, tok.Refresh)
		invalidToken(t, "Refresh after the session's end", err)
	})
}

func TestVerifyRejectsMalformedTokens(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		e.register(t, "malformed@example.com", "malformed password")
		tok := e.login(t, "malformed@example.com", "malformed password")
		flip := []byte(tok.Access)
		flip[10] ^= 0x01 // still base64url, another token
		upper := "VAT_" + tok.Access[4:]
		for name, bad := range map[string]string{
			"empty":             "",
			"prefix only":       "vat_",
			"truncated":         tok.Access[:46],
			"extended":          tok.Access + "A",
			"other token":       string(flip),
			"upper-case prefix": upper,
			"padding":           tok.Access[:46] + "=",
			"standard base64":   "vat_" + strings.Repeat("+", 43),
			"non-canonical end": tok.Access[:46] + nonCanonicalLast(tok.Access[46]),
			"bearer prefix":     "Bearer " + tok.Access,
			"white space":       " " + tok.Access,
		} {
			_, err := e.svc.Verify(ctx, bad)
			invalidToken(t, fmt.Sprintf("Verify(%s)", name), err)
		}
		if _, err := e.svc.Verify(ctx, tok.Access); err != nil {
			t.Fatal(err)
		}
	})
}

// nonCanonicalLast returns a base64url character that decodes to the same
// bits as c in the last position of a 43-character string but has a
// non-zero stray bit.
func nonCanonicalLast(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

// Prune removes expired tokens, ended sessions and forgotten counts, and
// nothing that still works.
func TestPrune(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		e.register(t, "prune@example.com", "prune password")
		old := e.login(t, "prune@example.com", "prune password")
		ended := e.login(t, "prune@example.com", "prune password")
		if err := e.svc.Logout(ctx, ended.Access); err != nil {
			t.Fatal(err)
		}
		e.svc.Login(ctx, "typo@example.com", "prune password")
		e.clock.Advance(identity.DefaultAccessTTL)
		fresh := e.login(t, "prune@example.com", "prune password")

		n, err := e.svc.Prune(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// old's access token, ended's two tokens and session.
		if n != 4 {
			t.Errorf("Prune deleted %d rows, want 4", n)
		}
		if _, err := e.svc.Verify(ctx, fresh.Access); err != nil {
			t.Fatalf("a live token after Prune: %v", err)
		}
		if _, err := e.svc.Refresh(ctx, old.Refresh); err != nil {
			t.Fatalf("a live refresh token after Prune: %v", err)
		}
		var failures int
		e.queryRow(t, "SELECT count(*) FROM identity_login_failures", nil, &failures)
		if failures != 1 {
			t.Fatalf("%d failure counts after Prune, want the typo's", failures)
		}
		e.clock.Advance(24 * time.Hour)
		if _, err := e.svc.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		e.queryRow(t, "SELECT count(*) FROM identity_login_failures", nil, &failures)
		if failures != 0 {
			t.Fatalf("%d failure counts a day later, want 0", failures)
		}
	})
}

// Tokens print redacted.
func TestTokensRedacted(t *testing.T) {
	tok := identity.Tokens{Access: "vat_secret", Refresh: "vrt_secret"}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), fmt.Sprintf("%s", &tok),
		fmt.Sprintf("%x", tok), fmt.Sprintf("%v", struct{ T identity.Tokens }{tok})} {
		if strings.Contains(s, "secret") || !strings.Contains(s, "REDACTED") {
			t.Errorf("printed Tokens: %q", s)
		}
	}
}
