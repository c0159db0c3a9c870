package documents

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// A Draft is what an issuer issues: the content and its public metadata.
type Draft struct {
	Type       Type
	Title      string // kept off chain (in the commitment)
	MediaType  string // such as "text/plain; charset=utf-8"
	Content    []byte // at most MaxContent bytes
	ValidFrom  time.Time
	ValidUntil time.Time // zero: no end
}

func (d *Draft) check() error {
	if !d.Type.Valid() {
		return fmt.Errorf("%w: unknown document type", ErrMalformed)
	}
	if len(d.Content) > MaxContent {
		return fmt.Errorf("%w: content over %d bytes", ErrMalformed, MaxContent)
	}
	if err := checkText("title", d.Title, MaxTitle, false); err != nil {
		return err
	}
	if err := checkText("media type", d.MediaType, MaxMediaType, false); err != nil {
		return err
	}
	if !d.ValidUntil.IsZero() && d.ValidUntil.Before(d.ValidFrom) {
		return fmt.Errorf("%w: valid_until before valid_from", ErrMalformed)
	}
	return nil
}

// A Document is one version of a document as its recipient or issuer sees
// it.
type Document struct {
	ID         ID
	Series     Series
	Version    uint32
	Type       Type
	Title      string // "" once erased
	MediaType  string
	Issuer     string // the issuer's public name
	ValidFrom  time.Time
	ValidUntil time.Time
	Issued     time.Time
	Revoked    time.Time // zero if not
	Reason     Reason
	Erased     time.Time // zero if not
	Building   *ID       // the building of a distributed notice
	Seq        *uint64   // the anchor's sequence number, once posted
	Commitment [CommitmentSize]byte
	Latest     uint32 // the latest version of the series in the store
}

// Issue issues a document to one resident, on actor's authority (a
// registered issuer): it stores the content with a fresh 32-byte salt and
// posts the anchor (docs/spec/documents.md, section 4.2).
func (s *Service) Issue(ctx context.Context, actor, recipient identity.ResidentID, d Draft) (*Document, error) {
	if _, err := s.cfg.Identity.Roles(ctx, recipient); err != nil {
		return nil, fmt.Errorf("%w: no such resident", ErrNotFound)
	}
	return s.issue(ctx, actor, d, nil, []identity.ResidentID{recipient}, nil)
}

// IssueToOwners issues a notice to every owner of building, on actor's
// authority, and posts, after its anchor, a doc-distribution entry with
// the number of owners and the Merkle root of their sorted recipient
// leaves (section 5), so that each owner can prove being, or not being,
// among the recipients.
func (s *Service) IssueToOwners(ctx context.Context, actor identity.ResidentID, building ID, d Draft) (*Document, error) {
	var owners []identity.ResidentID
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		owners = owners[:0]
		if err := buildingExists(ctx, tx, building); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT resident FROM documents_occupancies WHERE building = $1 AND relation = $2",
			building[:], int(RelationOwner))
		if err != nil {
			return fmt.Errorf("documents: reading owners: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return fmt.Errorf("documents: reading owners: %w", err)
			}
			owners = append(owners, identity.ResidentID(b))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(owners) == 0 {
		return nil, fmt.Errorf("%w: the building has no owner on record", ErrNoRecipients)
	}
	return s.issue(ctx, actor, d, nil, owners, &building)
}

// NewVersion issues version n+1 of the series of document id (which must
// be its issuer's, neither revoked nor erased, and the latest version) to
// the same recipients; the earlier version is superseded from then on.
func (s *Service) NewVersion(ctx context.Context, actor identity.ResidentID, id ID, d Draft) (*Document, error) {
	var prev *Document
	var recipients []identity.ResidentID
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		if prev, err = s.issuedBy(ctx, tx, actor, id); err != nil {
			return err
		}
		recipients, err = recipientsOf(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !prev.Erased.IsZero() || !prev.Revoked.IsZero():
		return nil, fmt.Errorf("%w: the document is revoked or erased", ErrConflict)
	case prev.Version != prev.Latest:
		return nil, fmt.Errorf("%w: version %d is not the latest (%d)", ErrConflict, prev.Version, prev.Latest)
	}
	return s.issue(ctx, actor, d, prev, recipients, prev.Building)
}

func recipientsOf(ctx context.Context, tx store.Tx, id ID) ([]identity.ResidentID, error) {
	rows, err := tx.QueryContext(ctx, "SELECT resident FROM documents_recipients WHERE doc = $1", id[:])
	if err != nil {
		return nil, fmt.Errorf("documents: reading recipients: %w", err)
	}
	defer rows.Close()
	var out []identity.ResidentID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, identity.ResidentID(b))
	}
	return out, rows.Err()
}

func (s *Service) issue(ctx context.Context, actor identity.ResidentID, d Draft, prev *Document, recipients []identity.ResidentID, building *ID) (*Document, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer); err != nil {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	salt := make([]byte, SaltSize)
	if _, err := io.ReadFull(s.cfg.Rand, salt); err != nil {
		return nil, fmt.Errorf("documents: reading randomness: %w", err)
	}
	c, err := Commit(salt, d.Content, d.MediaType, d.Title)
	if err != nil {
		return nil, err
	}
	a := &Anchor{Version: 1, Type: d.Type, ValidFrom: d.ValidFrom.Truncate(time.Second), ValidUntil: d.ValidUntil.Truncate(time.Second), Commitment: c}
	if prev != nil {
		a.Series, a.Version = prev.Series, prev.Version+1
	} else if a.Series, err = NewSeries(s.cfg.Rand); err != nil {
		return nil, err
	}
	var dist *Distribution
	var leaves []byte
	if building != nil {
		ls := make([][32]byte, len(recipients))
		for i, r := range recipients {
			p, err := s.cfg.Identity.Pseudonym(r, "documents", DistributionContext(a.Series, a.Version))
			if err != nil {
				return nil, fmt.Errorf("documents: a recipient's pseudonym: %w", err)
			}
			ls[i] = RecipientLeaf(a.Series, a.Version, p)
		}
		sorted, err := SortLeaves(ls)
		if err != nil {
			return nil, err
		}
		dist = &Distribution{Series: a.Series, Version: a.Version, Count: uint32(len(sorted)), Root: RecipientsRoot(sorted)}
		for _, l := range sorted {
			leaves = append(leaves, l[:]...)
		}
	}
	now := s.now()
	err = s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		sk, err := s.issuerKey(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := a.Sign(s.cfg.Rand, sk); err != nil {
			return err
		}
		anchor, err := s.enqueue(ctx, tx, bulletin.KindDocAnchor, a.Bytes())
		if err != nil {
			return err
		}
		var b []byte
		if building != nil {
			b = building[:]
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO documents_docs (id, series, version, issuer, type, title, media_type, content, salt,
			commitment, valid_from, valid_until, building, created, anchor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			id[:], a.Series[:], int64(a.Version), actor[:], int(a.Type), d.Title, d.MediaType, nonNil(d.Content), salt, c[:],
			int64(unix(a.ValidFrom)), int64(unix(a.ValidUntil)), b, now, anchor)
		if err != nil {
			if prev != nil {
				return fmt.Errorf("%w: version %d exists (another new version was issued at the same time)", ErrConflict, a.Version)
			}
			return fmt.Errorf("documents: storing a document: %w", err)
		}
		rows := make([][]any, len(recipients))
		for i, r := range recipients {
			rows[i] = []any{id[:], r[:]}
		}
		if err := s.cfg.DB.InsertRows(ctx, tx, "documents_recipients", []string{"doc", "resident"}, rows); err != nil {
			return fmt.Errorf("documents: storing recipients: %w", err)
		}
		if dist != nil {
			if err := dist.Sign(s.cfg.Rand, sk); err != nil {
				return err
			}
			entry, err := s.enqueue(ctx, tx, bulletin.KindDocDistribution, dist.Bytes())
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO documents_distributions (doc, count, root, leaves, entry) VALUES ($1, $2, $3, $4, $5)",
				id[:], int64(dist.Count), dist.Root[:], nonNil(leaves), entry); err != nil {
				return fmt.Errorf("documents: storing a distribution: %w", err)
			}
		}
		return nil
	})
	clear(salt)
	if err != nil {
		return nil, err
	}
	s.postNow(ctx)
	return s.document(ctx, id)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const docColumns = `d.id, d.series, d.version, d.type, d.title, d.media_type, i.name, d.valid_from, d.valid_until, d.created,
	d.revoked, d.reason, d.erased, d.building, e.posted_seq, d.commitment,
	(SELECT max(version) FROM documents_docs l WHERE l.series = d.series)`

const docFrom = ` FROM documents_docs d JOIN documents_issuers i ON i.resident = d.issuer JOIN documents_entries e ON e.id = d.anchor`

func scanDocument(sc interface{ Scan(...any) error }) (*Document, error) {
	var doc Document
	var id, series, building, commitment []byte
	var title, media sql.NullString
	var version, typ, from, until, created, latest int64
	var revoked, reason, erased, seq sql.NullInt64
	if err := sc.Scan(&id, &series, &version, &typ, &title, &media, &doc.Issuer, &from, &until, &created,
		&revoked, &reason, &erased, &building, &seq, &commitment, &latest); err != nil {
		return nil, err
	}
	copy(doc.ID[:], id)
	copy(doc.Series[:], series)
	copy(doc.Commitment[:], commitment)
	doc.Version, doc.Type, doc.Title, doc.MediaType = uint32(version), Type(typ), title.String, media.String
	doc.ValidFrom, doc.ValidUntil = fromUnix(uint64(from)), fromUnix(uint64(until))
	doc.Issued, doc.Latest = time.UnixMicro(created).UTC(), uint32(latest)
	if revoked.Valid {
		doc.Revoked, doc.Reason = time.UnixMicro(revoked.Int64).UTC(), Reason(reason.Int64)
	}
	if erased.Valid {
		doc.Erased = time.UnixMicro(erased.Int64).UTC()
	}
	if building != nil {
		b := ID(building)
		doc.Building = &b
	}
	if seq.Valid {
		q := uint64(seq.Int64)
		doc.Seq = &q
	}
	return &doc, nil
}

func (s *Service) document(ctx context.Context, id ID) (*Document, error) {
	var doc *Document
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		doc, err = scanDocument(tx.QueryRowContext(ctx, "SELECT "+docColumns+docFrom+" WHERE d.id = $1", id[:]))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no such document", ErrNotFound)
		}
		return err
	})
	return doc, err
}

// issuedBy returns document id if actor issued it, else ErrNotFound.
func (s *Service) issuedBy(ctx context.Context, tx store.Tx, actor identity.ResidentID, id ID) (*Document, error) {
	doc, err := scanDocument(tx.QueryRowContext(ctx, "SELECT "+docColumns+docFrom+" WHERE d.id = $1 AND d.issuer = $2", id[:], actor[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no such document", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("documents: reading a document: %w", err)
	}
	return doc, nil
}

// received returns document id if resident received it, else ErrNotFound
// (the same answer for an id that does not exist and one of another's).
func received(ctx context.Context, tx store.Tx, resident identity.ResidentID, id ID) (*Document, error) {
	doc, err := scanDocument(tx.QueryRowContext(ctx, "SELECT "+docColumns+docFrom+
		" JOIN documents_recipients r ON r.doc = d.id WHERE d.id = $1 AND r.resident = $2", id[:], resident[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no such document", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("documents: reading a document: %w", err)
	}
	return doc, nil
}

func (s *Service) list(ctx context.Context, query string, arg any) ([]Document, error) {
	var out []Document
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, query, arg)
		if err != nil {
			return fmt.Errorf("documents: listing: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDocument(rows)
			if err != nil {
				return fmt.Errorf("documents: listing: %w", err)
			}
			out = append(out, *d)
		}
		return rows.Err()
	})
	return out, err
}

// Received lists the document versions resident received, newest first.
func (s *Service) Received(ctx context.Context, resident identity.ResidentID) ([]Document, error) {
	return s.list(ctx, "SELECT "+docColumns+docFrom+
		" JOIN documents_recipients r ON r.doc = d.id WHERE r.resident = $1 ORDER BY d.created DESC, d.version DESC", resident[:])
}

// Issued lists the document versions actor issued, newest first.
func (s *Service) Issued(ctx context.Context, actor identity.ResidentID) ([]Document, error) {
	return s.list(ctx, "SELECT "+docColumns+docFrom+" WHERE d.issuer = $1 ORDER BY d.created DESC, d.version DESC", actor[:])
}

// Get returns document id if resident received or issued it.
func (s *Service) Get(ctx context.Context, resident identity.ResidentID, id ID) (*Document, error) {
	var doc *Document
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		doc, err = received(ctx, tx, resident, id)
		if errors.Is(err, ErrNotFound) {
			doc, err = s.issuedBy(ctx, tx, resident, id)
		}
		return err
	})
	return doc, err
}

// file builds the document file of id (which the caller may read).
func (s *Service) file(ctx context.Context, tx store.Tx, doc *Document) (*File, error) {
	if !doc.Erased.IsZero() {
		return nil, fmt.Errorf("%w: the document was erased", ErrNotFound)
	}
	if doc.Seq == nil {
		return nil, ErrNotAnchored
	}
	var content, salt []byte
	if err := tx.QueryRowContext(ctx, "SELECT content, salt FROM documents_docs WHERE id = $1", doc.ID[:]).Scan(&content, &salt); err != nil {
		return nil, fmt.Errorf("documents: reading a document: %w", err)
	}
	return &File{Format: FileFormat, Topic: s.cfg.Topic.String(), Seq: *doc.Seq, Series: doc.Series.String(), Version: doc.Version,
		Type: doc.Type.String(), Title: doc.Title, MediaType: doc.MediaType, Salt: hex.EncodeToString(salt),
		Content: base64.StdEncoding.EncodeToString(content)}, nil
}

// Download returns the document file of id, if resident received or issued
// it and it is anchored and not erased.
func (s *Service) Download(ctx context.Context, resident identity.ResidentID, id ID) (*File, error) {
	var f *File
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		doc, err := received(ctx, tx, resident, id)
		if errors.Is(err, ErrNotFound) {
			doc, err = s.issuedBy(ctx, tx, resident, id)
		}
		if err != nil {
			return err
		}
		f, err = s.file(ctx, tx, doc)
		return err
	})
	return f, err
}

// Revoke revokes document id (a version actor issued) for reason, and posts
// the doc-revoke entry. A version is revoked once.
func (s *Service) Revoke(ctx context.Context, actor identity.ResidentID, id ID, reason Reason) error {
	if !reason.Valid() {
		return fmt.Errorf("%w: unknown revocation reason", ErrMalformed)
	}
	if err := s.require(ctx, actor, identity.RoleDocumentIssuer); err != nil {
		return err
	}
	now := s.cfg.Now()
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		doc, err := s.issuedBy(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !doc.Revoked.IsZero() {
			return fmt.Errorf("%w: already revoked", ErrConflict)
		}
		sk, err := s.issuerKey(ctx, tx, actor)
		if err != nil {
			return err
		}
		r := &Revocation{Series: doc.Series, Version: doc.Version, Reason: reason, RevokedAt: now.Truncate(time.Second)}
		if err := r.Sign(s.cfg.Rand, sk); err != nil {
			return err
		}
		entry, err := s.enqueue(ctx, tx, bulletin.KindDocRevoke, r.Bytes())
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE documents_docs SET revoked = $1, reason = $2, revoke_entry = $3 WHERE id = $4 AND revoked IS NULL",
			now.UnixMicro(), int(reason), entry, id[:])
		if err != nil {
			return fmt.Errorf("documents: revoking: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: already revoked", ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "UPDATE documents_shares SET revoked = $1 WHERE doc = $2 AND revoked IS NULL", now.UnixMicro(), id[:])
		return err
	})
	if err != nil {
		return err
	}
	s.postNow(ctx)
	return nil
}

// Erase deletes document id's content, title, media type and salt for good,
// and with them every tie between the version and people or places: its
// recipients, its shares, its building, and the leaves of its recipient
// list (so no membership proof can be made any more), on the authority of
// its issuer or an administrator. The anchor (and a notice's count and
// root) stays on the board, but without the salt nothing can be checked
// against its commitment, and nothing left in the database links it to
// anyone. The row keeps only what the board shows (issuer, series,
// version, type, validity), so the issuer can still revoke the version.
func (s *Service) Erase(ctx context.Context, actor identity.ResidentID, id ID) error {
	roles, err := s.roles(ctx, actor)
	if err != nil {
		return err
	}
	now := s.now()
	return s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		q := "UPDATE documents_docs SET content = NULL, salt = NULL, title = NULL, media_type = NULL, building = NULL, erased = $1 WHERE id = $2 AND erased IS NULL"
		args := []any{now, id[:]}
		if !roles.Has(identity.RoleAdministrator) {
			q += " AND issuer = $3"
			args = append(args, actor[:])
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("documents: erasing: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: no such document, or already erased", ErrNotFound)
		}
		for _, q := range []string{"DELETE FROM documents_shares WHERE doc = $1", "DELETE FROM documents_recipients WHERE doc = $1",
			"UPDATE documents_distributions SET leaves = $2 WHERE doc = $1"} {
			args := []any{id[:]}
			if strings.Contains(q, "$2") {
				args = append(args, []byte{})
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("documents: erasing: %w", err)
			}
		}
		return nil
	})
}

// A Share is a revocable link to one document.
type Share struct {
	ID      [8]byte
	Doc     ID
	Created time.Time
	Expires time.Time
	Revoked time.Time // zero if not
}

// ShareID returns the share's id in hex.
func (sh *Share) ShareID() string { return hex.EncodeToString(sh.ID[:]) }

// MaxShareTTL bounds a share's lifetime.
const MaxShareTTL = 90 * 24 * time.Hour

// Share makes a share code for document id, which resident received: whoever
// has the code downloads the document file ([Service.Shared]) until it
// expires (ttl, at most [MaxShareTTL]) or resident revokes it. The code
// (32 base32 characters, 160 random bits) is returned once; only its hash is
// stored.
func (s *Service) Share(ctx context.Context, resident identity.ResidentID, id ID, ttl time.Duration) (string, *Share, error) {
	if ttl <= 0 || ttl > MaxShareTTL {
		return "", nil, fmt.Errorf("%w: a share lasts from 1 s to %v", ErrMalformed, MaxShareTTL)
	}
	raw := make([]byte, 20)
	if _, err := io.ReadFull(s.cfg.Rand, raw); err != nil {
		return "", nil, fmt.Errorf("documents: reading randomness: %w", err)
	}
	code := shareCodeEncoding.EncodeToString(raw)
	sh := &Share{Doc: id, Created: s.cfg.Now().UTC().Truncate(time.Microsecond)}
	sh.Expires = sh.Created.Add(ttl)
	if _, err := io.ReadFull(s.cfg.Rand, sh.ID[:]); err != nil {
		return "", nil, fmt.Errorf("documents: reading randomness: %w", err)
	}
	h := shareHash(code)
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		doc, err := received(ctx, tx, resident, id)
		if err != nil {
			return err
		}
		if !doc.Erased.IsZero() || !doc.Revoked.IsZero() {
			return fmt.Errorf("%w: a revoked or erased document is not shared", ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO documents_shares (id, code_hash, doc, resident, created, expires) VALUES ($1, $2, $3, $4, $5, $6)",
			sh.ID[:], h[:], id[:], resident[:], sh.Created.UnixMicro(), sh.Expires.UnixMicro())
		if err != nil {
			return fmt.Errorf("documents: storing a share: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return code, sh, nil
}

// Shares lists resident's shares of document id.
func (s *Service) Shares(ctx context.Context, resident identity.ResidentID, id ID) ([]Share, error) {
	var out []Share
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		if _, err := received(ctx, tx, resident, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT id, created, expires, revoked FROM documents_shares WHERE doc = $1 AND resident = $2 ORDER BY created",
			id[:], resident[:])
		if err != nil {
			return fmt.Errorf("documents: listing shares: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sid []byte
			var created, expires int64
			var revoked sql.NullInt64
			if err := rows.Scan(&sid, &created, &expires, &revoked); err != nil {
				return err
			}
			sh := Share{Doc: id, Created: time.UnixMicro(created).UTC(), Expires: time.UnixMicro(expires).UTC()}
			copy(sh.ID[:], sid)
			if revoked.Valid {
				sh.Revoked = time.UnixMicro(revoked.Int64).UTC()
			}
			out = append(out, sh)
		}
		return rows.Err()
	})
	return out, err
}

// Unshare revokes resident's share shareID of document id.
func (s *Service) Unshare(ctx context.Context, resident identity.ResidentID, id ID, shareID string) error {
	sid, err := hex.DecodeString(shareID)
	if err != nil || len(sid) != 8 {
		return fmt.Errorf("%w: no such share", ErrNotFound)
	}
	return s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE documents_shares SET revoked = $1 WHERE id = $2 AND doc = $3 AND resident = $4 AND revoked IS NULL",
			s.now(), sid, id[:], resident[:])
		if err != nil {
			return fmt.Errorf("documents: revoking a share: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: no such share, or already revoked", ErrNotFound)
		}
		return nil
	})
}

// Shared returns the document file a share code opens, or ErrNotFound for
// a code that is unknown, expired or revoked, or whose document was revoked
// or erased (the cases are not told apart).
func (s *Service) Shared(ctx context.Context, code string) (*File, error) {
	if len(code) > 64 {
		return nil, fmt.Errorf("%w: no such share", ErrNotFound)
	}
	h := shareHash(code)
	var f *File
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var docID []byte
		var expires int64
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT doc, expires, revoked FROM documents_shares WHERE code_hash = $1", h[:]).Scan(&docID, &expires, &revoked)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (revoked.Valid || expires <= s.now()) {
			return fmt.Errorf("%w: no such share", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("documents: reading a share: %w", err)
		}
		doc, err := scanDocument(tx.QueryRowContext(ctx, "SELECT "+docColumns+docFrom+" WHERE d.id = $1", docID))
		if err != nil {
			return fmt.Errorf("documents: reading a document: %w", err)
		}
		if !doc.Revoked.IsZero() {
			return fmt.Errorf("%w: no such share", ErrNotFound)
		}
		f, err = s.file(ctx, tx, doc)
		return err
	})
	return f, err
}

// Membership returns resident's membership proof for the distribution of
// document version id: resident need not have received it (an owner left
// out proves exactly that), but the version must be a distributed one.
// The leaf is resident's ([RecipientLeaf]); the proof verifies against the
// doc-distribution entry's count and root ([VerifyMembership]).
func (s *Service) Membership(ctx context.Context, resident identity.ResidentID, series Series, version uint32) (*MembershipProof, *Distribution, error) {
	var leaves []byte
	var count int64
	var root []byte
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT t.leaves, t.count, t.root FROM documents_distributions t JOIN documents_docs d ON d.id = t.doc
			WHERE d.series = $1 AND d.version = $2`, series[:], int64(version)).Scan(&leaves, &count, &root)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no such distribution", ErrNotFound)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if len(leaves) == 0 && count > 0 {
		return nil, nil, fmt.Errorf("%w: the notice was erased", ErrNotFound)
	}
	if len(leaves) != 32*int(count) {
		return nil, nil, fmt.Errorf("documents: a stored distribution has %d bytes of leaves for %d", len(leaves), count)
	}
	sorted := make([][32]byte, count)
	for i := range sorted {
		sorted[i] = [32]byte(leaves[32*i:])
	}
	p, err := s.cfg.Identity.Pseudonym(resident, "documents", DistributionContext(series, version))
	if err != nil {
		return nil, nil, err
	}
	proof, err := ProveMembership(sorted, RecipientLeaf(series, version, p))
	if err != nil {
		return nil, nil, err
	}
	d := &Distribution{Series: series, Version: version, Count: uint32(count), Root: [32]byte(root)}
	if RecipientsRoot(sorted) != d.Root || !bytes.Equal(root, d.Root[:]) {
		return nil, nil, errors.New("documents: a stored distribution does not match its root")
	}
	return proof, d, nil
}
