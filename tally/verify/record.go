package verify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/veche/veche/bulletin"
)

// RecordFormat names the format of an exported election record
// (docs/spec/verification.md, section 3): the first line of the file.
const RecordFormat = "veche-record/v1"

// maxRecordLine is the longest line a record may have: an entry of
// bulletin.MaxPayload bytes in hex, with its other fields.
const maxRecordLine = 2*bulletin.MaxPayload + 4096

// ErrRecord is wrapped by every error reading a record file that is not
// well formed.
var ErrRecord = errors.New("verify: malformed record")

// A RecordHeader is the first line of a record: where the entries come
// from and what the board stored when they were exported.
type RecordHeader struct {
	Format   string `json:"format"`   // RecordFormat
	Election string `json:"election"` // the election id
	Topic    string `json:"topic"`    // the topic id, 64 hexadecimal digits
	// Contract is the board contract's address (0x and 40 hexadecimal
	// digits) and ChainID its chain's id; both empty (zero) for a board
	// that is not on a chain.
	Contract string `json:"contract,omitempty"`
	ChainID  uint64 `json:"chain_id,omitempty"`
	// Entries and Head are the topic's entry count and hash-chain head
	// as the board stored them when the record was exported.
	Entries uint64 `json:"entries"`
	Head    string `json:"head"`
}

// recordEntry is one entry line of a record.
type recordEntry struct {
	Seq      uint64 `json:"seq"`
	Kind     uint16 `json:"kind"`
	KindName string `json:"kind_name,omitempty"`
	Poster   string `json:"poster"`
	Payload  string `json:"payload"`
	Head     string `json:"head"`
}

// A Record is an election's topic as exported from a board: the header and
// the entries in the order of the file. It is a [bulletin.Reader] of its
// one topic, whose Head is the header's (what the board stored), so that
// [Verify] checks the entries against it. A Record is not safe for
// concurrent modification; reading it concurrently is.
type Record struct {
	Header RecordHeader
	Log    []bulletin.Entry

	topic bulletin.TopicID
	head  [32]byte
}

var _ bulletin.Reader = (*Record)(nil)

// NewRecord returns a record of the given entries of election id, with
// the head and count the board stores (for a record built in memory).
func NewRecord(id string, topic bulletin.TopicID, entries []bulletin.Entry, head [32]byte, count uint64) *Record {
	return &Record{
		Header: RecordHeader{Format: RecordFormat, Election: id, Topic: topic.String(), Entries: count,
			Head: hex.EncodeToString(head[:])},
		Log: entries, topic: topic, head: head,
	}
}

// Topic returns the record's topic id.
func (r *Record) Topic() bulletin.TopicID { return r.topic }

// EntriesOf returns the entries at positions from … to−1 of the file
// (which are sequence numbers from … to−1 unless the file has a gap, which
// the hash-chain check then reports), clipped to the entries there are.
func (r *Record) EntriesOf(from, to uint64) []bulletin.Entry {
	n := uint64(len(r.Log))
	from, to = min(from, n), min(to, n)
	return r.Log[from:to]
}

// Entries implements [bulletin.Reader] for the record's topic. The entries
// returned share their payloads with the record: callers must not modify
// them.
func (r *Record) Entries(ctx context.Context, topic bulletin.TopicID, from, to uint64) ([]bulletin.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if topic != r.topic {
		return nil, fmt.Errorf("%w: %v (the record holds topic %v)", bulletin.ErrUnknownTopic, topic, r.topic)
	}
	if from > to {
		return nil, fmt.Errorf("verify: entries from %d to %d: from is after to", from, to)
	}
	return r.EntriesOf(from, to), nil
}

// Head implements [bulletin.Reader]: the head and count of the header.
func (r *Record) Head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	if err := ctx.Err(); err != nil {
		return [32]byte{}, 0, err
	}
	if topic != r.topic {
		return [32]byte{}, 0, fmt.Errorf("%w: %v (the record holds topic %v)", bulletin.ErrUnknownTopic, topic, r.topic)
	}
	return r.head, r.Header.Entries, nil
}

// WriteRecord exports the topic of election id from board r to w: the
// header (with contract and chainID, which may be empty and zero) and
// every entry up to the count the board reports when the export starts,
// one JSON object per line (docs/spec/verification.md, section 3). The
// entries are written as the board gives them, unchecked: checking them
// is the verifier's work.
func WriteRecord(ctx context.Context, w io.Writer, r bulletin.Reader, id, contract string, chainID uint64, topic bulletin.TopicID) error {
	head, count, err := r.Head(ctx, topic)
	if err != nil {
		return fmt.Errorf("verify: election %s: %w", id, err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	h := RecordHeader{Format: RecordFormat, Election: id, Topic: topic.String(), Contract: contract, ChainID: chainID,
		Entries: count, Head: hex.EncodeToString(head[:])}
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("verify: writing the record: %w", err)
	}
	for from := uint64(0); from < count; {
		es, err := r.Entries(ctx, topic, from, min(from+readPage, count))
		if err != nil {
			return fmt.Errorf("verify: election %s: %w", id, err)
		}
		if len(es) == 0 {
			return fmt.Errorf("verify: election %s: the board returned no entry from %d, its count is %d", id, from, count)
		}
		for _, e := range es {
			if err := enc.Encode(recordEntry{Seq: e.Seq, Kind: uint16(e.Kind), KindName: e.Kind.String(),
				Poster: e.Poster.String(), Payload: hex.EncodeToString(e.Payload), Head: hex.EncodeToString(e.Head[:])}); err != nil {
				return fmt.Errorf("verify: writing the record: %w", err)
			}
		}
		from += uint64(len(es))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("verify: writing the record: %w", err)
	}
	return nil
}

// ReadRecord reads a record written by [WriteRecord]. It checks the form
// of every line (the header's format, hexadecimal fields of the right
// lengths, a defined kind whose name, if given, matches its number) but
// not the hash chain, the count or the sequence numbers: [Verify] does,
// and names the entry at fault.
func ReadRecord(rd io.Reader) (*Record, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 1<<16), maxRecordLine)
	r := &Record{}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%w: line 1: %v", ErrRecord, err)
		}
		return nil, fmt.Errorf("%w: an empty file", ErrRecord)
	}
	if err := r.parseHeader(sc.Bytes()); err != nil {
		return nil, fmt.Errorf("%w: line 1: %v", ErrRecord, err)
	}
	// The entries' lines are decoded in chunks on all cores, at most two
	// chunks per core ahead of the reading.
	var (
		chunks []*recordChunk
		wg     sync.WaitGroup
		sem    = make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	)
	line := 1
	cur := &recordChunk{first: 2}
	flush := func() {
		c := cur
		chunks = append(chunks, c)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.decode(r.topic)
		})
		cur = &recordChunk{first: line + 1}
	}
	for sc.Scan() {
		line++
		cur.lines = append(cur.lines, bytes.Clone(sc.Bytes()))
		if len(cur.lines) == recordChunkLines {
			flush()
		}
	}
	if len(cur.lines) > 0 {
		flush()
	}
	wg.Wait()
	n := 0
	for _, c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
		n += len(c.entries)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", ErrRecord, line+1, err)
	}
	r.Log = make([]bulletin.Entry, 0, n)
	for _, c := range chunks {
		r.Log = append(r.Log, c.entries...)
	}
	return r, nil
}

// parseHeader decodes and checks the record's first line.
func (r *Record) parseHeader(text []byte) error {
	if err := strictJSON(text, &r.Header); err != nil {
		return fmt.Errorf("the header: %v", err)
	}
	h := &r.Header
	if h.Format != RecordFormat {
		return fmt.Errorf("format %q, want %q", h.Format, RecordFormat)
	}
	if h.Election == "" {
		return errors.New("no election id")
	}
	if err := decodeHex(h.Topic, r.topic[:]); err != nil {
		return fmt.Errorf("topic: %v", err)
	}
	if err := decodeHex(h.Head, r.head[:]); err != nil {
		return fmt.Errorf("head: %v", err)
	}
	return nil
}

// recordChunkLines is how many entry lines one goroutine decodes at a time.
const recordChunkLines = 32

// recordChunk is consecutive entry lines of a record, from line first.
type recordChunk struct {
	first   int
	lines   [][]byte
	entries []bulletin.Entry
	err     error // the first bad line's
}

// decode decodes the chunk's lines into entries of topic, stopping at the
// first bad one.
func (c *recordChunk) decode(topic bulletin.TopicID) {
	c.entries = make([]bulletin.Entry, 0, len(c.lines))
	for i, text := range c.lines {
		e, err := decodeEntry(topic, text)
		if err != nil {
			c.err = fmt.Errorf("%w: line %d: %v", ErrRecord, c.first+i, err)
			break
		}
		c.entries = append(c.entries, e)
	}
	c.lines = nil
}

// decodeEntry decodes one entry line and checks its form.
func decodeEntry(topic bulletin.TopicID, text []byte) (bulletin.Entry, error) {
	if re, payload, ok := scanEntry(text); ok {
		return checkEntry(topic, re, func() ([]byte, error) {
			p := make([]byte, len(payload)/2)
			_, err := hex.Decode(p, payload)
			return p, err
		})
	}
	var re recordEntry
	if err := strictJSON(text, &re); err != nil {
		return bulletin.Entry{}, err
	}
	return checkEntry(topic, re, func() ([]byte, error) { return hex.DecodeString(re.Payload) })
}

// scanEntry reads a line in the exact form WriteRecord writes (the fields
// in order, no white space, strings of printable ASCII without escapes,
// numbers without leading zeros) without encoding/json, which spends most
// of its time on the long hexadecimal payload. It returns the fields, the
// payload's hexadecimal digits, and false for any other line: the strict
// JSON decoder then reads it, so that every line means what JSON says and
// fails as it says.
func scanEntry(b []byte) (re recordEntry, payload []byte, ok bool) {
	lit := func(s string) bool {
		if len(b) < len(s) || string(b[:len(s)]) != s {
			return false
		}
		b = b[len(s):]
		return true
	}
	num := func(max uint64) (uint64, bool) {
		n, i := uint64(0), 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if i == 19 || (i > 0 && n == 0) { // too long, or a leading zero
				return 0, false
			}
			n = n*10 + uint64(b[i]-'0')
		}
		if i == 0 || n > max {
			return 0, false
		}
		b = b[i:]
		return n, true
	}
	str := func() ([]byte, bool) { // after the opening quote, through the closing one
		for i, c := range b {
			switch {
			case c == '"':
				s := b[:i]
				b = b[i+1:]
				return s, true
			case c < 0x20 || c > 0x7e || c == '\\':
				return nil, false
			}
		}
		return nil, false
	}
	var seq, kind uint64
	var name, poster, head []byte
	if !lit(`{"seq":`) {
		return re, nil, false
	}
	if seq, ok = num(1<<63 - 1); !ok || !lit(`,"kind":`) {
		return re, nil, false
	}
	if kind, ok = num(1<<16 - 1); !ok {
		return re, nil, false
	}
	if lit(`,"kind_name":"`) {
		if name, ok = str(); !ok {
			return re, nil, false
		}
	}
	if !lit(`,"poster":"`) {
		return re, nil, false
	}
	if poster, ok = str(); !ok || !lit(`,"payload":"`) {
		return re, nil, false
	}
	if payload, ok = str(); !ok || !lit(`,"head":"`) {
		return re, nil, false
	}
	if head, ok = str(); !ok || !lit(`}`) || len(b) != 0 {
		return re, nil, false
	}
	return recordEntry{Seq: seq, Kind: uint16(kind), KindName: string(name), Poster: string(poster), Head: string(head)}, payload, true
}

// checkEntry checks the fields of an entry line and decodes it.
func checkEntry(topic bulletin.TopicID, re recordEntry, payload func() ([]byte, error)) (bulletin.Entry, error) {
	e := bulletin.Entry{Topic: topic, Seq: re.Seq, Kind: bulletin.Kind(re.Kind)}
	if !e.Kind.Valid() {
		return e, fmt.Errorf("entry %d: undefined kind %d", re.Seq, re.Kind)
	}
	if re.KindName != "" && re.KindName != e.Kind.String() {
		return e, fmt.Errorf("entry %d: kind %d is %q, not %q", re.Seq, re.Kind, e.Kind.String(), re.KindName)
	}
	if hexPoster, ok := strings.CutPrefix(strings.ToLower(re.Poster), "0x"); !ok || decodeHex(hexPoster, e.Poster[:]) != nil {
		return e, fmt.Errorf("entry %d: poster %q is not 0x and 40 hexadecimal digits", re.Seq, re.Poster)
	}
	if err := decodeHex(re.Head, e.Head[:]); err != nil {
		return e, fmt.Errorf("entry %d: head: %v", re.Seq, err)
	}
	p, err := payload()
	if err != nil {
		return e, fmt.Errorf("entry %d: payload: %v", re.Seq, err)
	}
	if len(p) > bulletin.MaxPayload {
		return e, fmt.Errorf("entry %d: payload of %d bytes, the limit is %d", re.Seq, len(p), bulletin.MaxPayload)
	}
	e.Payload = p
	return e, nil
}

// strictJSON decodes one JSON object into v, refusing unknown fields and
// anything after the object.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// decodeHex decodes exactly len(dst) bytes of hexadecimal s into dst.
func decodeHex(s string, dst []byte) error {
	if len(s) != 2*len(dst) {
		return fmt.Errorf("%d hexadecimal digits, want %d", len(s), 2*len(dst))
	}
	_, err := hex.Decode(dst, []byte(s))
	return err
}
