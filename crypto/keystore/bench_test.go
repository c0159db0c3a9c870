package keystore

import "testing"

// BenchmarkOpen measures opening a key file, which is the cost of one
// Argon2id derivation: the defaults (RFC 9106, t = 3, m = 64 MiB, p = 4)
// and the test parameters.
func BenchmarkOpen(b *testing.B) {
	for name, o := range map[string]*Options{"default": nil, "cheap": cheap} {
		b.Run(name, func(b *testing.B) {
			f, err := Seal(nil, []byte("passphrase"), make([]byte, 64), o)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Open([]byte("passphrase"), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
