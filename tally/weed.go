package tally

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/zkp"
	"github.com/veche/veche/voting"
)

// Weeding (docs/spec/tally.md, section 2): which cast ballots count,
// derived from the board alone, with every excluded ballot named with its
// reason and place, and the reconciliation of the numbers.

// A Ref says where an artefact is on an election's topic: the entries it
// occupies (one, or a chunk header and its chunks) and the hash-chain head
// after its last entry, which commits to it and to everything before it.
type Ref struct {
	Kind  bulletin.Kind // the artefact's kind (the carried kind when chunked)
	First uint64        // the sequence number of its entry (its chunk header when chunked)
	Last  uint64        // the sequence number of its last entry (= First unless chunked)
	Head  [32]byte      // the hash-chain head after entry Last, as the board reports it
}

// String prints "entry 12" or "entries 12-20", with the head's first bytes.
func (r Ref) String() string {
	if r.First == r.Last {
		return fmt.Sprintf("entry %d (head %x…)", r.First, r.Head[:6])
	}
	return fmt.Sprintf("entries %d-%d (head %x…)", r.First, r.Last, r.Head[:6])
}

// A Location names one cast ballot on the board: the ballot-batch entry,
// the ballot's index in the batch, and its tracking code. Index is -1 for
// a whole entry: a ballot-batch entry that does not decode at all (its
// ballots cannot be told apart; the code is then zero), or an
// audited-ballot entry.
type Location struct {
	Seq   uint64
	Index int
	Code  voting.TrackingCode
}

// String prints "entry 12, ballot 3 (ABCD-EFGH…)".
func (l Location) String() string {
	if l.Index < 0 {
		return fmt.Sprintf("entry %d", l.Seq)
	}
	return fmt.Sprintf("entry %d, ballot %d (%s…)", l.Seq, l.Index, l.Code.String()[:9])
}

// A Reason is why a cast ballot does not count. Do NOT renumber: the
// numbers are in the reconciliation record's field order.
type Reason uint8

// Reasons, in the order of precedence: a ballot excluded for one is not
// examined for the later ones.
const (
	ReasonNone Reason = iota // the zero value: no reason (never an exclusion's)
	// ReasonMalformed: the ballot-batch entry, or the ballot in it, does
	// not decode (docs/spec/ballot.md, section 8, steps 1–5).
	ReasonMalformed
	// ReasonInvalid: the ballot decodes but fails verification (section 8,
	// steps 6–10): another election, a credential not on the list or of
	// another style, a proof or the signature. The ballot box should have
	// refused it.
	ReasonInvalid
	// ReasonSpoiled: a valid audit record of the same ballot (the same
	// tracking code) was posted: an audited ballot is never counted.
	ReasonSpoiled
	// ReasonClash: one of its ciphertexts shares its first component with
	// one of an earlier valid ballot of another credential, or of a validly
	// audited ballot: a copy.
	ReasonClash
	// ReasonSuperseded: its credential has another eligible ballot that
	// counts under the revote policy (the last one, or under denied the
	// first one).
	ReasonSuperseded
)

var reasonNames = [...]string{"", "malformed", "invalid", "spoiled", "clash", "superseded"}

// String returns the reason's name ("clash"), or "reason(N)".
func (r Reason) String() string {
	if r > ReasonNone && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// An Exclusion is a cast ballot that does not count.
type Exclusion struct {
	Location
	Reason Reason
	// Other is the ballot it clashes with, the one that counts instead of
	// it (superseded), or the audited-ballot entry (spoiled; Index -1).
	Other *Location
	// Detail says what is wrong for malformed and invalid ballots (the
	// decoder's or verifier's error: positions and rules, never a choice).
	Detail string
}

// A CountedBallot is a ballot that counts: one per credential that cast an
// eligible ballot.
type CountedBallot struct {
	Location
	Credential [voting.CredentialSize]byte
	Style      string
	raw        []byte
}

// Bytes returns the ballot's encoding (docs/spec/ballot.md, section 6);
// parse it with voting.ParseBallot. The caller must not modify it.
func (c *CountedBallot) Bytes() []byte { return c.raw }

// An AuditedBallot is an audited-ballot entry of the ballot box.
type AuditedBallot struct {
	Seq  uint64
	Code voting.TrackingCode // the audited ballot's tracking code, if the record decodes
	// Err says why the record is not a valid audit (it does not decode,
	// or does not show what its ballot encrypts: voting.CheckAudit); an
	// invalid audit spoils nothing.
	Err error
}

// An IgnoredEntry is a ballot-batch or audited-ballot entry that is not
// the ballot box's (another account the commission authorised), and so
// carries no cast or audited ballot.
type IgnoredEntry struct {
	Seq    uint64
	Kind   bulletin.Kind
	Poster bulletin.Address
}

// ExcludedCounts are the numbers of excluded ballots by reason.
type ExcludedCounts struct {
	Malformed, Invalid, Spoiled, Clash, Superseded uint64
}

// Total returns the number of excluded ballots.
func (e ExcludedCounts) Total() uint64 {
	return e.Malformed + e.Invalid + e.Spoiled + e.Clash + e.Superseded
}

func (e *ExcludedCounts) add(r Reason) {
	switch r {
	case ReasonMalformed:
		e.Malformed++
	case ReasonInvalid:
		e.Invalid++
	case ReasonSpoiled:
		e.Spoiled++
	case ReasonClash:
		e.Clash++
	case ReasonSuperseded:
		e.Superseded++
	}
}

// A Reconciliation accounts for every cast ballot (docs/spec/tally.md,
// section 2.3); each number is recomputable from the board.
// BallotsReceived = Excluded.Total() + Counted.
type Reconciliation struct {
	Closing           uint64 // the sequence number of the closing entry
	CredentialsIssued uint64 // the credentials on the election's list
	BallotsReceived   uint64 // ballots in the box's ballot-batch entries before closing (an undecodable entry counts one)
	Audited           uint64 // the box's audited-ballot entries holding a valid audit
	Revotes           uint64 // credentials with two or more eligible ballots
	Excluded          ExcludedCounts
	Counted           uint64   // ballots that count, one per credential
	CountedDigest     [32]byte // CountedDigest of the counted ballots' tracking codes
}

// CountedDigest returns SHA-256("veche/tally/counted/v1" || 0x00 ||
// u64(n) || tc_1 || … || tc_n) over the tracking codes sorted bytewise
// (docs/spec/tally.md, section 2.3).
func CountedDigest(codes []voting.TrackingCode) [32]byte {
	sorted := slices.Clone(codes)
	slices.SortFunc(sorted, func(a, b voting.TrackingCode) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	h.Write([]byte("veche/tally/counted/v1\x00"))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(sorted))))
	for _, c := range sorted {
		h.Write(c[:])
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// Weeded is the outcome of weeding an election's board ([Weed]).
type Weeded struct {
	Election    string
	Fingerprint zkp.Fingerprint
	Revote      voting.RevotePolicy
	// Closed is set if the board has the closing entry (Refs.Closing);
	// only the entries before it were read. Otherwise every entry was read
	// and more ballots may come: the tally must not start.
	Closed bool
	// Counted are the ballots that count, in board order.
	Counted []CountedBallot
	// Excluded are the cast ballots that do not count, in board order.
	Excluded []Exclusion
	// Audits are the ballot box's audited-ballot entries, in board order.
	Audits []AuditedBallot
	// Ignored are the ballot-batch and audited-ballot entries of other
	// accounts, in board order.
	Ignored        []IgnoredEntry
	Reconciliation Reconciliation
	// Refs are where the artefacts the weeding relied on are.
	Refs WeedRefs

	m      *voting.Manifest
	layout map[string][]ctSpan                 // by style: where each contest's ciphertexts are
	sums   map[string]elgamal.VectorCiphertext // by homomorphic contest: the counted ballots' sums
}

// WeedRefs are where the weeding's inputs are on the board. A zero Ref
// (Kind 0) is one that is not there.
type WeedRefs struct {
	Manifest    Ref // entry 0
	KeyCeremony Ref // the first dkg-result entry of the commission
	Credentials Ref // the credential authority's first credentials artefact
	Closing     Ref // the phase entry to closed
}

// ContestBallots returns the number of counted ballots whose style has the
// contest.
func (w *Weeded) ContestBallots(m *voting.Manifest, contest string) int {
	styles := map[string]bool{}
	for _, s := range m.BallotStyles {
		if slices.Contains(s.Contests, contest) {
			styles[s.ID] = true
		}
	}
	n := 0
	for i := range w.Counted {
		if styles[w.Counted[i].Style] {
			n++
		}
	}
	return n
}

// ctSpan is where one contest's ciphertexts are in a ballot of a style.
type ctSpan struct {
	contest int // index in the manifest's contests
	off, w  int // offset of the first ciphertext, number of ciphertexts
}

// ballotLayout returns where each contest's ciphertexts are in a ballot of
// style (docs/spec/ballot.md, section 6.1): after the header, contests in
// manifest order, each u8(len(id)) || id || ciphertexts || proofs.
func ballotLayout(m *voting.Manifest, style string) ([]ctSpan, error) {
	var st *voting.BallotStyle
	for i := range m.BallotStyles {
		if m.BallotStyles[i].ID == style {
			st = &m.BallotStyles[i]
		}
	}
	if st == nil {
		return nil, fmt.Errorf("tally: no ballot style %q", style)
	}
	off := 1 + zkp.FingerprintSize + 1 + len(style) + voting.CredentialSize + 1
	var out []ctSpan
	for i := range m.Contests {
		c := &m.Contests[i]
		if !slices.Contains(st.Contests, c.ID) {
			continue
		}
		off += 1 + len(c.ID)
		w := voting.RowWidth(c)
		out = append(out, ctSpan{contest: i, off: off, w: w})
		off += w * elgamal.CiphertextSize
		if c.Tally == voting.Homomorphic {
			off += w*zkp.ZeroOneProofSize + zkp.RangeProofSize(c.Max-c.Min+1)
		} else {
			off += w * zkp.BallotProofEntrySize
		}
	}
	return out, nil
}

// WeedOptions tune [Weeder.Weed].
type WeedOptions struct {
	// Window is how many ballots are decoded and verified at a time
	// (default 4096): memory grows with it, and each window is spread
	// over all cores.
	Window int
	// Progress, if set, is called after each window with the ballots
	// checked so far and the total.
	Progress func(done, total int)
}

// Weed derives the counted ballots of election m from the board r
// (docs/spec/tally.md, section 2), with the election's credential list
// creds (voting.ReadCredentials) and joint key pk (the key ceremony's). It
// reads the topic up to the closing entry (all of it if there is none yet:
// Weeded.Closed is then false), takes the ballots of the ballot-batch
// entries of the manifest's ballot box in board order and the box's
// audited-ballot entries, decodes and verifies every ballot (in parallel,
// batched), and applies the exclusion rules and the revote policy. The
// result depends on the board alone. It fails only if the board cannot be
// read or the inputs are unusable; bad ballots are excluded, never fatal.
func Weed(ctx context.Context, r bulletin.Reader, m *voting.Manifest, creds *voting.CredentialList, pk *elgamal.PublicKey) (*Weeded, error) {
	return WeedWith(ctx, r, m, creds, pk, nil)
}

// WeedWith is [Weed] with options (nil: the defaults).
func WeedWith(ctx context.Context, r bulletin.Reader, m *voting.Manifest, creds *voting.CredentialList, pk *elgamal.PublicKey, o *WeedOptions) (*Weeded, error) {
	if o == nil {
		o = &WeedOptions{}
	}
	if m == nil || creds == nil || pk == nil {
		return nil, errors.New("tally: weeding needs the manifest, the credential list and the election key")
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	if creds.Fingerprint() != fp {
		return nil, fmt.Errorf("tally: the credential list is not election %s's", m.ID)
	}
	wd := &weeder{
		m: m, creds: creds, pk: pk, o: o,
		w: &Weeded{Election: m.ID, Fingerprint: fp, Revote: m.Revote, m: m, layout: map[string][]ctSpan{}},
	}
	for _, s := range m.BallotStyles {
		if wd.w.layout[s.ID], err = ballotLayout(m, s.ID); err != nil {
			return nil, err
		}
	}
	if err := wd.read(ctx, r); err != nil {
		return nil, fmt.Errorf("tally: election %s: %w", m.ID, err)
	}
	wd.audits()
	if err := wd.ballots(ctx); err != nil {
		return nil, err
	}
	if err := wd.finish(); err != nil {
		return nil, err
	}
	return wd.w, nil
}

// weeder holds the state of one weeding.
type weeder struct {
	m     *voting.Manifest
	creds *voting.CredentialList
	pk    *elgamal.PublicKey
	o     *WeedOptions
	w     *Weeded

	batches []bulletin.Entry // the box's ballot-batch entries, in board order
	audited []bulletin.Entry // the box's audited-ballot entries

	spoiled   map[voting.TrackingCode]uint64        // valid audits: tracking code -> entry
	auditKeys map[[group.ElementSize]byte]bool      // clash keys of validly audited ballots
	keys      map[[group.ElementSize]byte]keyOwners // clash keys of valid ballots -> who has them
	eligible  map[[voting.CredentialSize]byte][]int // credential -> its eligible items, in board order
	items     []item                                // every cast ballot, in board order
	allSums   map[string]elgamal.VectorCiphertext   // homomorphic contest -> sum over every valid ballot
}

// keyOwners are the first valid item with a clash key and the first one
// after it of another credential (-1 if none yet).
type keyOwners struct{ first, other int }

// item is one cast ballot while weeding.
type item struct {
	loc    Location
	raw    []byte
	style  string
	cred   [voting.CredentialSize]byte
	reason Reason // 0 while it may count
	other  *Location
	detail string
	valid  bool // decoded and verified
}

// entriesPerRead is how many entries one read asks for.
const entriesPerRead = 512

// read reads the topic up to the closing entry, keeping the ballot box's
// entries and noting where the manifest, the key-ceremony result, the
// credentials and the closing entry are.
func (wd *weeder) read(ctx context.Context, r bulletin.Reader) error {
	m, w := wd.m, wd.w
	box, err := voting.ParseAddress(m.BallotBox.Address)
	if err != nil {
		return err
	}
	commission, err := voting.ParseAddress(m.Commission.Address)
	if err != nil {
		return err
	}
	ca, err := voting.ParseAddress(m.CredentialAuthority.Address)
	if err != nil {
		return err
	}
	topic := m.Topic()
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return err
	}
	var (
		credHeader *bulletin.ChunkHeader // the credentials artefact's, when chunked
		credChunks uint32
	)
	for from := uint64(0); from < count && !w.Closed; from += entriesPerRead {
		es, err := r.Entries(ctx, topic, from, min(from+entriesPerRead, count))
		if err != nil {
			return err
		}
		for i, e := range es {
			if e.Seq != from+uint64(i) {
				return fmt.Errorf("%w: entry %d where %d was expected", bulletin.ErrGap, e.Seq, from+uint64(i))
			}
			ref := Ref{Kind: e.Kind, First: e.Seq, Last: e.Seq, Head: e.Head}
			switch {
			case e.Seq == 0:
				w.Refs.Manifest = ref
			case e.Kind == bulletin.KindPhase:
				if len(e.Payload) > 0 && bulletin.Phase(e.Payload[0]) == bulletin.PhaseClosed {
					w.Refs.Closing, w.Closed = ref, true
				}
			case e.Kind == bulletin.KindDKGResult:
				if e.Poster == commission && w.Refs.KeyCeremony.Kind == 0 {
					w.Refs.KeyCeremony = ref
				}
			case e.Kind == bulletin.KindBallotBatch:
				if e.Poster == box {
					wd.batches = append(wd.batches, e)
				} else {
					w.Ignored = append(w.Ignored, IgnoredEntry{Seq: e.Seq, Kind: e.Kind, Poster: e.Poster})
				}
			case e.Kind == bulletin.KindAuditedBallot:
				if e.Poster == box {
					wd.audited = append(wd.audited, e)
				} else {
					w.Ignored = append(w.Ignored, IgnoredEntry{Seq: e.Seq, Kind: e.Kind, Poster: e.Poster})
				}
			case e.Poster == ca && w.Refs.Credentials.Kind == 0:
				// The first credentials artefact (docs/spec/ballot.md,
				// section 2.2): one entry, or a header and its chunks.
				switch e.Kind {
				case bulletin.KindCredentials:
					if credHeader == nil {
						w.Refs.Credentials = ref
					}
				case bulletin.KindChunkHeader:
					if h, err := bulletin.ParseChunkHeader(e.Payload); err == nil && h.Kind == bulletin.KindCredentials && credHeader == nil {
						credHeader = h
						w.Refs.Credentials.First = e.Seq
					}
				case bulletin.KindChunk:
					if c, err := bulletin.ParseChunkData(e.Payload); err == nil && credHeader != nil && c.Hash == credHeader.Hash {
						if credChunks++; credChunks == credHeader.Count {
							w.Refs.Credentials = Ref{Kind: bulletin.KindCredentials, First: w.Refs.Credentials.First, Last: e.Seq, Head: e.Head}
						}
					}
				}
			}
			if w.Closed {
				break
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// audits decodes and checks the box's audit records: the valid ones spoil
// their ballot and their ciphertexts.
func (wd *weeder) audits() {
	wd.spoiled = map[voting.TrackingCode]uint64{}
	wd.auditKeys = map[[group.ElementSize]byte]bool{}
	out := make([]AuditedBallot, len(wd.audited))
	keys := make([][][group.ElementSize]byte, len(wd.audited))
	parallel(len(wd.audited), 1, func(i int) {
		e := wd.audited[i]
		out[i].Seq = e.Seq
		a, err := voting.ParseAudit(e.Payload, wd.m)
		if err != nil {
			out[i].Err = err
			return
		}
		out[i].Code = a.Ballot.TrackingCode()
		if err := voting.CheckAudit(wd.m, wd.pk, a.Ballot, a); err != nil {
			out[i].Err = err
			return
		}
		keys[i] = a.Ballot.ClashKeys()
	})
	for i, a := range out {
		if a.Err != nil {
			continue
		}
		if _, dup := wd.spoiled[a.Code]; !dup {
			wd.spoiled[a.Code] = a.Seq
		}
		for _, k := range keys[i] {
			wd.auditKeys[k] = true
		}
		wd.w.Reconciliation.Audited++
	}
	wd.w.Audits = out
}

// ballots splits the batches into ballots, then decodes and verifies them
// window by window in board order, deciding spoiled ballots and clashes
// as it goes and adding up the homomorphic contests of every valid ballot.
func (wd *weeder) ballots(ctx context.Context) error {
	// Split the batches (hashing every ballot twice: its tracking code and
	// the Merkle root) on all cores, then list the ballots in board order.
	type split struct {
		b     *voting.Batch
		codes []voting.TrackingCode
		err   error
	}
	splits := make([]split, len(wd.batches))
	parallel(len(wd.batches), 4, func(i int) {
		b, err := voting.ParseBatch(wd.batches[i].Payload)
		if err != nil {
			splits[i].err = err
			return
		}
		splits[i] = split{b: b, codes: b.TrackingCodes()}
	})
	n := 0
	for _, sp := range splits {
		n += max(1, len(sp.codes))
	}
	wd.items = make([]item, 0, n)
	for k, e := range wd.batches {
		sp := splits[k]
		if sp.err != nil {
			wd.items = append(wd.items, item{loc: Location{Seq: e.Seq, Index: -1}, reason: ReasonMalformed, detail: sp.err.Error()})
			continue
		}
		for i, code := range sp.codes {
			wd.items = append(wd.items, item{loc: Location{Seq: e.Seq, Index: i, Code: code}, raw: sp.b.Ballots[i]})
		}
	}
	wd.keys = map[[group.ElementSize]byte]keyOwners{}
	wd.eligible = map[[voting.CredentialSize]byte][]int{}
	wd.allSums = map[string]elgamal.VectorCiphertext{}
	window := wd.o.Window
	if window < 1 {
		window = 4096
	}
	for lo := 0; lo < len(wd.items); lo += window {
		hi := min(lo+window, len(wd.items))
		if err := wd.window(lo, hi); err != nil {
			return err
		}
		if wd.o.Progress != nil {
			wd.o.Progress(hi, len(wd.items))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// window decodes and verifies items lo … hi−1 and applies the rules that
// depend on board order up to them.
func (wd *weeder) window(lo, hi int) error {
	items := wd.items[lo:hi]
	parsed := make([]*voting.Ballot, len(items))
	parallel(len(items), 64, func(i int) {
		it := &items[i]
		if it.reason != 0 {
			return
		}
		b, err := voting.ParseBallot(it.raw, wd.m)
		if err != nil {
			it.reason, it.detail = ReasonMalformed, err.Error()
			return
		}
		parsed[i] = b
	})
	var (
		toVerify []*voting.Ballot
		at       []int
	)
	for i, b := range parsed {
		if b != nil {
			toVerify = append(toVerify, b)
			at = append(at, i)
		}
	}
	if len(toVerify) > 0 {
		err := voting.BatchVerifyBallots(nil, wd.m, wd.pk, wd.creds, toVerify)
		var be *voting.BallotBatchError
		switch {
		case errors.As(err, &be):
			for k, idx := range be.Indices {
				i := at[idx]
				items[i].reason, items[i].detail = ReasonInvalid, be.Errs[k].Error()
				parsed[i] = nil
			}
		case err != nil:
			return fmt.Errorf("tally: verifying ballots: %w", err)
		}
	}
	for i, b := range parsed {
		if b == nil {
			continue
		}
		if err := wd.valid(lo+i, b); err != nil {
			return err
		}
	}
	return nil
}

// valid takes the valid ballot b (item n) in board order: the sums, the
// spoiled and clash rules, and its credential's eligible ballots.
func (wd *weeder) valid(n int, b *voting.Ballot) error {
	it := &wd.items[n]
	it.valid = true
	it.style = b.Style()
	it.cred = [voting.CredentialSize]byte(b.Credential().Bytes())
	keys := b.ClashKeys()
	// The layout must agree with the decoder's (a bug otherwise).
	k := 0
	for _, sp := range wd.w.layout[it.style] {
		for j := range sp.w {
			off := sp.off + j*elgamal.CiphertextSize
			if k >= len(keys) || !bytes.Equal(it.raw[off:off+group.ElementSize], keys[k][:]) {
				return fmt.Errorf("tally: internal error: the ballot layout of style %s does not match the decoder", it.style)
			}
			k++
		}
		c := &wd.m.Contests[sp.contest]
		if c.Tally == voting.Homomorphic {
			wd.allSums[c.ID] = addVector(wd.allSums[c.ID], b.Ciphertexts(c.ID))
		}
	}
	if seq, ok := wd.spoiled[it.loc.Code]; ok {
		it.reason, it.other = ReasonSpoiled, &Location{Seq: seq, Index: -1}
	}
	for _, key := range keys {
		o, seen := wd.keys[key]
		if !seen {
			wd.keys[key] = keyOwners{first: n, other: -1}
			continue
		}
		// An earlier valid item of another credential has the key iff
		// the first one is of another credential, or a later one is of
		// another credential than the first (which is then it.cred).
		earlier := -1
		if wd.items[o.first].cred != it.cred {
			earlier = o.first
		} else if o.other >= 0 {
			earlier = o.other
		}
		if it.reason == 0 && earlier >= 0 {
			loc := wd.items[earlier].loc
			it.reason, it.other = ReasonClash, &loc
		}
		if o.other < 0 && wd.items[o.first].cred != it.cred {
			o.other = n
			wd.keys[key] = o
		}
	}
	if it.reason == 0 {
		for _, key := range keys {
			if wd.auditKeys[key] {
				it.reason, it.detail = ReasonClash, "a ciphertext of a validly audited ballot"
				break
			}
		}
	}
	if it.reason == 0 {
		wd.eligible[it.cred] = append(wd.eligible[it.cred], n)
	}
	return nil
}

// finish applies the revote policy, fills in the results and the
// reconciliation, and turns the sums over every valid ballot into sums over
// the counted ones.
func (wd *weeder) finish() error {
	w := wd.w
	rec := &w.Reconciliation
	rec.Closing = w.Refs.Closing.First
	rec.CredentialsIssued = uint64(wd.creds.Len())
	for _, its := range wd.eligible {
		if len(its) > 1 {
			rec.Revotes++
		}
		keep := its[len(its)-1]
		if wd.m.Revote == voting.RevoteDenied {
			keep = its[0]
		}
		for _, n := range its {
			if n != keep {
				loc := wd.items[keep].loc
				wd.items[n].reason, wd.items[n].other = ReasonSuperseded, &loc
			}
		}
	}
	var codes []voting.TrackingCode
	for n := range wd.items {
		it := &wd.items[n]
		rec.BallotsReceived++
		if it.reason != 0 {
			rec.Excluded.add(it.reason)
			w.Excluded = append(w.Excluded, Exclusion{Location: it.loc, Reason: it.reason, Other: it.other, Detail: it.detail})
			continue
		}
		w.Counted = append(w.Counted, CountedBallot{Location: it.loc, Credential: it.cred, Style: it.style, raw: it.raw})
		codes = append(codes, it.loc.Code)
	}
	rec.Counted = uint64(len(w.Counted))
	rec.CountedDigest = CountedDigest(codes)

	// Sums over the counted ballots: the sums over every valid ballot
	// less the valid ballots that do not count (usually few).
	w.sums = wd.allSums
	var mu sync.Mutex
	var firstErr error
	type sub struct {
		contest string
		v       elgamal.VectorCiphertext
	}
	var notCounted []int
	for n := range wd.items {
		if it := &wd.items[n]; it.valid && it.reason != 0 {
			notCounted = append(notCounted, n)
		}
	}
	subs := make([][]sub, len(notCounted))
	parallel(len(notCounted), 16, func(i int) {
		it := &wd.items[notCounted[i]]
		for _, sp := range w.layout[it.style] {
			c := &wd.m.Contests[sp.contest]
			if c.Tally != voting.Homomorphic {
				continue
			}
			v, err := rawVector(it.raw, sp)
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			subs[i] = append(subs[i], sub{c.ID, v})
		}
	})
	if firstErr != nil {
		return fmt.Errorf("tally: internal error: %w", firstErr)
	}
	for _, ss := range subs {
		for _, s := range ss {
			w.sums[s.contest] = subVector(w.sums[s.contest], s.v)
		}
	}
	return nil
}

// rawVector decodes the ciphertexts of span sp of a (verified) ballot.
func rawVector(raw []byte, sp ctSpan) (elgamal.VectorCiphertext, error) {
	v := make(elgamal.VectorCiphertext, sp.w)
	for j := range sp.w {
		off := sp.off + j*elgamal.CiphertextSize
		c, err := elgamal.ParseCiphertext(raw[off : off+elgamal.CiphertextSize])
		if err != nil {
			return nil, err
		}
		v[j] = c
	}
	return v, nil
}

// addVector returns sum + v component-wise (v itself, copied, if sum is
// nil); sum is updated in place.
func addVector(sum, v elgamal.VectorCiphertext) elgamal.VectorCiphertext {
	if sum == nil {
		sum = make(elgamal.VectorCiphertext, len(v))
		for j, c := range v {
			sum[j] = new(elgamal.Ciphertext).Set(c)
		}
		return sum
	}
	for j, c := range v {
		sum[j].Add(sum[j], c)
	}
	return sum
}

// subVector returns sum − v component-wise, updating sum in place.
func subVector(sum, v elgamal.VectorCiphertext) elgamal.VectorCiphertext {
	for j, c := range v {
		sum[j].A.Subtract(sum[j].A, c.A)
		sum[j].B.Subtract(sum[j].B, c.B)
	}
	return sum
}

// parallel calls f(i) for i in [0, n) on all cores, in chunks of at least
// minChunk.
func parallel(n, minChunk int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	chunk := max(minChunk, (n+workers*4-1)/(workers*4), 1)
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for i := lo; i < hi; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}

// CheckWeed compares a posted reconciliation with the one recomputed by
// weeding the board, naming the first number that differs.
func CheckWeed(w *Weeded, posted *Reconciliation) error {
	if posted == nil {
		return &InputError{List: "reconciliation", Row: -1, Detail: "not on the board"}
	}
	want := &w.Reconciliation
	fields := []struct {
		name      string
		got, want uint64
	}{
		{"closing entry", posted.Closing, want.Closing},
		{"credentials issued", posted.CredentialsIssued, want.CredentialsIssued},
		{"ballots received", posted.BallotsReceived, want.BallotsReceived},
		{"audited", posted.Audited, want.Audited},
		{"revotes", posted.Revotes, want.Revotes},
		{"excluded malformed", posted.Excluded.Malformed, want.Excluded.Malformed},
		{"excluded invalid", posted.Excluded.Invalid, want.Excluded.Invalid},
		{"excluded spoiled", posted.Excluded.Spoiled, want.Excluded.Spoiled},
		{"excluded clash", posted.Excluded.Clash, want.Excluded.Clash},
		{"excluded superseded", posted.Excluded.Superseded, want.Excluded.Superseded},
		{"counted", posted.Counted, want.Counted},
	}
	for _, f := range fields {
		if f.got != f.want {
			return &InputError{List: "reconciliation", Row: -1, Detail: fmt.Sprintf("%s: posted %d, the board gives %d", f.name, f.got, f.want)}
		}
	}
	if posted.CountedDigest != want.CountedDigest {
		return &InputError{List: "reconciliation", Row: -1, Detail: "the digest of the counted ballots differs from the board's"}
	}
	return nil
}
