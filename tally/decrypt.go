package tally

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/threshold"
)

// A DecryptionRecord is one trustee's partial decryption of one list (kind
// decryption-share): the list's name and digest, and the
// threshold.PartialDecryption of its ciphertexts, row by row, component by
// component (docs/spec/tally.md, section 4).
type DecryptionRecord struct {
	List    string
	Digest  [32]byte
	Partial []byte // the threshold.PartialDecryption encoding, decoded when combining
}

// Bytes encodes the record: u8 version || u8 len(list) || list || digest
// (32) || partial decryption.
func (d *DecryptionRecord) Bytes() ([]byte, error) {
	if !listNamePattern.MatchString(d.List) {
		return nil, fmt.Errorf("tally: list name %q", d.List)
	}
	b := make([]byte, 0, 2+len(d.List)+32+len(d.Partial))
	b = append(b, recordVersion, byte(len(d.List)))
	b = append(b, d.List...)
	b = append(b, d.Digest[:]...)
	return append(b, d.Partial...), nil
}

// ParseDecryptionRecord decodes the record's frame; the partial decryption
// itself is decoded (strictly) when combining, so that a trustee whose
// bytes do not decode is named there.
func ParseDecryptionRecord(b []byte) (*DecryptionRecord, error) {
	d := &reader{b: b}
	v := d.take(1, "version")
	if d.err == nil && v[0] != recordVersion {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v[0])
	}
	l := d.take(1, "list name length")
	if d.err != nil {
		return nil, d.err
	}
	name := string(d.take(int(l[0]), "list name"))
	if d.err == nil && !listNamePattern.MatchString(name) {
		return nil, fmt.Errorf("%w: list name %q", ErrMalformed, name)
	}
	var dig [32]byte
	copy(dig[:], d.take(32, "digest"))
	if d.err != nil {
		return nil, d.err
	}
	return &DecryptionRecord{List: name, Digest: dig, Partial: d.b}, nil
}

// binding is what a partial decryption of list l is bound to:
// "veche/decrypt/v1" || 0x00 || u8 len(name) || name || digest.
func decryptionBinding(l *List, digest [32]byte) []byte {
	b := append([]byte("veche/decrypt/v1\x00"), byte(len(l.Name)))
	b = append(b, l.Name...)
	return append(b, digest[:]...)
}

// flatten returns the list's ciphertexts row by row.
func flatten(l *List) []*elgamal.Ciphertext {
	out := make([]*elgamal.Ciphertext, 0, len(l.Rows)*l.Width())
	for _, r := range l.Rows {
		out = append(out, r...)
	}
	return out
}

// Trustees describes who decrypts: the threshold parameters from the key
// ceremony and each trustee's board address (index i+1 is Addresses[i]).
type Trustees struct {
	Params    *threshold.Params
	Addresses []bulletin.Address
}

func (t *Trustees) indexOf(a bulletin.Address) uint32 {
	for i, x := range t.Addresses {
		if x == a {
			return uint32(i + 1)
		}
	}
	return 0
}

// PostDecryption partially decrypts list l with trustee index's share and
// posts the record (chunked if large) through b. rand gives the proof's
// nonces (nil: crypto/rand). The caller must have verified that l is the
// list to decrypt (the cascade's output, or an aggregate it recomputed): a
// trustee that decrypts what it is handed without checking can be used to
// decrypt one voter's ballot.
func PostDecryption(ctx context.Context, rand io.Reader, b bulletin.Appender, topic bulletin.TopicID, t *Trustees, index uint32, share *group.Scalar, l *List) error {
	payload, err := decryptionRecord(rand, t, index, share, l)
	if err != nil {
		return err
	}
	msgs, err := splitArtefact(bulletin.KindDecryptionShare, payload, 0)
	if err != nil {
		return err
	}
	for i := 0; i < len(msgs); i += postBatch {
		if _, err := b.AppendBatch(ctx, topic, msgs[i:min(i+postBatch, len(msgs))]); err != nil {
			return fmt.Errorf("tally: posting the decryption of list %s: %w", l.Name, err)
		}
	}
	return nil
}

// decryptionRecord returns the encoded decryption record of list l by
// trustee index.
func decryptionRecord(rand io.Reader, t *Trustees, index uint32, share *group.Scalar, l *List) ([]byte, error) {
	digest := l.Digest()
	pd, err := threshold.PartialDecrypt(rand, t.Params, index, share, flatten(l), decryptionBinding(l, digest))
	if err != nil {
		return nil, fmt.Errorf("tally: decrypting list %s: %w", l.Name, err)
	}
	rec := &DecryptionRecord{List: l.Name, Digest: digest, Partial: pd.Bytes()}
	return rec.Bytes()
}

// DecryptionOptions configure [PostDecryptionResumable]; the zero value
// is usable.
type DecryptionOptions struct {
	Rand io.Reader // the proof's nonces; nil: crypto/rand
	// Pending, if set, is the directory where the trustee keeps its
	// decryption record while posting it, so that a run stopped halfway
	// is finished by the next one with the same bytes ([Pending]; the
	// record is public data: no key share or proof nonce is kept).
	Pending string
	// ChunkSize is the chunk size of the record, which is chunked if
	// larger than bulletin.MaxPayload, or than ChunkSize if set (0:
	// bulletin.MaxChunkData).
	ChunkSize int
	// Progress, if set, is told what is being done.
	Progress func(stage string, done, total int)
}

// PostDecryptionResumable is [PostDecryption] for a trustee that may be
// stopped while posting a chunked record and run again. If the board
// already holds the trustee's decryption record of list l's name, it posts
// nothing and returns false. Otherwise it posts the record and returns
// true: with o.Pending set, the one saved by a run that stopped halfway,
// if it is of the same list digest (only the chunks the board lacks), or
// else a new one ([ResumablePost]). The caller must have verified that l
// is the list to decrypt, as for [PostDecryption].
func PostDecryptionResumable(ctx context.Context, b interface {
	bulletin.Appender
	bulletin.Reader
}, topic bulletin.TopicID, t *Trustees, index uint32, share *group.Scalar, l *List, o *DecryptionOptions) (posted bool, err error) {
	if o == nil {
		o = &DecryptionOptions{}
	}
	if index < 1 || int(index) > len(t.Addresses) {
		return false, fmt.Errorf("tally: trustee index %d of %d", index, len(t.Addresses))
	}
	rp := &ResumablePost{Board: b, ChunkSize: o.ChunkSize, Progress: o.Progress, Pending: Pending{Dir: o.Pending,
		Key: PendingKey{Topic: topic, Kind: bulletin.KindDecryptionShare, Name: l.Name, Slot: index, Poster: t.Addresses[index-1], Input: l.Digest()}}}
	done, err := ReadDecryptions(ctx, b, topic)
	if err != nil {
		return false, err
	}
	for _, p := range done[l.Name] {
		if p.Poster == rp.Pending.Key.Poster {
			if rp.Pending.Dir != "" {
				// Left by a run stopped once the last chunk was posted.
				return false, rp.Pending.Remove()
			}
			return false, nil
		}
	}
	if _, _, err := rp.Run(ctx, func() ([]byte, error) {
		if rp.Progress != nil {
			rp.Progress(fmt.Sprintf("decrypting %d ciphertexts of list %s", len(l.Rows)*l.Width(), l.Name), 0, 1)
		}
		return decryptionRecord(o.Rand, t, index, share, l)
	}); err != nil {
		return false, err
	}
	return true, nil
}

// A PostedDecryption is a decryption record with its poster and place.
type PostedDecryption struct {
	*DecryptionRecord
	Seq    uint64
	Poster bulletin.Address
}

// ReadDecryptions returns the decryption records of topic by list, in board
// order, reassembling chunked ones; frames that do not decode are skipped
// (their posters then count as missing).
func ReadDecryptions(ctx context.Context, r bulletin.Reader, topic bulletin.TopicID) (map[string][]PostedDecryption, error) {
	out := map[string][]PostedDecryption{}
	err := forEachArtefact(ctx, r, topic, func(kind bulletin.Kind, payload []byte, seq uint64, poster bulletin.Address) {
		if kind != bulletin.KindDecryptionShare {
			return
		}
		d, err := ParseDecryptionRecord(payload)
		if err != nil {
			return
		}
		out[d.List] = append(out[d.List], PostedDecryption{DecryptionRecord: d, Seq: seq, Poster: poster})
	}, nil)
	return out, err
}

// ErrWrongList: a decryption record names another digest than the list's.
var ErrWrongList = errors.New("tally: the decryption is of another list")

// Decrypt combines the trustees' decryptions of list l: each trustee's
// first record for the list counts; one posted for another digest, one that
// does not decode, or one whose proof fails excludes its trustee, named in
// the report. With at least k valid ones it returns the plaintexts row by
// row; otherwise a *threshold.QuorumError says who is missing or excluded.
func Decrypt(rand io.Reader, t *Trustees, l *List, posted []PostedDecryption) ([][]*group.Element, *threshold.Report, error) {
	digest := l.Digest()
	var subs []threshold.Submission
	seen := map[uint32]bool{}
	for _, p := range posted {
		idx := t.indexOf(p.Poster)
		if idx == 0 || seen[idx] {
			continue // not a trustee (the board would not allow it), or not its first
		}
		seen[idx] = true
		data := p.Partial
		if p.Digest != digest {
			data = nil // decodes as nothing: the trustee is excluded, named
		}
		subs = append(subs, threshold.Submission{Trustee: idx, Data: data})
	}
	cts := flatten(l)
	ms, rep, err := threshold.CombineSubmissions(rand, t.Params, decryptionBinding(l, digest), cts, subs)
	if err != nil {
		return nil, rep, fmt.Errorf("tally: decrypting list %s: %w", l.Name, err)
	}
	w := l.Width()
	rows := make([][]*group.Element, len(l.Rows))
	for i := range rows {
		rows[i] = ms[i*w : (i+1)*w]
	}
	return rows, rep, nil
}

// forEachArtefact calls f for every entry of topic in board order, with
// chunked artefacts reassembled (at the place of their last chunk, posted
// by their header's poster). A chunk entry that breaks its artefact is
// given to bad, if not nil.
func forEachArtefact(ctx context.Context, r bulletin.Reader, topic bulletin.TopicID,
	f func(kind bulletin.Kind, payload []byte, seq uint64, poster bulletin.Address), bad func(bulletin.Entry, error)) error {
	_, count, err := r.Head(ctx, topic)
	if err != nil {
		return fmt.Errorf("tally: %w", err)
	}
	var asm bulletin.Assembler
	const page = 2000
	for from := uint64(0); from < count; from += page {
		es, err := r.Entries(ctx, topic, from, min(from+page, count))
		if err != nil {
			return fmt.Errorf("tally: %w", err)
		}
		for _, e := range es {
			if !e.Kind.IsChunk() {
				f(e.Kind, e.Payload, e.Seq, e.Poster)
				continue
			}
			art, done, err := asm.Add(e)
			if err != nil && bad != nil {
				bad(e, err)
			}
			if err != nil || !done {
				continue
			}
			f(art.Kind, art.Payload, e.Seq, e.Poster)
		}
	}
	return nil
}
