package voting_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/voting"
)

// A ballot parses only from its canonical encoding, and whatever parses can
// be verified without panicking.
func FuzzParseBallot(f *testing.F) {
	e := exampleElection(f, "fuzz ballot")
	b, _ := e.cast(0, exampleSelections(), "fuzz")
	raw := b.Bytes()
	f.Add(raw)
	f.Add(raw[:len(raw)-1])
	f.Add(raw[:200])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := voting.ParseBallot(in, e.m)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Bytes(), in) {
			t.Fatal("a ballot parsed from bytes that are not its encoding")
		}
		_ = voting.VerifyBallot(e.m, e.pk, e.list, p)
		_ = p.ClashKeys()
	})
}

// An audit record parses only from its canonical encoding.
func FuzzParseAudit(f *testing.F) {
	e := exampleElection(f, "fuzz audit")
	b, s := e.cast(0, exampleSelections(), "fuzz")
	a, err := voting.AuditBallot(b, s)
	if err != nil {
		f.Fatal(err)
	}
	enc, err := a.Bytes(e.m)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add(enc[:len(enc)-3])
	f.Add(append([]byte{1, 0, 0, 0, 0}, enc[5+len(b.Bytes()):]...))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := voting.ParseAudit(in, e.m)
		if err != nil {
			return
		}
		again, err := p.Bytes(e.m)
		if err != nil || !bytes.Equal(again, in) {
			t.Fatalf("an audit parsed from bytes that are not its encoding: %v", err)
		}
	})
}

// A credential list parses only from its canonical encoding.
func FuzzParseCredentials(f *testing.F) {
	m := twoStyleManifest(f)
	_, list, err := voting.GenerateCredentials(testRand("fuzz list"), m, map[string]int{"north": 3, "south": 2})
	if err != nil {
		f.Fatal(err)
	}
	enc := list.Bytes()
	f.Add(enc)
	f.Add(enc[:len(enc)-32])
	f.Add(enc[:35])
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := voting.ParseCredentials(in, m)
		if err != nil {
			return
		}
		if !bytes.Equal(l.Bytes(), in) {
			t.Fatal("a list parsed from bytes that are not its encoding")
		}
	})
}

// Opening a sealed credential never panics, and only the sealed one opens.
func FuzzOpenCredential(f *testing.F) {
	m := exampleManifest(f)
	fp, _ := m.Fingerprint()
	creds, _, err := voting.GenerateCredentials(testRand("fuzz seal"), m, map[string]int{"city": 1})
	if err != nil {
		f.Fatal(err)
	}
	voter, _ := hybrid.GenerateKey(testRand("fuzz voter"))
	ad := []byte("fuzz delivery")
	ct, err := voting.SealCredential(testRand("fuzz sealing"), voter.Public(), fp, creds[0], ad)
	if err != nil {
		f.Fatal(err)
	}
	sealed := ct.Bytes()
	f.Add(sealed)
	f.Add(sealed[:hybrid.Overhead])
	f.Fuzz(func(t *testing.T, in []byte) {
		ct, err := hybrid.ParseCiphertext(in)
		if err != nil {
			return
		}
		c, err := voting.OpenCredential(voter, fp, ct, ad)
		if err == nil && !bytes.Equal(in, sealed) {
			t.Fatalf("a modified sealed credential opened (style %q)", c.Style)
		}
	})
}

// A tracking code reads back only from its one spelling, up to case,
// hyphens and spaces.
func FuzzParseTrackingCode(f *testing.F) {
	var c voting.TrackingCode
	for i := range c {
		c[i] = byte(i * 7)
	}
	f.Add(c.String())
	f.Add(strings.ToLower(c.String()))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		code, err := voting.ParseTrackingCode(s)
		if err != nil {
			return
		}
		norm := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
		if strings.ReplaceAll(code.String(), "-", "") != norm {
			t.Fatalf("%q parsed to %v", s, code)
		}
	})
}
