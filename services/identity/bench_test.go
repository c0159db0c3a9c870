package identity_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store/storetest"
)

// benchBackends runs bench with a service on a fresh database of each
// backend (PostgreSQL only with VECHE_PG_URL), with opts (nil: production
// parameters).
func benchBackends(b *testing.B, opts *identity.Options, bench func(b *testing.B, svc *identity.Service)) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			if name == "postgres" && os.Getenv(storetest.EnvPostgresURL) == "" {
				b.Skip("VECHE_PG_URL is not set")
			}
			db := storetest.Open(b, storetest.Backends()[name](b))
			svc, err := identity.New(db, testSecret("bench"), opts)
			if err != nil {
				b.Fatal(err)
			}
			bench(b, svc)
		})
	}
}

// BenchmarkLogin measures Login with the production Argon2id parameters
// (m = 19 MiB, t = 2, p = 1): two transactions and one hash per login,
// from one goroutine, and from GOMAXPROCS goroutines logging in as
// different residents (as many hashes run at once as there are cores).
func BenchmarkLogin(b *testing.B) {
	benchBackends(b, nil, func(b *testing.B, svc *identity.Service) {
		ctx := ctxFor(b)
		const residents = 16
		for i := range residents {
			if _, err := svc.Register(ctx, fmt.Sprintf("bench-%d@example.com", i), "benchmark password"); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("serial", func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.Login(ctx, "bench-0@example.com", "benchmark password"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
		b.Run("parallel", func(b *testing.B) {
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				ident := fmt.Sprintf("bench-%d@example.com", next.Add(1)%residents)
				for pb.Next() {
					if _, err := svc.Login(ctx, ident, "benchmark password"); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	})
}

// BenchmarkVerify measures access-token verification (one read-only
// transaction: the token joined with its session, then the roles), from
// one goroutine and from GOMAXPROCS goroutines.
func BenchmarkVerify(b *testing.B) {
	benchBackends(b, &identity.Options{Password: cheap}, func(b *testing.B, svc *identity.Service) {
		ctx := ctxFor(b)
		if _, err := svc.Register(ctx, "bench@example.com", "benchmark password"); err != nil {
			b.Fatal(err)
		}
		tok, err := svc.Login(ctx, "bench@example.com", "benchmark password")
		if err != nil {
			b.Fatal(err)
		}
		b.Run("serial", func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.Verify(ctx, tok.Access); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
		b.Run("parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := svc.Verify(ctx, tok.Access); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	})
}

// BenchmarkRefresh measures exchanging a refresh token (one writing
// transaction).
func BenchmarkRefresh(b *testing.B) {
	benchBackends(b, &identity.Options{Password: cheap}, func(b *testing.B, svc *identity.Service) {
		ctx := ctxFor(b)
		if _, err := svc.Register(ctx, "bench@example.com", "benchmark password"); err != nil {
			b.Fatal(err)
		}
		tok, err := svc.Login(ctx, "bench@example.com", "benchmark password")
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if tok, err = svc.Refresh(ctx, tok.Refresh); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refreshes/s")
	})
}

func BenchmarkPseudonym(b *testing.B) {
	svc, err := identity.New(sqliteDB(b), testSecret("bench"), nil)
	if err != nil {
		b.Fatal(err)
	}
	r := identity.ResidentID{1, 2, 3, 4}
	ctx := []byte("city-council-2027")
	for b.Loop() {
		if _, err := svc.Pseudonym(r, "voting", ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeIdentifier(b *testing.B) {
	for name, s := range map[string]string{"ascii": "Ivan.Petrov@Example.COM", "cyrillic": "АЛЕ\u0308НА.ПЕТРОВА@ПОЧТА.РФ"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := identity.NormalizeIdentifier(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
