// Package demo shows Veche at work for newcomers; it is what `veche demo`
// (and `make demo`) runs.
//
// [Walkthrough] is a guided tour of the cryptography: it runs the real
// code on made-up data and prints what happens, step by step, with the
// time each step took (the group, the Fiat-Shamir transcript, ElGamal
// ballot encryption and its proofs, a homomorphic tally, threshold
// decryption). Each step is an entry of the steps list and reads and
// writes the state the steps share.
//
// [Election] then runs a whole election on the embedded Ethereum chain
// with the real services: the commission, the trustees' key ceremony,
// the credential authority, the ballot box and the voter API taking
// ballots from the client SDK over HTTP, weeding, the mix net, threshold
// decryption and the results posted to the board, every stage timed.
//
// Both double as smoke tests: they return an error when the code under
// demonstration misbehaves.
package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// A step is one stage of the tour.
type step struct {
	title string
	run   func(*tour) error
}

// steps is the tour, in order. To add a stage, write a method on *tour
// that prints what it does and returns an error if the code under
// demonstration misbehaves, and list it here.
var steps = []step{
	{"Generate an election key pair", (*tour).keyPair},
	{"Derive an independent generator by hashing into the group", (*tour).generator},
	{"Encode elements and scalars canonically", (*tour).encodings},
	{"Reject encodings that are not canonical", (*tour).rejections},
	{"Bind a Fiat-Shamir challenge to the election", (*tour).challenge},
	{"Prove knowledge of the election key", (*tour).keyProof},
	{"Encrypt a ballot on the voter's device", (*tour).encryptBallot},
	{"Check the ballot as the ballot box does", (*tour).checkBallot},
	{"Tally many ballots homomorphically, verifying proofs in batches", (*tour).tally},
	{"Decrypt the tally and the write-in, with proofs", (*tour).decrypt},
}

// tour is the state the steps share.
type tour struct {
	p    *printer
	rand io.Reader

	secret      *group.Scalar  // the election secret key x
	public      *group.Element // X = x·G
	h           *group.Element // an independent generator H
	fingerprint []byte         // the (made-up) election fingerprint

	ballot *ballotState // the state of the ballot steps (ballot.go)
}

// Walkthrough runs the tour and prints it to w. Randomness is read from
// rand, or from crypto/rand.Reader if rand is nil; with a deterministic
// reader the output is the same on every run except for the timings.
// It returns an error if writing fails, if rand fails, or if any step finds
// the code under demonstration misbehaving (the demo doubles as a smoke
// test).
func Walkthrough(w io.Writer, rand io.Reader) error {
	t := &tour{p: &printer{w: w}, rand: rand}
	t.p.printf("Veche walk-through: the cryptographic core, step by step.\n")
	t.p.printf("Everything below runs the real code on made-up data; G is the standard\n")
	t.p.printf("ristretto255 generator (RFC 9496) and encodings are shown in hex.\n")
	total := time.Now()
	for i, s := range steps {
		t.p.printf("\nStep %d/%d: %s\n", i+1, len(steps), s.title)
		start := time.Now()
		if err := s.run(t); err != nil {
			return fmt.Errorf("demo: step %d (%s): %w", i+1, s.title, err)
		}
		t.p.printf("  (step took %v)\n", roundDuration(time.Since(start)))
		if t.p.err != nil {
			return fmt.Errorf("demo: writing output: %w", t.p.err)
		}
	}
	t.p.printf("\nAll %d steps passed in %v.\n", len(steps), roundDuration(time.Since(total)))
	t.p.printf("Next: the same pieces at work in an election on the bulletin board.\n")
	if t.p.err != nil {
		return fmt.Errorf("demo: writing output: %w", t.p.err)
	}
	return nil
}

func (t *tour) keyPair() error {
	x, err := group.RandomNonZeroScalar(t.rand)
	if err != nil {
		return err
	}
	t.secret = x
	t.public = new(group.Element).ScalarBaseMult(x)
	t.p.printf("  secret key x: a random scalar mod ℓ (32 bytes; never printed or posted)\n")
	t.p.printf("  public key X = x·G: %x\n", t.public.Bytes())
	t.p.printf("  X is computed in constant time, so the time taken reveals nothing about x.\n")
	t.p.printf("  (In an election x never exists in one place: k-of-n trustees hold shares of it.)\n")
	return nil
}

// generatorSeed is the public seed of the demo's generator H.
const generatorSeed = "veche demo"

func (t *tour) generator() error {
	hs, err := group.DeriveGenerators([]byte(generatorSeed), 1)
	if err != nil {
		return err
	}
	t.h = hs[0]
	t.p.printf("  H = hash-to-group(%q): %x\n", generatorSeed, t.h.Bytes())
	again, err := group.DeriveGenerators([]byte(generatorSeed), 1)
	if err != nil {
		return err
	}
	if again[0].Equal(t.h) != 1 {
		return errors.New("hashing the same seed gave two generators")
	}
	t.p.printf("  Anyone can recompute H from the seed (checked: same bytes again), and\n")
	t.p.printf("  nobody knows h with H = h·G; commitments and proofs rely on that.\n")
	return nil
}

func (t *tour) encodings() error {
	t.p.printf("  G:           %x\n", group.NewGeneratorElement().Bytes())
	t.p.printf("  identity:    %x\n", group.NewElement().Bytes())
	t.p.printf("  scalar 1:    %x (little-endian)\n", new(group.Scalar).SetUint64(1).Bytes())
	enc := t.public.Bytes()
	back, err := group.ParseNonIdentityElement(enc)
	if err != nil {
		return fmt.Errorf("decoding the public key: %w", err)
	}
	if back.Equal(t.public) != 1 || !bytes.Equal(back.Bytes(), enc) {
		return errors.New("the public key does not survive encode/decode")
	}
	t.p.printf("  decode(encode(X)) = X: ok. Every element has exactly one 32-byte\n")
	t.p.printf("  encoding, so hashes and signatures over encodings are unambiguous.\n")
	return nil
}

// hostile lists encodings an attacker might post instead of a public key,
// with what is wrong with each.
var hostile = []struct {
	what string
	enc  string
}{
	{"the field prime p itself (an unreduced field element)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"a negative field element (s = 1)", "0100000000000000000000000000000000000000000000000000000000000000"},
	{"the identity as a public key", "0000000000000000000000000000000000000000000000000000000000000000"},
	{"31 bytes (one short)", "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d"},
}

func (t *tour) rejections() error {
	for _, h := range hostile {
		b, err := hex.DecodeString(h.enc)
		if err != nil {
			return err
		}
		_, err = group.ParseNonIdentityElement(b)
		if err == nil {
			return fmt.Errorf("accepted %s", h.what)
		}
		t.p.printf("  %-54s rejected: %v\n", h.what+":", err)
	}
	trailing := append(t.public.Bytes(), 0)
	_, err := group.ParseNonIdentityElement(trailing)
	if err == nil {
		return errors.New("accepted an encoding with a trailing byte")
	}
	t.p.printf("  %-54s rejected: %v\n", "X followed by one extra byte:", err)
	// ℓ, the group order: the smallest unreduced scalar.
	ell, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	_, err = new(group.Scalar).SetCanonicalBytes(ell)
	if err == nil {
		return errors.New("accepted the unreduced scalar ℓ")
	}
	t.p.printf("  %-54s rejected: %v\n", "the scalar ℓ (the group order, unreduced):", err)
	t.p.printf("  Decoders never reduce or repair input: a second encoding of the same\n")
	t.p.printf("  value would let one ballot pass for two.\n")
	return nil
}

// demoProtocol is the transcript protocol label of the demo's challenge.
const demoProtocol = "veche/demo/v1"

func (t *tour) challenge() error {
	fp := sha256.Sum256([]byte("demo election manifest"))
	t.fingerprint = fp[:]
	derive := func(fingerprint []byte) *group.Scalar {
		tr := transcript.NewProof(demoProtocol, fingerprint, group.NewGeneratorElement(), t.h)
		tr.Element("public-key", t.public)
		return tr.Challenge("challenge")
	}
	c := derive(t.fingerprint)
	t.p.printf("  election fingerprint: %x\n", t.fingerprint)
	t.p.printf("  transcript %q absorbs the fingerprint, the group, G, H and X\n", demoProtocol)
	t.p.printf("  challenge c:          %x\n", c.Bytes())
	if derive(t.fingerprint).Equal(c) != 1 {
		return errors.New("the same transcript gave two challenges")
	}
	t.p.printf("  A verifier recomputes c from public data alone: same c (checked).\n")
	other := sha256.Sum256([]byte("another election manifest"))
	c2 := derive(other[:])
	if c2.Equal(c) == 1 {
		return errors.New("the challenge ignores the election fingerprint")
	}
	t.p.printf("  The same statement in another election: %x\n", c2.Bytes())
	t.p.printf("  so a proof made for one election is worthless in any other.\n")
	return nil
}

// printer writes formatted text and remembers the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// roundDuration keeps three significant figures or so: enough to read.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(time.Microsecond)
	default:
		return d.Round(100 * time.Nanosecond)
	}
}
