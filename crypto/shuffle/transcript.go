package shuffle

import (
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
	"github.com/veche/veche/crypto/zkp"
)

// Protocol labels (docs/spec/shuffle.md, section 2).
const (
	protocol      = "veche/shuffle/v1"
	nonceProtocol = "veche/shuffle/nonce/v1"
)

// eSize is the size in bytes of one challenge e_i: 128 bits
// (docs/spec/shuffle.md, section 5).
const eSize = 16

// weightSize is the size in bytes of one verifier batching weight.
const weightSize = 16

// A statement holds what the transcript absorbs about one shuffle before
// the first commitment.
type statement struct {
	fp        zkp.Fingerprint
	seed      []byte
	mixer     []byte
	position  uint32
	pk        []byte
	n, w      int
	inDigest  [sha512.Size]byte
	outDigest [sha512.Size]byte
}

func newStatement(pk *elgamal.PublicKey, in, out []elgamal.VectorCiphertext, p *Params, g *Generators, n, w int) *statement {
	s := &statement{
		fp:       p.Fingerprint,
		seed:     g.seed,
		mixer:    p.Mixer,
		position: p.Position,
		pk:       pk.Bytes(),
		n:        n,
		w:        w,
	}
	s.inDigest = listDigest(in, w, p.Workers)
	s.outDigest = listDigest(out, w, p.Workers)
	return s
}

// absorb absorbs the statement items (docs/spec/shuffle.md, section 4,
// items 6 to 13).
func (s *statement) absorb(t *transcript.Transcript) {
	t.Bytes("generator-seed", s.seed)
	t.Bytes("mixer", s.mixer)
	t.Uint64("position", uint64(s.position))
	t.ElementBytes("pk", s.pk)
	t.Uint64("N", uint64(s.n))
	t.Uint64("width", uint64(s.w))
	t.Bytes("inputs", s.inDigest[:])
	t.Bytes("outputs", s.outDigest[:])
}

// transcript returns the proof transcript up to the statement:
// NewProof(protocol, fingerprint, G) and the statement items.
func (s *statement) transcript() *transcript.Transcript {
	t := transcript.NewProof(protocol, s.fp[:], group.NewGeneratorElement())
	s.absorb(t)
	return t
}

// listDigest returns SHA-512 of the concatenated canonical encodings of the
// rows, row by row and within a row component by component, each A then B:
// 64·w bytes per row (docs/spec/shuffle.md, section 4). Elements that were
// decoded remember their encoding; the others are encoded here, in parallel
// blocks.
func listDigest(rows []elgamal.VectorCiphertext, w, workers int) [sha512.Size]byte {
	const block = 2048
	rowSize := elgamal.CiphertextSize * w
	h := sha512.New()
	buf := make([]byte, min(len(rows), block)*rowSize)
	for lo := 0; lo < len(rows); lo += block {
		hi := min(lo+block, len(rows))
		part := buf[:(hi-lo)*rowSize]
		c := newChunking(hi-lo, 64)
		forChunks(c, workers, func(_, a, b int) error {
			for i := a; i < b; i++ {
				dst := part[i*rowSize : i*rowSize : (i+1)*rowSize]
				for _, ct := range rows[lo+i] {
					dst = ct.AppendBytes(dst)
				}
			}
			return nil
		})
		h.Write(part)
	}
	var d [sha512.Size]byte
	h.Sum(d[:0])
	return d
}

// sectionDigest returns SHA-512 of a section of an encoded proof.
func sectionDigest(b []byte) []byte {
	d := sha512.Sum512(b)
	return d[:]
}

// challengeE derives the challenges e_1 … e_n after the permutation
// commitment: challenge bytes "e", 16·n bytes, each 16-byte block a
// little-endian integer below 2^128.
func challengeE(t *transcript.Transcript, l layout, enc []byte) []group.Scalar {
	t.Bytes("U", sectionDigest(enc[l.u(0):l.b(0)]))
	raw := t.ChallengeBytes("e", eSize*l.n)
	e := make([]group.Scalar, l.n)
	var b [group.ScalarSize]byte
	for i := range e {
		copy(b[:eSize], raw[eSize*i:])
		if _, err := e[i].SetCanonicalBytes(b[:]); err != nil {
			panic("shuffle: internal error: 128-bit challenge rejected")
		}
	}
	return e
}

// challengeV absorbs the commitments after e and derives the challenge v.
func challengeV(t *transcript.Transcript, l layout, enc []byte) *group.Scalar {
	t.Bytes("B", sectionDigest(enc[l.b(0):l.ap()]))
	t.ElementBytes("A'", enc[l.ap():l.bp(0)])
	t.Bytes("B'", sectionDigest(enc[l.bp(0):l.cp()]))
	t.ElementBytes("C'", enc[l.cp():l.dp()])
	t.ElementBytes("D'", enc[l.dp():l.fp(0)])
	t.List("F'", 2*l.w)
	for j := range 2 * l.w {
		t.ElementBytes("", enc[l.fp(j):l.fp(j+1)])
	}
	return t.Challenge("v")
}

// batchWeights derives the verifier's 128-bit weights for combining the
// verification equations: after v, the responses are absorbed and
// challenge bytes "weights" cut into 16-byte blocks. This is a choice of
// this verifier, not part of the proof format (docs/spec/shuffle.md,
// section 8): any verifier may draw its weights from its own randomness.
func batchWeights(t *transcript.Transcript, l layout, enc []byte, count int) []group.Scalar {
	t.Bytes("responses", sectionDigest(enc[l.kA():l.size()]))
	raw := t.ChallengeBytes("weights", weightSize*count)
	out := make([]group.Scalar, count)
	var b [group.ScalarSize]byte
	for i := range out {
		copy(b[:weightSize], raw[weightSize*i:])
		if _, err := out[i].SetCanonicalBytes(b[:]); err != nil {
			panic("shuffle: internal error: 128-bit weight rejected")
		}
	}
	return out
}

// A nonceStream yields the prover's secret nonces: 64-byte blocks of
// SHAKE256 reduced modulo ℓ (docs/spec/shuffle.md, section 6).
type nonceStream struct{ x *sha3.SHAKE }

// newNonceStream derives the nonce stream of a proof. Its seed is 64
// challenge bytes of a private transcript that absorbs the statement, the
// witness and 32 bytes rnd from the prover's randomness: the nonces are
// secret and fresh as long as either the randomness or the witness is.
func newNonceStream(s *statement, wit *Witness, rnd []byte) *nonceStream {
	t := transcript.New(nonceProtocol)
	t.Bytes("protocol", []byte(protocol))
	t.Bytes("fingerprint", s.fp[:])
	s.absorb(t)
	t.Bytes("witness", witnessDigest(wit))
	t.Bytes("random", rnd)
	x := sha3.NewSHAKE256()
	x.Write(t.ChallengeBytes("nonces", 64))
	return &nonceStream{x: x}
}

// next sets s to the next nonce, uniform modulo ℓ. The prover refuses to
// use a zero nonce (probability 2^-252 each).
func (n *nonceStream) next(s *group.Scalar) {
	var b [64]byte
	n.x.Read(b[:])
	if _, err := s.SetUniformBytes(b[:]); err != nil {
		panic("shuffle: internal error: " + err.Error())
	}
	clear(b[:])
}

// fill sets every scalar of ss to the next nonces, in order.
func (n *nonceStream) fill(ss []group.Scalar) {
	for i := range ss {
		n.next(&ss[i])
	}
}

// witnessDigest returns SHA-512 over, for each output row i in order,
// u64(ψ(i)) (0-based) followed by the row's w randomness scalars.
func witnessDigest(wit *Witness) []byte {
	h := sha512.New()
	var b [8]byte
	for i, j := range wit.psi {
		binary.BigEndian.PutUint64(b[:], uint64(j))
		h.Write(b[:])
		for k := range wit.w {
			h.Write(wit.rho[i*wit.w+k].Bytes())
		}
	}
	return h.Sum(nil)
}
