package contract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/veche/veche/bulletin"
)

// KindMask returns s as the contract's uint256 kind mask.
func KindMask(s bulletin.KindSet) *big.Int {
	b := s.Bytes()
	return new(big.Int).SetBytes(b[:])
}

// KindSetFromMask is the inverse of [KindMask]. It fails for a negative
// number or one of more than 256 bits.
func KindSetFromMask(m *big.Int) (bulletin.KindSet, error) {
	if m.Sign() < 0 || m.BitLen() > 256 {
		return bulletin.KindSet{}, fmt.Errorf("contract: kind mask %v is not a uint256", m)
	}
	var b [32]byte
	m.FillBytes(b[:])
	return bulletin.KindSetFromBytes(b), nil
}

// Entry returns the bulletin entry that a Posted event records.
func (ev *BulletinBoardPosted) Entry() bulletin.Entry {
	return bulletin.Entry{
		Topic:   bulletin.TopicID(ev.Topic),
		Seq:     ev.Seq,
		Kind:    bulletin.Kind(ev.Kind),
		Payload: ev.Payload,
		Head:    ev.Head,
		Poster:  bulletin.Address(ev.Poster),
	}
}

// A RevertError is a call or transaction that the contract reverted with
// one of its custom errors. It unwraps to the matching bulletin error
// (ErrUnauthorized for NotAuthorized and NotOwner, and so on), if there is
// one.
type RevertError struct {
	// Reason is the decoded error: *BulletinBoardNotAuthorized,
	// *BulletinBoardWrongPhase, ...
	Reason any
	kind   error
}

func (e *RevertError) Error() string {
	return "contract: BulletinBoard reverted: " + describe(e.Reason)
}

// describe words a decoded custom error for people: topics as the first
// bytes of their id, kinds and phases by name.
func describe(reason any) string {
	topic := func(t [32]byte) string { return fmt.Sprintf("topic %x", t[:4]) }
	switch r := reason.(type) {
	case *BulletinBoardUnknownTopic:
		return "UnknownTopic: no " + topic(r.Topic)
	case *BulletinBoardTopicExists:
		return "TopicExists: " + topic(r.Topic) + " already exists"
	case *BulletinBoardInvalidInitialPhase:
		return fmt.Sprintf("InvalidInitialPhase: a topic cannot start in phase %v", bulletin.Phase(r.Phase))
	case *BulletinBoardNotOwner:
		return fmt.Sprintf("NotOwner: %s is not the owner of %s", r.Caller.Hex(), topic(r.Topic))
	case *BulletinBoardZeroAddress:
		return "ZeroAddress: the zero address cannot own a topic"
	case *BulletinBoardNotAuthorized:
		return fmt.Sprintf("NotAuthorized: %s may not post %v to %s", r.Poster.Hex(), bulletin.Kind(r.Kind), topic(r.Topic))
	case *BulletinBoardWrongPhase:
		return fmt.Sprintf("WrongPhase: %v is not allowed in phase %v of %s", bulletin.Kind(r.Kind), bulletin.Phase(r.Phase), topic(r.Topic))
	case *BulletinBoardBadPhaseTransition:
		return fmt.Sprintf("BadPhaseTransition: %s cannot move from phase %v to %v", topic(r.Topic), bulletin.Phase(r.From), bulletin.Phase(r.To))
	case *BulletinBoardPayloadTooLarge:
		return fmt.Sprintf("PayloadTooLarge: %v bytes, the limit is %v", r.Size, r.Limit)
	case *BulletinBoardUnknownKind:
		return fmt.Sprintf("UnknownKind: kind %d is not defined", r.Kind)
	case *BulletinBoardMalformedPayload:
		return fmt.Sprintf("MalformedPayload: a %v entry's payload is malformed", bulletin.Kind(r.Kind))
	case *BulletinBoardEmptyBatch:
		return "EmptyBatch: a batch needs at least one entry"
	case *BulletinBoardLengthMismatch:
		return fmt.Sprintf("LengthMismatch: %v kinds for %v payloads", r.Kinds, r.Payloads)
	}
	return fmt.Sprintf("%T%+v", reason, reason)
}

func (e *RevertError) Unwrap() error { return e.kind }

// sentinel maps a decoded custom error to a bulletin error.
func sentinel(reason any) error {
	switch reason.(type) {
	case *BulletinBoardNotAuthorized, *BulletinBoardNotOwner:
		return bulletin.ErrUnauthorized
	case *BulletinBoardUnknownTopic:
		return bulletin.ErrUnknownTopic
	case *BulletinBoardTopicExists:
		return bulletin.ErrTopicExists
	case *BulletinBoardWrongPhase, *BulletinBoardBadPhaseTransition, *BulletinBoardInvalidInitialPhase:
		return bulletin.ErrWrongPhase
	case *BulletinBoardPayloadTooLarge:
		return bulletin.ErrTooLarge
	case *BulletinBoardUnknownKind:
		return bulletin.ErrUnknownKind
	case *BulletinBoardMalformedPayload:
		return bulletin.ErrMalformed
	}
	return nil
}

var bindings = NewBulletinBoard()

// DecodeError returns err as a [*RevertError] if it carries the revert data
// of one of the contract's custom errors (as JSON-RPC errors from
// eth_call and eth_estimateGas do), and err unchanged otherwise.
func DecodeError(err error) error {
	var de interface{ ErrorData() any }
	if err == nil || !errors.As(err, &de) {
		return err
	}
	var data []byte
	switch d := de.ErrorData().(type) {
	case string:
		b, derr := hexutil.Decode(d)
		if derr != nil {
			return err
		}
		data = b
	case []byte:
		data = d
	default:
		return err
	}
	if len(data) < 4 {
		return err
	}
	reason, uerr := bindings.UnpackError(data)
	if uerr != nil {
		return err
	}
	return &RevertError{Reason: reason, kind: sentinel(reason)}
}

// postedID is the topic 0 of Posted events.
var postedID = bindings.GetABI().Events["Posted"].ID

// ErrNotPosted: a log that is not a well-formed Posted event of the
// contract (docs/spec/bulletin.md, section 7).
var ErrNotPosted = errors.New("contract: not a well-formed Posted event")

// DecodePosted decodes a Posted event strictly and without reflection:
// topics = [Posted ID, topic, u256(seq), u256(poster)] with seq below 2^64
// and the poster's upper 12 bytes zero; data exactly u256(kind) ||
// u256(0x60) || head || u256(len) || payload || zero padding to 32 bytes,
// with kind below 2^16 and len at most bulletin.MaxPayload. Anything else,
// which the contract never emits but a node could invent, is rejected. The
// payload is copied.
func DecodePosted(topics []common.Hash, data []byte) (bulletin.Entry, error) {
	if len(topics) != 4 || topics[0] != postedID {
		return bulletin.Entry{}, fmt.Errorf("%w: topics", ErrNotPosted)
	}
	zero := func(b []byte) bool {
		for _, x := range b {
			if x != 0 {
				return false
			}
		}
		return true
	}
	if !zero(topics[2][:24]) || !zero(topics[3][:12]) {
		return bulletin.Entry{}, fmt.Errorf("%w: sequence number or poster out of range", ErrNotPosted)
	}
	if len(data) < 128 || !zero(data[:30]) || !zero(data[32:63]) || data[63] != 0x60 || !zero(data[96:120]) {
		return bulletin.Entry{}, fmt.Errorf("%w: data header", ErrNotPosted)
	}
	n := binary.BigEndian.Uint64(data[120:128])
	if n > bulletin.MaxPayload {
		return bulletin.Entry{}, fmt.Errorf("%w: payload of %d bytes", ErrNotPosted, n)
	}
	padded := (n + 31) &^ 31
	if uint64(len(data)) != 128+padded || !zero(data[128+n:]) {
		return bulletin.Entry{}, fmt.Errorf("%w: data length or padding", ErrNotPosted)
	}
	e := bulletin.Entry{
		Topic:   bulletin.TopicID(topics[1]),
		Seq:     binary.BigEndian.Uint64(topics[2][24:]),
		Kind:    bulletin.Kind(binary.BigEndian.Uint16(data[30:32])),
		Payload: bytes.Clone(data[128 : 128+n]),
	}
	copy(e.Head[:], data[64:96])
	copy(e.Poster[:], topics[3][12:])
	if e.Payload == nil {
		e.Payload = []byte{}
	}
	return e, nil
}
