package identity_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/services/identity"
)

func TestLogin(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		id := e.register(t, "Olga@Example.com", "pa\u0301ssword one") // decomposed á

		// Any spelling of the identifier, and either form of the password.
		for _, c := range []struct{ ident, pw string }{
			{"olga@example.com", "pa\u0301ssword one"},
			{" OLGA@EXAMPLE.COM", "p\u00e1ssword one"},
		} {
			tok, err := e.svc.Login(ctx, c.ident, c.pw)
			if err != nil {
				t.Fatalf("Login(%+q): %v", c.ident, err)
			}
			if tok.Resident != id {
				t.Errorf("Login: resident %v, want %v", tok.Resident, id)
			}
			now := e.clock.Now()
			if !tok.AccessExpires.Equal(now.Add(identity.DefaultAccessTTL)) || !tok.RefreshExpires.Equal(now.Add(identity.DefaultRefreshTTL)) {
				t.Errorf("Login: expiries %v, %v", tok.AccessExpires, tok.RefreshExpires)
			}
			p, err := e.svc.Verify(ctx, tok.Access)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Resident != id || p.Session != tok.Session || p.Roles != 0 || !p.Expires.Equal(tok.AccessExpires) {
				t.Errorf("Verify = %+v", p)
			}
		}

		// Wrong password and unknown identifier: the same error.
		_, wrong := e.svc.Login(ctx, "olga@example.com", "password two")
		_, unknown := e.svc.Login(ctx, "nobody@example.com", "pa\u0301ssword one")
		_, tooLong := e.svc.Login(ctx, "olga@example.com", string(make([]byte, identity.MaxPasswordSize+1)))
		for name, err := range map[string]error{"wrong password": wrong, "unknown identifier": unknown, "over-long password": tooLong} {
			if !errors.Is(err, identity.ErrLoginFailed) || err.Error() != identity.ErrLoginFailed.Error() {
				t.Errorf("%s: %v, want exactly ErrLoginFailed", name, err)
			}
		}
		if _, err := e.svc.Login(ctx, "olga @example.com", "pa\u0301ssword one"); !errors.Is(err, identity.ErrInvalidIdentifier) {
			t.Errorf("malformed identifier: %v, want ErrInvalidIdentifier", err)
		}
	})
}

// Raising the Argon2id parameters rehashes a resident at its next login;
// the old hash keeps working until then.
func TestLoginRehashes(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		e.register(t, "rehash@example.com", "rehash password")
		stored := func() string {
			var h string
			e.queryRow(t, "SELECT password FROM identity_residents", nil, &h)
			return h
		}
		before := stored()
		if before[:len("$argon2id$v=19$m=64,t=1,p=1$")] != "$argon2id$v=19$m=64,t=1,p=1$" {
			t.Fatalf("stored hash %q does not have the test parameters", before)
		}
		stronger := identity.PasswordParams{Time: 2, MemoryKiB: 128, Threads: 2}
		svc2, err := identity.New(e.db, e.secret, &identity.Options{Password: stronger, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc2.Login(ctx, "rehash@example.com", "rehash password"); err != nil {
			t.Fatal(err)
		}
		after := stored()
		if after[:len("$argon2id$v=19$m=128,t=2,p=2$")] != "$argon2id$v=19$m=128,t=2,p=2$" {
			t.Fatalf("after login with stronger parameters the hash is %q", after)
		}
		// Both services check the new hash (parameters come from the hash).
		if _, err := e.svc.Login(ctx, "rehash@example.com", "rehash password"); err != nil {
			t.Fatal(err)
		}
		// Another server secret means another pepper: the password fails.
		other, err := identity.New(e.db, testSecret("another secret"), &identity.Options{Password: stronger})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Login(ctx, "rehash@example.com", "rehash password"); !errors.Is(err, identity.ErrLoginFailed) {
			t.Fatalf("login under another secret: %v, want ErrLoginFailed", err)
		}
	})
}

// Failed logins lock an identifier, known or not, for a time that doubles;
// a success clears the count.
func TestLoginRateLimit(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		e.register(t, "target@example.com", "the right password")
		for _, ident := range []string{"target@example.com", "ghost@example.com"} {
			t.Run(ident, func(t *testing.T) {
				attempt := func(pw string) error {
					_, err := e.svc.Login(ctx, ident, pw)
					return err
				}
				for i := range 5 {
					if err := attempt("wrong guess"); !errors.Is(err, identity.ErrLoginFailed) {
						t.Fatalf("guess %d: %v, want ErrLoginFailed", i+1, err)
					}
				}
				locked := func(want time.Duration) {
					t.Helper()
					err := attempt("the right password")
					var rl *identity.RateLimitError
					if !errors.As(err, &rl) || !errors.Is(err, identity.ErrRateLimited) || rl.RetryAfter != want {
						t.Fatalf("while locked: %v, want a RateLimitError with RetryAfter %v", err, want)
					}
				}
				locked(time.Minute) // the right password is refused too
				e.clock.Advance(59 * time.Second)
				locked(time.Second)
				e.clock.Advance(time.Second)
				if err := attempt("sixth guess"); !errors.Is(err, identity.ErrLoginFailed) {
					t.Fatalf("after the lock: %v, want ErrLoginFailed", err)
				}
				locked(2 * time.Minute)
				e.clock.Advance(2 * time.Minute)
				attempt("seventh guess")
				locked(4 * time.Minute)
				e.clock.Advance(4 * time.Minute)
				err := attempt("the right password")
				if ident == "ghost@example.com" {
					if !errors.Is(err, identity.ErrLoginFailed) {
						t.Fatalf("unknown identifier: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("the right password after the lock: %v", err)
				}
				// The count starts again.
				for i := range 4 {
					if err := attempt("wrong again"); !errors.Is(err, identity.ErrLoginFailed) {
						t.Fatalf("guess %d after a success: %v", i+1, err)
					}
				}
				if err := attempt("the right password"); err != nil {
					t.Fatalf("after 4 failures: %v", err)
				}
			})
		}

		// The count is forgotten after a quiet day; the lock doubles up to
		// an hour.
		for range 4 {
			e.svc.Login(ctx, "quiet@example.com", "guess")
		}
		e.clock.Advance(24 * time.Hour)
		for i := range 4 {
			if _, err := e.svc.Login(ctx, "quiet@example.com", "guess"); !errors.Is(err, identity.ErrLoginFailed) {
				t.Fatalf("guess %d after a quiet day: %v", i+1, err)
			}
		}
		for i := range 10 {
			e.svc.Login(ctx, "quiet@example.com", "guess")
			_, err := e.svc.Login(ctx, "quiet@example.com", "guess")
			var rl *identity.RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("failure %d: %v, want a lock", i+5, err)
			}
			if want := min(time.Minute<<i, time.Hour); rl.RetryAfter != want {
				t.Fatalf("failure %d: locked for %v, want %v", i+5, rl.RetryAfter, want)
			}
			e.clock.Advance(rl.RetryAfter)
		}
	})
}

// Concurrent guesses cannot get past the limit: each attempt is counted
// before its password is checked.
func TestLoginRateLimitConcurrent(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		e.register(t, "victim@example.com", "the right password")
		const guesses = 24
		var (
			wg   sync.WaitGroup
			errs = make([]error, guesses)
		)
		start := make(chan struct{})
		for i := range guesses {
			wg.Go(func() {
				<-start
				_, errs[i] = e.svc.Login(ctxFor(t), "victim@example.com", "a wrong guess")
			})
		}
		close(start)
		wg.Wait()
		checked, limited := 0, 0
		for i, err := range errs {
			switch {
			case errors.Is(err, identity.ErrLoginFailed):
				checked++
			case errors.Is(err, identity.ErrRateLimited):
				limited++
			default:
				t.Errorf("guess %d: %v", i, err)
			}
		}
		if checked != 5 || limited != guesses-5 {
			t.Fatalf("%d guesses checked and %d refused, want 5 and %d", checked, limited, guesses-5)
		}
	})
}
