package shuffle

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// The equation names of Verify's errors, for the assertions.
const (
	eq1 = "equation 1 (permutation commitment)"
	eq2 = "equation 2 (commitment chain)"
	eq3 = "equation 3 (permutation commitment sum)"
	eq4 = "equation 4 (chain end)"
	eq5 = "equation 5 (re-encryption"
)

var allEquations = []string{eq1, eq2, eq3, eq4, eq5}

func except(names ...string) []string {
	var out []string
	for _, e := range allEquations {
		found := false
		for _, n := range names {
			found = found || n == e
		}
		if !found {
			out = append(out, e)
		}
	}
	return out
}

// TestDishonestProverCommitments plays a prover that computes one
// commitment (or response) wrongly and then follows the protocol honestly,
// with challenges over what it committed to. Each commitment family is
// caught by its own verification equation, and only by it.
func TestDishonestProverCommitments(t *testing.T) {
	const n, w = 4, 2
	G := group.NewGeneratorElement()
	one := new(group.Scalar).SetUint64(1)
	oneComponent := func(c string) []string { // absent: all but equation 5, component c
		absent := []string{eq1, eq2, eq3, eq4}
		for _, other := range []string{"1.A", "1.B", "2.A", "2.B"} {
			if other != c {
				absent = append(absent, "component "+other)
			}
		}
		return absent
	}
	cases := []struct {
		stage  string
		tamper func(p *Proof)
		fail   []string
		absent []string // default: every other equation
	}{
		{"U", func(p *Proof) { p.u[1].Add(&p.u[1], G) }, []string{eq1, eq3}, nil},
		{"B", func(p *Proof) { p.b[1].Add(&p.b[1], G) }, []string{eq2}, nil},
		{"B", func(p *Proof) { p.b[n-1].Add(&p.b[n-1], G) }, []string{eq2, eq4}, nil},
		{"A'", func(p *Proof) { p.ap.Add(&p.ap, G) }, []string{eq1}, nil},
		{"B'", func(p *Proof) { p.bp[2].Add(&p.bp[2], G) }, []string{eq2}, nil},
		{"C'", func(p *Proof) { p.cp.Add(&p.cp, G) }, []string{eq3}, nil},
		{"D'", func(p *Proof) { p.dp.Add(&p.dp, G) }, []string{eq4}, nil},
		{"F'", func(p *Proof) { p.fp[0].Add(&p.fp[0], G) }, []string{"equation 5 (re-encryption, component 1.A)"}, oneComponent("1.A")},
		{"F'", func(p *Proof) { p.fp[3].Add(&p.fp[3], G) }, []string{"equation 5 (re-encryption, component 2.B)"}, oneComponent("2.B")},
		{"responses", func(p *Proof) { p.kA.Add(&p.kA, one) }, []string{eq1}, nil},
		{"responses", func(p *Proof) { p.kB[0].Add(&p.kB[0], one) }, []string{eq2}, nil},
		{"responses", func(p *Proof) { p.kC.Add(&p.kC, one) }, []string{eq3}, nil},
		{"responses", func(p *Proof) { p.kD.Add(&p.kD, one) }, []string{eq4}, nil},
		{"responses", func(p *Proof) { p.kE[2].Add(&p.kE[2], one) }, []string{eq1, eq2, eq5}, nil},
		{"responses", func(p *Proof) { p.kF[1].Add(&p.kF[1], one) }, []string{"component 2.A", "component 2.B"}, []string{eq1, eq2, eq3, eq4, "component 1."}},
	}
	e := newTestElection(t, "dishonest commitments", n, w)
	out, wit, err := Shuffle(e.rand, e.pk, e.in, e.p)
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.p.generators(n)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d:%s", i, tc.stage), func(t *testing.T) {
			hooks := &proverHooks{tamper: func(stage string, p *Proof) {
				if stage == tc.stage {
					tc.tamper(p)
				}
			}}
			proof, err := prove(e.rand, e.pk, e.in, out, wit, &e.p, g, hooks)
			if err != nil {
				t.Fatal(err)
			}
			// Through the encoding, as a verifier receives it.
			parsed, err := ParseProof(proof.Bytes(), n, w)
			if err != nil {
				t.Fatal(err)
			}
			err = Verify(e.pk, e.in, out, parsed, e.p)
			absent := tc.absent
			if absent == nil {
				absent = except(tc.fail...)
			}
			wantInvalid(t, err, tc.fail, absent)
		})
	}
}

// trapdoorGenerators returns generators H_i = x_i·G with known x_i, under
// the real seed: what a prover who chose its own generators would use.
func trapdoorGenerators(t *testing.T, real *Generators) (*Generators, []*group.Scalar) {
	t.Helper()
	r := testrand.New("trapdoor")
	x := make([]*group.Scalar, len(real.h))
	h := make([]*group.Element, len(real.h))
	for i := range x {
		var err error
		if x[i], err = group.RandomScalar(r); err != nil {
			t.Fatal(err)
		}
		h[i] = new(group.Element).ScalarBaseMult(x[i])
	}
	return &Generators{fp: real.fp, position: real.position, n: real.n, seed: real.seed, h: h}, x
}

// TestProverChosenGenerators: generators are never taken from the prover.
// A prover that knows log_G H_i can open its permutation commitment to
// anything and so prove a shuffle that changes a vote; the proof verifies
// against its own generators but not against the re-derived ones.
func TestProverChosenGenerators(t *testing.T) {
	const n, w = 4, 1
	e := newTestElection(t, "prover-chosen generators", n, w)
	out, wit, err := Shuffle(e.rand, e.pk, e.in, e.p)
	if err != nil {
		t.Fatal(err)
	}
	real, err := e.p.generators(n)
	if err != nil {
		t.Fatal(err)
	}
	fake, x := trapdoorGenerators(t, real)

	t.Run("honest shuffle, prover's generators", func(t *testing.T) {
		proof, err := prove(e.rand, e.pk, e.in, out, wit, &e.p, fake, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(e.pk, e.in, out, proof, &e.p, fake); err != nil {
			t.Fatalf("does not verify against the generators it was made with: %v", err)
		}
		// Equation 5 does not involve the generators; all others do.
		wantInvalid(t, Verify(e.pk, e.in, out, proof, e.p), []string{eq1, eq2, eq3, eq4}, []string{eq5})
	})

	t.Run("forged shuffle that negates a vote", func(t *testing.T) {
		// Output row 0 becomes −1·X_ψ(0) re-encrypted: it decrypts to the
		// negated vote. With e'_0 replaced by −e'_0, Σ e'_i·Y_i is still
		// Σ e_i·X_i plus an encryption of 0, and the trapdoor pays for
		// the rest.
		forged := make([]elgamal.VectorCiphertext, n)
		copy(forged, out)
		minusOne := new(group.Scalar).SetInt64(-1)
		src := e.in[wit.psi[0]][0]
		neg := &elgamal.Ciphertext{A: new(group.Element).ScalarMult(minusOne, src.A), B: new(group.Element).ScalarMult(minusOne, src.B)}
		forged[0] = elgamal.VectorCiphertext{elgamal.ReEncryptWithRandomness(e.pk, neg, &wit.rho[0])}

		st := e.refStatement(forged, e.p)
		nc := st.deriveNonces(wit.psi, scalarPtrs(wit.rho), make([]byte, 32))
		rp := st.prove(wit.psi, scalarPtrs(wit.rho), fake.h, nc, &refForgery{
			trapdoor: x,
			eprime:   func(ep []*group.Scalar) { ep[0].Negate(ep[0]) },
		})
		proofBytes := rp.bytes()
		if err := st.verify(proofBytes, fake.h); err != nil {
			t.Fatalf("forgery does not verify against the prover's generators: %v", err)
		}
		proof, err := ParseProof(proofBytes, n, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(e.pk, e.in, forged, proof, &e.p, fake); err != nil {
			t.Fatalf("the package's verifier with the prover's generators rejects the forgery: %v", err)
		}
		// The vote really changed.
		got := elgamal.Decrypt(e.sk, forged[0][0])
		want := elgamal.Decrypt(e.sk, src)
		if got.Equal(new(group.Element).Negate(want)) != 1 {
			t.Fatal("the forged output does not decrypt to the negated vote")
		}
		// Re-derived generators catch it.
		wantInvalid(t, Verify(e.pk, e.in, forged, proof, e.p), []string{eq1}, nil)
		if err := st.verify(proofBytes, st.generators()); err == nil {
			t.Fatal("the reference verifier with re-derived generators accepts the forgery")
		}
	})
}

// TestLazyMixer: a mixer that outputs its input unchanged (identity
// permutation, zero randomness) has a proof that verifies; CheckNotLazy
// catches it. So does one that skips re-encrypting a single row.
func TestLazyMixer(t *testing.T) {
	const n, w = 3, 2
	e := newTestElection(t, "lazy mixer", n, w)
	g, err := e.p.generators(n)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("output equals input", func(t *testing.T) {
		wit := &Witness{n: n, w: w, psi: []int{0, 1, 2}, rho: make([]group.Scalar, n*w)}
		out, err := apply(e.pk, e.in, wit, 1)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := prove(e.rand, e.pk, e.in, out, wit, &e.p, g, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(e.pk, e.in, out, proof, e.p); err != nil {
			t.Fatalf("the lazy proof does not verify (it may, and does here): %v", err)
		}
		if err := CheckNotLazy(e.in, out); !errors.Is(err, ErrLazy) {
			t.Fatalf("CheckNotLazy = %v, want ErrLazy", err)
		}
	})

	t.Run("one row not re-encrypted", func(t *testing.T) {
		out, wit, err := Shuffle(e.rand, e.pk, e.in, e.p)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckNotLazy(e.in, out); err != nil {
			t.Fatalf("honest shuffle flagged: %v", err)
		}
		clear(wit.rho[w : 2*w]) // output row 1
		out, err = apply(e.pk, e.in, wit, 1)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := prove(e.rand, e.pk, e.in, out, wit, &e.p, g, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(e.pk, e.in, out, proof, e.p); err != nil {
			t.Fatal(err)
		}
		err = CheckNotLazy(e.in, out)
		want := fmt.Sprintf("output row 1 component 0 has the A element of input row %d component 0", wit.psi[1])
		if !errors.Is(err, ErrLazy) || !strings.Contains(err.Error(), want) {
			t.Fatalf("CheckNotLazy = %v, want ErrLazy naming %q", err, want)
		}
	})
}
