// Package testrand provides deterministic randomness for known-answer tests
// and test vectors. It must never be used outside tests and vector
// generation: its output is predictable by design.
package testrand

import (
	"crypto/sha3"
	"io"
)

// New returns a deterministic io.Reader: the SHAKE256 output stream of the
// ASCII string "veche/testrand/v1" followed by seed.
func New(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}
