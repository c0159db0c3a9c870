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
	return fmt.Sprintf("contract: BulletinBoard reverted: %T%+v", e.Reason, e.Reason)
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
