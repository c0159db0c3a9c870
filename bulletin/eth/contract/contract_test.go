package contract_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/contract"
)

// The contract's phase table, kind set and payload limit are the Go ones.
func TestTablesMatchGo(t *testing.T) {
	ctx := context.Background()
	c := newChain(t, mainnetRules)
	callMask := func(data []byte, unpack func([]byte) (*big.Int, error)) bulletin.KindSet {
		t.Helper()
		out, err := c.call(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		m, err := unpack(out)
		if err != nil {
			t.Fatal(err)
		}
		s, err := contract.KindSetFromMask(m)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for p := range bulletin.Phase(12) {
		got := callMask(c.bb.PackAllowedKinds(uint8(p)), c.bb.UnpackAllowedKinds)
		if want := bulletin.AllowedKinds(p); got != want {
			t.Errorf("phase %v: the contract allows %v, bulletin.AllowedKinds %v", p, got, want)
		}
	}
	if got, want := callMask(c.bb.PackKNOWNKINDS(), c.bb.UnpackKNOWNKINDS), bulletin.NewKindSet(bulletin.Kinds()...); got != want {
		t.Errorf("KNOWN_KINDS = %v, bulletin.Kinds() = %v", got, want)
	}
	var chunkable []bulletin.Kind
	for _, k := range bulletin.Kinds() {
		if k != bulletin.KindPhase && !k.IsChunk() {
			chunkable = append(chunkable, k)
		}
	}
	if got, want := callMask(c.bb.PackCHUNKABLEKINDS(), c.bb.UnpackCHUNKABLEKINDS), bulletin.NewKindSet(chunkable...); got != want {
		t.Errorf("CHUNKABLE_KINDS = %v, want %v", got, want)
	}
	out, err := c.call(ctx, c.bb.PackMAXPAYLOAD())
	if err != nil {
		t.Fatal(err)
	}
	if limit, _ := c.bb.UnpackMAXPAYLOAD(out); limit.Cmp(big.NewInt(bulletin.MaxPayload)) != 0 {
		t.Errorf("MAX_PAYLOAD = %v, bulletin.MaxPayload = %d", limit, bulletin.MaxPayload)
	}
}

// A scenario: the commission creates an election topic, authorises the
// ballot box, walks to open; the ballot box posts ballots singly and in a
// batch; an observer reads the Posted events back and checks the chain
// against the stored head and count.
func TestReadBackAndVerify(t *testing.T) {
	ctx := context.Background()
	c := newChain(t, mainnetRules)
	commission, box := c.accounts[0], c.accounts[1]
	topic := bulletin.TopicID(bulletin.Keccak256([]byte("election 2026")))

	c.mustSend(t, commission, c.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)))
	c.mustSend(t, commission, c.bb.PackSetPoster(topic, commission.addr,
		contract.KindMask(bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindPhase))))
	c.mustSend(t, commission, c.bb.PackSetPoster(topic, box.addr,
		contract.KindMask(bulletin.NewKindSet(bulletin.KindBallotBatch))))
	c.mustSend(t, commission, c.bb.PackAppend(topic, uint16(bulletin.KindManifest), []byte("manifest")))
	c.mustSend(t, commission, c.bb.PackAppendBatch(topic,
		[]uint16{uint16(bulletin.KindPhase), uint16(bulletin.KindPhase)},
		[][]byte{{byte(bulletin.PhaseKeyCeremony)}, {byte(bulletin.PhaseOpen)}}))

	r := c.mustSend(t, box, c.bb.PackAppend(topic, uint16(bulletin.KindBallotBatch), []byte("ballots 1")))
	if es, _ := c.posted(r.Logs); len(es) != 1 || es[0].Seq != 3 || es[0].Poster != bulletin.Address(box.addr) {
		t.Fatalf("append emitted %+v, want entry 3 by the ballot box", es)
	}
	var kinds []uint16
	var payloads [][]byte
	for i := range 50 {
		kinds = append(kinds, uint16(bulletin.KindBallotBatch))
		payloads = append(payloads, bytes.Repeat([]byte{byte(i)}, i*7)) // sizes 0..343, zero payloads included
	}
	r = c.mustSend(t, box, c.bb.PackAppendBatch(topic, kinds, payloads))
	if es, _ := c.posted(r.Logs); len(es) != 50 || es[0].Seq != 4 || es[49].Seq != 53 {
		t.Fatalf("batch emitted %d entries", len(es))
	}

	head, count, err := c.head(ctx, topic)
	if err != nil || count != 54 {
		t.Fatalf("topicHead = %x, %d, %v; want 54 entries", head, count, err)
	}
	es, err := c.log(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatalf("chain read from the events: %v", err)
	}
	for i, p := range payloads {
		if !bytes.Equal(es[4+i].Payload, p) {
			t.Fatalf("entry %d payload %x, posted %x", 4+i, es[4+i].Payload, p)
		}
	}
	out, err := c.call(ctx, c.bb.PackTopicInfo(topic))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := c.bb.UnpackTopicInfo(out)
	if info.Owner != commission.addr || bulletin.Phase(info.Phase) != bulletin.PhaseOpen || info.Head != head || info.Count != count {
		t.Fatalf("topicInfo = %+v", info)
	}
}

// Each refusal reverts with its custom error, decoded, and maps to the
// bulletin error.
func TestRevertsDecoded(t *testing.T) {
	ctx := context.Background()
	c := newChain(t, mainnetRules)
	owner, poster, stranger := c.accounts[0], c.accounts[1], c.accounts[2]
	topic := bulletin.TopicID{7}
	c.mustSend(t, owner, c.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)))
	c.mustSend(t, owner, c.bb.PackSetPoster(topic, poster.addr,
		contract.KindMask(bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindPhase, bulletin.KindShuffle))))

	_, err := c.send(ctx, stranger, c.bb.PackAppend(topic, uint16(bulletin.KindManifest), []byte("m")))
	var rev *contract.RevertError
	if !errors.As(err, &rev) || !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("unauthorised append: %v", err)
	}
	na, ok := rev.Reason.(*contract.BulletinBoardNotAuthorized)
	if !ok || na.Topic != topic || na.Poster != stranger.addr || na.Kind != uint16(bulletin.KindManifest) {
		t.Fatalf("unauthorised append reverted with %#v", rev.Reason)
	}

	huge := make([]byte, bulletin.MaxPayload+1)
	chunkOf := func(k bulletin.Kind) []byte { return []byte{0, byte(k), 9, 9} }
	for _, tc := range []struct {
		name   string
		from   int
		data   []byte
		reason any
		is     error
	}{
		{"wrong phase", 1, c.bb.PackAppend(topic, uint16(bulletin.KindShuffle), []byte("s")),
			&contract.BulletinBoardWrongPhase{Topic: topic, Phase: uint8(bulletin.PhaseSetup), Kind: uint16(bulletin.KindShuffle)}, bulletin.ErrWrongPhase},
		{"chunk of a shuffle in setup", 1, c.bb.PackAppend(topic, uint16(bulletin.KindChunk), chunkOf(bulletin.KindShuffle)),
			&contract.BulletinBoardWrongPhase{Topic: topic, Phase: uint8(bulletin.PhaseSetup), Kind: uint16(bulletin.KindShuffle)}, bulletin.ErrWrongPhase},
		{"skipped phase", 1, c.bb.PackAppend(topic, uint16(bulletin.KindPhase), []byte{byte(bulletin.PhaseOpen)}),
			&contract.BulletinBoardBadPhaseTransition{Topic: topic, From: uint8(bulletin.PhaseSetup), To: uint8(bulletin.PhaseOpen)}, bulletin.ErrWrongPhase},
		{"oversize", 1, c.bb.PackAppend(topic, uint16(bulletin.KindManifest), huge),
			&contract.BulletinBoardPayloadTooLarge{Size: bigInt(bulletin.MaxPayload + 1), Limit: bigInt(bulletin.MaxPayload)}, bulletin.ErrTooLarge},
		{"oversize in a batch", 1, c.bb.PackAppendBatch(topic, []uint16{1, 1}, [][]byte{{1}, huge}),
			&contract.BulletinBoardPayloadTooLarge{Size: bigInt(bulletin.MaxPayload + 1), Limit: bigInt(bulletin.MaxPayload)}, bulletin.ErrTooLarge},
		{"unknown topic", 1, c.bb.PackAppend(bulletin.TopicID{8}, uint16(bulletin.KindManifest), nil),
			&contract.BulletinBoardUnknownTopic{Topic: bulletin.TopicID{8}}, bulletin.ErrUnknownTopic},
		{"unknown kind", 1, c.bb.PackAppend(topic, 300, nil), &contract.BulletinBoardUnknownKind{Kind: 300}, bulletin.ErrUnknownKind},
		{"kind 0", 1, c.bb.PackAppend(topic, 0, nil), &contract.BulletinBoardUnknownKind{Kind: 0}, bulletin.ErrUnknownKind},
		{"chunk of a chunk", 1, c.bb.PackAppend(topic, uint16(bulletin.KindChunk), chunkOf(bulletin.KindChunkHeader)),
			&contract.BulletinBoardMalformedPayload{Kind: uint16(bulletin.KindChunk)}, bulletin.ErrMalformed},
		{"empty phase entry", 1, c.bb.PackAppend(topic, uint16(bulletin.KindPhase), nil),
			&contract.BulletinBoardMalformedPayload{Kind: uint16(bulletin.KindPhase)}, bulletin.ErrMalformed},
		{"topic exists", 2, c.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)), &contract.BulletinBoardTopicExists{Topic: topic}, bulletin.ErrTopicExists},
		{"created open", 2, c.bb.PackCreateTopic(bulletin.TopicID{9}, uint8(bulletin.PhaseOpen)),
			&contract.BulletinBoardInvalidInitialPhase{Phase: uint8(bulletin.PhaseOpen)}, bulletin.ErrWrongPhase},
		{"not owner", 2, c.bb.PackSetPoster(topic, stranger.addr, big1()), &contract.BulletinBoardNotOwner{Topic: topic, Caller: stranger.addr}, bulletin.ErrUnauthorized},
		{"owner to zero", 0, c.bb.PackSetOwner(topic, common.Address{}), &contract.BulletinBoardZeroAddress{}, nil},
		{"empty batch", 1, c.bb.PackAppendBatch(topic, nil, nil), &contract.BulletinBoardEmptyBatch{}, nil},
		{"length mismatch", 1, c.bb.PackAppendBatch(topic, []uint16{1, 1}, [][]byte{{1}}),
			&contract.BulletinBoardLengthMismatch{Kinds: bigInt(2), Payloads: bigInt(1)}, nil},
	} {
		_, err := c.send(ctx, c.accounts[tc.from], tc.data)
		var rev *contract.RevertError
		if !errors.As(err, &rev) {
			t.Errorf("%s: %v, want a revert", tc.name, err)
			continue
		}
		if fmt.Sprintf("%#v", rev.Reason) != fmt.Sprintf("%#v", tc.reason) {
			t.Errorf("%s: reverted with %#v\n want %#v", tc.name, rev.Reason, tc.reason)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v does not wrap %v", tc.name, err, tc.is)
		}
		if tc.is == nil && errors.Unwrap(err) != nil {
			t.Errorf("%s: %v wraps %v", tc.name, err, errors.Unwrap(err))
		}
	}
	if _, count, _ := c.head(ctx, topic); count != 0 {
		t.Fatalf("refused posts left %d entries", count)
	}

	// Ownership moves, and the move is an event.
	r := c.mustSend(t, owner, c.bb.PackSetOwner(topic, stranger.addr))
	ev, err := c.bb.UnpackOwnerChangedEvent(r.Logs[0])
	if err != nil || ev.PreviousOwner != owner.addr || ev.NewOwner != stranger.addr {
		t.Fatalf("OwnerChanged = %+v, %v", ev, err)
	}
	if _, err := c.send(ctx, owner, c.bb.PackSetPoster(topic, owner.addr, big1())); !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("former owner sets a poster: %v", err)
	}
	r = c.mustSend(t, stranger, c.bb.PackSetPoster(topic, owner.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindManifest))))
	ps, err := c.bb.UnpackPosterSetEvent(r.Logs[0])
	if err != nil || ps.Poster != owner.addr || ps.Kinds.Cmp(big.NewInt(2)) != 0 {
		t.Fatalf("PosterSet = %+v, %v", ps, err)
	}
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
func big1() *big.Int          { return big.NewInt(1) }

// ballotPayload returns a deterministic ballot-sized payload with no zero
// byte, so that every entry costs the same calldata gas.
func ballotPayload(i, size int) []byte {
	p := make([]byte, size)
	for j := range p {
		p[j] = byte(1 + (i*31+j*7)%255)
	}
	return p
}

// openElection creates an election topic in phase open with poster
// authorised for ballot batches.
func openElection(t testing.TB, c *chain, topic bulletin.TopicID) {
	t.Helper()
	owner, poster := c.accounts[0], c.accounts[1]
	c.mustSend(t, owner, c.bb.PackCreateTopic(topic, uint8(bulletin.PhaseSetup)))
	c.mustSend(t, owner, c.bb.PackSetPoster(topic, owner.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindPhase))))
	c.mustSend(t, owner, c.bb.PackSetPoster(topic, poster.addr, contract.KindMask(bulletin.NewKindSet(bulletin.KindBallotBatch))))
	c.mustSend(t, owner, c.bb.PackAppendBatch(topic, []uint16{uint16(bulletin.KindPhase), uint16(bulletin.KindPhase)},
		[][]byte{{byte(bulletin.PhaseKeyCeremony)}, {byte(bulletin.PhaseOpen)}}))
}

// Gas per entry does not grow with the topic: 20,000 ballot-sized entries
// posted in batches of 100 cost exactly the same per batch, first to last.
// Then the whole log is read back and verified. Under the race detector the
// test posts 2,000 entries (go test without -race runs all 20,000 in ~10 s).
func TestGasStaysFlat(t *testing.T) {
	const (
		batch = 100
		size  = 500
	)
	total := 20_000
	if raceDetector {
		total = 2_000
		t.Logf("race detector on: %d entries instead of 20,000", total)
	}
	ctx := context.Background()
	c := newChain(t, mainnetRules)
	topic := bulletin.TopicID(bulletin.Keccak256([]byte("gas")))
	openElection(t, c, topic)
	poster := c.accounts[1]

	start := time.Now()
	gas := make([]uint64, 0, total/batch)
	kinds := make([]uint16, batch)
	for i := range kinds {
		kinds[i] = uint16(bulletin.KindBallotBatch)
	}
	for b := range total / batch {
		payloads := make([][]byte, batch)
		for i := range payloads {
			payloads[i] = ballotPayload(b*batch+i, size)
		}
		r := c.mustSend(t, poster, c.bb.PackAppendBatch(topic, kinds, payloads))
		gas = append(gas, r.GasUsed)
	}
	posting := time.Since(start)

	first, second, last := gas[0], gas[1], gas[len(gas)-1]
	t.Logf("%d entries of %d bytes in batches of %d: %v (%.0f entries/s on the simulated chain)",
		total, size, batch, posting.Round(time.Millisecond), float64(total)/posting.Seconds())
	t.Logf("gas per batch: first %d, second %d, last %d; per entry %d", first, second, last, last/batch)
	for i, g := range gas[1:] {
		if g != second {
			t.Fatalf("batch %d cost %d gas, batch 1 cost %d: gas depends on the topic's size", i+1, g, second)
		}
	}
	if first != second {
		t.Errorf("the first batch cost %d, later ones %d", first, second)
	}

	start = time.Now()
	head, count, err := c.head(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	es, err := c.log(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatal(err)
	}
	if count != uint64(total)+2 {
		t.Fatalf("count %d, want %d", count, total+2)
	}
	t.Logf("read back and verified %d entries in %v", count, time.Since(start).Round(time.Millisecond))
}

// TestGasFigures measures the figures quoted in
// docs/decisions/0004-bulletin-contract.md under both rule sets. It checks
// only that batching pays; run with -v to see the numbers.
func TestGasFigures(t *testing.T) {
	for _, r := range []rules{mainnetRules, devRules} {
		t.Run(r.String(), func(t *testing.T) {
			c := newChain(t, r)
			owner, poster := c.accounts[0], c.accounts[1]
			topic := bulletin.TopicID{1}
			create := c.mustSend(t, owner, c.bb.PackCreateTopic(topic, uint8(bulletin.PhaseService))).GasUsed
			setPoster := c.mustSend(t, owner, c.bb.PackSetPoster(topic, poster.addr,
				contract.KindMask(bulletin.NewKindSet(bulletin.KindDocAnchor)))).GasUsed
			anchor := uint16(bulletin.KindDocAnchor)
			firstPost := c.mustSend(t, poster, c.bb.PackAppend(topic, anchor, ballotPayload(0, 400))).GasUsed
			post400 := c.mustSend(t, poster, c.bb.PackAppend(topic, anchor, ballotPayload(1, 400))).GasUsed
			post32 := c.mustSend(t, poster, c.bb.PackAppend(topic, anchor, ballotPayload(1, 32))).GasUsed
			kinds := make([]uint16, 100)
			payloads := make([][]byte, 100)
			for i := range kinds {
				kinds[i], payloads[i] = anchor, ballotPayload(i, 400)
			}
			batch100 := c.mustSend(t, poster, c.bb.PackAppendBatch(topic, kinds, payloads)).GasUsed
			maxPost := c.mustSend(t, poster, c.bb.PackAppend(topic, anchor, ballotPayload(2, bulletin.MaxPayload))).GasUsed

			t.Logf("createTopic %d, setPoster %d", create, setPoster)
			t.Logf("append 400 B: first on a topic %d, then %d; append 32 B %d", firstPost, post400, post32)
			t.Logf("appendBatch 100 x 400 B: %d (%d per entry, %.1f per payload byte)", batch100, batch100/100, float64(batch100)/40000)
			t.Logf("append %d B: %d (%.1f per byte)", bulletin.MaxPayload, maxPost, float64(maxPost)/bulletin.MaxPayload)
			if batch100/100 >= post400 {
				t.Errorf("a batched entry costs %d, a single post %d: batching does not pay", batch100/100, post400)
			}
		})
	}
}
