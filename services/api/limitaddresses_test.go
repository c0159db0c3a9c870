package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/veche/veche/bulletin/memboard"
)

// What veche serve mounts next to the API (the chain at /chain, the
// explorer, the metrics) spends the same per-address budget as the API:
// neither is a way around the other's limit.
func TestRoutesBesideTheAPIShareItsAddressLimit(t *testing.T) {
	s, err := NewWithConfig(memboard.New(), nil, Config{Limits: Limits{PerAddress: 0.001, AddressBurst: 3}})
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	mux := http.NewServeMux()
	mux.Handle("/api/", s)
	mux.Handle("/chain", s.LimitAddresses(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served++
		io.WriteString(w, "ok")
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/chain"); got != http.StatusOK {
		t.Fatalf("first /chain request: %d", got)
	}
	if got := get("/api/v1/health"); got != http.StatusOK {
		t.Fatalf("API after one /chain request: %d", got)
	}
	if got := get("/chain"); got != http.StatusOK {
		t.Fatalf("third request: %d", got)
	}
	if got := get("/chain"); got != http.StatusTooManyRequests {
		t.Fatalf("fourth request, on /chain: %d, want 429", got)
	}
	if got := get("/api/v1/health"); got != http.StatusTooManyRequests {
		t.Fatalf("fifth request, on the API: %d, want 429", got)
	}
	if served != 2 {
		t.Fatalf("the /chain handler ran %d times, want 2 (refused requests must not reach it)", served)
	}
}
