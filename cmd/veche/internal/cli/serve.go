package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/api"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/store"
)

func (a *app) serveCommand() *cobra.Command {
	var (
		listen, dbURL string
		boxes         []string
	)
	var ratePerAddress, ratePerCredential float64 // the API's rate limits (api.Limits)
	var trustedProxies []string
	var publicRPC string      // advertised at /api/v1/board instead of /chain (servechain.go)
	var selfRegistration bool // identity: POST /api/v1/residents open to anyone
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the voter API on the configured board (embedded chain by default)",
		Long: `Open the bulletin board (the embedded chain in the data directory, or --rpc)
and serve the voter API under /api/v1 on --listen: elections, their manifests
and keys as the board has them, health (/api/v1/health), readiness
(/api/v1/ready: the board answers), the OpenAPI document
(/api/v1/openapi.json), and Prometheus metrics at /metrics. It also serves
the public bulletin explorer (veche explorer, docs/explorer.md) at /explorer/,
and / leads there. It runs until interrupted, then finishes the requests in
flight.

With --box ELECTION it is also the election's ballot box: it takes ballots
(POST /api/v1/elections/ELECTION/ballots), stores each durably before
acknowledging it with a signed receipt, posts them to the board in batches,
and answers status queries with inclusion proofs. The receipt-signing key is
kept in DATA/ballotbox-ELECTION.key (created on first use, mode 0600).

Requests are rate limited: per client address on every route, the API,
/chain, /explorer and /metrics sharing one budget (default 50/s, burst 100;
--rate-per-address) and per credential on casts and audits
(default 1/s, burst 5; --rate-per-credential); 0 turns a limit off. A refused
request gets 429 with Retry-After. Behind a reverse proxy, name it with
--trusted-proxy so that X-Forwarded-For gives the client's address.

It is also the identity layer's front (docs/credentials.md): residents
register (POST /api/v1/residents), log in for bearer tokens (/api/v1/sessions),
register the key their credentials are sealed to (PUT /api/v1/me/encryption-key)
and fetch what a credential authority delivered (/api/v1/me/credentials). The
identity store is the ballot box's database (--db); its server secret is kept
in DATA/identity.secret (created on first use, mode 0600; never change or lose
it: every password and pseudonym depends on it). --self-registration (on by
default) lets anyone register; a city deployment that registers residents from
its own identity provider turns it off.

It serves the documents service too (docs/spec/documents.md, section 8):
issuers, the building register, documents, share codes and checking a document
file, on the same database, posting to the board's "veche/documents/v1" topic.
The issuers' signing keys are kept in the database sealed with the key in
DATA/documents.key (created on first use, mode 0600); replicas on one
database must share that file (--documents-key-file or the setting
documents.key-file), and a server with another key refuses to start.

It serves Active Citizen (docs/spec/polls.md) from the same database: polls
(POST /api/v1/polls, commission role; the default parties of new polls are
read from DATA/polls-parties.yaml), comments and ratings
(/api/v1/subjects/...), moderation, each resident's own items with receipts
(/api/v1/me/feedback) and the aggregates on the board (/api/v1/aggregates; a
moderator anchors the pending ones with POST, posting as --chain-key).

While it runs it holds the embedded chain: other veche commands on the same
data directory must wait, or use a node with --rpc. It serves that chain
read-only over JSON-RPC at /chain (the methods a reader needs, bounded), so
that clients read and check the board themselves while it runs, e.g.
  veche --rpc http://127.0.0.1:8080/chain --contract ADDRESS board tail TOPIC
GET /api/v1/board tells clients the contract, the chain id and where to read
it: /chain, or the node given with --public-rpc (in production, a public
node; on --rpc nothing is served at /chain).`,
		Example: `  veche serve
  veche serve --listen 0.0.0.0:8080 --rpc https://node.example.org --contract 0x...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := checkPublicRPC(publicRPC); err != nil {
				return err
			}
			b, err := a.openBoard(ctx)
			if err != nil {
				return err
			}
			defer b.Close()
			limits := api.DefaultLimits
			limits.PerAddress, limits.PerCredential = rate.Limit(ratePerAddress), rate.Limit(ratePerCredential)
			var proxies []netip.Prefix
			for _, p := range trustedProxies {
				pfx, err := netip.ParsePrefix(p)
				if err != nil {
					return fmt.Errorf("serve: --trusted-proxy %q: not a CIDR prefix", p)
				}
				proxies = append(proxies, pfx)
			}
			apiMetrics := prometheus.NewRegistry() // this server's collectors, served with the default ones
			// Active Citizen (polls.go): polls, comments, ratings.
			pollsSvc, _, closePolls, err := a.openPolls(ctx, b, dbURL, "")
			if err != nil {
				return fmt.Errorf("serve: the polls service: %w", err)
			}
			defer closePolls()
			docsSvc, _, closeDocs, err := a.openDocuments(ctx, b, dbURL, a.documentsKeyFile(cmd.Flags().Lookup("documents-key-file"))) // documents (documents.go)
			if err != nil {
				return fmt.Errorf("serve: the documents service: %w", err)
			}
			defer closeDocs()
			go docsSvc.Run(ctx, time.Minute) // posts what a failed board call left pending
			// stall allocation (stalls.go)
			stallsSvc, closeStalls, err := a.openStalls(ctx, b, dbURL)
			if err != nil {
				return fmt.Errorf("serve: the stalls service: %w", err)
			}
			defer closeStalls()
			go stallsSvc.Run(ctx, time.Minute) // posts bids a failed board call left pending
			server, err := api.NewWithConfig(b, a.log, api.Config{Limits: limits, TrustedProxies: proxies, Metrics: apiMetrics, Polls: pollsSvc, Documents: docsSvc, Stalls: stallsSvc})
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			ident, closeIdent, err := a.openIdentity(ctx, dbURL)
			if err != nil {
				return fmt.Errorf("serve: the identity store: %w", err)
			}
			defer closeIdent()
			server.SetIdentity(ident, api.IdentityOptions{SelfRegistration: selfRegistration})
			go pruneIdentity(ctx, ident, a.log, time.Hour)
			for _, id := range boxes {
				box, closeBox, err := a.openBox(ctx, b, id, dbURL)
				if err != nil {
					return err
				}
				defer closeBox()
				server.AddBox(id, box)
				go func() {
					if err := box.Run(ctx); err != nil && ctx.Err() == nil {
						a.log.Error("ballot box poster stopped", "election", id, "err", err)
					}
				}()
				fmt.Fprintf(cmd.OutOrStdout(), "taking ballots for election %s (receipts signed by %x)\n", id, box.PublicKey().Bytes())
			}
			mux := http.NewServeMux()
			mux.Handle("/api/", server)
			mux.Handle("/metrics", server.LimitAddresses(promhttp.HandlerFor(prometheus.Gatherers{prometheus.DefaultGatherer, apiMetrics}, promhttp.HandlerOpts{})))
			if err := a.serveChain(mux, server, b, publicRPC); err != nil {
				return err
			}
			ex, err := a.mountExplorer(mux, server.LimitAddresses, b, publicRPC) // explorer.go
			if err != nil {
				return err
			}
			defer ex.Close()
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
			srv.RegisterOnShutdown(func() { ex.Close() }) // ends the explorer's event streams
			fmt.Fprintf(cmd.OutOrStdout(), "serving the voter API on http://%s/api/v1 (board: %s)\n", ln.Addr(), b.Describe())
			fmt.Fprintf(cmd.OutOrStdout(), "serving the explorer on http://%s%s/\n", ln.Addr(), explorerPath)
			a.log.Info("serving", "addr", ln.Addr().String(), "board", b.Describe())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve: %w", err)
			}
			a.log.Info("stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to serve on")
	cmd.Flags().StringSliceVar(&boxes, "box", nil, "take ballots for these elections (the board account, --chain-key, must be the manifest's ballot box)")
	cmd.Flags().Float64Var(&ratePerAddress, "rate-per-address", float64(api.DefaultLimits.PerAddress), "requests per second per client address, on every route (burst 100; 0 = no limit)")
	cmd.Flags().Float64Var(&ratePerCredential, "rate-per-credential", float64(api.DefaultLimits.PerCredential), "casts and audits per second per credential (burst 5; 0 = no limit)")
	cmd.Flags().StringSliceVar(&trustedProxies, "trusted-proxy", nil, "CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (repeatable)")
	cmd.Flags().StringVar(&publicRPC, "public-rpc", "", "a public node's JSON-RPC URL to advertise at /api/v1/board instead of /chain")
	cmd.Flags().StringVar(&dbURL, "db", "", "the database of the ballot box and the identity layer: sqlite:PATH or postgres://... (default sqlite: in the data directory)")
	cmd.Flags().String("documents-key-file", "", "the key file sealing the document issuers' signing keys, the same for every server on the database (setting documents.key-file; default DATA/"+documentsKeyFileName+")")
	cmd.Flags().BoolVar(&selfRegistration, "self-registration", true, "let anyone register as a resident (POST /api/v1/residents); turn off when residents come from the city's identity provider")
	return cmd
}

// openBox opens the ballot box of election id: its database and its
// receipt-signing key in the data directory.
func (a *app) openBox(ctx context.Context, b chain.Board, id, dbURL string) (*ballotbox.Box, func(), error) {
	if dbURL == "" {
		if err := os.MkdirAll(a.cfg.Data, 0o700); err != nil {
			return nil, nil, err
		}
		dbURL = "sqlite:" + filepath.Join(a.cfg.Data, "veche.db")
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	key, err := boxKey(filepath.Join(a.cfg.Data, "ballotbox-"+id+".key"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	box, err := ballotbox.New(ctx, ballotbox.Config{Election: id, Board: b, DB: db, Key: key, Logger: a.log})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return box, func() { box.Close(); db.Close() }, nil
}

// boxKey loads the receipt-signing key, creating it on first use.
func boxKey(path string) (*schnorr.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := schnorr.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key.Bytes())+"\n"), 0o600); err != nil {
			return nil, err
		}
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a hex key", path)
	}
	return schnorr.NewPrivateKey(b)
}
