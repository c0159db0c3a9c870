package verify_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nth returns the index of the n-th (from 0) entry of kind posted by a.
func nth(t testing.TB, es []bulletin.Entry, kind bulletin.Kind, a bulletin.Address, n int) int {
	t.Helper()
	for i, e := range es {
		if e.Kind == kind && (a == bulletin.Address{} || e.Poster == a) {
			if n == 0 {
				return i
			}
			n--
		}
	}
	t.Fatalf("no such %v entry", kind)
	return -1
}

// countedAs returns rec with the commission's tally inputs replaced by
// those that weeding other gives: a commission that tallied another board
// than the election's. other must have its entries where rec has them.
func countedAs(t *testing.T, rec, other *verify.Record) *verify.Record {
	t.Helper()
	ctx := context.Background()
	m, err := voting.ReadManifest(ctx, other, sampleID)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := voting.JointKey(ctx, other, m)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := elgamal.NewPublicKeyFromElement(pub.JointKey)
	creds, err := voting.ReadCredentials(ctx, other, m)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tally.Weed(ctx, other, m, creds, pk)
	if err != nil {
		t.Fatal(err)
	}
	in, err := tally.Aggregate(m, w)
	if err != nil {
		t.Fatal(err)
	}
	return edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
		k := 0
		for i := range es {
			if es[i].Kind == bulletin.KindTallyInput {
				es[i].Payload = in.Inputs[k].Payload
				k++
			}
		}
		if k != len(in.Inputs) {
			t.Fatalf("%d tally-input entries, %d inputs", k, len(in.Inputs))
		}
		return es
	})
}

// rebatch re-encodes the ballot batch at index i with f applied to its
// ballots.
func rebatch(t testing.TB, es []bulletin.Entry, i int, f func([][]byte) [][]byte) {
	t.Helper()
	b, err := voting.ParseBatch(es[i].Payload)
	if err != nil {
		t.Fatal(err)
	}
	es[i].Payload = voting.EncodeBatch(f(b.Ballots))
}

// The hostile records of issue 7: each fails, at the right step, naming
// the entry and the party at fault; every step before it still holds.
func TestHostileRecords(t *testing.T) {
	ctx := context.Background()
	rec := loadRecord(t, sampleRecord)
	m := sampleManifest(t)
	box := mustAddr(t, m.BallotBox.Address)
	mixer2 := mustAddr(t, m.Mixers[1].Address)
	trustee2 := mustAddr(t, m.Trustees.Members[1].Address)
	batch := func(n int) int { return nth(t, rec.Log, bulletin.KindBallotBatch, box, n) }
	audit := nth(t, rec.Log, bulletin.KindAuditedBallot, box, 0)
	reconciliation := uint64(nth(t, rec.Log, bulletin.KindTallyInput, bulletin.Address{}, 0))
	shuffle2 := nth(t, rec.Log, bulletin.KindShuffle, mixer2, 0)
	flip := func(i, at int) func([]bulletin.Entry) []bulletin.Entry {
		return func(es []bulletin.Entry) []bulletin.Entry {
			p := es[i].Payload
			p[(at+len(p))%len(p)] ^= 0x01
			return es
		}
	}
	for _, tc := range []struct {
		name   string
		record func() *verify.Record
		step   int
		entry  uint64
		party  string // the role's prefix
		detail string
	}{
		{"a ballot altered after posting", func() *verify.Record {
			return tamper(t, rec, flip(batch(1), 200))
		}, verify.StepChain, uint64(batch(1)), "board", "hash chain mismatch"},
		{"entries reordered", func() *verify.Record {
			return tamper(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
				i := batch(1)
				es[i], es[i+1] = es[i+1], es[i]
				return es
			})
		}, verify.StepChain, uint64(batch(1)), "board", "gap"},
		{"an entry missing", func() *verify.Record {
			return tamper(t, rec, func(es []bulletin.Entry) []bulletin.Entry { return append(es[:audit], es[audit+1:]...) })
		}, verify.StepChain, uint64(audit), "board", "1 missing"},
		{"the log truncated", func() *verify.Record {
			return tamper(t, rec, func(es []bulletin.Entry) []bulletin.Entry { return es[:len(es)-1] })
		}, verify.StepChain, uint64(len(rec.Log) - 1), "board", "48 entries, the board counts 49"},
		{"a key-ceremony result that is not the trustees'", func() *verify.Record {
			return edit(t, rec, flip(findKind(t, rec.Log, bulletin.KindDKGResult, 0), -1))
		}, verify.StepCeremony, uint64(findKind(t, rec.Log, bulletin.KindDKGResult, 0)), "commission", "is not the board's"},
		{"a counted ballot dropped by the commission", func() *verify.Record {
			return countedAs(t, rec, edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
				rebatch(t, es, batch(1), func(bs [][]byte) [][]byte { return bs[1:] })
				return es
			}))
		}, verify.StepBallots, reconciliation, "commission", "ballots received: posted"},
		{"a ballot added by the commission", func() *verify.Record {
			creds := sampleCredentials(t, m)
			pub, _ := voting.JointKey(ctx, rec, m)
			pk, _ := elgamal.NewPublicKeyFromElement(pub.JointKey)
			stuffed, _, err := voting.EncryptBallot(nil, m, pk, "city", creds[7].Key, sel("yes", nil, []string{"orlov"}, ""))
			if err != nil {
				t.Fatal(err)
			}
			return countedAs(t, rec, edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
				rebatch(t, es, batch(2), func(bs [][]byte) [][]byte { return append(bs, stuffed.Bytes()) })
				return es
			}))
		}, verify.StepBallots, reconciliation, "commission", "ballots received: posted 9, the board gives 8"},
		{"a revote counted in the wrong order", func() *verify.Record {
			return countedAs(t, rec, edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
				a, b := batch(0), batch(2)
				es[a].Payload, es[b].Payload = es[b].Payload, es[a].Payload
				return es
			}))
		}, verify.StepBallots, reconciliation, "commission", "digest of the counted ballots"},
		{"a spoiled ballot counted", func() *verify.Record {
			a, err := voting.ParseAudit(rec.Log[audit].Payload, m)
			if err != nil {
				t.Fatal(err)
			}
			cast := edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
				rebatch(t, es, batch(2), func(bs [][]byte) [][]byte { return append(bs, a.Ballot.Bytes()) })
				return es
			})
			return countedAs(t, cast, edit(t, cast, func(es []bulletin.Entry) []bulletin.Entry {
				es[audit].Payload = []byte("not an audit")
				return es
			}))
		}, verify.StepBallots, reconciliation, "commission", "audited: posted 0, the board gives 1"},
		{"a shuffle with a wrong proof", func() *verify.Record {
			return edit(t, rec, flip(shuffle2, -40))
		}, verify.StepShuffles, uint64(shuffle2), "mixer 2", "list mayor: mixer 2 breaks the cascade"},
		{"a mixer whose input is not its predecessor's output", func() *verify.Record {
			return edit(t, rec, flip(shuffle2, 1+1+len("mayor")+12+5))
		}, verify.StepShuffles, uint64(shuffle2), "mixer 2", "predecessor's output"},
		{"a decryption share with a bad proof", func() *verify.Record {
			return edit(t, rec, flip(nth(t, rec.Log, bulletin.KindDecryptionShare, trustee2, 1), -3))
		}, verify.StepDecryptions, uint64(nth(t, rec.Log, bulletin.KindDecryptionShare, trustee2, 1)), "trustee 2", "partial decryption is not valid"},
		{"a result whose evidence is not on the chain", func() *verify.Record {
			return edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
				i := findKind(t, es, bulletin.KindResult, 0)
				res, err := tally.ParseResults(es[i].Payload)
				if err != nil {
					t.Fatal(err)
				}
				res.Evidence[4].Head[0] ^= 1
				if es[i].Payload, err = res.Bytes(); err != nil {
					t.Fatal(err)
				}
				return es
			})
		}, verify.StepResult, uint64(findKind(t, rec.Log, bulletin.KindResult, 0)), "commission", "evidence 5 (the reconciliation)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.record()
			rep, err := verify.Verify(ctx, r, sampleID, nil)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			rep.WriteText(&buf, false)
			f := rep.FirstFailure()
			if rep.Verdict != verify.Failed || f == nil {
				t.Fatalf("not failed:\n%s", buf.String())
			}
			if f.Number != tc.step || f.Entry == nil || *f.Entry != tc.entry || f.Party == nil ||
				!strings.HasPrefix(f.Party.Role, tc.party) || !strings.Contains(f.Detail, tc.detail) {
				t.Fatalf("want step %d, entry %d, party %s, detail %q; got:\n%s", tc.step, tc.entry, tc.party, tc.detail, buf.String())
			}
			for _, s := range rep.Steps[:tc.step-1] {
				if s.Status != verify.StatusOK {
					t.Errorf("step %d before the failure is %s: %s", s.Number, s.Status, s.Detail)
				}
			}
			if err := rep.Err(); err == nil || !strings.Contains(err.Error(), f.Party.Role) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// A record survives being written and read back, entry for entry; what is
// not a record is refused with the line at fault.
func TestRecordRoundTrip(t *testing.T) {
	ctx := context.Background()
	rec := loadRecord(t, sampleRecord)
	var buf bytes.Buffer
	if err := verify.WriteRecord(ctx, &buf, rec, rec.Header.Election, "0x00000000000000000000000000000000000000aa", 1337, rec.Topic()); err != nil {
		t.Fatal(err)
	}
	back, err := verify.ReadRecord(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.Header.Contract != "0x00000000000000000000000000000000000000aa" || back.Header.ChainID != 1337 || len(back.Log) != len(rec.Log) {
		t.Fatalf("header %+v, %d entries", back.Header, len(back.Log))
	}
	for i, e := range back.Log {
		o := rec.Log[i]
		if e.Seq != o.Seq || e.Kind != o.Kind || e.Poster != o.Poster || e.Head != o.Head || !bytes.Equal(e.Payload, o.Payload) {
			t.Fatalf("entry %d differs after the round trip", i)
		}
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	for _, tc := range []struct{ name, text, want string }{
		{"empty", "", "an empty file"},
		{"another format", strings.Replace(lines[0], "veche-record/v1", "veche-record/v9", 1), "line 1: format"},
		{"an unknown field", lines[0] + strings.Replace(lines[1], `"seq"`, `"extra":1,"seq"`, 1), "line 2: json: unknown field"},
		{"an undefined kind", lines[0] + strings.Replace(lines[1], `"kind":1,`, `"kind":99,`, 1), "line 2: entry 0: undefined kind 99"},
		{"a kind name that lies", lines[0] + strings.Replace(lines[1], `"kind_name":"manifest"`, `"kind_name":"result"`, 1), "is \"manifest\", not \"result\""},
		{"a short head", lines[0] + strings.Replace(lines[1], `"head":"`, `"head":"00`, 1), "line 2: entry 0: head"},
		{"a poster without 0x", lines[0] + strings.Replace(lines[1], `"poster":"0x`, `"poster":"`, 1), "poster"},
		{"payload not hex", lines[0] + strings.Replace(lines[1], `"payload":"`, `"payload":"zz`, 1), "payload"},
		{"two objects on a line", lines[0] + strings.TrimSuffix(lines[1], "\n") + "{}\n", "more than one JSON value"},
		// Lines are decoded in chunks on all cores: the first bad line is
		// named, wherever the chunks end.
		{"two bad lines far apart", strings.Join(lines[:20], "") + strings.Replace(lines[20], `"kind":`, `"kind":9`, 1) +
			strings.Join(lines[21:45], "") + strings.Replace(lines[45], `"payload":"`, `"payload":"zz`, 1) + strings.Join(lines[46:], ""), "line 21: "},
		{"a bad last line", strings.Join(lines[:len(lines)-1], "") + "{", fmt.Sprintf("line %d: ", len(lines))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify.ReadRecord(strings.NewReader(tc.text))
			if !errors.Is(err, verify.ErrRecord) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadRecord = %v, want %q", err, tc.want)
			}
		})
	}
	// An election the record does not hold is not on its board.
	if _, err := verify.Verify(ctx, rec, "another-election", nil); !errors.Is(err, bulletin.ErrUnknownTopic) {
		t.Fatalf("Verify of another election: %v", err)
	}
}

// replay posts the entries of rec to a fresh in-memory board as their
// posters, with the manifest's rights: the record's election, live.
func newReplay(t *testing.T, rec *verify.Record) (*memboard.Board, func(from, to int)) {
	t.Helper()
	ctx := context.Background()
	m := sampleManifest(t)
	board := memboard.New()
	commission := board.As(mustAddr(t, m.Commission.Address))
	if err := commission.CreateTopic(ctx, m.Topic(), bulletin.PhaseSetup); err != nil {
		t.Fatal(err)
	}
	for a, k := range m.Rights() {
		if err := commission.SetPoster(ctx, m.Topic(), a, k); err != nil {
			t.Fatal(err)
		}
	}
	return board, func(from, to int) {
		for _, e := range rec.Log[from:to] {
			if _, err := board.As(e.Poster).Append(ctx, m.Topic(), e.Kind, e.Payload); err != nil {
				t.Error(err)
				return
			}
		}
	}
}

// Following a live board, the verifier reports each step as the election
// gets to it: pending steps turn ok as the entries arrive, every report
// says which steps changed, and it stops by itself once the election is
// published, with the verdict of a one-shot verification.
func TestFollowReportsStepsAsTheyComplete(t *testing.T) {
	rec := loadRecord(t, sampleRecord)
	board, post := newReplay(t, rec)
	post(0, 1) // the manifest
	closing := nth(t, rec.Log, bulletin.KindPhase, bulletin.Address{}, 2)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		mu      sync.Mutex
		reports []*verify.Report
		changes [][]int
	)
	reported := make(chan struct{}, 100)
	errc := make(chan error, 1)
	go func() {
		errc <- verify.Follow(ctx, board, sampleID, nil, func(r *verify.Report, changed []int) error {
			mu.Lock()
			reports, changes = append(reports, r), append(changes, changed)
			mu.Unlock()
			reported <- struct{}{}
			return nil
		})
	}()
	<-reported
	post(1, closing+1) // through the closing entry
	var err error
	for waiting := true; waiting; {
		select {
		case <-reported:
			mu.Lock()
			last := reports[len(reports)-1]
			mu.Unlock()
			if s := last.Step(verify.StepBallots); s.Status == verify.StatusPending && strings.Contains(s.Detail, "reconciliation") {
				waiting = false
			}
		case err = <-errc:
			t.Fatalf("Follow ended early: %v", err)
		case <-ctx.Done():
			t.Fatal("no report after the close")
		}
	}
	post(closing+1, len(rec.Log))
	if err = <-errc; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	first, last := reports[0], reports[len(reports)-1]
	if first.Verdict != verify.Incomplete || first.Step(verify.StepManifest).Status != verify.StatusOK ||
		first.Step(verify.StepCeremony).Status != verify.StatusPending || len(changes[0]) != 10 {
		t.Fatalf("first report: %s, changed %v", first.VerdictLine(), changes[0])
	}
	if last.Verdict != verify.Verified || last.Entries != uint64(len(rec.Log)) {
		t.Fatalf("last report: %s after %d entries", last.VerdictLine(), last.Entries)
	}
	for i, c := range changes[1:] {
		if len(c) == 0 {
			t.Errorf("report %d changes nothing", i+1)
		}
		t.Logf("report %d: %d entries, %s, steps changed %v", i+1, reports[i+1].Entries, reports[i+1].Verdict, c)
	}
	once, err := verify.Verify(context.Background(), board, sampleID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range once.Steps {
		a, b := once.Steps[i], last.Steps[i]
		if a.Status != b.Status || a.Detail != b.Detail {
			t.Errorf("step %d: following gives %s %q, once %s %q", a.Number, b.Status, b.Detail, a.Status, a.Detail)
		}
	}
}

// The progress callback sees the long steps advance to their totals.
func TestProgress(t *testing.T) {
	rec := loadRecord(t, sampleRecord)
	last := map[int]verify.Progress{}
	_, err := verify.Verify(context.Background(), rec, sampleID, &verify.Options{Progress: func(p verify.Progress) {
		if p.Done > p.Total {
			t.Errorf("progress %+v", p)
		}
		last[p.Step] = p
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{verify.StepChain, verify.StepBallots, verify.StepShuffles, verify.StepDecryptions} {
		if p, ok := last[n]; !ok || p.Done != p.Total || p.Total == 0 {
			t.Errorf("step %d: last progress %+v", n, p)
		}
	}
}

// A ballot the ballot box should have refused (its signature altered) is
// excluded by the weeding and noted, blaming the box, but is no failure:
// with tally inputs and a result that account for it, the election
// verifies.
func TestInvalidBallotIsNotedNotFailed(t *testing.T) {
	ctx := context.Background()
	rec := loadRecord(t, sampleRecord)
	m := sampleManifest(t)
	box := mustAddr(t, m.BallotBox.Address)
	i := nth(t, rec.Log, bulletin.KindBallotBatch, box, 2)
	withBad := edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
		rebatch(t, es, i, func(bs [][]byte) [][]byte {
			bad := bytes.Clone(bs[0])
			bad[len(bad)-1] ^= 0x01
			return append(bs, bad)
		})
		return es
	})
	withBad = countedAs(t, withBad, withBad)
	// The commission's result over this board.
	pub, err := voting.JointKey(ctx, withBad, m)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := elgamal.NewPublicKeyFromElement(pub.JointKey)
	creds, err := voting.ReadCredentials(ctx, withBad, m)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tally.Weed(ctx, withBad, m, creds, pk)
	if err != nil {
		t.Fatal(err)
	}
	trustees, err := tally.TrusteesOf(m, pub)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tally.CascadeOf(m, pk)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tally.TallyResults(ctx, withBad, m, w, trustees, c)
	if err != nil {
		t.Fatal(err)
	}
	withBad = edit(t, withBad, func(es []bulletin.Entry) []bulletin.Entry {
		j := findKind(t, es, bulletin.KindResult, 0)
		if es[j].Payload, err = res.Bytes(); err != nil {
			t.Fatal(err)
		}
		return es
	})

	rep, err := verify.Verify(ctx, withBad, sampleID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Verified {
		var buf bytes.Buffer
		rep.WriteText(&buf, true)
		t.Fatalf("not verified:\n%s", buf.String())
	}
	s := rep.Step(verify.StepBallots)
	found := false
	for _, n := range s.Notes {
		if n.Entry != nil && *n.Entry == uint64(i) && n.Party != nil && n.Party.Role == "ballot box" &&
			(strings.Contains(n.Text, "invalid") || strings.Contains(n.Text, "malformed")) {
			found = true
		}
	}
	if !found || !strings.Contains(s.Detail, "received 9") {
		t.Fatalf("step 6: %s; notes %+v", s.Detail, s.Notes)
	}
}

// Entries arriving more often than Follow's settling delay (a busy ballot
// box) do not hold the verification back until they stop: a report comes
// while they are still arriving.
func TestFollowMovesOnWhileEntriesKeepArriving(t *testing.T) {
	rec := loadRecord(t, sampleRecord)
	board, post := newReplay(t, rec)
	post(0, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reports := make(chan uint64, 1000)
	go verify.Follow(ctx, board, sampleID, nil, func(r *verify.Report, _ []int) error {
		reports <- r.Entries
		return nil
	})
	<-reports // the first report, of the manifest alone
	var posted atomic.Int64
	posted.Store(1)
	go func() {
		for i := 1; i < len(rec.Log) && ctx.Err() == nil; i++ {
			post(i, i+1)
			posted.Store(int64(i + 1))
			time.Sleep(30 * time.Millisecond)
		}
	}()
	select {
	case n := <-reports:
		if p := posted.Load(); p == int64(len(rec.Log)) {
			t.Fatalf("the first report after the manifest (%d entries) came only once every entry was posted", n)
		}
	case <-ctx.Done():
		t.Fatal("no report")
	}
}
