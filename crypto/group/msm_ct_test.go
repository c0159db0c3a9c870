package group_test

import (
	"fmt"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// The constant-time sum equals the variable-time one and the naive one,
// across the sub-sum boundary.
func TestMultiScalarMult(t *testing.T) {
	r := testrand.New("ct msm")
	for _, n := range []int{0, 1, 2, 127, 128, 129, 300} {
		scalars := make([]*group.Scalar, n)
		elements := make([]*group.Element, n)
		naive := group.NewElement()
		for i := range n {
			var err error
			if scalars[i], err = group.RandomScalar(r); err != nil {
				t.Fatal(err)
			}
			s, _ := group.RandomScalar(r)
			elements[i] = new(group.Element).ScalarBaseMult(s)
			// Edge cases: the scalars 0, 1 and −1, and the identity.
			switch i {
			case 1:
				scalars[i] = new(group.Scalar)
			case 2:
				scalars[i] = new(group.Scalar).SetUint64(1)
			case 3:
				scalars[i] = new(group.Scalar).SetInt64(-1)
			case 4:
				elements[i] = group.NewElement()
			}
			naive.Add(naive, new(group.Element).ScalarMult(scalars[i], elements[i]))
		}
		got, err := new(group.Element).MultiScalarMult(scalars, elements)
		if err != nil {
			t.Fatal(err)
		}
		vt, _ := new(group.Element).VarTimeMultiScalarMult(scalars, elements)
		if got.Equal(naive) != 1 || vt.Equal(naive) != 1 {
			t.Fatalf("n = %d: the sums differ", n)
		}
	}
	if _, err := new(group.Element).MultiScalarMult(make([]*group.Scalar, 2), make([]*group.Element, 1)); err == nil {
		t.Fatal("accepted slices of different lengths")
	}
}

func BenchmarkMultiScalarMultCT(b *testing.B) {
	for _, n := range []int{64, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := testrand.New("ct msm bench")
			scalars := make([]*group.Scalar, n)
			elements := make([]*group.Element, n)
			for i := range n {
				scalars[i], _ = group.RandomScalar(r)
				s, _ := group.RandomScalar(r)
				elements[i] = new(group.Element).ScalarBaseMult(s)
			}
			b.ResetTimer()
			for b.Loop() {
				new(group.Element).MultiScalarMult(scalars, elements)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1000, "µs/term")
		})
	}
}
