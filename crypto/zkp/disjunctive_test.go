package zkp_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/transcript"
	"github.com/veche/veche/crypto/zkp"
)

// djElection is an election key and fingerprint for the disjunctive-proof
// tests, with exponential ElGamal encryption done by hand (zkp does not
// import elgamal).
type djElection struct {
	fp   zkp.Fingerprint
	sk   *group.Scalar
	pk   *group.Element
	rand io.Reader
}

func newDJElection(seed string) *djElection {
	rd := testrand.New("zkp-disjunctive/" + seed)
	e := &djElection{rand: rd}
	if _, err := io.ReadFull(rd, e.fp[:]); err != nil {
		panic(err)
	}
	e.sk = djScalar(rd)
	e.pk = new(group.Element).ScalarBaseMult(e.sk)
	return e
}

// djScalar draws a scalar from deterministic test randomness, which never
// fails.
func djScalar(r io.Reader) *group.Scalar {
	s, err := group.RandomScalar(r)
	if err != nil {
		panic(err)
	}
	return s
}

// encrypt returns (r·G, m·G + r·PK) and r.
func (e *djElection) encrypt(m uint64) (zkp.Ciphertext, *group.Scalar) {
	r := djScalar(e.rand)
	return djEncryptWith(e.pk, m, r), r
}

func djEncryptWith(pk *group.Element, m uint64, r *group.Scalar) zkp.Ciphertext {
	A := new(group.Element).ScalarBaseMult(r)
	B := new(group.Element).ScalarMult(r, pk)
	B.Add(B, new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(m)))
	return zkp.Ciphertext{A: A, B: B}
}

func (e *djElection) proveZeroOne(t testing.TB, ct zkp.Ciphertext, m uint64, r *group.Scalar, binding string) *zkp.ZeroOneProof {
	t.Helper()
	p, err := zkp.ProveZeroOne(e.rand, e.fp, e.pk, ct, m, r, []byte(binding))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func djWantInvalid(t *testing.T, err error, contains string) {
	t.Helper()
	if !errors.Is(err, zkp.ErrInvalidProof) {
		t.Fatalf("got %v, want an error wrapping ErrInvalidProof", err)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("error %q does not mention %q", err, contains)
	}
}

func djWantMalformed(t *testing.T, err error, contains string) {
	t.Helper()
	if !errors.Is(err, zkp.ErrMalformed) {
		t.Fatalf("got %v, want an error wrapping ErrMalformed", err)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("error %q does not mention %q", err, contains)
	}
}

// djChallenge recomputes a disjunctive proof's transcript challenge with
// transcript.NewProof, independently of the package, as the spec gives it.
func djChallenge(protocol string, fp zkp.Fingerprint, pk *group.Element, ct zkp.Ciphertext, ranged bool, lo, hi uint64, binding []byte, a, b []*group.Element) *group.Scalar {
	t := transcript.NewProof(protocol, fp[:], group.NewGeneratorElement())
	t.Element("pk", pk).Element("A", ct.A).Element("B", ct.B)
	if ranged {
		t.Uint64("lo", lo).Uint64("hi", hi)
	}
	t.Bytes("binding", binding)
	t.Elements("a", a).Elements("b", b)
	return t.Challenge("c")
}

// djSimulate is a dishonest prover: it simulates every branch i of the
// statement "ct encrypts lo + i" with a random challenge and response,
// since it has no witness for any of them, then must fix the last
// branch's challenge to c − Σ others.
func djSimulate(t testing.TB, e *djElection, ct zkp.Ciphertext, lo uint64, n int) (a, b []*group.Element, cs, zs []*group.Scalar) {
	t.Helper()
	D := new(group.Element).Subtract(ct.B, new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(lo)))
	for range n {
		c, z := djScalar(e.rand), djScalar(e.rand)
		// a = z·G − c·A, b = z·PK − c·D
		ai := new(group.Element).VarTimeDoubleScalarBaseMult(new(group.Scalar).Negate(c), ct.A, z)
		bi, _ := new(group.Element).VarTimeMultiScalarMult([]*group.Scalar{z, new(group.Scalar).Negate(c)}, []*group.Element{e.pk, D})
		a, b, cs, zs = append(a, ai), append(b, bi), append(cs, c), append(zs, z)
		D = new(group.Element).Subtract(D, group.NewGeneratorElement())
	}
	return a, b, cs, zs
}

func TestZeroOneProveVerify(t *testing.T) {
	e := newDJElection("prove-verify")
	for _, m := range []uint64{0, 1} {
		t.Run(fmt.Sprint("m=", m), func(t *testing.T) {
			ct, r := e.encrypt(m)
			p := e.proveZeroOne(t, ct, m, r, "ballot 7/contest 2/selection 3")
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("ballot 7/contest 2/selection 3"), p); err != nil {
				t.Fatalf("honest proof rejected: %v", err)
			}
			enc := p.Bytes()
			if len(enc) != zkp.ZeroOneProofSize {
				t.Fatalf("encoding is %d bytes, want %d", len(enc), zkp.ZeroOneProofSize)
			}
			q, err := zkp.ParseZeroOneProof(enc)
			if err != nil {
				t.Fatalf("parsing the prover's encoding: %v", err)
			}
			if !bytes.Equal(q.Bytes(), enc) {
				t.Fatal("Parse then Bytes does not round-trip")
			}
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("ballot 7/contest 2/selection 3"), q); err != nil {
				t.Fatalf("parsed honest proof rejected: %v", err)
			}
			// A hand-built copy (no cached encodings) verifies too.
			cp := &zkp.ZeroOneProof{A: q.A, B: q.B, C0: q.C0, Z: q.Z}
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("ballot 7/contest 2/selection 3"), cp); err != nil {
				t.Fatalf("copied honest proof rejected: %v", err)
			}
			// The encodings spec says how the challenge arises: check it.
			c := djChallenge("veche/zkp/zero-one/v1", e.fp, e.pk, ct, false, 0, 0, []byte("ballot 7/contest 2/selection 3"), p.A[:], p.B[:])
			c1 := new(group.Scalar).Subtract(c, p.C0)
			lhs := new(group.Element).ScalarBaseMult(p.Z[1])
			rhs := new(group.Element).Add(p.A[1], new(group.Element).ScalarMult(c1, ct.A))
			if lhs.Equal(rhs) != 1 {
				t.Fatal("branch 1 equation z·G = a + c·A does not hold with the independently computed challenge")
			}
		})
	}
}

func TestZeroOneProverRefuses(t *testing.T) {
	e := newDJElection("refuses")
	ct0, r0 := e.encrypt(0)
	ct2, r2 := e.encrypt(2)
	cases := []struct {
		name string
		ct   zkp.Ciphertext
		m    uint64
		r    *group.Scalar
		pk   *group.Element
	}{
		{"plaintext 2", ct2, 2, r2, e.pk},
		{"plaintext 7", ct0, 7, r0, e.pk},
		{"plaintext 2^64-1", ct0, 1<<64 - 1, r0, e.pk},
		{"claims 1 for an encryption of 0", ct0, 1, r0, e.pk},
		{"claims 1 for an encryption of 2", ct2, 1, r2, e.pk},
		{"wrong randomness", ct0, 0, r2, e.pk},
		{"nil randomness", ct0, 0, nil, e.pk},
		{"nil public key", ct0, 0, r0, nil},
		{"identity public key", ct0, 0, r0, group.NewElement()},
		{"nil ciphertext", zkp.Ciphertext{}, 0, r0, e.pk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := zkp.ProveZeroOne(e.rand, e.fp, tc.pk, tc.ct, tc.m, tc.r, nil)
			if err == nil || p != nil {
				t.Fatalf("prover accepted: proof %v, error %v", p, err)
			}
			if strings.Contains(err.Error(), "7") || strings.Contains(err.Error(), "2") {
				t.Errorf("error %q may reveal the plaintext", err)
			}
		})
	}
}

// TestZeroOneForgedTwo plays a dishonest voter who encrypts 2 (a double
// vote) and tries to pass it off as 0 or 1.
func TestZeroOneForgedTwo(t *testing.T) {
	e := newDJElection("forged-two")
	ct, r := e.encrypt(2)
	binding := []byte("ballot 1")

	t.Run("simulates both branches", func(t *testing.T) {
		a, b, cs, zs := djSimulate(t, e, ct, 0, 2)
		p := &zkp.ZeroOneProof{A: [2]*group.Element{a[0], a[1]}, B: [2]*group.Element{b[0], b[1]}, C0: cs[0], Z: [2]*group.Scalar{zs[0], zs[1]}}
		// Each branch verifies on its own challenge; the transcript
		// challenge forces c_1 = c − c_0, which is not the simulated one.
		djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct, binding, p), "branch 1")
		// Choosing c_0 = c − c_1 instead moves the failure to branch 0.
		c := djChallenge("veche/zkp/zero-one/v1", e.fp, e.pk, ct, false, 0, 0, binding, a, b)
		p.C0 = new(group.Scalar).Subtract(c, cs[1])
		djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct, binding, p), "branch 0")
	})

	t.Run("runs branch 1 honestly with the randomness of an encryption of 2", func(t *testing.T) {
		a, b, cs, zs := djSimulate(t, e, ct, 0, 1)
		w := djScalar(e.rand)
		a1 := new(group.Element).ScalarBaseMult(w)
		b1 := new(group.Element).ScalarMult(w, e.pk)
		c := djChallenge("veche/zkp/zero-one/v1", e.fp, e.pk, ct, false, 0, 0, binding, []*group.Element{a[0], a1}, []*group.Element{b[0], b1})
		c1 := new(group.Scalar).Subtract(c, cs[0])
		z1 := new(group.Scalar).MultiplyAdd(c1, r, w)
		p := &zkp.ZeroOneProof{A: [2]*group.Element{a[0], a1}, B: [2]*group.Element{b[0], b1}, C0: cs[0], Z: [2]*group.Scalar{zs[0], z1}}
		// z·G = a + c·A holds (r is the real randomness), the PK equation
		// does not: B − G = G + r·PK.
		djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct, binding, p), "branch 1 (v = 1): z·PK ≠ b + c·(B − v·G)")
		if err := zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, []zkp.ZeroOneItem{{ct, binding, p}}); !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("batch accepted the forgery: %v", err)
		}
	})
}

func TestZeroOneTransplant(t *testing.T) {
	e := newDJElection("transplant")
	other := newDJElection("transplant-other")
	ct, r := e.encrypt(1)
	binding := []byte("credential X/contest 1/selection 0")
	p := e.proveZeroOne(t, ct, 1, r, string(binding))
	if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, binding, p); err != nil {
		t.Fatal(err)
	}
	ct2, _ := e.encrypt(1)
	sameA := zkp.Ciphertext{A: ct.A, B: ct2.B}
	otherFP := e.fp
	otherFP[31] ^= 1
	cases := []struct {
		name    string
		fp      zkp.Fingerprint
		pk      *group.Element
		ct      zkp.Ciphertext
		binding []byte
	}{
		{"another ciphertext of the same plaintext", e.fp, e.pk, ct2, binding},
		{"another B", e.fp, e.pk, sameA, binding},
		{"swapped A and B", e.fp, e.pk, zkp.Ciphertext{A: ct.B, B: ct.A}, binding},
		{"another public key", e.fp, other.pk, ct, binding},
		{"another election", otherFP, e.pk, ct, binding},
		{"another binding", e.fp, e.pk, ct, []byte("credential Y/contest 1/selection 0")},
		{"empty binding", e.fp, e.pk, ct, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			djWantInvalid(t, zkp.VerifyZeroOne(tc.fp, tc.pk, tc.ct, tc.binding, p), "branch")
		})
	}
	t.Run("as a range proof for [0, 1]", func(t *testing.T) {
		rp := &zkp.RangeProof{A: p.A[:], B: p.B[:], C: []*group.Scalar{p.C0}, Z: p.Z[:]}
		djWantInvalid(t, zkp.VerifyRange(e.fp, e.pk, ct, 0, 1, binding, rp), "branch")
	})
}

func TestZeroOneTampered(t *testing.T) {
	e := newDJElection("tampered")
	ct, r := e.encrypt(0)
	p := e.proveZeroOne(t, ct, 0, r, "b")
	one := new(group.Scalar).SetUint64(1)
	G := group.NewGeneratorElement()
	edits := []struct {
		name string
		edit func(q *zkp.ZeroOneProof)
		want string
	}{
		{"challenge split c_0 + 1", func(q *zkp.ZeroOneProof) { q.C0 = new(group.Scalar).Add(q.C0, one) }, "branch 0"},
		{"challenge split negated", func(q *zkp.ZeroOneProof) { q.C0 = new(group.Scalar).Negate(q.C0) }, "branch"},
		{"z_0 + 1", func(q *zkp.ZeroOneProof) { q.Z[0] = new(group.Scalar).Add(q.Z[0], one) }, "branch 0 (v = 0): z·G ≠ a + c·A"},
		{"z_1 + 1", func(q *zkp.ZeroOneProof) { q.Z[1] = new(group.Scalar).Add(q.Z[1], one) }, "branch 1 (v = 1): z·G ≠ a + c·A"},
		{"b_1 + G", func(q *zkp.ZeroOneProof) { q.B[1] = new(group.Element).Add(q.B[1], G) }, "branch"},
		{"branches swapped", func(q *zkp.ZeroOneProof) {
			q.A[0], q.A[1], q.B[0], q.B[1], q.Z[0], q.Z[1] = q.A[1], q.A[0], q.B[1], q.B[0], q.Z[1], q.Z[0]
		}, "branch"},
		{"identity a_0", func(q *zkp.ZeroOneProof) { q.A[0] = group.NewElement() }, "commitment a_0 is the identity"},
		{"identity b_1", func(q *zkp.ZeroOneProof) { q.B[1] = group.NewElement() }, "commitment b_1 is the identity"},
		{"nil C0", func(q *zkp.ZeroOneProof) { q.C0 = nil }, "nil field"},
		{"nil Z[1]", func(q *zkp.ZeroOneProof) { q.Z[1] = nil }, "nil field"},
		{"nil A[1]", func(q *zkp.ZeroOneProof) { q.A[1] = nil }, "nil field"},
	}
	for _, tc := range edits {
		t.Run(tc.name, func(t *testing.T) {
			q := *p
			tc.edit(&q)
			djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), &q), tc.want)
		})
	}
	if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), p); err != nil {
		t.Fatalf("edits leaked into the original proof: %v", err)
	}
	djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), nil), "nil proof")
	djWantInvalid(t, zkp.VerifyZeroOne(e.fp, nil, ct, []byte("b"), p), "missing public key")
	djWantInvalid(t, zkp.VerifyZeroOne(e.fp, group.NewElement(), ct, []byte("b"), p), "public key is the identity")
	djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, zkp.Ciphertext{A: ct.A}, []byte("b"), p), "nil element")
}

// TestZeroOneMutatedAfterParse checks that changing a parsed proof's
// commitments in place is seen by the verifier and by Bytes, although the
// parser keeps their encodings.
func TestZeroOneMutatedAfterParse(t *testing.T) {
	e := newDJElection("mutated")
	ct, r := e.encrypt(1)
	enc := e.proveZeroOne(t, ct, 1, r, "b").Bytes()
	for i := range 4 {
		p, err := zkp.ParseZeroOneProof(enc)
		if err != nil {
			t.Fatal(err)
		}
		x := []*group.Element{p.A[0], p.A[1], p.B[0], p.B[1]}[i]
		x.Add(x, group.NewGeneratorElement())
		djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), p), "branch")
		if bytes.Equal(p.Bytes(), enc) {
			t.Errorf("commitment %d: Bytes returned the stale encoding", i)
		}
		x.Subtract(x, group.NewGeneratorElement())
		if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), p); err != nil {
			t.Fatalf("commitment %d restored, proof rejected: %v", i, err)
		}
	}
}

func TestParseZeroOneProofRejects(t *testing.T) {
	e := newDJElection("parse")
	ct, r := e.encrypt(1)
	good := e.proveZeroOne(t, ct, 1, r, "b").Bytes()
	with := func(off int, b []byte) []byte {
		x := bytes.Clone(good)
		copy(x[off:], b)
		return x
	}
	// ℓ, the group order, little-endian: the smallest unreduced scalar.
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	allFF := bytes.Repeat([]byte{0xff}, 32)
	zero := make([]byte, 32)
	// A non-canonical element: a negative field element s (odd low bit).
	negative := append([]byte{1}, make([]byte, 31)...)
	cases := []struct {
		name, want string
		b          []byte
	}{
		{"empty", "0 bytes, want 224", nil},
		{"one byte short", "223 bytes, want 224", good[:len(good)-1]},
		{"one byte long", "225 bytes, want 224", append(bytes.Clone(good), 0)},
		{"a range proof's branch-count prefix", "228 bytes, want 224", append([]byte{0, 0, 0, 2}, good...)},
		{"identity a_0", "identity element commitment a_0", with(0, zero)},
		{"identity b_1", "identity element commitment b_1", with(96, zero)},
		{"non-canonical a_1", "non-canonical element commitment a_1", with(32, allFF)},
		{"negative b_0", "non-canonical element commitment b_0", with(64, negative)},
		{"c_0 = ℓ", "non-canonical scalar challenge c_0", with(128, ell)},
		{"z_0 = 2^256 − 1", "non-canonical scalar response z_0", with(160, allFF)},
		{"z_1 = ℓ", "non-canonical scalar response z_1", with(192, ell)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := zkp.ParseZeroOneProof(tc.b)
			if p != nil {
				t.Error("parser returned a proof with an error")
			}
			djWantMalformed(t, err, tc.want)
		})
	}
	for n := range len(good) {
		if _, err := zkp.ParseZeroOneProof(good[:n]); !errors.Is(err, zkp.ErrMalformed) {
			t.Fatalf("truncated to %d bytes: got %v", n, err)
		}
	}
}

// TestZeroOneEveryByteMatters flips each bit of every byte of an encoded
// proof in turn: the result must fail to parse or fail to verify.
func TestZeroOneEveryByteMatters(t *testing.T) {
	e := newDJElection("bytes")
	ct, r := e.encrypt(0)
	good := e.proveZeroOne(t, ct, 0, r, "b").Bytes()
	for i := range good {
		x := bytes.Clone(good)
		x[i] ^= 1 << (i % 8)
		p, err := zkp.ParseZeroOneProof(x)
		if err != nil {
			if !errors.Is(err, zkp.ErrMalformed) {
				t.Fatalf("byte %d: parse error %v does not wrap ErrMalformed", i, err)
			}
			continue
		}
		if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), p); !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("byte %d flipped: verification returned %v", i, err)
		}
	}
}

// TestZeroOneProverIsUniform checks a necessary condition for the prover's
// constant-time claim: it draws the same randomness and returns proofs of
// the same shape whatever the plaintext.
func TestZeroOneProverIsUniform(t *testing.T) {
	e := newDJElection("uniform")
	var reads [2]int
	for m := range uint64(2) {
		ct, r := e.encrypt(m)
		cr := &djCountingReader{r: e.rand}
		if _, err := zkp.ProveZeroOne(cr, e.fp, e.pk, ct, m, r, nil); err != nil {
			t.Fatal(err)
		}
		reads[m] = cr.n
	}
	if reads[0] != reads[1] || reads[0] != 32 {
		t.Fatalf("prover read %d bytes for m = 0 and %d for m = 1, want 32 for both", reads[0], reads[1])
	}
}

type djCountingReader struct {
	r io.Reader
	n int
}

func (c *djCountingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

// djBatch is a batch of 1,000 honest zero-one proofs, made once per test
// binary: 100 distinct ballots of 10 selections each, the list repeated ten
// times (proving 1,000 distinct proofs would take seconds under -race, and
// a batch's cost and soundness do not depend on the items being distinct).
var djBatch = sync.OnceValue(func() (b struct {
	e     *djElection
	items []zkp.ZeroOneItem
},
) {
	e := newDJElection("batch")
	b.e = e
	for i := range 100 {
		m := uint64(i*7) % 3 % 2
		ct, r := e.encrypt(m)
		binding := fmt.Appendf(nil, "ballot %d/selection %d", i/10, i%10)
		p, err := zkp.ProveZeroOne(e.rand, e.fp, e.pk, ct, m, r, binding)
		if err != nil {
			panic(err)
		}
		b.items = append(b.items, zkp.ZeroOneItem{Ciphertext: ct, Binding: binding, Proof: p})
	}
	for len(b.items) < 1000 {
		b.items = append(b.items, b.items[:100]...)
	}
	return b
})

func TestBatchVerifyZeroOne(t *testing.T) {
	b := djBatch()
	e := b.e
	if err := zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, b.items); err != nil {
		t.Fatalf("1,000 honest proofs rejected: %v", err)
	}
	if err := zkp.BatchVerifyZeroOne(nil, e.fp, e.pk, b.items[:10]); err != nil {
		t.Fatalf("crypto/rand weights: %v", err)
	}
	if err := zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, b.items[:1]); err != nil {
		t.Fatalf("batch of one: %v", err)
	}

	t.Run("one bad proof among 1,000", func(t *testing.T) {
		items := append([]zkp.ZeroOneItem(nil), b.items...)
		// Proof 617 is moved onto ciphertext 618: each is valid for its own.
		items[617].Proof = items[618].Proof
		if err := zkp.VerifyZeroOne(e.fp, e.pk, items[618].Ciphertext, items[618].Binding, items[617].Proof); err != nil {
			t.Fatal(err)
		}
		err := zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, items)
		var be *zkp.BatchError
		if !errors.As(err, &be) || !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("got %v, want a *BatchError wrapping ErrInvalidProof", err)
		}
		if fmt.Sprint(be.Indices) != "[617]" || be.Total != 1000 || len(be.Errs) != 1 {
			t.Fatalf("reported indices %v of %d, want [617] of 1000", be.Indices, be.Total)
		}
		if !strings.Contains(err.Error(), "#617") {
			t.Errorf("error %q does not name proof #617", err)
		}
	})

	// A failed batch of 1,000 is checked again in batches of 128, and
	// only a failed one proof by proof: bad proofs in several of them, at
	// their edges, are all named, and no good one.
	t.Run("bad proofs in several sub-batches", func(t *testing.T) {
		items := append([]zkp.ZeroOneItem(nil), b.items...)
		for _, i := range []int{0, 127, 128, 500, 999} {
			items[i].Binding = []byte("another binding")
		}
		err := zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, items)
		var be *zkp.BatchError
		if !errors.As(err, &be) {
			t.Fatalf("got %v, want a *BatchError", err)
		}
		if fmt.Sprint(be.Indices) != "[0 127 128 500 999]" || be.Total != 1000 {
			t.Fatalf("reported %v of %d, want [0 127 128 500 999] of 1000", be.Indices, be.Total)
		}
	})

	t.Run("several bad proofs", func(t *testing.T) {
		items := append([]zkp.ZeroOneItem(nil), b.items[:40]...)
		items[3].Proof = nil
		items[10].Binding = []byte("another binding")
		bad := *items[21].Proof
		bad.A[0] = group.NewElement()
		items[21].Proof = &bad
		items[39].Ciphertext = zkp.Ciphertext{A: items[39].Ciphertext.B, B: items[39].Ciphertext.A}
		err := zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, items)
		var be *zkp.BatchError
		if !errors.As(err, &be) {
			t.Fatalf("got %v, want a *BatchError", err)
		}
		if fmt.Sprint(be.Indices) != "[3 10 21 39]" {
			t.Fatalf("reported %v, want [3 10 21 39]", be.Indices)
		}
		for _, err := range be.Errs {
			if !errors.Is(err, zkp.ErrInvalidProof) {
				t.Errorf("per-proof error %v does not wrap ErrInvalidProof", err)
			}
		}
	})

	t.Run("empty batch", func(t *testing.T) {
		djWantInvalid(t, zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, nil), "empty batch")
		djWantInvalid(t, zkp.BatchVerifyZeroOne(e.rand, e.fp, e.pk, []zkp.ZeroOneItem{}), "empty batch")
	})
	t.Run("bad public key", func(t *testing.T) {
		djWantInvalid(t, zkp.BatchVerifyZeroOne(e.rand, e.fp, nil, b.items[:2]), "missing public key")
		djWantInvalid(t, zkp.BatchVerifyZeroOne(e.rand, e.fp, group.NewElement(), b.items[:2]), "identity")
		err := zkp.BatchVerifyZeroOne(e.rand, e.fp, newDJElection("x").pk, b.items[:5])
		var be *zkp.BatchError
		if !errors.As(err, &be) || len(be.Indices) != 5 {
			t.Fatalf("another key: got %v, want all 5 proofs reported", err)
		}
	})
	t.Run("failing randomness", func(t *testing.T) {
		err := zkp.BatchVerifyZeroOne(bytes.NewReader(make([]byte, 20)), e.fp, e.pk, b.items[:3])
		if err == nil || errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("got %v, want a randomness error that is not a verdict", err)
		}
	})
}

func BenchmarkProveZeroOne(b *testing.B) {
	e := newDJElection("bench")
	ct, r := e.encrypt(1)
	for b.Loop() {
		if _, err := zkp.ProveZeroOne(e.rand, e.fp, e.pk, ct, 1, r, []byte("binding")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyZeroOne(b *testing.B) {
	e := newDJElection("bench")
	ct, r := e.encrypt(1)
	p := e.proveZeroOne(b, ct, 1, r, "binding")
	enc := p.Bytes()
	b.Run("parsed", func(b *testing.B) {
		q, _ := zkp.ParseZeroOneProof(enc)
		for b.Loop() {
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("binding"), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+verify", func(b *testing.B) {
		for b.Loop() {
			q, err := zkp.ParseZeroOneProof(enc)
			if err != nil {
				b.Fatal(err)
			}
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("binding"), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no-cache", func(b *testing.B) {
		q := &zkp.ZeroOneProof{A: p.A, B: p.B, C0: p.C0, Z: p.Z}
		for b.Loop() {
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("binding"), q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBatchVerifyZeroOne reports the time per proof in a batch of
// 1,000 parsed proofs (ns/proof).
func BenchmarkBatchVerifyZeroOne(b *testing.B) {
	bt := djBatch()
	items := make([]zkp.ZeroOneItem, len(bt.items))
	for i, it := range bt.items {
		p, err := zkp.ParseZeroOneProof(it.Proof.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		items[i] = zkp.ZeroOneItem{Ciphertext: it.Ciphertext, Binding: it.Binding, Proof: p}
	}
	for b.Loop() {
		if err := zkp.BatchVerifyZeroOne(nil, bt.e.fp, bt.e.pk, items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/proof")
}

func FuzzParseZeroOneProof(f *testing.F) {
	e := newDJElection("fuzz")
	ct, r := e.encrypt(1)
	good := e.proveZeroOne(f, ct, 1, r, "b").Bytes()
	f.Add(good)
	f.Add(good[:100])
	f.Add(append(bytes.Clone(good), 0))
	f.Add(make([]byte, zkp.ZeroOneProofSize))
	f.Add(bytes.Repeat([]byte{0xff}, zkp.ZeroOneProofSize))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := zkp.ParseZeroOneProof(b)
		if err != nil {
			if p != nil || !errors.Is(err, zkp.ErrMalformed) {
				t.Fatalf("proof %v with error %v", p, err)
			}
			return
		}
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatal("accepted a non-canonical encoding: Bytes differs from the input")
		}
		err = zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte("b"), p)
		if err != nil && !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("verification error %v does not wrap ErrInvalidProof", err)
		}
		if err == nil && !bytes.Equal(b, good) {
			t.Fatal("a proof other than the honest one verifies")
		}
	})
}
