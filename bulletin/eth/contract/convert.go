package contract

import (
	"errors"
	"fmt"
	"math/big"

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
