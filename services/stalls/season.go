package stalls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/crypto/zkp"
)

// Errors of this package, wrapped with details; test with errors.Is.
var (
	// ErrMalformed: an encoding (a board entry, a bid) is not well formed.
	ErrMalformed = errors.New("stalls: malformed encoding")
	// ErrInvalid: a season, stall or bid breaks a rule of docs/spec/stalls.md.
	ErrInvalid = errors.New("stalls: invalid")
)

// Limits of a season.
const (
	MaxSeasonID    = 63      // bytes of a season id
	MaxMarkets     = 1000    // markets in a season
	MaxName        = 200     // bytes of a market name or a stall's kind
	MaxStallID     = 32      // bytes of a stall id
	MaxStalls      = 1 << 16 // stalls in a season
	MaxCap         = 1000    // stalls one person may win
	MaxAmount      = 1e15    // the largest bid or reserve price, in kopecks
	encodingV1     = 1       // the version byte of every payload
	seasonDomain   = "veche/stalls/season/v1\x00"
	topicPrefix    = "veche/stalls/"
	bidDomain      = "veche/stalls/bid/v1\x00"
	bidsHashDomain = "veche/stalls/bids/v1\x00"
)

// A Stall is one place in a market.
type Stall struct {
	ID      string // unique in the season: 1-32 bytes of a-z, A-Z, 0-9, '-', '.', '_'
	Market  uint16 // index into Season.Markets
	Size    uint32 // area in square decimetres (1 m² = 100)
	Kind    string // what may be sold: "produce", "dairy", "crafts" ... (1-200 bytes of UTF-8)
	Reserve uint64 // the lowest acceptable bid, in kopecks
}

// A Season is a market operator's definition of one bidding season, the
// payload of the market entry on the season's topic.
type Season struct {
	ID      string    // 1-63 bytes of a-z, 0-9, '-'
	Opens   time.Time // the bidding window, whole seconds, UTC
	Closes  time.Time
	Cap     uint16   // the most stalls one person may win, 1 ... MaxCap
	Markets []string // market names, 1-200 bytes of UTF-8 each
	Stalls  []Stall
	// Trustees is the public result of the trustees' key ceremony
	// (crypto/dkg), with this season's fingerprint.
	Trustees *dkg.PublicResult
}

// ValidSeasonID reports whether id may name a season.
func ValidSeasonID(id string) bool {
	if len(id) == 0 || len(id) > MaxSeasonID {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validStallID(id string) bool {
	if len(id) == 0 || len(id) > MaxStallID {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func validName(s string) bool {
	return len(s) > 0 && len(s) <= MaxName && utf8.ValidString(s)
}

// Fingerprint returns the fingerprint of season id, to which the trustees'
// ceremony, every bid proof and every decryption proof are bound:
// Keccak-256("veche/stalls/season/v1" || 0x00 || id).
func Fingerprint(id string) zkp.Fingerprint {
	return zkp.Fingerprint(bulletin.Keccak256([]byte(seasonDomain), []byte(id)))
}

// Topic returns the board topic of season id: the topic named
// "veche/stalls/" + id ([bulletin.NamedTopic]), a service topic.
func Topic(id string) bulletin.TopicID { return bulletin.NamedTopic(topicPrefix + id) }

// Validate checks every rule of a season definition (docs/spec/stalls.md,
// "The market entry").
func (s *Season) Validate() error {
	switch {
	case !ValidSeasonID(s.ID):
		return fmt.Errorf("%w: season id: 1-%d characters a-z, 0-9 and -", ErrInvalid, MaxSeasonID)
	case s.Opens.IsZero() || s.Closes.IsZero() || !s.Closes.After(s.Opens):
		return fmt.Errorf("%w: the bidding window must close after it opens", ErrInvalid)
	case s.Opens.Unix() < 0 || s.Opens.Nanosecond() != 0 || s.Closes.Nanosecond() != 0:
		return fmt.Errorf("%w: the bidding window is in whole seconds after 1970", ErrInvalid)
	case s.Cap < 1 || s.Cap > MaxCap:
		return fmt.Errorf("%w: cap: 1 to %d stalls per person", ErrInvalid, MaxCap)
	case len(s.Markets) < 1 || len(s.Markets) > MaxMarkets:
		return fmt.Errorf("%w: markets: 1 to %d", ErrInvalid, MaxMarkets)
	case len(s.Stalls) < 1 || len(s.Stalls) > MaxStalls:
		return fmt.Errorf("%w: stalls: 1 to %d", ErrInvalid, MaxStalls)
	case s.Trustees == nil:
		return fmt.Errorf("%w: no trustees' key", ErrInvalid)
	}
	for i, m := range s.Markets {
		if !validName(m) {
			return fmt.Errorf("%w: market %d: a name of 1-%d bytes of UTF-8", ErrInvalid, i, MaxName)
		}
	}
	seen := make(map[string]bool, len(s.Stalls))
	for i, st := range s.Stalls {
		switch {
		case !validStallID(st.ID):
			return fmt.Errorf("%w: stall %d: an id of 1-%d characters a-z, A-Z, 0-9, '-', '.', '_'", ErrInvalid, i, MaxStallID)
		case seen[st.ID]:
			return fmt.Errorf("%w: stall %q twice", ErrInvalid, st.ID)
		case int(st.Market) >= len(s.Markets):
			return fmt.Errorf("%w: stall %q: no market %d", ErrInvalid, st.ID, st.Market)
		case st.Size == 0:
			return fmt.Errorf("%w: stall %q: size 0", ErrInvalid, st.ID)
		case !validName(st.Kind):
			return fmt.Errorf("%w: stall %q: a kind of 1-%d bytes of UTF-8", ErrInvalid, st.ID, MaxName)
		case st.Reserve > MaxAmount:
			return fmt.Errorf("%w: stall %q: reserve over %d", ErrInvalid, st.ID, uint64(MaxAmount))
		}
		seen[st.ID] = true
	}
	if s.Trustees.Fingerprint != Fingerprint(s.ID) {
		return fmt.Errorf("%w: the trustees' key was made for another season", ErrInvalid)
	}
	if _, err := s.thresholdParams(); err != nil {
		return fmt.Errorf("%w: trustees' key: %v", ErrInvalid, err)
	}
	return nil
}

// thresholdParams returns the threshold parameters of the trustees' key.
func (s *Season) thresholdParams() (*threshold.Params, error) {
	t := s.Trustees
	return threshold.NewParams(t.Fingerprint, t.Threshold, t.N, t.JointKey, t.VerificationKeys)
}

// StallIndex returns the index of the stall with this id, or -1.
func (s *Season) StallIndex(id string) int {
	for i := range s.Stalls {
		if s.Stalls[i].ID == id {
			return i
		}
	}
	return -1
}

// Bytes returns the season's encoding, the payload of its market entry:
//
//	u8 1 | u8 len | id | i64 opens | i64 closes | u16 cap
//	| u16 markets | (u8 len | name)*
//	| u32 stalls | (u16 market | u8 len | id | u32 size | u8 len | kind | u64 reserve)*
//	| u32 len | dkg public result
//
// Integers are big-endian; times are Unix seconds.
func (s *Season) Bytes() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b := []byte{encodingV1, byte(len(s.ID))}
	b = append(b, s.ID...)
	b = binary.BigEndian.AppendUint64(b, uint64(s.Opens.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Closes.Unix()))
	b = binary.BigEndian.AppendUint16(b, s.Cap)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.Markets)))
	for _, m := range s.Markets {
		b = append(b, byte(len(m)))
		b = append(b, m...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s.Stalls)))
	for _, st := range s.Stalls {
		b = binary.BigEndian.AppendUint16(b, st.Market)
		b = append(b, byte(len(st.ID)))
		b = append(b, st.ID...)
		b = binary.BigEndian.AppendUint32(b, st.Size)
		b = append(b, byte(len(st.Kind)))
		b = append(b, st.Kind...)
		b = binary.BigEndian.AppendUint64(b, st.Reserve)
	}
	t := s.Trustees.Bytes()
	b = binary.BigEndian.AppendUint32(b, uint32(len(t)))
	return append(b, t...), nil
}

// ParseSeason decodes and validates a market entry's payload.
func ParseSeason(b []byte) (*Season, error) {
	r := &reader{b: b}
	if r.u8() != encodingV1 {
		return nil, fmt.Errorf("%w: market entry: unknown version", ErrMalformed)
	}
	s := &Season{ID: string(r.bytes(int(r.u8())))}
	s.Opens = time.Unix(int64(r.u64()), 0).UTC()
	s.Closes = time.Unix(int64(r.u64()), 0).UTC()
	s.Cap = r.u16()
	nm := int(r.u16())
	for i := 0; i < nm && r.err == nil; i++ {
		s.Markets = append(s.Markets, string(r.bytes(int(r.u8()))))
	}
	ns := int(r.u32())
	if ns > MaxStalls {
		return nil, fmt.Errorf("%w: market entry: %d stalls", ErrMalformed, ns)
	}
	for i := 0; i < ns && r.err == nil; i++ {
		var st Stall
		st.Market = r.u16()
		st.ID = string(r.bytes(int(r.u8())))
		st.Size = r.u32()
		st.Kind = string(r.bytes(int(r.u8())))
		st.Reserve = r.u64()
		s.Stalls = append(s.Stalls, st)
	}
	tb := r.bytes(int(r.u32()))
	if r.err != nil || len(r.b) != 0 {
		return nil, fmt.Errorf("%w: market entry: wrong length", ErrMalformed)
	}
	t, err := dkg.ParsePublicResult(tb)
	if err != nil {
		return nil, fmt.Errorf("%w: market entry: trustees' key: %v", ErrMalformed, err)
	}
	s.Trustees = t
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// reader decodes big-endian fields, remembering the first short read.
type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.err = ErrMalformed
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
