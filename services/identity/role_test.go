package identity_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/veche/veche/services/identity"
)

func TestRoleEnum(t *testing.T) {
	var zero identity.Role
	if zero.Valid() {
		t.Fatal("the zero Role is valid")
	}
	names := []string{"voter", "commission", "trustee", "mixer", "credential-authority", "document-issuer",
		"market-operator", "seller", "observer", "administrator", "moderator"}
	all := identity.AllRoles()
	if len(all) != len(names) {
		t.Fatalf("%d roles, want %d", len(all), len(names))
	}
	for i, r := range all {
		if !r.Valid() || r.String() != names[i] {
			t.Errorf("role %d: %v (valid %v), want %s", i, r, r.Valid(), names[i])
		}
		if p, err := identity.ParseRole(names[i]); err != nil || p != r {
			t.Errorf("ParseRole(%q) = %v, %v", names[i], p, err)
		}
	}
	for _, bad := range []string{"", "Voter", "admin", "credential authority", "voter "} {
		if _, err := identity.ParseRole(bad); !errors.Is(err, identity.ErrInvalidRole) {
			t.Errorf("ParseRole(%q): %v, want ErrInvalidRole", bad, err)
		}
	}
	if s := identity.Role(12).String(); s != "Role(12)" {
		t.Errorf("invalid role prints as %q", s)
	}

	set := identity.RolesOf(identity.RoleTrustee, identity.RoleVoter, zero, identity.Role(200))
	if !set.Has(identity.RoleVoter) || !set.Has(identity.RoleTrustee) || set.Has(identity.RoleMixer) || set.Has(zero) {
		t.Fatalf("RolesOf: %v", set)
	}
	if got := set.List(); !slices.Equal(got, []identity.Role{identity.RoleVoter, identity.RoleTrustee}) || set.String() != "voter,trustee" {
		t.Fatalf("List = %v, String = %q", got, set.String())
	}
}

func TestRoles(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		alice := e.register(t, "alice@example.com", "alice password")
		bob := e.register(t, "bob@example.com", "bob password")
		carol := e.register(t, "carol@example.com", "carol password")

		// Before any administrator exists, nobody can grant.
		if err := e.svc.GrantRole(ctx, alice, bob, identity.RoleTrustee); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("grant without an administrator: %v", err)
		}
		if err := e.svc.BootstrapAdministrator(ctx, identity.ResidentID{1}); !errors.Is(err, identity.ErrNotFound) {
			t.Fatalf("bootstrapping an unknown resident: %v", err)
		}
		if err := e.svc.BootstrapAdministrator(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.BootstrapAdministrator(ctx, bob); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("a second bootstrap: %v, want ErrForbidden", err)
		}

		// Self-grants are refused, for administrators too.
		if err := e.svc.GrantRole(ctx, alice, alice, identity.RoleTrustee); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("an administrator granting itself a role: %v", err)
		}
		if err := e.svc.GrantRole(ctx, bob, bob, identity.RoleAdministrator); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("a resident granting itself administrator: %v", err)
		}
		// Non-administrators cannot grant to others.
		if err := e.svc.GrantRole(ctx, bob, carol, identity.RoleCommission); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("a non-administrator granting: %v", err)
		}
		// Invalid roles and unknown subjects.
		if err := e.svc.GrantRole(ctx, alice, bob, identity.Role(0)); !errors.Is(err, identity.ErrInvalidRole) {
			t.Fatalf("granting the zero role: %v", err)
		}
		if err := e.svc.GrantRole(ctx, alice, identity.ResidentID{9}, identity.RoleVoter); !errors.Is(err, identity.ErrNotFound) {
			t.Fatalf("granting to an unknown resident: %v", err)
		}

		tok := e.login(t, "bob@example.com", "bob password")
		for _, r := range []identity.Role{identity.RoleTrustee, identity.RoleVoter, identity.RoleTrustee} {
			if err := e.svc.GrantRole(ctx, alice, bob, r); err != nil {
				t.Fatal(err)
			}
		}
		// The token shows the roles as they are now.
		p, err := e.svc.Verify(ctx, tok.Access)
		if err != nil || p.Roles != identity.RolesOf(identity.RoleVoter, identity.RoleTrustee) {
			t.Fatalf("Verify after grants: %+v, %v", p, err)
		}
		if err := e.svc.RevokeRole(ctx, alice, bob, identity.RoleTrustee); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RevokeRole(ctx, alice, bob, identity.RoleMixer); err != nil {
			t.Fatalf("revoking a role not held: %v", err)
		}
		p, err = e.svc.Verify(ctx, tok.Access)
		if err != nil || p.Roles != identity.RolesOf(identity.RoleVoter) {
			t.Fatalf("Verify after revocation: %+v, %v", p, err)
		}

		// A second administrator acts on others, never on itself: the
		// last administrator cannot remove itself.
		if err := e.svc.GrantRole(ctx, alice, carol, identity.RoleAdministrator); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RevokeRole(ctx, carol, carol, identity.RoleAdministrator); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("an administrator revoking its own role: %v", err)
		}
		if err := e.svc.RevokeRole(ctx, carol, alice, identity.RoleAdministrator); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.GrantRole(ctx, alice, bob, identity.RoleObserver); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("a former administrator granting: %v", err)
		}
		if roles, err := e.svc.Roles(ctx, carol); err != nil || roles != identity.RolesOf(identity.RoleAdministrator) {
			t.Fatalf("Roles(carol) = %v, %v", roles, err)
		}

		// The log records every change, with its actor.
		log, err := e.svc.RoleLog(ctx, bob)
		if err != nil {
			t.Fatal(err)
		}
		want := []identity.RoleChange{
			{Resident: bob, Role: identity.RoleTrustee, Granted: true, Actor: alice},
			{Resident: bob, Role: identity.RoleVoter, Granted: true, Actor: alice},
			{Resident: bob, Role: identity.RoleTrustee, Granted: false, Actor: alice},
		}
		if len(log) != len(want) {
			t.Fatalf("role log of bob: %+v", log)
		}
		for i := range want {
			want[i].At = e.clock.Now()
			if log[i] != want[i] {
				t.Errorf("role log entry %d: %+v, want %+v", i, log[i], want[i])
			}
		}
		if log, err := e.svc.RoleLog(ctx, alice); err != nil || len(log) != 2 || !log[0].Actor.IsZero() || log[1].Actor != carol || log[1].Granted {
			t.Fatalf("role log of alice: %+v, %v", log, err)
		}
	})
}

// Concurrent bootstraps make exactly one administrator.
func TestConcurrentBootstrap(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		const n = 6
		ids := make([]identity.ResidentID, n)
		for i := range ids {
			ids[i] = e.register(t, fmt.Sprintf("candidate-%d@example.com", i), "candidate password")
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range ids {
			wg.Go(func() {
				<-start
				errs[i] = e.svc.BootstrapAdministrator(ctxFor(t), ids[i])
			})
		}
		close(start)
		wg.Wait()
		admins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				admins++
			case !errors.Is(err, identity.ErrForbidden):
				t.Errorf("bootstrap %d: %v", i, err)
			}
		}
		var rows int
		e.queryRow(t, "SELECT count(*) FROM identity_roles WHERE role = 'administrator'", nil, &rows)
		if admins != 1 || rows != 1 {
			t.Fatalf("%d bootstraps succeeded and %d administrators exist, want 1 and 1", admins, rows)
		}
	})
}
