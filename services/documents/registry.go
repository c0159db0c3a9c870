package documents

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
)

// A Registry is what the documents topic of a board says, read and checked
// by [ReadRegistry]: the issuers, every version anchored, the revocations
// and the distributions, each with its sequence number. It is built from
// the board alone.
type Registry struct {
	Topic   bulletin.TopicID
	Head    [32]byte
	Count   uint64
	Issuers []*IssuerRecord
	Anchors []*AnchorRecord
	// Revocations and Distributions hold the entries that count: signed by
	// the key that anchored the version, after the anchor.
	Revocations   []*RevocationRecord
	Distributions []*DistributionRecord
	// Ignored lists the entries that do not count, with why (malformed,
	// bad signature, unregistered or foreign issuer, repeated).
	Ignored []IgnoredEntry

	issuers  map[string]*IssuerRecord // by key hex
	versions map[versionKey]*AnchorRecord
	revoked  map[versionKey]*RevocationRecord
	distrib  map[versionKey]*DistributionRecord
	latest   map[seriesKey]uint32
}

type seriesKey struct {
	issuer string
	series Series
}

type versionKey struct {
	seriesKey
	version uint32
}

// An IssuerRecord is a registered issuer.
type IssuerRecord struct {
	Seq  uint64
	Key  *schnorr.PublicKey
	Name string
}

// An AnchorRecord is an anchored document version.
type AnchorRecord struct {
	Seq    uint64
	Anchor *Anchor
	Issuer *IssuerRecord
}

// A RevocationRecord is a revocation that counts.
type RevocationRecord struct {
	Seq        uint64
	Revocation *Revocation
}

// A DistributionRecord is a distribution that counts.
type DistributionRecord struct {
	Seq          uint64
	Distribution *Distribution
}

// An IgnoredEntry is an entry of the topic that does not count.
type IgnoredEntry struct {
	Seq    uint64
	Kind   bulletin.Kind
	Reason string
}

// ReadRegistry reads the whole documents topic from r, checks its hash
// chain against the board's head, and indexes it by the rules of
// docs/spec/documents.md, section 6: an issuer counts from its first valid
// registration (a key registered again is ignored); an anchor counts if it
// is signed by a registered issuer's key, registered before it, and is the
// first anchor of its (issuer, series, version); a revocation or
// distribution counts if it is the first for an anchored version, signed by
// the same key, after the anchor. An unknown topic reads as an empty
// registry.
func ReadRegistry(ctx context.Context, r bulletin.Reader, topic bulletin.TopicID) (*Registry, error) {
	reg := &Registry{Topic: topic, issuers: map[string]*IssuerRecord{}, versions: map[versionKey]*AnchorRecord{},
		revoked: map[versionKey]*RevocationRecord{}, distrib: map[versionKey]*DistributionRecord{}, latest: map[seriesKey]uint32{}}
	return reg.Update(ctx, r)
}

// Update returns the registry brought up to the board's current head: reg
// itself if the topic has not changed, else a new Registry that extends
// reg with the entries posted since (their hash chain checked on from
// reg's head, so the earlier entries are not read again). reg is never
// modified, so a Registry may be shared between readers.
func (reg *Registry) Update(ctx context.Context, r bulletin.Reader) (*Registry, error) {
	head, count, err := r.Head(ctx, reg.Topic)
	if err != nil {
		if isUnknownTopic(err) && reg.Count == 0 {
			return reg, nil
		}
		return nil, fmt.Errorf("documents: reading the board: %w", err)
	}
	if head == reg.Head && count == reg.Count {
		return reg, nil
	}
	if count < reg.Count {
		return nil, fmt.Errorf("documents: the documents topic shrank from %d to %d entries: %w", reg.Count, count, bulletin.ErrGap)
	}
	const page = 4096
	var entries []bulletin.Entry
	for from := reg.Count; from < count; from += page {
		es, err := r.Entries(ctx, reg.Topic, from, min(count, from+page))
		if err != nil {
			return nil, fmt.Errorf("documents: reading the board: %w", err)
		}
		if len(es) == 0 {
			break
		}
		entries = append(entries, es...)
	}
	ch := bulletin.ResumeChain(reg.Topic, reg.Head, reg.Count)
	for _, e := range entries {
		if err := ch.Add(e); err != nil {
			return nil, fmt.Errorf("documents: the documents topic: %w", err)
		}
	}
	if err := ch.Check(head, count); err != nil {
		return nil, fmt.Errorf("documents: the documents topic: %w", err)
	}
	next := reg.clone()
	next.Head, next.Count = head, count
	ps := parseAll(entries)
	for i, e := range entries {
		if why := next.add(e, ps[i]); why != "" {
			next.Ignored = append(next.Ignored, IgnoredEntry{Seq: e.Seq, Kind: e.Kind, Reason: why})
		}
	}
	return next, nil
}

// clone copies reg's indexes (not the records, which are never modified).
func (reg *Registry) clone() *Registry {
	return &Registry{Topic: reg.Topic, Head: reg.Head, Count: reg.Count,
		Issuers: slices.Clone(reg.Issuers), Anchors: slices.Clone(reg.Anchors), Revocations: slices.Clone(reg.Revocations),
		Distributions: slices.Clone(reg.Distributions), Ignored: slices.Clone(reg.Ignored),
		issuers: maps.Clone(reg.issuers), versions: maps.Clone(reg.versions), revoked: maps.Clone(reg.revoked),
		distrib: maps.Clone(reg.distrib), latest: maps.Clone(reg.latest)}
}

// A parsed entry: its decoded payload (or why it does not decode) and
// whether its signature verifies.
type parsed struct {
	v     any // *IssuerEntry, *Anchor, *Revocation or *Distribution
	err   error
	sigOK bool
}

// parseAll decodes the entries and checks all their signatures in one
// batch (schnorr.BatchVerify finds exactly the invalid ones).
func parseAll(entries []bulletin.Entry) []parsed {
	ps := make([]parsed, len(entries))
	var items []schnorr.BatchItem
	var idx []int
	for i, e := range entries {
		var item schnorr.BatchItem
		switch e.Kind {
		case bulletin.KindDocAnchor:
			ps[i].v, ps[i].err = ParseAnchorPayload(e.Payload)
			switch v := ps[i].v.(type) {
			case *IssuerEntry:
				item = schnorr.BatchItem{PublicKey: v.Key, Context: ContextIssuer, Message: v.message(), Signature: v.Sig}
			case *Anchor:
				item = schnorr.BatchItem{PublicKey: v.Issuer, Context: ContextAnchor, Message: v.message(), Signature: v.Sig}
			}
		case bulletin.KindDocRevoke:
			var v *Revocation
			if v, ps[i].err = ParseRevocation(e.Payload); v != nil {
				ps[i].v = v
				item = schnorr.BatchItem{PublicKey: v.Issuer, Context: ContextRevoke, Message: v.message(), Signature: v.Sig}
			}
		case bulletin.KindDocDistribution:
			var v *Distribution
			if v, ps[i].err = ParseDistribution(e.Payload); v != nil {
				ps[i].v = v
				item = schnorr.BatchItem{PublicKey: v.Issuer, Context: ContextDistribution, Message: v.message(), Signature: v.Sig}
			}
		default:
			ps[i].err = fmt.Errorf("%w: not a documents kind", ErrMalformed)
		}
		if ps[i].err == nil && item.PublicKey != nil {
			items = append(items, item)
			idx = append(idx, i)
		}
	}
	if len(items) == 0 {
		return ps
	}
	for _, i := range idx {
		ps[i].sigOK = true
	}
	var be *schnorr.BatchError
	if err := schnorr.BatchVerify(nil, items); errors.As(err, &be) {
		for _, j := range be.Indices {
			ps[idx[j]].sigOK = false
		}
	} else if err != nil {
		for _, i := range idx {
			ps[i].sigOK = false
		}
	}
	return ps
}

func keyHex(k *schnorr.PublicKey) string { return hex.EncodeToString(k.Bytes()) }

// add indexes one entry and returns why it does not count, or "".
func (reg *Registry) add(e bulletin.Entry, p parsed) string {
	if p.err != nil {
		return p.err.Error()
	}
	const badSig = "the issuer's signature does not verify"
	switch v := p.v.(type) {
	case *IssuerEntry:
		if !p.sigOK {
			return badSig
		}
		k := keyHex(v.Key)
		if reg.issuers[k] != nil {
			return "issuer key registered before"
		}
		rec := &IssuerRecord{Seq: e.Seq, Key: v.Key, Name: v.Name}
		reg.issuers[k] = rec
		reg.Issuers = append(reg.Issuers, rec)
	case *Anchor:
		iss := reg.issuers[keyHex(v.Issuer)]
		if iss == nil {
			return "anchor by an unregistered issuer key"
		}
		if !p.sigOK {
			return badSig
		}
		vk := versionKey{seriesKey{keyHex(v.Issuer), v.Series}, v.Version}
		if reg.versions[vk] != nil {
			return "version anchored before"
		}
		rec := &AnchorRecord{Seq: e.Seq, Anchor: v, Issuer: iss}
		reg.versions[vk] = rec
		reg.Anchors = append(reg.Anchors, rec)
		if v.Version > reg.latest[vk.seriesKey] {
			reg.latest[vk.seriesKey] = v.Version
		}
	case *Revocation:
		vk := versionKey{seriesKey{keyHex(v.Issuer), v.Series}, v.Version}
		if reg.versions[vk] == nil {
			return "revokes no version anchored by its key"
		}
		if !p.sigOK {
			return badSig
		}
		if reg.revoked[vk] != nil {
			return "version revoked before"
		}
		rec := &RevocationRecord{Seq: e.Seq, Revocation: v}
		reg.revoked[vk] = rec
		reg.Revocations = append(reg.Revocations, rec)
	case *Distribution:
		vk := versionKey{seriesKey{keyHex(v.Issuer), v.Series}, v.Version}
		if reg.versions[vk] == nil {
			return "distributes no version anchored by its key"
		}
		if !p.sigOK {
			return badSig
		}
		if reg.distrib[vk] != nil {
			return "version distributed before"
		}
		rec := &DistributionRecord{Seq: e.Seq, Distribution: v}
		reg.distrib[vk] = rec
		reg.Distributions = append(reg.Distributions, rec)
	default:
		return "not a documents entry"
	}
	return ""
}

// A Status is what the board says of one anchored document version.
type Status struct {
	Anchor        *AnchorRecord
	Issuer        string // the issuer's registered name
	LatestVersion uint32 // the highest version of the series by the same issuer
	Current       bool   // Version == LatestVersion
	Revocation    *RevocationRecord
	Distribution  *DistributionRecord
}

// Revoked reports whether the version is revoked.
func (s *Status) Revoked() bool { return s.Revocation != nil }

// InForce reports whether, at t, the version is current, not revoked and
// within its validity.
func (s *Status) InForce(t time.Time) bool {
	a := s.Anchor.Anchor
	return s.Current && !s.Revoked() && !t.Before(a.ValidFrom) && (a.ValidUntil.IsZero() || t.Before(a.ValidUntil))
}

// StatusAt returns the status of the anchor at seq, or ErrNotFound if no
// counting anchor is there.
func (reg *Registry) StatusAt(seq uint64) (*Status, error) {
	for _, a := range reg.Anchors {
		if a.Seq == seq {
			return reg.status(a), nil
		}
	}
	return nil, fmt.Errorf("%w: no document anchor counts at entry %d", ErrNotFound, seq)
}

func (reg *Registry) status(a *AnchorRecord) *Status {
	vk := versionKey{seriesKey{keyHex(a.Anchor.Issuer), a.Anchor.Series}, a.Anchor.Version}
	latest := reg.latest[vk.seriesKey]
	return &Status{Anchor: a, Issuer: a.Issuer.Name, LatestVersion: latest, Current: a.Anchor.Version == latest,
		Revocation: reg.revoked[vk], Distribution: reg.distrib[vk]}
}

// Series returns the statuses of every anchored version of series, by any
// issuer, in board order.
func (reg *Registry) Series(series Series) []*Status {
	var out []*Status
	for _, a := range reg.Anchors {
		if a.Anchor.Series == series {
			out = append(out, reg.status(a))
		}
	}
	return out
}

// FindCommitment returns the status of the anchor with commitment c, or
// ErrNotFound.
func (reg *Registry) FindCommitment(c [CommitmentSize]byte) (*Status, error) {
	for _, a := range reg.Anchors {
		if bytes.Equal(a.Anchor.Commitment[:], c[:]) {
			return reg.status(a), nil
		}
	}
	return nil, fmt.Errorf("%w: no anchor has this commitment", ErrNotFound)
}
