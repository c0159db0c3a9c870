package voting_test

import (
	"context"
	"crypto/sha3"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
)

// testRand is crypto/internal/testrand (which voting may not import): the
// SHAKE256 stream of "veche/testrand/v1" || seed. Tests and vectors only.
func testRand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}

// memStore is a KeygenStore in memory.
type memStore struct {
	mu    sync.Mutex
	state []byte
	saves int
}

func (s *memStore) LoadState() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, nil
}

func (s *memStore) SaveState(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state, s.saves = slices.Clone(b), s.saves+1
	return nil
}

// A ceremony is an election on the in-memory board with k-of-n trustees,
// their long-term keys and keygen stores.
type ceremony struct {
	t          testing.TB
	seed       string
	board      *memboard.Board
	m          *voting.Manifest
	keys       []*hybrid.PrivateKey
	stores     []*memStore
	commission *memboard.Client
}

// newCeremony publishes the example election with trustees k of n.
func newCeremony(t testing.TB, k, n int, seed string) *ceremony {
	t.Helper()
	m := exampleManifest(t)
	m.ID = "ceremony-" + strings.ToLower(strings.ReplaceAll(seed, " ", "-"))
	m.Trustees.Threshold = k
	m.Trustees.Members = nil
	c := &ceremony{t: t, seed: seed, board: memboard.New(), m: m}
	for j := 1; j <= n; j++ {
		m.Trustees.Members = append(m.Trustees.Members, voting.Party{Name: fmt.Sprintf("Trustee %d", j), Address: fmt.Sprintf("0x20000000000000000000000000000000000000%02x", j)})
		key, err := hybrid.GenerateKey(testRand(fmt.Sprintf("%s key %d", seed, j)))
		if err != nil {
			t.Fatal(err)
		}
		c.keys = append(c.keys, key)
		c.stores = append(c.stores, &memStore{})
	}
	c.commission = c.board.As(mustAddr(t, m.Commission.Address))
	if err := voting.Publish(context.Background(), c.commission, m); err != nil {
		t.Fatal(err)
	}
	return c
}

func exampleManifest(t testing.TB) *voting.Manifest {
	t.Helper()
	if tt, ok := t.(*testing.T); ok {
		return example(tt)
	}
	b, err := readExample()
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readExample() ([]byte, error) { return os.ReadFile("testdata/election.yaml") }

func mustAddr(t testing.TB, s string) bulletin.Address {
	t.Helper()
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// as returns trustee j's board client.
func (c *ceremony) as(j int) *memboard.Client {
	return c.board.As(mustAddr(c.t, c.m.Trustees.Members[j-1].Address))
}

func (c *ceremony) join(j int) {
	c.t.Helper()
	if _, err := voting.Join(context.Background(), c.as(j), c.m, c.keys[j-1], testRand(fmt.Sprintf("%s join %d", c.seed, j))); err != nil {
		c.t.Fatalf("trustee %d joining: %v", j, err)
	}
}

func (c *ceremony) joinAll() {
	for j := range c.keys {
		c.join(j + 1)
	}
}

func (c *ceremony) phase(p bulletin.Phase) {
	c.t.Helper()
	if err := voting.SetPhase(context.Background(), c.commission, c.m.ID, p); err != nil {
		c.t.Fatal(err)
	}
}

func (c *ceremony) opts(j int, run string) *voting.KeygenOptions {
	return &voting.KeygenOptions{Rand: testRand(fmt.Sprintf("%s keygen %d %s", c.seed, j, run))}
}

// keygen runs trustee j's keygen on board b (its client, or a wrapper).
func (c *ceremony) keygen(ctx context.Context, b voting.Board, j int, opts *voting.KeygenOptions) (*dkg.Result, error) {
	return voting.RunKeygen(ctx, b, c.m, c.keys[j-1], c.stores[j-1], opts)
}

// step runs trustee j's keygen with NoWait and expects it to stop pending.
func (c *ceremony) step(j int, run string) {
	c.t.Helper()
	opts := c.opts(j, run)
	opts.NoWait = true
	if res, err := c.keygen(context.Background(), c.as(j), j, opts); !errors.Is(err, voting.ErrPending) {
		c.t.Fatalf("trustee %d (%s): %v, %v; want pending", j, run, res, err)
	}
}

// finish runs trustee j's keygen with NoWait after the close.
func (c *ceremony) finish(j int) *dkg.Result {
	c.t.Helper()
	opts := c.opts(j, "finish")
	opts.NoWait = true
	res, err := c.keygen(context.Background(), c.as(j), j, opts)
	if err != nil {
		c.t.Fatalf("trustee %d finishing: %v", j, err)
	}
	return res
}

func (c *ceremony) state() *voting.CeremonyState {
	c.t.Helper()
	s, err := voting.ReadCeremony(context.Background(), c.board, c.m)
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// post appends an entry as account a and returns its sequence number.
func (c *ceremony) post(a bulletin.Address, kind bulletin.Kind, payload []byte) uint64 {
	c.t.Helper()
	seq, err := c.board.As(a).Append(context.Background(), c.m.Topic(), kind, payload)
	if err != nil {
		c.t.Fatal(err)
	}
	return seq
}

// ignored returns the reason entry seq was ignored, or "".
func ignored(s *voting.CeremonyState, seq uint64) string {
	for _, i := range s.Ignored {
		if i.Seq == seq {
			return i.Reason
		}
	}
	return ""
}

// runConcurrently runs every trustee's keygen at once (trustee j on
// boards[j-1], or its own client if nil) while the commission closes the
// ceremony as soon as it can, and returns the results.
func (c *ceremony) runConcurrently(boards []voting.Board, closeOpts *voting.CloseOptions, without []uint32) ([]*dkg.Result, *dkg.PublicResult) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := len(c.keys)
	results := make([]*dkg.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for j := 1; j <= n; j++ {
		if slices.Contains(without, uint32(j)) {
			continue
		}
		var b voting.Board = c.as(j)
		if boards != nil && boards[j-1] != nil {
			b = boards[j-1]
		}
		opts := c.opts(j, "concurrent")
		opts.Without = without
		wg.Go(func() { results[j-1], errs[j-1] = c.keygen(ctx, b, j, opts) })
	}
	posted := c.closeWhenReady(ctx, closeOpts)
	wg.Wait()
	for j, err := range errs {
		if err != nil {
			c.t.Fatalf("trustee %d: %v", j+1, err)
		}
	}
	return results, posted
}

// closeWhenReady closes the ceremony once the commission can.
func (c *ceremony) closeWhenReady(ctx context.Context, opts *voting.CloseOptions) *dkg.PublicResult {
	c.t.Helper()
	for {
		s := c.state()
		res, err := voting.CloseCeremony(ctx, c.commission, c.m, opts)
		if err == nil {
			return res
		}
		if !errors.Is(err, voting.ErrNotReady) {
			c.t.Fatalf("closing: %v", err)
		}
		for _, err := range c.board.Follow(ctx, c.m.Topic(), s.Read) {
			if err != nil {
				c.t.Fatalf("closing: %v (%s)", err, strings.Join(s.Waiting(), "; "))
			}
			break
		}
	}
}

// checkShares checks that every trustee's share lies on one polynomial
// whose value at 0 is the secret of the joint key: any k of them
// interpolate to x with x·G = Y.
func checkShares(t *testing.T, pub *dkg.PublicResult, results []*dkg.Result) {
	t.Helper()
	var have []*dkg.Result
	for _, r := range results {
		if r != nil {
			if !r.Public.Equal(pub) {
				t.Fatalf("trustee %d computed another result", r.Index)
			}
			have = append(have, r)
		}
	}
	k := pub.Threshold
	for _, subset := range [][]*dkg.Result{have[:k], have[len(have)-k:]} {
		x := group.NewScalar()
		for _, r := range subset {
			lambda := new(group.Scalar).SetUint64(1)
			for _, o := range subset {
				if o.Index == r.Index {
					continue
				}
				num := new(group.Scalar).SetUint64(uint64(o.Index))
				den := new(group.Scalar).SetInt64(int64(o.Index) - int64(r.Index))
				lambda.Multiply(lambda, num.Multiply(num, new(group.Scalar).Invert(den)))
			}
			x.MultiplyAdd(lambda, r.Share, x)
		}
		if new(group.Element).ScalarBaseMult(x).Equal(pub.JointKey) != 1 {
			t.Fatal("k shares do not interpolate to the secret of the joint key")
		}
	}
}

// The honest ceremony, k-of-n 2-of-3 and 3-of-5: every trustee runs keygen
// at the same time, following the board; the commission closes as soon as
// everyone is ready; every trustee, the commission and any reader of the
// board get the same result, and the shares are shares of the joint key.
func TestCeremonyHonest(t *testing.T) {
	for _, kn := range [][2]int{{2, 3}, {3, 5}} {
		k, n := kn[0], kn[1]
		t.Run(fmt.Sprintf("%d-of-%d", k, n), func(t *testing.T) {
			c := newCeremony(t, k, n, fmt.Sprintf("honest %d of %d", k, n))
			c.joinAll()
			if s := c.state(); s.Params == nil || s.Joined() != n || !strings.Contains(strings.Join(s.Waiting(), ";"), "start the key ceremony") {
				t.Fatalf("after the joins: %d joined, waiting for %q", s.Joined(), s.Waiting())
			}
			c.phase(bulletin.PhaseKeyCeremony)
			results, posted := c.runConcurrently(nil, nil, nil)
			checkShares(t, posted, results)

			got, err := voting.JointKey(context.Background(), c.board, c.m)
			if err != nil || !got.Equal(posted) {
				t.Fatalf("JointKey: %v", err)
			}
			if len(got.Qualified) != n || len(got.Blames) != 0 {
				t.Fatalf("QUAL %v, blames %v", got.Qualified, got.Blames)
			}
			s := c.state()
			if !s.Matches() || len(s.Waiting()) != 0 || len(s.Ignored) != 0 || len(s.NotReady()) != 0 {
				t.Fatalf("state: matches %v, waiting %q, ignored %v", s.Matches(), s.Waiting(), s.Ignored)
			}
			// n joins, 2n dealt messages, n readies, the result: nothing twice.
			if len(s.Messages) != 2*n {
				t.Fatalf("%d ceremony messages, want %d", len(s.Messages), 2*n)
			}
			for j, ts := range s.Trustees {
				if !ts.Dealt() || ts.Disqualified || ts.Complaints != 0 || ts.Ready == nil {
					t.Fatalf("trustee %d: %+v", j+1, ts)
				}
				if ts.Ready.Messages < uint32(2*n) {
					t.Fatalf("trustee %d was ready after only %d messages", j+1, ts.Ready.Messages)
				}
			}
			c.phase(bulletin.PhaseOpen)
			if _, err := voting.JointKey(context.Background(), c.board, c.m); err != nil {
				t.Fatalf("JointKey once the election is open: %v", err)
			}
		})
	}
}

// tamperingBoard posts as trustee `dealer` but replaces, in its dkg-shares
// entry, the share for trustee victim with an encryption of a wrong value:
// a dealer that deals inconsistent shares.
type tamperingBoard struct {
	*memboard.Client
	c              *ceremony
	dealer, victim uint32
}

func (b *tamperingBoard) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	for n, msg := range msgs {
		if msg.Kind != bulletin.KindDKGShares {
			continue
		}
		sh, err := dkg.ParseShares(msg.Payload)
		if err != nil {
			return nil, err
		}
		s, err := voting.ReadCeremony(ctx, b.Client, b.c.m)
		if err != nil {
			return nil, err
		}
		dctx, _ := s.Params.Context()
		ad := append([]byte("veche/dkg/v1/share"), dctx[:]...)
		ad = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(ad, b.dealer), b.victim)
		wrong, _ := group.RandomScalar(testRand("wrong share"))
		for i, e := range sh.Shares {
			if e.Recipient == b.victim {
				sh.Shares[i].Ciphertext, err = hybrid.Encrypt(testRand("tamper"), s.Trustees[b.victim-1].Key, wrong.Bytes(), ad)
				if err != nil {
					return nil, err
				}
			}
		}
		msgs[n].Payload = sh.Bytes()
	}
	return b.Client.AppendBatch(ctx, topic, msgs)
}

// A dealer sends trustee 1 a share that does not match its commitments:
// trustee 1 complains with the evidence, the dealer is disqualified, and
// every trustee and observer agrees on QUAL and the key. The disqualified
// dealer still gets a share of the key from the others.
func TestCeremonyBadDealer(t *testing.T) {
	c := newCeremony(t, 2, 3, "bad dealer")
	c.joinAll()
	c.phase(bulletin.PhaseKeyCeremony)
	bad := &tamperingBoard{Client: c.as(3), c: c, dealer: 3, victim: 1}
	results, posted := c.runConcurrently([]voting.Board{nil, nil, bad}, nil, nil)
	if !slices.Equal(posted.Qualified, []uint32{1, 2}) {
		t.Fatalf("QUAL = %v, want [1 2]", posted.Qualified)
	}
	checkShares(t, posted, results)
	s := c.state()
	if !s.Matches() || !s.Trustees[2].Disqualified || s.Trustees[0].Complaints != 1 || s.Trustees[0].Ready.Complaints != 1 {
		t.Fatalf("state: matches %v, trustee 3 %+v, trustee 1 %+v", s.Matches(), s.Trustees[2], s.Trustees[0])
	}
	var outcomes []string
	for _, m := range s.Messages {
		if m.Message.Type() == dkg.TypeComplaint {
			outcomes = append(outcomes, m.Outcome)
		}
	}
	if !slices.Equal(outcomes, []string{"justified complaint"}) {
		t.Fatalf("complaints: %v", outcomes)
	}
	found := false
	for _, b := range posted.Blames {
		found = found || b.Fault == dkg.FaultBadShare && b.Party == 3 && b.Other == 1
	}
	if !found {
		t.Fatalf("blames %v do not name dealer 3's bad share for trustee 1", posted.Blames)
	}
}

// Entries that must count for nothing: joins by the wrong account, without
// a valid proof of possession, for another election, a second join;
// DKG messages posted by another trustee's account or before everyone
// joined; a message of another election, which the state machine rejects
// and blames. The ceremony then completes as if they were not there.
func TestCeremonyIgnoredEntries(t *testing.T) {
	ctx := context.Background()
	c := newCeremony(t, 2, 3, "ignored")
	addr := func(j int) bulletin.Address { return mustAddr(t, c.m.Trustees.Members[j-1].Address) }
	fp, _ := c.m.Fingerprint()
	other := zkp.Fingerprint{1, 2, 3}

	join1, err := voting.NewJoinEntry(testRand("j1"), fp, 1, c.keys[0])
	if err != nil {
		t.Fatal(err)
	}
	wrongPoster := c.post(addr(2), bulletin.KindTrusteeJoined, join1.Bytes())
	badProof, _ := voting.NewJoinEntry(testRand("j1b"), fp, 2, c.keys[0]) // proves for index 2 …
	badProof.Index = 1                                                    // … claims index 1
	noPossession := c.post(addr(1), bulletin.KindTrusteeJoined, badProof.Bytes())
	otherJoin, _ := voting.NewJoinEntry(testRand("j1c"), other, 1, c.keys[0])
	otherElection := c.post(addr(1), bulletin.KindTrusteeJoined, otherJoin.Bytes())
	garbage := c.post(addr(1), bulletin.KindTrusteeJoined, []byte{1, 1, 2, 3})
	if s := c.state(); s.Trustees[0].Joined() {
		t.Fatal("trustee 1 joined by invalid entries")
	}

	c.join(1)
	first := c.state().Trustees[0].JoinSeq
	if _, err := voting.Join(ctx, c.as(1), c.m, c.keys[0], nil); err != nil { // again: posts nothing
		t.Fatal(err)
	}
	if s := c.state(); s.Read != first+1 {
		t.Fatalf("a second Join with the same key posted: %d entries", s.Read)
	}
	again := c.post(addr(1), bulletin.KindTrusteeJoined, join1.Bytes())
	otherKey, _ := hybrid.GenerateKey(testRand("other key"))
	if _, err := voting.Join(ctx, c.as(1), c.m, otherKey, nil); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("Join with another key: %v", err)
	}
	j1other, _ := voting.NewJoinEntry(testRand("j1d"), fp, 1, otherKey)
	secondKey := c.post(addr(1), bulletin.KindTrusteeJoined, j1other.Bytes())
	sameKey, _ := voting.NewJoinEntry(testRand("j2"), fp, 2, c.keys[0]) // trustee 2 with trustee 1's key
	duplicateKey := c.post(addr(2), bulletin.KindTrusteeJoined, sameKey.Bytes())

	c.join(2)
	c.phase(bulletin.PhaseKeyCeremony)
	// Before trustee 3 joins there are no parameters: DKG entries wait for nobody.
	early := c.post(addr(2), bulletin.KindDKGCommitments, []byte{1})
	c.join(3)
	s := c.state()
	if !s.Trustees[0].Key.Equal(c.keys[0].Public()) || s.Params == nil {
		t.Fatal("the first valid join of trustee 1 does not count")
	}

	// Trustee 1 deals; trustee 2's account copies its commitments as its own
	// entry; trustee 1's account posts commitments of another election.
	c.step(1, "deal")
	s = c.state()
	cm1 := s.Messages[0].Message.Bytes()
	copied := c.post(addr(2), bulletin.KindDKGCommitments, cm1)
	wrongKind := c.post(addr(1), bulletin.KindDKGShares, cm1)
	p := *s.Params
	p.Fingerprint = other
	otherTrustee, err := dkg.New(&p, 1, c.keys[0])
	if err != nil {
		t.Fatal(err)
	}
	otherCm, _, err := otherTrustee.Deal(testRand("other election"))
	if err != nil {
		t.Fatal(err)
	}
	replayed := c.post(addr(1), bulletin.KindDKGCommitments, otherCm.Bytes())

	c.step(2, "deal")
	c.step(3, "deal")
	c.step(1, "ready")
	c.step(2, "ready")
	c.step(3, "ready") // already ready: posts nothing
	if _, err := voting.CloseCeremony(ctx, c.commission, c.m, nil); err != nil {
		t.Fatal(err)
	}
	results := []*dkg.Result{c.finish(1), c.finish(2), c.finish(3)}
	pub, err := voting.JointKey(ctx, c.board, c.m)
	if err != nil {
		t.Fatal(err)
	}
	checkShares(t, pub, results)

	s = c.state()
	for _, want := range []struct {
		seq    uint64
		reason string
	}{
		{wrongPoster, "join for trustee 1 posted by trustee 2's account"},
		{noPossession, "proof of possession"},
		{otherElection, "another election"},
		{garbage, "malformed"},
		{again, "already joined with this key"},
		{secondKey, "already joined with another key"},
		{duplicateKey, "joined with the key of trustee 1"},
		{early, "before every trustee joined"},
		{copied, "names trustee 1 as its sender but was posted by trustee 2's account"},
		{wrongKind, "a commitments message in a dkg-shares entry"},
	} {
		if got := ignored(s, want.seq); !strings.Contains(got, want.reason) {
			t.Errorf("entry %d: ignored for %q, want %q", want.seq, got, want.reason)
		}
	}
	if len(s.Ignored) != 10 {
		t.Errorf("%d entries ignored, want 10: %v", len(s.Ignored), s.Ignored)
	}
	// The other election's message is one of the ceremony's messages: the
	// state machine rejects it and blames its poster.
	var outcome string
	for _, m := range s.Messages {
		if m.Seq == replayed {
			outcome = m.Outcome
		}
	}
	if outcome != "another election" || !errors.Is(messageErr(s, replayed), dkg.ErrWrongElection) {
		t.Fatalf("the other election's commitments: %q", outcome)
	}
	if len(pub.Blames) != 1 || pub.Blames[0].Party != 1 || pub.Blames[0].Fault != dkg.FaultRejected {
		t.Fatalf("blames: %v", pub.Blames)
	}
	if len(pub.Qualified) != 3 {
		t.Fatalf("QUAL %v", pub.Qualified)
	}
}

func messageErr(s *voting.CeremonyState, seq uint64) error {
	for _, m := range s.Messages {
		if m.Seq == seq {
			return m.Err
		}
	}
	return nil
}

// countBy counts the entries of kind posted by a.
func (c *ceremony) countBy(a bulletin.Address, kind bulletin.Kind) int {
	c.t.Helper()
	_, count, _ := c.board.Head(context.Background(), c.m.Topic())
	es, err := c.board.Entries(context.Background(), c.m.Topic(), 0, count)
	if err != nil {
		c.t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Poster == a && e.Kind == kind {
			n++
		}
	}
	return n
}

// crashingBoard fails the first AppendBatch: the trustee's process dies
// after saving its dealer state and before posting.
type crashingBoard struct {
	*memboard.Client
	crashed bool
}

func (b *crashingBoard) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	if !b.crashed {
		b.crashed = true
		return nil, errors.New("killed")
	}
	return b.Client.AppendBatch(ctx, topic, msgs)
}

// A trustee's keygen dies after saving its state but before posting, then
// after posting, then after the result: each rerun picks up from the board
// and the saved state, posts nothing twice and gets the same result.
func TestCeremonyRestart(t *testing.T) {
	c := newCeremony(t, 2, 3, "restart")
	c.joinAll()
	c.phase(bulletin.PhaseKeyCeremony)
	a1 := mustAddr(t, c.m.Trustees.Members[0].Address)

	crash := &crashingBoard{Client: c.as(1)}
	opts := c.opts(1, "crash")
	opts.NoWait = true
	if _, err := c.keygen(context.Background(), crash, 1, opts); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the crashing run: %v", err)
	}
	if c.stores[0].saves != 1 || c.countBy(a1, bulletin.KindDKGCommitments) != 0 {
		t.Fatal("the state was not saved before posting, or something was posted")
	}
	saved := slices.Clone(c.stores[0].state)
	c.step(1, "rerun") // posts the saved messages
	c.step(1, "rerun again")
	if c.stores[0].saves != 1 || !slices.Equal(saved, c.stores[0].state) {
		t.Fatal("the rerun dealt again")
	}
	c.step(2, "deal")
	c.step(3, "deal")
	c.step(1, "ready")
	c.step(1, "ready again")
	c.step(2, "ready")
	c.step(3, "ready")
	if _, err := voting.CloseCeremony(context.Background(), c.commission, c.m, nil); err != nil {
		t.Fatal(err)
	}
	// The commission's close is idempotent too.
	if _, err := voting.CloseCeremony(context.Background(), c.commission, c.m, nil); err != nil {
		t.Fatal(err)
	}
	r1 := c.finish(1)
	r1again := c.finish(1)
	if r1.Share.Equal(r1again.Share) != 1 || !r1.Public.Equal(r1again.Public) {
		t.Fatal("a rerun after the result gives another share")
	}
	checkShares(t, r1.Public, []*dkg.Result{r1, c.finish(2), c.finish(3)})
	for kind, want := range map[bulletin.Kind]int{bulletin.KindDKGCommitments: 1, bulletin.KindDKGShares: 1, bulletin.KindTrusteeJoined: 2} {
		if got := c.countBy(a1, kind); got != want {
			t.Errorf("trustee 1 posted %d %v entries, want %d", got, kind, want)
		}
	}
	if got := c.countBy(mustAddr(t, c.m.Commission.Address), bulletin.KindDKGResult); got != 1 {
		t.Errorf("%d dkg-result entries", got)
	}

	// A trustee that lost its state cannot compute its share, and says so.
	c.stores[0].state = nil
	opts = c.opts(1, "lost")
	opts.NoWait = true
	if _, err := c.keygen(context.Background(), c.as(1), 1, opts); err == nil || !strings.Contains(err.Error(), "no polynomial") {
		t.Fatalf("keygen without the saved state after the close: %v", err)
	}
}

// The commission refuses to close too early: before the key-ceremony
// phase, as another account, with fewer than k trustees ready even when
// forced. With a dealer gone, the others post ready without it and the
// forced close gives the k present dealers' key.
func TestCeremonyClose(t *testing.T) {
	ctx := context.Background()
	c := newCeremony(t, 2, 3, "close")
	c.joinAll()
	if _, err := voting.CloseCeremony(ctx, c.commission, c.m, nil); !errors.Is(err, voting.ErrNotReady) || !strings.Contains(err.Error(), "phase setup") {
		t.Fatalf("close in setup: %v", err)
	}
	c.phase(bulletin.PhaseKeyCeremony)
	if _, err := voting.CloseCeremony(ctx, c.as(1), c.m, nil); !errors.Is(err, voting.ErrNotCommission) {
		t.Fatalf("close by a trustee: %v", err)
	}
	c.step(1, "deal")
	c.step(2, "deal")
	without := []uint32{3}
	opts := c.opts(1, "ready")
	opts.NoWait, opts.Without = true, without
	if _, err := c.keygen(ctx, c.as(1), 1, opts); !errors.Is(err, voting.ErrPending) {
		t.Fatal(err)
	}
	if s := c.state(); s.Trustees[0].Ready == nil || s.Trustees[1].Ready != nil {
		t.Fatal("trustee 1 should be ready (without trustee 3), trustee 2 not")
	}
	for _, force := range []bool{false, true} {
		_, err := voting.CloseCeremony(ctx, c.commission, c.m, &voting.CloseOptions{Force: force})
		if !errors.Is(err, voting.ErrNotReady) || !strings.Contains(err.Error(), "1 of 3 trustees are ready") {
			t.Fatalf("close (force %v) with 1 ready: %v", force, err)
		}
	}
	opts = c.opts(2, "ready")
	opts.NoWait, opts.Without = true, without
	if _, err := c.keygen(ctx, c.as(2), 2, opts); !errors.Is(err, voting.ErrPending) {
		t.Fatal(err)
	}
	if _, err := voting.CloseCeremony(ctx, c.commission, c.m, nil); !errors.Is(err, voting.ErrNotReady) || !strings.Contains(err.Error(), "not ready: trustee 3") {
		t.Fatalf("close without force with trustee 3 missing: %v", err)
	}
	pub, err := voting.CloseCeremony(ctx, c.commission, c.m, &voting.CloseOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pub.Qualified, []uint32{1, 2}) {
		t.Fatalf("QUAL %v", pub.Qualified)
	}
	checkShares(t, pub, []*dkg.Result{c.finish(1), c.finish(2)})
	// Trustee 3 comes back too late: it has no dealer state to lose and
	// gets its share from the qualified dealers.
	checkShares(t, pub, []*dkg.Result{c.finish(3), c.finish(1)})
	// Finishing late posts nothing: the ceremony is over.
	if got := c.countBy(mustAddr(t, c.m.Trustees.Members[2].Address), bulletin.KindDKGCommitments); got != 0 {
		t.Fatalf("trustee 3 dealt after the close")
	}
}

// A dkg-result that is not the outcome of the board's messages (here: the
// result of a ceremony without dealer 3) is detected by every reader and
// by the trustees, who do not accept a share for it.
func TestJointKeyDetectsWrongResult(t *testing.T) {
	ctx := context.Background()
	c := newCeremony(t, 2, 3, "wrong result")
	c.joinAll()
	c.phase(bulletin.PhaseKeyCeremony)
	for j := 1; j <= 3; j++ {
		c.step(j, "deal")
	}
	if _, err := voting.JointKey(ctx, c.board, c.m); !errors.Is(err, voting.ErrNoResult) {
		t.Fatalf("JointKey before the close: %v", err)
	}
	s := c.state()
	var msgs []dkg.Message
	for _, m := range s.Messages {
		if m.Message.Sender() != 3 {
			msgs = append(msgs, m.Message)
		}
	}
	wrong, err := dkg.VerifyCeremony(s.Params, msgs)
	if err != nil {
		t.Fatal(err)
	}
	c.post(mustAddr(t, c.m.Commission.Address), bulletin.KindDKGResult, wrong.Bytes())
	if _, err := voting.JointKey(ctx, c.board, c.m); !errors.Is(err, voting.ErrResultMismatch) {
		t.Fatalf("JointKey with a wrong result: %v", err)
	}
	opts := c.opts(1, "finish")
	opts.NoWait = true
	if res, err := c.keygen(ctx, c.as(1), 1, opts); !errors.Is(err, voting.ErrResultMismatch) {
		t.Fatalf("trustee 1 finishing on a wrong result: %v, %v", res, err)
	}
	if _, err := voting.CloseCeremony(ctx, c.commission, c.m, nil); !errors.Is(err, voting.ErrResultMismatch) {
		t.Fatalf("close after a wrong result: %v", err)
	}
	if w := c.state().Waiting(); len(w) != 1 || !strings.Contains(w[0], "does not match") {
		t.Fatalf("waiting: %q", w)
	}
}

// A trustee must have joined, with the key it runs keygen with, and be a
// trustee at all.
func TestKeygenPreconditions(t *testing.T) {
	ctx := context.Background()
	c := newCeremony(t, 2, 3, "preconditions")
	if _, err := voting.RunKeygen(ctx, c.commission, c.m, c.keys[0], c.stores[0], nil); !errors.Is(err, voting.ErrNotTrustee) {
		t.Fatalf("keygen as the commission: %v", err)
	}
	opts := &voting.KeygenOptions{NoWait: true}
	if _, err := c.keygen(ctx, c.as(1), 1, opts); !errors.Is(err, voting.ErrNotJoined) {
		t.Fatalf("keygen before joining: %v", err)
	}
	c.join(1)
	if _, err := voting.RunKeygen(ctx, c.as(1), c.m, c.keys[1], c.stores[0], opts); !errors.Is(err, voting.ErrNotJoined) {
		t.Fatalf("keygen with another key: %v", err)
	}
	_, err := c.keygen(ctx, c.as(1), 1, opts)
	var pending *voting.PendingError
	if !errors.Is(err, voting.ErrPending) || !errors.As(err, &pending) || len(pending.Waiting) != 2 ||
		pending.Waiting[0] != "to join: trustee 2 (Trustee 2), trustee 3 (Trustee 3)" || !strings.Contains(pending.Waiting[1], "phase setup") {
		t.Fatalf("keygen before the others joined: %v", err)
	}
	// Following the board, keygen stops when the context ends.
	ctx2, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.keygen(ctx2, c.as(1), 1, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("keygen with an expiring context: %v", err)
	}
}

func TestEntryEncodings(t *testing.T) {
	key, _ := hybrid.GenerateKey(testRand("enc key"))
	fp := zkp.Fingerprint{9}
	j, err := voting.NewJoinEntry(testRand("enc"), fp, 7, key)
	if err != nil {
		t.Fatal(err)
	}
	b := j.Bytes()
	if len(b) != voting.JoinSize {
		t.Fatalf("join of %d bytes", len(b))
	}
	back, err := voting.ParseJoinEntry(b)
	if err != nil || string(back.Bytes()) != string(b) || back.Verify() != nil {
		t.Fatalf("join round trip: %v", err)
	}
	back.Index = 8
	if back.Verify() == nil {
		t.Fatal("a join proof verifies for another index")
	}
	back.Index, back.Fingerprint = 7, zkp.Fingerprint{8}
	if back.Verify() == nil {
		t.Fatal("a join proof verifies for another election")
	}
	mutate := func(b []byte, at int, v byte) []byte { b = slices.Clone(b); b[at] = v; return b }
	for name, bad := range map[string][]byte{
		"short":     b[:len(b)-1],
		"long":      append(slices.Clone(b), 0),
		"version":   mutate(b, 0, 2),
		"type":      mutate(b, 1, 2),
		"index 0":   append(append(slices.Clone(b[:34]), 0, 0, 0, 0), b[38:]...),
		"identity":  append(append(slices.Clone(b[:38]), make([]byte, 32)...), b[70:]...),
		"non-canon": mutate(b, 69, 0xff),
		"proof z":   append(slices.Clone(b[:102]), slices.Repeat([]byte{0xff}, 32)...),
		"empty":     nil,
	} {
		if _, err := voting.ParseJoinEntry(bad); !errors.Is(err, voting.ErrMalformedEntry) {
			t.Errorf("join %s: %v", name, err)
		}
	}

	r := &voting.ReadyEntry{Fingerprint: fp, Index: 2, Messages: 6, Digest: voting.SeenDigest(fp, [][]byte{{1}, {2}}), Complaints: 1}
	rb := r.Bytes()
	rback, err := voting.ParseReadyEntry(rb)
	if err != nil || *rback != *r || len(rb) != voting.ReadySize {
		t.Fatalf("ready round trip: %v", err)
	}
	for name, bad := range map[string][]byte{
		"short": rb[:len(rb)-1], "long": append(slices.Clone(rb), 0), "version": mutate(rb, 0, 0),
		"type": mutate(rb, 1, 1), "index 0": mutate(mutate(rb, 36, 0), 37, 0),
	} {
		if _, err := voting.ParseReadyEntry(bad); !errors.Is(err, voting.ErrMalformedEntry) {
			t.Errorf("ready %s: %v", name, err)
		}
	}
	// The digest depends on every message and on their split.
	d := voting.SeenDigest(fp, [][]byte{{1}, {2}})
	for _, other := range [][][]byte{{{1, 2}}, {{2}, {1}}, {{1}}, {{1}, {2}, {}}} {
		if voting.SeenDigest(fp, other) == d {
			t.Errorf("digest of %v equals that of [[1] [2]]", other)
		}
	}
	if voting.SeenDigest(zkp.Fingerprint{1}, [][]byte{{1}, {2}}) == d {
		t.Error("the digest does not depend on the fingerprint")
	}

	x, _ := group.RandomScalar(testRand("share"))
	s := &voting.TrusteeShare{Fingerprint: fp, Index: 3, Share: x}
	sb := s.Bytes()
	sback, err := voting.ParseTrusteeShare(sb)
	if err != nil || sback.Share.Equal(x) != 1 || sback.Index != 3 || sback.Fingerprint != fp {
		t.Fatalf("share round trip: %v", err)
	}
	if str := fmt.Sprintf("%v %+v %#v %s", s, s, s, s); strings.Contains(str, fmt.Sprintf("%x", x.Bytes()[:8])) {
		t.Fatalf("a share prints its value: %s", str)
	}
	for name, bad := range map[string][]byte{
		"short": sb[:len(sb)-1], "version": mutate(sb, 0, 2), "index 0": mutate(mutate(mutate(mutate(sb, 33, 0), 34, 0), 35, 0), 36, 0),
		"non-canonical": append(slices.Clone(sb[:37]), slices.Repeat([]byte{0xff}, 32)...),
	} {
		if _, err := voting.ParseTrusteeShare(bad); !errors.Is(err, voting.ErrMalformedEntry) || strings.Contains(err.Error(), "ff") {
			t.Errorf("share %s: %v", name, err)
		}
	}
}
