package bulletin_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
)

// log builds a valid log of n entries for topic.
func log(topic bulletin.TopicID, n int) []bulletin.Entry {
	var head [32]byte
	es := make([]bulletin.Entry, n)
	for i := range es {
		kind := bulletin.KindTrusteeJoined + bulletin.Kind(i%3)
		p := fmt.Appendf(nil, "entry %d", i)
		head = bulletin.NextHead(head, topic, uint64(i), kind, p)
		es[i] = bulletin.Entry{Topic: topic, Seq: uint64(i), Kind: kind, Payload: p, Head: head}
	}
	return es
}

func TestKeccak256(t *testing.T) {
	// Keccak-256 as Ethereum uses it (not SHA3-256) of "" and "abc".
	for in, want := range map[string]string{
		"":    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
		"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
	} {
		got := bulletin.Keccak256([]byte(in))
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("Keccak256(%q) = %x", in, got)
		}
	}
	split := bulletin.Keccak256([]byte("a"), []byte("bc"))
	if split != bulletin.Keccak256([]byte("abc")) {
		t.Error("Keccak256 of parts differs from Keccak256 of the whole")
	}
}

func TestHashInputLayout(t *testing.T) {
	prev := [32]byte{0: 0xaa, 31: 0xab}
	topic := bulletin.TopicID{0: 0x70, 31: 0x71}
	in := bulletin.HashInput(nil, prev, topic, 0x0102030405060708, bulletin.KindShuffle, []byte("abc"))
	ph := bulletin.Keccak256([]byte("abc"))
	want := slices.Concat(prev[:], topic[:], []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{0, 12}, ph[:])
	if !bytes.Equal(in, want) || len(in) != bulletin.HashInputSize {
		t.Fatalf("HashInput = %x\nwant        %x", in, want)
	}
	if bulletin.NextHead(prev, topic, 0x0102030405060708, bulletin.KindShuffle, []byte("abc")) != bulletin.Keccak256(want) {
		t.Fatal("NextHead is not the Keccak-256 of HashInput")
	}
}

func TestVerifyChain(t *testing.T) {
	topic := bulletin.TopicID{1}
	es := log(topic, 8)
	head, count := es[7].Head, uint64(8)
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatalf("valid log: %v", err)
	}
	if err := bulletin.VerifyChain(nil, [32]byte{}, 0); err != nil {
		t.Fatalf("empty log: %v", err)
	}

	mutate := func(f func([]bulletin.Entry) []bulletin.Entry) []bulletin.Entry {
		c := slices.Clone(es)
		for i := range c {
			c[i].Payload = slices.Clone(c[i].Payload)
		}
		return f(c)
	}
	for _, tc := range []struct {
		name    string
		entries []bulletin.Entry
		head    [32]byte
		count   uint64
		want    error
	}{
		{"payload altered", mutate(func(c []bulletin.Entry) []bulletin.Entry { c[4].Payload[0] ^= 1; return c }), head, count, bulletin.ErrBrokenChain},
		{"payload altered and heads recomputed from there", mutate(func(c []bulletin.Entry) []bulletin.Entry {
			c[4].Payload[0] ^= 1
			for i := 4; i < len(c); i++ {
				c[i].Head = bulletin.NextHead(c[i-1].Head, topic, c[i].Seq, c[i].Kind, c[i].Payload)
			}
			return c
		}), head, count, bulletin.ErrBrokenChain},
		{"kind altered", mutate(func(c []bulletin.Entry) []bulletin.Entry { c[0].Kind = bulletin.KindManifest; return c }), head, count, bulletin.ErrBrokenChain},
		{"head altered", mutate(func(c []bulletin.Entry) []bulletin.Entry { c[2].Head[5] ^= 1; return c }), head, count, bulletin.ErrBrokenChain},
		{"entry of another topic", mutate(func(c []bulletin.Entry) []bulletin.Entry { c[3].Topic[0] = 2; return c }), head, count, bulletin.ErrBrokenChain},
		{"entry missing", mutate(func(c []bulletin.Entry) []bulletin.Entry { return slices.Delete(c, 5, 6) }), head, count, bulletin.ErrGap},
		{"entry repeated", mutate(func(c []bulletin.Entry) []bulletin.Entry { return slices.Insert(c, 3, c[2]) }), head, count, bulletin.ErrGap},
		{"entries reordered", mutate(func(c []bulletin.Entry) []bulletin.Entry { c[1], c[2] = c[2], c[1]; return c }), head, count, bulletin.ErrGap},
		{"first entry missing", es[1:], head, count, bulletin.ErrGap},
		{"tail missing", es[:6], head, count, bulletin.ErrGap},
		{"more entries than counted", es, es[6].Head, 7, bulletin.ErrGap},
		{"stored head differs", es, es[6].Head, count, bulletin.ErrBrokenChain},
		{"empty log, board has entries", nil, head, count, bulletin.ErrGap},
		{"empty log, non-zero head", nil, head, 0, bulletin.ErrBrokenChain},
	} {
		err := bulletin.VerifyChain(tc.entries, tc.head, tc.count)
		if !errorIs(err, tc.want) {
			t.Errorf("%s: VerifyChain = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// A reader that checked a prefix earlier resumes from its head and count.
func TestResumeChain(t *testing.T) {
	topic := bulletin.TopicID{9}
	es := log(topic, 10)
	c := bulletin.ResumeChain(topic, es[5].Head, 6)
	for _, e := range es[6:] {
		if err := c.Add(e); err != nil {
			t.Fatalf("entry %d: %v", e.Seq, err)
		}
	}
	if err := c.Check(es[9].Head, 10); err != nil {
		t.Fatal(err)
	}
	// A failed Add leaves the chain as it was.
	bad := es[9]
	bad.Seq = 10
	if err := c.Add(bad); !errorIs(err, bulletin.ErrBrokenChain) {
		t.Fatalf("Add of a forged entry 10 = %v", err)
	}
	if c.Count() != 10 || c.Head() != es[9].Head {
		t.Fatal("a failed Add changed the chain")
	}
}

func TestParseTopic(t *testing.T) {
	NamedTopic, ParseTopic, Keccak256 := bulletin.NamedTopic, bulletin.ParseTopic, bulletin.Keccak256
	type TopicID = bulletin.TopicID
	named := NamedTopic("moscow-2026")
	if named == NamedTopic("Moscow-2026") || named == (TopicID{}) {
		t.Fatal("NamedTopic: distinct names share an id")
	}
	// The hash input is the domain, a zero byte and the name.
	if named != TopicID(Keccak256([]byte("veche/topic-name/v1\x00moscow-2026"))) {
		t.Fatal("NamedTopic does not hash the documented input")
	}
	for in, want := range map[string]TopicID{
		"moscow-2026":             named,
		named.String():            named,
		"0x" + named.String():     named,
		named.String()[:63]:       NamedTopic(named.String()[:63]),
		named.String()[:63] + "g": NamedTopic(named.String()[:63] + "g"),
	} {
		got, err := ParseTopic(in)
		if err != nil || got != want {
			t.Errorf("ParseTopic(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseTopic(""); err == nil {
		t.Error("ParseTopic accepted an empty topic")
	}
	if _, err := ParseTopic(strings.Repeat("x", 1025)); err == nil {
		t.Error("ParseTopic accepted a 1025-byte name")
	}
}

// AddAll adds entries exactly as Add does one by one: the same heads, and
// on a bad entry the same error, after the same entries.
func TestChainAddAllIsAddInOrder(t *testing.T) {
	topic := bulletin.TopicID{2}
	es := log(topic, 100)
	c := bulletin.NewChain(topic)
	if n, err := c.AddAll(es[:37]); n != 37 || err != nil {
		t.Fatalf("AddAll of 37 valid entries: %d, %v", n, err)
	}
	if n, err := c.AddAll(es[37:]); n != 63 || err != nil || c.Head() != es[99].Head || c.Count() != 100 {
		t.Fatalf("AddAll of the rest: %d, %v, head %x, count %d", n, err, c.Head(), c.Count())
	}
	for _, bad := range []func([]bulletin.Entry){
		func(es []bulletin.Entry) { es[50].Payload = []byte("altered") },
		func(es []bulletin.Entry) { es[50].Seq++ },
		func(es []bulletin.Entry) { es[50].Topic = bulletin.TopicID{3} },
		func(es []bulletin.Entry) { es[50].Kind++ },
	} {
		alt := slices.Clone(es)
		bad(alt)
		one, all := bulletin.NewChain(topic), bulletin.NewChain(topic)
		var errOne error
		for _, e := range alt {
			if errOne = one.Add(e); errOne != nil {
				break
			}
		}
		n, errAll := all.AddAll(alt)
		if n != 50 || fmt.Sprint(errAll) != fmt.Sprint(errOne) || all.Head() != one.Head() || all.Count() != one.Count() {
			t.Errorf("AddAll stopped after %d with %v (head %x); Add one by one: %v (head %x)", n, errAll, all.Head(), errOne, one.Head())
		}
	}
}
