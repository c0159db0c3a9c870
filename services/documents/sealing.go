package documents

import (
	"context"
	"crypto/cipher"
	cryptorand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/store"
)

// SealingKeySize is the size of a [SealingKey]: 32 bytes.
const SealingKeySize = chacha20poly1305.KeySize

// Sealing at rest (docs/spec/documents.md, section 8): the domain tags of
// the associated data, and the layout of a sealed issuer key,
//
//	u8(sealVersion) || nonce(24) || XChaCha20-Poly1305(kek, nonce, sk(32), ad)
//	ad = "veche/documents/v1/issuer-key" || resident(16) || public_key(32)
//
// and of the key check kept with them (the same with an empty plaintext and
// ad = "veche/documents/v1/key-check").
const (
	TagIssuerKey = "veche/documents/v1/issuer-key"
	TagKeyCheck  = "veche/documents/v1/key-check"

	sealVersion   = 1
	sealedKeySize = 1 + chacha20poly1305.NonceSizeX + schnorr.PrivateKeySize + chacha20poly1305.Overhead // 73
	keyCheckSize  = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead                          // 41
)

// A SealingKey is the key-encryption key of the issuers' signing keys: the
// database holds each issuer's Schnorr secret key only sealed with it
// (XChaCha20-Poly1305), and the key itself lives outside the database, in a
// file ([OpenKeyFile]) that every server of a deployment shares.
type SealingKey struct {
	aead cipher.AEAD
}

// NewSealingKey returns the sealing key of the 32 bytes key (which it does
// not keep: the caller may clear them).
func NewSealingKey(key []byte) (*SealingKey, error) {
	if len(key) != SealingKeySize {
		return nil, fmt.Errorf("documents: a sealing key is %d bytes, not %d", SealingKeySize, len(key))
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	return &SealingKey{aead: aead}, nil
}

// OpenKeyFile returns the sealing key kept in the file at path: 64 hex
// digits (and a newline). If there is no file it creates one with 32 fresh
// random bytes, mode 0600 (atomically: a second process creating it at the
// same time gets the first one's). It refuses a file that its owner's group
// or others may read or write, because whoever holds both the file and the
// database can sign as every issuer.
func OpenKeyFile(path string) (*SealingKey, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("documents: the key file: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("documents: the key file %s is open to others (mode %v): chmod 600 it, and consider the issuers' keys exposed", path, fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("documents: the key file: %w", err)
	}
	defer clear(raw)
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	defer clear(b)
	if err != nil || len(b) != SealingKeySize {
		return nil, fmt.Errorf("documents: %s is not a documents key file (want %d hex digits)", path, 2*SealingKeySize)
	}
	return NewSealingKey(b)
}

func createKeyFile(path string) (*SealingKey, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("documents: creating the key file: %w", err)
	}
	key := make([]byte, SealingKeySize)
	defer clear(key)
	if _, err := cryptorand.Read(key); err != nil {
		return nil, fmt.Errorf("documents: creating the key file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".documents-key-*")
	if err != nil {
		return nil, fmt.Errorf("documents: creating the key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("documents: creating the key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return OpenKeyFile(path) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("documents: creating the key file: %w", err)
	}
	return NewSealingKey(key)
}

// issuerAD is the associated data of resident's sealed key: it binds the
// sealed key to its row, so that one copied to another issuer does not
// open.
func issuerAD(resident []byte, pub []byte) []byte {
	ad := make([]byte, 0, len(TagIssuerKey)+len(resident)+len(pub))
	ad = append(ad, TagIssuerKey...)
	ad = append(ad, resident...)
	return append(ad, pub...)
}

// seal returns version || nonce || AEAD(plaintext, ad).
func (k *SealingKey) seal(rand io.Reader, plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, 1+chacha20poly1305.NonceSizeX, 1+chacha20poly1305.NonceSizeX+len(plaintext)+chacha20poly1305.Overhead)
	out[0] = sealVersion
	if _, err := io.ReadFull(rand, out[1:]); err != nil {
		return nil, fmt.Errorf("documents: reading randomness: %w", err)
	}
	return k.aead.Seal(out, out[1:], plaintext, ad), nil
}

// open opens what seal made, or returns false.
func (k *SealingKey) open(sealed, ad []byte) ([]byte, bool) {
	if len(sealed) < 1+chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || sealed[0] != sealVersion {
		return nil, false
	}
	n := 1 + chacha20poly1305.NonceSizeX
	out, err := k.aead.Open(nil, sealed[1:n], sealed[n:], ad)
	return out, err == nil
}

// sealedKeyError is the error of an issuer's signing key that does not
// open. It names the issuer by its public name, never a key.
type sealedKeyError struct{ msg string }

func (e *sealedKeyError) Error() string        { return e.msg }
func (e *sealedKeyError) Is(target error) bool { return target == ErrKeyFile }

func keyFileError(format string, a ...any) error {
	return &sealedKeyError{msg: fmt.Sprintf(format, a...)}
}

// issuerRow is an issuer's row as stored.
type issuerRow struct {
	resident identity.ResidentID
	name     string
	pub      []byte
	secret   []byte // sealed (sealedKeySize bytes) or, before the upgrade, plain (32)
}

// signingKey opens row's secret key and checks it against the row's public
// key. plain reports a key stored unsealed (from before migration 0008).
func (k *SealingKey) signingKey(row *issuerRow) (sk *schnorr.PrivateKey, plain bool, err error) {
	b := row.secret
	switch len(b) {
	case schnorr.PrivateKeySize:
		plain = true
	case sealedKeySize:
		var ok bool
		if b, ok = k.open(row.secret, issuerAD(row.resident[:], row.pub)); !ok {
			return nil, false, keyFileError("documents: issuer %q's signing key does not open with this key file "+
				"(the wrong key file, or a sealed key copied from another issuer)", row.name)
		}
		defer clear(b)
	default:
		return nil, false, fmt.Errorf("documents: issuer %q's stored signing key is malformed", row.name)
	}
	sk, err = schnorr.NewPrivateKey(b)
	if err != nil || string(sk.Public().Bytes()) != string(row.pub) {
		return nil, false, fmt.Errorf("documents: issuer %q's stored signing key does not match its public key", row.name)
	}
	return sk, plain, nil
}

// readIssuer reads actor's issuer row in tx, or returns ErrNoIssuer.
func readIssuer(ctx context.Context, tx store.Tx, actor identity.ResidentID) (*issuerRow, error) {
	row := &issuerRow{resident: actor}
	err := tx.QueryRowContext(ctx, "SELECT name, public_key, secret_key FROM documents_issuers WHERE resident = $1", actor[:]).
		Scan(&row.name, &row.pub, &row.secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoIssuer
	}
	if err != nil {
		return nil, fmt.Errorf("documents: reading the issuer: %w", err)
	}
	return row, nil
}

// issuerKey returns actor's signing key, opened with the service's sealing
// key. A key still stored plain (written by a server from before the
// sealing) is sealed in tx on the way.
func (s *Service) issuerKey(ctx context.Context, tx store.Tx, actor identity.ResidentID) (*schnorr.PrivateKey, error) {
	row, err := readIssuer(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	defer clear(row.secret)
	sk, plain, err := s.cfg.SealingKey.signingKey(row)
	if err != nil {
		return nil, err
	}
	if plain {
		if err := s.sealRow(ctx, tx, row); err != nil {
			return nil, err
		}
	}
	return sk, nil
}

// sealRow replaces row's plain secret key by its sealed form, if it is
// still the plain one.
func (s *Service) sealRow(ctx context.Context, tx store.Tx, row *issuerRow) error {
	sealed, err := s.cfg.SealingKey.seal(s.cfg.Rand, row.secret, issuerAD(row.resident[:], row.pub))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE documents_issuers SET secret_key = $1 WHERE resident = $2 AND secret_key = $3",
		sealed, row.resident[:], row.secret); err != nil {
		return fmt.Errorf("documents: sealing issuer %q's signing key: %w", row.name, err)
	}
	return nil
}

// sealAtRest runs at [New], in one transaction: it checks that the sealing
// key is the one the database's keys are sealed with (against the key
// check, which the first start writes), and seals every signing key still
// stored plain, so that a deployment from before migration 0008 upgrades
// on its first start. It returns how many keys it sealed.
func (s *Service) sealAtRest(ctx context.Context) (int, error) {
	k := s.cfg.SealingKey
	sealedNow := 0
	err := s.cfg.DB.Tx(ctx, func(ctx context.Context, tx store.Tx) error {
		sealedNow = 0
		var rows []*issuerRow
		defer func() {
			for _, r := range rows {
				clear(r.secret)
			}
		}()
		q, err := tx.QueryContext(ctx, "SELECT resident, name, public_key, secret_key FROM documents_issuers ORDER BY resident")
		if err != nil {
			return fmt.Errorf("documents: reading the issuers: %w", err)
		}
		for q.Next() {
			r := new(issuerRow)
			var id []byte
			if err := q.Scan(&id, &r.name, &r.pub, &r.secret); err != nil {
				q.Close()
				return fmt.Errorf("documents: reading the issuers: %w", err)
			}
			copy(r.resident[:], id)
			rows = append(rows, r)
		}
		if err := q.Close(); err != nil {
			return fmt.Errorf("documents: reading the issuers: %w", err)
		}
		if err := q.Err(); err != nil {
			return fmt.Errorf("documents: reading the issuers: %w", err)
		}

		var check []byte
		err = tx.QueryRowContext(ctx, "SELECT sealed FROM documents_key_check WHERE id = 1").Scan(&check)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// The first start with sealing: every key sealed so far
			// (by a server whose key check was lost) must open.
			for _, r := range rows {
				if len(r.secret) != schnorr.PrivateKeySize {
					if _, _, err := k.signingKey(r); err != nil {
						return err
					}
				}
			}
			c, err := k.seal(s.cfg.Rand, nil, []byte(TagKeyCheck))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO documents_key_check (id, sealed, created) VALUES (1, $1, $2)", c, s.now()); err != nil {
				return fmt.Errorf("documents: recording the key check: %w", err)
			}
		case err != nil:
			return fmt.Errorf("documents: reading the key check: %w", err)
		default:
			if _, ok := k.open(check, []byte(TagKeyCheck)); !ok {
				return keyFileError("documents: this key file is not the one the issuers' signing keys in this database are sealed with")
			}
		}

		for _, r := range rows {
			if len(r.secret) != schnorr.PrivateKeySize {
				continue
			}
			if _, _, err := k.signingKey(r); err != nil {
				return err
			}
			if err := s.sealRow(ctx, tx, r); err != nil {
				return err
			}
			sealedNow++
		}
		return nil
	})
	return sealedNow, err
}
