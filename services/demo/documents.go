package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// documentsDemo runs the documents service briefly after the election, on
// the same chain and in the same data directory: the property registry
// registers as an issuer, records a building's owners, sends them a
// meeting notice with a provable recipient list, issues an extract, a new
// version and a revocation; an owner shares the notice, and the file is
// checked against the chain as anyone would (docs/spec/documents.md).
func (e *election) documentsDemo(ctx context.Context) error {
	p := e.p
	start := time.Now()
	p.printf("\nCity documents on the same chain (services/documents)\n")
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(e.o.DataDir, "documents.db")) // its own residents and administrator
	if err != nil {
		return err
	}
	defer db.Close()
	secret := make([]byte, identity.SecretSize)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	ident, err := identity.New(db, secret, &identity.Options{Password: identity.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}}) // demo only
	if err != nil {
		return err
	}
	// The issuers' signing keys are sealed with the key in
	// DATA/documents.key, the file veche documents reads by default.
	kek, err := documents.OpenKeyFile(filepath.Join(e.o.DataDir, "documents.key"))
	if err != nil {
		return err
	}
	// The chain's own account posts, as veche documents does by default, so
	// that the commands can go on from where the demo stops.
	svc, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: e.commission, SealingKey: kek, Logger: e.o.Logger})
	if err != nil {
		return err
	}
	reg := func(who string) (identity.ResidentID, error) {
		return ident.Register(ctx, who, "demo password, not secret")
	}
	admin, err := reg("admin@city.example")
	if err != nil {
		return err
	}
	registry, _ := reg("registry@city.example")
	owners := make([]identity.ResidentID, 3)
	for i := range owners {
		if owners[i], err = reg(fmt.Sprintf("owner%d@example.org", i+1)); err != nil {
			return err
		}
	}
	tenant, _ := reg("tenant@example.org")
	if err := ident.BootstrapAdministrator(ctx, admin); err != nil {
		return err
	}
	if err := ident.GrantRole(ctx, admin, registry, identity.RoleDocumentIssuer); err != nil {
		return err
	}
	iss, err := svc.RegisterIssuer(ctx, registry, "City property registry")
	if err != nil {
		return err
	}
	building, err := svc.RegisterBuilding(ctx, registry, "Lenina 5")
	if err != nil {
		return err
	}
	for i, o := range owners {
		if err := svc.AddOccupancy(ctx, registry, building, fmt.Sprint(10+i), o, documents.RelationOwner); err != nil {
			return err
		}
	}
	if err := svc.AddOccupancy(ctx, registry, building, "10", tenant, documents.RelationResident); err != nil {
		return err
	}
	notice, err := svc.IssueToOwners(ctx, registry, building, documents.Draft{Type: documents.TypeMeetingNotice, Title: "Owners' meeting, 1 April",
		MediaType: "text/plain; charset=utf-8", Content: []byte("Owners' meeting of Lenina 5 on 1 April at 19:00. Agenda: the roof.\n"), ValidFrom: time.Now()})
	if err != nil {
		return err
	}
	extract, err := svc.Issue(ctx, registry, owners[0], documents.Draft{Type: documents.TypeOwnershipExtract, Title: "Extract: flat 10",
		MediaType: "text/plain; charset=utf-8", Content: []byte("Flat 10 of Lenina 5 is owned by the holder of this extract.\n"), ValidFrom: time.Now()})
	if err != nil {
		return err
	}
	v2, err := svc.NewVersion(ctx, registry, extract.ID, documents.Draft{Type: documents.TypeOwnershipExtract, Title: "Extract: flat 10 (corrected)",
		MediaType: "text/plain; charset=utf-8", Content: []byte("Flat 10 of Lenina 5, 54 m², is owned by the holder of this extract.\n"), ValidFrom: time.Now()})
	if err != nil {
		return err
	}
	if err := svc.Revoke(ctx, registry, v2.ID, documents.ReasonIssuedInError); err != nil {
		return err
	}
	p.printf("  issuer %q registered (key %x…); a notice to the %d owners of a building, an extract, its version 2, revoked\n",
		iss.Name, iss.Key.Bytes()[:8], len(owners))
	code, _, err := svc.Share(ctx, owners[1], notice.ID, time.Hour)
	if err != nil {
		return err
	}
	f, err := svc.Shared(ctx, code)
	if err != nil {
		return err
	}
	v, err := documents.VerifyFile(ctx, e.commission, f, time.Now())
	if err != nil {
		return err
	}
	if !v.Authentic || !v.InForce || v.Status.Distribution == nil {
		return fmt.Errorf("the shared notice does not verify: %s", v.Problem)
	}
	p.printf("  an owner shared the notice by code; the file verifies against the chain: authentic, issuer %q, current, not revoked, %d recipients\n",
		v.Status.Issuer, v.Status.Distribution.Distribution.Count)
	old, err := svc.Download(ctx, owners[0], extract.ID)
	if err != nil {
		return err
	}
	if v, err := documents.VerifyFile(ctx, e.commission, old, time.Now()); err != nil || !v.Authentic || v.Status.Current {
		return fmt.Errorf("the superseded extract: %v", err)
	}
	d := v.Status.Distribution.Distribution
	for _, who := range []struct {
		id   identity.ResidentID
		want bool
		name string
	}{{owners[2], true, "an owner"}, {tenant, false, "the tenant"}} {
		proof, _, err := svc.Membership(ctx, who.id, notice.Series, notice.Version)
		if err != nil {
			return err
		}
		member, err := documents.VerifyMembership(proof, d.Count, d.Root)
		if err != nil || member != who.want {
			return fmt.Errorf("%s's membership proof: %v, %v", who.name, member, err)
		}
		p.printf("  %s proves against the chain's recipient root that they were %samong the recipients\n", who.name, map[bool]string{true: "", false: "NOT "}[member])
	}
	path := filepath.Join(e.o.DataDir, "notice.veche-document.json")
	if err := os.WriteFile(path, f.Bytes(), 0o600); err != nil {
		return err
	}
	p.printf("  check it yourself: veche --data %s documents verify %s (and the explorer's /explorer/documents/)\n", e.o.DataDir, path)
	p.printf("  (%v)\n", roundDuration(time.Since(start)))
	return p.err
}
