package contract_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/contract"
)

// rpcError is a JSON-RPC error carrying revert data, as a node returns it.
type rpcError struct{ data any }

func (e rpcError) Error() string  { return "execution reverted" }
func (e rpcError) ErrorData() any { return e.data }

func TestDecodeError(t *testing.T) {
	bb := contract.NewBulletinBoard()
	id := bb.GetABI().Errors["UnknownKind"].ID
	data := append(id[:4:4], make([]byte, 32)...)
	data[35] = 42
	err := contract.DecodeError(rpcError{"0x" + hex.EncodeToString(data)})
	var rev *contract.RevertError
	if !errors.As(err, &rev) || !errors.Is(err, bulletin.ErrUnknownKind) {
		t.Fatalf("DecodeError = %v", err)
	}
	if r, ok := rev.Reason.(*contract.BulletinBoardUnknownKind); !ok || r.Kind != 42 {
		t.Fatalf("reason %#v", rev.Reason)
	}
	for _, in := range []error{nil, errors.New("plain"), rpcError{"0x"}, rpcError{"zz"}, rpcError{7}, rpcError{"0x01020304"}} {
		if got := contract.DecodeError(in); got != in {
			t.Errorf("DecodeError(%v) = %v, want it unchanged", in, got)
		}
	}
}

// Revert data comes from a node: decoding never panics, and either decodes
// to a custom error or returns the error unchanged.
func FuzzDecodeError(f *testing.F) {
	bb := contract.NewBulletinBoard()
	for _, e := range bb.GetABI().Errors {
		f.Add(append(e.ID[:4:4], make([]byte, 96)...))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := rpcError{"0x" + hex.EncodeToString(data)}
		err := contract.DecodeError(in)
		var rev *contract.RevertError
		if err != error(in) && !errors.As(err, &rev) {
			t.Fatalf("DecodeError returned %T", err)
		}
		contract.DecodeError(rpcError{data})
	})
}
