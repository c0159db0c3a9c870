package documents

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/veche/veche/bulletin"
)

// FileFormat is the value of a document file's "format" member.
const FileFormat = "veche-document/v1"

// MaxFileSize bounds a document file: the content base64-encoded, and the
// rest.
const MaxFileSize = MaxContent*4/3 + 8<<10

// A File is a downloaded document: what a holder keeps or hands over, and
// everything needed to check it against the board (docs/spec/documents.md,
// section 7). It is a JSON object with exactly these members:
//
//	{"format": "veche-document/v1", "topic": HEX64, "seq": N,
//	 "series": HEX32, "version": N, "type": NAME, "title": TEXT,
//	 "media_type": TEXT, "salt": HEX64, "content": BASE64}
//
// topic and seq say where the anchor is; salt, content, media_type and
// title open its commitment. Whoever holds the file can show it; nobody
// can check a guess at its content against the board without it.
type File struct {
	Format    string `json:"format"`
	Topic     string `json:"topic"`
	Seq       uint64 `json:"seq"`
	Series    string `json:"series"`
	Version   uint32 `json:"version"`
	Type      string `json:"type"`
	Title     string `json:"title"`
	MediaType string `json:"media_type"`
	Salt      string `json:"salt"`
	Content   string `json:"content"`
}

// Bytes encodes the file as JSON with a final newline.
func (f *File) Bytes() []byte {
	b, _ := json.MarshalIndent(f, "", "  ")
	return append(b, '\n')
}

// ParseFile decodes a document file strictly: exactly the members above
// (no others, no repeats), each well formed.
func ParseFile(b []byte) (*File, error) {
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%w: a document file is at most %d bytes", ErrMalformed, MaxFileSize)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrMalformed, err)
	}
	if n, err := topLevelKeys(b); err != nil || n != len(raw) {
		return nil, fmt.Errorf("%w: a member appears twice", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	f := new(File)
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(raw) != 10 {
		return nil, fmt.Errorf("%w: a document file has exactly 10 members", ErrMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the document", ErrMalformed)
	}
	if f.Format != FileFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrMalformed, f.Format, FileFormat)
	}
	if _, err := f.opened(); err != nil {
		return nil, err
	}
	return f, nil
}

// topLevelKeys counts the members of the JSON object b, repeats included.
func topLevelKeys(b []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	n := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return 0, err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// openedFile is a file's decoded fields.
type openedFile struct {
	topic   bulletin.TopicID
	series  Series
	typ     Type
	salt    []byte
	content []byte
}

func (f *File) opened() (*openedFile, error) {
	o := new(openedFile)
	t, err := hex.DecodeString(f.Topic)
	if err != nil || len(t) != 32 || hex.EncodeToString(t) != f.Topic {
		return nil, fmt.Errorf("%w: topic: 64 lower-case hex digits", ErrMalformed)
	}
	o.topic = bulletin.TopicID(t)
	if o.series, err = ParseSeries(f.Series); err != nil {
		return nil, err
	}
	if o.typ, err = ParseType(f.Type); err != nil {
		return nil, err
	}
	if f.Version == 0 {
		return nil, fmt.Errorf("%w: version from 1", ErrMalformed)
	}
	o.salt, err = hex.DecodeString(f.Salt)
	if err != nil || len(o.salt) != SaltSize || hex.EncodeToString(o.salt) != f.Salt {
		return nil, fmt.Errorf("%w: salt: 64 lower-case hex digits", ErrMalformed)
	}
	o.content, err = base64.StdEncoding.Strict().DecodeString(f.Content)
	if err != nil || len(o.content) > MaxContent {
		return nil, fmt.Errorf("%w: content: standard base64 of at most %d bytes", ErrMalformed, MaxContent)
	}
	if err := checkText("title", f.Title, MaxTitle, true); err != nil {
		return nil, err
	}
	if err := checkText("media type", f.MediaType, MaxMediaType, false); err != nil {
		return nil, err
	}
	return o, nil
}

// ContentBytes returns the file's content.
func (f *File) ContentBytes() ([]byte, error) {
	o, err := f.opened()
	if err != nil {
		return nil, err
	}
	return o.content, nil
}

// Commitment recomputes the file's commitment ([Commit]).
func (f *File) Commitment() ([CommitmentSize]byte, error) {
	o, err := f.opened()
	if err != nil {
		return [32]byte{}, err
	}
	return Commit(o.salt, o.content, f.MediaType, f.Title)
}

// A Verdict is what the board says of a document file ([VerifyFile]).
type Verdict struct {
	// Authentic: the anchor the file names exists, counts (a registered
	// issuer signed it), and its commitment, series, version and type are
	// the file's. The fields below are set only when it is.
	Authentic bool
	// Problem says why the file is not authentic.
	Problem string
	Status  *Status
	// InForce: authentic, current, not revoked, and valid at the time of
	// the check.
	InForce bool
	Checked time.Time
}

// VerifyFile checks a document file against the board r: the entry at the
// file's topic and seq must be a counting anchor whose commitment the
// file's salt, content, media type and title open, with the file's series,
// version and type. It then reports the issuer, whether a later version of
// the series supersedes it, whether it is revoked, and whether it is in
// force at now. A file that does not match is reported in Verdict.Problem,
// not as an error; errors are for a malformed file or an unreadable board.
func VerifyFile(ctx context.Context, r bulletin.Reader, f *File, now time.Time) (*Verdict, error) {
	o, err := f.opened()
	if err != nil {
		return nil, err
	}
	c, err := Commit(o.salt, o.content, f.MediaType, f.Title)
	if err != nil {
		return nil, err
	}
	reg, err := ReadRegistry(ctx, r, o.topic)
	if err != nil {
		return nil, err
	}
	return reg.verify(f, o, c, now), nil
}

// VerifyFile is [VerifyFile] against a registry already read (and brought
// up to date with [Registry.Update]), which must be of the file's topic.
func (reg *Registry) VerifyFile(f *File, now time.Time) (*Verdict, error) {
	o, err := f.opened()
	if err != nil {
		return nil, err
	}
	if o.topic != reg.Topic {
		return nil, fmt.Errorf("%w: the file's anchor is in another topic", ErrMalformed)
	}
	c, err := Commit(o.salt, o.content, f.MediaType, f.Title)
	if err != nil {
		return nil, err
	}
	return reg.verify(f, o, c, now), nil
}

func (reg *Registry) verify(f *File, o *openedFile, c [CommitmentSize]byte, now time.Time) *Verdict {
	v := &Verdict{Checked: now.UTC()}
	st, err := reg.StatusAt(f.Seq)
	if errors.Is(err, ErrNotFound) {
		v.Problem = fmt.Sprintf("entry %d of the topic is not a document anchor that counts", f.Seq)
		for _, ig := range reg.Ignored {
			if ig.Seq == f.Seq {
				v.Problem += ": " + ig.Reason
			}
		}
		return v
	}
	a := st.Anchor.Anchor
	switch {
	case a.Commitment != c:
		v.Problem = "the file does not open the anchor's commitment: its content, title, media type or salt differ from what was issued"
	case a.Series != o.series || a.Version != f.Version:
		v.Problem = "the anchor is of another series or version"
	case a.Type != o.typ:
		v.Problem = "the anchor is of another document type"
	default:
		v.Authentic, v.Status, v.InForce = true, st, st.InForce(now)
	}
	return v
}

func isUnknownTopic(err error) bool { return errors.Is(err, bulletin.ErrUnknownTopic) }
