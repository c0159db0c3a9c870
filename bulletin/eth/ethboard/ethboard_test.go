package ethboard

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/bulletintest"
)

const numAccounts = 4

func testKey(t testing.TB, i int) *ecdsa.PrivateKey {
	key, err := crypto.ToECDSA(crypto.Keccak256(fmt.Appendf(nil, "veche/bulletin/ethboard test account %d", i)))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// A testChain is a simulated chain with the contract deployed by account 0.
type testChain struct {
	sim      *simulated.Backend
	client   simulated.Client
	addr     common.Address
	deployed uint64
	keys     []*ecdsa.PrivateKey
	mining   sync.Mutex
}

// testConfig polls fast and makes a block whenever asked.
func (c *testChain) config() Config {
	return Config{PollInterval: 2 * time.Millisecond, RetryDelay: time.Millisecond, FromBlock: c.deployed, Mine: c.commit}
}

// commit makes a block. Concurrent Commit calls deadlock in go-ethereum
// 1.17.10 (TxPool.Sync), so a call while one is running does nothing: the
// caller polls and asks again.
func (c *testChain) commit() {
	if c.mining.TryLock() {
		defer c.mining.Unlock()
		c.sim.Commit()
	}
}

func newTestChain(t testing.TB) *testChain {
	t.Helper()
	c := &testChain{}
	alloc := types.GenesisAlloc{}
	for i := range numAccounts {
		key := testKey(t, i)
		c.keys = append(c.keys, key)
		alloc[crypto.PubkeyToAddress(key.PublicKey)] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 100)}
	}
	c.sim = simulated.NewBackend(alloc)
	t.Cleanup(func() { c.sim.Close() })
	c.client = c.sim.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	c.addr, c.deployed, err = Deploy(ctx, c.client, c.keys[0], c.config())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *testChain) board(t testing.TB, cl Client, i int, cfg Config) *Board {
	t.Helper()
	b, err := New(context.Background(), cl, c.addr, c.keys[i], cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type suiteBoard struct{ clients [numAccounts]*Board }

func (s *suiteBoard) Client(i int) bulletintest.Client { return s.clients[i] }

func TestConformance(t *testing.T) {
	c := newTestChain(t)
	s := &suiteBoard{}
	for i := range numAccounts {
		s.clients[i] = c.board(t, c.client, i, c.config())
	}
	bulletintest.Run(t, func(t *testing.T) bulletintest.Board { return s })
}

var testCtx = context.Background()

// setup creates a service topic owned by account 0 and lets account 1 post
// anchors and aggregates.
func setup(t testing.TB, c *testChain) (owner, poster *Board, topic bulletin.TopicID) {
	t.Helper()
	owner = c.board(t, c.client, 0, c.config())
	poster = c.board(t, c.client, 1, c.config())
	topic = bulletin.TopicID(bulletin.Keccak256([]byte(t.Name())))
	if err := owner.CreateTopic(testCtx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetPoster(testCtx, topic, poster.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor, bulletin.KindAggregate)); err != nil {
		t.Fatal(err)
	}
	return owner, poster, topic
}

// checkLog reads the whole topic, verified, and checks that every payload in
// want is on it exactly once.
func checkLog(t *testing.T, b *Board, topic bulletin.TopicID, want [][]byte) []bulletin.Entry {
	t.Helper()
	head, count, err := b.Head(testCtx, topic)
	if err != nil {
		t.Fatal(err)
	}
	es, err := b.Entries(testCtx, topic, 0, count)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range es {
		seen[string(e.Payload)]++
	}
	for _, p := range want {
		if seen[string(p)] != 1 {
			t.Errorf("payload %q is on the board %d times, want once", p, seen[string(p)])
		}
	}
	if len(es) != len(want) {
		t.Errorf("the board has %d entries, want %d", len(es), len(want))
	}
	return es
}

// Many goroutines append through one Board: its nonce manager serialises the
// nonces, no transaction is refused, and every entry lands once.
func TestConcurrentAppends(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	const workers, each = 8, 6
	var mu sync.Mutex
	var want [][]byte
	seqs := map[uint64]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				p := fmt.Appendf(nil, "worker %d entry %d", w, i)
				var got []uint64
				var err error
				if i%2 == 0 {
					var s uint64
					s, err = poster.Append(testCtx, topic, bulletin.KindDocAnchor, p)
					got = []uint64{s}
				} else {
					got, err = poster.AppendBatch(testCtx, topic, []bulletin.Message{{Kind: bulletin.KindDocAnchor, Payload: p}, {Kind: bulletin.KindAggregate, Payload: append(p, '+')}})
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want = append(want, p)
				if i%2 == 1 {
					want = append(want, append(p, '+'))
				}
				for _, s := range got {
					if seqs[s] {
						t.Errorf("sequence number %d returned twice", s)
					}
					seqs[s] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	checkLog(t, poster, topic, want)
}

func TestCallDataLen(t *testing.T) {
	c := newTestChain(t)
	b := c.board(t, c.client, 1, c.config())
	var topic bulletin.TopicID
	for _, sizes := range [][]int{{0, 0}, {1, 31, 32, 33}, {500, 500, 500}, {bulletin.MaxPayload, 7}} {
		msgs := make([]bulletin.Message, len(sizes))
		padded := 0
		for i, n := range sizes {
			msgs[i] = bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: make([]byte, n)}
			padded += pad32(n)
		}
		if got, want := len(b.pack(topic, msgs)), batchDataLen(len(msgs), padded); got != want {
			t.Errorf("appendBatch%v: %d bytes of call data, batchDataLen says %d", sizes, got, want)
		}
		if got, want := len(b.pack(topic, msgs[:1])), appendDataLen(sizes[0]); got != want {
			t.Errorf("append(%d): %d bytes of call data, appendDataLen says %d", sizes[0], got, want)
		}
	}
}

// The signed envelope around the call data: what DefaultMaxTxData leaves
// room for under the pool's 128 KiB.
func TestEnvelopeOverhead(t *testing.T) {
	key := testKey(t, 0)
	to := common.Address{1}
	data := bytes.Repeat([]byte{0xff}, DefaultMaxTxData)
	tx := types.MustSignNewTx(key, types.LatestSignerForChainID(big.NewInt(1337)), &types.DynamicFeeTx{
		ChainID: big.NewInt(1337), Nonce: 1 << 40, GasTipCap: big.NewInt(1e12), GasFeeCap: big.NewInt(1e15),
		Gas: maxTxGas, To: &to, Data: data,
	})
	overhead := int(tx.Size()) - len(data)
	t.Logf("envelope overhead: %d bytes; headroom under 128 KiB: %d bytes", overhead, 128<<10-int(tx.Size()))
	if overhead > 200 || tx.Size() > 128<<10 {
		t.Errorf("a transaction with %d bytes of call data is %d bytes", len(data), tx.Size())
	}
}

func TestSplit(t *testing.T) {
	mk := func(sizes ...int) []bulletin.Message {
		var ms []bulletin.Message
		for _, n := range sizes {
			ms = append(ms, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: make([]byte, n)})
		}
		return ms
	}
	for _, tc := range []struct {
		msgs       []bulletin.Message
		maxData    int
		maxEntries int
		want       []int
	}{
		{mk(500, 500, 500), DefaultMaxTxData, 512, []int{3}},
		{mk(500, 500, 500), DefaultMaxTxData, 2, []int{2, 1}},
		{mk(bulletin.MaxPayload, bulletin.MaxPayload, 1), DefaultMaxTxData, 512, []int{1, 2}},
		// Exactly at the limit: two entries of 32 bytes are 164+2*96+64.
		{mk(32, 32, 32), 164 + 2*96 + 64, 512, []int{2, 1}},
		{mk(32, 32, 32), 164 + 2*96 + 63, 512, []int{1, 1, 1}},
	} {
		var got []int
		n := 0
		for _, p := range split(tc.msgs, tc.maxData, tc.maxEntries) {
			got = append(got, len(p))
			n += len(p)
			if len(p) > 1 && batchDataLen(len(p), 0) > tc.maxData {
				t.Errorf("a part is over the limit")
			}
		}
		if !slices.Equal(got, tc.want) || n != len(tc.msgs) {
			t.Errorf("split(%d messages, %d, %d) = parts %v, want %v", len(tc.msgs), tc.maxData, tc.maxEntries, got, tc.want)
		}
	}
}

// A batch of just under three transactions' worth of large entries is split
// and every part is accepted by the pool (a part over 128 KiB would be
// refused with "oversized data").
func TestBatchSplitNearLimit(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	var msgs []bulletin.Message
	var want [][]byte
	// 40,000-byte payloads: three fit in 126 KiB of call data (120,420
	// bytes), four do not.
	for i := range 10 {
		p := bytes.Repeat(fmt.Appendf(nil, "%02d", i), 20_000)
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: p})
		want = append(want, p)
	}
	// And a run of 500-byte entries that fills a part to the byte.
	for i := range 300 {
		p := bytes.Repeat(fmt.Appendf(nil, "%03d", i), 500/3+1)[:500]
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindAggregate, Payload: p})
		want = append(want, p)
	}
	parts := split(msgs, DefaultMaxTxData, 512)
	if len(parts) < 4 {
		t.Fatalf("split into %d parts", len(parts))
	}
	seqs, err := poster.AppendBatch(testCtx, topic, msgs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		if s != uint64(i) {
			t.Fatalf("seqs[%d] = %d", i, s)
		}
	}
	es := checkLog(t, poster, topic, want)
	for i, e := range es {
		if !bytes.Equal(e.Payload, msgs[i].Payload) {
			t.Fatalf("entry %d out of order", i)
		}
	}

	// A split batch is checked as a whole before anything is sent.
	bad := slices.Clone(msgs)
	bad[len(bad)-1] = bulletin.Message{Kind: bulletin.KindManifest, Payload: []byte("not in a service topic")}
	if _, err := poster.AppendBatch(testCtx, topic, bad); !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("split batch with a refused last message: %v, want ErrUnauthorized", err)
	}
	if _, n, _ := poster.Head(testCtx, topic); n != uint64(len(msgs)) {
		t.Fatalf("a refused split batch changed the count to %d", n)
	}
}

// A flakyClient fails calls while its budget lasts: the node is down.
type flakyClient struct {
	Client
	failures atomic.Int64 // calls still to fail
	failed   atomic.Int64
	// lostReply: SendTransaction delivers the transaction, then fails
	// (the answer is lost), while failures last.
	lostReply bool
	// dropSeq, if >= 0, removes the Posted event of that entry from logs.
	dropSeq int64
}

var errDown = &netErr{}

type netErr struct{}

func (*netErr) Error() string   { return "dial tcp 127.0.0.1:8545: connect: connection refused" }
func (*netErr) Unwrap() error   { return syscall.ECONNREFUSED }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return true }

func (f *flakyClient) fail() error {
	if f.failures.Add(-1) >= 0 {
		f.failed.Add(1)
		return errDown
	}
	return nil
}

func (f *flakyClient) BlockNumber(ctx context.Context) (uint64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Client.BlockNumber(ctx)
}

func (f *flakyClient) CallContract(ctx context.Context, msg ethereum.CallMsg, n *big.Int) ([]byte, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Client.CallContract(ctx, msg, n)
}

func (f *flakyClient) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Client.EstimateGas(ctx, msg)
}

func (f *flakyClient) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if f.lostReply {
		if err := f.fail(); err != nil {
			f.Client.SendTransaction(ctx, tx)
			return err
		}
	} else if err := f.fail(); err != nil {
		return err
	}
	return f.Client.SendTransaction(ctx, tx)
}

func (f *flakyClient) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Client.TransactionReceipt(ctx, h)
}

func (f *flakyClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	logs, err := f.Client.FilterLogs(ctx, q)
	if f.dropSeq >= 0 {
		logs = slices.DeleteFunc(logs, func(l types.Log) bool {
			return len(l.Topics) > 2 && new(big.Int).SetBytes(l.Topics[2][:]).Int64() == f.dropSeq
		})
	}
	return logs, err
}

// The node is down for a while: calls are retried with backoff, and every
// entry lands exactly once.
func TestNodeDownRetries(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	for _, lost := range []bool{false, true} {
		fc := &flakyClient{Client: c.client, dropSeq: -1, lostReply: lost}
		b := c.board(t, fc, 1, c.config())
		_, before, _ := b.Head(testCtx, topic)
		var want [][]byte
		for i := range 5 {
			fc.failures.Store(3)
			p := fmt.Appendf(nil, "lost reply %v, entry %d", lost, i)
			want = append(want, p)
			if _, err := b.Append(testCtx, topic, bulletin.KindDocAnchor, p); err != nil {
				t.Fatalf("lost reply %v: Append %d: %v", lost, i, err)
			}
		}
		if fc.failed.Load() != 15 {
			t.Fatalf("the double failed %d calls, want 15", fc.failed.Load())
		}
		_, after, _ := poster.Head(testCtx, topic)
		if after-before != 5 {
			t.Fatalf("lost reply %v: 5 appends made %d entries", lost, after-before)
		}
		got, err := poster.Entries(testCtx, topic, before, after)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range got {
			if !bytes.Equal(e.Payload, want[i]) {
				t.Fatalf("lost reply %v: entry %d is %q, want %q", lost, i, e.Payload, want[i])
			}
		}
	}

	// Down for longer than the retries last: the error says so.
	fc := &flakyClient{Client: c.client, dropSeq: -1}
	cfg := c.config()
	cfg.MaxRetries = 2
	b := c.board(t, fc, 1, cfg)
	fc.failures.Store(100)
	if _, err := b.Append(testCtx, topic, bulletin.KindDocAnchor, []byte("x")); err == nil || !transient(err) {
		t.Fatalf("Append with the node down: %v, want a transient error", err)
	}
	// And the wait is cancellable.
	ctx, cancel := context.WithTimeout(testCtx, 20*time.Millisecond)
	defer cancel()
	cfg.MaxRetries, cfg.RetryDelay = 1000, 5*time.Millisecond
	b = c.board(t, fc, 1, cfg)
	fc.failures.Store(1 << 40)
	if _, err := b.Append(ctx, topic, bulletin.KindDocAnchor, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Append with the node down and a deadline: %v", err)
	}
}

// A post whose transaction reached the node but whose answer never came
// back fails with ErrOutcomeUnknown; AppendOnce then resumes it without
// posting anything twice.
func TestAppendOnceAfterUnknownOutcome(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	lc := &lostReplyClient{Client: c.client}
	cfg := c.config()
	cfg.MaxRetries = 1
	b := c.board(t, lc, 1, cfg)

	_, from, _ := b.Head(testCtx, topic)
	msgs := []bulletin.Message{{Kind: bulletin.KindDocAnchor, Payload: []byte("a")}, {Kind: bulletin.KindDocAnchor, Payload: []byte("b")}}
	// The transaction reaches the node, the answers to it and to the
	// retry are lost.
	lc.lost.Store(2)
	_, err := b.AppendBatch(testCtx, topic, msgs)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("AppendBatch with lost replies: %v, want ErrOutcomeUnknown", err)
	}
	// The caller retries: the batch was delivered, so nothing is posted.
	seqs, err := b.AppendOnce(testCtx, topic, from, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs, []uint64{from, from + 1}) {
		t.Fatalf("AppendOnce = %v", seqs)
	}
	// Retrying again, with a third message, posts only the third.
	msgs = append(msgs, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: []byte("c")})
	seqs, err = b.AppendOnce(testCtx, topic, from, msgs)
	if err != nil || !slices.Equal(seqs, []uint64{from, from + 1, from + 2}) {
		t.Fatalf("AppendOnce = %v, %v", seqs, err)
	}
	checkLog(t, poster, topic, [][]byte{[]byte("a"), []byte("b"), []byte("c")})

	// A transaction that never reached the node: AppendOnce posts it.
	lc.lost.Store(2)
	lc.drop = true
	_, from, _ = b.Head(testCtx, topic)
	d := []bulletin.Message{{Kind: bulletin.KindDocAnchor, Payload: []byte("d")}}
	if _, err := b.AppendBatch(testCtx, topic, d); !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("AppendBatch with the node down: %v, want ErrOutcomeUnknown", err)
	}
	if seqs, err := b.AppendOnce(testCtx, topic, from, d); err != nil || !slices.Equal(seqs, []uint64{from}) {
		t.Fatalf("AppendOnce = %v, %v", seqs, err)
	}
	checkLog(t, poster, topic, [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d")})
}

// lostReplyClient delivers transactions (or drops them, if drop) but
// reports a network error while lost lasts.
type lostReplyClient struct {
	Client
	lost atomic.Int64
	drop bool
	sent atomic.Int64
}

func (l *lostReplyClient) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	l.sent.Add(1)
	if l.lost.Add(-1) >= 0 {
		if !l.drop {
			l.Client.SendTransaction(ctx, tx)
		}
		return errDown
	}
	return l.Client.SendTransaction(ctx, tx)
}

// A node that leaves out one event: the reader finds the gap through the
// sequence numbers and the stored count.
func TestGapInLogs(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	var msgs []bulletin.Message
	for i := range 6 {
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindDocAnchor, Payload: fmt.Appendf(nil, "entry %d", i)})
	}
	if _, err := poster.AppendBatch(testCtx, topic, msgs[:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := poster.AppendBatch(testCtx, topic, msgs[3:]); err != nil {
		t.Fatal(err)
	}
	for _, drop := range []int64{0, 2, 3, 5} {
		fc := &flakyClient{Client: c.client, dropSeq: drop}
		r := c.board(t, fc, 3, c.config())
		for _, rg := range [][2]uint64{{0, 6}, {1, 6}, {uint64(drop), uint64(drop) + 1}} {
			if _, err := r.Entries(testCtx, topic, rg[0], rg[1]); !errors.Is(err, bulletin.ErrGap) {
				t.Errorf("entry %d dropped: Entries(%d, %d) = %v, want ErrGap", drop, rg[0], rg[1], err)
			}
		}
		for _, err := range r.Follow(testCtx, topic, 0) {
			if err != nil {
				if !errors.Is(err, bulletin.ErrGap) {
					t.Errorf("entry %d dropped: Follow: %v, want ErrGap", drop, err)
				}
				break
			}
		}
	}
}

// A reorg drops the block holding an entry before it is final: the entry is
// pending again, re-sent, and Append returns once it is final on the new
// chain; it is on the board once.
func TestReorg(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	cfg := c.config()
	cfg.Confirmations = 2
	cfg.Mine = nil // this test makes the blocks
	cfg.ResendInterval = 20 * time.Millisecond
	sends := &lostReplyClient{Client: c.client} // counts sends only
	b := c.board(t, sends, 1, cfg)

	addr := common.Address(b.Address())
	nonce, _ := c.client.PendingNonceAt(testCtx, addr)
	type result struct {
		seq uint64
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := b.Append(testCtx, topic, bulletin.KindDocAnchor, []byte("reorged"))
		done <- result{s, err}
	}()
	for n := nonce; n == nonce; n, _ = c.client.PendingNonceAt(testCtx, addr) {
		time.Sleep(time.Millisecond)
	}
	parent, _ := c.client.HeaderByNumber(testCtx, nil)
	first := c.sim.Commit() // the entry's block, one confirmation short
	rc, err := c.client.BlockByHash(testCtx, first)
	if err != nil || len(rc.Transactions()) != 1 {
		t.Fatalf("the first block holds %v transactions (%v)", len(rc.Transactions()), err)
	}
	time.Sleep(20 * time.Millisecond)
	// Reorg: a sibling chain without the transaction, whose pool is emptied.
	if err := c.sim.Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	c.sim.Rollback()
	c.sim.Commit()
	c.sim.Commit()
	if h, _ := c.client.HeaderByNumber(testCtx, nil); h.Number.Uint64() != parent.Number.Uint64()+2 {
		t.Fatalf("the fork is at %v", h.Number)
	}
	select {
	case r := <-done:
		t.Fatalf("Append returned %v, %v before the entry was final", r.seq, r.err)
	default:
	}
	var r result
	deadline := time.After(20 * time.Second)
wait:
	for {
		select {
		case r = <-done:
			break wait
		case <-deadline:
			t.Fatal("Append did not return")
		case <-time.After(10 * time.Millisecond):
			c.sim.Commit()
		}
	}
	if r.err != nil || r.seq != 0 {
		t.Fatalf("Append = %d, %v", r.seq, r.err)
	}
	checkLog(t, poster, topic, [][]byte{[]byte("reorged")})
	if n := sends.sent.Load(); n < 2 {
		t.Errorf("the transaction was sent %d times; the reorg should have made the board re-send it", n)
	}
	top, _ := c.client.BlockNumber(testCtx)
	logs, _ := b.filter(testCtx, topic, nil, 0, top)
	if len(logs) != 1 || logs[0].BlockHash == first {
		t.Fatalf("the entry is in %d canonical logs (the reorged block was %v)", len(logs), first)
	}
}

// Confirmations: an entry is not final, and readers do not see it, until
// enough blocks are on top.
func TestConfirmations(t *testing.T) {
	c := newTestChain(t)
	_, poster, topic := setup(t, c)
	cfg := c.config()
	cfg.Confirmations = 3
	b := c.board(t, c.client, 1, cfg)
	before, _ := c.client.BlockNumber(testCtx)
	seq, err := b.Append(testCtx, topic, bulletin.KindDocAnchor, []byte("x"))
	if err != nil || seq != 0 {
		t.Fatal(seq, err)
	}
	after, _ := c.client.BlockNumber(testCtx)
	if after < before+1+3 {
		t.Fatalf("Append returned at block %d, the entry's block is %d and needs 3 confirmations", after, before+1)
	}
	_ = poster
}
