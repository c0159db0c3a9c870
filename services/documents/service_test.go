package documents_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

func TestAnOwnerDownloadsTheirExtractAndAnyoneVerifiesItOnTheBoard(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		d := documents.Draft{Type: documents.TypeOwnershipExtract, Title: "Extract: flat 12, Lenina 5", MediaType: "text/plain",
			Content: []byte("Anna Ivanova owns flat 12 at Lenina 5 since 2019."), ValidFrom: e.clock.Now()}
		doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, d))
		if doc.Seq == nil {
			t.Fatal("the anchor was not posted")
		}
		list := must[[]documents.Document](t)(e.svc.Received(ctx, e.anna))
		if len(list) != 1 || list[0].ID != doc.ID || list[0].Issuer != "City property registry" {
			t.Fatalf("Anna's documents = %+v", list)
		}
		f := must[*documents.File](t)(e.svc.Download(ctx, e.anna, doc.ID))
		f2 := must[*documents.File](t)(documents.ParseFile(f.Bytes()))
		v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f2, e.clock.Now()))
		if !v.Authentic || !v.InForce || v.Status.Issuer != "City property registry" || !v.Status.Current || v.Status.Revoked() {
			t.Fatalf("verdict = %+v (%s)", v, v.Problem)
		}
		content, _ := f2.ContentBytes()
		if !bytes.Equal(content, d.Content) {
			t.Fatal("content changed in the file")
		}

		// A changed title, content or salt is not authentic.
		for name, mutate := range map[string]func(f *documents.File){
			"title":   func(f *documents.File) { f.Title = "Extract: flat 13, Lenina 5" },
			"content": func(f *documents.File) { f.Content = "QW5uYQ==" },
			"salt":    func(f *documents.File) { f.Salt = strings.Repeat("00", 32) },
			"seq":     func(f *documents.File) { f.Seq = 0 }, // the issuer registration
		} {
			g := *f2
			mutate(&g)
			v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, &g, e.clock.Now()))
			if v.Authentic || v.Problem == "" {
				t.Errorf("a file with a changed %s verifies: %+v", name, v)
			}
		}
	})
}

func TestNewVersionsSupersedeAndRevocationsShowOnTheBoard(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		v1 := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("Residence certificate", "Anna lives at Lenina 5.")))
		f1 := must[*documents.File](t)(e.svc.Download(ctx, e.anna, v1.ID))
		e.clock.Advance(time.Hour)
		v2 := must[*documents.Document](t)(e.svc.NewVersion(ctx, e.issuer, v1.ID, notice("Residence certificate", "Anna lives at Lenina 7.")))
		if v2.Series != v1.Series || v2.Version != 2 {
			t.Fatalf("new version = %v/%d", v2.Series, v2.Version)
		}
		if _, err := e.svc.NewVersion(ctx, e.issuer, v1.ID, notice("x", "y")); !errors.Is(err, documents.ErrConflict) {
			t.Fatalf("a new version of a superseded version: %v, want ErrConflict", err)
		}
		v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f1, e.clock.Now()))
		if !v.Authentic || v.Status.Current || v.Status.LatestVersion != 2 || v.InForce {
			t.Fatalf("the first version's verdict = %+v", v.Status)
		}
		f2 := must[*documents.File](t)(e.svc.Download(ctx, e.anna, v2.ID))
		if err := e.svc.Revoke(ctx, e.issuer, v2.ID, documents.ReasonIssuedInError); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Revoke(ctx, e.issuer, v2.ID, documents.ReasonWithdrawn); !errors.Is(err, documents.ErrConflict) {
			t.Fatalf("a second revocation: %v", err)
		}
		v = must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f2, e.clock.Now()))
		if !v.Authentic || !v.Status.Revoked() || v.Status.Revocation.Revocation.Reason != documents.ReasonIssuedInError || v.InForce {
			t.Fatalf("the revoked version's verdict = %+v", v.Status)
		}
		// A revoked document cannot be shared; its new version is refused.
		if _, _, err := e.svc.Share(ctx, e.anna, v2.ID, time.Hour); !errors.Is(err, documents.ErrConflict) {
			t.Fatalf("sharing a revoked document: %v", err)
		}
		if _, err := e.svc.NewVersion(ctx, e.issuer, v2.ID, notice("x", "y")); !errors.Is(err, documents.ErrConflict) {
			t.Fatalf("a new version of a revoked document: %v", err)
		}
	})
}

func TestAnOwnerCannotReadAnothersDocumentByGuessingIDs(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("Anna's", "private")))
		guesses := []documents.ID{doc.ID, {}, {1, 2, 3}}
		for _, id := range guesses {
			if _, err := e.svc.Get(ctx, e.boris, id); !errors.Is(err, documents.ErrNotFound) {
				t.Errorf("Boris reads %v: %v", id, err)
			}
			if _, err := e.svc.Download(ctx, e.boris, id); !errors.Is(err, documents.ErrNotFound) {
				t.Errorf("Boris downloads %v: %v", id, err)
			}
			if _, _, err := e.svc.Share(ctx, e.boris, id, time.Hour); !errors.Is(err, documents.ErrNotFound) {
				t.Errorf("Boris shares %v: %v", id, err)
			}
		}
		if list := must[[]documents.Document](t)(e.svc.Received(ctx, e.boris)); len(list) != 0 {
			t.Fatalf("Boris lists %d documents", len(list))
		}
		// Nor can a resident revoke, erase or re-issue it.
		if err := e.svc.Revoke(ctx, e.anna, doc.ID, documents.ReasonWithdrawn); !errors.Is(err, documents.ErrForbidden) {
			t.Errorf("Anna revokes: %v", err)
		}
		if err := e.svc.Erase(ctx, e.boris, doc.ID); !errors.Is(err, documents.ErrNotFound) {
			t.Errorf("Boris erases: %v", err)
		}
		if _, err := e.svc.Issue(ctx, e.anna, e.anna, notice("self-made", "x")); !errors.Is(err, documents.ErrForbidden) {
			t.Errorf("Anna issues to herself: %v", err)
		}
	})
}

func TestAResidentCannotMakeThemselvesAnOwner(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		b := must[documents.ID](t)(e.svc.RegisterBuilding(ctx, e.issuer, "Lenina 5"))
		if err := e.svc.AddOccupancy(ctx, e.anna, b, "12", e.anna, documents.RelationOwner); !errors.Is(err, documents.ErrForbidden) {
			t.Fatalf("Anna records herself as an owner: %v", err)
		}
		if _, err := e.svc.RegisterBuilding(ctx, e.anna, "Lenina 7"); !errors.Is(err, documents.ErrForbidden) {
			t.Fatalf("Anna registers a building: %v", err)
		}
		// Even an issuer does not record its own ownership.
		if err := e.svc.AddOccupancy(ctx, e.issuer, b, "1", e.issuer, documents.RelationOwner); !errors.Is(err, documents.ErrForbidden) {
			t.Fatalf("the issuer records itself: %v", err)
		}
		if props := must[[]documents.Occupancy](t)(e.svc.Properties(ctx, e.anna)); len(props) != 0 {
			t.Fatalf("Anna owns %v", props)
		}
	})
}

func TestANoticeToAllOwnersIsProvablyDistributed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		b := must[documents.ID](t)(e.svc.RegisterBuilding(ctx, e.admin, "Lenina 5"))
		for _, o := range []struct {
			unit string
			who  identity.ResidentID
			rel  documents.Relation
		}{{"12", e.anna, documents.RelationOwner}, {"14", e.boris, documents.RelationOwner}, {"14", e.vera, documents.RelationResident}} {
			if err := e.svc.AddOccupancy(ctx, e.issuer, b, o.unit, o.who, o.rel); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.svc.AddOccupancy(ctx, e.issuer, b, "12", e.anna, documents.RelationOwner); !errors.Is(err, documents.ErrConflict) {
			t.Fatalf("recording an occupancy twice: %v", err)
		}
		doc := must[*documents.Document](t)(e.svc.IssueToOwners(ctx, e.issuer, b, notice("Owners' meeting, 1 April", "Agenda: roof repair.")))
		reg := must[*documents.Registry](t)(documents.ReadRegistry(ctx, e.board, e.svc.TopicID()))
		if len(reg.Distributions) != 1 || reg.Distributions[0].Distribution.Count != 2 || len(reg.Ignored) != 0 {
			t.Fatalf("distributions = %+v, ignored %+v", reg.Distributions, reg.Ignored)
		}
		d := reg.Distributions[0].Distribution
		for who, want := range map[string]struct {
			id     identity.ResidentID
			member bool
		}{"anna": {e.anna, true}, "boris": {e.boris, true}, "vera": {e.vera, false}, "admin": {e.admin, false}} {
			p, _, err := e.svc.Membership(ctx, want.id, doc.Series, doc.Version)
			if err != nil {
				t.Fatal(err)
			}
			got, err := documents.VerifyMembership(p, d.Count, d.Root)
			if err != nil || got != want.member {
				t.Errorf("%s: member %v, %v; want %v", who, got, err, want.member)
			}
		}
		// Vera (a tenant, not an owner) cannot read the notice; Boris can.
		if _, err := e.svc.Download(ctx, e.vera, doc.ID); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("Vera downloads: %v", err)
		}
		must[*documents.File](t)(e.svc.Download(ctx, e.boris, doc.ID))
		// A forged proof does not pass: Vera's leaf claimed as a member.
		pv, _, _ := e.svc.Membership(ctx, e.vera, doc.Series, doc.Version)
		pa, _, _ := e.svc.Membership(ctx, e.anna, doc.Series, doc.Version)
		forged := *pa
		forged.Leaf = pv.Leaf
		if _, err := documents.VerifyMembership(&forged, d.Count, d.Root); err == nil {
			t.Fatal("a member's proof passes for a non-member's leaf")
		}
		// The entry names nobody: no resident id or pseudonym appears in it.
		for _, id := range []identity.ResidentID{e.anna, e.boris} {
			p, _ := e.ident.Pseudonym(id, "documents", nil)
			for _, entry := range must[[]bulletin.Entry](t)(e.board.Entries(ctx, e.svc.TopicID(), 0, 100)) {
				if bytes.Contains(entry.Payload, id[:]) || bytes.Contains(entry.Payload, p[:]) || bytes.Contains(entry.Payload, []byte("Lenina")) {
					t.Fatalf("entry %d names a resident or the address", entry.Seq)
				}
			}
		}
		// Erasing the notice erases its recipient list: no proof any more.
		if err := e.svc.Erase(ctx, e.admin, doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Membership(ctx, e.anna, doc.Series, doc.Version); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("a proof after erasure: %v", err)
		}
		// An empty building is refused.
		b2 := must[documents.ID](t)(e.svc.RegisterBuilding(ctx, e.admin, "Lenina 9"))
		if _, err := e.svc.IssueToOwners(ctx, e.issuer, b2, notice("x", "y")); !errors.Is(err, documents.ErrNoRecipients) {
			t.Fatalf("a notice to an empty building: %v", err)
		}
	})
}

func TestASharedLinkWorksUntilRevokedAndCodesCannotBeGuessed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("Certificate", "for the bank")))
		code, sh, err := e.svc.Share(ctx, e.anna, doc.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f := must[*documents.File](t)(e.svc.Shared(ctx, code))
		if v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f, e.clock.Now())); !v.Authentic {
			t.Fatalf("the shared file: %s", v.Problem)
		}
		must[*documents.File](t)(e.svc.Shared(ctx, strings.ToLower(code))) // codes are case-insensitive
		for _, guess := range []string{"", "A", strings.Repeat("A", 32), code[:31] + "B", strings.Repeat("x", 1000)} {
			if guess == code {
				continue
			}
			if _, err := e.svc.Shared(ctx, guess); !errors.Is(err, documents.ErrNotFound) {
				t.Errorf("guess %q: %v", guess, err)
			}
		}
		if err := e.svc.Unshare(ctx, e.boris, doc.ID, sh.ShareID()); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("Boris revokes Anna's share: %v", err)
		}
		if err := e.svc.Unshare(ctx, e.anna, doc.ID, sh.ShareID()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Shared(ctx, code); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("a revoked share: %v", err)
		}
		// An expired share ends too.
		code2, _, _ := e.svc.Share(ctx, e.anna, doc.ID, time.Hour)
		e.clock.Advance(time.Hour)
		if _, err := e.svc.Shared(ctx, code2); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("an expired share: %v", err)
		}
		shares := must[[]documents.Share](t)(e.svc.Shares(ctx, e.anna, doc.ID))
		if len(shares) != 2 || shares[0].Revoked.IsZero() {
			t.Fatalf("shares = %+v", shares)
		}
	})
}

func TestErasureRemovesContentAndSaltAndTheCommitmentCanNoLongerBeLinked(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		d := notice("Extract: flat 12", "Anna Ivanova, flat 12")
		doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, d))
		f := must[*documents.File](t)(e.svc.Download(ctx, e.anna, doc.ID))
		code, _, _ := e.svc.Share(ctx, e.anna, doc.ID, time.Hour)
		if err := e.svc.Erase(ctx, e.anna, doc.ID); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("the recipient erases: %v", err)
		}
		if err := e.svc.Erase(ctx, e.issuer, doc.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		err := e.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM documents_docs WHERE id = $1 AND content IS NULL AND salt IS NULL
				AND title IS NULL AND media_type IS NULL AND erased IS NOT NULL`, doc.ID[:]).Scan(&n)
		})
		if err != nil || n != 1 {
			t.Fatalf("erased row: %d, %v", n, err)
		}
		if _, err := e.svc.Download(ctx, e.anna, doc.ID); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("downloading an erased document: %v", err)
		}
		if _, err := e.svc.Shared(ctx, code); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("a share of an erased document: %v", err)
		}
		// Nothing in the database ties the version to Anna any more; the
		// issuer still sees it, erased, and may still revoke it.
		if _, err := e.svc.Get(ctx, e.anna, doc.ID); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("Anna still reaches the erased document: %v", err)
		}
		var links int
		err = e.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM documents_recipients WHERE doc = $1) +
				(SELECT count(*) FROM documents_shares WHERE doc = $1)`, doc.ID[:]).Scan(&links)
		})
		if err != nil || links != 0 {
			t.Fatalf("%d recipient or share rows left, %v", links, err)
		}
		got := must[*documents.Document](t)(e.svc.Get(ctx, e.issuer, doc.ID))
		if got.Erased.IsZero() || got.Title != "" {
			t.Fatalf("the erased document is listed as %+v", got)
		}
		if err := e.svc.Revoke(ctx, e.issuer, doc.ID, documents.ReasonWithdrawn); err != nil {
			t.Fatalf("revoking an erased document: %v", err)
		}
		// The anchor is still on the board; a file kept before erasure still
		// verifies (whoever holds it holds the salt), but the service has
		// nothing left to link the commitment to.
		if v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f, e.clock.Now())); !v.Authentic {
			t.Fatal("a kept file no longer verifies")
		}
	})
}

// TestGuessingContentWithoutTheSaltFails is the dictionary attack: an
// attacker who knows the format of extracts and every flat of a building
// tries every candidate against the commitments on the board. Without the
// salt none matches; with it, the right one does.
func TestGuessingContentWithoutTheSaltFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	ctx := ctxFor(t)
	title := func(flat int) string { return "Extract: flat " + itoa(flat) + ", Lenina 5" }
	body := func(flat int) []byte { return []byte("Owner of flat " + itoa(flat) + " at Lenina 5.") }
	d := documents.Draft{Type: documents.TypeOwnershipExtract, Title: title(42), MediaType: "text/plain", Content: body(42), ValidFrom: e.clock.Now()}
	doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, d))
	reg := must[*documents.Registry](t)(documents.ReadRegistry(ctx, e.board, e.svc.TopicID()))
	onBoard := reg.Anchors[0].Anchor.Commitment
	if onBoard != doc.Commitment {
		t.Fatal("the board's commitment is not the document's")
	}
	guessSalts := [][]byte{make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)}
	h := sha256.Sum256([]byte("Lenina 5"))
	guessSalts = append(guessSalts, h[:])
	for flat := 1; flat <= 200; flat++ {
		// Unsalted digests, and the commitment under guessed salts.
		plain := sha256.Sum256(body(flat))
		if bytes.Equal(plain[:], onBoard[:]) {
			t.Fatal("the commitment is the plain digest of the content")
		}
		for _, salt := range guessSalts {
			c, _ := documents.Commit(salt, body(flat), "text/plain", title(flat))
			if c == onBoard {
				t.Fatalf("flat %d found without the salt", flat)
			}
		}
	}
	f := must[*documents.File](t)(e.svc.Download(ctx, e.anna, doc.ID))
	salt, _ := hex.DecodeString(f.Salt)
	if c, _ := documents.Commit(salt, body(42), "text/plain", title(42)); c != onBoard {
		t.Fatal("with the salt the right guess does not match")
	}
}

func TestConcurrentNewVersionsGiveOneWinner(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		v1 := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("c", "v1")))
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.NewVersion(ctx, e.issuer, v1.ID, notice("c", "v2 #"+itoa(i)))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, documents.ErrConflict):
				t.Errorf("a concurrent new version: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent new versions succeeded, want 1", ok)
		}
		reg := must[*documents.Registry](t)(documents.ReadRegistry(ctx, e.board, e.svc.TopicID()))
		if len(reg.Anchors) != 2 {
			t.Fatalf("%d anchors on the board, want 2", len(reg.Anchors))
		}
	})
}

func TestAFailedPostIsRetriedOnceWithoutDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	ctx := ctxFor(t)
	doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("t", "c")))
	// Posting again finds nothing pending and posts nothing.
	if n, err := e.svc.Post(ctx); n != 0 || err != nil {
		t.Fatalf("Post = %d, %v", n, err)
	}
	// Simulate a crash after the append but before it was recorded.
	err := e.db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE documents_entries SET posted_seq = NULL WHERE id = (SELECT anchor FROM documents_docs WHERE id = $1)", doc.ID[:])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.Post(ctx); n != 1 || err != nil {
		t.Fatalf("Post = %d, %v", n, err)
	}
	_, count, _ := e.board.Head(ctx, e.svc.TopicID())
	if count != 2 {
		t.Fatalf("%d entries on the board, want 2 (issuer, anchor)", count)
	}
	got := must[*documents.Document](t)(e.svc.Get(ctx, e.anna, doc.ID))
	if got.Seq == nil || *got.Seq != *doc.Seq {
		t.Fatalf("the anchor moved: %v -> %v", doc.Seq, got.Seq)
	}
}

func TestARegistryUpdatesWithOnlyTheNewEntriesAndIsNeverModified(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	ctx := ctxFor(t)
	doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("t", "c")))
	old := must[*documents.Registry](t)(documents.ReadRegistry(ctx, e.board, e.svc.TopicID()))
	if same := must[*documents.Registry](t)(old.Update(ctx, e.board)); same != old {
		t.Fatal("an unchanged topic gave a new registry")
	}
	if err := e.svc.Revoke(ctx, e.issuer, doc.ID, documents.ReasonWithdrawn); err != nil {
		t.Fatal(err)
	}
	next := must[*documents.Registry](t)(old.Update(ctx, e.board))
	if len(old.Revocations) != 0 || len(next.Revocations) != 1 || next.Count != old.Count+1 {
		t.Fatalf("old %d revocations, next %d (count %d -> %d)", len(old.Revocations), len(next.Revocations), old.Count, next.Count)
	}
	full := must[*documents.Registry](t)(documents.ReadRegistry(ctx, e.board, e.svc.TopicID()))
	if full.Head != next.Head || len(full.Anchors) != len(next.Anchors) {
		t.Fatal("an updated registry differs from a fresh reading")
	}
	st := must[*documents.Status](t)(next.StatusAt(*doc.Seq))
	if !st.Revoked() {
		t.Fatal("the update missed the revocation")
	}
}

func TestEntriesThatDoNotCountAreIgnoredWithAReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	ctx := ctxFor(t)
	doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("t", "c")))
	reg := must[*documents.Registry](t)(documents.ReadRegistry(ctx, e.board, e.svc.TopicID()))
	anchor := reg.Anchors[0].Anchor
	poster := e.board.As(bulletin.Address{1})
	// A rogue key never registered anchors a document; a registered
	// issuer's anchor is replayed; a revocation by a foreign key; garbage.
	rogue, _ := schnorr.GenerateKey(nil)
	forged := *anchor
	forged.Series = documents.Series{9}
	forged.Sign(nil, rogue)
	rev := &documents.Revocation{Series: anchor.Series, Version: 1, Reason: documents.ReasonWithdrawn}
	rev.Sign(nil, rogue)
	tampered := anchor.Bytes()
	tampered[100] ^= 1
	for _, m := range []bulletin.Message{{Kind: bulletin.KindDocAnchor, Payload: forged.Bytes()}, {Kind: bulletin.KindDocAnchor, Payload: anchor.Bytes()},
		{Kind: bulletin.KindDocRevoke, Payload: rev.Bytes()}, {Kind: bulletin.KindDocAnchor, Payload: tampered}, {Kind: bulletin.KindDocDistribution, Payload: []byte{1, 2}}} {
		if _, err := poster.Append(ctx, e.svc.TopicID(), m.Kind, m.Payload); err != nil {
			t.Fatal(err)
		}
	}
	reg = must[*documents.Registry](t)(reg.Update(ctx, e.board))
	if len(reg.Ignored) != 5 || len(reg.Anchors) != 1 || len(reg.Revocations) != 0 {
		t.Fatalf("ignored %+v, anchors %d, revocations %d", reg.Ignored, len(reg.Anchors), len(reg.Revocations))
	}
	f := must[*documents.File](t)(e.svc.Download(ctx, e.anna, doc.ID))
	if v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f, e.clock.Now())); !v.Authentic || v.Status.Revoked() {
		t.Fatalf("a foreign revocation counted: %+v", v)
	}
}

// A board that refuses the service's entries (the topic's owner has not
// authorised it yet) loses nothing: the document is issued, waits
// unanchored, and is posted, in order, once the board accepts.
func TestNothingIsLostWhileTheBoardRefuses(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	e := newEnv(t, sqliteStore(t))
	// A second service on its own topic, created by someone else.
	owner := e.board.As(bulletin.Address{2})
	topic := bulletin.NamedTopic("veche/documents/test-refused")
	if err := owner.CreateTopic(ctx, topic, bulletin.PhaseService); err != nil {
		t.Fatal(err)
	}
	svc, err := documents.New(ctx, documents.Config{DB: e.db, Identity: e.ident, Board: e.board.As(bulletin.Address{3}), Topic: topic,
		SealingKey: e.key, Rand: testRand("refused"), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.ident.Register(ctx, "clerk@city.example", "a long enough password")
	if err := e.ident.GrantRole(ctx, e.admin, other, identity.RoleDocumentIssuer); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RegisterIssuer(ctx, other, "Housing department"); err != nil {
		t.Fatal(err)
	}
	doc := must[*documents.Document](t)(svc.Issue(ctx, other, e.boris, notice("Residence certificate", "Boris lives here.")))
	if doc.Seq != nil {
		t.Fatal("posted to a board that refuses")
	}
	if _, err := svc.Download(ctx, e.boris, doc.ID); !errors.Is(err, documents.ErrNotAnchored) {
		t.Fatalf("downloading an unanchored document: %v", err)
	}
	if _, err := svc.Post(ctx); !errors.Is(err, bulletin.ErrUnauthorized) {
		t.Fatalf("Post on a refusing board: %v", err)
	}
	if err := owner.SetPoster(ctx, topic, bulletin.Address{3}, bulletin.NewKindSet(bulletin.KindDocAnchor, bulletin.KindDocRevoke)); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.Post(ctx); n != 2 || err != nil {
		t.Fatalf("Post = %d, %v; want the registration and the anchor", n, err)
	}
	f := must[*documents.File](t)(svc.Download(ctx, e.boris, doc.ID))
	if v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, e.board, f, e.clock.Now())); !v.Authentic || v.Status.Issuer != "Housing department" {
		t.Fatalf("verdict %+v", v)
	}
}
