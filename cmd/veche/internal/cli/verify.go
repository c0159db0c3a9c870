package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

func (a *app) verifyCommand() *cobra.Command {
	var (
		election, record                string
		asJSON, follow, notes, complete bool
	)
	cmd := &cobra.Command{
		Use:   "verify --election ID",
		Short: "Verify an election from the bulletin board alone, naming the step, entry and party at fault",
		Long: `Check an election from its public record only, trusting none of its parties:
the steps of docs/spec/verification.md, in order:

   1. the topic's hash chain against the head and count the board stores
   2. the manifest: entry 0, its poster, canonical form and fingerprint
   3. the key ceremony replayed: joins, commitments, shares, complaints,
      disqualifications, and the joint key equal to the recomputed one
   4. the credential list: its poster, distinct keys, counts
   5. the phases in order, every entry allowed in the phase it was posted in
   6. every ballot's signature and proofs, the weeding (revotes, audits,
      exclusions) and the commission's reconciliation
   7. the tally inputs (encrypted totals, mix lists) recomputed
   8. every shuffle's proof and the chain of mixes
   9. every partial decryption's proof and the quorum
  10. the result recomputed and compared, its evidence found on the chain

The board is the embedded chain in the data directory (while veche serve holds
it, give --rpc the chain endpoint it serves), or --rpc URL with --contract
ADDRESS (no key needed), or with --record FILE an exported record (veche
verify export). The report has one line per step: ok, FAILED (with
the entry and the party to blame), pending (the election has not got that
far) or skipped (with why); --notes adds what is not a failure (excluded
ballots, ignored entries). --json prints the report as JSON. --follow keeps
verifying as new entries arrive, printing the steps that change, until the
election is published (or interrupted). A progress bar shows the long steps
on a terminal (stderr).

The exit status is 1 if any step failed (the error names the first failed
step, its entry and the party at fault); with --complete also if any step
is still pending.`,
		Example: `  veche verify --election city-2026
  veche --rpc http://127.0.0.1:8545 --contract 0x5FbD... verify --election city-2026 --json
  veche verify --election city-2026 --follow
  veche verify export --election city-2026 > city-2026.jsonl
  veche verify --record city-2026.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			bar := newProgressBar(a.stderr)
			opts := &verify.Options{Progress: bar.update}
			if notes {
				opts.MaxNotes = -1
			}
			finish := func(rep *verify.Report) error {
				bar.clear()
				if asJSON {
					b, err := json.MarshalIndent(rep, "", "  ")
					if err != nil {
						return err
					}
					if _, err := fmt.Fprintf(out, "%s\n", b); err != nil {
						return err
					}
				} else if err := rep.WriteText(out, notes); err != nil {
					return err
				}
				return verdictError(rep, complete)
			}
			if record != "" {
				if follow {
					return errors.New("verify: --follow needs a board, not a --record file")
				}
				rec, err := readRecordFile(record)
				if err != nil {
					return err
				}
				if election == "" {
					election = rec.Header.Election
				}
				rep, err := verify.Verify(ctx, rec, election, opts)
				if err != nil {
					return err
				}
				return finish(rep)
			}
			if election == "" {
				return errors.New("verify: --election is required (or --record FILE)")
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				if !follow {
					rep, err := verify.Verify(ctx, b, election, opts)
					if err != nil {
						return err
					}
					return finish(rep)
				}
				var last *verify.Report
				err := verify.Follow(ctx, b, election, opts, func(rep *verify.Report, changed []int) error {
					bar.clear()
					last = rep
					if asJSON {
						b, err := json.Marshal(rep)
						if err != nil {
							return err
						}
						_, err = fmt.Fprintf(out, "%s\n", b)
						return err
					}
					fmt.Fprintf(out, "%s  %d entries, phase %s\n", time.Now().Format("15:04:05"), rep.Entries, rep.Phase)
					for _, n := range changed {
						if err := verify.WriteStepLine(out, rep.Step(n)); err != nil {
							return err
						}
					}
					return nil
				})
				bar.clear()
				if errors.Is(err, context.Canceled) && last != nil {
					err = nil // interrupted: a normal end of --follow
				}
				if err != nil {
					return err
				}
				if !asJSON {
					fmt.Fprintln(out, last.VerdictLine())
				}
				return verdictError(last, complete)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&election, "election", "", "the election's id (with --record: the record's election by default)")
	f.StringVar(&record, "record", "", "verify an exported record file (veche verify export) instead of a board")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON (with --follow: one report per line)")
	f.BoolVar(&follow, "follow", false, "keep verifying as new entries arrive, until the election is published")
	f.BoolVar(&notes, "notes", false, "print every step's notes: excluded ballots, ignored entries, the results")
	f.BoolVar(&complete, "complete", false, "exit 1 unless every step is ok: the election's result is published and verified")
	cmd.AddCommand(a.verifyExportCommand())
	return cmd
}

// verdictError is the command's error for a report: the first failure,
// or with complete an incomplete verification.
func verdictError(rep *verify.Report, complete bool) error {
	if rep == nil {
		return nil
	}
	if err := rep.Err(); err != nil {
		return err
	}
	if complete && rep.Verdict != verify.Verified {
		var pending []string
		for _, s := range rep.Steps {
			if s.Status == verify.StatusPending {
				pending = append(pending, fmt.Sprintf("%d (%s)", s.Number, s.Name))
			}
		}
		return fmt.Errorf("verify: election %s is not complete (phase %s): step %s pending", rep.Election, rep.Phase, strings.Join(pending, ", "))
	}
	return nil
}

func readRecordFile(path string) (*verify.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer f.Close()
	rec, err := verify.ReadRecord(f)
	if err != nil {
		return nil, fmt.Errorf("verify: %s: %w", path, err)
	}
	return rec, nil
}

func (a *app) verifyExportCommand() *cobra.Command {
	var election, outPath string
	cmd := &cobra.Command{
		Use:   "export --election ID",
		Short: "Write an election's record (every entry of its topic) to a file, for verifying offline",
		Long: `Write every entry of the election's topic, as the board gives them, to standard
output (or --out FILE): a JSON header line (format, election, topic, the board
contract and chain id, and the head and count the contract stores), then one
JSON line per entry with its sequence number, kind, poster, payload and head in
hexadecimal (docs/spec/verification.md, section 3). The entries are not
checked here: veche verify --record FILE checks them against the header's head
and count, exactly as it checks the board.`,
		Example: `  veche verify export --election city-2026 > city-2026.jsonl
  veche verify --record city-2026.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if election == "" {
				return errors.New("verify export: --election is required")
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				var w io.Writer = cmd.OutOrStdout()
				var file *os.File
				if outPath != "" {
					var err error
					if file, err = os.Create(outPath); err != nil {
						return fmt.Errorf("verify export: %w", err)
					}
					w = file
				}
				err := verify.WriteRecord(cmd.Context(), w, b, election, b.Contract().String(), b.ChainID(), voting.ElectionTopic(election))
				if file != nil {
					if cerr := file.Close(); err == nil && cerr != nil {
						err = fmt.Errorf("verify export: %w", cerr)
					}
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&election, "election", "", "the election's id")
	cmd.Flags().StringVarP(&outPath, "out", "o", "", "write to this file instead of standard output")
	return cmd
}

// A progressBar draws the progress of the long steps on a terminal, on
// one line that it rewrites; on anything else it draws nothing.
type progressBar struct {
	w     io.Writer // nil: not a terminal
	last  time.Time
	shown bool
}

func newProgressBar(stderr io.Writer) *progressBar {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &progressBar{w: f}
	}
	return &progressBar{}
}

func (b *progressBar) update(p verify.Progress) {
	if b.w == nil || p.Total <= 0 {
		return
	}
	now := time.Now()
	if p.Done < p.Total && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	const width = 30
	filled := width * p.Done / p.Total
	fmt.Fprintf(b.w, "\r%2d. %-20s [%s%s] %d/%d %s\x1b[K", p.Step, p.Name,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Done, p.Total, p.Unit)
	b.shown = true
}

// clear removes the bar's line before other output.
func (b *progressBar) clear() {
	if b.w != nil && b.shown {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.shown = false
	}
}
