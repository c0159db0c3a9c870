package identity

import (
	"testing"
)

// BenchmarkPasswordHash measures the password check alone (HMAC pepper and
// Argon2id) with the default parameters, the bulk of a login's cost.
func BenchmarkPasswordHash(b *testing.B) {
	k, err := deriveKeys(make([]byte, SecretSize))
	if err != nil {
		b.Fatal(err)
	}
	h := &passwordHash{params: PasswordParams{Time: DefaultPasswordTime, MemoryKiB: DefaultPasswordMemoryKiB, Threads: DefaultPasswordThreads}}
	for b.Loop() {
		h.matches(k, "benchmark password")
	}
}
