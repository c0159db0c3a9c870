package browsertest_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Environment variables: the browser, and where screenshots go.
const (
	envChromium  = "VECHE_CHROMIUM"
	envArtefacts = "VECHE_ARTEFACTS"
)

// debianChromium is where Debian's chromium package puts its launcher.
const debianChromium = "/usr/bin/chromium"

// Timeouts. A page of the sample loads in well under a second; the bounds
// leave room for a loaded 2-core CI machine running other packages' tests.
const (
	startTimeout = 60 * time.Second // starting the browser
	tabTimeout   = 90 * time.Second // everything one test does in its tab
	waitTimeout  = 45 * time.Second // one DOM condition
	pollEvery    = 25 * time.Millisecond
)

// viewport is the window the pages are shown in.
const viewportWidth, viewportHeight = 1200, 900

// errNoChromium: no browser was found (a reason to skip outside CI).
var errNoChromium = errors.New("browsertest: no Chromium")

// chromiumPath returns the browser to run: $VECHE_CHROMIUM, which must be an
// executable file, else /usr/bin/chromium, else chromium or
// chromium-browser on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv(envChromium); p != "" {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("browsertest: %s=%s: %w", envChromium, p, err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("browsertest: %s=%s is not an executable file", envChromium, p)
		}
		return p, nil
	}
	if fi, err := os.Stat(debianChromium); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return debianChromium, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s is not set, %s does not exist and chromium is not on PATH (install it with .ci/chromium.sh, then export %s=$(.ci/chromium.sh))",
		errNoChromium, envChromium, debianChromium, envChromium)
}

// The browser is started once, by the first test that needs it, and shared
// by the tests, each in its own tab; TestMain stops it.
var shared struct {
	once   sync.Once
	ctx    context.Context // the browser's chromedp context
	cancel context.CancelFunc
	err    error
	dir    string // its --user-data-dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel() // stops the browser and removes its profile
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// browser returns the shared browser's context, starting it if need be.
// Without a browser it skips the test, or fails it under CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		if errors.Is(err, errNoChromium) && os.Getenv("CI") != "true" {
			t.Skipf("%v; skipping the browser tests", err)
		}
		if errors.Is(err, errNoChromium) {
			t.Fatalf("%v; CI=true: the browser tests must not be skipped", err)
		}
		t.Fatal(err)
	}
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "veche-chromium-")
		if shared.err != nil {
			return
		}
		// The flags the machine notes recommend: no sandbox (the tests may
		// run as root), no GPU, and no background connections (the
		// machine's closed network refuses them, many at a time).
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-default-apps", true),
			chromedp.Flag("force-color-profile", "srgb"),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.Flag("lang", "en-US"),
			chromedp.UserDataDir(shared.dir),
			chromedp.WindowSize(viewportWidth, viewportHeight),
		}
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		shared.ctx = bctx
		shared.cancel = func() { bcancel(); acancel() }
		// The first Do starts the browser and binds it to bctx (not to
		// the timeout, which only bounds the start).
		done := make(chan error, 1)
		go func() { done <- chromedp.Do(bctx) }()
		select {
		case shared.err = <-done:
		case <-time.After(startTimeout):
			shared.err = fmt.Errorf("browsertest: %s did not start within %v", path, startTimeout)
		}
		if shared.err != nil {
			shared.err = fmt.Errorf("browsertest: starting %s: %w", path, shared.err)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.ctx
}

// A tab is one test's browser tab, with what it saw: the console messages
// and the requests it made.
type tab struct {
	t      *testing.T
	ctx    context.Context // bounded by tabTimeout
	origin string          // the explorer's origin, the only one allowed

	mu       sync.Mutex
	console  []chromedp.ConsoleMessage
	requests []string
	allowed  []*regexp.Regexp // console errors expected by the test
	shots    int
	dir      string // where screenshots go, once known
}

// newTab opens a tab in the shared browser for a test of the explorer at
// origin (scheme://host:port). When the test ends, it fails the test on any
// console error, uncaught exception or Content-Security-Policy violation
// the test did not expect, and on any request to another origin.
func newTab(t *testing.T, origin string) *tab {
	t.Helper()
	bctx := browser(t)
	tctx, tcancel := chromedp.NewContext(bctx)
	// Open the tab with no deadline: the first Do binds the tab's life to
	// its context.
	if err := chromedp.Do(tctx); err != nil {
		tcancel()
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	tb := &tab{t: t, origin: origin}
	messages := chromedp.Console(tctx)
	if err := chromedp.Listen(tctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			tb.mu.Lock()
			tb.requests = append(tb.requests, ev.Request.URL)
			tb.mu.Unlock()
		}
	}); err != nil {
		tcancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m)
			tb.mu.Unlock()
		}
	})
	ctx, cancel := context.WithTimeout(tctx, tabTimeout)
	tb.ctx = ctx
	// Report a violation of the page's Content-Security-Policy on the
	// console too (Chromium reports it there itself; this names the
	// directive), from a script the DevTools protocol injects, which the
	// policy does not govern.
	tb.do(chromedp.Func(func(ctx context.Context, tt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tt, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});`,
		})
		return err
	}), chromedp.EmulateViewport(viewportWidth, viewportHeight))
	t.Cleanup(func() {
		cancel()
		tcancel() // closes the tab, which ends the console iterator
		wg.Wait()
		tb.check()
	})
	return tb
}

// allow makes console errors whose text matches pattern expected.
func (tb *tab) allow(pattern string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allowed = append(tb.allowed, regexp.MustCompile(pattern))
}

// forget forgets the console messages and requests seen so far.
func (tb *tab) forget() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.console, tb.requests = nil, nil
}

// problems returns the console messages that are errors, exceptions or
// Content-Security-Policy reports and were not allowed.
func (tb *tab) problems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, m := range tb.console {
		bad := m.Type == chromedp.ConsoleError || m.IsException() || m.Source == "security" ||
			strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "CSP violation")
		if !bad {
			continue
		}
		ok := false
		for _, re := range tb.allowed {
			if re.MatchString(m.Text) {
				ok = true
				break
			}
		}
		if !ok {
			out = append(out, fmt.Sprintf("%s (%s %s:%d)", m, m.Source, m.URL, m.Line+1))
		}
	}
	return out
}

// foreign returns the requests made to another origin than the
// explorer's (data: URLs are the page's own).
func (tb *tab) foreign() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, r := range tb.requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme+"://"+u.Host != tb.origin && u.Scheme != "data") {
			out = append(out, r)
		}
	}
	return out
}

func (tb *tab) check() {
	tb.t.Helper()
	for _, p := range tb.problems() {
		tb.t.Errorf("browser console: %s", p)
	}
	for _, r := range tb.foreign() {
		tb.t.Errorf("the page requested %s, which is not on the explorer's origin %s", r, tb.origin)
	}
}

// do runs actions in the tab, failing the test on an error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// open navigates to path (on the explorer's origin) and waits until the
// page has loaded.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.origin + path))
	tb.waitFor(`document.readyState === "complete"`, "the page loads")
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("browser: evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the JavaScript expression cond is true in the page,
// evaluating it every 25 ms (from the DevTools protocol: the page's
// Content-Security-Policy forbids eval, which chromedp.Poll uses). A page
// that is loading or navigating is waited for. It fails the test after
// waitTimeout, showing what the page's main says.
func (tb *tab) waitFor(cond, what string) {
	tb.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var lastErr error
	for {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) || tb.ctx.Err() != nil {
			break
		}
		select {
		case <-tb.ctx.Done():
		case <-time.After(pollEvery):
		}
	}
	main, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(document.querySelector("main") || document.body || {innerText: ""}).innerText.slice(0, 3000)`))
	tb.t.Fatalf("browser: waiting %v for %s (%s): not true (last error: %v); the page at %s shows:\n%s",
		waitTimeout, what, cond, lastErr, eval[string](tb, "location.href"), main)
}

// text returns the visible text of the first element matching the CSS
// selector sel, or "" if there is none.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(function () { var e = document.querySelector(%q); return e ? e.innerText : ""; })()`, sel))
}

// attr returns attribute name of the first element matching sel, or "".
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(function () { var e = document.querySelector(%q); return e ? (e.getAttribute(%q) || "") : ""; })()`, sel, name))
}

// screenshot saves a full-page PNG of the tab as an artefact named after
// the test and label.
func (tb *tab) screenshot(label string) string {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("browser: screenshot: %v", err)
	}
	tb.shots++
	name := fmt.Sprintf("%s-%02d-%s.png", strings.ReplaceAll(tb.t.Name(), "/", "-"), tb.shots, label)
	if tb.dir == "" {
		tb.dir = artefacts(tb.t)
	}
	p := filepath.Join(tb.dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s (%d KB)", p, len(png)/1024)
	return p
}

// artefacts returns the directory for the test's artefacts:
// $VECHE_ARTEFACTS/browsertest, else the test's temporary directory.
func artefacts(t *testing.T) string {
	t.Helper()
	if d := os.Getenv(envArtefacts); d != "" {
		dir := filepath.Join(d, "browsertest")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// A VECHE_CHROMIUM that names no executable file is an error, never a
// reason to skip (or to fall back to another browser).
func TestChromiumPathRefusesWhatIsNotABrowser(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "chromium")
	if err := os.WriteFile(plain, []byte("not a browser"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{"missing": filepath.Join(dir, "nothing"), "directory": dir, "not executable": plain} {
		t.Setenv(envChromium, p)
		got, err := chromiumPath()
		if err == nil || errors.Is(err, errNoChromium) || !strings.Contains(err.Error(), envChromium) {
			t.Errorf("%s: chromiumPath() = %q, %v; want an error naming %s", name, got, err, envChromium)
		}
	}
	exe := filepath.Join(dir, "my-chromium")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envChromium, exe)
	if got, err := chromiumPath(); err != nil || got != exe {
		t.Errorf("chromiumPath() = %q, %v; want %s", got, err, exe)
	}
}
