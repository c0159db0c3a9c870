// Package transcript is the one Fiat-Shamir hashing mechanism of Veche.
//
// A Transcript absorbs a sequence of typed, labelled items and derives
// challenges from everything absorbed so far. Every item is framed as
//
//	type (1 byte) || len(label) (4 bytes, big-endian) || label ||
//	len(value) (8 bytes, big-endian) || value
//
// so the byte string fed to the hash is an injective encoding of the item
// sequence: no two different sequences (different splits of the same bytes,
// nested versus flat lists, an empty item versus a missing one, an element
// versus a scalar with the same bytes) produce the same input. Lists carry
// their length in a header item, so a list of two lists differs from one list
// of four items. The hash is SHA-512; a challenge is the 64-byte digest of
// the input so far, after a challenge item naming it, reduced modulo the
// group order.
//
// The byte format is specified in docs/spec/transcript.md with test vectors
// in testdata/transcript.json.
package transcript

import (
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"github.com/veche/veche/crypto/group"
)

// Domain is absorbed first by every transcript, before the protocol label.
const Domain = "veche/transcript/v1"

// Item types. The numbers are part of the wire format: never reorder.
const (
	typeInvalid   byte = iota // never written
	typeDomain                // 0x01: the transcript domain and protocol label
	typeBytes                 // 0x02: an opaque byte string
	typeUint64                // 0x03: 8 bytes, big-endian
	typeScalar                // 0x04: 32-byte canonical scalar
	typeElement               // 0x05: 32-byte canonical element
	typeList                  // 0x06: value = 8-byte big-endian item count
	typeChallenge             // 0x07: a challenge derivation point; empty value
)

// A Transcript is a Fiat-Shamir transcript. The zero value is not usable;
// create one with [New]. A Transcript is not safe for concurrent use.
type Transcript struct {
	h hash.Hash
}

// New returns a transcript for the given protocol label, such as
// "veche/zkp/schnorr/v1". It first absorbs [Domain] with the protocol
// label as its value.
func New(protocol string) *Transcript {
	t := &Transcript{h: sha512.New()}
	t.item(typeDomain, Domain, []byte(protocol))
	return t
}

func (t *Transcript) item(typ byte, label string, value []byte) {
	var hdr [1 + 4]byte
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(label)))
	t.h.Write(hdr[:])
	t.h.Write([]byte(label))
	var vl [8]byte
	binary.BigEndian.PutUint64(vl[:], uint64(len(value)))
	t.h.Write(vl[:])
	t.h.Write(value)
}

// Bytes absorbs an opaque byte string.
func (t *Transcript) Bytes(label string, b []byte) *Transcript {
	t.item(typeBytes, label, b)
	return t
}

// Uint64 absorbs an integer.
func (t *Transcript) Uint64(label string, v uint64) *Transcript {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	t.item(typeUint64, label, b[:])
	return t
}

// Scalar absorbs a scalar by its canonical encoding.
func (t *Transcript) Scalar(label string, s *group.Scalar) *Transcript {
	t.item(typeScalar, label, s.Bytes())
	return t
}

// Element absorbs a group element by its canonical encoding.
func (t *Transcript) Element(label string, e *group.Element) *Transcript {
	var buf [group.ElementSize]byte
	t.item(typeElement, label, e.AppendBytes(buf[:0]))
	return t
}

// ElementBytes absorbs an element already in canonical encoding (as read
// from the wire, after validation), avoiding a re-encoding.
func (t *Transcript) ElementBytes(label string, enc []byte) *Transcript {
	t.item(typeElement, label, enc)
	return t
}

// List absorbs a list header announcing n items. The caller absorbs exactly
// n items next; they are usually unlabelled.
func (t *Transcript) List(label string, n int) *Transcript {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	t.item(typeList, label, b[:])
	return t
}

// Elements absorbs a list of group elements: a list header then one element
// item per entry, each with an empty label.
func (t *Transcript) Elements(label string, es []*group.Element) *Transcript {
	t.List(label, len(es))
	for _, e := range es {
		t.Element("", e)
	}
	return t
}

// Scalars absorbs a list of scalars: a list header then one scalar item per
// entry, each with an empty label.
func (t *Transcript) Scalars(label string, ss []*group.Scalar) *Transcript {
	t.List(label, len(ss))
	for _, s := range ss {
		t.Scalar("", s)
	}
	return t
}

// digest absorbs a challenge item and returns the SHA-512 digest of the
// whole input so far. The transcript stays usable: later items and
// challenges follow this one.
func (t *Transcript) digest(label string) []byte {
	t.item(typeChallenge, label, nil)
	return t.h.Sum(nil)
}

// Challenge derives a challenge scalar: the digest after a challenge item
// with this label, reduced modulo ℓ.
func (t *Transcript) Challenge(label string) *group.Scalar {
	s, err := new(group.Scalar).SetUniformBytes(t.digest(label))
	if err != nil {
		panic("transcript: internal error: " + err.Error())
	}
	return s
}

// ChallengeScalars derives n challenge scalars: the digest after a challenge
// item with this label seeds SHAKE256, whose output is cut into n 64-byte
// blocks, each reduced modulo ℓ.
func (t *Transcript) ChallengeScalars(label string, n int) []*group.Scalar {
	x := sha3.NewSHAKE256()
	x.Write(t.digest(label))
	out := make([]*group.Scalar, n)
	var buf [64]byte
	for i := range out {
		x.Read(buf[:])
		out[i], _ = new(group.Scalar).SetUniformBytes(buf[:])
	}
	return out
}

// ChallengeBytes derives n bytes: the digest after a challenge item with
// this label seeds SHAKE256, whose first n output bytes are returned.
func (t *Transcript) ChallengeBytes(label string, n int) []byte {
	x := sha3.NewSHAKE256()
	x.Write(t.digest(label))
	out := make([]byte, n)
	x.Read(out)
	return out
}

// NewProof returns a transcript for a zero-knowledge proof or signature: it
// absorbs the protocol label (through [New]), then the election fingerprint
// (the hash that binds the proof to one election or service record), the
// group name and every generator the proof uses, in this order:
//
//	Bytes("fingerprint", fingerprint)
//	Bytes("group", "ristretto255")
//	Elements("generators", generators)
//
// The caller then absorbs the full statement and the commitments before
// deriving a challenge.
func NewProof(protocol string, fingerprint []byte, generators ...*group.Element) *Transcript {
	t := New(protocol)
	t.Bytes("fingerprint", fingerprint)
	t.Bytes("group", []byte(group.Name))
	t.Elements("generators", generators)
	return t
}
