package voting

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

// DecodeRow accepts exactly the rows EncryptBallot's plaintexts make: every
// row it decodes is re-encoded, from the selection it returns, to itself.
// The fuzzer builds rows from choice values (slots) and write-in pieces
// separated by 0x00 (each embedded as one component), so that it reaches
// valid rows often.
func FuzzDecodeRow(f *testing.F) {
	c := &Contest{
		ID: "mayor", Kind: Ranked, Tally: Mixnet, Ranks: 3, Blank: true,
		Options: []Option{{ID: "orlov"}, {ID: "volkova"}, {ID: "zaitsev"}},
		WriteIn: true, WriteInLength: 40,
	}
	f.Add(false, []byte{2, 4, 1}, []byte("Pat Example\x00"))
	f.Add(false, []byte{1, 0, 0}, []byte("\x00"))
	f.Add(true, []byte{3, 1}, []byte("abcdefghijklmnopqrstuvwxyz012\x00345"))
	f.Add(true, []byte{4, 0}, []byte("abcdefghijklmnopqrstuvwxyz012\x00\x00"))
	f.Fuzz(func(t *testing.T, approval bool, slots, writeIn []byte) {
		c := *c
		if approval {
			c.Kind, c.Ranks, c.Min, c.Max, c.Blank = Approval, 0, 1, 2, false
		}
		var row []*group.Element
		for i := range c.slots() {
			v := uint64(0)
			if i < len(slots) {
				v = uint64(slots[i] % 70)
			}
			row = append(row, new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(v)))
		}
		pieces := bytes.Split(writeIn, []byte{0})
		for i := range c.writeInComponents() {
			var p []byte
			if i < len(pieces) {
				p = pieces[i][:min(len(pieces[i]), elgamal.MaxBytesLength)]
			}
			e, err := elgamal.EncodeBytes(p)
			if err != nil {
				return
			}
			row = append(row, e)
		}
		s, err := DecodeRow(&c, row)
		sels, errs := DecodeRows(&c, [][]*group.Element{row})
		if fmt.Sprint(errs[0]) != fmt.Sprint(err) || !slices.Equal(sels[0].Options, s.Options) || sels[0].WriteIn != s.WriteIn {
			t.Fatalf("DecodeRows gives %+v, %v; DecodeRow %+v, %v", sels[0], errs[0], s, err)
		}
		if err != nil {
			return
		}
		vals, err := c.choices(s)
		if err != nil {
			t.Fatalf("DecodeRow returned an invalid selection: %v", err)
		}
		again, _, err := c.plaintexts(vals, s.WriteIn)
		if err != nil {
			t.Fatal(err)
		}
		for i := range row {
			if row[i].Equal(again[i]) != 1 {
				t.Fatalf("the row decodes to %+v, which encodes differently at component %d", s, i)
			}
		}
	})
}

// The plaintext of a sealed credential decodes strictly.
func FuzzParseCredentialPlaintext(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	fp := bytes.Repeat([]byte{9}, 32)
	f.Add(append(append(append([]byte{1}, fp...), 4, 'c', 'i', 't', 'y'), key...))
	f.Add(append(append([]byte{1}, fp...), 0))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, fp, err := parseCredentialPlaintext(in)
		if err != nil {
			return
		}
		again := append(append([]byte{1}, fp[:]...), byte(len(c.Style)))
		again = append(again, c.Style...)
		if !bytes.Equal(append(again, c.Key.Bytes()...), in) {
			t.Fatal("a credential decoded from bytes that are not its encoding")
		}
	})
}
