package shuffle_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/crypto/zkp"
)

// An election: a key pair and n ballots of width w. Ballot i encrypts the
// integers 1000·i + k + 1 (k = 0 … w-1) in the exponent, and was decoded
// from its encoding, as a mixer reads it from the bulletin board.
type election struct {
	sk   *elgamal.PrivateKey
	pk   *elgamal.PublicKey
	in   []elgamal.VectorCiphertext
	rand io.Reader
	p    shuffle.Params
}

func newElection(t testing.TB, seed string, n, w int) *election {
	t.Helper()
	r := testrand.New(seed)
	sk, err := elgamal.GenerateKey(r)
	if err != nil {
		t.Fatal(err)
	}
	e := &election{sk: sk, pk: sk.Public(), rand: r}
	e.in = encrypt(t, r, e.pk, n, w)
	e.p = shuffle.Params{Fingerprint: zkp.Fingerprint{1, 2, 3}, Position: 2, Mixer: []byte("mixer #2")}
	return e
}

func encrypt(t testing.TB, r io.Reader, pk *elgamal.PublicKey, n, w int) []elgamal.VectorCiphertext {
	t.Helper()
	rows := make([]elgamal.VectorCiphertext, n)
	for i := range rows {
		ms := make([]uint64, w)
		for k := range ms {
			ms[k] = uint64(1000*i + k + 1)
		}
		v, _, err := elgamal.EncryptExpVector(r, pk, ms)
		if err != nil {
			t.Fatal(err)
		}
		if rows[i], err = elgamal.ParseVectorCiphertext(v.Bytes(), w); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// plaintexts returns the sorted encodings of the decrypted rows.
func (e *election) plaintexts(rows []elgamal.VectorCiphertext) []string {
	var out []string
	for _, row := range rows {
		var b []byte
		for _, c := range row {
			b = append(b, elgamal.Decrypt(e.sk, c).Bytes()...)
		}
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// mix shuffles and proves, and returns the output decoded from its
// encoding and the proof decoded from its bytes, as a verifier reads them.
func (e *election) mix(t testing.TB) ([]elgamal.VectorCiphertext, *shuffle.Proof) {
	t.Helper()
	out, proof, err := shuffle.ShuffleAndProve(e.rand, e.pk, e.in, e.p)
	if err != nil {
		t.Fatal(err)
	}
	decoded := make([]elgamal.VectorCiphertext, len(out))
	for i, row := range out {
		if decoded[i], err = elgamal.ParseVectorCiphertext(row.Bytes(), len(row)); err != nil {
			t.Fatal(err)
		}
	}
	parsed, err := shuffle.ParseProof(proof.Bytes(), proof.N(), proof.Width())
	if err != nil {
		t.Fatal(err)
	}
	return decoded, parsed
}

func wantInvalid(t *testing.T, err error, contains string) {
	t.Helper()
	if !errors.Is(err, shuffle.ErrInvalidProof) {
		t.Fatalf("got %v, want an error wrapping ErrInvalidProof", err)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

const transplanted = "no verification equation holds"

func TestShuffleProveVerify(t *testing.T) {
	for _, tc := range []struct{ n, w int }{{1, 1}, {2, 1}, {3, 1}, {17, 1}, {1, 3}, {2, 3}, {5, 3}} {
		t.Run(fmt.Sprintf("N=%d,w=%d", tc.n, tc.w), func(t *testing.T) {
			e := newElection(t, "shuffle", tc.n, tc.w)
			out, proof := e.mix(t)
			if err := shuffle.Verify(e.pk, e.in, out, proof, e.p); err != nil {
				t.Fatal(err)
			}
			if len(proof.Bytes()) != shuffle.ProofSize(tc.n, tc.w) || shuffle.ProofSize(tc.n, tc.w) != 160*tc.n+192+96*tc.w {
				t.Fatalf("proof is %d bytes, ProofSize %d", len(proof.Bytes()), shuffle.ProofSize(tc.n, tc.w))
			}
			if !slices.Equal(e.plaintexts(out), e.plaintexts(e.in)) {
				t.Fatal("the output rows do not decrypt to the input rows")
			}
			if err := shuffle.CheckNotLazy(e.in, out); err != nil {
				t.Fatalf("honest shuffle flagged as lazy: %v", err)
			}
			// The verdict does not depend on the number of workers.
			for _, workers := range []int{1, 3} {
				p := e.p
				p.Workers = workers
				if err := shuffle.Verify(e.pk, e.in, out, proof, p); err != nil {
					t.Fatalf("workers=%d: %v", workers, err)
				}
			}
		})
	}
}

// TestShuffleIsRandom: the same randomness gives the same shuffle and
// proof; other randomness another permutation (N = 12: 12! orders).
func TestShuffleIsRandom(t *testing.T) {
	e := newElection(t, "random", 12, 1)
	shuffleWith := func(seed string) ([]elgamal.VectorCiphertext, []byte) {
		out, proof, err := shuffle.ShuffleAndProve(testrand.New(seed), e.pk, e.in, e.p)
		if err != nil {
			t.Fatal(err)
		}
		return out, proof.Bytes()
	}
	order := func(out []elgamal.VectorCiphertext) []string {
		var s []string
		for _, row := range out {
			s = append(s, string(elgamal.Decrypt(e.sk, row[0]).Bytes()))
		}
		return s
	}
	out1, proof1 := shuffleWith("a")
	out2, proof2 := shuffleWith("a")
	out3, proof3 := shuffleWith("b")
	if !bytes.Equal(proof1, proof2) || !slices.Equal(order(out1), order(out2)) {
		t.Fatal("same randomness, different shuffle")
	}
	if bytes.Equal(proof1, proof3) || slices.Equal(order(out1), order(out3)) {
		t.Fatal("different randomness, same shuffle")
	}
	if slices.Equal(order(out1), order(e.in)) {
		t.Fatal("identity permutation")
	}
}

// TestVerifyAgainstOtherLists: the proof binds the exact input and output
// lists.
func TestVerifyAgainstOtherLists(t *testing.T) {
	const n, w = 5, 2
	e := newElection(t, "other lists", n, w)
	out, proof := e.mix(t)
	other := encrypt(t, e.rand, e.pk, 1, w)[0]
	edit := func(rows []elgamal.VectorCiphertext, f func([]elgamal.VectorCiphertext) []elgamal.VectorCiphertext) []elgamal.VectorCiphertext {
		return f(slices.Clone(rows))
	}
	for _, tc := range []struct {
		name     string
		in, out  []elgamal.VectorCiphertext
		contains string
	}{
		{"input row dropped", e.in[:n-1], out, "input rows"},
		{"input row added", append(slices.Clone(e.in), other), out, "input rows"},
		{"input row duplicated", edit(e.in, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext { r[3] = r[1]; return r }), out, transplanted},
		{"input row replaced", edit(e.in, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext { r[0] = other; return r }), out, transplanted},
		{"input rows swapped", edit(e.in, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext { r[0], r[4] = r[4], r[0]; return r }), out, transplanted},
		{"input component replaced", edit(e.in, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext {
			r[2] = elgamal.VectorCiphertext{r[2][0], other[1]}
			return r
		}), out, transplanted},
		{"output row dropped", e.in, out[1:], "output rows"},
		{"output row duplicated", e.in, edit(out, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext { r[0] = r[1]; return r }), transplanted},
		{"output row replaced", e.in, edit(out, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext { r[2] = other; return r }), transplanted},
		{"output rows swapped", e.in, edit(out, func(r []elgamal.VectorCiphertext) []elgamal.VectorCiphertext { r[1], r[2] = r[2], r[1]; return r }), transplanted},
		{"input and output exchanged", out, e.in, transplanted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalid(t, shuffle.Verify(e.pk, tc.in, tc.out, proof, e.p), tc.contains)
		})
	}
	// A proof cannot even be decoded for another number of rows.
	if _, err := shuffle.ParseProof(proof.Bytes(), n-1, w); !errors.Is(err, shuffle.ErrMalformed) {
		t.Fatalf("proof decoded for N-1 rows: %v", err)
	}
}

// TestVerifyTransplanted: a proof is bound to its election, position,
// mixer and public key.
func TestVerifyTransplanted(t *testing.T) {
	e := newElection(t, "transplant", 4, 1)
	out, proof := e.mix(t)
	otherKey, err := elgamal.GenerateKey(e.rand)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(p *shuffle.Params)
		pk   *elgamal.PublicKey
	}{
		{"another position", func(p *shuffle.Params) { p.Position++ }, e.pk},
		{"another mixer", func(p *shuffle.Params) { p.Mixer = []byte("mixer #3") }, e.pk},
		{"no mixer identity", func(p *shuffle.Params) { p.Mixer = nil }, e.pk},
		{"another election", func(p *shuffle.Params) { p.Fingerprint[31] ^= 1 }, e.pk},
		{"another public key", func(p *shuffle.Params) {}, otherKey.Public()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.p
			tc.edit(&p)
			wantInvalid(t, shuffle.Verify(tc.pk, e.in, out, proof, p), transplanted)
		})
	}
}

// TestRejectsBadLists: every entry point rejects lists that cannot be a
// shuffle's input or output.
func TestRejectsBadLists(t *testing.T) {
	e := newElection(t, "bad lists", 3, 2)
	out, proof := e.mix(t)
	narrow := encrypt(t, e.rand, e.pk, 3, 1)
	mixedWidths := slices.Clone(e.in)
	mixedWidths[1] = narrow[1]
	missing := slices.Clone(e.in)
	missing[2] = elgamal.VectorCiphertext{e.in[2][0], nil}
	missingB := slices.Clone(e.in)
	missingB[0] = elgamal.VectorCiphertext{{A: e.in[0][0].A}, e.in[0][1]}
	zeroWidth := slices.Clone(e.in)
	zeroWidth[0] = elgamal.VectorCiphertext{}

	for _, tc := range []struct {
		name     string
		in       []elgamal.VectorCiphertext
		contains string
	}{
		{"N = 0", nil, "empty (N = 0)"},
		{"rows of different widths", mixedWidths, "row 1 has width 1, row 0 has width 2"},
		{"missing component", missing, "row 2 component 1 is missing"},
		{"missing B", missingB, "row 0 component 0 is missing"},
		{"width 0", zeroWidth, "row 0 has width 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, shuffle.ErrInvalidInput) || !strings.Contains(err.Error(), tc.contains) {
					t.Errorf("%s: got %v, want ErrInvalidInput mentioning %q", what, err, tc.contains)
				}
			}
			_, _, err := shuffle.Shuffle(e.rand, e.pk, tc.in, e.p)
			check("Shuffle", err)
			_, _, err = shuffle.ShuffleAndProve(e.rand, e.pk, tc.in, e.p)
			check("ShuffleAndProve", err)
			err = shuffle.Verify(e.pk, tc.in, out, proof, e.p)
			check("Verify(in)", err)
			if !errors.Is(err, shuffle.ErrInvalidProof) {
				t.Errorf("Verify: %v does not wrap ErrInvalidProof", err)
			}
			check("Verify(out)", shuffle.Verify(e.pk, e.in, tc.in, proof, e.p))
			check("CheckNotLazy", shuffle.CheckNotLazy(tc.in, out))
		})
	}

	t.Run("output narrower than input", func(t *testing.T) {
		_, wit, err := shuffle.Shuffle(e.rand, e.pk, e.in, e.p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = shuffle.Prove(e.rand, e.pk, e.in, narrow, wit, e.p)
		if !errors.Is(err, shuffle.ErrInvalidInput) || !strings.Contains(err.Error(), "3 output rows of width 1 for 3 input rows of width 2") {
			t.Fatalf("Prove: %v", err)
		}
		if err := shuffle.Verify(e.pk, e.in, narrow, proof, e.p); !errors.Is(err, shuffle.ErrInvalidProof) {
			t.Fatalf("Verify: %v", err)
		}
	})

	t.Run("witness for other lists", func(t *testing.T) {
		small := newElection(t, "bad lists, small", 2, 2)
		_, wit, err := shuffle.Shuffle(small.rand, small.pk, small.in, small.p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := shuffle.Prove(e.rand, e.pk, e.in, out, wit, e.p); !errors.Is(err, shuffle.ErrInvalidInput) {
			t.Fatalf("Prove with a witness for 2 rows: %v", err)
		}
		if _, err := shuffle.Prove(e.rand, e.pk, e.in, out, nil, e.p); !errors.Is(err, shuffle.ErrInvalidInput) {
			t.Fatalf("Prove without witness: %v", err)
		}
	})

	t.Run("missing key or proof", func(t *testing.T) {
		if _, _, err := shuffle.Shuffle(e.rand, nil, e.in, e.p); !errors.Is(err, shuffle.ErrInvalidInput) {
			t.Errorf("Shuffle without key: %v", err)
		}
		if err := shuffle.Verify(nil, e.in, out, proof, e.p); !errors.Is(err, shuffle.ErrInvalidProof) {
			t.Errorf("Verify without key: %v", err)
		}
		wantInvalid(t, shuffle.Verify(e.pk, e.in, out, nil, e.p), "missing proof")
		wantInvalid(t, shuffle.Verify(e.pk, e.in, out, &shuffle.Proof{}, e.p), "missing proof")
	})
}

// TestParseProof: the decoder accepts exactly the canonical encodings of
// the right length and names what it rejects.
func TestParseProof(t *testing.T) {
	const n, w = 3, 2
	e := newElection(t, "parse", n, w)
	out, proof := e.mix(t)
	enc := proof.Bytes()
	size := shuffle.ProofSize(n, w)

	// Offsets of docs/spec/shuffle.md, section 7.
	offU, offB, offAp := 0, 32*n, 64*n
	offBp, offCp, offDp, offFp := 64*n+32, 96*n+32, 96*n+64, 96*n+96
	offKA := offFp + 64*w
	offKB, offKC := offKA+32, offKA+32+32*n
	offKD, offKE := offKC+32, offKC+64
	offKF := offKE + 32*n
	if offKF+32*w != size {
		t.Fatalf("layout: %d, size %d", offKF+32*w, size)
	}

	parsed, err := shuffle.ParseProof(enc, n, w)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parsed.Bytes(), enc) {
		t.Fatal("a decoded proof does not re-encode to its input")
	}
	if err := shuffle.Verify(e.pk, e.in, out, parsed, e.p); err != nil {
		t.Fatal(err)
	}

	ell, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	addEll := func(b []byte, off int) []byte {
		le := slices.Clone(b[off : off+32])
		slices.Reverse(le)
		x := new(big.Int).Add(new(big.Int).SetBytes(le), ell)
		be := x.FillBytes(make([]byte, 32))
		slices.Reverse(be)
		copy(b[off:], be)
		return b
	}
	set := func(off int, v []byte) []byte {
		b := slices.Clone(enc)
		copy(b[off:], v)
		return b
	}
	identity := make([]byte, 32)
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	negative := append([]byte{1}, make([]byte, 31)...) // s = 1 is negative (odd)

	for _, tc := range []struct {
		name     string
		b        []byte
		n, w     int
		contains string
	}{
		{"empty", nil, n, w, "truncated"},
		{"one byte short", enc[:size-1], n, w, "truncated"},
		{"trailing byte", append(slices.Clone(enc), 0), n, w, "trailing bytes"},
		{"N = 0", enc, 0, w, "0 rows"},
		{"width 0", enc, n, 0, "width 0"},
		{"negative N", enc, -1, w, "-1 rows"},
		{"another width", enc, n, w + 1, "truncated"},
		{"U_1 identity", set(offU, identity), n, w, "element U_1: group: identity"},
		{"U_2 non-canonical", set(offU+32, nonCanonical), n, w, "element U_2: group: invalid"},
		{"B_3 negative", set(offB+64, negative), n, w, "element B_3"},
		{"A' identity", set(offAp, identity), n, w, "element A'"},
		{"B'_1 identity", set(offBp, identity), n, w, "element B'_1"},
		{"C' identity", set(offCp, identity), n, w, "element C'"},
		{"D' non-canonical", set(offDp, nonCanonical), n, w, "element D'"},
		{"F'_2.B identity", set(offFp+96, identity), n, w, "element F'_2.B"},
		{"k_A + ℓ", addEll(slices.Clone(enc), offKA), n, w, "scalar k_A"},
		{"k_B,2 + ℓ", addEll(slices.Clone(enc), offKB+32), n, w, "scalar k_B_2"},
		{"k_C all ones", set(offKC, nonCanonical), n, w, "scalar k_C"},
		{"k_D + ℓ", addEll(slices.Clone(enc), offKD), n, w, "scalar k_D"},
		{"k_E,3 + ℓ", addEll(slices.Clone(enc), offKE+64), n, w, "scalar k_E_3"},
		{"k_F,2 + ℓ", addEll(slices.Clone(enc), offKF+32), n, w, "scalar k_F_2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shuffle.ParseProof(tc.b, tc.n, tc.w)
			if !errors.Is(err, shuffle.ErrMalformed) || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("got %v, want ErrMalformed mentioning %q", err, tc.contains)
			}
		})
	}
}

func TestWitnessRedacted(t *testing.T) {
	e := newElection(t, "redacted", 3, 1)
	_, wit, err := shuffle.Shuffle(e.rand, e.pk, e.in, e.p)
	if err != nil {
		t.Fatal(err)
	}
	const want = "shuffle.Witness{REDACTED}"
	holder := struct {
		W   *shuffle.Witness
		Val shuffle.Witness
	}{wit, *wit}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
		for _, arg := range []any{wit, *wit} {
			if got := fmt.Sprintf(format, arg); got != want {
				t.Errorf("Sprintf(%q, %T) = %q, want %q", format, arg, got, want)
			}
		}
		if got := fmt.Sprintf(format, holder); strings.Count(got, want) != 2 {
			t.Errorf("Sprintf(%q, struct holding a Witness) = %q", format, got)
		}
	}
}

// TestGeneratorCache: the cache derives a set once, keeps the most
// recently used sets, and keys them by election, position and N.
func TestGeneratorCache(t *testing.T) {
	fp := zkp.Fingerprint{9, 8, 7}
	if _, err := shuffle.NewGenerators(fp, 3, 0, 2); !errors.Is(err, shuffle.ErrInvalidInput) {
		t.Fatalf("NewGenerators(N = 0): %v", err)
	}
	c := shuffle.NewGeneratorCache(2)
	get := func(fp zkp.Fingerprint, pos uint32, n int) *shuffle.Generators {
		g, err := c.Get(fp, pos, n, 0)
		if err != nil {
			t.Fatal(err)
		}
		if g.Len() != n {
			t.Fatalf("Len = %d, want %d", g.Len(), n)
		}
		return g
	}
	a := get(fp, 1, 4)
	if get(fp, 1, 4) != a {
		t.Fatal("the cache derived the same generators twice")
	}
	if get(fp, 2, 4) == a || get(zkp.Fingerprint{1}, 1, 4) == a {
		t.Fatal("another position or election gave the cached generators")
	}
	// Size 2: the last two Gets evicted (fp, 1, 4).
	if get(fp, 1, 4) == a {
		t.Fatal("the cache kept more sets than its size")
	}

	// A proof made with cached generators verifies with derived ones.
	e := newElection(t, "cache", 3, 1)
	p := e.p
	p.Generators = shuffle.NewGeneratorCache(1)
	out, proof, err := shuffle.ShuffleAndProve(e.rand, e.pk, e.in, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := shuffle.Verify(e.pk, e.in, out, proof, p); err != nil {
		t.Fatal(err)
	}
	if err := shuffle.Verify(e.pk, e.in, out, proof, e.p); err != nil {
		t.Fatal(err)
	}
}

// TestOutputDecodedStrictly: output rows reach Verify through the strict
// decoder of crypto/elgamal, which rejects non-canonical elements, another
// width and trailing bytes before any proof is looked at.
func TestOutputDecodedStrictly(t *testing.T) {
	e := newElection(t, "strict output", 2, 2)
	out, _ := e.mix(t)
	enc := out[0].Bytes()
	nonCanonical := slices.Clone(enc)
	copy(nonCanonical[4+32:], bytes.Repeat([]byte{0xff}, 32)) // component 0, B
	for name, b := range map[string][]byte{
		"non-canonical element": nonCanonical,
		"trailing byte":         append(slices.Clone(enc), 0),
		"truncated":             enc[:len(enc)-1],
	} {
		if _, err := elgamal.ParseVectorCiphertext(b, 2); !errors.Is(err, elgamal.ErrMalformed) {
			t.Errorf("%s: ParseVectorCiphertext = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := elgamal.ParseVectorCiphertext(enc, 1); !errors.Is(err, elgamal.ErrMalformed) {
		t.Errorf("width above the maximum: %v", err)
	}
}

// TestCheckNotLazy: any output element equal to an input element of the
// same kind, anywhere in the lists, is flagged; an honest shuffle is not.
func TestCheckNotLazy(t *testing.T) {
	e := newElection(t, "lazy", 4, 2)
	out, _ := e.mix(t)
	if err := shuffle.CheckNotLazy(e.in, out); err != nil {
		t.Fatalf("honest shuffle flagged: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(rows []elgamal.VectorCiphertext)
		want string
	}{
		{"output equal to the input", func(rows []elgamal.VectorCiphertext) { copy(rows, e.in) }, "output row 0 component 0 has the A element of input row 0 component 0"},
		{"one ciphertext copied", func(rows []elgamal.VectorCiphertext) {
			rows[3] = elgamal.VectorCiphertext{rows[3][0], e.in[1][0]}
		}, "output row 3 component 1 has the A element of input row 1 component 0"},
		{"only B copied", func(rows []elgamal.VectorCiphertext) {
			rows[2] = elgamal.VectorCiphertext{{A: rows[2][0].A, B: e.in[0][1].B}, rows[2][1]}
		}, "output row 2 component 0 has the B element of input row 0 component 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := slices.Clone(out)
			tc.edit(rows)
			err := shuffle.CheckNotLazy(e.in, rows)
			if !errors.Is(err, shuffle.ErrLazy) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrLazy: %s", err, tc.want)
			}
		})
	}
}
