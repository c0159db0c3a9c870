package zkp_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"testing"

	"github.com/veche/veche/internal/golden"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
)

// This file generates and checks testdata/zkp-sigma.json, the test vectors
// of docs/spec/zkp-sigma.md. Every transcript is recomputed here by an
// independent encoder of the item framing of docs/spec/transcript.md, and
// every nonce by the spec's nonce derivation, so the vectors check the
// package against the spec, not against itself.

const sigmaVectorFile = "../../testdata/zkp-sigma.json"

// svProof is NewProof(protocol, fp, G).
func svProof(protocol string, fp []byte) *specTranscript {
	t := specNew(protocol)
	t.bytes("fingerprint", fp).bytes("group", []byte("ristretto255"))
	return t.list("generators", 1).elem("", group.NewGeneratorElement())
}

// svNonces derives the spec's hedged nonces: a transcript
// "veche/zkp/nonce/v1" with the protocol label, the fingerprint, the
// statement items (absorbed by stmt), the witness and the random bytes.
func svNonces(protocol string, fp []byte, stmt func(*specTranscript), witness []*group.Scalar, rnd []byte, n int) []*group.Scalar {
	t := specNew("veche/zkp/nonce/v1").bytes("protocol", []byte(protocol)).bytes("fingerprint", fp)
	stmt(t)
	t.scalars("witness", witness).bytes("random", rnd)
	return t.challengeScalars("nonces", n)
}

func svHex(b []byte) string { return hex.EncodeToString(b) }

func svHexElems(es []*group.Element) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = svHex(e.Bytes())
	}
	return out
}

func svHexScalars(ss []*group.Scalar) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = svHex(s.Bytes())
	}
	return out
}

// The vector types. Fields a rejection vector does not need are omitted.

type svKeyVector struct {
	Description string `json:"description"`
	Result      string `json:"result"` // "valid", "invalid" (verification fails) or "malformed" (decoding fails)
	Fingerprint string `json:"fingerprint_hex"`
	Binding     string `json:"binding_hex"`
	Secret      string `json:"secret_x_hex,omitempty"`
	PublicKey   string `json:"public_X_hex"`
	NonceRandom string `json:"nonce_random_hex,omitempty"`
	Nonce       string `json:"nonce_k_hex,omitempty"`
	R           string `json:"commitment_R_hex,omitempty"`
	Transcript  string `json:"transcript_input_hex,omitempty"`
	Challenge   string `json:"challenge_c_hex,omitempty"`
	Z           string `json:"response_z_hex,omitempty"`
	Proof       string `json:"proof_hex"`
}

type svCtVector struct {
	Message    string `json:"message_M_hex,omitempty"`
	Randomness string `json:"randomness_r_hex,omitempty"`
	A          string `json:"A_hex"`
	B          string `json:"B_hex"`
}

type svBallotVector struct {
	Description string       `json:"description"`
	Result      string       `json:"result"`
	Fingerprint string       `json:"fingerprint_hex"`
	PublicKey   string       `json:"public_key_hex"`
	Credential  string       `json:"credential_hex"`
	Ciphertexts []svCtVector `json:"ciphertexts"`
	NonceRandom string       `json:"nonce_random_hex,omitempty"`
	Nonces      []string     `json:"nonces_k_hex,omitempty"`
	R           []string     `json:"commitments_R_hex,omitempty"`
	Transcript  string       `json:"transcript_input_hex,omitempty"`
	Challenge   string       `json:"challenge_c_hex,omitempty"`
	Z           []string     `json:"responses_z_hex,omitempty"`
	Proof       string       `json:"proof_hex"`
}

type svDLEQVector struct {
	Description string `json:"description"`
	Result      string `json:"result"`
	Fingerprint string `json:"fingerprint_hex"`
	Binding     string `json:"binding_hex"`
	Secret      string `json:"secret_x_hex,omitempty"`
	PublicKey   string `json:"public_X_hex"`
	A           string `json:"A_hex"`
	D           string `json:"share_D_hex"`
	NonceRandom string `json:"nonce_random_hex,omitempty"`
	Nonce       string `json:"nonce_k_hex,omitempty"`
	RG          string `json:"commitment_RG_hex,omitempty"`
	RA          string `json:"commitment_RA_hex,omitempty"`
	Transcript  string `json:"transcript_input_hex,omitempty"`
	Challenge   string `json:"challenge_c_hex,omitempty"`
	Z           string `json:"response_z_hex,omitempty"`
	Proof       string `json:"proof_hex"`
}

type svSharesVector struct {
	Description string   `json:"description"`
	Result      string   `json:"result"`
	Fingerprint string   `json:"fingerprint_hex"`
	Binding     string   `json:"binding_hex"`
	Secret      string   `json:"secret_x_hex,omitempty"`
	PublicKey   string   `json:"public_X_hex"`
	As          []string `json:"A_hex"`
	Ds          []string `json:"shares_D_hex"`
	Weights     []string `json:"weights_e_hex,omitempty"`
	AStar       string   `json:"A_star_hex,omitempty"`
	DStar       string   `json:"D_star_hex,omitempty"`
	NonceRandom string   `json:"nonce_random_hex,omitempty"`
	Nonce       string   `json:"nonce_k_hex,omitempty"`
	RG          string   `json:"commitment_RG_hex,omitempty"`
	RA          string   `json:"commitment_RA_hex,omitempty"`
	Transcript  string   `json:"transcript_input_hex,omitempty"`
	Challenge   string   `json:"challenge_c_hex,omitempty"`
	Z           string   `json:"response_z_hex,omitempty"`
	Proof       string   `json:"proof_hex"`
}

type svFile struct {
	Description      string           `json:"description"`
	Generator        string           `json:"generator_G_hex"`
	Key              []svKeyVector    `json:"key"`
	Ballot           []svBallotVector `json:"ballot"`
	DLEQ             []svDLEQVector   `json:"dleq"`
	DecryptionShares []svSharesVector `json:"decryption_shares"`
}

// svRand returns the input and prover randomness streams of a vector. The
// prover's first 32 bytes are the nonce randomness.
func svRand(seed string) (inputs io.Reader, prover io.Reader, nonceRandom []byte) {
	rnd := make([]byte, 32)
	io.ReadFull(testrand.New("zkp-sigma/"+seed+"/prover"), rnd)
	return testrand.New("zkp-sigma/" + seed + "/inputs"), testrand.New("zkp-sigma/" + seed + "/prover"), rnd
}

func svScalar(t *testing.T, r io.Reader) *group.Scalar {
	s, err := group.RandomNonZeroScalar(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func svFP(name string) zkp.Fingerprint { return sha256.Sum256([]byte("zkp-sigma vectors: " + name)) }

// svAddOrder returns the encoding of the scalar s + ℓ (unreduced).
func svAddOrder(s []byte) []byte {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	be := make([]byte, 32)
	for i := range s {
		be[31-i] = s[i]
	}
	v := new(big.Int).Add(new(big.Int).SetBytes(be), l)
	v.FillBytes(be)
	out := make([]byte, 32)
	for i := range be {
		out[31-i] = be[i]
	}
	return out
}

func svMakeKey(t *testing.T) []svKeyVector {
	var out []svKeyVector
	for i, binding := range []string{"trustee 1", ""} {
		inputs, prover, rnd := svRand(fmt.Sprintf("key/%d", i))
		fp := svFP("key")
		x := svScalar(t, inputs)
		X := new(group.Element).ScalarBaseMult(x)
		p, err := zkp.ProveKey(prover, fp, x, X, []byte(binding))
		if err != nil {
			t.Fatal(err)
		}
		stmt := func(tr *specTranscript) { tr.bytes("binding", []byte(binding)).elem("X", X) }
		tr := svProof("veche/zkp/key/v1", fp[:])
		stmt(tr)
		tr.elem("R", p.R)
		c := tr.challenge("c")
		k := svNonces("veche/zkp/key/v1", fp[:], stmt, []*group.Scalar{x}, rnd, 1)[0]
		if p.R.Equal(new(group.Element).ScalarBaseMult(k)) != 1 {
			t.Fatal("key proof nonce differs from the spec's derivation")
		}
		if p.Z.Equal(new(group.Scalar).MultiplyAdd(c, x, k)) != 1 {
			t.Fatal("key proof response differs from z = k + c·x with the spec's challenge")
		}
		out = append(out, svKeyVector{
			Description: fmt.Sprintf("valid key proof, binding %q", binding),
			Result:      "valid",
			Fingerprint: svHex(fp[:]), Binding: svHex([]byte(binding)),
			Secret: svHex(x.Bytes()), PublicKey: svHex(X.Bytes()),
			NonceRandom: svHex(rnd), Nonce: svHex(k.Bytes()), R: svHex(p.R.Bytes()),
			Transcript: svHex(tr.in), Challenge: svHex(c.Bytes()), Z: svHex(p.Z.Bytes()),
			Proof: svHex(p.Bytes()),
		})
	}
	v := out[0]
	reject := func(desc, result string, f func(*svKeyVector)) {
		r := svKeyVector{Description: desc, Result: result, Fingerprint: v.Fingerprint, Binding: v.Binding, PublicKey: v.PublicKey, Proof: v.Proof}
		f(&r)
		out = append(out, r)
	}
	proof, _ := hex.DecodeString(v.Proof)
	reject("binding changed", "invalid", func(r *svKeyVector) { r.Binding = svHex([]byte("trustee 2")) })
	reject("fingerprint changed", "invalid", func(r *svKeyVector) { r.Fingerprint = svHex(bytes.Repeat([]byte{1}, 32)) })
	reject("public key X is the identity", "invalid", func(r *svKeyVector) { r.PublicKey = svHex(make([]byte, 32)) })
	reject("public key replaced by 2·X", "invalid", func(r *svKeyVector) {
		X, _ := group.ParseElement(svMustHex(v.PublicKey))
		r.PublicKey = svHex(new(group.Element).Add(X, X).Bytes())
	})
	reject("z replaced by z + ℓ (unreduced)", "malformed", func(r *svKeyVector) {
		r.Proof = svHex(append(bytes.Clone(proof[:32]), svAddOrder(proof[32:])...))
	})
	reject("R is the identity", "malformed", func(r *svKeyVector) {
		r.Proof = svHex(append(make([]byte, 32), proof[32:]...))
	})
	reject("truncated to 63 bytes", "malformed", func(r *svKeyVector) { r.Proof = svHex(proof[:63]) })
	reject("one trailing byte", "malformed", func(r *svKeyVector) { r.Proof = svHex(append(bytes.Clone(proof), 0)) })
	return out
}

func svMakeBallot(t *testing.T) []svBallotVector {
	var out []svBallotVector
	for i, w := range []int{1, 3} {
		inputs, prover, rnd := svRand(fmt.Sprintf("ballot/%d", i))
		fp := svFP("ballot")
		pk := new(group.Element).ScalarBaseMult(svScalar(t, inputs))
		credential := []byte(fmt.Sprintf("credential public key %d", i))
		cts := make([]zkp.Ciphertext, w)
		rs := make([]*group.Scalar, w)
		var cv []svCtVector
		As, Bs := make([]*group.Element, w), make([]*group.Element, w)
		for j := range cts {
			M := new(group.Element).ScalarBaseMult(svScalar(t, inputs))
			rs[j] = svScalar(t, inputs)
			As[j] = new(group.Element).ScalarBaseMult(rs[j])
			Bs[j] = new(group.Element).Add(M, new(group.Element).ScalarMult(rs[j], pk))
			cts[j] = zkp.Ciphertext{A: As[j], B: Bs[j]}
			cv = append(cv, svCtVector{svHex(M.Bytes()), svHex(rs[j].Bytes()), svHex(As[j].Bytes()), svHex(Bs[j].Bytes())})
		}
		p, err := zkp.ProveBallot(prover, fp, pk, cts, rs, credential)
		if err != nil {
			t.Fatal(err)
		}
		stmt := func(tr *specTranscript) {
			tr.elem("pk", pk).elems("A", As).elems("B", Bs).bytes("credential", credential)
		}
		tr := svProof("veche/zkp/ballot/v1", fp[:])
		stmt(tr)
		tr.elems("R", p.R)
		c := tr.challenge("c")
		ks := svNonces("veche/zkp/ballot/v1", fp[:], stmt, rs, rnd, w)
		for j := range ks {
			if p.R[j].Equal(new(group.Element).ScalarBaseMult(ks[j])) != 1 {
				t.Fatal("ballot proof nonce differs from the spec's derivation")
			}
			if p.Z[j].Equal(new(group.Scalar).MultiplyAdd(c, rs[j], ks[j])) != 1 {
				t.Fatal("ballot proof response differs from z_j = k_j + c·r_j with the spec's challenge")
			}
		}
		out = append(out, svBallotVector{
			Description: fmt.Sprintf("valid ballot proof, width %d", w),
			Result:      "valid",
			Fingerprint: svHex(fp[:]), PublicKey: svHex(pk.Bytes()), Credential: svHex(credential),
			Ciphertexts: cv, NonceRandom: svHex(rnd), Nonces: svHexScalars(ks), R: svHexElems(p.R),
			Transcript: svHex(tr.in), Challenge: svHex(c.Bytes()), Z: svHexScalars(p.Z), Proof: svHex(p.Bytes()),
		})
	}
	v := out[1]
	var publicCts []svCtVector
	for _, c := range v.Ciphertexts {
		publicCts = append(publicCts, svCtVector{A: c.A, B: c.B})
	}
	reject := func(desc, result string, f func(*svBallotVector)) {
		r := svBallotVector{Description: desc, Result: result, Fingerprint: v.Fingerprint, PublicKey: v.PublicKey,
			Credential: v.Credential, Ciphertexts: append([]svCtVector(nil), publicCts...), Proof: v.Proof}
		f(&r)
		out = append(out, r)
	}
	proof := svMustHex(v.Proof)
	reject("copied under another credential", "invalid", func(r *svBallotVector) { r.Credential = svHex([]byte("credential of Mallory")) })
	reject("another election fingerprint", "invalid", func(r *svBallotVector) { r.Fingerprint = svHex(bytes.Repeat([]byte{2}, 32)) })
	reject("another public key", "invalid", func(r *svBallotVector) { r.PublicKey = out[0].PublicKey })
	reject("proof moved to other ciphertexts (first two swapped)", "invalid", func(r *svBallotVector) {
		r.Ciphertexts[0], r.Ciphertexts[1] = r.Ciphertexts[1], r.Ciphertexts[0]
	})
	reject("B of the last ciphertext changed", "invalid", func(r *svBallotVector) { r.Ciphertexts[2].B = r.Ciphertexts[0].B })
	reject("ballot of width 2, proof of width 3", "invalid", func(r *svBallotVector) { r.Ciphertexts = r.Ciphertexts[:2] })
	reject("proof truncated to width 2 (128 bytes)", "invalid", func(r *svBallotVector) { r.Proof = svHex(proof[:128]) })
	reject("two proof entries swapped", "invalid", func(r *svBallotVector) {
		r.Proof = svHex(append(append(bytes.Clone(proof[64:128]), proof[:64]...), proof[128:]...))
	})
	reject("ciphertext with A = identity", "invalid", func(r *svBallotVector) { r.Ciphertexts[1].A = svHex(make([]byte, 32)) })
	reject("empty proof", "malformed", func(r *svBallotVector) { r.Proof = "" })
	reject("proof of 191 bytes", "malformed", func(r *svBallotVector) { r.Proof = svHex(proof[:191]) })
	reject("z_1 replaced by z_1 + ℓ (unreduced)", "malformed", func(r *svBallotVector) {
		b := bytes.Clone(proof)
		copy(b[96:128], svAddOrder(proof[96:128]))
		r.Proof = svHex(b)
	})
	reject("R_2 is the identity", "malformed", func(r *svBallotVector) {
		b := bytes.Clone(proof)
		copy(b[128:160], make([]byte, 32))
		r.Proof = svHex(b)
	})
	return out
}

func svMakeDLEQ(t *testing.T) []svDLEQVector {
	var out []svDLEQVector
	for i, identityA := range []bool{false, true} {
		inputs, prover, rnd := svRand(fmt.Sprintf("dleq/%d", i))
		fp := svFP("dleq")
		binding := []byte("trustee 2")
		x := svScalar(t, inputs)
		X := new(group.Element).ScalarBaseMult(x)
		A := new(group.Element).ScalarBaseMult(svScalar(t, inputs))
		if identityA {
			A = group.NewElement()
		}
		D := new(group.Element).ScalarMult(x, A)
		p, err := zkp.ProveDLEQ(prover, fp, x, X, A, D, binding)
		if err != nil {
			t.Fatal(err)
		}
		stmt := func(tr *specTranscript) { tr.bytes("binding", binding).elem("X", X).elem("A", A).elem("D", D) }
		tr := svProof("veche/zkp/dleq/v1", fp[:])
		stmt(tr)
		tr.elem("RG", p.RG).elem("RA", p.RA)
		c := tr.challenge("c")
		k := svNonces("veche/zkp/dleq/v1", fp[:], stmt, []*group.Scalar{x}, rnd, 1)[0]
		if p.RG.Equal(new(group.Element).ScalarBaseMult(k)) != 1 || p.RA.Equal(new(group.Element).ScalarMult(k, A)) != 1 {
			t.Fatal("DLEQ nonce differs from the spec's derivation")
		}
		if p.Z.Equal(new(group.Scalar).MultiplyAdd(c, x, k)) != 1 {
			t.Fatal("DLEQ response differs from z = k + c·x with the spec's challenge")
		}
		desc := "valid DLEQ proof of a decryption share"
		if identityA {
			desc = "valid DLEQ proof for A = identity (D = identity, R_A = identity)"
		}
		out = append(out, svDLEQVector{
			Description: desc, Result: "valid",
			Fingerprint: svHex(fp[:]), Binding: svHex(binding), Secret: svHex(x.Bytes()), PublicKey: svHex(X.Bytes()),
			A: svHex(A.Bytes()), D: svHex(D.Bytes()), NonceRandom: svHex(rnd), Nonce: svHex(k.Bytes()),
			RG: svHex(p.RG.Bytes()), RA: svHex(p.RA.Bytes()), Transcript: svHex(tr.in), Challenge: svHex(c.Bytes()),
			Z: svHex(p.Z.Bytes()), Proof: svHex(p.Bytes()),
		})
	}
	v := out[0]
	reject := func(desc, result string, f func(*svDLEQVector)) {
		r := svDLEQVector{Description: desc, Result: result, Fingerprint: v.Fingerprint, Binding: v.Binding,
			PublicKey: v.PublicKey, A: v.A, D: v.D, Proof: v.Proof}
		f(&r)
		out = append(out, r)
	}
	proof := svMustHex(v.Proof)
	reject("wrong share D + G", "invalid", func(r *svDLEQVector) {
		D, _ := group.ParseElement(svMustHex(v.D))
		r.D = svHex(new(group.Element).Add(D, group.NewGeneratorElement()).Bytes())
	})
	reject("another trustee's binding", "invalid", func(r *svDLEQVector) { r.Binding = svHex([]byte("trustee 3")) })
	reject("A and D swapped", "invalid", func(r *svDLEQVector) { r.A, r.D = v.D, v.A })
	reject("R_G is the identity", "malformed", func(r *svDLEQVector) { r.Proof = svHex(append(make([]byte, 32), proof[32:]...)) })
	reject("z replaced by z + ℓ (unreduced)", "malformed", func(r *svDLEQVector) {
		r.Proof = svHex(append(bytes.Clone(proof[:64]), svAddOrder(proof[64:])...))
	})
	reject("truncated to 95 bytes", "malformed", func(r *svDLEQVector) { r.Proof = svHex(proof[:95]) })
	return out
}

func svMakeShares(t *testing.T) []svSharesVector {
	inputs, prover, rnd := svRand("decryption-shares/0")
	fp := svFP("decryption shares")
	binding := []byte("trustee 1")
	x := svScalar(t, inputs)
	X := new(group.Element).ScalarBaseMult(x)
	As := make([]*group.Element, 3)
	for j := range As {
		As[j] = new(group.Element).ScalarBaseMult(svScalar(t, inputs))
	}
	Ds, p, err := zkp.ProveDecryptionShares(prover, fp, x, X, As, binding)
	if err != nil {
		t.Fatal(err)
	}
	for j := range Ds {
		if Ds[j].Equal(new(group.Element).ScalarMult(x, As[j])) != 1 {
			t.Fatal("share is not x·A")
		}
	}
	stmt := func(tr *specTranscript) { tr.bytes("binding", binding).elem("X", X).elems("A", As).elems("D", Ds) }
	tr := svProof("veche/zkp/decryption-shares/v1", fp[:])
	stmt(tr)
	e := tr.challengeScalars("e", len(As))
	tr.elem("RG", p.RG).elem("RA", p.RA)
	c := tr.challenge("c")
	Astar, _ := new(group.Element).VarTimeMultiScalarMult(e, As)
	Dstar, _ := new(group.Element).VarTimeMultiScalarMult(e, Ds)
	k := svNonces("veche/zkp/decryption-shares/v1", fp[:], stmt, []*group.Scalar{x}, rnd, 1)[0]
	if p.RG.Equal(new(group.Element).ScalarBaseMult(k)) != 1 || p.RA.Equal(new(group.Element).ScalarMult(k, Astar)) != 1 {
		t.Fatal("decryption-shares nonce differs from the spec's derivation")
	}
	if p.Z.Equal(new(group.Scalar).MultiplyAdd(c, x, k)) != 1 {
		t.Fatal("decryption-shares response differs from z = k + c·x with the spec's challenge")
	}
	v := svSharesVector{
		Description: "valid batched proof of 3 decryption shares", Result: "valid",
		Fingerprint: svHex(fp[:]), Binding: svHex(binding), Secret: svHex(x.Bytes()), PublicKey: svHex(X.Bytes()),
		As: svHexElems(As), Ds: svHexElems(Ds), Weights: svHexScalars(e), AStar: svHex(Astar.Bytes()), DStar: svHex(Dstar.Bytes()),
		NonceRandom: svHex(rnd), Nonce: svHex(k.Bytes()), RG: svHex(p.RG.Bytes()), RA: svHex(p.RA.Bytes()),
		Transcript: svHex(tr.in), Challenge: svHex(c.Bytes()), Z: svHex(p.Z.Bytes()), Proof: svHex(p.Bytes()),
	}
	out := []svSharesVector{v}
	reject := func(desc string, f func(*svSharesVector)) {
		r := svSharesVector{Description: desc, Result: "invalid", Fingerprint: v.Fingerprint, Binding: v.Binding,
			PublicKey: v.PublicKey, As: append([]string(nil), v.As...), Ds: append([]string(nil), v.Ds...), Proof: v.Proof}
		f(&r)
		out = append(out, r)
	}
	reject("shares 0 and 2 swapped", func(r *svSharesVector) { r.Ds[0], r.Ds[2] = r.Ds[2], r.Ds[0] })
	reject("share 1 replaced by share 1 + G", func(r *svSharesVector) {
		D, _ := group.ParseElement(svMustHex(v.Ds[1]))
		r.Ds[1] = svHex(new(group.Element).Add(D, group.NewGeneratorElement()).Bytes())
	})
	reject("last ciphertext and share dropped", func(r *svSharesVector) { r.As, r.Ds = r.As[:2], r.Ds[:2] })
	reject("one share missing (3 ciphertexts, 2 shares)", func(r *svSharesVector) { r.Ds = r.Ds[:2] })
	reject("empty lists", func(r *svSharesVector) { r.As, r.Ds = nil, nil })
	return out
}

func svMustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func svParseElems(ss []string) ([]*group.Element, error) {
	out := make([]*group.Element, len(ss))
	for i, s := range ss {
		e, err := group.ParseElement(svMustHex(s))
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func svParseFP(s string) zkp.Fingerprint {
	var fp zkp.Fingerprint
	copy(fp[:], svMustHex(s))
	return fp
}

// The check functions verify a vector from its public hex fields alone, as
// an independent verifier would.

func svCheckKey(v svKeyVector) error {
	X, err := group.ParseElement(svMustHex(v.PublicKey))
	if err != nil {
		return err
	}
	p, err := zkp.ParseKeyProof(svMustHex(v.Proof))
	if err != nil {
		return err
	}
	return zkp.VerifyKey(svParseFP(v.Fingerprint), X, svMustHex(v.Binding), p)
}

func svCheckBallot(v svBallotVector) error {
	pk, err := group.ParseElement(svMustHex(v.PublicKey))
	if err != nil {
		return err
	}
	var cts []zkp.Ciphertext
	for _, c := range v.Ciphertexts {
		es, err := svParseElems([]string{c.A, c.B})
		if err != nil {
			return err
		}
		cts = append(cts, zkp.Ciphertext{A: es[0], B: es[1]})
	}
	p, err := zkp.ParseBallotProof(svMustHex(v.Proof))
	if err != nil {
		return err
	}
	return zkp.VerifyBallot(svParseFP(v.Fingerprint), pk, cts, svMustHex(v.Credential), p)
}

func svCheckDLEQ(v svDLEQVector) error {
	es, err := svParseElems([]string{v.PublicKey, v.A, v.D})
	if err != nil {
		return err
	}
	p, err := zkp.ParseDLEQProof(svMustHex(v.Proof))
	if err != nil {
		return err
	}
	return zkp.VerifyDLEQ(svParseFP(v.Fingerprint), es[0], es[1], es[2], svMustHex(v.Binding), p)
}

func svCheckShares(v svSharesVector) error {
	X, err := group.ParseElement(svMustHex(v.PublicKey))
	if err != nil {
		return err
	}
	As, err := svParseElems(v.As)
	if err != nil {
		return err
	}
	Ds, err := svParseElems(v.Ds)
	if err != nil {
		return err
	}
	p, err := zkp.ParseDLEQProof(svMustHex(v.Proof))
	if err != nil {
		return err
	}
	return zkp.VerifyDecryptionShares(svParseFP(v.Fingerprint), X, As, Ds, svMustHex(v.Binding), p)
}

// svCheckResult checks that err is the vector's expected result.
func svCheckResult(t *testing.T, kind, desc, result string, err error) {
	t.Helper()
	switch result {
	case "valid":
		if err != nil {
			t.Errorf("%s %q: rejected: %v", kind, desc, err)
		}
	case "invalid":
		if !errors.Is(err, zkp.ErrInvalidProof) || errors.Is(err, zkp.ErrMalformed) {
			t.Errorf("%s %q: got %v, want a verification failure", kind, desc, err)
		}
	case "malformed":
		if !errors.Is(err, zkp.ErrMalformed) {
			t.Errorf("%s %q: got %v, want a decoding failure", kind, desc, err)
		}
	default:
		t.Errorf("%s %q: unknown result %q", kind, desc, result)
	}
}

// TestVectorsSigma regenerates testdata/zkp-sigma.json and checks that it
// is unchanged (or rewrites it with -update), and checks every vector, valid
// or not, from its hex fields alone.
func TestVectorsSigma(t *testing.T) {
	v := svFile{
		Description: "Sigma proofs of docs/spec/zkp-sigma.md: key proofs, ballot proofs, Chaum-Pedersen (DLEQ) proofs and batched decryption-share proofs. " +
			"transcript_input_hex is the whole input hashed for the challenge c (SHA-512, reduced mod l); nonces follow the spec's hedged derivation from nonce_random_hex. " +
			"result is valid, invalid (decodes, fails verification) or malformed (fails decoding).",
		Generator:        svHex(group.NewGeneratorElement().Bytes()),
		Key:              svMakeKey(t),
		Ballot:           svMakeBallot(t),
		DLEQ:             svMakeDLEQ(t),
		DecryptionShares: svMakeShares(t),
	}
	for _, x := range v.Key {
		svCheckResult(t, "key", x.Description, x.Result, svCheckKey(x))
	}
	for _, x := range v.Ballot {
		svCheckResult(t, "ballot", x.Description, x.Result, svCheckBallot(x))
	}
	for _, x := range v.DLEQ {
		svCheckResult(t, "dleq", x.Description, x.Result, svCheckDLEQ(x))
	}
	for _, x := range v.DecryptionShares {
		svCheckResult(t, "decryption shares", x.Description, x.Result, svCheckShares(x))
	}
	golden.JSON(t, sigmaVectorFile, v)
}
