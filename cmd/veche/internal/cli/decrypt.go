package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// electionTrustees returns the threshold parameters of the election from
// its checked key-ceremony result, and the trustees' board addresses.
func electionTrustees(ctx context.Context, r bulletin.Reader, m *voting.Manifest) (*tally.Trustees, *elgamal.PublicKey, error) {
	res, err := voting.JointKey(ctx, r, m)
	if err != nil {
		return nil, nil, err
	}
	p, err := threshold.NewParams(res.Fingerprint, res.Threshold, res.N, res.JointKey, res.VerificationKeys)
	if err != nil {
		return nil, nil, err
	}
	t := &tally.Trustees{Params: p}
	for _, mem := range m.Trustees.Members {
		a, err := voting.ParseAddress(mem.Address)
		if err != nil {
			return nil, nil, err
		}
		t.Addresses = append(t.Addresses, a)
	}
	pk, err := elgamal.NewPublicKeyFromElement(res.JointKey)
	return t, pk, err
}

// mixedLists verifies the cascade of every mixnet list that has a tally
// input and returns the final outputs, by list name.
func mixedLists(ctx context.Context, r bulletin.Reader, m *voting.Manifest, pk *elgamal.PublicKey) (map[string]*tally.List, []string, error) {
	c, err := cascadeOf(m, pk)
	if err != nil {
		return nil, nil, err
	}
	commission, _ := voting.ParseAddress(m.Commission.Address)
	rec, err := tally.ReadMixRecord(ctx, r, m.Topic(), commission)
	if err != nil {
		return nil, nil, err
	}
	if len(rec.Inputs) == 0 {
		return nil, nil, fmt.Errorf("election %s has no tally input yet", m.ID)
	}
	out := map[string]*tally.List{}
	for _, l := range rec.Lists() {
		final, err := c.Verify(rec, l, nil)
		if err != nil {
			return nil, nil, err
		}
		out[l] = final
	}
	return out, rec.Lists(), nil
}

func (a *app) trusteeDecryptCommand() *cobra.Command {
	var f trusteeFlags
	cmd := &cobra.Command{
		Use:   "decrypt ELECTION",
		Short: "Post this trustee's partial decryptions of the mixed ballots, with proofs",
		Long: `Once the election is in phase tallying and every mixer has shuffled, check the
whole mix cascade of every list from the board (a trustee never decrypts a list
it has not verified: that could reveal a single voter's ballot), then
partially decrypt each final list with this trustee's share of the election
key (FILE.ELECTION.share from veche trustee keygen) and post it with a
Chaum-Pedersen proof (docs/spec/threshold.md). Lists this trustee already
decrypted are skipped. A large decryption is posted in chunks and kept in
DATA/pending until it is all on the board: a run stopped halfway is finished
by the next one, which posts only the missing chunks of the same record. The board refuses decryption shares before the
election is closed and the tally started. Any k trustees suffice; see
veche tally decrypt for the combination.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, pass, err := f.open()
			if err != nil {
				return err
			}
			defer clear(pass)
			_ = key // opening it checks the passphrase; the share file is what decrypts
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(ctx, b, args[0])
				if err != nil {
					return err
				}
				index, err := trusteeIndex(m, b)
				if err != nil {
					return err
				}
				_, sharePath := trusteeFiles(f.key, m.ID)
				pt, err := openSealed(sharePath, pass)
				if err != nil {
					return fmt.Errorf("trustee decrypt: the share of election %s: %w (run veche trustee keygen first)", m.ID, err)
				}
				share, err := voting.ParseTrusteeShare(pt)
				clear(pt)
				if err != nil {
					return err
				}
				fp, _ := m.Fingerprint()
				if share.Fingerprint != fp || share.Index != index {
					return fmt.Errorf("trustee decrypt: %s is the share of another election or trustee", sharePath)
				}
				trustees, pk, err := electionTrustees(ctx, b, m)
				if err != nil {
					return err
				}
				if trustees.Params.VerificationKey(index) == nil {
					return fmt.Errorf("trustee decrypt: trustee %d has no verification key", index)
				}
				lists, names, err := mixedLists(ctx, b, m, pk)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				for _, name := range names {
					l := lists[name]
					posted, err := tally.PostDecryptionResumable(ctx, b, m.Topic(), trustees, index, share.Share, l, &tally.DecryptionOptions{
						Pending: a.pendingDir(), Progress: progressPrinter(cmd.ErrOrStderr(), fmt.Sprintf("trustee %d, list %s", index, name))})
					if err != nil {
						return err
					}
					if !posted {
						fmt.Fprintf(w, "list %s: already decrypted by trustee %d\n", name, index)
						continue
					}
					fmt.Fprintf(w, "list %s: trustee %d posted its partial decryption of %d rows\n", name, index, len(l.Rows))
				}
				return nil
			})
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) tallyCommand() *cobra.Command {
	t := &cobra.Command{
		Use:   "tally",
		Short: "Combine the trustees' decryptions and show what they decrypt to",
		Long: `Commands that turn the board's record into plaintexts: they read only the
board and verify everything they use, so anyone can run them.`,
	}
	t.AddCommand(a.tallyDecryptCommand())
	return t
}

func (a *app) tallyDecryptCommand() *cobra.Command {
	var show bool
	cmd := &cobra.Command{
		Use:   "decrypt ELECTION",
		Short: "Verify the mix cascade and the trustees' decryptions, and combine any k of them",
		Long: `For every mixnet list of the election: verify the mix cascade, then each
trustee's partial decryption of its output (the first one each trustee posted
counts). Invalid ones are excluded and their trustees named; with at least k
valid ones the list is decrypted (any k give the same plaintexts). With fewer,
nothing is decrypted and the output says which trustees are missing. Exits
non-zero if a list cannot be decrypted.

--show prints each decrypted row: as text where the plaintexts embed bytes
(write-ins), else as group elements in hex.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(ctx, b, args[0])
				if err != nil {
					return err
				}
				trustees, pk, err := electionTrustees(ctx, b, m)
				if err != nil {
					return err
				}
				lists, names, err := mixedLists(ctx, b, m, pk)
				if err != nil {
					return err
				}
				posted, err := tally.ReadDecryptions(ctx, b, m.Topic())
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				var failed error
				for _, name := range names {
					rows, rep, err := tally.Decrypt(nil, trustees, lists[name], posted[name])
					if rep != nil {
						printReport(w, name, rep)
					}
					if err != nil {
						fmt.Fprintf(w, "list %s: NOT DECRYPTED: %v\n", name, err)
						failed = errors.Join(failed, err)
						continue
					}
					fmt.Fprintf(w, "list %s: %d rows decrypted\n", name, len(rows))
					if show {
						for i, r := range rows {
							fmt.Fprintf(w, "  %d\t%s\n", i, showRow(r))
						}
					}
				}
				return failed
			})
		},
	}
	cmd.Flags().BoolVar(&show, "show", false, "print every decrypted row")
	return cmd
}

func printReport(w io.Writer, list string, rep *threshold.Report) {
	fmt.Fprintf(w, "list %s: valid decryptions from trustees %s; used %s", list, indices(rep.Valid), indices(rep.Used))
	if len(rep.Missing) > 0 {
		fmt.Fprintf(w, "; missing %s", indices(rep.Missing))
	}
	fmt.Fprintln(w)
	for _, c := range rep.Excluded {
		fmt.Fprintf(w, "list %s: trustee %d EXCLUDED: %v\n", list, c.Index, c.Err)
	}
	for _, c := range rep.Ignored {
		fmt.Fprintf(w, "list %s: trustee %d posted again; ignored (the first counts)\n", list, c.Index)
	}
}

// showRow renders a decrypted row: embedded bytes as quoted strings if
// every component decodes as such, else the elements in hex.
func showRow(r []*group.Element) string {
	text := make([]string, 0, len(r))
	hexs := make([]string, 0, len(r))
	for _, M := range r {
		hexs = append(hexs, hex.EncodeToString(M.Bytes()))
		if b, err := elgamal.DecodeBytes(M); err == nil {
			text = append(text, fmt.Sprintf("%q", b))
		}
	}
	if len(text) == len(r) {
		return strings.Join(text, " ")
	}
	return strings.Join(hexs, " ")
}
