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

// sigmaShare returns a ciphertext's first component A and the trustee's
// decryption share D = x·A.
func sigmaShare(t testing.TB, r io.Reader, x *group.Scalar) (A, D *group.Element) {
	A = sigmaOtherElement(t, r)
	return A, new(group.Element).ScalarMult(x, A)
}

// sigmaCheatDLEQ runs the DLEQ prover without checking the statement: for a
// wrong D the first equation holds and only the second can catch it.
func sigmaCheatDLEQ(t testing.TB, r io.Reader, fp Fingerprint, x *group.Scalar, X, A, D *group.Element, binding []byte) *DLEQProof {
	st, err := newDLEQStatement("dleq", X, A, D, binding)
	if err != nil {
		t.Fatal(err)
	}
	k := sigmaScalar(t, r)
	p := &DLEQProof{RG: new(group.Element).ScalarBaseMult(k), RA: new(group.Element).ScalarMult(k, A)}
	c := st.challenge(&fp, p.RG, p.RA)
	p.Z = new(group.Scalar).MultiplyAdd(c, x, k)
	return p
}

// A trustee decrypts one ciphertext and proves its share correct.
func TestDLEQProof(t *testing.T) {
	r := testrand.New("dleq")
	fp := sigmaFP("dleq")
	x, X := sigmaKeyPair(t, r)
	A, D := sigmaShare(t, r, x)
	binding := []byte("trustee 2")
	p, err := ProveDLEQ(r, fp, x, X, A, D, binding)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDLEQ(fp, X, A, D, binding, p); err != nil {
		t.Fatalf("honest proof rejected: %v", err)
	}
	q, err := ParseDLEQProof(p.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDLEQ(fp, X, A, D, binding, q); err != nil {
		t.Fatalf("decoded proof rejected: %v", err)
	}
	if len(p.Bytes()) != 96 {
		t.Fatalf("proof is %d bytes", len(p.Bytes()))
	}

	t.Run("wrong share", func(t *testing.T) {
		// A trustee that publishes D' = D + G cannot prove it; a proof
		// made for the wrong share does not verify either.
		D2 := new(group.Element).Add(D, group.NewGeneratorElement())
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D2, binding, p), "proof moved to a wrong share")
		if _, err := ProveDLEQ(r, fp, x, X, A, D2, binding); err == nil {
			t.Fatal("proved a wrong share")
		}
		if _, err := ProveDLEQ(r, fp, sigmaScalar(t, r), X, A, D, binding); err == nil {
			t.Fatal("proved with the wrong secret")
		}
		err = VerifyDLEQ(fp, X, A, D2, binding, sigmaCheatDLEQ(t, r, fp, x, X, A, D2, binding))
		sigmaWantInvalid(t, err, "proof of a wrong share")
		if !bytes.Contains([]byte(err.Error()), []byte("R_A")) {
			t.Fatalf("error %q does not name the failing equation", err)
		}
		// The share of another trustee under this trustee's key.
		y := sigmaScalar(t, r)
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, new(group.Element).ScalarMult(y, A), binding, p), "another trustee's share")
	})
	t.Run("moved", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, []byte("trustee 3"), p), "other binding")
		sigmaWantInvalid(t, VerifyDLEQ(sigmaFP("other"), X, A, D, binding, p), "other fingerprint")
		_, Y := sigmaKeyPair(t, r)
		err := VerifyDLEQ(fp, Y, A, D, binding, p)
		sigmaWantInvalid(t, err, "other key")
		A2, D2 := sigmaShare(t, r, x)
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A2, D2, binding, p), "another ciphertext, correct share")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, D, A, binding, p), "A and D swapped")
	})
	t.Run("tampered", func(t *testing.T) {
		one := new(group.Scalar).SetUint64(1)
		G := group.NewGeneratorElement()
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, &DLEQProof{RG: p.RG, RA: p.RA, Z: new(group.Scalar).Add(p.Z, one)}), "z+1")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, &DLEQProof{RG: new(group.Element).Add(p.RG, G), RA: p.RA, Z: p.Z}), "R_G+G")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, &DLEQProof{RG: p.RG, RA: new(group.Element).Add(p.RA, G), Z: p.Z}), "R_A+G")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, &DLEQProof{RG: p.RA, RA: p.RG, Z: p.Z}), "commitments swapped")
	})
	t.Run("identity", func(t *testing.T) {
		O := group.NewElement()
		sigmaWantInvalid(t, VerifyDLEQ(fp, O, A, D, binding, p), "X = identity")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, &DLEQProof{RG: O, RA: p.RA, Z: p.Z}), "R_G = identity")
		if _, err := ProveDLEQ(r, fp, x, O, A, D, binding); err == nil {
			t.Fatal("proved for X = identity")
		}
		// A ciphertext with A = O has the share O and a valid proof
		// with R_A = O: decryption does not stall on it.
		pO, err := ProveDLEQ(r, fp, x, X, O, O, binding)
		if err != nil {
			t.Fatal(err)
		}
		if !pO.RA.IsIdentity() {
			t.Fatal("R_A ≠ O for A = O")
		}
		q, err := ParseDLEQProof(pO.Bytes())
		if err != nil {
			t.Fatalf("proof with R_A = O does not decode: %v", err)
		}
		if err := VerifyDLEQ(fp, X, O, O, binding, q); err != nil {
			t.Fatalf("proof for A = O rejected: %v", err)
		}
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, O, sigmaG(), binding, q), "A = O, D ≠ O")
	})
	t.Run("missing fields", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, nil), "nil proof")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, D, binding, &DLEQProof{RG: p.RG, Z: p.Z}), "nil R_A")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, nil, D, binding, p), "nil A")
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, A, nil, binding, p), "nil D")
	})
}

func sigmaG() *group.Element { return group.NewGeneratorElement() }

func TestDLEQProofEncoding(t *testing.T) {
	r := testrand.New("dleq encoding")
	fp := sigmaFP("dleq")
	x, X := sigmaKeyPair(t, r)
	A, D := sigmaShare(t, r, x)
	p, err := ProveDLEQ(r, fp, x, X, A, D, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc := p.Bytes()
	for n := 0; n <= len(enc)+32; n++ {
		if n == len(enc) {
			continue
		}
		b := make([]byte, n)
		copy(b, enc)
		_, err := ParseDLEQProof(b)
		sigmaWantMalformed(t, err, fmt.Sprintf("%d bytes", n))
	}
	bad := append(bytes.Clone(enc[:64]), sigmaAddOrder(enc[64:])...)
	_, err = ParseDLEQProof(bad)
	sigmaWantMalformed(t, err, "unreduced z")
	bad = bytes.Clone(enc)
	copy(bad, make([]byte, 32))
	_, err = ParseDLEQProof(bad)
	sigmaWantMalformed(t, err, "identity R_G")
	for _, off := range []int{0, 32} {
		bad = bytes.Clone(enc)
		bad[off] |= 1
		_, err = ParseDLEQProof(bad)
		sigmaWantMalformed(t, err, fmt.Sprintf("non-canonical element at %d", off))
	}
}

func TestBatchVerifyDLEQ(t *testing.T) {
	r := testrand.New("batch dleq")
	fp := sigmaFP("batch dleq")
	items := make([]DLEQItem, 16)
	xs := make([]*group.Scalar, len(items))
	for i := range items {
		x, X := sigmaKeyPair(t, r)
		xs[i] = x
		A, D := sigmaShare(t, r, x)
		b := []byte(fmt.Sprintf("trustee %d", i))
		p, err := ProveDLEQ(r, fp, x, X, A, D, b)
		if err != nil {
			t.Fatal(err)
		}
		items[i] = DLEQItem{X: X, A: A, D: D, Binding: b, Proof: p}
	}
	if err := BatchVerifyDLEQ(r, fp, items); err != nil {
		t.Fatalf("valid batch rejected: %v", err)
	}
	bad := append([]DLEQItem(nil), items...)
	// Only the second equation fails: the proof is made honestly for a
	// wrong share, so z·G = R_G + c·X holds.
	bad[3].D = new(group.Element).Add(items[3].D, sigmaG())
	bad[3].Proof = sigmaCheatDLEQ(t, r, fp, xs[3], bad[3].X, bad[3].A, bad[3].D, bad[3].Binding)
	bad[7].Binding = nil
	bad[12].Proof = nil
	sigmaWantBatchIndices(t, BatchVerifyDLEQ(r, fp, bad), 3, 7, 12)
	sigmaWantInvalid(t, BatchVerifyDLEQ(r, fp, nil), "empty batch")
	if err := BatchVerifyDLEQ(bytes.NewReader(nil), fp, items); err == nil || errors.Is(err, ErrInvalidProof) {
		t.Fatalf("failing random source: got %v, want a randomness error", err)
	}
}

// sigmaFirstComponents returns n random ciphertext first components.
func sigmaFirstComponents(t testing.TB, r io.Reader, n int) []*group.Element {
	As := make([]*group.Element, n)
	for j := range As {
		As[j] = sigmaOtherElement(t, r)
	}
	return As
}

// sigmaCheatShares runs the batched prover honestly on shares Ds that the
// caller chose, right or wrong: the transcript, weights, commitments and
// response are all computed as the prover computes them, with D* = Σ e_j·D_j
// taken from the given shares. With a wrong share the first equation still
// holds, so only the check on A*, D* can catch it.
func sigmaCheatShares(t testing.TB, r io.Reader, fp Fingerprint, x *group.Scalar, X *group.Element, As, Ds []*group.Element, binding []byte) *DLEQProof {
	st := &sharesStatement{binding: binding, X: X.Bytes(), as: encodeAll(As), ds: encodeAll(Ds)}
	tr := sigmaTranscript(sharesProtocol, &fp)
	st.absorb(tr)
	e := tr.ChallengeScalars("e", len(As))
	Astar, _ := new(group.Element).VarTimeMultiScalarMult(e, As)
	k := sigmaScalar(t, r)
	p := &DLEQProof{RG: new(group.Element).ScalarBaseMult(k), RA: new(group.Element).ScalarMult(k, Astar)}
	tr.Element("RG", p.RG)
	tr.Element("RA", p.RA)
	c := tr.Challenge("c")
	p.Z = new(group.Scalar).MultiplyAdd(c, x, k)
	return p
}

// A trustee decrypts a thousand ciphertexts with one proof; a single wrong
// share, or two shares swapped, is caught.
func TestDecryptionShares(t *testing.T) {
	r := testrand.New("decryption shares")
	fp := sigmaFP("shares")
	x, X := sigmaKeyPair(t, r)
	const n = 1000
	As := sigmaFirstComponents(t, r, n)
	binding := []byte("trustee 1")
	Ds, p, err := ProveDecryptionShares(r, fp, x, X, As, binding)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []int{0, 499, n - 1} {
		if Ds[j].Equal(new(group.Element).ScalarMult(x, As[j])) != 1 {
			t.Fatalf("share %d is not x·A", j)
		}
	}
	q, err := ParseDLEQProof(p.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDecryptionShares(fp, X, As, Ds, binding, q); err != nil {
		t.Fatalf("honest shares rejected: %v", err)
	}
	if err := VerifyDecryptionShares(fp, X, As, Ds, binding, sigmaCheatShares(t, r, fp, x, X, As, Ds, binding)); err != nil {
		t.Fatalf("the test prover's proof of honest shares is rejected: %v", err)
	}

	// Replacing a share after the fact changes the transcript; a trustee
	// who publishes a wrong share and proves "honestly" about it is caught
	// by the second equation.
	wrong := append([]*group.Element(nil), Ds...)
	wrong[617] = new(group.Element).Add(Ds[617], sigmaG())
	sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, wrong, binding, p), "share 617 of 1000 + G")
	err = VerifyDecryptionShares(fp, X, As, wrong, binding, sigmaCheatShares(t, r, fp, x, X, As, wrong, binding))
	sigmaWantInvalid(t, err, "proved wrong share 617 of 1000")
	if !strings.Contains(err.Error(), "A*") {
		t.Fatalf("error %q does not name the batched equation", err)
	}

	swapped := append([]*group.Element(nil), Ds...)
	swapped[10], swapped[900] = swapped[900], swapped[10]
	sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, swapped, binding, p), "shares 10 and 900 swapped")
	err = VerifyDecryptionShares(fp, X, As, swapped, binding, sigmaCheatShares(t, r, fp, x, X, As, swapped, binding))
	sigmaWantInvalid(t, err, "proved swapped shares 10 and 900")
}

// The hostile cases of the batched proof, on a smaller batch.
func TestDecryptionSharesHostile(t *testing.T) {
	r := testrand.New("decryption shares hostile")
	fp := sigmaFP("shares")
	x, X := sigmaKeyPair(t, r)
	const n = 16
	As := sigmaFirstComponents(t, r, n)
	binding := []byte("trustee 1")
	Ds, p, err := ProveDecryptionShares(r, fp, x, X, As, binding)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDecryptionShares(fp, X, As, Ds, binding, p); err != nil {
		t.Fatalf("honest shares rejected: %v", err)
	}
	replace := func(j int, D *group.Element) []*group.Element {
		out := append([]*group.Element(nil), Ds...)
		out[j] = D
		return out
	}
	t.Run("wrong share", func(t *testing.T) {
		for j := range Ds {
			wrong := replace(j, new(group.Element).Add(Ds[j], sigmaG()))
			sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, wrong, binding, p), fmt.Sprintf("share %d + G", j))
		}
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, replace(3, group.NewElement()), binding, p), "share = identity")
		// The same, proved by a cheating prover: only the second
		// equation fails.
		for j := range Ds {
			wrong := replace(j, new(group.Element).Add(Ds[j], sigmaG()))
			err := VerifyDecryptionShares(fp, X, As, wrong, binding, sigmaCheatShares(t, r, fp, x, X, As, wrong, binding))
			sigmaWantInvalid(t, err, fmt.Sprintf("proved share %d + G", j))
		}
		// Another trustee's correct share in place of this trustee's.
		y := sigmaScalar(t, r)
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, replace(5, new(group.Element).ScalarMult(y, As[5])), binding, p), "another trustee's share")
	})
	t.Run("reordered", func(t *testing.T) {
		swapped := append([]*group.Element(nil), Ds...)
		swapped[0], swapped[n-1] = swapped[n-1], swapped[0]
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, swapped, binding, p), "swapped shares")
		// Swapping ciphertexts together with their shares is another
		// statement (another order), so the proof does not carry over.
		As2 := append([]*group.Element(nil), As...)
		As2[0], As2[n-1] = As2[n-1], As2[0]
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As2, swapped, binding, p), "swapped pairs")
	})
	t.Run("lengths", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, Ds[:n-1], binding, p), "one share missing")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As[:n-1], Ds, binding, p), "one ciphertext missing")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As[:n-1], Ds[:n-1], binding, p), "both truncated")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, append(As[:n:n], As[0]), append(Ds[:n:n], Ds[0]), binding, p), "both extended")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, nil, nil, binding, p), "empty lists")
		if _, _, err := ProveDecryptionShares(r, fp, x, X, nil, binding); err == nil {
			t.Fatal("proved an empty list of shares")
		}
	})
	t.Run("moved", func(t *testing.T) {
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, Ds, []byte("trustee 2"), p), "other binding")
		sigmaWantInvalid(t, VerifyDecryptionShares(sigmaFP("other"), X, As, Ds, binding, p), "other fingerprint")
		_, Y := sigmaKeyPair(t, r)
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, Y, As, Ds, binding, p), "other key")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, group.NewElement(), As, Ds, binding, p), "X = identity")
	})
	t.Run("tampered", func(t *testing.T) {
		one := new(group.Scalar).SetUint64(1)
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, Ds, binding, &DLEQProof{RG: p.RG, RA: p.RA, Z: new(group.Scalar).Add(p.Z, one)}), "z+1")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, Ds, binding, &DLEQProof{RG: p.RG, RA: new(group.Element).Add(p.RA, sigmaG()), Z: p.Z}), "R_A+G")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, Ds, binding, &DLEQProof{RG: group.NewElement(), RA: p.RA, Z: p.Z}), "R_G = O")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, Ds, binding, nil), "nil proof")
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As, replace(3, nil), binding, p), "nil share")
		// A batched proof is not a single DLEQ proof and vice versa.
		sigmaWantInvalid(t, VerifyDLEQ(fp, X, As[0], Ds[0], binding, p), "batched proof as a single one")
		single, err := ProveDLEQ(r, fp, x, X, As[0], Ds[0], binding)
		if err != nil {
			t.Fatal(err)
		}
		sigmaWantInvalid(t, VerifyDecryptionShares(fp, X, As[:1], Ds[:1], binding, single), "single proof as a batched one")
	})
}

func FuzzParseDLEQProof(f *testing.F) {
	r := testrand.New("fuzz dleq")
	fp := sigmaFP("fuzz")
	x, X := sigmaKeyPair(f, r)
	A, D := sigmaShare(f, r, x)
	p, _ := ProveDLEQ(r, fp, x, X, A, D, nil)
	enc := p.Bytes()
	f.Add(enc)
	f.Add(make([]byte, 96))
	f.Add(append(bytes.Clone(enc[:32]), make([]byte, 64)...))
	f.Add(append(bytes.Clone(enc[:64]), sigmaAddOrder(enc[64:])...))
	f.Fuzz(func(t *testing.T, in []byte) {
		q, err := ParseDLEQProof(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(q.Bytes(), in) {
			t.Fatalf("accepted %x, re-encodes as %x", in, q.Bytes())
		}
		if err := VerifyDLEQ(fp, X, A, D, nil, q); err == nil && !bytes.Equal(in, enc) {
			t.Fatalf("a fuzzed proof %x verifies", in)
		}
	})
}

func BenchmarkDLEQ(b *testing.B) {
	r := testrand.New("bench dleq")
	fp := sigmaFP("bench")
	x, X := sigmaKeyPair(b, r)
	A, D := sigmaShare(b, r, x)
	binding := []byte("trustee 1")
	p, _ := ProveDLEQ(r, fp, x, X, A, D, binding)
	b.Run("Prove", func(b *testing.B) {
		for b.Loop() {
			if _, err := ProveDLEQ(r, fp, x, X, A, D, binding); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if err := VerifyDLEQ(fp, X, A, D, binding, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BatchVerify1000", func(b *testing.B) {
		items := make([]DLEQItem, 1000)
		for i := range items {
			A, D := sigmaShare(b, r, x)
			p, _ := ProveDLEQ(r, fp, x, X, A, D, binding)
			items[i] = DLEQItem{X: X, A: A, D: D, Binding: binding, Proof: p}
		}
		for b.Loop() {
			if err := BatchVerifyDLEQ(r, fp, items); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/proof")
	})
	As := sigmaFirstComponents(b, r, 1000)
	Ds, sp, _ := ProveDecryptionShares(r, fp, x, X, As, binding)
	b.Run("ProveDecryptionShares1000", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := ProveDecryptionShares(r, fp, x, X, As, binding); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(As)), "ns/share")
	})
	b.Run("VerifyDecryptionShares1000", func(b *testing.B) {
		for b.Loop() {
			if err := VerifyDecryptionShares(fp, X, As, Ds, binding, sp); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(As)), "ns/share")
	})
}
