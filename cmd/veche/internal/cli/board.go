package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/eth/ethboard"
	"github.com/veche/veche/services/chain"
)

// chainOptions returns the board the configuration names.
func (a *app) chainOptions() chain.Options {
	c := a.cfg.Chain
	return chain.Options{
		DataDir:       a.cfg.Data,
		RPC:           c.RPC,
		Contract:      c.Contract,
		KeyFile:       c.Key,
		Confirmations: c.Confirmations,
		PollInterval:  c.PollInterval,
	}
}

// openBoard opens the configured board; the caller closes it.
func (a *app) openBoard(ctx context.Context) (chain.Board, error) {
	b, err := chain.Open(ctx, a.chainOptions())
	if err != nil {
		return nil, err
	}
	a.log.Debug("board opened", "board", b.Describe(), "poster", b.Address())
	return b, nil
}

func (a *app) boardCommand() *cobra.Command {
	board := &cobra.Command{
		Use:   "board",
		Short: "Deploy, post to, read and verify the public bulletin board",
		Long: `The bulletin board is an Ethereum contract holding one append-only,
hash-chained log per topic (an election, a poll, a document registry, a stall
market). These commands work on the embedded chain in the data directory by
default, or on any Ethereum node with --rpc URL --contract ADDRESS (and
--chain-key FILE to post).

A TOPIC argument is either 64 hexadecimal digits (the topic id) or a name,
hashed to an id as docs/spec/bulletin.md says ("Topic names").

The embedded chain is opened by one process at a time.`,
		Example: `  veche board deploy                             # embedded chain: create it, print the contract
  veche board create city-notices --service
  veche board post city-notices doc-anchor --string 'hello'
  veche board tail city-notices --follow
  veche board verify city-notices

  # on a node: a key for the poster, then deploy and use the contract
  veche board key --out poster.key
  veche --rpc http://127.0.0.1:8545 --chain-key poster.key board deploy
  export VECHE_CHAIN_RPC=http://127.0.0.1:8545 VECHE_CHAIN_CONTRACT=0x... VECHE_CHAIN_KEY=poster.key`,
	}
	board.AddCommand(
		a.boardKeyCommand(),
		a.boardDeployCommand(),
		a.boardCreateCommand(),
		a.boardGrantCommand(),
		a.boardPostCommand(),
		a.boardPhaseCommand(),
		a.boardTailCommand(),
		a.boardVerifyCommand(),
	)
	return board
}

func (a *app) boardKeyCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Create a poster key file and print its account address",
		Long: `Generate a new Ethereum account key for posting to the board and write it to
--out (64 hexadecimal digits, mode 0600). An existing file is never
overwritten. Fund the printed address on the chain, and have the topic's owner
grant it the kinds it posts (veche board grant).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("board key: --out FILE is required")
			}
			key, err := ethboard.CreateKeyFile(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "address %s\nkey file %s\n", ethboard.ChecksumAddress(ethboard.KeyAddress(key)), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write the new key to (must not exist)")
	return cmd
}

func (a *app) boardDeployCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "deploy",
		Short: "Deploy the board contract and print its address",
		Long: `Deploy the BulletinBoard contract and print its address and deployment block.

With --rpc the contract is deployed through that node from the account of
--chain-key, which must hold enough ether for the gas (about 1.5 million).
Without --rpc the embedded chain in the data directory is created (if it does
not exist yet) with its contract, and that contract's address is printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := a.chainOptions()
			addr, block, err := chain.Deploy(cmd.Context(), o)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "contract %s\nblock %d\n", addr, block)
			if o.RPC != "" {
				fmt.Fprintf(w, "use it with --contract %s, or chain.contract in veche.yaml, or VECHE_CHAIN_CONTRACT=%s\n", addr, addr)
			}
			return nil
		},
	}
}

func (a *app) boardCreateCommand() *cobra.Command {
	var service bool
	cmd := &cobra.Command{
		Use:   "create TOPIC",
		Short: "Create a topic owned by the posting account",
		Long: `Create a topic, owned by the account the board posts as. An election topic
starts in phase setup and moves through the phases with veche board phase; a
service topic (--service) stays in phase service.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, err := bulletin.ParseTopic(args[0])
			if err != nil {
				return err
			}
			phase := bulletin.PhaseSetup
			if service {
				phase = bulletin.PhaseService
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				if err := b.CreateTopic(cmd.Context(), topic, phase); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "topic %s created in phase %v, owner %s\n", topic, phase, ethboard.ChecksumAddress(b.Address()))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&service, "service", false, "create a service topic (documents, stalls, polls) instead of an election topic")
	return cmd
}

func (a *app) boardGrantCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grant TOPIC ADDRESS [KIND...]",
		Short: "Set the entry kinds an account may post to a topic (owner only)",
		Long: `Set the kinds ADDRESS may post to TOPIC, replacing what it had; no KIND
revokes everything. Only the topic's owner may do this. Kinds are named as in
docs/spec/bulletin.md: ` + strings.Join(kindNames(), ", ") + `.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, err := bulletin.ParseTopic(args[0])
			if err != nil {
				return err
			}
			poster, err := ethboard.ParseAddress(args[1])
			if err != nil {
				return err
			}
			var kinds []bulletin.Kind
			for _, s := range args[2:] {
				for _, name := range strings.Split(s, ",") {
					k, err := parseKind(name)
					if err != nil {
						return err
					}
					kinds = append(kinds, k)
				}
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				if err := b.SetPoster(cmd.Context(), topic, poster, bulletin.NewKindSet(kinds...)); err != nil {
					return err
				}
				if len(kinds) == 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "%s may no longer post to %s\n", ethboard.ChecksumAddress(poster), topic)
					return nil
				}
				names := make([]string, len(kinds))
				for i, k := range kinds {
					names[i] = k.String()
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s may post %s to %s\n", ethboard.ChecksumAddress(poster), strings.Join(names, ", "), topic)
				return nil
			})
		},
	}
	return cmd
}

func (a *app) boardPostCommand() *cobra.Command {
	var file, text string
	cmd := &cobra.Command{
		Use:   "post TOPIC KIND",
		Short: "Post an entry (a file, a string or standard input) and print its sequence number",
		Long: `Post one entry of KIND to TOPIC, with the payload read from --file, given as
--string, or read from standard input (--file -), and print its sequence number
once it is final. A payload larger than one entry allows (120 KiB) is split
into chunks (docs/spec/bulletin.md, "Chunking") posted together; readers
reassemble and check it.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, err := bulletin.ParseTopic(args[0])
			if err != nil {
				return err
			}
			kind, err := parseKind(args[1])
			if err != nil {
				return err
			}
			var payload []byte
			switch {
			case file != "" && cmd.Flags().Changed("string"):
				return errors.New("board post: give --file or --string, not both")
			case file == "-":
				payload, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), maxPostSize+1))
			case file != "":
				payload, err = readLimited(file, maxPostSize)
			case cmd.Flags().Changed("string"):
				payload = []byte(text)
			default:
				return errors.New("board post: no payload: give --string STRING, --file FILE or --file - (standard input)")
			}
			if err != nil {
				return fmt.Errorf("board post: %w", err)
			}
			if len(payload) > maxPostSize {
				return fmt.Errorf("board post: payload over %d MiB", maxPostSize>>20)
			}
			msgs := []bulletin.Message{{Kind: kind, Payload: payload}}
			if len(payload) > bulletin.MaxPayload {
				if msgs, err = bulletin.Chunk(kind, payload, 0); err != nil {
					return err
				}
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				seqs, err := b.AppendBatch(cmd.Context(), topic, msgs)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if len(seqs) == 1 {
					fmt.Fprintf(w, "posted %v entry %d to %s (%d bytes)\n", kind, seqs[0], topic, len(payload))
				} else {
					fmt.Fprintf(w, "posted %v as %d chunk entries %d..%d to %s (%d bytes)\n", kind, len(seqs), seqs[0], seqs[len(seqs)-1], topic, len(payload))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "read the payload from this file (- for standard input)")
	cmd.Flags().StringVar(&text, "string", "", "the payload, as a string")
	return cmd
}

// maxPostSize bounds what veche board post reads: 64 MiB.
const maxPostSize = 64 << 20

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}

func (a *app) boardPhaseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "phase TOPIC PHASE",
		Short: "Move an election topic to its next phase",
		Long: `Post a phase change to an election topic. Phases go forward one at a time:
setup, key-ceremony, open, closed, tallying, published. The board refuses
anything else, and refuses kinds the new phase does not allow.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, err := bulletin.ParseTopic(args[0])
			if err != nil {
				return err
			}
			phase, err := bulletin.ParsePhase(args[1])
			if err != nil {
				return err
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				seq, err := b.Append(cmd.Context(), topic, bulletin.KindPhase, []byte{byte(phase)})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "topic %s is now in phase %v (entry %d)\n", topic, phase, seq)
				return nil
			})
		},
	}
}

func (a *app) boardTailCommand() *cobra.Command {
	var (
		from    int64
		follow  bool
		asJSON  bool
		payload string
	)
	cmd := &cobra.Command{
		Use:   "tail TOPIC",
		Short: "Print a topic's entries, and with --follow new ones as they arrive",
		Long: `Print the entries of TOPIC, one per line: sequence number, kind, poster,
payload size and chain head, and the payload as --payload says. By default it
prints the last 10 entries; --from N starts at entry N (negative: N from the
end). With --follow it keeps printing entries as they become final, until
interrupted. Every entry printed has been checked against the hash chain.

--json prints one JSON object per entry, with the payload in hex.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, err := bulletin.ParseTopic(args[0])
			if err != nil {
				return err
			}
			switch payload {
			case "none", "hex", "text":
			default:
				return fmt.Errorf("board tail: --payload %q: want none, hex or text", payload)
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				_, count, err := b.Head(ctx, topic)
				if err != nil {
					return err
				}
				start := uint64(0)
				switch {
				case !cmd.Flags().Changed("from"):
					start = count - min(count, 10)
				case from < 0:
					start = count - min(count, uint64(-from))
				default:
					start = uint64(from)
				}
				w := cmd.OutOrStdout()
				print := func(e bulletin.Entry) error {
					if asJSON {
						return printEntryJSON(w, e)
					}
					return printEntry(w, e, payload)
				}
				if !follow {
					es, err := b.Entries(ctx, topic, start, count)
					if err != nil {
						return err
					}
					for _, e := range es {
						if err := print(e); err != nil {
							return err
						}
					}
					return nil
				}
				for e, err := range b.Follow(ctx, topic, start) {
					if err != nil {
						if errors.Is(err, context.Canceled) {
							return nil // interrupted: a normal end of --follow
						}
						return err
					}
					if err := print(e); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.Int64Var(&from, "from", 0, "first entry to print (negative: counted from the end; default the last 10)")
	f.BoolVarP(&follow, "follow", "f", false, "keep printing new entries as they arrive")
	f.BoolVar(&asJSON, "json", false, "print JSON lines, the payload in hex")
	f.StringVar(&payload, "payload", "text", "how to print payloads: none, hex, or text (printable UTF-8 as is, else hex)")
	return cmd
}

func printEntry(w io.Writer, e bulletin.Entry, mode string) error {
	line := fmt.Sprintf("%d\t%v\t%s\t%d bytes\thead %x", e.Seq, e.Kind, ethboard.ChecksumAddress(e.Poster), len(e.Payload), e.Head[:8])
	switch mode {
	case "hex":
		line += "\t" + hex.EncodeToString(e.Payload)
	case "text":
		if utf8.Valid(e.Payload) && printable(string(e.Payload)) {
			line += "\t" + strconv.Quote(string(e.Payload))
		} else {
			line += "\t0x" + hex.EncodeToString(e.Payload[:min(len(e.Payload), 64)])
			if len(e.Payload) > 64 {
				line += "..."
			}
		}
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return len(s) <= 4096
}

type entryJSON struct {
	Topic   string `json:"topic"`
	Seq     uint64 `json:"seq"`
	Kind    string `json:"kind"`
	KindNum uint16 `json:"kind_number"`
	Poster  string `json:"poster"`
	Head    string `json:"head"`
	Payload string `json:"payload"`
}

func printEntryJSON(w io.Writer, e bulletin.Entry) error {
	return json.NewEncoder(w).Encode(entryJSON{
		Topic: e.Topic.String(), Seq: e.Seq, Kind: e.Kind.String(), KindNum: uint16(e.Kind),
		Poster: ethboard.ChecksumAddress(e.Poster), Head: hex.EncodeToString(e.Head[:]), Payload: hex.EncodeToString(e.Payload),
	})
}

func (a *app) boardVerifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify TOPIC",
		Short: "Check a topic's whole hash chain against the contract's stored head and count",
		Long: `Read every entry of TOPIC from the chain's events and check that the sequence
numbers run from 0 without a gap, that each entry's head follows from the one
before (docs/spec/bulletin.md, "The hash chain"), and that the last head and
the count are those the contract stores. Chunked artefacts are reassembled and
checked against their content hashes. Exits non-zero, naming the first bad
entry, if anything is wrong.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, err := bulletin.ParseTopic(args[0])
			if err != nil {
				return err
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				info, err := b.Info(ctx, topic)
				if err != nil {
					return err
				}
				chainCheck := bulletin.NewChain(topic)
				var asm bulletin.Assembler
				artefacts := 0
				const page = 5000
				for from := uint64(0); from < info.Count; from += page {
					es, err := b.Entries(ctx, topic, from, min(from+page, info.Count))
					if err != nil {
						return fmt.Errorf("board verify: %w", err)
					}
					for _, e := range es {
						if err := chainCheck.Add(e); err != nil {
							return fmt.Errorf("board verify: entry %d: %w", e.Seq, err)
						}
						if e.Kind.IsChunk() {
							if _, done, err := asm.Add(e); err != nil {
								return fmt.Errorf("board verify: entry %d: %w", e.Seq, err)
							} else if done {
								artefacts++
							}
						}
					}
				}
				if err := chainCheck.Check(info.Head, info.Count); err != nil {
					return fmt.Errorf("board verify: %w", err)
				}
				incomplete := asm.Close()
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "topic %s\nowner %s\nphase %v\nentries %d\nhead %x\n", topic, ethboard.ChecksumAddress(info.Owner), info.Phase, info.Count, info.Head)
				if artefacts > 0 {
					fmt.Fprintf(w, "chunked artefacts %d, reassembled and checked\n", artefacts)
				}
				if incomplete != nil {
					fmt.Fprintf(w, "note: %v\n", incomplete)
				}
				fmt.Fprintf(w, "OK: the hash chain of %d entries matches the head and count stored by %s\n", info.Count, b.Describe())
				return nil
			})
		},
	}
}

// withBoard opens the configured board, runs f and closes the board.
func (a *app) withBoard(cmd *cobra.Command, f func(chain.Board) error) error {
	b, err := a.openBoard(cmd.Context())
	if err != nil {
		return err
	}
	defer b.Close()
	return f(b)
}

func parseKind(s string) (bulletin.Kind, error) {
	k, err := bulletin.ParseKind(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("unknown entry kind %q (kinds: %s)", s, strings.Join(kindNames(), ", "))
	}
	return k, nil
}

func kindNames() []string {
	var out []string
	for _, k := range bulletin.Kinds() {
		out = append(out, k.String())
	}
	return out
}
