package cli

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// identitySecretFile holds the identity layer's server secret in the data
// directory: 64 hex digits and a newline, mode 0600.
const identitySecretFile = "identity.secret"

// storeURL returns dbURL, or the default store: SQLite in the data
// directory (DATA/veche.db), which the ballot box and the identity layer
// share.
func (a *app) storeURL(dbURL string) (string, error) {
	if dbURL != "" {
		return dbURL, nil
	}
	if err := os.MkdirAll(a.cfg.Data, 0o700); err != nil {
		return "", err
	}
	return "sqlite:" + filepath.Join(a.cfg.Data, "veche.db"), nil
}

// openIdentity opens the identity service on the store at dbURL (default:
// the data directory's SQLite database) with the server secret in
// DATA/identity.secret, created on first use. The caller closes the
// store with the returned function.
func (a *app) openIdentity(ctx context.Context, dbURL string) (*identity.Service, func(), error) {
	secret, err := identitySecret(filepath.Join(a.cfg.Data, identitySecretFile))
	if err != nil {
		return nil, nil, err
	}
	defer clear(secret)
	u, err := a.storeURL(dbURL)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	svc, err := identity.New(db, secret, nil)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, func() { db.Close() }, nil
}

// identitySecret reads the identity layer's server secret from path,
// creating it (32 random bytes, mode 0600) if there is no file. It refuses
// a file that others than its owner may read: whoever has the secret can
// link pseudonyms and guess passwords offline with a copy of the
// database.
func identitySecret(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createIdentitySecret(path)
	}
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: the identity secret is readable by others (mode %v): chmod 600 it, and consider it exposed", path, fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	s := strings.TrimSpace(string(raw))
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != identity.SecretSize {
		return nil, fmt.Errorf("%s: not an identity secret (want %d hex digits)", path, 2*identity.SecretSize)
	}
	return b, nil
}

// createIdentitySecret writes a new secret to path, atomically: a second
// process creating it at the same time gets the first one's.
func createIdentitySecret(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	secret := make([]byte, identity.SecretSize)
	if _, err := cryptorand.Read(secret); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".identity-secret-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		clear(secret)
		return identitySecret(path) // another process made it first
	} else if err != nil {
		return nil, err
	}
	return secret, nil
}

// pruneIdentity deletes expired tokens, ended sessions and forgotten login
// failures every interval until ctx ends.
func pruneIdentity(ctx context.Context, svc *identity.Service, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := svc.Prune(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pruning the identity store", "err", err)
		} else if n > 0 {
			log.Debug("pruned the identity store", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// residentsCommand is the operator's view of the identity store: the
// first administrator, roles, and who holds them. Residents themselves
// register and log in through the API (veche serve).
func (a *app) residentsCommand() *cobra.Command {
	var dbURL string
	c := &cobra.Command{
		Use:   "residents",
		Short: "The operator's commands on the identity store: administrators and roles",
		Long: `Residents register and log in through the voter API (veche serve); these
commands work on the identity store directly (--db, default the SQLite database
in the data directory, with the server secret in DATA/identity.secret), for the
operator: make the first administrator, grant and revoke roles on an
administrator's authority, show a resident, list who holds a role. They print
identifiers and role names, never passwords, tokens or keys.`,
		Example: `  veche residents bootstrap-admin admin@city.example
  veche residents grant ca@city.example credential-authority --by admin@city.example
  veche residents list --role voter`,
	}
	c.PersistentFlags().StringVar(&dbURL, "db", "", "the identity store: sqlite:PATH or postgres://... (default sqlite: in the data directory)")
	with := func(cmd *cobra.Command, f func(context.Context, *identity.Service) error) error {
		ident, closeIdent, err := a.openIdentity(cmd.Context(), dbURL)
		if err != nil {
			return fmt.Errorf("residents: the identity store: %w", err)
		}
		defer closeIdent()
		if err := f(cmd.Context(), ident); err != nil {
			return fmt.Errorf("residents %s: %w", cmd.Name(), err)
		}
		return nil
	}
	lookup := func(ctx context.Context, ident *identity.Service, what, identifier string) (identity.ResidentID, error) {
		id, err := ident.Lookup(ctx, identifier)
		if err != nil {
			return identity.ResidentID{}, fmt.Errorf("%s: %w", what, err)
		}
		return id, nil
	}

	show := &cobra.Command{
		Use:   "show IDENTIFIER",
		Short: "Show a resident: id, registration time, roles, whether it has an encryption key",
		Long: `Print the resident registered under IDENTIFIER (in any spelling that
normalises to it): its id, when it registered, its roles, whether it has
registered an encryption key, and the elections it has received credentials
for.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(cmd, func(ctx context.Context, ident *identity.Service) error {
				id, err := lookup(ctx, ident, "resident", args[0])
				if err != nil {
					return err
				}
				r, err := ident.Resident(ctx, id)
				if err != nil {
					return err
				}
				ds, err := ident.Deliveries(ctx, id)
				if err != nil {
					return err
				}
				var elections []string
				for _, d := range ds {
					elections = append(elections, d.Election)
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "resident\t%s\nidentifier\t%s\nregistered\t%s\nroles\t%s\nencryption key\t%v\ncredentials\t%s\n",
					r.ID, r.Identifier, r.Created.Format(time.RFC3339), r.Roles, r.HasEncryptionKey, strings.Join(elections, ", "))
				return nil
			})
		},
	}
	bootstrap := &cobra.Command{
		Use:   "bootstrap-admin IDENTIFIER",
		Short: "Make the first administrator (only while there is none)",
		Long: `Give the resident registered under IDENTIFIER the administrator role. This is
the operator's step when a deployment is set up, and it works only while no
resident is an administrator: from then on administrators grant roles
(veche residents grant --by).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(cmd, func(ctx context.Context, ident *identity.Service) error {
				id, err := lookup(ctx, ident, "resident", args[0])
				if err != nil {
					return err
				}
				if err := ident.BootstrapAdministrator(ctx, id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "resident %s is the first administrator\n", id)
				return nil
			})
		},
	}
	change := func(name string, grant bool) *cobra.Command {
		var by string
		verb, short := "revoke", "Take a role from a resident, on an administrator's authority"
		if grant {
			verb, short = "grant", "Give a resident a role, on an administrator's authority"
		}
		cmd := &cobra.Command{
			Use:   name + " IDENTIFIER ROLE --by ADMINISTRATOR",
			Short: short,
			Long: short + `. The change is recorded in the role log with the
administrator (--by, an identifier) as its actor; nobody changes its own roles.
Roles: ` + roleNames() + `.`,
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				role, err := identity.ParseRole(args[1])
				if err != nil {
					return fmt.Errorf("residents %s: %w (roles: %s)", verb, err, roleNames())
				}
				if by == "" {
					return fmt.Errorf("residents %s: --by ADMINISTRATOR is required", verb)
				}
				return with(cmd, func(ctx context.Context, ident *identity.Service) error {
					actor, err := lookup(ctx, ident, "--by", by)
					if err != nil {
						return err
					}
					subject, err := lookup(ctx, ident, "resident", args[0])
					if err != nil {
						return err
					}
					if grant {
						err = ident.GrantRole(ctx, actor, subject, role)
					} else {
						err = ident.RevokeRole(ctx, actor, subject, role)
					}
					if err != nil {
						return err
					}
					roles, err := ident.Roles(ctx, subject)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "resident %s: roles %s\n", subject, roles)
					return nil
				})
			},
		}
		cmd.Flags().StringVar(&by, "by", "", "identifier of the administrator making the change (required)")
		return cmd
	}
	var listRole string
	list := &cobra.Command{
		Use:   "list --role ROLE",
		Short: "List the residents holding a role, with whether each has an encryption key",
		Long: `Print the identifier of every resident holding --role, sorted, one per line,
with "no-key" after those who have registered no encryption key (credentials
cannot be sealed to them), and a count at the end. "veche credentials issue
--role voter" issues to exactly these residents.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			role, err := identity.ParseRole(listRole)
			if err != nil {
				return fmt.Errorf("residents list: --role: %w (roles: %s)", err, roleNames())
			}
			return with(cmd, func(ctx context.Context, ident *identity.Service) error {
				rs, err := ident.RecipientsWithRole(ctx, role)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				keyless := 0
				for _, r := range rs {
					if r.Key == nil {
						keyless++
						fmt.Fprintf(w, "%s\tno-key\n", r.Identifier)
					} else {
						fmt.Fprintf(w, "%s\n", r.Identifier)
					}
				}
				fmt.Fprintf(w, "# %d residents hold the %s role; %d have no encryption key\n", len(rs), role, keyless)
				return nil
			})
		},
	}
	list.Flags().StringVar(&listRole, "role", "", "the role, such as voter (required)")
	c.AddCommand(show, bootstrap, change("grant", true), change("revoke", false), list)
	return c
}

func roleNames() string {
	var names []string
	for _, r := range identity.AllRoles() {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}
