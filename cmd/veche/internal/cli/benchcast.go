package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/services/castbench"
)

func (a *app) benchCastCommand() *cobra.Command {
	var (
		o           castbench.Options
		credentials string
	)
	cmd := &cobra.Command{
		Use:   "cast",
		Short: "Load-test the voter API and the ballot box: ballots/s, latency, lost ballots (JSON lines)",
		Long: `Cast --ballots encrypted ballots over HTTP from --clients concurrent simulated
voters and print two JSON objects:

  {"operation":"cast.setup",...,"ballot_bytes":821,"setup_seconds":1.2,"encrypt_seconds":7.9}
  {"operation":"cast",...,"clients":1000,"ballots":10000,"acknowledged":10000,"errors":{},
   "seconds":4.5,"ballots_per_sec":2227,"steady_ballots_per_sec":2224,"p50_ms":443,
   "p99_ms":644,"max_ms":734,"cpu_cores_used":1.88,"cpu_ms_per_ballot":0.84,
   "server_cpu_share":0.89,"server_cpu_ms_per_ballot":0.75,"on_board":10000,"lost":0,
   "duplicates_on_board":0,"board_entries":69,"post_wait_seconds":1.2,"bad_receipts":0}

The ballots are encrypted before the clock starts (that is the voters'
devices' work). By default each client sends its next ballot as soon as it has
the answer to the last (closed loop: the server's capacity, and a latency of
about clients / throughput); with --rate R the ballots are offered at R per
second in all, each sent by the next free client when due, and its latency
counts from when it was due. ballots_per_sec is acknowledged ballots over the
whole run, steady_ballots_per_sec over the middle 80% of the answers;
latencies are per request; errors counts answers other than 200/201 by status
("network" for transport errors). After the last answer it reads the board
until every acknowledged ballot is in a ballot-batch entry of the ballot box:
lost (which must be 0, or the command fails) counts those that never arrived,
post_wait_seconds how long the last ones took.

By default everything runs in this process on a temporary directory (the data
directory is not touched): a fresh embedded chain, an election with one
referendum, one credential per ballot, the ballot box on SQLite (--db
postgres://... for PostgreSQL) and the voter API without rate limits on a
loopback port. Clients and server then share the cores: cpu_cores_used is the
process's CPU time over the wall time and server_cpu_share the server's part
of it (from a CPU profile; the garbage collector and the chain count as the
server's). On a shared machine, server_cpu_ms_per_ballot is the steadiest
figure: other processes' load lowers the throughput, not the CPU time per
ballot.

With --url it drives a running server (veche serve --box ELECTION, with its
rate limits off) instead: --election names the election, whose manifest and
key are read from the board (--rpc/--contract, or the embedded chain if no
server holds it), and --credentials is a file of the voters' private
credentials, one "STYLE HEX" line each, used in turn (the election must allow
revotes if there are fewer credentials than ballots). Such a file is for test
elections only.`,
		Example: `  veche bench cast --clients 1000 --ballots 20000
  veche bench cast --clients 1000 --ballots 20000 --rate 1000
  veche bench cast --clients 200 --ballots 5000 --db postgres://postgres@127.0.0.1:5432/veche?sslmode=disable
  veche --rpc http://127.0.0.1:8080/chain --contract 0x... bench cast --url http://127.0.0.1:8080 --election city-2026 --credentials creds.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			o.Log = a.log
			if o.URL == "" {
				if o.Election != "" || credentials != "" {
					return errors.New("bench cast: --election and --credentials go with --url (without it the benchmark makes its own election)")
				}
			} else {
				if o.DB != "" {
					return errors.New("bench cast: --db is for the in-process server; a running server has its own database")
				}
				if o.Election == "" || credentials == "" {
					return errors.New("bench cast: --url needs --election and --credentials")
				}
				f, err := os.Open(credentials)
				if err != nil {
					return fmt.Errorf("bench cast: %w", err)
				}
				o.Credentials, err = castbench.ReadCredentials(f)
				f.Close()
				if err != nil {
					return err
				}
				b, err := a.openBoard(ctx)
				if err != nil {
					return err
				}
				defer b.Close()
				o.Board = b
			}
			_, err := castbench.Run(ctx, cmd.OutOrStdout(), o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Clients, "clients", 1000, "concurrent clients")
	f.IntVar(&o.Ballots, "ballots", 10_000, "ballots to cast")
	f.Float64Var(&o.Rate, "rate", 0, "offered load in ballots/s, all clients together (open loop; latency counts from when a ballot was due); 0: each client sends as soon as it has its answer")
	f.StringVar(&o.DB, "db", "", "in process: the ballot box's database, postgres://... (default SQLite in the temporary directory; the run's election stays in a PostgreSQL database)")
	f.StringVar(&o.URL, "url", "", "drive the server at this base URL (http://HOST:PORT) instead of one in process")
	f.StringVar(&o.Election, "election", "", "with --url: the election's id")
	f.StringVar(&credentials, "credentials", "", `with --url: file of private credentials, one "STYLE HEX" per line`)
	f.DurationVar(&o.PostTimeout, "post-timeout", 5*time.Minute, "how long to wait for the acknowledged ballots to reach the board")
	return cmd
}
