package voting

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
)

// What a voter selects, how it is checked against the manifest, and how a
// contest's selection becomes the plaintexts its ciphertexts encrypt
// (docs/spec/ballot.md, section 4).

// WriteInChoice stands, among a selection's options, for the write-in
// candidate named by [Selection.WriteIn]. It cannot be an option id.
const WriteInChoice = "+write-in"

// MaxRowWidth is the widest row a mixnet contest may have: the limit of
// the mix net's lists (tally.MaxWidth).
const MaxRowWidth = 64

// writeInChunk is how many bytes of a write-in one element carries.
const writeInChunk = elgamal.MaxBytesLength

// ErrInvalidSelection is wrapped by every error about a voter's
// selections. The errors say what is wrong by contest and position, never
// which options were chosen; they are meant for the voter's own screen,
// not for logs.
var ErrInvalidSelection = errors.New("voting: invalid selection")

// A Selection is a voter's choice in one contest.
type Selection struct {
	// Options are the ids of the chosen options: for referendum, one-of
	// and approval contests in any order, for ranked contests in order of
	// preference, most preferred first. WriteInChoice stands for the
	// write-in candidate. None means a blank vote, where the contest
	// allows one.
	Options []string `json:"options"`
	// WriteIn is the write-in candidate's name if Options holds
	// WriteInChoice, otherwise empty: UTF-8 of at most the contest's
	// write_in_length bytes, without control characters or leading or
	// trailing white space.
	WriteIn string `json:"write_in,omitempty"`
}

// Selections are a voter's choices on a ballot, by contest id. A contest
// of the ballot style that is missing is a blank vote.
type Selections map[string]Selection

func badSelection(contest, format string, args ...any) error {
	return fmt.Errorf("%w: contest %s: %s", ErrInvalidSelection, contest, fmt.Sprintf(format, args...))
}

// slots returns the number of choice components of a mixnet contest's row:
// ranks for a ranked contest, max for the others.
func (c *Contest) slots() int {
	if c.Kind == Ranked {
		return c.Ranks
	}
	return c.Max
}

// writeInComponents returns the number of write-in components of a mixnet
// contest's row: ⌈write_in_length / 29⌉, or 0 without write-ins.
func (c *Contest) writeInComponents() int {
	if !c.WriteIn {
		return 0
	}
	return (c.WriteInLength + writeInChunk - 1) / writeInChunk
}

// RowWidth returns the number of ciphertexts a ballot holds for contest c:
// one per option for a homomorphic contest; for a mixnet contest, its row
// width w = slots + ⌈write_in_length / 29⌉ (docs/spec/ballot.md, section
// 4.3).
func RowWidth(c *Contest) int {
	if c.Tally == Homomorphic {
		return len(c.Options)
	}
	return c.slots() + c.writeInComponents()
}

// checkShape reports whether a contest of a (valid) manifest can be put on
// a ballot: its range proof and row fit the limits.
func (c *Contest) checkShape() error {
	n := len(c.Options)
	if n < 1 || n > MaxOptions {
		return fmt.Errorf("voting: contest %s: %d options", c.ID, n)
	}
	switch c.Tally {
	case Homomorphic:
		if c.Kind == Ranked || c.WriteIn || c.Min < 0 || c.Min > c.Max || c.Max > n {
			return fmt.Errorf("voting: contest %s cannot be tallied homomorphically as it stands", c.ID)
		}
	case Mixnet:
		if s := c.slots(); s < 1 || s > n {
			return fmt.Errorf("voting: contest %s: %d choices on a ballot of %d options", c.ID, s, n)
		}
		if w := RowWidth(c); w > MaxRowWidth {
			return fmt.Errorf("voting: contest %s: a row of %d ciphertexts is wider than the mix net's %d (fewer ranks or a shorter write-in)", c.ID, w, MaxRowWidth)
		}
	default:
		return fmt.Errorf("voting: contest %s: tally %q", c.ID, c.Tally)
	}
	return nil
}

// checkWriteIn checks a write-in name's text rules.
func checkWriteIn(contest, s string, max int) error {
	switch {
	case len(s) > max:
		return badSelection(contest, "the write-in is %d bytes long, at most %d", len(s), max)
	case !utf8.ValidString(s):
		return badSelection(contest, "the write-in is not valid UTF-8")
	case strings.TrimSpace(s) != s:
		return badSelection(contest, "the write-in starts or ends with white space")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return badSelection(contest, "the write-in contains control characters")
		}
	}
	return nil
}

// choices validates a contest's selection and returns its choice values
// (1 … n for the options in manifest order, n+1 for the write-in) in
// canonical order: increasing, except for a ranked contest, where they are
// in order of preference.
func (c *Contest) choices(s Selection) ([]int, error) {
	n := len(c.Options)
	vals := make([]int, 0, len(s.Options))
	seen := make(map[int]bool, len(s.Options))
	writeIn := false
	for i, id := range s.Options {
		v := 0
		if id == WriteInChoice {
			if !c.WriteIn {
				return nil, badSelection(c.ID, "choice %d is a write-in, which the contest does not allow", i+1)
			}
			v, writeIn = n+1, true
		} else {
			v = slices.IndexFunc(c.Options, func(o Option) bool { return o.ID == id }) + 1
			if v == 0 {
				return nil, badSelection(c.ID, "choice %d is not an option of the contest", i+1)
			}
		}
		if seen[v] {
			return nil, badSelection(c.ID, "choice %d repeats an earlier choice", i+1)
		}
		seen[v] = true
		vals = append(vals, v)
	}
	switch {
	case writeIn && s.WriteIn == "":
		return nil, badSelection(c.ID, "a write-in is chosen without a name")
	case !writeIn && s.WriteIn != "":
		return nil, badSelection(c.ID, "a write-in name is given but not chosen")
	case writeIn:
		if err := checkWriteIn(c.ID, s.WriteIn, c.WriteInLength); err != nil {
			return nil, err
		}
	}
	k := len(vals)
	if c.Kind == Ranked {
		switch {
		case k > c.Ranks:
			return nil, badSelection(c.ID, "%d options ranked, at most %d", k, c.Ranks)
		case k == 0 && !c.Blank:
			return nil, badSelection(c.ID, "rank at least one option (the contest allows no blank vote)")
		}
		return vals, nil
	}
	if k < c.Min || k > c.Max {
		if c.Min == c.Max {
			return nil, badSelection(c.ID, "%d options chosen, want %d", k, c.Min)
		}
		return nil, badSelection(c.ID, "%d options chosen, want %d to %d", k, c.Min, c.Max)
	}
	slices.Sort(vals)
	return vals, nil
}

// selectionOf returns the selection with the given canonical choice values.
func (c *Contest) selectionOf(vals []int, writeIn string) Selection {
	s := Selection{WriteIn: writeIn}
	for _, v := range vals {
		if v == len(c.Options)+1 {
			s.Options = append(s.Options, WriteInChoice)
		} else {
			s.Options = append(s.Options, c.Options[v-1].ID)
		}
	}
	return s
}

// plaintexts returns the elements a contest's ciphertexts encrypt for the
// canonical choice values vals (docs/spec/ballot.md, section 4):
//
//   - homomorphic: for option j, M_j = b_j·G with b_j = 1 if chosen, else 0;
//   - mixnet: the slots, M_i = v_i·G for the i-th choice value (0 for an
//     unused slot), then the write-in components, EncodeBytes of the
//     write-in's consecutive 29-byte pieces (empty pieces at the end).
//
// The scalar multiplications are constant time; EncodeBytes is not (the
// write-in is the voter's own, on the voter's device).
func (c *Contest) plaintexts(vals []int, writeIn string) ([]*group.Element, []uint64, error) {
	if c.Tally == Homomorphic {
		bits := make([]uint64, len(c.Options))
		for _, v := range vals {
			bits[v-1] = 1
		}
		ms := make([]*group.Element, len(bits))
		for j, b := range bits {
			ms[j] = new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(b))
		}
		return ms, bits, nil
	}
	ms := make([]*group.Element, 0, RowWidth(c))
	for i := range c.slots() {
		v := uint64(0)
		if i < len(vals) {
			v = uint64(vals[i])
		}
		ms = append(ms, new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(v)))
	}
	for i := range c.writeInComponents() {
		lo := min(i*writeInChunk, len(writeIn))
		hi := min(lo+writeInChunk, len(writeIn))
		e, err := elgamal.EncodeBytes([]byte(writeIn[lo:hi]))
		if err != nil {
			return nil, nil, fmt.Errorf("voting: contest %s: embedding the write-in: %w", c.ID, err)
		}
		ms = append(ms, e)
	}
	return ms, nil, nil
}

// choiceTable maps the encoding of v·G to v, for v = 0 … MaxOptions+1: the
// values a slot of a mixnet row may hold.
var choiceTable = sync.OnceValue(func() map[[group.ElementSize]byte]int {
	t := make(map[[group.ElementSize]byte]int, MaxOptions+2)
	P := group.NewElement()
	G := group.NewGeneratorElement()
	for v := 0; v <= MaxOptions+1; v++ {
		t[[group.ElementSize]byte(P.Bytes())] = v
		P = new(group.Element).Add(P, G)
	}
	return t
})

// ErrInvalidRow is wrapped by every [DecodeRow] failure: the decrypted
// row is not a valid vote, and the ballot counts as invalid.
var ErrInvalidRow = errors.New("voting: invalid row")

func badRow(contest, format string, args ...any) error {
	return fmt.Errorf("%w: contest %s: %s", ErrInvalidRow, contest, fmt.Sprintf(format, args...))
}

// DecodeRow returns the selection a decrypted row of mixnet contest c
// encodes (docs/spec/ballot.md, section 4.4), for the tally. It returns an
// error wrapping [ErrInvalidRow] if the row is not exactly what
// [EncryptBallot] makes for some valid selection: a slot that is not v·G
// for a choice value v, a choice after an empty slot (a gap), a repeated
// choice, choices of a non-ranked contest not in increasing order, too
// few or too many choices, a write-in chosen without a name or named
// without being chosen, or write-in components that are not a canonical
// embedding of a valid name. Such a ballot counts as invalid; it never
// stops the tally. The error names the rule broken, not the row's values.
func DecodeRow(c *Contest, row []*group.Element) (Selection, error) {
	table := choiceTable()
	return decodeRow(c, row, func(i int) (int, bool) {
		v, ok := table[[group.ElementSize]byte(row[i].Bytes())]
		return v, ok
	})
}

// DecodeRows is [DecodeRow] for many rows of contest c: sels[i] and
// errs[i] are DecodeRow(c, rows[i]). It finds the slots' choice values on
// all cores, from the encodings of their doubles (group.DoubleBatch: an
// inverse shared by many elements instead of an inverse square root each;
// doubling is a bijection of the prime-order group, so 2·M = 2v·G exactly
// when M = v·G).
func DecodeRows(c *Contest, rows [][]*group.Element) (sels []Selection, errs []error) {
	sels, errs = make([]Selection, len(rows)), make([]error, len(rows))
	slots := min(c.slots(), RowWidth(c))
	if c.Tally != Mixnet || slots < 1 {
		for i, row := range rows {
			sels[i], errs[i] = DecodeRow(c, row)
		}
		return sels, errs
	}
	table := doubleChoiceTable()
	const chunk = 512
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < len(rows); lo += chunk {
		hi := min(lo+chunk, len(rows))
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			in := make([]group.Element, 0, (hi-lo)*slots)
			for _, row := range rows[lo:hi] {
				for j := range slots {
					if j < len(row) && row[j] != nil {
						in = append(in, *new(group.Element).Set(row[j]))
					}
				}
			}
			if err := group.DoubleBatch(in, in); err != nil {
				panic("voting: internal error: " + err.Error()) // equal lengths
			}
			k := 0
			vals := make([]int, slots)
			known := make([]bool, slots)
			for r, row := range rows[lo:hi] {
				for j := range slots {
					known[j] = false
					if j < len(row) && row[j] != nil {
						vals[j], known[j] = table[[group.ElementSize]byte(in[k].Bytes())]
						k++
					}
				}
				sels[lo+r], errs[lo+r] = decodeRow(c, row, func(i int) (int, bool) { return vals[i], known[i] })
			}
		})
	}
	wg.Wait()
	return sels, errs
}

// doubleChoiceTable maps the encoding of 2v·G to v, for v = 0 …
// MaxOptions+1 (see [DecodeRows]).
var doubleChoiceTable = sync.OnceValue(func() map[[group.ElementSize]byte]int {
	t := make(map[[group.ElementSize]byte]int, MaxOptions+2)
	P := group.NewElement()
	G := group.NewGeneratorElement()
	G2 := new(group.Element).Add(G, G)
	for v := 0; v <= MaxOptions+1; v++ {
		t[[group.ElementSize]byte(P.Bytes())] = v
		P = new(group.Element).Add(P, G2)
	}
	return t
})

// decodeRow is DecodeRow with the choice value of slot i (for a row[i]
// that is not nil) given by value.
func decodeRow(c *Contest, row []*group.Element, value func(i int) (int, bool)) (Selection, error) {
	if c.Tally != Mixnet {
		return Selection{}, badRow(c.ID, "not a mixnet contest")
	}
	if err := c.checkShape(); err != nil {
		return Selection{}, fmt.Errorf("%w: %w", ErrInvalidRow, err)
	}
	if len(row) != RowWidth(c) {
		return Selection{}, badRow(c.ID, "a row of %d plaintexts, want %d", len(row), RowWidth(c))
	}
	n := len(c.Options)
	var vals []int
	ended := false
	for i := range c.slots() {
		if row[i] == nil {
			return Selection{}, badRow(c.ID, "slot %d is missing", i+1)
		}
		v, ok := value(i)
		switch {
		case !ok || v > n+1 || (v == n+1 && !c.WriteIn):
			return Selection{}, badRow(c.ID, "slot %d does not hold a choice", i+1)
		case v == 0:
			ended = true
			continue
		case ended:
			return Selection{}, badRow(c.ID, "slot %d holds a choice after an empty slot", i+1)
		}
		vals = append(vals, v)
	}
	writeIn := ""
	if k := c.writeInComponents(); k > 0 {
		var sb strings.Builder
		short := false
		for i, e := range row[c.slots():] {
			if e == nil {
				return Selection{}, badRow(c.ID, "write-in component %d is missing", i+1)
			}
			piece, err := elgamal.DecodeBytes(e)
			if err != nil {
				return Selection{}, badRow(c.ID, "write-in component %d is not an embedded byte string", i+1)
			}
			if short && len(piece) > 0 {
				return Selection{}, badRow(c.ID, "write-in component %d follows a short one", i+1)
			}
			short = len(piece) < writeInChunk
			sb.Write(piece)
		}
		writeIn = sb.String()
	}
	s := c.selectionOf(vals, writeIn)
	got, err := c.choices(s)
	if err != nil {
		return Selection{}, fmt.Errorf("%w: %w", ErrInvalidRow, err)
	}
	if !slices.Equal(got, vals) {
		return Selection{}, badRow(c.ID, "the choices are not in increasing order")
	}
	return s, nil
}
