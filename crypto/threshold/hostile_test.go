package threshold

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// hostileSetup is a 3-of-5 key, three ciphertexts and the honest partial
// decryptions of all five trustees, bound to "tally 7".
func hostileSetup(t *testing.T, name string) (*testKey, []*elgamal.Ciphertext, []*group.Element, []*PartialDecryption) {
	t.Helper()
	r := testrand.New("hostile/" + name)
	tk := newTestKey(t, "hostile", 3, 5)
	cts, want := tk.encryptExp(t, r, 11, 0, 5)
	return tk, cts, want, tk.decrypt(t, r, cts, []byte("tally 7"), seq(1, 5)...)
}

// combineWant combines and checks the plaintexts, the trustees used and
// the excluded trustees (in input order).
func combineWant(t *testing.T, tk *testKey, cts []*elgamal.Ciphertext, want []*group.Element, pds []*PartialDecryption, used []uint32, excluded ...uint32) *Report {
	t.Helper()
	got, rep, err := Combine(testrand.New("verifier"), tk.params, []byte("tally 7"), cts, pds)
	if err != nil {
		t.Fatal(err)
	}
	wantPlaintexts(t, got, want)
	if !equalIndices(rep.Used, used) {
		t.Fatalf("used %v, want %v", rep.Used, used)
	}
	var ex []uint32
	for _, c := range rep.Excluded {
		ex = append(ex, c.Index)
	}
	if !equalIndices(ex, excluded) {
		t.Fatalf("excluded %v, want %v (%+v)", ex, excluded, rep.Excluded)
	}
	return rep
}

// Trustee 2 alters one share after proving: its partial decryption is
// excluded, it is named, and the other four decrypt.
func TestHostileAlteredShare(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "altered")
	pds[1].Shares[2] = new(group.Element).Add(pds[1].Shares[2], group.NewGeneratorElement())
	rep := combineWant(t, tk, cts, want, pds, []uint32{1, 3, 4}, 2)
	wantErr(t, rep.Excluded[0].Err, ErrInvalid, "trustee 2")
}

// Trustee 3 posts a partial decryption of another list of the same length:
// its proof does not verify for these ciphertexts.
func TestHostileOtherCiphertexts(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "other list")
	other, _ := tk.encryptExp(t, testrand.New("other"), 11, 0, 5)
	pds[2] = tk.decrypt(t, testrand.New("other/3"), other, []byte("tally 7"), 3)[0]
	combineWant(t, tk, cts, want, pds, []uint32{1, 2, 4}, 3)
	// The same list in another order is another list.
	swapped := []*elgamal.Ciphertext{cts[1], cts[0], cts[2]}
	pds[2] = tk.decrypt(t, testrand.New("other/3b"), swapped, []byte("tally 7"), 3)[0]
	combineWant(t, tk, cts, want, pds, []uint32{1, 2, 4}, 3)
}

// A partial decryption of a shorter or longer list is rejected by its
// count, before any proof is checked.
func TestHostileOtherLength(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "length")
	pds[0] = tk.decrypt(t, testrand.New("short"), cts[:2], []byte("tally 7"), 1)[0]
	pds[4] = tk.decrypt(t, testrand.New("long"), append(cts, cts[0]), []byte("tally 7"), 5)[0]
	rep := combineWant(t, tk, cts, want, pds, []uint32{2, 3, 4}, 1, 5)
	wantErr(t, rep.Excluded[0].Err, ErrInvalid, "2 shares for 3 ciphertexts")
	wantErr(t, rep.Excluded[1].Err, ErrInvalid, "4 shares for 3 ciphertexts")
}

// A partial decryption replayed from another election (same key, another
// fingerprint) or made for another binding does not verify.
func TestHostileReplay(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "replay")
	otherElection := newTestKeyFP(t, "hostile", testFP("another election"), 3, 5)
	if otherElection.shares[3].Equal(tk.shares[3]) != 1 {
		t.Fatal("the other election does not reuse the key")
	}
	pds[3] = otherElection.decrypt(t, testrand.New("replay/4"), cts, []byte("tally 7"), 4)[0]
	pds[1] = tk.decrypt(t, testrand.New("replay/2"), cts, []byte("tally 8"), 2)[0]
	combineWant(t, tk, cts, want, pds, []uint32{1, 3, 5}, 2, 4)
	// And in the other direction: the other election rejects ours.
	_, cts2, _, ours := hostileSetup(t, "replay")
	if err := VerifyPartial(otherElection.params, []byte("tally 7"), cts2, ours[0]); !errors.Is(err, ErrInvalid) {
		t.Fatalf("partial decryption verified in another election: %v", err)
	}
}

// A trustee posting twice: the first posting counts and the second is
// ignored, whether it differs or not, and whether the first was valid or
// not.
func TestHostileTwice(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "twice")
	again := tk.decrypt(t, testrand.New("twice/again"), cts, []byte("tally 7"), 2)[0] // valid, differs
	garbage := &PartialDecryption{Index: 2, Shares: pds[0].Shares, Proof: pds[0].Proof}
	list := []*PartialDecryption{pds[1], pds[0], again, garbage, pds[2]}
	rep := combineWant(t, tk, cts, want, list, []uint32{1, 2, 3})
	if len(rep.Ignored) != 2 || rep.Ignored[0].Position != 2 || rep.Ignored[1].Position != 3 || rep.Ignored[0].Index != 2 {
		t.Fatalf("ignored %+v", rep.Ignored)
	}
	// An invalid first posting is not replaced by a valid second one.
	list = []*PartialDecryption{garbage, pds[1], pds[0], pds[2], pds[4]}
	rep = combineWant(t, tk, cts, want, list, []uint32{1, 3, 5}, 2)
	if len(rep.Ignored) != 1 || rep.Ignored[0].Position != 1 {
		t.Fatalf("ignored %+v", rep.Ignored)
	}
}

// Garbage bytes from trustee 4 exclude trustee 4 (a decoding error); the
// others decrypt. A submission claiming another trustee's index excludes
// its poster.
func TestHostileGarbageSubmission(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "garbage")
	subs := []Submission{
		{Trustee: 4, Data: []byte("this is not a partial decryption")},
		{Trustee: 1, Data: pds[0].Bytes()},
		{Trustee: 5, Data: pds[1].Bytes()}, // trustee 2's, posted by 5
		{Trustee: 2, Data: pds[1].Bytes()},
		{Trustee: 3, Data: append(pds[2].Bytes(), 0)},
		{Trustee: 3, Data: pds[2].Bytes()}, // too late: 3's first posting counts
		{Trustee: 9, Data: pds[2].Bytes()},
	}
	got, rep, err := CombineSubmissions(testrand.New("v"), tk.params, []byte("tally 7"), cts, subs)
	if got != nil || !errors.Is(err, ErrTooFewShares) {
		t.Fatalf("2 valid of 3 needed: %v", err)
	}
	var ex []uint32
	for _, c := range rep.Excluded {
		ex = append(ex, c.Index)
	}
	if !equalIndices(ex, []uint32{4, 5, 3, 9}) || !equalIndices(rep.Valid, []uint32{1, 2}) || len(rep.Ignored) != 1 {
		t.Fatalf("report %+v", rep)
	}
	wantErr(t, rep.Excluded[0].Err, ErrMalformed, "")
	wantErr(t, rep.Excluded[1].Err, ErrInvalid, "posted with index 2")
	wantErr(t, rep.Excluded[2].Err, ErrMalformed, "")
	wantErr(t, err, ErrTooFewShares, "trustee 4 (entry 0)")

	subs = append(subs, Submission{Trustee: 5, Data: pds[4].Bytes()})
	subs[2].Trustee = 4 // now 4's second posting: ignored
	got, rep, err = CombineSubmissions(testrand.New("v"), tk.params, []byte("tally 7"), cts, subs)
	if err != nil {
		t.Fatal(err)
	}
	wantPlaintexts(t, got, want)
	if !equalIndices(rep.Used, []uint32{1, 2, 5}) {
		t.Fatalf("report %+v", rep)
	}
}

// Partial decryptions with index 0, an index above n, a nil entry or a
// missing proof are excluded; an empty list of ciphertexts is an error.
func TestHostileShapes(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "shapes")
	zero := &PartialDecryption{Index: 0, Shares: pds[0].Shares, Proof: pds[0].Proof}
	six := &PartialDecryption{Index: 6, Shares: pds[0].Shares, Proof: pds[0].Proof}
	noProof := &PartialDecryption{Index: 1, Shares: pds[0].Shares}
	nilShare := &PartialDecryption{Index: 5, Shares: []*group.Element{pds[4].Shares[0], nil, pds[4].Shares[2]}, Proof: pds[4].Proof}
	list := []*PartialDecryption{zero, nil, six, noProof, nilShare, pds[1], pds[2], pds[3]}
	rep := combineWant(t, tk, cts, want, list, []uint32{2, 3, 4}, 0, 0, 6, 1, 5)
	wantErr(t, rep.Excluded[0].Err, ErrInvalid, "index outside 1 to 5")
	wantErr(t, rep.Excluded[3].Err, ErrInvalid, "missing proof")
	wantErr(t, rep.Excluded[4].Err, ErrInvalid, "share 1 is missing")
	if _, _, err := Combine(nil, tk.params, nil, nil, pds); err == nil {
		t.Fatal("combined no ciphertexts")
	}
	if _, _, err := Combine(nil, tk.params, nil, []*elgamal.Ciphertext{{A: cts[0].A}}, pds); err == nil {
		t.Fatal("combined a ciphertext without B")
	}
}

// The checker rejects wrong plaintexts (naming them), too few or repeated
// partial decryptions, invalid ones, and a plaintext count mismatch.
func TestCheckRejects(t *testing.T) {
	tk, cts, want, pds := hostileSetup(t, "check")
	r := testrand.New("check")
	b := []byte("tally 7")
	if err := Check(r, tk.params, b, cts, pds[2:], want); err != nil {
		t.Fatal(err)
	}
	wrong := append([]*group.Element(nil), want...)
	wrong[2] = group.NewGeneratorElement()
	wantErr(t, Check(r, tk.params, b, cts, pds[:3], wrong), ErrWrongResult, "at 2")
	wantErr(t, Check(r, tk.params, b, cts, pds[:2], want), ErrWrongResult, "2 partial decryptions, 3 needed")
	wantErr(t, Check(r, tk.params, b, cts, []*PartialDecryption{pds[0], pds[1], pds[0]}, want), ErrWrongResult, "repeated")
	wantErr(t, Check(r, tk.params, b, cts, pds[:3], want[:2]), ErrWrongResult, "2 plaintexts for 3")
	wantErr(t, Check(r, tk.params, []byte("tally 6"), cts, pds[:3], want), ErrInvalid, "")
	tampered := &PartialDecryption{Index: 3, Shares: append([]*group.Element(nil), pds[2].Shares...), Proof: pds[2].Proof}
	tampered.Shares[0] = group.NewGeneratorElement()
	var be *BlameError
	if err := Check(r, tk.params, b, cts, []*PartialDecryption{pds[0], pds[1], tampered}, want); !errors.As(err, &be) || be.Culprits[0].Index != 3 {
		t.Fatalf("tampered partial decryption: %v", err)
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	_, _, _, pds := hostileSetup(t, "encoding")
	b := pds[2].Bytes()
	if len(b) != 8+3*32+96 || len(b) != pds[2].Size() {
		t.Fatalf("encoding is %d bytes", len(b))
	}
	if binary.BigEndian.Uint32(b) != 3 || binary.BigEndian.Uint32(b[4:]) != 3 {
		t.Fatal("header is not u32(index) || u32(count)")
	}
	q, err := ParsePartialDecryption(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q.Bytes(), b) || q.Index != 3 || len(q.Shares) != 3 {
		t.Fatal("decoding does not round-trip")
	}
}

func TestParseRejects(t *testing.T) {
	_, _, _, pds := hostileSetup(t, "parse")
	good := pds[0].Bytes()
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	nonCanonical := bytes.Repeat([]byte{0xff}, 32) // not a field element < p
	cases := map[string][]byte{
		"empty":               nil,
		"truncated":           good[:len(good)-1],
		"trailing byte":       append(bytes.Clone(good), 0),
		"index 0":             mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0); return b }),
		"count 0":             mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 0); return b[:8+96] }),
		"count too large":     mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 4); return b }),
		"count too small":     mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 2); return b }),
		"count above maximum": mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], MaxShares+1); return b }),
		"non-canonical share": mut(func(b []byte) []byte { copy(b[8+32:], nonCanonical); return b }),
		"negative share":      mut(func(b []byte) []byte { b[8] |= 1; return b }),
		"identity R_G":        mut(func(b []byte) []byte { clear(b[8+96 : 8+128]); return b }),
		"non-canonical R_A":   mut(func(b []byte) []byte { copy(b[8+128:], nonCanonical); return b }),
		"unreduced z":         mut(func(b []byte) []byte { copy(b[8+160:], bytes.Repeat([]byte{0xff}, 32)); return b }),
		"z + ℓ":               mut(func(b []byte) []byte { addOrder(b[8+160:]); return b }),
		"header only":         good[:8],
		"count 2^32 − 1":      mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 0xffffffff); return b }),
	}
	for name, b := range cases {
		if _, err := ParsePartialDecryption(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Identity shares and an identity R_A decode (the proof decides).
	idShare := mut(func(b []byte) []byte { clear(b[8:40]); return b })
	if _, err := ParsePartialDecryption(idShare); err != nil {
		t.Fatalf("identity share: %v", err)
	}
}

// addOrder adds ℓ to the little-endian 32-byte scalar in b, if the sum
// fits in 256 bits.
func addOrder(b []byte) {
	l := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 31: 0x10}
	carry := 0
	for i := range 32 {
		s := int(b[i]) + int(l[i]) + carry
		b[i], carry = byte(s), s>>8
	}
}
