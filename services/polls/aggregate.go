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
// ...), the Merkle root over the batch's Leaves leaves, and its rows,
// ordered by kind then subject, whose counts partition the leaves in that
// order.
type Aggregate struct {
	Number uint64
	Leaves uint32
	Root   [32]byte
	Rows   []Row
}

// aggregateVersion is the first byte of an aggregate's encoding.
const aggregateVersion = 1

// MaxRows bounds the rows of one aggregate (and so the items' subjects of
// one batch); the payload stays well under bulletin.MaxPayload.
const MaxRows = 1000

// MaxBatch bounds the items of one batch.
const MaxBatch = 100000

// Bytes encodes a: u8(1) || u64(number) || u32(leaves) || root ||
// u32(rows) || rows, each u8(kind) || u8(len(subject)) || subject ||
// u32(count) || u64(sum).
func (a *Aggregate) Bytes() []byte {
	out := []byte{aggregateVersion}
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
	return out
}

// Check checks the rules of docs/spec/polls.md on a: number from 1, rows
// in strictly increasing (kind, subject) order, each a valid subject for
// its kind with a count of at least 1, comment sums 0, rating sums between
// count and 5·count, counts adding up to the leaves.
func (a *Aggregate) Check() error {
	if a.Number == 0 {
		return fmt.Errorf("%w: aggregate batch number 0", ErrInvalid)
	}
	if len(a.Rows) == 0 || len(a.Rows) > MaxRows {
		return fmt.Errorf("%w: aggregate of %d rows: want 1 to %d", ErrInvalid, len(a.Rows), MaxRows)
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
	return nil
}

// ParseAggregate decodes an aggregate strictly and checks it
// ([Aggregate.Check]).
func ParseAggregate(b []byte) (*Aggregate, error) {
	if len(b) < 1+8+4+32+4 || b[0] != aggregateVersion {
		return nil, fmt.Errorf("%w: not an aggregate (version %d encoding)", ErrInvalid, aggregateVersion)
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
// into batch order (kind, subject, id). It is the producer whose checker
// is [CheckAggregate].
func NewAggregate(number uint64, items []*Item) (*Aggregate, error) {
	if len(items) == 0 || len(items) > MaxBatch {
		return nil, fmt.Errorf("%w: a batch of %d items", ErrInvalid, len(items))
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
	if err := a.Check(); err != nil {
		return nil, err
	}
	return a, nil
}

// CheckAggregate recomputes a batch's aggregate from its items (opened by
// whoever holds them all, such as an auditor given the database) and
// checks that it is a, byte for byte.
func CheckAggregate(a *Aggregate, items []*Item) error {
	want, err := NewAggregate(a.Number, slices.Clone(items))
	if err != nil {
		return err
	}
	if !bytes.Equal(want.Bytes(), a.Bytes()) {
		return fmt.Errorf("%w: aggregate %d does not match its items", ErrMismatch, a.Number)
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
// poster (the service's account), in order, and checks that their batch
// numbers run 1, 2, 3, ... and each entry parses. Entries of other kinds
// or posters are skipped (other services share no topic with polls, but a
// reader does not trust that). A topic that does not exist yet has no
// aggregates.
func ReadAggregates(ctx context.Context, r bulletin.Reader, poster bulletin.Address) ([]Posted, error) {
	_, count, err := r.Head(ctx, Topic)
	if errors.Is(err, bulletin.ErrUnknownTopic) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("polls: reading the service topic: %w", err)
	}
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
			if a.Number != uint64(len(out))+1 {
				return nil, fmt.Errorf("%w: entry %d holds batch %d where batch %d was expected", ErrMismatch, e.Seq, a.Number, len(out)+1)
			}
			out = append(out, Posted{Aggregate: *a, Seq: e.Seq})
		}
		from = es[len(es)-1].Seq + 1
	}
	return out, nil
}

// A Total is what the board says of one subject: the number of comments
// or ratings anchored, and the sum of the ratings.
type Total struct {
	Kind    ItemKind `json:"-"`
	Subject string   `json:"subject"`
	Count   uint64   `json:"count"`
	Sum     uint64   `json:"sum"`
}

// Average returns the mean rating (0 if there is none).
func (t Total) Average() float64 {
	if t.Count == 0 {
		return 0
	}
	return float64(t.Sum) / float64(t.Count)
}

// Totals adds up the rows of every aggregate, per kind and subject, in
// (kind, subject) order.
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
	out := make([]Total, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Total) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Subject, b.Subject))
	})
	return out
}
