package voting_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

// The credential authority generates credentials for two ballot styles;
// the public list encodes and decodes to itself and tells each
// credential's style, and nothing else's.
func TestCredentialListRoundTrip(t *testing.T) {
	m := twoStyleManifest(t)
	creds, list, err := voting.GenerateCredentials(testRand("list"), m, map[string]int{"north": 5, "south": 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 8 || list.Len() != 8 || list.Count("north") != 5 || list.Count("south") != 3 || list.Count("east") != 0 {
		t.Fatalf("%d credentials, list of %d (%d north, %d south)", len(creds), list.Len(), list.Count("north"), list.Count("south"))
	}
	for i, c := range creds {
		if style, ok := list.StyleOf(c.Key.Public().Bytes()); !ok || style != c.Style {
			t.Errorf("credential %d: style %q, %v; want %q", i, style, ok, c.Style)
		}
	}
	stranger, _ := schnorr.GenerateKey(testRand("stranger"))
	if _, ok := list.StyleOf(stranger.Public().Bytes()); ok {
		t.Error("a stranger's key is on the list")
	}
	if _, ok := list.StyleOf([]byte{1, 2, 3}); ok {
		t.Error("a short key is on the list")
	}
	enc := list.Bytes()
	back, err := voting.ParseCredentials(enc, m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), enc) {
		t.Fatal("the list does not encode back to its bytes")
	}
	if want := 1 + 32 + 2 + (1 + 5 + 4) + (1 + 5 + 4) + 8*32; len(enc) != want {
		t.Fatalf("the list is %d bytes, want %d", len(enc), want)
	}
	// The same keys given by hand make the same list.
	byStyle := map[string][]*schnorr.PublicKey{}
	for _, c := range slices.Backward(creds) {
		byStyle[c.Style] = append(byStyle[c.Style], c.Key.Public())
	}
	again, err := voting.NewCredentialList(m, byStyle)
	if err != nil || !bytes.Equal(again.Bytes(), enc) {
		t.Fatalf("NewCredentialList: %v", err)
	}
	byStyle["north"] = append(byStyle["north"], byStyle["south"][0])
	if _, err := voting.NewCredentialList(m, byStyle); err == nil {
		t.Fatal("a key in two styles was accepted")
	}
	if _, _, err := voting.GenerateCredentials(nil, m, map[string]int{"east": 1}); err == nil {
		t.Fatal("credentials for an unknown style")
	}
	if _, _, err := voting.GenerateCredentials(nil, m, map[string]int{}); err == nil {
		t.Fatal("an empty list")
	}
}

// credentialList encodes a list as docs/spec/ballot.md, section 2.1, says,
// from raw keys, so that tests can break its rules.
func credentialList(fp [32]byte, styles []string, keys [][][]byte) []byte {
	b := append([]byte{1}, fp[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(styles)))
	for i, s := range styles {
		b = append(b, byte(len(s)))
		b = append(b, s...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(keys[i])))
		for _, k := range keys[i] {
			b = append(b, k...)
		}
	}
	return b
}

func sortedKeys(t *testing.T, seed string, n int) [][]byte {
	var out [][]byte
	for i := range n {
		k, err := schnorr.GenerateKey(testRand(seed + string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.Public().Bytes())
	}
	slices.SortFunc(out, bytes.Compare)
	return out
}

// A list is refused unless it is exactly canonical: for this election,
// with its styles in order, each sorted without repeats, no key in two
// styles, and every key a canonical element other than the identity.
func TestParseCredentialsRejects(t *testing.T) {
	m := twoStyleManifest(t)
	fp, _ := m.Fingerprint()
	north, south := sortedKeys(t, "north", 3), sortedKeys(t, "south", 2)
	styles := []string{"north", "south"}
	good := credentialList(fp, styles, [][][]byte{north, south})
	if _, err := voting.ParseCredentials(good, m); err != nil {
		t.Fatal(err)
	}
	swap := func(ks [][]byte, i, j int) [][]byte { c := slices.Clone(ks); c[i], c[j] = c[j], c[i]; return c }
	with := func(ks [][]byte, i int, k []byte) [][]byte { c := slices.Clone(ks); c[i] = k; return c }
	other := fp
	other[0] ^= 1
	shared := [][]byte{north[1], south[1]}
	slices.SortFunc(shared, bytes.Compare)
	identity := make([]byte, 32)
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"another election", credentialList(other, styles, [][][]byte{north, south}), "another election"},
		{"version 2", append([]byte{2}, good[1:]...), "version"},
		{"unsorted", credentialList(fp, styles, [][][]byte{swap(north, 0, 2), south}), "not greater"},
		{"repeated", credentialList(fp, styles, [][][]byte{with(north, 1, north[0]), south}), "not greater"},
		{"in two styles", credentialList(fp, styles, [][][]byte{north, shared}), "two ballot styles"},
		{"identity", credentialList(fp, styles, [][][]byte{append([][]byte{identity}, north...), south}), "canonical"},
		{"non-canonical", credentialList(fp, styles, [][][]byte{append(slices.Clone(north), nonCanonical), south}), "canonical"},
		{"styles swapped", credentialList(fp, []string{"south", "north"}, [][][]byte{south, north}), "the manifest's is"},
		{"a style missing", credentialList(fp, []string{"north"}, [][][]byte{north}), "1 ballot styles"},
		{"no credentials", credentialList(fp, styles, [][][]byte{nil, nil}), "no credentials"},
		{"trailing byte", append(slices.Clone(good), 0), "after the list"},
		{"truncated", good[:len(good)-1], "truncated"},
		{"truncated header", good[:20], "shorter"},
	}
	for _, tc := range cases {
		_, err := voting.ParseCredentials(tc.b, m)
		if !errors.Is(err, voting.ErrMalformedCredentials) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	for n := range len(good) {
		if _, err := voting.ParseCredentials(good[:n], m); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
}

// credentialBoard is the example election published on an in-memory board.
func credentialBoard(t *testing.T) (context.Context, *memboard.Board, *voting.Manifest, *memboard.Client) {
	ctx := context.Background()
	m := example(t)
	board := memboard.New()
	if err := voting.Publish(ctx, board.As(addr(t, m.Commission.Address)), m); err != nil {
		t.Fatal(err)
	}
	return ctx, board, m, board.As(addr(t, m.CredentialAuthority.Address))
}

// The credential authority posts the list; everyone reads it back. The
// first list counts: posting it again changes nothing, another one is
// refused.
func TestReadCredentials(t *testing.T) {
	ctx, board, m, ca := credentialBoard(t)
	if _, err := voting.ReadCredentials(ctx, board, m); !errors.Is(err, voting.ErrNoCredentials) {
		t.Fatalf("before posting: %v", err)
	}
	_, list, err := voting.GenerateCredentials(testRand("read"), m, map[string]int{"city": 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, board.As(addr(t, m.Commission.Address)), m, list); err == nil {
		t.Fatal("the commission posted the credential list")
	}
	if err := voting.PostCredentials(ctx, ca, m, list); err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, ca, m, list); err != nil {
		t.Fatalf("posting again: %v", err)
	}
	if _, n, _ := board.Head(ctx, m.Topic()); n != 2 {
		t.Fatalf("%d entries, want the manifest and one list", n)
	}
	got, err := voting.ReadCredentials(ctx, board, m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), list.Bytes()) {
		t.Fatal("the list read back differs")
	}
	_, another, _ := voting.GenerateCredentials(testRand("another"), m, map[string]int{"city": 10})
	if err := voting.PostCredentials(ctx, ca, m, another); err == nil || !strings.Contains(err.Error(), "already has another") {
		t.Fatalf("posting another list: %v", err)
	}
	// Even posted directly, a second list is ignored.
	if _, err := ca.Append(ctx, m.Topic(), bulletin.KindCredentials, another.Bytes()); err != nil {
		t.Fatal(err)
	}
	if got, err := voting.ReadCredentials(ctx, board, m); err != nil || !bytes.Equal(got.Bytes(), list.Bytes()) {
		t.Fatalf("after a second list: %v", err)
	}
}

// A list larger than an entry is posted in chunks and read back whole.
func TestReadCredentialsChunked(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 4,000 credentials")
	}
	ctx, board, m, ca := credentialBoard(t)
	_, list, err := voting.GenerateCredentials(testRand("chunked"), m, map[string]int{"city": 4000})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Bytes()) <= bulletin.MaxPayload {
		t.Fatalf("the list (%d bytes) fits one entry", len(list.Bytes()))
	}
	if err := voting.PostCredentials(ctx, ca, m, list); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := board.Head(ctx, m.Topic()); n != 1+1+2 {
		t.Fatalf("%d entries, want the manifest, a chunk header and two chunks", n)
	}
	got, err := voting.ReadCredentials(ctx, board, m)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 4000 || !bytes.Equal(got.Bytes(), list.Bytes()) {
		t.Fatal("the list read back differs")
	}
}

// Half a chunked list is no list; once the election opens it never will
// be. A malformed first list leaves the election without one, whatever
// comes after.
func TestReadCredentialsIncompleteOrMalformed(t *testing.T) {
	ctx, board, m, ca := credentialBoard(t)
	_, list, err := voting.GenerateCredentials(testRand("incomplete"), m, map[string]int{"city": 10})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := bulletin.Chunk(bulletin.KindCredentials, list.Bytes(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.AppendBatch(ctx, m.Topic(), msgs[:len(msgs)-1]); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.ReadCredentials(ctx, board, m); !errors.Is(err, voting.ErrNoCredentials) || !strings.Contains(err.Error(), "not completely posted") {
		t.Fatalf("incomplete: %v", err)
	}
	// A whole list posted after the first artefact began does not count.
	if _, err := ca.Append(ctx, m.Topic(), bulletin.KindCredentials, list.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.ReadCredentials(ctx, board, m); !errors.Is(err, voting.ErrNoCredentials) {
		t.Fatalf("incomplete then whole: %v", err)
	}
	commission := board.As(addr(t, m.Commission.Address))
	for _, p := range []bulletin.Phase{bulletin.PhaseKeyCeremony, bulletin.PhaseOpen} {
		if err := voting.SetPhase(ctx, commission, m.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := voting.ReadCredentials(ctx, board, m); !errors.Is(err, voting.ErrNoCredentials) || !strings.Contains(err.Error(), "incomplete when the election opened") {
		t.Fatalf("opened: %v", err)
	}

	ctx, board, m, ca = credentialBoard(t)
	bad := list.Bytes()
	bad[len(bad)-1] ^= 0xff
	if _, err := ca.Append(ctx, m.Topic(), bulletin.KindCredentials, bad); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Append(ctx, m.Topic(), bulletin.KindCredentials, list.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.ReadCredentials(ctx, board, m); !errors.Is(err, voting.ErrMalformedCredentials) {
		t.Fatalf("malformed first list: %v", err)
	}

	ctx, board, m, _ = credentialBoard(t)
	commission = board.As(addr(t, m.Commission.Address))
	for _, p := range []bulletin.Phase{bulletin.PhaseKeyCeremony, bulletin.PhaseOpen} {
		if err := voting.SetPhase(ctx, commission, m.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := voting.ReadCredentials(ctx, board, m); !errors.Is(err, voting.ErrNoCredentials) || !strings.Contains(err.Error(), "opened without") {
		t.Fatalf("opened without a list: %v", err)
	}
}

// A sealed credential opens only with the voter's key, the carrier's
// associated data and for its election; a modified one does not open;
// errors never show the key.
func TestSealCredential(t *testing.T) {
	m := example(t)
	fp, _ := m.Fingerprint()
	creds, _, err := voting.GenerateCredentials(testRand("seal"), m, map[string]int{"city": 1})
	if err != nil {
		t.Fatal(err)
	}
	voter, _ := hybrid.GenerateKey(testRand("voter"))
	other, _ := hybrid.GenerateKey(testRand("other voter"))
	ad := []byte("delivery to resident 7 for city-2026")
	sealed, err := voting.SealCredential(testRand("sealing"), voter.Public(), fp, creds[0], ad)
	if err != nil {
		t.Fatal(err)
	}
	if want := hybrid.Overhead + 1 + 32 + 1 + len("city") + 32; sealed.Size() != want {
		t.Fatalf("a sealed credential is %d bytes, want %d", sealed.Size(), want)
	}
	if err := sealed.Verify(voter.Public(), ad); err != nil {
		t.Fatalf("the carrier cannot check the delivery: %v", err)
	}
	got, err := voting.OpenCredential(voter, fp, sealed, ad)
	if err != nil {
		t.Fatal(err)
	}
	if got.Style != "city" || !got.Key.Equal(creds[0].Key) {
		t.Fatal("the opened credential differs")
	}
	secret := hex.EncodeToString(creds[0].Key.Bytes())
	otherFP := fp
	otherFP[31] ^= 1
	tampered, _ := hybrid.ParseCiphertext(sealed.Bytes())
	tampered.Sealed[3] ^= 1
	for name, tc := range map[string]struct {
		key    *hybrid.PrivateKey
		fp     [32]byte
		sealed *hybrid.Ciphertext
		ad     []byte
		want   string
	}{
		"another voter's key":  {other, fp, sealed, ad, "another key"},
		"another delivery":     {voter, fp, sealed, []byte("delivery to resident 8 for city-2026"), "another key"},
		"another election":     {voter, otherFP, sealed, ad, "another election"},
		"tampered":             {voter, fp, tampered, ad, "another key"},
		"no sealed credential": {voter, fp, nil, ad, "needs"},
	} {
		_, err := voting.OpenCredential(tc.key, tc.fp, tc.sealed, tc.ad)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
