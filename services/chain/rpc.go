package chain

import (
	"errors"
	"net/http"

	"github.com/veche/veche/bulletin/eth/ethboard"
)

// ErrNotServed: only the embedded chain is served over JSON-RPC; a board on
// a node is read through that node (or a public one).
var ErrNotServed = errors.New("chain: only the embedded chain is served read-only over JSON-RPC; clients of a node-backed board use a node")

// ServeRPC returns an HTTP handler serving b's embedded chain read-only over
// JSON-RPC ([ethboard.Embedded.ServeRPC]: the methods a reader of the board
// needs, within limits), so that clients read and check the board
// themselves while this process holds the chain. It fails with
// [ErrNotServed] for a board on a node.
func ServeRPC(b Board, limits ethboard.RPCLimits) (http.Handler, error) {
	var e *embedded
	switch x := b.(type) {
	case *embedded:
		e = x
	case *embeddedPoster:
		e = x.embedded
	default:
		return nil, ErrNotServed
	}
	return e.Embedded.ServeRPC(limits), nil
}
