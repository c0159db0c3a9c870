package bulletin_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/veche/veche/bulletin"
)

func artefact(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestChunkRoundTrip(t *testing.T) {
	for _, tc := range []struct{ size, max, chunks int }{
		{1, 1, 1}, {10, 3, 4}, {9, 3, 3}, {1000, 0, 1},
		{bulletin.MaxChunkData, 0, 1}, {bulletin.MaxChunkData + 1, 0, 2}, {3*bulletin.MaxChunkData + 5, 0, 4},
	} {
		a := artefact(tc.size)
		msgs, err := bulletin.Chunk(bulletin.KindShuffle, a, tc.max)
		if err != nil {
			t.Fatalf("Chunk(%d bytes, %d): %v", tc.size, tc.max, err)
		}
		if len(msgs) != 1+tc.chunks {
			t.Errorf("Chunk(%d bytes, %d) made %d chunks, want %d", tc.size, tc.max, len(msgs)-1, tc.chunks)
		}
		for i, m := range msgs {
			if len(m.Payload) > bulletin.MaxPayload {
				t.Errorf("message %d is %d bytes, over MaxPayload", i, len(m.Payload))
			}
			if eff, err := bulletin.EffectiveKind(m.Kind, m.Payload); err != nil || eff != bulletin.KindShuffle {
				t.Errorf("message %d: effective kind %v, %v", i, eff, err)
			}
		}
		h, err := bulletin.ParseChunkHeader(msgs[0].Payload)
		if err != nil || h.Size != uint64(tc.size) || h.Count != uint32(tc.chunks) || h.Hash != bulletin.Keccak256(a) {
			t.Errorf("header %+v, %v", h, err)
		}
		got, err := bulletin.Reassemble(msgs)
		if err != nil || got.Kind != bulletin.KindShuffle || !bytes.Equal(got.Payload, a) {
			t.Errorf("Reassemble(Chunk(%d bytes)) = %v, %d bytes, %v", tc.size, got.Kind, len(got.Payload), err)
		}
	}
}

func TestChunkRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind bulletin.Kind
		data []byte
		max  int
	}{
		{"empty artefact", bulletin.KindShuffle, nil, 0},
		{"invalid kind", bulletin.KindInvalid, []byte("x"), 0},
		{"chunk kind", bulletin.KindChunk, []byte("x"), 0},
		{"phase kind", bulletin.KindPhase, []byte("x"), 0},
		{"chunk size too large", bulletin.KindShuffle, []byte("x"), bulletin.MaxChunkData + 1},
		{"negative chunk size", bulletin.KindShuffle, []byte("x"), -1},
	} {
		if _, err := bulletin.Chunk(tc.kind, tc.data, tc.max); err == nil {
			t.Errorf("%s: Chunk succeeded", tc.name)
		}
	}
}

// Each malformed chunk set is refused with the problem named.
func TestReassembleRejects(t *testing.T) {
	a := artefact(100)
	msgs, err := bulletin.Chunk(bulletin.KindShuffle, a, 30) // header + chunks 0..3 (30, 30, 30, 10 bytes)
	if err != nil {
		t.Fatal(err)
	}
	hdr, c0, c1, c2, c3 := msgs[0], msgs[1], msgs[2], msgs[3], msgs[4]
	other, _ := bulletin.Chunk(bulletin.KindShuffle, artefact(101), 30)
	withData := func(m bulletin.Message, f func([]byte)) bulletin.Message {
		p := slices.Clone(m.Payload)
		f(p[bulletin.ChunkPrefixSize:])
		return bulletin.Message{Kind: m.Kind, Payload: p}
	}
	retag := func(m bulletin.Message, index uint32) bulletin.Message {
		p := slices.Clone(m.Payload)
		binary.BigEndian.PutUint32(p[34:], index)
		return bulletin.Message{Kind: m.Kind, Payload: p}
	}
	shortLast := bulletin.Message{Kind: c3.Kind, Payload: c3.Payload[:len(c3.Payload)-1]}
	longFirst := bulletin.Message{Kind: c0.Kind, Payload: append(slices.Clone(c0.Payload), 0)}
	badHeader := slices.Clone(hdr.Payload)
	binary.BigEndian.PutUint32(badHeader[42:], 5) // 5 chunks of 30 bytes cannot hold 100

	for _, tc := range []struct {
		name  string
		msgs  []bulletin.Message
		want  bulletin.ChunkProblem
		index uint32
	}{
		{"no messages", nil, bulletin.ChunkNoHeader, 0},
		{"chunks without header", []bulletin.Message{c0, c1, c2, c3}, bulletin.ChunkNoHeader, 0},
		{"header with a wrong count", []bulletin.Message{{Kind: bulletin.KindChunkHeader, Payload: badHeader}, c0, c1, c2, c3}, bulletin.ChunkNoHeader, 0},
		{"missing chunk", []bulletin.Message{hdr, c0, c1, c3}, bulletin.ChunkMissing, 2},
		{"missing last chunk", []bulletin.Message{hdr, c0, c1, c2}, bulletin.ChunkMissing, 3},
		{"no chunks", []bulletin.Message{hdr}, bulletin.ChunkMissing, 0},
		{"duplicated chunk", []bulletin.Message{hdr, c0, c1, c1, c2, c3}, bulletin.ChunkDuplicated, 1},
		{"duplicated in place of another", []bulletin.Message{hdr, c0, c1, c1, c3}, bulletin.ChunkDuplicated, 1},
		{"reordered", []bulletin.Message{hdr, c0, c2, c1, c3}, bulletin.ChunkOutOfOrder, 2},
		{"reversed", []bulletin.Message{hdr, c3, c2, c1, c0}, bulletin.ChunkOutOfOrder, 3},
		{"chunk of another artefact", []bulletin.Message{hdr, c0, c1, other[3], c3}, bulletin.ChunkNotAChunk, 3},
		{"index beyond count", []bulletin.Message{hdr, c0, c1, c2, c3, retag(c3, 4)}, bulletin.ChunkNotAChunk, 5},
		{"a second header", []bulletin.Message{hdr, c0, hdr, c1, c2, c3}, bulletin.ChunkNotAChunk, 2},
		{"a non-chunk entry", []bulletin.Message{hdr, c0, c1, c2, c3, {Kind: bulletin.KindShuffle}}, bulletin.ChunkNotAChunk, 5},
		{"last chunk short", []bulletin.Message{hdr, c0, c1, c2, shortLast}, bulletin.ChunkWrongLength, 3},
		{"first chunk long", []bulletin.Message{hdr, longFirst, c1, c2, c3}, bulletin.ChunkWrongLength, 0},
		{"data altered", []bulletin.Message{hdr, c0, withData(c1, func(d []byte) { d[0] ^= 1 }), c2, c3}, bulletin.ChunkHashMismatch, 0},
	} {
		_, err := bulletin.Reassemble(tc.msgs)
		var ce *bulletin.ChunkError
		if !errors.As(err, &ce) || ce.Problem != tc.want || ce.Index != tc.index {
			t.Errorf("%s: Reassemble = %v; want %v at %d", tc.name, err, tc.want, tc.index)
			continue
		}
		if !errors.Is(err, bulletin.ErrMalformed) {
			t.Errorf("%s: %v does not wrap ErrMalformed", tc.name, err)
		}
	}
}

func TestParseChunkRejects(t *testing.T) {
	msgs, _ := bulletin.Chunk(bulletin.KindShuffle, artefact(100), 30)
	h := msgs[0].Payload
	set := func(off int, v ...byte) []byte { p := slices.Clone(h); copy(p[off:], v); return p }
	for name, p := range map[string][]byte{
		"short":            h[:bulletin.ChunkHeaderSize-1],
		"long":             append(slices.Clone(h), 0),
		"kind 0":           set(0, 0, 0),
		"chunk kind":       set(0, 0, 129),
		"phase kind":       set(0, 0, 8),
		"size 0":           set(34, 0, 0, 0, 0, 0, 0, 0, 0),
		"chunk size 0":     set(46, 0, 0, 0, 0),
		"chunk size > max": binary.BigEndian.AppendUint32(slices.Clone(h[:46]), bulletin.MaxChunkData+1),
		"count too high":   set(42, 0, 0, 0, 5),
		"count too low":    set(42, 0, 0, 0, 3),
	} {
		if _, err := bulletin.ParseChunkHeader(p); !errorIs(err, bulletin.ErrMalformed) {
			t.Errorf("ParseChunkHeader(%s) = %v", name, err)
		}
	}
	c := msgs[1].Payload
	for name, p := range map[string][]byte{
		"no data":    c[:bulletin.ChunkPrefixSize],
		"empty":      nil,
		"chunk kind": append([]byte{0, 128}, c[2:]...),
		"kind 0":     append([]byte{0, 0}, c[2:]...),
	} {
		if _, err := bulletin.ParseChunkData(p); !errorIs(err, bulletin.ErrMalformed) {
			t.Errorf("ParseChunkData(%s) = %v", name, err)
		}
	}
}

// A reader of a whole topic finds the artefacts among other entries.
func TestAssembler(t *testing.T) {
	topic := bulletin.TopicID{3}
	a1, a2 := artefact(70), artefact(50)
	m1, _ := bulletin.Chunk(bulletin.KindShuffle, a1, 20) // header + 4
	m2, _ := bulletin.Chunk(bulletin.KindDecryptionShare, a2, 20)
	ballot := bulletin.Message{Kind: bulletin.KindDecryptionShare, Payload: []byte("share")}
	// Two artefacts interleaved, with a plain entry in between.
	order := []bulletin.Message{m1[0], m1[1], m2[0], ballot, m1[2], m2[1], m2[2], m1[3], m2[3], m1[4]}
	var entries []bulletin.Entry
	for i, m := range order {
		entries = append(entries, bulletin.Entry{Topic: topic, Seq: uint64(i), Kind: m.Kind, Payload: m.Payload})
	}
	var asm bulletin.Assembler
	var got []bulletin.Message
	for _, e := range entries {
		m, ok, err := asm.Add(e)
		if err != nil {
			t.Fatalf("entry %d: %v", e.Seq, err)
		}
		if ok {
			got = append(got, m)
		}
	}
	if err := asm.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != bulletin.KindDecryptionShare || !bytes.Equal(got[0].Payload, a2) ||
		got[1].Kind != bulletin.KindShuffle || !bytes.Equal(got[1].Payload, a1) {
		t.Fatalf("assembled %d artefacts: %v", len(got), got)
	}

	// An artefact announced again, a chunk without a header, and an
	// unfinished artefact are reported.
	if _, _, err := asm.Add(bulletin.Entry{Seq: 20, Kind: bulletin.KindChunkHeader, Payload: m1[0].Payload}); !isProblem(err, bulletin.ChunkDuplicateArtefact) {
		t.Errorf("header announced twice: %v", err)
	}
	var asm2 bulletin.Assembler
	if _, _, err := asm2.Add(bulletin.Entry{Kind: bulletin.KindChunk, Payload: m1[1].Payload}); !isProblem(err, bulletin.ChunkNoHeader) {
		t.Errorf("orphan chunk: %v", err)
	}
	asm2.Add(bulletin.Entry{Seq: 1, Kind: bulletin.KindChunkHeader, Payload: m2[0].Payload})
	asm2.Add(bulletin.Entry{Seq: 2, Kind: bulletin.KindChunk, Payload: m2[1].Payload})
	if err := asm2.Close(); !isProblem(err, bulletin.ChunkMissing) {
		t.Errorf("unfinished artefact at Close: %v", err)
	}
	// A duplicated chunk completes the count but not the set.
	var asm3 bulletin.Assembler
	asm3.Add(bulletin.Entry{Kind: bulletin.KindChunkHeader, Payload: m2[0].Payload})
	asm3.Add(bulletin.Entry{Kind: bulletin.KindChunk, Payload: m2[1].Payload})
	asm3.Add(bulletin.Entry{Kind: bulletin.KindChunk, Payload: m2[1].Payload})
	if _, ok, err := asm3.Add(bulletin.Entry{Kind: bulletin.KindChunk, Payload: m2[3].Payload}); ok || !isProblem(err, bulletin.ChunkDuplicated) {
		t.Errorf("duplicated chunk: %v, %v", ok, err)
	}
}

func isProblem(err error, p bulletin.ChunkProblem) bool {
	var ce *bulletin.ChunkError
	return errors.As(err, &ce) && ce.Problem == p
}

// Another poster cannot spoil an artefact by posting chunks under its hash:
// only the header's poster's chunks count.
func TestAssemblerChunksBelongToTheHeadersPoster(t *testing.T) {
	art := bytes.Repeat([]byte("veche"), 100)
	msgs, err := bulletin.Chunk(bulletin.KindShuffle, art, 200)
	if err != nil {
		t.Fatal(err)
	}
	author, griefer := bulletin.Address{1}, bulletin.Address{2}
	bogus := bulletin.ChunkData{Kind: bulletin.KindShuffle, Hash: bulletin.Keccak256(art), Index: 1, Data: bytes.Repeat([]byte("x"), 200)}
	var log []bulletin.Entry
	add := func(m bulletin.Message, who bulletin.Address) {
		log = append(log, bulletin.Entry{Seq: uint64(len(log)), Kind: m.Kind, Payload: m.Payload, Poster: who})
	}
	add(msgs[0], author)
	add(msgs[1], author)
	add(bulletin.Message{Kind: bulletin.KindChunk, Payload: bogus.Bytes()}, griefer)
	add(bulletin.Message{Kind: bulletin.KindChunkHeader, Payload: msgs[0].Payload}, griefer) // its own announcement of the same hash
	add(msgs[2], author)
	add(msgs[3], author)

	var a bulletin.Assembler
	var got []bulletin.Message
	var errs int
	for _, e := range log {
		m, done, err := a.Add(e)
		if err != nil {
			errs++
			if e.Poster != griefer {
				t.Fatalf("entry %d of the author: %v", e.Seq, err)
			}
		}
		if done {
			got = append(got, m)
		}
	}
	if len(got) != 1 || !bytes.Equal(got[0].Payload, art) || errs != 1 {
		t.Fatalf("reassembled %d artefacts, %d errors", len(got), errs)
	}
}
