package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/veche/veche/services/store"
)

// Actions in identity_role_log.
const (
	logGrant  = 1
	logRevoke = 2
)

// rolesOf reads a resident's roles.
func rolesOf(ctx context.Context, tx store.Tx, id ResidentID) (Roles, error) {
	rows, err := tx.QueryContext(ctx, "SELECT role FROM identity_roles WHERE resident = $1", id[:])
	if err != nil {
		return 0, fmt.Errorf("identity: reading roles: %w", err)
	}
	defer rows.Close()
	var s Roles
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return 0, fmt.Errorf("identity: reading roles: %w", err)
		}
		r, err := ParseRole(name)
		if err != nil {
			return 0, fmt.Errorf("identity: stored role of resident %s: %w", id, err)
		}
		s = s.With(r)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("identity: reading roles: %w", err)
	}
	return s, nil
}

// hasRole reports whether resident id holds role r.
func hasRole(ctx context.Context, tx store.Tx, id ResidentID, r Role) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM identity_roles WHERE resident = $1 AND role = $2", id[:], r.String()).Scan(&one)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return false, fmt.Errorf("identity: reading roles: %w", err)
}

// Roles returns the roles of resident id.
func (s *Service) Roles(ctx context.Context, id ResidentID) (Roles, error) {
	var roles Roles
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		ok, err := exists(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		roles, err = rolesOf(ctx, tx, id)
		return err
	})
	return roles, err
}

// BootstrapAdministrator makes resident subject the first administrator.
// It is the operator's step when a deployment is set up (from the command
// line, not through the API), and it fails with [ErrForbidden] once any
// resident is an administrator: from then on administrators grant roles.
func (s *Service) BootstrapAdministrator(ctx context.Context, subject ResidentID) error {
	now := micros(s.now())
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM identity_roles WHERE role = $1 LIMIT 1", RoleAdministrator.String()).Scan(&one)
		switch {
		case err == nil:
			return fmt.Errorf("%w: an administrator exists already; administrators grant roles", ErrForbidden)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("identity: bootstrap: %w", err)
		}
		ok, err := exists(ctx, tx, subject)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		return changeRole(ctx, tx, ResidentID{}, subject, RoleAdministrator, logGrant, now)
	})
}

// GrantRole gives resident subject the role r, on the authority of
// resident actor, who must be an administrator and not subject itself
// ([ErrForbidden]). Granting a role the subject holds already does nothing.
func (s *Service) GrantRole(ctx context.Context, actor, subject ResidentID, r Role) error {
	return s.roleChange(ctx, actor, subject, r, logGrant)
}

// RevokeRole takes role r from resident subject, on the authority of
// resident actor, who must be an administrator and not subject itself
// ([ErrForbidden]); so there is always an administrator left. Revoking a
// role the subject does not hold does nothing.
func (s *Service) RevokeRole(ctx context.Context, actor, subject ResidentID, r Role) error {
	return s.roleChange(ctx, actor, subject, r, logRevoke)
}

func (s *Service) roleChange(ctx context.Context, actor, subject ResidentID, r Role, action int) error {
	if !r.Valid() {
		return fmt.Errorf("%w: %v", ErrInvalidRole, r)
	}
	if actor == subject {
		return fmt.Errorf("%w: a resident cannot change its own roles", ErrForbidden)
	}
	now := micros(s.now())
	return s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		admin, err := hasRole(ctx, tx, actor, RoleAdministrator)
		if err != nil {
			return err
		}
		if !admin {
			return fmt.Errorf("%w: only an administrator changes roles", ErrForbidden)
		}
		ok, err := exists(ctx, tx, subject)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		return changeRole(ctx, tx, actor, subject, r, action, now)
	})
}

// changeRole grants or revokes, and logs the change if there was one. A
// zero actor is recorded as NULL (the bootstrap).
func changeRole(ctx context.Context, tx store.Tx, actor, subject ResidentID, r Role, action int, now int64) error {
	var by any
	if !actor.IsZero() {
		by = actor[:]
	}
	var (
		q    string
		args []any
	)
	if action == logGrant {
		q = `INSERT INTO identity_roles (resident, role, granted_by, granted) VALUES ($1, $2, $3, $4)
		     ON CONFLICT (resident, role) DO NOTHING`
		args = []any{subject[:], r.String(), by, now}
	} else {
		q = "DELETE FROM identity_roles WHERE resident = $1 AND role = $2"
		args = []any{subject[:], r.String()}
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("identity: changing a role: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("identity: changing a role: %w", err)
	}
	if n == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO identity_role_log (resident, role, action, actor, at) VALUES ($1, $2, $3, $4, $5)",
		subject[:], r.String(), action, by, now)
	if err != nil {
		return fmt.Errorf("identity: logging a role change: %w", err)
	}
	return nil
}

// A RoleChange is an entry of the role log.
type RoleChange struct {
	Resident ResidentID
	Role     Role
	Granted  bool       // true for a grant, false for a revocation
	Actor    ResidentID // zero for the bootstrap
	At       time.Time
}

// RoleLog returns the role changes of resident id, oldest first.
func (s *Service) RoleLog(ctx context.Context, id ResidentID) ([]RoleChange, error) {
	var out []RoleChange
	err := s.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx,
			"SELECT role, action, actor, at FROM identity_role_log WHERE resident = $1 ORDER BY id", id[:])
		if err != nil {
			return fmt.Errorf("identity: role log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				name   string
				action int
				actor  []byte
				at     int64
			)
			if err := rows.Scan(&name, &action, &actor, &at); err != nil {
				return fmt.Errorf("identity: role log: %w", err)
			}
			c := RoleChange{Resident: id, Granted: action == logGrant, At: fromMicros(at)}
			if c.Role, err = ParseRole(name); err != nil {
				return fmt.Errorf("identity: role log of resident %s: %w", id, err)
			}
			if actor != nil {
				if c.Actor, err = residentIDFromDB(actor); err != nil {
					return err
				}
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("identity: role log: %w", err)
		}
		return nil
	})
	return out, err
}
