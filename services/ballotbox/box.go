package ballotbox

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// Errors of [Box.Cast] and [Box.Audit]. Each is a refusal of the request
// (a client error); the box stored nothing.
var (
	// ErrNotOpen: the election is not in phase open.
	ErrNotOpen = errors.New("ballotbox: the election is not open")
	// ErrClash: a ciphertext of the ballot repeats one of a ballot already
	// accepted or audited (a copied ballot or ciphertext).
	ErrClash = errors.New("ballotbox: ballot clashes with an accepted or audited ballot")
	// ErrRevoteDenied: the election's revote policy is "denied" and the
	// credential has already cast a ballot.
	ErrRevoteDenied = errors.New("ballotbox: the credential has already voted and revoting is denied")
	// ErrTooLarge: the ballot or audit does not fit one board entry.
	ErrTooLarge = errors.New("ballotbox: too large for a board entry")
	// ErrUnknownBallot: no ballot with this tracking code (Status).
	ErrUnknownBallot = errors.New("ballotbox: no such ballot")
)

// A Board is what the ballot box needs of the bulletin board: to post as
// the manifest's ballot box account and to read the election's topic. A
// board that also has the method
//
//	AppendOnce(ctx, topic, from, msgs) ([]uint64, error)
//
// (bulletin/eth/ethboard) is used through it for posting.
type Board interface {
	bulletin.Appender
	bulletin.Reader
	Address() bulletin.Address
}

// appendOncer is ethboard's idempotent append.
type appendOncer interface {
	AppendOnce(ctx context.Context, topic bulletin.TopicID, from uint64, msgs []bulletin.Message) ([]uint64, error)
}

// Config configures a [Box].
type Config struct {
	Election string              // the election's id
	Board    Board               // posts as the manifest's ballot box
	DB       *store.DB           // the box's durable state
	Key      *schnorr.PrivateKey // signs receipts
	Rand     io.Reader           // nil means crypto/rand.Reader

	// PhaseTTL is how long the election's phase read from the board is
	// trusted before it is read again: default 1 s; negative means every
	// request reads it.
	PhaseTTL time.Duration
	// PostInterval is how often [Box.Run] looks for ballots to post when it
	// is not woken by a cast: default 200 ms.
	PostInterval time.Duration
	// PostLinger is how long [Box.Run], woken by a cast, waits for more
	// casts before it posts, so that one board entry (one chain
	// transaction) carries more ballots: default 100 ms; negative means
	// no wait. It delays the posting, never the receipt.
	PostLinger time.Duration
	// MaxBatch caps the ballots of one ballot-batch entry (default: as many
	// as fit in bulletin.MaxPayload).
	MaxBatch int
	// Logger receives the poster's errors (default slog.Default()). It never
	// sees ballots' contents.
	Logger *slog.Logger
}

// A Box is an election's ballot box: it validates ballots, stores them
// durably, acknowledges them with signed receipts and posts them to the
// board through the outbox (docs/spec/ballotbox.md). Its methods are safe
// for concurrent use; several Boxes of one election must not share a
// database (the poster assumes it is alone).
type Box struct {
	cfg    Config
	db     *store.DB
	board  Board
	m      *voting.Manifest
	topic  bulletin.TopicID
	pk     *elgamal.PublicKey
	creds  *voting.CredentialList
	key    *schnorr.PrivateKey
	revote voting.RevotePolicy
	maxLen int // the largest ballot or audit record that fits one entry

	commission bulletin.Address

	pmu     sync.Mutex
	phase   bulletin.Phase
	read    uint64 // entries of the topic replayed for the phase
	checked time.Time

	postMu sync.Mutex // one poster round at a time
	// writeMu keeps the writer's and the poster's transactions apart:
	// on PostgreSQL, overlapping SERIALIZABLE transactions of the two
	// (inserting ballots, batching them) conflict on the ballots'
	// indexes and are retried, which costs more than waiting.
	writeMu sync.Mutex
	wake    chan struct{} // a cast wakes Run

	verifyCh  chan *verifyReq
	storeCh   chan *storeReq
	closed    chan struct{}
	closeOnce sync.Once
	workers   sync.WaitGroup
}

// New starts the ballot box of cfg.Election: it reads the manifest, the
// joint key (the closed key ceremony) and the credential list from the
// board, and checks that the board posts as the manifest's ballot box.
// It starts one verifier goroutine per core and the database writers,
// which [Box.Close] stops.
func New(ctx context.Context, cfg Config) (*Box, error) {
	if cfg.Board == nil || cfg.DB == nil || cfg.Key == nil {
		return nil, errors.New("ballotbox: a box needs a board, a database and a signing key")
	}
	if cfg.PhaseTTL == 0 {
		cfg.PhaseTTL = time.Second
	}
	if cfg.PostInterval <= 0 {
		cfg.PostInterval = 200 * time.Millisecond
	}
	if cfg.PostLinger == 0 {
		cfg.PostLinger = 100 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Rand != nil {
		cfg.Rand = &lockedReader{r: cfg.Rand} // casts sign concurrently
	}
	m, err := voting.ReadManifest(ctx, cfg.Board, cfg.Election)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: %w", err)
	}
	self, err := voting.ParseAddress(m.BallotBox.Address)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: %w", err)
	}
	if cfg.Board.Address() != self {
		return nil, fmt.Errorf("ballotbox: the board posts as %v, election %s's ballot box is %s", cfg.Board.Address(), m.ID, m.BallotBox.Address)
	}
	named, err := m.ReceiptKey()
	if err != nil {
		return nil, fmt.Errorf("ballotbox: %w", err)
	}
	if named != nil && !bytes.Equal(named.Bytes(), cfg.Key.Public().Bytes()) {
		return nil, fmt.Errorf("ballotbox: election %s's manifest names another receipt key (%x…) than this box's (%x…)",
			m.ID, named.Bytes()[:6], cfg.Key.Public().Bytes()[:6])
	}
	commission, err := voting.ParseAddress(m.Commission.Address)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: %w", err)
	}
	res, err := voting.JointKey(ctx, cfg.Board, m)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: %w", err)
	}
	pk, err := elgamal.NewPublicKeyFromElement(res.JointKey)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: election %s's joint key: %w", m.ID, err)
	}
	creds, err := voting.ReadCredentials(ctx, cfg.Board, m)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: %w", err)
	}
	b := &Box{
		cfg: cfg, db: cfg.DB, board: cfg.Board, m: m, topic: m.Topic(), pk: pk, creds: creds, key: cfg.Key,
		revote: m.Revote, maxLen: bulletin.MaxPayload - voting.BatchSize(0, 1), commission: commission,
		wake: make(chan struct{}, 1), verifyCh: make(chan *verifyReq), storeCh: make(chan *storeReq), closed: make(chan struct{}),
	}
	b.startVerifiers()
	b.startStorers()
	return b, nil
}

// Manifest returns the election's manifest as read from the board.
func (b *Box) Manifest() *voting.Manifest { return b.m }

// PublicKey returns the key that verifies the box's receipts.
func (b *Box) PublicKey() *schnorr.PublicKey { return b.key.Public() }

// Phase returns the election's phase, read from the board at most
// Config.PhaseTTL ago. It replays only the entries added since the last
// read.
func (b *Box) Phase(ctx context.Context) (bulletin.Phase, error) {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	if b.phase != bulletin.PhaseInvalid && b.cfg.PhaseTTL > 0 && time.Since(b.checked) < b.cfg.PhaseTTL {
		return b.phase, nil
	}
	_, count, err := b.board.Head(ctx, b.topic)
	if err != nil {
		return bulletin.PhaseInvalid, fmt.Errorf("ballotbox: reading the phase: %w", err)
	}
	p := b.phase
	if p == bulletin.PhaseInvalid {
		p = bulletin.PhaseSetup
	}
	const page = 1000
	for from := b.read; from < count; from += page {
		es, err := b.board.Entries(ctx, b.topic, from, min(from+page, count))
		if err != nil {
			return bulletin.PhaseInvalid, fmt.Errorf("ballotbox: reading the phase: %w", err)
		}
		for _, e := range es {
			if e.Kind == bulletin.KindPhase && e.Poster == b.commission && len(e.Payload) > 0 {
				p = bulletin.Phase(e.Payload[0])
			}
		}
	}
	b.phase, b.read, b.checked = p, count, time.Now()
	return p, nil
}

func (b *Box) checkOpen(ctx context.Context) error {
	p, err := b.Phase(ctx)
	if err != nil {
		return err
	}
	if p != bulletin.PhaseOpen {
		return fmt.Errorf("%w: election %s is in phase %v", ErrNotOpen, b.m.ID, p)
	}
	return nil
}

// Cast checks the ballot (voting.ParseBallot and voting.VerifyBallot
// against the election's manifest, joint key and credential list), the
// election's state (phase open, no clash, the revote policy), stores it,
// its clash keys and its outbox entry in one transaction, and only after
// that transaction committed returns the signed receipt. Casting the same
// bytes again returns the first receipt, whatever the phase. Errors other
// than the ballot's own (voting.ErrMalformedBallot, voting.ErrInvalidBallot,
// voting.ErrUnknownCredential) and the errors of this package are the
// box's: the ballot may not have been stored.
func (b *Box) Cast(ctx context.Context, ballot []byte) (*voting.Receipt, error) {
	if len(ballot) > b.maxLen {
		return nil, fmt.Errorf("%w: a ballot of %d bytes", ErrTooLarge, len(ballot))
	}
	bal, err := voting.ParseBallot(ballot, b.m)
	if err != nil {
		return nil, err
	}
	return b.CastParsed(ctx, bal)
}

// CastParsed is [Box.Cast] for a ballot its caller has already decoded
// with voting.ParseBallot against [Box.Manifest] (the voter API does, to
// read the credential for its rate limit), so that it is not decoded
// twice. Every other check is Cast's.
func (b *Box) CastParsed(ctx context.Context, bal *voting.Ballot) (*voting.Receipt, error) {
	if bal == nil {
		return nil, fmt.Errorf("%w: no ballot", voting.ErrMalformedBallot)
	}
	ballot := bal.Bytes()
	if len(ballot) > b.maxLen {
		return nil, fmt.Errorf("%w: a ballot of %d bytes", ErrTooLarge, len(ballot))
	}
	tc := bal.TrackingCode()
	if err := b.checkOpen(ctx); err != nil {
		return b.replay(ctx, voting.ReceiptCast, tc, err)
	}
	if err := b.verify(ctx, bal); err != nil {
		return nil, err
	}
	r, err := b.store(ctx, voting.ReceiptCast, tc, bal, ballot, bulletin.KindBallotBatch)
	if err != nil {
		return nil, err
	}
	b.wakePoster()
	return r, nil
}

// wakePoster tells Run that there is something to post.
func (b *Box) wakePoster() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Audit checks an audit record (voting.ParseAudit, voting.CheckAudit, the
// ballot's credential on the list), that the election is open and that no
// ciphertext of the ballot was cast or audited before, stores it and its
// outbox entry (an audited-ballot entry with the record as payload) in one
// transaction and returns the signed receipt. An audited ballot is never
// counted and does not count as its credential's vote: the credential may
// still cast (under either revote policy), but never this ballot, whose
// clash keys the box now holds. Auditing the same record again returns
// the first receipt.
func (b *Box) Audit(ctx context.Context, audit []byte) (*voting.Receipt, error) {
	if len(audit) > b.maxLen {
		return nil, fmt.Errorf("%w: an audit of %d bytes", ErrTooLarge, len(audit))
	}
	a, err := voting.ParseAudit(audit, b.m)
	if err != nil {
		return nil, err
	}
	tc := a.Ballot.TrackingCode()
	if err := b.checkOpen(ctx); err != nil {
		return b.replay(ctx, voting.ReceiptAudited, tc, err)
	}
	if _, ok := b.creds.StyleOf(a.Ballot.Credential().Bytes()); !ok {
		return nil, fmt.Errorf("%w: the audited ballot's credential is not on the list", voting.ErrUnknownCredential)
	}
	if err := voting.CheckAudit(b.m, b.pk, a.Ballot, a); err != nil {
		return nil, err
	}
	r, err := b.store(ctx, voting.ReceiptAudited, tc, a.Ballot, audit, bulletin.KindAuditedBallot)
	if err != nil {
		return nil, err
	}
	b.wakePoster()
	return r, nil
}

// replay returns the stored receipt of (kind, tc) if there is one, else
// the error closed that refused the request. (While the election is open a
// duplicate is found by the storing transaction instead, after the
// ballot's checks: that keeps a lookup, and a wait for SQLite's single
// writer, off the path of every cast.)
func (b *Box) replay(ctx context.Context, kind voting.ReceiptKind, tc voting.TrackingCode, closed error) (*voting.Receipt, error) {
	r, err := b.receipt(ctx, kind, tc)
	switch {
	case err != nil:
		return nil, err
	case r != nil:
		return r, nil
	}
	return nil, closed
}

// receipt returns the stored receipt of (kind, tc), or nil.
func (b *Box) receipt(ctx context.Context, kind voting.ReceiptKind, tc voting.TrackingCode) (*voting.Receipt, error) {
	var enc []byte
	err := b.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		enc = nil
		err := tx.QueryRowContext(ctx, "SELECT receipt FROM ballotbox_ballots WHERE election = $1 AND kind = $2 AND tracking = $3",
			b.m.ID, int64(kind), tc[:]).Scan(&enc)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ballotbox: looking up a receipt: %w", err)
	}
	if enc == nil {
		return nil, nil
	}
	return voting.ParseReceipt(enc)
}

// A storeReq is a checked ballot (or audit) waiting to be made durable.
type storeReq struct {
	kind    voting.ReceiptKind
	tc      voting.TrackingCode
	bal     *voting.Ballot
	payload []byte
	entry   bulletin.Kind
	done    chan storeRes
}

type storeRes struct {
	r   *voting.Receipt
	err error // a refusal (ErrClash, ErrRevoteDenied) or the transaction's error
}

// store makes a checked ballot durable and returns its receipt. The
// ballots waiting at the same moment are written in one transaction
// (group commit: one commit, one fsync on SQLite, for all of them); each
// gets its receipt only after that transaction committed.
func (b *Box) store(ctx context.Context, kind voting.ReceiptKind, tc voting.TrackingCode, bal *voting.Ballot, payload []byte, entry bulletin.Kind) (*voting.Receipt, error) {
	r := &storeReq{kind: kind, tc: tc, bal: bal, payload: payload, entry: entry, done: make(chan storeRes, 1)}
	select {
	case b.storeCh <- r:
	case <-b.closed:
		return nil, errClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("ballotbox: waiting to store: %w", ctx.Err())
	}
	select {
	case res := <-r.done:
		return res.r, res.err
	case <-b.closed:
		return nil, errClosed
	case <-ctx.Done():
		// The ballot may still be stored; sending it again returns its
		// receipt.
		return nil, fmt.Errorf("ballotbox: storing: %w", ctx.Err())
	}
}

// maxStoreGroup bounds the ballots of one transaction.
const maxStoreGroup = 256

// storeTimeout bounds one group's transaction, retries included.
const storeTimeout = 30 * time.Second

// startStorers starts the writer: one goroutine, which writes each group
// of waiting ballots in one transaction. One writer is what SQLite allows;
// on PostgreSQL, measured on 2 cores, two or four concurrent writers were
// slower than one (their SERIALIZABLE transactions conflict on the same
// index pages and retry).
func (b *Box) startStorers() { b.workers.Go(b.storeLoop) }

func (b *Box) storeLoop() {
	for {
		var group []*storeReq
		select {
		case <-b.closed:
			return
		case r := <-b.storeCh:
			group = append(group, r)
		}
	more:
		for len(group) < maxStoreGroup {
			select {
			case r := <-b.storeCh:
				group = append(group, r)
			default:
				break more
			}
		}
		res := make([]storeRes, len(group))
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := b.writeTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return b.storeGroup(ctx, tx, group, res)
		})
		cancel()
		for i, r := range group {
			if err != nil {
				res[i] = storeRes{err: fmt.Errorf("ballotbox: storing a ballot: %w", err)}
			}
			r.done <- res[i]
		}
	}
}

// writeTx runs a transaction of the writer or the poster (db.Tx), never
// two at once.
func (b *Box) writeTx(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	return b.db.Tx(ctx, fn)
}

// storedKey names a stored ballot: its kind and tracking code.
type storedKey struct {
	kind voting.ReceiptKind
	tc   voting.TrackingCode
}

// storeGroup writes a group of ballots inside one transaction, with a
// fixed number of statements whatever the group's size, and sets res[i]
// to ballot i's receipt or refusal. In the group's order, as if each were
// stored alone: a ballot already stored (the same kind and tracking code,
// sent again) gets its stored receipt; one whose clash keys repeat a
// stored ballot's, or an earlier ballot's of the group, is refused with
// ErrClash; under revote policy denied, a second cast of a credential is
// refused with ErrRevoteDenied. The others get their outbox entries (in
// the group's order), their ballot rows with signed receipts, and their
// clash keys. fn of a [store.DB.Tx]: it may run again, and sets every
// res[i] each time.
func (b *Box) storeGroup(ctx context.Context, tx store.Tx, group []*storeReq, res []storeRes) error {
	for i := range res {
		res[i] = storeRes{}
	}
	denied := b.revote == voting.RevoteDenied

	// What is stored already: receipts by tracking code, clash keys, and
	// (policy denied) the credentials that cast. (Each query is answered
	// by a unique index: "kind IN (1, 2)" lets the receipts' use
	// (election, kind, tracking).)
	stored := map[storedKey][]byte{}
	tcs := make([]any, 0, len(group))
	var keys, creds []any
	for _, r := range group {
		tcs = append(tcs, r.tc[:])
		for _, k := range r.bal.ClashKeys() {
			keys = append(keys, k[:])
		}
		if denied && r.kind == voting.ReceiptCast {
			creds = append(creds, r.bal.Credential().Bytes())
		}
	}
	err := b.queryIn(ctx, tx, "SELECT kind, tracking, receipt FROM ballotbox_ballots WHERE election = $1 AND kind IN (1, 2) AND tracking IN", tcs, func(rows *sql.Rows) error {
		var (
			kind    int64
			tc, enc []byte
		)
		if err := rows.Scan(&kind, &tc, &enc); err != nil {
			return err
		}
		if len(tc) == len(voting.TrackingCode{}) {
			stored[storedKey{voting.ReceiptKind(kind), voting.TrackingCode(tc)}] = enc
		}
		return nil
	})
	if err != nil {
		return err
	}
	held := map[[32]byte]bool{}
	err = b.queryIn(ctx, tx, "SELECT clash_key FROM ballotbox_clash_keys WHERE election = $1 AND clash_key IN", keys, func(rows *sql.Rows) error {
		var k []byte
		if err := rows.Scan(&k); err != nil {
			return err
		}
		if len(k) == 32 {
			held[[32]byte(k)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	voted := map[[32]byte]bool{}
	err = b.queryIn(ctx, tx, "SELECT sole_credential FROM ballotbox_ballots WHERE election = $1 AND sole_credential IN", creds, func(rows *sql.Rows) error {
		var c []byte
		if err := rows.Scan(&c); err != nil {
			return err
		}
		if len(c) == 32 {
			voted[[32]byte(c)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}

	// The decisions, in the group's order.
	var accepted []int
	first := map[storedKey]int{} // the accepted ballots of the group
	same := map[int]int{}        // a ballot sent twice in the group -> its first
	for i, r := range group {
		k := storedKey{r.kind, r.tc}
		if enc, ok := stored[k]; ok {
			rec, err := voting.ParseReceipt(enc) // sent before, or by a concurrent request first
			if err != nil {
				return err
			}
			res[i].r = rec
			continue
		}
		if j, ok := first[k]; ok {
			same[i] = j
			continue
		}
		ck := r.bal.ClashKeys()
		clash := false
		for _, c := range ck {
			clash = clash || held[c]
		}
		if clash {
			res[i].err = ErrClash
			continue
		}
		var cred [32]byte
		sole := denied && r.kind == voting.ReceiptCast
		if sole {
			cred = [32]byte(r.bal.Credential().Bytes())
			if voted[cred] {
				res[i].err = ErrRevoteDenied
				continue
			}
			voted[cred] = true
		}
		for _, c := range ck {
			held[c] = true
		}
		first[k] = i
		accepted = append(accepted, i)
	}
	if len(accepted) > 0 {
		if err := b.insertAccepted(ctx, tx, group, accepted, res); err != nil {
			return err
		}
	}
	for i, j := range same {
		res[i] = res[j]
	}
	return nil
}

// insertAccepted writes the accepted ballots of a group: their outbox
// entries, then their rows with receipts signed for the sequence numbers
// reserved for them, then their clash keys.
func (b *Box) insertAccepted(ctx context.Context, tx store.Tx, group []*storeReq, accepted []int, res []storeRes) error {
	msgs := make([]bulletin.Message, len(accepted))
	for k, i := range accepted {
		msgs[k] = bulletin.Message{Kind: group[i].entry, Payload: group[i].payload}
	}
	ids, err := b.db.EnqueueBatch(ctx, tx, b.topic, msgs...)
	if err != nil {
		return err
	}
	seqs, err := b.db.ReserveIDs(ctx, tx, "ballotbox_ballots", "seq", len(accepted))
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	recs := make([]*voting.Receipt, len(accepted))
	for k, i := range accepted {
		recs[k] = &voting.Receipt{Election: b.m.ID, Kind: group[i].kind, TrackingCode: group[i].tc, Received: now, Seq: uint64(seqs[k])}
	}
	if err := b.sign(recs); err != nil {
		return err
	}
	rows := make([][]any, len(accepted))
	var keyRows [][]any
	for k, i := range accepted {
		r := group[i]
		cred := r.bal.Credential().Bytes()
		var sole any
		if r.kind == voting.ReceiptCast && b.revote == voting.RevoteDenied {
			sole = cred
		}
		rows[k] = []any{seqs[k], b.m.ID, int64(r.kind), r.tc[:], cred, sole, now.UnixMicro(), recs[k].Bytes(), ids[k]}
		for _, c := range r.bal.ClashKeys() {
			keyRows = append(keyRows, []any{b.m.ID, c[:], seqs[k]})
		}
		res[i].r = recs[k]
	}
	err = b.db.InsertRows(ctx, tx, "ballotbox_ballots",
		[]string{"seq", "election", "kind", "tracking", "credential", "sole_credential", "received", "receipt", "outbox_id"}, rows)
	if err != nil {
		return err
	}
	return b.db.InsertRows(ctx, tx, "ballotbox_clash_keys", []string{"election", "clash_key", "ballot"}, keyRows)
}

// sign signs the receipts: in order with Config.Rand (reproducible in
// tests), else on every core.
func (b *Box) sign(recs []*voting.Receipt) error {
	workers := runtime.GOMAXPROCS(0)
	if b.cfg.Rand != nil || len(recs) < 8 || workers == 1 {
		for _, r := range recs {
			if err := r.Sign(b.cfg.Rand, b.key); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := w; k < len(recs); k += workers {
				if err := recs[k].Sign(nil, b.key); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// queryIn runs query, which ends with "... IN", with ( $2, ... ) appended
// for vals ($1 is the election), in chunks, calling row for every row.
func (b *Box) queryIn(ctx context.Context, tx store.Tx, query string, vals []any, row func(*sql.Rows) error) error {
	const chunk = 1000
	for len(vals) > 0 {
		part := vals[:min(chunk, len(vals))]
		vals = vals[len(part):]
		rows, err := tx.QueryContext(ctx, query+" ("+b.db.Placeholders(2, len(part))+")", b.db.Uncached(append([]any{b.m.ID}, part...)...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := row(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// lockedReader serialises reads from a reader that is not safe for
// concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
