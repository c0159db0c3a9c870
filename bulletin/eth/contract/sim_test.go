package contract_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"fmt"
	"iter"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/bulletintest"
	"github.com/veche/veche/bulletin/eth/contract"
)

// This file runs the contract on go-ethereum's in-process simulated chain,
// and adapts it to the bulletin interfaces so that the conformance suite can
// run against the contract itself (simClient: a test harness, not the
// Ethereum implementation of the board, which lives elsewhere).

// Rule sets. go-ethereum 1.17's simulated and dev chains enable the future
// Bogota fork, which reprices state gas; mainnet today runs Osaka.
type rules int

const (
	mainnetRules rules = iota // Osaka, Bogota off: gas as on mainnet
	devRules                  // params.AllDevChainProtocolChanges (Bogota on)
)

func (r rules) String() string { return [...]string{"osaka (mainnet)", "dev (bogota)"}[r] }

type account struct {
	key   *ecdsa.PrivateKey
	addr  common.Address
	nonce uint64
}

// A chain is a simulated chain with the contract deployed by account 0.
type chain struct {
	sim      *simulated.Backend
	client   simulated.Client
	bb       *contract.BulletinBoard
	addr     common.Address
	signer   types.Signer
	accounts []*account

	mu sync.Mutex // serialises sending and mining
}

const numAccounts = 4

func newChain(t testing.TB, r rules) *chain {
	t.Helper()
	c := &chain{bb: contract.NewBulletinBoard(), signer: types.LatestSignerForChainID(big.NewInt(1337))}
	alloc := types.GenesisAlloc{}
	for i := range numAccounts {
		key, err := crypto.ToECDSA(crypto.Keccak256(fmt.Appendf(nil, "veche/bulletin/contract test account %d", i)))
		if err != nil {
			t.Fatal(err)
		}
		a := &account{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
		c.accounts = append(c.accounts, a)
		alloc[a.addr] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 100)}
	}
	c.sim = simulated.NewBackend(alloc, func(_ *node.Config, ec *ethconfig.Config) {
		if r == mainnetRules {
			cfg := *params.AllDevChainProtocolChanges
			cfg.BogotaTime = nil
			ec.Genesis.Config = &cfg
		}
	})
	t.Cleanup(func() { c.sim.Close() })
	c.client = c.sim.Client()

	owner := c.accounts[0]
	opts := bind.NewKeyedTransactor(owner.key, big.NewInt(1337))
	opts.Nonce = new(big.Int).SetUint64(owner.nonce)
	addr, tx, err := bind.DeployContract(opts, common.FromHex(contract.BulletinBoardMetaData.Bin), c.client, nil)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	owner.nonce++
	c.sim.Commit()
	if r, err := c.client.TransactionReceipt(context.Background(), tx.Hash()); err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("deploy receipt: %v, %v", r, err)
	}
	c.addr = addr
	return c
}

// call runs a view function.
func (c *chain) call(ctx context.Context, data []byte) ([]byte, error) {
	out, err := c.client.CallContract(ctx, ethereum.CallMsg{To: &c.addr, Data: data}, nil)
	return out, contract.DecodeError(err)
}

// send sends a transaction from a, mines it and returns its receipt. A call
// the contract would revert is not sent: the revert comes back decoded
// (contract.DecodeError) from gas estimation.
func (c *chain) send(ctx context.Context, a *account, data []byte) (*types.Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msg := ethereum.CallMsg{From: a.addr, To: &c.addr, Data: data}
	gas, err := c.client.EstimateGas(ctx, msg)
	if err != nil {
		return nil, contract.DecodeError(err)
	}
	tx := types.MustSignNewTx(a.key, c.signer, &types.DynamicFeeTx{
		ChainID:   big.NewInt(1337),
		Nonce:     a.nonce,
		GasTipCap: big.NewInt(params.GWei),
		GasFeeCap: big.NewInt(100 * params.GWei),
		Gas:       gas,
		To:        &c.addr,
		Data:      data,
	})
	if err := c.client.SendTransaction(ctx, tx); err != nil {
		return nil, err
	}
	a.nonce++
	c.sim.Commit()
	r, err := c.client.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		return nil, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return r, fmt.Errorf("transaction %v failed after estimation succeeded", tx.Hash())
	}
	return r, nil
}

func (c *chain) mustSend(t testing.TB, a *account, data []byte) *types.Receipt {
	t.Helper()
	r, err := c.send(context.Background(), a, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// posted decodes the Posted events of the given logs.
func (c *chain) posted(logs []*types.Log) ([]bulletin.Entry, error) {
	id := c.bb.GetABI().Events["Posted"].ID
	var out []bulletin.Entry
	for _, l := range logs {
		if l.Address != c.addr || len(l.Topics) == 0 || l.Topics[0] != id {
			continue
		}
		ev, err := c.bb.UnpackPostedEvent(l)
		if err != nil {
			return nil, err
		}
		// The strict decoder readers use agrees with the generated one.
		e, err := contract.DecodePosted(l.Topics, l.Data)
		if err != nil {
			return nil, fmt.Errorf("DecodePosted rejects an event the contract emitted: %w", err)
		}
		if g := ev.Entry(); e.Seq != g.Seq || e.Kind != g.Kind || e.Head != g.Head || e.Poster != g.Poster ||
			e.Topic != g.Topic || !bytes.Equal(e.Payload, g.Payload) {
			return nil, fmt.Errorf("DecodePosted and the bindings disagree on entry %d", g.Seq)
		}
		out = append(out, e)
	}
	return out, nil
}

// log reads a topic's entries from the chain's Posted events, in chain
// order.
func (c *chain) log(ctx context.Context, topic bulletin.TopicID) ([]bulletin.Entry, error) {
	logs, err := c.client.FilterLogs(ctx, ethereum.FilterQuery{
		Addresses: []common.Address{c.addr},
		Topics:    [][]common.Hash{{c.bb.GetABI().Events["Posted"].ID}, {common.Hash(topic)}},
	})
	if err != nil {
		return nil, err
	}
	ptrs := make([]*types.Log, len(logs))
	for i := range logs {
		ptrs[i] = &logs[i]
	}
	return c.posted(ptrs)
}

func (c *chain) head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	out, err := c.call(ctx, c.bb.PackTopicHead(topic))
	if err != nil {
		return [32]byte{}, 0, err
	}
	h, err := c.bb.UnpackTopicHead(out)
	return h.Head, h.Count, err
}

// simBoard adapts the chain to the conformance suite.
type simBoard struct{ c *chain }

func (b simBoard) Client(i int) bulletintest.Client { return &simClient{c: b.c, a: b.c.accounts[i]} }

type simClient struct {
	c *chain
	a *account
}

func (s *simClient) Address() bulletin.Address { return bulletin.Address(s.a.addr) }

func (s *simClient) CreateTopic(ctx context.Context, topic bulletin.TopicID, initial bulletin.Phase) error {
	_, err := s.c.send(ctx, s.a, s.c.bb.PackCreateTopic(topic, uint8(initial)))
	return err
}

func (s *simClient) SetPoster(ctx context.Context, topic bulletin.TopicID, poster bulletin.Address, kinds bulletin.KindSet) error {
	_, err := s.c.send(ctx, s.a, s.c.bb.PackSetPoster(topic, common.Address(poster), contract.KindMask(kinds)))
	return err
}

func (s *simClient) Append(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	seqs, err := s.post(ctx, s.c.bb.PackAppend(topic, uint16(kind), payload))
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

func (s *simClient) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	kinds := make([]uint16, len(msgs))
	payloads := make([][]byte, len(msgs))
	for i, m := range msgs {
		kinds[i], payloads[i] = uint16(m.Kind), m.Payload
	}
	return s.post(ctx, s.c.bb.PackAppendBatch(topic, kinds, payloads))
}

func (s *simClient) post(ctx context.Context, data []byte) ([]uint64, error) {
	r, err := s.c.send(ctx, s.a, data)
	if err != nil {
		return nil, err
	}
	es, err := s.c.posted(r.Logs)
	if err != nil {
		return nil, err
	}
	seqs := make([]uint64, len(es))
	for i, e := range es {
		seqs[i] = e.Seq
	}
	return seqs, nil
}

func (s *simClient) Entries(ctx context.Context, topic bulletin.TopicID, from, to uint64) ([]bulletin.Entry, error) {
	if from > to {
		return nil, fmt.Errorf("entries from %d to %d", from, to)
	}
	if _, _, err := s.c.head(ctx, topic); err != nil {
		return nil, err
	}
	all, err := s.c.log(ctx, topic)
	if err != nil {
		return nil, err
	}
	n := uint64(len(all))
	return all[min(from, n):min(to, n)], nil
}

func (s *simClient) Head(ctx context.Context, topic bulletin.TopicID) ([32]byte, uint64, error) {
	return s.c.head(ctx, topic)
}

func (s *simClient) Follow(ctx context.Context, topic bulletin.TopicID, from uint64) iter.Seq2[bulletin.Entry, error] {
	return func(yield func(bulletin.Entry, error) bool) {
		for {
			es, err := s.Entries(ctx, topic, from, 1<<63)
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(bulletin.Entry{}, err)
				return
			}
			for _, e := range es {
				if !yield(e, nil) {
					return
				}
				from++
			}
			select {
			case <-ctx.Done():
				yield(bulletin.Entry{}, ctx.Err())
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

// The contract passes the same conformance suite as the in-memory board: the
// rules of BulletinBoard.sol and bulletin.Admit agree on every case the
// suite tries.
func TestConformance(t *testing.T) {
	c := newChain(t, devRules)
	bulletintest.Run(t, func(t *testing.T) bulletintest.Board { return simBoard{c} })
}
