package voting

import (
	"bytes"
	"testing"
)

// The saved keygen state decodes to what was encoded, and nothing else
// decodes (docs/spec/ceremony.md, section 7).
func FuzzParseKeygenState(f *testing.F) {
	f.Add((&keygenState{dealer: []byte{1, 2}, commitments: []byte{3}, shares: nil}).bytes())
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseKeygenState(b)
		if err != nil {
			return
		}
		if !bytes.Equal(st.bytes(), b) {
			t.Fatal("a decoded keygen state does not re-encode to its input")
		}
	})
}
