package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/voting"
)

// pollsPartiesFile, in the data directory, holds the default parties of
// new polls (polls.Defaults, YAML); --parties names another file.
const pollsPartiesFile = "polls-parties.yaml"

// openPolls opens the Active Citizen service on the store at dbURL, with
// the identity layer (its secret in DATA/identity.secret), posting as b
// (nil: read-only), with the default parties from partiesFile (default
// DATA/polls-parties.yaml, if it exists). The caller closes them with the
// returned function.
func (a *app) openPolls(ctx context.Context, b chain.Board, dbURL, partiesFile string) (*polls.Service, *identity.Service, func(), error) {
	secret, err := identitySecret(filepath.Join(a.cfg.Data, identitySecretFile))
	if err != nil {
		return nil, nil, nil, err
	}
	defer clear(secret)
	u, err := a.storeURL(dbURL)
	if err != nil {
		return nil, nil, nil, err
	}
	path := partiesFile
	if path == "" {
		path = filepath.Join(a.cfg.Data, pollsPartiesFile)
	}
	defaults, err := polls.ReadDefaults(path)
	if err != nil && (partiesFile != "" || !errors.Is(err, fs.ErrNotExist)) {
		return nil, nil, nil, err
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		return nil, nil, nil, err
	}
	ident, err := identity.New(db, secret, nil)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	cfg := polls.Config{DB: db, Identity: ident, Defaults: defaults, Logger: a.log}
	if b != nil && b.Address() != (bulletin.Address{}) {
		cfg.Board = b
	}
	svc, err := polls.New(cfg)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return svc, ident, func() { db.Close() }, nil
}

func (a *app) pollsCommand() *cobra.Command {
	var dbURL string
	c := &cobra.Command{
		Use:   "polls",
		Short: "Active Citizen: city polls, comments, ratings and their aggregates on the board",
		Long: `City polls run as Veche elections with a light configuration: "polls create"
makes the manifest from a question and its options (one contest, one-of or
approval, counted homomorphically) with the default parties of every poll
(DATA/polls-parties.yaml, or --parties: the commission -- this command's board
account --, ballot box, credential authority, trustees and mixers, as in a
manifest) and publishes it. From there the poll is an election like any other:
veche election ceremony/open/close, veche trustee, veche credentials, veche
serve --box, veche tally, veche verify.

Residents comment on polls and city projects and rate city activities (1-5)
through the API (veche serve: /api/v1/subjects/...), from the app or with
"polls comment", "polls rate" and "polls mine" (--api, --user). Moderators hide comments
with a stated reason; a hidden comment stays listed, as hidden. "polls
anchor" posts the items not yet anchored as one aggregate entry on the
service topic: per subject the count and the sum of the ratings, and a Merkle
root over salted leaves, with the hides not yet recorded (the hidden
comment's leaf, the time, the hash of the reason; docs/spec/polls.md).
"polls verify" reads the aggregates back from the chain, prints the totals,
averages and hidden comments, and, with the database, opens every batch and
checks it, hides included; "polls check" checks one resident's receipt (from
GET /api/v1/me/feedback) against the chain, and for a comment whether, when
and why the chain records it hidden.`,
		Example: `  veche polls create poll.yaml --by clerk@city.example
  veche polls subject activity/spring-cleanup --title "Spring clean-up" --by mod@city.example
  veche polls comments poll/bike-lanes
  veche polls hide 17 --reason "advertising" --by mod@city.example
  veche polls anchor
  veche polls verify --db sqlite:veche-data/veche.db
  veche polls check item.json`,
	}
	c.PersistentFlags().StringVar(&dbURL, "db", "", "the service's store: sqlite:PATH or postgres://... (default sqlite: in the data directory)")
	c.AddCommand(a.pollsCreateCommand(&dbURL), a.pollsListCommand(&dbURL), a.pollsSubjectCommand(&dbURL), a.pollsCommentsCommand(&dbURL),
		a.pollsHideCommand(&dbURL), a.pollsAnchorCommand(&dbURL), a.pollsVerifyCommand(&dbURL), a.pollsCheckCommand(),
		a.pollsCommentCommand(), a.pollsRateCommand(), a.pollsMineCommand())
	return c
}

// readPollSpec reads a poll spec file (YAML or JSON).
func readPollSpec(path string) (*polls.Spec, error) {
	b, err := readLimited(path, 1<<20)
	if err != nil {
		return nil, err
	}
	s, err := polls.ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// actorOf looks up the resident acting (--by).
func actorOf(ctx context.Context, ident *identity.Service, by string) (identity.ResidentID, error) {
	if by == "" {
		return identity.ResidentID{}, errors.New("--by IDENTIFIER is required: the resident on whose authority this is done")
	}
	id, err := ident.Lookup(ctx, by)
	if err != nil {
		return identity.ResidentID{}, fmt.Errorf("--by %q: %w", by, err)
	}
	return id, nil
}

func (a *app) pollsCreateCommand(dbURL *string) *cobra.Command {
	var by, parties string
	cmd := &cobra.Command{
		Use:   "create SPEC --by IDENTIFIER",
		Short: "Create a poll from a question and options, and publish it as an election",
		Long: `Read the poll in SPEC (YAML or JSON: id, question {lang: text}, options [{id,
title}], kind one-of or approval, max (approval), opens, closes), make its
manifest with the default parties (--parties, default DATA/polls-parties.yaml)
and publish it on the board as the commission (this command's board account,
which must be the parties' commission). --by is a resident holding the
commission role. It prints the poll's fingerprint and topic; then run the
election's ceremony, credentials and opening as for any election.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := readPollSpec(args[0])
			if err != nil {
				return err
			}
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				svc, ident, closeSvc, err := a.openPolls(ctx, b, *dbURL, parties)
				if err != nil {
					return err
				}
				defer closeSvc()
				actor, err := actorOf(ctx, ident, by)
				if err != nil {
					return err
				}
				m, err := svc.CreatePoll(ctx, actor, spec)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "poll %s published on %s; residents comment on it as poll/%s\n", m.ID, b.Describe(), m.ID)
				return printManifest(cmd.OutOrStdout(), m)
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "identifier of the resident creating the poll (commission role; required)")
	cmd.Flags().StringVar(&parties, "parties", "", "the default parties of polls (YAML; default DATA/polls-parties.yaml)")
	return cmd
}

func (a *app) pollsListCommand(dbURL *string) *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the subjects residents comment on and rate, with their counts",
		Long: `List the polls, city projects and city activities (--kind poll, project or
activity; default all) with their comments, hidden comments, ratings and
average rating as the database has them, and how many are anchored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, _, closeSvc, err := a.openPolls(ctx, nil, *dbURL, "")
			if err != nil {
				return err
			}
			defer closeSvc()
			prefix := ""
			if kind != "" {
				prefix = kind + "/"
			}
			subs, err := svc.Subjects(ctx, prefix)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "SUBJECT\tTITLE\tCOMMENTS\tHIDDEN\tRATINGS\tAVERAGE\tANCHORED\n")
			for _, s := range subs {
				sum, err := svc.Summarize(ctx, s.Name)
				if err != nil {
					return err
				}
				avg := "-"
				if sum.Ratings > 0 {
					avg = strconv.FormatFloat(float64(sum.Sum)/float64(sum.Ratings), 'f', 2, 64)
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%d\n", s.Name, text(s.Title), sum.Comments, sum.Hidden, sum.Ratings, avg,
					sum.AnchoredComments+sum.AnchoredRatings)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "poll, project or activity (default: all)")
	return cmd
}

func (a *app) pollsSubjectCommand(dbURL *string) *cobra.Command {
	var by, title string
	cmd := &cobra.Command{
		Use:   "subject project/ID|activity/ID --title TEXT --by MODERATOR",
		Short: "List a city project (for comments) or a city activity (for ratings)",
		Long: `List a city project ("project/ID": residents comment on it) or a city activity
("activity/ID": residents rate it 1 to 5), with its title (in English; the
API takes titles in several languages). --by is a resident holding the
moderator role. Polls are listed when they are created.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, ident, closeSvc, err := a.openPolls(ctx, nil, *dbURL, "")
			if err != nil {
				return err
			}
			defer closeSvc()
			actor, err := actorOf(ctx, ident, by)
			if err != nil {
				return err
			}
			if err := svc.AddSubject(ctx, actor, args[0], voting.Text{"en": title}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "listed %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "identifier of the moderator (required)")
	cmd.Flags().StringVar(&title, "title", "", "the title, in English (required)")
	return cmd
}

func (a *app) pollsCommentsCommand(dbURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "comments SUBJECT",
		Short: "Print a poll's or project's comments, hidden ones as hidden",
		Long: `Print the comments on SUBJECT (poll/ID or project/ID), oldest first: id, time,
the batch it is anchored in, and the text -- or, for a hidden comment, the
moderator's reason in its place.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, _, closeSvc, err := a.openPolls(ctx, nil, *dbURL, "")
			if err != nil {
				return err
			}
			defer closeSvc()
			cs, err := svc.Comments(ctx, args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, c := range cs {
				batch := "pending"
				if c.Batch > 0 {
					batch = fmt.Sprintf("batch %d", c.Batch)
				}
				body := c.Text
				if c.Hidden {
					body = "[hidden by a moderator: " + c.HiddenReason + "]"
				}
				fmt.Fprintf(w, "#%d  %s  (%s)\n    %s\n", c.ID, c.Created.Format("2006-01-02 15:04"), batch, strings.ReplaceAll(body, "\n", "\n    "))
			}
			fmt.Fprintf(w, "%d comments\n", len(cs))
			return nil
		},
	}
}

func (a *app) pollsHideCommand(dbURL *string) *cobra.Command {
	var by, reason string
	cmd := &cobra.Command{
		Use:   "hide ID --reason TEXT --by MODERATOR",
		Short: "Hide a comment, with the reason shown in its place",
		Long: `Hide comment ID on the authority of --by, a resident holding the moderator
role. The reason (required) is shown in the comment's place; the comment stays
listed as hidden and stays counted in its aggregate. The next "polls anchor"
records the hide on the chain once the comment is anchored: its leaf, the time
and the hash of the reason, which the author checks with "polls check".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 63)
			if err != nil {
				return fmt.Errorf("comment id %q: not a number", args[0])
			}
			ctx := cmd.Context()
			svc, ident, closeSvc, err := a.openPolls(ctx, nil, *dbURL, "")
			if err != nil {
				return err
			}
			defer closeSvc()
			actor, err := actorOf(ctx, ident, by)
			if err != nil {
				return err
			}
			if err := svc.Hide(ctx, actor, id, reason); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "comment %d hidden\n", id)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "identifier of the moderator (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why it is hidden, shown in its place (required)")
	return cmd
}

func (a *app) pollsAnchorCommand(dbURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "anchor",
		Short: "Post the comments and ratings not yet anchored as one aggregate entry",
		Long: `Post the items not yet anchored as the next batch: one aggregate entry on the
service topic (docs/spec/polls.md) with, per subject, the number of items and
the sum of the ratings, and the Merkle root over their salted leaves, and the
comments hidden since the previous batch (each hide: the comment's leaf, when,
and the hash of the stated reason; never the text or who wrote it). The board
account (--chain-key) is the service's; it creates the service topic on first
use. A batch fixed in the database but not posted (after a crash) is posted
first, once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				svc, _, closeSvc, err := a.openPolls(ctx, b, *dbURL, "")
				if err != nil {
					return err
				}
				defer closeSvc()
				p, err := svc.Anchor(ctx)
				if err != nil {
					return err
				}
				if p == nil {
					fmt.Fprintln(cmd.OutOrStdout(), "nothing to anchor")
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "batch %d: %d items in %d rows, %d hides, root %x, at entry %d of topic %s\n",
					p.Number, p.Leaves, len(p.Rows), len(p.Hides), p.Root, p.Seq, polls.Topic)
				return nil
			})
		},
	}
}

func (a *app) pollsVerifyCommand(dbURL *string) *cobra.Command {
	var poster string
	var open bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Read the aggregates from the chain, print the totals, and check them",
		Long: `Read every aggregate entry of the service topic posted by --poster (default:
this command's board account), check their encodings and numbering and that
no comment is hidden twice or is not a comment, and print each subject's
count, hidden comments and average as the chain has them. With --open it also
opens every batch from the database (--db: an auditor's or the operator's
copy) and checks that its items and the moderators' hides recorded in it give
the aggregate on the chain byte for byte (the same leaves, times and reasons),
and that the database's anchored counts are the chain's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withBoard(cmd, func(b chain.Board) error {
				ctx := cmd.Context()
				who := b.Address()
				if poster != "" {
					var err error
					if who, err = voting.ParseAddress(poster); err != nil {
						return err
					}
				}
				aggs, err := polls.ReadAggregates(ctx, b, who)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "%d aggregate batches by %v on topic %s\n", len(aggs), who, polls.Topic)
				totals := polls.Totals(aggs)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "KIND\tSUBJECT\tCOUNT\tHIDDEN\tAVERAGE\n")
				for _, t := range totals {
					avg, hidden := "-", strconv.FormatUint(t.Hidden, 10)
					if t.Kind == polls.KindRating {
						avg, hidden = strconv.FormatFloat(t.Average(), 'f', 2, 64), "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", t.Kind, t.Subject, t.Count, hidden, avg)
				}
				tw.Flush()
				if !open {
					return nil
				}
				svc, _, closeSvc, err := a.openPolls(ctx, nil, *dbURL, "")
				if err != nil {
					return err
				}
				defer closeSvc()
				for _, ag := range aggs {
					if err := svc.CheckBatch(ctx, &ag.Aggregate); err != nil {
						return fmt.Errorf("batch %d (entry %d): %w", ag.Number, ag.Seq, err)
					}
				}
				for _, t := range totals {
					sum, err := svc.Summarize(ctx, t.Subject)
					if err != nil {
						return err
					}
					got := sum.AnchoredComments
					if t.Kind == polls.KindRating {
						got = sum.AnchoredRatings
						if sum.AnchoredSum != t.Sum {
							return fmt.Errorf("%s: the database's anchored rating sum %d is not the chain's %d", t.Subject, sum.AnchoredSum, t.Sum)
						}
					}
					if got != t.Count {
						return fmt.Errorf("%s: the database has %d anchored %ss, the chain %d", t.Subject, got, t.Kind, t.Count)
					}
				}
				fmt.Fprintf(w, "OK: every batch opens to its aggregate on the chain, hides included; the database's counts are the chain's\n")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&poster, "poster", "", "the service's board address (default: this command's board account)")
	cmd.Flags().BoolVar(&open, "open", false, "also open every batch from the database and check it")
	return cmd
}

// feedbackFile is one item of GET /api/v1/me/feedback.
type feedbackFile struct {
	ID      uint64 `json:"id"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Rating  uint8  `json:"rating"`
	Text    string `json:"text"`
	Salt    string `json:"salt"`
	Batch   uint64 `json:"batch"`
	Proof   string `json:"proof"`
	// Hidden, HiddenAt and HiddenReason: whether, when (RFC 3339) and why
	// a moderator hid the comment, as the service shows it; HideBatch: the
	// batch that records the hide on the chain (0: none yet).
	Hidden       bool   `json:"hidden"`
	HiddenAt     string `json:"hidden_at"`
	HiddenReason string `json:"hidden_reason"`
	HideBatch    uint64 `json:"hide_batch"`
	// Other fields of the API's answer are ignored.
	Leaf    string `json:"leaf"`
	Created string `json:"created"`
}

func (a *app) pollsCheckCommand() *cobra.Command {
	var poster string
	cmd := &cobra.Command{
		Use:   "check ITEM.json",
		Short: "Check your own comment or rating against the chain",
		Long: `Check one item of GET /api/v1/me/feedback (saved as a JSON file) against the
chain: its leaf, recomputed from the item and its salt, is under the Merkle
root of the aggregate entry of its batch, inside the row of its subject, so it
is counted there (and a rating is in the row's sum). For a comment it also
reports what the chain records of its moderation: not hidden, or hidden at
which time, in which batch, and that the recorded reason's hash is the one of
the reason the service shows (the item's hidden_reason); a hide the service
shows but the chain records otherwise (another time, reason or batch) is an
error. The aggregates are read from the board, posted by --poster (default:
this command's board account).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readLimited(args[0], 1<<20)
			if err != nil {
				return err
			}
			var f feedbackFile
			if err := json.Unmarshal(raw, &f); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if f.Batch == 0 {
				return errors.New("the item is not anchored yet (no batch): try again after the next anchoring")
			}
			salt, err := hex.DecodeString(f.Salt)
			if err != nil || len(salt) != polls.SaltSize {
				return fmt.Errorf("salt: want %d hex digits", 2*polls.SaltSize)
			}
			proof, err := hex.DecodeString(f.Proof)
			if err != nil {
				return fmt.Errorf("proof: %w", err)
			}
			kind := polls.KindComment
			if f.Kind == "rating" {
				kind = polls.KindRating
			}
			rc := &polls.Receipt{Item: polls.Item{ID: f.ID, Kind: kind, Subject: f.Subject, Rating: f.Rating, Text: f.Text, Salt: [polls.SaltSize]byte(salt)},
				Batch: f.Batch, Proof: proof}
			return a.withBoard(cmd, func(b chain.Board) error {
				who := b.Address()
				if poster != "" {
					if who, err = voting.ParseAddress(poster); err != nil {
						return err
					}
				}
				aggs, err := polls.ReadAggregates(cmd.Context(), b, who)
				if err != nil {
					return err
				}
				if f.Batch > uint64(len(aggs)) {
					return fmt.Errorf("batch %d is not on the chain (%d batches)", f.Batch, len(aggs))
				}
				ag := aggs[f.Batch-1]
				if err := polls.CheckReceipt(rc, &ag.Aggregate); err != nil {
					return err
				}
				var moderation string
				if kind == polls.KindComment {
					if moderation, err = checkModeration(&f, rc, aggs); err != nil {
						return err
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "OK: your %s on %s is in batch %d (entry %d of topic %s), counted in its row\n%s",
					kind, f.Subject, f.Batch, ag.Seq, polls.Topic, moderation)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&poster, "poster", "", "the service's board address (default: this command's board account)")
	return cmd
}

// checkModeration checks what the chain records of the moderation of the
// comment of f (receipt rc, checked already) and returns it as a line to
// print: its hide, checked against the time, reason and batch the service
// shows in f ([polls.CheckHidden]), or that it records none -- an error if
// the service says it does.
func checkModeration(f *feedbackFile, rc *polls.Receipt, aggs []polls.Posted) (string, error) {
	h, err := polls.CheckHidden(rc, aggs, f.HiddenReason)
	switch {
	case errors.Is(err, polls.ErrNotHidden):
		switch {
		case f.HideBatch > uint64(len(aggs)):
			return "", fmt.Errorf("the service says batch %d records the hide of this comment; the chain has %d batches: check again once it is posted", f.HideBatch, len(aggs))
		case f.HideBatch != 0:
			return "", fmt.Errorf("%w: the service says batch %d records the hide of this comment; the chain records no hide of it", polls.ErrMismatch, f.HideBatch)
		case f.Hidden:
			return fmt.Sprintf("hidden by a moderator at %s for %q, as the service shows; not on the chain yet (the next batch records it)\n", f.HiddenAt, f.HiddenReason), nil
		}
		return "not hidden: the chain records no hide of this comment\n", nil
	case err != nil:
		return "", err
	}
	at := h.At.UTC().Format(time.RFC3339Nano)
	if f.HiddenAt != "" {
		shown, err := time.Parse(time.RFC3339Nano, f.HiddenAt)
		if err != nil {
			return "", fmt.Errorf("hidden_at %q: %w", f.HiddenAt, err)
		}
		if !shown.Equal(h.At) {
			return "", fmt.Errorf("%w: the service shows the comment hidden at %s, the chain records %s", polls.ErrMismatch, f.HiddenAt, at)
		}
	}
	if f.HideBatch != 0 && f.HideBatch != h.In {
		return "", fmt.Errorf("%w: the service says batch %d records the hide, the chain has it in batch %d", polls.ErrMismatch, f.HideBatch, h.In)
	}
	if f.HiddenReason == "" {
		return fmt.Sprintf("hidden by a moderator at %s (recorded in batch %d, entry %d), reason hash %x; the item gives no reason to compare: save it again with polls mine --save\n",
			at, h.In, h.Seq, h.Reason), nil
	}
	return fmt.Sprintf("hidden by a moderator at %s for %q: recorded in batch %d (entry %d), with that reason's hash\n", at, f.HiddenReason, h.In, h.Seq), nil
}
