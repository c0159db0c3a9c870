package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/voting"
)

// veche serve on the embedded chain serves it read-only at /chain and says
// so at /api/v1/board. While serve holds the chain, `veche --rpc .../chain
// --contract ADDR board tail` and `board verify` read and verify the
// election's topic through it; a ballot's status gains the block and the
// transaction that posted its batch, which a client confirms through /chain
// (the receipt is in that block and holds the batch's Posted event); and
// sending a transaction through /chain is refused.
func TestServeExposesTheChainReadOnly(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	e, _ := chainElection(t, data, referendum{id: "chain-test", title: "{en: Chain test}", threshold: 1}, 1,
		electiontest.Options{Voters: 2, Stage: electiontest.Opened})
	m := e.Manifest

	ctx := context.Background()
	api, stop := startServer(t, "serving the voter API", 2, "--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0",
		"--box", "chain-test", "--rate-per-address", "0", "--rate-per-credential", "0")
	origin := strings.TrimSuffix(api, "/api/v1")

	// Where the board is.
	var where struct {
		RPC        string `json:"rpc"`
		Contract   string `json:"contract"`
		ChainID    uint64 `json:"chain_id"`
		DeployedAt uint64 `json:"deployed_at"`
	}
	getJSON(t, api+"/board", &where)
	if where.RPC != "/chain" || where.ChainID != 1337 || !strings.HasPrefix(where.Contract, "0x") {
		t.Fatalf("GET /board: %+v", where)
	}
	rpcURL := origin + where.RPC
	client, err := ethclient.Dial(rpcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if code, err := client.CodeAt(ctx, common.HexToAddress(where.Contract), nil); err != nil || len(code) == 0 {
		t.Fatalf("no contract code at the advertised %s through /chain: %v", where.Contract, err)
	}

	// Cast; wait until the status has the entry's location.
	ballot, _ := e.BallotWith(nil, 0, voting.Selections{"q": {Options: []string{"yes"}}})
	castOverHTTP(t, api, "chain-test", ballot)
	var st struct {
		Posted      bool    `json:"posted"`
		Seq         *uint64 `json:"seq"`
		Block       *uint64 `json:"block"`
		BlockHash   string  `json:"block_hash"`
		Transaction string  `json:"transaction"`
	}
	electiontest.WaitJSON(t, nil, api+"/elections/chain-test/ballots/"+ballot.TrackingCode().String(), "the ballot's location",
		&st, func() bool { return st.Posted && st.Block != nil })
	r, err := client.TransactionReceipt(ctx, common.HexToHash(st.Transaction))
	if err != nil {
		t.Fatalf("the receipt of the status's transaction %s through /chain: %v", st.Transaction, err)
	}
	if r.BlockNumber.Uint64() != *st.Block || r.BlockHash.Hex() != st.BlockHash {
		t.Fatalf("status says block %d %s, the receipt %v %s", *st.Block, st.BlockHash, r.BlockNumber, r.BlockHash.Hex())
	}
	if h, err := client.HeaderByNumber(ctx, new(big.Int).SetUint64(*st.Block)); err != nil || h.Hash().Hex() != st.BlockHash {
		t.Fatalf("block %d is not the canonical one of the status (%v)", *st.Block, err)
	}
	topic := m.Topic()
	found := false
	for _, l := range r.Logs {
		if l.Address == common.HexToAddress(where.Contract) && len(l.Topics) == 4 && l.Topics[1] == common.Hash(topic) &&
			new(big.Int).SetBytes(l.Topics[2][:]).Uint64() == *st.Seq {
			found = true
		}
	}
	if !found {
		t.Fatalf("the transaction %s has no Posted event for entry %d", st.Transaction, *st.Seq)
	}

	// The CLI reads and verifies the topic through /chain while serve runs.
	topicHex := hex.EncodeToString(topic[:])
	reader := []string{"--data", filepath.Join(dir, "elsewhere"), "--rpc", rpcURL, "--contract", where.Contract, "--poll-interval", "5ms", "board"}
	tail := mustRun(t, append(reader, "tail", topicHex, "--from", "0", "--json")...)
	lines := strings.Split(strings.TrimSpace(tail), "\n")
	if len(lines) != int(*st.Seq)+1 || !strings.Contains(lines[*st.Seq], "ballot-batch") {
		t.Fatalf("board tail over /chain: %d entries, want %d ending with the ballot batch:\n%s", len(lines), *st.Seq+1, tail)
	}
	mustRun(t, append(reader, "verify", topicHex)...)
	mustFail(t, "read-only", append(reader, "post", topicHex, "doc-anchor", "--string", "x")...)

	// Sending a transaction through /chain is refused.
	req := `{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x02"]}`
	resp, err := http.Post(rpcURL, "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	var refusal struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&refusal)
	resp.Body.Close()
	if refusal.Error.Code != -32601 || !strings.Contains(refusal.Error.Message, "read-only") {
		t.Fatalf("eth_sendRawTransaction through /chain: %+v", refusal)
	}

	stop()
}

// --public-rpc is advertised at /api/v1/board instead of /chain; a URL that
// is not one is refused before serving.
func TestServePublicRPC(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	mustFail(t, "--public-rpc", "--data", data, "serve", "--listen", "127.0.0.1:0", "--public-rpc", "node.example.org")

	api, _ := startServer(t, "serving the voter API", 1, "--data", data, "serve", "--listen", "127.0.0.1:0", "--public-rpc", "https://node.example.org/rpc")
	var where struct {
		RPC string `json:"rpc"`
	}
	getJSON(t, api+"/board", &where)
	if where.RPC != "https://node.example.org/rpc" {
		t.Fatalf("GET /board advertises %q, want the public node", where.RPC)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
