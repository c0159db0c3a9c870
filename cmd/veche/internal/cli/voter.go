package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/keystore"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/chain"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/voting"
	"github.com/veche/veche/voting/client"
)

// Environment variables of veche voter (flags win over them).
const (
	voterAPIEnv        = envPrefix + "_VOTER_API"        // --api
	voterUserEnv       = envPrefix + "_VOTER_USER"       // --user
	voterPassphraseEnv = envPrefix + "_VOTER_PASSPHRASE" // the passphrase itself
	voterPasswordEnv   = envPrefix + "_VOTER_PASSWORD"   // the account password itself
)

// voterOptions are the flags every voter command shares.
type voterOptions struct {
	api, user, passFile, receiptKey string
}

func (a *app) voterCommand() *cobra.Command {
	o := &voterOptions{}
	voter := &cobra.Command{
		Use:   "voter",
		Short: "A voter's commands: account, credential, cast, audit, and checking the board",
		Long: `The voter's side of an election, as the Active Citizen app does it, with the
Go client SDK (voting/client) against a voter API (veche serve):

  1. register (or login on another device): creates the resident account,
     logs in, and registers this device's encryption key, to which the
     credential authority seals your election credential;
  2. credential ELECTION: fetches the delivered credential, opens it with
     your key and checks it is on the election's public list (read from the
     board, not from the server);
  3. show ELECTION: the contests and how to select in each;
  4. cast ELECTION --choice ...: encrypts on this device, casts, checks the
     ballot box's receipt; cast again to revote (the last ballot counts
     where the election allows revoting);
     audit ELECTION --choice ...: instead of casting, opens a ballot to see
     that it encrypts your choices (Benaloh's challenge); it is never counted;
  5. status / check ELECTION CODE: where the ballot is, and whether it is on
     the board where the ballot box says (an inclusion proof checked against
     the chain itself); history ELECTION: every ballot of your credential.

Everything a voter must not take on trust -- the manifest, the election key,
the credential list, the board entries -- is read from the board: from the
node given by --rpc and --contract, or, without them, from the node the
server names at /api/v1/board (veche serve on its embedded chain serves it
read-only at /chain). The second is convenient but checks the server against
itself: use a node you trust for an independent check.

Your state is kept under DATA/voter/IDENTIFIER/ (the identifier normalised):
the encryption key and credentials encrypted under a passphrase (Argon2id and
XChaCha20-Poly1305), read from --passphrase-file, VECHE_VOTER_PASSPHRASE, the
file named by VECHE_PASSPHRASE_FILE, or asked at the terminal; the session's
tokens (mode 0600); your receipts. The account password is read from
--password-file, VECHE_VOTER_PASSWORD, or asked at the terminal.

The ballot box's receipt key is not in the manifest: pass it once with
--receipt-key (veche serve prints it), and it is kept; without it receipts
are checked for what they say, not for who signed them.`,
		Example: `  veche voter register --user ivan@example.org
  veche voter credential city-2026 --user ivan@example.org
  veche voter show city-2026
  veche voter cast city-2026 --user ivan@example.org --choice bike-lanes=yes --choice council=ivanova,petrov --rank mayor=volkova,orlov
  veche voter check city-2026 ABCD-EFGH-...
  veche --rpc https://node.example.org --contract 0x... voter check city-2026 ABCD-EFGH-...`,
	}
	pf := voter.PersistentFlags()
	pf.StringVar(&o.api, "api", "", "the voter API's base URL (env "+voterAPIEnv+"; default http://127.0.0.1:8080)")
	pf.StringVar(&o.user, "user", "", "your resident identifier, such as an e-mail address (env "+voterUserEnv+")")
	pf.StringVar(&o.passFile, "passphrase-file", "", "file whose first line is the passphrase of your local key and credentials (env "+voterPassphraseEnv+" or "+passphraseEnv+")")
	pf.StringVar(&o.receiptKey, "receipt-key", "", "the ballot box's receipt-signing key, hex (veche serve prints it); kept once given")
	voter.AddCommand(
		a.voterRegisterCommand(o),
		a.voterLoginCommand(o),
		a.voterCredentialCommand(o),
		a.voterShowCommand(o),
		a.voterCastCommand(o, false),
		a.voterCastCommand(o, true),
		a.voterStatusCommand(o, false),
		a.voterStatusCommand(o, true),
		a.voterHistoryCommand(o),
	)
	return voter
}

func (o *voterOptions) apiURL() string {
	switch {
	case o.api != "":
		return o.api
	case os.Getenv(voterAPIEnv) != "":
		return os.Getenv(voterAPIEnv)
	}
	return "http://127.0.0.1:8080"
}

func (o *voterOptions) identifier() (string, error) {
	u := o.user
	if u == "" {
		u = os.Getenv(voterUserEnv)
	}
	if u == "" {
		return "", fmt.Errorf("--user IDENTIFIER is required (or set %s)", voterUserEnv)
	}
	return u, nil
}

// voterPassphrase reads the passphrase of the voter's local files: from
// --passphrase-file, VECHE_VOTER_PASSPHRASE, or as veche trustee does
// (VECHE_PASSPHRASE_FILE, then a prompt).
func (o *voterOptions) voterPassphrase(confirm bool) ([]byte, error) {
	if o.passFile == "" {
		if p := os.Getenv(voterPassphraseEnv); p != "" {
			return []byte(p), nil
		}
	}
	p, err := passphrase(o.passFile, confirm)
	if err != nil && o.passFile == "" {
		return nil, fmt.Errorf("%w (or set %s)", err, voterPassphraseEnv)
	}
	return p, err
}

// accountPassword reads the account's password: from file, from
// VECHE_VOTER_PASSWORD, or at the terminal without echo.
func accountPassword(file, identifier string, confirm bool) (string, error) {
	if file != "" {
		b, err := readLimited(file, 64<<10)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return "", fmt.Errorf("the password file %s is empty", file)
		}
		return string(line), nil
	}
	if p := os.Getenv(voterPasswordEnv); p != "" {
		return p, nil
	}
	if !stdinIsTerminal() {
		return "", fmt.Errorf("no password: give --password-file FILE, set %s, or run on a terminal to be asked", voterPasswordEnv)
	}
	p, err := readPassword("Password for " + identifier + ": ")
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if confirm {
		again, err := readPassword("Password again: ")
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if !bytes.Equal(p, again) {
			return "", errors.New("the passwords differ")
		}
	}
	return string(p), nil
}

// A voterState is a voter's files under DATA/voter/NAME/.
type voterState struct {
	dir        string
	identifier string // as given
	o          *voterOptions
	pass       []byte // read once per command
}

// Files of the voter's state.
const (
	voterKeyFile         = "key.sealed"     // the hybrid private key, keystore-sealed
	voterPublicKeyFile   = "key.pub"        // its public key, hex
	voterTokensFile      = "tokens.json"    // the session, 0600
	voterReceiptsFile    = "receipts.jsonl" // one JSON receipt per line
	voterReceiptKeysFile = "receipt-keys.json"
)

// voterDirName makes a directory name of a normalised identifier: bytes
// other than ASCII letters, digits and @ . _ + - are written %XX, and a
// leading dot too, so that no identifier names another directory.
func voterDirName(norm string) string {
	var sb strings.Builder
	for i := 0; i < len(norm); i++ {
		c := norm[i]
		safe := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@._+-", c) >= 0
		if !safe || i == 0 && c == '.' {
			fmt.Fprintf(&sb, "%%%02X", c)
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// voterState opens (creating) the state directory of --user.
func (a *app) voterState(o *voterOptions) (*voterState, error) {
	id, err := o.identifier()
	if err != nil {
		return nil, err
	}
	norm, err := identity.NormalizeIdentifier(id)
	if err != nil {
		return nil, fmt.Errorf("--user: %w", err)
	}
	dir := filepath.Join(a.cfg.Data, "voter", voterDirName(norm))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &voterState{dir: dir, identifier: id, o: o}, nil
}

func (s *voterState) path(name string) string { return filepath.Join(s.dir, name) }

func (s *voterState) passphrase(confirm bool) ([]byte, error) {
	if s.pass != nil {
		return s.pass, nil
	}
	p, err := s.o.voterPassphrase(confirm)
	if err != nil {
		return nil, err
	}
	s.pass = p
	return p, nil
}

func (s *voterState) close() {
	clear(s.pass)
	s.pass = nil
}

// tokens reads the saved session (zero if none).
func (s *voterState) tokens() (client.Tokens, error) {
	var t client.Tokens
	b, err := readLimited(s.path(voterTokensFile), 64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("%s: %w", s.path(voterTokensFile), err)
	}
	return t, nil
}

// saveTokens writes the session (mode 0600), or removes it when logged out.
func (s *voterState) saveTokens(t client.Tokens) error {
	if t.Access == "" {
		err := os.Remove(s.path(voterTokensFile))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return writeSecretFile(s.path(voterTokensFile), b)
}

// publicKey returns the device's public encryption key (nil if none yet).
func (s *voterState) publicKey() (*hybrid.PublicKey, error) {
	b, err := readLimited(s.path(voterPublicKeyFile), 1024)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not hex", s.path(voterPublicKeyFile))
	}
	return hybrid.NewPublicKey(raw)
}

// newKey makes the device's encryption key and saves it, sealed.
func (s *voterState) newKey() (*hybrid.PrivateKey, error) {
	pass, err := s.passphrase(true)
	if err != nil {
		return nil, err
	}
	sk, err := hybrid.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	raw := sk.Bytes()
	defer clear(raw)
	sealed, err := keystore.Seal(nil, pass, raw, keystoreOptions)
	if err != nil {
		return nil, err
	}
	if err := writeSecretFile(s.path(voterKeyFile), sealed); err != nil {
		return nil, err
	}
	if err := writeSecretFile(s.path(voterPublicKeyFile), []byte(hex.EncodeToString(sk.Public().Bytes())+"\n")); err != nil {
		return nil, err
	}
	return sk, nil
}

// key opens the device's encryption key.
func (s *voterState) key() (*hybrid.PrivateKey, error) {
	if _, err := os.Stat(s.path(voterKeyFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no encryption key for %s on this device: run veche voter register or login first", s.identifier)
	}
	pass, err := s.passphrase(false)
	if err != nil {
		return nil, err
	}
	pt, err := openSealed(s.path(voterKeyFile), pass)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return hybrid.NewPrivateKey(pt)
}

func credentialFile(election string) string { return "credential-" + election + ".sealed" }

// credentialJSON is a stored credential's plaintext.
type credentialJSON struct {
	Election string `json:"election"`
	Style    string `json:"style"`
	Key      string `json:"key"` // hex
}

func (s *voterState) saveCredential(election string, c *voting.Credential) error {
	pass, err := s.passphrase(false)
	if err != nil {
		return err
	}
	pt, err := json.Marshal(credentialJSON{Election: election, Style: c.Style, Key: hex.EncodeToString(c.Key.Bytes())})
	if err != nil {
		return err
	}
	defer clear(pt)
	sealed, err := keystore.Seal(nil, pass, pt, keystoreOptions)
	if err != nil {
		return err
	}
	return writeSecretFile(s.path(credentialFile(election)), sealed)
}

func (s *voterState) credential(election string) (*voting.Credential, error) {
	path := s.path(credentialFile(election))
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no credential for election %s on this device: run veche voter credential %s", election, election)
	}
	pass, err := s.passphrase(false)
	if err != nil {
		return nil, err
	}
	pt, err := openSealed(path, pass)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	var cj credentialJSON
	if err := json.Unmarshal(pt, &cj); err != nil || cj.Election != election {
		return nil, fmt.Errorf("%s does not hold a credential for election %s", path, election)
	}
	raw, err := hex.DecodeString(cj.Key)
	if err != nil {
		return nil, fmt.Errorf("%s does not hold a credential", path)
	}
	defer clear(raw)
	k, err := schnorr.NewPrivateKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%s does not hold a credential", path)
	}
	return &voting.Credential{Style: cj.Style, Key: k}, nil
}

// savedReceipt is one line of receipts.jsonl.
type savedReceipt struct {
	Election     string `json:"election"`
	Kind         string `json:"kind"`
	TrackingCode string `json:"tracking_code"`
	Receipt      string `json:"receipt"` // base64 of the signed receipt
	Verified     bool   `json:"verified"`
}

func (s *voterState) saveReceipt(rc *client.Receipt) error {
	b, err := json.Marshal(savedReceipt{Election: rc.Election, Kind: rc.Kind.String(), TrackingCode: rc.TrackingCode.String(),
		Receipt: base64.StdEncoding.EncodeToString(rc.Bytes()), Verified: rc.Verified})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(s.path(voterReceiptsFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// electionOf finds the election of a tracking code among the saved
// receipts.
func (s *voterState) electionOf(code voting.TrackingCode) (string, error) {
	f, err := os.Open(s.path(voterReceiptsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("no receipts saved on this device: give the election as well")
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 64<<20))
	for sc.Scan() {
		var r savedReceipt
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.TrackingCode == code.String() {
			return r.Election, nil
		}
	}
	return "", fmt.Errorf("no saved receipt has tracking code %v: give the election as well", code)
}

// receiptKeys reads the pinned receipt keys, by election.
func (s *voterState) receiptKeys() (map[string]string, error) {
	keys := map[string]string{}
	b, err := readLimited(s.path(voterReceiptKeysFile), 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return keys, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path(voterReceiptKeysFile), err)
	}
	return keys, nil
}

// boardLocation is GET /api/v1/board.
type boardLocation struct {
	RPC        string `json:"rpc"`
	Contract   string `json:"contract"`
	ChainID    uint64 `json:"chain_id"`
	DeployedAt uint64 `json:"deployed_at"`
}

// voterBoard opens the board read-only: the --rpc node, or the one the
// server names at /api/v1/board.
func (a *app) voterBoard(ctx context.Context, o *voterOptions) (chain.Board, error) {
	opts := chain.Options{Confirmations: a.cfg.Chain.Confirmations, PollInterval: a.cfg.Chain.PollInterval}
	if a.cfg.Chain.RPC != "" {
		opts.RPC, opts.Contract = a.cfg.Chain.RPC, a.cfg.Chain.Contract
		return chain.Open(ctx, opts)
	}
	base, err := url.Parse(strings.TrimSuffix(o.apiURL(), "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("--api %q is not a URL", o.apiURL())
	}
	where := base.JoinPath("/api/v1/board")
	if strings.HasSuffix(base.Path, "/api/v1") {
		where = base.JoinPath("board")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where.String(), nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the server where its board is: %w (or give --rpc URL --contract ADDRESS)", err)
	}
	defer resp.Body.Close()
	var loc boardLocation
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the server at %s does not say where its board is (GET %s: %s): give --rpc URL --contract ADDRESS", base.Host, where.Path, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&loc); err != nil || loc.RPC == "" || loc.Contract == "" {
		return nil, fmt.Errorf("the server's GET %s answer is not a board location: give --rpc URL --contract ADDRESS", where.Path)
	}
	rpc, err := where.Parse(loc.RPC) // "/chain" is relative to the server
	if err != nil {
		return nil, fmt.Errorf("the server's board RPC %q is not a URL", loc.RPC)
	}
	a.log.Info("reading the board through the node the server names; for an independent check give --rpc and --contract",
		"rpc", rpc.Redacted(), "contract", loc.Contract)
	opts.RPC, opts.Contract = rpc.String(), loc.Contract
	return chain.Open(ctx, opts)
}

// voterClient makes the SDK client: the board (if withBoard), the saved
// session of st (if not nil), the pinned receipt key of election.
func (a *app) voterClient(ctx context.Context, o *voterOptions, st *voterState, election string, withBoard bool) (*client.Client, func(), error) {
	var (
		board  bulletin.Reader
		closer = func() {}
	)
	if withBoard {
		b, err := a.voterBoard(ctx, o)
		if err != nil {
			return nil, nil, err
		}
		board, closer = b, func() { b.Close() }
	}
	var opts []client.Option
	if st != nil {
		t, err := st.tokens()
		if err != nil {
			closer()
			return nil, nil, err
		}
		opts = append(opts, client.WithTokens(t, func(t client.Tokens) {
			if err := st.saveTokens(t); err != nil {
				a.log.Warn("could not save the session", "err", err)
			}
		}))
	}
	if election != "" {
		pk, err := a.pinReceiptKey(o, st, election)
		if err != nil {
			closer()
			return nil, nil, err
		}
		if pk != nil {
			opts = append(opts, client.ReceiptKey(election, pk))
		}
	}
	c, err := client.New(o.apiURL(), board, opts...)
	if err != nil {
		closer()
		return nil, nil, err
	}
	return c, closer, nil
}

// pinReceiptKey returns the receipt key of election: --receipt-key (then
// kept in st), or the one kept before.
func (a *app) pinReceiptKey(o *voterOptions, st *voterState, election string) (*schnorr.PublicKey, error) {
	var keys map[string]string
	if st != nil {
		var err error
		if keys, err = st.receiptKeys(); err != nil {
			return nil, err
		}
	}
	h := o.receiptKey
	if h == "" {
		h = keys[election]
	}
	if h == "" {
		return nil, nil
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(h), "0x"))
	if err != nil {
		return nil, fmt.Errorf("--receipt-key: not hex")
	}
	pk, err := schnorr.NewPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("--receipt-key: %w", err)
	}
	if st != nil && o.receiptKey != "" && keys[election] != hex.EncodeToString(raw) {
		keys[election] = hex.EncodeToString(raw)
		b, _ := json.MarshalIndent(keys, "", "  ")
		if err := writeSecretFile(st.path(voterReceiptKeysFile), b); err != nil {
			return nil, err
		}
	}
	return pk, nil
}

func (a *app) voterRegisterCommand(o *voterOptions) *cobra.Command {
	var passwordFile string
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Create your resident account, log in, and register this device's encryption key",
		Long: `Create a resident account on the voter API with --user IDENTIFIER and a
password (from --password-file, VECHE_VOTER_PASSWORD, or asked twice at the
terminal), log in, and register this device's encryption key: a crypto/hybrid
key pair made here, whose private half is kept under DATA/voter/IDENTIFIER/,
encrypted under your passphrase. The credential authority seals your election
credentials to the public half; only this device can open them.

A server that registers residents itself (a city's own identity provider)
refuses with "registration-closed": then use login with the account it gave
you.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, pw, c, done, err := a.voterAccount(ctx, o, passwordFile, true)
			if err != nil {
				return err
			}
			defer done()
			resident, err := c.Register(ctx, st.identifier, pw)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "registered %s (resident %s)\n", st.identifier, resident)
			return a.voterLogin(ctx, w, c, st, pw)
		},
	}
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "file whose first line is the account password (env "+voterPasswordEnv+")")
	return cmd
}

// voterAccount opens the voter's state, reads the account password
// (asking twice when confirm) and makes a client, for register and login.
// done closes both.
func (a *app) voterAccount(ctx context.Context, o *voterOptions, passwordFile string, confirm bool) (*voterState, string, *client.Client, func(), error) {
	st, err := a.voterState(o)
	if err != nil {
		return nil, "", nil, nil, err
	}
	pw, err := accountPassword(passwordFile, st.identifier, confirm)
	if err != nil {
		st.close()
		return nil, "", nil, nil, err
	}
	c, done, err := a.voterClient(ctx, o, st, "", false)
	if err != nil {
		st.close()
		return nil, "", nil, nil, err
	}
	return st, pw, c, func() { done(); st.close() }, nil
}

func (a *app) voterLoginCommand(o *voterOptions) *cobra.Command {
	var passwordFile string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in and make sure this device's encryption key is the one registered",
		Long: `Log in to the voter API as --user with the account password (from
--password-file, VECHE_VOTER_PASSWORD, or the terminal) and keep the session
under DATA/voter/IDENTIFIER/tokens.json (mode 0600; it is renewed as needed).

If this device has no encryption key yet, one is made and registered; if the
server has another key for you (another device), this device's key replaces
it: credentials delivered from then on open here.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, pw, c, done, err := a.voterAccount(ctx, o, passwordFile, false)
			if err != nil {
				return err
			}
			defer done()
			return a.voterLogin(ctx, cmd.OutOrStdout(), c, st, pw)
		},
	}
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "file whose first line is the account password (env "+voterPasswordEnv+")")
	return cmd
}

// voterLogin logs in and registers the device's key (making it if needed).
func (a *app) voterLogin(ctx context.Context, w io.Writer, c *client.Client, st *voterState, pw string) error {
	if err := c.Login(ctx, st.identifier, pw); err != nil {
		return err
	}
	fmt.Fprintf(w, "logged in as %s\n", st.identifier)
	me, err := c.Me(ctx)
	if err != nil {
		return err
	}
	pk, err := st.publicKey()
	if err != nil {
		return err
	}
	if pk == nil {
		sk, err := st.newKey()
		if err != nil {
			return err
		}
		pk = sk.Public()
		fmt.Fprintf(w, "made this device's encryption key (kept in %s, encrypted under your passphrase)\n", st.path(voterKeyFile))
	}
	if me.EncryptionKey == hex.EncodeToString(pk.Bytes()) {
		fmt.Fprintln(w, "this device's encryption key is the one registered")
		return nil
	}
	if err := c.SetEncryptionKey(ctx, pk); err != nil {
		return err
	}
	if me.EncryptionKey != "" {
		fmt.Fprintln(w, "registered this device's encryption key, replacing the one from another device")
	} else {
		fmt.Fprintln(w, "registered this device's encryption key: credentials delivered to you will open only here")
	}
	return nil
}

func (a *app) voterCredentialCommand(o *voterOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "credential ELECTION",
		Short: "Fetch your credential for an election, check it, and keep it",
		Long: `Fetch the credential the credential authority delivered to you for
ELECTION, open it with this device's encryption key, and check it: sealed to
you for this election (the associated data binds your resident id and the
election), for this election's manifest as the board has it, and on the
election's public credential list read from the board, with its ballot
style. It is then kept under DATA/voter/IDENTIFIER/, encrypted under your
passphrase. Nobody else -- not the server, not the ballot box -- learns which
credential is yours.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			election := args[0]
			st, err := a.voterState(o)
			if err != nil {
				return err
			}
			defer st.close()
			c, done, err := a.voterClient(ctx, o, st, election, true)
			if err != nil {
				return err
			}
			defer done()
			key, err := st.key()
			if err != nil {
				return err
			}
			cred, err := c.FetchCredential(ctx, election, key)
			if err != nil {
				return err
			}
			if err := st.saveCredential(election, cred); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "credential for election %s (ballot style %s) opened, found on the board's list, and kept in %s\n",
				election, cred.Style, st.path(credentialFile(election)))
			return nil
		},
	}
}

func (a *app) voterShowCommand(o *voterOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show ELECTION",
		Short: "Show an election's contests and how to select in each",
		Long: `Read the election's manifest from the board (and check that the API serves
the same), then print, for each ballot style, its contests: the kind, how
many options to choose, the options' ids (what --choice and --rank take) and
whether a write-in is allowed, with an example of the flags.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, done, err := a.voterClient(ctx, o, nil, "", true)
			if err != nil {
				return err
			}
			defer done()
			m, err := c.Manifest(ctx, args[0])
			if err != nil {
				return err
			}
			phase, err := voting.Phase(ctx, c.Board(), m.ID)
			if err != nil {
				return err
			}
			return printContests(cmd.OutOrStdout(), m, phase)
		},
	}
}

// printContests prints how to vote in election m.
func printContests(w io.Writer, m *voting.Manifest, phase bulletin.Phase) error {
	fmt.Fprintf(w, "%s: %s\n", m.ID, text(m.Title))
	fmt.Fprintf(w, "phase %v; voting %s to %s; revoting: %s\n", phase,
		m.Opens.Format("2006-01-02 15:04 MST"), m.Closes.Format("2006-01-02 15:04 MST"), m.Revote)
	for _, st := range m.BallotStyles {
		fmt.Fprintf(w, "\nballot style %s (districts %s)\n", st.ID, strings.Join(st.Districts, ", "))
		for _, c := range m.Contests {
			if !slices.Contains(st.Contests, c.ID) {
				continue
			}
			fmt.Fprintf(w, "\n  %s: %s\n", c.ID, text(c.Title))
			var how, example string
			var ids []string
			for _, opt := range c.Options {
				ids = append(ids, opt.ID)
			}
			switch c.Kind {
			case voting.Referendum, voting.OneOf:
				how = "choose one option"
				example = fmt.Sprintf("--choice %s=%s", c.ID, ids[0])
			case voting.Approval:
				how = fmt.Sprintf("choose %d to %d options", c.Min, c.Max)
				example = fmt.Sprintf("--choice %s=%s", c.ID, strings.Join(ids[:max(min(c.Max, 2), 1)], ","))
			case voting.Ranked:
				how = fmt.Sprintf("rank up to %d options, most preferred first", c.Ranks)
				example = fmt.Sprintf("--rank %s=%s", c.ID, strings.Join(ids[:min(c.Ranks, len(ids))], ","))
			}
			if c.Blank {
				how += "; a blank vote is allowed (leave the contest out)"
			}
			if c.WriteIn {
				how += fmt.Sprintf("; a write-in candidate of up to %d bytes (--write-in %s=NAME; put %s in the list to place it, else it goes last)",
					c.WriteInLength, c.ID, voting.WriteInChoice)
			}
			fmt.Fprintf(w, "    %s (%s, counted %s)\n", how, c.Kind, c.Tally)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			for _, opt := range c.Options {
				fmt.Fprintf(tw, "      %s\t%s\n", opt.ID, text(opt.Title))
			}
			tw.Flush()
			fmt.Fprintf(w, "    e.g. %s\n", example)
		}
	}
	return nil
}

// selectionFlags are cast's and audit's flags.
type selectionFlags struct {
	choices, ranks, writeIns []string
}

func (f *selectionFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.choices, "choice", nil, "CONTEST=OPTION[,OPTION...]: the options chosen in a referendum, one-of or approval contest (repeatable)")
	cmd.Flags().StringArrayVar(&f.ranks, "rank", nil, "CONTEST=OPTION[,OPTION...]: a ranked contest's options, most preferred first (repeatable)")
	cmd.Flags().StringArrayVar(&f.writeIns, "write-in", nil, "CONTEST=NAME: a write-in candidate (repeatable)")
}

// selections turns the flags into voting.Selections for ballot style
// style of m; a contest not given is a blank vote.
func (f *selectionFlags) selections(m *voting.Manifest, style string) (voting.Selections, error) {
	var contests []string
	for _, s := range m.BallotStyles {
		if s.ID == style {
			contests = s.Contests
		}
	}
	contest := func(flag, id string) (*voting.Contest, error) {
		for i := range m.Contests {
			if m.Contests[i].ID == id && slices.Contains(contests, id) {
				return &m.Contests[i], nil
			}
		}
		return nil, fmt.Errorf("--%s: no contest %q on ballot style %s (contests: %s)", flag, id, style, strings.Join(contests, ", "))
	}
	split := func(flag, v string) (string, string, error) {
		id, rest, ok := strings.Cut(v, "=")
		if !ok || id == "" {
			return "", "", fmt.Errorf("--%s %q: want CONTEST=VALUE", flag, v)
		}
		return id, rest, nil
	}
	sel := voting.Selections{}
	seen := map[string]bool{}
	for _, group := range []struct {
		flag   string
		values []string
	}{{"choice", f.choices}, {"rank", f.ranks}} {
		for _, v := range group.values {
			id, list, err := split(group.flag, v)
			if err != nil {
				return nil, err
			}
			c, err := contest(group.flag, id)
			if err != nil {
				return nil, err
			}
			if ranked := c.Kind == voting.Ranked; ranked != (group.flag == "rank") {
				if ranked {
					return nil, fmt.Errorf("--choice %s: contest %s is ranked: use --rank %s=FIRST,SECOND (most preferred first)", id, id, id)
				}
				return nil, fmt.Errorf("--rank %s: contest %s is not ranked: use --choice", id, id)
			}
			if seen[id] {
				return nil, fmt.Errorf("contest %s is given twice", id)
			}
			seen[id] = true
			var opts []string
			if list != "" {
				opts = strings.Split(list, ",")
			}
			sel[id] = voting.Selection{Options: opts}
		}
	}
	for _, v := range f.writeIns {
		id, name, err := split("write-in", v)
		if err != nil {
			return nil, err
		}
		c, err := contest("write-in", id)
		if err != nil {
			return nil, err
		}
		if !c.WriteIn {
			return nil, fmt.Errorf("--write-in %s: contest %s takes no write-in", id, id)
		}
		s := sel[id]
		if s.WriteIn != "" {
			return nil, fmt.Errorf("--write-in %s is given twice", id)
		}
		s.WriteIn = name
		if !slices.Contains(s.Options, voting.WriteInChoice) {
			s.Options = append(s.Options, voting.WriteInChoice)
		}
		sel[id] = s
	}
	return sel, nil
}

func (a *app) voterCastCommand(o *voterOptions, audit bool) *cobra.Command {
	var f selectionFlags
	cmd := &cobra.Command{
		Use:   "cast ELECTION",
		Short: "Encrypt your choices on this device, cast the ballot and check the receipt",
		Long: `Make a ballot for ELECTION with your credential (veche voter credential): the
choices are encrypted on this device to the election key read from the
board, with their proofs, and signed with the credential. Then cast it and
check the ballot box's receipt: for this election, this ballot (its tracking
code), and, if the box's key is known (--receipt-key), signed by it. The
receipt is kept under DATA/voter/IDENTIFIER/receipts.jsonl.

Casting again is a revote: where the election allows it, the last ballot of
your credential on the board counts.

Choices: --choice CONTEST=OPTION[,OPTION...] for referendum, one-of and
approval contests, --rank CONTEST=FIRST,SECOND,... for ranked ones,
--write-in CONTEST=NAME for a write-in candidate; a contest left out is a
blank vote where allowed. veche voter show ELECTION lists the contests.`,
		Example: `  veche voter cast city-2026 --user ivan@example.org --choice bike-lanes=yes --choice council=ivanova --rank mayor=volkova,orlov --write-in mayor="Ada Lovelace"`,
		Args:    cobra.ExactArgs(1),
	}
	if audit {
		cmd.Use = "audit ELECTION"
		cmd.Short = "Make a ballot and open it instead of casting it, to check it encrypts your choices"
		cmd.Long = `Benaloh's challenge: make a ballot for ELECTION exactly as cast would (same
flags), then, instead of casting it, reveal its randomness. This device checks
that the ballot encrypts exactly your choices, and the ballot box posts the
audit record to the board as a spoiled ballot, where anyone can check it
again (veche voter check ELECTION CODE does). An audited ballot is never
counted and can never be cast: run cast to vote. Since the device cannot
know whether you will cast or audit, a device that cheated would be caught.`
		cmd.Example = `  veche voter audit city-2026 --user ivan@example.org --choice bike-lanes=no`
	}
	f.add(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		election := args[0]
		st, err := a.voterState(o)
		if err != nil {
			return err
		}
		defer st.close()
		cred, err := st.credential(election)
		if err != nil {
			return err
		}
		c, done, err := a.voterClient(ctx, o, st, election, true)
		if err != nil {
			return err
		}
		defer done()
		e, err := c.Election(ctx, election)
		if err != nil {
			return err
		}
		sel, err := f.selections(e.Manifest, cred.Style)
		if err != nil {
			return err
		}
		b, err := c.Encrypt(ctx, election, cred, sel)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if audit {
			res, err := c.Audit(ctx, b)
			if err != nil {
				return err
			}
			if err := st.saveReceipt(res.Receipt); err != nil {
				return err
			}
			fmt.Fprintf(w, "ballot audited (not cast) for election %s\ntracking code  %v\n", election, b.TrackingCode())
			printReceipt(w, res.Receipt)
			fmt.Fprintln(w, "it encrypts:")
			printSelections(w, e.Manifest, cred.Style, res.Selections)
			fmt.Fprintln(w, "check: OK, the ballot encrypts exactly these choices (checked on this device with the revealed randomness)")
			fmt.Fprintf(w, "the audit record goes to the board as a spoiled ballot; see it there with: veche voter check %s %v\n", election, b.TrackingCode())
			return nil
		}
		rc, err := c.Cast(ctx, b)
		if err != nil {
			return err
		}
		if err := st.saveReceipt(rc); err != nil {
			return err
		}
		fmt.Fprintf(w, "ballot cast in election %s\ntracking code  %v\n", election, rc.TrackingCode)
		printReceipt(w, rc)
		fmt.Fprintf(w, "once the box has posted it, check it on the board: veche voter check %s %v\n", election, rc.TrackingCode)
		return nil
	}
	return cmd
}

func printReceipt(w io.Writer, rc *client.Receipt) {
	sig := "signature verified under the ballot box's key"
	if !rc.Verified {
		sig = "signature NOT checked: the ballot box's key is unknown (give --receipt-key once)"
	}
	fmt.Fprintf(w, "receipt        %v no. %d, received %s; %s\n", rc.Kind, rc.Seq, rc.Received.Format(time.RFC3339), sig)
}

// printSelections prints revealed selections contest by contest.
func printSelections(w io.Writer, m *voting.Manifest, style string, sel voting.Selections) {
	for _, s := range m.BallotStyles {
		if s.ID != style {
			continue
		}
		for _, id := range s.Contests {
			x, ok := sel[id]
			choice := "blank"
			if ok && len(x.Options) > 0 {
				opts := slices.Clone(x.Options)
				for i, o := range opts {
					if o == voting.WriteInChoice {
						opts[i] = fmt.Sprintf("write-in %q", x.WriteIn)
					}
				}
				choice = strings.Join(opts, ", ")
			}
			fmt.Fprintf(w, "  %s: %s\n", id, choice)
		}
	}
}

func (a *app) voterStatusCommand(o *voterOptions, check bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [ELECTION] CODE",
		Short: "Ask the ballot box where a ballot is",
		Long: `Ask the ballot box for the ballot with tracking code CODE: its receipt
(checked), whether it is posted to the board, in which entry, block and
transaction, or refused (the election closed before it was posted: then it
was not cast). The election may be left out when the receipt is kept on this
device (--user).`,
		Args: cobra.RangeArgs(1, 2),
	}
	if check {
		cmd.Use = "check [ELECTION] CODE"
		cmd.Short = "Check on the board itself that a ballot is where the ballot box says"
		cmd.Long = `Check that the ballot with tracking code CODE is on the board: ask the ballot
box where, then read that entry from the board (the --rpc node, or the node
the server names) and check that it is a ballot batch posted by the
election's ballot box, that it holds the ballot, and that the inclusion
proof leads from the tracking code to the batch's Merkle root; where the
board can say which block and transaction posted the entry, that they are
the ones the box reported. For an audited ballot, that the audit record on
the board opens this ballot. Exit status 1 if anything does not hold, or
the ballot is not posted yet.`
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		var st *voterState
		if o.user != "" || os.Getenv(voterUserEnv) != "" {
			var err error
			if st, err = a.voterState(o); err != nil {
				return err
			}
			defer st.close()
		}
		code, err := voting.ParseTrackingCode(args[len(args)-1])
		if err != nil {
			return err
		}
		election := ""
		if len(args) == 2 {
			election = args[0]
		} else if st == nil {
			return errors.New("give the election, or --user to find it among the receipts kept on this device")
		} else if election, err = st.electionOf(code); err != nil {
			return err
		}
		c, done, err := a.voterClient(ctx, o, st, election, check)
		if err != nil {
			return err
		}
		defer done()
		w := cmd.OutOrStdout()
		if !check {
			s, err := c.Status(ctx, election, code)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "ballot %v in election %s\n", code, election)
			printReceipt(w, s.Receipt)
			switch {
			case s.Refused:
				fmt.Fprintln(w, "REFUSED by the board: the election closed before the box posted it; it was not cast")
			case !s.Posted:
				fmt.Fprintln(w, "stored by the ballot box, not yet posted to the board")
			default:
				fmt.Fprintf(w, "posted in entry %d of the election's topic", s.Seq)
				if s.Located {
					fmt.Fprintf(w, ", block %d, transaction 0x%x", s.Block, s.Transaction)
				}
				fmt.Fprintln(w)
			}
			return nil
		}
		inc, err := c.CheckInclusion(ctx, election, code)
		if errors.Is(err, client.ErrNotPosted) {
			return fmt.Errorf("ballot %v is not on the board yet (the box posts every few hundred milliseconds): try again", code)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "OK: ballot %v is on the board\n", code)
		switch inc.Kind {
		case voting.ReceiptCast:
			fmt.Fprintf(w, "entry %d of election %s's topic, a ballot batch posted by the ballot box: ballot %d of %d, Merkle root %x; the inclusion proof verifies\n",
				inc.Seq, election, inc.Index+1, inc.Size, inc.Root)
		case voting.ReceiptAudited:
			fmt.Fprintf(w, "entry %d of election %s's topic, an audited (spoiled) ballot posted by the ballot box; the record opens this ballot to:\n", inc.Seq, election)
			m, err := c.Manifest(ctx, election)
			if err != nil {
				return err
			}
			printSelections(w, m, inc.Audit.Ballot.Style(), inc.Audit.Selections)
		}
		switch {
		case inc.LocationChecked:
			fmt.Fprintf(w, "block %d, transaction 0x%x (located on the chain by the board reader)\n", inc.Block, inc.Transaction)
		case inc.Block != 0:
			fmt.Fprintf(w, "block %d, transaction 0x%x (as the ballot box reports; this board reader cannot locate entries)\n", inc.Block, inc.Transaction)
		}
		return nil
	}
	return cmd
}

func (a *app) voterHistoryCommand(o *voterOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "history ELECTION",
		Short: "List every ballot your credential cast or audited, and which one counts",
		Long: `Ask the ballot box for the history of your credential in ELECTION: every
ballot cast or audited with it, whether posted (and in which board entry) or
refused, and which one counts now under the election's revote rule. The
request is signed with the credential (docs/spec/ballotbox.md, "History
requests"), so nobody else can ask for it; the box never learns who you are.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			election := args[0]
			st, err := a.voterState(o)
			if err != nil {
				return err
			}
			defer st.close()
			cred, err := st.credential(election)
			if err != nil {
				return err
			}
			c, done, err := a.voterClient(ctx, o, st, election, true)
			if err != nil {
				return err
			}
			defer done()
			items, err := c.History(ctx, election, cred)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(items) == 0 {
				fmt.Fprintf(w, "no ballots of your credential in election %s\n", election)
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tTRACKING CODE\tRECEIVED\tON THE BOARD\tCOUNTS")
			for _, it := range items {
				where := "not yet"
				switch {
				case it.Refused:
					where = "refused"
				case it.Posted && it.BoardSeq != nil:
					where = fmt.Sprintf("entry %d", *it.BoardSeq)
				case it.Posted:
					where = "posted"
				}
				counts := ""
				if it.Current {
					counts = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.Kind, it.TrackingCode, it.Received.Format(time.RFC3339), where, counts)
			}
			return tw.Flush()
		},
	}
}
