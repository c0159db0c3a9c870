package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/veche/veche/bulletin/memboard"
)

// GET /board says where the board is once the server is told, and is a
// 404 problem on a server whose board is not on a chain; without an RPC
// endpoint to advertise, "rpc" is absent rather than empty.
func TestBoardInfo(t *testing.T) {
	s := New(memboard.New(), nil)
	checkProblem(t, get(t, s, "/api/v1/board"), http.StatusNotFound, "no-chain")

	for _, rpc := range []string{"/chain", "https://node.example.org", ""} {
		s.SetBoardInfo(BoardInfo{RPC: rpc, Contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3", ChainID: 1337, DeployedAt: 2})
		rec := get(t, s, "/api/v1/board")
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("GET /board: %d %s", rec.Code, rec.Body)
		}
		if got["contract"] != "0x5FbDB2315678afecb367f032d93F642f64180aa3" || got["chain_id"] != 1337.0 || got["deployed_at"] != 2.0 {
			t.Errorf("GET /board with rpc %q: %s", rpc, rec.Body)
		}
		if v, ok := got["rpc"]; rpc == "" && ok || rpc != "" && v != rpc {
			t.Errorf("GET /board: rpc %v, want %q (absent if empty)", v, rpc)
		}
	}
}
