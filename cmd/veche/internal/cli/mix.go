package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/shuffle"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// electionKey returns the election's joint public key from the board, once
// the key ceremony's posted result matches the one recomputed from its
// messages.
func electionKey(ctx context.Context, r bulletin.Reader, m *voting.Manifest) (*elgamal.PublicKey, error) {
	res, err := voting.JointKey(ctx, r, m)
	if err != nil {
		return nil, err
	}
	return elgamal.NewPublicKeyFromElement(res.JointKey)
}

func (a *app) mixCommand() *cobra.Command {
	mix := &cobra.Command{
		Use:   "mix",
		Short: "Run a mix server: shuffle the election's encrypted ballots in turn, with a proof",
		Long: `A mix server (mixer) re-encrypts and permutes the list of encrypted ballots of
each mixnet contest and posts the new list with a proof (Terelius-Wikström,
docs/spec/shuffle.md) that it is a shuffle of its input. The mixers of an
election are named in its manifest, in cascade order; each takes the previous
mixer's output. As long as one mixer keeps its permutation secret, nobody can
link a decrypted ballot to the encrypted one a voter cast.

A mixer's identity is its board account: create its key with 'veche mix init',
put the printed address in the manifest's mixers, and run 'veche mix run'
with --chain-key set to that key file once the election is closed.`,
		Example: `  veche mix init --out mixer1.key
  veche --chain-key mixer1.key mix run city-2026          # waits for its turn, then shuffles every list
  veche mix verify city-2026                              # check the cascade so far`,
	}
	mix.AddCommand(a.mixInitCommand(), a.mixRunCommand(), a.mixVerifyCommand())
	return mix
}

func (a *app) mixInitCommand() *cobra.Command {
	cmd := a.boardKeyCommand()
	cmd.Use = "init"
	cmd.Short = "Create the mixer's board key file and print the address for the manifest"
	return cmd
}

// cascadeOf returns the election's mix cascade from its manifest and key.
func cascadeOf(m *voting.Manifest, key *elgamal.PublicKey) (*tally.Cascade, error) {
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	c := &tally.Cascade{Fingerprint: fp, Key: key, Generators: shuffle.NewGeneratorCache(4)}
	for _, p := range m.Mixers {
		addr, err := voting.ParseAddress(p.Address)
		if err != nil {
			return nil, err
		}
		c.Mixers = append(c.Mixers, addr)
	}
	return c, nil
}

// progressPrinter prints a mixer's progress lines to w, with the time since
// start, once per stage and at most every 2 s within one.
func progressPrinter(w io.Writer, prefix string) func(stage string, done, total int) {
	start := time.Now()
	var mu sync.Mutex
	var last string
	var lastAt time.Time
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if stage == last && time.Since(lastAt) < 2*time.Second && done != total {
			return
		}
		last, lastAt = stage, time.Now()
		line := fmt.Sprintf("[%6.1fs] %s: %s", time.Since(start).Seconds(), prefix, stage)
		if total > 0 {
			line += fmt.Sprintf(" (%d/%d)", done, total)
		}
		fmt.Fprintln(w, line)
	}
}

func (a *app) mixRunCommand() *cobra.Command {
	var lists []string
	cmd := &cobra.Command{
		Use:   "run ELECTION",
		Short: "Take this mixer's turn: wait for the previous mixer, verify, shuffle, prove and post",
		Long: `Read the election's manifest and key from the board, find this mixer's position
from the posting account (--chain-key), and for each mixnet list: wait until
the previous mixer's shuffle (or the tally input, for the first mixer) is on the
board, verify every shuffle before ours, then shuffle, prove and post. A
restarted run skips lists it already posted. A large shuffle is posted in
chunks, and kept in DATA/pending until it is all on the board: a run stopped
halfway (a node restart, a kill) is finished by the next one, which posts
only the missing chunks of the same shuffle. If a previous mixer cheated, it
stops and names it. Progress goes to standard error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(ctx, b, args[0])
				if err != nil {
					return err
				}
				k := -1
				for i, p := range m.Mixers {
					if addr, _ := voting.ParseAddress(p.Address); addr == b.Address() {
						k = i
					}
				}
				if k < 0 {
					return fmt.Errorf("mix run: %s is not a mixer of election %s (set --chain-key to the mixer's key file)", ethboard.ChecksumAddress(b.Address()), m.ID)
				}
				key, err := electionKey(ctx, b, m)
				if err != nil {
					return err
				}
				c, err := cascadeOf(m, key)
				if err != nil {
					return err
				}
				commission, _ := voting.ParseAddress(m.Commission.Address)
				mixer := &tally.Mixer{Cascade: *c, Position: k, Board: b, Topic: m.Topic(), Commission: commission,
					Pending: a.pendingDir(), Progress: progressPrinter(cmd.ErrOrStderr(), fmt.Sprintf("mixer %d", k+1))}
				todo := lists
				if len(todo) == 0 {
					if todo, err = mixnetLists(m); err != nil {
						return err
					}
				}
				for _, l := range todo {
					if err := mixer.Run(ctx, l); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "mixer %d posted its shuffle of list %s\n", k+1, l)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&lists, "list", nil, "the lists to mix (contest ids; default every mixnet contest)")
	return cmd
}

// pendingDir is where a mixer or trustee keeps a chunked artefact while
// posting it, so that a run stopped halfway is finished by the next one
// (tally.Pending): DATA/pending.
func (a *app) pendingDir() string { return filepath.Join(a.cfg.Data, "pending") }

// mixnetLists returns the ids of the manifest's mixnet contests.
func mixnetLists(m *voting.Manifest) ([]string, error) {
	var out []string
	for _, c := range m.Contests {
		if c.Tally == voting.Mixnet {
			out = append(out, c.ID)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the election has no mixnet contest: nothing to mix")
	}
	return out, nil
}

func (a *app) mixVerifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify ELECTION",
		Short: "Verify the mix cascade of every list from the board alone",
		Long: `Check, for every list of the tally input, each mixer's shuffle in cascade order:
its input is the previous output, its proof verifies, and it is not lazy (its
output shares no ciphertext with its input). Exits non-zero naming the first
mixer at fault or missing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(ctx, b, args[0])
				if err != nil {
					return err
				}
				key, err := electionKey(ctx, b, m)
				if err != nil {
					return err
				}
				c, err := cascadeOf(m, key)
				if err != nil {
					return err
				}
				commission, _ := voting.ParseAddress(m.Commission.Address)
				rec, err := tally.ReadMixRecord(ctx, b, m.Topic(), commission)
				if err != nil {
					return err
				}
				if len(rec.Inputs) == 0 {
					return fmt.Errorf("mix verify: election %s has no tally input yet", m.ID)
				}
				w := cmd.OutOrStdout()
				var failed error
				for _, l := range rec.Lists() {
					start := time.Now()
					out, err := c.Verify(rec, l, func(k int) {
						fmt.Fprintf(w, "list %s: mixer %d (%s): shuffle verified\n", l, k+1, m.Mixers[k].Name)
					})
					if err != nil {
						fmt.Fprintf(w, "list %s: FAILED: %v\n", l, err)
						failed = errors.Join(failed, err)
						continue
					}
					fmt.Fprintf(w, "list %s: OK, %d rows through %d mixers in %.1fs\n", l, len(out.Rows), len(c.Mixers), time.Since(start).Seconds())
				}
				return failed
			})
		},
	}
}
