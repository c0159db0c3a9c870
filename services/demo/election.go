package demo

import (
	"context"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

//go:embed election.yaml
var exampleManifest []byte

// ElectionOptions tune [Election].
type ElectionOptions struct {
	// DataDir is a fresh directory: it gets the embedded chain (chain/),
	// the ballot box's database (veche.db) and its keys.
	DataDir string
	Voters  int   // default 1000
	Absent  []int // trustees (1-based) who do not decrypt; default 2 and 5
	// RevoteShare is the share of voters who vote a second time, after
	// every first ballot is in (default 0.05); AuditShare the share who
	// first make a ballot and audit it (Benaloh's challenge), then vote
	// (default 0.02). Negative means none.
	RevoteShare, AuditShare float64
	// Tampered is the number of voters whose app is tampered with: it
	// ranks one candidate twice in the ranked contest, with every proof
	// valid, so that the ballot is accepted and counted, and its row
	// decrypts as invalid (default Voters/300, at least 1; negative: none).
	Tampered int
	// Seed seeds the voters' choices (0: the clock).
	Seed uint64
	// Logger receives the ballot box's and the API's logs (default: none).
	Logger *slog.Logger
}

// A VoterRecord is what one simulated voter did, in plaintext. The demo
// keeps it in memory for its tests, which count the choices independently
// and compare the count with the printed results; it is never printed,
// logged or posted.
type VoterRecord struct {
	// Cast are the selections of the ballots cast, in order: the last
	// counts (revote policy last-counts).
	Cast []voting.Selections
	// Audited are the selections of the ballots opened for audit instead
	// of being cast: they never count.
	Audited []voting.Selections
	// Tampered: the voter's app replaced the ranked contest's row of the
	// cast ballot by one that ranks a candidate twice; Cast holds the
	// selections it started from (its other contests count as cast).
	Tampered bool
}

// A Stage is one stage of the election and the time it took.
type Stage struct {
	Title string // short
	Took  time.Duration
}

// An ElectionRun is what [Election] did.
type ElectionRun struct {
	Manifest       *voting.Manifest
	Voters         []VoterRecord
	Reconciliation tally.Reconciliation
	Results        *tally.Results // as posted to the board
	Stages         []Stage
}

// Election runs the example election end to end on the embedded Ethereum
// chain in o.DataDir, every party with its own board account, and prints
// each stage with the time it took:
//
//  1. the commission publishes the manifest, which names the ballot box's
//     receipt-signing key;
//  2. five trustees generate the election key jointly (any 3 can decrypt);
//  3. the credential authority posts the voters' public credentials and
//     the election opens;
//  4. the ballot box (services/ballotbox, on SQLite in o.DataDir) and the
//     voter API (services/api) start on a loopback port;
//  5. the voters encrypt and cast their ballots through the API with the
//     client SDK (voting/client), checking each signed receipt; some audit
//     a ballot first, some vote again, a few run a tampered app;
//  6. the box posts its batches; a sample of receipts is checked against
//     the chain (Merkle inclusion); the commission closes the election;
//  7. weeding and the reconciliation (tally.Weed, tally.PostTallyInputs);
//  8. three mixers shuffle the ranked contest's ballots, each with a proof;
//  9. three trustees decrypt with proofs, two being absent;
//  10. the results are computed from the board, posted and printed;
//  11. the record is verified.
//
// It returns an error if any stage misbehaves (the demo doubles as a
// smoke test), with what was done so far.
func Election(ctx context.Context, w io.Writer, o ElectionOptions) (*ElectionRun, error) {
	if o.Voters <= 0 {
		o.Voters = 1000
	}
	if o.Absent == nil {
		o.Absent = []int{2, 5}
	}
	if o.RevoteShare == 0 {
		o.RevoteShare = 0.05
	}
	if o.AuditShare == 0 {
		o.AuditShare = 0.02
	}
	if o.Tampered == 0 {
		o.Tampered = max(1, o.Voters/300)
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DataDir == "" {
		return nil, errors.New("demo: no data directory")
	}
	e := &election{p: &printer{w: w}, o: o, run: &ElectionRun{}}
	err := e.all(ctx)
	return e.run, err
}

// election is the state the stages share.
type election struct {
	p   *printer
	o   ElectionOptions
	run *ElectionRun

	commission chain.Board // the chain's own account
	authority  chain.Board // the credential authority
	boxBoard   chain.Board // the ballot box's account
	trustees   []chain.Board
	mixers     []chain.Board

	m       *voting.Manifest
	pk      *elgamal.PublicKey
	shares  []*group.Scalar
	creds   []*voting.Credential
	boxKey  *schnorr.PrivateKey
	boxKeyF string // where boxKey is kept
	boxEthF string // where the ballot box's board key is kept

	// The ballot box and the voter API while the election is open.
	db       *store.DB
	box      *ballotbox.Box
	server   *http.Server
	apiURL   string
	hc       *http.Client
	client   *client.Client
	stopBox  context.CancelFunc
	boxDone  chan struct{}
	stopOnce sync.Once

	votes   votingLog // stage 5, for stage 6's checks
	weeded  *tally.Weeded
	cascade *tally.Cascade
}

func (e *election) all(ctx context.Context) error {
	p := e.p
	total := time.Now()
	p.printf("Veche: an election end to end on the embedded Ethereum chain in %s\n", e.o.DataDir)
	commission, err := chain.Open(ctx, chain.Options{DataDir: e.o.DataDir})
	if err != nil {
		return err
	}
	defer commission.Close()
	defer e.stopServer() // before the chain closes: the box posts to it
	e.commission = commission

	stages := []struct {
		title, short string
		run          func(context.Context) error
	}{
		{"The commission publishes the election", "publish the election", e.publish},
		{"Five trustees generate the election key together (any 3 can decrypt)", "key ceremony (3 of 5)", e.keyCeremony},
		{fmt.Sprintf("The credential authority issues %d voter credentials; the election opens", e.o.Voters), "credentials", e.issueCredentials},
		{"The ballot box and the voter API start", "start the ballot box and the API", e.startServer},
		{fmt.Sprintf("%d voters encrypt on their devices and cast through the voter API", e.o.Voters), "voting (encrypt, audit, cast, revote)", e.vote},
		{"The ballot box posts its batches; receipts are checked on the chain; the election closes", "flush, check receipts on chain, close", e.close},
		{"Weeding and reconciliation, recomputable from the board, posted as the tally input", "weeding, reconciliation, tally input", e.weed},
		{"Three mixers shuffle the ranked ballots in turn, each with a proof", "mix net (3 mixers)", e.mix},
		{fmt.Sprintf("Trustees decrypt with proofs; trustees %v are absent", e.o.Absent), "decryption (3 trustees)", e.decrypt},
		{"Results, computed from the board and posted", "results", e.tally},
		{"Verification of the record on the chain", "verification", e.verify},
	}
	for i, s := range stages {
		p.printf("\n%d. %s\n", i+1, s.title)
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("demo: stage %d (%s): %w", i+1, s.short, err)
		}
		took := time.Since(start)
		e.run.Stages = append(e.run.Stages, Stage{Title: s.short, Took: took})
		p.printf("  (%v)\n", roundDuration(took))
		if p.err != nil {
			return fmt.Errorf("demo: writing output: %w", p.err)
		}
	}
	if err := e.documentsDemo(ctx); err != nil { // city documents after the election (documents.go)
		return fmt.Errorf("demo: documents: %w", err)
	}
	if err := e.stallsDemo(ctx); err != nil { // farmers' market stalls after the election (stalls.go)
		return fmt.Errorf("demo: stalls: %w", err)
	}
	if err := e.pollsDemo(ctx); err != nil { // Active Citizen polls, comments and ratings after the election (polls.go)
		return fmt.Errorf("demo: polls: %w", err)
	}
	d := time.Since(total)
	p.printf("\nStage timings (%d voters):\n", e.o.Voters)
	for i, s := range e.run.Stages {
		p.printf("  %2d. %-38s %9v\n", i+1, s.Title, roundDuration(s.Took))
	}
	p.printf("      %-38s %9v\n", "total, with opening the chain", roundDuration(d))
	p.printf("\nEverything above is on the chain in %s. To see it through the voter API:\n", e.o.DataDir)
	p.printf("  veche --data %s --chain-key %s serve --box %s\n", e.o.DataDir, e.boxEthF, e.m.ID)
	p.printf("  then http://127.0.0.1:8080/api/v1/elections/%s (ballots by tracking code: .../ballots/CODE)\n", e.m.ID)
	p.printf("  or: veche --data %s election show %s; veche --data %s mix verify %s\n", e.o.DataDir, e.m.ID, e.o.DataDir, e.m.ID)
	if p.err != nil {
		return fmt.Errorf("demo: writing output: %w", p.err)
	}
	return nil
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// account returns a new funded board account on the chain.
func (e *election) account(ctx context.Context) (chain.Board, error) {
	key, err := ethboard.NewKey()
	if err != nil {
		return nil, err
	}
	return chain.PosterFor(ctx, e.commission, key)
}

func address(b chain.Board) string {
	return strings.ToLower(ethboard.ChecksumAddress(b.Address()))
}

// Stage 1.
func (e *election) publish(ctx context.Context) error {
	m, err := voting.DecodeManifest(exampleManifest)
	if err != nil {
		return err
	}
	e.m = m
	e.run.Manifest = m
	for range 5 {
		b, err := e.account(ctx)
		if err != nil {
			return err
		}
		e.trustees = append(e.trustees, b)
	}
	for range 3 {
		b, err := e.account(ctx)
		if err != nil {
			return err
		}
		e.mixers = append(e.mixers, b)
	}
	if e.authority, err = e.account(ctx); err != nil {
		return err
	}
	// The ballot box's keys are kept in the data directory, where `veche
	// serve --box` finds them: its board account and its receipt key.
	e.boxEthF = filepath.Join(e.o.DataDir, "ballotbox-chain.key")
	ethKey, err := ethboard.CreateKeyFile(e.boxEthF)
	if err != nil {
		return err
	}
	if e.boxBoard, err = chain.PosterFor(ctx, e.commission, ethKey); err != nil {
		return err
	}
	if e.boxKey, err = schnorr.GenerateKey(nil); err != nil {
		return err
	}
	e.boxKeyF = filepath.Join(e.o.DataDir, "ballotbox-"+m.ID+".key")
	if err := os.WriteFile(e.boxKeyF, []byte(hex.EncodeToString(e.boxKey.Bytes())+"\n"), 0o600); err != nil {
		return err
	}

	m.Commission.Address = address(e.commission)
	m.BallotBox.Address = address(e.boxBoard)
	m.BallotBoxKey = hex.EncodeToString(e.boxKey.Public().Bytes())
	m.CredentialAuthority.Address = address(e.authority)
	for i := range m.Trustees.Members {
		m.Trustees.Members[i].Address = address(e.trustees[i])
	}
	for i := range m.Mixers {
		m.Mixers[i].Address = address(e.mixers[i])
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	if err := voting.Publish(ctx, e.commission, m); err != nil {
		return err
	}
	e.p.printf("  election %s: %d contests (%s), revote policy %s\n", m.ID, len(m.Contests), contestKinds(m), m.Revote)
	e.p.printf("  fingerprint %x…, on %s\n", fp[:8], e.commission.Describe())
	e.p.printf("  parties, each its own account: commission %s, ballot box %s (receipt key %s…),\n", short(m.Commission.Address), short(m.BallotBox.Address), m.BallotBoxKey[:16])
	e.p.printf("  credential authority %s, 5 trustees, 3 mixers\n", short(m.CredentialAuthority.Address))
	return voting.SetPhase(ctx, e.commission, m.ID, bulletin.PhaseKeyCeremony)
}

func contestKinds(m *voting.Manifest) string {
	var out []string
	for _, c := range m.Contests {
		out = append(out, fmt.Sprintf("%s: %s, %s", c.ID, c.Kind, c.Tally))
	}
	return strings.Join(out, "; ")
}

func short(addr string) string {
	if len(addr) > 10 {
		return addr[:10] + "…"
	}
	return addr
}

// Stage 2.
func (e *election) keyCeremony(ctx context.Context) error {
	keys := make([]*hybrid.PrivateKey, len(e.trustees))
	for i, t := range e.trustees {
		var err error
		if keys[i], err = hybrid.GenerateKey(nil); err != nil {
			return err
		}
		if _, err := voting.Join(ctx, t, e.m, keys[i], nil); err != nil {
			return err
		}
	}
	e.shares = make([]*group.Scalar, len(e.trustees))
	var wg sync.WaitGroup
	errs := make([]error, len(e.trustees))
	for i, t := range e.trustees {
		wg.Go(func() {
			res, err := voting.RunKeygen(ctx, t, e.m, keys[i], &voting.MemoryStore{}, nil)
			if err == nil {
				e.shares[i] = res.Share
			}
			errs[i] = err
		})
	}
	// The commission closes the ceremony once every trustee is ready.
	for {
		st, err := voting.ReadCeremony(ctx, e.commission, e.m)
		if err != nil {
			return err
		}
		if len(st.NotReady()) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	pub, err := voting.CloseCeremony(ctx, e.commission, e.m, nil)
	if err != nil {
		return err
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if e.pk, err = elgamal.NewPublicKeyFromElement(pub.JointKey); err != nil {
		return err
	}
	e.p.printf("  joint key %x…, threshold %d of %d, qualified trustees %v; nobody ever held the private key\n",
		e.pk.Bytes()[:8], pub.Threshold, pub.N, pub.Qualified)
	return nil
}

// Stage 3.
func (e *election) issueCredentials(ctx context.Context) error {
	creds, list, err := voting.GenerateCredentials(nil, e.m, map[string]int{e.m.BallotStyles[0].ID: e.o.Voters})
	if err != nil {
		return err
	}
	e.creds = creds
	if err := voting.PostCredentials(ctx, e.authority, e.m, list); err != nil {
		return err
	}
	e.p.printf("  %d public credentials on the board, posted by the credential authority;\n", list.Len())
	e.p.printf("  each voter's device holds its private one (nobody can tell whose is whose)\n")
	return voting.SetPhase(ctx, e.commission, e.m.ID, bulletin.PhaseOpen)
}

// boxOnly is the ballot box's board as the box sees it: only the methods
// of chain.Board. (A board made by chain.PosterFor also has the embedded
// chain's AppendOnce, promoted from the chain's own account: through it
// the box would post as the commission.)
type boxOnly struct{ chain.Board }

// Stage 4.
func (e *election) startServer(ctx context.Context) error {
	var err error
	if e.db, err = store.Open(ctx, "sqlite:"+filepath.Join(e.o.DataDir, "veche.db")); err != nil {
		return err
	}
	e.box, err = ballotbox.New(ctx, ballotbox.Config{Election: e.m.ID, Board: boxOnly{e.boxBoard}, DB: e.db, Key: e.boxKey, Logger: e.o.Logger})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	e.stopBox, e.boxDone = stop, make(chan struct{})
	go func() {
		defer close(e.boxDone)
		e.box.Run(runCtx)
	}()
	srv := api.New(e.commission, e.o.Logger)
	srv.AddBox(e.m.ID, e.box)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e.server = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go e.server.Serve(ln)
	e.apiURL = "http://" + ln.Addr().String()
	e.hc = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
	if e.client, err = client.New(e.apiURL, e.commission, client.HTTPClient(e.hc)); err != nil {
		return err
	}
	// A voter's device reads the election from the board and checks the
	// API against it; every device does the same, so one reads for all.
	el, err := e.client.Election(ctx, e.m.ID)
	if err != nil {
		return err
	}
	e.p.printf("  ballot box: SQLite in %s, posting as %s\n", filepath.Join(e.o.DataDir, "veche.db"), short(e.m.BallotBox.Address))
	e.p.printf("  voter API: %s/api/v1 (the SDK checked its manifest and key against the board: fingerprint %x…)\n", e.apiURL, el.Fingerprint[:8])
	return nil
}

// stopServer stops the voter API and the ballot box (once).
func (e *election) stopServer() {
	e.stopOnce.Do(func() {
		if e.server != nil {
			// The voters' connections are idle by now. (One the client
			// opened but never used would hold Shutdown for 5 s: the
			// server takes a new connection for idle only after that.)
			e.hc.CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if e.server.Shutdown(ctx) != nil {
				e.server.Close()
			}
			cancel()
		}
		if e.stopBox != nil {
			e.stopBox()
			<-e.boxDone
		}
		if e.box != nil {
			e.box.Close()
		}
		if e.db != nil {
			e.db.Close()
		}
	})
}

// Stage 6.
func (e *election) close(ctx context.Context) error {
	start := time.Now()
	if _, err := e.box.Post(ctx); err != nil {
		return err
	}
	pending, err := e.box.Pending(ctx)
	if err != nil {
		return err
	}
	if pending != 0 {
		return fmt.Errorf("%d acknowledged ballots are not on the board", pending)
	}
	e.p.printf("  every acknowledged ballot and audit is on the board (flushed in %v)\n", roundDuration(time.Since(start)))
	if err := e.checkReceipts(ctx); err != nil {
		return err
	}
	if err := voting.SetPhase(ctx, e.commission, e.m.ID, bulletin.PhaseClosed); err != nil {
		return err
	}
	e.stopServer()
	e.p.printf("  the commission closed the election; the ballot box and the voter API stopped\n")
	return nil
}

// Stage 7.
func (e *election) weed(ctx context.Context) error {
	// Everything is read from the board: the list, the key and the ballots.
	list, err := voting.ReadCredentials(ctx, e.commission, e.m)
	if err != nil {
		return err
	}
	res, err := voting.JointKey(ctx, e.commission, e.m)
	if err != nil {
		return err
	}
	pk, err := elgamal.NewPublicKeyFromElement(res.JointKey)
	if err != nil {
		return err
	}
	start := time.Now()
	w, err := tally.Weed(ctx, e.commission, e.m, list, pk)
	if err != nil {
		return err
	}
	if !w.Closed {
		return errors.New("the board has no closing entry")
	}
	took := time.Since(start)
	if err := tally.PostTallyInputs(ctx, e.commission, e.m, w); err != nil {
		return err
	}
	in, err := tally.ReadTallyInputs(ctx, e.commission, e.m, w.Refs.Closing.First+1)
	if err != nil {
		return err
	}
	if err := tally.CheckWeed(w, in.Reconciliation); err != nil {
		return err
	}
	e.weeded = w
	r := w.Reconciliation
	e.run.Reconciliation = r
	p := e.p
	batches := map[uint64]bool{} // the ballot-batch entries
	for _, c := range w.Counted {
		batches[c.Location.Seq] = true
	}
	for _, x := range w.Excluded {
		batches[x.Location.Seq] = true
	}
	p.printf("  %d ballots read from %d ballot-batch entries and %d audited-ballot entries, every proof and signature checked in %v (%.0f ballots/s)\n",
		r.BallotsReceived, len(batches), len(w.Audits), roundDuration(took), float64(r.BallotsReceived+r.Audited)/took.Seconds())
	p.printf("  reconciliation (closing entry %d):\n", r.Closing)
	p.printf("    %-28s %7d\n", "credentials issued", r.CredentialsIssued)
	p.printf("    %-28s %7d\n", "ballots received", r.BallotsReceived)
	p.printf("    %-28s %7d\n", "audited (spoiled, not cast)", r.Audited)
	p.printf("    %-28s %7d\n", "credentials that revoted", r.Revotes)
	p.printf("    %-28s %7d   (superseded %d, spoiled %d, clash %d, invalid %d, malformed %d)\n", "excluded", r.Excluded.Total(),
		r.Excluded.Superseded, r.Excluded.Spoiled, r.Excluded.Clash, r.Excluded.Invalid, r.Excluded.Malformed)
	p.printf("    %-28s %7d   (turnout %.1f%%; digest of their tracking codes %x…)\n", "counted", r.Counted,
		100*float64(r.Counted)/float64(max(r.CredentialsIssued, 1)), r.CountedDigest[:6])
	for _, x := range in.Inputs {
		what := x.Type.String()
		if x.Name != "" {
			what += " of " + x.Name
		}
		p.printf("  posted: %-24s at %v\n", what, x.Ref)
	}
	// The demo knows what its voters did: the board must agree.
	want := e.votes
	switch {
	case r.BallotsReceived != uint64(want.cast):
		return fmt.Errorf("the board has %d ballots, the voters cast %d", r.BallotsReceived, want.cast)
	case r.Audited != uint64(want.audited):
		return fmt.Errorf("the board has %d audits, the voters made %d", r.Audited, want.audited)
	case r.Revotes != uint64(want.revoters) || r.Excluded.Superseded != uint64(want.revoters):
		return fmt.Errorf("the board has %d revotes (%d superseded), %d voters revoted", r.Revotes, r.Excluded.Superseded, want.revoters)
	case r.Counted != uint64(e.o.Voters) || r.Excluded.Total() != r.Excluded.Superseded:
		return fmt.Errorf("%d ballots counted (%d excluded), %d voters voted", r.Counted, r.Excluded.Total(), e.o.Voters)
	}
	return voting.SetPhase(ctx, e.commission, e.m.ID, bulletin.PhaseTallying)
}

// Stage 8.
func (e *election) mix(ctx context.Context) error {
	c, err := tally.CascadeOf(e.m, e.pk)
	if err != nil {
		return err
	}
	e.cascade = c
	commission := e.commission.Address()
	var lists []string
	for _, ct := range e.m.Contests {
		if ct.Tally == voting.Mixnet {
			lists = append(lists, ct.ID)
		}
	}
	// The mixers take their turns one after the other. (Run each in its
	// own process and each waits for its predecessor's shuffle on the
	// board; here, in one process, the demo hands over the turn itself.)
	took := make([]time.Duration, len(e.mixers))
	for k, mx := range e.mixers {
		mixer := &tally.Mixer{Cascade: *c, Position: k, Board: mx, Topic: e.m.Topic(), Commission: commission}
		for _, l := range lists {
			start := time.Now()
			if err := mixer.Run(ctx, l); err != nil {
				return fmt.Errorf("mixer %d: %w", k+1, err)
			}
			took[k] += time.Since(start)
		}
	}
	rec, err := tally.ReadMixRecord(ctx, e.commission, e.m.Topic(), commission)
	if err != nil {
		return err
	}
	for _, l := range lists {
		for k := range e.mixers {
			for _, s := range rec.Shuffles[l] {
				if s.Poster == c.Mixers[k] {
					checked := "the commission's mix list"
					if k > 0 {
						checked = fmt.Sprintf("mixer %d's output after checking every shuffle before its own", k)
					}
					e.p.printf("  mixer %d (%s): took %s, shuffled %d rows of %d ciphertexts of %s, posted with its proof at entry %d (%v)\n",
						k+1, short(e.m.Mixers[k].Address), checked, len(s.Output), len(s.Output[0]), l, s.Seq, roundDuration(took[k]))
					break
				}
			}
		}
	}
	return nil
}

// Stage 9.
func (e *election) decrypt(ctx context.Context) error {
	pub, err := voting.JointKey(ctx, e.commission, e.m)
	if err != nil {
		return err
	}
	tr, err := tally.TrusteesOf(e.m, pub)
	if err != nil {
		return err
	}
	for i, t := range e.trustees {
		if slices.Contains(e.o.Absent, i+1) {
			continue
		}
		start := time.Now()
		// Each trustee decrypts only what it has checked itself: the tally
		// inputs against its own weeding of the board, and every shuffle.
		lists, err := tally.ListsToDecrypt(ctx, t, e.m, e.weeded, e.cascade)
		if err != nil {
			return fmt.Errorf("trustee %d: %w", i+1, err)
		}
		checked := time.Since(start)
		var names []string
		for _, l := range lists {
			if err := tally.PostDecryption(ctx, nil, t, e.m.Topic(), tr, uint32(i+1), e.shares[i], l); err != nil {
				return fmt.Errorf("trustee %d: %w", i+1, err)
			}
			names = append(names, fmt.Sprintf("%s (%d×%d)", l.Name, len(l.Rows), l.Width()))
		}
		e.p.printf("  trustee %d: checked the tally inputs and the cascade (%v), posted partial decryptions with proofs of %s (%v)\n",
			i+1, roundDuration(checked), strings.Join(names, ", "), roundDuration(time.Since(start)-checked))
	}
	return nil
}

// Stage 10.
func (e *election) tally(ctx context.Context) error {
	pub, err := voting.JointKey(ctx, e.commission, e.m)
	if err != nil {
		return err
	}
	tr, err := tally.TrusteesOf(e.m, pub)
	if err != nil {
		return err
	}
	res, err := tally.TallyResults(ctx, e.commission, e.m, e.weeded, tr, e.cascade)
	if err != nil {
		return err
	}
	if err := tally.PostResults(ctx, e.commission, e.m, res); err != nil {
		return err
	}
	posted, ref, err := tally.ReadResults(ctx, e.commission, e.m, e.weeded.Refs.Closing.First+1)
	if err != nil {
		return err
	}
	if err := tally.CompareResults(posted, res); err != nil {
		return err
	}
	if err := voting.SetPhase(ctx, e.commission, e.m.ID, bulletin.PhasePublished); err != nil {
		return err
	}
	e.run.Results = posted
	used := map[uint32]bool{}
	for _, ev := range posted.Evidence {
		if ev.What == tally.EvidenceDecryption {
			used[ev.Party] = true
		}
	}
	var quorum []int
	for j := range used {
		quorum = append(quorum, int(j))
	}
	slices.Sort(quorum)
	e.p.printf("  decrypted with the shares of trustees %v; %d pieces of evidence referenced; the result is at %v; phase published\n",
		quorum, len(posted.Evidence), ref)
	printResults(e.p, e.m, posted)
	return nil
}

// Stage 11.
func (e *election) verify(ctx context.Context) error {
	// The universal verifier (tally/verify, `veche verify`): it reads the
	// chain alone and runs the numbered steps of docs/spec/verification.md.
	start := time.Now()
	rep, err := verify.Verify(ctx, e.commission, e.m.ID, nil)
	if err != nil {
		return err
	}
	if err := rep.WriteText(indent{e.p.w}, false); err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return fmt.Errorf("demo: the election does not verify: %w", err)
	}
	if rep.Verdict != verify.Verified {
		return fmt.Errorf("demo: verification is %s", rep.Verdict)
	}
	e.p.printf("  the same check from the command line: veche --data %s verify --election %s (%v)\n", e.o.DataDir, e.m.ID, roundDuration(time.Since(start)))
	return nil
}
