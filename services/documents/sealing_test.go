package documents_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/services/store/storetest"
)

// openSealedKey opens a stored issuer key as docs/spec/documents.md,
// section 8, specifies it, with golang.org/x/crypto alone:
// u8(1) || nonce(24) || XChaCha20-Poly1305(kek, nonce, sk, ad),
// ad = "veche/documents/v1/issuer-key" || resident || public key.
func openSealedKey(kek, resident, pub, sealed []byte) ([]byte, error) {
	if len(sealed) != 73 || sealed[0] != 1 {
		return nil, errors.New("not a version 1 sealed key of 73 bytes")
	}
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	ad := append(append([]byte("veche/documents/v1/issuer-key"), resident...), pub...)
	return aead.Open(nil, sealed[1:25], sealed[25:], ad)
}

// issuerRow reads an issuer's stored public and secret key.
func issuerRow(t testing.TB, db *store.DB, resident identity.ResidentID) (pub, secret []byte) {
	t.Helper()
	err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT public_key, secret_key FROM documents_issuers WHERE resident = $1", resident[:]).Scan(&pub, &secret)
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub, secret
}

// exec runs one statement on db.
func exec(t testing.TB, db *store.DB, query string, args ...any) {
	t.Helper()
	if err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// leaksNothing fails if text holds any of secrets, raw, in hex or in
// base64.
func leaksNothing(t testing.TB, what, text string, secrets ...[]byte) {
	t.Helper()
	for i, s := range secrets {
		for _, form := range []string{string(s), hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)),
			base64.StdEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s)} {
			if strings.Contains(text, form) {
				t.Errorf("%s shows secret #%d: %q", what, i, text)
			}
		}
	}
}

func boardCount(t testing.TB, e *env) uint64 {
	t.Helper()
	_, n, err := e.board.Head(ctxFor(t), documents.Topic())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The database keeps the issuer's signing key only sealed with the key
// file's key, bound to the issuer's row, as the spec lays it out.
func TestTheDatabaseHoldsTheSigningKeyOnlySealed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		pub, secret := issuerRow(t, e.db, e.issuer)
		if len(secret) != 73 || secret[0] != 1 {
			t.Fatalf("stored secret key: %d bytes, version %d; want 73 bytes of version 1", len(secret), secret[0])
		}
		sk, err := openSealedKey(e.kek, e.issuer[:], pub, secret)
		if err != nil {
			t.Fatalf("the stored key does not open as the spec says: %v", err)
		}
		key := must[*schnorr.PrivateKey](t)(schnorr.NewPrivateKey(sk))
		if !bytes.Equal(key.Public().Bytes(), pub) {
			t.Fatal("the sealed key is not the issuer's")
		}
		if bytes.Contains(secret, sk) {
			t.Fatal("the plain key is in the stored form")
		}
		iss := must[*documents.Issuer](t)(e.svc.Issuer(ctxFor(t), e.issuer))
		if !bytes.Equal(iss.Key.Bytes(), pub) {
			t.Fatal("Issuer reports another key")
		}
		// Bound to its row: another resident's or another tag's associated
		// data does not open it.
		if _, err := openSealedKey(e.kek, e.anna[:], pub, secret); err == nil {
			t.Error("opens as another resident's key")
		}
		other := append([]byte(nil), secret...)
		other[0] = 2
		if _, err := openSealedKey(e.kek, e.issuer[:], pub, other); err == nil {
			t.Error("a version 2 form opens")
		}
	})
}

// Whoever copies the database but not the key file cannot sign: the
// service refuses to start with any other key, before it signs or seals
// anything, also when the copy's key check is removed; and no error
// shows a key.
func TestACopiedDatabaseWithoutItsKeyFileCannotIssue(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("Certificate", "Anna lives at Lenina 5.")))
		pub, secret := issuerRow(t, e.db, e.issuer)
		plain := must[[]byte](t)(openSealedKey(e.kek, e.issuer[:], pub, secret))
		before := boardCount(t, e)

		thief := kekBytes("a key file of the thief's own")
		open := func() error {
			_, err := documents.New(ctx, documents.Config{DB: e.db, Identity: e.ident, Board: e.board.As(bulletin.Address{9}),
				SealingKey: must[*documents.SealingKey](t)(documents.NewSealingKey(thief)), Now: e.clock.Now})
			return err
		}
		err := open()
		if !errors.Is(err, documents.ErrKeyFile) || !strings.Contains(err.Error(), "key file") {
			t.Fatalf("starting with another key file: %v; want ErrKeyFile", err)
		}
		leaksNothing(t, "the error", err.Error(), plain, secret, e.kek, thief)

		// The holder of the copy deletes the key check: the sealed keys
		// themselves do not open, and the error names the issuer.
		exec(t, e.db, "DELETE FROM documents_key_check")
		err = open()
		if !errors.Is(err, documents.ErrKeyFile) || !strings.Contains(err.Error(), `issuer "City property registry"'s signing key does not open with this key file`) {
			t.Fatalf("starting with another key file and no key check: %v", err)
		}
		leaksNothing(t, "the error", err.Error(), plain, secret, e.kek, thief)
		if n := boardCount(t, e); n != before {
			t.Fatalf("the board grew from %d to %d entries", before, n)
		}
		if _, now := issuerRow(t, e.db, e.issuer); !bytes.Equal(now, secret) {
			t.Fatal("the failed starts changed the stored key")
		}

		// The right key file still works, and writes the key check again.
		svc := must[*documents.Service](t)(documents.New(ctx, documents.Config{DB: e.db, Identity: e.ident,
			Board: e.board.As(bulletin.Address{1}), SealingKey: e.key, Now: e.clock.Now}))
		must[*documents.Document](t)(svc.Issue(ctx, e.issuer, e.boris, notice("Certificate", "Boris lives at Lenina 5.")))
		if err := open(); !errors.Is(err, documents.ErrKeyFile) {
			t.Fatalf("the key check was not written again: %v", err)
		}
	})
}

// A sealed key moved to another issuer's row opens for neither: both
// issuers' signing fails with an error naming the issuer, nothing is
// posted or stored, and moving the keys back restores both.
func TestSwappingTwoIssuersSealedKeysOpensForNeither(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		if err := e.ident.GrantRole(ctx, e.admin, e.vera, identity.RoleDocumentIssuer); err != nil {
			t.Fatal(err)
		}
		must[*documents.Issuer](t)(e.svc.RegisterIssuer(ctx, e.vera, "Housing department"))
		doc := must[*documents.Document](t)(e.svc.Issue(ctx, e.issuer, e.anna, notice("Certificate", "Anna lives at Lenina 5.")))
		pubA, sealedA := issuerRow(t, e.db, e.issuer)
		pubV, sealedV := issuerRow(t, e.db, e.vera)
		secrets := [][]byte{sealedA, sealedV, e.kek,
			must[[]byte](t)(openSealedKey(e.kek, e.issuer[:], pubA, sealedA)),
			must[[]byte](t)(openSealedKey(e.kek, e.vera[:], pubV, sealedV))}

		exec(t, e.db, "UPDATE documents_issuers SET secret_key = $1 WHERE resident = $2", sealedV, e.issuer[:])
		exec(t, e.db, "UPDATE documents_issuers SET secret_key = $1 WHERE resident = $2", sealedA, e.vera[:])
		before := boardCount(t, e)
		issued := len(must[[]documents.Document](t)(e.svc.Issued(ctx, e.issuer)))
		for who, name := range map[identity.ResidentID]string{e.issuer: "City property registry", e.vera: "Housing department"} {
			_, err := e.svc.Issue(ctx, who, e.boris, notice("Certificate", "Boris lives at Lenina 5."))
			want := `issuer "` + name + `"'s signing key does not open with this key file`
			if !errors.Is(err, documents.ErrKeyFile) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s issues with a swapped key: %v; want %q", name, err, want)
			} else {
				leaksNothing(t, "the error", err.Error(), secrets...)
			}
		}
		if err := e.svc.Revoke(ctx, e.issuer, doc.ID, documents.ReasonWithdrawn); !errors.Is(err, documents.ErrKeyFile) {
			t.Errorf("revoking with a swapped key: %v", err)
		}
		if n := boardCount(t, e); n != before {
			t.Fatalf("the board grew from %d to %d entries", before, n)
		}
		if n := len(must[[]documents.Document](t)(e.svc.Issued(ctx, e.issuer))); n != issued {
			t.Fatalf("%d documents issued, was %d", n, issued)
		}

		exec(t, e.db, "UPDATE documents_issuers SET secret_key = $1 WHERE resident = $2", sealedA, e.issuer[:])
		exec(t, e.db, "UPDATE documents_issuers SET secret_key = $1 WHERE resident = $2", sealedV, e.vera[:])
		must[*documents.Document](t)(e.svc.Issue(ctx, e.vera, e.boris, notice("Certificate", "Boris lives at Lenina 5.")))
		if err := e.svc.Revoke(ctx, e.issuer, doc.ID, documents.ReasonWithdrawn); err != nil {
			t.Fatal(err)
		}
	})
}

// The key file: created on first use with 32 random bytes in hex, mode
// 0600; the same key when read again, also by processes racing to create
// it; refused when others may read it or when it is not a key, without
// showing what it holds. The service needs a key.
func TestTheKeyFileIsCreatedOnceAndKeptPrivate(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	e := newEnv(t, sqliteStore(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "documents.key")

	var wg sync.WaitGroup
	keys := make([]*documents.SealingKey, 8)
	errs := make([]error, len(keys))
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = documents.OpenKeyFile(path) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	kek, err := hex.DecodeString(strings.TrimSuffix(string(raw), "\n"))
	if err != nil || len(kek) != 32 || len(raw) != 65 {
		t.Fatalf("key file holds %q; want 64 hex digits and a newline", raw)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}

	// Every key read is the file's: each opens a database sealed with it.
	db := sqliteStore(t)
	ident := must[*identity.Service](t)(identity.New(db, bytes.Repeat([]byte{7}, identity.SecretSize), nil))
	board := memboard.New().As(bulletin.Address{1})
	for i, k := range append(keys, must[*documents.SealingKey](t)(documents.NewSealingKey(kek))) {
		if _, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board, SealingKey: k}); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	// ... and not e's.
	if _, err := documents.New(ctx, documents.Config{DB: e.db, Identity: e.ident, Board: e.board.As(bulletin.Address{1}), SealingKey: keys[0]}); !errors.Is(err, documents.ErrKeyFile) {
		t.Fatalf("another database opened with this key file: %v", err)
	}

	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := documents.OpenKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a group-readable key file: %v", err)
	} else {
		leaksNothing(t, "the error", err.Error(), kek)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte(strings.Repeat("z", 64)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := documents.OpenKeyFile(bad); err == nil || strings.Contains(err.Error(), "zzzz") {
		t.Errorf("a key file that is not hex: %v", err)
	}
	if _, err := documents.NewSealingKey(kek[:31]); err == nil {
		t.Error("a 31-byte sealing key was taken")
	}
	if _, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board}); err == nil || !strings.Contains(err.Error(), "SealingKey") {
		t.Errorf("New without a sealing key: %v", err)
	}
}

// A deployment from before the sealing (schema 7, the issuers' keys plain,
// documents anchored and pending) is opened by this build with a key file:
// migration 0008 keeps every row, the service seals the plain keys at its
// first start, the old documents stay downloadable and authentic, and the
// issuer goes on signing (a new document and a revocation) with the same
// public key.
func TestAnOldDatabaseUpgradesToSealedKeysAndKeepsSigning(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := ctxFor(t)
			url := storetest.Backends()[backend](t)
			rnd := testRand("old deployment " + backend)
			now := time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC)
			ids := func() (id identity.ResidentID) { rnd.Read(id[:]); return id }
			registry, clerk, anna := ids(), ids(), ids()
			skReg := must[*schnorr.PrivateKey](t)(schnorr.GenerateKey(rnd))
			skClerk := must[*schnorr.PrivateKey](t)(schnorr.GenerateKey(rnd))

			// The old database: migrations 1-7 and its rows, written as the
			// build before 0008 wrote them.
			raw := oldSchema(t, backend, url)
			q := func(query string, args ...any) {
				t.Helper()
				if _, err := raw.ExecContext(ctx, query, args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			entry := func(kind int, payload []byte) (id int64) {
				t.Helper()
				if err := raw.QueryRowContext(ctx, "INSERT INTO documents_entries (kind, payload, created) VALUES ($1, $2, $3) RETURNING id",
					kind, payload, now.UnixMicro()).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return id
			}
			for i, r := range []identity.ResidentID{registry, clerk, anna} {
				q("INSERT INTO identity_residents (id, identifier, password, created) VALUES ($1, $2, $3, $4)",
					r[:], "resident"+strconv.Itoa(i)+"@city.example", "not a password hash: nobody logs in", now.UnixMicro())
			}
			for i, iss := range []struct {
				who  identity.ResidentID
				name string
				sk   *schnorr.PrivateKey
			}{{registry, "City property registry", skReg}, {clerk, "Housing department", skClerk}} {
				q("INSERT INTO identity_roles (resident, role, granted_by, granted) VALUES ($1, $2, NULL, $3)",
					iss.who[:], identity.RoleDocumentIssuer.String(), now.UnixMicro())
				ie := must[*documents.IssuerEntry](t)(documents.NewIssuerEntry(rnd, iss.sk, iss.name))
				q("INSERT INTO documents_issuers (resident, name, public_key, secret_key, entry, created) VALUES ($1, $2, $3, $4, $5, $6)",
					iss.who[:], iss.name, iss.sk.Public().Bytes(), iss.sk.Bytes(), entry(64, ie.Bytes()), now.UnixMicro()+int64(i))
			}
			salt := make([]byte, documents.SaltSize)
			rnd.Read(salt)
			content, title, mt := []byte("Anna Ivanova owns flat 12 at Lenina 5."), "Extract: flat 12", "text/plain"
			a := &documents.Anchor{Series: must[documents.Series](t)(documents.NewSeries(rnd)), Version: 1,
				Type: documents.TypeOwnershipExtract, ValidFrom: now, Commitment: must[[32]byte](t)(documents.Commit(salt, content, mt, title))}
			if err := a.Sign(rnd, skReg); err != nil {
				t.Fatal(err)
			}
			var oldDoc documents.ID
			rnd.Read(oldDoc[:])
			q(`INSERT INTO documents_docs (id, series, version, issuer, type, title, media_type, content, salt, commitment,
				valid_from, valid_until, building, created, anchor) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, 0, NULL, $11, $12)`,
				oldDoc[:], a.Series[:], registry[:], int(a.Type), title, mt, content, salt, a.Commitment[:], now.Unix(), now.UnixMicro(),
				entry(64, a.Bytes()))
			q("INSERT INTO documents_recipients (doc, resident) VALUES ($1, $2)", oldDoc[:], anna[:])
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}

			// This build opens it.
			db := storetest.Open(t, url)
			if v := must[int](t)(db.SchemaVersion(ctx)); v != store.LatestSchema() {
				t.Fatalf("schema version %d, want %d", v, store.LatestSchema())
			}
			if _, secret := issuerRow(t, db, registry); !bytes.Equal(secret, skReg.Bytes()) {
				t.Fatal("the migration changed a plain key")
			}
			if backend == "sqlite" {
				var bad int
				if err := db.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
					rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						bad++
					}
					return rows.Err()
				}); err != nil || bad != 0 {
					t.Fatalf("foreign_key_check after 0008: %d violations, %v", bad, err)
				}
			}
			ident := must[*identity.Service](t)(identity.New(db, bytes.Repeat([]byte{5}, identity.SecretSize), nil))
			board := memboard.New()
			kek := kekBytes("the new key file " + backend)
			var logs bytes.Buffer
			svc := must[*documents.Service](t)(documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board.As(bulletin.Address{1}),
				SealingKey: must[*documents.SealingKey](t)(documents.NewSealingKey(kek)), Now: func() time.Time { return now },
				Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
			if !strings.Contains(logs.String(), "keys=2") {
				t.Errorf("the log does not count the two keys sealed: %s", logs.String())
			}
			leaksNothing(t, "the log", logs.String(), skReg.Bytes(), skClerk.Bytes(), kek)

			for _, iss := range []struct {
				who identity.ResidentID
				sk  *schnorr.PrivateKey
			}{{registry, skReg}, {clerk, skClerk}} {
				pub, secret := issuerRow(t, db, iss.who)
				plain, err := openSealedKey(kek, iss.who[:], pub, secret)
				if err != nil || !bytes.Equal(plain, iss.sk.Bytes()) {
					t.Fatalf("after the first start the stored key is not the old key sealed: %v", err)
				}
				if got := must[*documents.Issuer](t)(svc.Issuer(ctx, iss.who)); !bytes.Equal(got.Key.Bytes(), iss.sk.Public().Bytes()) {
					t.Fatal("the issuer's public key changed")
				}
			}

			// The pending registrations and anchor go to the board; the old
			// document is still there, and authentic.
			if n, err := svc.Post(ctx); n != 3 || err != nil {
				t.Fatalf("Post = %d, %v; want the two registrations and the anchor", n, err)
			}
			f := must[*documents.File](t)(svc.Download(ctx, anna, oldDoc))
			if v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, board, f, now)); !v.Authentic || v.Status.Issuer != "City property registry" {
				t.Fatalf("the old document: %+v", v)
			}
			// The issuer signs a new document and a revocation with the
			// same key: the board counts them under its registration.
			doc := must[*documents.Document](t)(svc.Issue(ctx, registry, anna, documents.Draft{Type: documents.TypeResidenceCertificate,
				Title: "Residence certificate", MediaType: "text/plain", Content: []byte("Anna lives at Lenina 5."), ValidFrom: now}))
			if err := svc.Revoke(ctx, registry, oldDoc, documents.ReasonWithdrawn); err != nil {
				t.Fatal(err)
			}
			reg := must[*documents.Registry](t)(documents.ReadRegistry(ctx, board, documents.Topic()))
			if len(reg.Ignored) != 0 {
				t.Fatalf("the board ignores entries: %+v", reg.Ignored)
			}
			es := must[[]bulletin.Entry](t)(board.Entries(ctx, documents.Topic(), uint64(*doc.Seq), uint64(*doc.Seq)+1))
			anchor := must[any](t)(documents.ParseAnchorPayload(es[0].Payload)).(*documents.Anchor)
			if !bytes.Equal(anchor.Issuer.Bytes(), skReg.Public().Bytes()) {
				t.Fatal("the new anchor is signed by another key")
			}
			if v := must[*documents.Verdict](t)(documents.VerifyFile(ctx, board, f, now)); !v.Authentic || !v.Status.Revoked() {
				t.Fatalf("the old document after its revocation: %+v", v)
			}

			// A second start has nothing to seal; one with another key file
			// is refused.
			logs.Reset()
			must[*documents.Service](t)(documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board.As(bulletin.Address{1}),
				SealingKey: must[*documents.SealingKey](t)(documents.NewSealingKey(kek)), Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
			if strings.Contains(logs.String(), "sealed") {
				t.Errorf("the second start sealed again: %s", logs.String())
			}
			if _, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: board.As(bulletin.Address{1}),
				SealingKey: must[*documents.SealingKey](t)(documents.NewSealingKey(kekBytes("another")))}); !errors.Is(err, documents.ErrKeyFile) {
				t.Fatalf("another key file after the upgrade: %v", err)
			}
		})
	}
}

// oldSchema creates, at url, the schema of the build before migration
// 0008: the embedded migrations 1-7 (read from the source tree) and their
// schema_version rows, and returns a raw connection to it.
func oldSchema(t *testing.T, backend, url string) *sql.DB {
	t.Helper()
	ctx := ctxFor(t)
	dir := map[string]string{"sqlite": "sqlite", "postgres": "postgres"}[backend]
	driver, dsn := "pgx", url
	if backend == "sqlite" {
		driver, dsn = "sqlite", strings.TrimPrefix(url, "sqlite:")
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	files, err := filepath.Glob(filepath.Join("..", "store", "migrations", dir, "*.sql"))
	if err != nil || len(files) < 8 {
		t.Fatalf("migrations: %v, %v", files, err)
	}
	slices.Sort(files)
	if _, err := raw.ExecContext(ctx, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		num, rest, _ := strings.Cut(filepath.Base(f), "_")
		v, _ := strconv.Atoi(num)
		if v >= 8 {
			break
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := raw.ExecContext(ctx, "INSERT INTO schema_version (version, name, applied) VALUES ($1, $2, 0)", v, strings.TrimSuffix(rest, ".sql")); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}
