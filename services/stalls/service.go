package stalls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// Errors of the service, wrapped with details; test with errors.Is.
var (
	// ErrForbidden: the resident lacks the role this needs.
	ErrForbidden = errors.New("stalls: not permitted")
	// ErrExists: the season, or this bidder's bid for this stall, exists.
	ErrExists = errors.New("stalls: already exists")
	// ErrState: not now: the season is (not) published, the window is
	// not open, or not yet closed, or the bids are not yet decrypted.
	ErrState = errors.New("stalls: not in this state")
)

// PseudonymService is the service name of bidders' pseudonyms
// (identity.Service.Pseudonym(resident, "stalls", season id)).
const PseudonymService = "stalls"

// A Board is what the service needs of the bulletin board: it creates the
// season's topic, posts to it as the topic's owner, and reads it.
type Board interface {
	bulletin.Appender
	bulletin.Reader
	bulletin.Admin
	Address() bulletin.Address
}

// Options configure a [Service]; the zero value is usable.
type Options struct {
	Now  func() time.Time // the clock; nil: time.Now
	Rand io.Reader        // proof-check weights; nil: crypto/rand
	Log  *slog.Logger     // nil: discard
}

// A Service runs seasons: operators define and publish them, sellers bid,
// trustees decrypt, and the allocation is posted. It keeps its state in
// the store and posts to the board. It is safe for concurrent use, and
// several Services may share one database and board.
type Service struct {
	db    *store.DB
	board Board
	ident *identity.Service
	now   func() time.Time
	rand  io.Reader
	log   *slog.Logger

	chunked sync.Mutex // held while posting a chunked artefact (post)
}

// New returns a Service over db, board and the identity layer.
func New(db *store.DB, board Board, ident *identity.Service, opts *Options) (*Service, error) {
	if db == nil || board == nil || ident == nil {
		return nil, errors.New("stalls: a store, a board and an identity service are needed")
	}
	s := &Service{db: db, board: board, ident: ident, now: time.Now, log: slog.New(slog.DiscardHandler)}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		s.rand = opts.Rand
		if opts.Log != nil {
			s.log = opts.Log
		}
	}
	return s, nil
}

// A Draft is a season being defined, before it is published.
type Draft struct {
	ID       string    `json:"id"`
	Opens    time.Time `json:"opens"`
	Closes   time.Time `json:"closes"`
	Cap      uint16    `json:"cap"`
	Markets  []string  `json:"markets"`
	Stalls   []Stall   `json:"stalls"`
	Trustees []byte    `json:"trustees"` // dkg.PublicResult encoding
}

func (s *Service) require(ctx context.Context, who identity.ResidentID, r identity.Role) error {
	roles, err := s.ident.Roles(ctx, who)
	if err != nil {
		return fmt.Errorf("stalls: %w", err)
	}
	if !roles.Has(r) {
		return fmt.Errorf("%w: the role %s is needed", ErrForbidden, r)
	}
	return nil
}

// CreateSeason records a new draft season of operator (who needs the
// market-operator role) with its window, cap and trustees' key (the
// public result of [Ceremony] for this season id). Markets and stalls are
// added with AddMarket and AddStalls, then it is published.
func (s *Service) CreateSeason(ctx context.Context, operator identity.ResidentID, d Draft) error {
	if err := s.require(ctx, operator, identity.RoleMarketOperator); err != nil {
		return err
	}
	d.Markets, d.Stalls = nil, nil
	if !ValidSeasonID(d.ID) {
		return fmt.Errorf("%w: season id: 1-%d characters a-z, 0-9 and -", ErrInvalid, MaxSeasonID)
	}
	t, err := dkg.ParsePublicResult(d.Trustees)
	if err != nil {
		return fmt.Errorf("%w: trustees: %v", ErrInvalid, err)
	}
	if t.Fingerprint != Fingerprint(d.ID) {
		return fmt.Errorf("%w: the trustees' key was made for another season", ErrInvalid)
	}
	d.Opens, d.Closes = d.Opens.UTC(), d.Closes.UTC()
	probe := Season{ID: d.ID, Opens: d.Opens, Closes: d.Closes, Cap: d.Cap, Markets: []string{"x"},
		Stalls: []Stall{{ID: "x", Size: 1, Kind: "x"}}, Trustees: t}
	if err := probe.Validate(); err != nil {
		return err
	}
	raw, _ := json.Marshal(d)
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stalls_seasons (id, operator, draft, created) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO NOTHING`, d.ID, operator[:], raw, s.now().UnixMicro())
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: season %s", ErrExists, d.ID)
		}
		return nil
	})
}

// editDraft applies fn to the draft of season id, which operator owns and
// which is not yet published.
func (s *Service) editDraft(ctx context.Context, operator identity.ResidentID, id string, fn func(*Draft) error) error {
	if err := s.require(ctx, operator, identity.RoleMarketOperator); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var raw, op, market []byte
		err := tx.QueryRowContext(ctx, `SELECT draft, operator, market FROM stalls_seasons WHERE id = $1`, id).Scan(&raw, &op, &market)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no season %s", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		if string(op) != string(operator[:]) {
			return fmt.Errorf("%w: another operator's season", ErrForbidden)
		}
		if market != nil {
			return fmt.Errorf("%w: season %s is published", ErrState, id)
		}
		var d Draft
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("stalls: season %s's draft: %w", id, err)
		}
		if err := fn(&d); err != nil {
			return err
		}
		raw, _ = json.Marshal(d)
		if _, err := tx.ExecContext(ctx, `UPDATE stalls_seasons SET draft = $1 WHERE id = $2`, raw, id); err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		return nil
	})
}

// AddMarket adds a market to a draft season and returns its index.
func (s *Service) AddMarket(ctx context.Context, operator identity.ResidentID, season, name string) (int, error) {
	if !validName(name) {
		return 0, fmt.Errorf("%w: a market name is 1-%d bytes of UTF-8", ErrInvalid, MaxName)
	}
	var idx int
	err := s.editDraft(ctx, operator, season, func(d *Draft) error {
		if len(d.Markets) >= MaxMarkets {
			return fmt.Errorf("%w: at most %d markets", ErrInvalid, MaxMarkets)
		}
		idx = len(d.Markets)
		d.Markets = append(d.Markets, name)
		return nil
	})
	return idx, err
}

// AddStalls adds stalls to a draft season; their markets must exist and
// their ids must be new. Either all are added or none.
func (s *Service) AddStalls(ctx context.Context, operator identity.ResidentID, season string, stalls []Stall) error {
	return s.editDraft(ctx, operator, season, func(d *Draft) error {
		if len(d.Stalls)+len(stalls) > MaxStalls {
			return fmt.Errorf("%w: at most %d stalls", ErrInvalid, MaxStalls)
		}
		t, err := dkg.ParsePublicResult(d.Trustees)
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		probe := Season{ID: d.ID, Opens: d.Opens, Closes: d.Closes, Cap: d.Cap, Markets: d.Markets,
			Stalls: append(append([]Stall(nil), d.Stalls...), stalls...), Trustees: t}
		if len(probe.Markets) == 0 {
			return fmt.Errorf("%w: add a market first", ErrInvalid)
		}
		if err := probe.Validate(); err != nil {
			return err
		}
		d.Stalls = probe.Stalls
		return nil
	})
}

// Publish fixes a draft season and posts its market entry on a new
// service topic ([Topic]). It returns the entry's sequence number. A
// season whose entry was fixed but not posted (a crash) is posted again.
func (s *Service) Publish(ctx context.Context, operator identity.ResidentID, id string) (uint64, error) {
	var market []byte
	var posted sql.NullInt64
	err := s.editDraft(ctx, operator, id, func(d *Draft) error {
		t, err := dkg.ParsePublicResult(d.Trustees)
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		season := &Season{ID: d.ID, Opens: d.Opens, Closes: d.Closes, Cap: d.Cap, Markets: d.Markets, Stalls: d.Stalls, Trustees: t}
		market, err = season.Bytes()
		return err
	})
	if errors.Is(err, ErrState) {
		err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT market, posted_seq FROM stalls_seasons WHERE id = $1`, id).Scan(&market, &posted)
		})
		if err == nil && posted.Valid {
			return uint64(posted.Int64), nil
		}
	} else if err == nil {
		err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE stalls_seasons SET market = $1 WHERE id = $2 AND market IS NULL`, market, id)
			return err
		})
	}
	if err != nil {
		return 0, err
	}
	topic := Topic(id)
	if err := s.board.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil && !errors.Is(err, bulletin.ErrTopicExists) {
		return 0, fmt.Errorf("stalls: creating the season's topic: %w", err)
	}
	kinds := bulletin.NewKindSet(bulletin.KindMarket, bulletin.KindSealedBid, bulletin.KindBidDecryption, bulletin.KindAllocation)
	if err := s.board.SetPoster(ctx, topic, s.board.Address(), kinds); err != nil {
		return 0, fmt.Errorf("stalls: authorising the service on the topic: %w", err)
	}
	seq, err := s.post(ctx, topic, bulletin.KindMarket, market)
	if err != nil {
		return 0, err
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE stalls_seasons SET posted_seq = $1 WHERE id = $2`, int64(seq), id)
		return err
	})
	return seq, err
}

// post appends an artefact, chunked if it is over bulletin.MaxPayload,
// and returns the sequence number of its (last) entry. A chunked artefact
// is resumable: if the service's account already posted its header and
// first chunks (a post stopped halfway, sent again with the same bytes),
// only the missing chunks are posted, and nothing if it is complete;
// chunked posts are serialised so that two requests with the same bytes
// cannot post one artefact twice. A half-posted copy that cannot be
// completed (bulletin.ErrCannotResume) is an ErrState: the sender must
// make a new artefact.
func (s *Service) post(ctx context.Context, topic bulletin.TopicID, kind bulletin.Kind, payload []byte) (uint64, error) {
	if len(payload) <= bulletin.MaxPayload {
		seq, err := s.board.Append(ctx, topic, kind, payload)
		if err != nil {
			return 0, fmt.Errorf("stalls: posting a %v entry: %w", kind, err)
		}
		return seq, nil
	}
	msgs, err := bulletin.Chunk(kind, payload, 0)
	if err != nil {
		return 0, fmt.Errorf("stalls: chunking a %v entry: %w", kind, err)
	}
	s.chunked.Lock()
	defer s.chunked.Unlock()
	posted, err := bulletin.FindChunks(ctx, s.board, topic, s.board.Address(), bulletin.Keccak256(payload))
	if err != nil {
		return 0, fmt.Errorf("stalls: posting a %v entry: %w", kind, err)
	}
	rest, err := posted.Unposted(msgs)
	if errors.Is(err, bulletin.ErrCannotResume) {
		return 0, fmt.Errorf("%w: a %v entry: %w", ErrState, kind, err)
	}
	if err != nil {
		return 0, fmt.Errorf("stalls: posting a %v entry: %w", kind, err)
	}
	if len(rest) == 0 {
		seq, _ := posted.Last()
		return seq, nil
	}
	if len(rest) < len(msgs) {
		s.log.Info("resuming a chunked post", "kind", kind.String(), "posted", len(msgs)-len(rest), "entries", len(msgs))
	}
	seqs, err := s.board.AppendBatch(ctx, topic, rest)
	if err != nil {
		return 0, fmt.Errorf("stalls: posting a %v entry: %w", kind, err)
	}
	return seqs[len(seqs)-1], nil
}

// Season returns a published season, as posted.
func (s *Service) Season(ctx context.Context, id string) (*Season, error) {
	if !ValidSeasonID(id) {
		return nil, fmt.Errorf("%w: no season %s", ErrNotFound, id)
	}
	var market []byte
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT market FROM stalls_seasons WHERE id = $1 AND posted_seq IS NOT NULL`, id).Scan(&market)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no published season %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("stalls: %w", err)
	}
	return ParseSeason(market)
}

// Bidder returns seller's pseudonym in season id: what a bid names as its
// bidder. The resident needs the seller role.
func (s *Service) Bidder(ctx context.Context, seller identity.ResidentID, id string) (Bidder, error) {
	if err := s.require(ctx, seller, identity.RoleSeller); err != nil {
		return Bidder{}, err
	}
	p, err := s.ident.Pseudonym(seller, PseudonymService, []byte(id))
	if err != nil {
		return Bidder{}, fmt.Errorf("stalls: %w", err)
	}
	return Bidder(p), nil
}

// A BidInfo is what the service knows of one of a seller's bids: not the
// amount, which is sealed.
type BidInfo struct {
	Stall    string    `json:"stall"`
	Received time.Time `json:"received"`
	Posted   *uint64   `json:"posted_seq,omitempty"` // the board entry, once posted
}

// Bid accepts seller's sealed bid (the encoding of [SealedBid], made with
// [EncryptBid]) in season id while its window is open: the bid must name
// the seller's own pseudonym and stall of this season, its proof must hold,
// and the seller may bid once per stall. The bid is kept, then posted;
// one whose posting fails stays in the store and is posted by
// [Service.PostPending].
func (s *Service) Bid(ctx context.Context, seller identity.ResidentID, id string, payload []byte) (*BidInfo, error) {
	bidder, err := s.Bidder(ctx, seller, id)
	if err != nil {
		return nil, err
	}
	season, err := s.Season(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Before(season.Opens) || !now.Before(season.Closes) {
		return nil, fmt.Errorf("%w: the bidding window is %s to %s", ErrState, season.Opens.Format(time.RFC3339), season.Closes.Format(time.RFC3339))
	}
	b, err := ParseSealedBid(payload)
	if err != nil {
		return nil, err
	}
	if b.Bidder != bidder {
		return nil, fmt.Errorf("%w: the bid names another bidder", ErrForbidden)
	}
	if err := VerifyBid(season, b); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stalls_bids (season, stall, bidder, payload, received) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (season, stall, bidder) DO NOTHING`, id, int64(b.Stall), bidder[:], payload, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: a bid for stall %s", ErrExists, season.Stalls[b.Stall].ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	info := &BidInfo{Stall: season.Stalls[b.Stall].ID, Received: time.UnixMicro(now.UnixMicro()).UTC()}
	if err := s.PostPending(ctx, id); err != nil {
		s.log.Warn("stalls: a bid is kept but not yet posted", "season", id, "err", err)
		return info, nil
	}
	mine, err := s.MyBids(ctx, seller, id)
	if err == nil {
		for _, m := range mine {
			if m.Stall == info.Stall {
				info = &m
			}
		}
	}
	return info, nil
}

// PostPending posts season id's accepted bids that are not yet on the
// board, in the order received.
func (s *Service) PostPending(ctx context.Context, id string) error {
	type row struct {
		stall   int64
		bidder  []byte
		payload []byte
	}
	var rows []row
	now := s.now().UnixMicro()
	stale := now - postingLease.Microseconds()
	// Claim the unposted bids nobody is posting (in one serializable
	// transaction: of two concurrent claims one is retried and finds the
	// rows taken), so that no bid is posted twice.
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		rows = rows[:0]
		rs, err := tx.QueryContext(ctx, `SELECT stall, bidder, payload FROM stalls_bids
			WHERE season = $1 AND posted_seq IS NULL AND (posting IS NULL OR posting < $2)
			ORDER BY received, stall, bidder`, id, stale)
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.stall, &r.bidder, &r.payload); err != nil {
				rs.Close()
				return fmt.Errorf("stalls: %w", err)
			}
			rows = append(rows, r)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `UPDATE stalls_bids SET posting = $1 WHERE season = $2 AND stall = $3 AND bidder = $4`,
				now, id, r.stall, r.bidder); err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
		}
		return nil
	})
	if err != nil || len(rows) == 0 {
		return err
	}
	msgs := make([]bulletin.Message, len(rows))
	for i, r := range rows {
		msgs[i] = bulletin.Message{Kind: bulletin.KindSealedBid, Payload: r.payload}
	}
	seqs, err := s.board.AppendBatch(ctx, Topic(id), msgs)
	if err != nil {
		return fmt.Errorf("stalls: posting bids: %w", err)
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		for i, r := range rows {
			if _, err := tx.ExecContext(ctx, `UPDATE stalls_bids SET posted_seq = $1 WHERE season = $2 AND stall = $3 AND bidder = $4 AND posted_seq IS NULL`,
				int64(seqs[i]), id, r.stall, r.bidder); err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
		}
		return nil
	})
}

// unposted counts season id's accepted bids not yet on the board.
func (s *Service) unposted(ctx context.Context, id string) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM stalls_bids WHERE season = $1 AND posted_seq IS NULL`, id).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("stalls: %w", err)
	}
	return n, nil
}

// MyBids lists seller's bids in season id.
func (s *Service) MyBids(ctx context.Context, seller identity.ResidentID, id string) ([]BidInfo, error) {
	bidder, err := s.Bidder(ctx, seller, id)
	if err != nil {
		return nil, err
	}
	season, err := s.Season(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []BidInfo
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rs, err := tx.QueryContext(ctx, `SELECT stall, received, posted_seq FROM stalls_bids WHERE season = $1 AND bidder = $2 ORDER BY stall`, id, bidder[:])
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var stall, received int64
			var seq sql.NullInt64
			if err := rs.Scan(&stall, &received, &seq); err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
			bi := BidInfo{Stall: season.Stalls[stall].ID, Received: time.UnixMicro(received).UTC()}
			if seq.Valid {
				v := uint64(seq.Int64)
				bi.Posted = &v
			}
			out = append(out, bi)
		}
		return rs.Err()
	})
	return out, err
}

// SubmitDecryption checks trustee's partial decryption of season id's
// counted bids (the encoding of [Decryption]) and posts it. The window
// must have closed; every accepted bid is posted first, so the counted
// bids are all the accepted ones. The resident needs the trustee role;
// the proof shows the share is the season's trustee Index's.
func (s *Service) SubmitDecryption(ctx context.Context, trustee identity.ResidentID, id string, payload []byte) (uint64, error) {
	if err := s.require(ctx, trustee, identity.RoleTrustee); err != nil {
		return 0, err
	}
	season, err := s.Season(ctx, id)
	if err != nil {
		return 0, err
	}
	if s.now().Before(season.Closes) {
		return 0, fmt.Errorf("%w: the bidding window closes at %s", ErrState, season.Closes.Format(time.RFC3339))
	}
	if err := s.PostPending(ctx, id); err != nil {
		return 0, err
	}
	if n, err := s.unposted(ctx, id); err != nil {
		return 0, err
	} else if n > 0 {
		return 0, fmt.Errorf("%w: %d accepted bids are still being posted; try again in a minute", ErrState, n)
	}
	d, err := ParseDecryption(payload)
	if err != nil {
		return 0, err
	}
	rec, err := ReadRecord(ctx, s.board, id, s.rand)
	if err != nil {
		return 0, err
	}
	if len(rec.Bids) == 0 {
		return 0, fmt.Errorf("%w: no bids to decrypt", ErrState)
	}
	if int(d.Count) != len(rec.Bids) || d.BidsHash != BidsHash(id, rec.Bids) {
		return 0, fmt.Errorf("%w: the decryption is not of the %d counted bids", ErrInvalid, len(rec.Bids))
	}
	for _, o := range rec.Decryptions {
		if o.Partial.Index == d.Partial.Index {
			return 0, fmt.Errorf("%w: trustee %d's decryption", ErrExists, d.Partial.Index)
		}
	}
	p, err := season.thresholdParams()
	if err != nil {
		return 0, fmt.Errorf("stalls: %w", err)
	}
	if err := threshold.VerifyPartial(p, decryptionBinding(d.BidsHash), ciphertexts(rec.Bids), d.Partial); err != nil {
		return 0, fmt.Errorf("%w: the decryption's proof: %v", ErrInvalid, err)
	}
	return s.post(ctx, Topic(id), bulletin.KindBidDecryption, payload)
}

// Counted returns the counted bids of season id as the board has them.
func (s *Service) Counted(ctx context.Context, id string) ([]*SealedBid, error) {
	rec, err := ReadRecord(ctx, s.board, id, s.rand)
	if err != nil {
		return nil, err
	}
	return rec.Bids, nil
}

// Allocate decrypts season id's bids with the posted decryptions, applies
// the rule, records the awards and posts the allocation entry. Whoever
// calls first fixes it: later and concurrent calls, from this or another
// Service on the same database, return the same allocation and post
// nothing more, so each stall has exactly one winner. The resident needs
// the market-operator role.
func (s *Service) Allocate(ctx context.Context, operator identity.ResidentID, id string) (*Allocation, uint64, error) {
	if err := s.require(ctx, operator, identity.RoleMarketOperator); err != nil {
		return nil, 0, err
	}
	if a, seq, err := s.allocation(ctx, id); err == nil && seq != nil {
		return a, *seq, nil
	}
	rec, err := ReadRecord(ctx, s.board, id, s.rand)
	if err != nil {
		return nil, 0, err
	}
	if len(rec.Decryptions) == 0 {
		return nil, 0, fmt.Errorf("%w: the trustees have not decrypted the bids", ErrState)
	}
	rep, err := VerifyRecord(s.rand, rec)
	if err != nil && rec.Allocation == nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrState, err)
	}
	payload := rep.Recomputed
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stalls_allocations (season, payload, created) VALUES ($1, $2, $3)
			ON CONFLICT (season) DO NOTHING`, id, payload, s.now().UnixMicro())
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // fixed by another call
		}
		a, err := ParseAllocation(payload)
		if err != nil {
			return err
		}
		for _, w := range a.Awards {
			if _, err := tx.ExecContext(ctx, `INSERT INTO stalls_awards (season, stall, bidder, amount) VALUES ($1, $2, $3, $4)`,
				id, int64(w.Stall), w.Bidder[:], int64(w.Amount)); err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return s.postAllocation(ctx, id)
}

// postingLease is how long a node's claim to post an allocation lasts
// before another node takes it over.
const postingLease = time.Minute

// postAllocation posts the recorded allocation of season id unless it is
// posted: one node claims the posting, the others wait for it.
func (s *Service) postAllocation(ctx context.Context, id string) (*Allocation, uint64, error) {
	for {
		a, seq, err := s.allocation(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		if seq != nil {
			return a, *seq, nil
		}
		now := s.now().UnixMicro()
		var claimed bool
		err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE stalls_allocations SET posting = $1
				WHERE season = $2 AND posted_seq IS NULL AND (posting IS NULL OR posting < $3)`,
				now, id, now-postingLease.Microseconds())
			if err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
			n, _ := res.RowsAffected()
			claimed = n == 1
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		if !claimed {
			select {
			case <-ctx.Done():
				return nil, 0, fmt.Errorf("stalls: waiting for the allocation to be posted: %w", ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		// A node that claimed before may have posted and failed to record it.
		rec, err := ReadRecord(ctx, s.board, id, s.rand)
		if err != nil {
			return nil, 0, err
		}
		posted := rec.AllocationSeq
		if rec.Allocation == nil {
			if posted, err = s.post(ctx, Topic(id), bulletin.KindAllocation, a.Bytes()); err != nil {
				return nil, 0, err
			}
		}
		err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE stalls_allocations SET posted_seq = $1 WHERE season = $2 AND posted_seq IS NULL`, int64(posted), id)
			return err
		})
		return a, posted, err
	}
}

// allocation returns the recorded allocation of season id and where it
// was posted (nil: not yet).
func (s *Service) allocation(ctx context.Context, id string) (*Allocation, *uint64, error) {
	var payload []byte
	var seq sql.NullInt64
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT payload, posted_seq FROM stalls_allocations WHERE season = $1`, id).Scan(&payload, &seq)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("%w: season %s is not allocated", ErrNotFound, id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("stalls: %w", err)
	}
	a, err := ParseAllocation(payload)
	if err != nil {
		return nil, nil, err
	}
	if !seq.Valid {
		return a, nil, nil
	}
	v := uint64(seq.Int64)
	return a, &v, nil
}

// Allocation returns season id's posted allocation.
func (s *Service) Allocation(ctx context.Context, id string) (*Allocation, uint64, error) {
	a, seq, err := s.allocation(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if seq == nil {
		return nil, 0, fmt.Errorf("%w: season %s's allocation is not yet posted", ErrNotFound, id)
	}
	return a, *seq, nil
}

// MyAwards returns the stalls seller won in season id (with the amounts
// they bid), from the recorded awards.
func (s *Service) MyAwards(ctx context.Context, seller identity.ResidentID, id string) ([]Award, error) {
	bidder, err := s.Bidder(ctx, seller, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Allocation(ctx, id); err != nil {
		return nil, err
	}
	var out []Award
	err = s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rs, err := tx.QueryContext(ctx, `SELECT stall, amount FROM stalls_awards WHERE season = $1 AND bidder = $2 ORDER BY stall`, id, bidder[:])
		if err != nil {
			return fmt.Errorf("stalls: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var stall, amount int64
			if err := rs.Scan(&stall, &amount); err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
			out = append(out, Award{Stall: uint32(stall), Bidder: bidder, Amount: uint64(amount)})
		}
		return rs.Err()
	})
	return out, err
}

// Run posts, every interval until ctx ends, the accepted bids of every
// season that a failed board call left unposted.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var seasons []string
		err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			seasons = seasons[:0]
			rs, err := tx.QueryContext(ctx, `SELECT DISTINCT season FROM stalls_bids WHERE posted_seq IS NULL`)
			if err != nil {
				return fmt.Errorf("stalls: %w", err)
			}
			defer rs.Close()
			for rs.Next() {
				var id string
				if err := rs.Scan(&id); err != nil {
					return fmt.Errorf("stalls: %w", err)
				}
				seasons = append(seasons, id)
			}
			return rs.Err()
		})
		if err != nil {
			s.log.Warn("stalls: listing unposted bids", "err", err)
			continue
		}
		for _, id := range seasons {
			if err := s.PostPending(ctx, id); err != nil {
				s.log.Warn("stalls: posting pending bids", "season", id, "err", err)
			}
		}
	}
}
