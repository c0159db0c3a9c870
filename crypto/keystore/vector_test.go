package keystore

import (
	"bytes"
	"encoding/hex"
	"io"
	"testing"

	"github.com/veche/veche/crypto/internal/testrand"
)

// The known-answer vector of docs/spec/keystore.md, section 6: passphrase
// "correct horse battery staple", t = 1, m = 64 KiB, p = 1, salt and
// nonce the first 16 and next 24 bytes of testrand "keystore vector", the
// 32-byte plaintext 00 01 … 1f.
const (
	vectorPassphrase = "correct horse battery staple"
	vectorKey        = "ed2d0b61370ab379e0744ce07495af93bfbb0ac51eee9d6ce0efc35875436e91"
	vectorFile       = `{"format":"veche-keystore","version":1,"kdf":"argon2id","t":1,"m_kib":64,"p":1,"salt":"fb9bdf1fe4b0781a43194f222257f722","cipher":"xchacha20-poly1305","nonce":"9c1edf42b99db6cc62c7e31119314c68d50c7fd923a41d42","ciphertext":"c329059c607e685e8c8c30738d0054528aba58c112dc6579804aa4937749043d7fec26277b935195bbf95210244507ab"}`
)

func TestVector(t *testing.T) {
	pt := make([]byte, 32)
	for i := range pt {
		pt[i] = byte(i)
	}
	f, err := Seal(testrand.New("keystore vector"), []byte(vectorPassphrase), pt, &Options{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	e, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 40)
	io.ReadFull(testrand.New("keystore vector"), rnd)
	if !bytes.Equal(e.salt[:], rnd[:16]) || !bytes.Equal(e.nonce[:], rnd[16:]) {
		t.Fatal("salt and nonce are not the first 40 random bytes")
	}
	key := e.key([]byte(vectorPassphrase))
	if string(f) != vectorFile+"\n" || hex.EncodeToString(key) != vectorKey {
		t.Fatalf("vector changed:\nkey %x\nfile %s", key, f)
	}
	got, err := Open([]byte(vectorPassphrase), []byte(vectorFile))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("vector does not open: %x, %v", got, err)
	}
}
