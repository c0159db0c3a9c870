package tally_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha3"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// seeded returns a deterministic randomness stream for the tests.
func seeded(seed string) io.Reader {
	x := sha3.NewSHAKE128()
	x.Write([]byte(seed))
	return x
}

// An election on an in-memory board, set up as far as the voting phase:
// the example manifest, a key-ceremony result from a trusted dealer (for
// tests only), a posted credential list. Helpers post what the ballot box
// posts, then close it.
type election struct {
	t          *testing.T
	ctx        context.Context
	board      *memboard.Board
	m          *voting.Manifest
	sk         *elgamal.PrivateKey
	pk         *elgamal.PublicKey
	shares     []*group.Scalar
	trustees   *tally.Trustees
	cascade    *tally.Cascade
	creds      []*voting.Credential
	list       *voting.CredentialList
	commission *memboard.Client
	box        *memboard.Client
	grants     map[bulletin.Address]bulletin.KindSet // extra posters the commission authorised
}

func newElection(t *testing.T, revote voting.RevotePolicy, voters int) *election {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile("../voting/testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	m.Revote = revote
	e := &election{t: t, ctx: ctx, board: memboard.New(), m: m, grants: map[bulletin.Address]bulletin.KindSet{}}
	e.commission = e.board.As(addr(t, m.Commission.Address))
	e.box = e.board.As(addr(t, m.BallotBox.Address))
	if err := voting.Publish(ctx, e.commission, m); err != nil {
		t.Fatal(err)
	}
	e.phase(bulletin.PhaseKeyCeremony)
	e.dealKey(seeded("election key " + string(revote)))
	e.cascade, err = tally.CascadeOf(m, e.pk)
	if err != nil {
		t.Fatal(err)
	}
	e.creds, e.list, err = voting.GenerateCredentials(seeded("credentials"), m, map[string]int{"city": voters})
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.PostCredentials(ctx, e.board.As(addr(t, m.CredentialAuthority.Address)), m, e.list); err != nil {
		t.Fatal(err)
	}
	e.phase(bulletin.PhaseOpen)
	return e
}

func (e *election) phase(p bulletin.Phase) {
	e.t.Helper()
	if err := voting.SetPhase(e.ctx, e.commission, e.m.ID, p); err != nil {
		e.t.Fatal(err)
	}
}

// dealKey splits a key among the manifest's trustees (k of n Shamir by a
// dealer) and posts the result as the commission's dkg-result.
func (e *election) dealKey(rand io.Reader) {
	t := e.t
	k, n := e.m.Trustees.Threshold, len(e.m.Trustees.Members)
	coef := make([]*group.Scalar, k)
	var commitments []*group.Element
	for i := range coef {
		var b [64]byte
		io.ReadFull(rand, b[:])
		coef[i], _ = new(group.Scalar).SetUniformBytes(b[:])
		commitments = append(commitments, new(group.Element).ScalarBaseMult(coef[i]))
	}
	var err error
	if e.sk, err = elgamal.NewPrivateKey(coef[0].Bytes()); err != nil {
		t.Fatal(err)
	}
	e.pk = e.sk.Public()
	fp, _ := e.m.Fingerprint()
	res := &dkg.PublicResult{Fingerprint: fp, Threshold: k, N: n, JointKey: e.pk.Element(), Commitments: commitments}
	for j := range n {
		x := new(group.Scalar).SetUint64(uint64(j + 1))
		s := new(group.Scalar)
		for i := k - 1; i >= 0; i-- {
			s.Multiply(s, x)
			s.Add(s, coef[i])
		}
		e.shares = append(e.shares, s)
		res.Qualified = append(res.Qualified, uint32(j+1))
		res.VerificationKeys = append(res.VerificationKeys, new(group.Element).ScalarBaseMult(s))
	}
	if _, err := dkg.ParsePublicResult(res.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.commission.Append(e.ctx, e.m.Topic(), bulletin.KindDKGResult, res.Bytes()); err != nil {
		t.Fatal(err)
	}
	if e.trustees, err = tally.TrusteesOf(e.m, res); err != nil {
		t.Fatal(err)
	}
}

// ballot encrypts sel with credential i (rand nil: fresh randomness).
func (e *election) ballot(i int, sel voting.Selections, rand io.Reader) (*voting.Ballot, *voting.BallotSecrets) {
	e.t.Helper()
	b, s, err := voting.EncryptBallot(rand, e.m, e.pk, e.creds[i].Style, e.creds[i].Key, sel)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, s
}

// cast posts a ballot-batch entry of raw ballots as poster, returning its
// sequence number.
func (e *election) cast(poster *memboard.Client, ballots ...[]byte) uint64 {
	e.t.Helper()
	seq, err := poster.Append(e.ctx, e.m.Topic(), bulletin.KindBallotBatch, voting.EncodeBatch(ballots))
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// audit posts the audit record of b as the box.
func (e *election) audit(b *voting.Ballot, s *voting.BallotSecrets) uint64 {
	e.t.Helper()
	a, err := voting.AuditBallot(b, s)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := a.Bytes(e.m)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post(e.box, bulletin.KindAuditedBallot, p)
}

func (e *election) post(c *memboard.Client, kind bulletin.Kind, payload []byte) uint64 {
	e.t.Helper()
	msgs := []bulletin.Message{{Kind: kind, Payload: payload}}
	if len(payload) > bulletin.MaxPayload {
		var err error
		if msgs, err = bulletin.Chunk(kind, payload, 0); err != nil {
			e.t.Fatal(err)
		}
	}
	seqs, err := c.AppendBatch(e.ctx, e.m.Topic(), msgs)
	if err != nil {
		e.t.Fatal(err)
	}
	return seqs[len(seqs)-1]
}

// grant lets another account post kinds (the commission owns the topic).
func (e *election) grant(a bulletin.Address, kinds bulletin.KindSet) {
	e.t.Helper()
	if err := e.commission.SetPoster(e.ctx, e.m.Topic(), a, kinds); err != nil {
		e.t.Fatal(err)
	}
	e.grants[a] = kinds
}

func (e *election) weed() *tally.Weeded {
	e.t.Helper()
	list, err := voting.ReadCredentials(e.ctx, e.board, e.m)
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := tally.Weed(e.ctx, e.board, e.m, list, e.pk)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// clone returns a copy of the election whose board holds the entries
// before seq upto (all of them if upto is the count): a place to post
// something hostile without spoiling the original.
func (e *election) clone(upto uint64) *election {
	e.t.Helper()
	c := *e
	c.board = memboard.New()
	c.commission = c.board.As(e.commission.Address())
	c.box = c.board.As(e.box.Address())
	if err := c.commission.CreateTopic(e.ctx, e.m.Topic(), bulletin.PhaseSetup); err != nil {
		e.t.Fatal(err)
	}
	for a, k := range e.m.Rights() {
		c.commission.SetPoster(e.ctx, e.m.Topic(), a, k)
	}
	for a, k := range e.grants {
		c.commission.SetPoster(e.ctx, e.m.Topic(), a, k)
	}
	es, err := e.board.Entries(e.ctx, e.m.Topic(), 0, upto)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range es {
		if _, err := c.board.As(x.Poster).Append(e.ctx, e.m.Topic(), x.Kind, x.Payload); err != nil {
			e.t.Fatal(err)
		}
	}
	return &c
}

func (e *election) count() uint64 {
	_, n, err := e.board.Head(e.ctx, e.m.Topic())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func sel(bike string, council []string, mayor []string, writeIn string) voting.Selections {
	return voting.Selections{
		"bike-lanes": {Options: []string{bike}},
		"council":    {Options: council},
		"mayor":      {Options: mayor, WriteIn: writeIn},
	}
}

// The scenario of the weeding tests: everything a ballot box can post,
// good and bad, in one election with revotes allowed (the last counts).
type scenario struct {
	*election
	counted map[voting.TrackingCode]voting.Selections // what the counted ballots chose
	loc     map[string]tally.Location                 // where each named ballot is
	seqs    map[string]uint64                         // entries by name
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	e := newElection(t, voting.RevoteLastCounts, 8)
	s := &scenario{election: e, counted: map[voting.TrackingCode]voting.Selections{}, loc: map[string]tally.Location{}, seqs: map[string]uint64{}}
	var (
		selA = sel("yes", []string{"ivanova", "petrov"}, []string{"orlov", "volkova"}, "")
		selB = sel("no", []string{"petrov"}, []string{"volkova", voting.WriteInChoice}, "Pat Example")
		selC = sel("yes", nil, nil, "")
		selD = sel("no", []string{"sidorova", "smirnova"}, []string{voting.WriteInChoice}, "Pat Example")
		selE = sel("yes", []string{"ivanova"}, []string{"zaitsev", "orlov", "volkova"}, "")
	)
	b0a, _ := e.ballot(0, selA, nil)
	b0b, _ := e.ballot(0, selB, nil)
	b1, _ := e.ballot(1, selC, nil)
	b2x, s2x := e.ballot(2, selA, nil) // audited, yet also cast by the box
	b2, _ := e.ballot(2, selD, nil)
	b3, _ := e.ballot(3, selE, seeded("same randomness"))
	b4, _ := e.ballot(4, selA, seeded("same randomness")) // shares every A with b3: a clash
	b5, _ := e.ballot(5, selA, nil)
	b5bad := slices.Clone(b5.Bytes())
	b5bad[len(b5bad)-1] ^= 0x01 // the signature's z, still canonical
	others, _, err := voting.GenerateCredentials(seeded("others"), e.m, map[string]int{"city": 1})
	if err != nil {
		t.Fatal(err)
	}
	stranger, _, err := voting.EncryptBallot(nil, e.m, e.pk, "city", others[0].Key, selA) // not on the list
	if err != nil {
		t.Fatal(err)
	}
	b6, _ := e.ballot(6, selA, nil) // posted by another account than the box
	b7, s7 := e.ballot(7, selC, nil)
	truncated := b1.Bytes()[:100]

	s.seqs["batch1"] = e.cast(e.box, b0a.Bytes(), b1.Bytes(), b2x.Bytes(), b3.Bytes(), truncated)
	s.seqs["audit2x"] = e.audit(b2x, s2x)
	s.seqs["batch2"] = e.cast(e.box, b0b.Bytes(), b2.Bytes(), b4.Bytes(), stranger.Bytes(), b5bad, b7.Bytes())
	s.seqs["garbage"] = e.post(e.box, bulletin.KindBallotBatch, []byte("not a batch"))
	other := bulletin.Address{0xbb, 0x0c, 0x5e}
	e.grant(other, bulletin.NewKindSet(bulletin.KindBallotBatch))
	s.seqs["other"] = e.cast(e.board.As(other), b6.Bytes())
	// An audit record of b7 whose randomness does not open it.
	a7, err := voting.AuditBallot(b7, s7)
	if err != nil {
		t.Fatal(err)
	}
	a7.Randomness[0] = new(group.Scalar).Add(a7.Randomness[0], new(group.Scalar).SetUint64(1))
	p7, err := a7.Bytes(e.m)
	if err != nil {
		t.Fatal(err)
	}
	s.seqs["audit7"] = e.post(e.box, bulletin.KindAuditedBallot, p7)

	b1s, b2s := s.seqs["batch1"], s.seqs["batch2"]
	for name, l := range map[string]tally.Location{
		"b0a": {Seq: b1s, Index: 0, Code: b0a.TrackingCode()}, "b1": {Seq: b1s, Index: 1, Code: b1.TrackingCode()},
		"b2x": {Seq: b1s, Index: 2, Code: b2x.TrackingCode()}, "b3": {Seq: b1s, Index: 3, Code: b3.TrackingCode()},
		"truncated": {Seq: b1s, Index: 4, Code: sha256.Sum256(truncated)},
		"b0b":       {Seq: b2s, Index: 0, Code: b0b.TrackingCode()}, "b2": {Seq: b2s, Index: 1, Code: b2.TrackingCode()},
		"b4": {Seq: b2s, Index: 2, Code: b4.TrackingCode()}, "stranger": {Seq: b2s, Index: 3, Code: stranger.TrackingCode()},
		"b5bad": {Seq: b2s, Index: 4, Code: sha256.Sum256(b5bad)}, "b7": {Seq: b2s, Index: 5, Code: b7.TrackingCode()},
		"garbage": {Seq: s.seqs["garbage"], Index: -1},
	} {
		s.loc[name] = l
	}
	s.counted[b0b.TrackingCode()] = selB
	s.counted[b1.TrackingCode()] = selC
	s.counted[b2.TrackingCode()] = selD
	s.counted[b3.TrackingCode()] = selE
	s.counted[b7.TrackingCode()] = selC
	return s
}

// Weeding names every ballot that does not count, why and where, and the
// reconciliation adds up, each number as the board shows it: revotes
// (the last counts), a ballot audited and also cast, a clash, ballots that
// do not decode or verify, a batch that does not decode, a ballot posted by
// another account than the box (ignored), an audit that does not open its
// ballot (spoils nothing).
func TestWeedNamesEveryExcludedBallot(t *testing.T) {
	s := newScenario(t)

	// Before the close the weeding is only a preview.
	w := s.weed()
	if w.Closed {
		t.Fatal("an open election weeded as closed")
	}
	if err := tally.PostTallyInputs(s.ctx, s.commission, s.m, w); !errors.Is(err, tally.ErrNotClosed) {
		t.Fatalf("tally inputs posted before the close: %v", err)
	}
	s.phase(bulletin.PhaseClosed)
	w = s.weed()
	if !w.Closed || w.Refs.Closing.First != s.count()-1 || w.Refs.Manifest.First != 0 || w.Refs.KeyCeremony.Kind != bulletin.KindDKGResult ||
		w.Refs.Credentials.Kind != bulletin.KindCredentials {
		t.Fatalf("refs %+v", w.Refs)
	}

	want := map[string]tally.Reason{
		"b0a": tally.ReasonSuperseded, "b2x": tally.ReasonSpoiled, "truncated": tally.ReasonMalformed,
		"b4": tally.ReasonClash, "stranger": tally.ReasonInvalid, "b5bad": tally.ReasonInvalid, "garbage": tally.ReasonMalformed,
	}
	if len(w.Excluded) != len(want) {
		t.Fatalf("%d excluded, want %d: %+v", len(w.Excluded), len(want), w.Excluded)
	}
	var prev tally.Location
	for i, x := range w.Excluded {
		if i > 0 && (x.Seq < prev.Seq || x.Seq == prev.Seq && x.Index <= prev.Index) {
			t.Fatalf("exclusions not in board order: %v after %v", x.Location, prev)
		}
		prev = x.Location
		name := ""
		for n, l := range s.loc {
			if l == x.Location {
				name = n
			}
		}
		if name == "" || want[name] != x.Reason {
			t.Errorf("excluded %v as %v; want %v", x.Location, x.Reason, want[name])
		}
		switch x.Reason {
		case tally.ReasonSuperseded:
			if *x.Other != s.loc["b0b"] {
				t.Errorf("b0a superseded by %v, want b0b", x.Other)
			}
		case tally.ReasonClash:
			if *x.Other != s.loc["b3"] {
				t.Errorf("b4 clashes with %v, want b3", x.Other)
			}
		case tally.ReasonSpoiled:
			if x.Other.Seq != s.seqs["audit2x"] {
				t.Errorf("b2x spoiled by entry %d, want the audit at %d", x.Other.Seq, s.seqs["audit2x"])
			}
		case tally.ReasonInvalid, tally.ReasonMalformed:
			if x.Detail == "" {
				t.Errorf("%v excluded as %v without saying why", x.Location, x.Reason)
			}
		}
	}
	if d := w.Excluded[slices.IndexFunc(w.Excluded, func(x tally.Exclusion) bool { return x.Location == s.loc["stranger"] })].Detail; !strings.Contains(d, "not on the list") {
		t.Errorf("the stranger's ballot: %q", d)
	}
	var codes []voting.TrackingCode
	for _, c := range w.Counted {
		if _, ok := s.counted[c.Code]; !ok {
			t.Errorf("counted %v, which should not count", c.Location)
		}
		codes = append(codes, c.Code)
	}
	if len(w.Counted) != len(s.counted) {
		t.Fatalf("%d counted, want %d", len(w.Counted), len(s.counted))
	}
	if len(w.Ignored) != 1 || w.Ignored[0].Seq != s.seqs["other"] {
		t.Fatalf("ignored %+v, want the other account's batch", w.Ignored)
	}
	if len(w.Audits) != 2 || w.Audits[0].Err != nil || w.Audits[1].Err == nil || !errors.Is(w.Audits[1].Err, voting.ErrInvalidAudit) {
		t.Fatalf("audits %+v", w.Audits)
	}

	r := w.Reconciliation
	wantRec := tally.Reconciliation{
		Closing: w.Refs.Closing.First, CredentialsIssued: 8, BallotsReceived: 12, Audited: 1, Revotes: 1,
		Excluded:      tally.ExcludedCounts{Malformed: 2, Invalid: 2, Spoiled: 1, Clash: 1, Superseded: 1},
		Counted:       5,
		CountedDigest: tally.CountedDigest(codes),
	}
	if r != wantRec {
		t.Fatalf("reconciliation\n got %+v\nwant %+v", r, wantRec)
	}
	if r.BallotsReceived != r.Excluded.Total()+r.Counted {
		t.Fatal("the reconciliation does not add up")
	}
	// Weeding is a function of the board: again, the same.
	if again := s.weed(); again.Reconciliation != r || len(again.Excluded) != len(w.Excluded) {
		t.Fatal("weeding the same board twice gave different results")
	}
}

// Under revote policy denied the first ballot of a credential counts and
// a later one is superseded by it.
func TestWeedDeniedRevoteFirstCounts(t *testing.T) {
	e := newElection(t, voting.RevoteDenied, 3)
	first, _ := e.ballot(0, sel("yes", nil, nil, ""), nil)
	second, _ := e.ballot(0, sel("no", nil, nil, ""), nil)
	other, _ := e.ballot(1, sel("no", nil, nil, ""), nil)
	seq := e.cast(e.box, first.Bytes(), other.Bytes())
	seq2 := e.cast(e.box, second.Bytes())
	e.phase(bulletin.PhaseClosed)
	w := e.weed()
	if len(w.Counted) != 2 || w.Counted[0].Code != first.TrackingCode() || w.Counted[1].Code != other.TrackingCode() {
		t.Fatalf("counted %+v", w.Counted)
	}
	if len(w.Excluded) != 1 || w.Excluded[0].Reason != tally.ReasonSuperseded || w.Excluded[0].Seq != seq2 ||
		*w.Excluded[0].Other != (tally.Location{Seq: seq, Index: 0, Code: first.TrackingCode()}) {
		t.Fatalf("excluded %+v", w.Excluded)
	}
	if w.Reconciliation.Revotes != 1 || w.Reconciliation.Counted != 2 || w.Reconciliation.BallotsReceived != 3 {
		t.Fatalf("reconciliation %+v", w.Reconciliation)
	}
	if !bytes.Equal(w.Counted[0].Bytes(), first.Bytes()) {
		t.Fatal("the counted ballot's bytes are not the cast ones")
	}
}

// Ballot-batch entries after the closing entry cannot exist (the board
// refuses them), and an election without a ballot weeds to nothing.
func TestWeedEmptyElection(t *testing.T) {
	e := newElection(t, voting.RevoteLastCounts, 2)
	e.phase(bulletin.PhaseClosed)
	b, _ := e.ballot(0, sel("yes", nil, nil, ""), nil)
	if _, err := e.box.Append(e.ctx, e.m.Topic(), bulletin.KindBallotBatch, voting.EncodeBatch([][]byte{b.Bytes()})); !errors.Is(err, bulletin.ErrWrongPhase) {
		t.Fatalf("a ballot after the close: %v", err)
	}
	w := e.weed()
	if len(w.Counted) != 0 || w.Reconciliation.BallotsReceived != 0 || w.Reconciliation.CredentialsIssued != 2 {
		t.Fatalf("%+v", w.Reconciliation)
	}
	in, err := tally.Aggregate(e.m, w)
	if err != nil || len(in.Inputs) != 1 || in.Inputs[0].Type != tally.InputReconciliation {
		t.Fatalf("aggregate of no ballots: %v %+v", err, in)
	}
}

// A clash is judged against every earlier valid ballot of another
// credential: a credential's second ballot reusing its own first ballot's
// randomness clashes when another credential copied it in between.
func TestWeedClashWithACopyInBetween(t *testing.T) {
	e := newElection(t, voting.RevoteLastCounts, 2)
	a1, _ := e.ballot(0, sel("yes", nil, nil, ""), seeded("reused"))
	b1, _ := e.ballot(1, sel("yes", nil, nil, ""), seeded("reused"))
	a2, _ := e.ballot(0, sel("no", nil, nil, ""), seeded("reused"))
	seq := e.cast(e.box, a1.Bytes(), b1.Bytes(), a2.Bytes())
	e.phase(bulletin.PhaseClosed)
	w := e.weed()
	if len(w.Counted) != 1 || w.Counted[0].Code != a1.TrackingCode() {
		t.Fatalf("counted %+v, want a1 only", w.Counted)
	}
	if len(w.Excluded) != 2 || w.Excluded[0].Reason != tally.ReasonClash || w.Excluded[1].Reason != tally.ReasonClash ||
		*w.Excluded[1].Other != (tally.Location{Seq: seq, Index: 1, Code: b1.TrackingCode()}) {
		t.Fatalf("excluded %+v", w.Excluded)
	}
	if w.Reconciliation.Revotes != 0 {
		t.Fatalf("revotes %d: a clash is not eligible", w.Reconciliation.Revotes)
	}
}
