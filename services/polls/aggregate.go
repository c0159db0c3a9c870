package polls

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/voting"
)

// Topic is the service topic on which the aggregates are posted
// (docs/spec/polls.md): NamedTopic("veche/polls/v1").
var Topic = bulletin.NamedTopic("veche/polls/v1")

// An ItemKind is what a resident left: a comment or a rating. The zero
// value is invalid; the numbers are in the board encoding: never reorder.
type ItemKind uint8

// Item kinds.
const (
	KindComment ItemKind = 1
	KindRating  ItemKind = 2
)

// String returns "comment", "rating" or "ItemKind(n)".
func (k ItemKind) String() string {
	switch k {
	case KindComment:
		return "comment"
	case KindRating:
		return "rating"
	}
	return fmt.Sprintf("ItemKind(%d)", uint8(k))
}

// Subject kinds: what a comment or rating is about. A subject is named
// "kind/id", such as "poll/bike-lanes" or "activity/spring-cleanup".
const (
	SubjectPoll     = "poll"     // a poll (comments)
	SubjectProject  = "project"  // a city project (comments)
	SubjectActivity = "activity" // a city activity (ratings)
)

// subjectPattern is a subject name: kind/id with an id like an election's.
var subjectPattern = regexp.MustCompile(`^(poll|project|activity)/[a-z0-9][a-z0-9-]{0,62}$`)

// ErrInvalid is wrapped by every error about malformed input: a subject
// name, a comment, a rating, a reason, an aggregate's encoding.
var ErrInvalid = errors.New("polls: invalid input")

// CheckSubject checks a subject name ("poll/ID", "project/ID" or
// "activity/ID") and that items of kind k may be left on it: comments on
// polls and projects, ratings on activities.
func CheckSubject(subject string, k ItemKind) error {
	if !subjectPattern.MatchString(subject) {
		return fmt.Errorf("%w: subject %q: want poll/ID, project/ID or activity/ID, ID 1-63 characters a-z, 0-9 and -", ErrInvalid, subject)
	}
	kind, _, _ := strings.Cut(subject, "/")
	switch {
	case k == KindComment && kind == SubjectActivity:
		return fmt.Errorf("%w: activities are rated, not commented on", ErrInvalid)
	case k == KindRating && kind != SubjectActivity:
		return fmt.Errorf("%w: only activities are rated", ErrInvalid)
	case k != KindComment && k != KindRating:
		return fmt.Errorf("%w: item kind %v", ErrInvalid, k)
	}
	return nil
}

// leafDomain prefixes every leaf's hash input.
const leafDomain = "veche/polls/leaf/v1"

// SaltSize is the size of an item's salt.
const SaltSize = 32

// Leaf returns the leaf of an item in its batch's Merkle tree
// (docs/spec/polls.md, "Leaves"):
//
//	SHA-256("veche/polls/leaf/v1" || u8(kind) || u8(len(subject)) || subject ||
//	        u64(id) || u8(rating) || SHA-256(text) || salt)
//
// with rating 0 and the comment's UTF-8 text for a comment, the rating
// (1-5) and the empty text for a rating.
func Leaf(kind ItemKind, subject string, id uint64, rating uint8, text string, salt [SaltSize]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(leafDomain))
	h.Write([]byte{byte(kind), byte(len(subject))})
	h.Write([]byte(subject))
	h.Write(binary.BigEndian.AppendUint64(nil, id))
	h.Write([]byte{rating})
	th := sha256.Sum256([]byte(text))
	h.Write(th[:])
	h.Write(salt[:])
	return [32]byte(h.Sum(nil))
}

// A Row is one subject's line of an aggregate: how many items of a kind
// the batch holds for it, and the sum of their ratings (0 for comments).
type Row struct {
	Kind    ItemKind
	Subject string
	Count   uint32
	Sum     uint64
}

// An Aggregate is the payload of one aggregate entry: batch Number (1, 2,
// ...), the Merkle root over the batch's Leaves leaves, its rows, ordered
// by kind then subject, whose counts partition the leaves in that order,
// and the hides it records.
//
// An aggregate without hides is encoded in version 1, one with hides in
// version 2 (docs/spec/polls.md, section 5); a version 2 aggregate may have
// no leaves and no rows (a batch of hides only).
type Aggregate struct {
	Number uint64
	Leaves uint32
	Root   [32]byte
	Rows   []Row
	// Hides are the comments (of this batch or an earlier one) that
	// moderators hid and that no earlier batch records, in increasing
	// (Batch, Index) order.
	Hides []Hide
}

// A Hide records on the board that a moderator hid an anchored comment:
// which leaf, when, and a hash of the stated reason. It names neither the
// comment's text nor its author nor the moderator.
type Hide struct {
	Batch  uint64    // the batch whose leaf is the comment (this one or earlier)
	Index  uint32    // the comment's leaf index in that batch
	At     time.Time // when it was hidden, to the microsecond
	Reason [32]byte  // ReasonHash of the moderator's stated reason
}

// reasonDomain prefixes a reason's hash input.
const reasonDomain = "veche/polls/reason/v1"

// ReasonHash returns the hash of a moderator's stated reason as a [Hide]
// carries it: SHA-256("veche/polls/reason/v1" || reason). Reasons are
// public (shown in place of the hidden comment), so the hash is not
// salted: anyone compares the reason shown with the one on the board.
func ReasonHash(reason string) [32]byte {
	return sha256.Sum256(append([]byte(reasonDomain), reason...))
}

// EmptyRoot is the Merkle root of a batch without leaves (RFC 9162: the
// hash of the empty string), which a batch of hides only carries.
var EmptyRoot = voting.MerkleRoot(nil)

// Aggregate encoding versions (the first byte).
const (
	aggregateVersion     = 1 // counts and root
	aggregateVersionHide = 2 // counts, root and hides
)

// MaxRows bounds the rows of one aggregate (and so the items' subjects of
// one batch); the payload stays well under bulletin.MaxPayload.
const MaxRows = 1000

// MaxBatch bounds the items of one batch.
const MaxBatch = 100000

// MaxHides bounds the hides of one batch: with MaxRows rows of the longest
// subjects, the payload is at most 117,253 bytes, under bulletin.MaxPayload.
const MaxHides = 600

// hideSize is the size of one encoded hide.
const hideSize = 8 + 4 + 8 + 32

// maxHideTime bounds a hide's time (Unix microseconds): before the year
// 10000.
const maxHideTime = 253402300800000000

// Bytes encodes a: u8(version) || u64(number) || u32(leaves) || root ||
// u32(rows) || rows, each u8(kind) || u8(len(subject)) || subject ||
// u32(count) || u64(sum); with hides (version 2) followed by u32(hides)
// || hides, each u64(batch) || u32(index) || u64(at, Unix microseconds)
// || reason hash.
func (a *Aggregate) Bytes() []byte {
	v := byte(aggregateVersion)
	if len(a.Hides) > 0 {
		v = aggregateVersionHide
	}
	out := []byte{v}
	out = binary.BigEndian.AppendUint64(out, a.Number)
	out = binary.BigEndian.AppendUint32(out, a.Leaves)
	out = append(out, a.Root[:]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(a.Rows)))
	for _, r := range a.Rows {
		out = append(out, byte(r.Kind), byte(len(r.Subject)))
		out = append(out, r.Subject...)
		out = binary.BigEndian.AppendUint32(out, r.Count)
		out = binary.BigEndian.AppendUint64(out, r.Sum)
	}
	if v == aggregateVersionHide {
		out = binary.BigEndian.AppendUint32(out, uint32(len(a.Hides)))
		for _, h := range a.Hides {
			out = binary.BigEndian.AppendUint64(out, h.Batch)
			out = binary.BigEndian.AppendUint32(out, h.Index)
			out = binary.BigEndian.AppendUint64(out, uint64(h.At.UnixMicro()))
			out = append(out, h.Reason[:]...)
		}
	}
	return out
}

// RowAt returns the row of a that covers leaf index i, and false if a has
// no leaf i.
func (a *Aggregate) RowAt(i uint32) (Row, bool) {
	var end uint64
	for _, r := range a.Rows {
		end += uint64(r.Count)
		if uint64(i) < end {
			return r, true
		}
	}
	return Row{}, false
}

// Check checks the rules of docs/spec/polls.md on a: number from 1, rows
// in strictly increasing (kind, subject) order, each a valid subject for
// its kind with a count of at least 1, comment sums 0, rating sums between
// count and 5·count, counts adding up to the leaves, the empty root if
// there are none; and its hides: at most [MaxHides], in strictly
// increasing (batch, index) order, of this batch or an earlier one, at a
// time after 1970 and before the year 10000, and those of this batch at a
// leaf in a comment row. (That a hide of an earlier batch is of a comment
// of that batch, and that no batch hides a comment twice, is checked by
// [ReadAggregates], which has the earlier batches.)
func (a *Aggregate) Check() error {
	if a.Number == 0 {
		return fmt.Errorf("%w: aggregate batch number 0", ErrInvalid)
	}
	if len(a.Rows) > MaxRows || len(a.Rows) == 0 && len(a.Hides) == 0 {
		return fmt.Errorf("%w: aggregate of %d rows: want 1 to %d (0 only with hides)", ErrInvalid, len(a.Rows), MaxRows)
	}
	var total uint64
	for i, r := range a.Rows {
		if err := CheckSubject(r.Subject, r.Kind); err != nil {
			return fmt.Errorf("aggregate row %d: %w", i, err)
		}
		if i > 0 {
			p := a.Rows[i-1]
			if cmp.Or(cmp.Compare(p.Kind, r.Kind), strings.Compare(p.Subject, r.Subject)) >= 0 {
				return fmt.Errorf("%w: aggregate row %d is not after row %d", ErrInvalid, i, i-1)
			}
		}
		if r.Count == 0 {
			return fmt.Errorf("%w: aggregate row %d counts nothing", ErrInvalid, i)
		}
		switch {
		case r.Kind == KindComment && r.Sum != 0:
			return fmt.Errorf("%w: aggregate row %d: a comment row with sum %d", ErrInvalid, i, r.Sum)
		case r.Kind == KindRating && (r.Sum < uint64(r.Count) || r.Sum > 5*uint64(r.Count)):
			return fmt.Errorf("%w: aggregate row %d: %d ratings cannot add up to %d", ErrInvalid, i, r.Count, r.Sum)
		}
		total += uint64(r.Count)
	}
	if total != uint64(a.Leaves) || a.Leaves > MaxBatch {
		return fmt.Errorf("%w: aggregate rows count %d items, the tree has %d leaves", ErrInvalid, total, a.Leaves)
	}
	if a.Leaves == 0 && a.Root != EmptyRoot {
		return fmt.Errorf("%w: aggregate %d has no leaves and a root other than the empty tree's", ErrInvalid, a.Number)
	}
	if len(a.Hides) > MaxHides {
		return fmt.Errorf("%w: aggregate of %d hides: at most %d", ErrInvalid, len(a.Hides), MaxHides)
	}
	for i, h := range a.Hides {
		if at := h.At.UnixMicro(); at < 1 || at >= maxHideTime {
			return fmt.Errorf("%w: aggregate hide %d: a time before 1970 or after the year 9999", ErrInvalid, i)
		}
		if h.Batch == 0 || h.Batch > a.Number {
			return fmt.Errorf("%w: aggregate hide %d is of batch %d, not of batch 1 to %d", ErrInvalid, i, h.Batch, a.Number)
		}
		if i > 0 {
			p := a.Hides[i-1]
			if cmp.Or(cmp.Compare(p.Batch, h.Batch), cmp.Compare(p.Index, h.Index)) >= 0 {
				return fmt.Errorf("%w: aggregate hide %d is not after hide %d (the same comment twice, or out of order)", ErrInvalid, i, i-1)
			}
		}
		if h.Batch == a.Number {
			if err := hideTarget(a, h); err != nil {
				return fmt.Errorf("aggregate hide %d: %w", i, err)
			}
		}
	}
	return nil
}

// hideTarget checks that h's leaf is a comment of batch a.
func hideTarget(a *Aggregate, h Hide) error {
	r, ok := a.RowAt(h.Index)
	if !ok {
		return fmt.Errorf("%w: it hides leaf %d of batch %d, which has %d leaves", ErrInvalid, h.Index, a.Number, a.Leaves)
	}
	if r.Kind != KindComment {
		return fmt.Errorf("%w: it hides leaf %d of batch %d, a rating of %s: only comments are hidden", ErrInvalid, h.Index, a.Number, r.Subject)
	}
	return nil
}

// ParseAggregate decodes an aggregate strictly (version 1 or 2) and checks
// it ([Aggregate.Check]).
func ParseAggregate(b []byte) (*Aggregate, error) {
	if len(b) < 1+8+4+32+4 || b[0] != aggregateVersion && b[0] != aggregateVersionHide {
		return nil, fmt.Errorf("%w: not an aggregate (version %d or %d encoding)", ErrInvalid, aggregateVersion, aggregateVersionHide)
	}
	a := &Aggregate{Number: binary.BigEndian.Uint64(b[1:]), Leaves: binary.BigEndian.Uint32(b[9:]), Root: [32]byte(b[13:45])}
	n := binary.BigEndian.Uint32(b[45:])
	if n > MaxRows {
		return nil, fmt.Errorf("%w: aggregate of %d rows", ErrInvalid, n)
	}
	rest := b[49:]
	for i := range n {
		if len(rest) < 2 || len(rest) < 2+int(rest[1])+12 {
			return nil, fmt.Errorf("%w: aggregate row %d is cut short", ErrInvalid, i)
		}
		l := int(rest[1])
		r := Row{Kind: ItemKind(rest[0]), Subject: string(rest[2 : 2+l])}
		r.Count = binary.BigEndian.Uint32(rest[2+l:])
		r.Sum = binary.BigEndian.Uint64(rest[6+l:])
		a.Rows = append(a.Rows, r)
		rest = rest[14+l:]
	}
	if b[0] == aggregateVersionHide {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: aggregate hides are cut short", ErrInvalid)
		}
		h := binary.BigEndian.Uint32(rest)
		if h == 0 || h > MaxHides {
			return nil, fmt.Errorf("%w: a version %d aggregate of %d hides: want 1 to %d (a batch without hides is version %d)", ErrInvalid, aggregateVersionHide, h, MaxHides, aggregateVersion)
		}
		rest = rest[4:]
		if len(rest) < int(h)*hideSize {
			return nil, fmt.Errorf("%w: aggregate hides are cut short", ErrInvalid)
		}
		for range h {
			at := binary.BigEndian.Uint64(rest[12:])
			if at < 1 || at >= maxHideTime {
				return nil, fmt.Errorf("%w: aggregate hide %d: a time before 1970 or after the year 9999", ErrInvalid, len(a.Hides))
			}
			a.Hides = append(a.Hides, Hide{Batch: binary.BigEndian.Uint64(rest), Index: binary.BigEndian.Uint32(rest[8:]),
				At: time.UnixMicro(int64(at)).UTC(), Reason: [32]byte(rest[20:52])})
			rest = rest[hideSize:]
		}
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the aggregate", ErrInvalid, len(rest))
	}
	if err := a.Check(); err != nil {
		return nil, err
	}
	return a, nil
}

// An Item is what one leaf commits to.
type Item struct {
	ID      uint64
	Kind    ItemKind
	Subject string
	Rating  uint8  // 1-5 for a rating, 0 for a comment
	Text    string // a comment's text, "" for a rating
	Salt    [SaltSize]byte
}

// Leaf returns the item's leaf ([Leaf]).
func (it *Item) Leaf() [32]byte {
	return Leaf(it.Kind, it.Subject, it.ID, it.Rating, it.Text, it.Salt)
}

// itemOrder orders items as a batch holds them: kind, subject, id.
func itemOrder(a, b *Item) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Subject, b.Subject), cmp.Compare(a.ID, b.ID))
}

// NewAggregate returns batch number's aggregate of items, which it sorts
// into batch order (kind, subject, id), recording hides (in any order; a
// hide of this batch gives the comment's index in batch order). A batch
// of hides only has no items. It is the producer whose checkers are
// [CheckAggregate] and [CheckHides].
func NewAggregate(number uint64, items []*Item, hides ...Hide) (*Aggregate, error) {
	if len(items) == 0 && len(hides) == 0 || len(items) > MaxBatch {
		return nil, fmt.Errorf("%w: a batch of %d items and %d hides", ErrInvalid, len(items), len(hides))
	}
	slices.SortFunc(items, itemOrder)
	a := &Aggregate{Number: number, Leaves: uint32(len(items))}
	leaves := make([]voting.TrackingCode, len(items))
	for i, it := range items {
		if err := CheckSubject(it.Subject, it.Kind); err != nil {
			return nil, err
		}
		if i > 0 && items[i-1].ID == it.ID {
			return nil, fmt.Errorf("%w: item %d twice in a batch", ErrInvalid, it.ID)
		}
		leaves[i] = voting.TrackingCode(it.Leaf())
		n := len(a.Rows)
		if n == 0 || a.Rows[n-1].Kind != it.Kind || a.Rows[n-1].Subject != it.Subject {
			a.Rows = append(a.Rows, Row{Kind: it.Kind, Subject: it.Subject})
			n++
		}
		a.Rows[n-1].Count++
		a.Rows[n-1].Sum += uint64(it.Rating)
	}
	a.Root = voting.MerkleRoot(leaves)
	if len(hides) > 0 {
		a.Hides = slices.Clone(hides)
		for i := range a.Hides {
			a.Hides[i].At = time.UnixMicro(a.Hides[i].At.UnixMicro()).UTC()
		}
		slices.SortFunc(a.Hides, hideOrder)
	}
	if err := a.Check(); err != nil {
		return nil, err
	}
	return a, nil
}

// hideOrder orders hides as a batch holds them: batch, index.
func hideOrder(a, b Hide) int {
	return cmp.Or(cmp.Compare(a.Batch, b.Batch), cmp.Compare(a.Index, b.Index))
}

// CheckAggregate recomputes a batch's aggregate from its items (opened by
// whoever holds them all, such as an auditor given the database) and
// checks that it is a, byte for byte, taking a's hides as they are:
// number, leaves, root and rows. [CheckHides] checks the hides against
// the moderators' records; [Service.CheckBatch] does both from a database.
func CheckAggregate(a *Aggregate, items []*Item) error {
	want, err := NewAggregate(a.Number, slices.Clone(items), a.Hides...)
	if err != nil {
		return err
	}
	if !bytes.Equal(want.Bytes(), a.Bytes()) {
		return fmt.Errorf("%w: aggregate %d does not match its items", ErrMismatch, a.Number)
	}
	return nil
}

// CheckHides checks that a records exactly hides (in any order), with the
// same comments, times and reason hashes: what an auditor with the
// moderators' records (the database) checks, with [CheckAggregate].
func CheckHides(a *Aggregate, hides []Hide) error {
	want := slices.Clone(hides)
	slices.SortFunc(want, hideOrder)
	if len(want) != len(a.Hides) {
		return fmt.Errorf("%w: batch %d records %d hides, the moderators %d", ErrMismatch, a.Number, len(a.Hides), len(want))
	}
	for i, h := range want {
		g := a.Hides[i]
		switch {
		case g.Batch != h.Batch || g.Index != h.Index:
			return fmt.Errorf("%w: batch %d hides leaf %d of batch %d where the moderators hid leaf %d of batch %d", ErrMismatch, a.Number, g.Index, g.Batch, h.Index, h.Batch)
		case g.At.UnixMicro() != h.At.UnixMicro():
			return fmt.Errorf("%w: batch %d records the hide of leaf %d of batch %d at %v, the moderators at %v", ErrMismatch, a.Number, g.Index, g.Batch, g.At.UTC(), h.At.UTC())
		case g.Reason != h.Reason:
			return fmt.Errorf("%w: batch %d records another reason for the hide of leaf %d of batch %d than the moderators stated", ErrMismatch, a.Number, g.Index, g.Batch)
		}
	}
	return nil
}

// ErrMismatch is wrapped when something does not match the board: a
// receipt's leaf not under its batch's root or not in its subject's row, a
// batch whose items give another aggregate, published totals that are not
// the board's.
var ErrMismatch = errors.New("polls: does not match the board")

// A Receipt lets a resident check their own comment or rating on the
// board: the item, the batch it is in and its inclusion proof
// (voting.InclusionProof encoding).
type Receipt struct {
	Item  Item
	Batch uint64
	Proof []byte
}

// CheckReceipt checks r against a, the aggregate of batch r.Batch as read
// from the board: the item's leaf is under a's root at the proof's index,
// and that index is in the range of the item's subject row, so the item
// is counted for its subject (with its rating in the row's sum).
func CheckReceipt(r *Receipt, a *Aggregate) error {
	if a.Number != r.Batch {
		return fmt.Errorf("%w: the receipt is for batch %d, not %d", ErrMismatch, r.Batch, a.Number)
	}
	if (r.Item.Kind == KindRating) != (r.Item.Rating >= 1 && r.Item.Rating <= 5) || r.Item.Kind == KindRating && r.Item.Text != "" {
		return fmt.Errorf("%w: a receipt's rating must be 1 to 5 for a rating, 0 for a comment", ErrInvalid)
	}
	return CheckLeaf(r.Item.Leaf(), r.Item.Kind, r.Item.Subject, r.Proof, a)
}

// CheckLeaf checks that leaf is under a's root by the encoded inclusion
// proof, at an index in the row of (kind, subject): what [CheckReceipt]
// checks once it has recomputed the leaf, and what someone given only a
// leaf and its proof (the explorer) checks.
func CheckLeaf(leaf [32]byte, kind ItemKind, subject string, proof []byte, a *Aggregate) error {
	if err := CheckSubject(subject, kind); err != nil {
		return err
	}
	p, err := voting.ParseInclusionProof(proof)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMismatch, err)
	}
	if p.Size != a.Leaves {
		return fmt.Errorf("%w: the proof is for a tree of %d leaves, batch %d has %d", ErrMismatch, p.Size, a.Number, a.Leaves)
	}
	if err := voting.VerifyInclusion(voting.TrackingCode(leaf), proof, a.Root); err != nil {
		return fmt.Errorf("%w: %w", ErrMismatch, err)
	}
	var start uint32
	for _, row := range a.Rows {
		if row.Kind == kind && row.Subject == subject {
			if p.Index < start || p.Index >= start+row.Count {
				return fmt.Errorf("%w: leaf %d is outside the row of %s (%d to %d)", ErrMismatch, p.Index, row.Subject, start, start+row.Count-1)
			}
			return nil
		}
		start += row.Count
	}
	return fmt.Errorf("%w: batch %d has no row for %s", ErrMismatch, a.Number, subject)
}

// A Posted is an aggregate as read from the board, with where it is.
type Posted struct {
	Aggregate
	Seq uint64 // its entry on the service topic
}

// ReadAggregates reads every aggregate on the service topic posted by
// poster (the service's account), in order, and checks that each entry
// parses, that their batch numbers run 1, 2, 3, ..., and that their hides
// are each of a comment of its batch and never of a comment hidden
// before. An entry that repeats an earlier batch byte for byte (a retried
// post whose first attempt landed) adds nothing and is skipped; a batch
// number out of sequence with another payload is an error. Entries of
// other kinds or posters are skipped (other services share no topic with
// polls, but a reader does not trust that). A topic that does not exist
// yet has no aggregates. The result's batch n is at index n-1.
func ReadAggregates(ctx context.Context, r bulletin.Reader, poster bulletin.Address) ([]Posted, error) {
	_, count, err := r.Head(ctx, Topic)
	if errors.Is(err, bulletin.ErrUnknownTopic) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("polls: reading the service topic: %w", err)
	}
	type leaf struct {
		batch uint64
		index uint32
	}
	hidden := map[leaf]uint64{} // the batch that recorded the hide
	var out []Posted
	for from := uint64(0); from < count; {
		es, err := r.Entries(ctx, Topic, from, min(count, from+1000))
		if err != nil {
			return nil, fmt.Errorf("polls: reading the service topic: %w", err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Kind != bulletin.KindAggregate || e.Poster != poster {
				continue
			}
			a, err := ParseAggregate(e.Payload)
			if err != nil {
				return nil, fmt.Errorf("polls: entry %d: %w", e.Seq, err)
			}
			if a.Number >= 1 && a.Number <= uint64(len(out)) && bytes.Equal(out[a.Number-1].Bytes(), e.Payload) {
				continue // a repeat of batch a.Number
			}
			if a.Number != uint64(len(out))+1 {
				return nil, fmt.Errorf("%w: entry %d holds batch %d where batch %d was expected", ErrMismatch, e.Seq, a.Number, len(out)+1)
			}
			for _, h := range a.Hides {
				if h.Batch < a.Number {
					if err := hideTarget(&out[h.Batch-1].Aggregate, h); err != nil {
						return nil, fmt.Errorf("polls: entry %d (batch %d): %w", e.Seq, a.Number, err)
					}
				}
				k := leaf{h.Batch, h.Index}
				if first, ok := hidden[k]; ok {
					return nil, fmt.Errorf("%w: entry %d (batch %d) hides leaf %d of batch %d again, which batch %d recorded hidden: a hide is counted once and its time and reason never change",
						ErrInvalid, e.Seq, a.Number, h.Index, h.Batch, first)
				}
				hidden[k] = a.Number
			}
			out = append(out, Posted{Aggregate: *a, Seq: e.Seq})
		}
		from = es[len(es)-1].Seq + 1
	}
	return out, nil
}

// A Total is what the board says of one subject: the number of comments
// or ratings anchored, the sum of the ratings, and the number of its
// comments recorded hidden.
type Total struct {
	Kind    ItemKind `json:"-"`
	Subject string   `json:"subject"`
	Count   uint64   `json:"count"`
	Sum     uint64   `json:"sum"`
	Hidden  uint64   `json:"hidden"`
}

// Average returns the mean rating (0 if there is none).
func (t Total) Average() float64 {
	if t.Count == 0 {
		return 0
	}
	return float64(t.Sum) / float64(t.Count)
}

// Totals adds up the rows of every aggregate, per kind and subject, in
// (kind, subject) order, and counts each subject's hidden comments from
// the hides. aggs is what [ReadAggregates] returns (batch n at index n-1).
func Totals(aggs []Posted) []Total {
	type key struct {
		k ItemKind
		s string
	}
	m := map[key]*Total{}
	for _, a := range aggs {
		for _, r := range a.Rows {
			t := m[key{r.Kind, r.Subject}]
			if t == nil {
				t = &Total{Kind: r.Kind, Subject: r.Subject}
				m[key{r.Kind, r.Subject}] = t
			}
			t.Count += uint64(r.Count)
			t.Sum += r.Sum
		}
	}
	for _, h := range HiddenComments(aggs) {
		if t := m[key{KindComment, h.Subject}]; t != nil {
			t.Hidden++
		}
	}
	out := make([]Total, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Total) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Subject, b.Subject))
	})
	return out
}

// A HideRecord is a hide as read from the board: the hidden comment's leaf
// (batch and index) and subject, when it was hidden and the hash of the
// stated reason, and the batch and entry that recorded it.
type HideRecord struct {
	Hide
	Subject string // the hidden comment's subject
	In      uint64 // the batch that recorded the hide
	Seq     uint64 // that batch's entry on the service topic
}

// HiddenComments lists the hides that aggs record, in board order. aggs is
// what [ReadAggregates] returns (batch n at index n-1); a hide it could not
// have accepted is left out.
func HiddenComments(aggs []Posted) []HideRecord {
	var out []HideRecord
	for _, a := range aggs {
		for _, h := range a.Hides {
			if h.Batch == 0 || h.Batch > uint64(len(aggs)) {
				continue
			}
			r, ok := aggs[h.Batch-1].RowAt(h.Index)
			if !ok || r.Kind != KindComment {
				continue
			}
			out = append(out, HideRecord{Hide: h, Subject: r.Subject, In: a.Number, Seq: a.Seq})
		}
	}
	return out
}

// ErrNotHidden: the board records no hide of the comment.
var ErrNotHidden = errors.New("polls: the board records no hide of this comment")

// CheckHidden checks, for a resident holding the receipt r of their own
// comment, what the board says of its moderation: r is checked against its
// batch ([CheckReceipt]), then the hide of its leaf is looked up in aggs
// (what [ReadAggregates] returns) and returned: when it was hidden, the
// reason's hash, and which batch recorded it. If reason is not empty it
// must be the reason whose hash the board records (the reason the service
// shows in place of the comment), else the error wraps [ErrMismatch]. A
// comment the board does not record hidden gives [ErrNotHidden]: its author
// can show that too.
func CheckHidden(r *Receipt, aggs []Posted, reason string) (*HideRecord, error) {
	if r.Item.Kind != KindComment {
		return nil, fmt.Errorf("%w: only comments are hidden", ErrInvalid)
	}
	if r.Batch == 0 || r.Batch > uint64(len(aggs)) {
		return nil, fmt.Errorf("%w: batch %d is not on the board", ErrMismatch, r.Batch)
	}
	if err := CheckReceipt(r, &aggs[r.Batch-1].Aggregate); err != nil {
		return nil, err
	}
	p, err := voting.ParseInclusionProof(r.Proof)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMismatch, err)
	}
	for _, h := range HiddenComments(aggs) {
		if h.Batch != r.Batch || h.Index != p.Index {
			continue
		}
		if reason != "" && ReasonHash(reason) != h.Reason {
			return nil, fmt.Errorf("%w: the board records another reason for hiding comment %d (in batch %d) than the one given", ErrMismatch, r.Item.ID, h.In)
		}
		return &h, nil
	}
	return nil, fmt.Errorf("%w (comment %d, leaf %d of batch %d)", ErrNotHidden, r.Item.ID, p.Index, r.Batch)
}
