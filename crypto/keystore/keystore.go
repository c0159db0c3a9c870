// Package keystore keeps long-term secret key material (a trustee's key
// share, the ballot box's signing key) in a file encrypted under a
// passphrase.
//
// The key is derived from the passphrase with Argon2id (RFC 9106) and a
// random 16-byte salt; the material is encrypted with XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha, on RFC 8439's ChaCha20-Poly1305) under a random
// 24-byte nonce, with every header field (format version, KDF parameters,
// salt, nonce) as associated data. The file is a small JSON object,
// specified in docs/spec/keystore.md:
//
//	{"format":"veche-keystore","version":1,"kdf":"argon2id","t":3,"m_kib":65536,"p":4,
//	 "salt":"…","cipher":"xchacha20-poly1305","nonce":"…","ciphertext":"…"}
//
// [Open] checks the format and that the Argon2 parameters are within
// bounds ([MaxMemoryKiB], [MaxTime], [MaxThreads]) before it runs the KDF,
// so a hostile file cannot make it allocate more than 4 GiB or run for
// hours.
package keystore

import (
	"bytes"
	cryptorand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Version is the file format version this package writes.
const Version = 1

// Sizes and bounds.
const (
	SaltSize  = 16
	NonceSize = chacha20poly1305.NonceSizeX // 24
	KeySize   = chacha20poly1305.KeySize    // 32

	// MaxMemoryKiB bounds the Argon2 memory a file may ask for: 4 GiB.
	MaxMemoryKiB = 4 << 20
	// MaxTime bounds the Argon2 passes.
	MaxTime = 64
	// MaxThreads bounds the Argon2 lanes.
	MaxThreads = 64
	// MaxPlaintext bounds the sealed material: key files are small.
	MaxPlaintext = 1 << 20
	// maxFile bounds what Open reads: hex doubles the ciphertext.
	maxFile = 2*(MaxPlaintext+chacha20poly1305.Overhead) + 4096
)

var (
	// ErrWrongPassphrase is returned by Open when the authenticated
	// decryption fails: the passphrase is wrong, or the file (salt,
	// parameters, nonce or ciphertext) was modified. The two cannot be
	// told apart, and the error says nothing about where they differ.
	ErrWrongPassphrase = errors.New("keystore: wrong passphrase, or the file was modified")
	// ErrMalformed is wrapped by every format error.
	ErrMalformed = errors.New("keystore: malformed key file")
	// ErrUnsupportedVersion is wrapped when the file has a version this
	// package does not read.
	ErrUnsupportedVersion = errors.New("keystore: unsupported key file version")
	// ErrParameters is wrapped when Argon2 parameters are out of bounds.
	ErrParameters = errors.New("keystore: Argon2 parameters out of bounds")
)

// Options are the Argon2id parameters of a new file. The zero value (or
// nil) means the defaults [DefaultTime], [DefaultMemoryKiB],
// [DefaultThreads]: RFC 9106, Section 4, second recommended option
// (t = 3, m = 64 MiB, p = 4): 0.2–0.3 s per Open on the 2-core development
// machine (BenchmarkOpen; over 1 s when its cores are busy).
// Tests use cheaper parameters, such as t = 1, m = 64 KiB, p = 1.
type Options struct {
	Time      uint32 // passes t, 1 … MaxTime
	MemoryKiB uint32 // memory m in KiB, 8·p … MaxMemoryKiB
	Threads   uint8  // lanes p, 1 … MaxThreads
}

// The default Argon2id parameters.
const (
	DefaultTime      = 3
	DefaultMemoryKiB = 64 << 10
	DefaultThreads   = 4
)

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out == (Options{}) {
		out = Options{Time: DefaultTime, MemoryKiB: DefaultMemoryKiB, Threads: DefaultThreads}
	}
	return out
}

// check enforces the bounds: 1 ≤ t ≤ MaxTime, 1 ≤ p ≤ MaxThreads,
// 8·p ≤ m ≤ MaxMemoryKiB (RFC 9106, Section 3.1 requires m ≥ 8·p).
func (o Options) check() error {
	switch {
	case o.Time < 1 || o.Time > MaxTime:
		return fmt.Errorf("keystore: t = %d, want 1 to %d: %w", o.Time, MaxTime, ErrParameters)
	case o.Threads < 1 || o.Threads > MaxThreads:
		return fmt.Errorf("keystore: p = %d, want 1 to %d: %w", o.Threads, MaxThreads, ErrParameters)
	case o.MemoryKiB < 8*uint32(o.Threads) || o.MemoryKiB > MaxMemoryKiB:
		return fmt.Errorf("keystore: m = %d KiB, want %d to %d: %w", o.MemoryKiB, 8*uint32(o.Threads), MaxMemoryKiB, ErrParameters)
	}
	return nil
}

// envelope is a parsed version-1 file.
type envelope struct {
	opts       Options
	salt       [SaltSize]byte
	nonce      [NonceSize]byte
	ciphertext []byte
}

// fileJSON is the JSON form of a version-1 file, in field order.
type fileJSON struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	KDF        string `json:"kdf"`
	T          uint32 `json:"t"`
	M          uint32 `json:"m_kib"`
	P          uint8  `json:"p"`
	Salt       string `json:"salt"`
	Cipher     string `json:"cipher"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
}

const (
	formatName = "veche-keystore"
	kdfName    = "argon2id"
	cipherName = "xchacha20-poly1305"
	// adLabel starts the associated data.
	adLabel = "veche/keystore/v1"
)

// associatedData returns the header as authenticated by the cipher:
//
//	"veche/keystore/v1" || u32(t) || u32(m_kib) || u8(p) || salt || nonce
func (e *envelope) associatedData() []byte {
	ad := make([]byte, 0, len(adLabel)+9+SaltSize+NonceSize)
	ad = append(ad, adLabel...)
	ad = binary.BigEndian.AppendUint32(ad, e.opts.Time)
	ad = binary.BigEndian.AppendUint32(ad, e.opts.MemoryKiB)
	ad = append(ad, e.opts.Threads)
	ad = append(ad, e.salt[:]...)
	return append(ad, e.nonce[:]...)
}

func (e *envelope) key(passphrase []byte) []byte {
	return argon2.IDKey(passphrase, e.salt[:], e.opts.Time, e.opts.MemoryKiB, e.opts.Threads, KeySize)
}

// Seal encrypts plaintext under passphrase and returns the key file. The
// salt and nonce come from rand (nil means crypto/rand.Reader); opts nil
// or zero means the default Argon2id parameters. It refuses an empty
// passphrase, plaintexts over [MaxPlaintext] and parameters out of bounds.
func Seal(rand io.Reader, passphrase, plaintext []byte, opts *Options) ([]byte, error) {
	o := opts.withDefaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return nil, errors.New("keystore: empty passphrase")
	}
	if len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("keystore: %d bytes to seal, at most %d", len(plaintext), MaxPlaintext)
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	e := &envelope{opts: o}
	if _, err := io.ReadFull(rand, e.salt[:]); err != nil {
		return nil, fmt.Errorf("keystore: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(rand, e.nonce[:]); err != nil {
		return nil, fmt.Errorf("keystore: reading randomness: %w", err)
	}
	key := e.key(passphrase)
	defer clear(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	e.ciphertext = aead.Seal(nil, e.nonce[:], plaintext, e.associatedData())
	return e.marshal(), nil
}

// Open decrypts a key file with passphrase. It rejects a malformed file
// ([ErrMalformed]), another version ([ErrUnsupportedVersion]) and Argon2
// parameters out of bounds ([ErrParameters]) before running the KDF; a
// wrong passphrase or a modified file gives [ErrWrongPassphrase].
func Open(passphrase, file []byte) ([]byte, error) {
	e, err := parse(file)
	if err != nil {
		return nil, err
	}
	key := e.key(passphrase)
	defer clear(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	pt, err := aead.Open(nil, e.nonce[:], e.ciphertext, e.associatedData())
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return pt, nil
}

// Parameters returns the Argon2id parameters of a key file, checked as
// [Open] checks them, without decrypting it (to show a user how long
// opening will take, say).
func Parameters(file []byte) (Options, error) {
	e, err := parse(file)
	if err != nil {
		return Options{}, err
	}
	return e.opts, nil
}

func (e *envelope) marshal() []byte {
	b, err := json.Marshal(fileJSON{
		Format: formatName, Version: Version, KDF: kdfName,
		T: e.opts.Time, M: e.opts.MemoryKiB, P: e.opts.Threads,
		Salt: hex.EncodeToString(e.salt[:]), Cipher: cipherName,
		Nonce: hex.EncodeToString(e.nonce[:]), Ciphertext: hex.EncodeToString(e.ciphertext),
	})
	if err != nil {
		panic("keystore: internal error: " + err.Error())
	}
	return append(b, '\n')
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("keystore: "+format+": %w", append(args, ErrMalformed)...)
}

// parse decodes and checks a key file: one JSON object and nothing else
// but white space, with exactly the fields of version 1, the fixed names,
// lower-case hex of the right lengths, and parameters within bounds.
func parse(file []byte) (*envelope, error) {
	if len(file) > maxFile {
		return nil, malformed("%d bytes, at most %d", len(file), maxFile)
	}
	// The version first: a later version may have other fields.
	var head struct {
		Format  string           `json:"format"`
		Version *json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(file, &head); err != nil {
		return nil, malformed("not a JSON object")
	}
	if head.Format != formatName {
		return nil, malformed("format %q, want %q", head.Format, formatName)
	}
	if head.Version == nil {
		return nil, malformed("no version")
	}
	if string(*head.Version) != "1" {
		return nil, fmt.Errorf("keystore: version %s, this program reads version %d: %w", *head.Version, Version, ErrUnsupportedVersion)
	}

	dec := json.NewDecoder(bytes.NewReader(file))
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, malformed("version 1: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data after the JSON object")
	}
	if f.KDF != kdfName {
		return nil, malformed("kdf %q, want %q", f.KDF, kdfName)
	}
	if f.Cipher != cipherName {
		return nil, malformed("cipher %q, want %q", f.Cipher, cipherName)
	}
	e := &envelope{opts: Options{Time: f.T, MemoryKiB: f.M, Threads: f.P}}
	if err := e.opts.check(); err != nil {
		return nil, err
	}
	if err := decodeHex(e.salt[:], f.Salt, "salt"); err != nil {
		return nil, err
	}
	if err := decodeHex(e.nonce[:], f.Nonce, "nonce"); err != nil {
		return nil, err
	}
	n := len(f.Ciphertext) / 2
	if n < chacha20poly1305.Overhead || n > MaxPlaintext+chacha20poly1305.Overhead {
		return nil, malformed("ciphertext of %d bytes", n)
	}
	e.ciphertext = make([]byte, n)
	if err := decodeHex(e.ciphertext, f.Ciphertext, "ciphertext"); err != nil {
		return nil, err
	}
	return e, nil
}

// decodeHex decodes exactly len(dst) bytes of lower-case hex.
func decodeHex(dst []byte, s, what string) error {
	if len(s) != 2*len(dst) {
		return malformed("%s is %d hex digits, want %d", what, len(s), 2*len(dst))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return malformed("%s is not lower-case hex", what)
		}
	}
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		return malformed("%s is not hex", what)
	}
	return nil
}
