package bulletin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
)

// MaxPayload is the largest payload of one entry, in bytes (120 KiB). A
// transaction is capped at 128 KiB by Ethereum transaction pools; the rest is
// left for the call encoding and the transaction envelope. BulletinBoard.sol
// enforces the same limit (MAX_PAYLOAD).
const MaxPayload = 120 << 10

// Errors reported by every implementation, wrapped with details; test with
// [errors.Is].
var (
	// ErrUnauthorized: the caller may not post this kind to this topic, or
	// is not the topic's owner.
	ErrUnauthorized = errors.New("bulletin: not authorised")
	// ErrUnknownTopic: no topic has this id.
	ErrUnknownTopic = errors.New("bulletin: unknown topic")
	// ErrTopicExists: a topic with this id was already created.
	ErrTopicExists = errors.New("bulletin: topic already exists")
	// ErrWrongPhase: the topic's phase does not allow this kind, or a phase
	// entry does not name the next phase.
	ErrWrongPhase = errors.New("bulletin: wrong phase")
	// ErrTooLarge: a payload is over MaxPayload.
	ErrTooLarge = errors.New("bulletin: payload too large")
	// ErrUnknownKind: the kind number is not defined.
	ErrUnknownKind = errors.New("bulletin: unknown kind")
	// ErrMalformed: a payload the board or a reader interprets (phase
	// change, chunk header, chunk) is not well formed.
	ErrMalformed = errors.New("bulletin: malformed payload")
	// ErrGap: entries are missing, repeated or out of order: their sequence
	// numbers are not consecutive, or there are fewer or more than the
	// board's count.
	ErrGap = errors.New("bulletin: gap in sequence")
	// ErrBrokenChain: an entry's head, or the final head, is not the one the
	// hash chain gives: a payload, kind, sequence number or topic was altered.
	ErrBrokenChain = errors.New("bulletin: hash chain mismatch")
	// ErrNoEntry: the topic has no (final) entry with this sequence number
	// yet ([Locator]).
	ErrNoEntry = errors.New("bulletin: no such entry")
)

// A TopicID names a topic: one election, poll, document registry or stall
// market. It is chosen by whoever creates the topic.
type TopicID [32]byte

// String returns the id in hex.
func (t TopicID) String() string { return hex.EncodeToString(t[:]) }

// An Address identifies a poster or a topic owner: an Ethereum account
// address on the contract, an arbitrary 20-byte name on the in-memory board.
type Address [20]byte

// String returns the address as 0x-prefixed lowercase hex.
func (a Address) String() string { return "0x" + hex.EncodeToString(a[:]) }

// A Message is an entry before it is posted: a kind and a payload.
type Message struct {
	Kind    Kind
	Payload []byte
}

// An Entry is one record of a topic's append-only log.
type Entry struct {
	Topic   TopicID
	Seq     uint64 // position in the topic's log, from 0
	Kind    Kind
	Payload []byte
	// Head is the hash chain's value after this entry ([NextHead]).
	Head [32]byte

	// Poster is the account that posted the entry. It is reported by the
	// board (the contract's Posted event) but not covered by the hash chain.
	Poster Address
}

// Message returns the entry's kind and payload.
func (e Entry) Message() Message { return Message{Kind: e.Kind, Payload: e.Payload} }

// String summarises the entry for logs: topic prefix, sequence number, kind
// and payload size.
func (e Entry) String() string {
	return fmt.Sprintf("%x#%d %v (%d bytes)", e.Topic[:4], e.Seq, e.Kind, len(e.Payload))
}

// An Appender posts entries to topics.
type Appender interface {
	// Append posts one entry and returns its sequence number once the entry
	// is final (how final is the implementation's configuration).
	Append(ctx context.Context, topic TopicID, kind Kind, payload []byte) (seq uint64, err error)

	// AppendBatch posts msgs in order and returns their sequence numbers
	// once final. Every message is checked first: if one is refused,
	// nothing is posted. An implementation may spread a large batch over
	// several transactions, so other posters' entries may fall between its
	// parts; the order of msgs is kept. An empty batch posts nothing.
	AppendBatch(ctx context.Context, topic TopicID, msgs []Message) (seqs []uint64, err error)
}

// A Reader reads a topic's log and its current head.
type Reader interface {
	// Entries returns the entries with from <= seq < to, in order, stopping
	// at the end of the log. It fails if from > to.
	Entries(ctx context.Context, topic TopicID, from, to uint64) ([]Entry, error)

	// Head returns the topic's current hash-chain head and entry count, as
	// the board stores them.
	Head(ctx context.Context, topic TopicID) (head [32]byte, count uint64, err error)
}

// A Follower streams a topic's entries as they become final.
type Follower interface {
	// Follow yields the entries of topic from sequence number from onward,
	// in order and without gaps, waiting for new ones, until ctx is done
	// (then it yields ctx's error) or the loop stops. An error ends the
	// sequence.
	Follow(ctx context.Context, topic TopicID, from uint64) iter.Seq2[Entry, error]
}

// An Admin creates topics and manages who may post to them.
type Admin interface {
	// CreateTopic creates a topic owned by the caller, in phase initial:
	// PhaseSetup for an election topic, PhaseService for a service topic.
	CreateTopic(ctx context.Context, topic TopicID, initial Phase) error

	// SetPoster sets the kinds that poster may post to topic (replacing
	// any earlier set; the empty set revokes). Only the owner may call it.
	// The kinds are effective kinds: a poster of shuffles may post chunks
	// carrying shuffles.
	SetPoster(ctx context.Context, topic TopicID, poster Address, kinds KindSet) error
}

// A Location is where an entry is on the chain that holds the board: the
// block holding the transaction that posted it, and that transaction. On the
// contract (docs/spec/bulletin.md, "Where an entry is") the entry's Posted
// event is in the receipt of transaction Tx, which is in block number Block
// whose hash is BlockHash.
type Location struct {
	Block     uint64   // the number of the block
	BlockHash [32]byte // the hash of the block
	Tx        [32]byte // the hash of the transaction that posted the entry
}

// A Locator tells where a board's entries are on its chain. It is optional:
// a board without blocks (bulletin/memboard) does not implement it.
type Locator interface {
	// Locate returns the location of entry seq of topic, which must be
	// final (as the implementation's configuration counts blocks). It
	// fails with [ErrUnknownTopic] if there is no such topic and with
	// [ErrNoEntry] if the topic has no final entry seq.
	Locate(ctx context.Context, topic TopicID, seq uint64) (Location, error)
}

// topicNameDomain prefixes a topic name in [NamedTopic].
const topicNameDomain = "veche/topic-name/v1\x00"

// NamedTopic returns the topic id of a human-readable name, as the command
// line and the explorer use them: keccak256("veche/topic-name/v1" || 0x00 ||
// name) over the name's UTF-8 bytes (docs/spec/bulletin.md, "Topic
// names"). The name is taken as it is: "Moscow-2026" and "moscow-2026" are
// different topics.
func NamedTopic(name string) TopicID {
	return TopicID(Keccak256([]byte(topicNameDomain), []byte(name)))
}

// ParseTopic reads a topic given on the command line: 64 hexadecimal digits
// (with or without 0x) are the id itself; any other non-empty string is a
// name, hashed by [NamedTopic].
func ParseTopic(s string) (TopicID, error) {
	if s == "" {
		return TopicID{}, errors.New("bulletin: empty topic: give a name or 64 hexadecimal digits")
	}
	h := s
	if len(h) == 66 && (h[:2] == "0x" || h[:2] == "0X") {
		h = h[2:]
	}
	if len(h) == 64 {
		if b, err := hex.DecodeString(h); err == nil {
			return TopicID(b), nil
		}
	}
	if len(s) > 1024 {
		return TopicID{}, fmt.Errorf("bulletin: topic name of %d bytes: at most 1024", len(s))
	}
	return NamedTopic(s), nil
}
