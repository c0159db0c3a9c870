package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// An issuer registers, keeps the building register and sends a notice to
// the owners with veche documents on the store and the embedded chain; an
// owner lists, downloads and shares it through veche serve's API, a third
// party fetches the shared file, the owner proves receipt against the
// board, and anyone verifies the file -- and a tampered copy fails.
func TestDocumentsCommandsEndToEnd(t *testing.T) {
	data, run := documentsData(t, "anna@example.org", "boris@example.org")
	dir := filepath.Dir(data)
	by := []string{"--by", "registry@city.example"}
	run(0, append([]string{"documents", "issuer", "City property registry"}, by...)...)
	out := run(0, append([]string{"documents", "building", "Lenina 5"}, by...)...)
	building := regexp.MustCompile(`building ([0-9a-f]{32})`).FindStringSubmatch(out)[1]
	run(0, append([]string{"documents", "occupancy", building, "anna@example.org", "--unit", "12", "--relation", "owner"}, by...)...)
	// A resident does not record herself as an owner.
	run(1, "documents", "occupancy", building, "anna@example.org", "--unit", "12", "--by", "anna@example.org")
	writeFile(t, filepath.Join(dir, "notice.txt"), "Owners' meeting on 1 April at 19:00. Agenda: the roof.\n")
	out = run(0, append([]string{"documents", "notify", building, "--type", "meeting-notice", "--title", "Owners' meeting",
		"--content", filepath.Join(dir, "notice.txt")}, by...)...)
	m := regexp.MustCompile(`document ([0-9a-f]{32}): meeting-notice v1 of series ([0-9a-f]{32})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("notify printed %q", out)
	}
	id, series := m[1], m[2]

	base, _, stop := serveInProcess(t, data, 0)
	t.Setenv(voterPasswordEnv, "a long enough password")
	anna := []string{"--api", base, "--user", "anna@example.org"}
	if out := run(0, append([]string{"documents", "list"}, anna...)...); !strings.Contains(out, id) || !strings.Contains(out, "current") {
		t.Fatalf("list: %s", out)
	}
	file := filepath.Join(dir, "notice.json")
	run(0, append([]string{"documents", "download", id, "--out", file}, anna...)...)
	out = run(0, append([]string{"documents", "share", id, "--ttl", "1h"}, anna...)...)
	code := regexp.MustCompile(`code ([A-Z2-7]{32})`).FindStringSubmatch(out)[1]
	shared := filepath.Join(dir, "shared.json")
	run(0, "documents", "fetch", code, "--api", base, "--out", shared)
	// Boris cannot download Anna's notice (he owns nothing there).
	run(1, "documents", "download", id, "--out", filepath.Join(dir, "x.json"), "--api", base, "--user", "boris@example.org")

	// Proofs are checked against the chain the server serves at /chain.
	resp, err := http.Get(base + "/api/v1/board")
	if err != nil {
		t.Fatal(err)
	}
	var where struct{ Contract string }
	json.NewDecoder(resp.Body).Decode(&where)
	resp.Body.Close()
	rpc := []string{"--rpc", base + "/chain", "--contract", where.Contract}
	if out := run(0, append(append(rpc, "documents", "proof", series, "1"), anna...)...); !strings.Contains(out, "you are among the 1 recipients") {
		t.Fatalf("Anna's proof: %s", out)
	}
	if out := run(0, append(rpc, "documents", "proof", series, "1", "--api", base, "--user", "boris@example.org")...); !strings.Contains(out, "NOT among") {
		t.Fatalf("Boris's proof: %s", out)
	}
	if out := run(0, "documents", "verify", shared, "--api", base); !strings.Contains(out, "authentic: meeting-notice v1") {
		t.Fatalf("verify through the node the server names: %s", out)
	}
	if out := run(0, append(rpc, "documents", "verify", shared)...); !strings.Contains(out, "authentic: meeting-notice v1") ||
		!strings.Contains(out, "City property registry") || !strings.Contains(out, "version:   current") {
		t.Fatalf("verify: %s", out)
	}
	stop()

	// After serve, on the embedded chain: the file verifies, a tampered copy
	// does not.
	run(0, "documents", "verify", file)
	raw, _ := os.ReadFile(file)
	f, err := documents.ParseFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	f.Title = "Owners' meeting (cancelled)"
	writeFile(t, filepath.Join(dir, "tampered.json"), string(f.Bytes()))
	if out := run(1, "documents", "verify", filepath.Join(dir, "tampered.json")); !strings.Contains(out, "NOT AUTHENTIC") {
		t.Fatalf("tampered verify: %s", out)
	}
	run(0, append([]string{"documents", "revoke", id, "--reason", "withdrawn"}, by...)...)
	if out := run(0, "documents", "verify", file, "--json"); !strings.Contains(out, `"revoked": true`) {
		t.Fatalf("verify after revocation: %s", out)
	}
}

// documentsData makes a data directory whose store has an administrator, a
// document issuer registry@city.example and the residents named, and a run
// that runs veche on it, failing the test on another exit code.
func documentsData(t *testing.T, residents ...string) (data string, run func(wantCode int, args ...string) string) {
	t.Helper()
	data = filepath.Join(isolate(t), "data")
	ctx := context.Background()
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	secret, err := identitySecret(filepath.Join(data, identitySecretFile))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(data, "veche.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := svc.Register(ctx, "admin@city.example", "a long enough password")
	registry, _ := svc.Register(ctx, "registry@city.example", "a long enough password")
	for _, r := range residents {
		if _, err := svc.Register(ctx, r, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := svc.GrantRole(ctx, admin, registry, identity.RoleDocumentIssuer); err != nil {
		t.Fatal(err)
	}
	return data, func(wantCode int, args ...string) string {
		t.Helper()
		out, errOut, code := veche(t, append([]string{"--data", data, "--poll-interval", "5ms"}, args...)...)
		if code != wantCode {
			t.Fatalf("veche %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		return out + errOut
	}
}
