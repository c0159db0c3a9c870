package transcript_test

import (
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

func elem(i uint64) *group.Element {
	return new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(i))
}

// challenge returns the encoding of a challenge derived after build.
func challenge(build func(t *transcript.Transcript)) string {
	t := transcript.New("veche/test/v1")
	build(t)
	return string(t.Challenge("c").Bytes())
}

// TestInjectivity lists pairs of item sequences that a naive concatenation
// would confuse. Each pair must give different challenges.
func TestInjectivity(t *testing.T) {
	g2 := elem(2)
	pairs := []struct {
		name string
		a, b func(t *transcript.Transcript)
	}{
		{"split bytes", func(t *transcript.Transcript) { t.Bytes("x", []byte("ab")).Bytes("x", []byte("c")) },
			func(t *transcript.Transcript) { t.Bytes("x", []byte("a")).Bytes("x", []byte("bc")) }},
		{"label vs value", func(t *transcript.Transcript) { t.Bytes("ab", []byte("c")) },
			func(t *transcript.Transcript) { t.Bytes("a", []byte("bc")) }},
		{"empty vs missing", func(t *transcript.Transcript) { t.Bytes("x", nil) },
			func(t *transcript.Transcript) {}},
		{"empty label vs missing label item", func(t *transcript.Transcript) { t.Bytes("", []byte("x")) },
			func(t *transcript.Transcript) { t.Bytes("x", nil) }},
		{"nested vs flat", func(t *transcript.Transcript) {
			t.List("l", 2).List("", 1).Element("", g2).List("", 1).Element("", g2)
		}, func(t *transcript.Transcript) {
			t.List("l", 2).Element("", g2).Element("", g2)
		}},
		{"list split", func(t *transcript.Transcript) {
			t.Elements("l", []*group.Element{g2, g2}).Elements("l", []*group.Element{g2})
		}, func(t *transcript.Transcript) {
			t.Elements("l", []*group.Element{g2}).Elements("l", []*group.Element{g2, g2})
		}},
		{"empty list vs missing", func(t *transcript.Transcript) { t.Elements("l", nil) },
			func(t *transcript.Transcript) {}},
		{"element vs bytes of it", func(t *transcript.Transcript) { t.Element("x", g2) },
			func(t *transcript.Transcript) { t.Bytes("x", g2.Bytes()) }},
		{"scalar vs element same bytes", func(t *transcript.Transcript) { t.Scalar("x", new(group.Scalar).SetUint64(0)) },
			func(t *transcript.Transcript) { t.Element("x", group.NewElement()) }},
		{"uint64 vs bytes", func(t *transcript.Transcript) { t.Uint64("x", 1) },
			func(t *transcript.Transcript) { t.Bytes("x", []byte{0, 0, 0, 0, 0, 0, 0, 1}) }},
		{"order", func(t *transcript.Transcript) { t.Uint64("a", 1).Uint64("b", 2) },
			func(t *transcript.Transcript) { t.Uint64("b", 2).Uint64("a", 1) }},
		{"challenge point", func(t *transcript.Transcript) { t.Uint64("a", 1); t.Challenge("c0"); t.Uint64("b", 2) },
			func(t *transcript.Transcript) { t.Uint64("a", 1).Uint64("b", 2) }},
		{"list count vs items", func(t *transcript.Transcript) { t.List("l", 0).Element("", g2) },
			func(t *transcript.Transcript) { t.List("l", 1).Element("", g2) }},
	}
	for _, p := range pairs {
		a1, a2, b := challenge(p.a), challenge(p.a), challenge(p.b)
		if a1 == b {
			t.Errorf("%s: both sequences give the same challenge", p.name)
		}
		if a1 != a2 {
			t.Errorf("%s: challenge is not deterministic", p.name)
		}
	}
}

func TestProtocolSeparation(t *testing.T) {
	a := transcript.New("veche/a/v1").Challenge("c")
	b := transcript.New("veche/b/v1").Challenge("c")
	if a.Equal(b) == 1 {
		t.Error("different protocols give the same challenge")
	}
	c1 := transcript.New("veche/a/v1").Challenge("c")
	c2 := transcript.New("veche/a/v1").Challenge("d")
	if c1.Equal(c2) == 1 {
		t.Error("different challenge labels give the same challenge")
	}
}

func TestNewProofBindsContext(t *testing.T) {
	g := group.NewGeneratorElement()
	h := elem(7)
	fp1 := make([]byte, 32)
	fp2 := make([]byte, 32)
	fp2[0] = 1
	base := transcript.NewProof("veche/p/v1", fp1, g, h).Challenge("c")
	for name, other := range map[string]*group.Scalar{
		"fingerprint": transcript.NewProof("veche/p/v1", fp2, g, h).Challenge("c"),
		"generators":  transcript.NewProof("veche/p/v1", fp1, h, g).Challenge("c"),
		"fewer gens":  transcript.NewProof("veche/p/v1", fp1, g).Challenge("c"),
		"protocol":    transcript.NewProof("veche/q/v1", fp1, g, h).Challenge("c"),
	} {
		if base.Equal(other) == 1 {
			t.Errorf("changing the %s does not change the challenge", name)
		}
	}
}

func TestSuccessiveChallengesDiffer(t *testing.T) {
	tr := transcript.New("veche/test/v1")
	c1 := tr.Challenge("c")
	c2 := tr.Challenge("c")
	if c1.Equal(c2) == 1 {
		t.Error("two successive challenges are equal")
	}
	v := transcript.New("veche/test/v1").ChallengeScalars("e", 3)
	if len(v) != 3 || v[0].Equal(v[1]) == 1 || v[1].Equal(v[2]) == 1 {
		t.Error("ChallengeScalars does not give distinct scalars")
	}
	b := transcript.New("veche/test/v1").ChallengeBytes("e", 100)
	if len(b) != 100 {
		t.Error("ChallengeBytes length")
	}
}

// BenchmarkChallenge measures the hashing of a small proof transcript. The
// element is decoded, as a verifier has it, so no re-encoding is timed.
func BenchmarkChallenge(b *testing.B) {
	g, err := group.ParseElement(elem(3).Bytes())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		tr := transcript.NewProof("veche/bench/v1", make([]byte, 32), g)
		tr.Element("a", g).Element("b", g)
		tr.Challenge("c")
	}
}
