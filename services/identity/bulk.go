package identity

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/store"
)

// What a credential authority needs to deliver to many residents at once:
// their ids and keys by identifier or by role, and a delivery that stores
// every ciphertext or none.

// A Recipient is a resident as a credential authority sees it.
type Recipient struct {
	ID         ResidentID
	Identifier string            // normalised
	Key        *hybrid.PublicKey // nil if the resident has registered none
}

// Recipients returns the residents registered under identifiers, in the
// same order, in one transaction. An identifier no resident has gives a
// Recipient with the zero ID (and the normalised identifier); an
// identifier that cannot be normalised is an error wrapping
// [ErrInvalidIdentifier] that gives its index, not the identifier.
func (s *Service) Recipients(ctx context.Context, identifiers []string) ([]Recipient, error) {
	out := make([]Recipient, len(identifiers))
	for i, ident := range identifiers {
		n, err := NormalizeIdentifier(ident)
		if err != nil {
			return nil, fmt.Errorf("identifier %d: %w", i+1, err)
		}
		out[i].Identifier = n
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := range out {
			out[i].ID, out[i].Key = ResidentID{}, nil
			var id, key []byte
			err := tx.QueryRowContext(ctx, "SELECT id, hybrid_key FROM identity_residents WHERE identifier = $1",
				out[i].Identifier).Scan(&id, &key)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("identity: looking up residents: %w", err)
			}
			if err := out[i].fill(id, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecipientsWithRole returns every resident holding role r, ordered by
// normalised identifier.
func (s *Service) RecipientsWithRole(ctx context.Context, r Role) ([]Recipient, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRole, r)
	}
	var out []Recipient
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx,
			`SELECT r.id, r.identifier, r.hybrid_key FROM identity_residents r
			 JOIN identity_roles g ON g.resident = r.id WHERE g.role = $1`, r.String())
		if err != nil {
			return fmt.Errorf("identity: listing residents with a role: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				rc      Recipient
				id, key []byte
			)
			if err := rows.Scan(&id, &rc.Identifier, &key); err != nil {
				return fmt.Errorf("identity: listing residents with a role: %w", err)
			}
			if err := rc.fill(id, key); err != nil {
				return err
			}
			out = append(out, rc)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("identity: listing residents with a role: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Sorted here, byte-wise: ORDER BY follows each database's collation.
	slices.SortFunc(out, func(a, b Recipient) int { return strings.Compare(a.Identifier, b.Identifier) })
	return out, nil
}

func (rc *Recipient) fill(id, key []byte) error {
	var err error
	if rc.ID, err = residentIDFromDB(id); err != nil {
		return err
	}
	if key != nil {
		if rc.Key, err = hybrid.NewPublicKey(key); err != nil {
			return fmt.Errorf("identity: stored encryption key of resident %s: %w: %w", rc.ID, ErrMalformed, err)
		}
	}
	return nil
}

// A Parcel is one ciphertext for [Service.DeliverAll].
type Parcel struct {
	Recipient  ResidentID
	Ciphertext *hybrid.Ciphertext
}

// DeliverAll delivers every parcel for election on the authority of
// resident actor, as [Service.Deliver] does one, but all or nothing: one
// transaction stores every ciphertext, or an error leaves the inboxes as
// they were. The proofs are checked first, on all cores, against the
// recipients' registered keys; a key replaced meanwhile fails the
// delivery. A recipient may appear once.
func (s *Service) DeliverAll(ctx context.Context, actor ResidentID, election string, parcels []Parcel) error {
	if err := checkName("election", election); err != nil {
		return err
	}
	seen := make(map[ResidentID]bool, len(parcels))
	for i, p := range parcels {
		ct := p.Ciphertext
		if ct == nil || ct.E == nil || ct.R == nil || ct.Z == nil {
			return fmt.Errorf("%w: parcel %d: incomplete ciphertext", ErrMalformed, i+1)
		}
		if ct.Size() > MaxDeliverySize {
			return fmt.Errorf("%w: parcel %d: a delivered ciphertext is at most %d bytes", ErrMalformed, i+1, MaxDeliverySize)
		}
		if seen[p.Recipient] {
			return fmt.Errorf("%w: resident %s is the recipient of two parcels", ErrMalformed, p.Recipient)
		}
		seen[p.Recipient] = true
	}

	// 1. The recipients' keys, and the proofs checked against them.
	keys := make([]*hybrid.PublicKey, len(parcels))
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ok, err := hasRole(ctx, tx, actor, RoleCredentialAuthority)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: only a credential authority delivers", ErrForbidden)
		}
		for i, p := range parcels {
			if keys[i], err = encryptionKey(ctx, tx, p.Recipient); err != nil {
				return fmt.Errorf("identity: deliver: resident %s: %w", p.Recipient, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := verifyParcels(parcels, keys, election); err != nil {
		return err
	}

	// 2. Store them all, if the keys are still those.
	now := micros(s.now())
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ok, err := hasRole(ctx, tx, actor, RoleCredentialAuthority)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: only a credential authority delivers", ErrForbidden)
		}
		for i, p := range parcels {
			pk, err := encryptionKey(ctx, tx, p.Recipient)
			if err != nil {
				return fmt.Errorf("identity: deliver: resident %s: %w", p.Recipient, err)
			}
			if !pk.Equal(keys[i]) {
				return fmt.Errorf("identity: deliver: resident %s replaced its encryption key during the delivery; seal again", p.Recipient)
			}
			enc := p.Ciphertext.Bytes()
			var old, oldKey []byte
			err = tx.QueryRowContext(ctx, "SELECT blob, recipient_key FROM identity_inbox WHERE resident = $1 AND election = $2",
				p.Recipient[:], election).Scan(&old, &oldKey)
			switch {
			case err == nil:
				if bytes.Equal(old, enc) && bytes.Equal(oldKey, pk.Bytes()) {
					continue
				}
				return fmt.Errorf("identity: deliver: resident %s: %w", p.Recipient, ErrAlreadyDelivered)
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("identity: deliver: %w", err)
			}
			_, err = tx.ExecContext(ctx,
				`INSERT INTO identity_inbox (resident, election, recipient_key, blob, sender, delivered) VALUES ($1, $2, $3, $4, $5, $6)`,
				p.Recipient[:], election, pk.Bytes(), enc, actor[:], now)
			if err != nil {
				return fmt.Errorf("identity: deliver: %w", err)
			}
		}
		return nil
	})
}

// verifyParcels checks each parcel's proof for its key and the delivery's
// associated data, on all cores.
func verifyParcels(parcels []Parcel, keys []*hybrid.PublicKey, election string) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(parcels)/64))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = map[int]error{}
	)
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				p := parcels[i]
				if err := p.Ciphertext.Verify(keys[i], DeliveryAD(p.Recipient, election)); err != nil {
					mu.Lock()
					errs[i] = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range parcels {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range parcels { // report the first, in order
		if err := errs[i]; err != nil {
			return fmt.Errorf("identity: deliver: parcel %d is not sealed to resident %s's key for this election: %w", i+1, parcels[i].Recipient, err)
		}
	}
	return nil
}

// DeliveryCount returns how many residents have a delivery for election.
func (s *Service) DeliveryCount(ctx context.Context, election string) (int, error) {
	if err := checkName("election", election); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM identity_inbox WHERE election = $1", election).Scan(&n); err != nil {
			return fmt.Errorf("identity: counting deliveries: %w", err)
		}
		return nil
	})
	return int(n), err
}

// WithdrawDeliveries deletes every delivery for election, on the authority
// of resident actor, who must be a credential authority ([ErrForbidden]),
// and returns how many there were. It is for an issuance that was
// interrupted before its credential list was posted: those credentials
// can never vote. Withdrawing after the list is posted would take away
// credentials that can.
func (s *Service) WithdrawDeliveries(ctx context.Context, actor ResidentID, election string) (int, error) {
	if err := checkName("election", election); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ok, err := hasRole(ctx, tx, actor, RoleCredentialAuthority)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: only a credential authority withdraws deliveries", ErrForbidden)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM identity_inbox WHERE election = $1", election)
		if err != nil {
			return fmt.Errorf("identity: withdrawing deliveries: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("identity: withdrawing deliveries: %w", err)
		}
		return nil
	})
	return int(n), err
}
