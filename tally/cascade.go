package tally

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/crypto/zkp"
)

// A Cascade is the mix net of one election: the mixers, in order, each
// shuffling every list of the tally input once (docs/spec/mixnet.md).
type Cascade struct {
	Fingerprint zkp.Fingerprint
	Key         *elgamal.PublicKey // the election's joint public key
	Mixers      []bulletin.Address // mixer k posts the shuffles at position k
	Workers     int                // goroutines for shuffling and verifying (below 1: all cores)

	// Generators caches the shuffle generators between verifications.
	Generators *shuffle.GeneratorCache
}

func (c *Cascade) params(k int) shuffle.Params {
	return shuffle.Params{
		Fingerprint: c.Fingerprint,
		Position:    uint32(k),
		Mixer:       c.Mixers[k][:],
		Workers:     c.Workers,
		Generators:  c.Generators,
	}
}

// A MixRecord is what the board holds of the mix net of one election, as
// read by [ReadMixRecord]: the tally input lists and, per list, the shuffle
// records in board order with their posters.
type MixRecord struct {
	Inputs   map[string]*TallyInput
	Shuffles map[string][]PostedShuffle
	// Rejected lists the entries that could not be decoded, with the
	// reason; their posters are blamed when their turn comes.
	Rejected []RejectedEntry
}

// A PostedShuffle is a shuffle record with where it is on the board.
type PostedShuffle struct {
	*ShuffleRecord
	Seq    uint64 // the sequence number of its entry (of its last chunk, when chunked)
	Poster bulletin.Address
}

// A RejectedEntry is a tally-input or shuffle entry that failed to decode.
type RejectedEntry struct {
	Seq    uint64
	Kind   bulletin.Kind
	Poster bulletin.Address
	List   string // when it could be read
	Err    error
}

// ReadMixRecord reads the tally-input and shuffle entries of topic,
// reassembling chunked ones, and decodes them. Tally inputs count only if
// posted by the commission. An entry that does not decode is kept in
// Rejected rather than failing the read: the cascade verifier blames its
// poster.
func ReadMixRecord(ctx context.Context, r bulletin.Reader, topic bulletin.TopicID, commission bulletin.Address) (*MixRecord, error) {
	return ReadMixRecordWith(ctx, r, topic, commission, nil)
}

// ReadMixRecordWith is [ReadMixRecord] taking the mix lists that in
// (from [ReadTallyInputs] on the same board) has decoded already instead
// of decoding them again: a list is taken from in only if it is the same
// payload, byte for byte. in may be nil.
func ReadMixRecordWith(ctx context.Context, r bulletin.Reader, topic bulletin.TopicID, commission bulletin.Address, in *TallyInputs) (*MixRecord, error) {
	rec := &MixRecord{Inputs: map[string]*TallyInput{}, Shuffles: map[string][]PostedShuffle{}}
	reject := func(seq uint64, kind bulletin.Kind, poster bulletin.Address, list string, err error) {
		rec.Rejected = append(rec.Rejected, RejectedEntry{Seq: seq, Kind: kind, Poster: poster, List: list, Err: err})
	}
	err := forEachArtefact(ctx, r, topic, func(kind bulletin.Kind, payload []byte, seq uint64, poster bulletin.Address) {
		switch kind {
		case bulletin.KindTallyInput:
			if len(payload) > 0 && InputType(payload[0]) != InputList {
				return // totals and the reconciliation are not the mix net's (aggregate.go)
			}
			if poster != commission {
				reject(seq, kind, poster, ListName(payload), errors.New("a tally input not posted by the commission"))
				return
			}
			l, err := in.decoded(payload)
			if err != nil {
				reject(seq, kind, poster, ListName(payload), err)
				return
			}
			if _, dup := rec.Inputs[l.Name]; dup {
				reject(seq, kind, poster, l.Name, fmt.Errorf("a second tally input for list %s (the first counts)", l.Name))
				return
			}
			rec.Inputs[l.Name] = l
		case bulletin.KindShuffle:
			sh, err := ParseShuffleRecord(payload)
			if err != nil {
				reject(seq, kind, poster, ListName(payload), err)
				return
			}
			rec.Shuffles[sh.List] = append(rec.Shuffles[sh.List], PostedShuffle{ShuffleRecord: sh, Seq: seq, Poster: poster})
		}
	}, func(e bulletin.Entry, err error) {
		reject(e.Seq, e.Kind, e.Poster, "", err)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// A MixError says which mixer broke the cascade of a list, and how. The
// tally of that list stops there.
type MixError struct {
	List     string
	Position int              // the mixer's position, from 0
	Mixer    bulletin.Address // its address
	Seq      uint64           // the entry at fault, if there is one
	Err      error
}

func (e *MixError) Error() string {
	return fmt.Sprintf("tally: list %s: mixer %d (%v), entry %d: %v", e.List, e.Position+1, e.Mixer, e.Seq, e.Err)
}

func (e *MixError) Unwrap() error { return e.Err }

// ErrMissingShuffle: a mixer has not (yet) posted its shuffle of a list.
var ErrMissingShuffle = errors.New("tally: shuffle not posted")

// ErrLinkBroken: a shuffle's input is not the previous output.
var ErrLinkBroken = errors.New("tally: the shuffle's input is not its predecessor's output")

// Verify checks the cascade of one list: for k = 0, 1, ..., mixer k's first
// shuffle of the list (in board order; later ones are ignored) names as its
// input the digest of the previous output (the tally input for k = 0), its
// proof verifies against that output, and it is not lazy (shares no
// ciphertext with its input). It stops at the first mixer at fault or
// missing, returning a *MixError naming it, and otherwise returns the last
// output: the list to decrypt. progress, if not nil, is called after each
// mixer's shuffle is checked.
func (c *Cascade) Verify(rec *MixRecord, list string, progress func(k int)) (*List, error) {
	in, ok := rec.Inputs[list]
	if !ok {
		return nil, fmt.Errorf("tally: no tally input for list %s", list)
	}
	cur := &in.List
	for k := range c.Mixers {
		s, err := c.shuffleOf(rec, list, k)
		if err != nil {
			return nil, err
		}
		if err := c.check(cur, s, k); err != nil {
			return nil, err
		}
		cur = s.OutputList()
		if progress != nil {
			progress(k)
		}
	}
	return cur, nil
}

// shuffleOf returns mixer k's first shuffle record of list, or a MixError
// for a missing one or one whose first entry did not decode (a later entry
// does not repair it: docs/spec/mixnet.md, section 3).
func (c *Cascade) shuffleOf(rec *MixRecord, list string, k int) (*PostedShuffle, error) {
	var first *PostedShuffle
	for i := range rec.Shuffles[list] {
		if s := &rec.Shuffles[list][i]; s.Poster == c.Mixers[k] {
			first = s
			break
		}
	}
	for _, r := range rec.Rejected {
		if r.Kind == bulletin.KindShuffle && r.Poster == c.Mixers[k] && (r.List == list || r.List == "") &&
			(first == nil || r.Seq < first.Seq) {
			return nil, &MixError{List: list, Position: k, Mixer: c.Mixers[k], Seq: r.Seq, Err: r.Err}
		}
	}
	if first != nil {
		return first, nil
	}
	return nil, &MixError{List: list, Position: k, Mixer: c.Mixers[k], Err: ErrMissingShuffle}
}

// check verifies mixer k's shuffle s of the list in.
func (c *Cascade) check(in *List, s *PostedShuffle, k int) error {
	blame := func(err error) error {
		return &MixError{List: in.Name, Position: k, Mixer: c.Mixers[k], Seq: s.Seq, Err: err}
	}
	if s.Position != uint32(k) {
		return blame(fmt.Errorf("the record says position %d", s.Position))
	}
	if s.Input != in.Digest() {
		return blame(ErrLinkBroken)
	}
	if err := shuffle.Verify(c.Key, in.Rows, s.Output, s.Proof, c.params(k)); err != nil {
		return blame(err)
	}
	if err := shuffle.CheckNotLazy(in.Rows, s.Output); err != nil {
		return blame(err)
	}
	return nil
}

// A MixerBoard is what a [Mixer] needs of the board: it reads and follows
// the election's topic, and posts its shuffles.
type MixerBoard interface {
	bulletin.Appender
	bulletin.Reader
	bulletin.Follower
}

// Mixer is one mix server's step of the cascade.
type Mixer struct {
	Cascade
	Position   int
	Board      MixerBoard
	Topic      bulletin.TopicID
	Commission bulletin.Address // who posts the tally input
	Rand       io.Reader        // nil: crypto/rand

	// Pending, if set, is the directory where the mixer keeps its shuffle
	// record while posting it, so that a run stopped halfway is finished
	// by the next one with the same bytes ([Pending]; the record is public
	// data: no permutation or randomness is kept). Empty: a restart
	// shuffles again and posts a new record.
	Pending string
	// ChunkSize is the chunk size of the shuffle record, which is chunked
	// if larger than bulletin.MaxPayload, or than ChunkSize if set (0:
	// bulletin.MaxChunkData).
	ChunkSize int

	// Progress, if set, is told what the mixer is doing.
	Progress func(stage string, done, total int)
}

// Run performs the mixer's step for one list: it waits until its
// predecessor's shuffle is on the board (following the topic), verifies the
// whole cascade up to it, shuffles and proves, and posts its record
// (chunked if large). If its shuffle of the list is already on the board
// (a restart), it does nothing. With Pending set, a run stopped while
// posting a chunked record is finished by the next: it posts the missing
// chunks of the saved record instead of shuffling again, if the list it
// shuffled is still its input ([ResumablePost]). It returns a *MixError if
// a predecessor broke the cascade: an honest mixer does not build on a bad
// shuffle.
func (m *Mixer) Run(ctx context.Context, list string) error {
	k := m.Position
	if k < 0 || k >= len(m.Mixers) {
		return fmt.Errorf("tally: mix position %d of %d mixers", k+1, len(m.Mixers))
	}
	progress := func(stage string, done, total int) {
		if m.Progress != nil {
			m.Progress(stage, done, total)
		}
	}
	var rec *MixRecord
	for {
		// The count first, then the record up to it: an entry posted
		// after the count is waited for below, never missed.
		_, seen, err := m.Board.Head(ctx, m.Topic)
		if err != nil {
			return err
		}
		if rec, err = ReadMixRecord(ctx, readerUntil{m.Board, seen}, m.Topic, m.Commission); err != nil {
			return err
		}
		if _, ok := rec.Inputs[list]; ok {
			if k == 0 {
				break
			}
			if _, err := m.shuffleOf(rec, list, k-1); err == nil {
				break
			} else if me := (*MixError)(nil); errors.As(err, &me) && !errors.Is(err, ErrMissingShuffle) {
				return err
			}
		}
		progress("waiting for "+predecessor(k), 0, 0)
		if err := m.waitForEntry(ctx, seen); err != nil {
			return err
		}
	}
	if s, err := m.shuffleOf(rec, list, k); err == nil {
		progress(fmt.Sprintf("already posted (entry %d)", s.Seq), 1, 1)
		if m.Pending != "" {
			p := m.pending(list)
			return p.Remove() // left by a run stopped once the last chunk was posted
		}
		return nil
	}

	// Verify the cascade so far, then mix.
	prev := &rec.Inputs[list].List
	for j := range k {
		progress("verifying the shuffles before ours", j, k)
		s, err := m.shuffleOf(rec, list, j)
		if err != nil {
			return err
		}
		if err := m.check(prev, s, j); err != nil {
			return err
		}
		prev = s.OutputList()
	}
	rp := &ResumablePost{Board: m.Board, Pending: m.pending(list), ChunkSize: m.ChunkSize, Progress: m.Progress}
	rp.Pending.Key.Input = prev.Digest()
	_, seq, err := rp.Run(ctx, func() ([]byte, error) {
		progress(fmt.Sprintf("shuffling and proving %d rows of width %d", len(prev.Rows), prev.Width()), 0, 1)
		out, proof, err := shuffle.ShuffleAndProve(m.Rand, m.Key, prev.Rows, m.params(k))
		if err != nil {
			return nil, fmt.Errorf("tally: shuffling list %s: %w", list, err)
		}
		rec := &ShuffleRecord{List: list, Position: uint32(k), Input: prev.Digest(), Output: out, Proof: proof}
		return rec.Bytes()
	})
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("posted (entry %d)", seq), 1, 1)
	return nil
}

// pending returns where the mixer keeps its shuffle of list while posting
// it (the key's Input is set by the caller).
func (m *Mixer) pending(list string) Pending {
	return Pending{Dir: m.Pending, Key: PendingKey{Topic: m.Topic, Kind: bulletin.KindShuffle, Name: list,
		Slot: uint32(m.Position), Poster: m.Mixers[m.Position]}}
}

func predecessor(k int) string {
	if k == 0 {
		return "the tally input"
	}
	return fmt.Sprintf("mixer %d", k)
}

// waitForEntry returns once the topic has more than seen entries.
func (m *Mixer) waitForEntry(ctx context.Context, seen uint64) error {
	for _, err := range m.Board.Follow(ctx, m.Topic, seen) {
		return err // the first new entry (or the context's end)
	}
	return ctx.Err()
}

// Lists returns the names of the tally-input lists in rec, sorted.
func (rec *MixRecord) Lists() []string {
	var out []string
	for name := range rec.Inputs {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
