package threshold

import (
	"fmt"
	"math/big"

	"github.com/veche/veche/crypto/group"
)

// LagrangeCoefficients returns the Lagrange coefficients at 0 for the
// distinct, non-zero trustee indices S = indices, in the same order:
//
//	λ_j = Π_{m ∈ S, m ≠ j} m / (m − j)  mod ℓ
//
// so that f(0) = Σ_{j ∈ S} λ_j·f(j) for every polynomial f of degree less
// than |S| (Shamir, "How to share a secret", CACM 1979). With the trustees'
// shares x_j = f(j) of the private key x = f(0), the plaintext of (A, B) is
// B − Σ λ_j·(x_j·A) for any set of at least k trustees. It rejects an empty
// list, index 0 and repeated indices.
func LagrangeCoefficients(indices []uint32) ([]*group.Scalar, error) {
	return lagrangeAt(0, indices)
}

// lagrangeAt returns the coefficients λ_j(x) = Π_{m ≠ j} (x − m)/(j − m)
// that interpolate at x.
func lagrangeAt(x uint32, indices []uint32) ([]*group.Scalar, error) {
	if err := checkIndices(indices, 0); err != nil {
		return nil, err
	}
	xs := new(group.Scalar).SetUint64(uint64(x))
	out := make([]*group.Scalar, len(indices))
	for i, j := range indices {
		num := new(group.Scalar).SetUint64(1)
		den := new(group.Scalar).SetUint64(1)
		js := new(group.Scalar).SetUint64(uint64(j))
		for _, m := range indices {
			if m == j {
				continue
			}
			ms := new(group.Scalar).SetUint64(uint64(m))
			num.Multiply(num, new(group.Scalar).Subtract(xs, ms))
			den.Multiply(den, new(group.Scalar).Subtract(js, ms))
		}
		out[i] = num.Multiply(num, den.Invert(den))
	}
	return out, nil
}

// ScaledLagrangeCoefficients returns the integers μ_j = L·λ_j for the
// distinct indices S = indices, each in 1 … n, where L = (n−1)! and λ_j
// are the [LagrangeCoefficients]:
//
//	μ_j = (n−1)! · Π_{m ∈ S, m ≠ j} m / Π_{m ∈ S, m ≠ j} (m − j)
//
// The division is exact: |Π (m − j)| is a product of distinct integers
// from 1 … j−1 times one of distinct integers from 1 … n−j, so it divides
// (j−1)!·(n−j)!, which divides (n−1)!. The combination multiplies the
// scaled shares (x_j/L)·A by these short integers (|μ_j| < 2^143 for
// n ≤ 32). It rejects n outside 1 … [MaxTrustees], an empty list, indices
// outside 1 … n and repeated indices.
func ScaledLagrangeCoefficients(n int, indices []uint32) ([]*big.Int, error) {
	if n < 1 || n > MaxTrustees {
		return nil, fmt.Errorf("threshold: %d trustees, want 1 to %d", n, MaxTrustees)
	}
	if err := checkIndices(indices, n); err != nil {
		return nil, err
	}
	L := scaleFactor(n)
	out := make([]*big.Int, len(indices))
	for i, j := range indices {
		num := new(big.Int).Set(L)
		den := big.NewInt(1)
		for _, m := range indices {
			if m == j {
				continue
			}
			num.Mul(num, big.NewInt(int64(m)))
			den.Mul(den, big.NewInt(int64(m)-int64(j)))
		}
		q, r := new(big.Int).QuoRem(num, den, new(big.Int))
		if r.Sign() != 0 {
			panic("threshold: internal error: scaled Lagrange coefficient is not an integer")
		}
		out[i] = q
	}
	return out, nil
}

// checkIndices rejects an empty list, index 0, indices above n (if n > 0)
// and repeated indices.
func checkIndices(indices []uint32, n int) error {
	if len(indices) == 0 {
		return fmt.Errorf("threshold: no trustee indices")
	}
	seen := make(map[uint32]bool, len(indices))
	for _, j := range indices {
		switch {
		case j == 0:
			return fmt.Errorf("threshold: trustee index 0: indices start at 1")
		case n > 0 && int64(j) > int64(n):
			return fmt.Errorf("threshold: trustee index %d above n = %d", j, n)
		case seen[j]:
			return fmt.Errorf("threshold: trustee index %d repeated", j)
		}
		seen[j] = true
	}
	return nil
}

// scalarFromSignedBig returns x mod ℓ for |x| < 2^256.
func scalarFromSignedBig(x *big.Int) *group.Scalar {
	s := scalarFromBig(new(big.Int).Abs(x))
	if x.Sign() < 0 {
		s.Negate(s)
	}
	return s
}
