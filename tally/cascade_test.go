package tally_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// election publishes the example election on a fresh in-memory board and
// takes it to the tallying phase with a tally input of n rows of width w
// for list "mayor", encrypting the numbers 0..n-1 (row i, component k holds
// i*w+k). It returns the board, the manifest, the key and the cascade.
type fixture struct {
	board   *memboard.Board
	m       *voting.Manifest
	sk      *elgamal.PrivateKey
	cascade *tally.Cascade
}

func newFixture(t *testing.T, n, w int) *fixture {
	t.Helper()
	f := newFixtureAt(t, n, w, bulletin.PhaseTallying)
	return f
}

// newFixtureClosed is a fixture left in phase closed, with its tally input.
func newFixtureClosed(t *testing.T) *fixture {
	t.Helper()
	return newFixtureAt(t, 4, 1, bulletin.PhaseClosed)
}

func newFixtureAt(t *testing.T, n, w int, phase bulletin.Phase) *fixture {
	t.Helper()
	ctx := context.Background()
	b, err := os.ReadFile("../voting/testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	board := memboard.New()
	commission := board.As(addr(t, m.Commission.Address))
	if err := voting.Publish(ctx, commission, m); err != nil {
		t.Fatal(err)
	}
	for _, p := range []bulletin.Phase{bulletin.PhaseKeyCeremony, bulletin.PhaseOpen, bulletin.PhaseClosed} {
		if err := voting.SetPhase(ctx, commission, m.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	sk, err := elgamal.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]elgamal.VectorCiphertext, n)
	for i := range rows {
		ms := make([]uint64, w)
		for k := range ms {
			ms[k] = uint64(i*w + k)
		}
		if rows[i], _, err = elgamal.EncryptExpVector(nil, sk.Public(), ms); err != nil {
			t.Fatal(err)
		}
	}
	in := &tally.TallyInput{List: tally.List{Name: "mayor", Rows: rows}}
	payload, err := in.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	post(t, commission, m.Topic(), bulletin.KindTallyInput, payload)
	if phase == bulletin.PhaseTallying {
		if err := voting.SetPhase(ctx, commission, m.ID, bulletin.PhaseTallying); err != nil {
			t.Fatal(err)
		}
	}
	fp, _ := m.Fingerprint()
	c := &tally.Cascade{Fingerprint: fp, Key: sk.Public(), Generators: shuffle.NewGeneratorCache(4)}
	for _, p := range m.Mixers {
		c.Mixers = append(c.Mixers, addr(t, p.Address))
	}
	return &fixture{board: board, m: m, sk: sk, cascade: c}
}

func addr(t *testing.T, s string) bulletin.Address {
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// post appends a payload, chunked if large.
func post(t *testing.T, c *memboard.Client, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) {
	t.Helper()
	msgs := []bulletin.Message{{Kind: kind, Payload: payload}}
	if len(payload) > bulletin.MaxPayload {
		var err error
		if msgs, err = bulletin.Chunk(kind, payload, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AppendBatch(context.Background(), topic, msgs); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) mixer(k int) *tally.Mixer {
	return &tally.Mixer{Cascade: *f.cascade, Position: k, Board: f.board.As(f.cascade.Mixers[k]), Topic: f.m.Topic(),
		Commission: mustAddr(f.m.Commission.Address)}
}

func (f *fixture) record(t *testing.T) *tally.MixRecord {
	t.Helper()
	rec, err := tally.ReadMixRecord(context.Background(), f.board, f.m.Topic(), addr(t, f.m.Commission.Address))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// decryptAll returns the sorted plaintexts of a list.
func (f *fixture) decryptAll(t *testing.T, l *tally.List) []uint64 {
	t.Helper()
	table, err := elgamal.NewDLogTable(1 << 16)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, r := range l.Rows {
		for _, c := range r {
			v, err := elgamal.DecryptExp(f.sk, c, table)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Three mixers started at once each wait for their turn, shuffle and post;
// the cascade verifies and its output decrypts to the input's plaintexts,
// rows intact, in another order. The list is large enough to be chunked.
func TestCascade(t *testing.T) {
	f := newFixture(t, 800, 2) // the proof alone (128 KB) is over one entry: chunked
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for k := 2; k >= 0; k-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = f.mixer(k).Run(ctx, "mayor")
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("mixer %d: %v", k+1, err)
		}
	}
	_, count, _ := f.board.Head(ctx, f.m.Topic())
	es, _ := f.board.Entries(ctx, f.m.Topic(), 0, count)
	headers := 0
	for _, e := range es {
		if e.Kind == bulletin.KindChunkHeader {
			headers++
		}
	}
	if headers != 3 {
		t.Fatalf("%d chunked artefacts on the board, want the 3 shuffles", headers)
	}
	rec := f.record(t)
	if len(rec.Shuffles["mayor"]) != 3 || len(rec.Rejected) != 0 {
		t.Fatalf("%d shuffles, rejected %v", len(rec.Shuffles["mayor"]), rec.Rejected)
	}
	var checked []int
	out, err := f.cascade.Verify(rec, "mayor", func(k int) { checked = append(checked, k) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(checked, []int{0, 1, 2}) {
		t.Fatalf("progress %v", checked)
	}
	in := rec.Inputs["mayor"]
	want := f.decryptAll(t, &in.List)
	if got := f.decryptAll(t, out); !slices.Equal(got, want) {
		t.Fatal("the cascade's output does not decrypt to the input's plaintexts")
	}
	// Rows stay whole: each output row is (2i, 2i+1) for some i.
	moved := 0
	table, _ := elgamal.NewDLogTable(1 << 16)
	for j, r := range out.Rows {
		a, _ := elgamal.DecryptExp(f.sk, r[0], table)
		b, _ := elgamal.DecryptExp(f.sk, r[1], table)
		if a%2 != 0 || b != a+1 {
			t.Fatalf("output row %d decrypts to (%d, %d): rows were not kept whole", j, a, b)
		}
		if a != uint64(2*j) {
			moved++
		}
	}
	if moved < len(out.Rows)/2 {
		t.Fatalf("only %d of %d rows moved", moved, len(out.Rows))
	}

	// A mixer restarted after posting posts nothing again.
	_, before, _ := f.board.Head(ctx, f.m.Topic())
	if err := f.mixer(1).Run(ctx, "mayor"); err != nil {
		t.Fatal(err)
	}
	if _, after, _ := f.board.Head(ctx, f.m.Topic()); after != before {
		t.Fatalf("a restarted mixer posted %d entries", after-before)
	}
}

// Each way a mixer can break the cascade stops it there and names the
// mixer; an honest successor refuses to build on it.
func TestCascadeBlame(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		bad  func(t *testing.T, f *fixture) // what mixer 2 (position 1) posts
		want error
	}{
		{"missing", func(t *testing.T, f *fixture) {}, tally.ErrMissingShuffle},
		{"garbage", func(t *testing.T, f *fixture) {
			post(t, f.board.As(f.cascade.Mixers[1]), f.m.Topic(), bulletin.KindShuffle, []byte{1, 5, 'm', 'a', 'y', 'o', 'r', 0, 0})
		}, tally.ErrMalformed},
		{"garbage, then an honest shuffle", func(t *testing.T, f *fixture) {
			post(t, f.board.As(f.cascade.Mixers[1]), f.m.Topic(), bulletin.KindShuffle, []byte{1, 5, 'm', 'a', 'y', 'o', 'r', 0, 0})
			prev := f.record(t).Shuffles["mayor"][0].OutputList()
			out, proof, err := shuffle.ShuffleAndProve(nil, f.cascade.Key, prev.Rows, shuffle.Params{
				Fingerprint: f.cascade.Fingerprint, Position: 1, Mixer: f.cascade.Mixers[1][:]})
			if err != nil {
				t.Fatal(err)
			}
			postRecord(t, f, 1, &tally.ShuffleRecord{List: "mayor", Position: 1, Input: prev.Digest(), Output: out, Proof: proof})
		}, tally.ErrMalformed},
		{"shuffles the tally input instead of mixer 1's output", func(t *testing.T, f *fixture) {
			rec := f.record(t)
			in := &rec.Inputs["mayor"].List
			out, proof, err := shuffle.ShuffleAndProve(nil, f.cascade.Key, in.Rows, shuffle.Params{
				Fingerprint: f.cascade.Fingerprint, Position: 1, Mixer: f.cascade.Mixers[1][:]})
			if err != nil {
				t.Fatal(err)
			}
			postRecord(t, f, 1, &tally.ShuffleRecord{List: "mayor", Position: 1, Input: in.Digest(), Output: out, Proof: proof})
		}, tally.ErrLinkBroken},
		{"claims the right input but shuffled another list", func(t *testing.T, f *fixture) {
			rec := f.record(t)
			in := &rec.Inputs["mayor"].List
			prev := rec.Shuffles["mayor"][0].OutputList()
			out, proof, err := shuffle.ShuffleAndProve(nil, f.cascade.Key, in.Rows, shuffle.Params{
				Fingerprint: f.cascade.Fingerprint, Position: 1, Mixer: f.cascade.Mixers[1][:]})
			if err != nil {
				t.Fatal(err)
			}
			postRecord(t, f, 1, &tally.ShuffleRecord{List: "mayor", Position: 1, Input: prev.Digest(), Output: out, Proof: proof})
		}, shuffle.ErrInvalidProof},
		{"copies mixer 1's output and proof", func(t *testing.T, f *fixture) {
			rec := f.record(t)
			s := rec.Shuffles["mayor"][0]
			postRecord(t, f, 1, &tally.ShuffleRecord{List: "mayor", Position: 1, Input: s.OutputList().Digest(), Output: s.Output, Proof: s.Proof})
		}, shuffle.ErrInvalidProof},
		{"proof made for another position", func(t *testing.T, f *fixture) {
			prev := f.record(t).Shuffles["mayor"][0].OutputList()
			out, proof, err := shuffle.ShuffleAndProve(nil, f.cascade.Key, prev.Rows, shuffle.Params{
				Fingerprint: f.cascade.Fingerprint, Position: 2, Mixer: f.cascade.Mixers[1][:]})
			if err != nil {
				t.Fatal(err)
			}
			postRecord(t, f, 1, &tally.ShuffleRecord{List: "mayor", Position: 1, Input: prev.Digest(), Output: out, Proof: proof})
		}, shuffle.ErrInvalidProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 20, 1)
			if err := f.mixer(0).Run(ctx, "mayor"); err != nil {
				t.Fatal(err)
			}
			tc.bad(t, f)
			_, err := f.cascade.Verify(f.record(t), "mayor", nil)
			var me *tally.MixError
			if !errors.As(err, &me) || me.Position != 1 || me.Mixer != f.cascade.Mixers[1] || !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v; want mixer 2 blamed with %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "mixer 2") {
				t.Fatalf("the error does not name mixer 2: %v", err)
			}
			if tc.want == tally.ErrMissingShuffle {
				return
			}
			// The honest mixer 3 does not build on it.
			if err := f.mixer(2).Run(ctx, "mayor"); !errors.As(err, &me) || me.Position != 1 {
				t.Fatalf("mixer 3 ran on a broken cascade: %v", err)
			}
		})
	}
}

func postRecord(t *testing.T, f *fixture, k int, r *tally.ShuffleRecord) {
	t.Helper()
	b, err := r.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	post(t, f.board.As(f.cascade.Mixers[k]), f.m.Topic(), bulletin.KindShuffle, b)
}

// Records round-trip, and their decoders reject what is not canonical.
func TestRecordEncoding(t *testing.T) {
	f := newFixture(t, 3, 2)
	rec := f.record(t)
	in := rec.Inputs["mayor"]
	b, err := in.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := tally.ParseTallyInput(b)
	if err != nil || back.Digest() != in.Digest() {
		t.Fatalf("round trip: %v", err)
	}
	if tally.ListName(b) != "mayor" {
		t.Fatal("ListName")
	}
	bad := map[string][]byte{
		"empty":     nil,
		"version":   append([]byte{2}, b[1:]...),
		"truncated": b[:len(b)-1],
		"trailing":  append(slices.Clone(b), 0),
		"zero rows": append(slices.Clone(b[:7]), 0, 0, 0, 0, 0, 0, 0, 2),
		"wide":      append(slices.Clone(b[:7]), 0, 0, 0, 3, 0, 0, 0, 65),
		"bad name":  append([]byte{1, 5, 'M', 'a', 'y', 'o', 'r'}, b[7:]...),
		"non-canonical": func() []byte {
			c := slices.Clone(b)
			copy(c[15:47], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
			return c
		}(),
		"identity A": func() []byte {
			c := slices.Clone(b)
			clear(c[15:47])
			return c
		}(),
	}
	for name, p := range bad {
		if _, err := tally.ParseTallyInput(p); !errors.Is(err, tally.ErrMalformed) {
			t.Errorf("%s: ParseTallyInput = %v", name, err)
		}
	}
}

func FuzzParseShuffleRecord(f *testing.F) {
	f.Add([]byte{1, 1, 'a', 0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := tally.ParseShuffleRecord(b)
		if err != nil {
			return
		}
		again, err := r.Bytes()
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted a record that does not re-encode to itself: %v", err)
		}
	})
}

func FuzzParseTallyInput(f *testing.F) {
	f.Add([]byte{1, 1, 'a', 0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := tally.ParseTallyInput(b)
		if err != nil {
			return
		}
		again, err := r.Bytes()
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted an input that does not re-encode to itself: %v", err)
		}
	})
}

func mustAddr(s string) bulletin.Address {
	a, err := voting.ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

// A tally input from anyone but the commission is not the tally input, even
// if the board let it through.
func TestTallyInputFromOthersIgnored(t *testing.T) {
	ctx := context.Background()
	b, _ := os.ReadFile("../voting/testdata/election.yaml")
	m, err := voting.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	board := memboard.New()
	commission := board.As(mustAddr(m.Commission.Address))
	if err := voting.Publish(ctx, commission, m); err != nil {
		t.Fatal(err)
	}
	for _, p := range []bulletin.Phase{bulletin.PhaseKeyCeremony, bulletin.PhaseOpen, bulletin.PhaseClosed} {
		if err := voting.SetPhase(ctx, commission, m.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	mixer := mustAddr(m.Mixers[0].Address)
	if err := commission.SetPoster(ctx, m.Topic(), mixer, bulletin.NewKindSet(bulletin.KindShuffle, bulletin.KindTallyInput)); err != nil {
		t.Fatal(err)
	}
	sk, _ := elgamal.GenerateKey(nil)
	row, _, _ := elgamal.EncryptExpVector(nil, sk.Public(), []uint64{1})
	forged, _ := (&tally.TallyInput{List: tally.List{Name: "mayor", Rows: []elgamal.VectorCiphertext{row}}}).Bytes()
	post(t, board.As(mixer), m.Topic(), bulletin.KindTallyInput, forged)
	rec, err := tally.ReadMixRecord(ctx, board, m.Topic(), mustAddr(m.Commission.Address))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Inputs) != 0 || len(rec.Rejected) != 1 || rec.Rejected[0].Poster != mixer || rec.Rejected[0].List != "mayor" {
		t.Fatalf("inputs %v, rejected %+v", rec.Lists(), rec.Rejected)
	}
}
