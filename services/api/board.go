package api

import (
	"net/http"
)

// A BoardInfo tells clients where the bulletin board is, so that they read
// and check it themselves (GET /api/v1/board): the SDK fetches manifests,
// keys and ballot entries from the chain, never taking the API's word.
type BoardInfo struct {
	// RPC is a JSON-RPC endpoint clients may read the chain through:
	// "/chain" (this server's read-only view of its embedded chain, a path
	// on the same origin) or a public node's URL. Empty: none is
	// advertised; clients bring their own node.
	RPC string
	// Contract is the board contract's address, 0x-prefixed hex (EIP-55).
	Contract string
	// ChainID is the chain's id; DeployedAt the block the contract was
	// deployed in, where a reader starts searching for its events.
	ChainID    uint64
	DeployedAt uint64
}

type boardResponse struct {
	RPC        string `json:"rpc,omitempty"`
	Contract   string `json:"contract"`
	ChainID    uint64 `json:"chain_id"`
	DeployedAt uint64 `json:"deployed_at"`
}

// SetBoardInfo makes GET /api/v1/board answer with info. Until it is
// called the route answers 404: the server's board is not on a chain (an
// in-memory board in tests).
func (s *Server) SetBoardInfo(info BoardInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.where = &info
}

// board serves GET /api/v1/board.
func (s *Server) board(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	info := s.where
	s.mu.Unlock()
	if info == nil {
		problem(w, http.StatusNotFound, "no-chain", "This server's bulletin board is not on a chain", "")
		return
	}
	writeJSON(w, boardResponse{RPC: info.RPC, Contract: info.Contract, ChainID: info.ChainID, DeployedAt: info.DeployedAt})
}
