package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Errors of the leases.
var (
	// ErrLeaseHeld: [DB.TryLease] found the lease held by another holder,
	// and not expired.
	ErrLeaseHeld = errors.New("store: lease held by another holder")
	// ErrLeaseLost: the lease is no longer held with this [Lease]'s token:
	// it expired and another holder took it over, or it was released.
	ErrLeaseLost = errors.New("store: lease lost")
)

// MaxLeaseName is the longest lease name, in bytes.
const MaxLeaseName = 100

// A Lease is a named claim, held by one holder at a time among every
// process sharing the database, that lasts its time to live unless it is
// renewed ([Lease.Renew]) and ends when it is released ([Lease.Release]).
// A holder that dies without releasing it delays the next holder by at most
// the time to live.
//
// The lease is a row of table leases: its name, the holder's token (16
// random bytes per [DB.TryLease] call, so that two calls in one process are
// two holders) and when it expires, in Unix microseconds of the database's
// clock (the SQL engine's, never a server's: the servers' clocks need not
// agree). Every write of a lease writes that row, so the transactions that
// renew one lease run one after the other on every engine.
//
// A Lease is safe for concurrent use.
type Lease struct {
	db    *DB
	name  string
	token []byte
	ttl   time.Duration
}

// Name returns the lease's name.
func (l *Lease) Name() string { return l.name }

// TTL returns how long the lease lasts after each renewal.
func (l *Lease) TTL() time.Duration { return l.ttl }

// clock is the SQL expression of the database's current time in Unix
// microseconds: the wall clock at the statement, not the transaction's
// start.
func (db *DB) clock() string {
	if db.dialect == SQLite {
		return "CAST(unixepoch('subsec') * 1000000 AS INTEGER)"
	}
	return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"
}

// checkLease validates a lease's name and time to live.
func checkLease(name string, ttl time.Duration) error {
	switch {
	case name == "" || len(name) > MaxLeaseName:
		return fmt.Errorf("store: a lease name has 1 to %d bytes, not %d", MaxLeaseName, len(name))
	case ttl < time.Millisecond:
		return fmt.Errorf("store: lease %q: time to live %v is under a millisecond", name, ttl)
	}
	return nil
}

// TryLease takes the lease called name for ttl, with a fresh token, if
// nobody holds it or its holder's time is up; if another holder has it, it
// fails with [ErrLeaseHeld] at once. The lease row is created on first use.
//
// While waiting holders only read the row, the holder's renewals do not
// conflict with them.
func (db *DB) TryLease(ctx context.Context, name string, ttl time.Duration) (*Lease, error) {
	if err := checkLease(name, ttl); err != nil {
		return nil, err
	}
	l := &Lease{db: db, name: name, token: make([]byte, 16), ttl: ttl}
	rand.Read(l.token) // crypto/rand: unique across processes
	now := db.clock()
	var got bool
	err := db.Tx(ctx, func(ctx context.Context, tx Tx) error {
		got = false
		var (
			token          []byte
			expires, clock int64
		)
		// Read first: waiting holders that only read do not make the
		// holder's writes of the row conflict and retry.
		err := tx.QueryRowContext(ctx, "SELECT token, expires, "+now+" FROM leases WHERE name = $1", name).Scan(&token, &expires, &clock)
		var res sql.Result
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err = tx.ExecContext(ctx, "INSERT INTO leases (name, token, expires) VALUES ($1, $2, "+now+" + $3) ON CONFLICT (name) DO NOTHING",
				name, l.token, ttl.Microseconds())
		case err != nil:
			return fmt.Errorf("store: reading lease %q: %w", name, err)
		case token != nil && expires > clock:
			return nil // held
		default:
			res, err = tx.ExecContext(ctx, "UPDATE leases SET token = $2, expires = "+now+" + $3 WHERE name = $1 AND (token IS NULL OR expires <= "+now+")",
				name, l.token, ttl.Microseconds())
		}
		if err != nil {
			return fmt.Errorf("store: taking lease %q: %w", name, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: taking lease %q: %w", name, err)
		}
		got = n == 1
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !got {
		return nil, fmt.Errorf("%w: %q", ErrLeaseHeld, name)
	}
	return l, nil
}

// Waits of [DB.AcquireLease] between attempts: from the first, doubling up
// to the last.
const (
	leaseFirstWait = 5 * time.Millisecond
	leaseMaxWait   = 200 * time.Millisecond
)

// AcquireLease is [DB.TryLease] that waits while another holder has the
// lease, until it is released or expires (trying again 5 ms, 10 ms, ...,
// then every 200 ms), or until ctx ends (an error wrapping ctx's).
func (db *DB) AcquireLease(ctx context.Context, name string, ttl time.Duration) (*Lease, error) {
	wait := leaseFirstWait
	for {
		l, err := db.TryLease(ctx, name, ttl)
		if !errors.Is(err, ErrLeaseHeld) {
			return l, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("store: waiting for lease %q: %w", name, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, leaseMaxWait)
	}
}

// Renew extends the lease, in tx, to its time to live from now, or fails
// with [ErrLeaseLost] if it is no longer held with l's token (a lease whose
// time is up but that nobody took over is still held). A holder starts
// every transaction that acts under the lease with Renew: the transaction
// then commits only if the lease was held at its commit, and it runs after
// or before, never alongside, any other holder's.
func (l *Lease) Renew(ctx context.Context, tx Tx) error {
	res, err := tx.ExecContext(ctx, "UPDATE leases SET expires = "+l.db.clock()+" + $3 WHERE name = $1 AND token = $2",
		l.name, l.token, l.ttl.Microseconds())
	if err != nil {
		return fmt.Errorf("store: renewing lease %q: %w", l.name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: renewing lease %q: %w", l.name, err)
	}
	if n != 1 {
		return fmt.Errorf("%w: %q", ErrLeaseLost, l.name)
	}
	return nil
}

// Extend is [Lease.Renew] in a transaction of its own.
func (l *Lease) Extend(ctx context.Context) error {
	return l.db.Tx(ctx, l.Renew)
}

// releaseTimeout bounds [Lease.Release].
const releaseTimeout = 10 * time.Second

// Release gives the lease up, so that the next holder need not wait for it
// to expire; it does so even if ctx has ended (within 10 s more). It fails
// with [ErrLeaseLost] if the lease was not held with l's token any more
// (and then changes nothing); if it fails otherwise, the lease expires.
func (l *Lease) Release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	var released bool
	err := l.db.Tx(ctx, func(ctx context.Context, tx Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE leases SET token = NULL, expires = 0 WHERE name = $1 AND token = $2", l.name, l.token)
		if err != nil {
			return fmt.Errorf("store: releasing lease %q: %w", l.name, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: releasing lease %q: %w", l.name, err)
		}
		released = n == 1
		return nil
	})
	if err != nil {
		return err
	}
	if !released {
		return fmt.Errorf("%w: %q", ErrLeaseLost, l.name)
	}
	return nil
}
