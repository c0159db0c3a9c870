package voting_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
)

// An election for ballot tests: a manifest, its key (the trustees' joint
// key, here one key pair) and a credential list.
type election struct {
	t     testing.TB
	seed  string
	m     *voting.Manifest
	sk    *elgamal.PrivateKey
	pk    *elgamal.PublicKey
	creds []*voting.Credential
	list  *voting.CredentialList
}

// newElection sets up the election m with counts credentials per style.
func newElection(t testing.TB, seed string, m *voting.Manifest, counts map[string]int) *election {
	t.Helper()
	sk, err := elgamal.GenerateKey(testRand(seed + " election key"))
	if err != nil {
		t.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(testRand(seed+" credentials"), m, counts)
	if err != nil {
		t.Fatal(err)
	}
	return &election{t: t, seed: seed, m: m, sk: sk, pk: sk.Public(), creds: creds, list: list}
}

// exampleElection is the example manifest with 4 credentials.
func exampleElection(t testing.TB, seed string) *election {
	return newElection(t, seed, exampleManifest(t), map[string]int{"city": 4})
}

// exampleSelections are a valid choice on the example ballot.
func exampleSelections() voting.Selections {
	return voting.Selections{
		"bike-lanes": {Options: []string{"yes"}},
		"council":    {Options: []string{"sidorova", "ivanova"}},
		"mayor":      {Options: []string{"volkova", voting.WriteInChoice, "orlov"}, WriteIn: "Pat Example"},
	}
}

// cast makes a ballot with credential i.
func (e *election) cast(i int, sel voting.Selections, seed string) (*voting.Ballot, *voting.BallotSecrets) {
	e.t.Helper()
	c := e.creds[i]
	b, s, err := voting.EncryptBallot(testRand(e.seed+" ballot "+seed), e.m, e.pk, c.Style, c.Key, sel)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, s
}

// decrypt returns the plaintexts of a ballot's ciphertexts for a contest.
func (e *election) decrypt(b *voting.Ballot, contest string) []*group.Element {
	var out []*group.Element
	for _, ct := range b.Ciphertexts(contest) {
		out = append(out, elgamal.Decrypt(e.sk, ct))
	}
	return out
}

func contest(m *voting.Manifest, id string) *voting.Contest {
	for i := range m.Contests {
		if m.Contests[i].ID == id {
			return &m.Contests[i]
		}
	}
	return nil
}

// resign replaces a ballot's signature with one by key over its body and
// parses the result.
func resign(t *testing.T, m *voting.Manifest, raw []byte, key *schnorr.PrivateKey) (*voting.Ballot, error) {
	t.Helper()
	body := slices.Clone(raw[:len(raw)-schnorr.SignatureSize])
	sig, err := schnorr.Sign(testRand("resign"), key, voting.BallotContext, body)
	if err != nil {
		t.Fatal(err)
	}
	return voting.ParseBallot(append(body, sig...), m)
}

// Offsets in an example ballot (docs/spec/ballot.md, section 6): the
// header, then each contest's id and ciphertexts.
const (
	offCredential = 1 + 32 + 1 + len("city")
	offContests   = offCredential + 32 + 1
	offBikeCts    = offContests + 1 + len("bike-lanes")
	offBikeProofs = offBikeCts + 2*64
	offCouncilCts = offBikeProofs + 2*zkp.ZeroOneProofSize + 100 + 1 + len("council")
)

// A voter's selections go into a ballot that the ballot box accepts; the
// trustees' key decrypts each contest to exactly the selections, and the
// tally reads a mixnet row back with DecodeRow.
func TestBallotEncryptsSelections(t *testing.T) {
	e := exampleElection(t, "encrypts")
	b, _ := e.cast(0, exampleSelections(), "1")
	if err := voting.VerifyBallot(e.m, e.pk, e.list, b); err != nil {
		t.Fatal(err)
	}
	G, O := group.NewGeneratorElement(), group.NewElement()
	want := map[string][]*group.Element{
		"bike-lanes": {G, O},
		"council":    {G, O, G, O, O},
	}
	for id, w := range want {
		got := e.decrypt(b, id)
		if len(got) != len(w) {
			t.Fatalf("contest %s: %d ciphertexts, want %d", id, len(got), len(w))
		}
		for j := range w {
			if got[j].Equal(w[j]) != 1 {
				t.Errorf("contest %s, option %d: wrong plaintext", id, j+1)
			}
		}
	}
	mayor := contest(e.m, "mayor")
	row := e.decrypt(b, "mayor")
	if len(row) != 4 || voting.RowWidth(mayor) != 4 {
		t.Fatalf("the mayor row has %d ciphertexts (RowWidth %d), want 3 ranks + 1 write-in", len(row), voting.RowWidth(mayor))
	}
	got, err := voting.DecodeRow(mayor, row)
	if err != nil {
		t.Fatal(err)
	}
	if w := exampleSelections()["mayor"]; !slices.Equal(got.Options, w.Options) || got.WriteIn != w.WriteIn {
		t.Fatalf("the mayor row decodes to %+v, want %+v", got, w)
	}
	if b.Style() != "city" || !b.Credential().Equal(e.creds[0].Key.Public()) {
		t.Error("the ballot's style or credential is wrong")
	}
	if b.Ciphertexts("no-such-contest") != nil {
		t.Error("Ciphertexts of a contest not on the ballot is not nil")
	}
}

// A ballot's encoding parses back to the same ballot, which verifies; its
// tracking code is the SHA-256 of its bytes and reads back from its
// printed form.
func TestBallotRoundTrip(t *testing.T) {
	e := exampleElection(t, "round trip")
	b, _ := e.cast(1, exampleSelections(), "1")
	p, err := voting.ParseBallot(b.Bytes(), e.m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Bytes(), b.Bytes()) || p.TrackingCode() != b.TrackingCode() {
		t.Fatal("the parsed ballot differs")
	}
	if err := voting.VerifyBallot(e.m, e.pk, e.list, p); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.ClashKeys(), b.ClashKeys()) || len(b.ClashKeys()) != 2+5+4 {
		t.Fatalf("clash keys: %d, want 11, equal after parsing", len(b.ClashKeys()))
	}
	for i, k := range b.ClashKeys() {
		if i < 2 && !bytes.Equal(k[:], b.Ciphertexts("bike-lanes")[i].A.Bytes()) {
			t.Errorf("clash key %d is not the A of the ciphertext", i)
		}
	}

	code := b.TrackingCode()
	s := code.String()
	if len(s) != 52+12 || strings.Count(s, "-") != 12 {
		t.Fatalf("tracking code %q: want 13 groups of 4", s)
	}
	for _, in := range []string{s, strings.ToLower(s), strings.ReplaceAll(s, "-", ""), strings.ReplaceAll(s, "-", " ")} {
		if back, err := voting.ParseTrackingCode(in); err != nil || back != code {
			t.Errorf("ParseTrackingCode(%q) = %v, %v", in, back, err)
		}
	}
}

// The length of a ballot depends only on the manifest and the style, so
// that it tells an observer of the network nothing.
func TestBallotLengthIsFixed(t *testing.T) {
	e := exampleElection(t, "length")
	sels := []voting.Selections{
		exampleSelections(),
		{"bike-lanes": {Options: []string{"no"}}},
		{"bike-lanes": {Options: []string{"yes"}}, "council": {Options: []string{"smirnova"}}, "mayor": {Options: []string{"zaitsev"}}},
		{"bike-lanes": {Options: []string{"no"}}, "mayor": {Options: []string{voting.WriteInChoice}, WriteIn: strings.Repeat("x", 28)}},
	}
	var n int
	for i, sel := range sels {
		b, _ := e.cast(0, sel, fmt.Sprint(i))
		if i == 0 {
			n = len(b.Bytes())
		} else if len(b.Bytes()) != n {
			t.Fatalf("selection %d gives a ballot of %d bytes, the first %d", i, len(b.Bytes()), n)
		}
	}
	if n != 3144 {
		t.Errorf("an example ballot is %d bytes; docs/spec/ballot.md says 3,144", n)
	}
}

// Selections that do not fit the contest are refused with an error that
// says what is wrong without naming what was chosen.
func TestSelectionErrors(t *testing.T) {
	e := exampleElection(t, "selections")
	with := func(id string, s voting.Selection) voting.Selections {
		sel := exampleSelections()
		sel[id] = s
		return sel
	}
	long := strings.Repeat("é", 15) // 30 bytes
	cases := []struct {
		name string
		sel  voting.Selections
		want string
	}{
		{"too many", with("council", voting.Selection{Options: []string{"ivanova", "petrov", "smirnova"}}), "3 options chosen, want 0 to 2"},
		{"too few", with("bike-lanes", voting.Selection{}), "0 options chosen, want 1"},
		{"two answers to a referendum", with("bike-lanes", voting.Selection{Options: []string{"yes", "no"}}), "2 options chosen, want 1"},
		{"unknown option", with("council", voting.Selection{Options: []string{"ivanova", "nobody"}}), "choice 2 is not an option"},
		{"approval repeat", with("council", voting.Selection{Options: []string{"petrov", "petrov"}}), "choice 2 repeats"},
		{"ranked repeat", with("mayor", voting.Selection{Options: []string{"orlov", "zaitsev", "orlov"}}), "choice 3 repeats"},
		{"ranked too many", with("mayor", voting.Selection{Options: []string{"orlov", "zaitsev", "volkova", voting.WriteInChoice}, WriteIn: "X"}), "4 options ranked, at most 3"},
		{"write-in too long", with("mayor", voting.Selection{Options: []string{voting.WriteInChoice}, WriteIn: long}), "30 bytes long, at most 28"},
		{"write-in not allowed", with("council", voting.Selection{Options: []string{voting.WriteInChoice}, WriteIn: "X"}), "does not allow"},
		{"write-in without a name", with("mayor", voting.Selection{Options: []string{voting.WriteInChoice}}), "without a name"},
		{"a name without the write-in", with("mayor", voting.Selection{Options: []string{"orlov"}, WriteIn: "X"}), "given but not chosen"},
		{"write-in with spaces", with("mayor", voting.Selection{Options: []string{voting.WriteInChoice}, WriteIn: " X"}), "white space"},
		{"write-in with a newline", with("mayor", voting.Selection{Options: []string{voting.WriteInChoice}, WriteIn: "X\nY"}), "control characters"},
		{"write-in not UTF-8", with("mayor", voting.Selection{Options: []string{voting.WriteInChoice}, WriteIn: "\xff"}), "not valid UTF-8"},
		{"contest not on the ballot", with("dog-park", voting.Selection{}), "not on ballot style"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := voting.EncryptBallot(testRand("sel"), e.m, e.pk, "city", e.creds[0].Key, tc.sel)
			if !errors.Is(err, voting.ErrInvalidSelection) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalidSelection saying %q", err, tc.want)
			}
			for _, id := range []string{"ivanova", "petrov", "smirnova", "orlov", "zaitsev", "volkova", "yes\"", "nobody"} {
				if strings.Contains(err.Error(), id) {
					t.Errorf("the error names the choice %q: %v", id, err)
				}
			}
		})
	}
	// A blank vote where the contest allows one; a contest left out is blank.
	if _, _, err := voting.EncryptBallot(testRand("sel"), e.m, e.pk, "city", e.creds[0].Key,
		voting.Selections{"bike-lanes": {Options: []string{"no"}}}); err != nil {
		t.Fatalf("blank council and mayor: %v", err)
	}
	if _, _, err := voting.EncryptBallot(testRand("sel"), e.m, e.pk, "nowhere", e.creds[0].Key, exampleSelections()); err == nil {
		t.Fatal("a ballot of an unknown style was made")
	}
}

// Decoding is strict: every truncation, any trailing byte, another
// version, and each non-canonical or identity element or unreduced scalar
// is refused.
func TestParseBallotRejects(t *testing.T) {
	e := exampleElection(t, "parse")
	b, _ := e.cast(0, exampleSelections(), "1")
	raw := b.Bytes()
	for n := 0; n < len(raw); n += 1 + n/8 {
		if _, err := voting.ParseBallot(raw[:n], e.m); !errors.Is(err, voting.ErrMalformedBallot) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	mutate := func(off int, val []byte) []byte {
		c := slices.Clone(raw)
		copy(c[off:], val)
		return c
	}
	notCanonical := bytes.Repeat([]byte{0xff}, 32) // > p: not a field element encoding
	negative := append([]byte{1}, make([]byte, 31)...)
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	sigOff := len(raw) - 64
	cases := []struct {
		name string
		b    []byte
	}{
		{"trailing byte", append(slices.Clone(raw), 0)},
		{"version 2", mutate(0, []byte{2})},
		{"unknown style", mutate(34, []byte("town"))},
		{"identity credential", mutate(offCredential, make([]byte, 32))},
		{"non-canonical credential", mutate(offCredential, notCanonical)},
		{"wrong contest count", mutate(offContests-1, []byte{2})},
		{"wrong contest id", mutate(offContests+1, []byte("bike-lames"))},
		{"identity A", mutate(offBikeCts, make([]byte, 32))},
		{"negative A", mutate(offBikeCts, negative)},
		{"non-canonical B", mutate(offBikeCts+32, notCanonical)},
		{"identity commitment in a 0/1 proof", mutate(offBikeProofs, make([]byte, 32))},
		{"unreduced response in a 0/1 proof", mutate(offBikeProofs+4*32+2*32, ell)},
		{"wrong range branch count", mutate(offBikeProofs+2*zkp.ZeroOneProofSize, []byte{0, 0, 0, 2})},
		{"identity signature R", mutate(sigOff, make([]byte, 32))},
		{"unreduced signature z", mutate(sigOff+32, ell)},
		{"identity row proof commitment", mutate(sigOff-64, make([]byte, 32))},
	}
	for _, tc := range cases {
		if _, err := voting.ParseBallot(tc.b, e.m); !errors.Is(err, voting.ErrMalformedBallot) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// VerifyBallot refuses a credential not on the list, a bad signature, a
// ballot of another election, a ballot copied and re-signed under another
// credential, swapped proofs, a repeated ciphertext and an overvote whose
// every ciphertext is a valid 0 or 1.
func TestVerifyBallotRejects(t *testing.T) {
	e := exampleElection(t, "verify")
	b, _ := e.cast(0, exampleSelections(), "1")
	raw := b.Bytes()

	t.Run("credential not on the list", func(t *testing.T) {
		outsider, err := schnorr.GenerateKey(testRand("outsider"))
		if err != nil {
			t.Fatal(err)
		}
		ob, _, err := voting.EncryptBallot(testRand("outsider ballot"), e.m, e.pk, "city", outsider, exampleSelections())
		if err != nil {
			t.Fatal(err)
		}
		err = voting.VerifyBallot(e.m, e.pk, e.list, ob)
		if !errors.Is(err, voting.ErrUnknownCredential) || !errors.Is(err, voting.ErrInvalidBallot) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		c := slices.Clone(raw)
		c[len(c)-32] ^= 1 // the low byte of z: still canonical, now wrong
		p, err := voting.ParseBallot(c, e.m)
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.VerifyBallot(e.m, e.pk, e.list, p); !errors.Is(err, voting.ErrInvalidBallot) || !errors.Is(err, schnorr.ErrInvalidSignature) {
			t.Fatalf("got %v", err)
		}
		// The signature of another credential over the right body.
		p, err = resign(t, e.m, raw, e.creds[1].Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.VerifyBallot(e.m, e.pk, e.list, p); !errors.Is(err, voting.ErrInvalidBallot) || !strings.Contains(err.Error(), "signature") {
			t.Fatalf("signed by another credential: %v", err)
		}
	})
	t.Run("another election", func(t *testing.T) {
		m2 := exampleManifest(t)
		m2.Title = voting.Text{"en": "Another election"}
		e2 := &election{t: t, seed: "verify", m: m2, sk: e.sk, pk: e.pk, creds: e.creds}
		b2, _ := e2.cast(0, exampleSelections(), "1")
		p, err := voting.ParseBallot(b2.Bytes(), e.m) // same layout
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.VerifyBallot(e.m, e.pk, e.list, p); !errors.Is(err, voting.ErrInvalidBallot) || !strings.Contains(err.Error(), "another election") {
			t.Fatalf("got %v", err)
		}
		// Its fingerprint field set to this election's: now the proofs fail.
		fp := e.list.Fingerprint()
		c := slices.Clone(b2.Bytes())
		copy(c[1:], fp[:])
		p, err = resign(t, e.m, c, e.creds[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.VerifyBallot(e.m, e.pk, e.list, p); !errors.Is(err, voting.ErrInvalidBallot) || !strings.Contains(err.Error(), "proof") {
			t.Fatalf("relabelled: %v", err)
		}
	})
	t.Run("another election key", func(t *testing.T) {
		other, _ := elgamal.GenerateKey(testRand("other key"))
		if err := voting.VerifyBallot(e.m, other.Public(), e.list, b); !errors.Is(err, voting.ErrInvalidBallot) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("copied under another credential", func(t *testing.T) {
		// The attacker replaces the credential by its own and signs: the
		// ciphertexts and proofs are the victim's, bound to the victim's
		// credential.
		c := slices.Clone(raw)
		copy(c[offCredential:], e.creds[2].Key.Public().Bytes())
		p, err := resign(t, e.m, c, e.creds[2].Key)
		if err != nil {
			t.Fatal(err)
		}
		err = voting.VerifyBallot(e.m, e.pk, e.list, p)
		if !errors.Is(err, voting.ErrInvalidBallot) || !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), "signature") {
			t.Fatalf("the signature should hold, the proofs fail: %v", err)
		}
	})
	t.Run("swapped 0/1 proofs", func(t *testing.T) {
		c := slices.Clone(raw)
		p0 := slices.Clone(raw[offBikeProofs : offBikeProofs+zkp.ZeroOneProofSize])
		p1 := slices.Clone(raw[offBikeProofs+zkp.ZeroOneProofSize : offBikeProofs+2*zkp.ZeroOneProofSize])
		copy(c[offBikeProofs:], p1)
		copy(c[offBikeProofs+zkp.ZeroOneProofSize:], p0)
		p, err := resign(t, e.m, c, e.creds[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.VerifyBallot(e.m, e.pk, e.list, p); !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("repeated ciphertext", func(t *testing.T) {
		c := slices.Clone(raw)
		copy(c[offBikeCts+64:], raw[offBikeCts:offBikeCts+64])
		p, err := resign(t, e.m, c, e.creds[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.VerifyBallot(e.m, e.pk, e.list, p); !errors.Is(err, voting.ErrInvalidBallot) || !strings.Contains(err.Error(), "share") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("overvote", func(t *testing.T) {
		// Three council candidates, each with a valid 0/1 proof: only the
		// range proof of the sum stands in the way.
		cred := e.creds[0].Key.Public().Bytes()
		c := slices.Clone(raw)
		ct, r, err := elgamal.EncryptExp(testRand("overvote"), e.pk, 1)
		if err != nil {
			t.Fatal(err)
		}
		binding := append([]byte("veche/ballot/v1\x00\x01"), cred...)
		binding = append(binding, byte(len("council")))
		binding = append(binding, "council"...)
		binding = append(binding, 0, 0, 0, 4) // option 5, from 0
		proof, err := zkp.ProveZeroOne(testRand("overvote proof"), e.list.Fingerprint(), e.pk.Element(), zkp.Ciphertext(*ct), 1, r, binding)
		if err != nil {
			t.Fatal(err)
		}
		copy(c[offCouncilCts+4*64:], ct.Bytes())
		copy(c[offCouncilCts+5*64+4*zkp.ZeroOneProofSize:], proof.Bytes())
		p, err := resign(t, e.m, c, e.creds[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		err = voting.VerifyBallot(e.m, e.pk, e.list, p)
		if !errors.Is(err, zkp.ErrInvalidProof) || !strings.Contains(err.Error(), "contest council, range proof") {
			t.Fatalf("got %v", err)
		}
	})
}

// A credential may cast only its own ballot style.
func TestBallotStyleMustMatchCredential(t *testing.T) {
	m := twoStyleManifest(t)
	e := newElection(t, "styles", m, map[string]int{"north": 1, "south": 1})
	var south *voting.Credential
	for _, c := range e.creds {
		if c.Style == "south" {
			south = c
		}
	}
	b, _, err := voting.EncryptBallot(testRand("styles"), m, e.pk, "north", south.Key, exampleSelections())
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.VerifyBallot(m, e.pk, e.list, b); !errors.Is(err, voting.ErrInvalidBallot) || !strings.Contains(err.Error(), "credential of style south") {
		t.Fatalf("got %v", err)
	}
	sel := exampleSelections()
	delete(sel, "mayor")
	b, _, err = voting.EncryptBallot(testRand("styles"), m, e.pk, "south", south.Key, sel)
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.VerifyBallot(m, e.pk, e.list, b); err != nil {
		t.Fatal(err)
	}
	if got := b.Ciphertexts("mayor"); got != nil {
		t.Fatal("the south ballot has a mayor contest")
	}
}

// twoStyleManifest is the example with the mayor on the north's ballot
// only.
func twoStyleManifest(t testing.TB) *voting.Manifest {
	m := exampleManifest(t)
	m.ID = "city-2026-styles"
	m.BallotStyles = []voting.BallotStyle{
		{ID: "north", Districts: []string{"north"}, Contests: []string{"mayor", "bike-lanes", "council"}},
		{ID: "south", Districts: []string{"south"}, Contests: []string{"council", "bike-lanes"}},
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

// BatchVerifyBallots names exactly the bad ballots of a batch that spans
// several internal batches, and accepts the same batch without them.
func TestBatchVerifyNamesBadBallots(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 140 ballots")
	}
	e := exampleElection(t, "batch")
	good, _ := e.cast(0, exampleSelections(), "good")
	ballots := make([]*voting.Ballot, 140)
	for i := range ballots {
		ballots[i] = good // the same ballot many times: each verifies
	}
	outsider, _ := schnorr.GenerateKey(testRand("batch outsider"))
	unknown, _, err := voting.EncryptBallot(testRand("batch unknown"), e.m, e.pk, "city", outsider, exampleSelections())
	if err != nil {
		t.Fatal(err)
	}
	c := slices.Clone(good.Bytes())
	copy(c[offCredential:], e.creds[3].Key.Public().Bytes())
	copied, err := resign(t, e.m, c, e.creds[3].Key)
	if err != nil {
		t.Fatal(err)
	}
	ballots[3], ballots[130] = unknown, copied

	err = voting.BatchVerifyBallots(testRand("weights"), e.m, e.pk, e.list, ballots)
	var be *voting.BallotBatchError
	if !errors.As(err, &be) || !slices.Equal(be.Indices, []int{3, 130}) || be.Total != 140 {
		t.Fatalf("got %v, want ballots 3 and 130 named", err)
	}
	if !errors.Is(be.Errs[0], voting.ErrUnknownCredential) || !errors.Is(be.Errs[1], zkp.ErrInvalidProof) {
		t.Fatalf("reasons: %v", be.Errs)
	}
	ballots[3], ballots[130] = good, good
	if err := voting.BatchVerifyBallots(nil, e.m, e.pk, e.list, ballots); err != nil {
		t.Fatal(err)
	}
	if err := voting.BatchVerifyBallots(nil, e.m, e.pk, e.list, nil); err == nil {
		t.Fatal("an empty batch verified")
	}
}

// The list must be the election's: a list read for another manifest is
// refused before any ballot is looked at.
func TestVerifyBallotNeedsTheElectionsList(t *testing.T) {
	e := exampleElection(t, "lists")
	b, _ := e.cast(0, exampleSelections(), "1")
	other := newElection(t, "lists other", twoStyleManifest(t), map[string]int{"north": 1})
	err := voting.VerifyBallot(e.m, e.pk, other.list, b)
	if err == nil || !strings.Contains(err.Error(), "another election") {
		t.Fatalf("got %v", err)
	}
	// A fresh copy of the same manifest is the same election.
	if err := voting.VerifyBallot(exampleManifest(t), e.pk, e.list, b); err != nil {
		t.Fatal(err)
	}
}

// The device's secrets never print.
func TestBallotSecretsAreRedacted(t *testing.T) {
	e := exampleElection(t, "secrets")
	_, s := e.cast(0, exampleSelections(), "1")
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		if out := fmt.Sprintf(f, s); out != "voting.BallotSecrets{REDACTED}" {
			t.Errorf("%s prints %q", f, out)
		}
	}
	if out := fmt.Sprintf("%+v", e.creds[0]); strings.Contains(out, fmt.Sprintf("%x", e.creds[0].Key.Bytes())) {
		t.Errorf("a credential prints its key: %s", out)
	}
}

// The tracking code's text form is strict about length and alphabet, and
// about the 4 unused bits of its last character.
func TestParseTrackingCodeRejects(t *testing.T) {
	var c voting.TrackingCode
	c[31] = 0xff
	s := strings.ReplaceAll(c.String(), "-", "")
	last := s[len(s)-1]
	for _, in := range []string{"", s[:51], s + "A", s[:51] + "1", s[:51] + string(last+1), s[:50] + "=" + s[51:], "ÀAAA" + s[4:]} {
		if in == s {
			continue
		}
		if _, err := voting.ParseTrackingCode(in); err == nil {
			t.Errorf("ParseTrackingCode(%q) succeeded", in)
		}
	}
	if back, err := voting.ParseTrackingCode(s); err != nil || back != c {
		t.Fatalf("%v, %v", back, err)
	}
}
