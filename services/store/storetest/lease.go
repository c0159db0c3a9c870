package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/services/store"
)

// One holder at a time, across two pools on one database (two processes,
// in effect): a second holder is refused or waits, gets the lease once it
// is released or has expired, and then the first holder's renewals and
// release fail without disturbing the second; a renewed lease does not
// expire; names are independent; bad names and times to live are refused.
func testLeases(t *testing.T, url string) {
	ctx := ctxFor(t)
	db1, db2 := Open(t, url), Open(t, url)

	for _, bad := range []struct {
		name string
		ttl  time.Duration
	}{{"", time.Minute}, {strings.Repeat("x", store.MaxLeaseName+1), time.Minute}, {"ok", 0}, {"ok", -time.Second}, {"ok", time.Microsecond}} {
		if l, err := db1.TryLease(ctx, bad.name, bad.ttl); err == nil || errors.Is(err, store.ErrLeaseHeld) {
			t.Errorf("TryLease(%d-byte name, %v) = %v, %v; want an error naming the bad argument", len(bad.name), bad.ttl, l, err)
		}
	}

	a, err := db1.TryLease(ctx, "x", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "x" || a.TTL() != time.Minute {
		t.Fatalf("lease %q for %v", a.Name(), a.TTL())
	}
	for i, db := range []*store.DB{db2, db1} { // another process, and another holder in the same one
		if l, err := db.TryLease(ctx, "x", time.Minute); !errors.Is(err, store.ErrLeaseHeld) || l != nil {
			t.Fatalf("pool %d: TryLease of a held lease = %v, %v; want ErrLeaseHeld", i+2, l, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if l, err := db2.AcquireLease(short, "x", time.Minute); !errors.Is(err, context.DeadlineExceeded) || l != nil {
		t.Fatalf("AcquireLease of a held lease until the context ends = %v, %v; want the deadline's error", l, err)
	}
	cancel()
	y, err := db2.TryLease(ctx, "y", time.Minute)
	if err != nil {
		t.Fatalf("another name: %v", err)
	}
	if err := y.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// Renewing in a transaction that writes commits both.
	err = db1.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := a.Renew(ctx, tx); err != nil {
			return err
		}
		return setCounter(ctx, tx, "under-lease", 1)
	})
	if err != nil {
		t.Fatal(err)
	}

	// Released: the waiting holder gets it, the old one is out.
	got := make(chan *store.Lease, 1)
	go func() {
		l, err := db2.AcquireLease(ctx, "x", time.Minute)
		if err != nil {
			t.Errorf("AcquireLease after the release: %v", err)
		}
		got <- l
	}()
	time.Sleep(20 * time.Millisecond) // let it wait
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	b := <-got
	if b == nil {
		t.FailNow()
	}
	if err := a.Release(ctx); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("releasing a lease released already: %v, want ErrLeaseLost", err)
	}
	err = db1.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := a.Renew(ctx, tx); err != nil {
			return err
		}
		return setCounter(ctx, tx, "under-lease", 2)
	})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("renewing a released lease: %v, want ErrLeaseLost", err)
	}
	if v, _ := mustCounter(t, db1, "under-lease"); v != 1 {
		t.Fatalf("a transaction whose renewal failed wrote %d", v)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// Expired: taken over after its time to live, not before; the old
	// holder can neither renew nor release the new one's.
	const ttl = 250 * time.Millisecond
	c, err := db1.TryLease(ctx, "short", ttl)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d, err := db2.AcquireLease(ctx, "short", time.Minute)
	waited := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if waited < ttl*2/3 {
		t.Fatalf("an unexpired lease was taken over after %v (time to live %v)", waited, ttl)
	}
	if err := c.Extend(ctx); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("renewing a lease taken over: %v, want ErrLeaseLost", err)
	}
	if err := c.Release(ctx); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("releasing a lease taken over: %v, want ErrLeaseLost", err)
	}
	if l, err := db1.TryLease(ctx, "short", ttl); !errors.Is(err, store.ErrLeaseHeld) {
		t.Fatalf("the old holder's release freed the new holder's lease: %v, %v", l, err)
	}
	if err := d.Release(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: a lease of %v was taken over after %v", db1.Dialect(), ttl, waited.Round(time.Millisecond))

	// Renewed in time, a lease is never taken over; one whose time is up
	// but that nobody took is still held and renews.
	const long = 500 * time.Millisecond // generous: only a stall of this long between two statements fails it
	e, err := db1.TryLease(ctx, "renewed", long)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		time.Sleep(long * 2 / 5)
		if err := e.Extend(ctx); err != nil {
			t.Fatalf("renewing in time: %v", err)
		}
		if _, err := db2.TryLease(ctx, "renewed", long); !errors.Is(err, store.ErrLeaseHeld) {
			t.Fatalf("a lease renewed in time was taken over: %v", err)
		}
	}
	time.Sleep(long + 50*time.Millisecond)
	if err := e.Extend(ctx); err != nil {
		t.Fatalf("renewing an expired lease nobody took: %v", err)
	}
	if err := e.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// A release goes through after the holder's context has ended.
	f, err := db1.TryLease(ctx, "release", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.Release(ended); err != nil {
		t.Fatalf("releasing with an ended context: %v", err)
	}
	if l, err := db2.TryLease(ctx, "release", time.Minute); err != nil {
		t.Fatalf("after a release with an ended context: %v", err)
	} else {
		l.Release(ctx)
	}
}

// The lease alone keeps a read-modify-write spread over two transactions
// (lost updates, were two holders to overlap) correct: workers on two pools
// take the lease in turn; at no time do two hold it, and no increment is
// lost.
func testLeaseExclusion(t *testing.T, url string) {
	const workers, rounds = 6, 5
	dbs := []*store.DB{Open(t, url), Open(t, url)}
	mustSetCounter(t, dbs[0], "leased", 0)
	ctx := ctxFor(t)
	var (
		holders, most atomic.Int32
		wg            sync.WaitGroup
	)
	start := time.Now()
	for w := range workers {
		db := dbs[w%2]
		wg.Go(func() {
			for range rounds {
				l, err := db.AcquireLease(ctx, "exclusive", time.Minute)
				if err != nil {
					t.Errorf("acquire: %v", err)
					return
				}
				if n := holders.Add(1); n > most.Load() {
					most.Store(n)
				}
				var v int64
				err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
					if err := l.Renew(ctx, tx); err != nil {
						return err
					}
					v, _, err = counter(ctx, tx, "leased")
					return err
				})
				if err == nil {
					time.Sleep(time.Millisecond) // another holder would read the same value now
					err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
						if err := l.Renew(ctx, tx); err != nil {
							return err
						}
						return setCounter(ctx, tx, "leased", v+1)
					})
				}
				holders.Add(-1)
				if rerr := l.Release(ctx); err == nil {
					err = rerr
				}
				if err != nil {
					t.Errorf("under the lease: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	v, _ := mustCounter(t, dbs[0], "leased")
	t.Logf("%s: %d turns of %d workers on two pools in %v", dbs[0].Dialect(), workers*rounds, workers, time.Since(start).Round(time.Millisecond))
	if m := most.Load(); m != 1 {
		t.Fatalf("%d holders of the lease at once", m)
	}
	if v != workers*rounds {
		t.Fatalf("counter = %d after %d increments under the lease", v, workers*rounds)
	}
}
