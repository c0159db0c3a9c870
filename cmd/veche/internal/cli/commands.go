package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/crypto/cryptobench"
	"github.com/veche/veche/crypto/dkg/dkgbench"
	"github.com/veche/veche/crypto/shuffle/shufflebench"
	"github.com/veche/veche/crypto/threshold/thresholdbench"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/demo"
)

// version is the release version, set at build time with
//
//	go build -ldflags "-X github.com/veche/veche/cmd/veche/internal/cli.version=v1.2.3"
//
// (make build does this from git describe).
var version = "devel"

func versionString() string {
	v := version
	if v == "devel" {
		// go install github.com/veche/veche/cmd/veche@v1.2.3 records the version.
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return v
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of veche and of the Go toolchain that built it",
		Long: `Print the release version of this binary ("devel" for a build from a working
tree without version information), the Go version that built it and the
platform. Include this line in bug reports.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "veche %s (%s %s/%s)\n",
				versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

func (a *app) configCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the settings in force and where each can be changed",
		Long: `Print every setting with the value in force, after applying the configuration
file, VECHE_* environment variables and flags (later ones win), and the
environment variable that sets it. In veche.yaml a key a.b is written nested:

  log-level: debug
  bench:
    crypto:
      benchtime: 200ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file := a.configFile
			if file == "" {
				file = "none (no " + defaultConfigFile + " in the current directory)"
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "# configuration file: %s\n", file)
			fmt.Fprintf(tw, "KEY\tVALUE\tENVIRONMENT\n")
			for _, s := range settings(reflect.ValueOf(a.cfg), "") {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.key, s.value, envName(s.key))
			}
			return tw.Flush()
		},
	}
}

type setting struct{ key, value string }

// settings lists the leaves of the configuration struct c as dotted keys
// with their values, in declaration order.
func settings(c reflect.Value, prefix string) []setting {
	var out []setting
	for i := range c.NumField() {
		key := prefix + c.Type().Field(i).Tag.Get("mapstructure")
		f := c.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			out = append(out, settings(f, key+".")...)
		case reflect.String:
			out = append(out, setting{key, strconv.Quote(f.String())})
		case reflect.Slice:
			var items []string
			for j := range f.Len() {
				items = append(items, fmt.Sprint(f.Index(j).Interface()))
			}
			out = append(out, setting{key, "[" + strings.Join(items, ", ") + "]"})
		default:
			out = append(out, setting{key, fmt.Sprint(f.Interface())})
		}
	}
	return out
}

func envName(key string) string {
	return envPrefix + "_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(key))
}

func (a *app) demoCommand() *cobra.Command {
	var (
		voters   int
		tourOnly bool
		seed     uint64
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Walk through Veche: the cryptography, then a whole election on the embedded chain",
		Long: `First a guided tour of the cryptographic core on made-up data (keys, encodings,
proofs, a homomorphic tally and a threshold decryption), then an election run
end to end on the embedded Ethereum chain in DATA/demo (recreated on each run),
every party with its own account:

  - the commission publishes the example manifest (a yes/no referendum, a
    choose-up-to-2-of-5 approval contest, a ranked contest with a write-in),
    which names the ballot box's receipt key;
  - five trustees generate the election key jointly (any 3 can decrypt);
  - the credential authority issues --voters credentials; the election opens;
  - the ballot box (SQLite in DATA/demo/veche.db) and the voter API start on
    a loopback port, and the voters encrypt their ballots on their "devices"
    and cast them over HTTP with the client SDK, checking each signed
    receipt: 2% first audit a ballot (Benaloh's challenge), 5% vote again,
    and a few run a tampered app that ranks a candidate twice;
  - the box posts its batches; a sample of ballots is found on the chain by
    tracking code (Merkle inclusion); the commission closes the election;
  - weeding and the reconciliation are posted; three mixers shuffle the
    ranked ballots with proofs; two trustees are absent and three decrypt
    with proofs; the results are computed from the board, posted and
    printed (totals with bars, approvals, instant-runoff rounds, the Schulze
    order, write-ins, invalid rows), and the record is verified.

It prints each stage's time and, at the end, how to look at the election with
veche serve. It exits with an error if any stage misbehaves.`,
		Example: `  veche demo
  veche demo --voters 10000
  veche demo --tour-only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			if err := demo.Walkthrough(w, nil); err != nil {
				return err
			}
			if tourOnly {
				return nil
			}
			if voters < 1 {
				return fmt.Errorf("demo: --voters %d: at least 1", voters)
			}
			dir := filepath.Join(a.cfg.Data, "demo")
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			fmt.Fprintln(w)
			_, err := demo.Election(cmd.Context(), w, demo.ElectionOptions{DataDir: dir, Voters: voters, Seed: seed, Logger: a.log})
			return err
		},
	}
	cmd.Flags().IntVar(&voters, "voters", 1000, "number of voters in the election")
	cmd.Flags().BoolVar(&tourOnly, "tour-only", false, "only the cryptography tour, no election")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed of the voters' choices (0: the clock)")
	return cmd
}

func (a *app) benchCommand() *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Measure performance on this machine",
		Long: `Measure the operations Veche's throughput depends on and print the results as
JSON lines, one object per operation, for scripts and the README's performance
table. Pick a subcommand.`,
	}

	crypto := &cobra.Command{
		Use:   "crypto",
		Short: "Measure the cryptographic operations (JSON lines on stdout)",
		Long: `Measure each cryptographic operation for --benchtime and print one JSON object
per line:

  {"operation":"group/scalar-mult","n":1,"ns_per_op":45123.4,"ns_per_item":45123.4,"ops_per_s":22161.6,"cores":2,"iterations":26589}

n is the number of items one operation handles (terms of a multi-scalar
multiplication); ns_per_op and ops_per_s are per whole operation, ns_per_item
is ns_per_op / n, and cores is GOMAXPROCS during the measurement. Each
operation takes a little over --benchtime (1s by default).`,
		Example: `  veche bench crypto
  veche bench crypto --ops 'msm' --cpu 1,2
  veche bench crypto --benchtime 100x | jq -r '[.operation, .ns_per_op] | @tsv'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := a.cfg.Bench.Crypto
			a.log.Debug("benchmarking", "ops", c.Ops, "benchtime", c.Benchtime, "cpu", c.CPU)
			return cryptobench.Run(cmd.OutOrStdout(), cryptobench.Options{
				Filter:    c.Ops,
				Benchtime: c.Benchtime,
				CPU:       c.CPU,
			})
		},
	}
	f := crypto.Flags()
	f.String("ops", "", "regular expression selecting operations by name, e.g. 'scalar|msm' (default all; env VECHE_BENCH_CRYPTO_OPS)")
	f.String("benchtime", "1s", "time per operation (like 200ms) or iteration count (like 100x) (env VECHE_BENCH_CRYPTO_BENCHTIME)")
	f.IntSlice("cpu", nil, "comma-separated GOMAXPROCS values to measure with, each in turn (default the current GOMAXPROCS; env VECHE_BENCH_CRYPTO_CPU)")
	a.bind("bench.crypto.ops", f.Lookup("ops"))
	a.bind("bench.crypto.benchtime", f.Lookup("benchtime"))
	a.bind("bench.crypto.cpu", f.Lookup("cpu"))

	bench.AddCommand(crypto, a.benchBoardCommand(), a.benchShuffleCommand(), a.benchTrusteesCommand(), a.benchCastCommand(), a.benchVerifyCommand(), a.benchStallsCommand())
	return bench
}

func (a *app) benchShuffleCommand() *cobra.Command {
	var o shufflebench.Options
	cmd := &cobra.Command{
		Use:   "shuffle",
		Short: "Measure a verifiable shuffle: shuffle+prove and verify rates, proof size, peak memory (JSON lines)",
		Long: `Encrypt --n random rows of --width ciphertexts, shuffle and prove them
(Terelius-Wikström, docs/spec/shuffle.md), verify the proof, and print one JSON
object per measurement: ciphertexts per second for shuffle+prove and for
verify, proof bytes per ciphertext, and the process's peak resident memory.
Everything runs on all cores (--workers to limit).`,
		Example: `  veche bench shuffle --n 100000
  veche bench shuffle --n 10000 --width 3
  veche bench shuffle --n 1000000      # about 4 GiB at most; minutes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.log.Info("benchmarking the shuffle", "n", o.N, "width", o.Width)
			return shufflebench.Run(cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.N, "n", 100_000, "rows (ballots) to shuffle")
	f.IntVar(&o.Width, "width", 1, "ciphertexts per row")
	f.IntVar(&o.Workers, "workers", 0, "goroutines (0: all cores)")
	return cmd
}

func (a *app) benchTrusteesCommand() *cobra.Command {
	var (
		k, n, ciphertexts, rounds int
	)
	cmd := &cobra.Command{
		Use:   "trustees",
		Short: "Measure the key ceremony and threshold decryption (JSON lines)",
		Long: `Run a k-of-n key ceremony in-process (every dealer, every trustee checking
everything, and an observer's verification), then partial decryption of
--ciphertexts ciphertexts by one trustee with proofs, verification of k
trustees' partial decryptions, and their combination; one JSON object per
measurement.`,
		Example: `  veche bench trustees
  veche bench trustees --k 3 --n 5 --ciphertexts 1000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			if err := dkgbench.Run(w, dkgbench.Options{K: k, N: n, Rounds: rounds}); err != nil {
				return err
			}
			return thresholdbench.Run(w, thresholdbench.Options{N: ciphertexts, K: k, Trustees: n})
		},
	}
	f := cmd.Flags()
	f.IntVar(&k, "k", 5, "threshold: trustees needed to decrypt")
	f.IntVar(&n, "n", 9, "trustees")
	f.IntVar(&ciphertexts, "ciphertexts", 100_000, "ciphertexts to decrypt")
	f.IntVar(&rounds, "rounds", 3, "key ceremonies to run")
	return cmd
}

func (a *app) benchBoardCommand() *cobra.Command {
	var o chain.BenchOptions
	cmd := &cobra.Command{
		Use:   "board",
		Short: "Measure the bulletin board: appends, gas, read-back with verification (JSON lines)",
		Long: `Append ballot-sized entries to a new topic, in batches and one per transaction,
then read the topic back from the chain's events and verify its hash chain, and
print one JSON object per measurement:

  {"operation":"board.append","board":"...","entries":20000,"entry_bytes":500,"batch":2000,"seconds":3.9,"entries_per_sec":5128,"transactions":100,"gas_per_entry":17480,"gas_per_payload_byte":35}
  {"operation":"board.append_single",...}
  {"operation":"board.read_verify",...,"entries_per_sec":61000}

Without --rpc it runs on a fresh embedded chain in a temporary directory,
removed afterwards (the data directory is not touched). With --rpc it posts to
the configured contract from --chain-key's account, which pays the gas.`,
		Example: `  veche bench board
  veche bench board --entries 100000 --batch 5000
  veche --rpc http://127.0.0.1:8545 --contract 0x... --chain-key poster.key bench board --entries 5000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := a.chainOptions()
			if opts.RPC == "" {
				dir, err := os.MkdirTemp("", "veche-bench-board-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				opts.DataDir = dir
				opts.PollInterval = time.Millisecond
			}
			b, err := chain.Open(cmd.Context(), opts)
			if err != nil {
				return err
			}
			defer b.Close()
			a.log.Info("benchmarking the board", "board", b.Describe(), "entries", o.Entries)
			return chain.Bench(cmd.Context(), cmd.OutOrStdout(), b, o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Entries, "entries", 20_000, "entries to append in batches and read back")
	f.IntVar(&o.EntrySize, "entry-size", 500, "payload bytes per entry")
	f.IntVar(&o.Batch, "batch", 2000, "entries per AppendBatch call (split into transactions under 128 KiB)")
	f.IntVar(&o.Singles, "singles", 100, "entries to append one per transaction, for comparison (0: skip)")
	f.IntVar(&o.ReadRounds, "rounds", 3, "read-back rounds; the best is reported")
	return cmd
}
