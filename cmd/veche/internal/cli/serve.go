package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/veche/veche/services/api"
)

func (a *app) serveCommand() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the voter API on the configured board (embedded chain by default)",
		Long: `Open the bulletin board (the embedded chain in the data directory, or --rpc)
and serve the voter API under /api/v1 on --listen: elections, their manifests
and keys as the board has them, health (/api/v1/health), readiness
(/api/v1/ready: the board answers), the OpenAPI document
(/api/v1/openapi.json), and Prometheus metrics at /metrics. It runs until
interrupted, then finishes the requests in flight.

While it runs it holds the embedded chain: other veche commands on the same
data directory must wait, or use a node with --rpc. Casting ballots joins when
the ballot box is wired in.`,
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
			mux := http.NewServeMux()
			mux.Handle("/api/", api.New(b, a.log))
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
	return cmd
}
