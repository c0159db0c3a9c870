package identity

import (
	"fmt"
	"strings"
)

// A Role is something a resident may do beyond using the services as a
// resident. The zero value is invalid.
type Role uint8

// The roles. Their names ([Role.String]) are stored in the database: never
// rename one.
const (
	RoleVoter               Role = iota + 1 // "voter": on an electoral roll
	RoleCommission                          // "commission": creates, opens and closes elections
	RoleTrustee                             // "trustee": holds a share of an election key
	RoleMixer                               // "mixer": runs a shuffle of a mix cascade
	RoleCredentialAuthority                 // "credential-authority": issues and delivers voter credentials
	RoleDocumentIssuer                      // "document-issuer": issues resident and owner documents
	RoleMarketOperator                      // "market-operator": defines markets, stalls and seasons
	RoleSeller                              // "seller": bids for market stalls
	RoleObserver                            // "observer": reads what observers may read
	RoleAdministrator                       // "administrator": grants and revokes roles
	RoleModerator                           // "moderator": hides comments (with a stated reason), lists city projects and activities

	maxRole = RoleModerator
)

var roleNames = [...]string{
	RoleVoter:               "voter",
	RoleCommission:          "commission",
	RoleTrustee:             "trustee",
	RoleMixer:               "mixer",
	RoleCredentialAuthority: "credential-authority",
	RoleDocumentIssuer:      "document-issuer",
	RoleMarketOperator:      "market-operator",
	RoleSeller:              "seller",
	RoleObserver:            "observer",
	RoleAdministrator:       "administrator",
	RoleModerator:           "moderator",
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r >= 1 && r <= maxRole }

// String returns the role's name, such as "credential-authority", or
// "Role(n)" for an invalid role.
func (r Role) String() string {
	if !r.Valid() {
		return fmt.Sprintf("Role(%d)", uint8(r))
	}
	return roleNames[r]
}

// ParseRole returns the role named name (exactly as [Role.String] spells
// it). Errors wrap [ErrInvalidRole].
func ParseRole(name string) (Role, error) {
	for r := Role(1); r <= maxRole; r++ {
		if roleNames[r] == name {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown role name %q", ErrInvalidRole, name)
}

// AllRoles returns every defined role, in order.
func AllRoles() []Role {
	rs := make([]Role, 0, maxRole)
	for r := Role(1); r <= maxRole; r++ {
		rs = append(rs, r)
	}
	return rs
}

// Roles is a set of roles. The zero value is the empty set.
type Roles uint32

// RolesOf returns the set of the valid roles among rs.
func RolesOf(rs ...Role) Roles {
	var s Roles
	for _, r := range rs {
		s = s.With(r)
	}
	return s
}

// Has reports whether r is in s.
func (s Roles) Has(r Role) bool { return r.Valid() && s&(1<<r) != 0 }

// With returns s with r added; an invalid r is ignored.
func (s Roles) With(r Role) Roles {
	if !r.Valid() {
		return s
	}
	return s | 1<<r
}

// List returns the roles in s, in order.
func (s Roles) List() []Role {
	var rs []Role
	for r := Role(1); r <= maxRole; r++ {
		if s.Has(r) {
			rs = append(rs, r)
		}
	}
	return rs
}

// String returns the names of the roles in s, in order, separated by
// commas ("" for the empty set).
func (s Roles) String() string {
	var b strings.Builder
	for i, r := range s.List() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.String())
	}
	return b.String()
}
