package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/explorer"
)

func (a *app) explorerCommand() *cobra.Command {
	var (
		listen, record, publicRPC string
		elections                 []string
	)
	cmd := &cobra.Command{
		Use:   "explorer",
		Short: "Serve the public bulletin explorer: every election on the board, verified as blocks arrive, in a browser",
		Long: `Serve the public bulletin explorer on --listen (docs/explorer.md): web pages
from which anyone sees and checks everything on the board without installing
anything. For each election: the manifest, the phases with their entries, the
trustees and the key ceremony, the credential count, the ballots over time
(with anomalies flagged), the reconciliation, the results (charts,
instant-runoff rounds), the verification status of every step of
docs/spec/verification.md, the board's entries with their hash chain, a
tracking-code lookup with the ballot's inclusion proof, the shuffle and
decryption evidence, the election record to download and the veche verify
command lines to check it independently. The pages are in English and
Russian, need no JavaScript, and carry a strict Content-Security-Policy.

It reads only the board -- the embedded chain in the data directory (while
veche serve holds it, serve shows the same explorer at /explorer), or the
contract at --contract on the node at --rpc -- or, with --record FILE, an
exported election record (veche verify export). Each election is verified in
the background and again as new entries arrive; the pages show the latest
verification and update it live.

--public-rpc names a node observers may use, for the veche verify command
line shown on the pages (the --rpc address is not shown: it may be private).`,
		Example: `  veche explorer
  veche --rpc https://node.example.org --contract 0x5FbD... explorer --listen 0.0.0.0:8081 --public-rpc https://node.example.org
  veche explorer --record city-2026.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := checkPublicRPC(publicRPC); err != nil {
				return fmt.Errorf("explorer: %w", err)
			}
			opts := explorer.Options{Elections: elections, Log: a.log, PollInterval: a.cfg.Chain.PollInterval, RPC: publicRPC}
			var where string
			if record != "" {
				rec, err := readRecordFile(record)
				if err != nil {
					return err
				}
				opts.Board, opts.Contract, opts.ChainID = rec, rec.Header.Contract, rec.Header.ChainID
				opts.Elections = append(opts.Elections, rec.Header.Election)
				where = "the record " + record
			} else {
				b, err := a.openBoard(ctx)
				if err != nil {
					return err
				}
				defer b.Close()
				opts.Board, opts.Contract, opts.ChainID = b, ethboard.ChecksumAddress(b.Contract()), b.ChainID()
				where = b.Describe()
			}
			ex, err := explorer.New(opts)
			if err != nil {
				return err
			}
			defer ex.Close()
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("explorer: %w", err)
			}
			srv := &http.Server{Handler: ex, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
				WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
			srv.RegisterOnShutdown(func() { ex.Close() }) // ends the event streams, which Shutdown would wait for
			fmt.Fprintf(cmd.OutOrStdout(), "serving the explorer on http://%s/ (board: %s)\n", ln.Addr(), where)
			a.log.Info("serving the explorer", "addr", ln.Addr().String(), "board", where)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return fmt.Errorf("explorer: %w", err)
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("explorer: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8081", "address to serve on")
	f.StringVar(&record, "record", "", "explore an exported election record (veche verify export) instead of a board")
	f.StringSliceVar(&elections, "election", nil, "elections to follow from the start (the board's are found by listing its topics)")
	f.StringVar(&publicRPC, "public-rpc", "", "a public node's JSON-RPC URL, for the veche verify command line on the pages")
	return cmd
}

// explorerPath is where veche serve mounts the explorer.
const explorerPath = "/explorer"

// mountExplorer mounts the explorer of b at /explorer on mux (veche serve),
// and makes / lead there if nothing else is at /. Its veche verify command
// line names publicRPC, else the chain served at /chain if it is. limit
// wraps it in the server's per-address rate limit.
func (a *app) mountExplorer(mux *http.ServeMux, limit func(http.Handler) http.Handler, b chain.Board, publicRPC string) (*explorer.Explorer, error) {
	rpc := publicRPC
	if rpc == "" {
		if _, pattern := mux.Handler(&http.Request{Method: http.MethodPost, URL: &url.URL{Path: chainPath}}); pattern != "" {
			rpc = chainPath
		}
	}
	ex, err := explorer.New(explorer.Options{Board: b, Prefix: explorerPath, Contract: ethboard.ChecksumAddress(b.Contract()),
		ChainID: b.ChainID(), RPC: rpc, Log: a.log, PollInterval: a.cfg.Chain.PollInterval})
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	mux.Handle(explorerPath+"/", limit(ex))
	if _, pattern := mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}}); pattern == "" {
		mux.Handle("/{$}", http.RedirectHandler(explorerPath+"/", http.StatusFound))
	}
	return ex, nil
}
