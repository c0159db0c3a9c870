package ballotbox_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// chainElection opens the embedded chain in dir and runs the example
// election (small, last-counts) on it up to phase open: the chain's own
// account is the commission, the ballot box and the credential authority,
// a second funded account the one trustee.
func chainElection(t *testing.T, dir, seed string, voters int) (chain.Board, *election) {
	t.Helper()
	ctx := ctxFor(t)
	b, err := chain.Open(ctx, chain.Options{DataDir: dir, PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tkey, err := ethboard.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	trustee, err := chain.PosterFor(ctx, b, tkey)
	if err != nil {
		t.Fatal(err)
	}
	self := strings.ToLower(ethboard.ChecksumAddress(b.Address()))
	m := manifest(t, strings.ReplaceAll(seed, " ", "-"), voting.RevoteLastCounts, true)
	m.Commission.Address, m.BallotBox.Address, m.CredentialAuthority.Address = self, self, self
	m.Trustees.Members[0].Address = strings.ToLower(ethboard.ChecksumAddress(trustee.Address()))
	if err := voting.Publish(ctx, b, m); err != nil {
		t.Fatal(err)
	}
	creds, list, err := voting.GenerateCredentials(testRand(seed+" credentials"), m, map[string]int{"city": voters})
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, b, m, list); err != nil {
		t.Fatal(err)
	}
	key, err := hybrid.GenerateKey(testRand(seed + " trustee"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := voting.Join(ctx, trustee, m, key, testRand(seed+" join")); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseKeyCeremony); err != nil {
		t.Fatal(err)
	}
	e := &election{t: t, seed: seed, m: m, creds: creds}
	st := &voting.MemoryStore{}
	for i := 0; ; i++ {
		_, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{Rand: testRand(fmt.Sprintf("%s keygen %d", seed, i)), NoWait: true})
		if err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		res, err := voting.CloseCeremony(ctx, b, m, nil)
		if err == nil {
			if e.pk, err = elgamal.NewPublicKeyFromElement(res.JointKey); err != nil {
				t.Fatal(err)
			}
			break
		}
		if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatalf("closing the ceremony: %v", err)
		}
	}
	if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
		t.Fatal(err)
	}
	if e.boxKey, err = schnorr.GenerateKey(testRand(seed + " box key")); err != nil {
		t.Fatal(err)
	}
	return b, e
}

// On the embedded chain, a posted ballot's status says where its entry is:
// the block and the transaction, and a client that reads the chain itself
// (through the chain's read-only JSON-RPC, as the voter's SDK does) finds the
// entry's Posted event in that transaction's receipt, in that block. A
// ballot not yet posted has no location. After a restart (the box's and the
// board's memory gone) the status gives the same location, found on the
// chain.
func TestStatusLocatesThePostedEntryOnTheChain(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	dbURL := storetest.SQLiteURL(t)
	b, e := chainElection(t, filepath.Join(dir, "data"), "status locates", 3)
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	box := e.boxOn(db, b)
	cast := func(i int, seed string) voting.TrackingCode {
		bal, _ := e.ballot(i, yes, seed)
		if _, err := box.Cast(ctx, bal.Bytes()); err != nil {
			t.Fatal(err)
		}
		return bal.TrackingCode()
	}
	first := []voting.TrackingCode{cast(0, "a"), cast(1, "b")}
	st, err := box.Status(ctx, first[0])
	if err != nil || st.Posted || st.Location != nil {
		t.Fatalf("before posting: %+v, %v; want neither posted nor located", st, err)
	}
	if _, err := box.Post(ctx); err != nil {
		t.Fatal(err)
	}
	second := cast(2, "c")
	bal, secrets := e.ballot(0, yes, "audited")
	audit, err := voting.AuditBallot(bal, secrets)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := audit.Bytes(e.m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := box.Audit(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := box.Post(ctx); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(mustServe(t, b))
	defer srv.Close()
	client, err := ethclient.Dial(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	codes := append(first, second, bal.TrackingCode())
	located := map[voting.TrackingCode]bulletin.Location{}
	for _, tc := range codes {
		st, err := box.Status(ctx, tc)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Posted || st.Location == nil {
			t.Fatalf("ballot %v: posted %v, location %v; want both", tc, st.Posted, st.Location)
		}
		checkOnChain(t, client, b.Contract(), e.m.Topic(), st.Seq, *st.Location)
		located[tc] = *st.Location
	}
	if located[first[0]] != located[first[1]] {
		t.Errorf("two ballots of one batch located apart: %+v, %+v", located[first[0]], located[first[1]])
	}
	if located[first[0]].Tx == located[second].Tx || located[second].Tx == located[bal.TrackingCode()].Tx {
		t.Errorf("separate entries located in one transaction")
	}
	srv.Close()
	box.Close()
	db.Close()
	b.Close()

	// Restart: the same statuses, the locations found on the chain anew.
	b2, err := chain.Open(ctx, chain.Options{DataDir: filepath.Join(dir, "data"), PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	db2, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	box2 := e.boxOn(db2, b2)
	for _, tc := range codes {
		st, err := box2.Status(ctx, tc)
		if err != nil {
			t.Fatal(err)
		}
		if st.Location == nil || *st.Location != located[tc] {
			t.Errorf("ballot %v after a restart: located at %v, before at %+v", tc, st.Location, located[tc])
		}
	}
}

// On a board without blocks (memboard) a posted ballot's status has no
// location, and says so by a nil Location rather than an error.
func TestStatusWithoutBlocksHasNoLocation(t *testing.T) {
	ctx := ctxFor(t)
	e := newElection(t, "status without blocks", voting.RevoteLastCounts, true, 1)
	e.phase(bulletin.PhaseOpen)
	db, err := store.Open(ctx, storetest.SQLiteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box := e.box(db)
	bal, _ := e.ballot(0, yes, "a")
	if _, err := box.Cast(ctx, bal.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := box.Post(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := box.Status(ctx, bal.TrackingCode())
	if err != nil || !st.Posted || st.Location != nil {
		t.Fatalf("status %+v, %v: want posted, without a location", st, err)
	}
	if _, ok := any(e.boxBoard).(bulletin.Locator); ok {
		t.Fatal("memboard claims to locate entries on a chain it does not have")
	}
}

func mustServe(t *testing.T, b chain.Board) http.Handler {
	t.Helper()
	h, err := chain.ServeRPC(b, ethboard.RPCLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkOnChain checks a location as the voter's client does (docs/spec/
// ballotbox.md, section 8): the transaction's receipt is in block loc.Block
// with hash loc.BlockHash, the canonical block of that number, and holds
// the contract's Posted event of entry seq of topic.
func checkOnChain(t *testing.T, c *ethclient.Client, contract bulletin.Address, topic bulletin.TopicID, seq uint64, loc bulletin.Location) {
	t.Helper()
	ctx := context.Background()
	r, err := c.TransactionReceipt(ctx, loc.Tx)
	if err != nil {
		t.Fatalf("entry %d: the receipt of transaction %x: %v", seq, loc.Tx, err)
	}
	if r.BlockNumber.Uint64() != loc.Block || r.BlockHash != loc.BlockHash {
		t.Fatalf("entry %d: located in block %d, the receipt is in block %v", seq, loc.Block, r.BlockNumber)
	}
	h, err := c.HeaderByNumber(ctx, new(big.Int).SetUint64(loc.Block))
	if err != nil || h.Hash() != loc.BlockHash {
		t.Fatalf("entry %d: block %d is not canonical: %v", seq, loc.Block, err)
	}
	for _, l := range r.Logs {
		if l.Address == common.Address(contract) && len(l.Topics) == 4 && l.Topics[1] == common.Hash(topic) &&
			new(big.Int).SetBytes(l.Topics[2][:]).Uint64() == seq {
			return
		}
	}
	t.Fatalf("entry %d: transaction %x has no Posted event for it", seq, loc.Tx)
}
