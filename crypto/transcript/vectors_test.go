package transcript_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/veche/veche/internal/golden"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

const vectorFile = "../../testdata/transcript.json"

type vectorItem struct {
	Type    string `json:"type"`
	Label   string `json:"label"`
	Value   string `json:"value_hex"`
	Encoded string `json:"encoded_hex"`
}

type vectorFileFormat struct {
	Description string       `json:"description"`
	Protocol    string       `json:"protocol"`
	Items       []vectorItem `json:"items"`
	Input       string       `json:"input_hex"`
	Digest      string       `json:"sha512_hex"`
	Challenge   string       `json:"challenge_scalar_hex"`
}

// encodeItem is an independent implementation of the item framing of
// docs/spec/transcript.md, used to check the package against the spec.
func encodeItem(typ byte, label string, value []byte) []byte {
	var b []byte
	b = append(b, typ)
	b = binary.BigEndian.AppendUint32(b, uint32(len(label)))
	b = append(b, label...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(value)))
	return append(b, value...)
}

func TestVectors(t *testing.T) {
	const protocol = "veche/example/v1"
	fp := bytes.Repeat([]byte{0xab}, 32)
	g := group.NewGeneratorElement()
	h, _ := group.HashToElement([]byte("veche/example/generator"), []byte("h"))
	s := new(group.Scalar).SetUint64(42)

	tr := transcript.NewProof(protocol, fp, g, h)
	tr.Uint64("n", 2).Scalar("s", s).Bytes("empty", nil).Element("x", h)
	c := tr.Challenge("c")

	u64 := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	type it struct {
		typ   byte
		name  string
		label string
		value []byte
	}
	items := []it{
		{0x01, "domain", transcript.Domain, []byte(protocol)},
		{0x02, "bytes", "fingerprint", fp},
		{0x02, "bytes", "group", []byte("ristretto255")},
		{0x06, "list", "generators", u64(2)},
		{0x05, "element", "", g.Bytes()},
		{0x05, "element", "", h.Bytes()},
		{0x03, "uint64", "n", u64(2)},
		{0x04, "scalar", "s", s.Bytes()},
		{0x02, "bytes", "empty", nil},
		{0x05, "element", "x", h.Bytes()},
		{0x07, "challenge", "c", nil},
	}
	var input []byte
	var vitems []vectorItem
	for _, x := range items {
		enc := encodeItem(x.typ, x.label, x.value)
		input = append(input, enc...)
		vitems = append(vitems, vectorItem{x.name, x.label, hex.EncodeToString(x.value), hex.EncodeToString(enc)})
	}
	digest := sha512.Sum512(input)
	want, _ := new(group.Scalar).SetUniformBytes(digest[:])
	if c.Equal(want) != 1 {
		t.Fatal("transcript challenge differs from the spec's independent encoding")
	}
	got := vectorFileFormat{
		Description: "A transcript.NewProof transcript with every item type; the challenge is SHA-512(input) reduced mod l (little-endian).",
		Protocol:    protocol,
		Items:       vitems,
		Input:       hex.EncodeToString(input),
		Digest:      hex.EncodeToString(digest[:]),
		Challenge:   hex.EncodeToString(c.Bytes()),
	}
	golden.JSON(t, vectorFile, got)
}
