package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/electiontest"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/store/storetest"
	"github.com/veche/veche/voting"
)

// Hostile input, each sent as a real request to a real server with a real
// ballot box (docs/spec/ballotbox.md): a clear 4xx problem of the right
// type, never a 5xx, and nothing already accepted lost.

func sqliteURL(t *testing.T) string { return storetest.SQLiteURL(t) }

// Malformed, oversize, deeply nested, duplicate-key and case-variant JSON
// bodies are refused with a problem naming the fault, on the ballot and
// the audit routes; the ballot accepted before is still there and nothing
// else was stored.
func TestHostileJSONBodiesAreRefused(t *testing.T) {
	e := newBoxServer(t, sqliteURL(t), Config{}, voting.RevoteLastCounts, 2)
	e.phase(bulletin.PhaseOpen)
	accepted, _ := e.ballot(0, nil)
	rc := e.cast(accepted.Bytes())
	valid, _ := e.ballot(1, nil)
	v := base64.StdEncoding.EncodeToString(valid.Bytes())
	nest := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }

	for _, c := range []struct {
		name, ct, body string
		status         int
		kind           string
	}{
		{"not JSON", "application/json", "ballot=" + v, 400, "malformed-request"},
		{"empty body", "application/json", "", 400, "malformed-request"},
		{"truncated", "application/json", `{"ballot":"` + v[:10], 400, "malformed-request"},
		{"only an opening brace", "application/json", `{`, 400, "malformed-request"},
		{"an unclosed object after a value", "application/json", `{"ballot":"` + v + `"`, 400, "malformed-request"},
		{"an unclosed array", "application/json", `{"ballot":["` + v + `"`, 400, "malformed-request"},
		{"a string, not an object", "application/json", `"` + v + `"`, 400, "malformed-request"},
		{"trailing document", "application/json", `{"ballot":"` + v + `"}{}`, 400, "malformed-request"},
		{"duplicate key", "application/json", `{"ballot":"` + v + `","ballot":"` + v + `"}`, 400, "malformed-request"},
		{"case-variant key", "application/json", `{"Ballot":"` + v + `"}`, 400, "malformed-request"},
		{"upper-case key", "application/json", `{"BALLOT":"` + v + `"}`, 400, "malformed-request"},
		{"key and case variant", "application/json", `{"ballot":"` + v + `","bAllot":"` + v + `"}`, 400, "malformed-request"},
		{"unknown field", "application/json", `{"ballot":"` + v + `","credential":"x"}`, 400, "malformed-request"},
		{"10,000 nested arrays", "application/json", `{"ballot":` + nest("[", "]", 10000) + `}`, 400, "malformed-request"},
		{"10,000 nested arrays at the top", "application/json", nest("[", "]", 10000), 400, "malformed-request"},
		{"10,000 nested objects", "application/json", `{"ballot":` + strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000) + `}`, 400, "malformed-request"},
		{"wrong type", "application/json", `{"ballot":["` + v + `"]}`, 400, "malformed-request"},
		{"null ballot", "application/json", `{"ballot":null}`, 400, "malformed-request"},
		{"not base64", "application/json", `{"ballot":"` + v[:8] + `!!` + v[10:] + `"}`, 400, "malformed-request"},
		{"URL-safe base64", "application/json", `{"ballot":"` + strings.NewReplacer("+", "-", "/", "_").Replace(v) + `"}`, 400, "malformed-request"},
		{"invalid UTF-8", "application/json", "{\"ballot\":\"\xff\xfe\"}", 400, "malformed-request"},
		{"oversize", "application/json", `{"ballot":"` + strings.Repeat("A", MaxBody) + `"}`, 413, "request-too-large"},
		{"text/plain", "text/plain", `{"ballot":"` + v + `"}`, 415, "unsupported-media-type"},
		{"form", "application/x-www-form-urlencoded", "ballot=" + v, 415, "unsupported-media-type"},
		{"application/jsonp", "application/jsonp", `{"ballot":"` + v + `"}`, 415, "unsupported-media-type"},
	} {
		for _, path := range []string{"/ballots", "/audits"} {
			body := c.body
			if path == "/audits" {
				body = strings.ReplaceAll(strings.ReplaceAll(body, `"ballot"`, `"audit"`), `"Ballot"`, `"Audit"`)
				body = strings.ReplaceAll(strings.ReplaceAll(body, `"BALLOT"`, `"AUDIT"`), `"bAllot"`, `"aUdit"`)
			}
			r := e.send(http.MethodPost, e.base+path, c.ct, strings.NewReader(body))
			wantProblem(t, c.name+" "+path, r, c.status, c.kind)
		}
	}
	// A body far over the limit: refused once the limit is read.
	r := e.send(http.MethodPost, e.base+"/ballots", "application/json",
		strings.NewReader(`{"ballot":"`+strings.Repeat("A", 8<<20)+`"}`))
	wantProblem(t, "8 MiB body", r, 413, "request-too-large")

	// Nothing of it was stored; the accepted ballot is still there.
	if n := e.pending(); n != 1 {
		t.Fatalf("%d ballots stored, want the one accepted", n)
	}
	st := e.send(http.MethodGet, e.base+"/ballots/"+rc.TrackingCode, "", nil)
	if st.status != http.StatusOK {
		t.Fatalf("the accepted ballot's status: %v", st)
	}
	e.cast(valid.Bytes()) // and the valid ballot of the bodies is castable
}

// mutate returns a copy of b with the bytes at off replaced by repl.
func mutate(b []byte, off int, repl []byte) []byte {
	out := bytes.Clone(b)
	copy(out[off:], repl)
	return out
}

// Ballots that decode to something wrong: non-canonical or identity group
// elements, a wrong version, truncation, trailing bytes, a credential not
// on the list, a bad signature, the wrong election fingerprint, a ballot
// copied from the board and re-signed under another credential (its
// proofs are bound to the first credential), and a ciphertext clash.
// Each is the right 4xx; the accepted ballots stay.
func TestHostileBallotsAreRefused(t *testing.T) {
	e := newBoxServer(t, sqliteURL(t), Config{}, voting.RevoteLastCounts, 3)
	e.phase(bulletin.PhaseOpen)
	first, _ := e.ballot(0, electiontest.Rand("the first ballot's randomness"))
	e.cast(first.Bytes())
	e.postAll()

	b, _ := e.ballot(1, nil)
	raw := b.Bytes()
	credOff := bytes.Index(raw, e.creds[1].Key.Public().Bytes())
	ak := b.ClashKeys()[0]
	aOff := bytes.Index(raw, ak[:])
	if credOff < 0 || aOff < 0 {
		t.Fatal("the test cannot find the credential or the first ciphertext in the ballot")
	}
	sigOff := len(raw) - schnorr.SignatureSize
	zero := make([]byte, 32)
	ff := bytes.Repeat([]byte{0xff}, 32)
	negative := func(off int) []byte { // the same element with its sign bit set: non-canonical
		out := bytes.Clone(raw)
		out[off] |= 1
		return out
	}
	strangers, _, err := voting.GenerateCredentials(nil, e.m, map[string]int{"city": 1})
	if err != nil {
		t.Fatal(err)
	}
	stranger, _, err := voting.EncryptBallot(nil, e.m, e.pk, "city", strangers[0].Key, referendumYes)
	if err != nil {
		t.Fatal(err)
	}
	badSig := bytes.Clone(raw)
	badSig[sigOff+schnorr.SignatureSize/2] ^= 1 // z's lowest byte: still canonical, wrong
	otherFP := bytes.Clone(raw)
	otherFP[1] ^= 0x80
	// A valid ballot from the board, its credential swapped for voter 2's
	// and re-signed with voter 2's key, as a voter holding credential 2
	// could: the proofs are bound to credential 0.
	onBoard := e.boardBallots()[0]
	copied := mutate(onBoard, credOff, e.creds[2].Key.Public().Bytes())
	sig, err := schnorr.Sign(nil, e.creds[2].Key, voting.BallotContext, copied[:sigOff])
	if err != nil {
		t.Fatal(err)
	}
	copy(copied[sigOff:], sig)
	// Voter 2's own, valid ballot drawn with the first ballot's randomness:
	// its ciphertexts repeat the first ballot's.
	clash, _ := e.ballot(2, electiontest.Rand("the first ballot's randomness"))
	if clash.ClashKeys()[0] != first.ClashKeys()[0] {
		t.Fatal("the test needs a ballot sharing a ciphertext with the first")
	}

	for _, c := range []struct {
		name   string
		ballot []byte
		status int
		kind   string
	}{
		{"version 2", mutate(raw, 0, []byte{2}), 400, "malformed-ballot"},
		{"truncated", raw[:len(raw)-1], 400, "malformed-ballot"},
		{"trailing byte", append(bytes.Clone(raw), 0), 400, "malformed-ballot"},
		{"identity credential", mutate(raw, credOff, zero), 400, "malformed-ballot"},
		{"non-canonical credential", mutate(raw, credOff, ff), 400, "malformed-ballot"},
		{"negative credential", negative(credOff), 400, "malformed-ballot"},
		{"identity A", mutate(raw, aOff, zero), 400, "malformed-ballot"},
		{"non-canonical A", mutate(raw, aOff, ff), 400, "malformed-ballot"},
		{"negative A", negative(aOff), 400, "malformed-ballot"},
		{"non-canonical B", mutate(raw, aOff+32, ff), 400, "malformed-ballot"},
		{"negative B", negative(aOff + 32), 400, "malformed-ballot"},
		{"identity R in the signature", mutate(raw, sigOff, zero), 400, "malformed-ballot"},
		{"non-canonical z in the signature", mutate(raw, sigOff+32, ff), 400, "malformed-ballot"},
		{"credential not on the list", stranger.Bytes(), 403, "unknown-credential"},
		{"bad signature", badSig, 422, "invalid-ballot"},
		{"wrong election fingerprint", otherFP, 422, "invalid-ballot"},
		{"copied from the board under another credential", copied, 422, "invalid-ballot"},
		{"ciphertext clash", clash.Bytes(), 409, "clash"},
	} {
		r := e.post("/ballots", castBody(c.ballot))
		wantProblem(t, c.name, r, c.status, c.kind)
		if c.name == "wrong election fingerprint" && !strings.Contains(string(r.body), "election") {
			t.Errorf("the fingerprint refusal does not say so: %s", r.body)
		}
	}
	// Audit records made of the same bad ballots are refused the same way.
	wantProblem(t, "audit with a stranger's credential", e.post("/audits", auditBody(mustAudit(t, e, strangers[0].Key))), 403, "unknown-credential")
	wantProblem(t, "audit of garbage", e.post("/audits", auditBody(raw)), 400, "malformed-ballot")

	// Nothing was stored; the first ballot is on the board and counts;
	// voter 1's genuine ballot is still accepted.
	if n := e.pending(); n != 0 {
		t.Fatalf("%d refused ballots were stored", n)
	}
	e.cast(raw)
	e.postAll()
	counted, err := ballotbox.Counted(context.Background(), e.board, e.m)
	if err != nil || len(counted) != 2 || counted[[32]byte(e.creds[0].Key.Public().Bytes())].TrackingCode() != first.TrackingCode() {
		t.Fatalf("counted: %d, %v", len(counted), err)
	}
}

// mustAudit makes an audit record of a ballot signed by key.
func mustAudit(t *testing.T, e *boxServer, key *schnorr.PrivateKey) []byte {
	t.Helper()
	b, s, err := voting.EncryptBallot(nil, e.m, e.pk, "city", key, referendumYes)
	if err != nil {
		t.Fatal(err)
	}
	a, err := voting.AuditBallot(b, s)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := a.Bytes(e.m)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// Casting and auditing before the election opens and after it closes:
// 409 election-not-open. A ballot acknowledged while it was open still
// gets its receipt when sent again after the close.
func TestCastingOutsideTheVotingPeriod(t *testing.T) {
	e := newBoxServer(t, sqliteURL(t), Config{}, voting.RevoteLastCounts, 2)
	early, _ := e.ballot(0, nil)
	wantProblem(t, "before opening", e.post("/ballots", castBody(early.Bytes())), 409, "election-not-open")
	_, rec := e.auditRecord(0)
	wantProblem(t, "audit before opening", e.post("/audits", auditBody(rec)), 409, "election-not-open")
	e.phase(bulletin.PhaseOpen)
	rc := e.cast(early.Bytes())
	e.phase(bulletin.PhaseClosed)
	late, _ := e.ballot(1, nil)
	wantProblem(t, "after closing", e.post("/ballots", castBody(late.Bytes())), 409, "election-not-open")
	_, rec = e.auditRecord(1)
	wantProblem(t, "audit after closing", e.post("/audits", auditBody(rec)), 409, "election-not-open")
	if again := e.cast(early.Bytes()); again != rc {
		t.Fatalf("the replay after the close got %+v, want %+v", again, rc)
	}
	if n := e.pending(); n != 1 {
		t.Fatalf("%d stored, want 1", n)
	}
}

// A replayed request (the same bytes again, one after the other and ten
// at once) gets 201 and the same receipt every time (the API's documented
// choice: casting is idempotent), and the ballot is stored and posted
// once. The same holds for an audit.
func TestReplayedCastGetsTheSameReceipt(t *testing.T) {
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newBoxServer(t, dbURL, Config{}, voting.RevoteLastCounts, 2)
		e.phase(bulletin.PhaseOpen)
		b, _ := e.ballot(0, nil)
		body := castBody(b.Bytes())
		first := e.post("/ballots", body)
		if first.status != http.StatusCreated {
			t.Fatalf("cast: %v", first)
		}
		replies := make([]reply, 11)
		replies[0] = e.post("/ballots", body)
		var wg sync.WaitGroup
		for i := 1; i < len(replies); i++ {
			wg.Go(func() { replies[i] = e.post("/ballots", body) })
		}
		wg.Wait()
		for i, r := range replies {
			if r.status != http.StatusCreated || !bytes.Equal(r.body, first.body) {
				t.Fatalf("replay %d: %v, want the first receipt %s", i, r, first.body)
			}
		}
		_, rec := e.auditRecord(1)
		a1 := e.post("/audits", auditBody(rec))
		a2 := e.post("/audits", auditBody(rec))
		if a1.status != http.StatusCreated || a2.status != http.StatusCreated || !bytes.Equal(a1.body, a2.body) {
			t.Fatalf("audit replayed: %v then %v", a1, a2)
		}
		if n := e.pending(); n != 2 {
			t.Fatalf("%d stored, want the ballot and the audit once each", n)
		}
		e.postAll()
		if codes := e.onBoard(); len(codes) != 1 || codes[0] != b.TrackingCode() {
			t.Fatalf("%d ballots on the board, want the one", len(codes))
		}
		if h := e.history(0); len(h.Ballots) != 1 || !h.Ballots[0].Current {
			t.Fatalf("history after the replays: %+v", h)
		}
	})
}

// 100 different ballots from one credential at once (the per-credential
// limit off): every one acknowledged, every acknowledged one on the board
// after posting, and exactly one current afterwards: the last of the
// credential's ballots in board order, the one the board counts.
func TestConcurrentCastsFromOneCredential(t *testing.T) {
	const n = 100
	eachStore(t, func(t *testing.T, dbURL string) {
		e := newBoxServer(t, dbURL, Config{}, voting.RevoteLastCounts, 2)
		e.phase(bulletin.PhaseOpen)
		ballots := make([][]byte, n)
		var enc sync.WaitGroup
		for w := range 2 { // encrypting is most of the test's time: both cores
			enc.Go(func() {
				for i := w; i < n; i += 2 {
					b, _, err := voting.EncryptBallot(nil, e.m, e.pk, e.creds[0].Style, e.creds[0].Key, referendumYes)
					if err != nil {
						t.Error(err)
						return
					}
					ballots[i] = b.Bytes()
				}
			})
		}
		enc.Wait()
		if t.Failed() {
			return
		}
		replies := make([]reply, n)
		var wg sync.WaitGroup
		for i := range ballots {
			wg.Go(func() { replies[i] = e.post("/ballots", castBody(ballots[i])) })
		}
		wg.Wait()
		var acked []string
		for i, r := range replies {
			if r.status != http.StatusCreated {
				t.Fatalf("cast %d: %v", i, r)
			}
			var rc receiptResponse
			if err := json.Unmarshal(r.body, &rc); err != nil {
				t.Fatal(err)
			}
			acked = append(acked, rc.TrackingCode)
		}
		e.postAll()
		var board []string
		for _, c := range e.onBoard() {
			board = append(board, c.String())
		}
		for _, c := range acked {
			if !slices.Contains(board, c) {
				t.Fatalf("acknowledged ballot %s is not on the board", c)
			}
		}
		if len(board) != n {
			t.Fatalf("%d ballots on the board, want %d", len(board), n)
		}
		h := e.history(0)
		var current []string
		for i, it := range h.Ballots {
			if it.TrackingCode != board[i] || !it.Posted || it.BoardSeq == nil {
				t.Fatalf("history item %d is not the board's ballot %d, or not posted", i, i)
			}
			if it.Current {
				current = append(current, it.TrackingCode)
			}
		}
		counted, err := ballotbox.Counted(context.Background(), e.board, e.m)
		if err != nil {
			t.Fatal(err)
		}
		if len(current) != 1 || current[0] != board[n-1] ||
			counted[[32]byte(e.creds[0].Key.Public().Bytes())].TrackingCode().String() != current[0] {
			t.Fatalf("current ballots %v; want only the last on the board, %s", current, board[n-1])
		}
	})
}

// The per-credential limit refuses a credential's excess casts and audits
// with 429 and Retry-After, counts them in the metrics, and leaves other
// credentials alone; a ballot that does not decode, or whose credential is
// not on the list, costs the credential nothing and takes no bucket; and
// replays or forgeries under a voter's public credential do not use up the
// voter's budget (which would stop them revoting).
func TestCredentialRateLimit(t *testing.T) {
	reg := newRegistry()
	e := newBoxServer(t, sqliteURL(t), Config{Limits: Limits{PerCredential: 0.001, CredentialBurst: 5}, Metrics: reg},
		voting.RevoteLastCounts, 3)
	e.phase(bulletin.PhaseOpen)

	// Ten at once from credential 0: five accepted, five refused.
	replies := make([]reply, 10)
	var wg sync.WaitGroup
	for i := range replies {
		b, _ := e.ballot(0, nil)
		wg.Go(func() { replies[i] = e.post("/ballots", castBody(b.Bytes())) })
	}
	wg.Wait()
	created, limited := 0, 0
	for i, r := range replies {
		switch r.status {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			limited++
			wantProblem(t, "excess cast", r, 429, "rate-limited")
			if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" || strings.ContainsAny(ra, ".-") {
				t.Fatalf("Retry-After %q", ra)
			}
		default:
			t.Fatalf("cast %d: %v", i, r)
		}
	}
	if created != 5 || limited != 5 {
		t.Fatalf("%d accepted, %d refused; want 5 and 5", created, limited)
	}
	// Audits draw on the same budget.
	_, rec := e.auditRecord(0)
	wantProblem(t, "an audit over the budget", e.post("/audits", auditBody(rec)), 429, "rate-limited")

	// Credential 2: broken ballots carrying its credential cost nothing.
	for range 3 {
		b, _ := e.ballot(2, nil)
		wantProblem(t, "truncated", e.post("/ballots", castBody(b.Bytes()[:len(b.Bytes())-1])), 400, "malformed-ballot")
	}
	_, rec = e.auditRecord(2)
	if r := e.post("/audits", auditBody(rec)); r.status != http.StatusCreated {
		t.Fatalf("credential 2's audit: %v", r)
	}
	for i := range 4 {
		b, _ := e.ballot(2, nil)
		if r := e.post("/ballots", castBody(b.Bytes())); r.status != http.StatusCreated {
			t.Fatalf("credential 2's cast %d: %v", i, r)
		}
	}
	b, _ := e.ballot(2, nil)
	wantProblem(t, "credential 2's sixth", e.post("/ballots", castBody(b.Bytes())), 429, "rate-limited")

	// Made-up credentials: refused as not on the list, no bucket.
	buckets := e.api.limits.byCredential.len()
	for range 5 {
		wantProblem(t, "a made-up credential", e.post("/audits", auditBody(mustAudit(t, e, mustKey(t)))), 403, "unknown-credential")
	}
	if got := e.api.limits.byCredential.len(); got != buckets || buckets != 2 {
		t.Fatalf("%d buckets, then %d after made-up credentials; want 2", buckets, got)
	}

	// Credential 1's budget cannot be drained by others: its ballot
	// replayed (as anyone can, from the board) and forged ballots under
	// its public credential give their tokens back.
	mine, _ := e.ballot(1, nil)
	rc := e.cast(mine.Bytes())
	forged := bytes.Clone(mine.Bytes())
	forged[len(forged)-1] ^= 1
	for range 10 {
		if r := e.post("/ballots", castBody(mine.Bytes())); r.status != http.StatusCreated || !strings.Contains(string(r.body), rc.Receipt) {
			t.Fatalf("a replay: %v", r)
		}
		wantProblem(t, "a forged ballot", e.post("/ballots", castBody(forged)), 422, "invalid-ballot")
	}
	for range 4 {
		b, _ := e.ballot(1, nil)
		e.cast(b.Bytes())
	}
	b, _ = e.ballot(1, nil)
	wantProblem(t, "credential 1's sixth", e.post("/ballots", castBody(b.Bytes())), 429, "rate-limited")

	if got := metricValue(t, reg, "veche_api_rate_limited_total", "credential"); got != 8 {
		t.Fatalf("veche_api_rate_limited_total{limit=credential} = %v, want 8", got)
	}
	// The refused ballots were not stored.
	if n := e.pending(); n != 5+5+5 {
		t.Fatalf("%d stored, want 15", n)
	}
}

func mustKey(t *testing.T) *schnorr.PrivateKey {
	t.Helper()
	k, err := schnorr.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The per-address limit covers every route, answers 429 with Retry-After,
// keys IPv6 clients by /64, ignores X-Forwarded-For from an untrusted
// peer, and behind a trusted proxy takes the right-most untrusted hop, so
// that a client cannot escape its bucket by forging hops on the left.
func TestAddressRateLimit(t *testing.T) {
	reg := newRegistry()
	e := newBoxServer(t, sqliteURL(t), Config{Limits: Limits{PerAddress: 0.001, AddressBurst: 3}, Metrics: reg},
		voting.RevoteLastCounts, 1)
	get := func(path string, header ...string) reply {
		return e.send(http.MethodGet, e.srv.URL+path, "", nil, header...)
	}
	for _, p := range []string{"/api/v1/health", "/api/v1/nothing-here", "/api/v1/elections/" + e.m.ID} {
		if r := get(p); r.status == http.StatusTooManyRequests {
			t.Fatalf("%s: limited early", p)
		}
	}
	r := get("/api/v1/health")
	wantProblem(t, "fourth request", r, 429, "rate-limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	wantProblem(t, "a cast over the limit", e.post("/ballots", `{}`), 429, "rate-limited")
	// The peer is not a trusted proxy: X-Forwarded-For changes nothing.
	wantProblem(t, "forged X-Forwarded-For", get("/api/v1/health", "X-Forwarded-For", "203.0.113.1"), 429, "rate-limited")
	if got := metricValue(t, reg, "veche_api_rate_limited_total", "address"); got != 3 {
		t.Fatalf("veche_api_rate_limited_total{limit=address} = %v, want 3", got)
	}

	// Behind a trusted proxy (the test's loopback peer).
	e = newBoxServer(t, sqliteURL(t), Config{Limits: Limits{PerAddress: 0.001, AddressBurst: 2},
		TrustedProxies: []netip.Prefix{mustPrefix(t, "127.0.0.0/8"), mustPrefix(t, "10.0.0.0/8")}}, voting.RevoteLastCounts, 1)
	exhaust := func(what string, header ...string) {
		t.Helper()
		for i := range 2 {
			if r := get("/api/v1/health", header...); r.status != http.StatusOK {
				t.Fatalf("%s, request %d: %v", what, i, r)
			}
		}
		wantProblem(t, what+", third request", get("/api/v1/health", header...), 429, "rate-limited")
	}
	exhaust("client 203.0.113.9", "X-Forwarded-For", "203.0.113.9")
	// Forged hops on the left do not help: the right-most untrusted one counts.
	wantProblem(t, "forged left hop", get("/api/v1/health", "X-Forwarded-For", "198.51.100.1, 203.0.113.9"), 429, "rate-limited")
	// Trusted hops on the right are skipped; two headers read as one list.
	wantProblem(t, "through two proxies", get("/api/v1/health", "X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "10.1.2.3"), 429, "rate-limited")
	exhaust("client 203.0.113.10", "X-Forwarded-For", "203.0.113.10, 10.0.0.7")
	// IPv6 clients share their /64.
	exhaust("client 2001:db8::1", "X-Forwarded-For", "2001:db8::1")
	wantProblem(t, "same /64", get("/api/v1/health", "X-Forwarded-For", "2001:db8::ffff:1"), 429, "rate-limited")
	if r := get("/api/v1/health", "X-Forwarded-For", "2001:db8:0:1::1"); r.status != http.StatusOK {
		t.Fatalf("another /64: %v", r)
	}
	// A hop that does not parse: the proxy that wrote it is the client.
	exhaust("garbage hop", "X-Forwarded-For", "not-an-address")
	wantProblem(t, "the proxy's own bucket", get("/api/v1/health"), 429, "rate-limited")
}

// Requests from very many addresses (or credentials) cannot grow the
// limiters' memory without bound: the tables keep at most their bound,
// dropping refilled buckets first, then the least recently used.
func TestRateLimitMemoryIsBounded(t *testing.T) {
	// A table bounded to 1,000 buckets, 100,000 clients that never come
	// back (each bucket stays partly used: the rate is tiny).
	tab := newLimiterTable[netip.Prefix](0.001, 2, 1000)
	now := time.Now()
	for i := range 100_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if ok, _ := tab.allow(addressKey(a), now); !ok {
			t.Fatal("a new client was refused")
		}
	}
	if n := tab.len(); n != 1000 {
		t.Fatalf("%d buckets, want the bound 1000", n)
	}
	// The most recent client keeps its bucket (the least recent was dropped).
	i := 99_999
	last := addressKey(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	tab.allow(last, now)
	if ok, _ := tab.allow(last, now); ok {
		t.Fatal("the most recent client's bucket was reset")
	}
	// Buckets that refilled are dropped as new clients come: at a high
	// rate the table stays small without reaching its bound.
	fast := newLimiterTable[[32]byte](1000, 1, 1000)
	for i := range 10_000 {
		var k [32]byte
		k[0], k[1] = byte(i), byte(i>>8)
		fast.allow(k, now.Add(time.Duration(i)*10*time.Millisecond))
	}
	if n := fast.len(); n > 2 {
		t.Fatalf("%d buckets held for idle clients", n)
	}

	// Through the server: 1,000 client addresses behind a trusted proxy,
	// the server's table bounded to 100.
	e := newBoxServer(t, sqliteURL(t), Config{Limits: Limits{PerAddress: 0.001, AddressBurst: 1},
		TrustedProxies: []netip.Prefix{mustPrefix(t, "127.0.0.0/8")}}, voting.RevoteLastCounts, 1)
	e.api.limits.byAddress.max = 100
	for i := range 1000 {
		r := e.send(http.MethodGet, e.srv.URL+"/api/v1/health", "", nil, "X-Forwarded-For", fmt.Sprintf("192.0.2.%d, 100.64.%d.%d", i%250, i/250, i%250))
		if r.status != http.StatusOK {
			t.Fatalf("client %d: %v", i, r)
		}
	}
	if n := e.api.limits.byAddress.len(); n != 100 {
		t.Fatalf("%d address buckets, want the bound 100", n)
	}
}

// A voter reads their own history with a request signed by their
// credential; a missing, malformed, stale or future-dated signature, a
// signature by another credential, for another election or under another
// context, and a credential not on the list are all 401: one voter cannot
// read another's history.
func TestHistoryNeedsTheCredentialsSignature(t *testing.T) {
	e := newBoxServer(t, sqliteURL(t), Config{}, voting.RevoteLastCounts, 2)
	e.phase(bulletin.PhaseOpen)
	b1, _ := e.ballot(0, nil)
	e.cast(b1.Bytes())
	e.postAll()
	b2, _ := e.ballot(0, nil)
	e.cast(b2.Bytes())
	spoiled, rec := e.auditRecord(0)
	if r := e.post("/audits", auditBody(rec)); r.status != http.StatusCreated {
		t.Fatal(r)
	}

	h := e.history(0)
	if h.Election != e.m.ID || h.Credential != fmt.Sprintf("%x", e.creds[0].Key.Public().Bytes()) || len(h.Ballots) != 3 {
		t.Fatalf("history: %+v", h)
	}
	want := []struct {
		code    string
		kind    string
		posted  bool
		current bool
	}{{b1.TrackingCode().String(), "cast", true, false}, {b2.TrackingCode().String(), "cast", false, true},
		{spoiled.TrackingCode().String(), "audited", false, false}}
	for i, w := range want {
		got := h.Ballots[i]
		if got.TrackingCode != w.code || got.Kind != w.kind || got.Posted != w.posted || (got.BoardSeq != nil) != w.posted ||
			got.Current != w.current || got.Refused || got.Received.IsZero() || got.Seq == 0 {
			t.Fatalf("item %d: %+v, want %+v", i, got, w)
		}
	}
	if h := e.history(1); h.Ballots == nil || len(h.Ballots) != 0 {
		t.Fatalf("a voter without ballots: %+v", h)
	}

	me, other := e.creds[0].Key, e.creds[1].Key
	now := time.Now().Unix()
	stranger := mustKey(t)
	headers := e.historyHeaders(me, me.Public(), now)
	with := func(name, value string) []string {
		out := slices.Clone(headers)
		for i := 0; i < len(out); i += 2 {
			if out[i] == name {
				out[i+1] = value
			}
		}
		return out
	}
	without := func(name string) []string {
		var out []string
		for i := 0; i < len(headers); i += 2 {
			if headers[i] != name {
				out = append(out, headers[i], headers[i+1])
			}
		}
		return out
	}
	wrongContext, _ := schnorr.Sign(nil, me, voting.BallotContext, HistoryMessage(e.fp, me.Public().Bytes(), uint64(now)))
	otherFP := e.fp
	otherFP[0] ^= 1
	otherElection, _ := schnorr.Sign(nil, me, HistoryContext, HistoryMessage(otherFP, me.Public().Bytes(), uint64(now)))
	for _, c := range []struct {
		name    string
		headers []string
	}{
		{"another voter signs for mine", e.historyHeaders(other, me.Public(), now)},
		{"my signature claimed by another credential", with(HeaderCredential, fmt.Sprintf("%x", other.Public().Bytes()))},
		{"no headers", nil},
		{"no signature", without(HeaderSignature)},
		{"no timestamp", without(HeaderTimestamp)},
		{"no credential", without(HeaderCredential)},
		{"the credential twice", append(slices.Clone(headers), HeaderCredential, fmt.Sprintf("%x", me.Public().Bytes()))},
		{"a stale timestamp", e.historyHeaders(me, me.Public(), now-301)},
		{"a future timestamp", e.historyHeaders(me, me.Public(), now+301)},
		{"a timestamp not signed", with(HeaderTimestamp, fmt.Sprint(now+1))},
		{"a negative timestamp", with(HeaderTimestamp, "-1")},
		{"a huge timestamp", with(HeaderTimestamp, "18446744073709551615")},
		{"a timestamp with a sign", with(HeaderTimestamp, fmt.Sprintf("+%d", now))},
		{"credential not hex", with(HeaderCredential, "zz")},
		{"credential short", with(HeaderCredential, "abcd")},
		{"identity credential", with(HeaderCredential, strings.Repeat("00", 32))},
		{"signature not base64", with(HeaderSignature, "!!!")},
		{"signature short", with(HeaderSignature, base64.StdEncoding.EncodeToString(make([]byte, 63)))},
		{"signature under another context", with(HeaderSignature, base64.StdEncoding.EncodeToString(wrongContext))},
		{"signature for another election", with(HeaderSignature, base64.StdEncoding.EncodeToString(otherElection))},
		{"a credential not on the list", e.historyHeaders(stranger, stranger.Public(), now)},
	} {
		r := e.send(http.MethodGet, e.base+"/history", "", nil, c.headers...)
		wantProblem(t, c.name, r, 401, "unauthenticated")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%s: no WWW-Authenticate", c.name)
		}
	}
	// Within the window either way: accepted.
	for _, ts := range []int64{now - 290, now + 290} {
		if r := e.send(http.MethodGet, e.base+"/history", "", nil, e.historyHeaders(me, me.Public(), ts)...); r.status != http.StatusOK {
			t.Fatalf("timestamp %+d s: %v", ts-now, r)
		}
	}
	wantProblem(t, "no ballot box", e.send(http.MethodGet, e.srv.URL+"/api/v1/elections/other/history", "", nil, headers...), 404, "no-ballot-box")
}

func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// metricValue returns the value of counter name{limit=label} in reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "limit" && l.GetValue() == label {
					return metricNumber(m)
				}
			}
		}
	}
	t.Fatalf("no metric %s{limit=%q}", name, label)
	return 0
}

func metricNumber(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}
