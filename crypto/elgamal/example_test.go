package elgamal_test

import (
	"fmt"

	"github.com/veche/veche/crypto/elgamal"
)

// Homomorphic tallying: add encrypted 0/1 votes, decrypt only the total.
func ExampleDLogTable() {
	sk, _ := elgamal.GenerateKey(nil)
	pk := sk.Public()
	table, _ := elgamal.NewDLogTable(1000) // the largest possible total

	var total *elgamal.Ciphertext
	for _, vote := range []uint64{1, 0, 1, 1, 0} {
		c, _, _ := elgamal.EncryptExp(nil, pk, vote)
		if total == nil {
			total = c
		} else {
			total.Add(total, c)
		}
	}
	yes, _ := elgamal.DecryptExp(sk, total, table)
	fmt.Println("yes votes:", yes)
	// Output: yes votes: 3
}

// A write-in survives encryption, re-encryption (mixing) and decryption.
func ExampleEncodeBytes() {
	sk, _ := elgamal.GenerateKey(nil)
	M, _ := elgamal.EncodeBytes([]byte("Jane Q. Public"))
	c, _, _ := elgamal.Encrypt(nil, sk.Public(), M)
	c, _, _ = elgamal.ReEncrypt(nil, sk.Public(), c)
	name, _ := elgamal.DecodeBytes(elgamal.Decrypt(sk, c))
	fmt.Printf("%s\n", name)
	// Output: Jane Q. Public
}
