package tally

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/veche/veche/bulletin"
)

// Resumable posting (docs/spec/tally.md, "Resumable posting").
//
// A shuffle or a decryption record of a large list is posted as a chunked
// artefact (bulletin.Chunk) in many transactions. A mixer or trustee
// stopped halfway must not make a new one on restart: its proof is
// randomised, so a new one has a new hash, and the half-posted one would
// stay on the chain as waste after minutes of work thrown away. So the
// artefact's bytes are saved in a pending file before the first batch, and
// a restart with the same inputs posts the same bytes: only the chunks
// the board does not hold yet.

// A PendingKey names an artefact a party is posting and what it was
// computed from. A pending file is used again only for the same key.
type PendingKey struct {
	Topic  bulletin.TopicID
	Kind   bulletin.Kind    // the artefact's kind
	Name   string           // the list it is of: a list name ([a-z0-9][a-z0-9-]{0,62})
	Slot   uint32           // the party's place: a mixer's position, a trustee's index
	Poster bulletin.Address // the account that posts it
	Input  [32]byte         // the digest of what it was computed from (the list shuffled or decrypted)
}

// A Pending is where one artefact is kept while it is being posted: a file
// in directory Dir named after Key (topic, kind, name and slot). The file
// holds the key, the chunk size and the artefact, with a Keccak-256
// checksum; it is written atomically (a temporary file renamed) with mode
// 0600, and removed once the artefact is complete on the board.
//
// What it holds is public once posted: a shuffle record (the output list
// and its proof) or a decryption record (the partial decryptions and their
// proofs). Never put a secret in one: no permutation, no re-encryption or
// proof randomness, no key share.
type Pending struct {
	Dir string
	Key PendingKey
}

var (
	// ErrPendingDamaged: a pending file that does not decode or whose
	// checksum fails. It is not used.
	ErrPendingDamaged = errors.New("tally: damaged pending file")
	// ErrPendingStale: a pending file for other inputs than the ones at
	// hand (the list changed, another poster, another key). It is not used.
	ErrPendingStale = errors.New("tally: pending file for other inputs")
)

// pendingMagic starts every pending file.
const pendingMagic = "veche/pending/v1\x00"

// Path returns the pending file's path.
func (p *Pending) Path() string {
	k := &p.Key
	return filepath.Join(p.Dir, fmt.Sprintf("%s-%d-%s-%d.pending", hex.EncodeToString(k.Topic[:]), uint16(k.Kind), k.Name, k.Slot))
}

// encode returns the key's encoding: topic (32) || u16 kind || u8
// len(name) || name || u32 slot || poster (20) || input (32).
func (k *PendingKey) encode() ([]byte, error) {
	if !listNamePattern.MatchString(k.Name) {
		return nil, fmt.Errorf("tally: pending artefact name %q", k.Name)
	}
	b := append([]byte(nil), k.Topic[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(k.Kind))
	b = append(b, byte(len(k.Name)))
	b = append(b, k.Name...)
	b = binary.BigEndian.AppendUint32(b, k.Slot)
	b = append(b, k.Poster[:]...)
	return append(b, k.Input[:]...), nil
}

// Save writes the artefact, to be posted in chunks of chunkSize bytes, to
// the pending file, replacing any earlier one atomically; it creates Dir
// (mode 0700) if needed.
func (p *Pending) Save(artefact []byte, chunkSize int) error {
	key, err := p.Key.encode()
	if err != nil {
		return err
	}
	if chunkSize < 1 || chunkSize > bulletin.MaxChunkData {
		return fmt.Errorf("tally: pending artefact chunk size %d", chunkSize)
	}
	body := make([]byte, 0, len(pendingMagic)+len(key)+4+len(artefact)+32)
	body = append(body, pendingMagic...)
	body = append(body, key...)
	body = binary.BigEndian.AppendUint32(body, uint32(chunkSize))
	body = append(body, artefact...)
	sum := bulletin.Keccak256(body)
	body = append(body, sum[:]...)

	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	tmp, err := os.CreateTemp(p.Dir, ".pending-*")
	if err != nil {
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.Path()); err != nil {
		return fmt.Errorf("tally: saving the pending artefact: %w", err)
	}
	return nil
}

// Load returns the artefact of the pending file and its chunk size, or nil
// if there is no pending file. A file that does not decode or fails its
// checksum is an error wrapping [ErrPendingDamaged]; one for another key
// (the same name and slot, other inputs or poster) wraps
// [ErrPendingStale]. Load never removes anything.
func (p *Pending) Load() (artefact []byte, chunkSize int, err error) {
	key, err := p.Key.encode()
	if err != nil {
		return nil, 0, err
	}
	path := p.Path()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("tally: reading the pending artefact: %w", err)
	}
	damaged := func(why string) ([]byte, int, error) {
		return nil, 0, fmt.Errorf("%w %s: %s", ErrPendingDamaged, path, why)
	}
	if len(b) < len(pendingMagic)+len(key)+4+1+32 || string(b[:len(pendingMagic)]) != pendingMagic {
		return damaged("not a pending file, or truncated")
	}
	body, sum := b[:len(b)-32], b[len(b)-32:]
	if got := bulletin.Keccak256(body); !bytes.Equal(got[:], sum) {
		return damaged("checksum mismatch")
	}
	body = body[len(pendingMagic):]
	if !bytes.Equal(body[:len(key)], key) {
		return nil, 0, fmt.Errorf("%w: %s was saved for another list digest or poster", ErrPendingStale, path)
	}
	body = body[len(key):]
	chunkSize = int(binary.BigEndian.Uint32(body))
	if chunkSize < 1 || chunkSize > bulletin.MaxChunkData {
		return damaged(fmt.Sprintf("chunk size %d", chunkSize))
	}
	return body[4:], chunkSize, nil
}

// Remove removes the pending file, if there is one.
func (p *Pending) Remove() error {
	if err := os.Remove(p.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tally: removing the pending artefact: %w", err)
	}
	return nil
}

// postBatch is how many entries one AppendBatch call posts.
const postBatch = 64

// splitArtefact returns the messages that post payload: one entry of kind
// if it fits in maxEntry bytes, otherwise chunks of chunkSize bytes.
func splitArtefact(kind bulletin.Kind, payload []byte, chunkSize int) ([]bulletin.Message, error) {
	if chunkSize == 0 {
		chunkSize = bulletin.MaxChunkData
	}
	if len(payload) <= bulletin.MaxPayload && (chunkSize == bulletin.MaxChunkData || len(payload) <= chunkSize) {
		return []bulletin.Message{{Kind: kind, Payload: payload}}, nil
	}
	return bulletin.Chunk(kind, payload, chunkSize)
}

// A ResumablePost posts one artefact so that a restart finishes it rather
// than posting a new one ([Pending]).
type ResumablePost struct {
	Board interface {
		bulletin.Appender
		bulletin.Reader
	}
	// Pending keeps the artefact while it is posted; with an empty Dir
	// nothing is kept, and a restart makes a new artefact.
	Pending Pending
	// ChunkSize is the chunk size of a new artefact: one larger than
	// bulletin.MaxPayload, or than ChunkSize if set, is chunked (0:
	// bulletin.MaxChunkData). A resumed artefact keeps the chunk size it
	// was saved with.
	ChunkSize int
	// Progress, if set, is told what is being done and about a pending
	// file that is not used (damaged, stale or impossible to complete).
	Progress func(stage string, done, total int)
}

func (r *ResumablePost) progress(stage string, done, total int) {
	if r.Progress != nil {
		r.Progress(stage, done, total)
	}
}

// Run posts the artefact: the pending one if there is a usable one (only
// what the board lacks of it), otherwise the one build returns (saved as
// pending first, when chunked). It returns the artefact posted and the
// sequence number of its (last) entry. A pending file that is damaged,
// saved for other inputs, or whose chunks on the board cannot be completed
// (bulletin.ErrCannotResume) is reported through Progress, removed, and
// replaced by a new artefact from build. The pending file is removed once
// the artefact is complete on the board; after an error it is kept for the
// next run.
func (r *ResumablePost) Run(ctx context.Context, build func() ([]byte, error)) (payload []byte, seq uint64, err error) {
	kind, name := r.Pending.Key.Kind, r.Pending.Key.Name
	if r.Pending.Dir != "" {
		payload, seq, err := r.resume(ctx)
		if err == nil && payload != nil {
			return payload, seq, nil
		}
		if err != nil {
			var skip bool
			for _, e := range []error{ErrPendingDamaged, ErrPendingStale, bulletin.ErrCannotResume} {
				skip = skip || errors.Is(err, e)
			}
			if !skip {
				return nil, 0, err
			}
			r.progress(fmt.Sprintf("pending %v of %s not used (%v); making a new one", kind, name, err), 0, 0)
			if err := r.Pending.Remove(); err != nil {
				return nil, 0, err
			}
		}
	}
	if payload, err = build(); err != nil {
		return nil, 0, err
	}
	chunkSize := r.ChunkSize
	if chunkSize == 0 {
		chunkSize = bulletin.MaxChunkData
	}
	msgs, err := splitArtefact(kind, payload, chunkSize)
	if err != nil {
		return nil, 0, fmt.Errorf("tally: posting the %v of list %s: %w", kind, name, err)
	}
	chunked := len(msgs) > 1
	if chunked && r.Pending.Dir != "" {
		if err := r.Pending.Save(payload, chunkSize); err != nil {
			return nil, 0, err
		}
	}
	if seq, err = r.post(ctx, msgs, 0); err != nil {
		return nil, 0, err
	}
	if chunked && r.Pending.Dir != "" {
		if err := r.Pending.Remove(); err != nil {
			return nil, 0, err
		}
	}
	return payload, seq, nil
}

// resume posts what the board lacks of the pending artefact, if there is
// one, and removes the file. It returns nil if there is none.
func (r *ResumablePost) resume(ctx context.Context) ([]byte, uint64, error) {
	key := &r.Pending.Key
	payload, chunkSize, err := r.Pending.Load()
	if err != nil || payload == nil {
		return nil, 0, err
	}
	msgs, err := splitArtefact(key.Kind, payload, chunkSize)
	if err != nil || len(msgs) < 2 {
		return nil, 0, fmt.Errorf("%w %s: an artefact of %d bytes that is not chunked", ErrPendingDamaged, r.Pending.Path(), len(payload))
	}
	posted, err := bulletin.FindChunks(ctx, r.Board, key.Topic, key.Poster, bulletin.Keccak256(payload))
	if err != nil {
		return nil, 0, err
	}
	rest, err := posted.Unposted(msgs)
	if err != nil {
		return nil, 0, err
	}
	var seq uint64
	if len(rest) == 0 {
		seq, _ = posted.Last()
		r.progress(fmt.Sprintf("the pending %v of list %s is complete on the board (entry %d)", key.Kind, key.Name, seq), len(msgs), len(msgs))
	} else {
		r.progress(fmt.Sprintf("resuming the pending %v of list %s: %d of %d entries on the board", key.Kind, key.Name, len(msgs)-len(rest), len(msgs)), len(msgs)-len(rest), len(msgs))
		if seq, err = r.post(ctx, rest, len(msgs)-len(rest)); err != nil {
			return nil, 0, err
		}
	}
	if err := r.Pending.Remove(); err != nil {
		return nil, 0, err
	}
	return payload, seq, nil
}

// post appends msgs in batches; done of the artefact's entries precede
// them. It returns the sequence number of the last one.
func (r *ResumablePost) post(ctx context.Context, msgs []bulletin.Message, done int) (uint64, error) {
	key := &r.Pending.Key
	total := done + len(msgs)
	var last uint64
	for i := 0; i < len(msgs); i += postBatch {
		r.progress("posting", done+i, total)
		seqs, err := r.Board.AppendBatch(ctx, key.Topic, msgs[i:min(i+postBatch, len(msgs))])
		if err != nil {
			return 0, fmt.Errorf("tally: posting the %v of list %s: %w", key.Kind, key.Name, err)
		}
		if len(seqs) > 0 {
			last = seqs[len(seqs)-1]
		}
	}
	r.progress("posted", total, total)
	return last, nil
}
