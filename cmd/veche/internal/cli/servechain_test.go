package cli

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// openTestElection publishes election id on the embedded chain in data (the
// chain's account is commission, ballot box and credential authority; one
// funded trustee, 1 of 1), runs the key ceremony, posts two credentials and
// opens it; the chain is closed again for veche serve.
func openTestElection(t *testing.T, data, id string) (*voting.Manifest, *elgamal.PublicKey, []*voting.Credential) {
	t.Helper()
	ctx := context.Background()
	b, err := chain.Open(ctx, chain.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tkey, _ := ethboard.NewKey()
	tb, err := chain.PosterFor(ctx, b, tkey)
	if err != nil {
		t.Fatal(err)
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	m, err := voting.DecodeManifest(fmt.Appendf(nil, `version: 1
id: %s
title: {en: Chain test}
opens: 2026-09-13T08:00:00+03:00
closes: 2026-09-13T20:00:00+03:00
revote: last-counts
districts: [{id: all, name: {en: Everyone}}]
ballot_styles: [{id: s, districts: [all], contests: [q]}]
contests:
  - {id: q, title: {en: Question}, kind: referendum, tally: homomorphic, min: 1, max: 1, blank: false, write_in: false,
     options: [{id: "yes", title: {en: "Yes"}}, {id: "no", title: {en: "No"}}]}
commission: {name: C, address: "%[2]s"}
ballot_box: {name: B, address: "%[2]s"}
credential_authority: {name: A, address: "%[2]s"}
trustees: {threshold: 1, members: [{name: T, address: "%[3]s"}]}
mixers: []
`, id, self, strings.ToLower(ethboard.ChecksumAddress(tb.Address()))))
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		t.Fatal(err)
	}
	key, _ := hybrid.GenerateKey(nil)
	if _, err := voting.Join(ctx, tb, m, key, nil); err != nil {
		t.Fatal(err)
	}
	st := &voting.MemoryStore{}
	var pk *elgamal.PublicKey
	for i := 0; pk == nil; i++ {
		if _, err := voting.RunKeygen(ctx, tb, m, key, st, &voting.KeygenOptions{NoWait: true}); err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		res, err := voting.CloseCeremony(ctx, b, m, nil)
		switch {
		case err == nil:
			if pk, err = elgamal.NewPublicKeyFromElement(res.JointKey); err != nil {
				t.Fatal(err)
			}
		case !errors.Is(err, voting.ErrNotReady) || i == 5:
			t.Fatalf("closing the ceremony: %v", err)
		}
	}
	creds, list, err := voting.GenerateCredentials(nil, m, map[string]int{"s": 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, b, m, list); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
		t.Fatal(err)
	}
	return m, pk, creds
}

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
	m, pk, creds := openTestElection(t, data, "chain-test")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWaiter{want: 2, done: make(chan struct{})}
	var wg sync.WaitGroup
	var code int
	wg.Go(func() {
		code = Run(ctx, []string{"--data", data, "--poll-interval", "5ms", "serve", "--listen", "127.0.0.1:0",
			"--box", "chain-test", "--rate-per-address", "0", "--rate-per-credential", "0"}, out, os.Stderr)
	})
	select {
	case <-out.done:
	case <-time.After(time.Minute):
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	line := out.String()
	api := strings.Fields(line[strings.Index(line, "http://"):])[0]
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
	ballot, _, err := voting.EncryptBallot(nil, m, pk, "s", creds[0].Key, voting.Selections{"q": {Options: []string{"yes"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(api+"/elections/chain-test/ballots", "application/json",
		strings.NewReader(`{"ballot":"`+base64.StdEncoding.EncodeToString(ballot.Bytes())+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("cast: HTTP %d", resp.StatusCode)
	}
	var st struct {
		Posted      bool    `json:"posted"`
		Seq         *uint64 `json:"seq"`
		Block       *uint64 `json:"block"`
		BlockHash   string  `json:"block_hash"`
		Transaction string  `json:"transaction"`
	}
	deadline := time.Now().Add(time.Minute)
	for {
		getJSON(t, api+"/elections/chain-test/ballots/"+ballot.TrackingCode().String(), &st)
		if st.Posted && st.Block != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no location within a minute: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
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
	resp, err = http.Post(rpcURL, "application/json", strings.NewReader(req))
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

	cancel()
	wg.Wait()
	if code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// --public-rpc is advertised at /api/v1/board instead of /chain; a URL that
// is not one is refused before serving.
func TestServePublicRPC(t *testing.T) {
	dir := isolate(t)
	data := filepath.Join(dir, "data")
	mustFail(t, "--public-rpc", "--data", data, "serve", "--listen", "127.0.0.1:0", "--public-rpc", "node.example.org")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWaiter{want: 1, done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() {
		Run(ctx, []string{"--data", data, "serve", "--listen", "127.0.0.1:0", "--public-rpc", "https://node.example.org/rpc"}, out, os.Stderr)
	})
	defer wg.Wait()
	defer cancel()
	select {
	case <-out.done:
	case <-time.After(time.Minute):
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	line := out.String()
	api := strings.Fields(line[strings.Index(line, "http://"):])[0]
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
