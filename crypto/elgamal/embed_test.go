package elgamal_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

// Every length from 0 to MaxBytesLength round-trips, with the documented
// layout.
func TestEncodeBytesRoundTrip(t *testing.T) {
	rand := testrand.New("TestEncodeBytesRoundTrip")
	for n := 0; n <= elgamal.MaxBytesLength; n++ {
		for k := range 20 {
			msg := make([]byte, n)
			switch k {
			case 0: // all zero
			case 1:
				for i := range msg {
					msg[i] = 0xff
				}
			default:
				if _, err := io.ReadFull(rand, msg); err != nil {
					t.Fatal(err)
				}
			}
			e, err := elgamal.EncodeBytes(msg)
			if err != nil {
				t.Fatalf("length %d: %v", n, err)
			}
			b := e.Bytes()
			if b[0]&1 != 0 || int(b[1]) != n || !bytes.Equal(b[2:2+n], msg) ||
				!bytes.Equal(b[2+n:], make([]byte, 30-n)) {
				t.Fatalf("length %d: encoding %x does not follow the layout", n, b)
			}
			got, err := elgamal.DecodeBytes(e)
			if err != nil {
				t.Fatalf("length %d: %v", n, err)
			}
			if !bytes.Equal(got, msg) || got == nil {
				t.Fatalf("length %d: decoded %x, want %x", n, got, msg)
			}
			// Decoding works on any representative, such as one computed
			// by decryption.
			again := new(group.Element).Add(e, group.NewGeneratorElement())
			again.Subtract(again, group.NewGeneratorElement())
			if got, err := elgamal.DecodeBytes(again); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("length %d: another representative decodes to %x, %v", n, got, err)
			}
		}
	}
	empty, err := elgamal.EncodeBytes(nil)
	if err != nil || !empty.IsIdentity() {
		t.Errorf("the empty string does not embed as the identity: %v", err)
	}
}

func TestEncodeBytesTooLong(t *testing.T) {
	for _, n := range []int{elgamal.MaxBytesLength + 1, 32, 1000} {
		_, err := elgamal.EncodeBytes(make([]byte, n))
		if !errors.Is(err, elgamal.ErrMessageTooLong) || !strings.Contains(err.Error(), "29") {
			t.Errorf("%d bytes: %v, want ErrMessageTooLong naming the limit 29", n, err)
		}
	}
}

// firstValid returns the element whose encoding is b with byte 0 set to
// c<<1 for the first counter c ≥ from that gives a valid encoding.
func firstValid(t *testing.T, b [32]byte, from int) (*group.Element, int) {
	t.Helper()
	for c := from; c < 128; c++ {
		b[0] = byte(c << 1)
		if e, err := group.ParseElement(b[:]); err == nil {
			return e, c
		}
	}
	t.Fatalf("no valid counter for %x", b)
	return nil, 0
}

func TestDecodeBytesRejects(t *testing.T) {
	secret := []byte("secret vote")
	var layout [32]byte
	layout[1] = byte(len(secret))
	copy(layout[2:], secret)

	cases := map[string]*group.Element{
		"generator": group.NewGeneratorElement(),
		"2·G":       exp(2),
		"random":    randomElement(t, testrand.New("TestDecodeBytesRejects")),
	}
	// A second valid counter for the same string: not EncodeBytes' output.
	_, c := firstValid(t, layout, 0)
	cases["non-minimal counter"], _ = firstValid(t, layout, c+1)
	// Non-zero padding after the message.
	b := layout
	b[30] = 1
	cases["non-zero padding"], _ = firstValid(t, b, 0)
	// Non-zero final byte.
	b = layout
	b[31] = 1
	cases["non-zero final byte"], _ = firstValid(t, b, 0)
	// Length byte beyond the maximum, with zero padding.
	b = [32]byte{}
	b[1] = elgamal.MaxBytesLength + 1
	cases["length 30"], _ = firstValid(t, b, 0)
	b[1] = 0xff
	cases["length 255"], _ = firstValid(t, b, 0)
	// Length byte shorter than the message, so the message tail is
	// "padding".
	b = layout
	b[1] = 3
	cases["length too short"], _ = firstValid(t, b, 0)

	for name, e := range cases {
		_, err := elgamal.DecodeBytes(e)
		if !errors.Is(err, elgamal.ErrNotEmbedding) {
			t.Errorf("%s: got %v, want ErrNotEmbedding", name, err)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(strings.ToLower(err.Error()), "736563726574") {
			t.Errorf("%s: the error reveals the plaintext: %v", name, err)
		}
	}
	// The honest embedding of the same string still decodes.
	e, err := elgamal.EncodeBytes(secret)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := elgamal.DecodeBytes(e); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("honest embedding: %q, %v", got, err)
	}
}
