package threshold

import (
	"bytes"
	"errors"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Five trustees with a 3-of-5 key decrypt a tally: every partial
// decryption verifies, the combination interpolates over trustees 1, 2, 3,
// and a verifier checks the result from those three alone.
func TestDecryptThreeOfFive(t *testing.T) {
	r := testrand.New("3 of 5")
	tk := newTestKey(t, "3 of 5", 3, 5)
	cts, want := tk.encryptExp(t, r, 0, 1, 42, 1000000)
	binding := []byte("tally 1")
	pds := tk.decrypt(t, r, cts, binding, seq(1, 5)...)
	for _, pd := range pds {
		if err := VerifyPartial(tk.params, binding, cts, pd); err != nil {
			t.Fatalf("honest partial decryption of trustee %d rejected: %v", pd.Index, err)
		}
	}
	got, rep, err := Combine(r, tk.params, binding, cts, pds)
	if err != nil {
		t.Fatal(err)
	}
	wantPlaintexts(t, got, want)
	if !equalIndices(rep.Used, []uint32{1, 2, 3}) || !equalIndices(rep.Valid, seq(1, 5)) ||
		len(rep.Missing)+len(rep.Excluded)+len(rep.Ignored) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if err := Check(r, tk.params, binding, cts, pds[:3], got); err != nil {
		t.Fatalf("checker rejects the result: %v", err)
	}
	// Any other quorum gives the same plaintexts, and so does all five.
	for _, set := range [][]*PartialDecryption{{pds[4], pds[1], pds[3]}, pds} {
		if err := Check(r, tk.params, binding, cts, set, got); err != nil {
			t.Fatalf("checker rejects the result for another quorum: %v", err)
		}
	}
	// The shares times L are the textbook shares x_j·A_i.
	L := scalarFromBig(tk.params.ScaleFactor())
	for _, pd := range pds {
		for i, D := range pd.Shares {
			want := new(group.Element).ScalarMult(tk.shares[pd.Index-1], cts[i].A)
			if new(group.Element).ScalarMult(L, D).Equal(want) != 1 {
				t.Fatalf("L·D ≠ x_j·A for trustee %d, ciphertext %d", pd.Index, i)
			}
		}
	}
}

// Every (k, n) shape, including 1-of-1 and n-of-n, decrypts with the
// smallest and the largest quorum.
func TestDecryptShapes(t *testing.T) {
	r := testrand.New("shapes")
	for _, kn := range [][2]int{{1, 1}, {1, 3}, {2, 2}, {2, 3}, {4, 7}, {5, 9}, {3, 32}} {
		k, n := kn[0], kn[1]
		tk := newTestKey(t, "shape", k, n)
		cts, want := tk.encryptExp(t, r, 7, 0)
		pds := tk.decrypt(t, r, cts, nil, seq(uint32(n-k+1), uint32(n))...) // the last k
		got, rep, err := Combine(r, tk.params, nil, cts, pds)
		if err != nil {
			t.Fatalf("%d of %d: %v", k, n, err)
		}
		wantPlaintexts(t, got, want)
		if len(rep.Missing) != n-k {
			t.Fatalf("%d of %d: %d missing, want %d", k, n, len(rep.Missing), n-k)
		}
	}
}

// n − k trustees are absent: the others still decrypt, and the report
// names the absent ones.
func TestAbsentTrustees(t *testing.T) {
	r := testrand.New("absent")
	tk := newTestKey(t, "absent", 3, 5)
	cts, want := tk.encryptExp(t, r, 3, 5)
	pds := tk.decrypt(t, r, cts, nil, 5, 2, 4)
	got, rep, err := Combine(r, tk.params, nil, cts, pds)
	if err != nil {
		t.Fatal(err)
	}
	wantPlaintexts(t, got, want)
	if !equalIndices(rep.Missing, []uint32{1, 3}) || !equalIndices(rep.Used, []uint32{2, 4, 5}) {
		t.Fatalf("report %+v", rep)
	}
}

// With fewer than k partial decryptions there are no plaintexts, and the
// error names who is missing and who was excluded.
func TestTooFewTrustees(t *testing.T) {
	r := testrand.New("too few")
	tk := newTestKey(t, "too few", 3, 5)
	cts, _ := tk.encryptExp(t, r, 1, 2)
	pds := tk.decrypt(t, r, cts, nil, 1, 4)
	pds[1].Shares[0] = new(group.Element).Add(pds[1].Shares[0], group.NewGeneratorElement())
	extra := tk.decrypt(t, r, cts, nil, 2)
	got, rep, err := Combine(r, tk.params, nil, cts, append(pds, extra...))
	if got != nil {
		t.Fatal("plaintexts returned without a quorum")
	}
	wantErr(t, err, ErrTooFewShares, "missing (trustees 3, 5)")
	var qe *QuorumError
	if !errors.As(err, &qe) {
		t.Fatalf("error %T is not a *QuorumError", err)
	}
	if !equalIndices(qe.Valid, []uint32{1, 2}) || !equalIndices(qe.Missing, []uint32{3, 5}) ||
		len(qe.Excluded) != 1 || qe.Excluded[0].Index != 4 {
		t.Fatalf("quorum error %+v", qe)
	}
	if rep == nil || !equalIndices(rep.Missing, qe.Missing) || rep.Used != nil {
		t.Fatalf("report %+v", rep)
	}
	if _, _, err := Combine(r, tk.params, nil, cts, nil); !errors.Is(err, ErrTooFewShares) {
		t.Fatalf("no partial decryptions: %v", err)
	}
}

// A ciphertext with A = identity (an empty homomorphic sum, say) has the
// identity as its only correct share and decrypts to B.
func TestIdentityCiphertext(t *testing.T) {
	r := testrand.New("identity A")
	tk := newTestKey(t, "identity A", 2, 3)
	cts, want := tk.encryptExp(t, r, 9)
	M := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(4))
	cts = append(cts, &elgamal.Ciphertext{A: group.NewElement(), B: M})
	want = append(want, M)
	pds := tk.decrypt(t, r, cts, nil, 1, 3)
	if !pds[0].Shares[1].IsIdentity() {
		t.Fatal("share of an identity A is not the identity")
	}
	got, _, err := Combine(r, tk.params, nil, cts, pds)
	if err != nil {
		t.Fatal(err)
	}
	wantPlaintexts(t, got, want)
	// A non-identity share for it is caught by the proof.
	pds[0].Shares[1] = group.NewGeneratorElement()
	wantErr(t, VerifyPartial(tk.params, nil, cts, pds[0]), ErrInvalid, "trustee 1")
}

func TestPartialDecryptRefuses(t *testing.T) {
	r := testrand.New("refuses")
	tk := newTestKey(t, "refuses", 2, 3)
	cts, _ := tk.encryptExp(t, r, 1)
	if _, err := PartialDecrypt(r, tk.params, 2, tk.shares[0], cts, nil); err == nil {
		t.Fatal("decrypted with another trustee's share")
	}
	for _, j := range []uint32{0, 4} {
		if _, err := PartialDecrypt(r, tk.params, j, tk.shares[0], cts, nil); err == nil {
			t.Fatalf("decrypted as trustee %d", j)
		}
	}
	if _, err := PartialDecrypt(r, tk.params, 1, tk.shares[0], nil, nil); err == nil {
		t.Fatal("decrypted an empty list")
	}
	if _, err := PartialDecrypt(r, tk.params, 1, tk.shares[0], []*elgamal.Ciphertext{{A: cts[0].A}}, nil); err == nil {
		t.Fatal("decrypted a ciphertext without B")
	}
	if _, err := PartialDecrypt(r, tk.params, 1, nil, cts, nil); err == nil {
		t.Fatal("decrypted without a share")
	}
	if _, err := PartialDecrypt(failingReader{}, tk.params, 1, tk.shares[0], cts, nil); err == nil {
		t.Fatal("decrypted without randomness")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

// A broken random source does not repeat nonces across statements: the
// nonce also depends on the share and the statement.
func TestHedgedNonces(t *testing.T) {
	tk := newTestKey(t, "hedged", 2, 3)
	r := testrand.New("hedged")
	cts1, _ := tk.encryptExp(t, r, 1)
	cts2, _ := tk.encryptExp(t, r, 1)
	zero := bytes.NewReader(make([]byte, 64))
	pd1, err := PartialDecrypt(zero, tk.params, 1, tk.shares[0], cts1, nil)
	if err != nil {
		t.Fatal(err)
	}
	zero = bytes.NewReader(make([]byte, 64))
	pd2, err := PartialDecrypt(zero, tk.params, 1, tk.shares[0], cts2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pd1.Proof.RG.Equal(pd2.Proof.RG) == 1 {
		t.Fatal("same nonce for two statements with the same random bytes")
	}
}

func TestNewParams(t *testing.T) {
	tk := newTestKey(t, "params", 3, 5)
	Y := tk.params.PublicKey()
	keys := tk.keys
	fp := testFP("params")
	if tk.params.K() != 3 || tk.params.N() != 5 || tk.params.Fingerprint() != fp ||
		tk.params.ScaleFactor().Int64() != 24 || tk.params.VerificationKey(0) != nil || tk.params.VerificationKey(6) != nil ||
		tk.params.VerificationKey(2).Equal(keys[1]) != 1 {
		t.Fatal("accessors disagree with the parameters")
	}
	G := group.NewGeneratorElement()
	if tk.params.ScaledGenerator().Equal(new(group.Element).ScalarMult(new(group.Scalar).SetUint64(24), G)) != 1 {
		t.Fatal("G' ≠ 24·G")
	}
	moved := func(i int) []*group.Element {
		out := append([]*group.Element(nil), keys...)
		out[i] = new(group.Element).Add(out[i], G)
		return out
	}
	cases := map[string]struct {
		k, n int
		Y    *group.Element
		keys []*group.Element
	}{
		"k = 0":                 {0, 5, Y, keys},
		"k > n":                 {6, 5, Y, keys},
		"n = 33":                {3, 33, Y, keys},
		"too few keys":          {3, 5, Y, keys[:4]},
		"identity joint key":    {3, 5, group.NewElement(), keys},
		"missing joint key":     {3, 5, nil, keys},
		"identity key":          {3, 5, Y, append([]*group.Element{group.NewElement()}, keys[1:]...)},
		"missing key":           {3, 5, Y, append([]*group.Element{nil}, keys[1:]...)},
		"key 5 off the curve":   {3, 5, Y, moved(4)},
		"key 1 off the curve":   {3, 5, Y, moved(0)},
		"wrong joint key":       {3, 5, new(group.Element).Add(Y, G), keys},
		"threshold 2 for deg 2": {2, 5, Y, keys},
	}
	for name, c := range cases {
		if _, err := NewParams(fp, c.k, c.n, c.Y, c.keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The same keys with k = 4 or 5 are consistent (a degree-2 polynomial
	// has degree < 4).
	if _, err := NewParams(fp, 4, 5, Y, keys); err != nil {
		t.Fatalf("k = 4: %v", err)
	}
}

// The batched verifier of several partial decryptions names exactly the
// invalid ones, whichever path (combined or one by one) it takes.
func TestVerifyPartialsBlame(t *testing.T) {
	r := testrand.New("blame")
	tk := newTestKey(t, "blame", 3, 6)
	cts, _ := tk.encryptExp(t, r, 1, 2, 3, 4, 5)
	for _, count := range []int{1, 2, 3, 6} {
		pds := tk.decrypt(t, r, cts, nil, seq(1, uint32(count))...)
		if err := VerifyPartials(r, tk.params, nil, cts, pds); err != nil {
			t.Fatalf("%d honest partial decryptions rejected: %v", count, err)
		}
		bad := count - 1
		pds[bad].Shares[2] = new(group.Element).Add(pds[bad].Shares[2], pds[bad].Shares[3])
		err := VerifyPartials(r, tk.params, nil, cts, pds)
		var be *BlameError
		if !errors.As(err, &be) || len(be.Culprits) != 1 || be.Culprits[0].Index != uint32(count) || be.Culprits[0].Position != bad {
			t.Fatalf("%d partial decryptions, one bad: %v", count, err)
		}
		wantErr(t, err, ErrInvalid, "proof")
	}
	pds := tk.decrypt(t, r, cts, nil, 1, 2, 3)
	if err := VerifyPartials(failingReader{}, tk.params, nil, cts, pds); err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("failing verifier randomness: %v", err)
	}
}

// cheat returns trustee j's partial decryption of cts with the shares
// changed by modify, and a proof made for the wrong shares with the right
// witness: its first equation holds, only the batched second one can catch
// the wrong shares.
func (tk *testKey) cheat(t testing.TB, j uint32, cts []*elgamal.Ciphertext, binding []byte, modify func([]*group.Element)) *PartialDecryption {
	t.Helper()
	p := tk.params
	xs := new(group.Scalar).Multiply(tk.shares[j-1], p.scaleInv)
	shares := make([]*group.Element, len(cts))
	for m, ct := range cts {
		shares[m] = new(group.Element).ScalarMult(xs, ct.A)
	}
	modify(shares)
	aEnc := encodeElements(len(cts), func(m int) *group.Element { return cts[m].A })
	dEnc := encodeElements(len(cts), func(m int) *group.Element { return shares[m] })
	pr, err := p.prove([32]byte{1}, j, xs, cts, aEnc, dEnc, binding)
	if err != nil {
		t.Fatal(err)
	}
	return &PartialDecryption{Index: j, Shares: shares, Proof: pr}
}

// A trustee that proves wrong shares with its real key passes the first
// equation and fails the second, alone or batched with others.
func TestCheatingTrustee(t *testing.T) {
	r := testrand.New("cheat")
	tk := newTestKey(t, "cheat", 3, 5)
	cts, want := tk.encryptExp(t, r, 10, 20, 30)
	G := group.NewGeneratorElement()
	bad := tk.cheat(t, 2, cts, nil, func(D []*group.Element) { D[1].Add(D[1], G) })
	wantErr(t, VerifyPartial(tk.params, nil, cts, bad), ErrInvalid, "z·A* ≠ R_A + c·D*")
	// Batched with honest ones: the combined check fails and the fallback
	// names trustee 2 only.
	pds := tk.decrypt(t, r, cts, nil, 1, 3, 4, 5)
	all := []*PartialDecryption{pds[0], bad, pds[1], pds[2], pds[3]}
	got, rep, err := Combine(r, tk.params, nil, cts, all)
	if err != nil {
		t.Fatal(err)
	}
	wantPlaintexts(t, got, want)
	if len(rep.Excluded) != 1 || rep.Excluded[0].Index != 2 || !equalIndices(rep.Used, []uint32{1, 3, 4}) {
		t.Fatalf("report %+v", rep)
	}
	wantErr(t, rep.Excluded[0].Err, ErrInvalid, "z·A* ≠ R_A + c·D*")
	// Two wrong shares that cancel in a fixed combination do not cancel in
	// the transcript's.
	bad2 := tk.cheat(t, 2, cts, nil, func(D []*group.Element) { D[0].Add(D[0], G); D[1].Subtract(D[1], G) })
	wantErr(t, VerifyPartial(tk.params, nil, cts, bad2), ErrInvalid, "z·A* ≠ R_A + c·D*")
	// Swapped shares of two different ciphertexts.
	bad3 := tk.cheat(t, 2, cts, nil, func(D []*group.Element) { D[0], D[2] = D[2], D[0] })
	wantErr(t, VerifyPartial(tk.params, nil, cts, bad3), ErrInvalid, "z·A* ≠ R_A + c·D*")
	// The unmodified statement passes: cheat itself is sound.
	if err := VerifyPartial(tk.params, nil, cts, tk.cheat(t, 2, cts, nil, func([]*group.Element) {})); err != nil {
		t.Fatalf("honest proof from the test prover rejected: %v", err)
	}
}
