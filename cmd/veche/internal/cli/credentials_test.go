package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// publishElection publishes on the embedded chain in data an election in
// phase setup whose commission and credential authority are the chain's
// own account, with the given ballot styles (districts of the same names).
func publishElection(t *testing.T, data, id string, styles ...string) *voting.Manifest {
	t.Helper()
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	var districts, ballotStyles []string
	for _, s := range styles {
		districts = append(districts, fmt.Sprintf("{id: %s, name: {en: %s}}", s, s))
		ballotStyles = append(ballotStyles, fmt.Sprintf("{id: %s, districts: [%s], contests: [q]}", s, s))
	}
	m, err := voting.DecodeManifest([]byte(fmt.Sprintf(`version: 1
id: %s
title: {en: Credentials test}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [%s]
ballot_styles: [%s]
contests:
  - {id: q, title: {en: Question}, kind: referendum, tally: homomorphic, min: 1, max: 1, blank: false, write_in: false,
     options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]}
commission: {name: C, address: "%[4]s"}
ballot_box: {name: B, address: "%[4]s"}
credential_authority: {name: A, address: "%[4]s"}
trustees: {threshold: 1, members: [{name: T, address: "0x2000000000000000000000000000000000000001"}]}
mixers: []
`, id, strings.Join(districts, ", "), strings.Join(ballotStyles, ", "), self)))
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// residents is the identity store of a data directory, opened as veche
// opens it (same database, same secret), with cheap password hashing.
type residents struct {
	db  *store.DB
	svc *identity.Service
}

func openResidents(t *testing.T, data string) *residents {
	t.Helper()
	secret, err := identitySecret(filepath.Join(data, identitySecretFile))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "veche.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return &residents{db: db, svc: svc}
}

func (r *residents) add(t *testing.T, identifier string, key *hybrid.PrivateKey) identity.ResidentID {
	t.Helper()
	ctx := context.Background()
	id, err := r.svc.Register(ctx, identifier, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if key != nil {
		if err := r.svc.SetEncryptionKey(ctx, id, key.Public()); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// The credential authority issues an election's credentials from a voters
// file: bad files are refused naming the lines, voters without a key are
// refused or left out, and then every voter with a key opens a credential
// that is on the posted list, and nothing else is left behind.
func TestCredentialsIssueFromVotersFile(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	m := publishElection(t, data, "council-2027", "city")
	fp, _ := m.Fingerprint()

	r := openResidents(t, data)
	admin := r.add(t, "admin@city.example", nil)
	if err := r.svc.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	ca := r.add(t, "ca@city.example", nil)
	if err := r.svc.GrantRole(ctx, admin, ca, identity.RoleCredentialAuthority); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*hybrid.PrivateKey{}
	ids := map[string]identity.ResidentID{}
	for _, v := range []string{"anna@example.org", "boris@example.org", "vera@example.org", "gleb@example.org"} {
		if v != "gleb@example.org" { // Gleb registers no key
			keys[v], _ = hybrid.GenerateKey(nil)
		}
		ids[v] = r.add(t, v, keys[v])
	}
	r.db.Close()
	before := dirListing(t, data)

	file := filepath.Join(dir, "roll.txt")
	issue := func(extra ...string) []string {
		return append([]string{"--data", data, "credentials", "issue", "--election", m.ID, "--authority", "CA@City.Example", "--voters", file}, extra...)
	}
	// Bad files and authorities: refused, naming the lines; nothing posted.
	writeFile(t, file, "\ufeff# the roll\r\nanna@example.org\r\n\r\nboris@example.org,city\nAnna@Example.ORG\n")
	mustFail(t, "line 5 names the same resident as line 2", issue()...)
	writeFile(t, file, "anna@example.org\nboris@example.org\nnobody@example.org\n")
	mustFail(t, "no resident is registered under the identifier on line 3", issue()...)
	writeFile(t, file, "anna@example.org\nboris@example.org,nowhere\n")
	mustFail(t, `line 2: "nowhere" is not a ballot style`, issue()...)
	writeFile(t, file, "anna@example.org\nbad identifier\n")
	mustFail(t, "line 2: not a valid identifier", issue()...)
	writeFile(t, file, "# only comments\n\n")
	mustFail(t, "names no voter", issue()...)
	writeFile(t, file, "anna@example.org\nboris@example.org\nvera@example.org\ngleb@example.org\n")
	mustFail(t, "1 of 4 voters have registered no encryption key (gleb@example.org)", issue()...)
	mustFail(t, "does not hold the credential-authority role", "--data", data, "credentials", "issue", "--election", m.ID, "--authority", "admin@city.example", "--voters", file)
	mustFail(t, "no such resident", "--data", data, "credentials", "issue", "--election", m.ID, "--authority", "nobody@city.example", "--voters", file)
	mustFail(t, "exactly one of --voters FILE and --role ROLE", "--data", data, "credentials", "issue", "--election", m.ID, "--authority", "ca@city.example")
	mustFail(t, "no election", "--data", data, "credentials", "issue", "--election", "no-such-election", "--authority", "ca@city.example", "--voters", file, "--skip-missing")

	// Issued, leaving Gleb out.
	out, stderr, code := veche(t, issue("--skip-missing")...)
	if code != 0 {
		t.Fatalf("issue: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "4 eligible voters, 3 credentials posted (city: 3), 3 delivered") || !strings.Contains(out, "left out 1 voters") {
		t.Fatalf("summary:\n%s", out)
	}
	// Once only.
	mustFail(t, "already has a credential list (3 credentials; 3 deliveries", issue("--skip-missing")...)

	// Every voter with a key opens a distinct credential that is on the
	// board's list with its style; Gleb has none.
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	list, err := voting.ReadCredentials(ctx, b, m)
	b.Close()
	if err != nil || list.Len() != 3 {
		t.Fatalf("the posted list: %v", err)
	}
	r = openResidents(t, data)
	defer r.db.Close()
	var opened []string
	for v, key := range keys {
		d, err := r.svc.Delivery(ctx, ids[v], m.ID)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if d.Sender != ca {
			t.Fatalf("%s: delivered by %s, not the authority", v, d.Sender)
		}
		c, err := voting.OpenCredential(key, fp, d.Ciphertext, identity.DeliveryAD(ids[v], m.ID))
		if err != nil {
			t.Fatalf("%s opens the delivery: %v", v, err)
		}
		pub := c.Key.Public().Bytes()
		if style, ok := list.StyleOf(pub); !ok || style != "city" || c.Style != "city" {
			t.Fatalf("%s's credential is not on the list as city (%q, %v)", v, style, ok)
		}
		secret := hex.EncodeToString(c.Key.Bytes())
		if strings.Contains(out+stderr, secret) {
			t.Fatal("a private credential was printed")
		}
		opened = append(opened, hex.EncodeToString(pub))
	}
	slices.Sort(opened)
	if len(slices.Compact(opened)) != 3 {
		t.Fatal("two voters got the same credential")
	}
	if _, err := r.svc.Delivery(ctx, ids["gleb@example.org"], m.ID); !errors.Is(err, identity.ErrNoDelivery) {
		t.Fatalf("Gleb's delivery: %v", err)
	}
	// No file was written but the board's and the store's own.
	if after := dirListing(t, data); !slices.Equal(before, after) {
		t.Fatalf("files in the data directory changed:\nbefore %v\nafter  %v", before, after)
	}
}

// By role, with several ballot styles, and a restart after an issuance
// that delivered without posting its list.
func TestCredentialsIssueByRoleAndRestart(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	m := publishElection(t, data, "district-2027", "north", "south")
	fp, _ := m.Fingerprint()

	r := openResidents(t, data)
	admin := r.add(t, "admin@city.example", nil)
	if err := r.svc.BootstrapAdministrator(ctx, admin); err != nil {
		t.Fatal(err)
	}
	ca := r.add(t, "ca@city.example", nil)
	if err := r.svc.GrantRole(ctx, admin, ca, identity.RoleCredentialAuthority); err != nil {
		t.Fatal(err)
	}
	keys := map[identity.ResidentID]*hybrid.PrivateKey{}
	for i := range 3 {
		k, _ := hybrid.GenerateKey(nil)
		id := r.add(t, fmt.Sprintf("voter%d@example.org", i), k)
		keys[id] = k
		if err := r.svc.GrantRole(ctx, admin, id, identity.RoleVoter); err != nil {
			t.Fatal(err)
		}
	}
	r.add(t, "not-a-voter@example.org", nil)
	// An interrupted issuance delivered to voter 0 and posted nothing.
	var first identity.ResidentID
	for id := range keys {
		first = id
		break
	}
	stale, _ := hybrid.Encrypt(nil, keys[first].Public(), []byte("stale"), identity.DeliveryAD(first, m.ID))
	if err := r.svc.Deliver(ctx, ca, first, m.ID, stale); err != nil {
		t.Fatal(err)
	}
	r.db.Close()

	args := []string{"--data", data, "credentials", "issue", "--election", m.ID, "--authority", "ca@city.example", "--role", "voter"}
	mustFail(t, "no ballot style: election district-2027 has several", args...)
	mustFail(t, `--style "east" is not a ballot style`, append(args, "--style", "east")...)
	mustFail(t, "unknown role name", "--data", data, "credentials", "issue", "--election", m.ID, "--authority", "ca@city.example", "--role", "voters")
	mustFail(t, "run again with --restart", append(args, "--style", "south")...)
	out := mustRun(t, append(args, "--style", "south", "--restart")...)
	if !strings.Contains(out, "withdrew 1 deliveries") || !strings.Contains(out, "3 eligible voters, 3 credentials posted (south: 3), 3 delivered") {
		t.Fatalf("summary:\n%s", out)
	}

	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	list, err := voting.ReadCredentials(ctx, b, m)
	b.Close()
	if err != nil || list.Count("south") != 3 || list.Count("north") != 0 {
		t.Fatalf("the posted list: %v", err)
	}
	r = openResidents(t, data)
	defer r.db.Close()
	for id, key := range keys {
		d, err := r.svc.Delivery(ctx, id, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := voting.OpenCredential(key, fp, d.Ciphertext, identity.DeliveryAD(id, m.ID))
		if err != nil {
			t.Fatalf("opening a delivery (the stale one was not replaced?): %v", err)
		}
		if style, ok := list.StyleOf(c.Key.Public().Bytes()); !ok || style != "south" {
			t.Fatal("a delivered credential is not on the list")
		}
	}

	// Voters of several styles in one file: each gets a credential of
	// its own style.
	m2 := publishElection(t, data, "mixed-2027", "north", "south")
	fp2, _ := m2.Fingerprint()
	var roll strings.Builder
	want := map[identity.ResidentID]string{}
	i := 0
	for id := range keys {
		style := []string{"north", "south", "north"}[i]
		res, err := r.svc.Resident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&roll, "%s,%s\n", res.Identifier, style)
		want[id] = style
		i++
	}
	r.db.Close()
	writeFile(t, filepath.Join(dir, "mixed.txt"), roll.String())
	out = mustRun(t, "--data", data, "credentials", "issue", "--election", m2.ID, "--authority", "ca@city.example", "--voters", filepath.Join(dir, "mixed.txt"))
	if !strings.Contains(out, "credentials posted (north: 2, south: 1)") {
		t.Fatalf("summary:\n%s", out)
	}
	b, err = chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	list, err = voting.ReadCredentials(ctx, b, m2)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = openResidents(t, data)
	for id, key := range keys {
		d, err := r.svc.Delivery(ctx, id, m2.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := voting.OpenCredential(key, fp2, d.Ciphertext, identity.DeliveryAD(id, m2.ID))
		if err != nil {
			t.Fatal(err)
		}
		if style, ok := list.StyleOf(c.Key.Public().Bytes()); !ok || style != want[id] || c.Style != want[id] {
			t.Fatalf("a %s voter got a credential of style %q (on the list: %v)", want[id], style, ok)
		}
	}
}

func TestParseVoters(t *testing.T) {
	got, err := parseVoters([]byte("\ufeff  # comment\r\na@example.org\r\n\n  b@example.org , north \n\"odd,name\"@example.org,south\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []voterLine{{2, "a@example.org", ""}, {4, "b@example.org", "north"}, {5, `"odd,name"@example.org`, "south"}}
	if !slices.Equal(got, want) {
		t.Fatalf("parseVoters = %+v", got)
	}
	for _, bad := range []string{"a@example.org,\n", ",north\n", "ok@example.org\n" + strings.Repeat("x", 70<<10) + "\n"} {
		if _, err := parseVoters([]byte(bad)); err == nil {
			t.Errorf("parseVoters(%.40q) accepted", bad)
		}
	}
}

// dirListing lists the files under dir, except the embedded chain's and
// the SQLite database's, which change with every use.
func dirListing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() && rel == "chain" {
			return filepath.SkipDir
		}
		if !d.IsDir() && !strings.HasPrefix(rel, "veche.db") {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// serveUntil runs veche serve on data until stop is called, and returns the
// API's base URL.
func serveUntil(t *testing.T, data string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWaiter{want: 1, done: make(chan struct{})}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"--data", data, "--log-level", "warn", "serve", "--listen", "127.0.0.1:0"}, out, os.Stderr)
	}()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "/api/v1") {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	line := out.String()
	base = strings.Fields(line[strings.Index(line, "http://"):])[0]
	return base, func() {
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	}
}

// call sends a JSON request to a running server and decodes the answer.
func call(t *testing.T, method, url, token, body string, status int, v any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %s: %v", method, url, b, err)
		}
	}
}

// The whole path of a credential: a voter registers with veche serve and
// uploads its key; the operator makes the administrator and grants roles
// (veche residents); the authority issues to the voters (serve stopped: it
// holds the embedded chain); the voter logs in again and opens its
// credential, which is on the board's list.
func TestVoterReceivesCredentialThroughServe(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	m := publishElection(t, data, "e2e-2027", "city")
	fp, _ := m.Fingerprint()

	base, stop := serveUntil(t, data)
	for _, ident := range []string{"admin@city.example", "ca@city.example"} {
		call(t, http.MethodPost, base+"/residents", "", `{"identifier":"`+ident+`","password":"a long enough password"}`, http.StatusCreated, nil)
	}
	login := `{"identifier":"Daria@Example.org","password":"daria's long password"}`
	var reg struct {
		Resident string `json:"resident"`
	}
	call(t, http.MethodPost, base+"/residents", "", login, http.StatusCreated, &reg)
	var tok struct {
		Access string `json:"access_token"`
	}
	call(t, http.MethodPost, base+"/sessions", "", login, http.StatusCreated, &tok)
	key, _ := hybrid.GenerateKey(nil)
	call(t, http.MethodPut, base+"/me/encryption-key", tok.Access, `{"public_key":"`+hex.EncodeToString(key.Public().Bytes())+`"}`, http.StatusNoContent, nil)
	call(t, http.MethodGet, base+"/me/credentials/"+m.ID, tok.Access, "", http.StatusNotFound, nil)
	stop()

	// The operator's part.
	residents := func(args ...string) string {
		return mustRun(t, append([]string{"--data", data, "residents"}, args...)...)
	}
	mustFail(t, "not permitted", "--data", data, "residents", "grant", "ca@city.example", "credential-authority", "--by", "admin@city.example")
	residents("bootstrap-admin", "ADMIN@city.example")
	mustFail(t, "an administrator exists already", "--data", data, "residents", "bootstrap-admin", "ca@city.example")
	mustFail(t, "roles: voter, commission", "--data", data, "residents", "grant", "ca@city.example", "authority", "--by", "admin@city.example")
	residents("grant", "ca@city.example", "credential-authority", "--by", "admin@city.example")
	residents("grant", "daria@example.org", "voter", "--by", "admin@city.example")
	residents("grant", "ca@city.example", "voter", "--by", "admin@city.example")
	if out := residents("revoke", "ca@city.example", "voter", "--by", "admin@city.example"); !strings.Contains(out, "roles credential-authority\n") {
		t.Fatalf("revoke: %s", out)
	}
	if out := residents("list", "--role", "voter"); out != "daria@example.org\n# 1 residents hold the voter role; 0 have no encryption key\n" {
		t.Fatalf("list:\n%s", out)
	}
	if out := residents("show", "daria@example.org"); !strings.Contains(out, reg.Resident) || !strings.Contains(out, "roles\tvoter\n") || !strings.Contains(out, "encryption key\ttrue") {
		t.Fatalf("show:\n%s", out)
	}
	mustRun(t, "--data", data, "credentials", "issue", "--election", m.ID, "--authority", "ca@city.example", "--role", "voter")
	if out := residents("show", "daria@example.org"); !strings.Contains(out, "credentials\t"+m.ID) {
		t.Fatalf("show after the issuance:\n%s", out)
	}
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	list, err := voting.ReadCredentials(ctx, b, m)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}

	base, stop = serveUntil(t, data)
	defer stop()
	call(t, http.MethodPost, base+"/sessions", "", login, http.StatusCreated, &tok)
	var d struct {
		Election string `json:"election"`
		Sealed   []byte `json:"sealed"`
		AD       []byte `json:"associated_data"`
	}
	call(t, http.MethodGet, base+"/me/credentials/"+m.ID, tok.Access, "", http.StatusOK, &d)
	ct, err := hybrid.ParseCiphertext(d.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	resident, _ := identity.ParseResidentID(reg.Resident)
	if !bytes.Equal(d.AD, identity.DeliveryAD(resident, m.ID)) {
		t.Fatal("the associated data is not the delivery's")
	}
	c, err := voting.OpenCredential(key, fp, ct, d.AD)
	if err != nil {
		t.Fatal(err)
	}
	if style, ok := list.StyleOf(c.Key.Public().Bytes()); !ok || style != "city" || list.Len() != 1 {
		t.Fatal("the delivered credential is not on the board's list")
	}
}
