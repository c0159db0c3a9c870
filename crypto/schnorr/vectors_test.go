package schnorr_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/veche/veche/internal/golden"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/schnorr"
)

// This file generates and checks testdata/signature.json, the test vectors
// of docs/spec/signature.md. The nonce and the challenge are recomputed
// here independently from the spec (expand_message_xmd nonce input; the
// transcript item framing of docs/spec/transcript.md).

const vectorFile = "../../testdata/signature.json"

type sigVector struct {
	Description string `json:"description"`
	Result      string `json:"result"` // "valid", "invalid" or "malformed"
	Secret      string `json:"secret_key_hex,omitempty"`
	PublicKey   string `json:"public_key_hex"`
	Context     string `json:"context"`
	Message     string `json:"message_hex"`
	NonceRandom string `json:"nonce_random_Z_hex,omitempty"`
	NonceInput  string `json:"nonce_input_hex,omitempty"`
	Nonce       string `json:"nonce_k_hex,omitempty"`
	R           string `json:"R_hex,omitempty"`
	Transcript  string `json:"transcript_input_hex,omitempty"`
	Challenge   string `json:"challenge_c_hex,omitempty"`
	Z           string `json:"z_hex,omitempty"`
	Signature   string `json:"signature_hex"`
}

type sigFile struct {
	Description string      `json:"description"`
	Protocol    string      `json:"protocol"`
	NonceDST    string      `json:"nonce_dst"`
	Vectors     []sigVector `json:"vectors"`
}

// item is the transcript item framing.
func item(typ byte, label string, v []byte) []byte {
	b := []byte{typ}
	b = binary.BigEndian.AppendUint32(b, uint32(len(label)))
	b = append(b, label...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(v)))
	return append(b, v...)
}

func hx(b []byte) string { return hex.EncodeToString(b) }

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestVectors(t *testing.T) {
	f := sigFile{
		Description: "Schnorr signatures of docs/spec/signature.md over ristretto255. k = HashToScalar(nonce_dst, nonce_input) with nonce_input = sk || Z || u64(len(context)) || context || msg; " +
			"c = SHA-512(transcript_input) reduced mod l; signature = R || z with z = k + c·sk. result is valid, invalid or malformed (bad encoding).",
		Protocol: schnorr.Protocol,
		NonceDST: "veche/schnorr/v1/nonce",
	}
	cases := []struct{ context, msg string }{
		{"veche/ballot/v1", "ballot bytes"},
		{"veche/document/v1", ""},
		{"x", string(bytes.Repeat([]byte{0xab}, 200))},
	}
	for i, c := range cases {
		seed := "signature/" + string(rune('0'+i))
		sk, err := schnorr.GenerateKey(testrand.New(seed + "/key"))
		if err != nil {
			t.Fatal(err)
		}
		Z := make([]byte, 32)
		io.ReadFull(testrand.New(seed+"/sign"), Z)
		sig, err := schnorr.Sign(testrand.New(seed+"/sign"), sk, c.context, []byte(c.msg))
		if err != nil {
			t.Fatal(err)
		}
		// Independent recomputation from the spec.
		nin := append(append(bytes.Clone(sk.Bytes()), Z...), binary.BigEndian.AppendUint64(nil, uint64(len(c.context)))...)
		nin = append(append(nin, c.context...), c.msg...)
		k, _ := group.HashToScalar([]byte("veche/schnorr/v1/nonce"), nin)
		R := new(group.Element).ScalarBaseMult(k)
		var in []byte
		in = append(in, item(0x01, "veche/transcript/v1", []byte("veche/schnorr/v1"))...)
		in = append(in, item(0x02, "context", []byte(c.context))...)
		in = append(in, item(0x05, "pk", sk.Public().Bytes())...)
		in = append(in, item(0x02, "msg", []byte(c.msg))...)
		in = append(in, item(0x05, "R", R.Bytes())...)
		in = append(in, item(0x07, "c", nil)...)
		d := sha512.Sum512(in)
		ch, _ := new(group.Scalar).SetUniformBytes(d[:])
		z := new(group.Scalar).MultiplyAdd(ch, sk.Scalar(), k)
		want := append(R.Bytes(), z.Bytes()...)
		if !bytes.Equal(sig, want) {
			t.Fatalf("case %d: Sign differs from the spec's computation", i)
		}
		f.Vectors = append(f.Vectors, sigVector{
			Description: "valid signature", Result: "valid",
			Secret: hx(sk.Bytes()), PublicKey: hx(sk.Public().Bytes()), Context: c.context, Message: hx([]byte(c.msg)),
			NonceRandom: hx(Z), NonceInput: hx(nin), Nonce: hx(k.Bytes()), R: hx(R.Bytes()),
			Transcript: hx(in), Challenge: hx(ch.Bytes()), Z: hx(z.Bytes()), Signature: hx(sig),
		})
	}
	v := f.Vectors[0]
	sig := unhex(v.Signature)
	reject := func(desc, result string, m func(*sigVector)) {
		r := sigVector{Description: desc, Result: result, PublicKey: v.PublicKey, Context: v.Context, Message: v.Message, Signature: v.Signature}
		m(&r)
		f.Vectors = append(f.Vectors, r)
	}
	reject("same signature under another context", "invalid", func(r *sigVector) { r.Context = "veche/document/v1" })
	reject("another message", "invalid", func(r *sigVector) { r.Message = hx([]byte("ballot bytez")) })
	reject("another public key", "invalid", func(r *sigVector) { r.PublicKey = f.Vectors[1].PublicKey })
	reject("z replaced by z + ℓ (unreduced)", "malformed", func(r *sigVector) {
		r.Signature = hx(append(bytes.Clone(sig[:32]), addOrder(sig[32:])...))
	})
	reject("R is the identity", "malformed", func(r *sigVector) { r.Signature = hx(append(make([]byte, 32), sig[32:]...)) })
	reject("truncated to 63 bytes", "malformed", func(r *sigVector) { r.Signature = hx(sig[:63]) })
	reject("one trailing byte", "malformed", func(r *sigVector) { r.Signature = hx(append(bytes.Clone(sig), 0)) })
	reject("empty context", "invalid", func(r *sigVector) { r.Context = "" })

	for _, x := range f.Vectors {
		pk, err := schnorr.NewPublicKey(unhex(x.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		err = schnorr.Verify(pk, x.Context, unhex(x.Message), unhex(x.Signature))
		switch x.Result {
		case "valid":
			if err != nil {
				t.Errorf("%q: rejected: %v", x.Description, err)
			}
		case "invalid":
			if !errors.Is(err, schnorr.ErrInvalidSignature) || errors.Is(err, schnorr.ErrMalformed) {
				t.Errorf("%q: got %v, want a verification failure", x.Description, err)
			}
		case "malformed":
			if !errors.Is(err, schnorr.ErrMalformed) {
				t.Errorf("%q: got %v, want a decoding failure", x.Description, err)
			}
		}
	}

	golden.JSON(t, vectorFile, f)
}
