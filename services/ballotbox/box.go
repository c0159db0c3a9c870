package ballotbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
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

	postMu sync.Mutex    // one poster round at a time
	wake   chan struct{} // a cast wakes Run

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
const maxStoreGroup = 64

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
		err := b.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			for i, r := range group {
				rec, refusal, err := b.storeOne(ctx, tx, r)
				if err != nil {
					return err
				}
				res[i] = storeRes{r: rec, err: refusal}
			}
			return nil
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

// storeOne writes one ballot inside a group's transaction: the duplicate,
// clash and revote checks (a refusal is returned as refusal, leaving the
// transaction usable), the outbox entry, the ballot row with its signed
// receipt, and its clash keys. Ballots earlier in the group are visible.
func (b *Box) storeOne(ctx context.Context, tx store.Tx, r *storeReq) (rec *voting.Receipt, refusal, err error) {
	cred := r.bal.Credential().Bytes()
	keys := r.bal.ClashKeys()
	var sole any
	if r.kind == voting.ReceiptCast && b.revote == voting.RevoteDenied {
		sole = cred
	}
	// One query checks every clash key ($2 ... $k+1) and one inserts them
	// ($1 the election, $k+2 the ballot's seq).
	keyArgs := []any{b.m.ID}
	var inList, values strings.Builder
	for i, k := range keys {
		if i > 0 {
			inList.WriteString(", ")
			values.WriteString(", ")
		}
		fmt.Fprintf(&inList, "$%d", i+2)
		fmt.Fprintf(&values, "($1, $%d, $%d)", len(keys)+2, i+2)
		keyArgs = append(keyArgs, k[:])
	}
	var enc []byte
	err = tx.QueryRowContext(ctx, "SELECT receipt FROM ballotbox_ballots WHERE election = $1 AND kind = $2 AND tracking = $3",
		b.m.ID, int64(r.kind), r.tc[:]).Scan(&enc)
	switch {
	case err == nil:
		rec, err := voting.ParseReceipt(enc) // a concurrent request stored it first
		return rec, nil, err
	case !errors.Is(err, sql.ErrNoRows):
		return nil, nil, err
	}
	var n int64
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM ballotbox_clash_keys WHERE election = $1 AND clash_key IN ("+inList.String()+")", keyArgs...).Scan(&n)
	if err != nil {
		return nil, nil, err
	}
	if n > 0 {
		return nil, ErrClash, nil
	}
	if sole != nil {
		var seq int64
		err := tx.QueryRowContext(ctx, "SELECT seq FROM ballotbox_ballots WHERE election = $1 AND sole_credential = $2", b.m.ID, cred).Scan(&seq)
		if err == nil {
			return nil, ErrRevoteDenied, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, err
		}
	}
	ids, err := store.Enqueue(ctx, tx, b.topic, bulletin.Message{Kind: r.entry, Payload: r.payload})
	if err != nil {
		return nil, nil, err
	}
	rec = &voting.Receipt{Election: b.m.ID, Kind: r.kind, TrackingCode: r.tc, Received: time.Now().UTC().Truncate(time.Microsecond)}
	var seq int64
	err = tx.QueryRowContext(ctx, `INSERT INTO ballotbox_ballots
		(election, kind, tracking, credential, sole_credential, received, receipt, outbox_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		b.m.ID, int64(r.kind), r.tc[:], cred, sole, rec.Received.UnixMicro(), []byte{}, ids[0]).Scan(&seq)
	if err != nil {
		return nil, nil, err
	}
	rec.Seq = uint64(seq)
	if err := rec.Sign(b.cfg.Rand, b.key); err != nil {
		return nil, nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE ballotbox_ballots SET receipt = $1 WHERE seq = $2", rec.Bytes(), seq); err != nil {
		return nil, nil, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ballotbox_clash_keys (election, ballot, clash_key) VALUES "+values.String(), append(keyArgs, seq)...); err != nil {
		return nil, nil, err
	}
	return rec, nil, nil
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
