package verify_test

import (
	"bytes"
	"context"
	"crypto/sha3"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// The sample election record of testdata/verification/ (docs/spec/
// verification.md, section 4): written by TestSampleRecord with -update,
// verified by every run.
const (
	sampleID       = "sample-2026"
	sampleDir      = "../../testdata/verification"
	sampleRecord   = sampleDir + "/sample.jsonl"
	sampleReport   = sampleDir + "/sample-report.json"
	tamperedRecord = sampleDir + "/sample-tampered.jsonl"
	tamperedReport = sampleDir + "/sample-tampered-report.json"
)

// seeded returns a deterministic randomness stream for the tests.
func seeded(seed string) io.Reader {
	x := sha3.NewSHAKE128()
	x.Write([]byte("veche/verify/sample/" + seed))
	return x
}

func sel(bike string, council, mayor []string, writeIn string) voting.Selections {
	return voting.Selections{
		"bike-lanes": {Options: []string{bike}},
		"council":    {Options: council},
		"mayor":      {Options: mayor, WriteIn: writeIn},
	}
}

func mustAddr(t testing.TB, s string) bulletin.Address {
	t.Helper()
	a, err := voting.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sampleManifest(t testing.TB) *voting.Manifest {
	t.Helper()
	raw, err := os.ReadFile("../../voting/testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	m.ID = sampleID
	return m
}

// sampleCredentials returns the sample's credentials (the same as the
// election's, given the seed), for tests that cast more ballots.
func sampleCredentials(t testing.TB, m *voting.Manifest) []*voting.Credential {
	t.Helper()
	creds, _, err := voting.GenerateCredentials(seeded("credentials"), m, map[string]int{"city": 8})
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

// buildSample runs the sample election on an in-memory board, every
// party honest: the example manifest (a yes/no referendum and a 2-of-5
// approval contest counted homomorphically, a ranked contest with a
// write-in mixed); 5 trustees run the key ceremony (k = 3); 8 credentials;
// 7 voters cast, one of them twice (the last counts), one audits a ballot
// before casting another; the election closes; the commission posts the
// tally inputs; 3 mixers shuffle; trustees 1, 2 and 4 decrypt (3 and 5 are
// absent); the commission posts the result and publishes.
func buildSample(t testing.TB) (*memboard.Board, *voting.Manifest) {
	return buildElection(t, 0)
}

// buildElection is buildSample with extra voters more, each casting one
// ballot, in batches of 32 after the sample's.
func buildElection(t testing.TB, extra int) (*memboard.Board, *voting.Manifest) {
	t.Helper()
	ctx := context.Background()
	m := sampleManifest(t)
	board := memboard.New()
	as := func(a string) *memboard.Client { return board.As(mustAddr(t, a)) }
	commission := as(m.Commission.Address)
	box := as(m.BallotBox.Address)
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
		keys[j], err = hybrid.GenerateKey(seeded(fmt.Sprint("trustee key ", j+1)))
		check(err)
		stores[j] = &voting.MemoryStore{}
		_, err = voting.Join(ctx, as(p.Address), m, keys[j], seeded(fmt.Sprint("join ", j+1)))
		check(err)
	}
	creds, list, err := voting.GenerateCredentials(seeded("credentials"), m, map[string]int{"city": 8 + extra})
	check(err)
	check(voting.PostCredentials(ctx, as(m.CredentialAuthority.Address), m, list))

	phase(bulletin.PhaseKeyCeremony)
	keygen := func(j int, run string) (*dkg.Result, error) {
		return voting.RunKeygen(ctx, as(m.Trustees.Members[j].Address), m, keys[j], stores[j],
			&voting.KeygenOptions{Rand: seeded(fmt.Sprintf("keygen %d %s", j+1, run)), NoWait: true})
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
	ballot := func(i int, s voting.Selections, seed string) (*voting.Ballot, *voting.BallotSecrets) {
		t.Helper()
		b, sec, err := voting.EncryptBallot(seeded(seed), m, pk, creds[i].Style, creds[i].Key, s)
		check(err)
		return b, sec
	}
	cast := func(bs ...*voting.Ballot) {
		t.Helper()
		var raw [][]byte
		for _, b := range bs {
			raw = append(raw, b.Bytes())
		}
		_, err := box.Append(ctx, m.Topic(), bulletin.KindBallotBatch, voting.EncodeBatch(raw))
		check(err)
	}
	v0a, _ := ballot(0, sel("yes", []string{"ivanova", "petrov"}, []string{"orlov", "volkova"}, ""), "voter 0 first")
	v0b, _ := ballot(0, sel("no", []string{"petrov"}, []string{"volkova", voting.WriteInChoice}, "Pat Example"), "voter 0 revote")
	v1x, s1x := ballot(1, sel("yes", []string{"ivanova"}, []string{"zaitsev"}, ""), "voter 1 audited")
	v1, _ := ballot(1, sel("yes", []string{"smirnova", "ivanova"}, []string{"zaitsev", "orlov"}, ""), "voter 1")
	v2, _ := ballot(2, sel("no", nil, nil, ""), "voter 2")
	v3, _ := ballot(3, sel("yes", []string{"sidorova"}, []string{"volkova", "orlov", "zaitsev"}, ""), "voter 3")
	v4, _ := ballot(4, sel("no", []string{"kuznetsov", "petrov"}, []string{voting.WriteInChoice, "volkova"}, "Pat Example"), "voter 4")
	v5, _ := ballot(5, sel("yes", []string{"ivanova", "smirnova"}, []string{"orlov"}, ""), "voter 5")
	v6, _ := ballot(6, sel("yes", []string{"petrov"}, []string{"volkova", "zaitsev"}, ""), "voter 6")
	cast(v0a, v2, v3)
	a, err := voting.AuditBallot(v1x, s1x)
	check(err)
	p, err := a.Bytes(m)
	check(err)
	_, err = box.Append(ctx, m.Topic(), bulletin.KindAuditedBallot, p)
	check(err)
	cast(v1, v4, v5)
	cast(v0b, v6)
	choices := []voting.Selections{
		sel("yes", []string{"ivanova", "petrov"}, []string{"orlov", "volkova"}, ""),
		sel("no", []string{"sidorova"}, []string{"zaitsev"}, ""),
		sel("yes", nil, []string{voting.WriteInChoice, "orlov"}, "Pat Example"),
	}
	for lo := 8; lo < 8+extra; lo += 32 {
		var bs []*voting.Ballot
		for i := lo; i < min(lo+32, 8+extra); i++ {
			b, _ := ballot(i, choices[i%len(choices)], fmt.Sprint("voter ", i))
			bs = append(bs, b)
		}
		cast(bs...)
	}

	phase(bulletin.PhaseClosed)
	w, err := tally.Weed(ctx, board, m, list, pk)
	check(err)
	check(tally.PostTallyInputs(ctx, commission, m, w))
	phase(bulletin.PhaseTallying)
	c, err := tally.CascadeOf(m, pk)
	check(err)
	for k := range c.Mixers {
		mx := &tally.Mixer{Cascade: *c, Position: k, Board: board.As(c.Mixers[k]), Topic: m.Topic(),
			Commission: commission.Address(), Rand: seeded(fmt.Sprint("mixer ", k+1))}
		check(mx.Run(ctx, "mayor"))
	}
	trustees, err := tally.TrusteesOf(m, pub)
	check(err)
	lists, err := tally.ListsToDecrypt(ctx, board, m, w, c)
	check(err)
	for _, j := range []int{0, 1, 3} {
		for _, l := range lists {
			check(tally.PostDecryption(ctx, seeded(fmt.Sprintf("decrypt %d %s", j+1, l.Name)), board.As(trustees.Addresses[j]),
				m.Topic(), trustees, uint32(j+1), shares[j].Share, l))
		}
	}
	res, err := tally.TallyResults(ctx, board, m, w, trustees, c)
	check(err)
	check(tally.PostResults(ctx, commission, m, res))
	phase(bulletin.PhasePublished)
	return board, m
}

// writeRecordFile exports a board's election topic to path.
func writeRecordFile(t *testing.T, path string, r bulletin.Reader, m *voting.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	if err := verify.WriteRecord(context.Background(), &buf, r, m.ID, "", 0, m.Topic()); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadRecord(t testing.TB, path string) *verify.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (go test ./tally/verify -run TestSampleRecord -update writes it)", err)
	}
	defer f.Close()
	r, err := verify.ReadRecord(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// reportJSON is the report as the golden files hold it: indented, the
// durations zeroed.
func reportJSON(t *testing.T, r *verify.Report) []byte {
	t.Helper()
	c := *r
	c.Steps = append([]verify.Step(nil), r.Steps...)
	for i := range c.Steps {
		c.Steps[i].Duration = 0
	}
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// The sample record verifies, with exactly the expected report; its
// tampered copy (one published total changed, the hash chain made
// consistent again, as if the commission had posted it so) fails at step
// 10, blaming the commission at the result's entry. With -update the
// election is run again and all four files are rewritten.
func TestSampleRecord(t *testing.T) {
	ctx := context.Background()
	if golden.Updating() {
		board, m := buildSample(t)
		writeRecordFile(t, sampleRecord, board, m)
		rec := loadRecord(t, sampleRecord)
		tampered := edit(t, rec, func(es []bulletin.Entry) []bulletin.Entry {
			i := findKind(t, es, bulletin.KindResult, 0)
			res, err := tally.ParseResults(es[i].Payload)
			if err != nil {
				t.Fatal(err)
			}
			res.Contests[0].Totals[0]++ // one more "yes" in bike-lanes
			res.Contests[0].Totals[1]-- // one "no" fewer
			if es[i].Payload, err = res.Bytes(); err != nil {
				t.Fatal(err)
			}
			return es
		})
		writeRecordFile(t, tamperedRecord, tampered, m)
	}

	rec := loadRecord(t, sampleRecord)
	rep, err := verify.Verify(ctx, rec, sampleID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Verified {
		var buf bytes.Buffer
		rep.WriteText(&buf, true)
		t.Fatalf("the sample does not verify:\n%s", buf.String())
	}
	golden.Check(t, sampleReport, reportJSON(t, rep))
	// The report carries what the explorer shows without weeding again:
	// the weeding and the results.
	if w := rep.Weeded; w == nil || uint64(len(w.Counted)) != w.Reconciliation.Counted || w.Reconciliation.Counted != 7 || rep.Results == nil {
		t.Fatalf("the report's weeding %+v, results %v", w, rep.Results)
	}

	bad := loadRecord(t, tamperedRecord)
	rep, err = verify.Verify(ctx, bad, sampleID, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.FirstFailure()
	result := uint64(findKind(t, bad.Log, bulletin.KindResult, 0))
	if rep.Verdict != verify.Failed || f == nil || f.Number != verify.StepResult || f.Party == nil || f.Party.Role != "commission" ||
		f.Entry == nil || *f.Entry != result {
		t.Fatalf("the tampered sample: %s", rep.VerdictLine())
	}
	golden.Check(t, tamperedReport, reportJSON(t, rep))
}

// findKind returns the index of the first entry of kind at or after from.
func findKind(t testing.TB, es []bulletin.Entry, kind bulletin.Kind, from int) int {
	t.Helper()
	for i := from; i < len(es); i++ {
		if es[i].Kind == kind {
			return i
		}
	}
	t.Fatalf("no %v entry from %d", kind, from)
	return -1
}

// edit returns a copy of rec whose entries f has changed, with sequence
// numbers and the hash chain recomputed, and the head and count to match:
// the record of a board where the entries were posted so.
func edit(t testing.TB, rec *verify.Record, f func([]bulletin.Entry) []bulletin.Entry) *verify.Record {
	t.Helper()
	es := f(cloneEntries(rec.Log))
	var head [32]byte
	for i := range es {
		es[i].Seq = uint64(i)
		head = bulletin.NextHead(head, rec.Topic(), es[i].Seq, es[i].Kind, es[i].Payload)
		es[i].Head = head
	}
	return verify.NewRecord(rec.Header.Election, rec.Topic(), es, head, uint64(len(es)))
}

// tamper returns a copy of rec whose entries f has changed, keeping the
// recorded heads, head and count: entries changed after they were posted.
func tamper(t testing.TB, rec *verify.Record, f func([]bulletin.Entry) []bulletin.Entry) *verify.Record {
	t.Helper()
	var head [32]byte
	copy(head[:], mustHex(t, rec.Header.Head))
	return verify.NewRecord(rec.Header.Election, rec.Topic(), f(cloneEntries(rec.Log)), head, rec.Header.Entries)
}

func cloneEntries(es []bulletin.Entry) []bulletin.Entry {
	out := make([]bulletin.Entry, len(es))
	for i, e := range es {
		e.Payload = bytes.Clone(e.Payload)
		out[i] = e
	}
	return out
}
