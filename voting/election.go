package voting

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/veche/veche/bulletin"
)

// A Board is what the parties of an election need of the bulletin board: to
// post, read, follow and (the commission) administer topics, as one account.
// The Ethereum board (services/chain) and the in-memory board's clients
// (bulletin/memboard) are Boards.
type Board interface {
	bulletin.Appender
	bulletin.Reader
	bulletin.Follower
	bulletin.Admin
	// Address is the account the board posts as.
	Address() bulletin.Address
}

// Roles: the kinds each party of an election may post to its topic
// (docs/spec/election.md).
var (
	CommissionKinds = bulletin.NewKindSet(bulletin.KindManifest, bulletin.KindPhase, bulletin.KindDKGResult,
		bulletin.KindTallyInput, bulletin.KindResult)
	BallotBoxKinds           = bulletin.NewKindSet(bulletin.KindBallotBatch, bulletin.KindAuditedBallot)
	CredentialAuthorityKinds = bulletin.NewKindSet(bulletin.KindCredentials)
	TrusteeKinds             = bulletin.NewKindSet(bulletin.KindTrusteeJoined, bulletin.KindDKGCommitments,
		bulletin.KindDKGShares, bulletin.KindDKGComplaint, bulletin.KindDecryptionShare)
	MixerKinds = bulletin.NewKindSet(bulletin.KindShuffle)
)

// ParseAddress reads a party's address: 0x and 40 hexadecimal digits.
func ParseAddress(s string) (bulletin.Address, error) {
	if !addressPattern.MatchString(s) {
		return bulletin.Address{}, fmt.Errorf("voting: %q is not an address (0x and 40 hexadecimal digits)", s)
	}
	var a bulletin.Address
	hex.Decode(a[:], []byte(s[2:]))
	return a, nil
}

func mustAddress(s string) bulletin.Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic("voting: a validated manifest has a bad address: " + err.Error())
	}
	return a
}

// Rights returns the kinds each address of a valid manifest may post to
// its topic: the union of its roles' kinds.
func (m *Manifest) Rights() map[bulletin.Address]bulletin.KindSet {
	out := map[bulletin.Address]bulletin.KindSet{}
	grant := func(addr string, kinds bulletin.KindSet) {
		a := mustAddress(addr)
		s := out[a]
		for _, k := range bulletin.Kinds() {
			if kinds.Has(k) {
				s = s.With(k)
			}
		}
		out[a] = s
	}
	grant(m.Commission.Address, CommissionKinds)
	grant(m.BallotBox.Address, BallotBoxKinds)
	grant(m.CredentialAuthority.Address, CredentialAuthorityKinds)
	for _, p := range m.Trustees.Members {
		grant(p.Address, TrusteeKinds)
	}
	for _, p := range m.Mixers {
		grant(p.Address, MixerKinds)
	}
	return out
}

// ErrNotCommission: the board posts as an account other than the
// manifest's commission.
var ErrNotCommission = errors.New("voting: not the commission's account")

// Publish creates the election's topic, authorises every party of the
// manifest for its kinds and posts the manifest as entry 0. b must post as
// the manifest's commission. It can be repeated after a failure: a topic
// that already exists with this manifest is completed, not duplicated; one
// with another manifest is an error.
func Publish(ctx context.Context, b Board, m *Manifest) error {
	enc, err := m.Bytes()
	if err != nil {
		return err
	}
	if self := b.Address(); self != mustAddress(m.Commission.Address) {
		return fmt.Errorf("%w: posting as %v, the manifest names %s as the commission", ErrNotCommission, self, m.Commission.Address)
	}
	topic := m.Topic()
	if err := b.CreateTopic(ctx, topic, bulletin.PhaseSetup); err != nil && !errors.Is(err, bulletin.ErrTopicExists) {
		return fmt.Errorf("voting: creating the topic of election %s: %w", m.ID, err)
	}
	for addr, kinds := range m.Rights() {
		if err := b.SetPoster(ctx, topic, addr, kinds); err != nil {
			return fmt.Errorf("voting: authorising %v on election %s: %w", addr, m.ID, err)
		}
	}
	es, err := b.Entries(ctx, topic, 0, 1)
	if err != nil {
		return fmt.Errorf("voting: election %s: %w", m.ID, err)
	}
	if len(es) == 1 {
		if es[0].Kind == bulletin.KindManifest && bytes.Equal(es[0].Payload, enc) {
			return nil // published before
		}
		return fmt.Errorf("voting: election %s already has another first entry (%v): choose another id", m.ID, es[0].Kind)
	}
	if _, err := b.Append(ctx, topic, bulletin.KindManifest, enc); err != nil {
		return fmt.Errorf("voting: posting the manifest of election %s: %w", m.ID, err)
	}
	return nil
}

// ReadManifest reads the manifest of election id from the board and checks
// it: entry 0 of the topic, of kind manifest, posted by the commission the
// manifest names, in canonical form, with the id asked for.
func ReadManifest(ctx context.Context, r bulletin.Reader, id string) (*Manifest, error) {
	topic := ElectionTopic(id)
	es, err := r.Entries(ctx, topic, 0, 1)
	if err != nil {
		if errors.Is(err, bulletin.ErrUnknownTopic) {
			return nil, fmt.Errorf("voting: no election %q on the board: %w", id, err)
		}
		return nil, fmt.Errorf("voting: election %s: %w", id, err)
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("voting: election %s has no manifest yet", id)
	}
	e := es[0]
	if e.Kind != bulletin.KindManifest {
		return nil, fmt.Errorf("voting: election %s: entry 0 is %v, not the manifest", id, e.Kind)
	}
	m, err := ParseManifest(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("voting: election %s: %w", id, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("voting: election %s: the manifest is for %q", id, m.ID)
	}
	if e.Poster != mustAddress(m.Commission.Address) {
		return nil, fmt.Errorf("voting: election %s: the manifest was posted by %v, not by its commission %s", id, e.Poster, m.Commission.Address)
	}
	return m, nil
}

// SetPhase moves election id's topic to phase to, which must be the next
// one. b posts as the commission.
func SetPhase(ctx context.Context, b Board, id string, to bulletin.Phase) error {
	if _, err := b.Append(ctx, ElectionTopic(id), bulletin.KindPhase, []byte{byte(to)}); err != nil {
		return fmt.Errorf("voting: moving election %s to phase %v: %w", id, to, err)
	}
	return nil
}

// Phase reads the phase of election id by replaying its phase entries
// (the board's own rule, bulletin.Admit), so it needs only a Reader.
func Phase(ctx context.Context, r bulletin.Reader, id string) (bulletin.Phase, error) {
	topic := ElectionTopic(id)
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return bulletin.PhaseInvalid, fmt.Errorf("voting: election %s: %w", id, err)
	}
	p := bulletin.PhaseSetup
	const page = 10_000
	for from := uint64(0); from < count; from += page {
		es, err := r.Entries(ctx, topic, from, min(from+page, count))
		if err != nil {
			return bulletin.PhaseInvalid, fmt.Errorf("voting: election %s: %w", id, err)
		}
		for _, e := range es {
			if e.Kind == bulletin.KindPhase && len(e.Payload) > 0 {
				p = bulletin.Phase(e.Payload[0])
			}
		}
	}
	return p, nil
}

// RoleOf names the roles of addr in the manifest, for messages ("trustee
// 2, mixer 1"); empty if it has none.
func (m *Manifest) RoleOf(addr bulletin.Address) string {
	var roles []string
	is := func(s string) bool { a, err := ParseAddress(s); return err == nil && a == addr }
	if is(m.Commission.Address) {
		roles = append(roles, "commission")
	}
	if is(m.BallotBox.Address) {
		roles = append(roles, "ballot box")
	}
	if is(m.CredentialAuthority.Address) {
		roles = append(roles, "credential authority")
	}
	for i, p := range m.Trustees.Members {
		if is(p.Address) {
			roles = append(roles, fmt.Sprintf("trustee %d (%s)", i+1, p.Name))
		}
	}
	for i, p := range m.Mixers {
		if is(p.Address) {
			roles = append(roles, fmt.Sprintf("mixer %d (%s)", i+1, p.Name))
		}
	}
	return strings.Join(roles, ", ")
}
