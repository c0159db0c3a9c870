package voting_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/voting"
)

// val returns n·G, the plaintext of a slot holding the choice value v.
func val(n uint64) *group.Element {
	return new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(n))
}

func embed(t *testing.T, s string) *group.Element {
	t.Helper()
	e, err := elgamal.EncodeBytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The tally decodes a decrypted row of the example's ranked contest (3
// ranks of 3 options, value 4 for the write-in, one write-in component)
// into the voter's selection, and counts every row that no honest device
// makes as invalid, saying which rule it breaks.
func TestDecodeRow(t *testing.T) {
	m := example(t)
	mayor := contest(m, "mayor")
	junk := group.NewGeneratorElement()
	junk.Add(junk, val(1<<40))
	valid := []struct {
		row  []*group.Element
		want voting.Selection
	}{
		{[]*group.Element{val(2), val(4), val(1), embed(t, "Pat Example")}, voting.Selection{Options: []string{"volkova", voting.WriteInChoice, "orlov"}, WriteIn: "Pat Example"}},
		{[]*group.Element{val(3), val(0), val(0), embed(t, "")}, voting.Selection{Options: []string{"zaitsev"}}},
		{[]*group.Element{val(0), val(0), val(0), embed(t, "")}, voting.Selection{}}, // blank: allowed
	}
	for i, tc := range valid {
		got, err := voting.DecodeRow(mayor, tc.row)
		if err != nil || !slices.Equal(got.Options, tc.want.Options) || got.WriteIn != tc.want.WriteIn {
			t.Errorf("row %d: %+v, %v; want %+v", i, got, err, tc.want)
		}
	}
	invalid := []struct {
		name string
		row  []*group.Element
		want string
	}{
		{"a gap", []*group.Element{val(1), val(0), val(2), embed(t, "")}, "after an empty slot"},
		{"a repeat", []*group.Element{val(1), val(1), val(0), embed(t, "")}, "repeats"},
		{"value 5", []*group.Element{val(5), val(0), val(0), embed(t, "")}, "does not hold a choice"},
		{"not a small multiple of G", []*group.Element{junk, val(0), val(0), embed(t, "")}, "does not hold a choice"},
		{"the write-in without a name", []*group.Element{val(4), val(0), val(0), embed(t, "")}, "without a name"},
		{"a name without the write-in", []*group.Element{val(1), val(0), val(0), embed(t, "X")}, "not chosen"},
		{"a write-in that is no embedding", []*group.Element{val(4), val(0), val(0), junk}, "not an embedded byte string"},
		{"a write-in with a control character", []*group.Element{val(4), val(0), val(0), embed(t, "a\tb")}, "control"},
		{"a write-in of 29 bytes", []*group.Element{val(4), val(0), val(0), embed(t, strings.Repeat("x", 29))}, "at most 28"},
		{"too narrow", []*group.Element{val(1), val(0), val(0)}, "want 4"},
		{"a missing plaintext", []*group.Element{val(1), nil, val(0), embed(t, "")}, "missing"},
	}
	for _, tc := range invalid {
		_, err := voting.DecodeRow(mayor, tc.row)
		if !errors.Is(err, voting.ErrInvalidRow) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrInvalidRow saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := voting.DecodeRow(contest(m, "council"), []*group.Element{val(1)}); !errors.Is(err, voting.ErrInvalidRow) {
		t.Errorf("a homomorphic contest's row: %v", err)
	}

	// DecodeRows decodes many rows at once (through the doubles' batched
	// encodings) exactly as DecodeRow decodes each: the same selections
	// and the same errors, in the same order, across its chunks.
	var rows [][]*group.Element
	for k := range 700 {
		for _, tc := range valid {
			rows = append(rows, tc.row)
		}
		if k%3 == 0 {
			for _, tc := range invalid {
				rows = append(rows, tc.row)
			}
		}
	}
	rows = append(rows, nil, []*group.Element{nil, nil, nil, nil})
	sels, errs := voting.DecodeRows(mayor, rows)
	if len(sels) != len(rows) || len(errs) != len(rows) {
		t.Fatalf("DecodeRows returned %d selections and %d errors for %d rows", len(sels), len(errs), len(rows))
	}
	for i, row := range rows {
		want, wantErr := voting.DecodeRow(mayor, row)
		if fmt.Sprint(errs[i]) != fmt.Sprint(wantErr) || !slices.Equal(sels[i].Options, want.Options) || sels[i].WriteIn != want.WriteIn {
			t.Fatalf("row %d: DecodeRows gives %+v, %v; DecodeRow %+v, %v", i, sels[i], errs[i], want, wantErr)
		}
	}
	if _, errs := voting.DecodeRows(contest(m, "council"), [][]*group.Element{{val(1)}}); !errors.Is(errs[0], voting.ErrInvalidRow) {
		t.Errorf("DecodeRows of a homomorphic contest's row: %v", errs[0])
	}
}

// In a mixnet approval contest the choices come in increasing order, and
// a long write-in fills its components one after the other.
func TestDecodeRowApproval(t *testing.T) {
	c := &voting.Contest{
		ID: "board", Kind: voting.Approval, Tally: voting.Mixnet, Min: 1, Max: 2,
		Options: []voting.Option{{ID: "a"}, {ID: "b"}, {ID: "c"}},
		WriteIn: true, WriteInLength: 60,
	}
	if w := voting.RowWidth(c); w != 2+3 {
		t.Fatalf("RowWidth = %d, want 2 slots and 3 write-in components", w)
	}
	name := strings.Repeat("n", 29) + "m"
	empty := embed(t, "")
	row := []*group.Element{val(1), val(4), embed(t, name[:29]), embed(t, name[29:]), empty}
	got, err := voting.DecodeRow(c, row)
	if err != nil || !slices.Equal(got.Options, []string{"a", voting.WriteInChoice}) || got.WriteIn != name {
		t.Fatalf("%+v, %v", got, err)
	}
	for name, row := range map[string][]*group.Element{
		"decreasing":                  {val(3), val(1), empty, empty, empty},
		"below the minimum":           {val(0), val(0), empty, empty, empty},
		"a piece after a short piece": {val(4), val(0), embed(t, "ab"), embed(t, "cd"), empty},
		"a piece after an empty one":  {val(4), val(0), empty, embed(t, "cd"), empty},
	} {
		if _, err := voting.DecodeRow(c, row); !errors.Is(err, voting.ErrInvalidRow) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c.WriteInLength = 256
	c.Max, c.Options = 3, append(c.Options, voting.Option{ID: "d"})
	if voting.RowWidth(c) != 3+9 {
		t.Fatalf("RowWidth = %d", voting.RowWidth(c))
	}
	wide := *c
	wide.Kind, wide.Ranks, wide.Min, wide.Max = voting.Ranked, 60, 0, 0
	for i := range 56 {
		wide.Options = append(wide.Options, voting.Option{ID: "x" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	if _, err := voting.DecodeRow(&wide, make([]*group.Element, voting.RowWidth(&wide))); err == nil || !strings.Contains(err.Error(), "wider than the mix net's 64") {
		t.Fatalf("a row of %d: %v", voting.RowWidth(&wide), err)
	}
}
