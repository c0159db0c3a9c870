package voting

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/transcript"
	"github.com/veche/veche/crypto/zkp"
)

// The key ceremony over the board (docs/spec/ceremony.md): trustees join
// with their long-term encryption keys (trustee-joined entries), run the
// distributed key generation of crypto/dkg through dkg-commitments,
// dkg-shares and dkg-complaint entries, say when they have checked their
// shares (ready, a trustee-joined entry), and the commission posts the
// dkg-result that everyone recomputes from the board.

// Trustee-joined entry types and the version byte of both. They are part
// of the format: never renumber.
const (
	ceremonyVersion = 1
	joinType        = 1
	readyType       = 2
)

// Labels of the ceremony's bindings and digests. Part of the format.
const (
	joinBindingLabel = "veche/ceremony/v1/join"
	seenProtocol     = "veche/ceremony/v1/seen"
)

// Sizes of the trustee-joined payloads, in bytes.
const (
	// JoinSize: version, type, fingerprint, u32 index, public key, key
	// proof.
	JoinSize = 2 + zkp.FingerprintSize + 4 + hybrid.PublicKeySize + zkp.KeyProofSize
	// ReadySize: version, type, fingerprint, u32 index, u32 messages,
	// digest, u32 complaints.
	ReadySize = 2 + zkp.FingerprintSize + 4 + 4 + DigestSize + 4
	// DigestSize is the size of a ready entry's digest of the messages seen.
	DigestSize = 32
)

// Errors of the key ceremony, wrapped with details; test with [errors.Is].
var (
	// ErrMalformedEntry is wrapped by every decoding failure of a
	// trustee-joined payload or a trustee's share file.
	ErrMalformedEntry = errors.New("voting: malformed ceremony entry")
	// ErrNotTrustee: the board's account is not one of the manifest's
	// trustees.
	ErrNotTrustee = errors.New("voting: not a trustee's account")
	// ErrNotJoined: the trustee has not joined the ceremony (or joined
	// with another key).
	ErrNotJoined = errors.New("voting: the trustee has not joined with this key")
	// ErrPending: the ceremony waits for other parties; the error says
	// for what and on whom. Returned by RunKeygen with NoWait.
	ErrPending = errors.New("voting: the key ceremony is waiting for other parties")
	// ErrNotReady: the commission cannot close the ceremony yet.
	ErrNotReady = errors.New("voting: the key ceremony cannot be closed yet")
	// ErrNoResult: the ceremony has no dkg-result entry (yet).
	ErrNoResult = errors.New("voting: the key ceremony has no result")
	// ErrResultMismatch: the posted dkg-result is not the outcome of the
	// ceremony's messages, or does not decode.
	ErrResultMismatch = errors.New("voting: the posted key-ceremony result is not the one the board's messages give")
	// ErrLostState: the trustee's commitments are on the board but its
	// saved dealer state is gone or different, so it cannot compute its
	// share.
	ErrLostState = errors.New("voting: the trustee's dealer state does not match its messages on the board")
)

// TrusteeIndex returns the key-ceremony index (1 … n) of the trustee whose
// account is addr in a valid manifest.
func TrusteeIndex(m *Manifest, addr bulletin.Address) (uint32, error) {
	for i, p := range m.Trustees.Members {
		if a, err := ParseAddress(p.Address); err == nil && a == addr {
			return uint32(i + 1), nil
		}
	}
	return 0, fmt.Errorf("%w: %v is not a trustee of election %s", ErrNotTrustee, addr, m.ID)
}

// A JoinEntry is a trustee's registration: its index and long-term encryption
// key (crypto/hybrid), with a Schnorr proof of possession of the key bound
// to the election and the index (docs/spec/ceremony.md, section 3.1).
type JoinEntry struct {
	Fingerprint zkp.Fingerprint
	Index       uint32
	Key         *hybrid.PublicKey
	Proof       *zkp.KeyProof
}

// joinBinding is the key-proof binding of trustee index's join.
func joinBinding(index uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte(joinBindingLabel), index)
}

// NewJoinEntry makes trustee index's join for the election fp, proving
// possession of key with nonces from rand (nil means crypto/rand.Reader).
func NewJoinEntry(rand io.Reader, fp zkp.Fingerprint, index uint32, key *hybrid.PrivateKey) (*JoinEntry, error) {
	if index == 0 || index > MaxTrustees {
		return nil, fmt.Errorf("voting: no trustee index %d", index)
	}
	if key == nil {
		return nil, errors.New("voting: no trustee key")
	}
	pub := key.Public()
	proof, err := zkp.ProveKey(rand, fp, key.Scalar(), pub.Element(), joinBinding(index))
	if err != nil {
		return nil, fmt.Errorf("voting: proving possession of the trustee key: %w", err)
	}
	return &JoinEntry{Fingerprint: fp, Index: index, Key: pub, Proof: proof}, nil
}

// Bytes returns the encoding
//
//	0x01 || 0x01 || fp || u32(index) || Encode(X) || proof
func (j *JoinEntry) Bytes() []byte {
	b := make([]byte, 0, JoinSize)
	b = append(b, ceremonyVersion, joinType)
	b = append(b, j.Fingerprint[:]...)
	b = binary.BigEndian.AppendUint32(b, j.Index)
	b = append(b, j.Key.Bytes()...)
	return append(b, j.Proof.Bytes()...)
}

// Verify checks the proof of possession of the key.
func (j *JoinEntry) Verify() error {
	if err := zkp.VerifyKey(j.Fingerprint, j.Key.Element(), joinBinding(j.Index), j.Proof); err != nil {
		return fmt.Errorf("voting: trustee %d's proof of possession of its key fails: %w", j.Index, err)
	}
	return nil
}

// ParseJoinEntry decodes a join payload: exactly JoinSize bytes, version 1,
// type 1, an index other than 0, a valid public key (canonical, not the
// identity) and a well-formed key proof. It does not verify the proof.
// Errors wrap ErrMalformedEntry.
func ParseJoinEntry(b []byte) (*JoinEntry, error) {
	if len(b) != JoinSize {
		return nil, fmt.Errorf("%w: join of %d bytes, want %d", ErrMalformedEntry, len(b), JoinSize)
	}
	if err := entryHeader(b, joinType); err != nil {
		return nil, err
	}
	j := &JoinEntry{Fingerprint: zkp.Fingerprint(b[2:34]), Index: binary.BigEndian.Uint32(b[34:38])}
	if j.Index == 0 {
		return nil, fmt.Errorf("%w: join for trustee index 0", ErrMalformedEntry)
	}
	var err error
	if j.Key, err = hybrid.NewPublicKey(b[38:70]); err != nil {
		return nil, fmt.Errorf("%w: join: %v", ErrMalformedEntry, err)
	}
	if j.Proof, err = zkp.ParseKeyProof(b[70:]); err != nil {
		return nil, fmt.Errorf("%w: join: %v", ErrMalformedEntry, err)
	}
	return j, nil
}

func entryHeader(b []byte, typ byte) error {
	if len(b) < 2 || b[0] != ceremonyVersion {
		return fmt.Errorf("%w: not a version %d trustee entry", ErrMalformedEntry, ceremonyVersion)
	}
	if b[1] != typ {
		return fmt.Errorf("%w: trustee entry type %d, want %d", ErrMalformedEntry, b[1], typ)
	}
	return nil
}

// A ReadyEntry says that trustee Index has processed the first Messages
// messages of the ceremony (their digest is Digest), checked its share
// from every dealer among them, and posted its complaints, Complaints of
// them (docs/spec/ceremony.md, section 3.2).
type ReadyEntry struct {
	Fingerprint zkp.Fingerprint
	Index       uint32
	Messages    uint32
	Digest      [DigestSize]byte
	Complaints  uint32
}

// Bytes returns the encoding
//
//	0x01 || 0x02 || fp || u32(index) || u32(messages) || digest || u32(complaints)
func (r *ReadyEntry) Bytes() []byte {
	b := make([]byte, 0, ReadySize)
	b = append(b, ceremonyVersion, readyType)
	b = append(b, r.Fingerprint[:]...)
	b = binary.BigEndian.AppendUint32(b, r.Index)
	b = binary.BigEndian.AppendUint32(b, r.Messages)
	b = append(b, r.Digest[:]...)
	return binary.BigEndian.AppendUint32(b, r.Complaints)
}

// ParseReadyEntry decodes a ready payload: exactly ReadySize bytes, version 1,
// type 2, an index other than 0. Errors wrap ErrMalformedEntry.
func ParseReadyEntry(b []byte) (*ReadyEntry, error) {
	if len(b) != ReadySize {
		return nil, fmt.Errorf("%w: ready of %d bytes, want %d", ErrMalformedEntry, len(b), ReadySize)
	}
	if err := entryHeader(b, readyType); err != nil {
		return nil, err
	}
	r := &ReadyEntry{
		Fingerprint: zkp.Fingerprint(b[2:34]),
		Index:       binary.BigEndian.Uint32(b[34:38]),
		Messages:    binary.BigEndian.Uint32(b[38:42]),
		Digest:      [DigestSize]byte(b[42:74]),
		Complaints:  binary.BigEndian.Uint32(b[74:78]),
	}
	if r.Index == 0 {
		return nil, fmt.Errorf("%w: ready for trustee index 0", ErrMalformedEntry)
	}
	return r, nil
}

// SeenDigest returns the digest of a sequence of ceremony messages (their
// encodings, in board order) that a ready entry carries: the 32 challenge
// bytes "digest" of the transcript "veche/ceremony/v1/seen" over the
// fingerprint and the list of messages.
func SeenDigest(fp zkp.Fingerprint, msgs [][]byte) [DigestSize]byte {
	t := transcript.New(seenProtocol).Bytes("fingerprint", fp[:]).List("messages", len(msgs))
	for _, m := range msgs {
		t.Bytes("", m)
	}
	return [DigestSize]byte(t.ChallengeBytes("digest", DigestSize))
}

// A TrusteeShare is what a trustee keeps secret after the ceremony: its
// index and its share x_j of the election key. Its encoding
// (docs/spec/ceremony.md, section 7) is what the trustee seals in its
// share file. It prints without the share.
type TrusteeShare struct {
	Fingerprint zkp.Fingerprint
	Index       uint32
	Share       *group.Scalar // secret
}

// trusteeShareVersion is the first byte of a TrusteeShare encoding.
const trusteeShareVersion = 1

// TrusteeShareSize is the size of a TrusteeShare encoding.
const TrusteeShareSize = 1 + zkp.FingerprintSize + 4 + group.ScalarSize

// NewTrusteeShare returns the share of a trustee's dkg result.
func NewTrusteeShare(r *dkg.Result) *TrusteeShare {
	return &TrusteeShare{Fingerprint: r.Public.Fingerprint, Index: r.Index, Share: new(group.Scalar).Set(r.Share)}
}

// Bytes returns the encoding 0x01 || fp || u32(index) || x_j. It is
// secret.
func (s *TrusteeShare) Bytes() []byte {
	b := make([]byte, 0, TrusteeShareSize)
	b = append(b, trusteeShareVersion)
	b = append(b, s.Fingerprint[:]...)
	b = binary.BigEndian.AppendUint32(b, s.Index)
	return append(b, s.Share.Bytes()...)
}

// String describes the share without its value.
func (s *TrusteeShare) String() string {
	return fmt.Sprintf("voting.TrusteeShare{Index: %d, Fingerprint: %x…, REDACTED}", s.Index, s.Fingerprint[:6])
}

// GoString is String.
func (s *TrusteeShare) GoString() string { return s.String() }

// Format implements [fmt.Formatter] so that every verb prints String.
func (s *TrusteeShare) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// ParseTrusteeShare decodes a share: exactly TrusteeShareSize bytes,
// version 1, an index other than 0 and a canonical scalar. Errors wrap
// ErrMalformedEntry and never contain the input.
func ParseTrusteeShare(b []byte) (*TrusteeShare, error) {
	if len(b) != TrusteeShareSize || b[0] != trusteeShareVersion {
		return nil, fmt.Errorf("%w: a trustee share is %d bytes of version %d", ErrMalformedEntry, TrusteeShareSize, trusteeShareVersion)
	}
	s := &TrusteeShare{Fingerprint: zkp.Fingerprint(b[1:33]), Index: binary.BigEndian.Uint32(b[33:37])}
	if s.Index == 0 {
		return nil, fmt.Errorf("%w: trustee share for index 0", ErrMalformedEntry)
	}
	x, err := new(group.Scalar).SetCanonicalBytes(b[37:])
	if err != nil {
		return nil, fmt.Errorf("%w: the trustee share is not a canonical scalar", ErrMalformedEntry)
	}
	s.Share = x
	return s, nil
}

// A CeremonyState is the key ceremony as the board has it, replayed by
// [ReadCeremony]: who has joined, dealt and is ready, the ceremony's
// messages, the posted result and the one recomputed from the messages.
type CeremonyState struct {
	Election    string
	Fingerprint zkp.Fingerprint
	Threshold   int
	// Phase is the election's phase after the entries read.
	Phase bulletin.Phase
	// Trustees[j-1] is trustee j's status.
	Trustees []TrusteeStatus
	// Params are the DKG parameters, set once every trustee has joined
	// (at entry ParamsSeq).
	Params    *dkg.Params
	ParamsSeq uint64
	// Messages are the ceremony's messages: the DKG entries that passed
	// the poster check, in board order, up to the dkg-result entry, with
	// the state machine's verdict on each.
	Messages []CeremonyMessage
	// Closed is set once the commission's dkg-result entry (entry
	// PostedSeq) is read. Posted is its decoding, or PostedErr says why
	// it does not decode.
	Closed    bool
	PostedSeq uint64
	Posted    *dkg.PublicResult
	PostedErr error
	// Result is the outcome recomputed from Messages (nil with ResultErr
	// set if there is none yet: not every trustee joined, or fewer than k
	// dealers qualified).
	Result    *dkg.PublicResult
	ResultErr error
	// Ignored lists the ceremony entries that count for nothing, with the
	// reason, in board order.
	Ignored []Ignored
	// Read is the number of the topic's entries read.
	Read uint64
}

// A TrusteeStatus is one trustee's part in the ceremony so far.
type TrusteeStatus struct {
	Index   uint32
	Party   Party
	Key     *hybrid.PublicKey // the joined key; nil until the trustee joins
	JoinSeq uint64
	// Commitments and Shares: the dealer's messages are accepted.
	Commitments, Shares bool
	// Disqualified: a justified complaint showed a bad share of this
	// dealer.
	Disqualified bool
	// Complaints is the number of complaint messages this trustee posted.
	Complaints int
	// Ready is the trustee's ready entry (entry ReadySeq), nil until it
	// is posted.
	Ready    *ReadyEntry
	ReadySeq uint64
}

// Joined reports whether the trustee has joined.
func (t *TrusteeStatus) Joined() bool { return t.Key != nil }

// Dealt reports whether both of the dealer's messages are accepted.
func (t *TrusteeStatus) Dealt() bool { return t.Commitments && t.Shares }

// A CeremonyMessage is one of the ceremony's messages.
type CeremonyMessage struct {
	Seq     uint64
	Message dkg.Message
	// Err is the state machine's verdict: nil for an accepted message, a
	// replay or a justified complaint; otherwise why it counts for nothing
	// (wrapping dkg.ErrRejected, dkg.ErrWrongElection or
	// dkg.ErrFalseComplaint).
	Err error
	// Outcome names the verdict: "accepted", "replay", "justified
	// complaint", "false complaint", "rejected" or "another election".
	Outcome string
}

// An Ignored entry is a ceremony entry that counts for nothing.
type Ignored struct {
	Seq    uint64
	Kind   bulletin.Kind
	Poster bulletin.Address
	Reason string
}

func (i Ignored) String() string {
	return fmt.Sprintf("entry %d (%v by %v): %s", i.Seq, i.Kind, i.Poster, i.Reason)
}

// Joined returns the number of trustees that have joined.
func (s *CeremonyState) Joined() int {
	n := 0
	for i := range s.Trustees {
		if s.Trustees[i].Joined() {
			n++
		}
	}
	return n
}

// NotReady returns the indices of the trustees without a ready entry.
func (s *CeremonyState) NotReady() []uint32 {
	var out []uint32
	for i := range s.Trustees {
		if s.Trustees[i].Ready == nil {
			out = append(out, uint32(i+1))
		}
	}
	return out
}

// Matches reports whether the posted result is the recomputed one.
func (s *CeremonyState) Matches() bool {
	return s.Posted != nil && s.Result != nil && s.Posted.Equal(s.Result)
}

// who names trustee j for messages: "trustee 2 (Name)".
func (s *CeremonyState) who(j uint32) string {
	return fmt.Sprintf("trustee %d (%s)", j, s.Trustees[j-1].Party.Name)
}

func (s *CeremonyState) whoList(js []uint32) string {
	names := make([]string, len(js))
	for n, j := range js {
		names[n] = s.who(j)
	}
	return strings.Join(names, ", ")
}

// Waiting says what the ceremony waits for and on whom, one line per
// missing step, in the order the steps come; empty once the result is
// posted and matches.
func (s *CeremonyState) Waiting() []string {
	var out []string
	if s.Closed {
		if !s.Matches() {
			out = append(out, "the posted result does not match the board's messages: "+s.mismatch().Error())
		}
		return out
	}
	var notJoined, notDealt, notReady []uint32
	for i := range s.Trustees {
		t := &s.Trustees[i]
		j := uint32(i + 1)
		if !t.Joined() {
			notJoined = append(notJoined, j)
		}
		if !t.Dealt() {
			notDealt = append(notDealt, j)
		}
		if t.Ready == nil {
			notReady = append(notReady, j)
		}
	}
	if len(notJoined) > 0 {
		out = append(out, "to join: "+s.whoList(notJoined))
	}
	switch {
	case s.Phase == bulletin.PhaseSetup:
		out = append(out, "the commission to start the key ceremony (phase setup)")
	case s.Phase > bulletin.PhaseKeyCeremony:
		out = append(out, fmt.Sprintf("nothing: the election is in phase %v and the ceremony has no result", s.Phase))
		return out
	}
	if len(notJoined) > 0 {
		return out
	}
	if len(notDealt) > 0 {
		out = append(out, "to deal (commitments and shares): "+s.whoList(notDealt))
	}
	if len(notReady) > 0 {
		out = append(out, "to check their shares and post ready: "+s.whoList(notReady))
	}
	if len(notReady) == 0 {
		out = append(out, "the commission to close the ceremony (post the dkg-result)")
	}
	return out
}

func (s *CeremonyState) mismatch() error {
	switch {
	case s.PostedErr != nil:
		return fmt.Errorf("%w: entry %d: %v", ErrResultMismatch, s.PostedSeq, s.PostedErr)
	case s.Result == nil:
		return fmt.Errorf("%w: entry %d: the messages give no result: %v", ErrResultMismatch, s.PostedSeq, s.ResultErr)
	case !s.Posted.Equal(s.Result):
		return fmt.Errorf("%w: entry %d differs from the recomputed result", ErrResultMismatch, s.PostedSeq)
	}
	return nil
}

// replayer builds a CeremonyState entry by entry. In a trustee's run it
// also feeds the trustee's state machine (trustee, created by onParams
// once every trustee has joined).
type replayer struct {
	s          *CeremonyState
	addrs      map[bulletin.Address]uint32
	commission bulletin.Address

	cer      *dkg.Ceremony
	trustee  *dkg.Trustee
	onParams func(*dkg.Params) (*dkg.Trustee, error)

	complaints map[[2]uint32][]byte // (complainer, dealer) → first complaint seen
	accepted   map[[2]uint32][]byte // (dealer, type) → accepted commitments or shares
	payloads   [][]byte             // of s.Messages
	done       bool                 // the phase moved past key-ceremony
}

func newReplayer(m *Manifest) (*replayer, error) {
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	s := &CeremonyState{
		Election:    m.ID,
		Fingerprint: fp,
		Threshold:   m.Trustees.Threshold,
		Phase:       bulletin.PhaseSetup,
		Trustees:    make([]TrusteeStatus, len(m.Trustees.Members)),
		ResultErr:   errors.New("voting: not every trustee has joined"),
	}
	r := &replayer{
		s:          s,
		addrs:      map[bulletin.Address]uint32{},
		commission: mustAddress(m.Commission.Address),
		complaints: map[[2]uint32][]byte{},
		accepted:   map[[2]uint32][]byte{},
	}
	for i, p := range m.Trustees.Members {
		s.Trustees[i] = TrusteeStatus{Index: uint32(i + 1), Party: p}
		r.addrs[mustAddress(p.Address)] = uint32(i + 1)
	}
	return r, nil
}

func (r *replayer) ignore(e bulletin.Entry, format string, args ...any) {
	r.s.Ignored = append(r.s.Ignored, Ignored{Seq: e.Seq, Kind: e.Kind, Poster: e.Poster, Reason: fmt.Sprintf(format, args...)})
}

// add processes the next entry of the topic. Errors come only from
// onParams (a trustee's own state).
func (r *replayer) add(e bulletin.Entry) error {
	s := r.s
	s.Read = e.Seq + 1
	if r.done {
		return nil
	}
	switch e.Kind {
	case bulletin.KindPhase:
		if len(e.Payload) > 0 {
			s.Phase = bulletin.Phase(e.Payload[0])
		}
		r.done = s.Phase > bulletin.PhaseKeyCeremony
	case bulletin.KindTrusteeJoined:
		return r.trusteeEntry(e)
	case bulletin.KindDKGCommitments, bulletin.KindDKGShares, bulletin.KindDKGComplaint:
		r.dkgEntry(e)
	case bulletin.KindDKGResult:
		r.resultEntry(e)
	case bulletin.KindChunkHeader, bulletin.KindChunk:
		switch k, _ := bulletin.EffectiveKind(e.Kind, e.Payload); k {
		case bulletin.KindTrusteeJoined, bulletin.KindDKGCommitments, bulletin.KindDKGShares, bulletin.KindDKGComplaint, bulletin.KindDKGResult:
			r.ignore(e, "ceremony entries are never chunked (carries %v)", k)
		}
	}
	return nil
}

func (r *replayer) trusteeEntry(e bulletin.Entry) error {
	s := r.s
	j, ok := r.addrs[e.Poster]
	if !ok {
		r.ignore(e, "not posted by a trustee")
		return nil
	}
	if len(e.Payload) < 2 || e.Payload[0] != ceremonyVersion || (e.Payload[1] != joinType && e.Payload[1] != readyType) {
		r.ignore(e, "%v", fmt.Errorf("%w: unknown version or type", ErrMalformedEntry))
		return nil
	}
	if e.Payload[1] == readyType {
		r.readyEntry(e, j)
		return nil
	}
	join, err := ParseJoinEntry(e.Payload)
	if err != nil {
		r.ignore(e, "%v", err)
		return nil
	}
	switch {
	case join.Fingerprint != s.Fingerprint:
		r.ignore(e, "join for another election (fingerprint %x…)", join.Fingerprint[:6])
		return nil
	case join.Index != j:
		r.ignore(e, "join for trustee %d posted by trustee %d's account", join.Index, j)
		return nil
	case s.Closed:
		r.ignore(e, "join after the result")
		return nil
	}
	t := &s.Trustees[j-1]
	if t.Joined() {
		if t.Key.Equal(join.Key) {
			r.ignore(e, "%s already joined with this key (entry %d)", s.who(j), t.JoinSeq)
		} else {
			r.ignore(e, "%s already joined with another key (entry %d); the first join counts", s.who(j), t.JoinSeq)
		}
		return nil
	}
	if err := join.Verify(); err != nil {
		r.ignore(e, "%v", err)
		return nil
	}
	for i := range s.Trustees {
		if o := &s.Trustees[i]; o.Joined() && o.Key.Equal(join.Key) {
			r.ignore(e, "%s joined with the key of %s", s.who(j), s.who(uint32(i+1)))
			return nil
		}
	}
	t.Key, t.JoinSeq = join.Key, e.Seq
	if s.Joined() < len(s.Trustees) {
		return nil
	}
	p := &dkg.Params{Fingerprint: s.Fingerprint, Threshold: s.Threshold, N: len(s.Trustees)}
	for i := range s.Trustees {
		p.Participants = append(p.Participants, dkg.Participant{Index: uint32(i + 1), Key: s.Trustees[i].Key})
	}
	cer, err := dkg.NewCeremony(p)
	if err != nil {
		// Unreachable: a valid manifest and distinct, valid keys.
		return fmt.Errorf("voting: election %s: ceremony parameters: %w", s.Election, err)
	}
	s.Params, s.ParamsSeq, s.ResultErr = p, e.Seq, nil
	r.cer = cer
	if r.onParams != nil {
		if r.trustee, err = r.onParams(p); err != nil {
			return err
		}
	}
	return nil
}

func (r *replayer) readyEntry(e bulletin.Entry, j uint32) {
	s := r.s
	rd, err := ParseReadyEntry(e.Payload)
	switch {
	case err != nil:
		r.ignore(e, "%v", err)
		return
	case rd.Fingerprint != s.Fingerprint:
		r.ignore(e, "ready for another election (fingerprint %x…)", rd.Fingerprint[:6])
		return
	case rd.Index != j:
		r.ignore(e, "ready for trustee %d posted by trustee %d's account", rd.Index, j)
		return
	case s.Params == nil:
		r.ignore(e, "ready before every trustee joined")
		return
	case s.Closed:
		r.ignore(e, "ready after the result")
		return
	case s.Trustees[j-1].Ready != nil:
		r.ignore(e, "%s is already ready (entry %d)", s.who(j), s.Trustees[j-1].ReadySeq)
		return
	case uint64(rd.Messages) > uint64(len(r.payloads)):
		r.ignore(e, "ready after %d messages, but only %d precede it", rd.Messages, len(r.payloads))
		return
	}
	seen := r.payloads[:rd.Messages]
	if SeenDigest(s.Fingerprint, seen) != rd.Digest {
		r.ignore(e, "%s saw other messages than the board's first %d (digest differs)", s.who(j), rd.Messages)
		return
	}
	complaints := uint32(0)
	for _, m := range s.Messages[:rd.Messages] {
		if m.Message.Type() == dkg.TypeComplaint && m.Message.Sender() == j {
			complaints++
		}
	}
	if complaints != rd.Complaints {
		r.ignore(e, "%s claims %d complaints, the board's first %d messages hold %d", s.who(j), rd.Complaints, rd.Messages, complaints)
		return
	}
	s.Trustees[j-1].Ready, s.Trustees[j-1].ReadySeq = rd, e.Seq
}

var dkgKinds = map[dkg.MessageType]bulletin.Kind{
	dkg.TypeCommitments: bulletin.KindDKGCommitments,
	dkg.TypeShares:      bulletin.KindDKGShares,
	dkg.TypeComplaint:   bulletin.KindDKGComplaint,
}

func (r *replayer) dkgEntry(e bulletin.Entry) {
	s := r.s
	j, ok := r.addrs[e.Poster]
	switch {
	case !ok:
		r.ignore(e, "not posted by a trustee")
		return
	case s.Closed:
		r.ignore(e, "after the result")
		return
	case s.Params == nil:
		r.ignore(e, "before every trustee joined")
		return
	}
	msg, err := dkg.ParseMessage(e.Payload)
	switch {
	case err != nil:
		r.ignore(e, "%v", err)
		return
	case dkgKinds[msg.Type()] != e.Kind:
		r.ignore(e, "a %v message in a %v entry", msg.Type(), e.Kind)
		return
	case msg.Sender() != j:
		r.ignore(e, "names trustee %d as its sender but was posted by trustee %d's account", msg.Sender(), j)
		return
	}
	t, sender := msg.Type(), msg.Sender()
	replay := false
	var key [2]uint32
	switch m := msg.(type) {
	case *dkg.Complaint:
		key = [2]uint32{m.Complainer, m.Dealer}
		prev, seen := r.complaints[key]
		replay = seen && bytes.Equal(prev, e.Payload)
	default:
		key = [2]uint32{sender, uint32(t)}
		replay = bytes.Equal(r.accepted[key], e.Payload)
	}
	if r.trustee != nil {
		err = r.trustee.Receive(msg)
	} else {
		err = r.cer.Receive(msg)
	}
	if _, seen := r.complaints[key]; t == dkg.TypeComplaint && !seen && (err == nil || errors.Is(err, dkg.ErrFalseComplaint)) {
		r.complaints[key] = e.Payload // recorded by the state machine: later copies are replays
	}
	cm := CeremonyMessage{Seq: e.Seq, Message: msg, Err: err}
	ts := &s.Trustees[sender-1]
	switch {
	case errors.Is(err, dkg.ErrFalseComplaint):
		cm.Outcome = "false complaint"
	case errors.Is(err, dkg.ErrWrongElection):
		cm.Outcome = "another election"
	case err != nil:
		cm.Outcome = "rejected"
	case replay:
		cm.Outcome = "replay"
	case t == dkg.TypeCommitments:
		cm.Outcome = "accepted"
		ts.Commitments, r.accepted[key] = true, e.Payload
	case t == dkg.TypeShares:
		cm.Outcome = "accepted"
		ts.Shares, r.accepted[key] = true, e.Payload
	case t == dkg.TypeComplaint:
		cm.Outcome = "justified complaint"
		s.Trustees[key[1]-1].Disqualified = true
	}
	if t == dkg.TypeComplaint {
		ts.Complaints++
	}
	s.Messages = append(s.Messages, cm)
	r.payloads = append(r.payloads, e.Payload)
}

func (r *replayer) resultEntry(e bulletin.Entry) {
	s := r.s
	switch {
	case e.Poster != r.commission:
		r.ignore(e, "not posted by the commission")
		return
	case s.Closed:
		r.ignore(e, "a second result; the first (entry %d) counts", s.PostedSeq)
		return
	}
	s.Closed, s.PostedSeq = true, e.Seq
	s.Posted, s.PostedErr = nil, nil
	p, err := dkg.ParsePublicResult(e.Payload)
	switch {
	case err != nil:
		s.PostedErr = err
	case p.Fingerprint != s.Fingerprint:
		s.PostedErr = fmt.Errorf("voting: the result is for another election (fingerprint %x…)", p.Fingerprint[:6])
	default:
		s.Posted = p
	}
}

// finish computes the result from the messages read.
func (r *replayer) finish() {
	s := r.s
	if r.cer == nil && r.trustee == nil {
		return
	}
	c := r.cer
	if r.trustee != nil {
		c = r.trustee.Ceremony()
	}
	s.Result, s.ResultErr = c.Result()
}

// ownAccepted returns dealer i's accepted message of type t, or nil.
func (r *replayer) ownAccepted(i uint32, t dkg.MessageType) []byte {
	return r.accepted[[2]uint32{i, uint32(t)}]
}

// readPage is how many entries one read asks for.
const readPage = 1000

// catchUp reads the topic from r.s.Read to its current end.
func (r *replayer) catchUp(ctx context.Context, rd bulletin.Reader, topic bulletin.TopicID) error {
	_, count, err := rd.Head(ctx, topic)
	if err != nil {
		return err
	}
	for from := r.s.Read; from < count && !r.done; {
		es, err := rd.Entries(ctx, topic, from, min(from+readPage, count))
		if err != nil {
			return err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Seq != from {
				return fmt.Errorf("%w: entry %d where %d was expected", bulletin.ErrGap, e.Seq, from)
			}
			if err := r.add(e); err != nil {
				return err
			}
			from++
		}
	}
	return nil
}

// ReadCeremony replays the key ceremony of election m from the board: the
// trustees' joins and readiness, the DKG messages in board order (each
// checked against its poster), the posted result and the one recomputed
// from the messages. It reads up to the entry that ends the key-ceremony
// phase, or to the end of the topic. Entries that count for nothing are
// listed in Ignored with the reason.
func ReadCeremony(ctx context.Context, r bulletin.Reader, m *Manifest) (*CeremonyState, error) {
	rp, err := newReplayer(m)
	if err != nil {
		return nil, err
	}
	if err := rp.catchUp(ctx, r, m.Topic()); err != nil {
		return nil, fmt.Errorf("voting: election %s: reading the key ceremony: %w", m.ID, err)
	}
	rp.finish()
	return rp.s, nil
}

// JointKey returns the election's checked key-ceremony result: the posted
// dkg-result, which must equal the one recomputed from the board's
// messages. Voters encrypt to its JointKey; the tally checks decryption
// shares against its verification keys.
func JointKey(ctx context.Context, r bulletin.Reader, m *Manifest) (*dkg.PublicResult, error) {
	s, err := ReadCeremony(ctx, r, m)
	if err != nil {
		return nil, err
	}
	if !s.Closed {
		return nil, fmt.Errorf("%w: election %s (phase %v): waiting for %s", ErrNoResult, m.ID, s.Phase, strings.Join(s.Waiting(), "; "))
	}
	if err := s.mismatch(); err != nil {
		return nil, fmt.Errorf("voting: election %s: %w", m.ID, err)
	}
	return s.Result, nil
}

// Join posts trustee's join to election m: the long-term public key of
// key with a proof of possession (randomness from rand, nil meaning
// crypto/rand.Reader). b posts as the trustee's account, whose position in
// the manifest gives the index. It returns the sequence number of the
// trustee's join entry. It posts nothing if the trustee has already joined
// with this key, and fails if it joined with another one.
func Join(ctx context.Context, b Board, m *Manifest, key *hybrid.PrivateKey, rand io.Reader) (uint64, error) {
	if key == nil {
		return 0, errors.New("voting: no trustee key")
	}
	index, err := TrusteeIndex(m, b.Address())
	if err != nil {
		return 0, err
	}
	s, err := ReadCeremony(ctx, b, m)
	if err != nil {
		return 0, err
	}
	t := &s.Trustees[index-1]
	if t.Joined() {
		if t.Key.Equal(key.Public()) {
			return t.JoinSeq, nil
		}
		return 0, fmt.Errorf("voting: %s has already joined election %s with another key (entry %d)", s.who(index), m.ID, t.JoinSeq)
	}
	for i := range s.Trustees {
		if o := &s.Trustees[i]; o.Joined() && o.Key.Equal(key.Public()) {
			return 0, fmt.Errorf("voting: %s has joined election %s with this key", s.who(uint32(i+1)), m.ID)
		}
	}
	j, err := NewJoinEntry(rand, s.Fingerprint, index, key)
	if err != nil {
		return 0, err
	}
	seq, err := b.Append(ctx, m.Topic(), bulletin.KindTrusteeJoined, j.Bytes())
	if err != nil {
		return 0, fmt.Errorf("voting: posting the join of %s: %w", s.who(index), err)
	}
	return seq, nil
}

// CloseOptions are the commission's options for [CloseCeremony].
type CloseOptions struct {
	// Force closes the ceremony without every trustee ready: it needs at
	// least k ready trustees and at least k qualified dealers. Trustees
	// that are not ready may be unable to compute their share.
	Force bool
}

// CloseCeremony ends the key ceremony of election m: it recomputes the
// result from the ceremony's messages and posts it as the dkg-result
// entry. b posts as the commission; the election must be in phase
// key-ceremony and every trustee ready (or, with opts.Force, at least k
// trustees ready and k dealers qualified: [CeremonyState.NotReady] lists
// the others). The caller then moves the election to phase open. Run again
// after the result is posted, it returns that result if it is correct and
// posts nothing.
func CloseCeremony(ctx context.Context, b Board, m *Manifest, opts *CloseOptions) (*dkg.PublicResult, error) {
	if opts == nil {
		opts = &CloseOptions{}
	}
	if self := b.Address(); self != mustAddress(m.Commission.Address) {
		return nil, fmt.Errorf("%w: posting as %v, the manifest names %s as the commission", ErrNotCommission, self, m.Commission.Address)
	}
	s, err := ReadCeremony(ctx, b, m)
	if err != nil {
		return nil, err
	}
	if s.Closed {
		if err := s.mismatch(); err != nil {
			return nil, fmt.Errorf("voting: election %s: %w", m.ID, err)
		}
		return s.Result, nil
	}
	if s.Phase != bulletin.PhaseKeyCeremony {
		return nil, fmt.Errorf("%w: election %s is in phase %v, not key-ceremony", ErrNotReady, m.ID, s.Phase)
	}
	if s.Params == nil {
		return nil, fmt.Errorf("%w: election %s: waiting for %s", ErrNotReady, m.ID, strings.Join(s.Waiting(), "; "))
	}
	notReady := s.NotReady()
	if ready := len(s.Trustees) - len(notReady); len(notReady) > 0 && (!opts.Force || ready < s.Threshold) {
		need := "every trustee"
		if opts.Force {
			need = fmt.Sprintf("at least k = %d", s.Threshold)
		}
		return nil, fmt.Errorf("%w: election %s: %d of %d trustees are ready, need %s; not ready: %s", ErrNotReady, m.ID, ready, len(s.Trustees), need, s.whoList(notReady))
	}
	if s.ResultErr != nil {
		return nil, fmt.Errorf("%w: election %s: %w", ErrNotReady, m.ID, s.ResultErr)
	}
	if _, err := b.Append(ctx, m.Topic(), bulletin.KindDKGResult, s.Result.Bytes()); err != nil {
		return nil, fmt.Errorf("voting: posting the key-ceremony result of election %s: %w", m.ID, err)
	}
	return s.Result, nil
}

// A KeygenStore keeps a trustee's dealer state between runs of
// [RunKeygen]: the secret polynomial and the two messages it dealt. The
// state is secret; the caller keeps it encrypted. LoadState returns nil and
// no error if nothing is saved; SaveState must have stored the state
// durably when it returns, because the messages are posted next.
type KeygenStore interface {
	LoadState() ([]byte, error)
	SaveState([]byte) error
}

// A MemoryStore is a [KeygenStore] in memory, for trustees played inside
// one process (demos, tests): its state is lost with the process, so a
// trustee using it cannot resume after a crash. The zero value is ready.
type MemoryStore struct {
	mu    sync.Mutex
	state []byte
}

// LoadState returns the saved state (nil if none).
func (s *MemoryStore) LoadState() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state), nil
}

// SaveState keeps a copy of b.
func (s *MemoryStore) SaveState(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = slices.Clone(b)
	return nil
}

// keygenStateVersion is the first byte of the saved keygen state.
const keygenStateVersion = 1

// keygenState is what RunKeygen saves before posting its messages
// (docs/spec/ceremony.md, section 7).
type keygenState struct {
	dealer      []byte // dkg.Trustee.MarshalDealerState
	commitments []byte
	shares      []byte
}

func (k *keygenState) bytes() []byte {
	b := []byte{keygenStateVersion}
	for _, f := range [][]byte{k.dealer, k.commitments, k.shares} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func parseKeygenState(b []byte) (*keygenState, error) {
	bad := fmt.Errorf("%w: the saved keygen state is not a version %d state", ErrMalformedEntry, keygenStateVersion)
	if len(b) < 1 || b[0] != keygenStateVersion {
		return nil, bad
	}
	b = b[1:]
	var fields [3][]byte
	for i := range fields {
		if len(b) < 4 {
			return nil, bad
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil, bad
		}
		fields[i], b = b[4:4+n], b[4+n:]
	}
	if len(b) != 0 {
		return nil, bad
	}
	return &keygenState{dealer: fields[0], commitments: fields[1], shares: fields[2]}, nil
}

// A PendingError is what [RunKeygen] returns with NoWait when the ceremony
// must wait for someone else. It wraps [ErrPending].
type PendingError struct {
	// Waiting says what the ceremony waits for and on whom
	// ([CeremonyState.Waiting]).
	Waiting []string
}

func (e *PendingError) Error() string {
	return ErrPending.Error() + ": " + strings.Join(e.Waiting, "; ")
}

// Unwrap returns ErrPending.
func (e *PendingError) Unwrap() error { return ErrPending }

// KeygenOptions are a trustee's options for [RunKeygen].
type KeygenOptions struct {
	// Rand is the source of randomness (nil means crypto/rand.Reader).
	Rand io.Reader
	// Progress, if set, is told each step in a line of text. It is never
	// given a secret.
	Progress func(string)
	// NoWait returns a *PendingError as soon as the ceremony must wait for
	// someone else, instead of following the board.
	NoWait bool
	// Without lists dealers the trustee does not wait for before posting
	// its ready entry (trustees known to be gone), so that the commission
	// can close the ceremony with CloseOptions.Force.
	Without []uint32
}

// RunKeygen runs trustee's side of the key ceremony of election m to the
// end and returns its result, whose share the caller stores encrypted. b
// posts as the trustee's account; key is the long-term key the trustee
// joined with ([Join]). It is idempotent and resumable: run again after a
// crash, it replays the board and the saved state and posts only what is
// not on the board yet.
//
// In order: it waits until every trustee has joined and the election is in
// phase key-ceremony; deals once, saving the dealer state to store before
// posting the commitments and shares; feeds every ceremony message to the
// trustee's state machine in board order; posts a complaint against every
// dealer whose share for it is bad; posts its ready entry once every
// dealer (but opts.Without) has dealt and its complaints are on the board;
// waits for the commission's dkg-result; and finishes: it checks that the
// posted result is the one the board's messages give and that its share
// matches its verification key.
func RunKeygen(ctx context.Context, b Board, m *Manifest, key *hybrid.PrivateKey, store KeygenStore, opts *KeygenOptions) (*dkg.Result, error) {
	if opts == nil {
		opts = &KeygenOptions{}
	}
	if key == nil || store == nil {
		return nil, errors.New("voting: RunKeygen needs the trustee's key and a store")
	}
	me, err := TrusteeIndex(m, b.Address())
	if err != nil {
		return nil, err
	}
	if slices.Contains(opts.Without, me) {
		return nil, fmt.Errorf("voting: trustee %d cannot do without itself", me)
	}
	rp, err := newReplayer(m)
	if err != nil {
		return nil, err
	}
	k := &keygen{b: b, m: m, me: me, key: key, store: store, opts: opts, r: rp, complained: map[uint32]bool{}}
	rp.onParams = k.newTrustee
	topic := m.Topic()
	// Catch up with the board, act, and repeat while acting posts.
	for {
		if err := rp.catchUp(ctx, b, topic); err != nil {
			return nil, fmt.Errorf("voting: election %s: %w", m.ID, err)
		}
		res, posted, err := k.act(ctx)
		if res != nil || err != nil {
			return res, err
		}
		if !posted {
			break
		}
	}
	if opts.NoWait {
		return nil, &PendingError{Waiting: rp.s.Waiting()}
	}
	k.progress("waiting for: %s", strings.Join(rp.s.Waiting(), "; "))
	for e, err := range b.Follow(ctx, topic, rp.s.Read) {
		if err != nil {
			return nil, fmt.Errorf("voting: election %s: following the board: %w", m.ID, err)
		}
		if err := rp.add(e); err != nil {
			return nil, err
		}
		if !ceremonyKind(e.Kind) {
			continue
		}
		res, posted, err := k.act(ctx)
		if res != nil || err != nil {
			return res, err
		}
		if posted {
			k.progress("waiting for: %s", strings.Join(rp.s.Waiting(), "; "))
		}
	}
	return nil, fmt.Errorf("voting: election %s: the board's entries ended", m.ID)
}

func ceremonyKind(k bulletin.Kind) bool {
	switch k {
	case bulletin.KindPhase, bulletin.KindTrusteeJoined, bulletin.KindDKGCommitments, bulletin.KindDKGShares,
		bulletin.KindDKGComplaint, bulletin.KindDKGResult:
		return true
	}
	return false
}

// keygen is one run of RunKeygen.
type keygen struct {
	b     Board
	m     *Manifest
	me    uint32
	key   *hybrid.PrivateKey
	store KeygenStore
	opts  *KeygenOptions
	r     *replayer

	state      *keygenState // loaded or dealt
	postedDeal bool
	complained map[uint32]bool // dealers complained about in this run
	readied    bool
}

func (k *keygen) progress(format string, args ...any) {
	if k.opts.Progress != nil {
		k.opts.Progress(fmt.Sprintf(format, args...))
	}
}

// newTrustee is the replayer's onParams: it creates the trustee's state
// machine and restores the saved dealer state, if any.
func (k *keygen) newTrustee(p *dkg.Params) (*dkg.Trustee, error) {
	t, err := dkg.New(p, k.me, k.key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJoined, err)
	}
	b, err := k.store.LoadState()
	if err != nil {
		return nil, fmt.Errorf("voting: loading the keygen state: %w", err)
	}
	if b == nil {
		return t, nil
	}
	st, err := parseKeygenState(b)
	if err != nil {
		return nil, err
	}
	if err := t.RestoreDealerState(st.dealer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLostState, err)
	}
	k.state = st
	k.progress("restored the saved dealer state")
	return t, nil
}

// act does what the trustee can do given the board read so far: it
// returns the result once the ceremony is closed, and whether it posted.
func (k *keygen) act(ctx context.Context) (*dkg.Result, bool, error) {
	s, me := k.r.s, k.me
	own := &s.Trustees[me-1]
	switch {
	case s.Closed:
		return k.finish()
	case s.Phase > bulletin.PhaseKeyCeremony:
		return nil, false, fmt.Errorf("voting: election %s is in phase %v and its key ceremony has no result", s.Election, s.Phase)
	case !own.Joined():
		return nil, false, fmt.Errorf("%w: %s has no join on the board of election %s (run join first)", ErrNotJoined, s.who(me), s.Election)
	case !own.Key.Equal(k.key.Public()):
		return nil, false, fmt.Errorf("%w: %s joined election %s with another key (entry %d)", ErrNotJoined, s.who(me), s.Election, own.JoinSeq)
	case s.Params == nil, s.Phase != bulletin.PhaseKeyCeremony:
		return nil, false, nil
	}
	posted := false
	if p, err := k.deal(ctx); err != nil {
		return nil, false, err
	} else if p {
		posted = true
	}
	t := k.r.trustee
	cs, err := t.Complaints(k.opts.Rand)
	if err != nil {
		return nil, false, err
	}
	var msgs []bulletin.Message
	var against []uint32
	for _, c := range cs {
		if !k.complained[c.Dealer] {
			msgs = append(msgs, bulletin.Message{Kind: bulletin.KindDKGComplaint, Payload: c.Bytes()})
			against = append(against, c.Dealer)
		}
	}
	if len(msgs) > 0 {
		if _, err := k.b.AppendBatch(ctx, k.m.Topic(), msgs); err != nil {
			return nil, false, fmt.Errorf("voting: posting the complaints of %s: %w", s.who(me), err)
		}
		for _, i := range against {
			k.complained[i] = true
			k.progress("complained against dealer %d: its share for trustee %d is bad", i, me)
		}
		posted = true
	}
	if own.Ready != nil || k.readied || len(cs) > 0 {
		return nil, posted, nil
	}
	for j := range s.Trustees {
		if !s.Trustees[j].Dealt() && !slices.Contains(k.opts.Without, uint32(j+1)) {
			return nil, posted, nil
		}
	}
	rd := &ReadyEntry{Fingerprint: s.Fingerprint, Index: me, Messages: uint32(len(k.r.payloads))}
	rd.Digest = SeenDigest(s.Fingerprint, k.r.payloads)
	for _, cm := range s.Messages {
		if cm.Message.Type() == dkg.TypeComplaint && cm.Message.Sender() == me {
			rd.Complaints++
		}
	}
	seq, err := k.b.Append(ctx, k.m.Topic(), bulletin.KindTrusteeJoined, rd.Bytes())
	if err != nil {
		return nil, false, fmt.Errorf("voting: posting the ready entry of %s: %w", s.who(me), err)
	}
	k.readied = true
	k.progress("ready: checked the shares of %d messages, %d complaints (entry %d)", rd.Messages, rd.Complaints, seq)
	return nil, true, nil
}

// deal deals once, saves the state and posts whichever of the dealt
// messages the board does not have yet.
func (k *keygen) deal(ctx context.Context) (bool, error) {
	s, me, t := k.r.s, k.me, k.r.trustee
	if k.postedDeal {
		return false, nil
	}
	onBoard := [2][]byte{k.r.ownAccepted(me, dkg.TypeCommitments), k.r.ownAccepted(me, dkg.TypeShares)}
	if k.state == nil {
		if onBoard[0] != nil || onBoard[1] != nil {
			return false, fmt.Errorf("%w: %s's messages are on the board of election %s but no dealer state is saved", ErrLostState, s.who(me), s.Election)
		}
		cm, sh, err := t.Deal(k.opts.Rand)
		if err != nil {
			return false, err
		}
		dealer, err := t.MarshalDealerState()
		if err != nil {
			return false, err
		}
		st := &keygenState{dealer: dealer, commitments: cm.Bytes(), shares: sh.Bytes()}
		if err := k.store.SaveState(st.bytes()); err != nil {
			return false, fmt.Errorf("voting: saving the keygen state: %w", err)
		}
		k.state = st
		k.progress("dealt: polynomial of degree %d saved, shares encrypted to %d trustees", s.Threshold-1, len(s.Trustees)-1)
	}
	saved := [2][]byte{k.state.commitments, k.state.shares}
	kinds := [2]bulletin.Kind{bulletin.KindDKGCommitments, bulletin.KindDKGShares}
	var msgs []bulletin.Message
	for n := range saved {
		switch {
		case onBoard[n] == nil:
			msgs = append(msgs, bulletin.Message{Kind: kinds[n], Payload: saved[n]})
		case !bytes.Equal(onBoard[n], saved[n]):
			return false, fmt.Errorf("%w: %s's %v on the board of election %s are not the saved ones", ErrLostState, s.who(me), kinds[n], s.Election)
		}
	}
	k.postedDeal = true
	if len(msgs) == 0 {
		return false, nil
	}
	seqs, err := k.b.AppendBatch(ctx, k.m.Topic(), msgs)
	if err != nil {
		k.postedDeal = false
		return false, fmt.Errorf("voting: posting the messages of %s: %w", s.who(me), err)
	}
	for n, msg := range msgs {
		k.progress("posted %v (entry %d)", msg.Kind, seqs[n])
	}
	return true, nil
}

// finish computes the trustee's result once the dkg-result is read.
func (k *keygen) finish() (*dkg.Result, bool, error) {
	s := k.r.s
	if k.r.trustee == nil {
		return nil, false, fmt.Errorf("voting: election %s: a result was posted (entry %d) before every trustee joined", s.Election, s.PostedSeq)
	}
	if s.PostedErr != nil {
		return nil, false, fmt.Errorf("voting: election %s: %w: entry %d: %v", s.Election, ErrResultMismatch, s.PostedSeq, s.PostedErr)
	}
	res, err := k.r.trustee.Finish()
	if err != nil {
		return nil, false, fmt.Errorf("voting: election %s: finishing the key ceremony: %w", s.Election, err)
	}
	if !res.Public.Equal(s.Posted) {
		return nil, false, fmt.Errorf("voting: election %s: %w: entry %d", s.Election, ErrResultMismatch, s.PostedSeq)
	}
	k.progress("finished: qualified dealers %v, share checked against verification key Y_%d", res.Public.Qualified, k.me)
	return res, false, nil
}
