package threshold

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Interpolating a random polynomial at 0 from any large enough set of its
// values gives its constant term; a set that is too small does not.
func TestLagrangeCoefficientsInterpolate(t *testing.T) {
	r := testrand.New("lagrange")
	coeffs, _ := dealShares(t, r, 4, 9)
	for _, set := range [][]uint32{{1, 2, 3, 4}, {9, 2, 7, 5}, {3, 4, 5, 6, 7, 8, 9}, {1, 100000, 4294967295, 17}} {
		lambda, err := LagrangeCoefficients(set)
		if err != nil {
			t.Fatal(err)
		}
		sum := group.NewScalar()
		for i, j := range set {
			sum.MultiplyAdd(lambda[i], evalPoly(coeffs, uint64(j)), sum)
		}
		if sum.Equal(coeffs[0]) != 1 {
			t.Fatalf("interpolation over %v does not give f(0)", set)
		}
	}
	lambda, _ := LagrangeCoefficients([]uint32{1, 2, 3})
	sum := group.NewScalar()
	for i, j := range []uint32{1, 2, 3} {
		sum.MultiplyAdd(lambda[i], evalPoly(coeffs, uint64(j)), sum)
	}
	if sum.Equal(coeffs[0]) == 1 {
		t.Fatal("three values of a degree-3 polynomial determined f(0)")
	}
}

// λ for {1, 2, 3} is (3, −3, 1): f(0) = 3f(1) − 3f(2) + f(3).
func TestLagrangeCoefficientsKnown(t *testing.T) {
	lambda, err := LagrangeCoefficients([]uint32{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{3, -3, 1} {
		if lambda[i].Equal(new(group.Scalar).SetInt64(want)) != 1 {
			t.Fatalf("λ_%d ≠ %d", i+1, want)
		}
	}
}

func TestLagrangeCoefficientsReject(t *testing.T) {
	for name, set := range map[string][]uint32{
		"empty":    nil,
		"zero":     {1, 0, 2},
		"repeated": {1, 2, 1},
	} {
		if _, err := LagrangeCoefficients(set); err == nil {
			t.Errorf("%s index set accepted", name)
		}
	}
	for name, c := range map[string]struct {
		n   int
		set []uint32
	}{
		"index above n": {5, []uint32{1, 6}},
		"n = 0":         {0, []uint32{1}},
		"n = 33":        {33, []uint32{1}},
		"repeated":      {5, []uint32{2, 2}},
	} {
		if _, err := ScaledLagrangeCoefficients(c.n, c.set); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// μ_j = (n−1)!·λ_j exactly: the integers are the scalars times L, and for
// n = 9 and trustees 1 … 5 they are 40320·(5, −10, 10, −5, 1).
func TestScaledLagrangeCoefficients(t *testing.T) {
	mu, err := ScaledLagrangeCoefficients(9, seq(1, 5))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{5, -10, 10, -5, 1} {
		if mu[i].Cmp(big.NewInt(40320*want)) != 0 {
			t.Fatalf("μ_%d = %v, want %d", i+1, mu[i], 40320*want)
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	maxBits := 0
	for trial := range 300 {
		n := 1 + rng.IntN(MaxTrustees)
		if trial == 0 {
			n = MaxTrustees
		}
		k := 1 + rng.IntN(n)
		perm := rng.Perm(n)
		set := make([]uint32, k)
		for i := range set {
			set[i] = uint32(perm[i] + 1)
		}
		if trial == 0 {
			set = seq(1, MaxTrustees) // the largest coefficients: binomials times 31!
		}
		mu, err := ScaledLagrangeCoefficients(n, set)
		if err != nil {
			t.Fatal(err)
		}
		lambda, _ := LagrangeCoefficients(set)
		L := scalarFromBig(scaleFactor(n))
		for i := range set {
			want := new(group.Scalar).Multiply(L, lambda[i])
			if scalarFromSignedBig(mu[i]).Equal(want) != 1 {
				t.Fatalf("n = %d, set %v: μ_%d ≠ L·λ mod ℓ", n, set, set[i])
			}
			maxBits = max(maxBits, mu[i].BitLen())
		}
	}
	if maxBits >= 143 {
		t.Fatalf("a scaled coefficient has %d bits; the documented bound is 2^143", maxBits)
	}
}

func TestWNAF(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		x := new(big.Int)
		for range 1 + rng.IntN(3) {
			x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(rng.Uint64()))
		}
		x.Rsh(x, uint(rng.IntN(64)))
		if rng.IntN(2) == 0 {
			x.Neg(x)
		}
		for w := uint(2); w <= 5; w++ {
			naf := wNAF(x, w)
			sum := new(big.Int)
			lastNonZero := -100
			for b := len(naf) - 1; b >= 0; b-- {
				d := int64(naf[b])
				sum.Lsh(sum, 1).Add(sum, big.NewInt(d))
				if d == 0 {
					continue
				}
				if d%2 == 0 || d >= 1<<(w-1) || d <= -(1<<(w-1)) {
					t.Fatalf("w = %d: digit %d", w, d)
				}
				if lastNonZero-b < int(w) && lastNonZero >= 0 {
					t.Fatalf("w = %d: non-zero digits %d and %d too close in %v", w, lastNonZero, b, naf)
				}
				lastNonZero = b
			}
			if sum.Cmp(x) != 0 {
				t.Fatalf("w = %d: NAF of %v sums to %v", w, x, sum)
			}
		}
	}
}

// The compiled short multi-exponentiation agrees with a general
// multi-scalar multiplication, for every width and for coefficient sets of
// several sizes, including a single term and n = 32.
func TestCombinationMatchesMSM(t *testing.T) {
	r := testrand.New("combination")
	cases := []struct {
		n   int
		set []uint32
	}{
		{1, []uint32{1}},
		{5, []uint32{4}},
		{5, []uint32{1, 3, 5}},
		{9, seq(1, 5)},
		{9, []uint32{9, 2, 6, 4, 7}},
		{32, seq(1, 32)},
		{32, []uint32{32, 1, 17}},
	}
	for _, c := range cases {
		mu, err := ScaledLagrangeCoefficients(c.n, c.set)
		if err != nil {
			t.Fatal(err)
		}
		pts := make([]*group.Element, len(mu))
		scalars := make([]*group.Scalar, len(mu))
		for i := range pts {
			s, _ := group.RandomScalar(r)
			pts[i] = new(group.Element).ScalarBaseMult(s)
			scalars[i] = scalarFromSignedBig(mu[i])
		}
		want, _ := new(group.Element).VarTimeMultiScalarMult(scalars, pts)
		for w := uint(2); w <= 5; w++ {
			var s combScratch
			got := compileCombination(mu, w).eval(new(group.Element), pts, &s)
			if got.Equal(want) != 1 {
				t.Fatalf("n = %d, set %v, w = %d: wrong sum", c.n, c.set, w)
			}
		}
		var s combScratch
		if newCombination(mu).eval(new(group.Element), pts, &s).Equal(want) != 1 {
			t.Fatalf("n = %d, set %v: chosen width gives a wrong sum", c.n, c.set)
		}
	}
}
