package tally

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sync"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/shuffle"
)

// Board records of the mix net (docs/spec/mixnet.md). Every payload starts
// with a version byte, then the list name, so that a verifier can sort the
// entries of an election by list before decoding the bulk.
const recordVersion = 1

// Limits on the lists the records carry.
const (
	MaxRows  = 1 << 24 // ciphertext rows in one list
	MaxWidth = 64      // ciphertexts per row
)

// ErrMalformed is wrapped by every decoding failure of a mix-net record.
var ErrMalformed = errors.New("tally: malformed record")

var listNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// A List is a named list of ciphertext rows of one width: the ballots of
// one mixnet contest (the name is the contest id), as the commission posts
// them for mixing and as each mixer outputs them.
type List struct {
	Name string
	Rows []elgamal.VectorCiphertext
}

// Width returns the width of the list's rows (0 for an empty list).
func (l *List) Width() int {
	if len(l.Rows) == 0 {
		return 0
	}
	return len(l.Rows[0])
}

// check validates the list's shape: a valid name, 1 to MaxRows rows of one
// width 1 to MaxWidth, no missing component.
func (l *List) check() error {
	if !listNamePattern.MatchString(l.Name) {
		return fmt.Errorf("tally: list name %q: 1-63 characters a-z, 0-9 and -", l.Name)
	}
	n, w := len(l.Rows), l.Width()
	if n < 1 || n > MaxRows {
		return fmt.Errorf("tally: list %s: %d rows, want 1 to %d", l.Name, n, MaxRows)
	}
	if w < 1 || w > MaxWidth {
		return fmt.Errorf("tally: list %s: width %d, want 1 to %d", l.Name, w, MaxWidth)
	}
	for i, r := range l.Rows {
		if len(r) != w {
			return fmt.Errorf("tally: list %s: row %d has width %d, row 0 has %d", l.Name, i, len(r), w)
		}
		for k, c := range r {
			if c == nil || c.A == nil || c.B == nil {
				return fmt.Errorf("tally: list %s: row %d component %d is missing", l.Name, i, k)
			}
		}
	}
	return nil
}

// appendRows appends the n·w ciphertexts of rows, 64 bytes each (A || B),
// row by row.
func appendRows(b []byte, rows []elgamal.VectorCiphertext) []byte {
	for _, r := range rows {
		for _, c := range r {
			b = c.AppendBytes(b)
		}
	}
	return b
}

// Digest returns the list's digest, which a shuffle record names as its
// input: SHA-256("veche/mix-list/v1" || 0x00 || u8 len(name) || name ||
// u32 n || u32 w || ciphertexts).
func (l *List) Digest() [32]byte {
	h := sha256.New()
	h.Write([]byte("veche/mix-list/v1\x00"))
	h.Write([]byte{byte(len(l.Name))})
	h.Write([]byte(l.Name))
	var nw [8]byte
	binary.BigEndian.PutUint32(nw[:4], uint32(len(l.Rows)))
	binary.BigEndian.PutUint32(nw[4:], uint32(l.Width()))
	h.Write(nw[:])
	buf := make([]byte, 0, elgamal.CiphertextSize*l.Width()*1024)
	for i := 0; i < len(l.Rows); i += 1024 {
		buf = appendRows(buf[:0], l.Rows[i:min(i+1024, len(l.Rows))])
		h.Write(buf)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// A TallyInput is the list the commission posts for the mixers (kind
// tally-input): the counted ballots of one mixnet contest, in the order of
// their tracking codes (docs/spec/tally.md).
type TallyInput struct {
	List
}

// Bytes encodes the record: u8 version || u8 len(name) || name || u32 n ||
// u32 w || n·w ciphertexts.
func (t *TallyInput) Bytes() ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+len(t.Name)+8+len(t.Rows)*t.Width()*elgamal.CiphertextSize)
	b = appendHeader(b, t.Name, len(t.Rows), t.Width())
	return appendRows(b, t.Rows), nil
}

func appendHeader(b []byte, name string, n, w int) []byte {
	b = append(b, recordVersion, byte(len(name)))
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return binary.BigEndian.AppendUint32(b, uint32(w))
}

// ParseTallyInput decodes a tally-input record, rejecting non-canonical
// ciphertexts, a zero A component, wrong lengths and trailing bytes. It
// decodes on all cores.
func ParseTallyInput(b []byte) (*TallyInput, error) {
	d := &reader{b: b}
	name, n, w := d.header()
	rows := d.rows(n, w)
	if err := d.finish(); err != nil {
		return nil, err
	}
	return &TallyInput{List{Name: name, Rows: rows}}, nil
}

// A ShuffleRecord is one mixer's output for one list and the proof that it
// is a shuffle of its input (kind shuffle, chunked when large).
type ShuffleRecord struct {
	List     string
	Position uint32   // the mixer's place in the cascade, from 0
	Input    [32]byte // the digest of the list shuffled: the tally input's, or the previous mixer's output's
	Output   []elgamal.VectorCiphertext
	Proof    *shuffle.Proof
}

// OutputList returns the record's output as a List.
func (s *ShuffleRecord) OutputList() *List { return &List{Name: s.List, Rows: s.Output} }

// Bytes encodes the record: u8 version || u8 len(list) || list || u32 n ||
// u32 w || u32 position || input digest (32) || n·w ciphertexts || proof
// (shuffle.ProofSize(n, w) bytes).
func (s *ShuffleRecord) Bytes() ([]byte, error) {
	l := s.OutputList()
	if err := l.check(); err != nil {
		return nil, err
	}
	n, w := len(s.Output), l.Width()
	if s.Proof == nil || s.Proof.N() != n || s.Proof.Width() != w {
		return nil, fmt.Errorf("tally: shuffle record of list %s: the proof does not fit %d rows of width %d", s.List, n, w)
	}
	proof := s.Proof.Bytes()
	b := make([]byte, 0, 2+len(s.List)+8+4+32+n*w*elgamal.CiphertextSize+len(proof))
	b = appendHeader(b, s.List, n, w)
	b = binary.BigEndian.AppendUint32(b, s.Position)
	b = append(b, s.Input[:]...)
	b = appendRows(b, s.Output)
	return append(b, proof...), nil
}

// ParseShuffleRecord decodes a shuffle record strictly (canonical
// ciphertexts and proof, exact length).
func ParseShuffleRecord(b []byte) (*ShuffleRecord, error) {
	d := &reader{b: b}
	name, n, w := d.header()
	pos := d.u32("position")
	var in [32]byte
	copy(in[:], d.take(32, "input digest"))
	rows := d.rows(n, w)
	var proof *shuffle.Proof
	if d.err == nil {
		size := shuffle.ProofSize(n, w)
		raw := d.take(size, "proof")
		if d.err == nil {
			var err error
			if proof, err = shuffle.ParseProof(raw, n, w); err != nil {
				d.err = fmt.Errorf("%w: list %s: %w", ErrMalformed, name, err)
			}
		}
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return &ShuffleRecord{List: name, Position: pos, Input: in, Output: rows, Proof: proof}, nil
}

// ListName returns the list name of a tally-input or shuffle payload
// without decoding the rest, or "" if the payload does not start like one.
func ListName(b []byte) string {
	if len(b) < 2 || b[0] != recordVersion || len(b) < 2+int(b[1]) {
		return ""
	}
	name := string(b[2 : 2+int(b[1])])
	if !listNamePattern.MatchString(name) {
		return ""
	}
	return name
}

// reader decodes the fixed fields of a record, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (d *reader) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.err = fmt.Errorf("%w: truncated at the %s", ErrMalformed, what)
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *reader) u32(what string) uint32 {
	b := d.take(4, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (d *reader) header() (name string, n, w int) {
	v := d.take(1, "version")
	if d.err == nil && v[0] != recordVersion {
		d.err = fmt.Errorf("%w: version %d, want %d", ErrMalformed, v[0], recordVersion)
	}
	l := d.take(1, "list name length")
	if d.err != nil {
		return "", 0, 0
	}
	name = string(d.take(int(l[0]), "list name"))
	if d.err == nil && !listNamePattern.MatchString(name) {
		d.err = fmt.Errorf("%w: list name %q", ErrMalformed, name)
	}
	n, w = int(d.u32("row count")), int(d.u32("width"))
	if d.err == nil && (n < 1 || n > MaxRows || w < 1 || w > MaxWidth) {
		d.err = fmt.Errorf("%w: list %s: %d rows of width %d (limits 1..%d, 1..%d)", ErrMalformed, name, n, w, MaxRows, MaxWidth)
	}
	return name, n, w
}

// rows decodes n rows of w ciphertexts on all cores.
func (d *reader) rows(n, w int) []elgamal.VectorCiphertext {
	raw := d.take(n*w*elgamal.CiphertextSize, "ciphertexts")
	if d.err != nil {
		return nil
	}
	rows := make([]elgamal.VectorCiphertext, n)
	var (
		mu       sync.Mutex
		firstErr error
		firstAt  = n
	)
	parallelRange(n, 0, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := make(elgamal.VectorCiphertext, w)
			for k := range w {
				off := (i*w + k) * elgamal.CiphertextSize
				c, err := elgamal.ParseCiphertext(raw[off : off+elgamal.CiphertextSize])
				if err == nil {
					err = c.Validate()
				}
				if err != nil {
					mu.Lock()
					if i < firstAt {
						firstAt, firstErr = i, fmt.Errorf("%w: row %d component %d: %w", ErrMalformed, i, k, err)
					}
					mu.Unlock()
					return
				}
				row[k] = c
			}
			rows[i] = row
		}
	})
	if firstErr != nil {
		d.err = firstErr
		return nil
	}
	return rows
}

func (d *reader) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes after the record", ErrMalformed, len(d.b))
	}
	return d.err
}

// parallelRange calls f on contiguous chunks of [0, n) on up to workers
// goroutines (below 1: GOMAXPROCS).
func parallelRange(n, workers int, f func(lo, hi int)) {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := max(1024, (n+workers*4-1)/(workers*4))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
