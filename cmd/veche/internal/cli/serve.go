package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

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
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the voter API on the configured board (embedded chain by default)",
		Long: `Open the bulletin board (the embedded chain in the data directory, or --rpc)
and serve the voter API under /api/v1 on --listen: elections, their manifests
and keys as the board has them, health (/api/v1/health), readiness
(/api/v1/ready: the board answers), the OpenAPI document
(/api/v1/openapi.json), and Prometheus metrics at /metrics. It runs until
interrupted, then finishes the requests in flight.

With --box ELECTION it is also the election's ballot box: it takes ballots
(POST /api/v1/elections/ELECTION/ballots), stores each durably before
acknowledging it with a signed receipt, posts them to the board in batches,
and answers status queries with inclusion proofs. The receipt-signing key is
kept in DATA/ballotbox-ELECTION.key (created on first use, mode 0600).

While it runs it holds the embedded chain: other veche commands on the same
data directory must wait, or use a node with --rpc.`,
		Example: `  veche serve
  veche serve --listen 0.0.0.0:8080 --rpc https://node.example.org --contract 0x...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			b, err := a.openBoard(ctx)
			if err != nil {
				return err
			}
			defer b.Close()
			server := api.New(b, a.log)
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
			mux.Handle("/metrics", promhttp.Handler())
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "serving the voter API on http://%s/api/v1 (board: %s)\n", ln.Addr(), b.Describe())
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
	cmd.Flags().StringVar(&dbURL, "db", "", "the ballot box's database: sqlite:PATH or postgres://... (default sqlite: in the data directory)")
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
