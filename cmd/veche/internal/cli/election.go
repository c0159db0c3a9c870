package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

func (a *app) electionCommand() *cobra.Command {
	election := &cobra.Command{
		Use:   "election",
		Short: "The election commission's commands: create an election, move it through its phases",
		Long: `An election is described by a manifest (YAML or JSON; docs/spec/manifest.md):
its contests, districts, times, and the board accounts of the commission, the
ballot box, the credential authority, the trustees and the mixers. Creating it
posts the manifest to the election's topic on the board and authorises every
party for the kinds of entry it posts; the manifest's hash is the election
fingerprint bound into every proof.

Phases go forward one at a time: setup, key-ceremony, open, closed, tallying,
published. These commands post as the commission (--chain-key, or the embedded
chain's own account).`,
		Example: `  veche election check manifest.yaml        # validate offline, print the fingerprint
  veche election create manifest.yaml
  veche election show city-2026
  veche election ceremony city-2026           # setup -> key-ceremony: trustees generate the key
  veche election open city-2026               # key-ceremony -> open: voting starts
  veche election close city-2026              # open -> closed`,
	}
	election.AddCommand(
		a.electionCheckCommand(),
		a.electionCreateCommand(),
		a.electionShowCommand(),
		a.electionTrusteesCommand(),
		a.electionPhaseCommand("ceremony", bulletin.PhaseKeyCeremony, "Start the key ceremony (setup -> key-ceremony)"),
		a.electionOpenCommand(),
		a.electionPhaseCommand("close", bulletin.PhaseClosed, "Close the election (open -> closed)"),
	)
	return election
}

// readManifestFile reads and validates a manifest file.
func readManifestFile(path string) (*voting.Manifest, error) {
	b, err := readLimited(path, 4*voting.MaxManifestLength)
	if err != nil {
		return nil, err
	}
	m, err := voting.DecodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func (a *app) electionCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a manifest file and print its fingerprint, without touching the board",
		Long: `Read the manifest in FILE (YAML or JSON), check every rule of
docs/spec/manifest.md, and print a summary with the election fingerprint (the
hash of its canonical encoding) and its board topic. Errors name the field,
like contests[2].max. Nothing is posted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := readManifestFile(args[0])
			if err != nil {
				return err
			}
			return printManifest(cmd.OutOrStdout(), m)
		},
	}
}

func (a *app) electionCreateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "create FILE",
		Short: "Publish an election: its topic, the parties' rights and the manifest",
		Long: `Validate the manifest in FILE, create the election's topic on the board, grant
each party the kinds it posts, and post the manifest. The account posting must
be the manifest's commission. Running it again after an interruption completes
the same election without duplicating anything.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := readManifestFile(args[0])
			if err != nil {
				return err
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				if err := voting.Publish(cmd.Context(), b, m); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "election %s published on %s\n", m.ID, b.Describe())
				return printManifest(cmd.OutOrStdout(), m)
			})
		},
	}
}

func printManifest(w io.Writer, m *voting.Manifest) error {
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	topic := m.Topic()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\n", m.ID)
	fmt.Fprintf(tw, "title\t%s\n", text(m.Title))
	fmt.Fprintf(tw, "fingerprint\t%s\n", hex.EncodeToString(fp[:]))
	fmt.Fprintf(tw, "topic\t%s\n", hex.EncodeToString(topic[:]))
	fmt.Fprintf(tw, "opens\t%s\n", m.Opens.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(tw, "closes\t%s\n", m.Closes.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(tw, "revote\t%s\n", m.Revote)
	for _, c := range m.Contests {
		var opts []string
		for _, o := range c.Options {
			opts = append(opts, o.ID)
		}
		extra := ""
		switch c.Kind {
		case voting.Approval:
			extra = fmt.Sprintf(", %d to %d", c.Min, c.Max)
		case voting.Ranked:
			extra = fmt.Sprintf(", rank up to %d", c.Ranks)
		}
		if c.WriteIn {
			extra += ", write-in"
		}
		fmt.Fprintf(tw, "contest %s\t%s (%s%s, %s): %s\n", c.ID, text(c.Title), c.Kind, extra, c.Tally, strings.Join(opts, ", "))
	}
	fmt.Fprintf(tw, "districts\t%d in %d ballot styles\n", len(m.Districts), len(m.BallotStyles))
	fmt.Fprintf(tw, "commission\t%s %s\n", m.Commission.Address, m.Commission.Name)
	fmt.Fprintf(tw, "ballot box\t%s %s\n", m.BallotBox.Address, m.BallotBox.Name)
	fmt.Fprintf(tw, "credential authority\t%s %s\n", m.CredentialAuthority.Address, m.CredentialAuthority.Name)
	fmt.Fprintf(tw, "trustees\t%d of %d\n", m.Trustees.Threshold, len(m.Trustees.Members))
	for i, p := range m.Trustees.Members {
		fmt.Fprintf(tw, "  trustee %d\t%s %s\n", i+1, p.Address, p.Name)
	}
	for i, p := range m.Mixers {
		fmt.Fprintf(tw, "  mixer %d\t%s %s\n", i+1, p.Address, p.Name)
	}
	return tw.Flush()
}

// text picks the English text, else the first language in order.
func text(t voting.Text) string {
	if s, ok := t["en"]; ok {
		return s
	}
	langs := make([]string, 0, len(t))
	for l := range t {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	if len(langs) == 0 {
		return ""
	}
	return t[langs[0]]
}

func (a *app) electionShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an election as the board has it: manifest, phase and entries by kind",
		Long: `Read the election's manifest from its topic on the board (checked: entry 0,
posted by the commission it names, in canonical form) and print it with the
topic's phase and the number of entries of each kind. Needs no key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(ctx, b, args[0])
				if err != nil {
					return err
				}
				info, err := b.Info(ctx, m.Topic())
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if err := printManifest(w, m); err != nil {
					return err
				}
				fmt.Fprintf(w, "phase\t%v\nentries\t%d\n", info.Phase, info.Count)
				counts := map[bulletin.Kind]int{}
				const page = 10_000
				for from := uint64(0); from < info.Count; from += page {
					es, err := b.Entries(ctx, m.Topic(), from, min(from+page, info.Count))
					if err != nil {
						return err
					}
					for _, e := range es {
						counts[e.Kind]++
					}
				}
				for _, k := range bulletin.Kinds() {
					if counts[k] > 0 {
						fmt.Fprintf(w, "  %v\t%d\n", k, counts[k])
					}
				}
				return nil
			})
		},
	}
}

func (a *app) electionPhaseCommand(name string, to bulletin.Phase, short string) *cobra.Command {
	return &cobra.Command{
		Use:   name + " ID",
		Short: short,
		Long: short + `.

Posts the phase change to the election's topic as the commission. The board
moves an election one phase at a time (setup, key-ceremony, open, closed,
tallying, published) and refuses any other change, and each phase admits only
its own kinds of entry (docs/spec/bulletin.md, "Phase table").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				if _, err := voting.ReadManifest(cmd.Context(), b, args[0]); err != nil {
					return err
				}
				if err := voting.SetPhase(cmd.Context(), b, args[0], to); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "election %s is now in phase %v\n", args[0], to)
				return nil
			})
		},
	}
}

func (a *app) electionTrusteesCommand() *cobra.Command {
	var (
		threshold int
		trustees  []string
		out       string
	)
	cmd := &cobra.Command{
		Use:   "trustees FILE",
		Short: "Name an election's trustees and threshold in its manifest file (before creating it)",
		Long: `Show the trustees and threshold k of the manifest in FILE or, with --trustee
(repeated, in index order: trustee i gets key-ceremony index i) and
--threshold, replace them and write the manifest to --out (default: FILE
itself). The result is validated (1 <= k <= n <= 32, distinct addresses,
none shared with the commission or the mixers) and its new fingerprint
printed. Each trustee's address is the board account it posts from: have
each create its key with 'veche board key' and send you the address.

The file is rewritten in the canonical field order, without comments.`,
		Example: `  veche election trustees manifest.yaml
  veche election trustees manifest.yaml --threshold 3 \
      --trustee "Alice=0x2000000000000000000000000000000000000001" \
      --trustee "Bob=0x2000000000000000000000000000000000000002" ...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := readManifestFile(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(trustees) == 0 && !cmd.Flags().Changed("threshold") {
				fmt.Fprintf(w, "threshold %d of %d\n", m.Trustees.Threshold, len(m.Trustees.Members))
				for i, p := range m.Trustees.Members {
					fmt.Fprintf(w, "trustee %d\t%s\t%s\n", i+1, p.Address, p.Name)
				}
				return nil
			}
			if len(trustees) > 0 {
				m.Trustees.Members = nil
				for _, t := range trustees {
					name, addr, ok := strings.Cut(t, "=")
					if !ok {
						return fmt.Errorf("election trustees: --trustee %q: want NAME=ADDRESS", t)
					}
					m.Trustees.Members = append(m.Trustees.Members, voting.Party{Name: strings.TrimSpace(name), Address: strings.ToLower(strings.TrimSpace(addr))})
				}
			}
			if cmd.Flags().Changed("threshold") {
				m.Trustees.Threshold = threshold
			}
			if err := m.Validate(); err != nil {
				return err
			}
			y, err := voting.EncodeManifestYAML(m)
			if err != nil {
				return err
			}
			if out == "" {
				out = args[0]
			}
			if err := os.WriteFile(out, y, 0o644); err != nil {
				return err
			}
			fp, _ := m.Fingerprint()
			fmt.Fprintf(w, "%s: %d of %d trustees; fingerprint %s\n", out, m.Trustees.Threshold, len(m.Trustees.Members), hex.EncodeToString(fp[:]))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&threshold, "threshold", 0, "k: how many trustees are needed to decrypt")
	f.StringArrayVar(&trustees, "trustee", nil, "a trustee as NAME=ADDRESS (repeat, in index order)")
	f.StringVar(&out, "out", "", "where to write the manifest (default: FILE)")
	return cmd
}

func (a *app) electionOpenCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "open ID",
		Short: "Close the key ceremony, publish the joint key and open the election for voting",
		Long: `Close the trustees' key ceremony and open the election (key-ceremony -> open).

Every trustee must have dealt and posted that it is ready (veche trustee
status shows who is missing). The commission recomputes the ceremony's result
from the board -- the qualified trustees, the joint election key and each
trustee's verification key -- and posts it (dkg-result), then moves the
election to phase open. With --force it closes without the trustees that are
not ready, provided at least the threshold k are ready and qualified. Running
it again after an interruption posts nothing twice.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(ctx, b, args[0])
				if err != nil {
					return err
				}
				res, err := voting.CloseCeremony(ctx, b, m, &voting.CloseOptions{Force: force})
				if err != nil {
					return err
				}
				info, err := b.Info(ctx, m.Topic())
				if err != nil {
					return err
				}
				if info.Phase == bulletin.PhaseKeyCeremony { // else opened before: nothing to do
					if err := voting.SetPhase(ctx, b, m.ID, bulletin.PhaseOpen); err != nil {
						return err
					}
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "joint key %x (%d of %d trustees qualified, threshold %d)\n", res.JointKey.Bytes(), len(res.Qualified), res.N, res.Threshold)
				fmt.Fprintf(w, "election %s is now in phase %v\n", m.ID, bulletin.PhaseOpen)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "close without the trustees that are not ready (at least k must be)")
	return cmd
}
