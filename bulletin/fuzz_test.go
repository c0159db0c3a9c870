package bulletin_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/veche/veche/bulletin"
)

// Chunk payloads come from the chain: parsing never panics, and what parses
// re-encodes to the same bytes (the encodings are canonical).
func FuzzParseChunk(f *testing.F) {
	msgs, _ := bulletin.Chunk(bulletin.KindShuffle, artefact(100), 30)
	for _, m := range msgs {
		f.Add(m.Payload)
	}
	f.Add([]byte{})
	f.Add(make([]byte, bulletin.ChunkHeaderSize))
	f.Fuzz(func(t *testing.T, p []byte) {
		if h, err := bulletin.ParseChunkHeader(p); err == nil {
			if !bytes.Equal(h.Bytes(), p) {
				t.Fatalf("header %x re-encodes as %x", p, h.Bytes())
			}
			if n := (h.Size + uint64(h.ChunkSize) - 1) / uint64(h.ChunkSize); n != uint64(h.Count) {
				t.Fatalf("accepted header with %d chunks for %d bytes of %d", h.Count, h.Size, h.ChunkSize)
			}
		}
		if c, err := bulletin.ParseChunkData(p); err == nil {
			if !bytes.Equal(c.Bytes(), p) || len(c.Data) == 0 {
				t.Fatalf("chunk %x re-encodes as %x", p, c.Bytes())
			}
		}
	})
}

// splitMessages reads messages framed as u16 kind || u16 length || payload.
func splitMessages(b []byte) []bulletin.Message {
	var out []bulletin.Message
	for len(b) >= 4 {
		k, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		b = b[4:]
		n = min(n, len(b))
		out = append(out, bulletin.Message{Kind: bulletin.Kind(k), Payload: b[:n]})
		b = b[n:]
	}
	return out
}

func joinMessages(msgs []bulletin.Message) []byte {
	var b []byte
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint16(b, uint16(m.Kind))
		b = binary.BigEndian.AppendUint16(b, uint16(len(m.Payload)))
		b = append(b, m.Payload...)
	}
	return b
}

// Reassemble accepts exactly the chunk sets that Chunk produces: whatever it
// accepts, Chunk gives back message for message.
func FuzzReassemble(f *testing.F) {
	for _, size := range []int{1, 10, 31, 100} {
		msgs, _ := bulletin.Chunk(bulletin.KindDecryptionShare, artefact(size), 8)
		f.Add(joinMessages(msgs))
		f.Add(joinMessages(msgs[:len(msgs)-1]))
		f.Add(joinMessages(append(msgs, msgs[1])))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs := splitMessages(b)
		got, err := bulletin.Reassemble(msgs)
		if err != nil {
			return
		}
		h, _ := bulletin.ParseChunkHeader(msgs[0].Payload)
		again, err := bulletin.Chunk(got.Kind, got.Payload, int(h.ChunkSize))
		if err != nil {
			t.Fatalf("Chunk of a reassembled artefact: %v", err)
		}
		if !bytes.Equal(joinMessages(again), joinMessages(msgs)) {
			t.Fatal("Reassemble accepted a chunk set that Chunk does not produce")
		}
	})
}

// Admit never panics and agrees with its parts: an admitted entry's
// effective kind is authorised and allowed in the phase.
func FuzzAdmit(f *testing.F) {
	f.Add(uint8(1), uint16(8), []byte{2}, []byte{0xff, 0xff})
	f.Add(uint8(5), uint16(129), []byte{0, 12, 1}, []byte{0x10, 0})
	f.Add(uint8(3), uint16(9), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, phase uint8, kind uint16, payload, mask []byte) {
		var m [32]byte
		copy(m[:], mask)
		may := bulletin.KindSetFromBytes(m)
		next, err := bulletin.Admit(bulletin.Phase(phase), may, bulletin.Kind(kind), payload)
		if err != nil {
			if next != bulletin.Phase(phase) {
				t.Fatal("a refused entry changed the phase")
			}
			return
		}
		eff, err := bulletin.EffectiveKind(bulletin.Kind(kind), payload)
		if err != nil || !may.Has(eff) || !bulletin.Allowed(bulletin.Phase(phase), eff) || len(payload) > bulletin.MaxPayload {
			t.Fatalf("admitted %v (effective %v, %v) in phase %d", bulletin.Kind(kind), eff, err, phase)
		}
		if want, _ := bulletin.Phase(phase).Next(); next != bulletin.Phase(phase) && next != want {
			t.Fatalf("phase %d moved to %v", phase, next)
		}
	})
}

// An Assembler fed arbitrary entries never panics.
func FuzzAssembler(f *testing.F) {
	msgs, _ := bulletin.Chunk(bulletin.KindShuffle, artefact(50), 16)
	f.Add(joinMessages(msgs))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a bulletin.Assembler
		for i, m := range splitMessages(b) {
			a.Add(bulletin.Entry{Seq: uint64(i), Kind: m.Kind, Payload: m.Payload})
		}
		a.Close()
	})
}
