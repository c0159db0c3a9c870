package identity_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// No error shows a password, a token, the secret or an identifier; the
// database holds no password, token, secret or pseudonym, and no
// identifier that belongs to nobody.
func TestSecretsStayOut(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		const (
			ident    = "Secret.Keeper@Example.com"
			password = "hunter2-correct-horse"
			typo     = "hunter2-correct-hors"
			stranger = "hunter2@typed-into-the-wrong-field"
		)
		id := e.register(t, ident, password)
		tok := e.login(t, ident, password)
		pseud, err := e.svc.Pseudonym(id, "voting", []byte("election"))
		if err != nil {
			t.Fatal(err)
		}

		var errs []error
		collect := func(_ any, err error) {
			if err != nil {
				errs = append(errs, err)
			}
		}
		collect(e.svc.Register(ctx, ident, password))
		collect(e.svc.Register(ctx, "x@example.com", "short"))
		collect(e.svc.Register(ctx, "x y", password))
		collect(e.svc.Login(ctx, ident, typo))
		collect(e.svc.Login(ctx, stranger, password))
		for range 6 {
			collect(e.svc.Login(ctx, ident, typo))
		}
		collect(e.svc.Login(ctx, ident+" x", password))
		collect(e.svc.Verify(ctx, tok.Refresh))
		collect(e.svc.Verify(ctx, tok.Access+"x"))
		collect(e.svc.Verify(ctx, tok.Access[:46]+"!"))
		collect(e.svc.Refresh(ctx, tok.Access))
		collect(nil, e.svc.Logout(ctx, strings.ToUpper(tok.Access)))
		collect(identity.ParseResidentID(strings.ToUpper(id.String())))
		collect(identity.NormalizeIdentifier(ident + "\x00"))
		collect(identity.New(e.db, e.secret[:31], nil))
		if len(errs) < 15 {
			t.Fatalf("only %d errors collected", len(errs))
		}

		normalised, _ := identity.NormalizeIdentifier(ident)
		secrets := map[string]string{
			"password": password, "typo": typo, "access token": tok.Access, "access token body": tok.Access[4:],
			"refresh token": tok.Refresh, "refresh token body": tok.Refresh[4:], "secret (hex)": hex.EncodeToString(e.secret),
			"identifier": ident, "normalised identifier": normalised, "stranger": stranger,
		}
		for _, err := range errs {
			msg := fmt.Sprintf("%v %+v %#v", err, err, err)
			if !strings.HasPrefix(err.Error(), "identity: ") {
				t.Errorf("error without the package prefix: %q", err)
			}
			for name, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("an error contains the %s: %q", name, msg)
				}
			}
		}
		for _, s := range []string{fmt.Sprint(e.svc), fmt.Sprintf("%+v", e.svc), fmt.Sprintf("%#v", *e.svc)} {
			if strings.Contains(s, hex.EncodeToString(e.secret[:8])) {
				t.Errorf("the printed Service contains the secret: %s", s)
			}
		}

		// The whole identity schema, as bytes.
		dump := dumpTables(t, e.db, "identity_residents", "identity_roles", "identity_role_log", "identity_sessions",
			"identity_tokens", "identity_login_failures", "identity_inbox")
		for name, s := range map[string][]byte{
			"password": []byte(password), "access token": []byte(tok.Access), "access token body": []byte(tok.Access[4:]),
			"refresh token": []byte(tok.Refresh), "secret": e.secret, "pseudonym": pseud[:], "stranger": []byte(stranger),
			"typed identifier": []byte(ident),
		} {
			if bytes.Contains(dump, s) {
				t.Errorf("the database contains the %s", name)
			}
		}
		if !bytes.Contains(dump, []byte(normalised)) {
			t.Error("the dump does not contain the normalised identifier: the dump is broken")
		}
	})
}

// dumpTables concatenates every value of every row of the tables.
func dumpTables(t *testing.T, db *store.DB, tables ...string) []byte {
	t.Helper()
	var out []byte
	err := db.Tx(ctxFor(t), func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		for _, table := range tables {
			rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				for _, v := range vals {
					switch v := v.(type) {
					case []byte:
						out = append(out, v...)
					default:
						out = fmt.Appendf(out, "%v", v)
					}
					out = append(out, 0)
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
