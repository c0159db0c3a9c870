package zkp_test

import (
	"bytes"
	"crypto/sha3"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/veche/veche/internal/golden"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
)

// This file generates and checks testdata/zkp-disjunctive.json, the test
// vectors of docs/spec/zkp-disjunctive.md. The prover is re-run here from
// the spec alone (nonce derivation, commitments, transcript bytes,
// challenge split, responses, encoding) with an independent encoder of the
// transcript framing of docs/spec/transcript.md, and the package's proofs
// must match it byte for byte.

const djVectorFile = "../../testdata/zkp-disjunctive.json"

// dvStatement absorbs the statement items of the spec.
func dvStatement(t *specTranscript, pk *group.Element, ct zkp.Ciphertext, ranged bool, lo, hi uint64, binding []byte) {
	t.elem("pk", pk).elem("A", ct.A).elem("B", ct.B)
	if ranged {
		t.u64("lo", lo).u64("hi", hi)
	}
	t.bytes("binding", binding)
}

type djVectorCase struct {
	Name        string   `json:"name"`
	Proof       string   `json:"proof"` // "zero-one" or "range"
	Protocol    string   `json:"protocol"`
	Plaintext   uint64   `json:"plaintext"`
	Lo          uint64   `json:"lo"`
	Hi          uint64   `json:"hi"`
	Randomness  string   `json:"randomness_r_hex"`
	A           string   `json:"ciphertext_A_hex"`
	B           string   `json:"ciphertext_B_hex"`
	Binding     string   `json:"binding_hex"`
	ProverRand  string   `json:"prover_random_hex"`
	NonceInput  string   `json:"nonce_transcript_input_hex"`
	W           []string `json:"nonces_w_hex"`
	S           []string `json:"nonces_s_hex"`
	Commitments struct {
		A []string `json:"a_hex"`
		B []string `json:"b_hex"`
	} `json:"commitments"`
	Input      string   `json:"transcript_input_hex"`
	Challenge  string   `json:"challenge_c_hex"`
	Challenges []string `json:"branch_challenges_hex"`
	Responses  []string `json:"responses_z_hex"`
	Encoded    string   `json:"proof_hex"`
}

type djRejectCase struct {
	Name      string `json:"name"`
	Statement string `json:"statement"` // the valid case whose statement is used
	Lo        uint64 `json:"lo"`
	Hi        uint64 `json:"hi"`
	Binding   string `json:"binding_hex"`
	Encoded   string `json:"proof_hex"`
	Result    string `json:"result"` // "malformed" (decoding fails) or "invalid" (verification fails)
}

type djVectors struct {
	Description string         `json:"description"`
	Generator   string         `json:"generator_G_hex"`
	Fingerprint string         `json:"fingerprint_hex"`
	SecretKey   string         `json:"secret_key_hex"`
	PublicKey   string         `json:"public_key_PK_hex"`
	Valid       []djVectorCase `json:"valid"`
	Rejected    []djRejectCase `json:"rejected"`
}

func djHexElems(es []*group.Element) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = hex.EncodeToString(e.Bytes())
	}
	return out
}

func djHexScalars(ss []*group.Scalar) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = hex.EncodeToString(s.Bytes())
	}
	return out
}

// djSpecProve runs the prover of the spec, in plain variable-time code.
func djSpecProve(t *testing.T, c *djVectorCase, fp zkp.Fingerprint, pk *group.Element, ct zkp.Ciphertext, r *group.Scalar, rnd []byte) {
	ranged := c.Proof == "range"
	n := int(c.Hi-c.Lo) + 1
	v := new(group.Scalar).SetUint64(c.Plaintext)
	binding, _ := hex.DecodeString(c.Binding)

	// Nonces: ChallengeScalars("nonces", 2n) of the nonce transcript.
	nt := specNew("veche/zkp/nonce/v1").bytes("protocol", []byte(c.Protocol)).bytes("fingerprint", fp[:])
	dvStatement(nt, pk, ct, ranged, c.Lo, c.Hi, binding)
	nt.list("witness", 2).item(0x04, "", r.Bytes()).item(0x04, "", v.Bytes())
	nt.bytes("random", rnd)
	d := nt.digest("nonces")
	c.NonceInput = hex.EncodeToString(nt.in)
	x := sha3.NewSHAKE256()
	x.Write(d[:])
	nonces := make([]*group.Scalar, 2*n)
	for i := range nonces {
		var b [64]byte
		x.Read(b[:])
		nonces[i], _ = new(group.Scalar).SetUniformBytes(b[:])
	}
	w, s := nonces[:n], nonces[n:]

	// Commitments: the real branch j = v − lo honestly, the others simulated
	// with challenge s_i and response w_i.
	j := int(c.Plaintext - c.Lo)
	a, b := make([]*group.Element, n), make([]*group.Element, n)
	for i := range n {
		D := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(c.Lo + uint64(i)))
		D.Subtract(ct.B, D)
		a[i] = new(group.Element).ScalarBaseMult(w[i])
		b[i] = new(group.Element).ScalarMult(w[i], pk)
		if i != j {
			a[i].Subtract(a[i], new(group.Element).ScalarMult(s[i], ct.A))
			b[i].Subtract(b[i], new(group.Element).ScalarMult(s[i], D))
		}
	}

	ch := specNew(c.Protocol).bytes("fingerprint", fp[:]).bytes("group", []byte("ristretto255"))
	ch.list("generators", 1).elem("", group.NewGeneratorElement())
	dvStatement(ch, pk, ct, ranged, c.Lo, c.Hi, binding)
	ch.list("a", n)
	for _, e := range a {
		ch.elem("", e)
	}
	ch.list("b", n)
	for _, e := range b {
		ch.elem("", e)
	}
	digest := ch.digest("c")
	challenge, _ := new(group.Scalar).SetUniformBytes(digest[:])

	cs, zs := make([]*group.Scalar, n), make([]*group.Scalar, n)
	cReal := new(group.Scalar).Set(challenge)
	for i := range n {
		if i != j {
			cs[i], zs[i] = s[i], w[i]
			cReal.Subtract(cReal, s[i])
		}
	}
	cs[j] = cReal
	zs[j] = new(group.Scalar).MultiplyAdd(cReal, r, w[j])

	var enc []byte
	if ranged {
		enc = binary.BigEndian.AppendUint32(enc, uint32(n))
	}
	for _, e := range append(append([]*group.Element{}, a...), b...) {
		enc = append(enc, e.Bytes()...)
	}
	for _, x := range append(append([]*group.Scalar{}, cs[:n-1]...), zs...) {
		enc = append(enc, x.Bytes()...)
	}

	c.W, c.S = djHexScalars(w), djHexScalars(s)
	c.Commitments.A, c.Commitments.B = djHexElems(a), djHexElems(b)
	c.Input = hex.EncodeToString(ch.in)
	c.Challenge = hex.EncodeToString(challenge.Bytes())
	c.Challenges, c.Responses = djHexScalars(cs), djHexScalars(zs)
	c.Encoded = hex.EncodeToString(enc)
}

func TestVectorsDisjunctive(t *testing.T) {
	var fp zkp.Fingerprint
	io.ReadFull(testrand.New("zkp-disjunctive/vectors/fingerprint"), fp[:])
	sk, _ := group.RandomScalar(testrand.New("zkp-disjunctive/vectors/key"))
	pk := new(group.Element).ScalarBaseMult(sk)
	out := djVectors{
		Description: "Disjunctive Chaum-Pedersen proofs of docs/spec/zkp-disjunctive.md over ristretto255: " +
			"zero-one proofs (plaintext 0 or 1) and range proofs (plaintext in [lo, hi]). Each valid case gives the " +
			"prover's inputs, its hedged nonces, commitments, full transcript input, challenge, branch challenges, " +
			"responses and the encoded proof; the rejected cases must fail to decode (malformed) or to verify (invalid).",
		Generator:   hex.EncodeToString(group.NewGeneratorElement().Bytes()),
		Fingerprint: hex.EncodeToString(fp[:]),
		SecretKey:   hex.EncodeToString(sk.Bytes()),
		PublicKey:   hex.EncodeToString(pk.Bytes()),
	}
	specs := []struct {
		name, proof string
		m, lo, hi   uint64
		binding     string
	}{
		{"zero-one, plaintext 0", "zero-one", 0, 0, 1, "ballot 1/contest 1/selection 0"},
		{"zero-one, plaintext 1", "zero-one", 1, 0, 1, "ballot 1/contest 1/selection 1"},
		{"range, 2 in [1, 3]", "range", 2, 1, 3, "ballot 1/contest 2"},
		{"range, exactly 2", "range", 2, 2, 2, "ballot 1/contest 3"},
		{"range, 0 in [0, 4]", "range", 0, 0, 4, "ballot 1/contest 4"},
	}
	cts := map[string]zkp.Ciphertext{}
	for _, sp := range specs {
		c := djVectorCase{Name: sp.name, Proof: sp.proof, Plaintext: sp.m, Lo: sp.lo, Hi: sp.hi, Binding: hex.EncodeToString([]byte(sp.binding))}
		c.Protocol = "veche/zkp/" + sp.proof + "/v1"
		r, _ := group.RandomScalar(testrand.New("zkp-disjunctive/vectors/" + sp.name + "/r"))
		ct := djEncryptWith(pk, sp.m, r)
		cts[sp.name] = ct
		c.Randomness = hex.EncodeToString(r.Bytes())
		c.A, c.B = hex.EncodeToString(ct.A.Bytes()), hex.EncodeToString(ct.B.Bytes())
		proverRand := testrand.New("zkp-disjunctive/vectors/" + sp.name + "/prover")
		var rnd [32]byte
		io.ReadFull(testrand.New("zkp-disjunctive/vectors/"+sp.name+"/prover"), rnd[:])
		c.ProverRand = hex.EncodeToString(rnd[:])

		var got []byte
		var err error
		if sp.proof == "zero-one" {
			var p *zkp.ZeroOneProof
			if p, err = zkp.ProveZeroOne(proverRand, fp, pk, ct, sp.m, r, []byte(sp.binding)); err == nil {
				got = p.Bytes()
				err = zkp.VerifyZeroOne(fp, pk, ct, []byte(sp.binding), p)
			}
		} else {
			var p *zkp.RangeProof
			if p, err = zkp.ProveRange(proverRand, fp, pk, ct, sp.m, r, sp.lo, sp.hi, []byte(sp.binding)); err == nil {
				got = p.Bytes()
				err = zkp.VerifyRange(fp, pk, ct, sp.lo, sp.hi, []byte(sp.binding), p)
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", sp.name, err)
		}
		djSpecProve(t, &c, fp, pk, ct, r, rnd[:])
		if hex.EncodeToString(got) != c.Encoded {
			t.Fatalf("%s: the package's proof differs from the spec's prover:\n got %x\nwant %s", sp.name, got, c.Encoded)
		}
		out.Valid = append(out.Valid, c)
	}

	// Rejected cases, built from the valid proofs.
	valid := func(i int) []byte { b, _ := hex.DecodeString(out.Valid[i].Encoded); return b }
	edit := func(b []byte, off int, with []byte) string {
		b = bytes.Clone(b)
		copy(b[off:], with)
		return hex.EncodeToString(b)
	}
	scalarPlusOne := func(b []byte, off int) string {
		s, _ := new(group.Scalar).SetCanonicalBytes(b[off : off+32])
		return edit(b, off, s.Add(s, new(group.Scalar).SetUint64(1)).Bytes())
	}
	ell, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000000")
	ell[31] = 0x10
	zo, rg := valid(1), valid(2)
	vb := func(i int) string { return out.Valid[i].Binding }
	out.Rejected = []djRejectCase{
		{"zero-one: c_0 + 1", out.Valid[1].Name, 0, 1, vb(1), scalarPlusOne(zo, 128), "invalid"},
		{"zero-one: z_0 + 1", out.Valid[1].Name, 0, 1, vb(1), scalarPlusOne(zo, 160), "invalid"},
		{"zero-one: another binding", out.Valid[1].Name, 0, 1, vb(0), hex.EncodeToString(zo), "invalid"},
		{"zero-one: a_0 is the identity", out.Valid[1].Name, 0, 1, vb(1), edit(zo, 0, make([]byte, 32)), "malformed"},
		{"zero-one: c_0 unreduced (c_0 + ℓ)", out.Valid[0].Name, 0, 1, vb(0), djAddEll(valid(0), 128, ell), "malformed"},
		{"zero-one: z_1 = ℓ", out.Valid[1].Name, 0, 1, vb(1), edit(zo, 192, ell), "malformed"},
		{"zero-one: truncated", out.Valid[1].Name, 0, 1, vb(1), hex.EncodeToString(zo[:223]), "malformed"},
		{"zero-one: trailing byte", out.Valid[1].Name, 0, 1, vb(1), hex.EncodeToString(append(bytes.Clone(zo), 0)), "malformed"},
		{"range: c_1 + 1", out.Valid[2].Name, 1, 3, vb(2), scalarPlusOne(rg, 4+6*32+32), "invalid"},
		{"range: verified for [1, 4] (branch count 3 ≠ 4)", out.Valid[2].Name, 1, 4, vb(2), hex.EncodeToString(rg), "invalid"},
		{"range: verified for [2, 4] (same width, shifted)", out.Valid[2].Name, 2, 4, vb(2), hex.EncodeToString(rg), "invalid"},
		{"range: branch count 0", out.Valid[2].Name, 1, 3, vb(2), edit(rg, 0, []byte{0, 0, 0, 0}), "malformed"},
		{"range: branch count 66", out.Valid[2].Name, 1, 3, vb(2), edit(rg, 0, []byte{0, 0, 0, 66}), "malformed"},
		{"range: branch count 2 with 3 branches' bytes", out.Valid[2].Name, 1, 3, vb(2), edit(rg, 0, []byte{0, 0, 0, 2}), "malformed"},
		{"range: b_1 is not a canonical encoding", out.Valid[2].Name, 1, 3, vb(2), edit(rg, 4+4*32, bytes.Repeat([]byte{0xff}, 32)), "malformed"},
	}
	for _, rc := range out.Rejected {
		djCheckRejected(t, rc, fp, pk, cts[rc.Statement])
	}

	golden.JSON(t, djVectorFile, out)
}

// djAddEll returns b with the scalar at off replaced by its unreduced
// representative s + ℓ (which still fits in 256 bits when s < 2^256 − ℓ).
func djAddEll(b []byte, off int, ell []byte) string {
	b = bytes.Clone(b)
	var carry int
	for i := range 32 {
		v := int(b[off+i]) + int(ell[i]) + carry
		b[off+i], carry = byte(v), v>>8
	}
	if carry != 0 {
		panic("djAddEll: overflow")
	}
	return hex.EncodeToString(b)
}

func djCheckRejected(t *testing.T, rc djRejectCase, fp zkp.Fingerprint, pk *group.Element, ct zkp.Ciphertext) {
	t.Helper()
	enc, _ := hex.DecodeString(rc.Encoded)
	binding, _ := hex.DecodeString(rc.Binding)
	var err error
	if rc.Name[:4] == "zero" {
		var p *zkp.ZeroOneProof
		if p, err = zkp.ParseZeroOneProof(enc); err == nil {
			err = zkp.VerifyZeroOne(fp, pk, ct, binding, p)
			if rc.Result == "malformed" {
				t.Errorf("%s: decoded, want malformed", rc.Name)
			}
		}
	} else {
		var p *zkp.RangeProof
		if p, err = zkp.ParseRangeProof(enc); err == nil {
			err = zkp.VerifyRange(fp, pk, ct, rc.Lo, rc.Hi, binding, p)
			if rc.Result == "malformed" {
				t.Errorf("%s: decoded, want malformed", rc.Name)
			}
		}
	}
	want := map[string]error{"malformed": zkp.ErrMalformed, "invalid": zkp.ErrInvalidProof}[rc.Result]
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", rc.Name, err, rc.Result)
	}
}
