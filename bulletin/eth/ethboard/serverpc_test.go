package ethboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/veche/veche/bulletin"
)

// rpcPost sends body to the endpoint and returns the HTTP status and the
// decoded answer (nil if there was none).
func rpcPost(t *testing.T, url, contentType, body string) (int, any) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if len(strings.TrimSpace(string(raw))) == 0 {
		return resp.StatusCode, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("answer %q is not JSON: %v", raw, err)
	}
	return resp.StatusCode, v
}

// rpcErrorCode returns the error code of a single answer, 0 if it has a
// result.
func rpcErrorCode(t *testing.T, v any) (int, string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("answer %v is not an object", v)
	}
	e, ok := m["error"].(map[string]any)
	if !ok {
		if _, ok := m["result"]; !ok {
			t.Fatalf("answer %v has neither a result nor an error", v)
		}
		return 0, ""
	}
	return int(e["code"].(float64)), e["message"].(string)
}

// The embedded chain served read-only over HTTP: a read-only Remote dials it
// like any node, reads and verifies a topic, locates its entries, and sees
// the contract's revert reasons (an unknown topic) as on the chain itself.
func TestServeRPCReaderReadsAndVerifies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	e, err := OpenEmbedded(ctx, t.TempDir(), Config{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	topic, es := postForLocate(t, e.Board, e.Board, "served read-only")
	srv := httptest.NewServer(e.ServeRPC(RPCLimits{}))
	defer srv.Close()

	r, err := Dial(ctx, srv.URL, e.Contract(), nil, Config{PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.FromBlock() != e.FromBlock() || r.ChainID() != embeddedChainID {
		t.Errorf("over RPC: deployed at %d on chain %d; the chain says %d, %d", r.FromBlock(), r.ChainID(), e.FromBlock(), embeddedChainID)
	}
	head, count, err := r.Head(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Entries(ctx, topic, 0, count)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulletin.VerifyChain(got, head, count); err != nil || len(got) != len(es) {
		t.Fatalf("read over RPC: %d entries, %v", len(got), err)
	}
	for i := range got {
		if string(got[i].Payload) != string(es[i].Payload) || got[i].Head != es[i].Head {
			t.Errorf("entry %d differs over RPC", i)
		}
	}
	client, err := ethclient.Dial(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for _, x := range es {
		loc, err := r.Locate(ctx, topic, x.Seq)
		if err != nil {
			t.Fatal(err)
		}
		mine, _ := e.Locate(ctx, topic, x.Seq)
		if loc != mine {
			t.Errorf("entry %d: located over RPC at %+v, by the poster at %+v", x.Seq, loc, mine)
		}
		checkLocation(t, client, e.Board.contract, x, loc)
	}
	if _, _, err := r.Head(ctx, bulletin.NamedTopic("never created")); !errors.Is(err, bulletin.ErrUnknownTopic) {
		t.Errorf("Head of an unknown topic over RPC: %v, want ErrUnknownTopic (the revert passed on)", err)
	}
	// Following over RPC sees a new entry.
	fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
	defer fcancel()
	if _, err := e.Append(ctx, topic, bulletin.KindDocAnchor, []byte("while following")); err != nil {
		t.Fatal(err)
	}
	for x, err := range r.Follow(fctx, topic, count) {
		if err != nil {
			t.Fatal(err)
		}
		if string(x.Payload) != "while following" {
			t.Fatalf("followed entry %d: %q", x.Seq, x.Payload)
		}
		break
	}
}

// A reader whose log queries span more blocks than the endpoint allows asks
// again for fewer, down to what the endpoint answers, and reads the topic.
func TestServeRPCReaderHalvesRefusedRanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	e, err := OpenEmbedded(ctx, t.TempDir(), Config{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	topic, es := postForLocate(t, e.Board, e.Board, "narrow ranges")
	srv := httptest.NewServer(e.ServeRPC(RPCLimits{MaxLogBlocks: 3}))
	defer srv.Close()
	r, err := Dial(ctx, srv.URL, e.Contract(), nil, Config{PollInterval: 5 * time.Millisecond, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Entries(ctx, topic, 1, 5)
	if err != nil || len(got) != 4 || string(got[3].Payload) != string(es[4].Payload) {
		t.Fatalf("read through 3-block ranges: %d entries, %v", len(got), err)
	}
	if _, err := r.Locate(ctx, topic, 4); err != nil {
		t.Fatal(err)
	}
}

// Everything but reading is refused, with a JSON-RPC error that names the
// rule; requests out of bounds are refused before they reach the chain.
func TestServeRPCRefuses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	e, err := OpenEmbedded(ctx, t.TempDir(), Config{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(e.ServeRPC(RPCLimits{MaxBody: 4096, MaxBatch: 4, MaxLogBlocks: 10}))
	defer srv.Close()
	contract := e.Board.contract.Hex()

	// A signed transaction, valid for the chain: refused all the same.
	tx, err := types.SignNewTx(e.Board.key, e.Board.signer, &types.DynamicFeeTx{ChainID: e.Board.chainID, Nonce: 1 << 20, Gas: 21000})
	if err != nil {
		t.Fatal(err)
	}
	rawTx, _ := tx.MarshalBinary()
	client, err := ethclient.Dial(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.SendTransaction(ctx, tx); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("eth_sendRawTransaction through ethclient: %v, want a read-only refusal", err)
	}
	for range 12 {
		e.Mine() // a chain longer than the log range limit
	}
	before, _ := e.Client().BlockNumber(ctx)
	if before < 11 {
		t.Fatalf("the chain has %d blocks after mining 12", before+1)
	}

	call := func(method, params string) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":%q,"params":%s}`, method, params)
	}
	for _, c := range []struct {
		name, body string
		code       int
		says       string
	}{
		{"sending a raw transaction", call("eth_sendRawTransaction", fmt.Sprintf(`["0x%x"]`, rawTx)), codeNoMethod, "read-only"},
		{"sending a transaction from an account", call("eth_sendTransaction", `[{}]`), codeNoMethod, "read-only"},
		{"debug namespace", call("debug_traceBlockByNumber", `["latest"]`), codeNoMethod, "read-only"},
		{"admin namespace", call("admin_nodeInfo", `[]`), codeNoMethod, "read-only"},
		{"filters", call("eth_newFilter", `[{}]`), codeNoMethod, "read-only"},
		{"txpool", call("txpool_content", `[]`), codeNoMethod, "read-only"},
		{"full transactions in a block", call("eth_getBlockByNumber", `["latest", true]`), codeInvalidParams, "pass false"},
		{"a call to another address", call("eth_call", `[{"to":"0x0000000000000000000000000000000000000001","data":"0x"}, "latest"]`), codeInvalidParams, "board contract"},
		{"a call creating a contract", call("eth_call", `[{"data":"0x6000"}, "latest"]`), codeInvalidParams, "board contract"},
		{"a call with state overrides", call("eth_call", fmt.Sprintf(`[{"to":%q}, "latest", {}]`, contract)), codeInvalidParams, "parameters"},
		{"logs of another address", call("eth_getLogs", `[{"address":"0x0000000000000000000000000000000000000001","fromBlock":"0x0","toBlock":"0x1"}]`), codeInvalidParams, "board contract"},
		{"logs of any address", call("eth_getLogs", `[{"fromBlock":"0x0","toBlock":"0x1"}]`), codeInvalidParams, "board contract"},
		{"logs over too many blocks", call("eth_getLogs", fmt.Sprintf(`[{"address":%q,"fromBlock":"0x0","toBlock":"0xa"}]`, contract)), errLimitExceeded, "at most 10"},
		{"logs from the start to the head", call("eth_getLogs", fmt.Sprintf(`[{"address":%q,"fromBlock":"earliest","toBlock":"latest"}]`, contract)), errLimitExceeded, "at most 10"},
		{"a backwards range", call("eth_getLogs", fmt.Sprintf(`[{"address":%q,"fromBlock":"0x5","toBlock":"0x1"}]`, contract)), codeInvalidParams, "after"},
		{"a malformed block number", call("eth_getLogs", fmt.Sprintf(`[{"address":%q,"fromBlock":"12","toBlock":"0x1"}]`, contract)), codeInvalidParams, "block number"},
		{"params not an array", call("eth_blockNumber", `{"a":1}`), codeInvalidParams, "array"},
		{"too many params", call("eth_chainId", `[1]`), codeInvalidParams, "parameters"},
		{"not JSON-RPC 2.0", `{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}`, codeInvalidRequest, "2.0"},
		{"an object as id", `{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}`, codeInvalidRequest, "id"},
		{"not JSON", `{"jsonrpc":`, codeParse, "parse"},
		{"an empty batch", `[]`, codeInvalidRequest, "empty"},
		{"a batch over the limit", "[" + strings.Repeat(call("eth_chainId", "[]")+",", 4) + call("eth_chainId", "[]") + "]", codeInvalidRequest, "at most 4"},
	} {
		status, v := rpcPost(t, srv.URL, "application/json", c.body)
		if status != http.StatusOK {
			t.Errorf("%s: HTTP %d", c.name, status)
			continue
		}
		code, msg := rpcErrorCode(t, v)
		if code != c.code || !strings.Contains(msg, c.says) {
			t.Errorf("%s: error %d %q, want %d mentioning %q", c.name, code, msg, c.code, c.says)
		}
	}
	if after, _ := e.Client().BlockNumber(ctx); after != before {
		t.Errorf("the chain grew from block %d to %d while only refusals were served", before, after)
	}

	// HTTP-level bounds.
	if status, _ := rpcPost(t, srv.URL, "application/json", call("eth_chainId", `["`+strings.Repeat("x", 5000)+`"]`)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: HTTP %d, want 413", status)
	}
	if status, _ := rpcPost(t, srv.URL, "text/plain", call("eth_chainId", `[]`)); status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: HTTP %d, want 415", status)
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: HTTP %d, want 405", resp.StatusCode)
	}

	// What is allowed answers, in a batch, in order; a notification gets
	// no answer.
	status, v := rpcPost(t, srv.URL, "application/json", "["+
		call("eth_chainId", "[]")+","+
		`{"jsonrpc":"2.0","method":"eth_blockNumber"},`+
		`{"jsonrpc":"2.0","id":"b","method":"net_version"},`+
		fmt.Sprintf(`{"jsonrpc":"2.0","id":null,"method":"eth_getLogs","params":[{"address":[%q],"fromBlock":"latest"}]}`, contract)+"]")
	answers, ok := v.([]any)
	if status != http.StatusOK || !ok || len(answers) != 3 {
		t.Fatalf("batch: HTTP %d, %v", status, v)
	}
	for i, want := range []string{`7`, `"b"`, `null`} {
		a := answers[i].(map[string]any)
		id, _ := json.Marshal(a["id"])
		if code, msg := rpcErrorCode(t, a); code != 0 || string(id) != want {
			t.Errorf("batch answer %d: id %s, error %d %s; want id %s and a result", i, id, code, msg, want)
		}
	}
	if a := answers[0].(map[string]any); a["result"] != "0x539" {
		t.Errorf("eth_chainId: %v, want 0x539 (1337)", a["result"])
	}
	if status, v := rpcPost(t, srv.URL, "application/json", `{"jsonrpc":"2.0","method":"eth_chainId"}`); status != http.StatusOK || v != nil {
		t.Errorf("a notification: HTTP %d, %v; want no answer", status, v)
	}
}

// The logs' fast encoding is byte for byte go-ethereum's (encoding/json
// over types.Log.MarshalJSON), for logs with and without topics and data.
func TestLogsJSONIsGoEthereums(t *testing.T) {
	logs := []*types.Log{{}, {
		Address: common.Address{0xab, 19: 0x01}, Topics: []common.Hash{{1}, {0xff, 31: 0x10}},
		Data: []byte("payload\x00\xff"), BlockNumber: 1 << 40, TxHash: common.Hash{7}, TxIndex: 3,
		BlockHash: common.Hash{9}, BlockTimestamp: 1_800_000_000, Index: 12, Removed: true,
	}, {Topics: []common.Hash{}, Data: []byte{}}}
	for n := range len(logs) + 1 {
		want, err := json.Marshal(logs[:n])
		if err != nil {
			t.Fatal(err)
		}
		if got := appendLogsJSON(nil, logs[:n]); string(got) != string(want) {
			t.Errorf("%d logs:\n got %s\nwant %s", n, got, want)
		}
	}
}
