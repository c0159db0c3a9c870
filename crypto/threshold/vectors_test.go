package threshold

import (
	"bytes"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/internal/golden"
)

// This file generates and checks testdata/threshold.json, the test vectors
// of docs/spec/threshold.md. Transcripts, weights, nonces and challenges are
// recomputed here from the spec with an independent encoder of the item
// framing of docs/spec/transcript.md, so the vectors check the package
// against the spec, not against itself.

const vectorFile = "../../testdata/threshold.json"

// specT is the transcript of docs/spec/transcript.md, written out.
type specT struct{ in []byte }

func specNew(protocol string) *specT {
	return (&specT{}).item(0x01, "veche/transcript/v1", []byte(protocol))
}

func (t *specT) item(typ byte, label string, v []byte) *specT {
	t.in = append(t.in, typ)
	t.in = binary.BigEndian.AppendUint32(t.in, uint32(len(label)))
	t.in = append(t.in, label...)
	t.in = binary.BigEndian.AppendUint64(t.in, uint64(len(v)))
	t.in = append(t.in, v...)
	return t
}

func (t *specT) bytes(l string, v []byte) *specT { return t.item(0x02, l, v) }
func (t *specT) u64(l string, v uint64) *specT {
	return t.item(0x03, l, binary.BigEndian.AppendUint64(nil, v))
}
func (t *specT) scalar(l string, s []byte) *specT { return t.item(0x04, l, s) }
func (t *specT) elem(l string, e []byte) *specT   { return t.item(0x05, l, e) }
func (t *specT) list(l string, n int) *specT {
	return t.item(0x06, l, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func (t *specT) digest(l string) []byte {
	t.item(0x07, l, nil)
	d := sha512.Sum512(t.in)
	return d[:]
}

func (t *specT) challengeBytes(l string, n int) []byte {
	x := sha3.NewSHAKE256()
	x.Write(t.digest(l))
	out := make([]byte, n)
	x.Read(out)
	return out
}

func (t *specT) challengeScalar(l string) *group.Scalar {
	s, _ := new(group.Scalar).SetUniformBytes(t.digest(l))
	return s
}

func (t *specT) challengeScalars(l string, n int) []*group.Scalar {
	x := sha3.NewSHAKE256()
	x.Write(t.digest(l))
	out := make([]*group.Scalar, n)
	var b [64]byte
	for i := range out {
		x.Read(b[:])
		out[i], _ = new(group.Scalar).SetUniformBytes(b[:])
	}
	return out
}

func hx(b []byte) string { return hex.EncodeToString(b) }

func hxElems(es []*group.Element) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = hx(e.Bytes())
	}
	return out
}

func hxScalars(ss []*group.Scalar) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = hx(s.Bytes())
	}
	return out
}

type tvCiphertext struct {
	A         string `json:"A_hex"`
	B         string `json:"B_hex"`
	Plaintext uint64 `json:"plaintext_m"`
	M         string `json:"plaintext_M_hex"`
}

type tvPartial struct {
	Index           uint32   `json:"index"`
	Share           string   `json:"share_x_hex"`
	ScaledShare     string   `json:"scaled_share_x_over_L_hex"`
	Shares          []string `json:"shares_D_hex"`
	NonceRandom     string   `json:"nonce_random_hex"`
	NonceInput      string   `json:"nonce_transcript_input_hex"`
	Nonce           string   `json:"nonce_k_hex"`
	TranscriptInput string   `json:"transcript_input_hex"`
	EInputLength    int      `json:"e_input_length"`
	Weights         []string `json:"weights_e_hex"`
	AStar           string   `json:"A_star_hex"`
	DStar           string   `json:"D_star_hex"`
	RG              string   `json:"commitment_RG_hex"`
	RA              string   `json:"commitment_RA_hex"`
	Challenge       string   `json:"challenge_c_hex"`
	Z               string   `json:"response_z_hex"`
	Encoding        string   `json:"encoding_hex"`
}

type tvCombination struct {
	Description string   `json:"description"`
	Used        []uint32 `json:"used"`
	Lagrange    []string `json:"lagrange_hex"`
	Scaled      []string `json:"scaled_lagrange_decimal"`
	Plaintexts  []string `json:"plaintexts_M_hex"`
}

type tvRejection struct {
	Description string `json:"description"`
	Result      string `json:"result"` // "malformed" or "invalid"
	Binding     string `json:"binding_hex"`
	Encoding    string `json:"encoding_hex"`
}

type tvFile struct {
	Description      string          `json:"description"`
	Fingerprint      string          `json:"fingerprint_hex"`
	K                int             `json:"k"`
	N                int             `json:"n"`
	ScaleFactor      string          `json:"scale_factor_L_decimal"`
	ScaledGenerator  string          `json:"scaled_generator_G_prime_hex"`
	DealerPolynomial []string        `json:"dealer_polynomial_hex"`
	PublicKey        string          `json:"public_key_Y_hex"`
	VerificationKeys []string        `json:"verification_keys_hex"`
	Binding          string          `json:"binding_hex"`
	Ciphertexts      []tvCiphertext  `json:"ciphertexts"`
	Partials         []tvPartial     `json:"partial_decryptions"`
	Combinations     []tvCombination `json:"combinations"`
	Rejections       []tvRejection   `json:"rejections"`
}

// specStatement absorbs the statement items of section 4 of the spec.
func specStatement(t *specT, n, k int, index uint32, binding []byte, Y []byte, as, ds []*group.Element) {
	t.u64("n", uint64(n)).u64("k", uint64(k)).u64("index", uint64(index)).bytes("binding", binding).elem("Y", Y)
	t.list("A", len(as))
	for _, a := range as {
		t.elem("", a.Bytes())
	}
	t.list("D", len(ds))
	for _, d := range ds {
		t.elem("", d.Bytes())
	}
}

func TestVectors(t *testing.T) {
	r := testrand.New("threshold vectors")
	const k, n = 3, 5
	fp := testFP("veche threshold vectors")
	tk := newTestKeyFP(t, "vectors", fp, k, n)
	p := tk.params
	binding := []byte("tally 1")
	ms := []uint64{0, 1, 7, 1000}
	cts, want := tk.encryptExp(t, r, ms...)

	v := tvFile{
		Description: "docs/spec/threshold.md: a 3-of-5 key from a deterministic test dealer (the polynomial is given only " +
			"to make the vectors reproducible; elections use the key ceremony), four ciphertexts, the partial " +
			"decryptions of all five trustees, two combinations and rejected partial decryptions. All of them are " +
			"checked against the ciphertexts, the verification keys, the fingerprint and the binding above.",
		Fingerprint:      hx(fp[:]),
		K:                k,
		N:                n,
		ScaleFactor:      p.ScaleFactor().String(),
		ScaledGenerator:  hx(p.ScaledGenerator().Bytes()),
		DealerPolynomial: hxScalars(tk.coeffs),
		PublicKey:        hx(p.PublicKey().Bytes()),
		VerificationKeys: hxElems(tk.keys),
		Binding:          hx(binding),
	}
	As := make([]*group.Element, len(cts))
	for i, ct := range cts {
		As[i] = ct.A
		v.Ciphertexts = append(v.Ciphertexts, tvCiphertext{A: hx(ct.A.Bytes()), B: hx(ct.B.Bytes()), Plaintext: ms[i], M: hx(want[i].Bytes())})
	}

	G := group.NewGeneratorElement()
	Gp := p.ScaledGenerator()
	Linv := new(group.Scalar).Invert(scalarFromBig(p.ScaleFactor()))
	var pds []*PartialDecryption
	for j := uint32(1); j <= n; j++ {
		rnd := make([]byte, 32)
		io.ReadFull(r, rnd)
		pd, err := PartialDecrypt(bytes.NewReader(rnd), p, j, tk.shares[j-1], cts, binding)
		if err != nil {
			t.Fatal(err)
		}
		pds = append(pds, pd)

		// The spec's computation, step by step.
		xs := new(group.Scalar).Multiply(tk.shares[j-1], Linv)
		ds := make([]*group.Element, len(cts))
		for i := range cts {
			ds[i] = new(group.Element).ScalarMult(xs, As[i])
			if ds[i].Equal(pd.Shares[i]) != 1 {
				t.Fatalf("trustee %d share %d differs from (x/L)·A", j, i)
			}
		}
		Y := tk.keys[j-1].Bytes()
		st := specNew("veche/threshold/partial-decryption/v1").bytes("fingerprint", fp[:]).bytes("group", []byte("ristretto255"))
		st.list("generators", 2).elem("", G.Bytes()).elem("", Gp.Bytes())
		specStatement(st, n, k, j, binding, Y, As, ds)
		ebytes := st.challengeBytes("e", 16*len(cts))
		eLen := len(st.in)
		es := make([]*group.Scalar, len(cts))
		wHex := make([]string, len(cts))
		for i := range es {
			var b [32]byte
			copy(b[:16], ebytes[16*i:])
			es[i], _ = new(group.Scalar).SetCanonicalBytes(b[:])
			wHex[i] = hx(ebytes[16*i : 16*i+16])
		}
		Astar, _ := new(group.Element).VarTimeMultiScalarMult(es, As)
		Dstar, _ := new(group.Element).VarTimeMultiScalarMult(es, ds)
		nt := specNew("veche/threshold/nonce/v1").bytes("protocol", []byte("veche/threshold/partial-decryption/v1")).bytes("fingerprint", fp[:])
		specStatement(nt, n, k, j, binding, Y, As, ds)
		nt.list("witness", 1).scalar("", xs.Bytes()).bytes("random", rnd)
		nonceInput := bytes.Clone(nt.in)
		kk := nt.challengeScalars("nonces", 1)[0]
		RG := new(group.Element).ScalarMult(kk, Gp)
		RA := new(group.Element).ScalarMult(kk, Astar)
		st.elem("RG", RG.Bytes()).elem("RA", RA.Bytes())
		c := st.challengeScalar("c")
		z := new(group.Scalar).MultiplyAdd(c, xs, kk)
		if pd.Proof.RG.Equal(RG) != 1 || pd.Proof.RA.Equal(RA) != 1 || pd.Proof.Z.Equal(z) != 1 {
			t.Fatalf("trustee %d: the package's proof differs from the spec's", j)
		}
		// z·A* = R_A + c·D*: the spec's equation on the spec's values.
		if new(group.Element).ScalarMult(z, Astar).Equal(new(group.Element).Add(RA, new(group.Element).ScalarMult(c, Dstar))) != 1 {
			t.Fatalf("trustee %d: second equation fails on the spec's values", j)
		}
		v.Partials = append(v.Partials, tvPartial{
			Index: j, Share: hx(tk.shares[j-1].Bytes()), ScaledShare: hx(xs.Bytes()), Shares: hxElems(ds),
			NonceRandom: hx(rnd), NonceInput: hx(nonceInput), Nonce: hx(kk.Bytes()),
			TranscriptInput: hx(st.in), EInputLength: eLen, Weights: wHex,
			AStar: hx(Astar.Bytes()), DStar: hx(Dstar.Bytes()), RG: hx(RG.Bytes()), RA: hx(RA.Bytes()),
			Challenge: hx(c.Bytes()), Z: hx(z.Bytes()), Encoding: hx(pd.Bytes()),
		})
	}

	for _, set := range [][]uint32{{1, 2, 3}, {2, 4, 5}} {
		lambda, _ := LagrangeCoefficients(set)
		mu, _ := ScaledLagrangeCoefficients(n, set)
		c := tvCombination{Used: set, Lagrange: hxScalars(lambda)}
		for _, m := range mu {
			c.Scaled = append(c.Scaled, m.String())
		}
		for i, ct := range cts {
			// M = B − Σ μ_j·D_ij, with μ_j as scalars: the plain formula.
			M := new(group.Element).Set(ct.B)
			for t2, j := range set {
				M.Subtract(M, new(group.Element).ScalarMult(scalarFromSignedBig(mu[t2]), pds[j-1].Shares[i]))
			}
			if M.Equal(want[i]) != 1 {
				t.Fatalf("combination over %v: plaintext %d wrong", set, i)
			}
			c.Plaintexts = append(c.Plaintexts, hx(M.Bytes()))
		}
		if set[0] == 1 {
			c.Description = "what Combine does with all five valid: the k smallest indices"
		} else {
			c.Description = "another quorum gives the same plaintexts"
		}
		v.Combinations = append(v.Combinations, c)
	}

	// Rejections.
	mutate := func(b []byte, f func([]byte)) []byte { b = bytes.Clone(b); f(b); return b }
	good := pds[0].Bytes()
	other := func(seed string, pp *Params, cs []*elgamal.Ciphertext, bind []byte, j uint32) []byte {
		pd, err := PartialDecrypt(testrand.New(seed), pp, j, tk.shares[j-1], cs, bind)
		if err != nil {
			t.Fatal(err)
		}
		return pd.Bytes()
	}
	otherElection := newTestKeyFP(t, "vectors", testFP("another election"), k, n)
	b := hx(binding)
	v.Rejections = []tvRejection{
		{"trustee 1, share D_2 replaced by D_2 + G", "invalid", b, hx(mutate(good, func(x []byte) {
			D, _ := group.ParseElement(x[8+32 : 8+64])
			copy(x[8+32:], new(group.Element).Add(D, G).Bytes())
		}))},
		{"trustee 1, shares D_1 and D_2 swapped", "invalid", b, hx(mutate(good, func(x []byte) {
			var tmp [32]byte
			copy(tmp[:], x[8:40])
			copy(x[8:40], x[40:72])
			copy(x[40:72], tmp[:])
		}))},
		{"trustee 2, honest for the binding \"tally 2\"", "invalid", b, hx(other("v/2", p, cts, []byte("tally 2"), 2))},
		{"trustee 3, honest for another election (fingerprint)", "invalid", b, hx(other("v/3", otherElection.params, cts, binding, 3))},
		{"trustee 4, honest for the first three ciphertexts only", "invalid", b, hx(other("v/4", p, cts[:3], binding, 4))},
		{"trustee 5, honest for the ciphertexts in another order", "invalid", b, hx(other("v/5", p, []*elgamal.Ciphertext{cts[1], cts[0], cts[2], cts[3]}, binding, 5))},
		{"trustee 1's partial decryption with its index changed to 2", "invalid", b, hx(mutate(good, func(x []byte) { x[3] = 2 }))},
		{"index 6 (n = 5)", "invalid", b, hx(mutate(good, func(x []byte) { x[3] = 6 }))},
		{"index 0", "malformed", b, hx(mutate(good, func(x []byte) { x[3] = 0 }))},
		{"count 3 for four shares", "malformed", b, hx(mutate(good, func(x []byte) { x[7] = 3 }))},
		{"R_G is the identity", "malformed", b, hx(mutate(good, func(x []byte) { clear(x[8+128 : 8+128+32]) }))},
		{"z + ℓ (unreduced)", "malformed", b, hx(mutate(good, func(x []byte) { addOrder(x[8+128+64:]) }))},
		{"a trailing zero byte", "malformed", b, hx(append(bytes.Clone(good), 0))},
		{"share D_1 not canonical (negative field element)", "malformed", b, hx(mutate(good, func(x []byte) { x[8] |= 1 }))},
	}

	// Everything checks from the hex alone.
	for i, pv := range v.Partials {
		raw, _ := hex.DecodeString(pv.Encoding)
		pd, err := ParsePartialDecryption(raw)
		if err != nil {
			t.Fatalf("partial %d: %v", i, err)
		}
		if err := VerifyPartial(p, binding, cts, pd); err != nil {
			t.Fatalf("partial %d: %v", i, err)
		}
	}
	for _, rv := range v.Rejections {
		raw, _ := hex.DecodeString(rv.Encoding)
		bind, _ := hex.DecodeString(rv.Binding)
		pd, err := ParsePartialDecryption(raw)
		if err == nil {
			err = VerifyPartial(p, bind, cts, pd)
		}
		switch {
		case rv.Result == "malformed" && !errors.Is(err, ErrMalformed),
			rv.Result == "invalid" && !errors.Is(err, ErrInvalid):
			t.Fatalf("%s: got %v, want %s", rv.Description, err, rv.Result)
		}
	}
	got, rep, err := Combine(r, p, binding, cts, pds)
	if err != nil || !equalIndices(rep.Used, []uint32{1, 2, 3}) {
		t.Fatalf("combine: %v %+v", err, rep)
	}
	wantPlaintexts(t, got, want)
	if L := p.ScaleFactor(); L.Cmp(big.NewInt(24)) != 0 {
		t.Fatalf("L = %v", L)
	}
	golden.JSON(t, vectorFile, v)
}
