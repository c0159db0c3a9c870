package zkp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// sigmaEncrypt encrypts w random messages under pk, as crypto/elgamal does:
// (r·G, M + r·PK).
func sigmaEncrypt(t testing.TB, r io.Reader, pk *group.Element, w int) ([]Ciphertext, []*group.Scalar) {
	t.Helper()
	cts := make([]Ciphertext, w)
	rs := make([]*group.Scalar, w)
	for j := range cts {
		M := sigmaOtherElement(t, r)
		rs[j] = sigmaScalar(t, r)
		cts[j] = Ciphertext{
			A: new(group.Element).ScalarBaseMult(rs[j]),
			B: new(group.Element).Add(M, new(group.Element).ScalarMult(rs[j], pk)),
		}
	}
	return cts, rs
}

type sigmaBallot struct {
	cts        []Ciphertext
	rs         []*group.Scalar
	credential []byte
	proof      *BallotProof
}

func sigmaCastBallot(t testing.TB, r io.Reader, fp Fingerprint, pk *group.Element, w int, credential string) *sigmaBallot {
	t.Helper()
	cts, rs := sigmaEncrypt(t, r, pk, w)
	p, err := ProveBallot(r, fp, pk, cts, rs, []byte(credential))
	if err != nil {
		t.Fatal(err)
	}
	return &sigmaBallot{cts, rs, []byte(credential), p}
}

// A voter casts a ballot of three ciphertexts; an attacker who copies it
// can neither cast it under another credential, nor in another election,
// nor under another key, nor reuse its proof for other ciphertexts.
func TestBallotProof(t *testing.T) {
	r := testrand.New("ballot proof")
	fp := sigmaFP("ballot")
	_, pk := sigmaKeyPair(t, r)
	b := sigmaCastBallot(t, r, fp, pk, 3, "credential of Alice")
	if err := VerifyBallot(fp, pk, b.cts, b.credential, b.proof); err != nil {
		t.Fatalf("honest ballot rejected: %v", err)
	}
	q, err := ParseBallotProof(b.proof.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyBallot(fp, pk, b.cts, b.credential, q); err != nil {
		t.Fatalf("decoded proof rejected: %v", err)
	}
	if len(b.proof.Bytes()) != 3*64 {
		t.Fatalf("proof of width 3 is %d bytes", len(b.proof.Bytes()))
	}

	t.Run("copied under another credential", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, []byte("credential of Mallory"), b.proof), "other credential")
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, nil, b.proof), "no credential")
	})
	t.Run("copied into another election", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyBallot(sigmaFP("other"), pk, b.cts, b.credential, b.proof), "other fingerprint")
	})
	t.Run("under another public key", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyBallot(fp, sigmaOtherElement(t, r), b.cts, b.credential, b.proof), "other pk")
	})
	t.Run("proof moved to other ciphertexts", func(t *testing.T) {
		other := sigmaCastBallot(t, r, fp, pk, 3, "credential of Bob")
		sigmaWantInvalid(t, VerifyBallot(fp, pk, other.cts, b.credential, b.proof), "Alice's proof on Bob's ciphertexts")
		// Re-randomising, reordering or changing one component of one
		// ciphertext all break the proof.
		rerand := append([]Ciphertext(nil), b.cts...)
		s := sigmaScalar(t, r)
		rerand[1] = Ciphertext{
			A: new(group.Element).Add(b.cts[1].A, new(group.Element).ScalarBaseMult(s)),
			B: new(group.Element).Add(b.cts[1].B, new(group.Element).ScalarMult(s, pk)),
		}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, rerand, b.credential, b.proof), "re-randomised ciphertext")
		swapped := []Ciphertext{b.cts[1], b.cts[0], b.cts[2]}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, swapped, b.credential, b.proof), "swapped ciphertexts")
		onlyB := append([]Ciphertext(nil), b.cts...)
		onlyB[2] = Ciphertext{A: b.cts[2].A, B: new(group.Element).Add(b.cts[2].B, group.NewGeneratorElement())}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, onlyB, b.credential, b.proof), "B changed (vote changed)")
	})
	t.Run("width", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts[:2], b.credential, b.proof), "proof wider than ballot")
		short := &BallotProof{R: b.proof.R[:2], Z: b.proof.Z[:2]}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, short), "proof narrower than ballot")
		long := &BallotProof{R: append(b.proof.R[:3:3], b.proof.R[0]), Z: append(b.proof.Z[:3:3], b.proof.Z[0])}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, long), "proof with an extra entry")
		ragged := &BallotProof{R: b.proof.R, Z: b.proof.Z[:2]}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, ragged), "fewer responses than commitments")
		sigmaWantInvalid(t, VerifyBallot(fp, pk, nil, b.credential, &BallotProof{}), "empty ballot, empty proof")
		if _, err := ProveBallot(r, fp, pk, nil, nil, b.credential); err == nil {
			t.Fatal("proved an empty ballot")
		}
		if _, err := ProveBallot(r, fp, pk, b.cts, b.rs[:2], b.credential); err == nil {
			t.Fatal("proved with too few randomness scalars")
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for j := range b.cts {
			z := append([]*group.Scalar(nil), b.proof.Z...)
			z[j] = new(group.Scalar).Add(z[j], new(group.Scalar).SetUint64(1))
			err := VerifyBallot(fp, pk, b.cts, b.credential, &BallotProof{R: b.proof.R, Z: z})
			sigmaWantInvalid(t, err, fmt.Sprintf("z_%d+1", j))
			R := append([]*group.Element(nil), b.proof.R...)
			R[j] = new(group.Element).Add(R[j], group.NewGeneratorElement())
			sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, &BallotProof{R: R, Z: b.proof.Z}), fmt.Sprintf("R_%d+G", j))
		}
		// Swapping two entries of the proof.
		R := []*group.Element{b.proof.R[1], b.proof.R[0], b.proof.R[2]}
		Z := []*group.Scalar{b.proof.Z[1], b.proof.Z[0], b.proof.Z[2]}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, &BallotProof{R: R, Z: Z}), "swapped entries")
	})
	t.Run("identity", func(t *testing.T) {
		O := group.NewElement()
		sigmaWantInvalid(t, VerifyBallot(fp, O, b.cts, b.credential, b.proof), "pk = identity")
		R := append([]*group.Element(nil), b.proof.R...)
		R[1] = O
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, &BallotProof{R: R, Z: b.proof.Z}), "R_1 = identity")
		// A ciphertext with A = O has r = 0: its B is the vote in clear.
		zero := []*group.Scalar{new(group.Scalar)}
		plain := []Ciphertext{{A: O, B: sigmaOtherElement(t, r)}}
		if _, err := ProveBallot(r, fp, pk, plain, zero, b.credential); err == nil {
			t.Fatal("proved a ballot with A = identity")
		}
		sigmaWantInvalid(t, VerifyBallot(fp, pk, plain, b.credential, &BallotProof{R: b.proof.R[:1], Z: b.proof.Z[:1]}), "A = identity")
	})
	t.Run("missing fields", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, nil), "nil proof")
		sigmaWantInvalid(t, VerifyBallot(fp, nil, b.cts, b.credential, b.proof), "nil pk")
		cts := append([]Ciphertext(nil), b.cts...)
		cts[0].B = nil
		sigmaWantInvalid(t, VerifyBallot(fp, pk, cts, b.credential, b.proof), "nil B")
		Z := append([]*group.Scalar(nil), b.proof.Z...)
		Z[2] = nil
		sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, &BallotProof{R: b.proof.R, Z: Z}), "nil z")
	})
	t.Run("wrong randomness", func(t *testing.T) {
		rs := append([]*group.Scalar(nil), b.rs...)
		rs[0], rs[1] = rs[1], rs[0]
		if _, err := ProveBallot(r, fp, pk, b.cts, rs, b.credential); err == nil {
			t.Fatal("proved with the wrong randomness")
		}
		// A prover that does not check.
		st, err := newBallotStatement(pk, nil, b.cts, b.credential)
		if err != nil {
			t.Fatal(err)
		}
		p := &BallotProof{}
		var ks []*group.Scalar
		for range rs {
			k := sigmaScalar(t, r)
			ks = append(ks, k)
			p.R = append(p.R, new(group.Element).ScalarBaseMult(k))
		}
		c := st.challenge(&fp, encodeAll(p.R))
		for j, k := range ks {
			p.Z = append(p.Z, new(group.Scalar).MultiplyAdd(c, rs[j], k))
		}
		err = VerifyBallot(fp, pk, b.cts, b.credential, p)
		sigmaWantInvalid(t, err, "proof with the wrong randomness")
		if !strings.Contains(err.Error(), "ciphertext 0") {
			t.Fatalf("error %q does not name the failing ciphertext", err)
		}
	})
}

// A decoded proof remembers its commitments' encodings; changing a
// commitment afterwards, or the buffer it was decoded from, must not make
// the verifier absorb stale bytes.
func TestBallotProofMutatedAfterParse(t *testing.T) {
	r := testrand.New("ballot mutated")
	fp := sigmaFP("ballot")
	_, pk := sigmaKeyPair(t, r)
	b := sigmaCastBallot(t, r, fp, pk, 2, "c")
	other := sigmaCastBallot(t, r, fp, pk, 2, "c")
	enc := b.proof.Bytes()
	q, err := ParseBallotProof(enc)
	if err != nil {
		t.Fatal(err)
	}
	clear(enc)
	if err := VerifyBallot(fp, pk, b.cts, b.credential, q); err != nil {
		t.Fatalf("proof rejected after its input buffer was overwritten: %v", err)
	}
	q.R[1] = other.proof.R[1]
	sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, q), "commitment replaced after parsing")
	q.R[1] = new(group.Element).Set(b.proof.R[1])
	if err := VerifyBallot(fp, pk, b.cts, b.credential, q); err != nil {
		t.Fatalf("proof rejected after restoring its commitment: %v", err)
	}
	// The attack a stale cache would allow: keep the challenge c of the
	// decoded commitments and solve for a new commitment R' = z'·G − c·A
	// with any z'. The verifier must absorb R', which changes c.
	st, err := newBallotStatement(pk, nil, b.cts, b.credential)
	if err != nil {
		t.Fatal(err)
	}
	c := st.challenge(&fp, encodeAll(b.proof.R))
	z := sigmaScalar(t, r)
	q.Z[0] = z
	q.R[0] = new(group.Element).Subtract(new(group.Element).ScalarBaseMult(z), new(group.Element).ScalarMult(c, b.cts[0].A))
	sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, q), "commitment solved for the decoded proof's challenge")
	q.R[0], q.Z[0] = b.proof.R[0], b.proof.Z[0]

	q.R = q.R[:1]
	q.Z = q.Z[:1]
	sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts[:1], b.credential, q), "proof truncated after parsing")
	// The same commitment moved into another proof of the other ballot:
	// the other ballot's transcript must absorb the new commitment.
	p2, _ := ParseBallotProof(other.proof.Bytes())
	p2.R[0], p2.Z[0] = b.proof.R[0], b.proof.Z[0]
	sigmaWantInvalid(t, VerifyBallot(fp, pk, other.cts, other.credential, p2), "entry moved between parsed proofs")
}

func TestBallotProofEncoding(t *testing.T) {
	r := testrand.New("ballot encoding")
	fp := sigmaFP("ballot")
	_, pk := sigmaKeyPair(t, r)
	b := sigmaCastBallot(t, r, fp, pk, 2, "c")
	enc := b.proof.Bytes()
	_, err := ParseBallotProof(nil)
	sigmaWantMalformed(t, err, "empty proof")
	for _, n := range []int{1, 31, 32, 63, 65, 127, 129, 191} {
		b := make([]byte, n)
		copy(b, enc)
		_, err := ParseBallotProof(b)
		sigmaWantMalformed(t, err, fmt.Sprintf("%d bytes", n))
	}
	// Every prefix of whole entries parses, and verifies only at full width.
	one, err := ParseBallotProof(enc[:64])
	if err != nil {
		t.Fatal(err)
	}
	sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, one), "truncated to one entry")
	three, err := ParseBallotProof(append(bytes.Clone(enc), enc[:64]...))
	if err != nil {
		t.Fatal(err)
	}
	sigmaWantInvalid(t, VerifyBallot(fp, pk, b.cts, b.credential, three), "extended by one entry")
	for j := 0; j < 2; j++ {
		bad := bytes.Clone(enc)
		copy(bad[64*j+32:], sigmaAddOrder(enc[64*j+32:64*j+64]))
		_, err := ParseBallotProof(bad)
		sigmaWantMalformed(t, err, fmt.Sprintf("unreduced z_%d", j))
		bad = bytes.Clone(enc)
		copy(bad[64*j:], make([]byte, 32))
		_, err = ParseBallotProof(bad)
		sigmaWantMalformed(t, err, fmt.Sprintf("identity R_%d", j))
		bad = bytes.Clone(enc)
		bad[64*j] |= 1 // a negative field element is never canonical
		_, err = ParseBallotProof(bad)
		sigmaWantMalformed(t, err, fmt.Sprintf("non-canonical R_%d", j))
	}
}

func TestBatchVerifyBallots(t *testing.T) {
	r := testrand.New("batch ballots")
	fp := sigmaFP("batch ballots")
	_, pk := sigmaKeyPair(t, r)
	items := make([]BallotItem, 24)
	for i := range items {
		b := sigmaCastBallot(t, r, fp, pk, 1+i%3, fmt.Sprintf("credential %d", i))
		items[i] = BallotItem{Ciphertexts: b.cts, Credential: b.credential, Proof: b.proof}
	}
	if err := BatchVerifyBallots(r, fp, pk, items); err != nil {
		t.Fatalf("valid batch rejected: %v", err)
	}
	sigmaWantInvalid(t, BatchVerifyBallots(r, sigmaFP("other"), pk, items), "batch in another election")

	bad := append([]BallotItem(nil), items...)
	bad[2].Credential = items[3].Credential                                                                            // copied ballot
	bad[8] = BallotItem{Ciphertexts: items[8].Ciphertexts[:1], Credential: items[8].Credential, Proof: items[8].Proof} // width
	bad[10] = BallotItem{Ciphertexts: items[10].Ciphertexts, Credential: items[10].Credential, Proof: items[11].Proof} // moved proof
	bad[23].Proof = nil
	sigmaWantBatchIndices(t, BatchVerifyBallots(r, fp, pk, bad), 2, 8, 10, 23)

	// One bad response among many equations of one ballot.
	bad = append([]BallotItem(nil), items...)
	z := append([]*group.Scalar(nil), items[5].Proof.Z...)
	z[len(z)-1] = new(group.Scalar).Add(z[len(z)-1], new(group.Scalar).SetUint64(1))
	bad[5].Proof = &BallotProof{R: items[5].Proof.R, Z: z}
	sigmaWantBatchIndices(t, BatchVerifyBallots(r, fp, pk, bad), 5)

	sigmaWantInvalid(t, BatchVerifyBallots(r, fp, pk, nil), "empty batch")
	sigmaWantInvalid(t, BatchVerifyBallots(r, fp, group.NewElement(), items), "pk = identity")
	if err := BatchVerifyBallots(bytes.NewReader(nil), fp, pk, items); err == nil || errors.Is(err, ErrInvalidProof) {
		t.Fatalf("failing random source: got %v, want a randomness error", err)
	}
}

func FuzzParseBallotProof(f *testing.F) {
	r := testrand.New("fuzz ballot")
	fp := sigmaFP("fuzz")
	_, pk := sigmaKeyPair(f, r)
	b := sigmaCastBallot(f, r, fp, pk, 2, "c")
	enc := b.proof.Bytes()
	f.Add(enc)
	f.Add(enc[:64])
	f.Add(enc[:100])
	f.Add(make([]byte, 64))
	f.Add(append(bytes.Clone(enc[:32]), sigmaAddOrder(enc[32:64])...))
	f.Fuzz(func(t *testing.T, in []byte) {
		q, err := ParseBallotProof(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(q.Bytes(), in) {
			t.Fatalf("accepted %x, re-encodes as %x", in, q.Bytes())
		}
		if len(q.R) != len(in)/64 || len(q.Z) != len(q.R) {
			t.Fatalf("width %d/%d for %d bytes", len(q.R), len(q.Z), len(in))
		}
		if err := VerifyBallot(fp, pk, b.cts, b.credential, q); err == nil && !bytes.Equal(in, enc) {
			t.Fatalf("a fuzzed proof %x verifies", in)
		}
	})
}

func BenchmarkBallotProof(b *testing.B) {
	r := testrand.New("bench ballot")
	fp := sigmaFP("bench")
	_, pk := sigmaKeyPair(b, r)
	for _, w := range []int{1, 5} {
		bl := sigmaCastBallot(b, r, fp, pk, w, "credential")
		b.Run(fmt.Sprintf("Prove/w=%d", w), func(b *testing.B) {
			for b.Loop() {
				if _, err := ProveBallot(r, fp, pk, bl.cts, bl.rs, bl.credential); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Verify/w=%d", w), func(b *testing.B) {
			for b.Loop() {
				if err := VerifyBallot(fp, pk, bl.cts, bl.credential, bl.proof); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("ParseVerify/w=%d", w), func(b *testing.B) {
			enc := bl.proof.Bytes()
			for b.Loop() {
				p, err := ParseBallotProof(enc)
				if err != nil {
					b.Fatal(err)
				}
				if err := VerifyBallot(fp, pk, bl.cts, bl.credential, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("BatchVerify1000/w=1", func(b *testing.B) {
		items := make([]BallotItem, 1000)
		for i := range items {
			bl := sigmaCastBallot(b, r, fp, pk, 1, fmt.Sprintf("credential %d", i))
			items[i] = BallotItem{Ciphertexts: bl.cts, Credential: bl.credential, Proof: bl.proof}
		}
		for b.Loop() {
			if err := BatchVerifyBallots(r, fp, pk, items); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/proof")
	})
}
