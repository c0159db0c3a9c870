package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
)

// A fakeT records how PostgresURL ends a test instead of ending it.
type fakeT struct {
	testing.TB
	skipped, failed string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Skipf(format string, a ...any) {
	f.skipped = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (f *fakeT) Fatalf(format string, a ...any) {
	f.failed = fmt.Sprintf(format, a...)
	runtime.Goexit()
}

func runPostgresURL(t *testing.T) *fakeT {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		PostgresURL(f)
		t.Error("PostgresURL returned without a server")
	}()
	<-done
	return f
}

// Without VECHE_PG_URL the PostgreSQL tests skip, except under CI=true,
// where they fail.
func TestPostgresURLWithoutServer(t *testing.T) {
	t.Setenv(EnvPostgresURL, "")
	t.Setenv("CI", "")
	if f := runPostgresURL(t); f.skipped == "" || f.failed != "" {
		t.Errorf("without a server: skipped %q, failed %q; want a skip", f.skipped, f.failed)
	}
	t.Setenv("CI", "true")
	if f := runPostgresURL(t); f.failed == "" || !strings.Contains(f.failed, "CI=true") {
		t.Errorf("without a server under CI=true: skipped %q, failed %q; want a failure", f.skipped, f.failed)
	}
}

// Each test gets a database of its own, which is gone after the test.
func TestPostgresURLDropsDatabase(t *testing.T) {
	PostgresURL(t) // skips, or fails under CI=true, without a server
	admin := os.Getenv(EnvPostgresURL)
	var names []string
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			u, err := url.Parse(PostgresURL(t))
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, strings.TrimPrefix(u.Path, "/"))
			Open(t, u.String()) // left open: the drop must close it
		})
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("database names %q, want two different ones", names)
	}
	db, err := sql.Open("pgx", strings.Replace(admin, "cockroach://", "postgresql://", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range names {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil || n != 0 {
			t.Errorf("database %s: %d left after its test, %v", name, n, err)
		}
	}
}
