package bulletin

import (
	"encoding/binary"
	"fmt"
	"hash"
	"runtime"
	"sync"

	"golang.org/x/crypto/sha3"
)

// HashInputSize is the length of the hash chain's input for one entry:
// previous head (32), topic (32), sequence number (8), kind (2) and payload
// hash (32).
const HashInputSize = 32 + 32 + 8 + 2 + 32

// Keccak256 returns the Keccak-256 digest of data (the original Keccak
// padding, as Ethereum uses, not SHA3-256).
func Keccak256(data ...[]byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// HashInput appends to dst the bytes that [NextHead] hashes:
//
//	prev || topic || u64be(seq) || u16be(kind) || keccak256(payload)
func HashInput(dst []byte, prev [32]byte, topic TopicID, seq uint64, kind Kind, payload []byte) []byte {
	ph := Keccak256(payload)
	dst = append(dst, prev[:]...)
	dst = append(dst, topic[:]...)
	dst = binary.BigEndian.AppendUint64(dst, seq)
	dst = binary.BigEndian.AppendUint16(dst, uint16(kind))
	return append(dst, ph[:]...)
}

// NextHead returns the hash chain's head after the entry (seq, kind,
// payload) of topic, given the head prev before it:
//
//	head = keccak256(prev || topic || u64be(seq) || u16be(kind) || keccak256(payload))
//
// The head before the first entry (seq 0) is 32 zero bytes. This is the
// computation of BulletinBoard.sol (docs/spec/bulletin.md, "Hash chain").
func NextHead(prev [32]byte, topic TopicID, seq uint64, kind Kind, payload []byte) [32]byte {
	var buf [HashInputSize]byte
	return Keccak256(HashInput(buf[:0], prev, topic, seq, kind, payload))
}

// A Chain recomputes a topic's hash chain entry by entry, as a reader
// receives them, and checks each entry's sequence number and head. Make one
// with [NewChain] or [ResumeChain].
type Chain struct {
	topic TopicID
	head  [32]byte
	count uint64

	h   hash.Hash
	buf [HashInputSize]byte
}

// NewChain returns a chain for topic before its first entry.
func NewChain(topic TopicID) *Chain {
	return &Chain{topic: topic, h: sha3.NewLegacyKeccak256()}
}

// ResumeChain returns a chain for topic after count entries whose head is
// head, for a reader that trusts an earlier check and continues from there.
func ResumeChain(topic TopicID, head [32]byte, count uint64) *Chain {
	c := NewChain(topic)
	c.head, c.count = head, count
	return c
}

// Head returns the head after the entries added so far.
func (c *Chain) Head() [32]byte { return c.head }

// Count returns the number of entries added so far (the next expected
// sequence number).
func (c *Chain) Count() uint64 { return c.count }

// Add checks that e is the chain's next entry (its topic, its sequence
// number, and its head recomputed from the previous head and its contents)
// and advances the chain. A wrong sequence number fails with [ErrGap], a
// wrong topic or head with [ErrBrokenChain]; the chain is then unchanged.
func (c *Chain) Add(e Entry) error {
	if c.h == nil {
		c.h = sha3.NewLegacyKeccak256()
	}
	// Hash with the chain's own state to avoid an allocation per entry.
	c.h.Reset()
	c.h.Write(e.Payload)
	var ph [32]byte
	c.h.Sum(ph[:0])
	return c.add(e, ph)
}

// AddAll adds the entries es in order, as [Chain.Add] would one by one,
// hashing their payloads on all cores first. It returns the number added
// and the error of the first entry that does not follow (the chain is then
// after the entries before it).
func (c *Chain) AddAll(es []Entry) (int, error) {
	hashes := make([][32]byte, len(es))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			h := sha3.NewLegacyKeccak256()
			for i := w; i < len(es); i += workers {
				h.Reset()
				h.Write(es[i].Payload)
				h.Sum(hashes[i][:0])
			}
		})
	}
	wg.Wait()
	if c.h == nil {
		c.h = sha3.NewLegacyKeccak256()
	}
	for i, e := range es {
		if err := c.add(e, hashes[i]); err != nil {
			return i, err
		}
	}
	return len(es), nil
}

// add is Add given the payload's hash ph.
func (c *Chain) add(e Entry, ph [32]byte) error {
	if e.Topic != c.topic {
		return fmt.Errorf("%w: entry %d belongs to topic %v, not %v", ErrBrokenChain, e.Seq, e.Topic, c.topic)
	}
	switch {
	case e.Seq > c.count:
		return fmt.Errorf("%w: expected entry %d, got %d (%d missing)", ErrGap, c.count, e.Seq, e.Seq-c.count)
	case e.Seq < c.count:
		return fmt.Errorf("%w: expected entry %d, got %d again or out of order", ErrGap, c.count, e.Seq)
	}
	in := c.buf[:0]
	in = append(in, c.head[:]...)
	in = append(in, c.topic[:]...)
	in = binary.BigEndian.AppendUint64(in, e.Seq)
	in = binary.BigEndian.AppendUint16(in, uint16(e.Kind))
	in = append(in, ph[:]...)
	c.h.Reset()
	c.h.Write(in)
	var head [32]byte
	c.h.Sum(head[:0])
	if head != e.Head {
		return fmt.Errorf("%w: entry %d (%v) has head %x, its contents give %x", ErrBrokenChain, e.Seq, e.Kind, e.Head, head)
	}
	c.head = head
	c.count++
	return nil
}

// Check compares the chain's state with the head and count a board stores.
// Fewer entries than wantCount fail with [ErrGap] (the log was truncated),
// a different head with [ErrBrokenChain].
func (c *Chain) Check(wantHead [32]byte, wantCount uint64) error {
	switch {
	case c.count < wantCount:
		return fmt.Errorf("%w: %d entries, the board counts %d", ErrGap, c.count, wantCount)
	case c.count > wantCount:
		return fmt.Errorf("%w: %d entries, the board counts only %d", ErrGap, c.count, wantCount)
	case c.head != wantHead:
		return fmt.Errorf("%w: head %x after %d entries, the board stores %x", ErrBrokenChain, c.head, c.count, wantHead)
	}
	return nil
}

// VerifyChain checks offline that entries are a topic's complete log from
// sequence number 0, consistent with the head and count the board stores:
// every entry's sequence number follows the previous one (a gap, a repeat or
// a reordering fails with [ErrGap]), every entry's head is recomputed from
// its predecessor and its contents (an altered payload, kind or topic fails
// with [ErrBrokenChain]), and the final head and count are wantHead and
// wantCount. The topic is the first entry's; an empty log has count 0 and a
// zero head.
func VerifyChain(entries []Entry, wantHead [32]byte, wantCount uint64) error {
	var topic TopicID
	if len(entries) > 0 {
		topic = entries[0].Topic
	}
	c := NewChain(topic)
	for _, e := range entries {
		if err := c.Add(e); err != nil {
			return err
		}
	}
	return c.Check(wantHead, wantCount)
}
