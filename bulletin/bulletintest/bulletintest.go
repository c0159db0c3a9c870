// Package bulletintest is the conformance suite of the bulletin board: the
// behaviour every implementation of the bulletin interfaces must show. An
// implementation's tests call [Run] with a factory for its boards:
//
//	func TestConformance(t *testing.T) {
//		bulletintest.Run(t, func(t *testing.T) bulletintest.Board { ... })
//	}
package bulletintest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
)

// A Client is an implementation seen by one account.
type Client interface {
	bulletin.Appender
	bulletin.Reader
	bulletin.Follower
	bulletin.Admin
	Address() bulletin.Address
}

// A Board gives the suite clients acting as distinct accounts.
type Board interface {
	// Client returns a client acting as test account i, for i from 0 to 3;
	// the same i is always the same account. Each account can pay for its
	// transactions.
	Client(i int) Client
}

// A Factory returns a board for one subtest. It may return the same board
// for several subtests: each subtest creates topics of its own.
type Factory func(t *testing.T) Board

// Run runs the conformance suite against the boards newBoard makes.
func Run(t *testing.T, newBoard Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"AppendAndReadBack", testAppendAndReadBack},
		{"Batch", testBatch},
		{"BatchIsAtomic", testBatchIsAtomic},
		{"ReadRanges", testReadRanges},
		{"ChainVerifies", testChainVerifies},
		{"Unauthorised", testUnauthorised},
		{"UnknownTopic", testUnknownTopic},
		{"UnknownKind", testUnknownKind},
		{"PhaseWalk", testPhaseWalk},
		{"PhaseTransitions", testPhaseTransitions},
		{"ServiceTopic", testServiceTopic},
		{"Oversize", testOversize},
		{"Chunks", testChunks},
		{"Follow", testFollow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBoard(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tt.fn(t, &fixture{
				ctx:      ctx,
				owner:    b.Client(0),
				poster:   b.Client(1),
				other:    b.Client(2),
				stranger: b.Client(3),
			})
		})
	}
}

// A fixture is one subtest's accounts: the owner creates topics, poster and
// other are authorised as each test says, stranger never is.
type fixture struct {
	ctx                            context.Context
	owner, poster, other, stranger Client
}

// newTopic creates a topic with a fresh id in the given initial phase and
// authorises poster for kinds.
func (f *fixture) newTopic(t *testing.T, initial bulletin.Phase, kinds ...bulletin.Kind) bulletin.TopicID {
	t.Helper()
	var nonce [16]byte
	rand.Read(nonce[:])
	id := bulletin.TopicID(bulletin.Keccak256([]byte(t.Name()), nonce[:]))
	if err := f.owner.CreateTopic(f.ctx, id, initial); err != nil {
		t.Fatalf("CreateTopic(%v): %v", initial, err)
	}
	if len(kinds) > 0 {
		f.authorise(t, id, f.poster, kinds...)
	}
	return id
}

func (f *fixture) authorise(t *testing.T, id bulletin.TopicID, c Client, kinds ...bulletin.Kind) {
	t.Helper()
	if err := f.owner.SetPoster(f.ctx, id, c.Address(), bulletin.NewKindSet(kinds...)); err != nil {
		t.Fatalf("SetPoster(%v, %v): %v", c.Address(), kinds, err)
	}
}

// all reads the whole log of a topic and checks it against the stored head
// and count.
func (f *fixture) all(t *testing.T, id bulletin.TopicID) []bulletin.Entry {
	t.Helper()
	head, count, err := f.stranger.Head(f.ctx, id)
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	es, err := f.stranger.Entries(f.ctx, id, 0, count)
	if err != nil {
		t.Fatalf("Entries(0, %d): %v", count, err)
	}
	if err := bulletin.VerifyChain(es, head, count); err != nil {
		t.Fatalf("the board's own log does not verify: %v", err)
	}
	return es
}

func (f *fixture) count(t *testing.T, id bulletin.TopicID) uint64 {
	t.Helper()
	_, n, err := f.stranger.Head(f.ctx, id)
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return n
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// phaseTo is the payload of a phase entry moving to p.
func phaseTo(p bulletin.Phase) []byte { return []byte{byte(p)} }

func payload(s string, n int) []byte {
	b := bytes.Repeat([]byte(s), n/len(s)+1)
	return b[:n]
}

func testAppendAndReadBack(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindManifest, bulletin.KindCredentials)
	manifest := []byte("the commission's manifest")

	seq, err := f.poster.Append(f.ctx, id, bulletin.KindManifest, manifest)
	if err != nil || seq != 0 {
		t.Fatalf("first Append = %d, %v; want 0, nil", seq, err)
	}
	seq, err = f.poster.Append(f.ctx, id, bulletin.KindCredentials, []byte{})
	if err != nil || seq != 1 {
		t.Fatalf("second Append (empty payload) = %d, %v; want 1, nil", seq, err)
	}

	head, count, err := f.stranger.Head(f.ctx, id)
	if err != nil || count != 2 {
		t.Fatalf("Head = %x, %d, %v; want count 2", head, count, err)
	}
	h0 := bulletin.NextHead([32]byte{}, id, 0, bulletin.KindManifest, manifest)
	h1 := bulletin.NextHead(h0, id, 1, bulletin.KindCredentials, nil)
	if head != h1 {
		t.Fatalf("stored head %x, the chain gives %x", head, h1)
	}

	es := f.all(t, id)
	if len(es) != 2 {
		t.Fatalf("read %d entries, want 2", len(es))
	}
	for i, want := range []bulletin.Entry{
		{Topic: id, Seq: 0, Kind: bulletin.KindManifest, Payload: manifest, Head: h0, Poster: f.poster.Address()},
		{Topic: id, Seq: 1, Kind: bulletin.KindCredentials, Payload: []byte{}, Head: h1, Poster: f.poster.Address()},
	} {
		got := es[i]
		if got.Topic != want.Topic || got.Seq != want.Seq || got.Kind != want.Kind ||
			!bytes.Equal(got.Payload, want.Payload) || got.Head != want.Head || got.Poster != want.Poster {
			t.Errorf("entry %d = %+v, want %+v", i, got, want)
		}
	}
}

func testBatch(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindManifest, bulletin.KindTrusteeJoined, bulletin.KindCredentials)
	if _, err := f.poster.Append(f.ctx, id, bulletin.KindManifest, []byte("m")); err != nil {
		t.Fatal(err)
	}
	msgs := []bulletin.Message{
		{Kind: bulletin.KindTrusteeJoined, Payload: []byte("trustee 1")},
		{Kind: bulletin.KindTrusteeJoined, Payload: []byte("trustee 2")},
		{Kind: bulletin.KindTrusteeJoined, Payload: []byte("trustee 3")},
		{Kind: bulletin.KindCredentials, Payload: payload("credential ", 5000)},
		{Kind: bulletin.KindCredentials, Payload: nil},
	}
	seqs, err := f.poster.AppendBatch(f.ctx, id, msgs)
	if err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	if !slices.Equal(seqs, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("AppendBatch returned sequence numbers %v, want 1..5 (a single poster)", seqs)
	}
	es := f.all(t, id)
	for i, m := range msgs {
		e := es[seqs[i]]
		if e.Kind != m.Kind || !bytes.Equal(e.Payload, m.Payload) {
			t.Errorf("entry %d = %v %q, want %v %q", e.Seq, e.Kind, e.Payload, m.Kind, m.Payload)
		}
	}

	seqs, err = f.poster.AppendBatch(f.ctx, id, nil)
	if err != nil || len(seqs) != 0 {
		t.Errorf("empty AppendBatch = %v, %v; want no entries and no error", seqs, err)
	}
	if n := f.count(t, id); n != 6 {
		t.Errorf("count after an empty batch = %d, want 6", n)
	}
}

func testBatchIsAtomic(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindManifest, bulletin.KindPhase, bulletin.KindDKGCommitments)
	good := bulletin.Message{Kind: bulletin.KindManifest, Payload: []byte("m")}
	for _, tc := range []struct {
		name string
		bad  bulletin.Message
		want error
	}{
		{"kind not allowed in setup", bulletin.Message{Kind: bulletin.KindDKGCommitments, Payload: []byte("c")}, bulletin.ErrWrongPhase},
		{"kind not authorised", bulletin.Message{Kind: bulletin.KindCredentials, Payload: []byte("c")}, bulletin.ErrUnauthorized},
		{"oversize", bulletin.Message{Kind: bulletin.KindManifest, Payload: make([]byte, bulletin.MaxPayload+1)}, bulletin.ErrTooLarge},
		{"phase skipped", bulletin.Message{Kind: bulletin.KindPhase, Payload: phaseTo(bulletin.PhaseOpen)}, bulletin.ErrWrongPhase},
	} {
		_, err := f.poster.AppendBatch(f.ctx, id, []bulletin.Message{good, tc.bad, good})
		wantErr(t, tc.name, err, tc.want)
		if n := f.count(t, id); n != 0 {
			t.Fatalf("%s: a refused batch left %d entries on the board", tc.name, n)
		}
	}

	// A phase change inside a batch applies to the entries after it.
	seqs, err := f.poster.AppendBatch(f.ctx, id, []bulletin.Message{
		good,
		{Kind: bulletin.KindPhase, Payload: phaseTo(bulletin.PhaseKeyCeremony)},
		{Kind: bulletin.KindDKGCommitments, Payload: []byte("c")},
	})
	if err != nil || len(seqs) != 3 {
		t.Fatalf("batch with a phase change = %v, %v; want 3 entries", seqs, err)
	}
	_, err = f.poster.AppendBatch(f.ctx, id, []bulletin.Message{
		{Kind: bulletin.KindDKGCommitments, Payload: []byte("c")},
		{Kind: bulletin.KindManifest, Payload: []byte("m")}, // setup is over
	})
	wantErr(t, "manifest after the key ceremony began", err, bulletin.ErrWrongPhase)
	f.all(t, id)
}

func testReadRanges(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindTrusteeJoined)
	var msgs []bulletin.Message
	for i := range 10 {
		msgs = append(msgs, bulletin.Message{Kind: bulletin.KindTrusteeJoined, Payload: fmt.Appendf(nil, "trustee %d", i)})
	}
	if _, err := f.poster.AppendBatch(f.ctx, id, msgs); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ from, to, want uint64 }{
		{0, 10, 10}, {3, 7, 4}, {9, 10, 1}, {4, 4, 0}, {8, 100, 2}, {10, 20, 0}, {50, 60, 0},
	} {
		es, err := f.stranger.Entries(f.ctx, id, r.from, r.to)
		if err != nil {
			t.Errorf("Entries(%d, %d): %v", r.from, r.to, err)
			continue
		}
		if uint64(len(es)) != r.want {
			t.Errorf("Entries(%d, %d) returned %d entries, want %d", r.from, r.to, len(es), r.want)
		}
		for i, e := range es {
			if e.Seq != r.from+uint64(i) || !bytes.Equal(e.Payload, msgs[e.Seq].Payload) {
				t.Errorf("Entries(%d, %d)[%d] = entry %d %q", r.from, r.to, i, e.Seq, e.Payload)
			}
		}
	}
	if _, err := f.stranger.Entries(f.ctx, id, 5, 4); err == nil {
		t.Error("Entries(5, 4) succeeded; from after to must fail")
	}
}

func testChainVerifies(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindManifest, bulletin.KindTrusteeJoined, bulletin.KindPhase,
		bulletin.KindDKGCommitments)
	if _, err := f.poster.Append(f.ctx, id, bulletin.KindManifest, []byte("manifest")); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := f.poster.Append(f.ctx, id, bulletin.KindTrusteeJoined, fmt.Appendf(nil, "trustee %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.poster.Append(f.ctx, id, bulletin.KindPhase, phaseTo(bulletin.PhaseKeyCeremony)); err != nil {
		t.Fatal(err)
	}
	head, count, _ := f.stranger.Head(f.ctx, id)
	es := f.all(t, id) // verifies

	tampered := slices.Clone(es)
	tampered[3].Payload = []byte("trustee X")
	wantErr(t, "altered payload", bulletin.VerifyChain(tampered, head, count), bulletin.ErrBrokenChain)
	tampered = slices.Clone(es)
	tampered[2].Kind = bulletin.KindManifest
	wantErr(t, "altered kind", bulletin.VerifyChain(tampered, head, count), bulletin.ErrBrokenChain)
	wantErr(t, "entry dropped", bulletin.VerifyChain(slices.Delete(slices.Clone(es), 2, 3), head, count), bulletin.ErrGap)
	tampered = slices.Clone(es)
	tampered[2], tampered[3] = tampered[3], tampered[2]
	wantErr(t, "entries swapped", bulletin.VerifyChain(tampered, head, count), bulletin.ErrGap)
	wantErr(t, "log truncated", bulletin.VerifyChain(es[:count-1], head, count), bulletin.ErrGap)
	wantErr(t, "wrong stored head", bulletin.VerifyChain(es, es[2].Head, count), bulletin.ErrBrokenChain)
}

func testUnauthorised(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindTrusteeJoined)
	wantErr(t, "stranger posts", func() error {
		_, err := f.stranger.Append(f.ctx, id, bulletin.KindTrusteeJoined, []byte("t"))
		return err
	}(), bulletin.ErrUnauthorized)
	wantErr(t, "poster posts a kind it has no right to", func() error {
		_, err := f.poster.Append(f.ctx, id, bulletin.KindManifest, []byte("m"))
		return err
	}(), bulletin.ErrUnauthorized)
	wantErr(t, "owner posts without authorising itself", func() error {
		_, err := f.owner.Append(f.ctx, id, bulletin.KindTrusteeJoined, []byte("t"))
		return err
	}(), bulletin.ErrUnauthorized)
	wantErr(t, "non-owner authorises itself", f.poster.SetPoster(f.ctx, id, f.poster.Address(),
		bulletin.NewKindSet(bulletin.KindManifest)), bulletin.ErrUnauthorized)
	if n := f.count(t, id); n != 0 {
		t.Fatalf("refused posts left %d entries", n)
	}

	// Rights are per topic.
	other := f.newTopic(t, bulletin.PhaseSetup)
	_, err := f.poster.Append(f.ctx, other, bulletin.KindTrusteeJoined, []byte("t"))
	wantErr(t, "poster of one topic posts to another", err, bulletin.ErrUnauthorized)

	// Granting and revoking take effect at once.
	if _, err := f.poster.Append(f.ctx, id, bulletin.KindTrusteeJoined, []byte("t")); err != nil {
		t.Fatalf("authorised post: %v", err)
	}
	f.authorise(t, id, f.poster)
	_, err = f.poster.Append(f.ctx, id, bulletin.KindTrusteeJoined, []byte("t"))
	wantErr(t, "revoked poster posts", err, bulletin.ErrUnauthorized)
	if n := f.count(t, id); n != 1 {
		t.Fatalf("count = %d, want 1", n)
	}
}

func testUnknownTopic(t *testing.T, f *fixture) {
	var id bulletin.TopicID
	rand.Read(id[:])
	_, err := f.poster.Append(f.ctx, id, bulletin.KindManifest, []byte("m"))
	wantErr(t, "Append", err, bulletin.ErrUnknownTopic)
	_, err = f.poster.AppendBatch(f.ctx, id, []bulletin.Message{{Kind: bulletin.KindManifest}})
	wantErr(t, "AppendBatch", err, bulletin.ErrUnknownTopic)
	_, err = f.stranger.Entries(f.ctx, id, 0, 1)
	wantErr(t, "Entries", err, bulletin.ErrUnknownTopic)
	_, _, err = f.stranger.Head(f.ctx, id)
	wantErr(t, "Head", err, bulletin.ErrUnknownTopic)
	wantErr(t, "SetPoster", f.owner.SetPoster(f.ctx, id, f.poster.Address(), bulletin.NewKindSet(bulletin.KindManifest)),
		bulletin.ErrUnknownTopic)
	for _, err := range f.stranger.Follow(f.ctx, id, 0) {
		wantErr(t, "Follow", err, bulletin.ErrUnknownTopic)
		break
	}

	existing := f.newTopic(t, bulletin.PhaseSetup)
	wantErr(t, "CreateTopic twice", f.other.CreateTopic(f.ctx, existing, bulletin.PhaseSetup), bulletin.ErrTopicExists)
	rand.Read(id[:])
	wantErr(t, "CreateTopic in phase open", f.owner.CreateTopic(f.ctx, id, bulletin.PhaseOpen), bulletin.ErrWrongPhase)
	_, _, err = f.stranger.Head(f.ctx, id)
	wantErr(t, "Head of a topic whose creation failed", err, bulletin.ErrUnknownTopic)
}

func testUnknownKind(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindManifest)
	for _, k := range []bulletin.Kind{bulletin.KindInvalid, 15, 200, 255, 256, 0xffff} {
		_, err := f.poster.Append(f.ctx, id, k, []byte("x"))
		wantErr(t, fmt.Sprintf("Append(%v)", k), err, bulletin.ErrUnknownKind)
	}
}

// testPhaseWalk takes an election topic through every phase and checks the
// whole phase table: in each phase, every kind is accepted exactly when the
// table allows it.
func testPhaseWalk(t *testing.T, f *fixture) {
	all := bulletin.Kinds()
	var plain []bulletin.Kind // kinds posted directly, without phase and chunk kinds
	for _, k := range all {
		if k != bulletin.KindPhase && !k.IsChunk() {
			plain = append(plain, k)
		}
	}
	id := f.newTopic(t, bulletin.PhaseSetup, all...)
	phase := bulletin.PhaseSetup
	for {
		var batch []bulletin.Message
		for _, k := range plain {
			msg := bulletin.Message{Kind: k, Payload: fmt.Appendf(nil, "%v in %v", k, phase)}
			if bulletin.Allowed(phase, k) {
				batch = append(batch, msg)
				continue
			}
			_, err := f.poster.Append(f.ctx, id, msg.Kind, msg.Payload)
			wantErr(t, fmt.Sprintf("%v in phase %v", k, phase), err, bulletin.ErrWrongPhase)
		}
		next, ok := phase.Next()
		if ok {
			batch = append(batch, bulletin.Message{Kind: bulletin.KindPhase, Payload: phaseTo(next)})
		}
		if len(batch) > 0 {
			if _, err := f.poster.AppendBatch(f.ctx, id, batch); err != nil {
				t.Fatalf("phase %v: posting the allowed kinds and moving on: %v", phase, err)
			}
		}
		if !ok {
			break
		}
		phase = next
	}
	if phase != bulletin.PhasePublished {
		t.Fatalf("walk ended in %v", phase)
	}
	_, err := f.poster.Append(f.ctx, id, bulletin.KindPhase, phaseTo(bulletin.PhasePublished+1))
	wantErr(t, "phase entry after published", err, bulletin.ErrWrongPhase)

	// Replaying the log with Admit gives the same phases.
	p := bulletin.PhaseSetup
	may := bulletin.NewKindSet(all...)
	for _, e := range f.all(t, id) {
		var err error
		if p, err = bulletin.Admit(p, may, e.Kind, e.Payload); err != nil {
			t.Fatalf("replaying entry %d: %v", e.Seq, err)
		}
	}
	if p != bulletin.PhasePublished {
		t.Fatalf("replay ended in %v", p)
	}
}

func testPhaseTransitions(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindPhase)
	for _, bad := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"skip to open", phaseTo(bulletin.PhaseOpen), bulletin.ErrWrongPhase},
		{"stay in setup", phaseTo(bulletin.PhaseSetup), bulletin.ErrWrongPhase},
		{"back to invalid", phaseTo(bulletin.PhaseInvalid), bulletin.ErrWrongPhase},
		{"to service", phaseTo(bulletin.PhaseService), bulletin.ErrWrongPhase},
		{"to an undefined phase", []byte{200}, bulletin.ErrWrongPhase},
		{"empty payload", nil, bulletin.ErrMalformed},
	} {
		_, err := f.poster.Append(f.ctx, id, bulletin.KindPhase, bad.payload)
		wantErr(t, bad.name, err, bad.want)
	}
	// The first byte decides; the rest is the poster's annotation.
	if _, err := f.poster.Append(f.ctx, id, bulletin.KindPhase, append(phaseTo(bulletin.PhaseKeyCeremony), "by the commission"...)); err != nil {
		t.Fatalf("setup -> key-ceremony: %v", err)
	}
	_, err := f.poster.Append(f.ctx, id, bulletin.KindPhase, phaseTo(bulletin.PhaseSetup))
	wantErr(t, "back to setup", err, bulletin.ErrWrongPhase)
	if n := f.count(t, id); n != 1 {
		t.Fatalf("count = %d, want 1", n)
	}
}

func testServiceTopic(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseService, bulletin.Kinds()...)
	for _, k := range bulletin.Kinds() {
		if k.IsChunk() {
			continue
		}
		_, err := f.poster.Append(f.ctx, id, k, []byte{byte(bulletin.PhaseSetup)})
		if bulletin.Allowed(bulletin.PhaseService, k) {
			if err != nil {
				t.Errorf("%v on a service topic: %v", k, err)
			}
		} else {
			wantErr(t, fmt.Sprintf("%v on a service topic", k), err, bulletin.ErrWrongPhase)
		}
	}
	f.all(t, id)
}

func testOversize(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindCredentials)
	_, err := f.poster.Append(f.ctx, id, bulletin.KindCredentials, payload("x", bulletin.MaxPayload+1))
	wantErr(t, "MaxPayload+1 bytes", err, bulletin.ErrTooLarge)
	_, err = f.poster.AppendBatch(f.ctx, id, []bulletin.Message{
		{Kind: bulletin.KindCredentials, Payload: []byte("small")},
		{Kind: bulletin.KindCredentials, Payload: payload("x", bulletin.MaxPayload+1)},
	})
	wantErr(t, "batch with one entry of MaxPayload+1 bytes", err, bulletin.ErrTooLarge)
	if n := f.count(t, id); n != 0 {
		t.Fatalf("count = %d after refused posts", n)
	}
	big := payload("credential list ", bulletin.MaxPayload)
	if _, err := f.poster.Append(f.ctx, id, bulletin.KindCredentials, big); err != nil {
		t.Fatalf("MaxPayload bytes: %v", err)
	}
	if es := f.all(t, id); !bytes.Equal(es[0].Payload, big) {
		t.Fatal("the largest payload did not read back intact")
	}
}

func testChunks(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindCredentials, bulletin.KindManifest)
	f.authorise(t, id, f.other, bulletin.KindTrusteeJoined)

	artefact := payload("0123456789abcdef", 10_000)
	msgs, err := bulletin.Chunk(bulletin.KindCredentials, artefact, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 {
		t.Fatalf("Chunk made %d messages, want a header and 4 chunks", len(msgs))
	}
	// Posted interleaved with another poster's entries, one by one.
	for i, m := range msgs {
		if _, err := f.poster.Append(f.ctx, id, m.Kind, m.Payload); err != nil {
			t.Fatalf("chunk message %d: %v", i, err)
		}
		if _, err := f.other.Append(f.ctx, id, bulletin.KindTrusteeJoined, []byte("between")); err != nil {
			t.Fatal(err)
		}
	}
	var a bulletin.Assembler
	var got []bulletin.Message
	for _, e := range f.all(t, id) {
		m, ok, err := a.Add(e)
		if err != nil {
			t.Fatalf("entry %d: %v", e.Seq, err)
		}
		if ok {
			got = append(got, m)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Kind != bulletin.KindCredentials || !bytes.Equal(got[0].Payload, artefact) {
		t.Fatalf("reassembled %d artefacts, want the credential list back", len(got))
	}

	// Chunks follow the rules of the kind they carry.
	cs, _ := bulletin.Chunk(bulletin.KindDKGResult, artefact, 5000)
	_, err = f.poster.AppendBatch(f.ctx, id, cs)
	wantErr(t, "chunks of a kind the poster may not post", err, bulletin.ErrUnauthorized)
	f.authorise(t, id, f.poster, bulletin.KindDKGResult)
	_, err = f.poster.AppendBatch(f.ctx, id, cs)
	wantErr(t, "chunks of a kind the phase does not allow", err, bulletin.ErrWrongPhase)
	for _, p := range [][]byte{nil, {0}, {0, byte(bulletin.KindChunk)}, {0, byte(bulletin.KindPhase), 1}, {0, 99}} {
		_, err = f.poster.Append(f.ctx, id, bulletin.KindChunk, p)
		wantErr(t, fmt.Sprintf("chunk payload %x", p), err, bulletin.ErrMalformed)
	}
}

func testFollow(t *testing.T, f *fixture) {
	id := f.newTopic(t, bulletin.PhaseSetup, bulletin.KindTrusteeJoined)
	post := func(i int) {
		if _, err := f.poster.Append(f.ctx, id, bulletin.KindTrusteeJoined, fmt.Appendf(nil, "trustee %d", i)); err != nil {
			t.Error(err)
		}
	}
	for i := range 3 {
		post(i)
	}

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	got := make(chan bulletin.Entry)
	done := make(chan error, 1)
	go func() {
		defer close(got)
		for e, err := range f.stranger.Follow(ctx, id, 1) {
			if err != nil {
				done <- err
				return
			}
			got <- e
		}
		done <- nil
	}()

	chain := bulletin.NewChain(id)
	es, _ := f.stranger.Entries(f.ctx, id, 0, 1)
	if err := chain.Add(es[0]); err != nil {
		t.Fatal(err)
	}
	recv := func(want uint64) {
		t.Helper()
		select {
		case e, ok := <-got:
			if !ok {
				t.Fatalf("Follow ended before entry %d: %v", want, <-done)
			}
			if e.Seq != want || string(e.Payload) != fmt.Sprintf("trustee %d", want) {
				t.Fatalf("Follow yielded entry %d %q, want entry %d", e.Seq, e.Payload, want)
			}
			if err := chain.Add(e); err != nil {
				t.Fatalf("followed entry %d: %v", e.Seq, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("Follow did not yield entry %d within 30 s", want)
		}
	}
	recv(1) // earlier entries from the start point
	recv(2)
	for i := 3; i < 6; i++ { // then new ones as they come
		post(i)
		recv(uint64(i))
	}
	head, count, _ := f.stranger.Head(f.ctx, id)
	if err := chain.Check(head, count); err != nil {
		t.Fatalf("followed chain: %v", err)
	}

	cancel()
	for range got {
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow after cancel ended with %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Follow did not stop after cancel")
	}
}
