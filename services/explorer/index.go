package explorer

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// An index is what the explorer derives, entry by entry, from an
// election's topic as it grows: phases, tracking codes, ballots per entry,
// and the tally's artefacts (their frames only: the verifier checks their
// contents). It is owned by the election's run goroutine; the lookup maps
// (codes, audits) are also read by requests, under election.codesMu.
type index struct {
	n          uint64 // entries indexed
	box        bulletin.Address
	commission bulletin.Address
	roles      bool // box and commission are known (the manifest was read)

	phases  []phaseMark
	open    *uint64 // the first phase entry to open
	closing *uint64 // the first phase entry to closed

	codes  map[voting.TrackingCode]ballotPos // cast ballots (ballot box's batches before closing)
	audits map[voting.TrackingCode]uint64    // audited ballots: the audited-ballot entry
	creds  map[[voting.CredentialSize]byte]struct{}

	activity  []activity // per ballot-batch or audited-ballot entry of the box, before closing
	cast      uint64     // ballots in the box's batches (an undecodable batch counts one)
	revotes   uint64     // ballots whose credential cast an earlier ballot
	auditsN   uint64
	batches   uint64
	malformed uint64 // batches that do not decode
	dupCodes  uint64 // ballots whose tracking code was cast before

	credArtefacts int // complete credentials artefacts seen

	asm     bulletin.Assembler
	headers map[artefactKey]uint64 // first entry of each chunked artefact in progress

	recon    *tally.Reconciliation
	reconRef tally.Ref
	totals   []totalsInfo
	lists    []listInfo
	shuffles []shuffleInfo
	decs     []decryptionInfo
	posted   *tally.Results
	postRef  tally.Ref
	postErr  string
}

type artefactKey struct {
	poster bulletin.Address
	hash   [32]byte
}

// A phaseMark is a phase entry.
type phaseMark struct {
	To     bulletin.Phase
	Seq    uint64
	Poster bulletin.Address
}

// A ballotPos is where a cast ballot is: its batch entry and its index in
// the batch.
type ballotPos struct {
	Seq   uint64
	Index uint32
}

// activity is one ballot-batch or audited-ballot entry of the ballot box.
type activity struct {
	seq                     uint64
	ballots, revotes, audit uint32
}

// totalsInfo is a homomorphic contest's encrypted totals (a tally input).
type totalsInfo struct {
	Contest string
	Ballots uint64
	Ref     tally.Ref
}

// listInfo is a mix list (a tally input): its frame.
type listInfo struct {
	Name  string
	Rows  uint32
	Width uint32
	Size  int
	Ref   tally.Ref
}

// shuffleInfo is a shuffle record's frame.
type shuffleInfo struct {
	List     string
	Position uint32
	Rows     uint32
	Width    uint32
	Input    [32]byte
	Size     int
	Ref      tally.Ref
	Poster   bulletin.Address
	Err      string // the frame does not decode
}

// decryptionInfo is a decryption record's frame.
type decryptionInfo struct {
	List   string
	Digest [32]byte
	Size   int // bytes of the partial decryption
	Ref    tally.Ref
	Poster bulletin.Address
	Err    string
}

func newIndex() *index {
	return &index{
		codes:   map[voting.TrackingCode]ballotPos{},
		audits:  map[voting.TrackingCode]uint64{},
		creds:   map[[voting.CredentialSize]byte]struct{}{},
		headers: map[artefactKey]uint64{},
	}
}

// setRoles sets the addresses of the ballot box and the commission from
// the manifest; until then no ballot or tally artefact is indexed.
func (ix *index) setRoles(m *voting.Manifest) {
	if m == nil || ix.roles {
		return
	}
	box, err1 := voting.ParseAddress(m.BallotBox.Address)
	com, err2 := voting.ParseAddress(m.Commission.Address)
	if err1 == nil && err2 == nil {
		ix.box, ix.commission, ix.roles = box, com, true
	}
}

// add indexes entries es, which follow the ones indexed. lock and unlock
// guard the lookup maps.
func (ix *index) add(es []bulletin.Entry, lock, unlock func()) {
	type pending struct {
		code voting.TrackingCode
		pos  ballotPos
	}
	var cast []pending
	var audited []pending
	for _, e := range es {
		if e.Seq != ix.n {
			return // not in order: the verifier reports the gap
		}
		ix.n++
		switch {
		case e.Kind == bulletin.KindPhase:
			if len(e.Payload) == 0 {
				continue
			}
			p := phaseMark{To: bulletin.Phase(e.Payload[0]), Seq: e.Seq, Poster: e.Poster}
			ix.phases = append(ix.phases, p)
			switch {
			case p.To == bulletin.PhaseOpen && ix.open == nil:
				ix.open = &p.Seq
			case p.To == bulletin.PhaseClosed && ix.closing == nil:
				ix.closing = &p.Seq
			}
		case e.Kind == bulletin.KindBallotBatch && ix.roles && e.Poster == ix.box && ix.closing == nil:
			ix.batches++
			b, err := voting.ParseBatch(e.Payload)
			if err != nil {
				ix.malformed++
				ix.cast++
				ix.activity = append(ix.activity, activity{seq: e.Seq, ballots: 1})
				continue
			}
			a := activity{seq: e.Seq, ballots: uint32(len(b.Ballots))}
			for i, raw := range b.Ballots {
				cast = append(cast, pending{sha256.Sum256(raw), ballotPos{Seq: e.Seq, Index: uint32(i)}})
				if k, ok := ballotCredential(raw); ok {
					if _, seen := ix.creds[k]; seen {
						a.revotes++
					} else {
						ix.creds[k] = struct{}{}
					}
				}
			}
			ix.cast += uint64(a.ballots)
			ix.revotes += uint64(a.revotes)
			ix.activity = append(ix.activity, a)
		case e.Kind == bulletin.KindAuditedBallot && ix.roles && e.Poster == ix.box && ix.closing == nil:
			ix.auditsN++
			ix.activity = append(ix.activity, activity{seq: e.Seq, audit: 1})
			if code, ok := auditCode(e.Payload); ok {
				audited = append(audited, pending{code, ballotPos{Seq: e.Seq}})
			}
		case e.Kind.IsChunk():
			if e.Kind == bulletin.KindChunkHeader {
				if h, err := bulletin.ParseChunkHeader(e.Payload); err == nil {
					k := artefactKey{e.Poster, h.Hash}
					if _, ok := ix.headers[k]; !ok {
						ix.headers[k] = e.Seq
					}
				}
			}
			var k artefactKey
			if e.Kind == bulletin.KindChunk {
				if c, err := bulletin.ParseChunkData(e.Payload); err == nil {
					k = artefactKey{e.Poster, c.Hash}
				}
			}
			msg, done, err := ix.asm.Add(e)
			if err != nil || !done {
				continue
			}
			first, ok := ix.headers[k]
			if !ok {
				first = e.Seq
			}
			delete(ix.headers, k)
			ix.artefact(msg.Kind, msg.Payload, tally.Ref{Kind: msg.Kind, First: first, Last: e.Seq, Head: e.Head}, e.Poster)
		default:
			ix.artefact(e.Kind, e.Payload, tally.Ref{Kind: e.Kind, First: e.Seq, Last: e.Seq, Head: e.Head}, e.Poster)
		}
	}
	if len(cast) == 0 && len(audited) == 0 {
		return
	}
	lock()
	defer unlock()
	for _, p := range cast {
		if _, dup := ix.codes[p.code]; dup {
			ix.dupCodes++
			continue
		}
		ix.codes[p.code] = p.pos
	}
	for _, p := range audited {
		if _, dup := ix.audits[p.code]; !dup {
			ix.audits[p.code] = p.pos.Seq
		}
	}
}

// artefact indexes a complete artefact (an entry, or a reassembled chunked
// one) of kind k.
func (ix *index) artefact(k bulletin.Kind, p []byte, ref tally.Ref, poster bulletin.Address) {
	if k == bulletin.KindCredentials {
		ix.credArtefacts++
		return
	}
	if ix.closing == nil || !ix.roles {
		return // the tally's artefacts come after the closing entry
	}
	switch k {
	case bulletin.KindTallyInput:
		if poster != ix.commission || len(p) == 0 {
			return
		}
		switch tally.InputType(p[0]) {
		case tally.InputReconciliation:
			if r, err := tally.ParseReconciliation(p); err == nil && ix.recon == nil {
				ix.recon, ix.reconRef = r, ref
			}
		case tally.InputTotals:
			if t, err := tally.ParseTotals(p); err == nil {
				for _, x := range ix.totals {
					if x.Contest == t.Contest {
						return // the first counts
					}
				}
				ix.totals = append(ix.totals, totalsInfo{Contest: t.Contest, Ballots: uint64(t.Ballots), Ref: ref})
			}
		case tally.InputList:
			if name, n, w, _, ok := recordFrame(p, false); ok {
				for _, x := range ix.lists {
					if x.Name == name {
						return
					}
				}
				ix.lists = append(ix.lists, listInfo{Name: name, Rows: n, Width: w, Size: len(p), Ref: ref})
			}
		}
	case bulletin.KindShuffle:
		s := shuffleInfo{Size: len(p), Ref: ref, Poster: poster}
		name, n, w, rest, ok := recordFrame(p, true)
		if ok {
			s.List, s.Rows, s.Width = name, n, w
			s.Position = binary.BigEndian.Uint32(rest)
			copy(s.Input[:], rest[4:36])
		} else {
			s.List, s.Err = tally.ListName(p), "the record's frame does not decode"
		}
		ix.shuffles = append(ix.shuffles, s)
	case bulletin.KindDecryptionShare:
		d := decryptionInfo{Size: len(p), Ref: ref, Poster: poster}
		if r, err := tally.ParseDecryptionRecord(p); err == nil {
			d.List, d.Digest, d.Size = r.List, r.Digest, len(r.Partial)
		} else {
			d.Err = "the record's frame does not decode"
		}
		ix.decs = append(ix.decs, d)
	case bulletin.KindResult:
		if poster != ix.commission || ix.posted != nil || ix.postErr != "" {
			return
		}
		r, err := tally.ParseResults(p)
		if err != nil {
			ix.postErr, ix.postRef = err.Error(), ref
			return
		}
		ix.posted, ix.postRef = r, ref
	}
}

// recordFrame reads the frame of a tally-input list or shuffle record
// (docs/spec/mixnet.md): u8 version (1) || u8 len(name) || name || u32 n
// || u32 w, and for a shuffle u32 position || digest (32); rest is what
// follows n and w. The ciphertexts and the proof are not decoded.
func recordFrame(p []byte, shuffle bool) (name string, n, w uint32, rest []byte, ok bool) {
	name = tally.ListName(p)
	if name == "" {
		return "", 0, 0, nil, false
	}
	off := 2 + len(name)
	need := off + 8
	if shuffle {
		need += 4 + 32
	}
	if len(p) < need {
		return "", 0, 0, nil, false
	}
	n = binary.BigEndian.Uint32(p[off:])
	w = binary.BigEndian.Uint32(p[off+4:])
	return name, n, w, p[off+8:], true
}

// ballotCredential returns the credential key of a ballot's encoding
// (docs/spec/ballot.md, section 6.1: 0x01 || fp (32) || u8 len(style) ||
// style || credential (32) || …) without decoding the ballot.
func ballotCredential(b []byte) ([voting.CredentialSize]byte, bool) {
	if len(b) < 34 || b[0] != 1 {
		return [voting.CredentialSize]byte{}, false
	}
	off := 34 + int(b[33])
	if len(b) < off+voting.CredentialSize {
		return [voting.CredentialSize]byte{}, false
	}
	return [voting.CredentialSize]byte(b[off : off+voting.CredentialSize]), true
}

// auditCode returns the tracking code of the ballot in an audit record
// (docs/spec/ballot.md, section 9.1: 0x01 || u32 len(ballot) || ballot ||
// …) without decoding it.
func auditCode(p []byte) (voting.TrackingCode, bool) {
	if len(p) < 5 || p[0] != 1 {
		return voting.TrackingCode{}, false
	}
	n := binary.BigEndian.Uint32(p[1:5])
	if n == 0 || uint64(len(p)-5) < uint64(n) {
		return voting.TrackingCode{}, false
	}
	return sha256.Sum256(p[5 : 5+n]), true
}
