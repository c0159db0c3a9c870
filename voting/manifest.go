package voting

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
)

// ManifestVersion is the version of the manifest format this package reads
// and writes.
const ManifestVersion = 1

// Limits on a manifest, so that one cannot make verifiers or voters' devices
// do unbounded work. docs/spec/manifest.md lists them.
const (
	MaxContests       = 64
	MaxOptions        = 64   // options per contest
	MaxDistricts      = 1024 // districts and ballot styles each
	MaxTrustees       = 32
	MaxMixers         = 16
	MaxTextLength     = 1000 // bytes of one text in one language
	MaxManifestLength = 100 << 10
)

// A Text is a string in several languages, keyed by a language tag ("en",
// "ru"). At least one language is required where a Text is.
type Text map[string]string

// A Party is a participant the board knows by its posting address.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address"` // 0x and 40 lowercase hex digits (EIP-55 case is accepted on input)
}

// The Trustees of an election: any Threshold of the Members can decrypt; no
// fewer learn anything. Member i (from 0) has the DKG index i+1.
type Trustees struct {
	Threshold int     `json:"threshold"`
	Members   []Party `json:"members"`
}

// A District is an area whose voters get one ballot style.
type District struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
}

// A BallotStyle is the list of contests on the ballot of some districts.
type BallotStyle struct {
	ID        string   `json:"id"`
	Districts []string `json:"districts"`
	Contests  []string `json:"contests"`
}

// A ContestKind says what a voter may select in a contest.
type ContestKind string

// Contest kinds.
const (
	Referendum ContestKind = "referendum" // yes or no (options exactly "yes" and "no")
	OneOf      ContestKind = "one-of"     // exactly one option (or blank if allowed)
	Approval   ContestKind = "approval"   // between min and max options
	Ranked     ContestKind = "ranked"     // a ranking of up to ranks options
)

// A TallyMethod says how a contest's ballots are counted.
type TallyMethod string

// Tally methods.
const (
	Homomorphic TallyMethod = "homomorphic" // encrypted counts added up, only the totals decrypted
	Mixnet      TallyMethod = "mixnet"      // ballots shuffled by the mixers, then each decrypted
)

// An Option is one choice in a contest.
type Option struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
}

// A Contest is one question on the ballot.
type Contest struct {
	ID      string      `json:"id"`
	Title   Text        `json:"title"`
	Kind    ContestKind `json:"kind"`
	Tally   TallyMethod `json:"tally"`
	Options []Option    `json:"options"`
	// Min and Max bound the number of options selected (approval; one-of
	// has min = max = 1, or min 0 with Blank).
	Min int `json:"min"`
	Max int `json:"max"`
	// Blank allows a ballot that selects nothing.
	Blank bool `json:"blank"`
	// Ranks is how many options a ranked ballot may rank (1..options).
	Ranks int `json:"ranks,omitempty"`
	// WriteIn allows a free-text candidate (mixnet contests only), of at
	// most WriteInLength bytes.
	WriteIn       bool `json:"write_in"`
	WriteInLength int  `json:"write_in_length,omitempty"`
}

// RevotePolicy says whether a voter may cast again.
type RevotePolicy string

// Revote policies.
const (
	RevoteLastCounts RevotePolicy = "last-counts" // the last ballot per credential, in board order, counts
	RevoteDenied     RevotePolicy = "denied"      // a second ballot from a credential is refused
)

// A Manifest describes an election: what is asked, who runs it and when.
// Its canonical encoding ([Manifest.Bytes]) is posted to the board by the
// commission, and its hash is the election's [zkp.Fingerprint], bound into
// every proof.
type Manifest struct {
	Version      int           `json:"version"`
	ID           string        `json:"id"`
	Title        Text          `json:"title"`
	Opens        time.Time     `json:"opens"`
	Closes       time.Time     `json:"closes"`
	Revote       RevotePolicy  `json:"revote"`
	Districts    []District    `json:"districts"`
	BallotStyles []BallotStyle `json:"ballot_styles"`
	Contests     []Contest     `json:"contests"`

	// Commission posts the manifest and the phase changes; BallotBox posts
	// ballot batches; CredentialAuthority posts the credential list.
	Commission Party `json:"commission"`
	BallotBox  Party `json:"ballot_box"`
	// BallotBoxKey is the ballot box's receipt-signing key (a
	// crypto/schnorr public key, 64 lowercase hex digits), so that voters
	// check receipts against the board and not against the box's word.
	// Optional; when empty it is left out of the encoding.
	BallotBoxKey        string   `json:"ballot_box_key,omitempty"`
	CredentialAuthority Party    `json:"credential_authority"`
	Trustees            Trustees `json:"trustees"`
	Mixers              []Party  `json:"mixers"`
}

// ErrInvalidManifest is wrapped by every validation failure.
var ErrInvalidManifest = errors.New("voting: invalid manifest")

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	addressPattern = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	langPattern    = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8})*$`)
)

// invalid returns a validation error naming the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidManifest, field, fmt.Sprintf(format, args...))
}

// Validate checks every rule of docs/spec/manifest.md and returns the first
// violation, naming the field (for example "contests[2].max").
func (m *Manifest) Validate() error {
	if m.Version != ManifestVersion {
		return invalid("version", "%d, want %d", m.Version, ManifestVersion)
	}
	if !idPattern.MatchString(m.ID) {
		return invalid("id", "%q: 1-63 characters a-z, 0-9 and -, not starting with -", m.ID)
	}
	if err := checkText("title", m.Title); err != nil {
		return err
	}
	if m.Opens.IsZero() || m.Closes.IsZero() {
		return invalid("opens/closes", "both times are required (RFC 3339, e.g. 2026-09-13T08:00:00+03:00)")
	}
	if !m.Closes.After(m.Opens) {
		return invalid("closes", "%s is not after opens %s", m.Closes.Format(time.RFC3339), m.Opens.Format(time.RFC3339))
	}
	if m.Revote != RevoteLastCounts && m.Revote != RevoteDenied {
		return invalid("revote", "%q: want %q or %q", m.Revote, RevoteLastCounts, RevoteDenied)
	}

	// Contests.
	if len(m.Contests) == 0 || len(m.Contests) > MaxContests {
		return invalid("contests", "%d contests: want 1 to %d", len(m.Contests), MaxContests)
	}
	contests := map[string]bool{}
	for i := range m.Contests {
		c := &m.Contests[i]
		field := fmt.Sprintf("contests[%d]", i)
		if !idPattern.MatchString(c.ID) {
			return invalid(field+".id", "%q: 1-63 characters a-z, 0-9 and -", c.ID)
		}
		if contests[c.ID] {
			return invalid(field+".id", "%q appears twice", c.ID)
		}
		contests[c.ID] = true
		if err := c.validate(field); err != nil {
			return err
		}
	}

	// Districts and ballot styles: every district has exactly one style,
	// every contest is on some style.
	if len(m.Districts) == 0 || len(m.Districts) > MaxDistricts {
		return invalid("districts", "%d districts: want 1 to %d", len(m.Districts), MaxDistricts)
	}
	districts := map[string]string{} // district -> style
	for i, d := range m.Districts {
		field := fmt.Sprintf("districts[%d]", i)
		if !idPattern.MatchString(d.ID) {
			return invalid(field+".id", "%q: 1-63 characters a-z, 0-9 and -", d.ID)
		}
		if _, dup := districts[d.ID]; dup {
			return invalid(field+".id", "%q appears twice", d.ID)
		}
		districts[d.ID] = ""
		if err := checkText(field+".name", d.Name); err != nil {
			return err
		}
	}
	if len(m.BallotStyles) == 0 || len(m.BallotStyles) > MaxDistricts {
		return invalid("ballot_styles", "%d ballot styles: want 1 to %d", len(m.BallotStyles), MaxDistricts)
	}
	styles, used := map[string]bool{}, map[string]bool{}
	for i, s := range m.BallotStyles {
		field := fmt.Sprintf("ballot_styles[%d]", i)
		if !idPattern.MatchString(s.ID) {
			return invalid(field+".id", "%q: 1-63 characters a-z, 0-9 and -", s.ID)
		}
		if styles[s.ID] {
			return invalid(field+".id", "%q appears twice", s.ID)
		}
		styles[s.ID] = true
		if len(s.Districts) == 0 {
			return invalid(field+".districts", "a ballot style serves at least one district")
		}
		for _, d := range s.Districts {
			prev, ok := districts[d]
			switch {
			case !ok:
				return invalid(field+".districts", "unknown district %q", d)
			case prev != "":
				return invalid(field+".districts", "district %q already has ballot style %q", d, prev)
			}
			districts[d] = s.ID
		}
		if len(s.Contests) == 0 {
			return invalid(field+".contests", "a ballot style has at least one contest")
		}
		seen := map[string]bool{}
		for _, c := range s.Contests {
			if !contests[c] {
				return invalid(field+".contests", "unknown contest %q", c)
			}
			if seen[c] {
				return invalid(field+".contests", "contest %q appears twice", c)
			}
			seen[c], used[c] = true, true
		}
	}
	for _, d := range m.Districts {
		if districts[d.ID] == "" {
			return invalid("districts", "district %q has no ballot style", d.ID)
		}
	}
	for _, c := range m.Contests {
		if !used[c.ID] {
			return invalid("contests", "contest %q is on no ballot style", c.ID)
		}
	}

	// Parties. One address may hold several roles of the commission's own
	// (commission, ballot box, credential authority), but trustees and
	// mixers are distinct from each other and from those.
	for _, p := range []struct {
		field string
		party Party
	}{{"commission", m.Commission}, {"ballot_box", m.BallotBox}, {"credential_authority", m.CredentialAuthority}} {
		if err := checkParty(p.field, p.party); err != nil {
			return err
		}
	}
	if m.BallotBoxKey != "" {
		if _, err := m.ReceiptKey(); err != nil {
			return invalid("ballot_box_key", "%v", err)
		}
	}
	t := m.Trustees
	if len(t.Members) == 0 || len(t.Members) > MaxTrustees {
		return invalid("trustees.members", "%d trustees: want 1 to %d", len(t.Members), MaxTrustees)
	}
	if t.Threshold < 1 || t.Threshold > len(t.Members) {
		return invalid("trustees.threshold", "%d: want 1 to the number of trustees (%d)", t.Threshold, len(t.Members))
	}
	distinct := map[string]string{}
	for _, p := range []struct {
		field string
		party Party
	}{{"commission", m.Commission}, {"ballot_box", m.BallotBox}, {"credential_authority", m.CredentialAuthority}} {
		distinct[strings.ToLower(p.party.Address)] = p.field
	}
	for i, p := range t.Members {
		field := fmt.Sprintf("trustees.members[%d]", i)
		if err := checkParty(field, p); err != nil {
			return err
		}
		if prev, dup := distinct[strings.ToLower(p.Address)]; dup {
			return invalid(field+".address", "%s is already %s", p.Address, prev)
		}
		distinct[strings.ToLower(p.Address)] = field
	}
	mixnet := slices.ContainsFunc(m.Contests, func(c Contest) bool { return c.Tally == Mixnet })
	if mixnet && len(m.Mixers) == 0 {
		return invalid("mixers", "a mixnet contest needs at least one mixer (three or more recommended)")
	}
	if len(m.Mixers) > MaxMixers {
		return invalid("mixers", "%d mixers: at most %d", len(m.Mixers), MaxMixers)
	}
	for i, p := range m.Mixers {
		field := fmt.Sprintf("mixers[%d]", i)
		if err := checkParty(field, p); err != nil {
			return err
		}
		if prev, dup := distinct[strings.ToLower(p.Address)]; dup {
			return invalid(field+".address", "%s is already %s", p.Address, prev)
		}
		distinct[strings.ToLower(p.Address)] = field
	}
	return nil
}

func (c *Contest) validate(field string) error {
	if err := checkText(field+".title", c.Title); err != nil {
		return err
	}
	n := len(c.Options)
	if n < 1 || n > MaxOptions {
		return invalid(field+".options", "%d options: want 1 to %d", n, MaxOptions)
	}
	ids := map[string]bool{}
	for j, o := range c.Options {
		of := fmt.Sprintf("%s.options[%d]", field, j)
		if !idPattern.MatchString(o.ID) {
			return invalid(of+".id", "%q: 1-63 characters a-z, 0-9 and -", o.ID)
		}
		if ids[o.ID] {
			return invalid(of+".id", "%q appears twice", o.ID)
		}
		ids[o.ID] = true
		if err := checkText(of+".title", o.Title); err != nil {
			return err
		}
	}
	switch c.Kind {
	case Referendum:
		if n != 2 || c.Options[0].ID != "yes" || c.Options[1].ID != "no" {
			return invalid(field+".options", "a referendum has exactly the options yes and no, in that order")
		}
		if c.Min != wantMin(c.Blank) || c.Max != 1 {
			return invalid(field+".min/max", "a referendum selects one option: min %d, max 1", wantMin(c.Blank))
		}
	case OneOf:
		if n < 2 {
			return invalid(field+".options", "one-of needs at least 2 options")
		}
		if c.Min != wantMin(c.Blank) || c.Max != 1 {
			return invalid(field+".min/max", "one-of selects one option: min %d, max 1", wantMin(c.Blank))
		}
	case Approval:
		if c.Max < 1 || c.Max > n {
			return invalid(field+".max", "%d: want 1 to the number of options (%d)", c.Max, n)
		}
		if c.Min < 0 || c.Min > c.Max {
			return invalid(field+".min", "%d: want 0 to max (%d)", c.Min, c.Max)
		}
		if c.Blank != (c.Min == 0) {
			return invalid(field+".blank", "blank must be true exactly when min is 0")
		}
	case Ranked:
		if n < 2 {
			return invalid(field+".options", "a ranking needs at least 2 options")
		}
		if c.Ranks < 1 || c.Ranks > n {
			return invalid(field+".ranks", "%d: want 1 to the number of options (%d)", c.Ranks, n)
		}
		if c.Min != 0 || c.Max != 0 {
			return invalid(field+".min/max", "not used by a ranked contest: leave them 0 (ranks bounds the ranking)")
		}
	default:
		return invalid(field+".kind", "%q: want referendum, one-of, approval or ranked", c.Kind)
	}
	switch c.Tally {
	case Homomorphic:
		if c.Kind == Ranked || c.WriteIn {
			return invalid(field+".tally", "ranked and write-in contests cannot be added up: use mixnet")
		}
	case Mixnet:
	default:
		return invalid(field+".tally", "%q: want homomorphic or mixnet", c.Tally)
	}
	if c.WriteIn {
		if c.WriteInLength < 1 || c.WriteInLength > 256 {
			return invalid(field+".write_in_length", "%d: want 1 to 256 bytes", c.WriteInLength)
		}
	} else if c.WriteInLength != 0 {
		return invalid(field+".write_in_length", "set without write_in")
	}
	if c.Tally == Mixnet {
		if w := RowWidth(c); w > MaxRowWidth {
			return invalid(field, "a ballot row of %d ciphertexts is wider than the mix net's %d: fewer ranks or a shorter write-in", w, MaxRowWidth)
		}
	}
	return nil
}

func wantMin(blank bool) int {
	if blank {
		return 0
	}
	return 1
}

func checkText(field string, t Text) error {
	if len(t) == 0 {
		return invalid(field, "empty: give it in at least one language, e.g. {en: ...}")
	}
	for lang, s := range t {
		switch {
		case !langPattern.MatchString(lang):
			return invalid(field, "%q is not a lowercase language tag (like en, ru or pt-br)", lang)
		case s == "" || strings.TrimSpace(s) != s:
			return invalid(field+"."+lang, "empty, or with leading or trailing spaces")
		case len(s) > MaxTextLength:
			return invalid(field+"."+lang, "%d bytes: at most %d", len(s), MaxTextLength)
		case !utf8.ValidString(s):
			return invalid(field+"."+lang, "not valid UTF-8")
		}
		for _, r := range s {
			if r < 0x20 && r != '\n' || r == 0x7f {
				return invalid(field+"."+lang, "contains control characters")
			}
		}
	}
	return nil
}

func checkParty(field string, p Party) error {
	if err := checkText(field+".name", Text{"und": p.Name}); err != nil {
		return invalid(field+".name", "a name is required, without leading or trailing spaces or control characters")
	}
	if !addressPattern.MatchString(p.Address) {
		return invalid(field+".address", "%q: want 0x and 40 hexadecimal digits", p.Address)
	}
	return nil
}

// ReceiptKey returns the ballot box's receipt-signing key from
// BallotBoxKey, or nil if the manifest names none. The key must be given as
// 64 lowercase hex digits, the canonical encoding of a crypto/schnorr
// public key.
func (m *Manifest) ReceiptKey() (*schnorr.PublicKey, error) {
	if m.BallotBoxKey == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(m.BallotBoxKey)
	if err != nil || len(b) != schnorr.PublicKeySize || hex.EncodeToString(b) != m.BallotBoxKey {
		return nil, fmt.Errorf("voting: ballot box key: want %d lowercase hex digits", 2*schnorr.PublicKeySize)
	}
	pk, err := schnorr.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("voting: ballot box key: %w", err)
	}
	return pk, nil
}

// canonical returns m with its encoding choices made canonical: times in
// UTC with no monotonic reading, addresses in lowercase.
func (m *Manifest) canonical() *Manifest {
	c := *m
	c.Opens, c.Closes = m.Opens.UTC().Round(0), m.Closes.UTC().Round(0)
	lower := func(p Party) Party { p.Address = strings.ToLower(p.Address); return p }
	c.Commission, c.BallotBox, c.CredentialAuthority = lower(m.Commission), lower(m.BallotBox), lower(m.CredentialAuthority)
	c.Trustees.Members = make([]Party, len(m.Trustees.Members))
	for i, p := range m.Trustees.Members {
		c.Trustees.Members[i] = lower(p)
	}
	c.Mixers = make([]Party, len(m.Mixers))
	for i, p := range m.Mixers {
		c.Mixers[i] = lower(p)
	}
	return &c
}

// Bytes returns the canonical encoding of a valid manifest: compact JSON
// with the fields in the order of docs/spec/manifest.md, object keys of
// texts sorted, times in RFC 3339 UTC, addresses in lowercase. It is what
// the commission posts to the board and what the fingerprint hashes.
func (m *Manifest) Bytes() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m.canonical()); err != nil {
		return nil, fmt.Errorf("voting: encoding the manifest: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) > MaxManifestLength {
		return nil, invalid("manifest", "%d bytes encoded: at most %d", len(b), MaxManifestLength)
	}
	return b, nil
}

// fingerprintDomain prefixes the manifest's bytes in its fingerprint.
const fingerprintDomain = "veche/manifest/v1\x00"

// FingerprintOf returns the fingerprint of a manifest's canonical encoding:
// SHA-256("veche/manifest/v1" || 0x00 || encoding).
func FingerprintOf(encoding []byte) zkp.Fingerprint {
	h := sha256.New()
	h.Write([]byte(fingerprintDomain))
	h.Write(encoding)
	return zkp.Fingerprint(h.Sum(nil))
}

// Fingerprint returns the manifest's fingerprint ([FingerprintOf] its
// [Manifest.Bytes]).
func (m *Manifest) Fingerprint() (zkp.Fingerprint, error) {
	b, err := m.Bytes()
	if err != nil {
		return zkp.Fingerprint{}, err
	}
	return FingerprintOf(b), nil
}

// Topic returns the board topic of the election: the topic named
// "election/" + ID ([bulletin.NamedTopic]).
func (m *Manifest) Topic() bulletin.TopicID { return ElectionTopic(m.ID) }

// ElectionTopic returns the board topic of the election with the given id.
func ElectionTopic(id string) bulletin.TopicID { return bulletin.NamedTopic("election/" + id) }

// ParseManifest decodes a manifest as posted to the board: it must be the
// canonical encoding of a valid manifest, byte for byte (no unknown or
// duplicate fields, no other spacing, key order or time zone), so that one
// election has exactly one encoding and one fingerprint.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifestLength {
		return nil, invalid("manifest", "%d bytes: at most %d", len(b), MaxManifestLength)
	}
	m, err := decodeStrict(b)
	if err != nil {
		return nil, err
	}
	again, err := m.Bytes()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: not in canonical form (re-encode it with veche election create)", ErrInvalidManifest)
	}
	return m, nil
}

// decodeStrict decodes JSON into a manifest, rejecting unknown fields,
// duplicate keys, keys that differ from a field only in case, and trailing
// data.
func decodeStrict(b []byte) (*Manifest, error) {
	if err := checkKeys(b); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	m := new(Manifest)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the manifest", ErrInvalidManifest)
	}
	return m, nil
}

// checkKeys walks a JSON document and rejects duplicate object keys and keys
// with capital letters, which encoding/json would match to a field
// case-insensitively ("ID" to "id"): every key of a manifest, field names
// and language tags alike, is lowercase.
func checkKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var walk func(depth int) error
	walk = func(depth int) error {
		if depth > 32 {
			return fmt.Errorf("%w: nested too deeply", ErrInvalidManifest)
		}
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidManifest, err)
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("%w: %v", ErrInvalidManifest, err)
				}
				k := kt.(string)
				if strings.ToLower(k) != k {
					return fmt.Errorf("%w: key %q: keys are lowercase", ErrInvalidManifest, k)
				}
				if seen[k] {
					return fmt.Errorf("%w: key %q appears twice in one object", ErrInvalidManifest, k)
				}
				seen[k] = true
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	return walk(0)
}

// String summarises the manifest for logs: id, contests and fingerprint.
func (m *Manifest) String() string {
	fp, err := m.Fingerprint()
	if err != nil {
		return fmt.Sprintf("manifest %s (invalid: %v)", m.ID, err)
	}
	return fmt.Sprintf("manifest %s (%d contests, fingerprint %s)", m.ID, len(m.Contests), hex.EncodeToString(fp[:8]))
}
