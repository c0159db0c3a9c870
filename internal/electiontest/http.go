package electiontest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Serve serves h on a test HTTP server until the test ends; it then
// closes the clients' connections first (event streams never end on
// their own) and the server.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// A Response is an HTTP response, read.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Get GETs url with client c (nil: http.DefaultClient); header holds
// extra header lines as name, value pairs. A request without a response
// fails the test.
func Get(t testing.TB, c *http.Client, url string, header ...string) Response {
	t.Helper()
	return Do(t, c, http.MethodGet, url, header...)
}

// Do is [Get] with another method, and no body.
func Do(t testing.TB, c *http.Client, method, url string, header ...string) Response {
	t.Helper()
	r, err := do(c, method, url, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func do(c *http.Client, method, url string, header ...string) (Response, error) {
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return Response{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}, err
}

// WaitFor GETs url with c (nil: http.DefaultClient) every 20 ms until ok
// holds for the response, and returns it; a request that fails counts as
// not yet. After a minute it fails the test, saying what it waited for
// and the last answer.
func WaitFor(t testing.TB, c *http.Client, url, what string, ok func(Response) bool) Response {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last Response
	var lastErr error
	for time.Now().Before(deadline) {
		r, err := do(c, http.MethodGet, url)
		if err == nil {
			if ok(r) {
				return r
			}
			last = r
		}
		lastErr = err
		time.Sleep(20 * time.Millisecond)
	}
	if lastErr != nil {
		t.Fatalf("GET %s: %s did not come within a minute; the last request: %v", url, what, lastErr)
	}
	t.Fatalf("GET %s: %s did not come within a minute; last answer %d:\n%.2000s", url, what, last.Status, last.Body)
	return last
}

// WaitForBody is [WaitFor] until the body contains want.
func WaitForBody(t testing.TB, c *http.Client, url, want string) Response {
	t.Helper()
	return WaitFor(t, c, url, fmt.Sprintf("%q", want), func(r Response) bool { return strings.Contains(r.Body, want) })
}

// WaitJSON is [WaitFor] until an answer 200 OK, decoded into v (a
// pointer, zeroed first), makes ok true. A 200 answer that is not JSON
// for v fails the test.
func WaitJSON(t testing.TB, c *http.Client, url, what string, v any, ok func() bool) {
	t.Helper()
	WaitFor(t, c, url, what, func(r Response) bool {
		if r.Status != http.StatusOK {
			return false
		}
		reflect.ValueOf(v).Elem().SetZero()
		if err := json.Unmarshal([]byte(r.Body), v); err != nil {
			t.Fatalf("GET %s: %v\n%.2000s", url, err, r.Body)
		}
		return ok()
	})
}
