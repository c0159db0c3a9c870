package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/chain"
)

// chainPath is where veche serve serves its embedded chain read-only over
// JSON-RPC.
const chainPath = "/chain"

// serveChain mounts the embedded chain read-only at /chain on mux (a board on
// a node is not served: its clients use a node) and tells the API where the
// board is (GET /api/v1/board): publicRPC if set, else /chain if served.
func (a *app) serveChain(mux *http.ServeMux, server *api.Server, b chain.Board, publicRPC string) error {
	if err := checkPublicRPC(publicRPC); err != nil {
		return err
	}
	rpcURL := publicRPC
	h, err := chain.ServeRPC(b, ethboard.RPCLimits{})
	switch {
	case err == nil:
		mux.Handle(chainPath, server.LimitAddresses(h))
		if rpcURL == "" {
			rpcURL = chainPath
		}
		a.log.Info("serving the embedded chain read-only over JSON-RPC", "path", chainPath)
	case errors.Is(err, chain.ErrNotServed):
		// A node-backed board: clients read it through a node.
	default:
		return fmt.Errorf("serve: %w", err)
	}
	server.SetBoardInfo(api.BoardInfo{
		RPC:        rpcURL,
		Contract:   ethboard.ChecksumAddress(b.Contract()),
		ChainID:    b.ChainID(),
		DeployedAt: b.FromBlock(),
	})
	return nil
}

// checkPublicRPC checks --public-rpc: empty, or a node's absolute http(s) or
// ws(s) URL.
func checkPublicRPC(publicRPC string) error {
	if publicRPC == "" {
		return nil
	}
	u, err := url.Parse(publicRPC)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss") {
		return fmt.Errorf("serve: --public-rpc %q: want an http, https, ws or wss URL of a node", publicRPC)
	}
	return nil
}
