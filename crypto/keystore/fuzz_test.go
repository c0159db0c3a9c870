package keystore

import (
	"bytes"
	"testing"

	"github.com/veche/veche/crypto/internal/testrand"
)

// FuzzParse feeds the key file parser arbitrary bytes: it never panics,
// and whatever it accepts is within bounds and survives a round trip.
func FuzzParse(f *testing.F) {
	good, err := Seal(testrand.New("fuzz"), []byte("pw"), []byte("seed"), cheap)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(vectorFile))
	f.Add([]byte(`{"format":"veche-keystore","version":2}`))
	f.Add([]byte(`{"format":"veche-keystore","version":1,"m_kib":4294967295}`))
	f.Add([]byte(`[]`))
	f.Add(append(bytes.Clone(good), '}'))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parse(b)
		if err != nil {
			return
		}
		if e.opts.check() != nil {
			t.Fatalf("accepted out-of-bounds parameters %+v", e.opts)
		}
		e2, err := parse(e.marshal())
		if err != nil {
			t.Fatalf("re-encoding of an accepted file rejected: %v", err)
		}
		if e2.opts != e.opts || e2.salt != e.salt || e2.nonce != e.nonce || !bytes.Equal(e2.ciphertext, e.ciphertext) {
			t.Fatal("round trip changed the file")
		}
	})
}
