package explorer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/voting"
)

// activityOf builds an index whose voting opened at entry 0 and whose box
// posted one batch per entry with the given ballots and revotes.
func activityOf(ballots, revotes []uint32) *index {
	ix := newIndex()
	open := uint64(0)
	ix.open = &open
	for i := range ballots {
		ix.activity = append(ix.activity, activity{seq: uint64(i + 1), ballots: ballots[i], revotes: revotes[i]})
		ix.cast += uint64(ballots[i])
		ix.revotes += uint64(revotes[i])
	}
	return ix
}

// The anomaly rule of docs/explorer.md: a bucket with at least three times
// the median turnout (and 20 more) is flagged, as is one whose revote share
// is at least 10% and three times that of the other buckets; ordinary
// variation, small numbers and too few buckets are not.
func TestAnomalyRule(t *testing.T) {
	for _, c := range []struct {
		name             string
		ballots, revotes []uint32
		want             []string // "kind@bucket"
	}{
		{"even turnout", []uint32{50, 55, 48, 52, 51, 49}, []uint32{1, 2, 1, 0, 1, 2}, nil},
		{"a turnout spike", []uint32{50, 55, 48, 200, 51, 49}, []uint32{1, 2, 1, 6, 1, 2}, []string{"turnout@4"}},
		{"a spike of too few ballots", []uint32{2, 3, 2, 9, 3, 2}, make([]uint32, 6), nil},
		{"too few buckets for a median", []uint32{10, 200, 10}, make([]uint32, 3), nil},
		{"a revote spike", []uint32{50, 55, 48, 52, 51, 49}, []uint32{1, 2, 1, 20, 1, 2}, []string{"revotes@4"}},
		{"revotes everywhere", []uint32{50, 55, 48, 52, 51, 49}, []uint32{20, 22, 19, 21, 20, 19}, nil},
		{"few revotes", []uint32{10, 10, 10, 10, 10}, []uint32{0, 4, 0, 0, 0}, nil},
	} {
		ix := activityOf(c.ballots, c.revotes)
		bs := buckets(ix, uint64(len(c.ballots)+1))
		if len(bs) != len(c.ballots)+1 {
			t.Fatalf("%s: %d buckets for %d entries", c.name, len(bs), len(c.ballots)+1)
		}
		var got []string
		for _, a := range anomalies(bs, ix.cast, ix.revotes) {
			got = append(got, fmt.Sprintf("%s@%d", a.Kind, a.Bucket))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: flagged %v, want %v", c.name, got, c.want)
		}
	}
}

// Buckets cover the voting period in at most maxBuckets runs of equal
// numbers of entries, and every ballot falls in one.
func TestBucketsCoverTheVotingPeriod(t *testing.T) {
	ix := newIndex()
	open, closing := uint64(10), uint64(1010)
	ix.open, ix.closing = &open, &closing
	var total uint64
	for seq := uint64(11); seq < closing; seq += 3 {
		ix.activity = append(ix.activity, activity{seq: seq, ballots: uint32(seq % 7)})
		total += seq % 7
	}
	bs := buckets(ix, 2000)
	if len(bs) > maxBuckets || bs[0].First != open || bs[len(bs)-1].Last != closing-1 {
		t.Fatalf("%d buckets from %d to %d", len(bs), bs[0].First, bs[len(bs)-1].Last)
	}
	var sum uint64
	for i, b := range bs {
		sum += b.Ballots
		if i > 0 && b.First != bs[i-1].Last+1 {
			t.Fatalf("bucket %d starts at %d after %d", i, b.First, bs[i-1].Last)
		}
	}
	if sum != total {
		t.Fatalf("the buckets hold %d ballots of %d", sum, total)
	}
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// Every string is in both languages, with the same verbs in the same
// order, and every key the pages use exists.
func TestMessagesAreCompleteInBothLanguages(t *testing.T) {
	for key, m := range messages {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: missing a language: %q", key, m)
		}
		// Russian quotes with «%s» where English uses %q.
		en := strings.ReplaceAll(strings.Join(verb.FindAllString(m[0], -1), " "), "%q", "%s")
		ru := strings.Join(verb.FindAllString(m[1], -1), " ")
		if en != ru {
			t.Errorf("%s: verbs %v in English, %v in Russian", key, en, ru)
		}
	}
	for n := 1; n <= 10; n++ {
		if _, ok := messages[fmt.Sprintf("step_%d", n)]; !ok {
			t.Errorf("no name for step %d", n)
		}
	}
	for _, p := range []bulletin.Phase{bulletin.PhaseSetup, bulletin.PhaseKeyCeremony, bulletin.PhaseOpen, bulletin.PhaseClosed,
		bulletin.PhaseTallying, bulletin.PhasePublished, bulletin.PhaseService} {
		if _, ok := messages["phase_"+p.String()]; !ok {
			t.Errorf("no name for phase %v", p)
		}
	}
	for _, k := range []voting.ContestKind{voting.Referendum, voting.OneOf, voting.Approval, voting.Ranked} {
		if _, ok := messages["kind_"+string(k)]; !ok {
			t.Errorf("no name for contest kind %s", k)
		}
	}
	for _, s := range []string{"ok", "failed", "pending", "skipped", "verified", "incomplete", "running"} {
		_, status := messages["status_"+s]
		_, verdict := messages["verdict_"+s]
		if !status && !verdict {
			t.Errorf("no label for %s", s)
		}
	}
	for _, status := range []int{400, 404, 405, 500, 503} {
		if _, ok := messages[fmt.Sprintf("err_title_%d", status)]; !ok {
			t.Errorf("no title for status %d", status)
		}
	}
}

func TestNumberGrouping(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    uint64
		want string
	}{{langEN, 0, "0"}, {langEN, 999, "999"}, {langEN, 1000, "1,000"}, {langEN, 1234567, "1,234,567"}, {langRU, 100000, "100\u00a0000"}} {
		if got := num(c.lang, c.n); got != c.want {
			t.Errorf("num(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := num(langEN, -1234); got != "-1,234" {
		t.Errorf("num(-1234) = %q", got)
	}
}

// Indexing hostile entries (any kind, any payload, any poster) never
// panics, and keeps its numbers consistent.
func FuzzIndex(f *testing.F) {
	f.Add(uint16(bulletin.KindBallotBatch), []byte{1, 0, 0, 0, 1}, true)
	f.Add(uint16(bulletin.KindAuditedBallot), []byte{1, 0, 0, 0, 3, 1, 2, 3}, true)
	f.Add(uint16(bulletin.KindPhase), []byte{byte(bulletin.PhaseClosed)}, false)
	f.Add(uint16(bulletin.KindShuffle), []byte{1, 5, 'm', 'a', 'y', 'o', 'r', 0, 0, 0, 1}, false)
	f.Add(uint16(bulletin.KindChunkHeader), make([]byte, bulletin.ChunkHeaderSize), false)
	f.Fuzz(func(t *testing.T, kind uint16, payload []byte, fromBox bool) {
		ix := newIndex()
		box, commission := bulletin.Address{2}, bulletin.Address{1}
		ix.box, ix.commission, ix.roles = box, commission, true
		poster := commission
		if fromBox {
			poster = box
		}
		closing := bulletin.Entry{Seq: 1, Kind: bulletin.KindPhase, Payload: []byte{byte(bulletin.PhaseClosed)}, Poster: commission}
		es := []bulletin.Entry{
			{Seq: 0, Kind: bulletin.Kind(kind), Payload: payload, Poster: poster},
			closing,
			{Seq: 2, Kind: bulletin.Kind(kind), Payload: payload, Poster: poster},
		}
		ix.add(es, func() {}, func() {})
		if ix.n != 3 {
			t.Fatalf("indexed %d of 3 entries", ix.n)
		}
		var cast uint64
		for _, a := range ix.activity {
			cast += uint64(a.ballots)
		}
		if cast != ix.cast || uint64(len(ix.codes))+ix.dupCodes > ix.cast {
			t.Fatalf("cast %d, activity %d, codes %d", ix.cast, cast, len(ix.codes))
		}
		ballotCredential(payload)
		auditCode(payload)
		recordFrame(payload, true)
	})
}
