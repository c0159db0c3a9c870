package dkg_test

import (
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"

	"github.com/veche/veche/crypto/group"
)

// specTranscript is an independent implementation of the transcript framing
// of docs/spec/transcript.md, so that the vector test checks the package
// against the spec rather than against itself:
// type (1) || u32(len(label)) || label || u64(len(value)) || value.
type specTranscript struct{ in []byte }

func (t *specTranscript) item(typ byte, label string, v []byte) *specTranscript {
	t.in = append(t.in, typ)
	t.in = binary.BigEndian.AppendUint32(t.in, uint32(len(label)))
	t.in = append(t.in, label...)
	t.in = binary.BigEndian.AppendUint64(t.in, uint64(len(v)))
	t.in = append(t.in, v...)
	return t
}

func specNew(protocol string) *specTranscript {
	return new(specTranscript).item(0x01, "veche/transcript/v1", []byte(protocol))
}

func (t *specTranscript) bytes(label string, b []byte) *specTranscript { return t.item(0x02, label, b) }
func (t *specTranscript) u64(label string, v uint64) *specTranscript {
	return t.item(0x03, label, binary.BigEndian.AppendUint64(nil, v))
}
func (t *specTranscript) scalar(label string, s *group.Scalar) *specTranscript {
	return t.item(0x04, label, s.Bytes())
}
func (t *specTranscript) elem(label string, enc []byte) *specTranscript {
	return t.item(0x05, label, enc)
}
func (t *specTranscript) list(label string, n int) *specTranscript {
	return t.item(0x06, label, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// challenge appends a challenge item and reduces SHA-512 of the input.
func (t *specTranscript) challenge(label string) *group.Scalar {
	t.item(0x07, label, nil)
	d := sha512.Sum512(t.in)
	s, _ := new(group.Scalar).SetUniformBytes(d[:])
	return s
}

// challengeBytes appends a challenge item and returns the first n bytes of
// SHAKE256(SHA-512 of the input).
func (t *specTranscript) challengeBytes(label string, n int) []byte {
	t.item(0x07, label, nil)
	d := sha512.Sum512(t.in)
	x := sha3.NewSHAKE256()
	x.Write(d[:])
	out := make([]byte, n)
	x.Read(out)
	return out
}
