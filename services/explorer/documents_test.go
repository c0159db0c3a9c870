package explorer_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/explorer"
)

// documentsBoard posts to a fresh board an issuer, a document in two
// versions (the second revoked) and a notice with its distribution, as the
// documents service does, and returns the board, the series of the first
// document and the first anchor's commitment.
func documentsBoard(t *testing.T) (*memboard.Board, documents.Series, [32]byte) {
	t.Helper()
	ctx := context.Background()
	board := memboard.New()
	poster := board.As(bulletin.Address{9})
	topic := documents.Topic()
	if err := poster.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	if err := poster.SetPoster(ctx, topic, poster.Address(), bulletin.NewKindSet(bulletin.KindDocAnchor, bulletin.KindDocRevoke, bulletin.KindDocDistribution)); err != nil {
		t.Fatal(err)
	}
	post := func(k bulletin.Kind, p []byte) {
		if _, err := poster.Append(ctx, topic, k, p); err != nil {
			t.Fatal(err)
		}
	}
	sk, _ := schnorr.GenerateKey(nil)
	ie, _ := documents.NewIssuerEntry(nil, sk, "City property registry")
	post(bulletin.KindDocAnchor, ie.Bytes())
	series, _ := documents.NewSeries(rand.Reader)
	var first [32]byte
	for v := uint32(1); v <= 2; v++ {
		c, _ := documents.Commit(make([]byte, 32), []byte{byte(v)}, "text/plain", "t")
		if v == 1 {
			first = c
		}
		a := &documents.Anchor{Series: series, Version: v, Type: documents.TypeOwnershipExtract, ValidFrom: time.Unix(1e9, 0), Commitment: c}
		if err := a.Sign(nil, sk); err != nil {
			t.Fatal(err)
		}
		post(bulletin.KindDocAnchor, a.Bytes())
	}
	r := &documents.Revocation{Series: series, Version: 2, Reason: documents.ReasonIssuedInError, RevokedAt: time.Unix(2e9, 0)}
	r.Sign(nil, sk)
	post(bulletin.KindDocRevoke, r.Bytes())
	notice, _ := documents.NewSeries(rand.Reader)
	a := &documents.Anchor{Series: notice, Version: 1, Type: documents.TypeMeetingNotice, ValidFrom: time.Unix(1e9, 0)}
	a.Sign(nil, sk)
	post(bulletin.KindDocAnchor, a.Bytes())
	d := &documents.Distribution{Series: notice, Version: 1, Count: 3, Root: [32]byte{1}}
	d.Sign(nil, sk)
	post(bulletin.KindDocDistribution, d.Bytes())
	return board, series, first
}

func TestTheDocumentsPageShowsIssuersAnchorsAndStatuses(t *testing.T) {
	t.Parallel()
	board, series, first := documentsBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	r := get(t, srv, prefix+"/documents/")
	if r.status != 200 {
		t.Fatalf("/documents/: %d %s", r.status, r.body)
	}
	for _, want := range []string{"City property registry", "ownership-extract", "REVOKED (issued-in-error", "superseded by version 2", "meeting-notice", ">3<"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/documents/ lacks %q", want)
		}
	}
	if r := get(t, srv, prefix+"/documents/?lang=ru"); r.status != 200 || !strings.Contains(r.body, "Издатели") || !strings.Contains(r.body, "ОТОЗВАН") {
		t.Errorf("Russian page: %d", r.status)
	}
	// The series page lists both versions.
	r = get(t, srv, prefix+"/documents/"+series.String())
	if r.status != 200 || strings.Count(r.body, "ownership-extract") != 2 {
		t.Fatalf("series page: %d %s", r.status, r.body)
	}
	// Checking an anchor: the right commitment matches, another does not,
	// and an entry that is not an anchor says so.
	check := func(seq, c string) response {
		return get(t, srv, prefix+"/documents/?seq="+seq+"&commitment="+c)
	}
	if r := check("1", hex.EncodeToString(first[:])); r.status != 200 || !strings.Contains(r.body, "the document is authentic") {
		t.Errorf("matching check: %d", r.status)
	}
	if r := check("2", hex.EncodeToString(first[:])); r.status != 200 || !strings.Contains(r.body, "NOT authentic") {
		t.Errorf("mismatching check: %d", r.status)
	}
	if r := check("0", hex.EncodeToString(first[:])); r.status != 200 || !strings.Contains(r.body, "is not a document anchor") {
		t.Errorf("non-anchor check: %d", r.status)
	}
}

func TestTheDocumentsPagesRefuseHostileRequests(t *testing.T) {
	t.Parallel()
	board, _, _ := documentsBoard(t)
	_, srv := serve(t, explorer.Options{Board: board})
	for path, want := range map[string]int{
		"/documents/" + strings.Repeat("0", 32):                      404, // unknown series
		"/documents/" + strings.Repeat("A", 32):                      400,
		"/documents/zz":                                              400,
		"/documents/" + url.PathEscape("<script>"):                   400,
		"/documents/a/b":                                             404,
		"/documents/?seq=x&commitment=" + strings.Repeat("0", 64):    400,
		"/documents/?seq=1&commitment=zz":                            400,
		"/documents/?seq=-1&commitment=" + strings.Repeat("0", 64):   400,
		"/documents/?seq=99999999999999999999999&commitment=00":      400,
		"/documents/?seq=1&commitment=" + strings.Repeat("A", 64):    400,
		"/documents/?seq=%ff":                                        400,
		"/documents/?seq=1%":                                         400,
		"/documents/?" + strings.Repeat("x", 3000):                   400,
		"/documents/?seq=1000&commitment=" + strings.Repeat("0", 64): 200, // answered: no anchor there
	} {
		if r := get(t, srv, prefix+path); r.status != want {
			t.Errorf("%s: %d, want %d", path, r.status, want)
		} else if strings.Contains(r.body, "<script>") {
			t.Errorf("%s: echoes markup", path)
		}
	}
	// An empty board: the page says nothing is anchored.
	_, empty := serve(t, explorer.Options{Board: memboard.New()})
	if r := get(t, empty, prefix+"/documents/"); r.status != 200 || !strings.Contains(r.body, "Nothing has been anchored yet") {
		t.Fatalf("empty board: %d", r.status)
	}
}
