package documents

import (
	"bytes"
	"cmp"
	"context"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// A Board is what the service needs of the bulletin board: it posts to
// and reads the documents topic. If it is also a [bulletin.Admin], [New]
// creates the topic when it does not exist.
type Board interface {
	bulletin.Appender
	bulletin.Reader
}

// Config configures a [Service].
type Config struct {
	DB       *store.DB
	Identity *identity.Service
	Board    Board
	// Topic is the board topic; the zero value is [Topic]().
	Topic bulletin.TopicID
	// SealingKey seals the issuers' signing keys in the database
	// (required; see [OpenKeyFile]). Every server on one database needs
	// the same key.
	SealingKey *SealingKey
	Rand       io.Reader        // nil: crypto/rand
	Now        func() time.Time // nil: time.Now
	Logger     *slog.Logger     // nil: discard
	// PostLease is how long a server's claim to post the service's
	// entries ([Service.Post]) lasts without being renewed before another
	// server may take it over (its holder having died): 0 means
	// [DefaultPostLease]. Posting one batch must take less than three
	// quarters of it (the post is abandoned then).
	PostLease time.Duration
}

// DefaultPostLease is the default of Config.PostLease.
const DefaultPostLease = time.Minute

// A Service is the documents service over a store, the identity layer and
// the board. It is safe for concurrent use.
type Service struct {
	cfg    Config
	postMu sync.Mutex
}

// New returns the service. It checks that cfg.SealingKey is the key the
// database's signing keys are sealed with (an error wrapping [ErrKeyFile]
// if not), and seals any signing key still stored plain, from before
// migration 0008. If cfg.Board is a [bulletin.Admin] and the topic does not
// exist, it creates it in the service phase.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.Identity == nil || cfg.Board == nil {
		return nil, errors.New("documents: Config needs DB, Identity and Board")
	}
	if cfg.SealingKey == nil {
		return nil, errors.New("documents: Config needs SealingKey, the key that seals the issuers' signing keys in the database (see OpenKeyFile)")
	}
	if cfg.Topic == (bulletin.TopicID{}) {
		cfg.Topic = Topic()
	}
	if cfg.Rand == nil {
		cfg.Rand = cryptorand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PostLease <= 0 {
		cfg.PostLease = DefaultPostLease
	}
	s := &Service{cfg: cfg}
	if n, err := s.sealAtRest(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		cfg.Logger.Info("documents: sealed the issuers' signing keys stored in plain", "keys", n)
	}
	if adm, ok := cfg.Board.(bulletin.Admin); ok {
		if _, _, err := cfg.Board.Head(ctx, cfg.Topic); errors.Is(err, bulletin.ErrUnknownTopic) {
			if err := adm.CreateTopic(ctx, cfg.Topic, bulletin.PhaseService); err != nil && !errors.Is(err, bulletin.ErrTopicExists) {
				return nil, fmt.Errorf("documents: creating the topic: %w", err)
			}
			if me, ok := cfg.Board.(interface{ Address() bulletin.Address }); ok {
				kinds := bulletin.NewKindSet(bulletin.KindDocAnchor, bulletin.KindDocRevoke, bulletin.KindDocDistribution)
				if err := adm.SetPoster(ctx, cfg.Topic, me.Address(), kinds); err != nil {
					return nil, fmt.Errorf("documents: allowing this account to post: %w", err)
				}
			}
		}
	}
	return s, nil
}

// TopicID returns the board topic the service posts to.
func (s *Service) TopicID() bulletin.TopicID { return s.cfg.Topic }

// An ID is a private handle of a building, a document version or a
// share: random bytes, shown in hex.
type ID [16]byte

// String returns the id in hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// ParseID decodes 32 lower-case hex digits.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) || hex.EncodeToString(b) != s {
		return id, fmt.Errorf("%w: an id is 32 lower-case hex digits", ErrNotFound)
	}
	copy(id[:], b)
	return id, nil
}

func (s *Service) newID() (ID, error) {
	var id ID
	if _, err := io.ReadFull(s.cfg.Rand, id[:]); err != nil {
		return id, fmt.Errorf("documents: reading randomness: %w", err)
	}
	return id, nil
}

func (s *Service) now() int64 { return s.cfg.Now().UnixMicro() }

// roles returns actor's roles.
func (s *Service) roles(ctx context.Context, actor identity.ResidentID) (identity.Roles, error) {
	r, err := s.cfg.Identity.Roles(ctx, actor)
	if errors.Is(err, identity.ErrNotFound) {
		return 0, fmt.Errorf("%w: unknown resident", ErrForbidden)
	}
	return r, err
}

// require checks that actor holds one of the roles.
func (s *Service) require(ctx context.Context, actor identity.ResidentID, any ...identity.Role) error {
	r, err := s.roles(ctx, actor)
	if err != nil {
		return err
	}
	for _, want := range any {
		if r.Has(want) {
			return nil
		}
	}
	return fmt.Errorf("%w: needs the role %v", ErrForbidden, any[0])
}

// Relation is how a resident is tied to a unit of a building.
type Relation int

// Relations. The numbers are stored; do not renumber.
const (
	RelationOwner    Relation = 1 // "owner"
	RelationResident Relation = 2 // "resident"
)

// String returns "owner" or "resident".
func (r Relation) String() string {
	switch r {
	case RelationOwner:
		return "owner"
	case RelationResident:
		return "resident"
	}
	return fmt.Sprintf("relation(%d)", int(r))
}

// ParseRelation returns the relation named s.
func ParseRelation(s string) (Relation, error) {
	switch s {
	case "owner":
		return RelationOwner, nil
	case "resident":
		return RelationResident, nil
	}
	return 0, fmt.Errorf("%w: relation is owner or resident", ErrMalformed)
}

// A Building is a building of the property register.
type Building struct {
	ID          ID
	Address     string
	Occupancies []Occupancy // filled by [Service.Building]
}

// An Occupancy ties a resident to a unit of a building.
type Occupancy struct {
	Building ID
	Address  string
	Unit     string
	Resident identity.ResidentID
	Relation Relation
	Since    time.Time
}

// RegisterBuilding records a building at address, on the authority of an
// issuer or administrator.
func (s *Service) RegisterBuilding(ctx context.Context, actor identity.ResidentID, address string) (ID, error) {
	address = strings.TrimSpace(address)
	if err := checkText("address", address, MaxTitle, false); err != nil {
		return ID{}, err
	}
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer, identity.RoleAdministrator); err != nil {
		return ID{}, err
	}
	id, err := s.newID()
	if err != nil {
		return ID{}, err
	}
	err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM documents_buildings WHERE address = $1", address).Scan(&n); err != nil {
			return fmt.Errorf("documents: registering a building: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: a building with this address is registered", ErrConflict)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO documents_buildings (id, address, created, created_by) VALUES ($1, $2, $3, $4)",
			id[:], address, s.now(), actor[:])
		if err != nil {
			return fmt.Errorf("documents: registering a building: %w", err)
		}
		return nil
	})
	return id, err
}

// AddOccupancy records that resident owns (or lives in) unit of building,
// on the authority of an issuer or administrator. Nobody records their own
// occupancy: a resident never becomes an owner on their own word.
func (s *Service) AddOccupancy(ctx context.Context, actor identity.ResidentID, building ID, unit string, resident identity.ResidentID, rel Relation) error {
	if rel != RelationOwner && rel != RelationResident {
		return fmt.Errorf("%w: relation is owner or resident", ErrMalformed)
	}
	if err := checkText("unit", unit, 100, true); err != nil {
		return err
	}
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer, identity.RoleAdministrator); err != nil {
		return err
	}
	if actor == resident {
		return fmt.Errorf("%w: nobody records their own ownership or residence", ErrForbidden)
	}
	if _, err := s.cfg.Identity.Roles(ctx, resident); err != nil {
		return fmt.Errorf("%w: no such resident", ErrNotFound)
	}
	return s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := buildingExists(ctx, tx, building); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM documents_occupancies
			WHERE building = $1 AND unit = $2 AND resident = $3 AND relation = $4`, building[:], unit, resident[:], int(rel)).Scan(&n); err != nil {
			return fmt.Errorf("documents: recording an occupancy: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: this occupancy is recorded", ErrConflict)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO documents_occupancies (building, unit, resident, relation, since, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, building[:], unit, resident[:], int(rel), s.now(), actor[:])
		if err != nil {
			return fmt.Errorf("documents: recording an occupancy: %w", err)
		}
		return nil
	})
}

func buildingExists(ctx context.Context, tx store.Tx, building ID) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM documents_buildings WHERE id = $1", building[:]).Scan(&n); err != nil {
		return fmt.Errorf("documents: reading a building: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: no such building", ErrNotFound)
	}
	return nil
}

// Buildings lists the register's buildings, for an issuer or administrator.
func (s *Service) Buildings(ctx context.Context, actor identity.ResidentID) ([]Building, error) {
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer, identity.RoleAdministrator); err != nil {
		return nil, err
	}
	var out []Building
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, "SELECT id, address FROM documents_buildings ORDER BY address")
		if err != nil {
			return fmt.Errorf("documents: listing buildings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var b Building
			var id []byte
			if err := rows.Scan(&id, &b.Address); err != nil {
				return fmt.Errorf("documents: listing buildings: %w", err)
			}
			copy(b.ID[:], id)
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// Building returns a building with its occupancies, for an issuer or
// administrator.
func (s *Service) Building(ctx context.Context, actor identity.ResidentID, id ID) (*Building, error) {
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer, identity.RoleAdministrator); err != nil {
		return nil, err
	}
	var b *Building
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		b = &Building{ID: id}
		err := tx.QueryRowContext(ctx, "SELECT address FROM documents_buildings WHERE id = $1", id[:]).Scan(&b.Address)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no such building", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("documents: reading a building: %w", err)
		}
		b.Occupancies, err = occupancies(ctx, tx, "o.building = $1", id[:])
		return err
	})
	return b, err
}

// Properties returns resident's own occupancies.
func (s *Service) Properties(ctx context.Context, resident identity.ResidentID) ([]Occupancy, error) {
	var out []Occupancy
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		out, err = occupancies(ctx, tx, "o.resident = $1", resident[:])
		return err
	})
	return out, err
}

func occupancies(ctx context.Context, tx store.Tx, where string, arg any) ([]Occupancy, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.building, b.address, o.unit, o.resident, o.relation, o.since
		FROM documents_occupancies o JOIN documents_buildings b ON b.id = o.building WHERE `+where+
		` ORDER BY b.address, o.unit, o.relation, o.resident`, arg)
	if err != nil {
		return nil, fmt.Errorf("documents: reading occupancies: %w", err)
	}
	defer rows.Close()
	var out []Occupancy
	for rows.Next() {
		var o Occupancy
		var b, r []byte
		var rel int
		var since int64
		if err := rows.Scan(&b, &o.Address, &o.Unit, &r, &rel, &since); err != nil {
			return nil, fmt.Errorf("documents: reading occupancies: %w", err)
		}
		copy(o.Building[:], b)
		copy(o.Resident[:], r)
		o.Relation, o.Since = Relation(rel), time.UnixMicro(since).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// An Issuer is a registered issuer.
type Issuer struct {
	Resident identity.ResidentID
	Name     string
	Key      *schnorr.PublicKey
}

// RegisterIssuer makes actor, who must hold the document-issuer role, an
// issuer under a public name (such as "City property registry"): it draws
// the issuer's signing key, stores it sealed with the service's
// [SealingKey], and posts its registration (docs/spec/documents.md,
// section 4.1). A resident registers once.
func (s *Service) RegisterIssuer(ctx context.Context, actor identity.ResidentID, name string) (*Issuer, error) {
	if err := checkText("issuer name", name, MaxIssuerName, false); err != nil {
		return nil, err
	}
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer); err != nil {
		return nil, err
	}
	sk, err := schnorr.GenerateKey(s.cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("documents: generating a key: %w", err)
	}
	e, err := NewIssuerEntry(s.cfg.Rand, sk, name)
	if err != nil {
		return nil, err
	}
	secret := sk.Bytes()
	sealed, err := s.cfg.SealingKey.seal(s.cfg.Rand, secret, issuerAD(actor[:], sk.Public().Bytes()))
	clear(secret)
	if err != nil {
		return nil, err
	}
	err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM documents_issuers WHERE resident = $1 OR name = $2", actor[:], name).Scan(&n); err != nil {
			return fmt.Errorf("documents: registering an issuer: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: already an issuer, or the name is taken", ErrConflict)
		}
		entry, err := s.enqueue(ctx, tx, bulletin.KindDocAnchor, e.Bytes())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO documents_issuers (resident, name, public_key, secret_key, entry, created)
			VALUES ($1, $2, $3, $4, $5, $6)`, actor[:], name, sk.Public().Bytes(), sealed, entry, s.now())
		if err != nil {
			return fmt.Errorf("documents: registering an issuer: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.postNow(ctx)
	return &Issuer{Resident: actor, Name: name, Key: sk.Public()}, nil
}

// Issuer returns actor's issuer registration, or ErrNoIssuer. It does not
// open the signing key.
func (s *Service) Issuer(ctx context.Context, actor identity.ResidentID) (*Issuer, error) {
	var out *Issuer
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		row, err := readIssuer(ctx, tx, actor)
		if err != nil {
			return err
		}
		clear(row.secret)
		pk, err := schnorr.NewPublicKey(row.pub)
		if err != nil {
			return fmt.Errorf("documents: issuer %q's stored public key: %w", row.name, err)
		}
		out = &Issuer{Resident: actor, Name: row.name, Key: pk}
		return nil
	})
	return out, err
}

// enqueue records a board entry to post, in tx, and returns its id.
func (s *Service) enqueue(ctx context.Context, tx store.Tx, kind bulletin.Kind, payload []byte) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "INSERT INTO documents_entries (kind, payload, created) VALUES ($1, $2, $3) RETURNING id",
		int(kind), payload, s.now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("documents: planning a board entry: %w", err)
	}
	return id, nil
}

// postNow posts what is pending, logging a failure: the entries stay
// pending and [Service.Run] or the next operation posts them.
func (s *Service) postNow(ctx context.Context) {
	if _, err := s.Post(ctx); err != nil {
		s.cfg.Logger.Warn("documents: posting to the board failed; will retry", "err", err)
	}
}

// postLease is the name of the posting lease (store.Lease), which every
// documents service on the database shares.
const postLease = "documents-post"

// maxPostBatch bounds the entries of one AppendBatch (a board may spread
// them over several transactions).
const maxPostBatch = 256

// Post posts the pending board entries, in the order they were planned,
// and returns how many it recorded as posted.
//
// Servers sharing the database post one at a time, under the lease
// "documents-post": Post takes it, waiting while another server holds it
// (until it is released or expires) -- unless that server has posted, in
// the meantime, every entry that was pending when this call began, in which
// case Post returns 0 at once. So a state change returns once its entry is
// on the board, whichever server posted it. Under the lease Post posts the
// pending entries in batches of up to 256, one AppendBatch each, renewing
// the lease before each, until every entry pending when it began is on the
// board (entries planned since ride along in its batches).
//
// Before a batch's first attempt Post records the topic's entry count with
// its entries. A batch whose post failed, or whose server died, is posted
// again before anything new, by whichever call holds the lease next: from
// that count on, the entries it finds on the board (the longest prefix of
// the batch, in order, posted by this account: ethboard.AppendOnce, which
// first waits for the account's transactions in flight, or the same search)
// are recorded, not posted again, and only the rest is posted.
func (s *Service) Post(ctx context.Context) (int, error) {
	s.postMu.Lock()
	defer s.postMu.Unlock()
	var target int64 // the last entry pending now
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM documents_entries WHERE posted_seq IS NULL").Scan(&target)
	})
	if err != nil {
		return 0, fmt.Errorf("documents: reading pending entries: %w", err)
	}
	if target == 0 {
		return 0, nil
	}
	lease, err := s.takePostLease(ctx, target)
	if err != nil || lease == nil {
		return 0, err
	}
	defer func() {
		if err := lease.Release(ctx); err != nil && !errors.Is(err, store.ErrLeaseLost) {
			s.cfg.Logger.Warn("documents: the posting lease was not released; it expires", "lease", lease.TTL(), "err", err)
		}
	}()
	n := 0
	for {
		b, err := s.nextBatch(ctx, target)
		if err != nil || len(b) == 0 {
			return n, err
		}
		k, err := s.postBatch(ctx, lease, b)
		n += k
		if err != nil {
			return n, err
		}
	}
}

// takePostLease takes the posting lease, waiting while another server
// holds it, and returns nil (and no error) if every entry up to target
// was posted meanwhile.
func (s *Service) takePostLease(ctx context.Context, target int64) (*store.Lease, error) {
	wait := 5 * time.Millisecond
	for {
		l, err := s.cfg.DB.TryLease(ctx, postLease, s.cfg.PostLease)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, store.ErrLeaseHeld) {
			return nil, fmt.Errorf("documents: %w", err)
		}
		var left int64
		err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM documents_entries WHERE posted_seq IS NULL AND id <= $1", target).Scan(&left)
		})
		if err != nil {
			return nil, fmt.Errorf("documents: reading pending entries: %w", err)
		}
		if left == 0 {
			return nil, nil // another server posted them
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("documents: waiting for another server to post the entries: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// A pendingEntry is a board entry planned and not yet recorded as posted.
type pendingEntry struct {
	id   int64
	msg  bulletin.Message
	from sql.NullInt64 // the topic's entry count before its first attempt
}

// nextBatch returns the next batch to post, or none once no entry up to
// target is pending: the entries of a batch attempted before if there are
// any (one batch: a new one is made only when none is left), else the
// first pending entries, in id order, up to maxPostBatch.
func (s *Service) nextBatch(ctx context.Context, target int64) ([]pendingEntry, error) {
	var b []pendingEntry
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		b = nil
		var left int64
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM documents_entries WHERE posted_seq IS NULL AND id <= $1", target).Scan(&left); err != nil || left == 0 {
			return err
		}
		for _, where := range []string{"posted_seq IS NULL AND board_from IS NOT NULL", "posted_seq IS NULL"} {
			rows, err := tx.QueryContext(ctx, "SELECT id, kind, payload, board_from FROM documents_entries WHERE "+where+" ORDER BY id LIMIT $1", maxPostBatch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var e pendingEntry
				var k int
				if err := rows.Scan(&e.id, &k, &e.msg.Payload, &e.from); err != nil {
					rows.Close()
					return err
				}
				e.msg.Kind = bulletin.Kind(k)
				b = append(b, e)
			}
			rows.Close()
			if err := rows.Err(); err != nil || len(b) > 0 {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("documents: reading pending entries: %w", err)
	}
	return b, nil
}

// errPostLeaseLost: the posting lease expired during a post and another
// server took it over.
var errPostLeaseLost = errors.New("documents: another server took over posting (the board was slower than the posting lease)")

// postBatch posts b under lease and records where its entries landed
// (those that did, if the post failed part way); it returns how many it
// recorded.
func (s *Service) postBatch(ctx context.Context, lease *store.Lease, b []pendingEntry) (int, error) {
	retry := b[0].from.Valid
	msgs := make([]bulletin.Message, len(b))
	var from uint64
	for i, e := range b {
		msgs[i] = e.msg
		if e.from.Valid && (i == 0 || uint64(e.from.Int64) < from) {
			from = uint64(e.from.Int64)
		}
	}
	if !retry {
		_, count, err := s.cfg.Board.Head(ctx, s.cfg.Topic)
		if err != nil {
			return 0, fmt.Errorf("documents: reading the board: %w", err)
		}
		from = count
	}
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := lease.Renew(ctx, tx); err != nil {
			return err
		}
		if retry {
			return nil
		}
		args := []any{int64(from)}
		for _, e := range b {
			args = append(args, e.id)
		}
		res, err := tx.ExecContext(ctx, "UPDATE documents_entries SET board_from = $1 WHERE board_from IS NULL AND id IN ("+
			s.cfg.DB.Placeholders(2, len(b))+")", s.cfg.DB.Uncached(args...)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(b)) {
			// Only a server that posted without the lease could have:
			// the next call retries the batch as attempted.
			return cmp.Or(err, fmt.Errorf("%d of the batch's %d entries were attempted by another server", int64(len(b))-n, len(b)))
		}
		return nil
	})
	if errors.Is(err, store.ErrLeaseLost) {
		return 0, fmt.Errorf("%w: %w", errPostLeaseLost, err)
	}
	if err != nil {
		return 0, fmt.Errorf("documents: recording an attempt: %w", err)
	}
	// The post must end well before the lease does: after that another
	// server may take over and post the batch itself.
	pctx, cancel := context.WithTimeout(ctx, lease.TTL()*3/4)
	seqs, perr := s.appendOnce(pctx, from, retry, msgs)
	cancel()
	seqs = seqs[:min(len(seqs), len(b))]
	n, err := s.recordPosted(ctx, b[:len(seqs)], seqs)
	if perr != nil {
		return n, fmt.Errorf("documents: posting %d entries (%d landed): %w", len(b), len(seqs), perr)
	}
	if err != nil {
		return n, err
	}
	s.cfg.Logger.Debug("documents: entries posted", "entries", len(seqs), "recorded", n, "retry", retry)
	return n, nil
}

// recordPosted records that the entries b landed as seqs, in one
// statement, and returns how many it recorded (an entry recorded already,
// by a server that took the lease over, is left as it is).
func (s *Service) recordPosted(ctx context.Context, b []pendingEntry, seqs []uint64) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var n int64
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var q strings.Builder
		q.WriteString(`UPDATE documents_entries SET posted_seq = v.seq
			FROM (SELECT column1 AS id, column2 AS seq FROM (VALUES `)
		args := make([]any, 0, 2*len(b))
		for i, e := range b {
			if i > 0 {
				q.WriteString(", ")
			}
			ph := strings.Split(s.cfg.DB.Placeholders(len(args)+1, 2), ", ")
			q.WriteString("(CAST(" + ph[0] + " AS BIGINT), CAST(" + ph[1] + " AS BIGINT))")
			args = append(args, e.id, int64(seqs[i]))
		}
		q.WriteString(") AS x) AS v WHERE documents_entries.id = v.id AND documents_entries.posted_seq IS NULL")
		res, err := tx.ExecContext(ctx, q.String(), s.cfg.DB.Uncached(args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("documents: recording posted entries: %w", err)
	}
	return int(n), nil
}

// appendOncer is ethboard's idempotent append (bulletin/eth/ethboard),
// which also waits for the account's transactions in flight.
type appendOncer interface {
	AppendOnce(ctx context.Context, topic bulletin.TopicID, from uint64, msgs []bulletin.Message) ([]uint64, error)
}

// appendOnce posts msgs, a batch that is new or, with retry, one attempted
// before from entry from of the topic on: then the longest prefix of msgs
// found there is taken as posted and only the rest is posted. It returns
// the sequence numbers of the entries that are on the board, which may be
// some of them along with an error.
func (s *Service) appendOnce(ctx context.Context, from uint64, retry bool, msgs []bulletin.Message) ([]uint64, error) {
	if !retry {
		return s.cfg.Board.AppendBatch(ctx, s.cfg.Topic, msgs)
	}
	if ao, ok := s.cfg.Board.(appendOncer); ok {
		return ao.AppendOnce(ctx, s.cfg.Topic, from, msgs)
	}
	seqs, err := s.findPosted(ctx, from, msgs)
	if err != nil || len(seqs) == len(msgs) {
		return seqs, err
	}
	rest, err := s.cfg.Board.AppendBatch(ctx, s.cfg.Topic, msgs[len(seqs):])
	return append(seqs, rest...), err
}

// findPosted returns the sequence numbers of the longest prefix of msgs
// found, in order, among the topic's entries from entry from on (posted by
// this account, if the board says which it is).
func (s *Service) findPosted(ctx context.Context, from uint64, msgs []bulletin.Message) ([]uint64, error) {
	me, mine := s.cfg.Board.(interface{ Address() bulletin.Address })
	_, count, err := s.cfg.Board.Head(ctx, s.cfg.Topic)
	if err != nil {
		return nil, fmt.Errorf("documents: reading the board: %w", err)
	}
	var seqs []uint64
	for from < count && len(seqs) < len(msgs) {
		es, err := s.cfg.Board.Entries(ctx, s.cfg.Topic, from, min(count, from+1000))
		if err != nil {
			return seqs, fmt.Errorf("documents: reading the board: %w", err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			m := msgs[len(seqs)]
			if (!mine || e.Poster == me.Address()) && e.Kind == m.Kind && bytes.Equal(e.Payload, m.Payload) {
				if seqs = append(seqs, e.Seq); len(seqs) == len(msgs) {
					break
				}
			}
		}
		from = es[len(es)-1].Seq + 1
	}
	return seqs, nil
}

// Run posts pending entries every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.postNow(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// shareCodeEncoding writes share codes: 20 random bytes, 32 characters.
var shareCodeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func shareHash(code string) [32]byte {
	return sha256.Sum256([]byte("veche/documents/v1/share\x00" + strings.ToUpper(strings.TrimSpace(code))))
}
