package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/keystore"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/voting"
)

// keystoreOptions are the Argon2id parameters of the files veche trustee
// writes; nil means keystore's defaults. Tests make them cheap.
var keystoreOptions *keystore.Options

// passphraseEnv names a file holding the passphrase when --passphrase-file
// is not given.
const passphraseEnv = envPrefix + "_PASSPHRASE_FILE"

// maxKeyFile bounds what is read of a key, state or share file.
const maxKeyFile = 4 << 20

func (a *app) trusteeCommand() *cobra.Command {
	trustee := &cobra.Command{
		Use:   "trustee",
		Short: "A trustee's commands: a long-term key, joining an election, the key ceremony",
		Long: `Trustees hold the election key between them: any k of the n trustees the
manifest names can decrypt the result, fewer learn nothing, and nobody ever
holds the whole key. They create it together in the key ceremony on the
board (docs/spec/ceremony.md):

  1. each trustee creates a long-term key file (init), once;
  2. joins the election with it (join), posting its public key with a proof
     of possession; posts go out as the trustee's board account (--chain-key),
     which must be the manifest's address for that trustee;
  3. once the commission has started the key ceremony (veche election
     ceremony ID), runs keygen: it deals, checks the shares the others sent,
     complains about bad ones with evidence, says it is ready, and when the
     commission has posted the result it checks its share and keeps it;
  4. anyone can see where the ceremony stands (status).

Key, state and share files are encrypted under a passphrase (Argon2id and
XChaCha20-Poly1305, docs/spec/keystore.md), read from --passphrase-file, the
file named by VECHE_PASSPHRASE_FILE, or else asked for at the terminal (never
a flag's value, which would stay in the shell history). keygen keeps its files next to the
key file: FILE.ELECTION.state (what it dealt, needed until the end) and
FILE.ELECTION.share (its share of the election key). Keep all three.

After the polls close and the mixers have shuffled, each trustee runs
veche trustee decrypt; any k of them suffice (veche tally decrypt combines).`,
		Example: `  veche trustee init --key trustee.key --passphrase-file pass.txt
  veche --chain-key poster.key trustee join city-2026 --key trustee.key --passphrase-file pass.txt
  veche --chain-key poster.key trustee keygen city-2026 --key trustee.key --passphrase-file pass.txt
  veche trustee status city-2026`,
	}
	trustee.AddCommand(
		a.trusteeInitCommand(),
		a.trusteeJoinCommand(),
		a.trusteeKeygenCommand(),
		a.trusteeStatusCommand(),
		a.trusteeDecryptCommand(),
	)
	return trustee
}

// Reading a passphrase from the terminal; variables so that tests can
// stand in for a terminal.
var (
	stdinIsTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	readPassword    = func(prompt string) ([]byte, error) {
		fmt.Fprint(os.Stderr, prompt)
		defer fmt.Fprintln(os.Stderr)
		return term.ReadPassword(int(os.Stdin.Fd()))
	}
)

// passphrase reads the passphrase from file, or from the file named by
// VECHE_PASSPHRASE_FILE (its first line, without the line ending), or else,
// when standard input is a terminal, from a prompt that does not echo it
// (asked twice when confirm is set, for a new key). It is never taken from
// a flag's value, which would stay in the shell's history.
func passphrase(file string, confirm bool) ([]byte, error) {
	if file == "" {
		file = os.Getenv(passphraseEnv)
	}
	if file == "" && stdinIsTerminal() {
		p, err := readPassword("Passphrase: ")
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		if len(p) == 0 {
			return nil, errors.New("empty passphrase")
		}
		if confirm {
			again, err := readPassword("Passphrase again: ")
			if err != nil {
				return nil, fmt.Errorf("reading the passphrase: %w", err)
			}
			same := bytes.Equal(p, again)
			clear(again)
			if !same {
				clear(p)
				return nil, errors.New("the passphrases differ")
			}
		}
		return p, nil
	}
	if file == "" {
		return nil, fmt.Errorf("no passphrase: give --passphrase-file FILE, set %s, or run on a terminal to be asked", passphraseEnv)
	}
	b, err := readLimited(file, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		clear(b)
		return nil, fmt.Errorf("the passphrase file %s is empty", file)
	}
	p := bytes.Clone(line)
	clear(b)
	return p, nil
}

// writeSecretFile writes b to path with mode 0600, atomically: a temporary
// file in the same directory, synced, then renamed over path.
func writeSecretFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// openSealed reads and decrypts a keystore file.
func openSealed(path string, pass []byte) ([]byte, error) {
	b, err := readLimited(path, maxKeyFile)
	if err != nil {
		return nil, err
	}
	pt, err := keystore.Open(pass, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pt, nil
}

// openTrusteeKey reads the long-term key file.
func openTrusteeKey(path string, pass []byte) (*hybrid.PrivateKey, error) {
	b, err := openSealed(path, pass)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	key, err := hybrid.NewPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s does not hold a trustee key: %w", path, err)
	}
	return key, nil
}

// trusteeFlags are the flags of the commands that use the key file.
type trusteeFlags struct {
	key, passFile string
}

func (f *trusteeFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.key, "key", "", "the trustee's long-term key file (from veche trustee init)")
	cmd.Flags().StringVar(&f.passFile, "passphrase-file", "", "file whose first line is the passphrase of the key file (env "+passphraseEnv+")")
}

func (f *trusteeFlags) open() (*hybrid.PrivateKey, []byte, error) {
	if f.key == "" {
		return nil, nil, errors.New("--key FILE is required")
	}
	pass, err := passphrase(f.passFile, false)
	if err != nil {
		return nil, nil, err
	}
	key, err := openTrusteeKey(f.key, pass)
	if err != nil {
		clear(pass)
		return nil, nil, err
	}
	return key, pass, nil
}

func (a *app) trusteeInitCommand() *cobra.Command {
	var f trusteeFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a trustee's long-term key file and print its public key",
		Long: `Generate a trustee's long-term encryption key (ristretto255; the other
trustees encrypt its shares of the election key to it) and write it to --key,
encrypted under the passphrase. An existing file is never overwritten.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.key == "" {
				return errors.New("trustee init: --key FILE is required")
			}
			if _, err := os.Lstat(f.key); err == nil {
				return fmt.Errorf("trustee init: %s exists; not overwriting it", f.key)
			}
			pass, err := passphrase(f.passFile, true)
			if err != nil {
				return fmt.Errorf("trustee init: %w", err)
			}
			defer clear(pass)
			key, err := hybrid.GenerateKey(nil)
			if err != nil {
				return err
			}
			sk := key.Bytes()
			sealed, err := keystore.Seal(nil, pass, sk, keystoreOptions)
			clear(sk)
			if err != nil {
				return err
			}
			out, err := os.OpenFile(f.key, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("trustee init: %w", err)
			}
			if _, err := out.Write(sealed); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "public key %s\nkey file %s\n", hex.EncodeToString(key.Public().Bytes()), f.key)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

// trusteeIndex finds the trustee whose account the board posts as.
func trusteeIndex(m *voting.Manifest, b chain.Board) (uint32, error) {
	j, err := voting.TrusteeIndex(m, b.Address())
	if err != nil {
		return 0, fmt.Errorf("%w (post as the trustee's account with --chain-key)", err)
	}
	return j, nil
}

func (a *app) trusteeJoinCommand() *cobra.Command {
	var f trusteeFlags
	cmd := &cobra.Command{
		Use:   "join ELECTION",
		Short: "Join an election's key ceremony with the long-term key",
		Long: `Post the trustee's long-term public key to election ELECTION, with a proof
that the trustee holds its secret. The posting account (--chain-key) must be
the manifest's address of one of the trustees; that gives the trustee's index.
The election must be in phase setup or key-ceremony. Joining again with the
same key posts nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				m, err := voting.ReadManifest(cmd.Context(), b, args[0])
				if err != nil {
					return err
				}
				j, err := trusteeIndex(m, b)
				if err != nil {
					return err
				}
				key, pass, err := f.open()
				if err != nil {
					return err
				}
				clear(pass)
				seq, err := voting.Join(cmd.Context(), b, m, key, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "trustee %d (%s) joined election %s with key %s (entry %d)\n",
					j, m.Trustees.Members[j-1].Name, m.ID, hex.EncodeToString(key.Public().Bytes()), seq)
				return nil
			})
		},
	}
	f.add(cmd)
	return cmd
}

// sealedStore keeps the keygen state in a keystore file.
type sealedStore struct {
	path string
	pass []byte
}

func (s *sealedStore) LoadState() ([]byte, error) {
	b, err := openSealed(s.path, s.pass)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (s *sealedStore) SaveState(b []byte) error {
	sealed, err := keystore.Seal(nil, s.pass, b, keystoreOptions)
	if err != nil {
		return err
	}
	return writeSecretFile(s.path, sealed)
}

// trusteeFiles returns the state and share files of key file key for
// election id.
func trusteeFiles(key, id string) (state, share string) {
	return key + "." + id + ".state", key + "." + id + ".share"
}

func (a *app) trusteeKeygenCommand() *cobra.Command {
	var (
		f       trusteeFlags
		noWait  bool
		without []uint
	)
	cmd := &cobra.Command{
		Use:   "keygen ELECTION",
		Short: "Take part in the key ceremony: deal, check shares, complain, get the share",
		Long: `Run this trustee's side of election ELECTION's key ceremony until the
commission posts the result: deal (the secret polynomial is saved, encrypted,
to FILE.ELECTION.state before anything is posted), post the commitments and
the encrypted shares, check the share every other trustee sent, post a
complaint with evidence against each bad one, post "ready" once every
trustee has dealt, then wait for the result. It checks that the posted result
is the one the board's messages give and that its share matches its
verification key, and saves the share, encrypted, to FILE.ELECTION.share.

It follows the board and prints each step on stderr. It can be stopped and
run again at any time: it resumes from the board and the state file without
posting anything twice. With --no-wait it does what can be done now and
exits, printing what the ceremony waits for.

--without lists trustees known to be gone: this trustee says it is ready
without waiting for them to deal, so that the commission can close the
ceremony without them (with at least k ready trustees).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				m, err := voting.ReadManifest(cmd.Context(), b, args[0])
				if err != nil {
					return err
				}
				j, err := trusteeIndex(m, b)
				if err != nil {
					return err
				}
				key, pass, err := f.open()
				if err != nil {
					return err
				}
				defer clear(pass)
				statePath, sharePath := trusteeFiles(f.key, m.ID)
				opts := &voting.KeygenOptions{
					NoWait:   noWait,
					Progress: func(s string) { fmt.Fprintf(cmd.ErrOrStderr(), "keygen: trustee %d: %s\n", j, s) },
				}
				for _, w := range without {
					opts.Without = append(opts.Without, uint32(w))
				}
				res, err := voting.RunKeygen(ctx, b, m, key, &sealedStore{path: statePath, pass: pass}, opts)
				w := cmd.OutOrStdout()
				var pending *voting.PendingError
				switch {
				case errors.As(err, &pending):
					fmt.Fprintf(w, "trustee %d: the key ceremony of %s is not over; waiting for:\n", j, m.ID)
					for _, line := range pending.Waiting {
						fmt.Fprintf(w, "  %s\n", line)
					}
					return nil
				case errors.Is(err, context.Canceled):
					return fmt.Errorf("trustee keygen interrupted; run it again to resume (what is posted and saved stays): %w", err)
				case err != nil:
					return err
				}
				share := voting.NewTrusteeShare(res).Bytes()
				sealed, err := keystore.Seal(nil, pass, share, keystoreOptions)
				clear(share)
				if err != nil {
					return err
				}
				if err := writeSecretFile(sharePath, sealed); err != nil {
					return fmt.Errorf("saving the share: %w", err)
				}
				fmt.Fprintf(w, "trustee %d: the key ceremony of %s is over\n", j, m.ID)
				printResult(w, res.Public)
				fmt.Fprintf(w, "verification key Y_%d %s\nshare saved to %s\n", j, hex.EncodeToString(res.Public.VerificationKey(j).Bytes()), sharePath)
				return nil
			})
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "do what can be done now and exit instead of waiting for the others")
	cmd.Flags().UintSliceVar(&without, "without", nil, "trustees (indices) not to wait for before saying ready")
	return cmd
}

func printResult(w io.Writer, p *dkg.PublicResult) {
	fmt.Fprintf(w, "joint key %s\nqualified %s\n", hex.EncodeToString(p.JointKey.Bytes()), indices(p.Qualified))
	for _, b := range p.Blames {
		fmt.Fprintf(w, "blame %s\n", b)
	}
}

func indices(js []uint32) string {
	s := make([]string, len(js))
	for n, j := range js {
		s[n] = strconv.FormatUint(uint64(j), 10)
	}
	return strings.Join(s, " ")
}

func (a *app) trusteeStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status ELECTION",
		Short: "Show where the key ceremony stands and what it waits for, on whom",
		Long: `Replay election ELECTION's key ceremony from the board and print, for every
trustee, whether it has joined (and with which key), dealt, complained and
said it is ready; the posted result and whether it is the one the board's
messages give; what the ceremony waits for; and every entry that counts for
nothing, with the reason. It needs no key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				m, err := voting.ReadManifest(cmd.Context(), b, args[0])
				if err != nil {
					return err
				}
				s, err := voting.ReadCeremony(cmd.Context(), b, m)
				if err != nil {
					return err
				}
				return printCeremony(cmd.OutOrStdout(), s)
			})
		},
	}
}

func printCeremony(w io.Writer, s *voting.CeremonyState) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "election\t%s\nphase\t%v\ntrustees\t%d of %d\n", s.Election, s.Phase, s.Threshold, len(s.Trustees))
	for _, t := range s.Trustees {
		var cols []string
		if t.Joined() {
			cols = append(cols, fmt.Sprintf("joined (entry %d, key %s…)", t.JoinSeq, hex.EncodeToString(t.Key.Bytes()[:8])))
		} else {
			cols = append(cols, "not joined")
		}
		switch {
		case t.Dealt():
			cols = append(cols, "dealt")
		case t.Commitments:
			cols = append(cols, "commitments only")
		case t.Shares:
			cols = append(cols, "shares only")
		default:
			cols = append(cols, "not dealt")
		}
		if t.Disqualified {
			cols = append(cols, "DISQUALIFIED")
		}
		cols = append(cols, fmt.Sprintf("complaints %d", t.Complaints))
		if t.Ready != nil {
			cols = append(cols, fmt.Sprintf("ready (entry %d, after %d messages)", t.ReadySeq, t.Ready.Messages))
		} else {
			cols = append(cols, "not ready")
		}
		fmt.Fprintf(tw, "  trustee %d\t%s\t%s\t%s\n", t.Index, t.Party.Name, t.Party.Address, strings.Join(cols, ", "))
	}
	rejected := 0
	for _, m := range s.Messages {
		if m.Err != nil {
			rejected++
		}
	}
	fmt.Fprintf(tw, "messages\t%d (%d rejected or false complaints)\n", len(s.Messages), rejected)
	for _, m := range s.Messages {
		if m.Err != nil {
			fmt.Fprintf(tw, "  entry %d\t%v\n", m.Seq, m.Err)
		}
	}
	switch {
	case !s.Closed:
		fmt.Fprintf(tw, "result\tnot posted\n")
	case s.Matches():
		fmt.Fprintf(tw, "result\tposted (entry %d), matches the board's messages\n", s.PostedSeq)
	default:
		fmt.Fprintf(tw, "result\tposted (entry %d), DOES NOT MATCH the board's messages\n", s.PostedSeq)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.Closed && s.Result != nil {
		printResult(w, s.Result)
	}
	if waiting := s.Waiting(); len(waiting) > 0 {
		fmt.Fprintln(w, "waiting for:")
		for _, line := range waiting {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	if len(s.Ignored) > 0 {
		fmt.Fprintln(w, "ignored entries:")
		for _, i := range s.Ignored {
			fmt.Fprintf(w, "  %s\n", i)
		}
	}
	return nil
}
