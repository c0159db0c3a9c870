package cli

import (
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/veche/veche/tally/verify/verifybench"
)

func (a *app) benchVerifyCommand() *cobra.Command {
	var o verifybench.Options
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Build an election record of --ballots ballots and time `veche verify` on it, step by step (JSON lines)",
		Long: `Build a whole election record on an in-memory board -- one 1-of-n contest
counted homomorphically and one ranked contest mixed by 3 mixers, 5 trustees of
whom 3 decrypt, a few audited ballots and revotes, every party honest -- export
it as a record file (docs/spec/verification.md, section 3), then read it back
and verify it as 'veche verify --record FILE' does, and print one JSON object
per measurement:

  {"operation":"verify.build","ballots":100000,"entries":412,"record_bytes":...,"seconds":...}
  {"operation":"verify.read","ballots":100000,"record_bytes":...,"seconds":2.1}
  {"operation":"verify.step","step":6,"name":"ballots and weeding","status":"ok","ballots":100000,"seconds":...,"ballots_per_sec":...}
  {"operation":"verify","ballots":100000,"verdict":"VERIFIED","seconds":...,"cpu_seconds":...,"ballots_per_sec":...,"peak_rss_bytes":...}

One verify.step line per step of the verification, in order. The record
depends only on the options (its randomness is seeded): with --record FILE it
is built once and kept, and later runs with the same options read it instead
of building it again. Building 100,000 ballots takes minutes (encrypting,
mixing and decrypting them all); the verification is what is timed. The
command fails if the record does not verify.`,
		Example: `  veche bench verify --ballots 10000
  veche bench verify --ballots 100000 --record /tmp/verify-100k.jsonl
  veche bench verify --ballots 100000 --record /tmp/verify-100k.jsonl | jq -r 'select(.operation=="verify.step") | [.step, .name, .seconds, .ballots_per_sec] | @tsv'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				o.Progress = f
			}
			a.log.Info("benchmarking the verifier", "ballots", o.Ballots, "record", o.Record)
			_, err := verifybench.Run(cmd.Context(), cmd.OutOrStdout(), o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Ballots, "ballots", 100_000, "ballots cast in all (revotes included)")
	f.IntVar(&o.Options, "options", 5, "options of the 1-of-n contest")
	f.IntVar(&o.Candidates, "candidates", 5, "candidates of the ranked contest")
	f.IntVar(&o.Ranks, "ranks", 3, "ranks of the ranked contest (ciphertexts per mixed row)")
	f.Float64Var(&o.RevoteShare, "revote-share", 0.01, "share of the ballots that are a voter's second ballot (negative: none)")
	f.IntVar(&o.Audits, "audits", 10, "ballots audited (spoiled) before voting (negative: none)")
	f.StringVar(&o.Record, "record", "", "keep the record in this file, or read it from there if it exists (default: a temporary file)")
	return cmd
}
