package voting_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
)

func FuzzParseJoinEntry(f *testing.F) {
	key, _ := hybrid.GenerateKey(testRand("fuzz key"))
	j, err := voting.NewJoinEntry(testRand("fuzz"), zkp.Fingerprint{1}, 2, key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(j.Bytes())
	f.Add([]byte{1, 1})
	f.Add(make([]byte, voting.JoinSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := voting.ParseJoinEntry(b)
		if err != nil {
			return
		}
		if !bytes.Equal(j.Bytes(), b) {
			t.Fatal("a decoded join does not re-encode to its input")
		}
		_ = j.Verify() // must not panic
	})
}

func FuzzParseReadyEntry(f *testing.F) {
	r := &voting.ReadyEntry{Fingerprint: zkp.Fingerprint{1}, Index: 1, Messages: 3, Complaints: 1}
	f.Add(r.Bytes())
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := voting.ParseReadyEntry(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatal("a decoded ready entry does not re-encode to its input")
		}
	})
}

func FuzzParseTrusteeShare(f *testing.F) {
	x, _ := group.RandomScalar(testRand("fuzz share"))
	f.Add((&voting.TrusteeShare{Fingerprint: zkp.Fingerprint{1}, Index: 1, Share: x}).Bytes())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := voting.ParseTrusteeShare(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatal("a decoded share does not re-encode to its input")
		}
	})
}

// fuzzPrefix is a 2-of-3 ceremony up to every trustee's ready entry, as
// (poster, kind, payload) triples, replayed onto a fresh board per input.
type fuzzPosting struct {
	poster  bulletin.Address
	kind    bulletin.Kind
	payload []byte
}

func ceremonyPrefix(f *testing.F) (*voting.Manifest, []fuzzPosting, []bulletin.Address) {
	c := newCeremony(f, 2, 3, "fuzz")
	c.joinAll()
	c.phase(bulletin.PhaseKeyCeremony)
	for _, run := range []string{"deal", "ready"} {
		for j := 1; j <= 3; j++ {
			c.step(j, run)
		}
	}
	_, count, _ := c.board.Head(context.Background(), c.m.Topic())
	es, err := c.board.Entries(context.Background(), c.m.Topic(), 1, count)
	if err != nil {
		f.Fatal(err)
	}
	var out []fuzzPosting
	for _, e := range es {
		out = append(out, fuzzPosting{e.Poster, e.Kind, e.Payload})
	}
	posters := []bulletin.Address{mustAddr(f, c.m.Commission.Address)}
	for _, p := range c.m.Trustees.Members {
		posters = append(posters, mustAddr(f, p.Address))
	}
	return c.m, out, posters
}

// Any entry a trustee or the commission can post, at any point of the
// ceremony, is either counted or ignored: ReadCeremony never fails or
// panics on it, and the honest trustees' state stays intact.
func FuzzCeremonyEntry(f *testing.F) {
	m, prefix, posters := ceremonyPrefix(f)
	for i, p := range prefix {
		for n, a := range posters {
			if a == p.poster {
				f.Add(uint8(i), uint8(n), uint8(p.kind), p.payload)
			}
		}
	}
	f.Add(uint8(3), uint8(1), uint8(bulletin.KindTrusteeJoined), []byte{1, 2, 0})
	f.Add(uint8(8), uint8(0), uint8(bulletin.KindDKGResult), []byte{4})
	kinds := []bulletin.Kind{bulletin.KindTrusteeJoined, bulletin.KindDKGCommitments, bulletin.KindDKGShares, bulletin.KindDKGComplaint, bulletin.KindDKGResult}
	f.Fuzz(func(t *testing.T, at, who, kind uint8, payload []byte) {
		ctx := context.Background()
		board := memboard.New()
		commission := board.As(posters[0])
		if err := voting.Publish(ctx, commission, m); err != nil {
			t.Fatal(err)
		}
		insert := int(at) % (len(prefix) + 1)
		k := bulletin.Kind(kind)
		if !isCeremonyKind(k, kinds) {
			k = kinds[int(kind)%len(kinds)]
		}
		extra := fuzzPosting{posters[int(who)%len(posters)], k, payload}
		postings := append(append(append([]fuzzPosting(nil), prefix[:insert]...), extra), prefix[insert:]...)
		for _, p := range postings {
			board.As(p.poster).Append(ctx, m.Topic(), p.kind, p.payload) // refused entries are simply absent
		}
		s, err := voting.ReadCeremony(ctx, board, m)
		if err != nil {
			t.Fatalf("ReadCeremony: %v", err)
		}
		_ = s.Waiting()
		if s.Joined() != 3 {
			t.Fatalf("an extra entry kept an honest trustee from joining: %s", fmt.Sprint(s.Ignored))
		}
	})
}

func isCeremonyKind(k bulletin.Kind, kinds []bulletin.Kind) bool {
	for _, c := range kinds {
		if c == k {
			return true
		}
	}
	return false
}
