package voting_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/voting"
)

func example(t *testing.T) *voting.Manifest {
	t.Helper()
	b, err := os.ReadFile("testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The commission's YAML becomes one canonical encoding, which parses back
// to the same manifest and fingerprint; the times are kept as instants.
func TestManifestRoundTrip(t *testing.T) {
	m := example(t)
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"opens":"2026-09-13T05:00:00Z"`) {
		t.Errorf("opens is not in UTC: %s", b)
	}
	back, err := voting.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.Bytes()
	if string(b2) != string(b) {
		t.Fatal("re-encoding a parsed manifest changed it")
	}
	fp1, _ := m.Fingerprint()
	fp2, _ := back.Fingerprint()
	if fp1 != fp2 || fp1 != voting.FingerprintOf(b) {
		t.Fatal("fingerprints differ")
	}
	if !back.Opens.Equal(time.Date(2026, 9, 13, 8, 0, 0, 0, time.FixedZone("MSK", 3*3600))) {
		t.Errorf("opens = %v", back.Opens)
	}
	// JSON input works as well as YAML.
	fromJSON, err := voting.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if b3, _ := fromJSON.Bytes(); string(b3) != string(b) {
		t.Fatal("the canonical JSON read as input encodes differently")
	}
}

// Only the canonical bytes are accepted from the board: any other spelling
// of the same manifest would have another fingerprint.
func TestParseManifestRejectsNonCanonical(t *testing.T) {
	b, _ := example(t).Bytes()
	s := string(b)
	for name, variant := range map[string]string{
		"spaces":           strings.Replace(s, `{"version":1,`, `{ "version": 1,`, 1),
		"trailing newline": s + "\n",
		"key order":        strings.Replace(s, `{"version":1,"id":"city-2026",`, `{"id":"city-2026","version":1,`, 1),
		"capital key":      strings.Replace(s, `"id":"city-2026"`, `"ID":"city-2026"`, 1),
		"duplicate key":    strings.Replace(s, `{"version":1,`, `{"version":1,"version":1,`, 1),
		"unknown field":    strings.Replace(s, `{"version":1,`, `{"version":1,"extra":true,`, 1),
		"time zone":        strings.Replace(s, `"2026-09-13T05:00:00Z"`, `"2026-09-13T08:00:00+03:00"`, 1),
		"address case":     strings.Replace(s, `0x1000000000000000000000000000000000000001`, `0x100000000000000000000000000000000000000A`, 1),
		"trailing data":    s + `{}`,
		"html escape":      strings.Replace(s, `City referendum`, `City \u003creferendum`, 1),
		"empty":            "",
	} {
		if variant == s {
			t.Fatalf("%s: the variant did not change the encoding", name)
		}
		if _, err := voting.ParseManifest([]byte(variant)); !errors.Is(err, voting.ErrInvalidManifest) {
			t.Errorf("%s: ParseManifest = %v, want ErrInvalidManifest", name, err)
		}
	}
}

// Each rule of the specification, broken once, is reported with the field.
func TestManifestValidation(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(m *voting.Manifest)
	}{
		{"version", func(m *voting.Manifest) { m.Version = 2 }},
		{"id", func(m *voting.Manifest) { m.ID = "City 2026" }},
		{"id", func(m *voting.Manifest) { m.ID = "" }},
		{"title", func(m *voting.Manifest) { m.Title = nil }},
		{"title", func(m *voting.Manifest) { m.Title = voting.Text{"English": "x"} }},
		{"title.en", func(m *voting.Manifest) { m.Title = voting.Text{"en": " padded"} }},
		{"title.en", func(m *voting.Manifest) { m.Title = voting.Text{"en": "bell\a"} }},
		{"closes", func(m *voting.Manifest) { m.Closes = m.Opens }},
		{"opens/closes", func(m *voting.Manifest) { m.Opens = time.Time{} }},
		{"revote", func(m *voting.Manifest) { m.Revote = "sometimes" }},
		{"contests", func(m *voting.Manifest) { m.Contests = nil }},
		{"contests[1].id", func(m *voting.Manifest) { m.Contests[1].ID = m.Contests[0].ID }},
		{"contests[0].options", func(m *voting.Manifest) { m.Contests[0].Options[0].ID = "si" }},
		{"contests[0].min/max", func(m *voting.Manifest) { m.Contests[0].Max = 2 }},
		{"contests[1].max", func(m *voting.Manifest) { m.Contests[1].Max = 6 }},
		{"contests[1].min", func(m *voting.Manifest) { m.Contests[1].Min = 3 }},
		{"contests[1].blank", func(m *voting.Manifest) { m.Contests[1].Blank = false }},
		{"contests[1].options[1].id", func(m *voting.Manifest) { m.Contests[1].Options[1].ID = "ivanova" }},
		{"contests[1].options", func(m *voting.Manifest) { m.Contests[1].Options = nil }},
		{"contests[2].ranks", func(m *voting.Manifest) { m.Contests[2].Ranks = 4 }},
		{"contests[2].tally", func(m *voting.Manifest) { m.Contests[2].Tally = voting.Homomorphic }},
		{"contests[2].write_in_length", func(m *voting.Manifest) { m.Contests[2].WriteInLength = 0 }},
		{"contests[1].tally", func(m *voting.Manifest) { m.Contests[1].WriteIn, m.Contests[1].WriteInLength = true, 10 }},
		{"contests[0].kind", func(m *voting.Manifest) { m.Contests[0].Kind = "plurality" }},
		{"contests[2]", func(m *voting.Manifest) {
			for i := range 61 {
				m.Contests[2].Options = append(m.Contests[2].Options, voting.Option{ID: fmt.Sprintf("c%d", i), Title: voting.Text{"en": "C"}})
			}
			m.Contests[2].Ranks, m.Contests[2].WriteInLength = 60, 256
		}},
		{"districts", func(m *voting.Manifest) { m.Districts = nil }},
		{"districts[1].id", func(m *voting.Manifest) { m.Districts[1].ID = "north" }},
		{"districts", func(m *voting.Manifest) { m.BallotStyles[0].Districts = m.BallotStyles[0].Districts[:1] }},
		{"ballot_styles[0].districts", func(m *voting.Manifest) { m.BallotStyles[0].Districts = append(m.BallotStyles[0].Districts, "east") }},
		{"ballot_styles[0].contests", func(m *voting.Manifest) { m.BallotStyles[0].Contests = append(m.BallotStyles[0].Contests, "mayor") }},
		{"contests", func(m *voting.Manifest) { m.BallotStyles[0].Contests = m.BallotStyles[0].Contests[:2] }},
		{"commission.address", func(m *voting.Manifest) { m.Commission.Address = "0x12" }},
		{"ballot_box.name", func(m *voting.Manifest) { m.BallotBox.Name = "" }},
		{"ballot_box_key", func(m *voting.Manifest) { m.BallotBoxKey = "00" }},
		{"ballot_box_key", func(m *voting.Manifest) { m.BallotBoxKey = strings.Repeat("0", 64) }}, // the identity
		{"ballot_box_key", func(m *voting.Manifest) { m.BallotBoxKey = strings.Repeat("ff", 32) }},
		{"ballot_box_key", func(m *voting.Manifest) {
			m.BallotBoxKey = strings.ToUpper(hex.EncodeToString(receiptKey(t).Public().Bytes()))
		}},
		{"trustees.threshold", func(m *voting.Manifest) { m.Trustees.Threshold = 0 }},
		{"trustees.threshold", func(m *voting.Manifest) { m.Trustees.Threshold = 6 }},
		{"trustees.members", func(m *voting.Manifest) { m.Trustees.Members = nil }},
		{"trustees.members[1].address", func(m *voting.Manifest) { m.Trustees.Members[1].Address = m.Trustees.Members[0].Address }},
		{"trustees.members[0].address", func(m *voting.Manifest) { m.Trustees.Members[0].Address = m.Commission.Address }},
		{"mixers[0].address", func(m *voting.Manifest) { m.Mixers[0].Address = m.Trustees.Members[2].Address }},
		{"mixers", func(m *voting.Manifest) { m.Mixers = nil }},
	} {
		m := example(t)
		tc.edit(m)
		err := m.Validate()
		if !errors.Is(err, voting.ErrInvalidManifest) || !strings.Contains(err.Error(), ": "+tc.field+": ") {
			t.Errorf("%s: Validate = %v", tc.field, err)
		}
		if _, err := m.Bytes(); err == nil {
			t.Errorf("%s: Bytes encoded an invalid manifest", tc.field)
		}
	}
}

func receiptKey(t *testing.T) *schnorr.PrivateKey {
	k, err := schnorr.GenerateKey(testRand("manifest: ballot box key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The ballot box's receipt key, when the manifest names one, is part of
// the encoding (and so of the fingerprint) and comes back as the key;
// without it the encoding has no such field.
func TestManifestBallotBoxKey(t *testing.T) {
	m := example(t)
	plain, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if k, err := m.ReceiptKey(); k != nil || err != nil || bytes.Contains(plain, []byte("ballot_box_key")) {
		t.Fatalf("no key: ReceiptKey = %v, %v", k, err)
	}
	key := receiptKey(t)
	m.BallotBoxKey = hex.EncodeToString(key.Public().Bytes())
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := voting.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.ReceiptKey()
	if err != nil || !bytes.Equal(got.Bytes(), key.Public().Bytes()) {
		t.Fatalf("ReceiptKey = %v, %v", got, err)
	}
	if bytes.Equal(plain, b) || voting.FingerprintOf(plain) == voting.FingerprintOf(b) {
		t.Fatal("the key does not change the encoding")
	}
}

// Mistakes in the commission's file are reported, not guessed at.
func TestDecodeManifestInput(t *testing.T) {
	good, err := os.ReadFile("testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	for name, c := range map[string]struct{ in, want string }{
		"duplicate key":  {strings.Replace(s, "version: 1\n", "version: 1\nversion: 1\n", 1), "already defined"},
		"unknown field":  {strings.Replace(s, "version: 1\n", "version: 1\nvenue: town hall\n", 1), "unknown field"},
		"capital key":    {strings.Replace(s, "\nid: city-2026", "\nID: city-2026", 1), "lowercase"},
		"two documents":  {s + "---\nversion: 1\n", "more than one"},
		"empty":          {"", "empty"},
		"not a mapping":  {"- 1\n- 2\n", "cannot unmarshal"},
		"bad time":       {strings.Replace(s, "2026-09-13T08:00:00+03:00", "13 Sep 2026 8am", 1), "cannot parse"},
		"wrong type":     {strings.Replace(s, "threshold: 3", "threshold: three", 1), "cannot unmarshal"},
		"invalid values": {strings.Replace(s, "threshold: 3", "threshold: 9", 1), "trustees.threshold"},
	} {
		_, err := voting.DecodeManifest([]byte(c.in))
		if !errors.Is(err, voting.ErrInvalidManifest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: DecodeManifest = %v, want an error containing %q", name, err, c.want)
		}
	}
}

func TestElectionTopic(t *testing.T) {
	m := example(t)
	if m.Topic() != voting.ElectionTopic("city-2026") || m.Topic() == voting.ElectionTopic("city-2027") {
		t.Fatal("election topics")
	}
}

// The vector file gives the canonical encoding and fingerprint of the
// example manifest (docs/spec/manifest.md).
func TestVectors(t *testing.T) {
	m := example(t)
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	fp := voting.FingerprintOf(b)
	topic := m.Topic()
	golden.JSON(t, "../testdata/manifest.json", map[string]string{
		"comment":     "The example manifest voting/testdata/election.yaml in canonical form, its fingerprint and topic; see docs/spec/manifest.md. Generated by go test ./voting -run TestVectors -update.",
		"canonical":   string(b),
		"fingerprint": hex.EncodeToString(fp[:]),
		"topic":       hex.EncodeToString(topic[:]),
	})
}

func FuzzParseManifest(f *testing.F) {
	b, err := os.ReadFile("testdata/election.yaml")
	if err != nil {
		f.Fatal(err)
	}
	m, err := voting.DecodeManifest(b)
	if err != nil {
		f.Fatal(err)
	}
	canon, _ := m.Bytes()
	f.Add(canon)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[[[[[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := voting.ParseManifest(b)
		if err != nil {
			return
		}
		again, err := m.Bytes()
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted a manifest that does not re-encode to itself: %v", err)
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	b, err := os.ReadFile("testdata/election.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("version: 1\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := voting.DecodeManifest(b)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("DecodeManifest returned an invalid manifest: %v", err)
		}
	})
}

// The YAML the tools write reads back to the same manifest.
func TestEncodeManifestYAML(t *testing.T) {
	m := example(t)
	y, err := voting.EncodeManifestYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := voting.DecodeManifest(y)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	a, _ := m.Bytes()
	b, _ := back.Bytes()
	if string(a) != string(b) {
		t.Fatalf("the YAML reads back differently:\n%s", y)
	}
	if strings.Contains(string(y), "{") {
		t.Errorf("flow style left in:\n%s", y)
	}
}
