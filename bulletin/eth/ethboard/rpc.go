package ethboard

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/veche/veche/bulletin"
)

// A Remote is a Board on a node reached over JSON-RPC (HTTP, WebSocket or
// IPC): a geth node, another execution client, or a provider's endpoint.
type Remote struct {
	*Board
	client *ethclient.Client
}

// Dial connects to the node at url and returns the board at contract,
// posting as key's account (nil: read only). It checks that there is a
// contract at the address and that it answers as a BulletinBoard; unless
// cfg.FromBlock is set it reads the contract's deployment block, where
// readers start searching for events.
func Dial(ctx context.Context, url string, contract bulletin.Address, key *ecdsa.PrivateKey, cfg Config) (*Remote, error) {
	c, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("ethboard: connecting to %s: %w", redactURL(url), err)
	}
	addr := common.Address(contract)
	b, err := New(ctx, c, addr, key, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	var code []byte
	if err := b.retry(ctx, "reading the contract code", func(ctx context.Context) error {
		var err error
		code, err = c.CodeAt(ctx, addr, nil)
		return err
	}); err != nil {
		c.Close()
		return nil, fmt.Errorf("ethboard: %s: %w", redactURL(url), err)
	}
	if len(code) == 0 {
		c.Close()
		return nil, fmt.Errorf("ethboard: no contract at %s on chain %v (%s): deploy one with veche board deploy", addr.Hex(), b.chainID, redactURL(url))
	}
	deployed, err := b.deployedAt(ctx)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("ethboard: the contract at %s is not a Veche bulletin board: %w", addr.Hex(), err)
	}
	if cfg.FromBlock == 0 {
		b.cfg.FromBlock = deployed
	}
	return &Remote{Board: b, client: c}, nil
}

// DeployRemote deploys the BulletinBoard contract through the node at url
// from key's account and returns its address and deployment block once
// final under cfg.
func DeployRemote(ctx context.Context, url string, key *ecdsa.PrivateKey, cfg Config) (bulletin.Address, uint64, error) {
	c, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return bulletin.Address{}, 0, fmt.Errorf("ethboard: connecting to %s: %w", redactURL(url), err)
	}
	defer c.Close()
	addr, block, err := Deploy(ctx, c, key, cfg)
	return bulletin.Address(addr), block, err
}

// Close closes the connection to the node.
func (r *Remote) Close() error {
	r.client.Close()
	return nil
}

// deployedAt reads the contract's DEPLOYED_AT.
func (b *Board) deployedAt(ctx context.Context) (uint64, error) {
	out, err := b.callView(ctx, b.bb.PackDEPLOYEDAT(), nil)
	if err != nil {
		return 0, err
	}
	return b.bb.UnpackDEPLOYEDAT(out)
}

// A TopicInfo is what the contract stores about a topic.
type TopicInfo struct {
	Owner bulletin.Address
	Phase bulletin.Phase
	Head  [32]byte
	Count uint64
}

// Info returns what the contract stores about topic at the newest final
// block; [bulletin.ErrUnknownTopic] if there is no such topic.
func (b *Board) Info(ctx context.Context, topic bulletin.TopicID) (TopicInfo, error) {
	final, ok, err := b.finalBlock(ctx)
	if err != nil {
		return TopicInfo{}, err
	}
	if !ok {
		return TopicInfo{}, fmt.Errorf("ethboard: topic %x: %w", topic[:4], bulletin.ErrUnknownTopic)
	}
	out, err := b.callView(ctx, b.bb.PackTopicInfo(topic), new(big.Int).SetUint64(final))
	if err != nil {
		return TopicInfo{}, fmt.Errorf("ethboard: topic %x: %w", topic[:4], err)
	}
	info, err := b.bb.UnpackTopicInfo(out)
	if err != nil {
		return TopicInfo{}, fmt.Errorf("ethboard: topicInfo: %w", err)
	}
	return TopicInfo{Owner: bulletin.Address(info.Owner), Phase: bulletin.Phase(info.Phase), Head: info.Head, Count: info.Count}, nil
}

// ParseAddress parses a 0x-prefixed hexadecimal account or contract
// address. Mixed-case input must carry a valid EIP-55 checksum, so that a
// mistyped address is caught rather than used.
func ParseAddress(s string) (bulletin.Address, error) {
	if !common.IsHexAddress(s) || !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return bulletin.Address{}, fmt.Errorf("ethboard: %q is not an address (0x and 40 hexadecimal digits)", s)
	}
	a := common.HexToAddress(s)
	if body := s[2:]; strings.ToLower(body) != body && strings.ToUpper(body) != body && a.Hex() != s {
		return bulletin.Address{}, fmt.Errorf("ethboard: address %s has a bad EIP-55 checksum (did you mean %s?)", s, a.Hex())
	}
	return bulletin.Address(a), nil
}

// ChecksumAddress formats a as a 0x-prefixed EIP-55 mixed-case address.
func ChecksumAddress(a bulletin.Address) string { return common.Address(a).Hex() }

// KeyAddress returns the account address of key.
func KeyAddress(key *ecdsa.PrivateKey) bulletin.Address {
	return bulletin.Address(crypto.PubkeyToAddress(key.PublicKey))
}

// A poster key file holds one secp256k1 private key as 64 hexadecimal
// digits and a newline, readable by its owner only (mode 0600), like the
// embedded chain's poster.key.

// ErrKeyFileExists is returned by [CreateKeyFile] when the file exists.
var ErrKeyFileExists = errors.New("ethboard: key file already exists")

// LoadKeyFile reads a poster key file. It refuses a file that others may
// read or write (mode bits for group or others set).
func LoadKeyFile(path string) (*ecdsa.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ethboard: poster key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("ethboard: poster key %s is accessible to other users (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ethboard: poster key: %w", err)
	}
	s := strings.TrimSpace(string(data))
	s = strings.TrimPrefix(s, "0x")
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("ethboard: poster key %s: want 64 hexadecimal digits", path)
	}
	key, err := crypto.ToECDSA(raw)
	if err != nil {
		return nil, fmt.Errorf("ethboard: poster key %s: not a valid secp256k1 private key", path)
	}
	return key, nil
}

// CreateKeyFile generates a key and writes it to a new key file (mode
// 0600), failing with [ErrKeyFileExists] rather than replacing a key.
func CreateKeyFile(path string) (*ecdsa.PrivateKey, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrKeyFileExists, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%w: %s", ErrKeyFileExists, path)
		}
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(crypto.FromECDSA(key)) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("ethboard: writing %s: %w", path, err)
	}
	return key, nil
}

// redactURL shortens a node URL for error messages to its scheme and host:
// hosted endpoints carry API keys in the user part, the path or the query.
// An IPC path is kept as it is.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		if strings.Contains(u, "://") {
			return "(the node URL)"
		}
		return u // an IPC socket path
	}
	s := p.Scheme + "://" + p.Host
	if p.User != nil || p.RawQuery != "" || p.Fragment != "" || (p.Path != "" && p.Path != "/") {
		s += "/..."
	}
	return s
}

// NewKey generates a poster key in memory (for parties played in one
// process; [CreateKeyFile] keeps one in a file).
func NewKey() (*ecdsa.PrivateKey, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("ethboard: %w", err)
	}
	return key, nil
}
