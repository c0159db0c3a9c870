package tally

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
)

// Results (docs/spec/tally.md, sections 4–6): the decrypted totals and
// ballots counted contest by contest, with references to every piece of
// evidence on the board, in a canonical encoding the commission posts as
// the election's result and anyone recomputes.

// resultVersion is the first byte of a result record.
const resultVersion = 1

// WriteInPrefix starts the candidate name of a write-in in a ranked
// contest's candidates: "write-in: " || name.
const WriteInPrefix = "write-in: "

// MaxWriteInCandidates is the most write-in names that are candidates of
// their own in a ranked contest's counts (docs/spec/tally.md, section 5.3):
// with more distinct names, the most named ones are, and every other
// write-in is the one candidate [OtherWriteIns]. Without this bound every
// voter could add a candidate, and the Schulze count (cubic in the
// candidates) and the published rounds and matrices (quadratic) would be
// as large as the voters wished. Every name is still listed with its total.
const MaxWriteInCandidates = 16

// OtherWriteIns is the candidate that stands, in a ranked contest's counts,
// for the write-ins that are not candidates of their own: more than
// [MaxWriteInCandidates] distinct names were written in. No option id or
// write-in candidate can be it (option ids have no spaces or colons; a
// write-in candidate starts with [WriteInPrefix]).
const OtherWriteIns = "write-ins: others"

// An EvidenceKind says what a piece of evidence is. Do NOT renumber: the
// numbers are in the result record.
type EvidenceKind uint8

// Evidence kinds.
const (
	EvidenceInvalid        EvidenceKind = iota // never in a result
	EvidenceManifest                           // the manifest (entry 0)
	EvidenceKeyCeremony                        // the commission's dkg-result entry
	EvidenceCredentials                        // the credential list
	EvidenceClosing                            // the phase entry that closed the election
	EvidenceReconciliation                     // the reconciliation tally input
	EvidenceTotals                             // the encrypted totals of a homomorphic contest (List)
	EvidenceMixList                            // the mix list of a mixnet contest (List)
	EvidenceShuffle                            // a mixer's shuffle of a list (List; Party: its position from 1)
	EvidenceDecryption                         // a trustee's decryption of a list (List; Party: its index)
)

var evidenceKinds = [...]bulletin.Kind{
	EvidenceManifest: bulletin.KindManifest, EvidenceKeyCeremony: bulletin.KindDKGResult,
	EvidenceCredentials: bulletin.KindCredentials, EvidenceClosing: bulletin.KindPhase,
	EvidenceReconciliation: bulletin.KindTallyInput, EvidenceTotals: bulletin.KindTallyInput,
	EvidenceMixList: bulletin.KindTallyInput, EvidenceShuffle: bulletin.KindShuffle,
	EvidenceDecryption: bulletin.KindDecryptionShare,
}

// An Evidence is a reference from a result to an artefact it rests on.
type Evidence struct {
	What  EvidenceKind
	List  string // the contest id, for totals, mix lists, shuffles and decryptions
	Party uint32 // the mixer's position from 1 (shuffles), the trustee's index (decryptions)
	Ref
}

// String describes the evidence: "the shuffle of list mayor by mixer 2".
func (e Evidence) String() string {
	switch e.What {
	case EvidenceManifest:
		return "the manifest"
	case EvidenceKeyCeremony:
		return "the key-ceremony result"
	case EvidenceCredentials:
		return "the credential list"
	case EvidenceClosing:
		return "the closing entry"
	case EvidenceReconciliation:
		return "the reconciliation"
	case EvidenceTotals:
		return "the encrypted totals of contest " + e.List
	case EvidenceMixList:
		return "the mix list of contest " + e.List
	case EvidenceShuffle:
		return fmt.Sprintf("the shuffle of list %s by mixer %d", e.List, e.Party)
	case EvidenceDecryption:
		return fmt.Sprintf("the decryption of list %s by trustee %d", e.List, e.Party)
	}
	return fmt.Sprintf("evidence(%d)", e.What)
}

// A WriteIn is a write-in name and the number of valid ballots naming it.
type WriteIn struct {
	Name  string
	Count uint64
}

// A ContestResult is the outcome of one contest.
type ContestResult struct {
	Contest string
	Method  voting.TallyMethod
	// Ballots is the number of counted ballots whose style has the
	// contest.
	Ballots uint64
	// Totals[j] is the number of votes for option j (manifest order): the
	// decrypted total (homomorphic), or the number of valid ballots
	// choosing the option, at any rank (mixnet).
	Totals []uint64

	// Mixnet contests only.
	Blank    uint64   // valid ballots choosing nothing
	Invalid  []uint64 // the positions, in the decrypted list, of the rows that are not valid votes
	WriteIns []WriteIn
	// Ranked contests only: the candidates (the options' ids in manifest
	// order, then WriteInPrefix || name for each write-in in order of first
	// appearance in the decrypted list -- at most MaxWriteInCandidates of
	// them, then OtherWriteIns if there are more), and, if at least one
	// valid ballot ranks a candidate, the instant-runoff and Schulze counts.
	Ranked     bool
	Candidates []string
	IRV        *IRVResult
	Schulze    *SchulzeResult
}

// Results are an election's results.
type Results struct {
	Election    string
	Fingerprint zkp.Fingerprint
	Counted     uint64 // the counted ballots (the reconciliation's)
	Contests    []ContestResult
	// Evidence are the artefacts the results rest on, in board order.
	Evidence []Evidence
}

// ComputeResults counts the decrypted lists of election m, weeded as w
// (docs/spec/tally.md, section 4): decrypted maps a list name (the contest
// id) to its plaintexts, row by row: for a homomorphic contest the one row
// of totals, for a mixnet contest the cascade's final output. Totals are
// recovered by the discrete logarithm bounded by the contest's counted
// ballots; mixnet rows are decoded (voting.DecodeRow), the invalid ones
// counted and listed, never blocking; ranked contests are counted by
// instant runoff and by the Schulze method. A contest without counted
// ballots has all-zero totals and needs no list. Evidence is left empty
// ([TallyResults] fills it from the board).
func ComputeResults(m *voting.Manifest, w *Weeded, decrypted map[string][][]*group.Element) (*Results, error) {
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	res := &Results{Election: m.ID, Fingerprint: fp, Counted: uint64(len(w.Counted))}
	var table *elgamal.DLogTable
	for i := range m.Contests {
		c := &m.Contests[i]
		n := w.ContestBallots(m, c.ID)
		cr := ContestResult{Contest: c.ID, Method: c.Tally, Ballots: uint64(n), Totals: make([]uint64, len(c.Options)),
			Ranked: c.Tally == voting.Mixnet && c.Kind == voting.Ranked}
		if cr.Ranked {
			for _, o := range c.Options {
				cr.Candidates = append(cr.Candidates, o.ID)
			}
		}
		if n == 0 {
			res.Contests = append(res.Contests, cr)
			continue
		}
		rows, ok := decrypted[c.ID]
		if !ok {
			return nil, fmt.Errorf("tally: contest %s: no decryption of its list", c.ID)
		}
		if c.Tally == voting.Homomorphic {
			if table == nil || table.Max() < uint64(len(w.Counted)) {
				if table, err = elgamal.NewDLogTable(uint64(len(w.Counted))); err != nil {
					return nil, err
				}
			}
			if len(rows) != 1 || len(rows[0]) != len(c.Options) {
				return nil, fmt.Errorf("tally: contest %s: the decrypted totals are not one row of %d", c.ID, len(c.Options))
			}
			for j, M := range rows[0] {
				v, err := table.Solve(M)
				if err != nil || v > uint64(n) {
					return nil, fmt.Errorf("tally: contest %s, option %s: the decrypted total is not a number of votes between 0 and %d", c.ID, c.Options[j].ID, n)
				}
				cr.Totals[j] = v
			}
		} else if err := countRows(c, rows, n, &cr); err != nil {
			return nil, err
		}
		res.Contests = append(res.Contests, cr)
	}
	return res, nil
}

// countRows counts the decrypted rows of mixnet contest c into cr.
func countRows(c *voting.Contest, rows [][]*group.Element, n int, cr *ContestResult) error {
	if len(rows) != n {
		return fmt.Errorf("tally: contest %s: %d decrypted rows, %d counted ballots", c.ID, len(rows), n)
	}
	index := map[string]int{}
	for j, o := range c.Options {
		index[o.ID] = j
	}
	writeIns := map[string]uint64{}
	known := map[string]bool{}
	var rankings []Ranking
	ranked := false
	sels, errs := voting.DecodeRows(c, rows)
	for i := range rows {
		sel, err := sels[i], errs[i]
		if err != nil {
			cr.Invalid = append(cr.Invalid, uint64(i))
			continue
		}
		if len(sel.Options) == 0 {
			cr.Blank++
		}
		var r Ranking
		for _, o := range sel.Options {
			if o == voting.WriteInChoice {
				writeIns[sel.WriteIn]++
				o = WriteInPrefix + sel.WriteIn
				if cr.Ranked && !known[o] {
					known[o] = true
					cr.Candidates = append(cr.Candidates, o)
				}
			} else {
				cr.Totals[index[o]]++
			}
			r = append(r, o)
		}
		if cr.Ranked {
			rankings = append(rankings, r)
			ranked = ranked || len(r) > 0
		}
	}
	for name, k := range writeIns {
		cr.WriteIns = append(cr.WriteIns, WriteIn{Name: name, Count: k})
	}
	slices.SortFunc(cr.WriteIns, func(a, b WriteIn) int { return bytes.Compare([]byte(a.Name), []byte(b.Name)) })
	if !ranked {
		return nil
	}
	if cr.Ranked && len(cr.WriteIns) > MaxWriteInCandidates {
		poolWriteIns(cr, rankings, len(c.Options))
	}
	var err error
	if cr.IRV, err = InstantRunoff(cr.Candidates, rankings); err != nil {
		return err
	}
	cr.Schulze, err = Schulze(cr.Candidates, rankings)
	return err
}

// poolWriteIns bounds the write-in candidates of cr (docs/spec/tally.md,
// section 5.3): the MaxWriteInCandidates names on the most valid rows (ties:
// the bytewise smaller name) stay candidates, in their order of first
// appearance; the other write-ins become OtherWriteIns, the last candidate,
// in the rankings too (a row names at most one write-in, so no ranking names
// it twice).
func poolWriteIns(cr *ContestResult, rankings []Ranking, options int) {
	byCount := slices.Clone(cr.WriteIns) // sorted by name
	slices.SortStableFunc(byCount, func(a, b WriteIn) int {
		switch {
		case a.Count > b.Count:
			return -1
		case a.Count < b.Count:
			return 1
		}
		return 0
	})
	keep := map[string]bool{}
	for _, w := range byCount[:MaxWriteInCandidates] {
		keep[WriteInPrefix+w.Name] = true
	}
	cands := cr.Candidates[:options:options]
	for _, c := range cr.Candidates[options:] {
		if keep[c] {
			cands = append(cands, c)
		}
	}
	cr.Candidates = append(cands, OtherWriteIns)
	for _, r := range rankings {
		for i, c := range r {
			if strings.HasPrefix(c, WriteInPrefix) && !keep[c] {
				r[i] = OtherWriteIns
			}
		}
	}
}

// Bytes encodes the results (docs/spec/tally.md, section 5).
func (r *Results) Bytes() ([]byte, error) {
	if !listNamePattern.MatchString(r.Election) {
		return nil, fmt.Errorf("tally: election id %q", r.Election)
	}
	if len(r.Contests) > 255 || len(r.Evidence) > 0xffff {
		return nil, errors.New("tally: too many contests or pieces of evidence")
	}
	b := []byte{resultVersion, byte(len(r.Election))}
	b = append(b, r.Election...)
	b = append(b, r.Fingerprint[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Counted)
	b = append(b, byte(len(r.Contests)))
	for i := range r.Contests {
		var err error
		if b, err = r.Contests[i].append(b); err != nil {
			return nil, err
		}
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Evidence)))
	for _, e := range r.Evidence {
		if e.What == EvidenceInvalid || int(e.What) >= len(evidenceKinds) || len(e.List) > 63 {
			return nil, fmt.Errorf("tally: evidence %v cannot be encoded", e)
		}
		b = append(b, byte(e.What), byte(len(e.List)))
		b = append(b, e.List...)
		b = binary.BigEndian.AppendUint32(b, e.Party)
		b = binary.BigEndian.AppendUint64(b, e.First)
		b = binary.BigEndian.AppendUint64(b, e.Last)
		b = append(b, e.Head[:]...)
	}
	return b, nil
}

// Tally methods in the record.
const (
	methodHomomorphic = 1
	methodMixnet      = 2
)

// append appends the contest part of the result record (section 6).
func (cr *ContestResult) append(b []byte) ([]byte, error) {
	if !listNamePattern.MatchString(cr.Contest) || len(cr.Totals) > MaxWidth {
		return nil, fmt.Errorf("tally: contest %q cannot be encoded", cr.Contest)
	}
	b = append(b, byte(len(cr.Contest)))
	b = append(b, cr.Contest...)
	switch cr.Method {
	case voting.Homomorphic:
		b = append(b, methodHomomorphic)
	case voting.Mixnet:
		b = append(b, methodMixnet)
	default:
		return nil, fmt.Errorf("tally: contest %s: tally method %q", cr.Contest, cr.Method)
	}
	b = binary.BigEndian.AppendUint64(b, cr.Ballots)
	b = append(b, byte(len(cr.Totals)))
	for _, t := range cr.Totals {
		b = binary.BigEndian.AppendUint64(b, t)
	}
	if cr.Method == voting.Homomorphic {
		return b, nil
	}
	b = binary.BigEndian.AppendUint64(b, cr.Blank)
	b = binary.BigEndian.AppendUint32(b, uint32(len(cr.Invalid)))
	for _, i := range cr.Invalid {
		b = binary.BigEndian.AppendUint64(b, i)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(cr.WriteIns)))
	for _, w := range cr.WriteIns {
		if len(w.Name) > 0xffff {
			return nil, errors.New("tally: a write-in name is too long")
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(w.Name)))
		b = append(b, w.Name...)
		b = binary.BigEndian.AppendUint64(b, w.Count)
	}
	if !cr.Ranked {
		return append(b, 0), nil
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(len(cr.Candidates)))
	index := map[string]uint32{}
	for i, c := range cr.Candidates {
		if len(c) > 0xffff {
			return nil, errors.New("tally: a candidate name is too long")
		}
		index[c] = uint32(i)
		b = binary.BigEndian.AppendUint16(b, uint16(len(c)))
		b = append(b, c...)
	}
	if cr.IRV == nil || cr.Schulze == nil {
		return append(b, 0), nil
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(len(cr.IRV.Rounds)))
	for _, round := range cr.IRV.Rounds {
		b = binary.BigEndian.AppendUint64(b, uint64(round.Exhausted))
		b = binary.BigEndian.AppendUint32(b, uint32(len(round.Counts)))
		for i, c := range cr.Candidates {
			if n, ok := round.Counts[c]; ok {
				b = binary.BigEndian.AppendUint32(b, uint32(i))
				b = binary.BigEndian.AppendUint64(b, uint64(n))
			}
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(round.Eliminated)))
		for _, c := range round.Eliminated {
			b = binary.BigEndian.AppendUint32(b, index[c])
		}
	}
	b = binary.BigEndian.AppendUint32(b, index[cr.IRV.Winner])
	for _, m := range [][][]int{cr.Schulze.D, cr.Schulze.P} {
		for _, row := range m {
			for _, x := range row {
				b = binary.BigEndian.AppendUint64(b, uint64(x))
			}
		}
	}
	for _, c := range cr.Schulze.Ranking {
		b = binary.BigEndian.AppendUint32(b, index[c])
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(cr.Schulze.Winners)))
	for _, c := range cr.Schulze.Winners {
		b = binary.BigEndian.AppendUint32(b, index[c])
	}
	return b, nil
}

// ParseResults decodes a result record strictly: every length within the
// record, ids, counts and indices in range, sorted where the encoding sorts
// them, nothing after the last piece of evidence. Errors wrap
// [ErrMalformed].
func ParseResults(b []byte) (*Results, error) {
	d := &reader{b: b}
	v := d.take(1, "version")
	if d.err == nil && v[0] != resultVersion {
		return nil, fmt.Errorf("%w: result version %d, want %d", ErrMalformed, v[0], resultVersion)
	}
	r := &Results{Election: d.id("election id")}
	copy(r.Fingerprint[:], d.take(32, "fingerprint"))
	r.Counted = d.u64("counted")
	nc := d.u8("contest count")
	for range nc {
		if d.err != nil {
			break
		}
		r.Contests = append(r.Contests, d.contest())
	}
	ne := int(d.u16("evidence count"))
	for i := 0; i < ne && d.err == nil; i++ {
		var e Evidence
		e.What = EvidenceKind(d.u8("evidence kind"))
		if d.err == nil && (e.What == EvidenceInvalid || int(e.What) >= len(evidenceKinds)) {
			d.fail("evidence %d: kind %d", i, e.What)
		}
		if l := int(d.u8("list length")); l > 0 {
			e.List = string(d.take(l, "list"))
			if d.err == nil && !listNamePattern.MatchString(e.List) {
				d.fail("evidence %d: list %q", i, e.List)
			}
		}
		e.Party, e.First, e.Last = d.u32("party"), d.u64("first entry"), d.u64("last entry")
		copy(e.Head[:], d.take(32, "head"))
		if d.err == nil {
			e.Kind = evidenceKinds[e.What]
			if e.Last < e.First || (i > 0 && e.First <= r.Evidence[i-1].First) {
				d.fail("evidence %d: entries %d-%d out of board order", i, e.First, e.Last)
			}
		}
		r.Evidence = append(r.Evidence, e)
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}

func (d *reader) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: result: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

func (d *reader) u8(what string) int {
	b := d.take(1, what)
	if b == nil {
		return 0
	}
	return int(b[0])
}

func (d *reader) u16(what string) uint16 {
	b := d.take(2, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (d *reader) u64(what string) uint64 {
	b := d.take(8, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// id reads u8(len) || an id.
func (d *reader) id(what string) string {
	s := string(d.take(d.u8(what+" length"), what))
	if d.err == nil && !listNamePattern.MatchString(s) {
		d.fail("%s %q", what, s)
	}
	return s
}

// count reads a u32 count of items of at least size bytes each, checking
// that the record is long enough for them.
func (d *reader) count(what string, size int) int {
	n := int(d.u32(what))
	if d.err == nil && n > len(d.b)/size {
		d.fail("%d %s in %d bytes", n, what, len(d.b))
		return 0
	}
	return n
}

// text reads u16(len) || UTF-8 text.
func (d *reader) text(what string) string {
	s := string(d.take(int(d.u16(what+" length")), what))
	if d.err == nil && !utf8.ValidString(s) {
		d.fail("%s is not UTF-8", what)
	}
	return s
}

func (d *reader) contest() ContestResult {
	cr := ContestResult{Contest: d.id("contest id")}
	switch d.u8("method") {
	case methodHomomorphic:
		cr.Method = voting.Homomorphic
	case methodMixnet:
		cr.Method = voting.Mixnet
	default:
		d.fail("contest %s: tally method", cr.Contest)
	}
	cr.Ballots = d.u64("ballots")
	n := d.u8("option count")
	if d.err == nil && n > MaxWidth {
		d.fail("contest %s: %d options", cr.Contest, n)
	}
	cr.Totals = make([]uint64, 0, n)
	for range n {
		cr.Totals = append(cr.Totals, d.u64("total"))
	}
	if cr.Method != voting.Mixnet || d.err != nil {
		return cr
	}
	cr.Blank = d.u64("blank")
	for i := range d.count("invalid rows", 8) {
		x := d.u64("invalid row")
		if d.err == nil && ((i > 0 && x <= cr.Invalid[i-1]) || x >= cr.Ballots) {
			d.fail("contest %s: invalid row %d", cr.Contest, x)
		}
		cr.Invalid = append(cr.Invalid, x)
	}
	for i := range d.count("write-ins", 10) {
		w := WriteIn{Name: d.text("write-in"), Count: d.u64("write-in count")}
		if d.err == nil && (w.Name == "" || (i > 0 && w.Name <= cr.WriteIns[i-1].Name)) {
			d.fail("contest %s: write-ins not sorted", cr.Contest)
		}
		cr.WriteIns = append(cr.WriteIns, w)
	}
	switch d.u8("ranked") {
	case 0:
		return cr
	case 1:
		cr.Ranked = true
	default:
		d.fail("contest %s: ranked flag", cr.Contest)
		return cr
	}
	k := d.count("candidates", 2)
	seen := map[string]bool{}
	for range k {
		c := d.text("candidate")
		if d.err == nil && (c == "" || seen[c]) {
			d.fail("contest %s: candidate %q empty or repeated", cr.Contest, c)
		}
		seen[c] = true
		cr.Candidates = append(cr.Candidates, c)
	}
	switch d.u8("counted flag") {
	case 0:
		return cr
	case 1:
	default:
		d.fail("contest %s: counted flag", cr.Contest)
		return cr
	}
	cand := func(what string) string {
		i := int(d.u32(what))
		if d.err == nil && i >= k {
			d.fail("contest %s: %s %d of %d candidates", cr.Contest, what, i, k)
		}
		if d.err != nil {
			return ""
		}
		return cr.Candidates[i]
	}
	irv := &IRVResult{}
	for range d.count("rounds", 16) {
		round := IRVRound{Exhausted: int(d.u64("exhausted")), Counts: map[string]int{}}
		last := -1
		for range d.count("continuing candidates", 12) {
			i := int(d.u32("candidate"))
			if d.err == nil && (i <= last || i >= k) {
				d.fail("contest %s: round counts out of order", cr.Contest)
			}
			last = i
			n := int(d.u64("count"))
			if d.err == nil {
				round.Counts[cr.Candidates[i]] = n
			}
		}
		for range d.count("eliminated", 4) {
			round.Eliminated = append(round.Eliminated, cand("eliminated"))
		}
		irv.Rounds = append(irv.Rounds, round)
	}
	irv.Winner = cand("winner")
	cr.IRV = irv
	if d.err == nil && k > 0 && len(d.b)/16/k < k {
		d.fail("contest %s: %d candidates' matrices in %d bytes", cr.Contest, k, len(d.b))
	}
	s := &SchulzeResult{Candidates: slices.Clone(cr.Candidates)}
	for _, m := range []*[][]int{&s.D, &s.P} {
		*m = make([][]int, k)
		for i := range k {
			(*m)[i] = make([]int, k)
			for j := range k {
				(*m)[i][j] = int(d.u64("matrix"))
			}
		}
	}
	for range k {
		s.Ranking = append(s.Ranking, cand("ranking"))
	}
	for range d.count("winners", 4) {
		s.Winners = append(s.Winners, cand("winner"))
	}
	cr.Schulze = s
	return cr
}

// TrusteesOf returns who decrypts election m: the threshold parameters of
// its key-ceremony result (voting.JointKey) and the trustees' addresses.
func TrusteesOf(m *voting.Manifest, res *dkg.PublicResult) (*Trustees, error) {
	p, err := threshold.NewParams(res.Fingerprint, res.Threshold, res.N, res.JointKey, res.VerificationKeys)
	if err != nil {
		return nil, err
	}
	t := &Trustees{Params: p}
	for _, mem := range m.Trustees.Members {
		a, err := voting.ParseAddress(mem.Address)
		if err != nil {
			return nil, err
		}
		t.Addresses = append(t.Addresses, a)
	}
	return t, nil
}

// CascadeOf returns the mix cascade of election m under its joint key pk:
// the manifest's mixers, in order.
func CascadeOf(m *voting.Manifest, pk *elgamal.PublicKey) (*Cascade, error) {
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	c := &Cascade{Fingerprint: fp, Key: pk, Generators: shuffle.NewGeneratorCache(4)}
	for _, mx := range m.Mixers {
		a, err := voting.ParseAddress(mx.Address)
		if err != nil {
			return nil, err
		}
		c.Mixers = append(c.Mixers, a)
	}
	return c, nil
}

// A tallyState is what the board holds after the close, checked.
type tallyState struct {
	inputs *TallyInputs
	refs   map[uint64]Ref   // every artefact after the close, by its last entry
	lists  map[string]*List // the lists to decrypt, by contest
	order  []string         // their names, in the manifest's order
	mix    *MixRecord
	from   uint64
}

// prepare reads and checks the tally inputs against the weeding, and
// verifies the mix cascade of each mixnet list.
func prepare(ctx context.Context, r bulletin.Reader, m *voting.Manifest, w *Weeded, c *Cascade) (*tallyState, error) {
	if !w.Closed {
		return nil, ErrNotClosed
	}
	st := &tallyState{from: w.Refs.Closing.First + 1, refs: map[uint64]Ref{}, lists: map[string]*List{}}
	in, _, err := readTallyInputs(ctx, r, m, st.from)
	if err != nil {
		return nil, err
	}
	st.inputs = in
	if err := CheckTallyInputs(w, in); err != nil {
		return nil, err
	}
	if _, err := scan(ctx, r, m.Topic(), st.from, func(a artefact) { st.refs[a.Last] = a.Ref }, nil); err != nil {
		return nil, fmt.Errorf("tally: election %s: %w", m.ID, err)
	}
	commission, _ := voting.ParseAddress(m.Commission.Address)
	for i := range m.Contests {
		ct := &m.Contests[i]
		switch {
		case ct.Tally == voting.Homomorphic && in.Totals[ct.ID] != nil:
			st.lists[ct.ID] = in.Totals[ct.ID].List()
		case ct.Tally == voting.Mixnet && in.Input(InputList, ct.ID) != nil:
			if st.mix == nil {
				if st.mix, err = ReadMixRecordWith(ctx, readerFrom{r, st.from}, m.Topic(), commission, in); err != nil {
					return nil, err
				}
			}
			out, err := c.Verify(st.mix, ct.ID, nil)
			if err != nil {
				return nil, err
			}
			st.lists[ct.ID] = out
		default:
			continue
		}
		st.order = append(st.order, ct.ID)
	}
	return st, nil
}

// ListsToDecrypt returns the lists the trustees decrypt, in the manifest's
// order of contests: for each homomorphic contest with counted ballots its
// totals, for each mixnet contest with counted ballots the final output of
// its cascade. Each is checked first: the posted tally inputs against the
// weeding of the board ([CheckTallyInputs]), every shuffle
// ([Cascade.Verify]). A trustee decrypts only these: decrypting a list it
// has not checked could reveal one voter's ballot.
func ListsToDecrypt(ctx context.Context, r bulletin.Reader, m *voting.Manifest, w *Weeded, c *Cascade) ([]*List, error) {
	st, err := prepare(ctx, r, m, w, c)
	if err != nil {
		return nil, err
	}
	var out []*List
	for _, name := range st.order {
		out = append(out, st.lists[name])
	}
	return out, nil
}

// TallyResults computes election m's results from the board r: the tally
// inputs checked against the weeding w, each cascade verified (c), each
// list decrypted by the trustees' posted decryptions (t, [Decrypt]),
// counted ([ComputeResults]), with the evidence: the manifest, the
// key-ceremony result, the credential list, the closing entry, every tally
// input, the shuffles of each cascade and the decryptions combined. An
// error names what is missing or who is at fault (*InputError, *MixError,
// *threshold.QuorumError).
func TallyResults(ctx context.Context, r bulletin.Reader, m *voting.Manifest, w *Weeded, t *Trustees, c *Cascade) (*Results, error) {
	st, err := prepare(ctx, r, m, w, c)
	if err != nil {
		return nil, err
	}
	decs, err := ReadDecryptions(ctx, readerFrom{r, st.from}, m.Topic())
	if err != nil {
		return nil, err
	}
	var ev []Evidence
	add := func(what EvidenceKind, list string, party uint32, ref Ref) {
		if ref.Kind != 0 {
			ev = append(ev, Evidence{What: what, List: list, Party: party, Ref: ref})
		}
	}
	add(EvidenceManifest, "", 0, w.Refs.Manifest)
	add(EvidenceKeyCeremony, "", 0, w.Refs.KeyCeremony)
	add(EvidenceCredentials, "", 0, w.Refs.Credentials)
	add(EvidenceClosing, "", 0, w.Refs.Closing)
	for _, in := range st.inputs.Inputs {
		switch in.Type {
		case InputReconciliation:
			add(EvidenceReconciliation, "", 0, in.Ref)
		case InputTotals:
			add(EvidenceTotals, in.Name, 0, in.Ref)
		case InputList:
			add(EvidenceMixList, in.Name, 0, in.Ref)
		}
	}
	decrypted := map[string][][]*group.Element{}
	for _, name := range st.order {
		l := st.lists[name]
		if st.inputs.Input(InputList, name) != nil {
			for k, mixer := range c.Mixers {
				for _, s := range st.mix.Shuffles[name] {
					if s.Poster == mixer {
						add(EvidenceShuffle, name, uint32(k+1), st.refs[s.Seq])
						break
					}
				}
			}
		}
		rows, rep, err := Decrypt(nil, t, l, decs[name])
		if err != nil {
			return nil, err
		}
		decrypted[name] = rows
		for _, j := range rep.Used {
			for _, p := range decs[name] {
				if p.Poster == t.Addresses[j-1] {
					add(EvidenceDecryption, name, j, st.refs[p.Seq])
					break
				}
			}
		}
	}
	res, err := ComputeResults(m, w, decrypted)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ev, func(a, b Evidence) int { return cmp.Compare(a.First, b.First) })
	res.Evidence = ev
	return res, nil
}

// ErrNoResult: the election has no result on the board (yet).
var ErrNoResult = errors.New("tally: no result on the board")

// ErrResultConflict: the board already has another result; the first
// posted is the election's.
var ErrResultConflict = errors.New("tally: the board already has a different result")

// ReadResults returns the result of election m: the first result artefact
// posted by the commission at or after entry from (results come after the
// closing entry: pass Weeded.Refs.Closing.First+1, or 0), and where it is.
// It fails with [ErrNoResult] if there is none, and if that first one does
// not decode (the commission's fault: nothing later replaces it) with an
// error naming its entry and wrapping [ErrMalformed].
func ReadResults(ctx context.Context, r bulletin.Reader, m *voting.Manifest, from uint64) (*Results, Ref, error) {
	p, ref, err := readResult(ctx, r, m, from)
	if err != nil {
		return nil, ref, err
	}
	res, err := ParseResults(p)
	if err != nil {
		return nil, ref, fmt.Errorf("tally: election %s: the result at %v: %w", m.ID, ref, err)
	}
	return res, ref, nil
}

// readResult returns the payload of the commission's first result.
func readResult(ctx context.Context, r bulletin.Reader, m *voting.Manifest, from uint64) ([]byte, Ref, error) {
	commission, err := voting.ParseAddress(m.Commission.Address)
	if err != nil {
		return nil, Ref{}, err
	}
	var (
		payload []byte
		ref     Ref
	)
	_, err = scan(ctx, r, m.Topic(), from, func(a artefact) {
		if a.Kind == bulletin.KindResult && a.Poster == commission && payload == nil {
			payload, ref = a.Payload, a.Ref
		}
	}, nil)
	if err != nil {
		return nil, Ref{}, fmt.Errorf("tally: election %s: %w", m.ID, err)
	}
	if payload == nil {
		return nil, Ref{}, fmt.Errorf("%w: election %s", ErrNoResult, m.ID)
	}
	return payload, ref, nil
}

// PostResults posts res as election m's result, as the commission, in
// phase tallying (one entry, or chunked). It is idempotent: if the board
// already has this result it posts nothing; if it has another, it fails
// with [ErrResultConflict].
func PostResults(ctx context.Context, b Poster, m *voting.Manifest, res *Results) error {
	if self, _ := voting.ParseAddress(m.Commission.Address); b.Address() != self {
		return fmt.Errorf("tally: posting as %v, the manifest names %s as the commission", b.Address(), m.Commission.Address)
	}
	payload, err := res.Bytes()
	if err != nil {
		return err
	}
	var from uint64
	for _, e := range res.Evidence {
		if e.What == EvidenceClosing {
			from = e.First + 1
		}
	}
	var pending map[artefactKey]*partial
	commission := b.Address()
	var posted []byte
	pending, err = scan(ctx, b, m.Topic(), from, func(a artefact) {
		if a.Kind == bulletin.KindResult && a.Poster == commission && posted == nil {
			posted = a.Payload
		}
	}, nil)
	if err != nil {
		return fmt.Errorf("tally: election %s: %w", m.ID, err)
	}
	if posted != nil {
		if bytes.Equal(posted, payload) {
			return nil
		}
		return fmt.Errorf("%w: election %s", ErrResultConflict, m.ID)
	}
	if err := postArtefact(ctx, b, m.Topic(), bulletin.KindResult, payload, pending); err != nil {
		return fmt.Errorf("tally: posting the result of election %s: %w", m.ID, err)
	}
	return nil
}

// A ResultError says how a posted result differs from the one the board
// gives: what (a contest and option, a count, a piece of evidence), the
// posted value and the recomputed one.
type ResultError struct {
	What   string
	Posted string
	Board  string
}

// Error says what differs, as posted and as the board gives it.
func (e *ResultError) Error() string {
	return fmt.Sprintf("tally: the posted result differs from the board's: %s: posted %s, the board gives %s", e.What, e.Posted, e.Board)
}

// CheckResults reads election m's posted result ([ReadResults]) and
// compares it with the one recomputed from the board ([TallyResults]),
// byte for byte. It returns the recomputed results, and an error: from
// the recomputation (which names the tally input, mixer or trustee at
// fault), [ErrNoResult], a malformed record, or a *ResultError naming the
// first difference.
func CheckResults(ctx context.Context, r bulletin.Reader, m *voting.Manifest, w *Weeded, t *Trustees, c *Cascade) (*Results, error) {
	p, ref, resErr := readResult(ctx, r, m, w.Refs.Closing.First+1)
	if resErr == nil {
		// Only what was posted before the result is its evidence: a
		// decryption share posted later must not change the recount.
		r = readerUntil{r, ref.First}
	}
	want, err := TallyResults(ctx, r, m, w, t, c)
	if err != nil {
		return nil, err
	}
	wantBytes, err := want.Bytes()
	if err != nil {
		return nil, err
	}
	if resErr != nil {
		return want, resErr
	}
	if bytes.Equal(p, wantBytes) {
		return want, nil
	}
	posted, err := ParseResults(p)
	if err != nil {
		return want, fmt.Errorf("tally: election %s: the result at %v: %w", m.ID, ref, err)
	}
	if err := CompareResults(posted, want); err != nil {
		return want, err
	}
	return want, &ResultError{What: "the encoding", Posted: fmt.Sprintf("%d bytes", len(p)), Board: fmt.Sprintf("%d bytes", len(wantBytes))}
}

// CompareResults returns a *ResultError naming the first difference
// between the posted results and the recomputed ones (board), or nil.
func CompareResults(posted, board *Results) error {
	diff := func(what string, p, b any) error {
		return &ResultError{What: what, Posted: fmt.Sprint(p), Board: fmt.Sprint(b)}
	}
	switch {
	case posted.Election != board.Election:
		return diff("the election", posted.Election, board.Election)
	case posted.Fingerprint != board.Fingerprint:
		return diff("the fingerprint", fmt.Sprintf("%x", posted.Fingerprint[:8]), fmt.Sprintf("%x", board.Fingerprint[:8]))
	case posted.Counted != board.Counted:
		return diff("the counted ballots", posted.Counted, board.Counted)
	case len(posted.Contests) != len(board.Contests):
		return diff("the number of contests", len(posted.Contests), len(board.Contests))
	}
	for i := range board.Contests {
		if err := compareContest(&posted.Contests[i], &board.Contests[i]); err != nil {
			return err
		}
	}
	for i := range max(len(posted.Evidence), len(board.Evidence)) {
		switch {
		case i >= len(posted.Evidence):
			return diff("evidence "+fmt.Sprint(i+1), "nothing", board.Evidence[i].String()+" at "+board.Evidence[i].Ref.String())
		case i >= len(board.Evidence):
			return diff("evidence "+fmt.Sprint(i+1), posted.Evidence[i].String()+" at "+posted.Evidence[i].Ref.String(), "nothing")
		}
		p, b := posted.Evidence[i], board.Evidence[i]
		if p != b {
			return diff(fmt.Sprintf("evidence %d (%v)", i+1, b), p.String()+" at "+p.Ref.String(), b.String()+" at "+b.Ref.String())
		}
	}
	return nil
}

func compareContest(p, b *ContestResult) error {
	what := "contest " + b.Contest
	diff := func(field string, pv, bv any) error {
		return &ResultError{What: what + ": " + field, Posted: fmt.Sprint(pv), Board: fmt.Sprint(bv)}
	}
	switch {
	case p.Contest != b.Contest:
		return &ResultError{What: "a contest", Posted: p.Contest, Board: b.Contest}
	case p.Method != b.Method:
		return diff("the tally method", p.Method, b.Method)
	case p.Ballots != b.Ballots:
		return diff("the counted ballots", p.Ballots, b.Ballots)
	case len(p.Totals) != len(b.Totals):
		return diff("the number of options", len(p.Totals), len(b.Totals))
	}
	for j := range b.Totals {
		if p.Totals[j] != b.Totals[j] {
			return diff(fmt.Sprintf("the total of option %d", j+1), p.Totals[j], b.Totals[j])
		}
	}
	switch {
	case p.Blank != b.Blank:
		return diff("blank ballots", p.Blank, b.Blank)
	case !slices.Equal(p.Invalid, b.Invalid):
		return diff("the invalid rows", p.Invalid, b.Invalid)
	case !slices.Equal(p.WriteIns, b.WriteIns):
		return diff("the write-ins", p.WriteIns, b.WriteIns)
	case p.Ranked != b.Ranked:
		return diff("ranked", p.Ranked, b.Ranked)
	case !slices.Equal(p.Candidates, b.Candidates):
		return diff("the candidates", p.Candidates, b.Candidates)
	case (p.IRV == nil) != (b.IRV == nil):
		return diff("the instant-runoff count", p.IRV != nil, b.IRV != nil)
	case p.IRV == nil:
		return nil
	case len(p.IRV.Rounds) != len(b.IRV.Rounds):
		return diff("the instant-runoff rounds", len(p.IRV.Rounds), len(b.IRV.Rounds))
	}
	for i := range b.IRV.Rounds {
		pr, br := p.IRV.Rounds[i], b.IRV.Rounds[i]
		for _, c := range b.Candidates {
			pc, pok := pr.Counts[c]
			bc, bok := br.Counts[c]
			if pok != bok || pc != bc {
				return diff(fmt.Sprintf("instant-runoff round %d, %s", i+1, c), countOrOut(pc, pok), countOrOut(bc, bok))
			}
		}
		if pr.Exhausted != br.Exhausted {
			return diff(fmt.Sprintf("instant-runoff round %d, exhausted", i+1), pr.Exhausted, br.Exhausted)
		}
		if !slices.Equal(pr.Eliminated, br.Eliminated) {
			return diff(fmt.Sprintf("instant-runoff round %d, eliminated", i+1), pr.Eliminated, br.Eliminated)
		}
	}
	if p.IRV.Winner != b.IRV.Winner {
		return diff("the instant-runoff winner", p.IRV.Winner, b.IRV.Winner)
	}
	for i := range b.Schulze.D {
		for j := range b.Schulze.D[i] {
			if p.Schulze.D[i][j] != b.Schulze.D[i][j] || p.Schulze.P[i][j] != b.Schulze.P[i][j] {
				return diff(fmt.Sprintf("Schulze, %s over %s (d, p)", b.Candidates[i], b.Candidates[j]),
					[2]int{p.Schulze.D[i][j], p.Schulze.P[i][j]}, [2]int{b.Schulze.D[i][j], b.Schulze.P[i][j]})
			}
		}
	}
	if !slices.Equal(p.Schulze.Ranking, b.Schulze.Ranking) {
		return diff("the Schulze order", p.Schulze.Ranking, b.Schulze.Ranking)
	}
	if !slices.Equal(p.Schulze.Winners, b.Schulze.Winners) {
		return diff("the Schulze winners", p.Schulze.Winners, b.Schulze.Winners)
	}
	return nil
}

func countOrOut(n int, ok bool) string {
	if !ok {
		return "(not continuing)"
	}
	return fmt.Sprint(n)
}
