package explorer_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifytest"
)

// rows returns the table rows of a page's evidence tables.
func rows(page string) []string {
	var out []string
	for _, part := range strings.Split(page, "<tr>")[1:] {
		if end := strings.Index(part, "</tr>"); end >= 0 && strings.Contains(part, `class="check"`) {
			out = append(out, part[:end])
		}
	}
	return out
}

// The shuffle and decryption evidence of the sample: the commission's mix
// list, each mixer's shuffle in turn, each trustee's share of each list,
// all verified.
func TestEvidencePagesOfTheSample(t *testing.T) {
	board, rec := sampleBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	waitReport(t, srv, sampleID, verify.Verified, uint64(len(rec.Log)))

	page := get(t, srv, prefix+"/elections/"+sampleID+"/shuffles").body
	mustContain(t, "the shuffles page", page, "List mayor", "The mix list posted by the commission at entry 33: 7 rows of 4 ciphertexts.",
		"1 (Mixer 1)", "2 (Mixer 2)", "3 (Mixer 3)", "list mayor: 7 rows of width 4 shuffled by 3 mixers")
	rs := rows(page)
	if len(rs) != 3 {
		t.Fatalf("%d shuffle rows, want 3", len(rs))
	}
	for _, r := range rs {
		mustContain(t, "a shuffle row", r, `data-status="ok">verified`, `<td class="num">7</td><td class="num">4</td>`)
	}

	page = get(t, srv, prefix+"/elections/"+sampleID+"/decryptions").body
	mustContain(t, "the decryptions page", page, "List bike-lanes", "List council", "List mayor", "1 (Trustee 1)", "2 (Trustee 2)", "4 (Trustee 4)")
	if strings.Contains(page, "(Trustee 3)") || strings.Contains(page, "(Trustee 5)") {
		t.Error("absent trustees are shown with shares")
	}
	rs = rows(page)
	if len(rs) != 9 {
		t.Fatalf("%d decryption rows, want 9 (3 trustees, 3 lists)", len(rs))
	}
	for _, r := range rs {
		mustContain(t, "a decryption row", r, `data-status="ok">verified`)
	}
	if i, j := strings.Index(page, "List bike-lanes"), strings.Index(page, "List mayor"); i > j {
		t.Error("the lists are not in the manifest's order")
	}
}

// A record whose second shuffle was altered (and its hash chain made
// consistent again, as if the mixer had posted it so): step 8 fails,
// blaming mixer 2, and the shuffles page shows mixer 1's shuffle verified,
// mixer 2's FAILED and mixer 3's not checked.
func TestEvidencePagesNameTheMixerAtFault(t *testing.T) {
	rec := verifytest.Load(t, sampleRecord)
	es := make([]bulletin.Entry, len(rec.Log))
	copy(es, rec.Log)
	second := findKind(t, rec, bulletin.KindShuffle, int(findKind(t, rec, bulletin.KindShuffle, 0).Seq)+1)
	p := bytes.Clone(second.Payload)
	p[len(p)-32] ^= 1 // the low bit of the proof's last scalar
	es[second.Seq].Payload = p
	var head [32]byte
	for i := range es {
		head = bulletin.NextHead(head, rec.Topic(), es[i].Seq, es[i].Kind, es[i].Payload)
		es[i].Head = head
	}
	bad := verify.NewRecord(sampleID, rec.Topic(), es, head, uint64(len(es)))
	_, srv := serve(t, explorer.Options{Board: bad, Elections: []string{sampleID}})
	rep := waitReport(t, srv, sampleID, verify.Failed, 0)
	if f := rep.FirstFailure(); f == nil || f.Number != verify.StepShuffles || f.Entry == nil || *f.Entry != second.Seq ||
		f.Party == nil || !strings.HasPrefix(f.Party.Role, "mixer 2") {
		t.Fatalf("the altered shuffle's failure: %+v", f)
	}
	page := get(t, srv, prefix+"/elections/"+sampleID+"/shuffles").body
	rs := rows(page)
	if len(rs) != 3 {
		t.Fatalf("%d shuffle rows, want 3", len(rs))
	}
	for i, want := range []string{`data-status="ok">verified`, `data-status="failed">FAILED`, `data-status="skipped">not checked`} {
		mustContain(t, fmt.Sprintf("mixer %d's row", i+1), rs[i], want)
	}
	s8 := step(t, get(t, srv, prefix+"/elections/"+sampleID).body, 8)
	mustContain(t, "step 8", s8, `data-status="failed"`, "blame: mixer 2 (Mixer 2) 0x3000000000000000000000000000000000000002",
		fmt.Sprintf(`href="/explorer/elections/sample-2026/entries/%d"`, second.Seq))
}
