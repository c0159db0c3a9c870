package group_test

import (
	"encoding/hex"
	"testing"

	"github.com/veche/veche/internal/golden"

	"github.com/veche/veche/crypto/group"
)

const vectorFile = "../../testdata/group.json"

type hashVector struct {
	DST    string `json:"dst"`
	Msg    string `json:"msg_hex"`
	Expand string `json:"expand_message_xmd_64_hex"`
	Output string `json:"output_hex"`
}

type groupVectors struct {
	Description     string       `json:"description"`
	HashToElement   []hashVector `json:"hash_to_element"`
	HashToScalar    []hashVector `json:"hash_to_scalar"`
	GeneratorSeed   string       `json:"generator_seed_hex"`
	Generators      []string     `json:"generators_hex"`
	ScalarBaseMults []struct {
		Scalar  string `json:"scalar_hex"`
		Element string `json:"element_hex"`
	} `json:"scalar_base_mults"`
}

func TestVectors(t *testing.T) {
	var v groupVectors
	v.Description = "Veche's uses of RFC 9380/9496 hashing: HashToElement and HashToScalar (64 bytes of expand_message_xmd SHA-512, then the one-way map or reduction mod l), DeriveGenerators, and ScalarBaseMult."
	inputs := []struct{ dst, msg string }{
		{"veche/test/v1", ""},
		{"veche/test/v1", "abc"},
		{"veche/generators/v1", "seed"},
	}
	for _, in := range inputs {
		u, _ := group.ExpandMessageXMD([]byte(in.dst), []byte(in.msg), 64)
		e, _ := group.HashToElement([]byte(in.dst), []byte(in.msg))
		s, _ := group.HashToScalar([]byte(in.dst), []byte(in.msg))
		v.HashToElement = append(v.HashToElement, hashVector{in.dst, hex.EncodeToString([]byte(in.msg)), hex.EncodeToString(u), hex.EncodeToString(e.Bytes())})
		v.HashToScalar = append(v.HashToScalar, hashVector{in.dst, hex.EncodeToString([]byte(in.msg)), hex.EncodeToString(u), hex.EncodeToString(s.Bytes())})
	}
	seed := []byte("veche example election 1")
	v.GeneratorSeed = hex.EncodeToString(seed)
	gens, err := group.DeriveGenerators(seed, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		v.Generators = append(v.Generators, hex.EncodeToString(g.Bytes()))
	}
	for _, x := range []int64{1, 2, 42, -1} {
		s := new(group.Scalar).SetInt64(x)
		e := new(group.Element).ScalarBaseMult(s)
		v.ScalarBaseMults = append(v.ScalarBaseMults, struct {
			Scalar  string `json:"scalar_hex"`
			Element string `json:"element_hex"`
		}{hex.EncodeToString(s.Bytes()), hex.EncodeToString(e.Bytes())})
	}
	golden.JSON(t, vectorFile, v)
}

func TestDeriveGenerators(t *testing.T) {
	gens, err := group.DeriveGenerators([]byte("s"), 50)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, g := range gens {
		if g.IsIdentity() || g.Equal(group.NewGeneratorElement()) == 1 {
			t.Fatalf("generator %d is degenerate", i)
		}
		if seen[string(g.Bytes())] {
			t.Fatalf("generator %d repeats", i)
		}
		seen[string(g.Bytes())] = true
	}
	other, _ := group.DeriveGenerators([]byte("t"), 1)
	if other[0].Equal(gens[0]) == 1 {
		t.Error("different seeds give the same generator")
	}
	// Seeds are length-prefixed: "s"+index vs a longer seed cannot collide.
	if _, err := group.DeriveGenerators(nil, -1); err == nil {
		t.Error("negative count accepted")
	}
}
