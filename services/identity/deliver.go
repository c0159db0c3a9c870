package identity

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/store"
)

// MaxDeliverySize bounds the encoding of a delivered ciphertext.
const MaxDeliverySize = 64 << 10

// Pseudonym returns resident's pseudonym in service (a name of 1-63
// characters a-z, 0-9 and -, such as "voting", "documents", "stalls",
// "polls") and context (at most [MaxContextSize] bytes, such as an
// election or a season id; may be empty):
//
//	HMAC-SHA-256(K_pseudonym, "veche/identity/pseudonym/v1" ||
//	    u32(len(service)) || service || u32(len(context)) || context || resident)
//
// with K_pseudonym derived from the server secret (docs/spec/identity.md,
// sections 3 and 4). It is deterministic, and without the secret the
// pseudonyms of one resident under different services or contexts are
// unrelated values. It does not check that the resident exists.
func (s *Service) Pseudonym(resident ResidentID, service string, context []byte) (Pseudonym, error) {
	if resident.IsZero() {
		return Pseudonym{}, fmt.Errorf("%w: the zero resident id", ErrMalformed)
	}
	if err := checkName("service", service); err != nil {
		return Pseudonym{}, err
	}
	if len(context) > MaxContextSize {
		return Pseudonym{}, fmt.Errorf("%w: a pseudonym context is at most %d bytes", ErrMalformed, MaxContextSize)
	}
	return s.keys.pseudonymOf(resident, service, context), nil
}

// SetEncryptionKey registers (or replaces) resident id's crypto/hybrid
// public key, to which deliveries are encrypted. Ciphertexts delivered
// before a replacement stay sealed to the old key.
func (s *Service) SetEncryptionKey(ctx context.Context, id ResidentID, pk *hybrid.PublicKey) error {
	if pk == nil {
		return errors.New("identity: nil public key")
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE identity_residents SET hybrid_key = $1 WHERE id = $2", pk.Bytes(), id[:])
		if err != nil {
			return fmt.Errorf("identity: setting the encryption key: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("identity: setting the encryption key: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// EncryptionKey returns resident id's hybrid public key, or
// [ErrNoEncryptionKey].
func (s *Service) EncryptionKey(ctx context.Context, id ResidentID) (*hybrid.PublicKey, error) {
	var pk *hybrid.PublicKey
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) (err error) {
		pk, err = encryptionKey(ctx, tx, id)
		return err
	})
	return pk, err
}

func encryptionKey(ctx context.Context, tx store.Tx, id ResidentID) (*hybrid.PublicKey, error) {
	var b []byte
	err := tx.QueryRowContext(ctx, "SELECT hybrid_key FROM identity_residents WHERE id = $1", id[:]).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("identity: reading the encryption key: %w", err)
	}
	if b == nil {
		return nil, ErrNoEncryptionKey
	}
	pk, err := hybrid.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("identity: stored encryption key of resident %s: %w: %w", id, ErrMalformed, err)
	}
	return pk, nil
}

// A Delivery is a ciphertext delivered to a resident for an election.
type Delivery struct {
	Election     string
	RecipientKey *hybrid.PublicKey // the key it is sealed to
	Ciphertext   *hybrid.Ciphertext
	Sender       ResidentID
	Delivered    time.Time // UTC
}

// Deliver stores ct in the inbox of resident recipient for election (a
// name of 1-63 characters a-z, 0-9 and -), on the authority of resident
// actor, who must be a credential authority ([ErrForbidden]). ct must be
// sealed to the recipient's registered key ([ErrNoEncryptionKey] if none)
// under the associated data [DeliveryAD](recipient, election): its proof
// is checked against them, so a ciphertext made for another resident,
// election or key is refused. One ciphertext is kept per resident and
// election: delivering the same one again does nothing, a different one
// gives [ErrAlreadyDelivered].
func (s *Service) Deliver(ctx context.Context, actor, recipient ResidentID, election string, ct *hybrid.Ciphertext) error {
	if err := checkName("election", election); err != nil {
		return err
	}
	if ct == nil || ct.E == nil || ct.R == nil || ct.Z == nil {
		return fmt.Errorf("%w: incomplete ciphertext", ErrMalformed)
	}
	if ct.Size() > MaxDeliverySize {
		return fmt.Errorf("%w: a delivered ciphertext is at most %d bytes", ErrMalformed, MaxDeliverySize)
	}
	enc := ct.Bytes()
	ad := DeliveryAD(recipient, election)
	now := micros(s.now())
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ok, err := hasRole(ctx, tx, actor, RoleCredentialAuthority)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: only a credential authority delivers", ErrForbidden)
		}
		pk, err := encryptionKey(ctx, tx, recipient)
		if err != nil {
			return err
		}
		if err := ct.Verify(pk, ad); err != nil {
			return fmt.Errorf("identity: deliver: the ciphertext is not sealed to the recipient's key for this election: %w", err)
		}
		var old, oldKey []byte
		err = tx.QueryRowContext(ctx, "SELECT blob, recipient_key FROM identity_inbox WHERE resident = $1 AND election = $2",
			recipient[:], election).Scan(&old, &oldKey)
		switch {
		case err == nil:
			if bytes.Equal(old, enc) && bytes.Equal(oldKey, pk.Bytes()) {
				return nil
			}
			return ErrAlreadyDelivered
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("identity: deliver: %w", err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO identity_inbox (resident, election, recipient_key, blob, sender, delivered) VALUES ($1, $2, $3, $4, $5, $6)`,
			recipient[:], election, pk.Bytes(), enc, actor[:], now)
		if err != nil {
			return fmt.Errorf("identity: deliver: %w", err)
		}
		return nil
	})
}

// Delivery returns what was delivered to resident id for election, or
// [ErrNoDelivery]. The caller must have established that the requester is
// the resident (a [Principal] from [Service.Verify]).
func (s *Service) Delivery(ctx context.Context, id ResidentID, election string) (*Delivery, error) {
	if err := checkName("election", election); err != nil {
		return nil, err
	}
	ds, err := s.deliveries(ctx, id, &election)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, ErrNoDelivery
	}
	return &ds[0], nil
}

// Deliveries returns everything delivered to resident id, by election.
func (s *Service) Deliveries(ctx context.Context, id ResidentID) ([]Delivery, error) {
	return s.deliveries(ctx, id, nil)
}

func (s *Service) deliveries(ctx context.Context, id ResidentID, election *string) ([]Delivery, error) {
	q := "SELECT election, recipient_key, blob, sender, delivered FROM identity_inbox WHERE resident = $1"
	args := []any{id[:]}
	if election != nil {
		q += " AND election = $2"
		args = append(args, *election)
	}
	var out []Delivery
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("identity: reading deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				d                 Delivery
				key, blob, sender []byte
				at                int64
			)
			if err := rows.Scan(&d.Election, &key, &blob, &sender, &at); err != nil {
				return fmt.Errorf("identity: reading deliveries: %w", err)
			}
			if d.RecipientKey, err = hybrid.NewPublicKey(key); err != nil {
				return fmt.Errorf("identity: stored delivery: %w: %w", ErrMalformed, err)
			}
			if d.Ciphertext, err = hybrid.ParseCiphertext(blob); err != nil {
				return fmt.Errorf("identity: stored delivery: %w: %w", ErrMalformed, err)
			}
			if d.Sender, err = residentIDFromDB(sender); err != nil {
				return err
			}
			d.Delivered = fromMicros(at)
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("identity: reading deliveries: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Sorted here: ORDER BY follows each database's collation.
	slices.SortFunc(out, func(a, b Delivery) int { return strings.Compare(a.Election, b.Election) })
	return out, nil
}
