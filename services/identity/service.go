package identity

import (
	"context"
	cryptorand "crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/veche/veche/services/store"
)

// Default lifetimes and limits (docs/decisions/0010-identity.md).
const (
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 12 * time.Hour
	DefaultSessionTTL = 7 * 24 * time.Hour
)

// Options configure a [Service]. The zero value (or nil) gives the
// defaults.
type Options struct {
	// Password are the Argon2id parameters of new password hashes; zero
	// means DefaultPasswordTime, DefaultPasswordMemoryKiB and
	// DefaultPasswordThreads.
	Password PasswordParams

	// AccessTTL is the lifetime of an access token (DefaultAccessTTL).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token, so the longest a
	// session may stay idle (DefaultRefreshTTL).
	RefreshTTL time.Duration
	// SessionTTL is the absolute lifetime of a session, after which its
	// resident logs in again (DefaultSessionTTL).
	SessionTTL time.Duration

	// Limit is the policy for failed logins; zero fields take the
	// defaults of [LoginLimit].
	Limit LoginLimit

	// MaxConcurrentHashes bounds the Argon2id computations running at
	// once, and so their memory (m KiB each); further logins wait. Zero
	// means GOMAXPROCS.
	MaxConcurrentHashes int

	// Rand is the source of ids, salts and tokens; nil means
	// crypto/rand.Reader.
	Rand io.Reader
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// LoginLimit is the policy for failed logins, per normalised identifier.
// The first Failures consecutive failures cost nothing but the attempt;
// the Failures-th and every later one lock the identifier, for Lockout,
// then twice as long with each further failure, up to MaxLockout. While
// locked, attempts are refused before the password is checked, and are not
// counted. A success clears the count, and so does a quiet period of
// Forget since the last failure (once any lock has ended).
//
// With the defaults (5, 1 minute, 1 hour, 24 hours) an attacker gets 5
// guesses, then one after 1, 2, 4, … minutes, then one an hour: about 35
// a day per identifier.
type LoginLimit struct {
	Failures   int           // default 5 (the Swiss Post e-voting lockout)
	Lockout    time.Duration // default 1 minute
	MaxLockout time.Duration // default 1 hour
	Forget     time.Duration // default 24 hours
}

func (l LoginLimit) withDefaults() LoginLimit {
	if l.Failures <= 0 {
		l.Failures = 5
	}
	if l.Lockout <= 0 {
		l.Lockout = time.Minute
	}
	if l.MaxLockout <= 0 {
		l.MaxLockout = time.Hour
	}
	l.MaxLockout = max(l.MaxLockout, l.Lockout)
	if l.Forget <= 0 {
		l.Forget = 24 * time.Hour
	}
	return l
}

// A Service is the identity layer over a store. It is safe for concurrent
// use; several Services (on several nodes) may share one database if they
// have the same secret.
type Service struct {
	db   *store.DB
	keys *keys // behind a pointer: see keys

	params     PasswordParams
	accessTTL  time.Duration
	refreshTTL time.Duration
	sessionTTL time.Duration
	limit      LoginLimit
	rand       io.Reader
	now        func() time.Time

	// hashing bounds the concurrent Argon2id runs.
	hashing chan struct{}
	// dummy is checked against when the identifier is unknown, so that an
	// unknown identifier costs what a wrong password costs.
	dummy *passwordHash
}

// New returns the identity service on db with the server secret, which
// must be [SecretSize] bytes of uniform randomness kept outside the
// database (in a crypto/keystore file, say). The same secret must be given
// every time: it keys the pseudonyms, the password pepper and the login
// counters, and with another secret every pseudonym changes and every
// password fails. New keeps only keys derived from it.
func New(db *store.DB, secret []byte, opts *Options) (*Service, error) {
	if db == nil {
		return nil, errors.New("identity: nil store")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	k, err := deriveKeys(secret)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, keys: k, params: o.Password, accessTTL: o.AccessTTL, refreshTTL: o.RefreshTTL,
		sessionTTL: o.SessionTTL, limit: o.Limit.withDefaults(), rand: o.Rand, now: o.Now}
	if s.params == (PasswordParams{}) {
		s.params = PasswordParams{Time: DefaultPasswordTime, MemoryKiB: DefaultPasswordMemoryKiB, Threads: DefaultPasswordThreads}
	}
	if err := s.params.check(); err != nil {
		return nil, err
	}
	if s.accessTTL <= 0 {
		s.accessTTL = DefaultAccessTTL
	}
	if s.refreshTTL <= 0 {
		s.refreshTTL = DefaultRefreshTTL
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	if s.rand == nil {
		s.rand = cryptorand.Reader
	}
	if s.now == nil {
		s.now = time.Now
	}
	n := o.MaxConcurrentHashes
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s.hashing = make(chan struct{}, n)
	s.dummy = &passwordHash{params: s.params}
	if _, err := io.ReadFull(s.rand, s.dummy.salt[:]); err != nil {
		return nil, fmt.Errorf("identity: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(s.rand, s.dummy.hash[:]); err != nil {
		return nil, fmt.Errorf("identity: reading randomness: %w", err)
	}
	return s, nil
}

// String describes s without its keys.
func (s *Service) String() string { return "identity.Service{" + s.db.Dialect().String() + "}" }

// hashSlot waits for a free Argon2id slot; release it with <-s.hashing.
func (s *Service) hashSlot(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("identity: waiting to hash a password: %w", ctx.Err())
	}
}

// hashPassword hashes a normalised password with the current parameters.
func (s *Service) hashPassword(ctx context.Context, pw string) (*passwordHash, error) {
	if err := s.hashSlot(ctx); err != nil {
		return nil, err
	}
	defer func() { <-s.hashing }()
	return newPasswordHash(s.rand, s.keys, pw, s.params)
}

// checkPassword compares a normalised password with h.
func (s *Service) checkPassword(ctx context.Context, h *passwordHash, pw string) (bool, error) {
	if err := s.hashSlot(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	return h.matches(s.keys, pw), nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// A Resident is what the identity layer knows of a resident.
type Resident struct {
	ID         ResidentID
	Identifier string    // normalised
	Created    time.Time // UTC, to the microsecond
	Roles      Roles
	// HasEncryptionKey says whether the resident has registered a hybrid
	// public key ([Service.SetEncryptionKey]).
	HasEncryptionKey bool
}

// Register registers a new resident under identifier (normalised with
// [NormalizeIdentifier]) with password, and returns its new id. The
// resident has no roles. It refuses an identifier that normalises to a
// registered one ([ErrIdentifierTaken]), an invalid identifier
// ([ErrInvalidIdentifier]) and a password outside the policy
// ([ErrWeakPassword]: at least [MinPasswordLength] characters, at most
// [MaxPasswordSize] bytes of UTF-8, no control characters).
//
// Registration necessarily tells whether an identifier is taken; the API in
// front of it should rate-limit it.
func (s *Service) Register(ctx context.Context, identifier, password string) (ResidentID, error) {
	ident, err := NormalizeIdentifier(identifier)
	if err != nil {
		return ResidentID{}, err
	}
	pw, ok := normalizePassword(password)
	if !ok {
		return ResidentID{}, fmt.Errorf("%w: at most %d bytes of UTF-8", ErrWeakPassword, MaxPasswordSize)
	}
	if err := checkNewPassword(pw); err != nil {
		return ResidentID{}, err
	}
	id, err := newResidentID(s.rand)
	if err != nil {
		return ResidentID{}, err
	}
	h, err := s.hashPassword(ctx, pw)
	if err != nil {
		return ResidentID{}, err
	}
	phc := h.String()
	now := micros(s.now())
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO identity_residents (id, identifier, password, created) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (identifier) DO NOTHING`, id[:], ident, phc, now)
		if err != nil {
			return fmt.Errorf("identity: register: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("identity: register: %w", err)
		}
		if n == 0 {
			return ErrIdentifierTaken
		}
		return nil
	})
	if err != nil {
		return ResidentID{}, err
	}
	return id, nil
}

// Lookup returns the id of the resident registered under identifier (in
// any of its spellings), or [ErrNotFound]. It is for administrators and
// services acting on a known person, not for logins.
func (s *Service) Lookup(ctx context.Context, identifier string) (ResidentID, error) {
	ident, err := NormalizeIdentifier(identifier)
	if err != nil {
		return ResidentID{}, err
	}
	var id ResidentID
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var b []byte
		err := tx.QueryRowContext(ctx, "SELECT id FROM identity_residents WHERE identifier = $1", ident).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("identity: lookup: %w", err)
		}
		id, err = residentIDFromDB(b)
		return err
	})
	return id, err
}

// Resident returns the resident with the given id, with its roles.
func (s *Service) Resident(ctx context.Context, id ResidentID) (*Resident, error) {
	var r *Resident
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		r = &Resident{ID: id}
		var (
			created int64
			key     []byte
		)
		err := tx.QueryRowContext(ctx, "SELECT identifier, created, hybrid_key FROM identity_residents WHERE id = $1",
			id[:]).Scan(&r.Identifier, &created, &key)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("identity: resident: %w", err)
		}
		r.Created = fromMicros(created)
		r.HasEncryptionKey = key != nil
		r.Roles, err = rolesOf(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// residentIDFromDB checks a stored id.
func residentIDFromDB(b []byte) (ResidentID, error) {
	var id ResidentID
	if len(b) != ResidentIDSize {
		return ResidentID{}, fmt.Errorf("%w: stored resident id of %d bytes", ErrMalformed, len(b))
	}
	copy(id[:], b)
	return id, nil
}

// exists reports whether a resident has the id.
func exists(ctx context.Context, tx store.Tx, id ResidentID) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM identity_residents WHERE id = $1", id[:]).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("identity: %w", err)
	}
	return true, nil
}
