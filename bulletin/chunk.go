package bulletin

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes of the chunk encodings (docs/spec/bulletin.md, "Chunking").
const (
	// ChunkHeaderSize is the exact length of a chunk-header payload:
	// u16 kind || hash[32] || u64 size || u32 count || u32 chunk size.
	ChunkHeaderSize = 2 + 32 + 8 + 4 + 4
	// ChunkPrefixSize is the length of a chunk payload before its data:
	// u16 kind || hash[32] || u32 index.
	ChunkPrefixSize = 2 + 32 + 4
	// MaxChunkData is the most data one chunk entry can carry.
	MaxChunkData = MaxPayload - ChunkPrefixSize
)

// A ChunkHeader is the payload of a [KindChunkHeader] entry: it announces an
// artefact of kind Kind and Size bytes whose Keccak-256 is Hash, split into
// Count chunks of ChunkSize bytes (the last one shorter or equal).
type ChunkHeader struct {
	Kind      Kind
	Hash      [32]byte
	Size      uint64
	Count     uint32
	ChunkSize uint32
}

// ChunkData is the payload of a [KindChunk] entry: the chunk with index
// Index of the artefact whose header has Kind and Hash.
type ChunkData struct {
	Kind  Kind
	Hash  [32]byte
	Index uint32
	Data  []byte
}

// Bytes returns the header's encoding.
func (h *ChunkHeader) Bytes() []byte {
	b := make([]byte, 0, ChunkHeaderSize)
	b = binary.BigEndian.AppendUint16(b, uint16(h.Kind))
	b = append(b, h.Hash[:]...)
	b = binary.BigEndian.AppendUint64(b, h.Size)
	b = binary.BigEndian.AppendUint32(b, h.Count)
	return binary.BigEndian.AppendUint32(b, h.ChunkSize)
}

// Bytes returns the chunk's encoding.
func (c *ChunkData) Bytes() []byte {
	b := make([]byte, 0, ChunkPrefixSize+len(c.Data))
	b = binary.BigEndian.AppendUint16(b, uint16(c.Kind))
	b = append(b, c.Hash[:]...)
	b = binary.BigEndian.AppendUint32(b, c.Index)
	return append(b, c.Data...)
}

func chunkableKind(k Kind) bool { return k.Valid() && !k.IsChunk() && k != KindPhase }

// chunkCount returns ceil(size / chunkSize) and whether it fits a uint32.
func chunkCount(size uint64, chunkSize uint32) (uint32, bool) {
	n := size / uint64(chunkSize)
	if size%uint64(chunkSize) != 0 {
		n++
	}
	return uint32(n), n <= 1<<32-1
}

// ParseChunkHeader decodes a chunk-header payload. It accepts only the
// canonical form: exactly [ChunkHeaderSize] bytes, a carried kind that is
// defined and neither a chunk kind nor [KindPhase], Size >= 1, 1 <=
// ChunkSize <= [MaxChunkData], and Count = ceil(Size / ChunkSize). Failures
// wrap [ErrMalformed].
func ParseChunkHeader(payload []byte) (*ChunkHeader, error) {
	if len(payload) != ChunkHeaderSize {
		return nil, fmt.Errorf("%w: chunk header of %d bytes, want %d", ErrMalformed, len(payload), ChunkHeaderSize)
	}
	h := &ChunkHeader{Kind: Kind(binary.BigEndian.Uint16(payload))}
	copy(h.Hash[:], payload[2:34])
	h.Size = binary.BigEndian.Uint64(payload[34:])
	h.Count = binary.BigEndian.Uint32(payload[42:])
	h.ChunkSize = binary.BigEndian.Uint32(payload[46:])
	switch {
	case !chunkableKind(h.Kind):
		return nil, fmt.Errorf("%w: chunk header carries %v", ErrMalformed, h.Kind)
	case h.Size == 0:
		return nil, fmt.Errorf("%w: chunk header announces an empty artefact", ErrMalformed)
	case h.ChunkSize == 0 || h.ChunkSize > MaxChunkData:
		return nil, fmt.Errorf("%w: chunk size %d, want 1 to %d", ErrMalformed, h.ChunkSize, MaxChunkData)
	}
	if n, ok := chunkCount(h.Size, h.ChunkSize); !ok || n != h.Count {
		return nil, fmt.Errorf("%w: %d chunks of %d bytes cannot hold exactly %d bytes", ErrMalformed, h.Count, h.ChunkSize, h.Size)
	}
	return h, nil
}

// ParseChunkData decodes a chunk payload: [ChunkPrefixSize] bytes of prefix
// and at least one byte of data, carrying a kind that is defined and
// neither a chunk kind nor [KindPhase]. Data aliases payload. Failures wrap
// [ErrMalformed].
func ParseChunkData(payload []byte) (*ChunkData, error) {
	if len(payload) <= ChunkPrefixSize {
		return nil, fmt.Errorf("%w: chunk of %d bytes, want more than %d", ErrMalformed, len(payload), ChunkPrefixSize)
	}
	c := &ChunkData{Kind: Kind(binary.BigEndian.Uint16(payload))}
	if !chunkableKind(c.Kind) {
		return nil, fmt.Errorf("%w: chunk carries %v", ErrMalformed, c.Kind)
	}
	copy(c.Hash[:], payload[2:34])
	c.Index = binary.BigEndian.Uint32(payload[34:])
	c.Data = payload[ChunkPrefixSize:]
	return c, nil
}

// Chunk splits an artefact of the given kind into a [KindChunkHeader]
// message followed by [KindChunk] messages of at most maxChunk data bytes
// each (0 means [MaxChunkData]), in index order, ready for
// [Appender.AppendBatch] or for posting one by one in this order. The
// chunks' data alias artefact.
func Chunk(kind Kind, artefact []byte, maxChunk int) ([]Message, error) {
	if maxChunk == 0 {
		maxChunk = MaxChunkData
	}
	switch {
	case !chunkableKind(kind):
		return nil, fmt.Errorf("bulletin: cannot chunk an artefact of kind %v", kind)
	case len(artefact) == 0:
		return nil, fmt.Errorf("bulletin: cannot chunk an empty artefact")
	case maxChunk < 1 || maxChunk > MaxChunkData:
		return nil, fmt.Errorf("bulletin: chunk size %d, want 1 to %d", maxChunk, MaxChunkData)
	}
	count, ok := chunkCount(uint64(len(artefact)), uint32(maxChunk))
	if !ok {
		return nil, fmt.Errorf("bulletin: %d bytes need more than 2^32-1 chunks of %d bytes", len(artefact), maxChunk)
	}
	h := ChunkHeader{
		Kind:      kind,
		Hash:      Keccak256(artefact),
		Size:      uint64(len(artefact)),
		Count:     count,
		ChunkSize: uint32(maxChunk),
	}
	msgs := make([]Message, 0, 1+int(count))
	msgs = append(msgs, Message{Kind: KindChunkHeader, Payload: h.Bytes()})
	for i := uint32(0); i < count; i++ {
		lo := int(i) * maxChunk
		hi := min(lo+maxChunk, len(artefact))
		c := ChunkData{Kind: kind, Hash: h.Hash, Index: i, Data: artefact[lo:hi]}
		msgs = append(msgs, Message{Kind: KindChunk, Payload: c.Bytes()})
	}
	return msgs, nil
}

// A ChunkProblem says what is wrong with a set of chunks.
type ChunkProblem uint8

// Chunk problems. Do NOT reorder.
const (
	_                      ChunkProblem = iota
	ChunkNoHeader                       // the first message is not a valid chunk header, or a chunk has no header before it
	ChunkNotAChunk                      // a message after the header is not a valid chunk of it
	ChunkDuplicated                     // a chunk index occurs more than once
	ChunkMissing                        // a chunk index does not occur
	ChunkOutOfOrder                     // the chunks are all there but not in index order
	ChunkWrongLength                    // a chunk's data is not the announced length
	ChunkHashMismatch                   // the reassembled artefact's Keccak-256 is not the announced hash
	ChunkDuplicateArtefact              // a header announces an artefact that was already announced
)

var chunkProblemText = [...]string{
	ChunkNoHeader:          "no valid chunk header",
	ChunkNotAChunk:         "not a chunk of this artefact",
	ChunkDuplicated:        "duplicated chunk",
	ChunkMissing:           "missing chunk",
	ChunkOutOfOrder:        "chunk out of order",
	ChunkWrongLength:       "chunk of the wrong length",
	ChunkHashMismatch:      "content hash mismatch",
	ChunkDuplicateArtefact: "artefact announced twice",
}

func (p ChunkProblem) String() string {
	if p > 0 && int(p) < len(chunkProblemText) {
		return chunkProblemText[p]
	}
	return fmt.Sprintf("ChunkProblem(%d)", uint8(p))
}

// A ChunkError reports a chunk set that does not reassemble. It wraps
// [ErrMalformed].
type ChunkError struct {
	Problem ChunkProblem
	Hash    [32]byte // the announced content hash, if known
	Index   uint32   // the chunk concerned, for problems about one chunk
	Detail  string
}

func (e *ChunkError) Error() string {
	s := fmt.Sprintf("bulletin: chunked artefact %x: %v", e.Hash[:8], e.Problem)
	switch e.Problem {
	case ChunkDuplicated, ChunkMissing, ChunkOutOfOrder, ChunkWrongLength, ChunkNotAChunk:
		s += fmt.Sprintf(" %d", e.Index)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *ChunkError) Unwrap() error { return ErrMalformed }

// Reassemble checks and joins a chunked artefact: msgs is its header
// followed by its chunks, in the order they were posted. It returns the
// artefact with the kind it carries. The chunk set must be exact: every
// index from 0 to Count-1 once, in index order, each of its announced
// length ([ChunkHeader]), and the joined data must hash to the announced
// Keccak-256. Anything else is a [*ChunkError] naming the first problem,
// checked in this order: header, foreign messages, duplicates, missing
// chunks, order, lengths, hash.
func Reassemble(msgs []Message) (Message, error) {
	if len(msgs) == 0 || msgs[0].Kind != KindChunkHeader {
		return Message{}, &ChunkError{Problem: ChunkNoHeader}
	}
	h, err := ParseChunkHeader(msgs[0].Payload)
	if err != nil {
		return Message{}, &ChunkError{Problem: ChunkNoHeader, Detail: err.Error()}
	}
	chunks := make([]*ChunkData, 0, len(msgs)-1)
	for i, m := range msgs[1:] {
		var (
			c    *ChunkData
			perr error
		)
		if m.Kind == KindChunk {
			c, perr = ParseChunkData(m.Payload)
		}
		if c == nil || c.Hash != h.Hash || c.Kind != h.Kind || c.Index >= h.Count {
			detail := fmt.Sprintf("message %d is a %v entry", i+1, m.Kind)
			if perr != nil {
				detail = perr.Error()
			} else if c != nil {
				detail = fmt.Sprintf("message %d carries %v, hash %x, index %d", i+1, c.Kind, c.Hash[:8], c.Index)
			}
			return Message{}, &ChunkError{Problem: ChunkNotAChunk, Hash: h.Hash, Index: uint32(i + 1), Detail: detail}
		}
		chunks = append(chunks, c)
	}
	// Every index is below Count here, so a set of len(chunks) indices with
	// no duplicate and no missing one is exactly 0..Count-1.
	seen := make(map[uint32]bool, len(chunks))
	for _, c := range chunks {
		if seen[c.Index] {
			return Message{}, &ChunkError{Problem: ChunkDuplicated, Hash: h.Hash, Index: c.Index}
		}
		seen[c.Index] = true
	}
	if uint64(len(chunks)) != uint64(h.Count) {
		for i := uint32(0); ; i++ {
			if !seen[i] {
				return Message{}, &ChunkError{Problem: ChunkMissing, Hash: h.Hash, Index: i,
					Detail: fmt.Sprintf("%d of %d chunks present", len(chunks), h.Count)}
			}
		}
	}
	for i, c := range chunks {
		if c.Index != uint32(i) {
			return Message{}, &ChunkError{Problem: ChunkOutOfOrder, Hash: h.Hash, Index: c.Index,
				Detail: fmt.Sprintf("at position %d", i)}
		}
	}
	for i, c := range chunks {
		want := uint64(h.ChunkSize)
		if uint32(i) == h.Count-1 {
			want = h.Size - uint64(h.Count-1)*uint64(h.ChunkSize)
		}
		if uint64(len(c.Data)) != want {
			return Message{}, &ChunkError{Problem: ChunkWrongLength, Hash: h.Hash, Index: c.Index,
				Detail: fmt.Sprintf("%d bytes, want %d", len(c.Data), want)}
		}
	}
	// The lengths add up to Size now, and Size is backed by data that is
	// actually present: allocating it is safe.
	out := make([]byte, 0, h.Size)
	for _, c := range chunks {
		out = append(out, c.Data...)
	}
	if got := Keccak256(out); got != h.Hash {
		return Message{}, &ChunkError{Problem: ChunkHashMismatch, Hash: h.Hash, Detail: fmt.Sprintf("the data hashes to %x", got)}
	}
	return Message{Kind: h.Kind, Payload: out}, nil
}

// An Assembler reassembles chunked artefacts from a topic's entries read in
// log order, where other entries and other artefacts' chunks may come in
// between. An artefact is its poster's: only chunks posted by the account
// that posted its header belong to it, so that another poster of the same
// kind cannot spoil it by posting chunks under its hash (docs/spec/bulletin.md,
// "Chunking"). The zero value is ready to use.
type Assembler struct {
	pending map[artefactKey]*pendingArtefact
	done    map[artefactKey]bool
}

// artefactKey names an artefact: its poster and content hash.
type artefactKey struct {
	poster Address
	hash   [32]byte
}

type pendingArtefact struct {
	header *ChunkHeader
	msgs   []Message
	first  uint64 // the header's sequence number
}

// Add takes the next entry of the log. For a chunk entry that completes an
// artefact it returns the artefact ([Reassemble]); for other entries, and
// chunks of incomplete artefacts, it returns false. An error means the
// artefact the entry belongs to is malformed ([*ChunkError]); its chunks
// are dropped.
func (a *Assembler) Add(e Entry) (artefact Message, complete bool, err error) {
	if a.pending == nil {
		a.pending = map[artefactKey]*pendingArtefact{}
		a.done = map[artefactKey]bool{}
	}
	switch e.Kind {
	case KindChunkHeader:
		h, err := ParseChunkHeader(e.Payload)
		if err != nil {
			return Message{}, false, &ChunkError{Problem: ChunkNoHeader, Detail: fmt.Sprintf("entry %d: %v", e.Seq, err)}
		}
		k := artefactKey{e.Poster, h.Hash}
		if a.done[k] || a.pending[k] != nil {
			return Message{}, false, &ChunkError{Problem: ChunkDuplicateArtefact, Hash: h.Hash, Detail: fmt.Sprintf("entry %d", e.Seq)}
		}
		a.pending[k] = &pendingArtefact{header: h, msgs: []Message{e.Message()}, first: e.Seq}
		return Message{}, false, nil
	case KindChunk:
		c, err := ParseChunkData(e.Payload)
		if err != nil {
			return Message{}, false, &ChunkError{Problem: ChunkNotAChunk, Detail: fmt.Sprintf("entry %d: %v", e.Seq, err)}
		}
		k := artefactKey{e.Poster, c.Hash}
		p := a.pending[k]
		if p == nil {
			return Message{}, false, &ChunkError{Problem: ChunkNoHeader, Hash: c.Hash, Detail: fmt.Sprintf("chunk %d at entry %d (no header from its poster %v)", c.Index, e.Seq, e.Poster)}
		}
		p.msgs = append(p.msgs, e.Message())
		if len(p.msgs)-1 < int(p.header.Count) {
			return Message{}, false, nil
		}
		delete(a.pending, k)
		a.done[k] = true
		m, err := Reassemble(p.msgs)
		return m, err == nil, err
	}
	return Message{}, false, nil
}

// Close reports the first artefact (by its header's position) whose chunks
// are not all there, as a [*ChunkError] with problem [ChunkMissing] or the
// problem [Reassemble] finds; nil if every announced artefact was complete.
func (a *Assembler) Close() error {
	var first *pendingArtefact
	for _, p := range a.pending {
		if first == nil || p.first < first.first {
			first = p
		}
	}
	if first == nil {
		return nil
	}
	_, err := Reassemble(first.msgs)
	return err
}

// PostedChunks is what a topic's log holds of one poster's chunked
// artefact, found by [FindChunks]: the entries that readers would take as
// its header and chunks (docs/spec/bulletin.md, "Chunking").
type PostedChunks struct {
	// Headers are the sequence numbers of the poster's chunk headers
	// announcing the hash, in log order; a second one is "announced
	// twice" and breaks the artefact.
	Headers []uint64
	// Header is the first of them, decoded; nil if there is none.
	Header *ChunkHeader
	// Chunks are the poster's chunks under the hash after its first
	// header, in log order.
	Chunks []PostedChunk
	// Orphans are the sequence numbers of the poster's chunks under the
	// hash before any header of it: readers reject them (no header).
	Orphans []uint64

	header []byte // the first header's payload
}

// A PostedChunk is one chunk entry of a [PostedChunks].
type PostedChunk struct {
	Index uint32
	Seq   uint64
	Sum   [32]byte // Keccak-256 of the entry's whole payload
}

// FindChunks reads topic's log through r and returns what it holds of
// poster's chunked artefact whose content hash is hash: its headers and
// chunks, by position. Entries that do not parse, other posters' and other
// artefacts' entries are skipped. It keeps no payload, only a digest of
// each chunk, so it reads a log of any length in bounded memory.
func FindChunks(ctx context.Context, r Reader, topic TopicID, poster Address, hash [32]byte) (*PostedChunks, error) {
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("bulletin: finding chunks: %w", err)
	}
	p := &PostedChunks{}
	const page = 2000
	for from := uint64(0); from < count; from += page {
		es, err := r.Entries(ctx, topic, from, min(from+page, count))
		if err != nil {
			return nil, fmt.Errorf("bulletin: finding chunks: %w", err)
		}
		for _, e := range es {
			if e.Poster != poster || !e.Kind.IsChunk() {
				continue
			}
			switch e.Kind {
			case KindChunkHeader:
				h, err := ParseChunkHeader(e.Payload)
				if err != nil || h.Hash != hash {
					continue
				}
				if p.Header == nil {
					p.Header, p.header = h, append([]byte(nil), e.Payload...)
				}
				p.Headers = append(p.Headers, e.Seq)
			case KindChunk:
				c, err := ParseChunkData(e.Payload)
				if err != nil || c.Hash != hash {
					continue
				}
				if p.Header == nil {
					p.Orphans = append(p.Orphans, e.Seq)
					continue
				}
				p.Chunks = append(p.Chunks, PostedChunk{Index: c.Index, Seq: e.Seq, Sum: Keccak256(e.Payload)})
			}
		}
	}
	return p, nil
}

// ErrCannotResume: the log holds a poster's entries of a chunked artefact
// that posting the rest of it cannot complete (see [PostedChunks.Unposted]).
var ErrCannotResume = errors.New("bulletin: cannot resume the chunked artefact")

// Unposted returns the messages of msgs, an artefact split by [Chunk], that
// the log does not hold yet: posting them in order, as the same poster,
// completes the artefact as one uninterrupted post of msgs would have (the
// header is never posted twice, no chunk index twice). It returns all of
// msgs when the log holds nothing of the artefact, and none when it is
// complete. The log must hold the header that msgs[0] is, and then, of its
// chunks, exactly msgs[1:1+n] for some n, in order; anything else -- a
// second header, a header with another chunk size, chunks before the
// header, a chunk out of order, repeated or with other data -- is an error
// wrapping [ErrCannotResume]: the artefact cannot be completed, and the
// poster should post a new one (with a new hash) instead.
func (p *PostedChunks) Unposted(msgs []Message) ([]Message, error) {
	if len(msgs) < 2 || msgs[0].Kind != KindChunkHeader {
		return nil, fmt.Errorf("bulletin: unposted chunks: %d messages are not a chunked artefact", len(msgs))
	}
	h, err := ParseChunkHeader(msgs[0].Payload)
	if err != nil {
		return nil, fmt.Errorf("bulletin: unposted chunks: %w", err)
	}
	if int(h.Count) != len(msgs)-1 {
		return nil, fmt.Errorf("bulletin: unposted chunks: the header announces %d chunks, %d given", h.Count, len(msgs)-1)
	}
	fail := func(format string, args ...any) ([]Message, error) {
		return nil, fmt.Errorf("%w %x: %s", ErrCannotResume, h.Hash[:8], fmt.Sprintf(format, args...))
	}
	switch {
	case p.Header != nil && p.Header.Hash != h.Hash:
		return fail("the log's header is of artefact %x", p.Header.Hash[:8])
	case len(p.Orphans) > 0:
		return fail("%d chunks before its header (the first at entry %d)", len(p.Orphans), p.Orphans[0])
	case p.Header == nil:
		return msgs, nil
	case len(p.Headers) > 1:
		return fail("announced twice (entries %d and %d)", p.Headers[0], p.Headers[1])
	case string(p.header) != string(msgs[0].Payload):
		return fail("the header at entry %d announces %d chunks of %d bytes, not %d of %d", p.Headers[0], p.Header.Count, p.Header.ChunkSize, h.Count, h.ChunkSize)
	case len(p.Chunks) > int(h.Count):
		return fail("%d chunks on the log, %d announced", len(p.Chunks), h.Count)
	}
	for i, c := range p.Chunks {
		switch {
		case c.Index != uint32(i):
			return fail("chunk %d at entry %d where chunk %d belongs", c.Index, c.Seq, i)
		case c.Sum != Keccak256(msgs[1+i].Payload):
			return fail("chunk %d at entry %d holds other data", c.Index, c.Seq)
		}
	}
	return msgs[1+len(p.Chunks):], nil
}

// Complete reports whether the log holds the whole artefact as one
// uninterrupted post would: one header, then every chunk once, in order.
// (The chunks' data are checked by [PostedChunks.Unposted] against the
// artefact, and by readers against the announced hash.)
func (p *PostedChunks) Complete() bool {
	if p.Header == nil || len(p.Headers) != 1 || len(p.Orphans) > 0 || len(p.Chunks) != int(p.Header.Count) {
		return false
	}
	for i, c := range p.Chunks {
		if c.Index != uint32(i) {
			return false
		}
	}
	return true
}

// Last returns the sequence number of the artefact's last chunk on the
// log: where readers place it once it is [PostedChunks.Complete].
func (p *PostedChunks) Last() (uint64, bool) {
	if len(p.Chunks) == 0 {
		return 0, false
	}
	return p.Chunks[len(p.Chunks)-1].Seq, true
}
