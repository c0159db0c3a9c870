package identity_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/identity"
)

// A credential authority delivers a voter's credential encrypted to the
// voter's key; only the voter can open it, and it cannot be moved to
// another voter or election.
func TestDeliveries(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		rnd := testRand("deliveries")
		admin := e.admin(t)
		ca := e.register(t, "ca@city.example", "authority password")
		voter := e.register(t, "voter@example.com", "voter password")
		other := e.register(t, "other@example.com", "other password")
		if err := e.svc.GrantRole(ctx, admin, ca, identity.RoleCredentialAuthority); err != nil {
			t.Fatal(err)
		}
		sk, err := hybrid.GenerateKey(rnd)
		if err != nil {
			t.Fatal(err)
		}
		credential := []byte("private election credential")
		seal := func(to *hybrid.PublicKey, r identity.ResidentID, election string, pt []byte) *hybrid.Ciphertext {
			ct, err := hybrid.Encrypt(rnd, to, pt, identity.DeliveryAD(r, election))
			if err != nil {
				t.Fatal(err)
			}
			return ct
		}
		ct := seal(sk.Public(), voter, "council-2027", credential)

		// No key yet.
		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", ct); !errors.Is(err, identity.ErrNoEncryptionKey) {
			t.Fatalf("delivering before the voter has a key: %v", err)
		}
		if _, err := e.svc.EncryptionKey(ctx, voter); !errors.Is(err, identity.ErrNoEncryptionKey) {
			t.Fatalf("EncryptionKey before SetEncryptionKey: %v", err)
		}
		if err := e.svc.SetEncryptionKey(ctx, voter, sk.Public()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetEncryptionKey(ctx, identity.ResidentID{7}, sk.Public()); !errors.Is(err, identity.ErrNotFound) {
			t.Fatalf("SetEncryptionKey of an unknown resident: %v", err)
		}
		if pk, err := e.svc.EncryptionKey(ctx, voter); err != nil || !pk.Equal(sk.Public()) {
			t.Fatalf("EncryptionKey = %v, %v", pk, err)
		}

		// Only a credential authority delivers.
		if err := e.svc.Deliver(ctx, other, voter, "council-2027", ct); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("delivery by a resident without the role: %v", err)
		}
		if err := e.svc.Deliver(ctx, admin, voter, "council-2027", ct); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("delivery by an administrator: %v", err)
		}
		// A ciphertext for another election, another resident or another
		// key is refused.
		if err := e.svc.Deliver(ctx, ca, voter, "referendum-2027", ct); !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("a ciphertext moved to another election: %v", err)
		}
		if err := e.svc.SetEncryptionKey(ctx, other, sk.Public()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Deliver(ctx, ca, other, "council-2027", ct); !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("a ciphertext moved to another resident: %v", err)
		}
		wrongKey, _ := hybrid.GenerateKey(rnd)
		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", seal(wrongKey.Public(), voter, "council-2027", credential)); !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("a ciphertext to another key: %v", err)
		}
		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", &hybrid.Ciphertext{Sealed: make([]byte, 16)}); !errors.Is(err, identity.ErrMalformed) {
			t.Fatalf("an incomplete ciphertext: %v", err)
		}
		if err := e.svc.Deliver(ctx, ca, voter, "Council 2027", ct); !errors.Is(err, identity.ErrMalformed) {
			t.Fatalf("a malformed election name: %v", err)
		}

		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", ct); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", ct); err != nil {
			t.Fatalf("delivering the same ciphertext again: %v", err)
		}
		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", seal(sk.Public(), voter, "council-2027", []byte("a second credential"))); !errors.Is(err, identity.ErrAlreadyDelivered) {
			t.Fatalf("delivering a second credential: %v", err)
		}
		if _, err := e.svc.Delivery(ctx, voter, "referendum-2027"); !errors.Is(err, identity.ErrNoDelivery) {
			t.Fatalf("Delivery for another election: %v", err)
		}
		if err := e.svc.Deliver(ctx, ca, voter, "budget-2027", seal(sk.Public(), voter, "budget-2027", []byte("budget credential"))); err != nil {
			t.Fatal(err)
		}

		// The voter reads and opens them.
		d, err := e.svc.Delivery(ctx, voter, "council-2027")
		if err != nil {
			t.Fatal(err)
		}
		if d.Sender != ca || d.Election != "council-2027" || !d.RecipientKey.Equal(sk.Public()) || !d.Delivered.Equal(e.clock.Now()) {
			t.Fatalf("Delivery = %+v", d)
		}
		pt, err := sk.Decrypt(d.Ciphertext, identity.DeliveryAD(voter, "council-2027"))
		if err != nil || !bytes.Equal(pt, credential) {
			t.Fatalf("opening the delivery: %q, %v", pt, err)
		}
		all, err := e.svc.Deliveries(ctx, voter)
		if err != nil || len(all) != 2 || all[0].Election != "budget-2027" || all[1].Election != "council-2027" {
			t.Fatalf("Deliveries = %+v, %v", all, err)
		}
		if ds, err := e.svc.Deliveries(ctx, other); err != nil || len(ds) != 0 {
			t.Fatalf("Deliveries of another resident = %+v, %v", ds, err)
		}

		// A new key does not change what was delivered.
		newKey, _ := hybrid.GenerateKey(rnd)
		if err := e.svc.SetEncryptionKey(ctx, voter, newKey.Public()); err != nil {
			t.Fatal(err)
		}
		if d, err := e.svc.Delivery(ctx, voter, "council-2027"); err != nil || !d.RecipientKey.Equal(sk.Public()) {
			t.Fatalf("Delivery after a key change: %+v, %v", d, err)
		}
		if err := e.svc.Deliver(ctx, ca, voter, "council-2027", ct); !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("re-delivering after a key change: %v", err)
		}
	})
}
