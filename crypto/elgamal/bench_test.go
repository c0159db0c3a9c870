package elgamal_test

import (
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/internal/testrand"
)

func BenchmarkGenerateKey(b *testing.B) {
	for b.Loop() {
		if _, err := elgamal.GenerateKey(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncrypt(b *testing.B) {
	pk := mustKey(b, "bench").Public()
	M := randomElement(b, testrand.New("bench"))
	for b.Loop() {
		if _, _, err := elgamal.Encrypt(nil, pk, M); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptExp(b *testing.B) {
	pk := mustKey(b, "bench").Public()
	for b.Loop() {
		if _, _, err := elgamal.EncryptExp(nil, pk, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReEncrypt(b *testing.B) {
	pk := mustKey(b, "bench").Public()
	c, _, _ := elgamal.EncryptExp(nil, pk, 1)
	for b.Loop() {
		if _, _, err := elgamal.ReEncrypt(nil, pk, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	sk := mustKey(b, "bench")
	c, _, _ := elgamal.EncryptExp(nil, sk.Public(), 1)
	for b.Loop() {
		elgamal.Decrypt(sk, c)
	}
}

func BenchmarkParseCiphertext(b *testing.B) {
	c, _, _ := elgamal.EncryptExp(nil, mustKey(b, "bench").Public(), 1)
	enc := c.Bytes()
	for b.Loop() {
		if _, err := elgamal.ParseCiphertext(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDLogTable(b *testing.B) {
	b.Run("build/2^24", func(b *testing.B) {
		for b.Loop() {
			if _, err := elgamal.NewDLogTable(1 << 24); err != nil {
				b.Fatal(err)
			}
		}
	})
	table, err := elgamal.NewDLogTable(1 << 24)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    uint64
	}{
		{"solve/1000", 1000},
		{"solve/1.5M", 1_500_000},
		{"solve/2^24", 1 << 24},
		{"solve/out-of-range", 1<<24 + 1},
	} {
		M := exp(tc.m)
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				table.Solve(M)
			}
		})
	}
}

func BenchmarkEncodeBytes(b *testing.B) {
	msg := []byte("Jane Q. Public")
	for b.Loop() {
		if _, err := elgamal.EncodeBytes(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBytes(b *testing.B) {
	e, err := elgamal.EncodeBytes([]byte("Jane Q. Public"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := elgamal.DecodeBytes(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedRandom averages EncodeBytes and DecodeBytes over many
// messages, since their cost depends on the counter each message needs.
func BenchmarkEmbedRandom(b *testing.B) {
	rand := testrand.New("BenchmarkEmbedRandom")
	msgs := make([][]byte, 256)
	elems := make([]*group.Element, len(msgs))
	for i := range msgs {
		msgs[i] = make([]byte, 20)
		rand.Read(msgs[i])
		elems[i], _ = elgamal.EncodeBytes(msgs[i])
	}
	b.Run("encode", func(b *testing.B) {
		i := 0
		for b.Loop() {
			elgamal.EncodeBytes(msgs[i%len(msgs)])
			i++
		}
	})
	b.Run("decode", func(b *testing.B) {
		i := 0
		for b.Loop() {
			elgamal.DecodeBytes(elems[i%len(elems)])
			i++
		}
	})
}
