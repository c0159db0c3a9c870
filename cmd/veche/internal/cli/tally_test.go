package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/keystore"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// An election's mixnet and threshold decryption end to end through the
// command line on the embedded chain: 3 trustees (k = 2) run the key
// ceremony, the commission posts the ballots of a ranked contest with
// write-ins for mixing, 2 mixers shuffle in turn, one trustee decrypts
// (not enough: the output names the missing), a second does, and the
// combined plaintexts are the ballots.
func TestMixAndDecrypt(t *testing.T) {
	keystoreOptions = &keystore.Options{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { keystoreOptions = nil })
	dir := isolate(t)
	data := "--data=" + filepath.Join(dir, "data")
	keys := map[string]string{}
	for _, who := range []string{"commission", "t1", "t2", "t3", "m1", "m2"} {
		path := filepath.Join(dir, who+".key")
		out := mustRun(t, "board", "key", "--out", path)
		keys[who], keys[who+".addr"] = path, strings.ToLower(strings.Fields(out)[1])
	}
	writeFile(t, "manifest.yaml", fmt.Sprintf(`version: 1
id: mix-test
title: {en: Mix test}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: s, districts: [all], contests: [mayor]}]
contests:
  - {id: mayor, title: {en: Mayor}, kind: ranked, tally: mixnet, min: 0, max: 0, ranks: 2, blank: true,
     write_in: true, write_in_length: 28,
     options: [{id: a, title: {en: A}}, {id: b, title: {en: B}}]}
commission: {name: Commission, address: "%s"}
ballot_box: {name: Box, address: "%[1]s"}
credential_authority: {name: CA, address: "%[1]s"}
trustees:
  threshold: 2
  members: [{name: T1, address: "%s"}, {name: T2, address: "%s"}, {name: T3, address: "%s"}]
mixers: [{name: M1, address: "%s"}, {name: M2, address: "%s"}]
`, keys["commission.addr"], keys["t1.addr"], keys["t2.addr"], keys["t3.addr"], keys["m1.addr"], keys["m2.addr"]))
	as := func(who string, args ...string) []string {
		return append([]string{data, "--chain-key", keys[who]}, args...)
	}
	tkey := func(j int) []string {
		return []string{"--key", filepath.Join(dir, fmt.Sprintf("t%d.tkey", j)), "--passphrase-file", "pass"}
	}
	writeFile(t, "pass", "a passphrase\n")

	mustRun(t, as("commission", "election", "create", "manifest.yaml")...)
	for j := 1; j <= 3; j++ {
		mustRun(t, append([]string{"trustee", "init"}, tkey(j)...)...)
		mustRun(t, append(as(fmt.Sprintf("t%d", j), "trustee", "join", "mix-test"), tkey(j)...)...)
	}
	mustRun(t, as("commission", "election", "ceremony", "mix-test")...)
	for _, j := range []int{1, 2, 3, 1, 2, 3} {
		mustRun(t, append(as(fmt.Sprintf("t%d", j), "trustee", "keygen", "mix-test", "--no-wait"), tkey(j)...)...)
	}
	mustRun(t, as("commission", "election", "open", "mix-test")...)
	for j := 1; j <= 3; j++ {
		mustRun(t, append(as(fmt.Sprintf("t%d", j), "trustee", "keygen", "mix-test", "--no-wait"), tkey(j)...)...)
	}
	mustRun(t, as("commission", "election", "close", "mix-test")...)

	// The ballots (ranked choices or a write-in, embedded as bytes) go to
	// the board as the tally input; issue 7's weeding will post them.
	ballots := [][2]string{{"a", "b"}, {"b", "a"}, {"b", ""}, {"write-in: Ivan Petrov", ""}, {"a", ""}}
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: filepath.Join(dir, "data"), KeyFile: keys["commission"]})
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.ReadManifest(ctx, b, "mix-test")
	if err != nil {
		t.Fatal(err)
	}
	res, err := voting.JointKey(ctx, b, m)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := elgamal.NewPublicKeyFromElement(res.JointKey)
	var rows []elgamal.VectorCiphertext
	for _, bl := range ballots {
		var row elgamal.VectorCiphertext
		for _, s := range bl {
			M, err := elgamal.EncodeBytes([]byte(s))
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := elgamal.Encrypt(nil, pk, M)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	payload, err := (&tally.TallyInput{List: tally.List{Name: "mayor", Rows: rows}}).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ctx, m.Topic(), bulletin.KindTallyInput, payload); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseTallying); err != nil {
		t.Fatal(err)
	}
	b.Close()

	// A trustee will not decrypt before the mixers have mixed.
	mustFail(t, "mixer 1", append(as("t1", "trustee", "decrypt", "mix-test"), tkey(1)...)...)
	mustFail(t, "not a mixer", as("t1", "mix", "run", "mix-test")...)
	mustRun(t, as("m1", "mix", "run", "mix-test")...)
	mustRun(t, as("m2", "mix", "run", "mix-test")...)
	out := mustRun(t, data, "mix", "verify", "mix-test")
	if !strings.Contains(out, "list mayor: OK, 5 rows through 2 mixers") {
		t.Fatalf("mix verify printed:\n%s", out)
	}

	mustRun(t, append(as("t1", "trustee", "decrypt", "mix-test"), tkey(1)...)...)
	out, stderr, code := veche(t, data, "tally", "decrypt", "mix-test")
	if code != 1 || !strings.Contains(out, "missing 2 3") || !strings.Contains(out, "NOT DECRYPTED") {
		t.Fatalf("tally decrypt with one trustee: exit %d:\n%s%s", code, out, stderr)
	}
	mustRun(t, append(as("t3", "trustee", "decrypt", "mix-test"), tkey(3)...)...)
	again := mustRun(t, append(as("t3", "trustee", "decrypt", "mix-test"), tkey(3)...)...)
	if !strings.Contains(again, "already decrypted") {
		t.Fatalf("a second decrypt printed %q", again)
	}
	out = mustRun(t, data, "tally", "decrypt", "mix-test", "--show")
	if !strings.Contains(out, "used 1 3") || !strings.Contains(out, "5 rows decrypted") {
		t.Fatalf("tally decrypt printed:\n%s", out)
	}
	var got, want []string
	for _, bl := range ballots {
		want = append(want, fmt.Sprintf("%q %q", bl[0], bl[1]))
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  ") {
			got = append(got, strings.SplitN(strings.TrimSpace(line), "\t", 2)[1])
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("decrypted %q, want %q", got, want)
	}
}
