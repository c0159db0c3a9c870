package documents

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
)

// TopicName is the name of the one board topic of every document entry
// (docs/spec/documents.md, section 2); [Topic] is its id.
const TopicName = "veche/documents/v1"

// Topic returns the documents topic's id, bulletin.NamedTopic(TopicName).
func Topic() bulletin.TopicID { return bulletin.NamedTopic(TopicName) }

// Signature contexts (crypto/schnorr) and hash tags, docs/spec/documents.md
// section 3. Do not change: they are in every anchored entry.
const (
	ContextIssuer       = "veche/documents/v1/issuer"
	ContextAnchor       = "veche/documents/v1/anchor"
	ContextRevoke       = "veche/documents/v1/revoke"
	ContextDistribution = "veche/documents/v1/distribution"
	tagCommitment       = "veche/documents/v1/commitment"
	tagRecipient        = "veche/documents/v1/recipient"
)

// Sizes, in bytes.
const (
	SaltSize       = 32
	SeriesSize     = 16
	CommitmentSize = 32
	MaxIssuerName  = 200
	MaxTitle       = 500
	MaxMediaType   = 100
	MaxContent     = 64 << 10 // a document's content, kept off chain
)

// Payload forms: the first byte of a doc-anchor payload says whether it
// registers an issuer or anchors a document.
const (
	formIssuer   = 1
	formDocument = 2
	formV1       = 1 // the only form of doc-revoke and doc-distribution
)

// Payload sizes of the fixed-size entries.
const (
	anchorSize       = 1 + SeriesSize + 4 + 2 + 8 + 8 + schnorr.PublicKeySize + CommitmentSize + schnorr.SignatureSize // 167
	revokeSize       = 1 + SeriesSize + 4 + 1 + 8 + schnorr.PublicKeySize + schnorr.SignatureSize                      // 126
	distributionSize = 1 + SeriesSize + 4 + 4 + 32 + schnorr.PublicKeySize + schnorr.SignatureSize                     // 153
)

// A Type is a document's type. The zero value is invalid. Do NOT renumber:
// the numbers are on the chain.
type Type uint16

// The document types.
const (
	TypeMeetingNotice        Type = 1 // "meeting-notice": a notice of an owners' meeting
	TypeOwnershipExtract     Type = 2 // "ownership-extract": an extract from the property register
	TypeResidenceCertificate Type = 3 // "residence-certificate"
	TypeOther                Type = 4 // "other"
)

var typeNames = map[Type]string{
	TypeMeetingNotice:        "meeting-notice",
	TypeOwnershipExtract:     "ownership-extract",
	TypeResidenceCertificate: "residence-certificate",
	TypeOther:                "other",
}

// Valid reports whether t is a defined type.
func (t Type) Valid() bool { _, ok := typeNames[t]; return ok }

// String returns the type's name, or "type(N)".
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// ParseType returns the type named s.
func ParseType(s string) (Type, error) {
	for t, name := range typeNames {
		if name == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown document type %q", ErrMalformed, s)
}

// A Reason says why a document version was revoked. The zero value is
// invalid; do NOT renumber.
type Reason uint8

// The revocation reasons.
const (
	ReasonWithdrawn     Reason = 1 // "withdrawn": no longer in force
	ReasonIssuedInError Reason = 2 // "issued-in-error"
)

var reasonNames = map[Reason]string{ReasonWithdrawn: "withdrawn", ReasonIssuedInError: "issued-in-error"}

// Valid reports whether r is a defined reason.
func (r Reason) Valid() bool { _, ok := reasonNames[r]; return ok }

// String returns the reason's name, or "reason(N)".
func (r Reason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// ParseReason returns the reason named s.
func ParseReason(s string) (Reason, error) {
	for r, name := range reasonNames {
		if name == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown revocation reason %q", ErrMalformed, s)
}

// A Series names a document across its versions: 16 random bytes chosen
// at the first issue.
type Series [SeriesSize]byte

// String returns the series in hex.
func (s Series) String() string { return hex.EncodeToString(s[:]) }

// ParseSeries decodes 32 lower-case hex digits.
func ParseSeries(s string) (Series, error) {
	var out Series
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != SeriesSize || s != hex.EncodeToString(b) {
		return out, fmt.Errorf("%w: a series is %d lower-case hex digits", ErrMalformed, 2*SeriesSize)
	}
	copy(out[:], b)
	return out, nil
}

// NewSeries draws a random series from rand.
func NewSeries(rand io.Reader) (Series, error) {
	var s Series
	if _, err := io.ReadFull(rand, s[:]); err != nil {
		return s, fmt.Errorf("documents: reading randomness: %w", err)
	}
	return s, nil
}

// Commit returns the hiding commitment to a document (docs/spec/documents.md,
// section 3.2):
//
//	SHA-256("veche/documents/v1/commitment" || salt || SHA-256(content) ||
//	    u16be(len(media_type)) || media_type || u16be(len(title)) || title)
//
// salt must be 32 bytes of fresh randomness, never reused: without it the
// commitment reveals nothing of the content, title or media type, even to
// someone who can list every likely content (a dictionary).
func Commit(salt []byte, content []byte, mediaType, title string) ([CommitmentSize]byte, error) {
	if len(salt) != SaltSize {
		return [32]byte{}, fmt.Errorf("%w: a salt is %d bytes", ErrMalformed, SaltSize)
	}
	if err := checkText("media type", mediaType, MaxMediaType, false); err != nil {
		return [32]byte{}, err
	}
	if err := checkText("title", title, MaxTitle, true); err != nil {
		return [32]byte{}, err
	}
	d := sha256.Sum256(content)
	h := sha256.New()
	h.Write([]byte(tagCommitment))
	h.Write(salt)
	h.Write(d[:])
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(mediaType))))
	h.Write([]byte(mediaType))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(title))))
	h.Write([]byte(title))
	return [32]byte(h.Sum(nil)), nil
}

// checkText checks a UTF-8 string of 1..max bytes (0..max if empty is
// allowed) without control characters.
func checkText(what, s string, maxLen int, emptyOK bool) error {
	if len(s) > maxLen || !emptyOK && s == "" || !utf8.ValidString(s) {
		return fmt.Errorf("%w: the %s must be %d to %d bytes of UTF-8", ErrMalformed, what, map[bool]int{true: 0, false: 1}[emptyOK], maxLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: the %s has a control character", ErrMalformed, what)
		}
	}
	return nil
}

// An IssuerEntry registers an issuer's signing key and public name (form 1
// of a doc-anchor payload):
//
//	u8(1) || key(32) || u16be(len(name)) || name || sig(64)
//
// sig is the key's own signature (context "veche/documents/v1/issuer")
// over everything before it: a proof that the registrant holds the key.
type IssuerEntry struct {
	Key  *schnorr.PublicKey
	Name string
	Sig  []byte
}

func (e *IssuerEntry) message() []byte {
	b := []byte{formIssuer}
	b = append(b, e.Key.Bytes()...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.Name)))
	return append(b, e.Name...)
}

// NewIssuerEntry returns the signed registration of sk's public key under name.
func NewIssuerEntry(rand io.Reader, sk *schnorr.PrivateKey, name string) (*IssuerEntry, error) {
	if err := checkText("issuer name", name, MaxIssuerName, false); err != nil {
		return nil, err
	}
	e := &IssuerEntry{Key: sk.Public(), Name: name}
	sig, err := schnorr.Sign(rand, sk, ContextIssuer, e.message())
	if err != nil {
		return nil, fmt.Errorf("documents: signing: %w", err)
	}
	e.Sig = sig
	return e, nil
}

// Bytes returns the payload.
func (e *IssuerEntry) Bytes() []byte { return append(e.message(), e.Sig...) }

// Verify checks the self-signature.
func (e *IssuerEntry) Verify() error {
	if err := schnorr.Verify(e.Key, ContextIssuer, e.message(), e.Sig); err != nil {
		return fmt.Errorf("%w: issuer registration: %w", ErrBadSignature, err)
	}
	return nil
}

// An Anchor anchors one version of a document (form 2 of a doc-anchor
// payload, 167 bytes):
//
//	u8(2) || series(16) || u32be(version) || u16be(type) ||
//	u64be(valid_from) || u64be(valid_until) || issuer_key(32) ||
//	commitment(32) || sig(64)
//
// Times are Unix seconds; valid_until 0 means no end. sig is the issuer's
// signature (context "veche/documents/v1/anchor") over the 103 bytes
// before it. Nothing in it names a person or an address.
type Anchor struct {
	Series     Series
	Version    uint32 // from 1
	Type       Type
	ValidFrom  time.Time
	ValidUntil time.Time // zero: no end
	Issuer     *schnorr.PublicKey
	Commitment [CommitmentSize]byte
	Sig        []byte
}

func unix(t time.Time) uint64 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint64(t.Unix())
}

func fromUnix(s uint64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

func (a *Anchor) message() []byte {
	b := []byte{formDocument}
	b = append(b, a.Series[:]...)
	b = binary.BigEndian.AppendUint32(b, a.Version)
	b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
	b = binary.BigEndian.AppendUint64(b, unix(a.ValidFrom))
	b = binary.BigEndian.AppendUint64(b, unix(a.ValidUntil))
	b = append(b, a.Issuer.Bytes()...)
	return append(b, a.Commitment[:]...)
}

func (a *Anchor) check() error {
	if a.Version == 0 || !a.Type.Valid() || unix(a.ValidFrom) > 1<<62 || unix(a.ValidUntil) > 1<<62 ||
		!a.ValidUntil.IsZero() && unix(a.ValidUntil) < unix(a.ValidFrom) {
		return fmt.Errorf("%w: anchor: version from 1, a defined type, valid_until 0 or not before valid_from", ErrMalformed)
	}
	return nil
}

// Sign fills a.Issuer and a.Sig with sk's key and signature.
func (a *Anchor) Sign(rand io.Reader, sk *schnorr.PrivateKey) error {
	if err := a.check(); err != nil {
		return err
	}
	a.Issuer = sk.Public()
	sig, err := schnorr.Sign(rand, sk, ContextAnchor, a.message())
	if err != nil {
		return fmt.Errorf("documents: signing: %w", err)
	}
	a.Sig = sig
	return nil
}

// Bytes returns the payload.
func (a *Anchor) Bytes() []byte { return append(a.message(), a.Sig...) }

// Verify checks the issuer's signature.
func (a *Anchor) Verify() error {
	if err := schnorr.Verify(a.Issuer, ContextAnchor, a.message(), a.Sig); err != nil {
		return fmt.Errorf("%w: anchor: %w", ErrBadSignature, err)
	}
	return nil
}

// A Revocation revokes one version of a document (doc-revoke, 126 bytes):
//
//	u8(1) || series(16) || u32be(version) || u8(reason) ||
//	u64be(revoked_at) || issuer_key(32) || sig(64)
//
// sig is the issuer's signature (context "veche/documents/v1/revoke") over
// the 62 bytes before it. It counts only if issuer_key is the key that
// anchored the version.
type Revocation struct {
	Series    Series
	Version   uint32
	Reason    Reason
	RevokedAt time.Time
	Issuer    *schnorr.PublicKey
	Sig       []byte
}

func (r *Revocation) message() []byte {
	b := []byte{formV1}
	b = append(b, r.Series[:]...)
	b = binary.BigEndian.AppendUint32(b, r.Version)
	b = append(b, byte(r.Reason))
	b = binary.BigEndian.AppendUint64(b, unix(r.RevokedAt))
	return append(b, r.Issuer.Bytes()...)
}

// Sign fills r.Issuer and r.Sig.
func (r *Revocation) Sign(rand io.Reader, sk *schnorr.PrivateKey) error {
	if r.Version == 0 || !r.Reason.Valid() {
		return fmt.Errorf("%w: revocation: version from 1 and a defined reason", ErrMalformed)
	}
	r.Issuer = sk.Public()
	sig, err := schnorr.Sign(rand, sk, ContextRevoke, r.message())
	if err != nil {
		return fmt.Errorf("documents: signing: %w", err)
	}
	r.Sig = sig
	return nil
}

// Bytes returns the payload.
func (r *Revocation) Bytes() []byte { return append(r.message(), r.Sig...) }

// Verify checks the issuer's signature.
func (r *Revocation) Verify() error {
	if err := schnorr.Verify(r.Issuer, ContextRevoke, r.message(), r.Sig); err != nil {
		return fmt.Errorf("%w: revocation: %w", ErrBadSignature, err)
	}
	return nil
}

// A Distribution commits to the recipients of one document version
// (doc-distribution, 153 bytes):
//
//	u8(1) || series(16) || u32be(version) || u32be(count) || root(32) ||
//	issuer_key(32) || sig(64)
//
// root is the Merkle root of the count sorted recipient leaves
// ([RecipientLeaf], [RecipientsRoot]); sig is the issuer's signature
// (context "veche/documents/v1/distribution") over the 89 bytes before it.
type Distribution struct {
	Series  Series
	Version uint32
	Count   uint32
	Root    [32]byte
	Issuer  *schnorr.PublicKey
	Sig     []byte
}

func (d *Distribution) message() []byte {
	b := []byte{formV1}
	b = append(b, d.Series[:]...)
	b = binary.BigEndian.AppendUint32(b, d.Version)
	b = binary.BigEndian.AppendUint32(b, d.Count)
	b = append(b, d.Root[:]...)
	return append(b, d.Issuer.Bytes()...)
}

// Sign fills d.Issuer and d.Sig.
func (d *Distribution) Sign(rand io.Reader, sk *schnorr.PrivateKey) error {
	if d.Version == 0 {
		return fmt.Errorf("%w: distribution: version from 1", ErrMalformed)
	}
	d.Issuer = sk.Public()
	sig, err := schnorr.Sign(rand, sk, ContextDistribution, d.message())
	if err != nil {
		return fmt.Errorf("documents: signing: %w", err)
	}
	d.Sig = sig
	return nil
}

// Bytes returns the payload.
func (d *Distribution) Bytes() []byte { return append(d.message(), d.Sig...) }

// Verify checks the issuer's signature.
func (d *Distribution) Verify() error {
	if err := schnorr.Verify(d.Issuer, ContextDistribution, d.message(), d.Sig); err != nil {
		return fmt.Errorf("%w: distribution: %w", ErrBadSignature, err)
	}
	return nil
}

// ParseAnchorPayload decodes a doc-anchor payload strictly: it returns an
// *IssuerEntry or an *Anchor. Signatures are not checked here.
func ParseAnchorPayload(p []byte) (any, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: empty doc-anchor payload", ErrMalformed)
	}
	switch p[0] {
	case formIssuer:
		if len(p) < 1+32+2+64 {
			return nil, fmt.Errorf("%w: issuer registration of %d bytes", ErrMalformed, len(p))
		}
		key, err := schnorr.NewPublicKey(p[1:33])
		if err != nil {
			return nil, fmt.Errorf("%w: issuer key: %w", ErrMalformed, err)
		}
		n := int(binary.BigEndian.Uint16(p[33:]))
		if len(p) != 1+32+2+n+64 {
			return nil, fmt.Errorf("%w: issuer registration of %d bytes for a name of %d", ErrMalformed, len(p), n)
		}
		e := &IssuerEntry{Key: key, Name: string(p[35 : 35+n]), Sig: bytes.Clone(p[35+n:])}
		if err := checkText("issuer name", e.Name, MaxIssuerName, false); err != nil {
			return nil, err
		}
		return e, nil
	case formDocument:
		if len(p) != anchorSize {
			return nil, fmt.Errorf("%w: document anchor of %d bytes, want %d", ErrMalformed, len(p), anchorSize)
		}
		a := &Anchor{Series: Series(p[1:17]), Version: binary.BigEndian.Uint32(p[17:]), Type: Type(binary.BigEndian.Uint16(p[21:])),
			ValidFrom: fromUnix(binary.BigEndian.Uint64(p[23:])), ValidUntil: fromUnix(binary.BigEndian.Uint64(p[31:]))}
		key, err := schnorr.NewPublicKey(p[39:71])
		if err != nil {
			return nil, fmt.Errorf("%w: issuer key: %w", ErrMalformed, err)
		}
		a.Issuer = key
		copy(a.Commitment[:], p[71:103])
		a.Sig = bytes.Clone(p[103:])
		if err := a.check(); err != nil {
			return nil, err
		}
		if !bytes.Equal(a.Bytes(), p) {
			return nil, fmt.Errorf("%w: non-canonical anchor", ErrMalformed)
		}
		return a, nil
	}
	return nil, fmt.Errorf("%w: doc-anchor form %d", ErrMalformed, p[0])
}

// ParseRevocation decodes a doc-revoke payload strictly (not its signature).
func ParseRevocation(p []byte) (*Revocation, error) {
	if len(p) != revokeSize || p[0] != formV1 {
		return nil, fmt.Errorf("%w: doc-revoke of %d bytes, want %d starting 01", ErrMalformed, len(p), revokeSize)
	}
	r := &Revocation{Series: Series(p[1:17]), Version: binary.BigEndian.Uint32(p[17:]), Reason: Reason(p[21]),
		RevokedAt: fromUnix(binary.BigEndian.Uint64(p[22:]))}
	if r.Version == 0 || !r.Reason.Valid() {
		return nil, fmt.Errorf("%w: doc-revoke: version 0 or undefined reason", ErrMalformed)
	}
	key, err := schnorr.NewPublicKey(p[30:62])
	if err != nil {
		return nil, fmt.Errorf("%w: issuer key: %w", ErrMalformed, err)
	}
	r.Issuer, r.Sig = key, bytes.Clone(p[62:])
	if !bytes.Equal(r.Bytes(), p) {
		return nil, fmt.Errorf("%w: non-canonical revocation", ErrMalformed)
	}
	return r, nil
}

// ParseDistribution decodes a doc-distribution payload strictly (not its
// signature).
func ParseDistribution(p []byte) (*Distribution, error) {
	if len(p) != distributionSize || p[0] != formV1 {
		return nil, fmt.Errorf("%w: doc-distribution of %d bytes, want %d starting 01", ErrMalformed, len(p), distributionSize)
	}
	d := &Distribution{Series: Series(p[1:17]), Version: binary.BigEndian.Uint32(p[17:]), Count: binary.BigEndian.Uint32(p[21:]),
		Root: [32]byte(p[25:57])}
	if d.Version == 0 {
		return nil, fmt.Errorf("%w: doc-distribution: version 0", ErrMalformed)
	}
	key, err := schnorr.NewPublicKey(p[57:89])
	if err != nil {
		return nil, fmt.Errorf("%w: issuer key: %w", ErrMalformed, err)
	}
	d.Issuer, d.Sig = key, bytes.Clone(p[89:])
	return d, nil
}
