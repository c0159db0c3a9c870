package tally_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// TestVectors writes testdata/tally.json (docs/spec/tally.md, section 7):
// a reconciliation record, the digest of counted tracking codes, a totals
// record and its list digest, and a result record computed from made-up
// decrypted lists of the example manifest (with an invalid row, blank
// ballots and write-ins) and made-up evidence. go test -run TestVectors
// -update rewrites it.
func TestVectors(t *testing.T) {
	m := exampleManifest(t)
	type reconciliationVector struct {
		Closing           uint64 `json:"closing"`
		CredentialsIssued uint64 `json:"credentials_issued"`
		BallotsReceived   uint64 `json:"ballots_received"`
		Audited           uint64 `json:"audited"`
		Revotes           uint64 `json:"revotes"`
		Malformed         uint64 `json:"malformed"`
		Invalid           uint64 `json:"invalid"`
		Spoiled           uint64 `json:"spoiled"`
		Clash             uint64 `json:"clash"`
		Superseded        uint64 `json:"superseded"`
		Counted           uint64 `json:"counted"`
		CountedDigest     string `json:"counted_digest"`
		Record            string `json:"record"`
	}
	type digestVector struct {
		TrackingCodes []string `json:"tracking_codes"`
		Digest        string   `json:"digest"`
	}
	type totalsVector struct {
		ElectionSecret string   `json:"election_secret"`
		ElectionPublic string   `json:"election_public"`
		Contest        string   `json:"contest"`
		Ballots        uint32   `json:"ballots"`
		Plaintexts     []uint64 `json:"plaintexts"`
		Ciphertexts    []string `json:"ciphertexts"`
		Record         string   `json:"record"`
		ListDigest     string   `json:"list_digest"`
	}
	type resultVector struct {
		Manifest    string                `json:"manifest"`
		Counted     int                   `json:"counted_ballots"`
		Decrypted   map[string][][]string `json:"decrypted"`
		Evidence    []string              `json:"evidence"`
		Record      string                `json:"record"`
		IRVWinner   string                `json:"irv_winner"`
		SchulzeRank []string              `json:"schulze_order"`
	}
	var v struct {
		Reconciliation reconciliationVector `json:"reconciliation"`
		CountedDigest  digestVector         `json:"counted_digest"`
		Totals         totalsVector         `json:"totals"`
		Result         resultVector         `json:"result"`
	}

	var codes []voting.TrackingCode
	for i := range 3 {
		codes = append(codes, sha256.Sum256([]byte{byte(i)}))
		v.CountedDigest.TrackingCodes = append(v.CountedDigest.TrackingCodes, hex.EncodeToString(codes[i][:]))
	}
	d := tally.CountedDigest(codes)
	v.CountedDigest.Digest = hex.EncodeToString(d[:])

	rec := tally.Reconciliation{Closing: 1041, CredentialsIssued: 1000, BallotsReceived: 1100, Audited: 20, Revotes: 80,
		Excluded: tally.ExcludedCounts{Malformed: 1, Invalid: 2, Spoiled: 3, Clash: 4, Superseded: 90}, Counted: 1000, CountedDigest: d}
	back, err := tally.ParseReconciliation(rec.Bytes())
	if err != nil || *back != rec {
		t.Fatalf("reconciliation round trip: %v", err)
	}
	v.Reconciliation = reconciliationVector{rec.Closing, rec.CredentialsIssued, rec.BallotsReceived, rec.Audited, rec.Revotes,
		rec.Excluded.Malformed, rec.Excluded.Invalid, rec.Excluded.Spoiled, rec.Excluded.Clash, rec.Excluded.Superseded, rec.Counted,
		hex.EncodeToString(d[:]), hex.EncodeToString(rec.Bytes())}

	sk, err := elgamal.GenerateKey(seeded("tally vectors: election key"))
	if err != nil {
		t.Fatal(err)
	}
	tot := &tally.Totals{Contest: "council", Ballots: 3}
	plain := []uint64{2, 0, 1, 3, 0}
	for j, x := range plain {
		c, _, err := elgamal.EncryptExp(seeded("tally vectors: total "+strconv.Itoa(j)), sk.Public(), x)
		if err != nil {
			t.Fatal(err)
		}
		tot.Sums = append(tot.Sums, c)
		v.Totals.Ciphertexts = append(v.Totals.Ciphertexts, hex.EncodeToString(c.Bytes()))
	}
	rb, err := tot.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := tally.ParseTotals(rb); err != nil || !slices.EqualFunc(again.Sums, tot.Sums, (*elgamal.Ciphertext).Equal) {
		t.Fatalf("totals round trip: %v", err)
	}
	ld := tot.List().Digest()
	v.Totals = totalsVector{hex.EncodeToString(sk.Bytes()), hex.EncodeToString(sk.Public().Bytes()), tot.Contest, tot.Ballots,
		plain, v.Totals.Ciphertexts, hex.EncodeToString(rb), hex.EncodeToString(ld[:])}

	// Six counted ballots; the mayor's decrypted rows: four rankings (one
	// with a write-in), a blank and an invalid row (a choice after a gap).
	G := func(k uint64) *group.Element {
		return new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(k))
	}
	name, err := elgamal.EncodeBytes([]byte("Pat Example"))
	if err != nil {
		t.Fatal(err)
	}
	O := group.NewElement()
	decrypted := map[string][][]*group.Element{
		"bike-lanes": {{G(4), G(2)}},
		"council":    {{G(3), G(1), G(0), G(2), G(1)}},
		"mayor": {
			{G(2), G(1), G(3), O},
			{G(1), G(2), G(0), O},
			{G(4), G(2), G(0), name}, // the write-in (choice 4), then volkova
			{G(0), G(0), G(0), O},    // blank
			{G(1), G(0), G(2), O},    // invalid: a choice after an empty slot
			{G(2), G(3), G(0), O},
		},
	}
	w := &tally.Weeded{Counted: make([]tally.CountedBallot, 6)}
	for i := range w.Counted {
		w.Counted[i].Style = "city"
	}
	res, err := tally.ComputeResults(m, w, decrypted)
	if err != nil {
		t.Fatal(err)
	}
	mayor := res.Contests[2]
	if !slices.Equal(res.Contests[0].Totals, []uint64{4, 2}) || !slices.Equal(mayor.Totals, []uint64{2, 4, 2}) ||
		mayor.Blank != 1 || !slices.Equal(mayor.Invalid, []uint64{4}) || mayor.WriteIns[0] != (tally.WriteIn{Name: "Pat Example", Count: 1}) {
		t.Fatalf("results %+v", res.Contests)
	}
	whats := []tally.EvidenceKind{tally.EvidenceManifest, tally.EvidenceKeyCeremony, tally.EvidenceCredentials, tally.EvidenceClosing,
		tally.EvidenceReconciliation, tally.EvidenceTotals, tally.EvidenceMixList, tally.EvidenceShuffle, tally.EvidenceDecryption}
	for i, what := range whats {
		e := tally.Evidence{What: what, Ref: tally.Ref{First: uint64(10 * i), Last: uint64(10*i + i%2), Head: sha256.Sum256([]byte{byte(i)})}}
		switch what {
		case tally.EvidenceTotals:
			e.List = "council"
		case tally.EvidenceMixList, tally.EvidenceShuffle, tally.EvidenceDecryption:
			e.List, e.Party = "mayor", uint32(1+i%3)
		}
		res.Evidence = append(res.Evidence, e)
		v.Result.Evidence = append(v.Result.Evidence, e.String()+" at "+e.Ref.String())
	}
	enc, err := res.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := tally.ParseResults(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Evidence {
		res.Evidence[i].Kind = parsed.Evidence[i].Kind // the kind follows from What
	}
	if err := tally.CompareResults(parsed, res); err != nil {
		t.Fatal(err)
	}
	canon, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	v.Result = resultVector{Manifest: string(canon), Counted: 6, Decrypted: map[string][][]string{}, Evidence: v.Result.Evidence,
		Record: hex.EncodeToString(enc), IRVWinner: mayor.IRV.Winner, SchulzeRank: mayor.Schulze.Ranking}
	for list, rows := range decrypted {
		for _, r := range rows {
			var hs []string
			for _, e := range r {
				hs = append(hs, hex.EncodeToString(e.Bytes()))
			}
			v.Result.Decrypted[list] = append(v.Result.Decrypted[list], hs)
		}
	}
	golden.JSON(t, "../testdata/tally.json", v)
}

func exampleManifest(t *testing.T) *voting.Manifest {
	t.Helper()
	raw, err := os.ReadFile("../voting/testdata/election.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := voting.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The decoders of the tally's records reject what is not canonical.
func TestTallyRecordsRejectNonCanonical(t *testing.T) {
	rec := tally.Reconciliation{BallotsReceived: 3, Counted: 2, CredentialsIssued: 2, Excluded: tally.ExcludedCounts{Clash: 1}}
	good := rec.Bytes()
	for name, b := range map[string][]byte{
		"short":            good[:len(good)-1],
		"long":             append(slices.Clone(good), 0),
		"type":             append([]byte{2}, good[1:]...),
		"does not add up":  (&tally.Reconciliation{BallotsReceived: 4, Counted: 2, CredentialsIssued: 2}).Bytes(),
		"more than issued": (&tally.Reconciliation{BallotsReceived: 3, Counted: 3, CredentialsIssued: 2}).Bytes(),
	} {
		if _, err := tally.ParseReconciliation(b); !errors.Is(err, tally.ErrMalformed) {
			t.Errorf("reconciliation %s: %v", name, err)
		}
	}
	sk, _ := elgamal.GenerateKey(nil)
	c, _, _ := elgamal.EncryptExp(nil, sk.Public(), 1)
	tot, err := (&tally.Totals{Contest: "c", Ballots: 1, Sums: elgamal.VectorCiphertext{c}}).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tally.ParseTotals(tot); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"no ballots": append(slices.Clone(tot[:3]), append([]byte{0, 0, 0, 0}, tot[7:]...)...),
		"trailing":   append(slices.Clone(tot), 0),
		"a list":     append([]byte{1}, tot[1:]...),
		"identity A": append(slices.Clone(tot[:11]), make([]byte, 64)...),
	} {
		if _, err := tally.ParseTotals(b); !errors.Is(err, tally.ErrMalformed) {
			t.Errorf("totals %s: %v", name, err)
		}
	}
	if _, err := tally.ParseResults([]byte{1, 1, 'x'}); !errors.Is(err, tally.ErrMalformed) {
		t.Errorf("a truncated result: %v", err)
	}
}

func FuzzParseResults(f *testing.F) {
	f.Add([]byte{1, 1, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := tally.ParseResults(b)
		if err != nil {
			return
		}
		again, err := r.Bytes()
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted a result that does not re-encode to itself: %v", err)
		}
	})
}

func FuzzParseTotals(f *testing.F) {
	f.Add([]byte{2, 1, 'a', 0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := tally.ParseTotals(b)
		if err != nil {
			return
		}
		again, err := r.Bytes()
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted totals that do not re-encode to themselves: %v", err)
		}
	})
}

func FuzzParseReconciliation(f *testing.F) {
	f.Add((&tally.Reconciliation{}).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := tally.ParseReconciliation(b)
		if err != nil {
			return
		}
		if string(r.Bytes()) != string(b) {
			t.Fatal("accepted a reconciliation that does not re-encode to itself")
		}
	})
}
