package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/crypto/keystore"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

type stallsTestClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stallsTestClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stallsTestClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// A season run with the veche stalls commands against a real API server on
// the embedded chain: keygen, season, bid, bids, allocate, won, then decrypt
// and verify straight from the chain.
func TestStallsCommandsRunASeasonThroughTheAPIAndVerifyItFromTheChain(t *testing.T) {
	keystoreOptions = &keystore.Options{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { keystoreOptions = nil })
	dir := isolate(t)
	ctx := context.Background()
	data := filepath.Join(dir, "data")
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			b.Close()
		}
	}()
	db, err := store.Open(ctx, storetest.SQLiteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	secret := make([]byte, identity.SecretSize)
	secret[0] = 1
	ident, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	opens := time.Date(2027, 6, 1, 6, 0, 0, 0, time.UTC)
	closes := opens.Add(7 * 24 * time.Hour)
	clock := &stallsTestClock{t: opens.Add(-time.Hour)}
	svc, err := stalls.New(db, b, ident, &stalls.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	server, err := api.NewWithConfig(b, nil, api.Config{Stalls: svc})
	if err != nil {
		t.Fatal(err)
	}
	server.SetIdentity(ident, api.IdentityOptions{})
	ts := httptest.NewServer(server)
	defer ts.Close()

	admin, _ := ident.Register(ctx, "admin@city.example", "a long enough password")
	ident.BootstrapAdministrator(ctx, admin)
	residents := map[string]identity.ResidentID{}
	for name, r := range map[string]identity.Role{"op": identity.RoleMarketOperator, "alice": identity.RoleSeller, "bob": identity.RoleSeller, "t1": identity.RoleTrustee} {
		id, err := ident.Register(ctx, name+"@example.org", "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if err := ident.GrantRole(ctx, admin, id, r); err != nil {
			t.Fatal(err)
		}
		residents[name] = id
	}
	writeFile(t, filepath.Join(dir, "pw"), "a long enough password\n")
	as := func(who string, args ...string) string {
		t.Helper()
		args = append(args, "--api", ts.URL, "--user", who+"@example.org", "--password-file", filepath.Join(dir, "pw"))
		out, stderr, code := veche(t, args...)
		if code != 0 {
			t.Fatalf("veche %v: exit %d: %s", args, code, stderr)
		}
		return out
	}

	writeFile(t, filepath.Join(dir, "pass"), "trustees' passphrase\n")
	out, stderr, code := veche(t, "stalls", "keygen", "june-2027", "--threshold", "2", "--trustees", "3", "--out", filepath.Join(dir, "keys"), "--passphrase-file", filepath.Join(dir, "pass"))
	if code != 0 || !strings.Contains(out, "2-of-3") {
		t.Fatalf("keygen: %d %s %s", code, out, stderr)
	}
	if fi, err := os.Stat(filepath.Join(dir, "keys", "trustee-2.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("trustee key file: %v %v", fi, err)
	}
	if _, _, code := veche(t, "stalls", "keygen", "june-2027", "--out", filepath.Join(dir, "keys"), "--passphrase-file", filepath.Join(dir, "pass")); code == 0 {
		t.Fatal("keygen overwrote existing keys")
	}
	writeFile(t, filepath.Join(dir, "season.json"), fmt.Sprintf(`{"opens":%q,"closes":%q,"cap":1,"markets":[
		{"name":"Tishinka","stalls":[{"id":"T-1","size":500,"kind":"produce","reserve":100000},{"id":"T-2","size":500,"kind":"dairy","reserve":100000}]}]}`,
		opens.Format(time.RFC3339), closes.Format(time.RFC3339)))
	if out := as("op", "stalls", "season", "june-2027", "--file", filepath.Join(dir, "season.json"), "--trustees-file", filepath.Join(dir, "keys", "trustees.hex")); !strings.Contains(out, "published") {
		t.Fatalf("season: %s", out)
	}
	clock.set(opens)
	as("alice", "stalls", "bid", "june-2027", "T-1", "1500")
	as("alice", "stalls", "bid", "june-2027", "T-2", "1200.50")
	as("bob", "stalls", "bid", "june-2027", "T-1", "1400.99")
	if _, stderr, code := veche(t, "stalls", "bid", "june-2027", "T-1", "1600", "--api", ts.URL, "--user", "alice@example.org", "--password-file", filepath.Join(dir, "pw")); code == 0 || !strings.Contains(stderr, "409") {
		t.Fatalf("a second bid for a stall: %d %s", code, stderr)
	}
	if out := as("alice", "stalls", "bids", "june-2027"); !strings.Contains(out, "T-1") || !strings.Contains(out, "T-2") || strings.Contains(out, "1500") {
		t.Fatalf("alice's bids: %s", out)
	}

	clock.set(closes)
	counted, err := svc.Counted(ctx, "june-2027")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := svc.Season(ctx, "june-2027")
	if raw, _ := os.ReadFile(filepath.Join(dir, "keys", "trustee-1.key")); strings.Contains(hex.EncodeToString(raw), "6a756e652d32303237") {
		t.Fatal("the trustee key file is not encrypted")
	}
	kb, err := openSealed(filepath.Join(dir, "keys", "trustee-1.key"), []byte("trustees' passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := stalls.ParseTrusteeKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stalls.PartialDecrypt(nil, s, key, counted)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitDecryption(ctx, residents["t1"], "june-2027", d.Bytes()); err != nil {
		t.Fatal(err)
	}
	b.Close() // the commands below open the embedded chain themselves
	closed = true

	if _, stderr, code := veche(t, "--data", data, "stalls", "decrypt", "june-2027", "--key", filepath.Join(dir, "keys", "trustee-3.key"), "--passphrase-file", filepath.Join(dir, "pw")); code == 0 {
		t.Fatalf("decrypt with a wrong passphrase: %s", stderr)
	}
	out, stderr, code = veche(t, "--data", data, "stalls", "decrypt", "june-2027", "--key", filepath.Join(dir, "keys", "trustee-3.key"), "--passphrase-file", filepath.Join(dir, "pass"))
	if code != 0 || !strings.Contains(out, "trustee 3 decrypted 3 bids") {
		t.Fatalf("decrypt: %d %s %s", code, out, stderr)
	}
	out, _, code = veche(t, "--data", data, "stalls", "verify", "june-2027")
	if code == 0 || !strings.Contains(out, "not posted yet") {
		t.Fatalf("verify before the allocation: %d %s", code, out)
	}
	if b, err = chain.Open(ctx, chain.Options{DataDir: data}); err != nil {
		t.Fatal(err)
	}
	closed = false
	svc2, _ := stalls.New(db, b, ident, &stalls.Options{Now: clock.Now})
	server2, _ := api.NewWithConfig(b, nil, api.Config{Stalls: svc2})
	server2.SetIdentity(ident, api.IdentityOptions{})
	ts.Config.Handler = server2
	if out := as("op", "stalls", "allocate", "june-2027"); !strings.Contains(out, "stalls won 1, valid bids 3") {
		t.Fatalf("allocate: %s", out)
	}
	// Cap 1: alice wins T-1 (1500.00 over 1400.99); her 1200.50 for T-2
	// is passed over by the cap and nobody else bid for T-2; bob, outbid
	// for T-1, wins nothing.
	if out := as("alice", "stalls", "won", "june-2027"); !strings.Contains(out, "T-1") || !strings.Contains(out, "1500.00") {
		t.Fatalf("alice won: %s", out)
	}
	if out := as("bob", "stalls", "won", "june-2027"); !strings.Contains(out, "no stall won") {
		t.Fatalf("bob won: %s", out)
	}
	b.Close()
	closed = true
	out, stderr, code = veche(t, "--data", data, "stalls", "verify", "june-2027", "--list")
	if code != 0 || !strings.Contains(out, "MATCHES the rule byte for byte") || !strings.Contains(out, "trustees [1 3]") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
}

func TestParseAmountTakesRoublesWithKopecks(t *testing.T) {
	for in, want := range map[string]uint64{"1": 100, "1500": 150000, "1200.5": 120050, "0.01": 1, "1400.99": 140099} {
		if got, err := parseAmount(in); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "0.00", "-1", "1.234", ".5", "1e3", "1,5", "99999999999999999999"} {
		if _, err := parseAmount(bad); err == nil {
			t.Errorf("parseAmount(%q) accepted", bad)
		}
	}
}
