package explorer

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// BenchmarkElectionPage measures rendering an election's page from the
// cached state, at the sizes a 100,000-ballot election gives it: the
// sample election (49 entries) with its state padded to the most the page
// ever shows -- 48 buckets with anomalies, 50 notes on every step, and
// 100,000 indexed tracking codes (which the page does not touch: lookups
// do). Building 100,000 real ballots is not needed: nothing on the page
// grows with the ballots. The target (issue 8) is 200 ms.
func BenchmarkElectionPage(b *testing.B) {
	f, err := os.Open("../../testdata/verification/sample.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	rec, err := verify.ReadRecord(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	board := memboard.New()
	ctx := context.Background()
	m, err := voting.ParseManifest(rec.Log[0].Payload)
	if err != nil {
		b.Fatal(err)
	}
	if err := voting.Publish(ctx, board.As(rec.Log[0].Poster), m); err != nil {
		b.Fatal(err)
	}
	for _, e := range rec.Log[1:] {
		if _, err := board.As(e.Poster).Append(ctx, rec.Topic(), e.Kind, e.Payload); err != nil {
			b.Fatal(err)
		}
	}
	ex, err := New(Options{Board: board, Elections: []string{m.ID}, PollInterval: 10 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	el, _ := ex.election(ctx, m.ID)
	deadline := time.Now().Add(time.Minute)
	for {
		st := el.state.Load()
		if st != nil && st.report != nil && st.report.Verdict == verify.Verified && st.weeded != nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the sample was not verified within a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ex.Close() // no more updates: the padded state stays

	st := *el.state.Load()
	rep := *st.report
	rep.Steps = append([]verify.Step(nil), rep.Steps...)
	for i := range rep.Steps {
		var notes []verify.Note
		for j := range 50 {
			seq := uint64(j)
			notes = append(notes, verify.Note{Text: fmt.Sprintf("entry %d, ballot 3 (ABCD-EFGH…): superseded by entry %d, ballot 1 (IJKL-MNOP…)", j, j+100), Entry: &seq})
		}
		rep.Steps[i].Notes = notes
	}
	st.report = &rep
	ix := newIndex()
	open := uint64(25)
	ix.open = &open
	for i := range 100_000 {
		ix.activity = append(ix.activity, activity{seq: 25 + uint64(i/40), ballots: 1, revotes: uint32(i % 20 / 19)})
		var c voting.TrackingCode
		c[0], c[1], c[2] = byte(i), byte(i>>8), byte(i>>16)
		ix.codes[c] = ballotPos{Seq: 25 + uint64(i/40), Index: uint32(i % 40)}
	}
	st.buckets = buckets(ix, 25+2500)
	st.anomalies = anomalies(st.buckets, 100_000, 5000)
	st.cast, st.revotes = 100_000, 5000
	el.state.Store(&st)

	req := httptest.NewRequest(http.MethodGet, "/elections/"+m.ID, nil)
	w := httptest.NewRecorder()
	ex.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Body.Len() < 10_000 {
		b.Fatalf("the page: %d, %d bytes", w.Code, w.Body.Len())
	}
	size := w.Body.Len()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		ex.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
	b.ReportMetric(float64(size), "bytes/page")
}
