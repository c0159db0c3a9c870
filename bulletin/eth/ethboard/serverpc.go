package ethboard

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/rpc"
)

// RPCLimits bound what one client of [Embedded.ServeRPC] may ask. The zero
// value of a field selects its default.
type RPCLimits struct {
	// MaxBody is the largest request body, in bytes (default 256 KiB).
	MaxBody int64
	// MaxBatch is the most calls in one batch request (default 100).
	MaxBatch int
	// MaxLogBlocks is the most blocks one eth_getLogs query may span
	// (default 100,000: more than a Board's search window of 16 pages of
	// 5,000 blocks).
	MaxLogBlocks uint64
	// MaxResult is the largest result of one call, in bytes (default 32
	// MiB); a log query answering more is refused with "limit exceeded",
	// and a Board asks again for fewer blocks.
	MaxResult int
	// CallTimeout bounds each call (default 30 s).
	CallTimeout time.Duration
	// MaxConcurrent is the most calls run at once; later ones wait
	// (default 8).
	MaxConcurrent int
}

func (l RPCLimits) withDefaults() RPCLimits {
	if l.MaxBody <= 0 {
		l.MaxBody = 256 << 10
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = 100
	}
	if l.MaxLogBlocks == 0 {
		l.MaxLogBlocks = 100_000
	}
	if l.MaxResult <= 0 {
		l.MaxResult = 32 << 20
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = 30 * time.Second
	}
	if l.MaxConcurrent <= 0 {
		l.MaxConcurrent = 8
	}
	return l
}

// JSON-RPC 2.0 error codes (and EIP-1474's limit exceeded).
const (
	codeParse          = -32700
	codeInvalidRequest = -32600
	codeNoMethod       = -32601
	codeInvalidParams  = -32602
	codeInternal       = -32603
	codeServer         = -32000 // a node's error for a call it cannot answer
)

// ReadOnlyMethods are the JSON-RPC methods [Embedded.ServeRPC] answers:
// what a reader of the board needs (a read-only [Dial], a client checking a
// ballot's location). Every other method is refused.
var ReadOnlyMethods = []string{
	"eth_blockNumber", "eth_call", "eth_chainId", "eth_getBlockByHash", "eth_getBlockByNumber",
	"eth_getCode", "eth_getLogs", "eth_getTransactionReceipt", "net_version",
}

// ServeRPC returns an HTTP handler that serves the embedded chain read-only
// over JSON-RPC 2.0 (POST, Content-Type application/json, single or batch
// requests), so that clients can read and check the board themselves while
// this process holds the chain: `veche --rpc http://HOST/chain --contract
// ADDR board tail` and the voter's client SDK. It answers only the methods
// of [ReadOnlyMethods], and those only within bounds:
//
//   - eth_call must call the board contract, with no state overrides;
//   - eth_getLogs must name the board contract as its address and span at
//     most RPCLimits.MaxLogBlocks blocks (block tags are resolved against
//     the current head); a larger range is refused with code -32005
//     (limit exceeded), as is a result over RPCLimits.MaxResult bytes;
//   - eth_getBlockByNumber and eth_getBlockByHash must ask for transaction
//     hashes only (false as the second parameter).
//
// Anything else -- sending transactions, the txpool, debug, admin and
// personal namespaces, filters and subscriptions -- gets a JSON-RPC error
// -32601. A body over RPCLimits.MaxBody is refused with HTTP 413, a batch of
// more than RPCLimits.MaxBatch calls with error -32600.
func (e *Embedded) ServeRPC(limits RPCLimits) http.Handler {
	l := limits.withDefaults()
	return &rpcServer{c: e.client.Client(), fsys: e.fast.fsys, contract: e.Board.contract, l: l, sem: make(chan struct{}, l.MaxConcurrent)}
}

type rpcServer struct {
	c        *rpc.Client
	fsys     *filters.FilterSystem // eth_getLogs straight from the chain
	contract common.Address
	l        RPCLimits
	sem      chan struct{}
}

type rpcRequest struct {
	Version string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

type rpcResponse struct {
	Version string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

func errorf(code int, format string, args ...any) *rpcError {
	return &rpcError{Code: code, Message: fmt.Sprintf(format, args...)}
}

var null = json.RawMessage("null")

func (s *rpcServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeRPC(w, http.StatusMethodNotAllowed, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeInvalidRequest, "JSON-RPC requests are POSTed")})
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeRPC(w, http.StatusUnsupportedMediaType, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeInvalidRequest, "Content-Type must be application/json")})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.l.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeRPC(w, http.StatusRequestEntityTooLarge, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeInvalidRequest, "request body over %d bytes", s.l.MaxBody)})
			return
		}
		writeRPC(w, http.StatusBadRequest, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeParse, "reading the request: %v", err)})
		return
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var calls []json.RawMessage
		if err := json.Unmarshal(body, &calls); err != nil {
			writeRPC(w, http.StatusOK, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeParse, "parse error: %v", err)})
			return
		}
		switch {
		case len(calls) == 0:
			writeRPC(w, http.StatusOK, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeInvalidRequest, "empty batch")})
			return
		case len(calls) > s.l.MaxBatch:
			writeRPC(w, http.StatusOK, rpcResponse{Version: "2.0", ID: null, Error: errorf(codeInvalidRequest, "batch of %d calls: at most %d", len(calls), s.l.MaxBatch)})
			return
		}
		var out []byte
		for _, c := range calls {
			if resp, ok := s.handle(r.Context(), c); ok {
				if out == nil {
					out = append(out, '[')
				} else {
					out = append(out, ',')
				}
				out = resp.appendJSON(out)
			}
		}
		if out == nil {
			w.WriteHeader(http.StatusOK) // only notifications: no answer
			return
		}
		writeRaw(w, append(out, ']', '\n'))
		return
	}
	resp, ok := s.handle(r.Context(), body)
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeRaw(w, append(resp.appendJSON(nil), '\n'))
}

// appendJSON appends the response's encoding. A result is copied as it is:
// it is the chain's own encoding (or ours of its logs), large for logs, and
// re-encoding it through encoding/json would check and compact it again.
func (r rpcResponse) appendJSON(b []byte) []byte {
	if r.Error != nil || r.Result == nil {
		enc, _ := json.Marshal(r)
		return append(b, enc...)
	}
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, r.ID...)
	b = append(b, `,"result":`...)
	b = append(b, r.Result...)
	return append(b, '}')
}

func writeRaw(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func writeRPC(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// handle answers one call; ok is false for a notification (no id), which
// is not run and gets no answer.
func (s *rpcServer) handle(ctx context.Context, raw json.RawMessage) (resp rpcResponse, ok bool) {
	resp = rpcResponse{Version: "2.0", ID: null}
	var req rpcRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			resp.Error = errorf(codeParse, "parse error: %v", err)
		} else {
			resp.Error = errorf(codeInvalidRequest, "invalid request: %v", err)
		}
		return resp, true
	}
	if req.ID == nil {
		return resp, false
	}
	switch t := bytes.TrimSpace(req.ID); {
	case len(t) > 0 && (t[0] == '"' || t[0] == '-' || t[0] >= '0' && t[0] <= '9' || string(t) == "null"):
		resp.ID = req.ID
	default:
		resp.Error = errorf(codeInvalidRequest, "invalid request: id must be a string, a number or null")
		return resp, true
	}
	if req.Version != "2.0" {
		resp.Error = errorf(codeInvalidRequest, `invalid request: jsonrpc must be "2.0"`)
		return resp, true
	}
	params, rerr := s.check(ctx, req.Method, req.Params)
	if rerr != nil {
		resp.Error = rerr
		return resp, true
	}
	resp.Result, resp.Error = s.call(ctx, req.Method, params)
	return resp, true
}

// check validates a call against the read-only rules and returns its
// parameters, rewritten where a bound needs it (eth_getLogs' block range).
func (s *rpcServer) check(ctx context.Context, method string, raw json.RawMessage) ([]any, *rpcError) {
	var ps []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) > 0 && string(t) != "null" {
		if err := json.Unmarshal(t, &ps); err != nil {
			return nil, errorf(codeInvalidParams, "params must be an array")
		}
	}
	arity := func(lo, hi int) *rpcError {
		if len(ps) < lo || len(ps) > hi {
			if lo == hi {
				return errorf(codeInvalidParams, "%s takes %d parameters, not %d", method, lo, len(ps))
			}
			return errorf(codeInvalidParams, "%s takes %d to %d parameters, not %d", method, lo, hi, len(ps))
		}
		return nil
	}
	var err *rpcError
	switch method {
	case "eth_chainId", "eth_blockNumber", "net_version":
		err = arity(0, 0)
	case "eth_getTransactionReceipt":
		err = arity(1, 1)
	case "eth_getCode":
		err = arity(1, 2)
	case "eth_getBlockByNumber", "eth_getBlockByHash":
		if err = arity(2, 2); err == nil && string(bytes.TrimSpace(ps[1])) != "false" {
			err = errorf(codeInvalidParams, "%s: only blocks with transaction hashes are served: pass false", method)
		}
	case "eth_call":
		if err = arity(1, 2); err == nil {
			err = s.checkCall(ps[0])
		}
	case "eth_getLogs":
		if err = arity(1, 1); err == nil {
			var f json.RawMessage
			f, err = s.checkLogs(ctx, ps[0])
			ps[0] = f
		}
	default:
		return nil, errorf(codeNoMethod, "the method %.64q is not available: this endpoint serves the chain read-only (%s)", method, strings.Join(ReadOnlyMethods, ", "))
	}
	if err != nil {
		return nil, err
	}
	args := make([]any, len(ps))
	for i, p := range ps {
		args[i] = p
	}
	return args, nil
}

// checkCall admits an eth_call of the board contract.
func (s *rpcServer) checkCall(raw json.RawMessage) *rpcError {
	var call map[string]json.RawMessage
	if err := json.Unmarshal(raw, &call); err != nil || call == nil {
		return errorf(codeInvalidParams, "eth_call: the call must be an object")
	}
	for k := range call {
		switch k {
		case "from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "data", "input":
		default:
			return errorf(codeInvalidParams, "eth_call: field %.32q is not served", k)
		}
	}
	var to string
	if err := json.Unmarshal(call["to"], &to); err != nil || !s.isContract(to) {
		return errorf(codeInvalidParams, "eth_call: only calls to the board contract %s are served", s.contract.Hex())
	}
	return nil
}

func (s *rpcServer) isContract(a string) bool {
	return common.IsHexAddress(a) && strings.HasPrefix(strings.ToLower(a), "0x") && common.HexToAddress(a) == s.contract
}

// checkLogs admits a log query of the board contract over a bounded block
// range and returns it with the range's block tags resolved to numbers.
func (s *rpcServer) checkLogs(ctx context.Context, raw json.RawMessage) (json.RawMessage, *rpcError) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(raw, &f); err != nil || f == nil {
		return nil, errorf(codeInvalidParams, "eth_getLogs: the filter must be an object")
	}
	for k := range f {
		switch k {
		case "address", "topics", "fromBlock", "toBlock", "blockHash":
		default:
			return nil, errorf(codeInvalidParams, "eth_getLogs: field %.32q is not served", k)
		}
	}
	var one string
	var many []string
	switch {
	case json.Unmarshal(f["address"], &one) == nil && s.isContract(one):
	case json.Unmarshal(f["address"], &many) == nil && len(many) == 1 && s.isContract(many[0]):
	default:
		return nil, errorf(codeInvalidParams, "eth_getLogs: only the logs of the board contract %s are served: give it as the address", s.contract.Hex())
	}
	if t, ok := f["topics"]; ok {
		var topics []json.RawMessage
		if err := json.Unmarshal(t, &topics); err != nil || len(topics) > 4 {
			return nil, errorf(codeInvalidParams, "eth_getLogs: topics must be an array of at most 4")
		}
	}
	if _, ok := f["blockHash"]; ok {
		if _, from := f["fromBlock"]; from {
			return nil, errorf(codeInvalidParams, "eth_getLogs: blockHash excludes fromBlock and toBlock")
		}
		if _, to := f["toBlock"]; to {
			return nil, errorf(codeInvalidParams, "eth_getLogs: blockHash excludes fromBlock and toBlock")
		}
		return raw, nil
	}
	var head *uint64
	resolve := func(key string) (uint64, *rpcError) {
		tag := "latest"
		if v, ok := f[key]; ok && string(bytes.TrimSpace(v)) != "null" {
			if err := json.Unmarshal(v, &tag); err != nil {
				return 0, errorf(codeInvalidParams, "eth_getLogs: %s must be a block number or tag", key)
			}
		}
		switch tag {
		case "earliest":
			return 0, nil
		case "latest", "pending", "safe", "finalized":
			if head == nil {
				var h hexUint
				if rerr := s.callInto(ctx, &h, "eth_blockNumber"); rerr != nil {
					return 0, rerr
				}
				n := uint64(h)
				head = &n
			}
			return *head, nil
		}
		n, ok := parseQuantity(tag)
		if !ok {
			return 0, errorf(codeInvalidParams, "eth_getLogs: %s %.32q is not a block number or tag", key, tag)
		}
		return n, nil
	}
	from, rerr := resolve("fromBlock")
	if rerr != nil {
		return nil, rerr
	}
	to, rerr := resolve("toBlock")
	if rerr != nil {
		return nil, rerr
	}
	if from > to {
		return nil, errorf(codeInvalidParams, "eth_getLogs: fromBlock %d is after toBlock %d", from, to)
	}
	if to-from >= s.l.MaxLogBlocks {
		return nil, errorf(errLimitExceeded, "eth_getLogs: a range of %d blocks: at most %d per query", to-from+1, s.l.MaxLogBlocks)
	}
	f["fromBlock"] = json.RawMessage(strconv.Quote(fmt.Sprintf("0x%x", from)))
	f["toBlock"] = json.RawMessage(strconv.Quote(fmt.Sprintf("0x%x", to)))
	out, err := json.Marshal(f)
	if err != nil {
		return nil, errorf(codeInternal, "internal error")
	}
	return out, nil
}

// parseQuantity parses a JSON-RPC quantity: 0x and hexadecimal digits.
func parseQuantity(s string) (uint64, bool) {
	if len(s) < 3 || len(s) > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return 0, false
	}
	n, err := strconv.ParseUint(s[2:], 16, 64)
	return n, err == nil
}

type hexUint uint64

func (h *hexUint) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n, ok := parseQuantity(s)
	if !ok {
		return fmt.Errorf("ethboard: %q is not a quantity", s)
	}
	*h = hexUint(n)
	return nil
}

// call runs one admitted call on the chain.
func (s *rpcServer) call(ctx context.Context, method string, params []any) (json.RawMessage, *rpcError) {
	var out json.RawMessage
	if method == "eth_getLogs" {
		var rerr *rpcError
		if out, rerr = s.getLogs(ctx, params[0].(json.RawMessage)); rerr != nil {
			return nil, rerr
		}
	} else if rerr := s.callInto(ctx, &out, method, params...); rerr != nil {
		return nil, rerr
	}
	if len(out) > s.l.MaxResult {
		return nil, errorf(errLimitExceeded, "%s: an answer of %d bytes: at most %d; ask for fewer blocks", method, len(out), s.l.MaxResult)
	}
	return out, nil
}

// getLogs answers an admitted eth_getLogs from the chain's filter system,
// as the node's own eth_getLogs does but without encoding the logs for the
// in-process JSON-RPC client and decoding them again (which took most of the
// time of reading a large topic).
func (s *rpcServer) getLogs(ctx context.Context, filter json.RawMessage) (json.RawMessage, *rpcError) {
	var q filters.FilterCriteria
	if err := json.Unmarshal(filter, &q); err != nil {
		return nil, errorf(codeInvalidParams, "eth_getLogs: %v", err)
	}
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	case <-ctx.Done():
		return nil, errorf(codeInternal, "the request was abandoned")
	}
	ctx, cancel := context.WithTimeout(ctx, s.l.CallTimeout)
	defer cancel()
	var f *filters.Filter
	if q.BlockHash != nil {
		f = s.fsys.NewBlockFilter(*q.BlockHash, q.Addresses, q.Topics)
	} else {
		f = s.fsys.NewRangeFilter(q.FromBlock.Int64(), q.ToBlock.Int64(), q.Addresses, q.Topics, 0)
	}
	logs, err := f.Logs(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errorf(codeInternal, "eth_getLogs: no answer from the chain within %v", s.l.CallTimeout)
		}
		return nil, errorf(codeServer, "%v", err)
	}
	return appendLogsJSON(nil, logs), nil
}

// appendLogsJSON appends the JSON encoding of logs, byte for byte that of
// encoding/json with go-ethereum's types.Log.MarshalJSON (a test checks),
// several times faster: encoding/json checks and compacts every
// marshaller's output again.
func appendLogsJSON(b []byte, logs []*types.Log) []byte {
	b = append(b, '[')
	for i, l := range logs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendHexJSON(b, l.Address[:])
		b = append(b, `,"topics":`...)
		if l.Topics == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for j, t := range l.Topics {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendHexJSON(b, t[:])
			}
			b = append(b, ']')
		}
		b = append(b, `,"data":`...)
		b = appendHexJSON(b, l.Data)
		b = append(b, `,"blockNumber":`...)
		b = appendQuantityJSON(b, l.BlockNumber)
		b = append(b, `,"transactionHash":`...)
		b = appendHexJSON(b, l.TxHash[:])
		b = append(b, `,"transactionIndex":`...)
		b = appendQuantityJSON(b, uint64(l.TxIndex))
		b = append(b, `,"blockHash":`...)
		b = appendHexJSON(b, l.BlockHash[:])
		b = append(b, `,"blockTimestamp":`...)
		b = appendQuantityJSON(b, l.BlockTimestamp)
		b = append(b, `,"logIndex":`...)
		b = appendQuantityJSON(b, uint64(l.Index))
		b = append(b, `,"removed":`...)
		b = strconv.AppendBool(b, l.Removed)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendHexJSON(b, data []byte) []byte {
	b = append(b, `"0x`...)
	b = hex.AppendEncode(b, data)
	return append(b, '"')
}

func appendQuantityJSON(b []byte, n uint64) []byte {
	b = append(b, `"0x`...)
	b = strconv.AppendUint(b, n, 16)
	return append(b, '"')
}

// callInto runs a call within the concurrency and time bounds, passing the
// node's own JSON-RPC errors on (a contract's revert data included).
func (s *rpcServer) callInto(ctx context.Context, out any, method string, params ...any) *rpcError {
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	case <-ctx.Done():
		return errorf(codeInternal, "the request was abandoned")
	}
	ctx, cancel := context.WithTimeout(ctx, s.l.CallTimeout)
	defer cancel()
	err := s.c.CallContext(ctx, out, method, params...)
	if err == nil {
		return nil
	}
	var re rpc.Error
	if errors.As(err, &re) {
		e := &rpcError{Code: re.ErrorCode(), Message: re.Error()}
		var de rpc.DataError
		if errors.As(err, &de) && de.ErrorData() != nil {
			e.Data, _ = json.Marshal(de.ErrorData())
		}
		return e
	}
	if ctx.Err() != nil {
		return errorf(codeInternal, "%s: no answer from the chain within %v", method, s.l.CallTimeout)
	}
	return errorf(codeInternal, "%s: the chain could not answer", method)
}
