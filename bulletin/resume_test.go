package bulletin_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
)

// resumeBoard is a service topic on an in-memory board where author and
// other may post allocation entries (chunked or not).
func resumeBoard(t *testing.T) (author, other *memboard.Client, topic bulletin.TopicID) {
	t.Helper()
	ctx := context.Background()
	b := memboard.New()
	owner := b.As(bulletin.Address{0x0e})
	topic = bulletin.TopicID{0x5e, 0x50}
	if err := owner.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	author, other = b.As(bulletin.Address{1}), b.As(bulletin.Address{2})
	for _, c := range []*memboard.Client{author, other} {
		if err := owner.SetPoster(ctx, topic, c.Address(), bulletin.NewKindSet(bulletin.KindAllocation)); err != nil {
			t.Fatal(err)
		}
	}
	return author, other, topic
}

func appendAll(t *testing.T, c *memboard.Client, topic bulletin.TopicID, msgs ...bulletin.Message) []uint64 {
	t.Helper()
	seqs, err := c.AppendBatch(context.Background(), topic, msgs)
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

func unposted(t *testing.T, r bulletin.Reader, topic bulletin.TopicID, poster bulletin.Address, msgs []bulletin.Message) (*bulletin.PostedChunks, []bulletin.Message, error) {
	t.Helper()
	h, err := bulletin.ParseChunkHeader(msgs[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bulletin.FindChunks(context.Background(), r, topic, poster, h.Hash)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := p.Unposted(msgs)
	return p, rest, err
}

// A poster stopped after the header and four of ten chunks, with other
// entries in between (another poster's copy of the same artefact among
// them), finds what is missing and posts only that: the log then holds
// the artefact once, complete, at its last chunk, as an uninterrupted post
// would have.
func TestResumingAChunkedPostPostsOnlyTheMissingChunks(t *testing.T) {
	ctx := context.Background()
	author, other, topic := resumeBoard(t)
	art := artefact(1000)
	msgs, err := bulletin.Chunk(bulletin.KindAllocation, art, 100)
	if err != nil || len(msgs) != 11 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}

	p, rest, err := unposted(t, author, topic, author.Address(), msgs)
	if err != nil || len(rest) != 11 || p.Complete() {
		t.Fatalf("on an empty log: %d to post, complete %v, %v", len(rest), p.Complete(), err)
	}

	appendAll(t, author, topic, msgs[:3]...)
	appendAll(t, other, topic, msgs[0], msgs[1], msgs[2]) // another poster's copy: not the author's
	appendAll(t, author, topic, msgs[3:5]...)
	appendAll(t, other, topic, bulletin.Message{Kind: bulletin.KindAllocation, Payload: []byte("unrelated")})

	p, rest, err = unposted(t, author, topic, author.Address(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Headers) != 1 || p.Headers[0] != 0 || len(p.Chunks) != 4 || p.Complete() || len(rest) != 6 || !bytes.Equal(rest[0].Payload, msgs[5].Payload) {
		t.Fatalf("after 4 chunks: headers %v, %d chunks, %d to post", p.Headers, len(p.Chunks), len(rest))
	}
	seqs := appendAll(t, author, topic, rest...)

	p, rest, err = unposted(t, author, topic, author.Address(), msgs)
	if last, ok := p.Last(); err != nil || len(rest) != 0 || !p.Complete() || !ok || last != seqs[len(seqs)-1] {
		t.Fatalf("once complete: %d to post, complete %v, last %d, %v", len(rest), p.Complete(), last, err)
	}

	_, count, _ := author.Head(ctx, topic)
	es, err := author.Entries(ctx, topic, 0, count)
	if err != nil {
		t.Fatal(err)
	}
	var a bulletin.Assembler
	var got []bulletin.Entry
	for _, e := range es {
		m, done, err := a.Add(e)
		if err != nil {
			t.Fatalf("entry %d: %v", e.Seq, err)
		}
		if done {
			got = append(got, bulletin.Entry{Seq: e.Seq, Kind: m.Kind, Payload: m.Payload, Poster: e.Poster})
		}
	}
	if len(got) != 1 || got[0].Poster != author.Address() || got[0].Seq != seqs[len(seqs)-1] || !bytes.Equal(got[0].Payload, art) {
		t.Fatalf("reassembled %d artefacts: %+v", len(got), got)
	}
	if a.Close() == nil {
		t.Fatal("the other poster's copy, incomplete, is not reported at the end")
	}
}

// A log the poster's own entries have made impossible to complete is
// refused with ErrCannotResume, never patched: posting the rest would
// leave a broken artefact.
func TestResumeRefusesALogItCannotComplete(t *testing.T) {
	art := artefact(500)
	msgs, err := bulletin.Chunk(bulletin.KindAllocation, art, 100)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := bulletin.ParseChunkHeader(msgs[0].Payload)
	halves, err := bulletin.Chunk(bulletin.KindAllocation, art, 50)
	if err != nil {
		t.Fatal(err)
	}
	forged := bulletin.ChunkData{Kind: bulletin.KindAllocation, Hash: h.Hash, Index: 1, Data: bytes.Repeat([]byte{7}, 100)}
	for _, tc := range []struct {
		name string
		log  []bulletin.Message
	}{
		{"announced twice", []bulletin.Message{msgs[0], msgs[1], msgs[0]}},
		{"a chunk out of order", []bulletin.Message{msgs[0], msgs[2]}},
		{"a chunk twice", []bulletin.Message{msgs[0], msgs[1], msgs[1]}},
		{"a chunk before the header", []bulletin.Message{msgs[1], msgs[0]}},
		{"chunks without a header", []bulletin.Message{msgs[1], msgs[2]}},
		{"another chunk size", []bulletin.Message{halves[0], halves[1]}},
		{"other data under an index", []bulletin.Message{msgs[0], msgs[1], {Kind: bulletin.KindChunk, Payload: forged.Bytes()}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			author, _, topic := resumeBoard(t)
			appendAll(t, author, topic, tc.log...)
			p, rest, err := unposted(t, author, topic, author.Address(), msgs)
			if !errors.Is(err, bulletin.ErrCannotResume) || rest != nil || p.Complete() {
				t.Fatalf("Unposted: %d messages, %v", len(rest), err)
			}
		})
	}

	author, _, topic := resumeBoard(t)
	p, _, _ := unposted(t, author, topic, author.Address(), msgs)
	for _, bad := range [][]bulletin.Message{nil, msgs[:1], msgs[1:], msgs[:3]} {
		if _, err := p.Unposted(bad); err == nil || errors.Is(err, bulletin.ErrCannotResume) {
			t.Errorf("Unposted of %d messages that are not a split artefact: %v", len(bad), err)
		}
	}
}
