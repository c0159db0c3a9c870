package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// documentsKeyFileName is the default key file of the documents service in
// the data directory: the key that seals the issuers' signing keys in the
// database (docs/spec/documents.md, section 8).
const documentsKeyFileName = "documents.key"

// documentsKeyFile returns the documents service's key file: flag f (veche
// serve --documents-key-file, veche documents --key-file) if given, else
// the setting documents.key-file (VECHE_DOCUMENTS_KEY_FILE, veche.yaml),
// else DATA/documents.key.
func (a *app) documentsKeyFile(f *pflag.Flag) string {
	switch {
	case f != nil && f.Changed:
		return f.Value.String()
	case a.cfg.Documents.KeyFile != "":
		return a.cfg.Documents.KeyFile
	}
	return filepath.Join(a.cfg.Data, documentsKeyFileName)
}

// openDocuments opens the documents service on the store at dbURL (default:
// the data directory's SQLite database) and board b, with the identity
// layer of the same store and the issuers' signing keys sealed with the
// key in keyFile (created on first use; see documentsKeyFile). The caller
// closes it with the returned function.
func (a *app) openDocuments(ctx context.Context, b documents.Board, dbURL, keyFile string) (*documents.Service, *identity.Service, func(), error) {
	kek, err := documents.OpenKeyFile(keyFile)
	if err != nil {
		return nil, nil, nil, err
	}
	ident, closeIdent, err := a.openIdentity(ctx, dbURL)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := a.storeURL(dbURL)
	if err != nil {
		closeIdent()
		return nil, nil, nil, err
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		closeIdent()
		return nil, nil, nil, err
	}
	svc, err := documents.New(ctx, documents.Config{DB: db, Identity: ident, Board: b, SealingKey: kek, Logger: a.log})
	if errors.Is(err, documents.ErrKeyFile) {
		err = fmt.Errorf("%w (key file %s: every server on this database needs the same one; set documents.key-file)", err, keyFile)
	}
	if err != nil {
		db.Close()
		closeIdent()
		return nil, nil, nil, err
	}
	return svc, ident, func() { db.Close(); closeIdent() }, nil
}

// documentsCommand is `veche documents`: the issuer's commands on the store
// and the board, the resident's through the API, and verification.
func (a *app) documentsCommand() *cobra.Command {
	var dbURL, by, apiURL, user, passFile string
	c := &cobra.Command{
		Use:   "documents",
		Short: "Resident and owner documents: issue, list, download, share, and verify against the board",
		Long: `Documents for residents and property owners (docs/spec/documents.md). The
content stays in the database; the board's topic "veche/documents/v1" gets, per
version, a salted commitment signed by the issuer, with its type, version and
validity, and the revocations and the recipient commitments of notices.

Anyone checks a document file:
  veche documents verify FILE
reads the board (the embedded chain, or --rpc/--contract) and says whether the
file is authentic, who issued it, whether it is the current version or
superseded, and whether it was revoked.

Issuers and administrators work on the store and the board directly (--db, and
--by IDENTIFIER for whose authority): issuer, building, occupancy, issue,
notify, version, revoke, erase. The issuers' signing keys are kept in the
store sealed with the key in DATA/documents.key (created on first use, mode
0600; --key-file or the setting documents.key-file names another): keep it,
and give veche serve the same file. Without it nobody can sign as the
issuers; the store alone does not let anyone do so.

Residents work through the API of veche serve (--api, --user,
--password-file or VECHE_VOTER_PASSWORD): list, download, share, unshare,
proof, and anyone opens a share code with fetch.`,
		Example: `  veche documents issuer "City property registry" --by registry@city.example
  veche documents building "Lenina 5" --by registry@city.example
  veche documents occupancy BUILDING anna@example.org --unit 12 --relation owner --by registry@city.example
  veche documents issue --to anna@example.org --type ownership-extract --title "Extract: flat 12" --content extract.txt --by registry@city.example
  veche documents list --user anna@example.org
  veche documents download ID --out extract.json --user anna@example.org
  veche documents verify extract.json`,
	}
	pf := c.PersistentFlags()
	pf.StringVar(&dbURL, "db", "", "issuer commands: the store, sqlite:PATH or postgres://... (default sqlite: in the data directory)")
	pf.StringVar(&by, "by", "", "issuer commands: identifier of the issuer or administrator acting")
	pf.StringVar(&apiURL, "api", "", "resident commands: the API's base URL (env "+voterAPIEnv+"; default http://127.0.0.1:8080)")
	pf.StringVar(&user, "user", "", "resident commands: your identifier (env "+voterUserEnv+")")
	pf.StringVar(&passFile, "password-file", "", "resident commands: file whose first line is your account password (or env "+voterPasswordEnv+")")
	pf.String("key-file", "", "issuer commands: the key file sealing the issuers' signing keys (setting documents.key-file; default DATA/"+documentsKeyFileName+")")

	// withIssuer runs f with the documents service, the board and the
	// acting resident (--by).
	withIssuer := func(cmd *cobra.Command, f func(ctx context.Context, svc *documents.Service, ident *identity.Service, actor identity.ResidentID) error) error {
		if by == "" {
			return fmt.Errorf("documents %s: --by IDENTIFIER is required", cmd.Name())
		}
		ctx := cmd.Context()
		b, err := a.openBoard(ctx)
		if err != nil {
			return err
		}
		defer b.Close()
		svc, ident, closeDocs, err := a.openDocuments(ctx, b, dbURL, a.documentsKeyFile(c.PersistentFlags().Lookup("key-file")))
		if err != nil {
			return fmt.Errorf("documents: %w", err)
		}
		defer closeDocs()
		actor, err := ident.Lookup(ctx, by)
		if err != nil {
			return fmt.Errorf("documents %s: --by: %w", cmd.Name(), err)
		}
		if err := f(ctx, svc, ident, actor); err != nil {
			return fmt.Errorf("documents %s: %w", cmd.Name(), err)
		}
		return nil
	}

	// readBoard opens the board to read: --rpc and --contract; else, with
	// --api, the node that server names (GET /api/v1/board); else the
	// embedded chain in the data directory.
	readBoard := func(ctx context.Context) (chain.Board, error) {
		if apiURL != "" && a.cfg.Chain.RPC == "" {
			return a.voterBoard(ctx, &voterOptions{api: apiURL})
		}
		return a.openBoard(ctx)
	}

	issuer := &cobra.Command{
		Use:   "issuer NAME --by IDENTIFIER",
		Short: "Register the --by resident (role document-issuer) as an issuer under a public name",
		Long: `Draw the issuer's signing key, keep it in the store sealed with the key file
(--key-file, default DATA/documents.key), and post its registration
(the key and NAME, self-signed) to the documents topic. Verifiers name the
issuer of a document by this registration.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, _ *identity.Service, actor identity.ResidentID) error {
				iss, err := svc.RegisterIssuer(ctx, actor, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "issuer %q registered, key %x\n", iss.Name, iss.Key.Bytes())
				return nil
			})
		},
	}
	building := &cobra.Command{
		Use:   "building ADDRESS --by IDENTIFIER",
		Short: "Register a building in the property register (issuers and administrators)",
		Long:  `Record a building at ADDRESS and print its id, for occupancy and notify.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, _ *identity.Service, actor identity.ResidentID) error {
				id, err := svc.RegisterBuilding(ctx, actor, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "building %s\n", id)
				return nil
			})
		},
	}
	var unit, relation string
	occupancy := &cobra.Command{
		Use:   "occupancy BUILDING IDENTIFIER --unit UNIT --relation owner|resident --by IDENTIFIER",
		Short: "Record that a resident owns or lives in a unit of a building",
		Long: `Record, on the authority of an issuer or administrator (--by, never the
resident itself), that the resident registered under IDENTIFIER owns (or lives
in) --unit of BUILDING. Notices to a building go to its owners.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := documents.ParseRelation(relation)
			if err != nil {
				return fmt.Errorf("documents occupancy: --relation: %w", err)
			}
			bid, err := documents.ParseID(args[0])
			if err != nil {
				return fmt.Errorf("documents occupancy: BUILDING: not an id")
			}
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, ident *identity.Service, actor identity.ResidentID) error {
				who, err := ident.Lookup(ctx, args[1])
				if err != nil {
					return fmt.Errorf("resident: %w", err)
				}
				if err := svc.AddOccupancy(ctx, actor, bid, unit, who, rel); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "recorded: %s of unit %q\n", rel, unit)
				return nil
			})
		},
	}
	occupancy.Flags().StringVar(&unit, "unit", "", "the unit (flat) number")
	occupancy.Flags().StringVar(&relation, "relation", "owner", "owner or resident")

	df := &draftFlags{}
	var to string
	issue := &cobra.Command{
		Use:   "issue --to IDENTIFIER --type TYPE --title TITLE --content FILE --by IDENTIFIER",
		Short: "Issue a document to one resident and anchor it on the board",
		Long: `Issue the content of --content to the resident registered under --to, on the
authority of the registered issuer --by: the content, title and a fresh 32-byte
salt stay in the store, the board gets the signed anchor. Types: meeting-notice,
ownership-extract, residence-certificate, other.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := df.draft()
			if err != nil {
				return fmt.Errorf("documents issue: %w", err)
			}
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, ident *identity.Service, actor identity.ResidentID) error {
				who, err := ident.Lookup(ctx, to)
				if err != nil {
					return fmt.Errorf("--to: %w", err)
				}
				doc, err := svc.Issue(ctx, actor, who, d)
				if err != nil {
					return err
				}
				printDocument(cmd.OutOrStdout(), doc)
				return nil
			})
		},
	}
	df.add(issue)
	issue.Flags().StringVar(&to, "to", "", "the recipient's identifier")
	ndf := &draftFlags{}
	notify := &cobra.Command{
		Use:   "notify BUILDING --type meeting-notice --title TITLE --content FILE --by IDENTIFIER",
		Short: "Issue a notice to every owner of a building, with a provable recipient list",
		Long: `Issue the notice to every owner of BUILDING and post, after its anchor, a
doc-distribution entry with the number of owners and the Merkle root of their
sorted recipient leaves; each owner can then prove being (or not being) among
the recipients (veche documents proof).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := ndf.draft()
			if err != nil {
				return fmt.Errorf("documents notify: %w", err)
			}
			bid, err := documents.ParseID(args[0])
			if err != nil {
				return fmt.Errorf("documents notify: BUILDING: not an id")
			}
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, _ *identity.Service, actor identity.ResidentID) error {
				doc, err := svc.IssueToOwners(ctx, actor, bid, d)
				if err != nil {
					return err
				}
				printDocument(cmd.OutOrStdout(), doc)
				return nil
			})
		},
	}
	ndf.add(notify)
	vdf := &draftFlags{}
	version := &cobra.Command{
		Use:   "version ID --type TYPE --title TITLE --content FILE --by IDENTIFIER",
		Short: "Issue the next version of a document to the same recipients",
		Long:  `Issue version n+1 of document ID's series; version n is superseded from then on.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := vdf.draft()
			if err != nil {
				return fmt.Errorf("documents version: %w", err)
			}
			id, err := documents.ParseID(args[0])
			if err != nil {
				return fmt.Errorf("documents version: ID: not an id")
			}
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, _ *identity.Service, actor identity.ResidentID) error {
				doc, err := svc.NewVersion(ctx, actor, id, d)
				if err != nil {
					return err
				}
				printDocument(cmd.OutOrStdout(), doc)
				return nil
			})
		},
	}
	vdf.add(version)
	var reason string
	revoke := &cobra.Command{
		Use:   "revoke ID --reason withdrawn|issued-in-error --by IDENTIFIER",
		Short: "Revoke a document version and anchor the revocation",
		Long:  `Revoke document ID (a version the --by issuer issued) and post the signed doc-revoke entry; its shares end.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := documents.ParseReason(reason)
			if err != nil {
				return fmt.Errorf("documents revoke: --reason: %w", err)
			}
			id, err := documents.ParseID(args[0])
			if err != nil {
				return fmt.Errorf("documents revoke: ID: not an id")
			}
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, _ *identity.Service, actor identity.ResidentID) error {
				if err := svc.Revoke(ctx, actor, id, r); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %s (%s)\n", id, r)
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "withdrawn", "withdrawn or issued-in-error")
	erase := &cobra.Command{
		Use:   "erase ID --by IDENTIFIER",
		Short: "Erase a document's content, title and salt for good",
		Long: `Delete document ID's content, title, media type and salt, and its recipients,
shares and recipient list (its issuer or an administrator). The anchor stays on
the board, but nothing can be linked to its commitment any more.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := documents.ParseID(args[0])
			if err != nil {
				return fmt.Errorf("documents erase: ID: not an id")
			}
			return withIssuer(cmd, func(ctx context.Context, svc *documents.Service, _ *identity.Service, actor identity.ResidentID) error {
				if err := svc.Erase(ctx, actor, id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "erased %s\n", id)
				return nil
			})
		},
	}

	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a document file against the board: authentic, issuer, current, revoked",
		Long: `Read the document file (docs/spec/documents.md, section 7), recompute its
commitment from its content, title, media type and salt, and check it against
the anchor the file names on the board: the node given by --rpc and
--contract, or the one a server names (--api URL: it answers GET
/api/v1/board), or else the embedded chain in the data directory. Prints whether it is authentic, the issuer,
whether it is the current version or superseded, whether it was revoked, and
its validity; exits 1 if it is not authentic.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readLimited(args[0], documents.MaxFileSize)
			if err != nil {
				return fmt.Errorf("documents verify: %w", err)
			}
			f, err := documents.ParseFile(raw)
			if err != nil {
				return fmt.Errorf("documents verify: %s: %w", args[0], err)
			}
			b, err := readBoard(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			v, err := documents.VerifyFile(cmd.Context(), b, f, time.Now())
			if err != nil {
				return fmt.Errorf("documents verify: %w", err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				out, _ := json.MarshalIndent(api.VerdictJSON(v), "", "  ")
				fmt.Fprintf(w, "%s\n", out)
			} else {
				printVerdict(w, v)
			}
			if !v.Authentic {
				return errors.New("documents verify: the file is NOT authentic")
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print the verdict as JSON")

	// The resident's commands, through the API.
	client := func(cmd *cobra.Command) (*docClient, error) {
		o := &voterOptions{api: apiURL, user: user}
		id, err := o.identifier()
		if err != nil {
			return nil, err
		}
		pw, err := accountPassword(passFile, id, false)
		if err != nil {
			return nil, err
		}
		cl := &docClient{base: strings.TrimSuffix(o.apiURL(), "/") + "/api/v1", hc: &http.Client{Timeout: 30 * time.Second}}
		body, _ := json.Marshal(map[string]string{"identifier": id, "password": pw})
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := cl.do(cmd.Context(), "POST", "/sessions", body, &tok); err != nil {
			return nil, fmt.Errorf("logging in: %w", err)
		}
		cl.token = tok.AccessToken
		return cl, nil
	}
	list := &cobra.Command{
		Use:   "list --user IDENTIFIER",
		Short: "List the documents you received",
		Long:  `List your documents (id, type, version, issuer, state, title), newest first, from the API.`,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := client(cmd)
			if err != nil {
				return fmt.Errorf("documents list: %w", err)
			}
			var out struct {
				Documents []map[string]any `json:"documents"`
			}
			if err := cl.do(cmd.Context(), "GET", "/me/documents", nil, &out); err != nil {
				return fmt.Errorf("documents list: %w", err)
			}
			w := cmd.OutOrStdout()
			for _, d := range out.Documents {
				state := "current"
				switch {
				case d["erased"] != nil:
					state = "erased"
				case d["revoked"] != nil:
					state = "revoked"
				case d["version"] != d["latest_version"]:
					state = "superseded"
				}
				fmt.Fprintf(w, "%v\t%v v%v\t%v\t%s\t%v\n", d["id"], d["type"], d["version"], d["issuer"], state, d["title"])
			}
			fmt.Fprintf(w, "# %d documents\n", len(out.Documents))
			return nil
		},
	}
	var out string
	download := &cobra.Command{
		Use:   "download ID --out FILE --user IDENTIFIER",
		Short: "Download one of your documents as a verifiable document file",
		Long:  `Save document ID's file (content, salt, and where its anchor is) to --out; veche documents verify checks it.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := documents.ParseID(args[0]); err != nil {
				return fmt.Errorf("documents download: ID: not an id")
			}
			cl, err := client(cmd)
			if err != nil {
				return fmt.Errorf("documents download: %w", err)
			}
			raw, err := cl.raw(cmd.Context(), "GET", "/me/documents/"+args[0]+"/file", nil)
			if err != nil {
				return fmt.Errorf("documents download: %w", err)
			}
			return saveDocumentFile(cmd.OutOrStdout(), raw, out)
		},
	}
	download.Flags().StringVar(&out, "out", "", "where to save the file (required)")
	var ttl time.Duration
	share := &cobra.Command{
		Use:   "share ID --ttl DURATION --user IDENTIFIER",
		Short: "Make a revocable share code for one of your documents",
		Long: `Create a share code for document ID: whoever has it downloads the document
file (veche documents fetch CODE, or GET /api/v1/shared/CODE) until --ttl passes
or you revoke it (veche documents unshare). The code is shown once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := documents.ParseID(args[0]); err != nil {
				return fmt.Errorf("documents share: ID: not an id")
			}
			cl, err := client(cmd)
			if err != nil {
				return fmt.Errorf("documents share: %w", err)
			}
			body, _ := json.Marshal(map[string]int64{"ttl_seconds": int64(ttl / time.Second)})
			var sh map[string]any
			if err := cl.do(cmd.Context(), "POST", "/me/documents/"+args[0]+"/shares", body, &sh); err != nil {
				return fmt.Errorf("documents share: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "share %v: code %v (until %v)\n", sh["share"], sh["code"], sh["expires"])
			return nil
		},
	}
	share.Flags().DurationVar(&ttl, "ttl", 7*24*time.Hour, "how long the code works (at most 90 days)")
	unshare := &cobra.Command{
		Use:   "unshare ID SHARE --user IDENTIFIER",
		Short: "Revoke a share code",
		Long:  `Revoke share SHARE (its id, as share printed) of document ID; the code stops working at once.`,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := documents.ParseID(args[0]); err != nil || len(args[1]) != 16 {
				return fmt.Errorf("documents unshare: ID or SHARE malformed")
			}
			cl, err := client(cmd)
			if err != nil {
				return fmt.Errorf("documents unshare: %w", err)
			}
			if err := cl.do(cmd.Context(), "DELETE", "/me/documents/"+args[0]+"/shares/"+args[1], nil, nil); err != nil {
				return fmt.Errorf("documents unshare: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "share revoked")
			return nil
		},
	}
	fetch := &cobra.Command{
		Use:   "fetch CODE --out FILE",
		Short: "Download a document someone shared with you, by its code",
		Long:  `Download the document file a share code opens (no login) and save it to --out; then verify it.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := &voterOptions{api: apiURL}
			cl := &docClient{base: strings.TrimSuffix(o.apiURL(), "/") + "/api/v1", hc: &http.Client{Timeout: 30 * time.Second}}
			raw, err := cl.raw(cmd.Context(), "GET", "/shared/"+url.PathEscape(args[0]), nil)
			if err != nil {
				return fmt.Errorf("documents fetch: %w", err)
			}
			return saveDocumentFile(cmd.OutOrStdout(), raw, out)
		},
	}
	fetch.Flags().StringVar(&out, "out", "", "where to save the file (required)")
	proof := &cobra.Command{
		Use:   "proof SERIES VERSION --user IDENTIFIER",
		Short: "Prove you were, or were not, among the recipients of a notice",
		Long: `Fetch your membership proof for the distribution of notice SERIES, VERSION,
and check it against the doc-distribution entry on the board (--rpc and
--contract, or the node the --api server names). Prints member or not member, and the count.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			series, err := documents.ParseSeries(args[0])
			if err != nil {
				return fmt.Errorf("documents proof: %w", err)
			}
			ver, err := strconv.ParseUint(args[1], 10, 32)
			if err != nil || ver == 0 {
				return errors.New("documents proof: VERSION: a number from 1")
			}
			cl, err := client(cmd)
			if err != nil {
				return fmt.Errorf("documents proof: %w", err)
			}
			var p proofJSON
			if err := cl.do(cmd.Context(), "GET", fmt.Sprintf("/documents/distributions/%s/%d/proof", series, ver), nil, &p); err != nil {
				return fmt.Errorf("documents proof: %w", err)
			}
			mp, err := p.proof()
			if err != nil {
				return fmt.Errorf("documents proof: %w", err)
			}
			b, err := readBoard(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			return checkProof(cmd.Context(), cmd.OutOrStdout(), b, series, uint32(ver), mp)
		},
	}
	c.AddCommand(issuer, building, occupancy, issue, notify, version, revoke, erase, verify, list, download, share, unshare, fetch, proof)
	return c
}

// checkProof checks a membership proof against the board's distribution.
func checkProof(ctx context.Context, w io.Writer, b chain.Board, series documents.Series, ver uint32, mp *documents.MembershipProof) error {
	reg, err := documents.ReadRegistry(ctx, b, documents.Topic())
	if err != nil {
		return err
	}
	for _, st := range reg.Series(series) {
		if st.Anchor.Anchor.Version != ver || st.Distribution == nil {
			continue
		}
		d := st.Distribution.Distribution
		member, err := documents.VerifyMembership(mp, d.Count, d.Root)
		if err != nil {
			return fmt.Errorf("documents proof: the proof does not verify against entry %d: %w", st.Distribution.Seq, err)
		}
		verdict := "NOT among"
		if member {
			verdict = "among"
		}
		fmt.Fprintf(w, "you are %s the %d recipients of %s v%d (issuer %s; distribution entry %d, root %x)\n",
			verdict, d.Count, series, ver, st.Issuer, st.Distribution.Seq, d.Root[:8])
		return nil
	}
	return fmt.Errorf("documents proof: no distribution of %s v%d on the board", series, ver)
}

type stepJSON struct {
	Index uint32   `json:"index"`
	Value string   `json:"value"`
	Path  []string `json:"path"`
}

type proofJSON struct {
	Count  uint32    `json:"count"`
	Leaf   string    `json:"leaf"`
	Member bool      `json:"member"`
	Lower  *stepJSON `json:"lower"`
	Upper  *stepJSON `json:"upper"`
}

func hex32(s string) ([32]byte, error) {
	var out [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return out, errors.New("a 32-byte hash expected")
	}
	copy(out[:], b)
	return out, nil
}

func (p *proofJSON) proof() (*documents.MembershipProof, error) {
	leaf, err := hex32(p.Leaf)
	if err != nil {
		return nil, err
	}
	out := &documents.MembershipProof{Leaf: leaf, Count: p.Count, Member: p.Member}
	step := func(s *stepJSON) (*documents.Step, error) {
		if s == nil {
			return nil, nil
		}
		v, err := hex32(s.Value)
		if err != nil {
			return nil, err
		}
		st := &documents.Step{Index: s.Index, Value: v}
		for _, h := range s.Path {
			x, err := hex32(h)
			if err != nil {
				return nil, err
			}
			st.Path = append(st.Path, x)
		}
		return st, nil
	}
	if out.Lower, err = step(p.Lower); err != nil {
		return nil, err
	}
	if out.Upper, err = step(p.Upper); err != nil {
		return nil, err
	}
	return out, nil
}

// saveDocumentFile checks raw is a document file and writes it to path.
func saveDocumentFile(w io.Writer, raw []byte, path string) error {
	if path == "" {
		return errors.New("--out FILE is required")
	}
	f, err := documents.ParseFile(raw)
	if err != nil {
		return fmt.Errorf("the server sent no document file: %w", err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(w, "saved %s: %s v%d of series %s (anchor: entry %d); check it with veche documents verify %s\n",
		path, f.Type, f.Version, f.Series, f.Seq, filepath.Base(path))
	return nil
}

func printDocument(w io.Writer, d *documents.Document) {
	seq := "pending"
	if d.Seq != nil {
		seq = strconv.FormatUint(*d.Seq, 10)
	}
	fmt.Fprintf(w, "document %s: %s v%d of series %s, issuer %q, anchor entry %s, commitment %x\n",
		d.ID, d.Type, d.Version, d.Series, d.Issuer, seq, d.Commitment[:8])
}

func printVerdict(w io.Writer, v *documents.Verdict) {
	if !v.Authentic {
		fmt.Fprintf(w, "NOT AUTHENTIC: %s\n", v.Problem)
		return
	}
	st, a := v.Status, v.Status.Anchor.Anchor
	fmt.Fprintf(w, "authentic: %s v%d of series %s, anchored at entry %d\n", a.Type, a.Version, a.Series, st.Anchor.Seq)
	fmt.Fprintf(w, "issuer:    %s (key %x)\n", st.Issuer, a.Issuer.Bytes())
	if st.Current {
		fmt.Fprintln(w, "version:   current")
	} else {
		fmt.Fprintf(w, "version:   SUPERSEDED by version %d\n", st.LatestVersion)
	}
	if st.Revoked() {
		r := st.Revocation.Revocation
		fmt.Fprintf(w, "revoked:   YES, %s, at %s (entry %d)\n", r.Reason, r.RevokedAt.Format(time.RFC3339), st.Revocation.Seq)
	} else {
		fmt.Fprintln(w, "revoked:   no")
	}
	until := "no end"
	if !a.ValidUntil.IsZero() {
		until = a.ValidUntil.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "valid:     from %s, until %s; in force now: %v\n", a.ValidFrom.Format(time.RFC3339), until, v.InForce)
	if st.Distribution != nil {
		fmt.Fprintf(w, "notice to: %d recipients (entry %d)\n", st.Distribution.Distribution.Count, st.Distribution.Seq)
	}
}

// draftFlags are the flags of a document draft.
type draftFlags struct {
	typ, title, mediaType, content string
	validUntil                     string
}

func (f *draftFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.typ, "type", "other", "meeting-notice, ownership-extract, residence-certificate or other")
	cmd.Flags().StringVar(&f.title, "title", "", "the title (kept off chain)")
	cmd.Flags().StringVar(&f.mediaType, "media-type", "text/plain; charset=utf-8", "the content's media type")
	cmd.Flags().StringVar(&f.content, "content", "", "file with the content (at most 64 KiB)")
	cmd.Flags().StringVar(&f.validUntil, "valid-until", "", "end of validity, RFC 3339 (default: none)")
}

func (f *draftFlags) draft() (documents.Draft, error) {
	var d documents.Draft
	t, err := documents.ParseType(f.typ)
	if err != nil {
		return d, err
	}
	if f.content == "" {
		return d, errors.New("--content FILE is required")
	}
	content, err := readLimited(f.content, documents.MaxContent)
	if err != nil {
		return d, err
	}
	d = documents.Draft{Type: t, Title: f.title, MediaType: f.mediaType, Content: content, ValidFrom: time.Now()}
	if f.validUntil != "" {
		if d.ValidUntil, err = time.Parse(time.RFC3339, f.validUntil); err != nil {
			return d, fmt.Errorf("--valid-until: %w", err)
		}
	}
	return d, nil
}

// docClient is a minimal client of the documents endpoints.
type docClient struct {
	base, token string
	hc          *http.Client
}

func (c *docClient) raw(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, documents.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var p struct {
			Title, Detail string
		}
		json.Unmarshal(b, &p)
		return nil, fmt.Errorf("the server answered %d: %s %s", resp.StatusCode, p.Title, p.Detail)
	}
	return b, nil
}

func (c *docClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	b, err := c.raw(ctx, method, path, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}
