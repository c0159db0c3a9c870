package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/store"
)

// pollsAPI is the API with identity and polls on the data directory's
// store and embedded chain, served until close.
type pollsAPI struct {
	url   string
	close func()
}

func startPollsAPI(t *testing.T, data string) *pollsAPI {
	t.Helper()
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: config{Data: data}}
	svc, ident, closeSvc, err := a.openPolls(ctx, b, "", "")
	if err != nil {
		t.Fatal(err)
	}
	server, err := api.NewWithConfig(b, nil, api.Config{Polls: svc})
	if err != nil {
		t.Fatal(err)
	}
	server.SetIdentity(ident, api.IdentityOptions{})
	ts := httptest.NewServer(server)
	var once sync.Once
	stop := func() { once.Do(func() { ts.Close(); closeSvc(); b.Close() }) }
	t.Cleanup(stop)
	return &pollsAPI{url: ts.URL, close: stop}
}

// The operator's side of Active Citizen on the embedded chain: a poll
// made with one command, a listed activity, residents' ratings, a batch
// anchored, the totals read back from the chain and checked against the
// database, and a resident's receipt checked (a tampered one refused).
func TestPollsCommands(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	b.Close()
	writeFile(t, filepath.Join(data, pollsPartiesFile), fmt.Sprintf(`commission: {name: City hall, address: "%[1]s"}
ballot_box: {name: Ballot box, address: "%[1]s"}
credential_authority: {name: Credentials, address: "%[1]s"}
trustees: {threshold: 1, members: [{name: T, address: "0x2000000000000000000000000000000000000001"}]}
mixers: []
`, self))
	writeFile(t, filepath.Join(dir, "poll.yaml"), `id: bike-lanes
question: {en: "Where should the bicycle lanes go?"}
kind: approval
max: 2
options:
  - {id: ring, title: {en: Ring road}}
  - {id: river, title: {en: Along the river}}
  - {id: centre, title: {en: City centre}}
opens: 2026-12-01T08:00:00Z
closes: 2026-12-15T20:00:00Z
`)
	r := openResidents(t, data)
	admin := r.add(t, "admin@city.example", nil)
	if err := r.svc.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	clerk := r.add(t, "clerk@city.example", nil)
	mod := r.add(t, "mod@city.example", nil)
	if err := r.svc.GrantRole(ctx, admin, clerk, identity.RoleCommission); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.GrantRole(ctx, admin, mod, identity.RoleModerator); err != nil {
		t.Fatal(err)
	}
	r.add(t, "alice@city.example", nil)
	r.add(t, "bob@city.example", nil)
	r.db.Close()

	if _, stderr, code := veche(t, "--data", data, "polls", "create", filepath.Join(dir, "poll.yaml"), "--by", "alice@city.example"); code == 0 || !strings.Contains(stderr, "commission role") {
		t.Fatalf("a resident created a poll: %d %s", code, stderr)
	}
	out, stderr, code := veche(t, "--data", data, "polls", "create", filepath.Join(dir, "poll.yaml"), "--by", "clerk@city.example")
	if code != 0 || !strings.Contains(out, "poll bike-lanes published") || !strings.Contains(out, "approval, 0 to 2, homomorphic") {
		t.Fatalf("create: %d %s %s", code, out, stderr)
	}
	// The poll is an election on the chain.
	if out, stderr, code := veche(t, "--data", data, "election", "show", "bike-lanes"); code != 0 || !strings.Contains(out, "bike-lanes") {
		t.Fatalf("election show: %d %s %s", code, out, stderr)
	}
	if _, stderr, code := veche(t, "--data", data, "polls", "subject", "activity/cleanup", "--title", "Clean-up day", "--by", "mod@city.example"); code != 0 {
		t.Fatalf("subject: %s", stderr)
	}

	// Residents rate and comment through the API, with the CLI as their app.
	stop := startPollsAPI(t, data)
	t.Setenv(voterPasswordEnv, "a long enough password")
	resident := func(user string, args ...string) (string, string, int) {
		return veche(t, append(append([]string{"--data", data, "polls"}, args...), "--api", stop.url, "--user", user)...)
	}
	if out, stderr, code := resident("alice@city.example", "rate", "activity/cleanup", "5"); code != 0 || !strings.Contains(out, "activity/cleanup: 5") {
		t.Fatalf("rate: %d %s %s", code, out, stderr)
	}
	if _, stderr, code := resident("alice@city.example", "rate", "activity/cleanup", "1"); code == 0 || !strings.Contains(stderr, "409") {
		t.Fatalf("a second rating: %d %s", code, stderr)
	}
	if _, stderr, code := resident("bob@city.example", "rate", "activity/cleanup", "2"); code != 0 {
		t.Fatalf("rate: %s", stderr)
	}
	out, stderr, code = resident("bob@city.example", "comment", "poll/bike-lanes", "cheap watches")
	var spam uint64
	if _, err := fmt.Sscanf(out, "comment %d on", &spam); code != 0 || err != nil {
		t.Fatalf("comment: %d %s %s", code, out, stderr)
	}
	if _, stderr, code := resident("bob@city.example", "comment", "project/secret", "guessing"); code == 0 || !strings.Contains(stderr, "404") {
		t.Fatalf("a comment on an unknown subject: %d %s", code, stderr)
	}
	stop.close()
	if out, stderr, code := veche(t, "--data", data, "polls", "hide", fmt.Sprint(spam), "--reason", "advertising", "--by", "mod@city.example"); code != 0 {
		t.Fatalf("hide: %s %s", out, stderr)
	}
	if out, _, _ := veche(t, "--data", data, "polls", "comments", "poll/bike-lanes"); !strings.Contains(out, "[hidden by a moderator: advertising]") || strings.Contains(out, "watches") {
		t.Fatalf("comments: %s", out)
	}
	if out, stderr, code := veche(t, "--data", data, "polls", "anchor"); code != 0 || !strings.Contains(out, "batch 1: 3 items in 2 rows") {
		t.Fatalf("anchor: %d %s %s", code, out, stderr)
	}
	out, stderr, code = veche(t, "--data", data, "polls", "verify", "--open")
	if code != 0 || !strings.Contains(out, "activity/cleanup  2") || !strings.Contains(out, "3.50") || !strings.Contains(out, "OK: every batch") ||
		!hasRow(out, "comment", "poll/bike-lanes", "1", "1", "-") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
	if out, _, _ := veche(t, "--data", data, "polls", "list"); !strings.Contains(out, "activity/cleanup") || !strings.Contains(out, "3.50") {
		t.Fatalf("list: %s", out)
	}

	// Alice saves her items' receipts and checks her rating on the chain.
	stop = startPollsAPI(t, data)
	out, stderr, code = resident("alice@city.example", "mine", "--save", filepath.Join(dir, "mine"))
	stop.close()
	if code != 0 || !strings.Contains(out, "rating  activity/cleanup  5  (batch 1)") {
		t.Fatalf("mine: %d %s %s", code, out, stderr)
	}
	items, _ := filepath.Glob(filepath.Join(dir, "mine", "item-*.json"))
	if len(items) != 1 {
		t.Fatalf("saved items %v", items)
	}
	raw, err := os.ReadFile(items[0])
	if err != nil {
		t.Fatal(err)
	}
	var item feedbackFile
	if err := json.Unmarshal(raw, &item); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "item.json"), string(raw))
	if out, stderr, code := veche(t, "--data", data, "polls", "check", filepath.Join(dir, "item.json")); code != 0 || !strings.Contains(out, "OK: your rating on activity/cleanup is in batch 1") {
		t.Fatalf("check: %d %s %s", code, out, stderr)
	}
	item.Rating = 1
	j, _ := json.Marshal(item)
	writeFile(t, filepath.Join(dir, "forged.json"), string(j))
	if _, stderr, code := veche(t, "--data", data, "polls", "check", filepath.Join(dir, "forged.json")); code == 0 || !strings.Contains(stderr, polls.ErrMismatch.Error()) {
		t.Fatalf("a forged item passed: %d %s", code, stderr)
	}

	// Bob checks on the chain that his comment is counted, and when and
	// why it was hidden.
	stop = startPollsAPI(t, data)
	out, stderr, code = resident("bob@city.example", "mine", "--save", filepath.Join(dir, "bobs"))
	stop.close()
	if code != 0 || !strings.Contains(out, `"cheap watches" (hidden by a moderator at `) || !strings.Contains(out, ": advertising)") {
		t.Fatalf("bob's mine: %d %s %s", code, out, stderr)
	}
	bobs := filepath.Join(dir, "bobs", fmt.Sprintf("item-%d.json", spam))
	out, stderr, code = veche(t, "--data", data, "polls", "check", bobs)
	if code != 0 || !strings.Contains(out, "OK: your comment on poll/bike-lanes is in batch 1") ||
		!strings.Contains(out, `for "advertising": recorded in batch 1`) {
		t.Fatalf("check of a hidden comment: %d %s %s", code, out, stderr)
	}
	raw, err = os.ReadFile(bobs)
	if err != nil {
		t.Fatal(err)
	}
	var hidden feedbackFile
	if err := json.Unmarshal(raw, &hidden); err != nil || hidden.HideBatch != 1 || hidden.HiddenAt == "" {
		t.Fatalf("bob's item %s (%v)", raw, err)
	}
	for name, forge := range map[string]func(f *feedbackFile){
		"another reason":   func(f *feedbackFile) { f.HiddenReason = "off topic" },
		"another time":     func(f *feedbackFile) { f.HiddenAt = "2026-01-01T00:00:00Z" },
		"another batch":    func(f *feedbackFile) { f.HideBatch = 7 },
		"shown not hidden": func(f *feedbackFile) { f.Hidden, f.HiddenAt, f.HiddenReason, f.HideBatch = false, "", "", 0 },
	} {
		f := hidden
		forge(&f)
		j, _ := json.Marshal(f)
		writeFile(t, filepath.Join(dir, "forged.json"), string(j))
		out, stderr, code := veche(t, "--data", data, "polls", "check", filepath.Join(dir, "forged.json"))
		switch name {
		case "shown not hidden": // the chain's record is shown all the same
			if code != 0 || !strings.Contains(out, "the item gives no reason to compare") {
				t.Errorf("%s: %d %s %s", name, code, out, stderr)
			}
		case "another batch": // the chain has the hide in batch 1
			if code == 0 || !strings.Contains(stderr, "batch 7 records the hide, the chain has it in batch 1") || out != "" {
				t.Errorf("%s: %d %s %s", name, code, out, stderr)
			}
		default:
			if code == 0 || !strings.Contains(stderr, polls.ErrMismatch.Error()) || out != "" {
				t.Errorf("%s passed: %d %s %s", name, code, out, stderr)
			}
		}
	}

	// An auditor's copy of the database whose hide differs from the
	// chain's record fails verify --open.
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(data, "veche.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE polls_items SET hidden_reason = 'spam' WHERE id = $1", int64(spam))
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := veche(t, "--data", data, "polls", "verify", "--open"); code == 0 ||
		!strings.Contains(stderr, "batch 1 (entry") || !strings.Contains(stderr, "another reason") {
		t.Fatalf("verify --open with another reason in the database: %d %s %s", code, out, stderr)
	}
}

// hasRow reports whether a line of out has exactly the fields want.
func hasRow(out string, want ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if slices.Equal(strings.Fields(line), want) {
			return true
		}
	}
	return false
}
