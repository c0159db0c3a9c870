package polls

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// ServiceName is the service name under which residents' pseudonyms are
// derived (identity.Service.Pseudonym).
const ServiceName = "polls"

// Limits on what residents and moderators write.
const (
	MaxComment = 2000 // bytes of a comment's text
	MaxReason  = 500  // bytes of a moderator's reason
)

// Errors of the service; test with errors.Is. [ErrInvalid] (aggregate.go)
// is the malformed-input error.
var (
	// ErrNotFound: no subject or comment has this name or id.
	ErrNotFound = errors.New("polls: no such subject or comment")
	// ErrForbidden: the acting resident lacks the role needed.
	ErrForbidden = errors.New("polls: not permitted")
	// ErrDuplicate: the poll or subject exists, the resident has rated the
	// subject, or the comment is hidden already.
	ErrDuplicate = errors.New("polls: already exists")
	// ErrNoBoard: the service is not set up to post: no board account, no
	// default parties, or parties whose commission is another account.
	ErrNoBoard = errors.New("polls: the service cannot post to the board")
	// ErrBoard wraps a failure of the board: it refused an entry or did
	// not answer.
	ErrBoard = errors.New("polls: board error")
)

// Config configures a [Service].
type Config struct {
	DB       *store.DB
	Identity *identity.Service
	// Board is the service's account: the commission of the polls it
	// creates and the poster of the aggregates. Without it, polls cannot
	// be created nor aggregates anchored; everything else works.
	Board voting.Board
	// Defaults are the parties of new polls; Defaults.Commission must be
	// Board's address.
	Defaults *Defaults
	Rand     io.Reader // salts; nil: crypto/rand
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now
	// AnchorLease is how long a server's claim to anchor lasts without
	// being renewed before another server may take it over (its holder
	// having died): 0 means [DefaultAnchorLease]. Posting one batch must
	// take less than three quarters of it (the post is abandoned then).
	// It is timed by the database's clock (store.Lease), not the servers'.
	AnchorLease time.Duration
}

// DefaultAnchorLease is the default of Config.AnchorLease.
const DefaultAnchorLease = time.Minute

// A Service is the Active Citizen service on a store. It is safe for
// concurrent use, and several servers may share its database: they
// anchor one at a time ([Service.Anchor]).
type Service struct {
	cfg      Config
	anchorMu sync.Mutex
	randMu   sync.Mutex // cfg.Rand need not be safe for concurrent use
}

// New returns the service; it needs a DB and an identity service.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.Identity == nil {
		return nil, errors.New("polls: a database and an identity service are required")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AnchorLease <= 0 {
		cfg.AnchorLease = DefaultAnchorLease
	}
	return &Service{cfg: cfg}, nil
}

// Poster returns the address of the service's board account, whose
// aggregates readers trust, and whether there is one.
func (s *Service) Poster() (bulletin.Address, bool) {
	if s.cfg.Board == nil {
		return bulletin.Address{}, false
	}
	return s.cfg.Board.Address(), true
}

// Board returns the service's board account (nil if none).
func (s *Service) Board() voting.Board { return s.cfg.Board }

func (s *Service) now() int64 { return s.cfg.Now().UnixMicro() }

// requireRole checks that actor holds role r.
func (s *Service) requireRole(ctx context.Context, actor identity.ResidentID, r identity.Role) error {
	roles, err := s.cfg.Identity.Roles(ctx, actor)
	if errors.Is(err, identity.ErrNotFound) {
		return fmt.Errorf("%w: the %s role is needed", ErrForbidden, r)
	}
	if err != nil {
		return fmt.Errorf("polls: %w", err)
	}
	if !roles.Has(r) {
		return fmt.Errorf("%w: the %s role is needed", ErrForbidden, r)
	}
	return nil
}

func (s *Service) pseudonym(resident identity.ResidentID, context string) ([32]byte, error) {
	p, err := s.cfg.Identity.Pseudonym(resident, ServiceName, []byte(context))
	if err != nil {
		return [32]byte{}, fmt.Errorf("polls: %w", err)
	}
	return [32]byte(p), nil
}

// CreatePoll makes a poll on the authority of actor, who must hold the
// commission role: it builds the manifest ([NewManifest]) with the
// service's defaults, publishes it on the board as an election in phase
// setup, and lists the poll as subject "poll/ID" for comments. From there
// the poll runs as any election (key ceremony, credentials, ballot box,
// tally, verification).
func (s *Service) CreatePoll(ctx context.Context, actor identity.ResidentID, spec *Spec) (*voting.Manifest, error) {
	if err := s.requireRole(ctx, actor, identity.RoleCommission); err != nil {
		return nil, err
	}
	if s.cfg.Board == nil || s.cfg.Defaults == nil {
		return nil, fmt.Errorf("%w: the service has no board account or no default parties for polls", ErrNoBoard)
	}
	if a, err := voting.ParseAddress(s.cfg.Defaults.Commission.Address); err != nil || a != s.cfg.Board.Address() {
		return nil, fmt.Errorf("%w: the service posts as %v, and its default parties name %q as the commission", ErrNoBoard, s.cfg.Board.Address(), s.cfg.Defaults.Commission.Address)
	}
	m, err := NewManifest(spec, s.cfg.Defaults)
	if err != nil {
		return nil, err
	}
	subject := SubjectPoll + "/" + m.ID
	if _, err := s.Subject(ctx, subject); err == nil {
		return nil, fmt.Errorf("%w: poll %s", ErrDuplicate, m.ID)
	}
	if err := voting.Publish(ctx, s.cfg.Board, m); err != nil {
		if strings.Contains(err.Error(), "already has another first entry") {
			return nil, fmt.Errorf("%w: election %s is on the board already", ErrDuplicate, m.ID)
		}
		return nil, fmt.Errorf("%w: %w", ErrBoard, err)
	}
	if err := s.addSubject(ctx, subject, m.Title); err != nil && !errors.Is(err, ErrDuplicate) {
		return nil, err
	}
	s.cfg.Logger.Info("poll created", "poll", m.ID)
	return m, nil
}

// A Subject is something residents comment on or rate.
type Subject struct {
	Name    string      `json:"subject"` // "poll/ID", "project/ID" or "activity/ID"
	Title   voting.Text `json:"title"`
	Created time.Time   `json:"created"`
}

// AddSubject lists a city project ("project/ID") or activity
// ("activity/ID") on the authority of actor, a moderator. Polls are listed
// by [Service.CreatePoll].
func (s *Service) AddSubject(ctx context.Context, actor identity.ResidentID, subject string, title voting.Text) error {
	if err := s.requireRole(ctx, actor, identity.RoleModerator); err != nil {
		return err
	}
	if strings.HasPrefix(subject, SubjectPoll+"/") {
		return fmt.Errorf("%w: polls are listed when they are created", ErrInvalid)
	}
	k := KindComment
	if strings.HasPrefix(subject, SubjectActivity+"/") {
		k = KindRating
	}
	if err := CheckSubject(subject, k); err != nil {
		return err
	}
	if err := checkTitle(title); err != nil {
		return err
	}
	return s.addSubject(ctx, subject, title)
}

func checkTitle(t voting.Text) error {
	if len(t) == 0 || len(t) > 16 {
		return fmt.Errorf("%w: a title has 1 to 16 languages", ErrInvalid)
	}
	for lang, v := range t {
		if len(lang) == 0 || len(lang) > 16 || v == "" || len(v) > voting.MaxTextLength || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Errorf("%w: title[%q]: 1 to %d bytes of text without control characters", ErrInvalid, lang, voting.MaxTextLength)
		}
	}
	return nil
}

func (s *Service) addSubject(ctx context.Context, subject string, title voting.Text) error {
	tj, err := json.Marshal(title)
	if err != nil {
		return fmt.Errorf("polls: %w", err)
	}
	now := s.now()
	return s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM polls_subjects WHERE subject = $1", subject).Scan(&one)
		if err == nil {
			return fmt.Errorf("%w: %s", ErrDuplicate, subject)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("polls: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO polls_subjects (subject, title, created) VALUES ($1, $2, $3)", subject, string(tj), now); err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		return nil
	})
}

// Subject returns one subject, or [ErrNotFound].
func (s *Service) Subject(ctx context.Context, subject string) (*Subject, error) {
	var out *Subject
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var title string
		var created int64
		err := tx.QueryRowContext(ctx, "SELECT title, created FROM polls_subjects WHERE subject = $1", subject).Scan(&title, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		out = &Subject{Name: subject, Created: time.UnixMicro(created).UTC()}
		return json.Unmarshal([]byte(title), &out.Title)
	})
	return out, err
}

// Subjects lists the subjects of one kind ("poll", "project",
// "activity"), or all of them for "", in name order.
func (s *Service) Subjects(ctx context.Context, kind string) ([]Subject, error) {
	var out []Subject
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, "SELECT subject, title, created FROM polls_subjects WHERE subject LIKE $1 ORDER BY subject", kind+"%")
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sub Subject
			var title string
			var created int64
			if err := rows.Scan(&sub.Name, &title, &created); err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			if err := json.Unmarshal([]byte(title), &sub.Title); err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			sub.Created = time.UnixMicro(created).UTC()
			out = append(out, sub)
		}
		return rows.Err()
	})
	return out, err
}

// checkComment checks a comment's text: 1 to MaxComment bytes of UTF-8,
// not blank, no control characters but newlines and tabs.
func checkComment(text string) error {
	if strings.TrimSpace(text) == "" || len(text) > MaxComment || !utf8.ValidString(text) ||
		strings.ContainsFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return fmt.Errorf("%w: a comment is 1 to %d bytes of UTF-8 text, not blank, without control characters", ErrInvalid, MaxComment)
	}
	return nil
}

// Comment adds resident's comment on subject (a poll or a project) and
// returns its id.
func (s *Service) Comment(ctx context.Context, resident identity.ResidentID, subject, text string) (uint64, error) {
	if err := CheckSubject(subject, KindComment); err != nil {
		return 0, err
	}
	if err := checkComment(text); err != nil {
		return 0, err
	}
	return s.addItem(ctx, resident, KindComment, subject, text, 0)
}

// Rate adds resident's rating (1 to 5) of subject (an activity) and
// returns its id. A resident rates a subject once: a second rating is
// [ErrDuplicate].
func (s *Service) Rate(ctx context.Context, resident identity.ResidentID, subject string, rating int) (uint64, error) {
	if err := CheckSubject(subject, KindRating); err != nil {
		return 0, err
	}
	if rating < 1 || rating > 5 {
		return 0, fmt.Errorf("%w: a rating is 1 to 5, not %d", ErrInvalid, rating)
	}
	return s.addItem(ctx, resident, KindRating, subject, "", uint8(rating))
}

func (s *Service) addItem(ctx context.Context, resident identity.ResidentID, kind ItemKind, subject, text string, rating uint8) (uint64, error) {
	author, err := s.pseudonym(resident, "author")
	if err != nil {
		return 0, err
	}
	var sole []byte
	if kind == KindRating {
		p, err := s.pseudonym(resident, "rating/"+subject)
		if err != nil {
			return 0, err
		}
		sole = p[:]
	}
	var salt [SaltSize]byte
	s.randMu.Lock()
	_, err = io.ReadFull(s.cfg.Rand, salt[:])
	s.randMu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("polls: reading randomness: %w", err)
	}
	now := s.now()
	var id uint64
	err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM polls_subjects WHERE subject = $1", subject).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrNotFound, subject)
		}
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		if sole != nil {
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM polls_items WHERE sole = $1", sole).Scan(&one)
			if err == nil {
				return fmt.Errorf("%w: you have rated %s already", ErrDuplicate, subject)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("polls: %w", err)
			}
		}
		var sid int64
		err = tx.QueryRowContext(ctx, `INSERT INTO polls_items (kind, subject, author, sole, body, rating, salt, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			int(kind), subject, author[:], sole, text, int(rating), salt[:], now).Scan(&sid)
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		id = uint64(sid)
		return nil
	})
	return id, err
}

// A Comment as the public sees it. A hidden comment has no text but the
// moderator's reason.
type Comment struct {
	ID           uint64    `json:"id"`
	Subject      string    `json:"subject"`
	Text         string    `json:"text,omitempty"`
	Created      time.Time `json:"created"`
	Hidden       bool      `json:"hidden"`
	HiddenReason string    `json:"hidden_reason,omitempty"`
	HiddenAt     time.Time `json:"hidden_at,omitzero"`
	Batch        uint64    `json:"batch,omitempty"` // the aggregate batch it is anchored in (0: not yet)
}

// Comments lists subject's comments, oldest first, hidden ones included
// (as hidden). An unknown subject is [ErrNotFound].
func (s *Service) Comments(ctx context.Context, subject string) ([]Comment, error) {
	if _, err := s.Subject(ctx, subject); err != nil {
		return nil, err
	}
	var out []Comment
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = []Comment{}
		rows, err := tx.QueryContext(ctx, `SELECT id, body, created, hidden_reason, hidden_at, batch FROM polls_items
			WHERE subject = $1 AND kind = 1 ORDER BY id`, subject)
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c Comment
			var id, created int64
			var reason sql.NullString
			var hiddenAt, batch sql.NullInt64
			if err := rows.Scan(&id, &c.Text, &created, &reason, &hiddenAt, &batch); err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			c.ID, c.Subject, c.Created, c.Batch = uint64(id), subject, time.UnixMicro(created).UTC(), uint64(batch.Int64)
			if reason.Valid {
				c.Hidden, c.HiddenReason, c.Text = true, reason.String, ""
				c.HiddenAt = time.UnixMicro(hiddenAt.Int64).UTC()
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Hide hides comment id on the authority of moderator, with a reason
// (1 to MaxReason bytes) that is shown in its place. Hiding twice is
// [ErrDuplicate]. The comment stays counted in its aggregate: a hidden
// comment is still a comment that was made. The next [Service.Anchor]
// records the hide on the board (once the comment is anchored): the
// comment's leaf, the time, and the hash of the reason ([Hide]).
func (s *Service) Hide(ctx context.Context, moderator identity.ResidentID, id uint64, reason string) error {
	if err := s.requireRole(ctx, moderator, identity.RoleModerator); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" || len(reason) > MaxReason || !utf8.ValidString(reason) || strings.ContainsFunc(reason, unicode.IsControl) {
		return fmt.Errorf("%w: a reason is 1 to %d bytes of text, not blank, without control characters", ErrInvalid, MaxReason)
	}
	by, err := s.pseudonym(moderator, "moderator")
	if err != nil {
		return err
	}
	now := s.now()
	return s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var hidden sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT hidden_reason FROM polls_items WHERE id = $1 AND kind = 1", int64(id)).Scan(&hidden)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: comment %d", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		if hidden.Valid {
			return fmt.Errorf("%w: comment %d is hidden already", ErrDuplicate, id)
		}
		_, err = tx.ExecContext(ctx, "UPDATE polls_items SET hidden_reason = $1, hidden_at = $2, hidden_by = $3 WHERE id = $4",
			reason, now, by[:], int64(id))
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		return nil
	})
}

// A Summary is a subject's counts: every item in the database, and those
// anchored on the board (which readers check with [ReadAggregates] and
// [Totals]).
type Summary struct {
	Subject  string `json:"subject"`
	Comments uint64 `json:"comments"`
	Hidden   uint64 `json:"hidden"`
	Ratings  uint64 `json:"ratings"`
	Sum      uint64 `json:"rating_sum"`
	// Anchored: the items in batches, and the sum of their ratings.
	AnchoredComments uint64 `json:"anchored_comments"`
	AnchoredRatings  uint64 `json:"anchored_ratings"`
	AnchoredSum      uint64 `json:"anchored_rating_sum"`
}

// Summarize returns subject's [Summary]; an unknown subject is
// [ErrNotFound].
func (s *Service) Summarize(ctx context.Context, subject string) (*Summary, error) {
	if _, err := s.Subject(ctx, subject); err != nil {
		return nil, err
	}
	out := &Summary{Subject: subject}
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		*out = Summary{Subject: subject}
		rows, err := tx.QueryContext(ctx, `SELECT kind, batch IS NOT NULL, hidden_reason IS NOT NULL, COUNT(*), COALESCE(SUM(rating), 0)
			FROM polls_items WHERE subject = $1 GROUP BY kind, batch IS NOT NULL, hidden_reason IS NOT NULL`, subject)
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var kind int
			var anchored, hidden bool
			var n, sum int64
			if err := rows.Scan(&kind, &anchored, &hidden, &n, &sum); err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			switch ItemKind(kind) {
			case KindComment:
				out.Comments += uint64(n)
				if hidden {
					out.Hidden += uint64(n)
				}
				if anchored {
					out.AnchoredComments += uint64(n)
				}
			case KindRating:
				out.Ratings += uint64(n)
				out.Sum += uint64(sum)
				if anchored {
					out.AnchoredRatings += uint64(n)
					out.AnchoredSum += uint64(sum)
				}
			}
		}
		return rows.Err()
	})
	return out, err
}

// A Mine is one of a resident's own items, with its receipt once it is
// anchored.
type Mine struct {
	Item
	Created time.Time
	Hidden  bool
	// HiddenAt and HiddenReason: when and why a moderator hid it;
	// HideBatch, the batch that records the hide on the board (0: not
	// yet), which the resident checks with [CheckHidden].
	HiddenAt     time.Time
	HiddenReason string
	HideBatch    uint64
	Receipt      *Receipt // nil until anchored
}

// Mine lists resident's own comments and ratings, oldest first, each with
// its salt and, once anchored, its receipt ([CheckReceipt]).
func (s *Service) Mine(ctx context.Context, resident identity.ResidentID) ([]Mine, error) {
	author, err := s.pseudonym(resident, "author")
	if err != nil {
		return nil, err
	}
	var out []Mine
	var batches map[uint64][]*Item
	err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out, batches = nil, map[uint64][]*Item{}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, subject, body, rating, salt, created, hidden_reason, hidden_at, hide_batch, batch
			FROM polls_items WHERE author = $1 ORDER BY id`, author[:])
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		for rows.Next() {
			var m Mine
			var id, created int64
			var kind, rating int
			var salt []byte
			var reason sql.NullString
			var hiddenAt, hideBatch, batch sql.NullInt64
			if err := rows.Scan(&id, &kind, &m.Subject, &m.Text, &rating, &salt, &created, &reason, &hiddenAt, &hideBatch, &batch); err != nil {
				rows.Close()
				return fmt.Errorf("polls: %w", err)
			}
			if reason.Valid {
				m.Hidden, m.HiddenReason, m.HiddenAt, m.HideBatch = true, reason.String, time.UnixMicro(hiddenAt.Int64).UTC(), uint64(hideBatch.Int64)
			}
			m.ID, m.Kind, m.Rating, m.Salt, m.Created = uint64(id), ItemKind(kind), uint8(rating), [SaltSize]byte(salt), time.UnixMicro(created).UTC()
			if batch.Valid {
				m.Receipt = &Receipt{Batch: uint64(batch.Int64)}
				batches[uint64(batch.Int64)] = nil
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		for b := range batches {
			items, err := batchItems(ctx, tx, b)
			if err != nil {
				return err
			}
			batches[b] = items
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		r := out[i].Receipt
		if r == nil {
			continue
		}
		items := batches[r.Batch]
		leaves := make([]voting.TrackingCode, len(items))
		idx := -1
		for j, it := range items {
			leaves[j] = voting.TrackingCode(it.Leaf())
			if it.ID == out[i].ID {
				idx = j
			}
		}
		p, err := voting.NewInclusionProof(leaves, idx)
		if err != nil {
			return nil, fmt.Errorf("polls: batch %d: %w", r.Batch, err)
		}
		r.Item, r.Proof = out[i].Item, p.Bytes()
	}
	return out, nil
}

// batchItems reads batch b's items in batch order.
func batchItems(ctx context.Context, tx store.Tx, b uint64) ([]*Item, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, subject, body, rating, salt FROM polls_items
		WHERE batch = $1 ORDER BY batch_index`, int64(b))
	if err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	defer rows.Close()
	var out []*Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	return out, nil
}

func scanItem(rows *sql.Rows) (*Item, error) {
	var it Item
	var id int64
	var kind, rating int
	var salt []byte
	if err := rows.Scan(&id, &kind, &it.Subject, &it.Text, &rating, &salt); err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	if len(salt) != SaltSize {
		return nil, fmt.Errorf("polls: item %d has a salt of %d bytes", id, len(salt))
	}
	it.ID, it.Kind, it.Rating, it.Salt = uint64(id), ItemKind(kind), uint8(rating), [SaltSize]byte(salt)
	return &it, nil
}

// BatchItems returns batch b's items in batch order, opened (texts,
// ratings and salts): what an auditor with access to the database checks
// against the board with [CheckAggregate].
func (s *Service) BatchItems(ctx context.Context, b uint64) ([]*Item, error) {
	var out []*Item
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = batchItems(ctx, tx, b)
		return err
	})
	return out, err
}

// batchHides reads the hides that batch b records, from the moderators'
// records, in (batch, index) order.
func batchHides(ctx context.Context, tx store.Tx, b uint64) ([]Hide, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, batch, batch_index, hidden_at, hidden_reason FROM polls_items
		WHERE hide_batch = $1 ORDER BY batch, batch_index`, int64(b))
	if err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	defer rows.Close()
	var out []Hide
	for rows.Next() {
		var id int64
		var batch, index, at sql.NullInt64
		var reason sql.NullString
		if err := rows.Scan(&id, &batch, &index, &at, &reason); err != nil {
			return nil, fmt.Errorf("polls: %w", err)
		}
		if !batch.Valid || !at.Valid || !reason.Valid {
			return nil, fmt.Errorf("polls: comment %d has its hide recorded in batch %d but is not anchored or not hidden", id, b)
		}
		out = append(out, Hide{Batch: uint64(batch.Int64), Index: uint32(index.Int64), At: time.UnixMicro(at.Int64).UTC(), Reason: ReasonHash(reason.String)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	return out, nil
}

// BatchHides returns the hides that batch b records, from the moderators'
// records (the comment's leaf, the time, the hash of the reason): what an
// auditor with access to the database checks against the board with
// [CheckHides].
func (s *Service) BatchHides(ctx context.Context, b uint64) ([]Hide, error) {
	var out []Hide
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = batchHides(ctx, tx, b)
		return err
	})
	return out, err
}

// CheckBatch checks batch a, as read from the board, against the
// database: its items give its number, leaves, root and rows
// ([CheckAggregate]) and its hides are the moderators' hides recorded in
// it ([CheckHides]): what an auditor given the database checks of every
// batch.
func (s *Service) CheckBatch(ctx context.Context, a *Aggregate) error {
	var items []*Item
	var hides []Hide
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		if items, err = batchItems(ctx, tx, a.Number); err != nil {
			return err
		}
		hides, err = batchHides(ctx, tx, a.Number)
		return err
	})
	if err != nil {
		return err
	}
	if len(items) == 0 && len(hides) == 0 {
		return fmt.Errorf("%w: the database has no batch %d", ErrMismatch, a.Number)
	}
	if err := CheckAggregate(a, items); err != nil {
		return err
	}
	return CheckHides(a, hides)
}

// ensureTopic creates the service topic if needed and lets the service's
// account post aggregates to it.
func (s *Service) ensureTopic(ctx context.Context) error {
	b := s.cfg.Board
	err := b.CreateTopic(ctx, Topic, bulletin.PhaseService)
	if errors.Is(err, bulletin.ErrTopicExists) {
		return nil // created by us before (or by the owner, who grants us)
	}
	if err != nil {
		return fmt.Errorf("%w: creating the service topic: %w", ErrBoard, err)
	}
	if err := b.SetPoster(ctx, Topic, b.Address(), bulletin.NewKindSet(bulletin.KindAggregate)); err != nil {
		return fmt.Errorf("%w: authorising the service's account: %w", ErrBoard, err)
	}
	return nil
}

// Anchor posts the items not yet anchored, and the hides not yet recorded,
// as the next batch: an aggregate entry on [Topic] ([NewAggregate]; up to
// [MaxBatch] items of [MaxRows] subjects and [MaxHides] hides, the rest
// waiting for the next call). It returns the last batch it posted, or nil
// if there was nothing to anchor.
//
// Several servers may share the database: a call first takes the
// anchoring lease (docs/spec/polls.md, section 6), waiting while another
// server holds it, so that one server at a time plans and posts. A batch
// is planned -- its items and hides claimed, its payload and the topic's
// entry count fixed -- in one transaction before it is posted, and its
// entry is recorded once posted; a batch planned by a call that failed or
// a server that died is posted (once: the topic is searched from the
// recorded count first) by the next call, before anything new.
func (s *Service) Anchor(ctx context.Context) (*Posted, error) {
	if s.cfg.Board == nil {
		return nil, ErrNoBoard
	}
	s.anchorMu.Lock()
	defer s.anchorMu.Unlock()
	lease, err := s.acquireLease(ctx)
	if err != nil {
		return nil, err
	}
	defer s.releaseLease(ctx, lease)
	if err := s.ensureTopic(ctx); err != nil {
		return nil, err
	}
	last, err := s.postPlanned(ctx, lease)
	if err != nil {
		return nil, err
	}
	_, count, err := s.cfg.Board.Head(ctx, Topic)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the service topic: %w", ErrBoard, err)
	}
	planned, err := s.plan(ctx, lease, count)
	if err != nil || !planned {
		return last, err
	}
	return s.postPlanned(ctx, lease)
}

// errLeaseLost: the lease expired during the call and another server
// took it over; this call stops, that server carries on.
var errLeaseLost = fmt.Errorf("%w: another server took over anchoring (the board was slower than the anchoring lease)", ErrBoard)

// anchorLease is the name of the anchoring lease (store.Lease).
const anchorLease = "polls-anchor"

// acquireLease takes the anchoring lease, waiting while another call
// holds it (until it releases it or its lease expires).
func (s *Service) acquireLease(ctx context.Context) (*store.Lease, error) {
	l, err := s.cfg.DB.AcquireLease(ctx, anchorLease, s.cfg.AnchorLease)
	if err != nil {
		return nil, fmt.Errorf("polls: waiting for another server to finish anchoring: %w", err)
	}
	return l, nil
}

// renewLease extends the lease, in tx, or fails with errLeaseLost if
// another call holds it now. Every transaction of an Anchor call that
// writes starts with it: it also serialises them with any other server's
// (they all write the lease's row).
func (s *Service) renewLease(ctx context.Context, tx store.Tx, lease *store.Lease) error {
	err := lease.Renew(ctx, tx)
	if errors.Is(err, store.ErrLeaseLost) {
		return errLeaseLost
	}
	if err != nil {
		return fmt.Errorf("polls: %w", err)
	}
	return nil
}

// releaseLease gives the lease up, even if ctx has ended; if it cannot,
// the lease expires.
func (s *Service) releaseLease(ctx context.Context, lease *store.Lease) {
	if err := lease.Release(ctx); err != nil && !errors.Is(err, store.ErrLeaseLost) {
		s.cfg.Logger.Warn("polls: the anchoring lease was not released; it expires", "lease", s.cfg.AnchorLease, "err", err)
	}
}

// plan fixes the next batch, under lease: the items not yet anchored (in
// id order, up to MaxBatch of MaxRows subjects) and the hides not yet
// recorded of comments anchored before or in it (up to MaxHides), with
// count, the topic's entry count before it is posted. It reports whether
// there was anything to plan.
//
// It reads in one transaction and claims in another, so that the claim,
// which residents' concurrent comments and ratings could otherwise make a
// serialization conflict of, touches only the claimed rows: every claim
// is conditional (an item not yet in a batch, a hide not yet recorded) and
// must claim every row it read, and the lease is renewed in the claiming
// transaction (under the lease, nobody else claims).
func (s *Service) plan(ctx context.Context, lease *store.Lease, count uint64) (bool, error) {
	type pending struct {
		id, at       int64
		batch, index sql.NullInt64
		reason       string
	}
	var last int64
	var items []*Item
	var hidden []pending
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		items, hidden = nil, nil
		var unposted int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(number), 0), COUNT(*) - COUNT(posted_seq) FROM polls_batches").Scan(&last, &unposted); err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		if unposted != 0 {
			return fmt.Errorf("polls: %d planned batches are not posted yet", unposted)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, subject, body, rating, salt FROM polls_items
			WHERE batch IS NULL ORDER BY id LIMIT $1`, MaxBatch)
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		subjects := map[string]bool{}
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return err
			}
			key := it.Kind.String() + it.Subject
			if !subjects[key] && len(subjects) == MaxRows {
				continue // the next batch takes it
			}
			subjects[key] = true
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		rows, err = tx.QueryContext(ctx, `SELECT id, batch, batch_index, hidden_at, hidden_reason FROM polls_items
			WHERE hidden_reason IS NOT NULL AND hide_batch IS NULL ORDER BY id`)
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.id, &p.batch, &p.index, &p.at, &p.reason); err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			hidden = append(hidden, p)
		}
		return rows.Err()
	})
	if err != nil {
		return false, err
	}
	number := uint64(last) + 1
	slices.SortFunc(items, itemOrder) // batch order, as NewAggregate sorts them
	index := make(map[uint64]uint32, len(items))
	for i, it := range items {
		index[it.ID] = uint32(i)
	}
	var hides []Hide
	var hideIDs []int64
	for _, p := range hidden {
		if len(hides) == MaxHides {
			break // the next batch records it
		}
		h := Hide{At: time.UnixMicro(p.at).UTC(), Reason: ReasonHash(p.reason)}
		if p.batch.Valid {
			h.Batch, h.Index = uint64(p.batch.Int64), uint32(p.index.Int64)
		} else if i, ok := index[uint64(p.id)]; ok {
			h.Batch, h.Index = number, i
		} else {
			continue // not anchored yet: recorded with or after the batch that anchors it
		}
		hides, hideIDs = append(hides, h), append(hideIDs, p.id)
	}
	if len(items) == 0 && len(hides) == 0 {
		return false, nil
	}
	a, err := NewAggregate(number, items, hides...)
	if err != nil {
		return false, err
	}
	now := s.now()
	err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.renewLease(ctx, tx, lease); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO polls_batches (number, payload, board_from, created) VALUES ($1, $2, $3, $4)",
			int64(a.Number), a.Bytes(), int64(count), now); err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		if err := s.claimItems(ctx, tx, a.Number, items); err != nil {
			return err
		}
		return s.claimHides(ctx, tx, a.Number, hideIDs)
	})
	return err == nil, err
}

// claimChunk bounds the rows of one claiming statement (two placeholders
// each).
const claimChunk = 4000

// errClaimed: a row the claim read was claimed by someone else, which the
// lease rules out.
var errClaimed = errors.New("polls: a row of the planned batch was claimed by another server")

// claimItems puts items, in batch order, into batch number: each must
// still be in no batch. One statement per claimChunk items joins the
// table with a list of (id, index) values.
func (s *Service) claimItems(ctx context.Context, tx store.Tx, number uint64, items []*Item) error {
	for start := 0; start < len(items); start += claimChunk {
		part := items[start:min(start+claimChunk, len(items))]
		args := []any{int64(number)}
		var q strings.Builder
		q.WriteString(`UPDATE polls_items SET batch = $1, batch_index = v.i
			FROM (SELECT column1 AS id, column2 AS i FROM (VALUES `)
		for i, it := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			ph := strings.Split(s.cfg.DB.Placeholders(len(args)+1, 2), ", ")
			q.WriteString("(CAST(" + ph[0] + " AS BIGINT), CAST(" + ph[1] + " AS INTEGER))")
			args = append(args, int64(it.ID), int64(start+i))
		}
		q.WriteString(") AS x) AS v WHERE polls_items.id = v.id AND polls_items.batch IS NULL")
		if err := s.execAll(ctx, tx, q.String(), args, len(part)); err != nil {
			return err
		}
	}
	return nil
}

// claimHides records the hides of comments ids in batch number: each
// must be hidden and not yet recorded.
func (s *Service) claimHides(ctx context.Context, tx store.Tx, number uint64, ids []int64) error {
	for start := 0; start < len(ids); start += claimChunk {
		part := ids[start:min(start+claimChunk, len(ids))]
		args := []any{int64(number)}
		for _, id := range part {
			args = append(args, id)
		}
		q := "UPDATE polls_items SET hide_batch = $1 WHERE hide_batch IS NULL AND hidden_reason IS NOT NULL AND id IN (" +
			s.cfg.DB.Placeholders(2, len(part)) + ")"
		if err := s.execAll(ctx, tx, q, args, len(part)); err != nil {
			return err
		}
	}
	return nil
}

// execAll runs a claiming statement, which must change n rows.
func (s *Service) execAll(ctx context.Context, tx store.Tx, q string, args []any, n int) error {
	res, err := tx.ExecContext(ctx, q, s.cfg.DB.Uncached(args...)...)
	if err != nil {
		return fmt.Errorf("polls: %w", err)
	}
	got, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("polls: %w", err)
	}
	if got != int64(n) {
		return fmt.Errorf("%w (%d of %d rows)", errClaimed, got, n)
	}
	return nil
}

// postPlanned posts the planned batches not yet on the board, in order,
// under lease, and returns the last one posted.
func (s *Service) postPlanned(ctx context.Context, lease *store.Lease) (*Posted, error) {
	type plan struct {
		number, from int64
		payload      []byte
	}
	var plans []plan
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		plans = nil
		rows, err := tx.QueryContext(ctx, "SELECT number, board_from, payload FROM polls_batches WHERE posted_seq IS NULL ORDER BY number")
		if err != nil {
			return fmt.Errorf("polls: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p plan
			if err := rows.Scan(&p.number, &p.from, &p.payload); err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			plans = append(plans, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	var last *Posted
	for _, p := range plans {
		a, err := ParseAggregate(p.payload)
		if err != nil {
			return nil, fmt.Errorf("polls: planned batch %d: %w", p.number, err)
		}
		if err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error { return s.renewLease(ctx, tx, lease) }); err != nil {
			return nil, err
		}
		// The post must end well before the lease does: after that another
		// server may take over and post the batch itself.
		pctx, cancel := context.WithTimeout(ctx, s.cfg.AnchorLease*3/4)
		seq, err := s.appendOnce(pctx, uint64(p.from), p.payload)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%w: posting batch %d: %w", ErrBoard, p.number, err)
		}
		err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE polls_batches SET posted_seq = $1 WHERE number = $2 AND posted_seq IS NULL", int64(seq), p.number)
			if err != nil {
				return fmt.Errorf("polls: %w", err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		last = &Posted{Aggregate: *a, Seq: seq}
		s.cfg.Logger.Info("aggregate anchored", "batch", a.Number, "items", a.Leaves, "hides", len(a.Hides), "seq", seq)
	}
	return last, nil
}

// appendOncer is ethboard's idempotent append (bulletin/eth/ethboard),
// which also waits for the account's transactions in flight.
type appendOncer interface {
	AppendOnce(ctx context.Context, topic bulletin.TopicID, from uint64, msgs []bulletin.Message) ([]uint64, error)
}

// appendOnce posts payload unless the topic holds it, posted by the
// service, at or after entry from: the board's AppendOnce if it has it,
// else the same search and an Append.
func (s *Service) appendOnce(ctx context.Context, from uint64, payload []byte) (uint64, error) {
	if ao, ok := s.cfg.Board.(appendOncer); ok {
		seqs, err := ao.AppendOnce(ctx, Topic, from, []bulletin.Message{{Kind: bulletin.KindAggregate, Payload: payload}})
		if err != nil {
			return 0, err
		}
		if len(seqs) != 1 {
			return 0, fmt.Errorf("the board returned %d sequence numbers for one entry", len(seqs))
		}
		return seqs[0], nil
	}
	seq, found, err := s.findPosted(ctx, from, payload)
	if err != nil || found {
		return seq, err
	}
	return s.cfg.Board.Append(ctx, Topic, bulletin.KindAggregate, payload)
}

// findPosted looks for the service's entry with payload from entry from on.
func (s *Service) findPosted(ctx context.Context, from uint64, payload []byte) (uint64, bool, error) {
	_, count, err := s.cfg.Board.Head(ctx, Topic)
	if err != nil {
		return 0, false, err
	}
	for from < count {
		es, err := s.cfg.Board.Entries(ctx, Topic, from, min(count, from+1000))
		if err != nil {
			return 0, false, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Kind == bulletin.KindAggregate && e.Poster == s.cfg.Board.Address() && bytes.Equal(e.Payload, payload) {
				return e.Seq, true, nil
			}
		}
		from = es[len(es)-1].Seq + 1
	}
	return 0, false, nil
}
