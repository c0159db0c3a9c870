// Package browsertest holds the explorer's end-to-end tests in a real
// headless Chromium (docs/explorer.md, "Browser tests"). It has no code of
// its own: its tests start the explorer (services/explorer) on an
// in-memory board or an election record behind net/http/httptest, drive
// Chromium through the DevTools protocol with github.com/chromedp/chromedp,
// and check what an observer sees -- the topics page leading to the
// election, the verification steps turning green live (server-sent events)
// as the rest of the election arrives, the results chart and table, a
// tracking code typed into the lookup form, a tampered record's failed step
// in red with the party to blame, the Russian pages -- with no console
// error, no Content-Security-Policy violation and no request to another
// origin on any page.
//
// The browser is the one named by the VECHE_CHROMIUM environment variable,
// else /usr/bin/chromium (Debian's chromium package), else chromium on
// PATH; .ci/chromium.sh installs it and prints its path, and `make test`
// exports VECHE_CHROMIUM. Without a browser the tests skip -- unless CI is
// "true", where they fail, so that CI never skips them silently; a
// VECHE_CHROMIUM that names no executable file is an error.
//
// Full-page PNG screenshots of every scenario are saved as test artefacts
// into $VECHE_ARTEFACTS/browsertest when VECHE_ARTEFACTS is set (make test
// sets it to .artefacts/ in the repository), else into the test's
// temporary directory; each path is logged.
package browsertest
