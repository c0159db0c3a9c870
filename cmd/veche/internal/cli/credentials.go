package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/voting"
)

// maxVotersFile bounds a --voters file: a million lines of long
// identifiers.
const maxVotersFile = 256 << 20

// missingShown is how many identifiers without an encryption key an error
// lists.
const missingShown = 5

func (a *app) credentialsCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "credentials",
		Short: "The credential authority's commands: issue voter credentials",
		Long: `The credential authority makes one signing credential per eligible voter
(docs/spec/ballot.md, sections 2 and 3): it posts the list of public
credentials to the board before the election opens -- their number is the
number of eligible voters, and only they can vote -- and delivers each private
credential to its voter through the identity layer, sealed to the key the voter
registered. Nobody keeps the link between a person and a credential: not the
authority, which forgets it, nor the ballot box, which never sees it.

docs/credentials.md is the operator's guide.`,
	}
	c.AddCommand(a.credentialsIssueCommand())
	return c
}

// issueOptions are the flags of credentials issue.
type issueOptions struct {
	election, voters, role, style, authority, dbURL string
	skipMissing, restart                            bool
}

func (a *app) credentialsIssueCommand() *cobra.Command {
	var o issueOptions
	cmd := &cobra.Command{
		Use:   "issue --election ID --authority IDENTIFIER (--voters FILE | --role ROLE)",
		Short: "Generate, post and deliver the credentials of an election's eligible voters",
		Long: `Issue the credentials of election --election, as the credential authority:

 1. read the manifest from the board; the election must not be open yet (phase
    setup or key-ceremony) and must have no credential list;
 2. take the eligible voters from --voters FILE, one identifier per line as
    "identifier" or "identifier,ballot-style" (blank lines and lines starting
    with # are skipped; the style defaults to --style, or to the manifest's only
    ballot style), or every resident holding --role (such as voter);
 3. look each voter up in the identity store: an unknown identifier, or two
    lines naming one resident (in any spelling), is an error naming the lines;
    so are voters who have registered no encryption key, unless --skip-missing
    leaves them out (they then cannot vote in this election);
 4. generate one credential per voter, seal each private credential to its
    voter's key, bound to the voter and the election, and deliver them all at
    once (all or nothing) from the resident --authority, who must hold the
    credential-authority role;
 5. post the public list to the board (as --chain-key, which must be the
    manifest's credential authority account) and print a summary.

Nothing linking a voter to a credential is written or logged: the private
credentials exist only in memory and in the sealed deliveries, which only
their voters can open. If the command is interrupted after delivering and
before posting, the election has deliveries but no list; run it again with
--restart to withdraw them and issue anew (only if no other issuance for the
election is running).

It needs the board and the identity store (--db, default the SQLite database
in the data directory, which veche serve uses too). On the embedded chain,
veche serve must not be running on the same data directory (it holds the
chain): stop it, or point --rpc at a node.`,
		Example: `  veche credentials issue --election city-2026 --authority ca@city.example --voters roll.txt
  veche credentials issue --election city-2026 --authority ca@city.example --role voter --style city`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.issueCredentials(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.election, "election", "", "the election's id (required)")
	f.StringVar(&o.voters, "voters", "", "file of eligible voters: identifier[,style] per line")
	f.StringVar(&o.role, "role", "", "instead of --voters: every resident holding this role (e.g. voter)")
	f.StringVar(&o.style, "style", "", "ballot style of voters whose line names none (default: the manifest's only style)")
	f.StringVar(&o.authority, "authority", "", "identifier of the resident delivering, who holds the credential-authority role (required)")
	f.BoolVar(&o.skipMissing, "skip-missing", false, "leave out voters who have registered no encryption key instead of refusing")
	f.BoolVar(&o.restart, "restart", false, "withdraw the deliveries of an earlier issuance that did not post its list")
	f.StringVar(&o.dbURL, "db", "", "the identity store: sqlite:PATH or postgres://... (default sqlite: in the data directory)")
	return cmd
}

// A voterLine is an eligible voter as the authority names it.
type voterLine struct {
	line       int    // in the --voters file; 0 for --role
	identifier string // as given
	style      string
}

// parseVoters reads the --voters format: "identifier[,style]" per line,
// split at the last comma; blank lines and # comments skipped.
func parseVoters(b []byte) ([]voterLine, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var out []voterLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v := voterLine{line: n, identifier: line}
		if i := strings.LastIndexByte(line, ','); i >= 0 {
			v.identifier, v.style = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
			if v.style == "" {
				return nil, fmt.Errorf("line %d: an empty ballot style after the comma", n)
			}
		}
		if v.identifier == "" {
			return nil, fmt.Errorf("line %d: no identifier", n)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("after %d voters: %w", len(out), err)
	}
	return out, nil
}

// issueSummary is what an issuance did.
type issueSummary struct {
	voters, skipped, withdrawn int
	byStyle                    map[string]int
}

func (a *app) issueCredentials(ctx context.Context, w io.Writer, o issueOptions) error {
	switch {
	case o.election == "":
		return errors.New("credentials issue: --election is required")
	case o.authority == "":
		return errors.New("credentials issue: --authority is required: the identifier of the resident who delivers (role credential-authority)")
	case (o.voters == "") == (o.role == ""):
		return errors.New("credentials issue: give the eligible voters with exactly one of --voters FILE and --role ROLE")
	}
	var (
		lines []voterLine
		role  identity.Role
	)
	if o.voters != "" {
		b, err := readLimited(o.voters, maxVotersFile)
		if err != nil {
			return fmt.Errorf("credentials issue: %w", err)
		}
		if lines, err = parseVoters(b); err != nil {
			return fmt.Errorf("credentials issue: %s: %w", o.voters, err)
		}
		if len(lines) == 0 {
			return fmt.Errorf("credentials issue: %s names no voter", o.voters)
		}
	} else {
		r, err := identity.ParseRole(o.role)
		if err != nil {
			return fmt.Errorf("credentials issue: --role: %w", err)
		}
		role = r
	}

	ident, closeIdent, err := a.openIdentity(ctx, o.dbURL)
	if err != nil {
		return fmt.Errorf("credentials issue: the identity store: %w", err)
	}
	defer closeIdent()
	authority, err := ident.Lookup(ctx, o.authority)
	if err != nil {
		return fmt.Errorf("credentials issue: --authority: %w", err)
	}
	if roles, err := ident.Roles(ctx, authority); err != nil {
		return fmt.Errorf("credentials issue: --authority: %w", err)
	} else if !roles.Has(identity.RoleCredentialAuthority) {
		return fmt.Errorf("credentials issue: --authority: the resident does not hold the %s role (an administrator grants it)", identity.RoleCredentialAuthority)
	}

	start := time.Now()
	lines, recipients, s, err := resolveVoters(ctx, ident, o, lines, role)
	if err != nil {
		return fmt.Errorf("credentials issue: %w", err)
	}
	b, err := a.openBoard(ctx)
	if err != nil {
		return fmt.Errorf("credentials issue: the board: %w", err)
	}
	defer b.Close()
	if err := issue(ctx, a, ident, b, authority, o, lines, recipients, s); err != nil {
		return fmt.Errorf("credentials issue: %w", err)
	}
	total := 0
	var styles []string
	for st, n := range s.byStyle {
		total += n
		styles = append(styles, fmt.Sprintf("%s: %d", st, n))
	}
	slices.Sort(styles)
	if s.withdrawn > 0 {
		fmt.Fprintf(w, "withdrew %d deliveries of an earlier, unfinished issuance\n", s.withdrawn)
	}
	fmt.Fprintf(w, "election %s: %d eligible voters, %d credentials posted (%s), %d delivered (%v)\n",
		o.election, s.voters, total, strings.Join(styles, ", "), total, time.Since(start).Round(time.Millisecond))
	if s.skipped > 0 {
		fmt.Fprintf(w, "left out %d voters who have registered no encryption key: they cannot vote in this election\n", s.skipped)
	}
	return nil
}

// resolveVoters looks the voters up in the identity store (step 3):
// lines from --voters, or every resident holding role. It refuses unknown
// identifiers, two lines naming one resident and, unless --skip-missing,
// voters without an encryption key.
func resolveVoters(ctx context.Context, ident *identity.Service, o issueOptions, lines []voterLine, role identity.Role) (
	[]voterLine, []identity.Recipient, *issueSummary, error) {
	var recipients []identity.Recipient
	if lines != nil {
		idents := make([]string, len(lines))
		for i, l := range lines {
			if _, err := identity.NormalizeIdentifier(l.identifier); err != nil {
				return nil, nil, nil, fmt.Errorf("%s, line %d: not a valid identifier (%w)", o.voters, l.line, err)
			}
			idents[i] = l.identifier
		}
		var err error
		if recipients, err = ident.Recipients(ctx, idents); err != nil {
			return nil, nil, nil, err
		}
	} else {
		var err error
		if recipients, err = ident.RecipientsWithRole(ctx, role); err != nil {
			return nil, nil, nil, err
		}
		if len(recipients) == 0 {
			return nil, nil, nil, fmt.Errorf("no resident holds the %s role", role)
		}
		lines = make([]voterLine, len(recipients))
		for i, r := range recipients {
			lines[i] = voterLine{identifier: r.Identifier}
		}
	}
	var (
		unknown, missing []string
		seen             = map[identity.ResidentID]int{}
	)
	for i, l := range lines {
		r := recipients[i]
		if r.ID.IsZero() {
			unknown = append(unknown, fmt.Sprint(l.line))
			continue
		}
		if j, dup := seen[r.ID]; dup {
			return nil, nil, nil, fmt.Errorf("%s, line %d names the same resident as line %d", o.voters, l.line, lines[j].line)
		}
		seen[r.ID] = i
		if r.Key == nil {
			missing = append(missing, r.Identifier)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, nil, fmt.Errorf("%s: no resident is registered under the identifier on line %s", o.voters, listFirst(unknown, 10))
	}
	s := &issueSummary{voters: len(lines), byStyle: map[string]int{}}
	if len(missing) > 0 {
		if !o.skipMissing {
			return nil, nil, nil, fmt.Errorf("%d of %d voters have registered no encryption key (%s): they must register one (PUT /api/v1/me/encryption-key) before credentials can be sealed to them; or run with --skip-missing to leave them out of this election",
				len(missing), len(lines), listFirst(missing, missingShown))
		}
		s.skipped = len(missing)
		if s.skipped == len(lines) {
			return nil, nil, nil, fmt.Errorf("none of the %d voters has registered an encryption key: nothing issued", len(lines))
		}
	}
	return lines, recipients, s, nil
}

// issue runs steps 1, 4 and 5 of the issuance on an open board, for the
// voters resolved by resolveVoters.
func issue(ctx context.Context, a *app, ident *identity.Service, b chain.Board, authority identity.ResidentID,
	o issueOptions, lines []voterLine, recipients []identity.Recipient, s *issueSummary) error {
	m, err := voting.ReadManifest(ctx, b, o.election)
	if err != nil {
		return err
	}
	phase, err := voting.Phase(ctx, b, m.ID)
	if err != nil {
		return err
	}
	if phase != bulletin.PhaseSetup && phase != bulletin.PhaseKeyCeremony {
		return fmt.Errorf("election %s is in phase %v: credentials are issued before it opens (setup or key-ceremony)", m.ID, phase)
	}
	if ca, err := voting.ParseAddress(m.CredentialAuthority.Address); err != nil || b.Address() != ca {
		return fmt.Errorf("this board account (%v) is not election %s's credential authority (%s): give its key with --chain-key",
			b.Address(), m.ID, m.CredentialAuthority.Address)
	}
	switch l, err := voting.ReadCredentials(ctx, b, m); {
	case err == nil:
		n, _ := ident.DeliveryCount(ctx, m.ID)
		return fmt.Errorf("election %s already has a credential list (%d credentials; %d deliveries in this identity store): nothing issued", m.ID, l.Len(), n)
	case !errors.Is(err, voting.ErrNoCredentials):
		return err
	}

	// Ballot styles.
	styles := map[string]bool{}
	for _, st := range m.BallotStyles {
		styles[st.ID] = true
	}
	defaultStyle := o.style
	if defaultStyle == "" && len(m.BallotStyles) == 1 {
		defaultStyle = m.BallotStyles[0].ID
	}
	if defaultStyle != "" && !styles[defaultStyle] {
		return fmt.Errorf("--style %q is not a ballot style of election %s", defaultStyle, m.ID)
	}
	for i := range lines {
		l := &lines[i]
		where := fmt.Sprintf("%s, line %d", o.voters, l.line)
		if l.line == 0 {
			where = "resident " + l.identifier
		}
		if l.style == "" {
			if defaultStyle == "" {
				return fmt.Errorf("%s: no ballot style: election %s has several; write identifier,style or give --style", where, m.ID)
			}
			l.style = defaultStyle
		}
		if !styles[l.style] {
			return fmt.Errorf("%s: %q is not a ballot style of election %s", where, l.style, m.ID)
		}
	}

	// An earlier issuance that delivered but did not post its list.
	if n, err := ident.DeliveryCount(ctx, m.ID); err != nil {
		return err
	} else if n > 0 {
		if !o.restart {
			return fmt.Errorf("election %s has %d deliveries but no credential list: an earlier issuance was interrupted (or is still running). "+
				"If none is running, run again with --restart to withdraw them and issue anew", m.ID, n)
		}
		if s.withdrawn, err = ident.WithdrawDeliveries(ctx, authority, m.ID); err != nil {
			return err
		}
	}

	// Generate, seal, deliver, post.
	var (
		order  []int // indexes of the voters who get a credential, by style in manifest order
		counts = map[string]int{}
	)
	for _, st := range m.BallotStyles {
		for i, l := range lines {
			if l.style == st.ID && recipients[i].Key != nil {
				order = append(order, i)
				counts[st.ID]++
			}
		}
	}
	creds, list, err := voting.GenerateCredentials(nil, m, counts)
	if err != nil {
		return err
	}
	a.log.Info("credentials generated", "election", m.ID, "count", len(creds))
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	parcels, err := sealAll(m.ID, fp, creds, order, recipients)
	clear(creds) // drop the private credentials: from here on only the sealed copies exist
	if err != nil {
		return err
	}
	if err := ident.DeliverAll(ctx, authority, m.ID, parcels); err != nil {
		return err
	}
	a.log.Info("credentials delivered", "election", m.ID, "count", len(parcels))
	if err := voting.PostCredentials(ctx, b, m, list); err != nil {
		return fmt.Errorf("%d credentials were delivered, but posting their list failed: %w. "+
			"Check with 'veche election show %s' whether the list reached the board; if not, run again with --restart", len(parcels), err, m.ID)
	}
	a.log.Info("credential list posted", "election", m.ID, "count", list.Len())
	for st := range counts {
		s.byStyle[st] = list.Count(st)
	}
	return nil
}

// sealAll seals creds[k] to the voter recipients[order[k]], on all cores
// (creds are in the order of GenerateCredentials: by style, in manifest
// order, as order is).
func sealAll(election string, fp zkp.Fingerprint, creds []*voting.Credential, order []int, recipients []identity.Recipient) ([]identity.Parcel, error) {
	parcels := make([]identity.Parcel, len(order))
	errs := make([]error, len(order))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for k := range next {
				r := recipients[order[k]]
				var ct *hybrid.Ciphertext
				ct, errs[k] = voting.SealCredential(nil, r.Key, fp, creds[k], identity.DeliveryAD(r.ID, election))
				parcels[k] = identity.Parcel{Recipient: r.ID, Ciphertext: ct}
			}
		})
	}
	for k := range order {
		next <- k
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return parcels, nil
}

// listFirst joins the first n of xs, with "and k more".
func listFirst(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}
