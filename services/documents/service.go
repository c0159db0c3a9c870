package documents

import (
	"bytes"
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
}

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

// Post posts every pending board entry, in the order they were planned,
// and returns how many it posted. Before an entry's first attempt it
// records the topic's entry count; a later attempt (after a crash or a
// failure) first looks for the same entry from there, so an entry is never
// posted twice.
func (s *Service) Post(ctx context.Context) (int, error) {
	s.postMu.Lock()
	defer s.postMu.Unlock()
	type pending struct {
		id      int64
		kind    bulletin.Kind
		payload []byte
		from    sql.NullInt64
	}
	var ps []pending
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ps = ps[:0]
		rows, err := tx.QueryContext(ctx, "SELECT id, kind, payload, board_from FROM documents_entries WHERE posted_seq IS NULL ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p pending
			var k int
			if err := rows.Scan(&p.id, &k, &p.payload, &p.from); err != nil {
				return err
			}
			p.kind = bulletin.Kind(k)
			ps = append(ps, p)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("documents: reading pending entries: %w", err)
	}
	n := 0
	for _, p := range ps {
		seq, found, err := s.findPosted(ctx, p.from, p.kind, p.payload)
		if err != nil {
			return n, err
		}
		if !found {
			_, count, err := s.cfg.Board.Head(ctx, s.cfg.Topic)
			if err != nil {
				return n, fmt.Errorf("documents: reading the board: %w", err)
			}
			if err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE documents_entries SET board_from = $1 WHERE id = $2 AND board_from IS NULL", int64(count), p.id)
				return err
			}); err != nil {
				return n, fmt.Errorf("documents: recording an attempt: %w", err)
			}
			if seq, err = s.cfg.Board.Append(ctx, s.cfg.Topic, p.kind, p.payload); err != nil {
				return n, fmt.Errorf("documents: posting a %v entry: %w", p.kind, err)
			}
		}
		if err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE documents_entries SET posted_seq = $1 WHERE id = $2", int64(seq), p.id)
			return err
		}); err != nil {
			return n, fmt.Errorf("documents: recording a posted entry: %w", err)
		}
		n++
	}
	return n, nil
}

// findPosted looks for an entry of kind and payload in the topic from
// from on (if an earlier attempt recorded one).
func (s *Service) findPosted(ctx context.Context, from sql.NullInt64, kind bulletin.Kind, payload []byte) (uint64, bool, error) {
	if !from.Valid {
		return 0, false, nil
	}
	_, count, err := s.cfg.Board.Head(ctx, s.cfg.Topic)
	if err != nil {
		return 0, false, fmt.Errorf("documents: reading the board: %w", err)
	}
	es, err := s.cfg.Board.Entries(ctx, s.cfg.Topic, uint64(from.Int64), count)
	if err != nil {
		return 0, false, fmt.Errorf("documents: reading the board: %w", err)
	}
	for _, e := range es {
		if e.Kind == kind && bytes.Equal(e.Payload, payload) {
			return e.Seq, true, nil
		}
	}
	return 0, false, nil
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
