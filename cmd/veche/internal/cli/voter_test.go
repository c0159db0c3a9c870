package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/keystore"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// serveInProcess runs veche serve on data with args until the test ends
// or stop is called, and returns the API's base URL and serve's output.
func serveInProcess(t *testing.T, data string, boxes int, args ...string) (base string, out *lineWaiter, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &lineWaiter{want: 1 + boxes, done: make(chan struct{})}
	var wg sync.WaitGroup
	var code int
	wg.Add(1)
	go func() {
		defer wg.Done()
		code = Run(ctx, append([]string{"--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0"}, args...), out, os.Stderr)
	}()
	select {
	case <-out.done:
	case <-time.After(time.Minute):
		cancel()
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	line := out.String()
	i := strings.Index(line, "http://")
	if i < 0 {
		cancel()
		wg.Wait()
		t.Fatalf("serve printed no URL (exit %d):\n%s", code, line)
	}
	base = strings.TrimSuffix(strings.Fields(line[i:])[0], "/api/v1")
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if code != 0 {
				t.Errorf("serve exited %d:\n%s", code, out.String())
			}
		})
	}
	t.Cleanup(stop)
	return base, out, stop
}

// A voter through the veche voter commands, against veche serve on the
// embedded chain, reading the board through the server's /chain: register
// (account, login, device key), the credential authority issues the
// credentials, the election opens, then credential, show, cast, check,
// audit, revote, status and history; and the errors a voter meets.
func TestVoterCommandsAgainstServe(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "server")
	device := []string{"--data", filepath.Join(dir, "device")} // the voter's own machine
	keystoreOptions = &keystore.Options{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { keystoreOptions = nil })
	ctx := context.Background()
	writeFile(t, filepath.Join(dir, "password"), "a long enough password\n")
	writeFile(t, filepath.Join(dir, "passphrase"), "device passphrase\n")

	// The commission publishes the election on the embedded chain; the
	// chain's own account is commission, ballot box and credential
	// authority; one trustee.
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	tkey, _ := ethboard.NewKey()
	trustee, err := chain.PosterFor(ctx, b, tkey)
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(fmt.Appendf(nil, `version: 1
id: voter-test
title: {en: Voter test}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: s, districts: [all], contests: [q, council, mayor]}]
contests:
  - {id: q, title: {en: Question}, kind: referendum, tally: homomorphic, min: 1, max: 1, blank: false, write_in: false,
     options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]}
  - {id: council, title: {en: Council}, kind: approval, tally: homomorphic, min: 0, max: 2, blank: true, write_in: false,
     options: [{id: ivanova, title: {en: A. Ivanova}}, {id: petrov, title: {en: B. Petrov}}, {id: sidorova, title: {en: C. Sidorova}}]}
  - {id: mayor, title: {en: Mayor}, kind: ranked, tally: mixnet, min: 0, max: 0, ranks: 2, blank: true, write_in: true, write_in_length: 28,
     options: [{id: orlov, title: {en: F. Orlov}}, {id: volkova, title: {en: G. Volkova}}]}
commission: {name: C, address: "%[1]s"}
ballot_box: {name: B, address: "%[1]s"}
credential_authority: {name: A, address: "%[1]s"}
trustees: {threshold: 1, members: [{name: T, address: "%[2]s"}]}
mixers: [{name: M, address: "0x3000000000000000000000000000000000000001"}]
`, self, strings.ToLower(ethboard.ChecksumAddress(trustee.Address()))))
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	b.Close()

	// The identity store's administrator and credential authority.
	secret, err := identitySecret(filepath.Join(data, identitySecretFile))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(data, "veche.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := svc.Register(ctx, "admin@city.example", "a long enough password")
	ca, _ := svc.Register(ctx, "ca@city.example", "a long enough password")
	if err := svc.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := svc.GrantRole(ctx, admin, ca, identity.RoleCredentialAuthority); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Ivan registers through the API while the election is being set up.
	base, _, stop := serveInProcess(t, data, 0)
	voter := func(args ...string) []string {
		return append(append(append([]string{}, device...), "voter", "--api", base, "--user", "Ivan@Example.org",
			"--passphrase-file", filepath.Join(dir, "passphrase")), args...)
	}
	out := mustRun(t, voter("register", "--password-file", filepath.Join(dir, "password"))...)
	for _, want := range []string{"registered Ivan@Example.org", "logged in", "made this device's encryption key", "registered this device's encryption key"} {
		if !strings.Contains(out, want) {
			t.Fatalf("register printed:\n%s\nwant %q", out, want)
		}
	}
	mustFail(t, "identifier-taken", voter("register", "--password-file", filepath.Join(dir, "password"))...)
	out = mustRun(t, voter("login", "--password-file", filepath.Join(dir, "password"))...)
	if !strings.Contains(out, "this device's encryption key is the one registered") {
		t.Fatalf("login printed:\n%s", out)
	}
	out = mustRun(t, voter("show", m.ID)...)
	for _, want := range []string{"phase setup", "q: Question", "choose one option", "choose 0 to 2 options", "rank up to 2 options",
		"write-in candidate of up to 28 bytes", "e.g. --rank mayor=orlov,volkova", "G. Volkova"} {
		if !strings.Contains(out, want) {
			t.Fatalf("show printed:\n%s\nwant %q", out, want)
		}
	}
	mustFail(t, "no credential for election voter-test on this device", voter("cast", m.ID, "--choice", "q=yes")...)
	stop()

	// The authority issues the credentials; the trustee and the
	// commission run the key ceremony; the election opens.
	writeFile(t, filepath.Join(dir, "roll.txt"), "ivan@example.org\n")
	mustRun(t, "--data", data, "credentials", "issue", "--election", m.ID, "--authority", "ca@city.example", "--voters", filepath.Join(dir, "roll.txt"))
	b, err = chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if trustee, err = chain.PosterFor(ctx, b, tkey); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		t.Fatal(err)
	}
	tk, _ := hybrid.GenerateKey(nil)
	if _, err := voting.Join(ctx, trustee, m, tk, nil); err != nil {
		t.Fatal(err)
	}
	st := &voting.MemoryStore{}
	for i := 0; ; i++ {
		if _, err := voting.RunKeygen(ctx, trustee, m, tk, st, &voting.KeygenOptions{NoWait: true}); err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		if _, err := voting.CloseCeremony(ctx, b, m, nil); err == nil {
			break
		} else if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatal(err)
		}
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
		t.Fatal(err)
	}
	b.Close()

	// The ballot box opens; Ivan votes.
	base, sout, _ := serveInProcess(t, data, 1, "--box", m.ID)
	receiptKey := regexp.MustCompile(`receipts signed by ([0-9a-f]{64})`).FindStringSubmatch(sout.String())
	if receiptKey == nil {
		t.Fatalf("serve did not print the receipt key:\n%s", sout.String())
	}
	out = mustRun(t, voter("credential", m.ID)...)
	if !strings.Contains(out, "ballot style s") || !strings.Contains(out, "found on the board's list") {
		t.Fatalf("credential printed:\n%s", out)
	}
	mustFail(t, "contest mayor is ranked: use --rank", voter("cast", m.ID, "--choice", "mayor=orlov")...)
	mustFail(t, `no contest "nope"`, voter("cast", m.ID, "--choice", "nope=yes")...)
	mustFail(t, "invalid selection", voter("cast", m.ID, "--choice", "q=yes,no")...)
	out = mustRun(t, voter("cast", m.ID, "--receipt-key", receiptKey[1], "--choice", "q=yes", "--choice", "council=petrov,ivanova",
		"--rank", "mayor=volkova", "--write-in", "mayor=Ada Lovelace")...)
	if !strings.Contains(out, "ballot cast") || !strings.Contains(out, "signature verified under the ballot box's key") {
		t.Fatalf("cast printed:\n%s", out)
	}
	first := trackingCodeIn(t, out)

	// check, until the box has posted it: against the board read through /chain.
	deadline := time.Now().Add(time.Minute)
	for {
		out, stderr, code := veche(t, voter("check", m.ID, first)...)
		if code == 0 {
			if !strings.Contains(out, "OK: ballot "+first+" is on the board") || !strings.Contains(out, "the inclusion proof verifies") ||
				!strings.Contains(out, "located on the chain by the board reader") {
				t.Fatalf("check printed:\n%s", out)
			}
			break
		}
		if !strings.Contains(stderr, "not on the board yet") || time.Now().After(deadline) {
			t.Fatalf("check: exit %d: %s", code, stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Audit a ballot (the kept receipt key checks its receipt), then revote.
	out = mustRun(t, voter("audit", m.ID, "--choice", "q=no", "--rank", "mayor=orlov,volkova")...)
	for _, want := range []string{"ballot audited (not cast)", "q: no", "council: blank", "mayor: orlov, volkova", "check: OK", "signature verified"} {
		if !strings.Contains(out, want) {
			t.Fatalf("audit printed:\n%s\nwant %q", out, want)
		}
	}
	audited := trackingCodeIn(t, out)
	out = mustRun(t, voter("cast", m.ID, "--choice", "q=no")...)
	second := trackingCodeIn(t, out)
	deadline = time.Now().Add(time.Minute)
	for {
		out := mustRun(t, voter("status", second)...) // the election found among the kept receipts
		if strings.Contains(out, "posted in entry") {
			if !strings.Contains(out, ", block ") {
				t.Fatalf("status printed no block:\n%s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not posted within a minute:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	out = mustRun(t, voter("check", m.ID, audited)...)
	if !strings.Contains(out, "an audited (spoiled) ballot") || !strings.Contains(out, "mayor: orlov, volkova") {
		t.Fatalf("check of the audited ballot printed:\n%s", out)
	}
	out = mustRun(t, voter("history", m.ID)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("history printed:\n%s", out)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		counts := strings.HasSuffix(l, " yes")
		if f[1] == second != counts || (f[1] == audited) != (f[0] == "audited") {
			t.Fatalf("history line %q (first %s, revote %s, audited %s)", l, first, second, audited)
		}
	}

	// The errors a voter meets: a wrong passphrase, an unknown tracking
	// code, a server that is not there.
	writeFile(t, filepath.Join(dir, "wrong"), "not the passphrase\n")
	mustFail(t, "keystore", append(device, "voter", "--api", base, "--user", "ivan@example.org", "--passphrase-file", filepath.Join(dir, "wrong"), "history", m.ID)...)
	mustFail(t, "unknown-ballot", voter("status", m.ID, strings.Repeat("AAAA-", 12)+"AAAA")...)
	mustFail(t, "asking the server where its board is", append(device, "voter", "--api", "http://127.0.0.1:1", "show", m.ID)...)
	mustFail(t, "--user IDENTIFIER is required", append(device, "voter", "--api", base, "history", m.ID)...)

	// Nothing secret was left in the clear on the device.
	filepath.WalkDir(filepath.Join(dir, "device"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if fi, _ := d.Info(); fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", path, fi.Mode().Perm())
		}
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), "a long enough password") || strings.Contains(string(b), "device passphrase") {
			t.Errorf("%s holds the password or the passphrase", path)
		}
		return nil
	})
}

var trackingCodePattern = regexp.MustCompile(`tracking code +([A-Z2-7]{4}(?:-[A-Z2-7]{4}){12})`)

func trackingCodeIn(t *testing.T, out string) string {
	t.Helper()
	m := trackingCodePattern.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no tracking code in:\n%s", out)
	}
	return m[1]
}

// Identifiers become directory names that stay inside DATA/voter.
func TestVoterDirNameStaysInside(t *testing.T) {
	for in, want := range map[string]string{
		"ivan@example.org": "ivan@example.org",
		"..":               "%2E.",
		"a/../b":           "a%2F..%2Fb",
		"иван":             "%D0%B8%D0%B2%D0%B0%D0%BD",
		`c:\x`:             "c%3A%5Cx",
	} {
		if got := voterDirName(in); got != want {
			t.Errorf("voterDirName(%q) = %q, want %q", in, got, want)
		}
	}
}
