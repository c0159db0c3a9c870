package threshold

import (
	"bytes"
	"testing"

	"github.com/veche/veche/crypto/internal/testrand"
)

func FuzzParsePartialDecryption(f *testing.F) {
	r := testrand.New("fuzz")
	tk := newTestKey(f, "fuzz", 2, 3)
	cts, _ := tk.encryptExp(f, r, 1, 2)
	pds := tk.decrypt(f, r, cts, nil, 1, 2)
	for _, pd := range pds {
		f.Add(pd.Bytes())
	}
	one := tk.decrypt(f, r, cts[:1], nil, 3)[0].Bytes()
	f.Add(one)
	f.Add(one[:len(one)-1])
	f.Add(append(bytes.Clone(one), 0))
	f.Add(make([]byte, 8+32+96))
	f.Add([]byte{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		pd, err := ParsePartialDecryption(b)
		if err != nil {
			return
		}
		if !bytes.Equal(pd.Bytes(), b) {
			t.Fatalf("accepted %x but re-encodes as %x", b, pd.Bytes())
		}
		if pd.Index == 0 || len(pd.Shares) == 0 || pd.Proof.RG.IsIdentity() {
			t.Fatal("accepted an index 0, no shares or an identity R_G")
		}
		// Whatever decodes can be verified without panicking.
		_ = VerifyPartial(tk.params, nil, cts, pd)
	})
}
