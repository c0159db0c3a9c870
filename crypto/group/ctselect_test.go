package group

import (
	"testing"

	"github.com/veche/veche/crypto/internal/testrand"
)

// selectEntry (the AVX2 version where the CPU has it) and the generic
// version return exactly the entry asked for, for every index, and the
// signed selection of a table of multiples is d·P for every digit.
func TestSelectEntry(t *testing.T) {
	r := testrand.New("select entry")
	var table [9]tableEntry
	for i := range table {
		w := table[i].words()
		var b [8]byte
		for k := range w {
			r.Read(b[:])
			w[k] = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		}
	}
	for n := 1; n <= len(table); n++ {
		for idx := range n {
			var got, generic tableEntry
			selectEntry(&got, &table[0], n, uint64(idx))
			selectEntryGeneric(&generic, &table[0], n, uint64(idx))
			if *got.words() != *table[idx].words() || *generic.words() != *table[idx].words() {
				t.Fatalf("n = %d, idx = %d: wrong entry", n, idx)
			}
		}
	}

	s, _ := RandomScalar(r)
	p := new(Element).ScalarBaseMult(s)
	fb := NewFixedBase(p)
	for d := int8(-8); d <= 8; d++ {
		var q affineCached
		fb.table[0].selectSigned(&q, d)
		var acc extPoint
		var cp completedPoint
		acc.identity()
		acc.fromCompleted(cp.addAffine(&acc, &q))
		var got Element
		acc.toEdwards(&got.p)
		var k Scalar
		k.SetInt64(int64(d))
		if want := new(Element).ScalarMult(&k, p); got.Equal(want) != 1 {
			t.Fatalf("digit %d: wrong multiple", d)
		}
	}
}
