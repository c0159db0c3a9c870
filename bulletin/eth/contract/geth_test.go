package contract_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/contract"
	"github.com/veche/veche/bulletin/eth/gethtest"
)

// This file runs the contract on a real `geth --dev` node over JSON-RPC
// (bulletin/eth/gethtest; skipped without a geth binary, failed in CI).
// Transactions are signed here with explicit nonces and their receipts
// polled every 50 ms.

// A gethChain is the contract deployed on a geth node by the developer
// account, with two more funded accounts.
type gethChain struct {
	n      *gethtest.Node
	bb     *contract.BulletinBoard
	addr   common.Address
	signer types.Signer

	owner, poster, stranger *account
}

func newGethChain(t *testing.T) *gethChain {
	t.Helper()
	ctx := context.Background()
	n := gethtest.Start(t)
	nonce, err := n.Client.PendingNonceAt(ctx, n.Address)
	if err != nil {
		t.Fatal(err)
	}
	g := &gethChain{
		n:      n,
		bb:     contract.NewBulletinBoard(),
		signer: types.LatestSignerForChainID(n.ChainID),
		owner:  &account{key: n.Key, addr: n.Address, nonce: nonce},
	}

	// The deployment goes to the pool first; NewAccounts then funds the
	// other two accounts from the next nonces, and all land in one block.
	code := common.FromHex(contract.BulletinBoardMetaData.Bin)
	gas, err := n.Client.EstimateGas(ctx, ethereum.CallMsg{From: g.owner.addr, Data: code})
	if err != nil {
		t.Fatalf("estimate deployment: %v", err)
	}
	tx := g.sign(g.owner, nil, code, gas)
	if err := n.Client.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	keys := n.NewAccounts(t, "contract", 2)
	g.poster = &account{key: keys[0], addr: crypto.PubkeyToAddress(keys[0].PublicKey)}
	g.stranger = &account{key: keys[1], addr: crypto.PubkeyToAddress(keys[1].PublicKey)}
	g.owner.nonce += uint64(len(keys)) // NewAccounts sent from the dev account
	r, err := g.wait(ctx, tx)
	if err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("deploy receipt: %+v, %v", r, err)
	}
	if want := crypto.CreateAddress(g.owner.addr, tx.Nonce()); r.ContractAddress != want {
		t.Fatalf("deployed at %v, want %v", r.ContractAddress, want)
	}
	g.addr = r.ContractAddress
	t.Logf("contract deployed at %v in block %v (%d gas)", g.addr, r.BlockNumber, r.GasUsed)
	return g
}

// sign signs a transaction from a with a's next nonce, and counts the
// nonce as used.
func (g *gethChain) sign(a *account, to *common.Address, data []byte, gas uint64) *types.Transaction {
	tx := types.MustSignNewTx(a.key, g.signer, &types.DynamicFeeTx{
		ChainID:   g.n.ChainID,
		Nonce:     a.nonce,
		GasTipCap: big.NewInt(params.GWei),
		GasFeeCap: big.NewInt(100 * params.GWei),
		Gas:       gas,
		To:        to,
		Data:      data,
	})
	a.nonce++
	return tx
}

func (g *gethChain) wait(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return gethtest.WaitMined(ctx, g.n.Client, tx.Hash())
}

// submit estimates the gas of a call to the contract from a (a call the
// contract would revert comes back decoded, and nothing is sent), then
// signs and sends it without waiting.
func (g *gethChain) submit(ctx context.Context, a *account, data []byte) (*types.Transaction, error) {
	gas, err := g.n.Client.EstimateGas(ctx, ethereum.CallMsg{From: a.addr, To: &g.addr, Data: data})
	if err != nil {
		return nil, contract.DecodeError(err)
	}
	tx := g.sign(a, &g.addr, data, gas)
	if err := g.n.Client.SendTransaction(ctx, tx); err != nil {
		a.nonce-- // not in the pool: the nonce is still free
		return nil, err
	}
	return tx, nil
}

// send submits a call and waits for its successful receipt.
func (g *gethChain) send(ctx context.Context, a *account, data []byte) (*types.Receipt, error) {
	tx, err := g.submit(ctx, a, data)
	if err != nil {
		return nil, err
	}
	r, err := g.wait(ctx, tx)
	if err != nil {
		return nil, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return r, fmt.Errorf("transaction %v failed after estimation succeeded", tx.Hash())
	}
	return r, nil
}

func (g *gethChain) mustSend(t testing.TB, a *account, data []byte) *types.Receipt {
	t.Helper()
	r, err := g.send(context.Background(), a, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// setupGas is the gas limit of the transactions sendAll sends without
// estimating: enough for createTopic, setPoster and small appends.
const setupGas = 1_000_000

// sendAll sends calls from a with consecutive nonces and a fixed gas limit
// without waiting in between (a call's estimate could depend on the earlier
// ones, which are not mined yet), then waits until all are mined and
// successful, usually in one block. It returns the receipts.
func (g *gethChain) sendAll(t testing.TB, a *account, calls ...[]byte) []*types.Receipt {
	t.Helper()
	ctx := context.Background()
	txs := make([]*types.Transaction, len(calls))
	for i, data := range calls {
		txs[i] = g.sign(a, &g.addr, data, setupGas)
		if err := g.n.Client.SendTransaction(ctx, txs[i]); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	rs := make([]*types.Receipt, len(txs))
	for i, tx := range txs {
		r, err := g.wait(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			// Replay it where it failed for the contract's reason.
			_, err := g.call(ctx, a.addr, calls[i], r.BlockNumber)
			t.Fatalf("call %d failed: %v", i, err)
		}
		rs[i] = r
	}
	return rs
}

func (g *gethChain) call(ctx context.Context, from common.Address, data []byte, block *big.Int) ([]byte, error) {
	out, err := g.n.Client.CallContract(ctx, ethereum.CallMsg{From: from, To: &g.addr, Data: data}, block)
	return out, contract.DecodeError(err)
}

func (g *gethChain) head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	out, err := g.call(ctx, common.Address{}, g.bb.PackTopicHead(topic), nil)
	if err != nil {
		return [32]byte{}, 0, err
	}
	h, err := g.bb.UnpackTopicHead(out)
	return h.Head, h.Count, err
}

// posted decodes the contract's Posted events among logs.
func (g *gethChain) posted(logs []*types.Log) ([]bulletin.Entry, error) {
	id := g.bb.GetABI().Events["Posted"].ID
	var out []bulletin.Entry
	for _, l := range logs {
		if l.Address != g.addr || len(l.Topics) == 0 || l.Topics[0] != id {
			continue
		}
		ev, err := g.bb.UnpackPostedEvent(l)
		if err != nil {
			return nil, err
		}
		out = append(out, ev.Entry())
	}
	return out, nil
}

// log reads a topic's entries from the node with eth_getLogs, from the
// genesis block to the latest.
func (g *gethChain) log(ctx context.Context, topic bulletin.TopicID) ([]bulletin.Entry, error) {
	logs, err := g.n.Client.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: big.NewInt(0),
		Addresses: []common.Address{g.addr},
		Topics:    [][]common.Hash{{g.bb.GetABI().Events["Posted"].ID}, {common.Hash(topic)}},
	})
	if err != nil {
		return nil, err
	}
	ptrs := make([]*types.Log, len(logs))
	for i := range logs {
		ptrs[i] = &logs[i]
	}
	return g.posted(ptrs)
}

// openElection creates an election topic owned by the developer account,
// authorises the poster for ballot batches and walks the topic to open.
func (g *gethChain) openElection(t testing.TB, topic bulletin.TopicID) {
	t.Helper()
	g.sendAll(t, g.owner,
		g.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)),
		g.bb.PackSetPoster(topic, g.owner.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindPhase))),
		g.bb.PackSetPoster(topic, g.poster.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindBallotBatch))),
		g.bb.PackAppendBatch(topic, []uint16{uint16(bulletin.KindPhase), uint16(bulletin.KindPhase)},
			[][]byte{{byte(bulletin.PhaseKeyCeremony)}, {byte(bulletin.PhaseOpen)}}))
}

// The contract on a real geth node: one node, deployed once, for the
// scenarios below (each on its own topic).
func TestGeth(t *testing.T) {
	g := newGethChain(t)
	t.Run("ReadBackAndVerify", func(t *testing.T) { testGethReadBack(t, g) })
	t.Run("Unauthorised", func(t *testing.T) { testGethUnauthorised(t, g) })
	t.Run("Throughput", func(t *testing.T) { testGethThroughput(t, g) })
}

// The scenario of TestReadBackAndVerify over JSON-RPC: the commission
// creates a topic, authorises itself and the ballot box, posts a manifest
// and two phase changes in a batch; the box posts one ballot batch and then
// fifty in one transaction; an observer reads the Posted events back with
// eth_getLogs and checks the hash chain against the stored head and count.
func testGethReadBack(t *testing.T, g *gethChain) {
	ctx := context.Background()
	commission, box := g.owner, g.poster
	topic := bulletin.TopicID(bulletin.Keccak256([]byte("geth election 2026")))

	rs := g.sendAll(t, commission,
		g.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)),
		g.bb.PackSetPoster(topic, commission.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindPhase))),
		g.bb.PackSetPoster(topic, box.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindBallotBatch))),
		g.bb.PackAppend(topic, uint16(bulletin.KindManifest), []byte("manifest")),
		g.bb.PackAppendBatch(topic,
			[]uint16{uint16(bulletin.KindPhase), uint16(bulletin.KindPhase)},
			[][]byte{{byte(bulletin.PhaseKeyCeremony)}, {byte(bulletin.PhaseOpen)}}))
	if ev, err := g.bb.UnpackTopicCreatedEvent(rs[0].Logs[0]); err != nil || ev.Topic != topic || ev.Owner != commission.addr {
		t.Fatalf("TopicCreated = %+v, %v", ev, err)
	}
	if ev, err := g.bb.UnpackPosterSetEvent(rs[2].Logs[0]); err != nil || ev.Poster != box.addr {
		t.Fatalf("PosterSet = %+v, %v", ev, err)
	}

	r := g.mustSend(t, box, g.bb.PackAppend(topic, uint16(bulletin.KindBallotBatch), []byte("ballots 1")))
	if es, _ := g.posted(r.Logs); len(es) != 1 || es[0].Seq != 3 || es[0].Poster != bulletin.Address(box.addr) {
		t.Fatalf("append emitted %+v, want entry 3 by the ballot box", es)
	}
	var kinds []uint16
	var payloads [][]byte
	for i := range 50 {
		kinds = append(kinds, uint16(bulletin.KindBallotBatch))
		payloads = append(payloads, bytes.Repeat([]byte{byte(i)}, i*7)) // sizes 0..343, zero payloads included
	}
	r = g.mustSend(t, box, g.bb.PackAppendBatch(topic, kinds, payloads))
	if es, _ := g.posted(r.Logs); len(es) != 50 || es[0].Seq != 4 || es[49].Seq != 53 {
		t.Fatalf("batch emitted %d entries", len(es))
	}

	head, count, err := g.head(ctx, topic)
	if err != nil || count != 54 {
		t.Fatalf("topicHead = %x, %d, %v; want 54 entries", head, count, err)
	}
	es, err := g.log(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatalf("chain read from the events: %v", err)
	}
	if es[0].Kind != bulletin.KindManifest || string(es[0].Payload) != "manifest" || es[0].Poster != bulletin.Address(commission.addr) {
		t.Fatalf("entry 0 = %+v", es[0])
	}
	for i, p := range payloads {
		if !bytes.Equal(es[4+i].Payload, p) {
			t.Fatalf("entry %d payload %x, posted %x", 4+i, es[4+i].Payload, p)
		}
	}
	out, err := g.call(ctx, common.Address{}, g.bb.PackTopicInfo(topic), nil)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := g.bb.UnpackTopicInfo(out)
	if info.Owner != commission.addr || bulletin.Phase(info.Phase) != bulletin.PhaseOpen || info.Head != head || info.Count != count {
		t.Fatalf("topicInfo = %+v", info)
	}
}

// A stranger's post is refused: gas estimation reverts with the decoded
// NotAuthorized error; sent anyway with a fixed gas limit, the transaction
// is mined and fails, eth_call at its block gives the same error, and the
// topic's log is unchanged.
func testGethUnauthorised(t *testing.T, g *gethChain) {
	ctx := context.Background()
	topic := bulletin.TopicID(bulletin.Keccak256([]byte("geth unauthorised")))
	g.openElection(t, topic)
	g.mustSend(t, g.poster, g.bb.PackAppend(topic, uint16(bulletin.KindBallotBatch), []byte("ballot")))
	head, count, err := g.head(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}

	data := g.bb.PackAppend(topic, uint16(bulletin.KindBallotBatch), []byte("stuffed ballot"))
	checkReason := func(what string, err error) {
		t.Helper()
		var rev *contract.RevertError
		if !errors.As(err, &rev) || !errors.Is(err, bulletin.ErrUnauthorized) {
			t.Fatalf("%s: %v, want a decoded NotAuthorized revert", what, err)
		}
		want := &contract.BulletinBoardNotAuthorized{Topic: topic, Poster: g.stranger.addr, Kind: uint16(bulletin.KindBallotBatch)}
		if fmt.Sprintf("%#v", rev.Reason) != fmt.Sprintf("%#v", want) {
			t.Fatalf("%s: reverted with %#v\n want %#v", what, rev.Reason, want)
		}
	}
	_, err = g.send(ctx, g.stranger, data)
	checkReason("estimation", err)

	tx := g.sign(g.stranger, &g.addr, data, 200_000)
	if err := g.n.Client.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	r, err := g.wait(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != types.ReceiptStatusFailed || len(r.Logs) != 0 {
		t.Fatalf("the unauthorised transaction was mined with status %d and %d logs", r.Status, len(r.Logs))
	}
	_, err = g.call(ctx, g.stranger.addr, data, r.BlockNumber)
	checkReason("eth_call at the failed transaction's block", err)

	if h, c, err := g.head(ctx, topic); err != nil || h != head || c != count {
		t.Fatalf("after the refused post: head %x count %d (%v), want %x and %d", h, c, err, head, count)
	}
	// The poster authorised for ballots still cannot post a manifest.
	_, err = g.send(ctx, g.poster, g.bb.PackAppend(topic, uint16(bulletin.KindManifest), []byte("m")))
	if !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("ballot box posts a manifest: %v", err)
	}
}

// Appending throughput and gas on geth --dev: batches of 500-byte entries
// (200 to a transaction, ~120 KB of calldata, under the pool's 128 KiB cap),
// all sent at once with consecutive nonces, then every receipt polled; then
// the log is read back with eth_getLogs and verified. The figures go to the
// test log (go test -v -run TestGeth/Throughput); quote them from a run
// without the race detector, which slows the client side (ABI packing, JSON
// decoding) about fivefold and makes the test post 2,000 entries instead of
// 10,000. A batch's gas must not depend on how many entries the topic
// already has, and must equal the simulated backend's under the same (dev
// chain) rules.
func testGethThroughput(t *testing.T, g *gethChain) {
	const (
		size  = 500
		batch = 200
	)
	batches := 50 // 10,000 entries
	if raceDetector {
		batches = 10
		t.Logf("race detector on: %d entries instead of 10,000; the figures are not the node's", batches*batch)
	}
	total := batch * batches
	ctx := context.Background()
	topic := bulletin.TopicID(bulletin.Keccak256([]byte("geth throughput")))
	g.openElection(t, topic)

	kinds := make([]uint16, batch)
	for i := range kinds {
		kinds[i] = uint16(bulletin.KindBallotBatch)
	}
	calls := make([][]byte, batches)
	for b := range calls {
		payloads := make([][]byte, batch)
		for i := range payloads {
			payloads[i] = ballotPayload(b*batch+i, size)
		}
		calls[b] = g.bb.PackAppendBatch(topic, kinds, payloads)
	}
	t.Logf("calldata per batch: %d bytes", len(calls[0]))

	// One estimate for the first batch (the topic's slots are cold) and
	// one for the rest, measured on the second batch from the first's
	// receipt: estimation runs against the latest block, not the pool.
	start := time.Now()
	first, err := g.submit(ctx, g.poster, calls[0])
	if err != nil {
		t.Fatal(err)
	}
	txs := []*types.Transaction{first}
	gas, err := g.n.Client.EstimateGas(ctx, ethereum.CallMsg{From: g.poster.addr, To: &g.addr, Data: calls[1]})
	if err != nil {
		t.Fatal(contract.DecodeError(err))
	}
	for _, data := range calls[1:] {
		tx := g.sign(g.poster, &g.addr, data, gas)
		if err := g.n.Client.SendTransaction(ctx, tx); err != nil {
			t.Fatalf("batch %d: %v", len(txs), err)
		}
		txs = append(txs, tx)
	}
	sent := time.Since(start)
	receipts := make([]*types.Receipt, len(txs))
	for i, tx := range txs {
		r, err := g.wait(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("batch %d failed (gas used %d of %d)", i, r.GasUsed, tx.Gas())
		}
		receipts[i] = r
	}
	elapsed := time.Since(start)
	blocks := receipts[len(receipts)-1].BlockNumber.Uint64() - receipts[0].BlockNumber.Uint64() + 1
	t.Logf("geth --dev (period 1 s, gas limit %d): %d entries of %d bytes in %d batches of %d: sent in %v, all mined in %v over %d block(s): %.0f entries/s",
		gethtest.GasLimit, total, size, batches, batch, sent.Round(time.Millisecond), elapsed.Round(time.Millisecond), blocks, float64(total)/elapsed.Seconds())

	steady := receipts[1].GasUsed
	for i, r := range receipts[1:] {
		if r.GasUsed != steady {
			t.Fatalf("batch %d used %d gas, batch 1 %d: gas depends on the topic's size", i+1, r.GasUsed, steady)
		}
	}
	t.Logf("gas per batch of %d: first %d, then %d; per entry %d, per payload byte %.1f (dev chain rules)",
		batch, receipts[0].GasUsed, steady, steady/batch, float64(steady)/(batch*size))

	// The same batches on the simulated backend under the same rules cost
	// the same gas.
	sim := newChain(t, devRules)
	openElection(t, sim, topic)
	simFirst := sim.mustSend(t, sim.accounts[1], calls[0]).GasUsed
	simSteady := sim.mustSend(t, sim.accounts[1], calls[1]).GasUsed
	if simFirst != receipts[0].GasUsed || simSteady != steady {
		t.Errorf("gas on geth %d then %d, on the simulated backend (dev rules) %d then %d", receipts[0].GasUsed, steady, simFirst, simSteady)
	}

	start = time.Now()
	head, count, err := g.head(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	es, err := g.log(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatal(err)
	}
	if count != uint64(total)+2 {
		t.Fatalf("count %d, want %d", count, total+2)
	}
	read := time.Since(start)
	t.Logf("read back (eth_getLogs) and verified %d entries in %v: %.0f entries/s", count, read.Round(time.Millisecond), float64(count)/read.Seconds())
}
