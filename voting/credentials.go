package voting

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
)

// Voter credentials (docs/spec/ballot.md, sections 2 and 3), as in Belenios
// (Cortier, Gaudry, Glondu, "Belenios: a simple private and verifiable
// electronic voting system", 2019): the credential authority generates one
// Schnorr signing key per eligible voter, publishes the public keys by
// ballot style, and delivers each private key to its voter encrypted. A
// ballot is signed with its credential, and only credentials on the public
// list may vote, so anyone can count the eligible voters and check that
// every counted ballot comes from one of them; nothing on the board says
// which person holds which credential.

// Limits of the credential list.
const (
	// MaxCredentials is the most credentials one election's list may
	// hold (all styles together).
	MaxCredentials = 1 << 24
	// CredentialSize is the size of one public credential: the canonical
	// encoding of a Schnorr public key.
	CredentialSize = schnorr.PublicKeySize
)

// credentialsVersion is the first byte of a credential list and of a
// sealed credential's plaintext.
const credentialsVersion = 1

var (
	// ErrMalformedCredentials is wrapped by every decoding failure of a
	// credential list.
	ErrMalformedCredentials = errors.New("voting: malformed credential list")
	// ErrNoCredentials: the election has no (complete) credential list on
	// the board yet.
	ErrNoCredentials = errors.New("voting: no credential list")
	// ErrMalformedCredential is wrapped when a sealed credential opens but
	// its plaintext is not a credential: wrong length, bad encodings.
	ErrMalformedCredential = errors.New("voting: malformed sealed credential")
)

// A Credential is a voter's private signing credential for one election:
// a Schnorr key and the ballot style it may vote.
type Credential struct {
	Style string
	Key   *schnorr.PrivateKey // prints as REDACTED
}

// A CredentialList is an election's public credential list, checked
// against its manifest: for every ballot style, the sorted public keys of
// the credentials that may vote that style. It answers which style a
// credential votes ([CredentialList.StyleOf]) by binary search.
type CredentialList struct {
	fp     zkp.Fingerprint
	styles []string // the manifest's ballot styles, in order
	counts []int    // credentials per style
	// keys holds every public credential, sorted, and style[i] the index
	// (in styles) of keys[i]'s style.
	keys  [][CredentialSize]byte
	style []uint16

	// manifest is the manifest the list was made or checked with, so that
	// ballot verification can skip recomputing its fingerprint when given
	// the same manifest.
	manifest *Manifest
}

// NewCredentialList makes the public list of the election m from the public
// credentials of each ballot style (styles missing from byStyle have
// none). Each style's keys are sorted; a key may appear only once in the
// whole list.
func NewCredentialList(m *Manifest, byStyle map[string][]*schnorr.PublicKey) (*CredentialList, error) {
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	l := &CredentialList{fp: fp, manifest: m}
	index := map[string]int{}
	for i, s := range m.BallotStyles {
		l.styles = append(l.styles, s.ID)
		index[s.ID] = i
	}
	l.counts = make([]int, len(l.styles))
	total := 0
	for id, keys := range byStyle {
		i, ok := index[id]
		if !ok {
			return nil, fmt.Errorf("voting: credentials for %q, which is not a ballot style of election %s", id, m.ID)
		}
		l.counts[i] = len(keys)
		total += len(keys)
	}
	if total < 1 || total > MaxCredentials {
		return nil, fmt.Errorf("voting: %d credentials: want 1 to %d", total, MaxCredentials)
	}
	l.keys = make([][CredentialSize]byte, 0, total)
	l.style = make([]uint16, 0, total)
	for id, keys := range byStyle {
		for _, k := range keys {
			if k == nil {
				return nil, fmt.Errorf("voting: a missing credential for style %q", id)
			}
			l.keys = append(l.keys, [CredentialSize]byte(k.Bytes()))
			l.style = append(l.style, uint16(index[id]))
		}
	}
	l.sortKeys()
	for i := 1; i < len(l.keys); i++ {
		if l.keys[i] == l.keys[i-1] {
			return nil, fmt.Errorf("voting: credential %x appears twice in the list", l.keys[i][:8])
		}
	}
	return l, nil
}

// sortKeys sorts keys, carrying style along.
func (l *CredentialList) sortKeys() {
	idx := make([]int32, len(l.keys))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return bytes.Compare(l.keys[a][:], l.keys[b][:]) })
	keys := make([][CredentialSize]byte, len(idx))
	style := make([]uint16, len(idx))
	for i, j := range idx {
		keys[i], style[i] = l.keys[j], l.style[j]
	}
	l.keys, l.style = keys, style
}

// GenerateCredentials makes counts[style] credentials for each ballot style
// of m (the credential authority's job) and returns the private
// credentials, in an order unrelated to the public list's, and the public
// list. Randomness comes from rand (nil means crypto/rand.Reader): 64
// bytes per credential, read in order, reduced modulo ℓ. The keys are
// computed on all cores.
func GenerateCredentials(rand io.Reader, m *Manifest, counts map[string]int) ([]*Credential, *CredentialList, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	total := 0
	for _, s := range m.BallotStyles {
		n := counts[s.ID]
		if n < 0 {
			return nil, nil, fmt.Errorf("voting: %d credentials for style %q", n, s.ID)
		}
		total += n
	}
	for id := range counts {
		if !slices.ContainsFunc(m.BallotStyles, func(s BallotStyle) bool { return s.ID == id }) {
			return nil, nil, fmt.Errorf("voting: credentials for %q, which is not a ballot style of election %s", id, m.ID)
		}
	}
	if total < 1 || total > MaxCredentials {
		return nil, nil, fmt.Errorf("voting: %d credentials: want 1 to %d", total, MaxCredentials)
	}
	seeds := make([]byte, 64*total)
	if _, err := io.ReadFull(rand, seeds); err != nil {
		return nil, nil, fmt.Errorf("voting: generating credentials: reading randomness: %w", err)
	}
	defer clear(seeds)
	creds := make([]*Credential, total)
	i := 0
	for _, s := range m.BallotStyles {
		for range counts[s.ID] {
			creds[i] = &Credential{Style: s.ID}
			i++
		}
	}
	var failed error
	var mu sync.Mutex
	parallelRange(total, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sc, _ := new(group.Scalar).SetUniformBytes(seeds[64*i : 64*(i+1)])
			k, err := schnorr.NewPrivateKey(sc.Bytes())
			if err != nil { // only a zero scalar, with probability 2^-252
				mu.Lock()
				failed = errors.New("voting: generating credentials: a zero key; generate again")
				mu.Unlock()
				return
			}
			creds[i].Key = k
		}
	})
	if failed != nil {
		return nil, nil, failed
	}
	byStyle := map[string][]*schnorr.PublicKey{}
	for _, c := range creds {
		byStyle[c.Style] = append(byStyle[c.Style], c.Key.Public())
	}
	l, err := NewCredentialList(m, byStyle)
	if err != nil {
		return nil, nil, err
	}
	return creds, l, nil
}

// Fingerprint returns the fingerprint of the election the list is for.
func (l *CredentialList) Fingerprint() zkp.Fingerprint { return l.fp }

// Len returns the number of credentials: the number of eligible voters.
func (l *CredentialList) Len() int { return len(l.keys) }

// Count returns the number of credentials of a ballot style.
func (l *CredentialList) Count(style string) int {
	if i := slices.Index(l.styles, style); i >= 0 {
		return l.counts[i]
	}
	return 0
}

// StyleOf returns the ballot style of the public credential with the
// given encoding, and false if it is not on the list.
func (l *CredentialList) StyleOf(credential []byte) (string, bool) {
	if len(credential) != CredentialSize {
		return "", false
	}
	i, ok := l.find([CredentialSize]byte(credential))
	if !ok {
		return "", false
	}
	return l.styles[l.style[i]], true
}

func (l *CredentialList) find(k [CredentialSize]byte) (int, bool) {
	return slices.BinarySearchFunc(l.keys, k, func(a, b [CredentialSize]byte) int { return bytes.Compare(a[:], b[:]) })
}

// Bytes returns the list's encoding, the payload of the credentials entry
// (chunked with [bulletin.Chunk] when larger than one entry):
//
//	0x01 || fp || u16(s) || for each of the manifest's s ballot styles, in
//	order: u8(len(id)) || id || u32(count) || the count public keys of the
//	style, sorted, 32 bytes each
func (l *CredentialList) Bytes() []byte {
	size := 1 + zkp.FingerprintSize + 2 + len(l.keys)*CredentialSize
	for _, s := range l.styles {
		size += 1 + len(s) + 4
	}
	// Bucket the sorted keys by style, keeping the order.
	start := make([]int, len(l.styles)+1)
	for i, c := range l.counts {
		start[i+1] = start[i] + c
	}
	pos := slices.Clone(start)
	byStyle := make([]int32, len(l.keys))
	for i, s := range l.style {
		byStyle[pos[s]] = int32(i)
		pos[s]++
	}
	b := make([]byte, 0, size)
	b = append(b, credentialsVersion)
	b = append(b, l.fp[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(l.styles)))
	for i, s := range l.styles {
		b = append(b, byte(len(s)))
		b = append(b, s...)
		b = binary.BigEndian.AppendUint32(b, uint32(l.counts[i]))
		for _, j := range byStyle[start[i]:start[i+1]] {
			b = append(b, l.keys[j][:]...)
		}
	}
	return b
}

func malformedCredentials(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedCredentials, fmt.Sprintf(format, args...))
}

// ParseCredentials decodes a credential list for the election m and checks
// it: the version, m's fingerprint, exactly m's ballot styles in order,
// each style's keys strictly increasing, no key in two styles, every key a
// canonical encoding of an element other than the identity, 1 to
// [MaxCredentials] keys, no trailing bytes. The keys are checked on all
// cores (about 4 µs each). Errors wrap [ErrMalformedCredentials].
func ParseCredentials(b []byte, m *Manifest) (*CredentialList, error) {
	fp, err := m.Fingerprint()
	if err != nil {
		return nil, err
	}
	if len(b) < 1+zkp.FingerprintSize+2 {
		return nil, malformedCredentials("%d bytes, shorter than the header", len(b))
	}
	if b[0] != credentialsVersion {
		return nil, malformedCredentials("version %d, want %d", b[0], credentialsVersion)
	}
	if !bytes.Equal(b[1:33], fp[:]) {
		return nil, malformedCredentials("the list is for another election (fingerprint %x…)", b[1:9])
	}
	s := int(binary.BigEndian.Uint16(b[33:35]))
	if s != len(m.BallotStyles) {
		return nil, malformedCredentials("%d ballot styles, the manifest has %d", s, len(m.BallotStyles))
	}
	rest := b[35:]
	l := &CredentialList{fp: fp, manifest: m, counts: make([]int, s)}
	type span struct{ off, n int }
	spans := make([]span, s)
	total := 0
	off := 35
	for i, st := range m.BallotStyles {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+4 {
			return nil, malformedCredentials("truncated at ballot style %d", i)
		}
		id := string(rest[1 : 1+int(rest[0])])
		if id != st.ID {
			return nil, malformedCredentials("ballot style %d is %q, the manifest's is %q", i, id, st.ID)
		}
		n := binary.BigEndian.Uint32(rest[1+len(id):])
		rest = rest[1+len(id)+4:]
		off += 1 + len(id) + 4
		if uint64(n) > MaxCredentials || uint64(len(rest)) < uint64(n)*CredentialSize {
			return nil, malformedCredentials("truncated in the %d credentials of style %q", n, id)
		}
		if total += int(n); total > MaxCredentials {
			return nil, malformedCredentials("more than %d credentials", MaxCredentials)
		}
		l.styles = append(l.styles, id)
		l.counts[i] = int(n)
		spans[i] = span{off, int(n)}
		rest = rest[int(n)*CredentialSize:]
		off += int(n) * CredentialSize
	}
	if len(rest) != 0 {
		return nil, malformedCredentials("%d bytes after the list", len(rest))
	}
	if total < 1 {
		return nil, malformedCredentials("no credentials")
	}
	l.keys = make([][CredentialSize]byte, 0, total)
	l.style = make([]uint16, 0, total)
	for i, sp := range spans {
		for k := range sp.n {
			key := [CredentialSize]byte(b[sp.off+k*CredentialSize:])
			if k > 0 && bytes.Compare(key[:], l.keys[len(l.keys)-1][:]) <= 0 {
				return nil, malformedCredentials("style %q: credential %d is not greater than the one before (the list is sorted, without repeats)", l.styles[i], k)
			}
			l.keys = append(l.keys, key)
			l.style = append(l.style, uint16(i))
		}
	}
	if s > 1 {
		l.sortKeys()
		for i := 1; i < len(l.keys); i++ {
			if l.keys[i] == l.keys[i-1] {
				return nil, malformedCredentials("credential %x… is in two ballot styles", l.keys[i][:8])
			}
		}
	}
	var (
		mu    sync.Mutex
		first = -1
	)
	parallelRange(len(l.keys), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if _, err := group.ParseNonIdentityElement(l.keys[i][:]); err != nil {
				mu.Lock()
				if first < 0 || i < first {
					first = i
				}
				mu.Unlock()
				return
			}
		}
	})
	if first >= 0 {
		return nil, malformedCredentials("credential %x… is not a canonical encoding of an element other than the identity", l.keys[first][:8])
	}
	return l, nil
}

// ReadCredentials reads the credential list of election m from the board
// and checks it ([ParseCredentials]). The list is the first credentials
// artefact the manifest's credential authority posts (a credentials entry,
// or a chunk header carrying that kind and its chunks; docs/spec/ballot.md,
// section 2.2); anything the authority posts after it is ignored, and if
// it is malformed the election has no valid list. The list is final once
// the election has left the key-ceremony phase (no credentials may be
// posted later); before that, ReadCredentials returns [ErrNoCredentials]
// while nothing, or not all of the first artefact, has been posted.
func ReadCredentials(ctx context.Context, r bulletin.Reader, m *Manifest) (*CredentialList, error) {
	payload, err := readCredentialsPayload(ctx, r, m)
	if err != nil {
		return nil, err
	}
	l, err := ParseCredentials(payload, m)
	if err != nil {
		return nil, fmt.Errorf("voting: election %s: the credential authority's list: %w", m.ID, err)
	}
	return l, nil
}

// readCredentialsPayload returns the first credentials artefact posted by
// m's credential authority.
func readCredentialsPayload(ctx context.Context, r bulletin.Reader, m *Manifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	ca := mustAddress(m.CredentialAuthority.Address)
	topic := m.Topic()
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("voting: election %s: %w", m.ID, err)
	}
	var (
		asm     bulletin.Assembler
		started bool     // the first artefact is chunked and its header seen
		hash    [32]byte // its hash
	)
	for from := uint64(0); from < count; {
		es, err := r.Entries(ctx, topic, from, min(from+readPage, count))
		if err != nil {
			return nil, fmt.Errorf("voting: election %s: %w", m.ID, err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			from = e.Seq + 1
			if e.Kind == bulletin.KindPhase && len(e.Payload) > 0 && bulletin.Phase(e.Payload[0]) > bulletin.PhaseKeyCeremony {
				if started {
					return nil, fmt.Errorf("voting: election %s: the credential list's chunks were incomplete when the election opened: %w", m.ID, ErrNoCredentials)
				}
				return nil, fmt.Errorf("voting: election %s opened without a credential list: %w", m.ID, ErrNoCredentials)
			}
			if e.Poster != ca {
				continue
			}
			switch e.Kind {
			case bulletin.KindCredentials:
				if !started {
					return e.Payload, nil
				}
			case bulletin.KindChunkHeader:
				h, err := bulletin.ParseChunkHeader(e.Payload)
				if err != nil || h.Kind != bulletin.KindCredentials || started {
					continue
				}
				started, hash = true, h.Hash
				if _, _, err := asm.Add(e); err != nil {
					return nil, fmt.Errorf("voting: election %s: the credential list's chunk header: %w", m.ID, err)
				}
			case bulletin.KindChunk:
				c, err := bulletin.ParseChunkData(e.Payload)
				if err != nil || c.Kind != bulletin.KindCredentials || !started || c.Hash != hash {
					continue
				}
				msg, done, err := asm.Add(e)
				if err != nil {
					return nil, fmt.Errorf("voting: election %s: the credential list's chunks: %w", m.ID, err)
				}
				if done {
					return msg.Payload, nil
				}
			}
		}
	}
	if started {
		return nil, fmt.Errorf("voting: election %s: the credential list is not completely posted yet: %w", m.ID, ErrNoCredentials)
	}
	return nil, fmt.Errorf("voting: election %s: %w", m.ID, ErrNoCredentials)
}

// PostCredentials posts the credential list of election m: as one
// credentials entry, or chunked ([bulletin.Chunk]) if it is larger than an
// entry. b must post as m's credential authority. If the authority has
// already posted a list, PostCredentials posts nothing and returns nil if
// it is this list, an error otherwise.
func PostCredentials(ctx context.Context, b Board, m *Manifest, l *CredentialList) error {
	if self := b.Address(); self != mustAddress(m.CredentialAuthority.Address) {
		return fmt.Errorf("voting: posting as %v, the manifest names %s as the credential authority", self, m.CredentialAuthority.Address)
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	if l.fp != fp {
		return fmt.Errorf("voting: the credential list is for another election than %s", m.ID)
	}
	payload := l.Bytes()
	switch posted, err := readCredentialsPayload(ctx, b, m); {
	case err == nil && bytes.Equal(posted, payload):
		return nil
	case err == nil:
		return fmt.Errorf("voting: election %s already has another credential list", m.ID)
	case !errors.Is(err, ErrNoCredentials):
		return err
	}
	if len(payload) <= bulletin.MaxPayload {
		if _, err := b.Append(ctx, m.Topic(), bulletin.KindCredentials, payload); err != nil {
			return fmt.Errorf("voting: posting the credential list of election %s: %w", m.ID, err)
		}
		return nil
	}
	msgs, err := bulletin.Chunk(bulletin.KindCredentials, payload, 0)
	if err != nil {
		return fmt.Errorf("voting: chunking the credential list: %w", err)
	}
	if _, err := b.AppendBatch(ctx, m.Topic(), msgs); err != nil {
		return fmt.Errorf("voting: posting the credential list of election %s: %w", m.ID, err)
	}
	return nil
}

// SealCredential encrypts a private credential to a voter's key
// ([hybrid.Encrypt]) for delivery by the identity layer
// (docs/spec/ballot.md, section 3):
//
//	plaintext = 0x01 || fp || u8(len(style)) || style || credential secret key (32)
//	AD        = ad
//
// ad is the carrier's associated data, which the recipient supplies again:
// services/identity binds a delivery to its resident and election with
// identity.DeliveryAD. The election fingerprint is inside the sealed
// plaintext, so a credential opens only for its election whatever the
// carrier. Randomness comes from rand (nil means crypto/rand.Reader).
func SealCredential(rand io.Reader, voterKey *hybrid.PublicKey, fp zkp.Fingerprint, c *Credential, ad []byte) (*hybrid.Ciphertext, error) {
	if c == nil || c.Key == nil {
		return nil, errors.New("voting: no credential to seal")
	}
	if !idPattern.MatchString(c.Style) {
		return nil, fmt.Errorf("voting: credential style %q is not a ballot style id", c.Style)
	}
	pt := make([]byte, 0, 2+zkp.FingerprintSize+len(c.Style)+schnorr.PrivateKeySize)
	pt = append(pt, credentialsVersion)
	pt = append(pt, fp[:]...)
	pt = append(pt, byte(len(c.Style)))
	pt = append(pt, c.Style...)
	pt = append(pt, c.Key.Bytes()...)
	defer clear(pt)
	ct, err := hybrid.Encrypt(rand, voterKey, pt, ad)
	if err != nil {
		return nil, fmt.Errorf("voting: sealing a credential: %w", err)
	}
	return ct, nil
}

// OpenCredential decrypts a credential sealed by [SealCredential] with the
// voter's key and the carrier's associated data ad, and checks that it is
// for the election fp. The voter's device then checks that the credential
// is on the election's list with its style ([CredentialList.StyleOf]).
// Errors never contain the secret.
func OpenCredential(voterKey *hybrid.PrivateKey, fp zkp.Fingerprint, sealed *hybrid.Ciphertext, ad []byte) (*Credential, error) {
	if voterKey == nil || sealed == nil {
		return nil, errors.New("voting: opening a credential needs the voter's key and the sealed credential")
	}
	pt, err := voterKey.Decrypt(sealed, ad)
	if err != nil {
		return nil, fmt.Errorf("voting: opening a credential (sealed for another key or delivery?): %w", err)
	}
	defer clear(pt)
	c, got, err := parseCredentialPlaintext(pt)
	if err != nil {
		return nil, err
	}
	if got != fp {
		return nil, fmt.Errorf("voting: the credential is for another election (fingerprint %x…)", got[:8])
	}
	return c, nil
}

// parseCredentialPlaintext decodes 0x01 || fp || u8(len(style)) || style ||
// key.
func parseCredentialPlaintext(pt []byte) (*Credential, zkp.Fingerprint, error) {
	const head = 1 + zkp.FingerprintSize + 1
	if len(pt) < head || pt[0] != credentialsVersion {
		return nil, zkp.Fingerprint{}, fmt.Errorf("%w: not a version %d credential", ErrMalformedCredential, credentialsVersion)
	}
	fp := zkp.Fingerprint(pt[1 : 1+zkp.FingerprintSize])
	n := int(pt[head-1])
	if len(pt) != head+n+schnorr.PrivateKeySize {
		return nil, fp, fmt.Errorf("%w: %d bytes, want %d", ErrMalformedCredential, len(pt), head+n+schnorr.PrivateKeySize)
	}
	style := string(pt[head : head+n])
	if !idPattern.MatchString(style) {
		return nil, fp, fmt.Errorf("%w: the style is not a ballot style id", ErrMalformedCredential)
	}
	k, err := schnorr.NewPrivateKey(pt[head+n:])
	if err != nil {
		return nil, fp, fmt.Errorf("%w: the key is not a canonical non-zero scalar", ErrMalformedCredential)
	}
	return &Credential{Style: style, Key: k}, fp, nil
}

// parallelRange calls f on contiguous chunks of [0, n) on up to
// GOMAXPROCS goroutines.
func parallelRange(n int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 256 || workers == 1 {
		f(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Go(func() { f(lo, min(lo+chunk, n)) })
	}
	wg.Wait()
}
