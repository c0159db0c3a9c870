package cryptobench

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
)

// elgamalOps measures encryption and decryption (crypto/elgamal).
func elgamalOps() []Op {
	return []Op{
		{Name: "elgamal/keygen", N: 1, Bench: func(b *testing.B) {
			for b.Loop() {
				must(b, err1(elgamal.GenerateKey(rand.Reader)))
			}
		}},
		{Name: "elgamal/encrypt", N: 1, Bench: func(b *testing.B) {
			pk, M := benchKey(b).Public(), randomElement(b)
			for b.Loop() {
				_, _, err := elgamal.Encrypt(rand.Reader, pk, M)
				must(b, err)
			}
		}},
		{Name: "elgamal/encrypt-exp", N: 1, Bench: func(b *testing.B) {
			pk := benchKey(b).Public()
			for b.Loop() {
				_, _, err := elgamal.EncryptExp(rand.Reader, pk, 1)
				must(b, err)
			}
		}},
		{Name: "elgamal/reencrypt", N: 1, Bench: func(b *testing.B) {
			pk := benchKey(b).Public()
			ct, _, err := elgamal.EncryptExp(rand.Reader, pk, 1)
			must(b, err)
			for b.Loop() {
				_, _, err := elgamal.ReEncrypt(rand.Reader, pk, ct)
				must(b, err)
			}
		}},
		{Name: "elgamal/decrypt", N: 1, Bench: func(b *testing.B) {
			sk := benchKey(b)
			ct, _, err := elgamal.EncryptExp(rand.Reader, sk.Public(), 1)
			must(b, err)
			for b.Loop() {
				elgamal.Decrypt(sk, ct)
			}
		}},
		{Name: "elgamal/dlog-solve-1.5M", N: 1, Bench: func(b *testing.B) {
			table, err := elgamal.NewDLogTable(1 << 24)
			must(b, err)
			M := new(group.Element).ScalarBaseMult(new(group.Scalar).SetUint64(1_500_000))
			for b.Loop() {
				must(b, err1(table.Solve(M)))
			}
		}},
	}
}

// zkpOps measures the proofs of crypto/zkp and the signatures of
// crypto/schnorr; "batch" operations verify n proofs in one call and
// report ns_per_item per proof.
func zkpOps() []Op {
	return []Op{
		{Name: "zkp/key-prove", N: 1, Bench: func(b *testing.B) {
			x, X := keyPair(b)
			for b.Loop() {
				must(b, err1(zkp.ProveKey(rand.Reader, benchFP, x, X, []byte("trustee 1"))))
			}
		}},
		{Name: "zkp/key-verify", N: 1, Bench: func(b *testing.B) {
			x, X := keyPair(b)
			p, err := zkp.ProveKey(rand.Reader, benchFP, x, X, []byte("trustee 1"))
			must(b, err)
			p, err = zkp.ParseKeyProof(p.Bytes()) // as read from the board
			must(b, err)
			for b.Loop() {
				must(b, zkp.VerifyKey(benchFP, X, []byte("trustee 1"), p))
			}
		}},
		{Name: "zkp/ballot-prove", N: 1, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1)
			for b.Loop() {
				must(b, err1(zkp.ProveBallot(rand.Reader, benchFP, pk, cts[0:1], rs[0:1], benchCred)))
			}
		}},
		{Name: "zkp/ballot-verify", N: 1, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1)
			p, err := zkp.ProveBallot(rand.Reader, benchFP, pk, cts, rs, benchCred)
			must(b, err)
			p, err = zkp.ParseBallotProof(p.Bytes()) // as read from the board
			must(b, err)
			for b.Loop() {
				must(b, zkp.VerifyBallot(benchFP, pk, cts, benchCred, p))
			}
		}},
		{Name: "zkp/ballot-batch-verify/1000", N: 1000, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1000)
			items := make([]zkp.BallotItem, len(cts))
			for i := range cts {
				p, err := zkp.ProveBallot(rand.Reader, benchFP, pk, cts[i:i+1], rs[i:i+1], benchCred)
				must(b, err)
				items[i] = zkp.BallotItem{Ciphertexts: cts[i : i+1], Credential: benchCred, Proof: p}
			}
			for b.Loop() {
				must(b, zkp.BatchVerifyBallots(rand.Reader, benchFP, pk, items))
			}
		}},
		{Name: "zkp/zero-one-prove", N: 1, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1)
			for b.Loop() {
				must(b, err1(zkp.ProveZeroOne(rand.Reader, benchFP, pk, cts[0], 1, rs[0], benchCred)))
			}
		}},
		{Name: "zkp/zero-one-verify", N: 1, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1)
			p, err := zkp.ProveZeroOne(rand.Reader, benchFP, pk, cts[0], 1, rs[0], benchCred)
			must(b, err)
			p, err = zkp.ParseZeroOneProof(p.Bytes()) // as read from the board
			must(b, err)
			for b.Loop() {
				must(b, zkp.VerifyZeroOne(benchFP, pk, cts[0], benchCred, p))
			}
		}},
		{Name: "zkp/zero-one-batch-verify/1000", N: 1000, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1000)
			items := make([]zkp.ZeroOneItem, len(cts))
			for i := range cts {
				p, err := zkp.ProveZeroOne(rand.Reader, benchFP, pk, cts[i], 1, rs[i], benchCred)
				must(b, err)
				items[i] = zkp.ZeroOneItem{Ciphertext: cts[i], Binding: benchCred, Proof: p}
			}
			for b.Loop() {
				must(b, zkp.BatchVerifyZeroOne(rand.Reader, benchFP, pk, items))
			}
		}},
		{Name: "zkp/range-verify/5-branches", N: 1, Bench: func(b *testing.B) {
			pk, cts, rs := ballots(b, 1)
			p, err := zkp.ProveRange(rand.Reader, benchFP, pk, cts[0], 1, rs[0], 0, 4, benchCred)
			must(b, err)
			for b.Loop() {
				must(b, zkp.VerifyRange(benchFP, pk, cts[0], 0, 4, benchCred, p))
			}
		}},
		{Name: "zkp/dleq-verify", N: 1, Bench: func(b *testing.B) {
			x, X := keyPair(b)
			A := randomElement(b)
			D := new(group.Element).ScalarMult(x, A)
			p, err := zkp.ProveDLEQ(rand.Reader, benchFP, x, X, A, D, []byte("trustee 1"))
			must(b, err)
			for b.Loop() {
				must(b, zkp.VerifyDLEQ(benchFP, X, A, D, []byte("trustee 1"), p))
			}
		}},
		sharesOp(1000, true),
		sharesOp(1000, false),
		{Name: "schnorr/sign", N: 1, Bench: func(b *testing.B) {
			sk, err := schnorr.GenerateKey(rand.Reader)
			must(b, err)
			msg := make([]byte, 500)
			for b.Loop() {
				must(b, err1(schnorr.Sign(rand.Reader, sk, "veche/bench", msg)))
			}
		}},
		{Name: "schnorr/verify", N: 1, Bench: func(b *testing.B) {
			sk, err := schnorr.GenerateKey(rand.Reader)
			must(b, err)
			msg := make([]byte, 500)
			sig, err := schnorr.Sign(rand.Reader, sk, "veche/bench", msg)
			must(b, err)
			for b.Loop() {
				must(b, schnorr.Verify(sk.Public(), "veche/bench", msg, sig))
			}
		}},
	}
}

// sharesOp proves or verifies the decryption shares of n ciphertexts by one
// trustee with one batched Chaum-Pedersen proof.
func sharesOp(n int, prove bool) Op {
	name := fmt.Sprintf("zkp/decryption-shares-verify/%d", n)
	if prove {
		name = fmt.Sprintf("zkp/decryption-shares-prove/%d", n)
	}
	return Op{Name: name, N: n, Bench: func(b *testing.B) {
		x, X := keyPair(b)
		As := make([]*group.Element, n)
		p, q := randomElement(b), randomElement(b)
		for i := range As {
			As[i] = new(group.Element).Set(p)
			p.Add(p, q)
		}
		Ds, proof, err := zkp.ProveDecryptionShares(rand.Reader, benchFP, x, X, As, []byte("trustee 1"))
		must(b, err)
		for b.Loop() {
			if prove {
				_, _, err = zkp.ProveDecryptionShares(rand.Reader, benchFP, x, X, As, []byte("trustee 1"))
			} else {
				err = zkp.VerifyDecryptionShares(benchFP, X, As, Ds, []byte("trustee 1"), proof)
			}
			must(b, err)
		}
	}}
}

var (
	benchFP   = zkp.Fingerprint{'b', 'e', 'n', 'c', 'h'}
	benchCred = []byte("credential 1")
)

func benchKey(b *testing.B) *elgamal.PrivateKey {
	sk, err := elgamal.GenerateKey(rand.Reader)
	must(b, err)
	return sk
}

func keyPair(b *testing.B) (*group.Scalar, *group.Element) {
	x := randomScalar(b)
	return x, new(group.Element).ScalarBaseMult(x)
}

// ballots returns an election key and n encryptions of 1 with their
// randomness, as the proofs see them. The key and the ciphertexts are
// decoded from their encodings, as a ballot box or a verifier reading the
// board has them.
func ballots(b *testing.B, n int) (*group.Element, []zkp.Ciphertext, []*group.Scalar) {
	pk := benchKey(b).Public()
	cts := make([]zkp.Ciphertext, n)
	rs := make([]*group.Scalar, n)
	for i := range cts {
		ct, r, err := elgamal.EncryptExp(rand.Reader, pk, 1)
		must(b, err)
		wire, err := elgamal.ParseCiphertext(ct.Bytes())
		must(b, err)
		cts[i], rs[i] = zkp.Ciphertext(*wire), r
	}
	wire, err := elgamal.NewPublicKey(pk.Bytes())
	must(b, err)
	return wire.Element(), cts, rs
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func err1[T any](_ T, err error) error { return err }
