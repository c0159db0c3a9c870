package zkp_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
)

func (e *djElection) proveRange(t testing.TB, ct zkp.Ciphertext, v uint64, r *group.Scalar, lo, hi uint64, binding string) *zkp.RangeProof {
	t.Helper()
	p, err := zkp.ProveRange(e.rand, e.fp, e.pk, ct, v, r, lo, hi, []byte(binding))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRangeProveVerify(t *testing.T) {
	e := newDJElection("range")
	cases := []struct{ lo, hi, v uint64 }{
		{0, 0, 0}, // "exactly none": one branch, a plain Chaum–Pedersen proof
		{3, 3, 3}, // exactly 3
		{0, 1, 0}, {0, 1, 1},
		{1, 3, 1}, {1, 3, 2}, {1, 3, 3},
		{0, 4, 0}, {0, 4, 4},
		{2, 12, 7},
		{0, zkp.MaxRangeWidth, zkp.MaxRangeWidth},
		{math.MaxUint64 - 2, math.MaxUint64, math.MaxUint64},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d in [%d, %d]", tc.v, tc.lo, tc.hi), func(t *testing.T) {
			ct, r := e.encrypt(tc.v)
			p := e.proveRange(t, ct, tc.v, r, tc.lo, tc.hi, "contest 4")
			n := int(tc.hi-tc.lo) + 1
			if len(p.A) != n || len(p.B) != n || len(p.C) != n-1 || len(p.Z) != n {
				t.Fatalf("proof has %d/%d/%d/%d fields, want %d branches", len(p.A), len(p.B), len(p.C), len(p.Z), n)
			}
			if err := zkp.VerifyRange(e.fp, e.pk, ct, tc.lo, tc.hi, []byte("contest 4"), p); err != nil {
				t.Fatalf("honest proof rejected: %v", err)
			}
			enc := p.Bytes()
			if len(enc) != zkp.RangeProofSize(n) {
				t.Fatalf("encoding is %d bytes, want %d", len(enc), zkp.RangeProofSize(n))
			}
			q, err := zkp.ParseRangeProof(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(q.Bytes(), enc) {
				t.Fatal("Parse then Bytes does not round-trip")
			}
			if err := zkp.VerifyRange(e.fp, e.pk, ct, tc.lo, tc.hi, []byte("contest 4"), q); err != nil {
				t.Fatalf("parsed honest proof rejected: %v", err)
			}
		})
	}
}

// TestRangeContestScenario follows a contest "choose 1 to 2 of 3": each
// selection carries a 0/1 proof and the sum of the ciphertexts a range
// proof for [1, 2]. An overvote (all three) cannot be proved, and a forged
// range proof for it fails.
func TestRangeContestScenario(t *testing.T) {
	e := newDJElection("contest")
	const lo, hi = 1, 2
	vote := func(t *testing.T, sel []uint64) (sum zkp.Ciphertext, rSum *group.Scalar, total uint64) {
		sum = zkp.Ciphertext{A: group.NewElement(), B: group.NewElement()}
		rSum = group.NewScalar()
		for i, m := range sel {
			ct, r := e.encrypt(m)
			binding := fmt.Sprintf("ballot 9/contest 1/selection %d", i)
			p := e.proveZeroOne(t, ct, m, r, binding)
			if err := zkp.VerifyZeroOne(e.fp, e.pk, ct, []byte(binding), p); err != nil {
				t.Fatal(err)
			}
			sum.A.Add(sum.A, ct.A)
			sum.B.Add(sum.B, ct.B)
			rSum.Add(rSum, r)
			total += m
		}
		return sum, rSum, total
	}
	binding := []byte("ballot 9/contest 1/limit")
	for _, sel := range [][]uint64{{1, 0, 0}, {0, 1, 1}, {1, 0, 1}} {
		sum, rSum, total := vote(t, sel)
		p, err := zkp.ProveRange(e.rand, e.fp, e.pk, sum, total, rSum, lo, hi, binding)
		if err != nil {
			t.Fatalf("%v: %v", sel, err)
		}
		if err := zkp.VerifyRange(e.fp, e.pk, sum, lo, hi, binding, p); err != nil {
			t.Fatalf("%v: %v", sel, err)
		}
	}
	for _, sel := range [][]uint64{{0, 0, 0}, {1, 1, 1}} {
		sum, rSum, total := vote(t, sel)
		if _, err := zkp.ProveRange(e.rand, e.fp, e.pk, sum, total, rSum, lo, hi, binding); err == nil {
			t.Fatalf("%v: prover accepted a total outside [%d, %d]", sel, lo, hi)
		} else if strings.Contains(err.Error(), fmt.Sprint(total)) {
			t.Errorf("error %q reveals the total", err)
		}
		// A dishonest prover simulates both branches.
		a, b, cs, zs := djSimulate(t, e, sum, lo, 2)
		forged := &zkp.RangeProof{A: a, B: b, C: cs[:1], Z: zs}
		djWantInvalid(t, zkp.VerifyRange(e.fp, e.pk, sum, lo, hi, binding, forged), "branch 1")
		// Or proves [1, 3] honestly and passes it off as [1, 2].
		if total == 3 {
			p3, err := zkp.ProveRange(e.rand, e.fp, e.pk, sum, total, rSum, 1, 3, binding)
			if err != nil {
				t.Fatal(err)
			}
			djWantInvalid(t, zkp.VerifyRange(e.fp, e.pk, sum, lo, hi, binding, p3), "3 branches")
		}
	}
}

func TestRangeProverRefuses(t *testing.T) {
	e := newDJElection("range-refuses")
	ct, r := e.encrypt(23)
	cases := []struct {
		name   string
		v      uint64
		r      *group.Scalar
		lo, hi uint64
		want   string
	}{
		{"below lo", 23, r, 24, 30, "outside [lo, hi]"},
		{"above hi", 23, r, 0, 22, "outside [lo, hi]"},
		{"lo > hi", 23, r, 30, 25, "lo > hi"},
		{"wider than the maximum", 23, r, 0, zkp.MaxRangeWidth + 1, "bit-decomposition"},
		{"huge range", 23, r, 0, math.MaxUint64, "exceeds the maximum width"},
		{"plaintext does not open the ciphertext", 22, r, 0, 30, "do not open"},
		{"randomness does not open the ciphertext", 23, new(group.Scalar).SetUint64(1), 0, 30, "do not open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := zkp.ProveRange(e.rand, e.fp, e.pk, ct, tc.v, tc.r, tc.lo, tc.hi, nil)
			if err == nil || p != nil {
				t.Fatalf("prover accepted: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "23") || strings.Contains(err.Error(), "22") {
				t.Errorf("error %q may reveal the plaintext", err)
			}
		})
	}
}

func TestRangeTransplant(t *testing.T) {
	e := newDJElection("range-transplant")
	other := newDJElection("range-transplant-other")
	ct, r := e.encrypt(2)
	binding := []byte("ballot 3/contest 2")
	p := e.proveRange(t, ct, 2, r, 1, 3, string(binding))
	ct2, _ := e.encrypt(2)
	otherFP := e.fp
	otherFP[0] ^= 0x80
	cases := []struct {
		name    string
		fp      zkp.Fingerprint
		pk      *group.Element
		ct      zkp.Ciphertext
		lo, hi  uint64
		binding []byte
		want    string
	}{
		{"another ciphertext", e.fp, e.pk, ct2, 1, 3, binding, "branch"},
		{"another public key", e.fp, other.pk, ct, 1, 3, binding, "branch"},
		{"another election", otherFP, e.pk, ct, 1, 3, binding, "branch"},
		{"another binding", e.fp, e.pk, ct, 1, 3, []byte("ballot 4/contest 2"), "branch"},
		{"range shifted, same width", e.fp, e.pk, ct, 2, 4, binding, "branch"},
		{"range shifted down", e.fp, e.pk, ct, 0, 2, binding, "branch"},
		{"range wider", e.fp, e.pk, ct, 1, 4, binding, "proof has 3 branches, statement [1, 4] needs 4"},
		{"range narrower", e.fp, e.pk, ct, 1, 2, binding, "needs 2"},
		{"exactly 2", e.fp, e.pk, ct, 2, 2, binding, "needs 1"},
		{"lo > hi", e.fp, e.pk, ct, 3, 1, binding, "lo > hi"},
		{"too wide", e.fp, e.pk, ct, 0, zkp.MaxRangeWidth + 1, binding, "range wider than 64"},
		{"widest uint64 range", e.fp, e.pk, ct, 0, math.MaxUint64, binding, "range wider than 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			djWantInvalid(t, zkp.VerifyRange(tc.fp, tc.pk, tc.ct, tc.lo, tc.hi, tc.binding, p), tc.want)
		})
	}
	t.Run("as a zero-one proof", func(t *testing.T) {
		ct1, r1 := e.encrypt(1)
		q := e.proveRange(t, ct1, 1, r1, 0, 1, string(binding))
		zo := &zkp.ZeroOneProof{A: [2]*group.Element{q.A[0], q.A[1]}, B: [2]*group.Element{q.B[0], q.B[1]}, C0: q.C[0], Z: [2]*group.Scalar{q.Z[0], q.Z[1]}}
		djWantInvalid(t, zkp.VerifyZeroOne(e.fp, e.pk, ct1, binding, zo), "branch")
	})
}

func TestRangeTampered(t *testing.T) {
	e := newDJElection("range-tampered")
	ct, r := e.encrypt(3)
	p := e.proveRange(t, ct, 3, r, 2, 5, "b")
	one := new(group.Scalar).SetUint64(1)
	edits := []struct {
		name string
		edit func(q *zkp.RangeProof)
		want string
	}{
		{"c_0 + 1", func(q *zkp.RangeProof) { q.C = []*group.Scalar{new(group.Scalar).Add(q.C[0], one), q.C[1], q.C[2]} }, "branch 0 (v = 2)"},
		{"c_1 and c_2 swapped", func(q *zkp.RangeProof) { q.C = []*group.Scalar{q.C[0], q.C[2], q.C[1]} }, "branch 1 (v = 3)"},
		{"challenge moved between branches", func(q *zkp.RangeProof) {
			q.C = []*group.Scalar{new(group.Scalar).Add(q.C[0], one), new(group.Scalar).Subtract(q.C[1], one), q.C[2]}
		}, "branch 0"},
		{"z_3 + 1", func(q *zkp.RangeProof) {
			q.Z = []*group.Scalar{q.Z[0], q.Z[1], q.Z[2], new(group.Scalar).Add(q.Z[3], one)}
		}, "branch 3 (v = 5)"},
		{"last challenge dropped", func(q *zkp.RangeProof) { q.C = q.C[:2] }, "branches"},
		{"extra challenge", func(q *zkp.RangeProof) { q.C = append(q.C[:3:3], one) }, "branches"},
		{"one response short", func(q *zkp.RangeProof) { q.Z = q.Z[:3] }, "branches"},
		{"identity b_2", func(q *zkp.RangeProof) {
			q.B = []*group.Element{q.B[0], q.B[1], group.NewElement(), q.B[3]}
		}, "commitment b_2 is the identity"},
		{"nil c_1", func(q *zkp.RangeProof) { q.C = []*group.Scalar{q.C[0], nil, q.C[2]} }, "branch 1 has a nil field"},
		{"empty", func(q *zkp.RangeProof) { *q = zkp.RangeProof{} }, "proof has 0 branches"},
	}
	for _, tc := range edits {
		t.Run(tc.name, func(t *testing.T) {
			q := *p
			tc.edit(&q)
			djWantInvalid(t, zkp.VerifyRange(e.fp, e.pk, ct, 2, 5, []byte("b"), &q), tc.want)
		})
	}
	if err := zkp.VerifyRange(e.fp, e.pk, ct, 2, 5, []byte("b"), p); err != nil {
		t.Fatalf("edits leaked into the original proof: %v", err)
	}
	djWantInvalid(t, zkp.VerifyRange(e.fp, e.pk, ct, 2, 5, []byte("b"), nil), "nil proof")
}

func TestParseRangeProofRejects(t *testing.T) {
	e := newDJElection("range-parse")
	ct, r := e.encrypt(1)
	good := e.proveRange(t, ct, 1, r, 0, 2, "b").Bytes() // 3 branches
	count := func(n uint32, body []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, n), body...) }
	allFF := bytes.Repeat([]byte{0xff}, 32)
	with := func(off int, b []byte) []byte {
		x := bytes.Clone(good)
		copy(x[off:], b)
		return x
	}
	cases := []struct {
		name, want string
		b          []byte
	}{
		{"empty", "truncated branch count", nil},
		{"three bytes", "truncated branch count", []byte{0, 0, 0}},
		{"zero branches", "branch count 0 outside [1, 65]", count(0, nil)},
		{"66 branches", "branch count 66 outside [1, 65]", count(66, good[4:])},
		{"2^32 − 1 branches", "branch count 4294967295", count(math.MaxUint32, good[4:])},
		{"count says 2, body has 3", "356 bytes for 2 branches, want 228", count(2, good[4:])},
		{"count says 4, body has 3", "for 4 branches", count(4, good[4:])},
		{"one byte short", "355 bytes for 3 branches, want 356", good[:len(good)-1]},
		{"one byte long", "357 bytes", append(bytes.Clone(good), 0)},
		{"identity a_2", "identity element commitment a_2", with(4+2*32, make([]byte, 32))},
		{"non-canonical b_0", "non-canonical element commitment b_0", with(4+3*32, allFF)},
		{"non-canonical c_1", "non-canonical scalar challenge c_1", with(4+6*32+32, allFF)},
		{"non-canonical z_2", "non-canonical scalar response z_2", with(len(good)-32, allFF)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := zkp.ParseRangeProof(tc.b)
			if p != nil {
				t.Error("parser returned a proof with an error")
			}
			djWantMalformed(t, err, tc.want)
		})
	}
	for n := range len(good) {
		if _, err := zkp.ParseRangeProof(good[:n]); !errors.Is(err, zkp.ErrMalformed) {
			t.Fatalf("truncated to %d bytes: got %v", n, err)
		}
	}
}

func TestRangeEveryByteMatters(t *testing.T) {
	e := newDJElection("range-bytes")
	ct, r := e.encrypt(4)
	good := e.proveRange(t, ct, 4, r, 4, 6, "b").Bytes()
	for i := range good {
		x := bytes.Clone(good)
		x[i] ^= 1 << (i % 8)
		p, err := zkp.ParseRangeProof(x)
		if err != nil {
			if !errors.Is(err, zkp.ErrMalformed) {
				t.Fatalf("byte %d: parse error %v does not wrap ErrMalformed", i, err)
			}
			continue
		}
		if err := zkp.VerifyRange(e.fp, e.pk, ct, 4, 6, []byte("b"), p); !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("byte %d flipped: verification returned %v", i, err)
		}
	}
}

func TestBatchVerifyRange(t *testing.T) {
	e := newDJElection("range-batch")
	var items []zkp.RangeItem
	for i := range 60 {
		lo := uint64(i % 3)
		hi := lo + uint64(i%5)
		v := lo + uint64(i)%(hi-lo+1)
		ct, r := e.encrypt(v)
		binding := fmt.Appendf(nil, "ballot %d", i)
		p, err := zkp.ProveRange(e.rand, e.fp, e.pk, ct, v, r, lo, hi, binding)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, zkp.RangeItem{Ciphertext: ct, Lo: lo, Hi: hi, Binding: binding, Proof: p})
	}
	if err := zkp.BatchVerifyRange(e.rand, e.fp, e.pk, items); err != nil {
		t.Fatalf("honest proofs rejected: %v", err)
	}
	if err := zkp.BatchVerifyRange(nil, e.fp, e.pk, items[:4]); err != nil {
		t.Fatalf("crypto/rand weights: %v", err)
	}

	bad := append([]zkp.RangeItem(nil), items...)
	bad[7].Hi++                        // wrong branch count
	bad[20].Lo, bad[20].Hi = 1, 1      // wrong branch count (a 1-branch statement)
	bad[33].Binding = []byte("replay") // equations fail
	bad[41].Proof = nil
	bad[59].Lo, bad[59].Hi = 5, 2 // lo > hi
	err := zkp.BatchVerifyRange(e.rand, e.fp, e.pk, bad)
	var be *zkp.BatchError
	if !errors.As(err, &be) || !errors.Is(err, zkp.ErrInvalidProof) {
		t.Fatalf("got %v, want a *BatchError wrapping ErrInvalidProof", err)
	}
	if fmt.Sprint(be.Indices) != "[7 20 33 41 59]" || be.Kind != "range" || be.Total != 60 {
		t.Fatalf("reported %s %v of %d, want range [7 20 33 41 59] of 60", be.Kind, be.Indices, be.Total)
	}

	djWantInvalid(t, zkp.BatchVerifyRange(e.rand, e.fp, e.pk, nil), "empty batch")
	djWantInvalid(t, zkp.BatchVerifyRange(e.rand, e.fp, group.NewElement(), items), "public key is the identity")
}

func benchRangeProof(b *testing.B, n int) (*djElection, zkp.Ciphertext, *zkp.RangeProof, uint64) {
	e := newDJElection("bench-range")
	hi := uint64(n - 1)
	ct, r := e.encrypt(hi / 2)
	return e, ct, e.proveRange(b, ct, hi/2, r, 0, hi, "binding"), hi
}

func BenchmarkProveRange(b *testing.B) {
	for _, n := range []int{2, 5, 11} {
		b.Run(fmt.Sprintf("branches=%d", n), func(b *testing.B) {
			e := newDJElection("bench-range")
			hi := uint64(n - 1)
			ct, r := e.encrypt(hi / 2)
			for b.Loop() {
				if _, err := zkp.ProveRange(e.rand, e.fp, e.pk, ct, hi/2, r, 0, hi, []byte("binding")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyRange(b *testing.B) {
	for _, n := range []int{2, 5, 11} {
		b.Run(fmt.Sprintf("branches=%d", n), func(b *testing.B) {
			e, ct, p, hi := benchRangeProof(b, n)
			q, err := zkp.ParseRangeProof(p.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := zkp.VerifyRange(e.fp, e.pk, ct, 0, hi, []byte("binding"), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBatchVerifyRange reports the time per proof in batches of 1,000
// parsed proofs for the same statement shape (ns/proof).
func BenchmarkBatchVerifyRange(b *testing.B) {
	for _, n := range []int{2, 5, 11} {
		b.Run(fmt.Sprintf("branches=%d", n), func(b *testing.B) {
			e, ct, p, hi := benchRangeProof(b, n)
			q, err := zkp.ParseRangeProof(p.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			// One proof repeated: the MSM cost does not depend on the values.
			items := make([]zkp.RangeItem, 1000)
			for i := range items {
				items[i] = zkp.RangeItem{Ciphertext: ct, Lo: 0, Hi: hi, Binding: []byte("binding"), Proof: q}
			}
			for b.Loop() {
				if err := zkp.BatchVerifyRange(nil, e.fp, e.pk, items); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/proof")
		})
	}
}

func FuzzParseRangeProof(f *testing.F) {
	e := newDJElection("fuzz-range")
	ct, r := e.encrypt(2)
	good := e.proveRange(f, ct, 2, r, 1, 3, "b").Bytes()
	one := e.proveRange(f, ct, 2, r, 2, 2, "b").Bytes()
	f.Add(good)
	f.Add(one)
	f.Add(good[:len(good)-1])
	f.Add(append(bytes.Clone(good), 1))
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 66})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(append([]byte{0, 0, 0, 1}, make([]byte, zkp.RangeProofSize(1)-4)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := zkp.ParseRangeProof(b)
		if err != nil {
			if p != nil || !errors.Is(err, zkp.ErrMalformed) {
				t.Fatalf("proof %v with error %v", p, err)
			}
			return
		}
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatal("accepted a non-canonical encoding: Bytes differs from the input")
		}
		if n := len(p.A); n < 1 || n > zkp.MaxRangeBranches {
			t.Fatalf("accepted %d branches", n)
		}
		err = zkp.VerifyRange(e.fp, e.pk, ct, 1, 3, []byte("b"), p)
		if err != nil && !errors.Is(err, zkp.ErrInvalidProof) {
			t.Fatalf("verification error %v does not wrap ErrInvalidProof", err)
		}
		if err == nil && !bytes.Equal(b, good) {
			t.Fatal("a proof other than the honest one verifies")
		}
	})
}
