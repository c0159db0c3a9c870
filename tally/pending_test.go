package tally_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// errKilled is what a poster stopped halfway sees.
var errKilled = errors.New("test: the process was killed")

// stopping is a real board client whose AppendBatch calls fail once ok of
// them have succeeded: a poster stopped halfway (a node restart, a kill).
// With landed, the failing call's entries reach the board before the
// error (a receipt lost after the transaction was mined).
type stopping struct {
	*memboard.Client
	ok     int
	landed bool
	calls  int
}

func (s *stopping) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	s.calls++
	if s.calls <= s.ok {
		return s.Client.AppendBatch(ctx, topic, msgs)
	}
	if s.landed {
		if _, err := s.Client.AppendBatch(ctx, topic, msgs); err != nil {
			return nil, err
		}
	}
	return nil, errKilled
}

// stages collects what a ResumablePost reports through Progress.
type stages struct {
	mu  sync.Mutex
	all []string
}

func (s *stages) add(stage string, _, _ int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, stage)
}

// has reports whether a stage contains every one of the words.
func (s *stages) has(words ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.all {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(st, w)
		}
		if ok {
			return true
		}
	}
	return false
}

// chunked is what a topic's log holds of poster's chunked artefacts of
// one kind: the artefacts reassembled (in order), and how many header and
// chunk entries the poster posted for that kind in all.
type chunked struct {
	artefacts [][]byte
	entries   int
}

func chunkedOf(t *testing.T, r bulletin.Reader, topic bulletin.TopicID, poster bulletin.Address, kind bulletin.Kind) chunked {
	t.Helper()
	ctx := context.Background()
	_, n, err := r.Head(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	es, err := r.Entries(ctx, topic, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	var out chunked
	var asm bulletin.Assembler
	for _, e := range es {
		if e.Poster != poster || !e.Kind.IsChunk() {
			continue
		}
		if k, err := bulletin.EffectiveKind(e.Kind, e.Payload); err != nil || k != kind {
			continue
		}
		out.entries++
		m, done, err := asm.Add(e)
		if err != nil {
			t.Fatalf("entry %d: %v", e.Seq, err)
		}
		if done {
			out.artefacts = append(out.artefacts, m.Payload)
		}
	}
	return out
}

// chunkCount returns the number of chunks of an artefact split in chunks
// of size bytes.
func chunkCount(artefact []byte, size int) int { return (len(artefact) + size - 1) / size }

// A verifiable election on an in-memory board: the sample election of
// tally/verify (the example manifest, 5 trustees running the real key
// ceremony with k = 3, 8 credentials, 6 voters, one revote), closed, with
// its tally inputs posted and the tally started.
type verifiable struct {
	ctx        context.Context
	board      *memboard.Board
	m          *voting.Manifest
	commission *memboard.Client
	w          *tally.Weeded
	cascade    *tally.Cascade
	trustees   *tally.Trustees
	shares     []*dkg.Result
}

func newVerifiable(t *testing.T) *verifiable {
	t.Helper()
	ctx := context.Background()
	m := exampleManifest(t)
	m.ID = "resume-2026"
	board := memboard.New()
	as := func(a string) *memboard.Client { return board.As(addr(t, a)) }
	commission := as(m.Commission.Address)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	phase := func(p bulletin.Phase) { t.Helper(); check(voting.SetPhase(ctx, commission, m.ID, p)) }

	check(voting.Publish(ctx, commission, m))
	n := len(m.Trustees.Members)
	keys := make([]*hybrid.PrivateKey, n)
	stores := make([]*voting.MemoryStore, n)
	for j, p := range m.Trustees.Members {
		var err error
		keys[j], err = hybrid.GenerateKey(seeded(fmt.Sprint("resume trustee key ", j+1)))
		check(err)
		stores[j] = &voting.MemoryStore{}
		_, err = voting.Join(ctx, as(p.Address), m, keys[j], seeded(fmt.Sprint("resume join ", j+1)))
		check(err)
	}
	creds, list, err := voting.GenerateCredentials(seeded("resume credentials"), m, map[string]int{"city": 8})
	check(err)
	check(voting.PostCredentials(ctx, as(m.CredentialAuthority.Address), m, list))

	phase(bulletin.PhaseKeyCeremony)
	keygen := func(j int, run string) (*dkg.Result, error) {
		return voting.RunKeygen(ctx, as(m.Trustees.Members[j].Address), m, keys[j], stores[j],
			&voting.KeygenOptions{Rand: seeded(fmt.Sprintf("resume keygen %d %s", j+1, run)), NoWait: true})
	}
	for round := range 2 {
		for j := range n {
			if _, err := keygen(j, fmt.Sprint("round ", round)); !errors.Is(err, voting.ErrPending) {
				t.Fatalf("trustee %d, round %d: %v", j+1, round, err)
			}
		}
	}
	pub, err := voting.CloseCeremony(ctx, commission, m, nil)
	check(err)
	shares := make([]*dkg.Result, n)
	for j := range n {
		shares[j], err = keygen(j, "finish")
		check(err)
	}
	pk, err := elgamal.NewPublicKeyFromElement(pub.JointKey)
	check(err)

	phase(bulletin.PhaseOpen)
	var batch [][]byte
	for i, s := range []voting.Selections{
		sel("yes", []string{"ivanova", "petrov"}, []string{"orlov", "volkova"}, ""),
		sel("no", []string{"petrov"}, []string{"volkova", voting.WriteInChoice}, "Pat Example"),
		sel("yes", []string{"smirnova"}, []string{"zaitsev", "orlov"}, ""),
		sel("no", nil, nil, ""),
		sel("yes", []string{"sidorova"}, []string{"volkova", "orlov", "zaitsev"}, ""),
		sel("no", []string{"kuznetsov"}, []string{voting.WriteInChoice, "volkova"}, "Pat Example"),
		sel("yes", []string{"ivanova"}, []string{"orlov"}, ""), // voter 0 again: this one counts
	} {
		b, _, err := voting.EncryptBallot(seeded(fmt.Sprint("resume voter ", i)), m, pk, creds[i%6].Style, creds[i%6].Key, s)
		check(err)
		batch = append(batch, b.Bytes())
	}
	_, err = as(m.BallotBox.Address).Append(ctx, m.Topic(), bulletin.KindBallotBatch, voting.EncodeBatch(batch))
	check(err)

	phase(bulletin.PhaseClosed)
	w, err := tally.Weed(ctx, board, m, list, pk)
	check(err)
	check(tally.PostTallyInputs(ctx, commission, m, w))
	phase(bulletin.PhaseTallying)
	c, err := tally.CascadeOf(m, pk)
	check(err)
	trustees, err := tally.TrusteesOf(m, pub)
	check(err)
	return &verifiable{ctx: ctx, board: board, m: m, commission: commission, w: w, cascade: c, trustees: trustees, shares: shares}
}

// mixer returns mixer k of the election posting through b, keeping its
// shuffle in dir while posting, in chunks of size bytes.
func (v *verifiable) mixer(k int, b tally.MixerBoard, dir string, size int, progress func(string, int, int)) *tally.Mixer {
	return &tally.Mixer{Cascade: *v.cascade, Position: k, Board: b, Topic: v.m.Topic(), Commission: v.commission.Address(),
		Pending: dir, ChunkSize: size, Progress: progress}
}

// A mixer and a trustee are each stopped after the first batch of their
// chunked record; restarted, each posts the rest of the same record -- not
// a new one -- and the election verifies as if nothing had happened: one
// complete record each, no chunk posted twice, and the trustee's record
// counted where its last chunk landed, after another trustee's.
func TestTallyStoppedHalfwayResumesTheSameRecords(t *testing.T) {
	v := newVerifiable(t)
	ctx, topic := v.ctx, v.m.Topic()
	dir := t.TempDir()
	const shuffleChunk, decryptionChunk = 12, 4

	if err := v.mixer(0, v.board.As(v.cascade.Mixers[0]), dir, shuffleChunk, nil).Run(ctx, "mayor"); err != nil {
		t.Fatal(err)
	}

	// Mixer 2 is killed after its first batch of 64 entries.
	mixer2 := v.cascade.Mixers[1]
	killed := &stopping{Client: v.board.As(mixer2), ok: 1}
	if err := v.mixer(1, killed, dir, shuffleChunk, nil).Run(ctx, "mayor"); !errors.Is(err, errKilled) {
		t.Fatalf("the killed mixer: %v", err)
	}
	rec, err := tally.ReadMixRecord(ctx, v.board, topic, v.commission.Address())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Shuffles["mayor"]) != 1 {
		t.Fatalf("a half-posted shuffle is read as present: %d shuffles", len(rec.Shuffles["mayor"]))
	}
	p := tally.Pending{Dir: dir, Key: tally.PendingKey{Topic: topic, Kind: bulletin.KindShuffle, Name: "mayor", Slot: 1,
		Poster: mixer2, Input: rec.Shuffles["mayor"][0].OutputList().Digest()}}
	first, size, err := p.Load()
	if err != nil || first == nil || size != shuffleChunk {
		t.Fatalf("the killed mixer's pending shuffle: %d bytes, chunk size %d, %v", len(first), size, err)
	}
	count := chunkCount(first, shuffleChunk)
	if count < 3*64 {
		t.Fatalf("the shuffle record is %d chunks: fewer than 3 batches, the test proves little", count)
	}
	if got := chunkedOf(t, v.board, topic, mixer2, bulletin.KindShuffle); len(got.artefacts) != 0 || got.entries != 64 {
		t.Fatalf("after the kill: %d artefacts, %d entries", len(got.artefacts), got.entries)
	}

	var st stages
	if err := v.mixer(1, v.board.As(mixer2), dir, shuffleChunk, st.add).Run(ctx, "mayor"); err != nil {
		t.Fatal(err)
	}
	got := chunkedOf(t, v.board, topic, mixer2, bulletin.KindShuffle)
	if len(got.artefacts) != 1 || !bytes.Equal(got.artefacts[0], first) || got.entries != count+1 {
		t.Fatalf("after the restart: %d artefacts (the first attempt's: %v), %d entries for %d chunks",
			len(got.artefacts), len(got.artefacts) == 1 && bytes.Equal(got.artefacts[0], first), got.entries, count)
	}
	if !st.has("resuming", "64 of") || st.has("shuffling") {
		t.Fatalf("the restarted mixer shuffled again, or did not say it resumed: %q", st.all)
	}
	if _, err := os.Stat(p.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the pending file is still there once the shuffle is complete: %v", err)
	}
	// A third run finds the shuffle posted and does nothing.
	n := count0(t, v.board, topic)
	if err := v.mixer(1, v.board.As(mixer2), dir, shuffleChunk, nil).Run(ctx, "mayor"); err != nil || count0(t, v.board, topic) != n {
		t.Fatalf("running again: %v, %d entries more", err, count0(t, v.board, topic)-n)
	}
	if err := v.mixer(2, v.board.As(v.cascade.Mixers[2]), dir, shuffleChunk, nil).Run(ctx, "mayor"); err != nil {
		t.Fatal(err)
	}

	// Trustee 1 is killed while posting its decryption of the mixed list:
	// its second batch reaches the board but the answer is lost.
	lists, err := tally.ListsToDecrypt(ctx, v.board, v.m, v.w, v.cascade)
	if err != nil {
		t.Fatal(err)
	}
	decrypt := func(j int, b interface {
		bulletin.Appender
		bulletin.Reader
	}, l *tally.List, o *tally.DecryptionOptions) (bool, error) {
		return tally.PostDecryptionResumable(ctx, b, topic, v.trustees, uint32(j+1), v.shares[j].Share, l, o)
	}
	trustee1 := v.trustees.Addresses[0]
	var mayor *tally.List
	for _, l := range lists {
		if l.Name == "mayor" {
			mayor = l
			continue
		}
		if posted, err := decrypt(0, v.board.As(trustee1), l, &tally.DecryptionOptions{Pending: dir}); err != nil || !posted {
			t.Fatalf("trustee 1, list %s: posted %v, %v", l.Name, posted, err)
		}
	}
	killedT := &stopping{Client: v.board.As(trustee1), ok: 1, landed: true}
	if _, err := decrypt(0, killedT, mayor, &tally.DecryptionOptions{Pending: dir, ChunkSize: decryptionChunk}); !errors.Is(err, errKilled) {
		t.Fatalf("the killed trustee: %v", err)
	}
	pd := tally.Pending{Dir: dir, Key: tally.PendingKey{Topic: topic, Kind: bulletin.KindDecryptionShare, Name: "mayor", Slot: 1,
		Poster: trustee1, Input: mayor.Digest()}}
	firstD, _, err := pd.Load()
	if err != nil || firstD == nil {
		t.Fatalf("the killed trustee's pending decryption: %v", err)
	}
	countD := chunkCount(firstD, decryptionChunk)
	if countD < 3*64 {
		t.Fatalf("the decryption record is %d chunks: fewer than 3 batches", countD)
	}
	// Trustees 2 and 4 decrypt meanwhile.
	for _, j := range []int{1, 3} {
		for _, l := range lists {
			if _, err := decrypt(j, v.board.As(v.trustees.Addresses[j]), l, &tally.DecryptionOptions{Pending: dir}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var stD stages
	if posted, err := decrypt(0, v.board.As(trustee1), mayor, &tally.DecryptionOptions{Pending: dir, ChunkSize: decryptionChunk, Progress: stD.add}); err != nil || !posted {
		t.Fatalf("the restarted trustee: posted %v, %v", posted, err)
	}
	gotD := chunkedOf(t, v.board, topic, trustee1, bulletin.KindDecryptionShare)
	if len(gotD.artefacts) != 1 || !bytes.Equal(gotD.artefacts[0], firstD) || gotD.entries != countD+1 {
		t.Fatalf("the trustee's decryption after the restart: %d artefacts, %d entries for %d chunks", len(gotD.artefacts), gotD.entries, countD)
	}
	if !stD.has("resuming", "128 of") || stD.has("decrypting") {
		t.Fatalf("the restarted trustee decrypted again, or did not say it resumed: %q", stD.all)
	}
	if posted, err := decrypt(0, v.board.As(trustee1), mayor, &tally.DecryptionOptions{Pending: dir}); err != nil || posted {
		t.Fatalf("decrypting again: posted %v, %v", posted, err)
	}
	decs, err := tally.ReadDecryptions(ctx, v.board, topic)
	if err != nil {
		t.Fatal(err)
	}
	var order []bulletin.Address
	for _, d := range decs["mayor"] {
		order = append(order, d.Poster)
	}
	if len(order) != 3 || order[2] != trustee1 {
		t.Fatalf("the decryptions of the mixed list, in board order: %v", order)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Fatalf("pending files left: %v", left)
	}

	res, err := tally.TallyResults(ctx, v.board, v.m, v.w, v.trustees, v.cascade)
	if err != nil {
		t.Fatal(err)
	}
	if err := tally.PostResults(ctx, v.commission, v.m, res); err != nil {
		t.Fatal(err)
	}
	if err := voting.SetPhase(ctx, v.commission, v.m.ID, bulletin.PhasePublished); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(ctx, v.board, v.m.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Verified {
		var buf bytes.Buffer
		rep.WriteText(&buf, true)
		t.Fatalf("the election does not verify:\n%s", buf.String())
	}
}

func count0(t *testing.T, r bulletin.Reader, topic bulletin.TopicID) uint64 {
	t.Helper()
	_, n, err := r.Head(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A pending shuffle saved for another input list (the list changed since)
// is not posted: the mixer says so, removes it and shuffles its real
// input.
func TestPendingShuffleForAnotherListIsNotUsed(t *testing.T) {
	f := newFixture(t, 4, 1)
	ctx := context.Background()
	dir := t.TempDir()
	stale := bytes.Repeat([]byte("a shuffle of another list "), 40)
	p := tally.Pending{Dir: dir, Key: tally.PendingKey{Topic: f.m.Topic(), Kind: bulletin.KindShuffle, Name: "mayor", Slot: 0,
		Poster: f.cascade.Mixers[0], Input: [32]byte{0xd1, 0x6e, 0x57}}}
	if err := p.Save(stale, 32); err != nil {
		t.Fatal(err)
	}
	var st stages
	mx := f.mixer(0)
	mx.Pending, mx.ChunkSize, mx.Progress = dir, 32, st.add
	if err := mx.Run(ctx, "mayor"); err != nil {
		t.Fatal(err)
	}
	if !st.has("not used", "other inputs") {
		t.Fatalf("the stale pending file was not reported: %q", st.all)
	}
	posted, err := bulletin.FindChunks(ctx, f.board, f.m.Topic(), f.cascade.Mixers[0], bulletin.Keccak256(stale))
	if err != nil || len(posted.Headers)+len(posted.Chunks) != 0 {
		t.Fatalf("the stale shuffle was posted: %+v, %v", posted, err)
	}
	if _, err := os.Stat(p.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale pending file is still there: %v", err)
	}
	for k := 1; k < 3; k++ {
		if err := f.mixer(k).Run(ctx, "mayor"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.cascade.Verify(f.record(t), "mayor", nil); err != nil {
		t.Fatal(err)
	}
}

// A damaged pending file is refused with a clear error, not used and not
// a panic; the restarted mixer makes a new shuffle, which verifies.
func TestDamagedPendingFileIsRefusedAndANewShuffleMade(t *testing.T) {
	f := newFixture(t, 4, 1)
	ctx := context.Background()
	dir := t.TempDir()
	mixer1 := f.cascade.Mixers[0]
	mx := f.mixer(0)
	mx.Board = &stopping{Client: f.board.As(mixer1), ok: 1}
	mx.Pending, mx.ChunkSize = dir, 8
	if err := mx.Run(ctx, "mayor"); !errors.Is(err, errKilled) {
		t.Fatalf("the killed mixer: %v", err)
	}
	p := tally.Pending{Dir: dir, Key: tally.PendingKey{Topic: f.m.Topic(), Kind: bulletin.KindShuffle, Name: "mayor", Slot: 0,
		Poster: mixer1, Input: f.record(t).Inputs["mayor"].Digest()}}
	first, _, err := p.Load()
	if err != nil || first == nil {
		t.Fatalf("the pending shuffle: %v", err)
	}
	raw, err := os.ReadFile(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x20
	if err := os.WriteFile(p.Path(), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Load(); !errors.Is(err, tally.ErrPendingDamaged) || !strings.Contains(err.Error(), p.Path()) {
		t.Fatalf("Load of the damaged file: %v", err)
	}

	var st stages
	mx = f.mixer(0)
	mx.Pending, mx.ChunkSize, mx.Progress = dir, 8, st.add
	if err := mx.Run(ctx, "mayor"); err != nil {
		t.Fatal(err)
	}
	if !st.has("not used", "damaged pending file", "checksum") || !st.has("shuffling") {
		t.Fatalf("the damaged file was not reported, or no new shuffle made: %q", st.all)
	}
	got := chunkedOf(t, f.board, f.m.Topic(), mixer1, bulletin.KindShuffle)
	if len(got.artefacts) != 1 || bytes.Equal(got.artefacts[0], first) {
		t.Fatalf("%d shuffles complete; the new one is the damaged file's: %v", len(got.artefacts), len(got.artefacts) == 1 && bytes.Equal(got.artefacts[0], first))
	}
	for k := 1; k < 3; k++ {
		if err := f.mixer(k).Run(ctx, "mayor"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.cascade.Verify(f.record(t), "mayor", nil); err != nil {
		t.Fatal(err)
	}
}

// A pending file is written whole or not at all, readable by its owner
// only, and used again only for the same key; every way of damaging it is
// refused.
func TestPendingFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pending")
	key := tally.PendingKey{Topic: bulletin.TopicID{1}, Kind: bulletin.KindDecryptionShare, Name: "mayor", Slot: 3,
		Poster: bulletin.Address{2}, Input: [32]byte{3}}
	p := tally.Pending{Dir: dir, Key: key}
	if a, n, err := p.Load(); a != nil || n != 0 || err != nil {
		t.Fatalf("Load with no file: %d bytes, %v", len(a), err)
	}
	art := bytes.Repeat([]byte{0xa5, 0x5a, 0x01}, 1000)
	if err := p.Save([]byte("an earlier artefact"), 100); err != nil {
		t.Fatal(err)
	}
	if err := p.Save(art, 1000); err != nil {
		t.Fatal(err)
	}
	if a, n, err := p.Load(); err != nil || n != 1000 || !bytes.Equal(a, art) {
		t.Fatalf("Load: %d bytes, chunk size %d, %v", len(a), n, err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 || filepath.Join(dir, files[0].Name()) != p.Path() {
		t.Fatalf("files in the pending directory: %v", files)
	}
	if fi, err := os.Stat(p.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v, %v", fi.Mode(), err)
	}

	for _, change := range []func(*tally.PendingKey){
		func(k *tally.PendingKey) { k.Input[0] ^= 1 },
		func(k *tally.PendingKey) { k.Poster[0] ^= 1 },
	} {
		other := p
		change(&other.Key)
		if _, _, err := other.Load(); !errors.Is(err, tally.ErrPendingStale) {
			t.Errorf("Load for other inputs: %v", err)
		}
	}

	good, err := os.ReadFile(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":            {},
		"truncated":        good[:len(good)-1],
		"a byte flipped":   append(append([]byte{}, good[:100]...), append([]byte{good[100] ^ 1}, good[101:]...)...),
		"another file":     []byte("veche: not a pending file at all, but long enough to be read as one ......................................................"),
		"only the header":  good[:40],
		"a byte appended":  append(append([]byte{}, good...), 0),
		"the magic string": []byte("veche/pending/v1\x00"),
	} {
		if err := os.WriteFile(p.Path(), bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if a, _, err := p.Load(); !errors.Is(err, tally.ErrPendingDamaged) || a != nil {
			t.Errorf("%s: Load = %d bytes, %v", name, len(a), err)
		}
	}

	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	bad := tally.Pending{Dir: dir, Key: key}
	bad.Key.Name = "../escape"
	if err := bad.Save(art, 100); err == nil {
		t.Fatal("a name that is not a list name was accepted")
	}
	if err := p.Save(art, 0); err == nil {
		t.Fatal("chunk size 0 was accepted")
	}
}
