package identity_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/identity"
)

// A credential authority looks up its voters by identifier or by role,
// delivers to all of them in one step that stores everything or nothing,
// and can withdraw an unfinished issuance.
func TestDeliverAllIsAllOrNothing(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		rnd := testRand("deliver all")
		admin := e.admin(t)
		ca := e.register(t, "ca@city.example", "authority password")
		if err := e.svc.GrantRole(ctx, admin, ca, identity.RoleCredentialAuthority); err != nil {
			t.Fatal(err)
		}
		const n = 130 // enough for the proofs to be checked on two goroutines (one per 64)
		var (
			idents []string
			ids    []identity.ResidentID
			keys   []*hybrid.PrivateKey
		)
		for i := range n {
			ident := fmt.Sprintf("voter%03d@example.com", i)
			id := e.register(t, ident, "voter password")
			sk, _ := hybrid.GenerateKey(rnd)
			if i != 7 { // voter 7 registers no key
				if err := e.svc.SetEncryptionKey(ctx, id, sk.Public()); err != nil {
					t.Fatal(err)
				}
			}
			if i%2 == 0 {
				if err := e.svc.GrantRole(ctx, admin, id, identity.RoleVoter); err != nil {
					t.Fatal(err)
				}
			}
			idents, ids, keys = append(idents, ident), append(ids, id), append(keys, sk)
		}

		// By identifier, in any spelling, in order; unknown ones have the
		// zero id.
		rs, err := e.svc.Recipients(ctx, []string{"VOTER001@Example.com", "nobody@example.com", idents[7]})
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].ID != ids[1] || rs[0].Identifier != idents[1] || !rs[0].Key.Equal(keys[1].Public()) ||
			!rs[1].ID.IsZero() || rs[1].Identifier != "nobody@example.com" || rs[2].ID != ids[7] || rs[2].Key != nil {
			t.Fatalf("Recipients = %+v", rs)
		}
		if _, err := e.svc.Recipients(ctx, []string{"ok@example.com", "bad identifier"}); !errors.Is(err, identity.ErrInvalidIdentifier) {
			t.Fatalf("Recipients with an invalid identifier: %v", err)
		}
		// By role, sorted by identifier.
		voters, err := e.svc.RecipientsWithRole(ctx, identity.RoleVoter)
		if err != nil || len(voters) != n/2 || voters[0].ID != ids[0] || voters[1].ID != ids[2] {
			t.Fatalf("RecipientsWithRole(voter): %d, %v", len(voters), err)
		}
		if _, err := e.svc.RecipientsWithRole(ctx, 0); !errors.Is(err, identity.ErrInvalidRole) {
			t.Fatalf("RecipientsWithRole(0): %v", err)
		}

		const election = "council-2027"
		parcels := make([]identity.Parcel, 0, n)
		for i := range n {
			if i == 7 {
				continue
			}
			ct, err := hybrid.Encrypt(rnd, keys[i].Public(), []byte(fmt.Sprintf("credential %d", i)), identity.DeliveryAD(ids[i], election))
			if err != nil {
				t.Fatal(err)
			}
			parcels = append(parcels, identity.Parcel{Recipient: ids[i], Ciphertext: ct})
		}
		count := func() int {
			c, err := e.svc.DeliveryCount(ctx, election)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		// Refusals store nothing: a parcel sealed for another resident (the
		// last one), a recipient without a key, a recipient twice, an
		// actor without the role.
		moved := append([]identity.Parcel(nil), parcels...)
		moved[len(moved)-1].Recipient = ids[0]
		moved[0].Recipient = ids[1]
		if err := e.svc.DeliverAll(ctx, ca, election, moved); !errors.Is(err, identity.ErrMalformed) {
			t.Fatalf("a recipient twice: %v", err)
		}
		moved = append([]identity.Parcel(nil), parcels...)
		moved[len(moved)-1].Ciphertext = parcels[0].Ciphertext
		if err := e.svc.DeliverAll(ctx, ca, election, moved); !errors.Is(err, hybrid.ErrInvalidProof) {
			t.Fatalf("a ciphertext moved to another resident: %v", err)
		}
		keyless := append(append([]identity.Parcel(nil), parcels...), identity.Parcel{Recipient: ids[7], Ciphertext: parcels[0].Ciphertext})
		if err := e.svc.DeliverAll(ctx, ca, election, keyless); !errors.Is(err, identity.ErrNoEncryptionKey) {
			t.Fatalf("a recipient without a key: %v", err)
		}
		if err := e.svc.DeliverAll(ctx, admin, election, parcels); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("delivery by an administrator: %v", err)
		}
		if c := count(); c != 0 {
			t.Fatalf("%d deliveries stored by refused calls", c)
		}

		// Delivered, and each voter opens its own.
		if err := e.svc.DeliverAll(ctx, ca, election, parcels); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeliverAll(ctx, ca, election, parcels); err != nil {
			t.Fatalf("the same parcels again: %v", err)
		}
		if c := count(); c != n-1 {
			t.Fatalf("DeliveryCount = %d, want %d", c, n-1)
		}
		d, err := e.svc.Delivery(ctx, ids[42], election)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := keys[42].Decrypt(d.Ciphertext, identity.DeliveryAD(ids[42], election)); err != nil || string(pt) != "credential 42" || d.Sender != ca {
			t.Fatalf("voter 42 opens %q, %v (sender %s)", pt, err, d.Sender)
		}
		// A second issuance of other ciphertexts is refused as a whole.
		again := []identity.Parcel{parcels[3]}
		again[0].Ciphertext, _ = hybrid.Encrypt(rnd, keys[3].Public(), []byte("another"), identity.DeliveryAD(ids[3], election))
		if err := e.svc.DeliverAll(ctx, ca, election, again); !errors.Is(err, identity.ErrAlreadyDelivered) {
			t.Fatalf("a second credential: %v", err)
		}

		// Withdrawn by a credential authority only.
		if _, err := e.svc.WithdrawDeliveries(ctx, admin, election); !errors.Is(err, identity.ErrForbidden) {
			t.Fatalf("withdrawal by an administrator: %v", err)
		}
		if w, err := e.svc.WithdrawDeliveries(ctx, ca, election); err != nil || w != n-1 || count() != 0 {
			t.Fatalf("WithdrawDeliveries = %d, %v; %d left", w, err, count())
		}
		if _, err := e.svc.Delivery(ctx, ids[42], election); !errors.Is(err, identity.ErrNoDelivery) {
			t.Fatalf("Delivery after the withdrawal: %v", err)
		}
	})
}
