package dkg_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/internal/golden"
)

// This file generates and checks testdata/dkg.json, the vectors of
// docs/spec/dkg.md: hybrid encryptions with every intermediate value, and a
// complete 2-of-3 ceremony with a justified and a false complaint. The
// checks recompute the spec's transcripts with an independent encoder, the
// key derivation and AEAD with the standard library and x/crypto directly,
// and the ceremony's arithmetic from the hex fields alone.

const vectorFile = "../../testdata/dkg.json"

type hybridVector struct {
	Description     string `json:"description"`
	Result          string `json:"result"` // valid, invalid (decodes, proof fails) or malformed (fails decoding)
	Secret          string `json:"recipient_secret_x_hex,omitempty"`
	Public          string `json:"recipient_public_X_hex"`
	Plaintext       string `json:"plaintext_hex,omitempty"`
	AD              string `json:"ad_hex"`
	Random          string `json:"ephemeral_random_hex,omitempty"`
	Ephemeral       string `json:"ephemeral_e_hex,omitempty"`
	E               string `json:"ephemeral_E_hex,omitempty"`
	K               string `json:"shared_secret_K_hex,omitempty"`
	IKM             string `json:"kdf_ikm_hex,omitempty"`
	Key             string `json:"aead_key_hex,omitempty"`
	Sealed          string `json:"sealed_hex,omitempty"`
	NonceTranscript string `json:"nonce_transcript_input_hex,omitempty"`
	Nonce           string `json:"proof_nonce_k_hex,omitempty"`
	R               string `json:"commitment_R_hex,omitempty"`
	Transcript      string `json:"transcript_input_hex,omitempty"`
	Challenge       string `json:"challenge_c_hex,omitempty"`
	Z               string `json:"response_z_hex,omitempty"`
	Ciphertext      string `json:"ciphertext_hex"`
}

type participantVector struct {
	Index  uint32 `json:"index"`
	Secret string `json:"secret_x_hex"`
	Public string `json:"public_X_hex"`
}

type dealtShareVector struct {
	Recipient  uint32 `json:"recipient"`
	Share      string `json:"share_s_hex"`   // f_i(j)
	Plaintext  string `json:"plaintext_hex"` // what the dealer encrypted (≠ share_s_hex if it cheated)
	AD         string `json:"ad_hex"`        // associated data
	Ciphertext string `json:"ciphertext_hex"`
}

type dealerVector struct {
	Index        uint32             `json:"index"`
	Coefficients []string           `json:"coefficients_a_hex"`
	Commitments  []string           `json:"commitments_C_hex"`
	ProofBinding string             `json:"key_proof_binding_hex"`
	Shares       []dealtShareVector `json:"shares"`
}

type boardVector struct {
	Sender  uint32 `json:"sender"`
	Type    string `json:"type"`
	Outcome string `json:"outcome"` // accepted, replay, rejected, justified complaint, false complaint
	Message string `json:"message_hex"`
}

type complaintVector struct {
	Complainer   uint32 `json:"complainer"`
	Dealer       uint32 `json:"dealer"`
	Binding      string `json:"dleq_binding_hex"`
	SharedSecret string `json:"shared_secret_K_hex"`
	Decrypted    string `json:"decrypted_share_hex"`
	Verdict      string `json:"verdict"`
}

type blameVector struct {
	Party uint32 `json:"party"`
	Fault string `json:"fault"`
	Other uint32 `json:"other"`
}

type resultVector struct {
	Qualified        []uint32      `json:"qualified"`
	JointKey         string        `json:"joint_key_Y_hex"`
	Commitments      []string      `json:"joint_commitments_A_hex"`
	VerificationKeys []string      `json:"verification_keys_Y_j_hex"`
	Blames           []blameVector `json:"blames"`
	Encoding         string        `json:"result_hex"`
}

func blameVectors(bs []dkg.Blame) []blameVector {
	var out []blameVector
	for _, b := range bs {
		out = append(out, blameVector{Party: b.Party, Fault: b.Fault.String(), Other: b.Other})
	}
	return out
}

type trusteeShareVector struct {
	Index uint32 `json:"index"`
	Share string `json:"share_x_hex"`
}

type ceremonyVector struct {
	Description       string               `json:"description"`
	Fingerprint       string               `json:"fingerprint_hex"`
	Threshold         int                  `json:"threshold_k"`
	N                 int                  `json:"n"`
	Participants      []participantVector  `json:"participants"`
	ContextTranscript string               `json:"context_transcript_input_hex"`
	Context           string               `json:"context_hex"`
	Dealers           []dealerVector       `json:"dealers"`
	Board             []boardVector        `json:"board"`
	Complaints        []complaintVector    `json:"complaints"`
	Result            resultVector         `json:"result"`
	Shares            []trusteeShareVector `json:"trustee_shares"`
}

type vectorFileT struct {
	Description string         `json:"description"`
	Generator   string         `json:"generator_G_hex"`
	Hybrid      []hybridVector `json:"hybrid"`
	Ceremony    ceremonyVector `json:"ceremony"`
}

func vhex(b []byte) string { return hex.EncodeToString(b) }

func vhexElems(es []*group.Element) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = vhex(e.Bytes())
	}
	return out
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhexScalar(t *testing.T, s string) *group.Scalar {
	t.Helper()
	x, err := new(group.Scalar).SetCanonicalBytes(unhex(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func unhexElem(t *testing.T, s string) *group.Element {
	t.Helper()
	e, err := group.ParseElement(unhex(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// specHybrid recomputes a hybrid encryption from the spec (docs/spec/dkg.md,
// section 3) given the 64 random bytes the sender read, filling in every
// intermediate value of v.
func specHybrid(v *hybridVector, X []byte, pt, ad, rnd []byte) {
	e, _ := new(group.Scalar).SetUniformBytes(rnd)
	E := new(group.Element).ScalarBaseMult(e)
	Xe, _ := group.ParseElement(X)
	K := new(group.Element).ScalarMult(e, Xe)
	ikm := slices.Concat(E.Bytes(), X, K.Bytes())
	key, _ := hkdf.Key(sha512.New, ikm, []byte("veche/hybrid/v1"), "veche/hybrid/v1 chacha20poly1305 key", 32)
	aead, _ := chacha20poly1305.New(key)
	sealed := aead.Seal(nil, make([]byte, 12), pt, ad)
	nt := specNew("veche/hybrid/nonce/v1").scalar("e", e).bytes("group", []byte("ristretto255")).
		elem("X", X).elem("E", E.Bytes()).bytes("ad", ad).bytes("sealed", sealed)
	k := nt.challenge("k")
	R := new(group.Element).ScalarBaseMult(k)
	tr := specNew("veche/hybrid/v1").bytes("group", []byte("ristretto255")).
		elem("X", X).elem("E", E.Bytes()).bytes("ad", ad).bytes("sealed", sealed).elem("R", R.Bytes())
	c := tr.challenge("c")
	z := new(group.Scalar).MultiplyAdd(c, e, k)
	v.Random, v.Ephemeral, v.E, v.K = vhex(rnd), vhex(e.Bytes()), vhex(E.Bytes()), vhex(K.Bytes())
	v.IKM, v.Key, v.Sealed = vhex(ikm), vhex(key), vhex(sealed)
	v.NonceTranscript, v.Nonce, v.R = vhex(nt.in), vhex(k.Bytes()), vhex(R.Bytes())
	v.Transcript, v.Challenge, v.Z = vhex(tr.in), vhex(c.Bytes()), vhex(z.Bytes())
	v.Ciphertext = vhex(slices.Concat(E.Bytes(), R.Bytes(), z.Bytes(), sealed))
}

func makeHybridVectors(t *testing.T) []hybridVector {
	var out []hybridVector
	for i, tc := range []struct {
		desc    string
		pt, ad  []byte
		corrupt func(ct []byte, v *hybridVector) // turns the valid ciphertext into a rejected one
		result  string
	}{
		{desc: "a 32-byte share with DKG-style associated data", pt: bytes.Repeat([]byte{0x42}, 32), ad: []byte("veche/dkg/v1/share example"), result: "valid"},
		{desc: "the empty message, empty associated data", pt: nil, ad: nil, result: "valid"},
		{desc: "checked under other associated data", pt: []byte("m"), ad: []byte("ad"), result: "invalid",
			corrupt: func(ct []byte, v *hybridVector) { v.AD = vhex([]byte("other ad")) }},
		{desc: "one sealed byte changed", pt: []byte("m"), ad: []byte("ad"), result: "invalid",
			corrupt: func(ct []byte, v *hybridVector) { ct[96] ^= 1 }},
		{desc: "E is the identity", pt: []byte("m"), ad: []byte("ad"), result: "malformed",
			corrupt: func(ct []byte, v *hybridVector) { copy(ct, make([]byte, 32)) }},
		{desc: "z not reduced (z + l)", pt: []byte("m"), ad: []byte("ad"), result: "malformed",
			corrupt: func(ct []byte, v *hybridVector) { copy(ct[64:96], addOrder(ct[64:96])) }},
		{desc: "shorter than the 112-byte overhead", pt: nil, ad: []byte("ad"), result: "malformed",
			corrupt: func(ct []byte, v *hybridVector) { v.Ciphertext = vhex(ct[:111]) }},
	} {
		sk, err := hybrid.GenerateKey(testrand.New(fmt.Sprintf("dkg vectors/hybrid/%d/recipient", i)))
		if err != nil {
			t.Fatal(err)
		}
		var rec bytes.Buffer
		ct, err := hybrid.Encrypt(io.TeeReader(testrand.New(fmt.Sprintf("dkg vectors/hybrid/%d/sender", i)), &rec), sk.Public(), tc.pt, tc.ad)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Len() != 64 {
			t.Fatalf("Encrypt read %d random bytes, the spec says 64", rec.Len())
		}
		v := hybridVector{Description: tc.desc, Result: "valid", Secret: vhex(sk.Bytes()), Public: vhex(sk.Public().Bytes()), Plaintext: vhex(tc.pt), AD: vhex(tc.ad)}
		specHybrid(&v, sk.Public().Bytes(), tc.pt, tc.ad, rec.Bytes())
		if v.Ciphertext != vhex(ct.Bytes()) {
			t.Fatalf("hybrid vector %d: the package's ciphertext differs from the spec's\n pkg: %x\nspec: %s", i, ct.Bytes(), v.Ciphertext)
		}
		if tc.corrupt != nil {
			enc := ct.Bytes()
			tc.corrupt(enc, &v)
			if v.Ciphertext == vhex(ct.Bytes()) {
				v.Ciphertext = vhex(enc)
			}
			v = hybridVector{Description: tc.desc, Result: tc.result, Public: v.Public, AD: v.AD, Ciphertext: v.Ciphertext}
		}
		out = append(out, v)
	}
	return out
}

// addOrder returns the encoding of s + ℓ (unreduced, still 32 bytes).
func addOrder(s []byte) []byte {
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	out := make([]byte, 32)
	carry := 0
	for i := range out {
		v := int(s[i]) + int(ell[i]) + carry
		out[i], carry = byte(v), v>>8
	}
	return out
}

func checkHybridVector(t *testing.T, v hybridVector) {
	t.Helper()
	pk, err := hybrid.NewPublicKey(unhex(t, v.Public))
	if err != nil {
		t.Fatal(err)
	}
	ad := unhex(t, v.AD)
	ct, err := hybrid.ParseCiphertext(unhex(t, v.Ciphertext))
	switch {
	case v.Result == "malformed":
		if !errors.Is(err, hybrid.ErrMalformed) {
			t.Fatalf("hybrid %q: decoding gives %v, want malformed", v.Description, err)
		}
		return
	case err != nil:
		t.Fatalf("hybrid %q: %v", v.Description, err)
	}
	err = ct.Verify(pk, ad)
	if v.Result == "invalid" {
		if !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("hybrid %q: Verify gives %v, want invalid", v.Description, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("hybrid %q: %v", v.Description, err)
	}
	var again hybridVector
	specHybrid(&again, unhex(t, v.Public), unhex(t, v.Plaintext), ad, unhex(t, v.Random))
	again.Description, again.Result, again.Secret, again.Public, again.Plaintext, again.AD = v.Description, v.Result, v.Secret, v.Public, v.Plaintext, v.AD
	if again != v {
		t.Fatalf("hybrid %q: recomputing from the spec gives other values", v.Description)
	}
	sk, err := hybrid.NewPrivateKey(unhex(t, v.Secret))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := sk.Decrypt(ct, ad)
	if err != nil || vhex(pt) != v.Plaintext {
		t.Fatalf("hybrid %q: decrypts to %x, %v", v.Description, pt, err)
	}
	K, _ := sk.SharedSecret(ct, ad)
	if pt, err := hybrid.Open(pk, K, ct, ad); vhex(K.Bytes()) != v.K || err != nil || vhex(pt) != v.Plaintext {
		t.Fatalf("hybrid %q: shared secret %x opens to %x, %v", v.Description, K.Bytes(), pt, err)
	}
}

// makeCeremony runs the 2-of-3 vector ceremony: dealer 3 sends trustee 1 a
// share off by one, trustee 1 complains (justified), trustee 2 complains
// about dealer 1's valid share (false); dealer 2 first posts commitments
// with a C_0 it cannot prove (rejected), and dealer 1 posts its commitments
// twice (replay).
func makeCeremony(t *testing.T) ceremonyVector {
	const k, n = 2, 3
	b := newBoard(t, "dkg vectors/ceremony", k, n)
	p := b.params
	ctx, _ := p.Context()
	v := ceremonyVector{
		Description: "A 2-of-3 ceremony. Dealer 3 encrypts f_3(1) + 1 for trustee 1, which complains (justified: dealer 3 is disqualified). " +
			"Trustee 2 complains about dealer 1's valid share (false: trustee 2 is named). Dealer 2 first posts commitments whose key proof fails (rejected), " +
			"and dealer 1's commitments appear twice (the replay is ignored). Board entries are listed in board order with the outcome every verifier must reach.",
		Fingerprint: vhex(p.Fingerprint[:]), Threshold: k, N: n, Context: vhex(ctx[:]),
	}
	for j, sk := range b.keys {
		v.Participants = append(v.Participants, participantVector{Index: uint32(j + 1), Secret: vhex(sk.Bytes()), Public: vhex(sk.Public().Bytes())})
	}
	ct := specNew("veche/dkg/v1/context").bytes("fingerprint", p.Fingerprint[:]).bytes("group", []byte("ristretto255")).
		u64("threshold", k).list("keys", n)
	for _, sk := range b.keys {
		ct.elem("", sk.Public().Bytes())
	}
	if vhex(ct.challengeBytes("context", 32)) != v.Context {
		t.Fatal("the package's context digest differs from the spec's")
	}
	v.ContextTranscript = vhex(ct.in)

	type posted struct {
		m       dkg.Message
		outcome string
	}
	var board []posted
	post := func(m dkg.Message, outcome string) {
		board = append(board, posted{m, outcome})
	}
	plaintexts := map[[2]uint32][]byte{}
	var dealt [][2]dkg.Message
	for i := uint32(1); i <= n; i++ {
		cm, sh, err := dkg.DealTampered(b.trustee(i), b.r, func(j uint32, s []byte) []byte {
			if i == 3 && j == 1 {
				x, _ := new(group.Scalar).SetCanonicalBytes(s)
				s = x.Add(x, new(group.Scalar).SetUint64(1)).Bytes()
			}
			plaintexts[[2]uint32{i, j}] = s
			return s
		})
		if err != nil {
			t.Fatal(err)
		}
		dealt = append(dealt, [2]dkg.Message{cm, sh})
		d := dealerVector{Index: i, Commitments: vhexElems(cm.Coefficients), ProofBinding: vhex(dkg.CommitmentsBinding(p, i, cm.Coefficients))}
		poly := dkg.Polynomial(b.trustee(i))
		for _, a := range poly {
			d.Coefficients = append(d.Coefficients, vhex(a.Bytes()))
		}
		for _, s := range sh.Shares {
			j := s.Recipient
			d.Shares = append(d.Shares, dealtShareVector{
				Recipient: j, Share: vhex(specEval(poly, j).Bytes()), Plaintext: vhex(plaintexts[[2]uint32{i, j}]),
				AD: vhex(dkg.ShareAD(p, i, j)), Ciphertext: vhex(s.Ciphertext.Bytes()),
			})
		}
		v.Dealers = append(v.Dealers, d)
	}
	// Dealer 2's rejected first attempt: C_0 + G with its own proof.
	cm2 := *dealt[1][0].(*dkg.Commitments)
	cm2.Coefficients = slices.Clone(cm2.Coefficients)
	cm2.Coefficients[0] = new(group.Element).Add(cm2.Coefficients[0], group.NewGeneratorElement())
	post(&cm2, "rejected")
	for _, d := range dealt {
		post(d[0], "accepted")
		post(d[1], "accepted")
	}
	post(dealt[0][0], "replay")
	for _, m := range board {
		if err := b.post(m.m); (err == nil) != (m.outcome != "rejected") {
			t.Fatalf("%s from %d: %v", m.m.Type(), m.m.Sender(), err)
		}
	}
	cs, err := b.trustee(1).Complaints(b.r)
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	b.mustPost(cs[0])
	board = append(board, posted{cs[0], "justified complaint"})
	// Trustee 2's false complaint about dealer 1's share.
	sh1 := dealt[0][1].(*dkg.Shares).Shares[0].Ciphertext
	K, _ := b.keys[1].SharedSecret(sh1, dkg.ShareAD(p, 1, 2))
	proof, err := zkp.ProveDLEQ(b.r, p.Fingerprint, b.keys[1].Scalar(), b.keys[1].Public().Element(), sh1.E, K, dkg.ComplaintBinding(p, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	falseC := &dkg.Complaint{Fingerprint: p.Fingerprint, Complainer: 2, Dealer: 1, SharedSecret: K, Proof: proof}
	if err := b.post(falseC); !errors.Is(err, dkg.ErrFalseComplaint) {
		t.Fatal(err)
	}
	board = append(board, posted{falseC, "false complaint"})
	for _, m := range board {
		v.Board = append(v.Board, boardVector{Sender: m.m.Sender(), Type: m.m.Type().String(), Outcome: m.outcome, Message: vhex(m.m.Bytes())})
	}
	for _, c := range []*dkg.Complaint{cs[0], falseC} {
		verdict := "false: the share decrypts and matches the dealer's commitments"
		if c == cs[0] {
			verdict = "justified: share fails the Feldman check"
		}
		v.Complaints = append(v.Complaints, complaintVector{
			Complainer: c.Complainer, Dealer: c.Dealer, Binding: vhex(dkg.ComplaintBinding(p, c.Complainer, c.Dealer)),
			SharedSecret: vhex(c.SharedSecret.Bytes()), Decrypted: vhex(plaintexts[[2]uint32{c.Dealer, c.Complainer}]), Verdict: verdict,
		})
	}
	res := b.finish(all(n)...)
	pub := res[0].Public
	v.Result = resultVector{Qualified: pub.Qualified, JointKey: vhex(pub.JointKey.Bytes()), Commitments: vhexElems(pub.Commitments),
		VerificationKeys: vhexElems(pub.VerificationKeys), Encoding: vhex(pub.Bytes())}
	v.Result.Blames = blameVectors(pub.Blames)
	for _, r := range res {
		v.Shares = append(v.Shares, trusteeShareVector{Index: r.Index, Share: vhex(r.Share.Bytes())})
	}
	return v
}

// specEval evaluates a polynomial at x by the definition Σ a_l·x^l.
func specEval(poly []*group.Scalar, x uint32) *group.Scalar {
	sum, pow := group.NewScalar(), new(group.Scalar).SetUint64(1)
	xs := new(group.Scalar).SetUint64(uint64(x))
	for _, a := range poly {
		sum.Add(sum, new(group.Scalar).Multiply(a, pow))
		pow.Multiply(pow, xs)
	}
	return sum
}

// checkCeremonyVector checks the ceremony from its hex fields: the
// arithmetic of the spec, and the outcome of every board entry and the
// result as VerifyCeremony computes them.
func checkCeremonyVector(t *testing.T, v ceremonyVector) {
	t.Helper()
	p := &dkg.Params{Threshold: v.Threshold, N: v.N}
	copy(p.Fingerprint[:], unhex(t, v.Fingerprint))
	secrets := map[uint32]*group.Scalar{}
	for _, pv := range v.Participants {
		pk, err := hybrid.NewPublicKey(unhex(t, pv.Public))
		if err != nil {
			t.Fatal(err)
		}
		p.Participants = append(p.Participants, dkg.Participant{Index: pv.Index, Key: pk})
		secrets[pv.Index] = unhexScalar(t, pv.Secret)
		if vhex(new(group.Element).ScalarBaseMult(secrets[pv.Index]).Bytes()) != pv.Public {
			t.Fatalf("participant %d: X ≠ x·G", pv.Index)
		}
	}
	ctx := unhex(t, v.Context)
	tr := specNew("veche/dkg/v1/context").bytes("fingerprint", p.Fingerprint[:]).bytes("group", []byte("ristretto255")).
		u64("threshold", uint64(v.Threshold)).list("keys", v.N)
	for _, pv := range v.Participants {
		tr.elem("", unhex(t, pv.Public))
	}
	if !bytes.Equal(tr.challengeBytes("context", 32), ctx) || vhex(tr.in) != v.ContextTranscript {
		t.Fatal("the context digest differs from the spec's")
	}
	if got, _ := p.Context(); !bytes.Equal(got[:], ctx) {
		t.Fatal("the package's context digest differs from the vector's")
	}
	// Dealers: commitments, shares, bindings, ciphertexts.
	polys := map[uint32][]*group.Scalar{}
	for _, d := range v.Dealers {
		var poly []*group.Scalar
		for l, a := range d.Coefficients {
			x := unhexScalar(t, a)
			poly = append(poly, x)
			if vhex(new(group.Element).ScalarBaseMult(x).Bytes()) != d.Commitments[l] {
				t.Fatalf("dealer %d: C_%d ≠ a_%d·G", d.Index, l, l)
			}
		}
		polys[d.Index] = poly
		binding := slices.Concat([]byte("veche/dkg/v1/commitments"), ctx, binary.BigEndian.AppendUint32(nil, d.Index))
		for _, c := range d.Commitments[1:] {
			binding = append(binding, unhex(t, c)...)
		}
		if vhex(binding) != d.ProofBinding {
			t.Fatalf("dealer %d: key proof binding", d.Index)
		}
		for _, s := range d.Shares {
			if vhex(specEval(poly, s.Recipient).Bytes()) != s.Share {
				t.Fatalf("dealer %d: s_%d ≠ f(%d)", d.Index, s.Recipient, s.Recipient)
			}
			ad := slices.Concat([]byte("veche/dkg/v1/share"), ctx, binary.BigEndian.AppendUint32(nil, d.Index), binary.BigEndian.AppendUint32(nil, s.Recipient))
			if vhex(ad) != s.AD {
				t.Fatalf("dealer %d: associated data for %d", d.Index, s.Recipient)
			}
			sk, _ := hybrid.NewPrivateKey(secrets[s.Recipient].Bytes())
			ct, err := hybrid.ParseCiphertext(unhex(t, s.Ciphertext))
			if err != nil {
				t.Fatal(err)
			}
			if pt, err := sk.Decrypt(ct, ad); err != nil || vhex(pt) != s.Plaintext {
				t.Fatalf("dealer %d: ciphertext for %d decrypts to %x, %v", d.Index, s.Recipient, pt, err)
			}
		}
	}
	// Board: every entry's outcome.
	c, err := dkg.NewCeremony(p)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []dkg.Message
	for n, e := range v.Board {
		m, err := dkg.ParseMessage(unhex(t, e.Message))
		if err != nil {
			t.Fatalf("board entry %d: %v", n, err)
		}
		msgs = append(msgs, m)
		err = c.Receive(m)
		ok := map[string]bool{
			"accepted": err == nil, "replay": err == nil, "justified complaint": err == nil,
			"rejected": errors.Is(err, dkg.ErrRejected), "false complaint": errors.Is(err, dkg.ErrFalseComplaint),
		}[e.Outcome]
		if !ok || m.Sender() != e.Sender || m.Type().String() != e.Type {
			t.Fatalf("board entry %d (%s from %d, %s): %v", n, e.Type, e.Sender, e.Outcome, err)
		}
	}
	// Complaints: K = x_j·E and the decrypted share.
	for _, cv := range v.Complaints {
		var ctHex string
		for _, d := range v.Dealers {
			for _, s := range d.Shares {
				if d.Index == cv.Dealer && s.Recipient == cv.Complainer {
					ctHex = s.Ciphertext
				}
			}
		}
		ct, _ := hybrid.ParseCiphertext(unhex(t, ctHex))
		if vhex(new(group.Element).ScalarMult(secrets[cv.Complainer], ct.E).Bytes()) != cv.SharedSecret {
			t.Fatalf("complaint %d→%d: K ≠ x_j·E", cv.Complainer, cv.Dealer)
		}
		binding := slices.Concat([]byte("veche/dkg/v1/complaint"), ctx, binary.BigEndian.AppendUint32(nil, cv.Complainer), binary.BigEndian.AppendUint32(nil, cv.Dealer))
		if vhex(binding) != cv.Binding {
			t.Fatalf("complaint %d→%d: binding", cv.Complainer, cv.Dealer)
		}
		pk, _ := hybrid.NewPublicKey(new(group.Element).ScalarBaseMult(secrets[cv.Complainer]).Bytes())
		ad := slices.Concat([]byte("veche/dkg/v1/share"), ctx, binary.BigEndian.AppendUint32(nil, cv.Dealer), binary.BigEndian.AppendUint32(nil, cv.Complainer))
		pt, err := hybrid.Open(pk, unhexElem(t, cv.SharedSecret), ct, ad)
		if err != nil || vhex(pt) != cv.Decrypted {
			t.Fatalf("complaint %d→%d: K opens to %x, %v", cv.Complainer, cv.Dealer, pt, err)
		}
	}
	// Result: QUAL, joint key, joint commitments, verification keys, shares.
	pub, err := dkg.VerifyCeremony(p, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if vhex(pub.Bytes()) != v.Result.Encoding || !slices.Equal(pub.Qualified, v.Result.Qualified) {
		t.Fatal("VerifyCeremony's result differs from the vector's")
	}
	if blames := blameVectors(pub.Blames); !slices.Equal(blames, v.Result.Blames) {
		t.Fatalf("blames %v, vector %v", blames, v.Result.Blames)
	}
	A := make([]*group.Element, v.Threshold)
	for l := range A {
		A[l] = group.NewElement()
		for _, i := range v.Result.Qualified {
			A[l].Add(A[l], unhexElem(t, v.Dealers[i-1].Commitments[l]))
		}
		if vhex(A[l].Bytes()) != v.Result.Commitments[l] {
			t.Fatalf("A_%d", l)
		}
	}
	if v.Result.JointKey != v.Result.Commitments[0] {
		t.Fatal("Y ≠ A_0")
	}
	for _, sv := range v.Shares {
		x := group.NewScalar()
		for _, i := range v.Result.Qualified {
			x.Add(x, specEval(polys[i], sv.Index))
		}
		if vhex(x.Bytes()) != sv.Share {
			t.Fatalf("x_%d ≠ Σ_{i∈QUAL} f_i(%d)", sv.Index, sv.Index)
		}
		if vhex(new(group.Element).ScalarBaseMult(x).Bytes()) != v.Result.VerificationKeys[sv.Index-1] {
			t.Fatalf("Y_%d ≠ x_%d·G", sv.Index, sv.Index)
		}
	}
	parsed, err := dkg.ParsePublicResult(unhex(t, v.Result.Encoding))
	if err != nil || !parsed.Equal(pub) {
		t.Fatalf("result encoding: %v", err)
	}
}

func TestVectors(t *testing.T) {
	v := vectorFileT{
		Description: "Vectors of docs/spec/dkg.md. hybrid: encryptions with every intermediate (result valid, invalid: decodes but the ephemeral-key proof fails, malformed: fails decoding); " +
			"ephemeral_random_hex is the 64 bytes the sender read, reduced mod l to e. ceremony: a complete 2-of-3 key ceremony from testrand randomness. " +
			"Transcript inputs include the final challenge item; hashing them as the spec says gives the challenge or digest next to them.",
		Generator: vhex(group.NewGeneratorElement().Bytes()),
		Hybrid:    makeHybridVectors(t),
		Ceremony:  makeCeremony(t),
	}
	for _, h := range v.Hybrid {
		checkHybridVector(t, h)
	}
	checkCeremonyVector(t, v.Ceremony)
	golden.JSON(t, vectorFile, v)
}
