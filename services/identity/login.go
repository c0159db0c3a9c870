package identity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/veche/veche/services/store"
)

// SessionID names a login session. It is not a secret: it identifies the
// session in audit records and in [Principal]; the tokens are the secrets.
type SessionID [16]byte

// Tokens are what a login or a refresh returns. Access goes with every
// request ([Service.Verify]); Refresh is exchanged for a new pair
// ([Service.Refresh]) before Access expires. Both are secrets: Tokens
// prints as "identity.Tokens{REDACTED}".
type Tokens struct {
	Resident       ResidentID
	Session        SessionID
	Access         string
	AccessExpires  time.Time // UTC
	Refresh        string
	RefreshExpires time.Time // UTC; never after the session's end
}

const redactedTokens = "identity.Tokens{REDACTED}"

// String returns "identity.Tokens{REDACTED}".
func (Tokens) String() string { return redactedTokens }

// GoString returns "identity.Tokens{REDACTED}".
func (Tokens) GoString() string { return redactedTokens }

// Format writes "identity.Tokens{REDACTED}" whatever the verb.
func (Tokens) Format(f fmt.State, _ rune) { io.WriteString(f, redactedTokens) }

// A Principal is the verified bearer of an access token.
type Principal struct {
	Resident ResidentID
	Roles    Roles // as they are now, not as they were at login
	Session  SessionID
	Expires  time.Time // when the access token expires, UTC
}

// Login checks a resident's identifier and password and opens a session.
//
// An unknown identifier and a wrong password both give [ErrLoginFailed],
// after the same work. Failures are counted per normalised identifier,
// known or not ([LoginLimit]); an identifier that has failed too often is
// refused with a [*RateLimitError] (wrapping [ErrRateLimited]) before its
// password is looked at, even if the password is right. The attempt is
// counted before the password is checked and the count is cleared on
// success, so that concurrent guesses cannot get past the limit.
//
// An identifier that cannot be normalised gives [ErrInvalidIdentifier]:
// no resident can have it, so the error reveals nothing.
//
// The password is checked outside any transaction: the hash takes tens of
// milliseconds and must not hold SQLite's writer. At most
// [Options.MaxConcurrentHashes] checks run at once; the others wait (until
// ctx ends).
func (s *Service) Login(ctx context.Context, identifier, password string) (*Tokens, error) {
	ident, err := NormalizeIdentifier(identifier)
	if err != nil {
		return nil, err
	}
	limitKey := s.keys.limitKey(ident)
	now := s.now()

	// 1. Count the attempt and read the stored hash.
	var (
		id       ResidentID
		known    bool
		stored   string
		retry    time.Duration
		rejected bool
	)
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		known, stored = false, ""
		var err error
		retry, rejected, err = s.countAttempt(ctx, tx, limitKey, now)
		if err != nil || rejected {
			return err
		}
		var b []byte
		err = tx.QueryRowContext(ctx, "SELECT id, password FROM identity_residents WHERE identifier = $1", ident).Scan(&b, &stored)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: login: %w", err)
		}
		known = true
		id, err = residentIDFromDB(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	if rejected {
		return nil, &RateLimitError{RetryAfter: retry}
	}

	// 2. Check the password, against a dummy hash if the identifier is
	// unknown.
	h := s.dummy
	if known {
		if h, err = parsePasswordHash(stored); err != nil {
			return nil, fmt.Errorf("identity: login: resident %s: %w", id, err)
		}
	}
	pw, valid := normalizePassword(password)
	ok, err := s.checkPassword(ctx, h, pw)
	if err != nil {
		return nil, err
	}
	if !ok || !known || !valid {
		return nil, ErrLoginFailed
	}

	// 3. Rehash if the parameters changed, and open the session.
	var rehashed string
	if h.params != s.params {
		nh, err := s.hashPassword(ctx, pw)
		if err != nil {
			return nil, err
		}
		rehashed = nh.String()
	}
	t, err := s.newTokens(id, s.now())
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		// The password may have changed since step 1.
		var current string
		err := tx.QueryRowContext(ctx, "SELECT password FROM identity_residents WHERE id = $1", id[:]).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLoginFailed
		}
		if err != nil {
			return fmt.Errorf("identity: login: %w", err)
		}
		if current != stored {
			return ErrLoginFailed
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM identity_login_failures WHERE ident_hash = $1", limitKey); err != nil {
			return fmt.Errorf("identity: login: %w", err)
		}
		if rehashed != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE identity_residents SET password = $1 WHERE id = $2", rehashed, id[:]); err != nil {
				return fmt.Errorf("identity: login: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO identity_sessions (id, resident, created, expires) VALUES ($1, $2, $3, $4)",
			t.session.Session[:], id[:], micros(t.created), micros(t.sessionEnd))
		if err != nil {
			return fmt.Errorf("identity: login: %w", err)
		}
		return t.insert(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return &t.session, nil
}

// countAttempt applies the [LoginLimit] to an attempt at time now: it
// returns rejected = true and the time left if the identifier is locked,
// and otherwise counts the attempt as a failure (cleared if it succeeds).
func (s *Service) countAttempt(ctx context.Context, tx store.Tx, key []byte, now time.Time) (retry time.Duration, rejected bool, err error) {
	var (
		failures          int64
		last, lockedUntil int64
	)
	err = tx.QueryRowContext(ctx, "SELECT failures, last_failure, locked_until FROM identity_login_failures WHERE ident_hash = $1",
		key).Scan(&failures, &last, &lockedUntil)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("identity: login: %w", err)
	}
	t := micros(now)
	if t < lockedUntil {
		left := time.Duration(lockedUntil-t) * time.Microsecond
		return (left + time.Second - 1).Truncate(time.Second), true, nil
	}
	if t-last >= s.limit.Forget.Microseconds() {
		failures = 0
	}
	failures++
	lockedUntil = 0
	if over := failures - int64(s.limit.Failures); over >= 0 {
		d := s.limit.MaxLockout
		if over < 32 {
			d = min(s.limit.Lockout<<over, s.limit.MaxLockout)
			if d <= 0 { // overflow
				d = s.limit.MaxLockout
			}
		}
		lockedUntil = t + d.Microseconds()
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO identity_login_failures (ident_hash, failures, last_failure, locked_until) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (ident_hash) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure,
		 locked_until = excluded.locked_until`, key, failures, t, lockedUntil)
	if err != nil {
		return 0, false, fmt.Errorf("identity: login: %w", err)
	}
	return 0, false, nil
}

// issued is a token pair made before its transaction (so that retries of
// the transaction store the same tokens).
type issued struct {
	session               Tokens
	accessHash, refHash   [sha256.Size]byte
	created, sessionEnd   time.Time
	accessEnd, refreshEnd time.Time
}

// newTokens makes the tokens of a new session for resident id.
func (s *Service) newTokens(id ResidentID, now time.Time) (*issued, error) {
	var sid SessionID
	if _, err := io.ReadFull(s.rand, sid[:]); err != nil {
		return nil, fmt.Errorf("identity: reading randomness: %w", err)
	}
	return s.tokensFor(id, sid, now, now.Add(s.sessionTTL))
}

// tokensFor makes an access and a refresh token of session sid, which ends
// at end.
func (s *Service) tokensFor(id ResidentID, sid SessionID, now, end time.Time) (*issued, error) {
	now = now.UTC().Truncate(time.Microsecond)
	end = end.UTC().Truncate(time.Microsecond)
	t := &issued{created: now, sessionEnd: end}
	var err error
	if t.session.Access, t.accessHash, err = newToken(s.rand, accessToken); err != nil {
		return nil, err
	}
	if t.session.Refresh, t.refHash, err = newToken(s.rand, refreshToken); err != nil {
		return nil, err
	}
	t.accessEnd = minTime(now.Add(s.accessTTL), end)
	t.refreshEnd = minTime(now.Add(s.refreshTTL), end)
	t.session.Resident, t.session.Session = id, sid
	t.session.AccessExpires, t.session.RefreshExpires = t.accessEnd, t.refreshEnd
	return t, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// insert stores the hashes of the pair.
func (t *issued) insert(ctx context.Context, tx store.Tx) error {
	const q = "INSERT INTO identity_tokens (hash, session, kind, expires) VALUES ($1, $2, $3, $4)"
	sid := t.session.Session
	if _, err := tx.ExecContext(ctx, q, t.accessHash[:], sid[:], int(accessToken), micros(t.accessEnd)); err != nil {
		return fmt.Errorf("identity: storing a token: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, t.refHash[:], sid[:], int(refreshToken), micros(t.refreshEnd)); err != nil {
		return fmt.Errorf("identity: storing a token: %w", err)
	}
	return nil
}

// tokenRow is a token joined with its session.
type tokenRow struct {
	kind       tokenKind
	expires    int64
	used       sql.NullInt64
	session    SessionID
	resident   ResidentID
	sessionEnd int64
	revoked    sql.NullInt64
}

// errNoToken: no token has the hash.
var errNoToken = errors.New("no such token")

func readToken(ctx context.Context, tx store.Tx, hash [sha256.Size]byte) (*tokenRow, error) {
	var (
		r             tokenRow
		kind          int64
		sid, resident []byte
	)
	err := tx.QueryRowContext(ctx,
		`SELECT t.kind, t.expires, t.used, s.id, s.resident, s.expires, s.revoked
		 FROM identity_tokens t JOIN identity_sessions s ON s.id = t.session WHERE t.hash = $1`,
		hash[:]).Scan(&kind, &r.expires, &r.used, &sid, &resident, &r.sessionEnd, &r.revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoToken
	}
	if err != nil {
		return nil, fmt.Errorf("identity: reading a token: %w", err)
	}
	if len(sid) != len(r.session) || (kind != int64(accessToken) && kind != int64(refreshToken)) {
		return nil, fmt.Errorf("%w: stored token or session", ErrMalformed)
	}
	r.kind = tokenKind(kind)
	copy(r.session[:], sid)
	if r.resident, err = residentIDFromDB(resident); err != nil {
		return nil, err
	}
	return &r, nil
}

// live reports whether the token may be used at time t (Unix µs).
func (r *tokenRow) live(t int64) bool {
	return !r.revoked.Valid && t < r.expires && t < r.sessionEnd
}

// Verify checks an access token and returns its bearer with the roles it
// holds now. A malformed, unknown or expired token, a refresh token, and a
// token of an ended session all give [ErrInvalidToken].
func (s *Service) Verify(ctx context.Context, token string) (*Principal, error) {
	kind, hash, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	if kind != accessToken {
		return nil, ErrInvalidToken
	}
	now := micros(s.now())
	var p *Principal
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		r, err := readToken(ctx, tx, hash)
		if errors.Is(err, errNoToken) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if r.kind != accessToken || !r.live(now) {
			return ErrInvalidToken
		}
		roles, err := rolesOf(ctx, tx, r.resident)
		if err != nil {
			return err
		}
		p = &Principal{Resident: r.resident, Roles: roles, Session: r.session, Expires: fromMicros(r.expires)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Refresh exchanges a refresh token for a new access and refresh token of
// the same session. A refresh token works once: presenting it again means
// that two parties hold it (it was stolen, or a response was replayed),
// and revokes the session, so that neither can continue (RFC 9700,
// Section 4.14.2). An unknown, expired or used refresh token, an access
// token, and a token of an ended session give [ErrInvalidToken].
func (s *Service) Refresh(ctx context.Context, token string) (*Tokens, error) {
	kind, hash, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	if kind != refreshToken {
		return nil, ErrInvalidToken
	}
	now := s.now()
	t := micros(now)
	var (
		out    *issued
		reused bool
	)
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out, reused = nil, false
		r, err := readToken(ctx, tx, hash)
		if errors.Is(err, errNoToken) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if r.kind != refreshToken || !r.live(t) {
			return ErrInvalidToken
		}
		if r.used.Valid {
			// Commit the revocation, then report the failure.
			reused = true
			return revokeSession(ctx, tx, r.session, t)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE identity_tokens SET used = $1 WHERE hash = $2", t, hash[:]); err != nil {
			return fmt.Errorf("identity: refresh: %w", err)
		}
		// Fresh tokens each attempt: tokensFor only reads randomness.
		out, err = s.tokensFor(r.resident, r.session, now, fromMicros(r.sessionEnd))
		if err != nil {
			return err
		}
		return out.insert(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	if reused {
		return nil, fmt.Errorf("%w: refresh token used twice; the session is revoked", ErrInvalidToken)
	}
	return &out.session, nil
}

func revokeSession(ctx context.Context, tx store.Tx, sid SessionID, t int64) error {
	if _, err := tx.ExecContext(ctx, "UPDATE identity_sessions SET revoked = $1 WHERE id = $2 AND revoked IS NULL", t, sid[:]); err != nil {
		return fmt.Errorf("identity: revoking a session: %w", err)
	}
	return nil
}

// Logout ends the session of token, an access or a refresh token: every
// token of the session stops working at once. A token that names no
// session gives [ErrInvalidToken]; logging out of an ended session does
// nothing.
func (s *Service) Logout(ctx context.Context, token string) error {
	_, hash, err := parseToken(token)
	if err != nil {
		return err
	}
	now := micros(s.now())
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		r, err := readToken(ctx, tx, hash)
		if errors.Is(err, errNoToken) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		return revokeSession(ctx, tx, r.session, now)
	})
}

// RevokeSessions ends every session of resident id (after a password
// change, a suspected compromise, or a mass re-keying) and returns how
// many were open.
func (s *Service) RevokeSessions(ctx context.Context, id ResidentID) (int, error) {
	now := micros(s.now())
	var n int64
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx,
			"UPDATE identity_sessions SET revoked = $1 WHERE resident = $2 AND revoked IS NULL AND expires > $1", now, id[:])
		if err != nil {
			return fmt.Errorf("identity: revoking sessions: %w", err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return fmt.Errorf("identity: revoking sessions: %w", err)
		}
		return nil
	})
	return int(n), err
}

// Prune deletes what can no longer be used: expired tokens, ended
// sessions (with their tokens), and failed-login counts that have been
// forgotten. It returns the number of rows deleted. Run it now and then.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := micros(s.now())
	forgotten := now - s.limit.Forget.Microseconds()
	var total int64
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		total = 0
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM identity_tokens WHERE expires <= $1", []any{now}},
			{"DELETE FROM identity_tokens WHERE session IN (SELECT id FROM identity_sessions WHERE revoked IS NOT NULL OR expires <= $1)", []any{now}},
			{"DELETE FROM identity_sessions WHERE revoked IS NOT NULL OR expires <= $1", []any{now}},
			{"DELETE FROM identity_login_failures WHERE locked_until <= $1 AND last_failure <= $2", []any{now, forgotten}},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.args...)
			if err != nil {
				return fmt.Errorf("identity: prune: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("identity: prune: %w", err)
			}
			total += n
		}
		return nil
	})
	return total, err
}
