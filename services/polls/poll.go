package polls

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/veche/veche/voting"
	"go.yaml.in/yaml/v3"
)

// ContestID is the id of a poll's one contest in its manifest.
const ContestID = "question"

// District is the id of a poll's one district (and of its ballot style).
const District = "city"

// Defaults are the parties of every poll the service creates: the board
// accounts of the commission (the service's own account, which posts the
// manifest), the ballot box, the credential authority, the trustees and
// the mixers. They are the parties part of a manifest (docs/spec/manifest.md).
type Defaults struct {
	Commission          voting.Party    `json:"commission"`
	BallotBox           voting.Party    `json:"ballot_box"`
	BallotBoxKey        string          `json:"ballot_box_key,omitempty"`
	CredentialAuthority voting.Party    `json:"credential_authority"`
	Trustees            voting.Trustees `json:"trustees"`
	Mixers              []voting.Party  `json:"mixers"`
	// DistrictName names the poll's one district (default {"en": "City"}).
	DistrictName voting.Text `json:"district_name,omitempty"`
}

// ReadDefaults reads [Defaults] from a YAML (or JSON) file; unknown keys
// are errors.
func ReadDefaults(path string) (*Defaults, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	d, err := ParseDefaults(b)
	if err != nil {
		return nil, fmt.Errorf("polls: %s: %w", path, err)
	}
	return d, nil
}

// ParseSpec reads a poll's [Spec] from YAML or JSON (the keys are the
// JSON names: id, question, options, kind, max, opens, closes); unknown
// keys are errors. It does not validate the poll ([NewManifest] does).
func ParseSpec(b []byte) (*Spec, error) {
	var s Spec
	if err := strictYAML(b, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPoll, err)
	}
	return &s, nil
}

// strictYAML decodes YAML (or JSON) into v through JSON, refusing
// unknown keys.
func strictYAML(b []byte, v any) error {
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	j, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ParseDefaults reads [Defaults] from YAML or JSON; unknown keys are
// errors.
func ParseDefaults(b []byte) (*Defaults, error) {
	var d Defaults
	if err := strictYAML(b, &d); err != nil {
		return nil, fmt.Errorf("polls: defaults: %w", err)
	}
	return &d, nil
}

// A Spec is what a poll asks: the question and its options.
type Spec struct {
	// ID is the poll's id, which is its election id: 1-63 characters a-z,
	// 0-9 and -.
	ID       string          `json:"id"`
	Question voting.Text     `json:"question"`
	Options  []voting.Option `json:"options"`
	// Kind is voting.OneOf (exactly one option) or voting.Approval (up to
	// Max options, or none).
	Kind voting.ContestKind `json:"kind"`
	// Max bounds an approval poll's selections (0: all options).
	Max    int       `json:"max,omitempty"`
	Opens  time.Time `json:"opens"`
	Closes time.Time `json:"closes"`
}

// ErrInvalidPoll is wrapped by every error about a poll's [Spec].
var ErrInvalidPoll = errors.New("polls: invalid poll")

// NewManifest returns the manifest of the poll s run by the parties d: one
// contest ([ContestID]) counted homomorphically, one district and ballot
// style ([District]), revote policy last-counts. The manifest is validated
// (voting.Manifest.Validate); errors wrap [ErrInvalidPoll] and name the
// field.
func NewManifest(s *Spec, d *Defaults) (*voting.Manifest, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: the service has no default parties", ErrInvalidPoll)
	}
	c := voting.Contest{ID: ContestID, Title: s.Question, Kind: s.Kind, Tally: voting.Homomorphic, Options: s.Options}
	switch s.Kind {
	case voting.OneOf:
		if s.Max != 0 && s.Max != 1 {
			return nil, fmt.Errorf("%w: max: a one-of poll selects exactly one option", ErrInvalidPoll)
		}
		c.Min, c.Max = 1, 1
	case voting.Approval:
		max := s.Max
		if max == 0 {
			max = len(s.Options)
		}
		if max < 1 || max > len(s.Options) {
			return nil, fmt.Errorf("%w: max: %d, want 1 to the number of options (%d)", ErrInvalidPoll, s.Max, len(s.Options))
		}
		c.Min, c.Max, c.Blank = 0, max, true
	default:
		return nil, fmt.Errorf("%w: kind: %q, want %q or %q", ErrInvalidPoll, s.Kind, voting.OneOf, voting.Approval)
	}
	name := d.DistrictName
	if len(name) == 0 {
		name = voting.Text{"en": "City"}
	}
	m := &voting.Manifest{
		Version:             voting.ManifestVersion,
		ID:                  s.ID,
		Title:               s.Question,
		Opens:               s.Opens,
		Closes:              s.Closes,
		Revote:              voting.RevoteLastCounts,
		Districts:           []voting.District{{ID: District, Name: name}},
		BallotStyles:        []voting.BallotStyle{{ID: District, Districts: []string{District}, Contests: []string{ContestID}}},
		Contests:            []voting.Contest{c},
		Commission:          d.Commission,
		BallotBox:           d.BallotBox,
		BallotBoxKey:        d.BallotBoxKey,
		CredentialAuthority: d.CredentialAuthority,
		Trustees:            d.Trustees,
		Mixers:              d.Mixers,
	}
	if m.Mixers == nil {
		m.Mixers = []voting.Party{}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPoll, err)
	}
	return m, nil
}
