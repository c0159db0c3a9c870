// Package cli wires the commands of the veche binary: it parses flags, reads
// the configuration (flags, VECHE_* environment variables, veche.yaml) and
// calls into the rest of the module with plain Go values. It is the only
// package of Veche that reads configuration.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// defaultConfigFile is read when it exists and no other file is named.
const defaultConfigFile = "veche.yaml"

// envPrefix prefixes every environment variable veche reads: the key
// bench.crypto.ops is VECHE_BENCH_CRYPTO_OPS, log-level is VECHE_LOG_LEVEL.
const envPrefix = "VECHE"

// config is the whole configuration. Keys (the mapstructure tags, joined
// with dots) are the names used in veche.yaml; a key that is not here is an
// error, so a misspelt setting is never silently ignored.
type config struct {
	Data     string `mapstructure:"data"`
	LogLevel string `mapstructure:"log-level"`
	Chain    struct {
		RPC           string        `mapstructure:"rpc"`
		Contract      string        `mapstructure:"contract"`
		Key           string        `mapstructure:"key"`
		Confirmations uint64        `mapstructure:"confirmations"`
		PollInterval  time.Duration `mapstructure:"poll-interval"`
	} `mapstructure:"chain"`
	Bench struct {
		Crypto struct {
			Ops       string `mapstructure:"ops"`
			Benchtime string `mapstructure:"benchtime"`
			CPU       []int  `mapstructure:"cpu"`
		} `mapstructure:"crypto"`
	} `mapstructure:"bench"`
	Documents struct {
		// KeyFile seals the document issuers' signing keys in the
		// database; "" is DATA/documents.key (documents.go).
		KeyFile string `mapstructure:"key-file"`
	} `mapstructure:"documents"`
}

// app is the state of one invocation: the commands share it.
type app struct {
	stdout, stderr io.Writer

	v          *viper.Viper
	configFile string // the file read, or "" if none
	cfg        config
	log        *slog.Logger
}

// Run executes the veche command line args (without the program name),
// writing to stdout and stderr, and returns the process exit code: 0 on
// success, 1 on any error (printed to stderr).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "veche: %v\n", err)
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr, v: viper.New()}
	root := &cobra.Command{
		Use:   "veche",
		Short: "End-to-end verifiable voting and city services on a public bulletin board",
		Long: `Veche runs elections whose every step anyone can check: voters confirm their
ballot was counted as cast, and any observer can recompute the result from the
public bulletin board (an Ethereum contract) alone. Ballots are ElGamal
ciphertexts over ristretto255, anonymised by verifiable shuffles and decrypted
only by a k-of-n quorum of trustees.

Today the binary runs the cryptographic core: a guided demo and benchmarks.
Serving voters, running elections and verifying them come in later versions.

Settings come from, in order of precedence: command-line flags, VECHE_*
environment variables, the configuration file, built-in defaults. A setting
named a.b-c in the file is VECHE_A_B_C in the environment; "veche config"
prints the settings in force and where the file was found.`,
		Example: `  veche demo                         # a walk through the cryptography, step by step
  veche bench crypto --ops msm       # measure multi-scalar multiplication
  VECHE_LOG_LEVEL=debug veche config # show the effective settings`,
		SilenceUsage:  true, // a failing command prints its error, not its usage
		SilenceErrors: true, // Run prints errors itself
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Name() == "help" || cmd.Name() == "completion" || cmd.HasParent() && cmd.Parent().Name() == "completion" {
				return nil // help must work even with a broken configuration
			}
			return a.load(cmd)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)

	pf := root.PersistentFlags()
	pf.String("config", defaultConfigFile, "configuration file (YAML); the default is read only if it exists (env VECHE_CONFIG)")
	pf.String("data", "./veche-data", "directory for local state: databases, the embedded chain, keys (env VECHE_DATA)")
	pf.String("log-level", "info", "log verbosity: debug, info, warn or error; logs go to stderr (env VECHE_LOG_LEVEL)")
	pf.String("rpc", "", "Ethereum JSON-RPC URL of the board's node; empty: the embedded chain in the data directory (env VECHE_CHAIN_RPC)")
	pf.String("contract", "", "address of the board contract on the --rpc node (env VECHE_CHAIN_CONTRACT)")
	pf.String("chain-key", "", "poster key file: the account that posts (it pays the gas on --rpc; the embedded chain funds it) (env VECHE_CHAIN_KEY)")
	pf.Uint64("confirmations", 0, "blocks on top of an entry before it counts as final (env VECHE_CHAIN_CONFIRMATIONS)")
	pf.Duration("poll-interval", 200*time.Millisecond, "how often to poll the node for new blocks and receipts (env VECHE_CHAIN_POLL_INTERVAL)")
	a.bind("data", pf.Lookup("data"))
	a.bind("log-level", pf.Lookup("log-level"))
	a.bind("chain.rpc", pf.Lookup("rpc"))
	a.bind("chain.contract", pf.Lookup("contract"))
	a.bind("chain.key", pf.Lookup("chain-key"))
	a.bind("chain.confirmations", pf.Lookup("confirmations"))
	a.bind("chain.poll-interval", pf.Lookup("poll-interval"))
	// Settings of one service, with their flags on the commands that use it.
	a.v.SetDefault("documents.key-file", "") // veche serve --documents-key-file, veche documents --key-file

	root.AddCommand(
		a.versionCommand(),
		a.configCommand(),
		a.demoCommand(),
		a.benchCommand(),
		a.boardCommand(),
		a.electionCommand(),
		a.credentialsCommand(),
		a.residentsCommand(),
		a.mixCommand(),
		a.trusteeCommand(),
		a.tallyCommand(),
		a.serveCommand(),
		a.voterCommand(),
		a.verifyCommand(),
		a.explorerCommand(),
		a.pollsCommand(),
		a.documentsCommand(),
		a.stallsCommand(),
	)
	return root
}

// bind makes flag f the command-line source of configuration key.
func (a *app) bind(key string, f *pflag.Flag) {
	if err := a.v.BindPFlag(key, f); err != nil {
		panic("cli: internal error: binding " + key + ": " + err.Error())
	}
}

// load reads the configuration into a.cfg and sets up logging; it runs
// before every command.
func (a *app) load(cmd *cobra.Command) error {
	v := a.v
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()

	path, explicit := defaultConfigFile, false
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		path, explicit = f.Value.String(), true
	} else if env := os.Getenv(envPrefix + "_CONFIG"); env != "" {
		path, explicit = env, true
	}
	switch _, err := os.Stat(path); {
	case path == "":
		// --config "" reads no file.
	case !explicit && errors.Is(err, fs.ErrNotExist):
		// No veche.yaml here: defaults, environment and flags only.
	default:
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return fmt.Errorf("reading configuration file %s: %w", path, err)
		}
		a.configFile = path
	}
	where := "the settings"
	if a.configFile != "" {
		where = a.configFile
	}
	var known []string
	for _, s := range settings(reflect.ValueOf(a.cfg), "") {
		known = append(known, s.key)
	}
	for _, k := range v.AllKeys() {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown setting %q in %s (known settings: %s)", k, where, strings.Join(known, ", "))
		}
	}
	if err := v.UnmarshalExact(&a.cfg); err != nil {
		return fmt.Errorf("invalid configuration in %s: %w", where, err)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(a.cfg.LogLevel)); err != nil {
		return fmt.Errorf("invalid log level %q: want debug, info, warn or error", a.cfg.LogLevel)
	}
	a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	a.log.Debug("configuration loaded", "file", a.configFile, "data", a.cfg.Data)
	return nil
}
