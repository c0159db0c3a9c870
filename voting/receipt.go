package voting

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/veche/veche/crypto/schnorr"
)

// ReceiptContext is the schnorr context string of a receipt signature
// (docs/spec/signature.md).
const ReceiptContext = "veche/ballotbox/receipt/v1"

const receiptVersion = 1

// What a receipt acknowledges.
const (
	ReceiptCast    ReceiptKind = 1 // a ballot cast
	ReceiptAudited ReceiptKind = 2 // a ballot spoiled for audit
)

// A ReceiptKind says what a receipt acknowledges.
type ReceiptKind byte

func (k ReceiptKind) String() string {
	switch k {
	case ReceiptCast:
		return "cast"
	case ReceiptAudited:
		return "audited"
	}
	return fmt.Sprintf("ReceiptKind(%d)", byte(k))
}

// ErrMalformedReceipt is wrapped by every failure of [ParseReceipt].
var ErrMalformedReceipt = errors.New("voting: malformed receipt")

// A Receipt is the ballot box's signed acknowledgement that it stored a
// ballot durably: the election, what was acknowledged, the ballot's
// tracking code, when it was received (to the microsecond) and its
// sequence number in the box (increasing, not necessarily contiguous).
type Receipt struct {
	Election     string
	Kind         ReceiptKind
	TrackingCode TrackingCode
	Received     time.Time
	Seq          uint64
	Signature    []byte // schnorr signature under ReceiptContext over the body
}

// body returns the signed part of the receipt:
//
//	0x01 || u8(kind) || u8(len(election)) || election || tracking code (32)
//	|| u64be(received, Unix microseconds) || u64be(seq)
func (r *Receipt) body() []byte {
	out := make([]byte, 0, 3+len(r.Election)+32+16+schnorr.SignatureSize)
	out = append(out, receiptVersion, byte(r.Kind), byte(len(r.Election)))
	out = append(out, r.Election...)
	out = append(out, r.TrackingCode[:]...)
	out = binary.BigEndian.AppendUint64(out, uint64(r.Received.UnixMicro()))
	return binary.BigEndian.AppendUint64(out, r.Seq)
}

// Bytes returns the receipt's encoding: its body and the 64-byte signature.
func (r *Receipt) Bytes() []byte { return append(r.body(), r.Signature...) }

// Sign fills in r's signature with the box's key.
func (r *Receipt) Sign(rand io.Reader, key *schnorr.PrivateKey) error {
	sig, err := schnorr.Sign(rand, key, ReceiptContext, r.body())
	if err != nil {
		return fmt.Errorf("voting: signing a receipt: %w", err)
	}
	r.Signature = sig
	return nil
}

// Verify checks the receipt's signature against the ballot box's public
// key (the voter's device knows it from the manifest's ballot box party or
// the box's published key).
func (r *Receipt) Verify(pk *schnorr.PublicKey) error {
	if err := schnorr.Verify(pk, ReceiptContext, r.body(), r.Signature); err != nil {
		return fmt.Errorf("voting: receipt: %w", err)
	}
	return nil
}

// ParseReceipt decodes [Receipt.Bytes] strictly: version 1, kind cast or
// audited, a non-empty election id of at most 63 bytes, a received time
// that fits time.UnixMicro's int64, a 64-byte signature and nothing after
// it. It does not verify the signature.
func ParseReceipt(b []byte) (*Receipt, error) {
	if len(b) < 3 {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedReceipt, len(b))
	}
	if b[0] != receiptVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrMalformedReceipt, b[0], receiptVersion)
	}
	r := &Receipt{Kind: ReceiptKind(b[1])}
	if r.Kind != ReceiptCast && r.Kind != ReceiptAudited {
		return nil, fmt.Errorf("%w: kind %d", ErrMalformedReceipt, b[1])
	}
	l := int(b[2])
	if l == 0 || l > 63 {
		return nil, fmt.Errorf("%w: election id of %d bytes", ErrMalformedReceipt, l)
	}
	if len(b) != 3+l+32+16+schnorr.SignatureSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrMalformedReceipt, len(b), 3+l+32+16+schnorr.SignatureSize)
	}
	d := b[3:]
	r.Election = string(d[:l])
	d = d[l:]
	r.TrackingCode = TrackingCode(d[:32])
	us := binary.BigEndian.Uint64(d[32:])
	if us > 1<<63-1 {
		return nil, fmt.Errorf("%w: time out of range", ErrMalformedReceipt)
	}
	r.Received = time.UnixMicro(int64(us)).UTC()
	r.Seq = binary.BigEndian.Uint64(d[40:])
	r.Signature = append([]byte(nil), d[48:]...)
	return r, nil
}
