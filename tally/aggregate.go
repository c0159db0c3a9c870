package tally

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/voting"
)

// Tally inputs (docs/spec/tally.md, section 3): what the commission posts
// after the close, each recomputable from the board by weeding it.
//
// Every tally-input payload starts with a byte naming its type and
// version together: 0x01 a mix list (docs/spec/mixnet.md), 0x02 the
// encrypted totals of a homomorphic contest, 0x03 the reconciliation. A
// later version of a record gets a new byte. Readers of mix lists
// (ReadMixRecord) do not decode the other two: they are not lists to mix.

// An InputType is the first byte of a tally-input payload. Do NOT
// renumber.
type InputType byte

// Tally-input record types.
const (
	InputList           InputType = recordVersion // a mix list of a mixnet contest (TallyInput)
	InputTotals         InputType = 2             // the encrypted totals of a homomorphic contest (Totals)
	InputReconciliation InputType = 3             // the reconciliation (Reconciliation)
)

// String names the record type ("totals").
func (t InputType) String() string {
	switch t {
	case InputList:
		return "mix list"
	case InputTotals:
		return "totals"
	case InputReconciliation:
		return "reconciliation"
	}
	return fmt.Sprintf("input-type(%d)", byte(t))
}

// ReconciliationSize is the length of a reconciliation record.
const ReconciliationSize = 1 + 11*8 + 32

// Bytes encodes the reconciliation record:
//
//	0x03 || u64(closing) || u64(credentials issued) || u64(ballots received)
//	     || u64(audited) || u64(revotes) || u64(malformed) || u64(invalid)
//	     || u64(spoiled) || u64(clash) || u64(superseded) || u64(counted)
//	     || counted digest (32)
func (r *Reconciliation) Bytes() []byte {
	b := make([]byte, 0, ReconciliationSize)
	b = append(b, byte(InputReconciliation))
	for _, x := range []uint64{r.Closing, r.CredentialsIssued, r.BallotsReceived, r.Audited, r.Revotes,
		r.Excluded.Malformed, r.Excluded.Invalid, r.Excluded.Spoiled, r.Excluded.Clash, r.Excluded.Superseded, r.Counted} {
		b = binary.BigEndian.AppendUint64(b, x)
	}
	return append(b, r.CountedDigest[:]...)
}

// ParseReconciliation decodes a reconciliation record strictly: its exact
// length, and numbers that add up (ballots received = excluded +
// counted; counted ≤ credentials issued; revotes ≤ counted and ≤
// superseded).
func ParseReconciliation(b []byte) (*Reconciliation, error) {
	if len(b) != ReconciliationSize || b[0] != byte(InputReconciliation) {
		return nil, fmt.Errorf("%w: a reconciliation record is 0x03 and %d bytes", ErrMalformed, ReconciliationSize-1)
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[1+8*i:]) }
	r := &Reconciliation{
		Closing: u(0), CredentialsIssued: u(1), BallotsReceived: u(2), Audited: u(3), Revotes: u(4),
		Excluded: ExcludedCounts{Malformed: u(5), Invalid: u(6), Spoiled: u(7), Clash: u(8), Superseded: u(9)},
		Counted:  u(10),
	}
	copy(r.CountedDigest[:], b[1+88:])
	var total, carry uint64
	for _, x := range []uint64{r.Excluded.Malformed, r.Excluded.Invalid, r.Excluded.Spoiled, r.Excluded.Clash, r.Excluded.Superseded, r.Counted} {
		var c uint64
		total, c = bits.Add64(total, x, 0)
		carry |= c
	}
	if carry != 0 || total != r.BallotsReceived || r.Counted > r.CredentialsIssued || r.Revotes > r.Counted || r.Revotes > r.Excluded.Superseded {
		return nil, fmt.Errorf("%w: the reconciliation's numbers do not add up", ErrMalformed)
	}
	return r, nil
}

// Totals are the encrypted per-option totals of a homomorphic contest: the
// component-wise sums of the counted ballots' ciphertexts for the contest,
// over Ballots ballots. The trustees decrypt them as the one-row list
// named by the contest id ([Totals.List]).
type Totals struct {
	Contest string
	Ballots uint32
	Sums    elgamal.VectorCiphertext // one per option, in the manifest's order
}

// List returns the totals as the one-row list the trustees decrypt.
func (t *Totals) List() *List {
	return &List{Name: t.Contest, Rows: []elgamal.VectorCiphertext{t.Sums}}
}

// Bytes encodes the totals record:
//
//	0x02 || u8(len(contest)) || contest || u32(ballots) || u32(n) || n ciphertexts
func (t *Totals) Bytes() ([]byte, error) {
	l := t.List()
	if err := l.check(); err != nil {
		return nil, err
	}
	if t.Ballots == 0 {
		return nil, fmt.Errorf("tally: totals of contest %s over no ballot", t.Contest)
	}
	b := make([]byte, 0, 10+len(t.Contest)+len(t.Sums)*elgamal.CiphertextSize)
	b = append(b, byte(InputTotals), byte(len(t.Contest)))
	b = append(b, t.Contest...)
	b = binary.BigEndian.AppendUint32(b, t.Ballots)
	b = binary.BigEndian.AppendUint32(b, uint32(len(t.Sums)))
	return appendRows(b, l.Rows), nil
}

// ParseTotals decodes a totals record strictly: a contest id, at least one
// ballot, 1 to 64 canonical ciphertexts with A not the identity, nothing
// after them.
func ParseTotals(b []byte) (*Totals, error) {
	if len(b) < 2 || b[0] != byte(InputTotals) {
		return nil, fmt.Errorf("%w: not a totals record", ErrMalformed)
	}
	d := &reader{b: b[1:]}
	l := d.take(1, "contest id length")
	if d.err != nil {
		return nil, d.err
	}
	name := string(d.take(int(l[0]), "contest id"))
	if d.err == nil && !listNamePattern.MatchString(name) {
		return nil, fmt.Errorf("%w: contest id %q", ErrMalformed, name)
	}
	ballots, w := d.u32("ballot count"), int(d.u32("width"))
	if d.err == nil && (ballots == 0 || w < 1 || w > MaxWidth) {
		return nil, fmt.Errorf("%w: totals of %s: %d ballots, %d options", ErrMalformed, name, ballots, w)
	}
	rows := d.rows(1, w)
	if err := d.finish(); err != nil {
		return nil, err
	}
	return &Totals{Contest: name, Ballots: ballots, Sums: rows[0]}, nil
}

// An Input is one tally-input record: computed by [Aggregate], or as read
// from the board ([ReadTallyInputs]) with its place.
type Input struct {
	Type    InputType
	Name    string // the contest id; empty for the reconciliation
	Payload []byte
	Ref     Ref // where it is on the board (zero when computed)
}

// TallyInputs are an election's tally-input records.
type TallyInputs struct {
	Reconciliation *Reconciliation
	Totals         map[string]*Totals // by homomorphic contest id
	// Inputs are the records: computed, the reconciliation, then the
	// totals and the mix lists in the manifest's order of contests; read,
	// those that count, in board order.
	Inputs []Input
	// Rejected are the tally-input entries that count for nothing (read
	// only): not the commission's, not decodable, or a second record of a
	// kind and contest (the first counts).
	Rejected []RejectedEntry

	lists map[string]*TallyInput // decoded mix lists
	rows  map[string][]Location  // computed: the counted ballot of each row of each mix list
}

// Input returns the record of the given type and contest, or nil.
func (in *TallyInputs) Input(t InputType, name string) *Input {
	for i := range in.Inputs {
		if in.Inputs[i].Type == t && in.Inputs[i].Name == name {
			return &in.Inputs[i]
		}
	}
	return nil
}

// List returns the decoded mix list of a mixnet contest, or an error if
// there is none.
func (in *TallyInputs) List(contest string) (*TallyInput, error) {
	if l := in.lists[contest]; l != nil {
		return l, nil
	}
	p := in.Input(InputList, contest)
	if p == nil {
		return nil, fmt.Errorf("tally: no mix list for contest %s", contest)
	}
	l, err := ParseTallyInput(p.Payload)
	if err != nil {
		return nil, err
	}
	if in.lists == nil {
		in.lists = map[string]*TallyInput{}
	}
	in.lists[contest] = l
	return l, nil
}

// decoded returns the mix list that payload encodes: in's, decoded when
// in was read, if in has the same payload for that list, or else decoded
// now. in may be nil.
func (in *TallyInputs) decoded(payload []byte) (*TallyInput, error) {
	if in != nil {
		name := ListName(payload)
		if l := in.lists[name]; l != nil {
			if p := in.Input(InputList, name); p != nil && bytes.Equal(p.Payload, payload) {
				return l, nil
			}
		}
	}
	return ParseTallyInput(payload)
}

// ErrNotClosed: the election has no closing entry yet; its tally inputs
// cannot be fixed.
var ErrNotClosed = errors.New("tally: the election is not closed")

// Aggregate computes the tally inputs of the weeded election
// (docs/spec/tally.md, section 3): the reconciliation; for each
// homomorphic contest with counted ballots, the per-option sums of their
// ciphertexts; for each mixnet contest with counted ballots, the mix list
// of their rows sorted by the ballots' tracking codes (so that board order
// does not show in the list the mixers shuffle). Contests without counted
// ballots have no record.
func Aggregate(m *voting.Manifest, w *Weeded) (*TallyInputs, error) {
	if w == nil || w.m == nil {
		return nil, errors.New("tally: aggregating needs a weeded election (tally.Weed)")
	}
	if m.ID != w.Election {
		return nil, fmt.Errorf("tally: the weeding is of election %s, not %s", w.Election, m.ID)
	}
	in := &TallyInputs{Reconciliation: &w.Reconciliation, Totals: map[string]*Totals{}, rows: map[string][]Location{}}
	in.Inputs = append(in.Inputs, Input{Type: InputReconciliation, Payload: w.Reconciliation.Bytes()})
	for i := range m.Contests {
		c := &m.Contests[i]
		if c.Tally != voting.Homomorphic {
			continue
		}
		n := w.ContestBallots(w.m, c.ID)
		if n == 0 {
			continue
		}
		t := &Totals{Contest: c.ID, Ballots: uint32(n), Sums: w.sums[c.ID]}
		p, err := t.Bytes()
		if err != nil {
			return nil, err
		}
		in.Totals[c.ID] = t
		in.Inputs = append(in.Inputs, Input{Type: InputTotals, Name: c.ID, Payload: p})
	}
	for i := range m.Contests {
		c := &m.Contests[i]
		if c.Tally != voting.Mixnet {
			continue
		}
		p, locs := mixList(w, i)
		if p == nil {
			continue
		}
		in.rows[c.ID] = locs
		in.Inputs = append(in.Inputs, Input{Type: InputList, Name: c.ID, Payload: p})
	}
	return in, nil
}

// mixList encodes the mix list of contest ci (an index into the manifest's
// contests) from the counted ballots' own ciphertext bytes, sorted by
// tracking code; nil if no counted ballot has the contest.
func mixList(w *Weeded, ci int) ([]byte, []Location) {
	c := &w.m.Contests[ci]
	type row struct {
		loc Location
		raw []byte
	}
	var rows []row
	width := voting.RowWidth(c)
	for i := range w.Counted {
		cb := &w.Counted[i]
		for _, sp := range w.layout[cb.Style] {
			if sp.contest == ci {
				rows = append(rows, row{cb.Location, cb.raw[sp.off : sp.off+sp.w*elgamal.CiphertextSize]})
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	slices.SortFunc(rows, func(a, b row) int { return bytes.Compare(a.loc.Code[:], b.loc.Code[:]) })
	p := make([]byte, 0, 10+len(c.ID)+len(rows)*width*elgamal.CiphertextSize)
	p = appendHeader(p, c.ID, len(rows), width)
	locs := make([]Location, len(rows))
	for i, r := range rows {
		p = append(p, r.raw...)
		locs[i] = r.loc
	}
	return p, locs
}

// A Poster posts to the board and reads it back, as one account (a
// voting.Board is one).
type Poster interface {
	bulletin.Appender
	bulletin.Reader
	Address() bulletin.Address
}

// ErrInputConflict: the board already has another record where one of
// the tally inputs should be; the first posted counts, so it cannot be
// corrected.
var ErrInputConflict = errors.New("tally: the board already has a different tally input")

// PostTallyInputs posts the tally inputs of the weeded election m
// ([Aggregate]) as the commission, in phase closed: the reconciliation,
// then the totals, then the mix lists, each one entry or chunked. It is
// idempotent: a record already on the board is not posted again (a
// chunked one left incomplete by a crash is completed), and a different
// record in its place is an error wrapping [ErrInputConflict]. Moving the
// election to phase tallying is the caller's next step.
func PostTallyInputs(ctx context.Context, b Poster, m *voting.Manifest, w *Weeded) error {
	if !w.Closed {
		return fmt.Errorf("%w: weed it again after the closing entry", ErrNotClosed)
	}
	if self, _ := voting.ParseAddress(m.Commission.Address); b.Address() != self {
		return fmt.Errorf("tally: posting as %v, the manifest names %s as the commission", b.Address(), m.Commission.Address)
	}
	want, err := Aggregate(m, w)
	if err != nil {
		return err
	}
	from := w.Refs.Closing.First + 1
	posted, pending, err := readTallyInputs(ctx, b, m, from)
	if err != nil {
		return err
	}
	for _, in := range want.Inputs {
		if p := posted.Input(in.Type, in.Name); p != nil {
			if !bytes.Equal(p.Payload, in.Payload) {
				return fmt.Errorf("%w: %v of %s at %v", ErrInputConflict, in.Type, nameOr(in.Name), p.Ref)
			}
			continue
		}
		if err := postArtefact(ctx, b, m.Topic(), bulletin.KindTallyInput, in.Payload, pending); err != nil {
			return fmt.Errorf("tally: posting the %v of %s: %w", in.Type, nameOr(in.Name), err)
		}
	}
	return nil
}

func nameOr(s string) string {
	if s == "" {
		return "the election"
	}
	return "contest " + s
}

// postArtefact posts payload as one entry or chunked, in batches of 64
// entries. A chunked artefact whose header and first chunks are already
// on the board (pending) gets only its missing chunks.
func postArtefact(ctx context.Context, b Poster, topic bulletin.TopicID, kind bulletin.Kind, payload []byte, pending map[artefactKey]*partial) error {
	msgs := []bulletin.Message{{Kind: kind, Payload: payload}}
	if len(payload) > bulletin.MaxPayload {
		var err error
		if msgs, err = bulletin.Chunk(kind, payload, 0); err != nil {
			return err
		}
		if p := pending[artefactKey{b.Address(), bulletin.Keccak256(payload)}]; p != nil {
			if p.broken {
				return fmt.Errorf("an incomplete chunked copy at entry %d has chunks out of order: it cannot be completed", p.first)
			}
			msgs = msgs[1+p.got:]
		}
	}
	const batch = 64
	for i := 0; i < len(msgs); i += batch {
		if _, err := b.AppendBatch(ctx, topic, msgs[i:min(i+batch, len(msgs))]); err != nil {
			return err
		}
	}
	return nil
}

// ReadTallyInputs reads the commission's tally-input records of election
// m from entry from on (tally inputs are posted after the closing entry:
// pass Weeded.Refs.Closing.First+1, or 0 to read the whole topic). For
// each type and contest the first record that decodes counts; the others,
// and tally-input entries of other accounts, are listed in Rejected.
func ReadTallyInputs(ctx context.Context, r bulletin.Reader, m *voting.Manifest, from uint64) (*TallyInputs, error) {
	in, _, err := readTallyInputs(ctx, r, m, from)
	return in, err
}

func readTallyInputs(ctx context.Context, r bulletin.Reader, m *voting.Manifest, from uint64) (*TallyInputs, map[artefactKey]*partial, error) {
	commission, err := voting.ParseAddress(m.Commission.Address)
	if err != nil {
		return nil, nil, err
	}
	in := &TallyInputs{Totals: map[string]*Totals{}, lists: map[string]*TallyInput{}}
	reject := func(a artefact, list string, err error) {
		in.Rejected = append(in.Rejected, RejectedEntry{Seq: a.Last, Kind: bulletin.KindTallyInput, Poster: a.Poster, List: list, Err: err})
	}
	pending, err := scan(ctx, r, m.Topic(), from, func(a artefact) {
		if a.Kind != bulletin.KindTallyInput {
			return
		}
		if a.Poster != commission {
			reject(a, "", errors.New("a tally input not posted by the commission"))
			return
		}
		if len(a.Payload) == 0 {
			reject(a, "", fmt.Errorf("%w: an empty tally input", ErrMalformed))
			return
		}
		t := InputType(a.Payload[0])
		var name string
		var err error
		switch t {
		case InputReconciliation:
			var rec *Reconciliation
			if rec, err = ParseReconciliation(a.Payload); err == nil && in.Reconciliation == nil {
				in.Reconciliation = rec
			}
		case InputTotals:
			var tot *Totals
			if tot, err = ParseTotals(a.Payload); err == nil {
				name = tot.Contest
				if in.Totals[name] == nil {
					in.Totals[name] = tot
				}
			}
		case InputList:
			var l *TallyInput
			if l, err = ParseTallyInput(a.Payload); err == nil {
				name = l.Name
				if in.lists[name] == nil {
					in.lists[name] = l
				}
			}
		default:
			err = fmt.Errorf("%w: tally-input type %d", ErrMalformed, a.Payload[0])
		}
		if err != nil {
			reject(a, ListName(a.Payload), err)
			return
		}
		if in.Input(t, name) != nil {
			reject(a, name, fmt.Errorf("a second %v of %s (the first counts)", t, nameOr(name)))
			return
		}
		in.Inputs = append(in.Inputs, Input{Type: t, Name: name, Payload: a.Payload, Ref: a.Ref})
	}, func(e bulletin.Entry, err error) {
		if eff, _ := bulletin.EffectiveKind(e.Kind, e.Payload); eff == bulletin.KindTallyInput {
			in.Rejected = append(in.Rejected, RejectedEntry{Seq: e.Seq, Kind: e.Kind, Poster: e.Poster, Err: err})
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("tally: election %s: %w", m.ID, err)
	}
	return in, pending, nil
}

// An InputError says which tally input differs from what the board's
// ballots give, and where: the list (a contest id, or "reconciliation"),
// the first differing row (-1 if the difference is not in a row) and how.
type InputError struct {
	List   string
	Row    int
	Detail string
}

// Error names the list, the row if any, and what differs.
func (e *InputError) Error() string {
	if e.Row >= 0 {
		return fmt.Sprintf("tally: tally input %s, row %d: %s", e.List, e.Row, e.Detail)
	}
	return fmt.Sprintf("tally: tally input %s: %s", e.List, e.Detail)
}

// CheckTallyInputs recomputes the tally inputs from the weeding w
// ([Aggregate]) and compares them byte for byte with the posted ones
// ([ReadTallyInputs]): the reconciliation ([CheckWeed]), every totals
// record and every mix list, and that the board has no other. The first
// difference is returned as an *InputError naming the list and, for a mix
// list, the first differing row and the ballot it should hold.
func CheckTallyInputs(w *Weeded, posted *TallyInputs) error {
	if w.m == nil {
		return errors.New("tally: checking tally inputs needs a weeded election (tally.Weed)")
	}
	want, err := Aggregate(w.m, w)
	if err != nil {
		return err
	}
	if err := CheckWeed(w, posted.Reconciliation); err != nil {
		return err
	}
	for _, in := range want.Inputs {
		if in.Type == InputReconciliation {
			continue
		}
		p := posted.Input(in.Type, in.Name)
		if p == nil {
			return &InputError{List: in.Name, Row: -1, Detail: fmt.Sprintf("the %v is not on the board", in.Type)}
		}
		if bytes.Equal(p.Payload, in.Payload) {
			continue
		}
		return diffInput(in, p, want.rows[in.Name])
	}
	for _, p := range posted.Inputs {
		if want.Input(p.Type, p.Name) == nil {
			return &InputError{List: nameOr(p.Name), Row: -1, Detail: fmt.Sprintf("the board has a %v (%v) that the counted ballots do not give", p.Type, p.Ref)}
		}
	}
	return nil
}

// diffInput describes how posted record p differs from the computed in.
func diffInput(in Input, p *Input, rows []Location) error {
	ie := &InputError{List: in.Name, Row: -1}
	head := 2 + len(in.Name) + 8 // type, name, two u32
	if len(p.Payload) < head || !bytes.Equal(p.Payload[:head], in.Payload[:head]) {
		format := "%d rows of %d"
		if in.Type == InputTotals {
			format = "%d ballots and %d options"
		}
		u := func(b []byte, at int) uint32 { return binary.BigEndian.Uint32(b[at:]) }
		posted := "a truncated record"
		if len(p.Payload) >= head {
			posted = fmt.Sprintf(format, u(p.Payload, head-8), u(p.Payload, head-4))
		}
		ie.Detail = fmt.Sprintf("posted %s, the counted ballots give "+format, posted, u(in.Payload, head-8), u(in.Payload, head-4))
		return ie
	}
	w := int(binary.BigEndian.Uint32(in.Payload[head-4:]))
	size := w * elgamal.CiphertextSize
	if in.Type == InputTotals {
		size = elgamal.CiphertextSize // name the option
	}
	for i := 0; head+i*size < len(in.Payload); i++ {
		lo, hi := head+i*size, head+(i+1)*size
		if hi > len(p.Payload) || !bytes.Equal(p.Payload[lo:hi], in.Payload[lo:hi]) {
			if in.Type == InputTotals {
				ie.Detail = fmt.Sprintf("the encrypted total of option %d differs from the sum of the counted ballots", i+1)
				return ie
			}
			ie.Row = i
			ie.Detail = "differs from the row of the counted ballot at " + rows[i].String()
			return ie
		}
	}
	ie.Detail = fmt.Sprintf("%d bytes after the last row", len(p.Payload)-len(in.Payload))
	return ie
}

// An artefact is a complete board artefact: one entry, or a reassembled
// chunked one.
type artefact struct {
	Ref
	Poster  bulletin.Address
	Payload []byte
}

// artefactKey names a chunked artefact: its poster and content hash.
type artefactKey struct {
	poster bulletin.Address
	hash   [32]byte
}

// partial is a chunked artefact whose chunks are not all there.
type partial struct {
	first  uint64 // its header's entry
	got    int    // chunks 0 … got−1 are there, in order
	broken bool   // a chunk came out of order
}

// scan reads the topic from entry from to its end, calling f with every
// complete artefact (at its last entry) and bad with every chunk entry that
// breaks an artefact. It returns the chunked artefacts left incomplete.
func scan(ctx context.Context, r bulletin.Reader, topic bulletin.TopicID, from uint64, f func(artefact), bad func(bulletin.Entry, error)) (map[artefactKey]*partial, error) {
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return nil, err
	}
	var asm bulletin.Assembler
	pending := map[artefactKey]*partial{}
	for at := from; at < count; at += entriesPerRead {
		es, err := r.Entries(ctx, topic, at, min(at+entriesPerRead, count))
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if !e.Kind.IsChunk() {
				f(artefact{Ref: Ref{Kind: e.Kind, First: e.Seq, Last: e.Seq, Head: e.Head}, Poster: e.Poster, Payload: e.Payload})
				continue
			}
			var key artefactKey
			switch e.Kind {
			case bulletin.KindChunkHeader:
				if h, err := bulletin.ParseChunkHeader(e.Payload); err == nil {
					key = artefactKey{e.Poster, h.Hash}
					if pending[key] == nil {
						pending[key] = &partial{first: e.Seq}
					}
				}
			case bulletin.KindChunk:
				if c, err := bulletin.ParseChunkData(e.Payload); err == nil {
					key = artefactKey{e.Poster, c.Hash}
					if p := pending[key]; p != nil {
						if int(c.Index) == p.got {
							p.got++
						} else {
							p.broken = true
						}
					}
				}
			}
			msg, done, err := asm.Add(e)
			if err != nil {
				if bad != nil {
					bad(e, err)
				}
				continue
			}
			if !done {
				continue
			}
			first := e.Seq
			if p := pending[key]; p != nil {
				first = p.first
			}
			delete(pending, key)
			f(artefact{Ref: Ref{Kind: msg.Kind, First: first, Last: e.Seq, Head: e.Head}, Poster: e.Poster, Payload: msg.Payload})
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return pending, nil
}

// readerFrom reads a topic as if it had no entries before from: the
// tally's records all come after the closing entry, and skipping the
// ballots saves reading them again.
type readerFrom struct {
	bulletin.Reader
	from uint64
}

// readerUntil is a bulletin.Reader that ends before entry until: what a
// checker reads when only the entries posted before a record count.
type readerUntil struct {
	bulletin.Reader
	until uint64
}

// Head implements bulletin.Reader: the count is at most r.until (the head
// is the board's; the readers of this package use only the count).
func (r readerUntil) Head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	h, n, err := r.Reader.Head(ctx, topic)
	return h, min(n, r.until), err
}

// Entries implements bulletin.Reader, with nothing from r.until on.
func (r readerUntil) Entries(ctx context.Context, topic bulletin.TopicID, a, b uint64) ([]bulletin.Entry, error) {
	return r.Reader.Entries(ctx, topic, a, min(b, r.until))
}

// Entries implements bulletin.Reader, with nothing before r.from.
func (r readerFrom) Entries(ctx context.Context, topic bulletin.TopicID, a, b uint64) ([]bulletin.Entry, error) {
	if b <= r.from {
		return nil, nil
	}
	return r.Reader.Entries(ctx, topic, max(a, r.from), b)
}
