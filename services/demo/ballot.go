package demo

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/crypto/zkp"
)

// The demo contest: one choice among three, plus a write-in.
var options = []string{"Gorky Park", "Sokolniki", "Zaryadye"}

const (
	demoChoice  = 1              // the demo voter's choice (an index into options)
	demoWriteIn = "Kolomenskoye" // the demo voter's write-in
	tallyVoters = 200            // simulated voters in the tally step
	sigContext  = "veche/demo/ballot/v1"
)

// ballotState is what the ballot steps share.
type ballotState struct {
	fp   zkp.Fingerprint
	sk   *elgamal.PrivateKey
	pk   *elgamal.PublicKey
	cred *schnorr.PrivateKey

	// The demo voter's ballot.
	selections elgamal.VectorCiphertext
	zeroOne    []*zkp.ZeroOneProof
	sum        *zkp.RangeProof
	writeIn    *elgamal.Ciphertext
	writeInPf  *zkp.BallotProof
	signature  []byte

	// The tally.
	totals   elgamal.VectorCiphertext
	want     []uint64
	writeIns []*elgamal.Ciphertext
}

// encoded is the byte string the voter signs: the ballot's ciphertexts and
// proofs, in order.
func (b *ballotState) encoded() []byte {
	out := b.selections.Bytes()
	for _, p := range b.zeroOne {
		out = append(out, p.Bytes()...)
	}
	out = append(out, b.sum.Bytes()...)
	out = append(out, b.writeIn.Bytes()...)
	return append(out, b.writeInPf.Bytes()...)
}

// sum returns the homomorphic sum of a non-empty list of ciphertexts.
func sum(cts elgamal.VectorCiphertext) *elgamal.Ciphertext {
	out := new(elgamal.Ciphertext).Set(cts[0])
	for _, ct := range cts[1:] {
		out.Add(out, ct)
	}
	return out
}

func selectionBinding(i int) []byte { return []byte(fmt.Sprintf("contest 1, option %d", i)) }

func (t *tour) keyProof() error {
	sk, err := elgamal.NewPrivateKey(t.secret.Bytes())
	if err != nil {
		return err
	}
	b := &ballotState{sk: sk, pk: sk.Public()}
	copy(b.fp[:], t.fingerprint)
	t.ballot = b
	start := time.Now()
	proof, err := zkp.ProveKey(t.rand, b.fp, t.secret, t.public, []byte("trustee 1"))
	if err != nil {
		return err
	}
	prove := time.Since(start)
	start = time.Now()
	if err := zkp.VerifyKey(b.fp, t.public, []byte("trustee 1"), proof); err != nil {
		return fmt.Errorf("an honest key proof failed: %w", err)
	}
	verify := time.Since(start)
	t.p.printf("  Schnorr proof of knowledge of x, bound to \"trustee 1\" and the election:\n")
	t.p.printf("  %x (%d bytes; proved in %v, verified in %v)\n", proof.Bytes(), len(proof.Bytes()), roundDuration(prove), roundDuration(verify))
	err = zkp.VerifyKey(b.fp, t.public, []byte("trustee 2"), proof)
	if err == nil {
		return errors.New("a key proof verified for another trustee")
	}
	t.p.printf("  The same proof claimed by trustee 2: %v\n", err)
	t.p.printf("  A rogue key (chosen after seeing the others, without knowing its secret)\n")
	t.p.printf("  cannot come with such a proof.\n")
	return nil
}

func (t *tour) encryptBallot() error {
	b := t.ballot
	cred, err := schnorr.GenerateKey(t.rand)
	if err != nil {
		return err
	}
	b.cred = cred
	t.p.printf("  Contest: which park gets the new playground? Options: %v; one choice.\n", options)
	t.p.printf("  The voter's credential key (public): %x\n", cred.Public().Bytes())
	start := time.Now()
	votes := make([]uint64, len(options))
	votes[demoChoice] = 1
	var rs []*group.Scalar
	b.selections, rs, err = elgamal.EncryptExpVector(t.rand, b.pk, votes)
	if err != nil {
		return err
	}
	pk := b.pk.Element()
	sumR := group.NewScalar()
	for i, ct := range b.selections {
		p, err := zkp.ProveZeroOne(t.rand, b.fp, pk, zkp.Ciphertext(*ct), votes[i], rs[i], selectionBinding(i))
		if err != nil {
			return err
		}
		b.zeroOne = append(b.zeroOne, p)
		sumR.Add(sumR, rs[i])
	}
	sumCt := sum(b.selections)
	b.sum, err = zkp.ProveRange(t.rand, b.fp, pk, zkp.Ciphertext(*sumCt), 1, sumR, 1, 1, []byte("contest 1"))
	if err != nil {
		return err
	}
	M, err := elgamal.EncodeBytes([]byte(demoWriteIn))
	if err != nil {
		return err
	}
	var r *group.Scalar
	b.writeIn, r, err = elgamal.Encrypt(t.rand, b.pk, M)
	if err != nil {
		return err
	}
	credBytes := cred.Public().Bytes()
	b.writeInPf, err = zkp.ProveBallot(t.rand, b.fp, pk, []zkp.Ciphertext{zkp.Ciphertext(*b.writeIn)}, []*group.Scalar{r}, credBytes)
	if err != nil {
		return err
	}
	b.signature, err = schnorr.Sign(t.rand, cred, sigContext, b.encoded())
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	t.p.printf("  Selections: %d exponential ElGamal ciphertexts (0 or 1 each), each with a\n", len(b.selections))
	t.p.printf("  0/1 proof (%d bytes), and a proof that they sum to exactly 1 (%d bytes).\n", zkp.ZeroOneProofSize, len(b.sum.Bytes()))
	t.p.printf("  Write-in %q embedded in a group element, encrypted, with a proof of\n", demoWriteIn)
	t.p.printf("  knowledge of its randomness bound to the credential (%d bytes).\n", len(b.writeInPf.Bytes()))
	t.p.printf("  The credential key signs it all (%d-byte Schnorr signature).\n", len(b.signature))
	t.p.printf("  Ballot: %d bytes, made in %v on this machine.\n", len(b.encoded())+len(b.signature), roundDuration(elapsed))
	t.p.printf("  Nothing in it reveals the choice: the same choice encrypts differently each time.\n")
	return nil
}

// checkBallot verifies everything a ballot box checks before accepting a
// ballot.
func (b *ballotState) check(pk *group.Element, credPub *schnorr.PublicKey, signature []byte) error {
	if err := schnorr.Verify(credPub, sigContext, b.encoded(), signature); err != nil {
		return err
	}
	for i, ct := range b.selections {
		if err := zkp.VerifyZeroOne(b.fp, pk, zkp.Ciphertext(*ct), selectionBinding(i), b.zeroOne[i]); err != nil {
			return err
		}
	}
	sumCt := sum(b.selections)
	if err := zkp.VerifyRange(b.fp, pk, zkp.Ciphertext(*sumCt), 1, 1, []byte("contest 1"), b.sum); err != nil {
		return err
	}
	return zkp.VerifyBallot(b.fp, pk, []zkp.Ciphertext{zkp.Ciphertext(*b.writeIn)}, credPub.Bytes(), b.writeInPf)
}

func (t *tour) checkBallot() error {
	b := t.ballot
	pk := b.pk.Element()
	start := time.Now()
	if err := b.check(pk, b.cred.Public(), b.signature); err != nil {
		return fmt.Errorf("an honest ballot was rejected: %w", err)
	}
	t.p.printf("  Signature, three 0/1 proofs, the sum proof and the write-in proof: all valid\n")
	t.p.printf("  (checked in %v).\n", roundDuration(time.Since(start)))

	// An attacker copies the ballot and submits it under their own
	// credential, re-signing it: the write-in proof is bound to the victim's
	// credential.
	thief, err := schnorr.GenerateKey(t.rand)
	if err != nil {
		return err
	}
	sig, err := schnorr.Sign(t.rand, thief, sigContext, b.encoded())
	if err != nil {
		return err
	}
	err = b.check(pk, thief.Public(), sig)
	if err == nil {
		return errors.New("a copied ballot was accepted under another credential")
	}
	t.p.printf("  The same ballot re-signed under another credential: %v\n", err)

	// A selection's ciphertext swapped for an encryption of 2 (a double vote).
	two, _, err := elgamal.EncryptExp(t.rand, b.pk, 2)
	if err != nil {
		return err
	}
	saved := b.selections[0]
	b.selections[0] = two
	err = zkp.VerifyZeroOne(b.fp, pk, zkp.Ciphertext(*two), selectionBinding(0), b.zeroOne[0])
	b.selections[0] = saved
	if err == nil {
		return errors.New("a 0/1 proof verified for an encryption of 2")
	}
	t.p.printf("  A selection replaced by an encryption of 2: %v\n", err)
	return nil
}

func (t *tour) tally() error {
	b := t.ballot
	pk := b.pk.Element()
	b.want = make([]uint64, len(options))
	b.want[demoChoice]++
	b.totals = b.selections
	b.writeIns = []*elgamal.Ciphertext{b.writeIn}
	var items []zkp.ZeroOneItem
	var sums []zkp.RangeItem
	for i, ct := range b.selections {
		items = append(items, zkp.ZeroOneItem{Ciphertext: zkp.Ciphertext(*ct), Binding: selectionBinding(i), Proof: b.zeroOne[i]})
	}
	start := time.Now()
	rnd := t.rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var pick [1]byte
	for v := 1; v < tallyVoters; v++ {
		if _, err := io.ReadFull(rnd, pick[:]); err != nil {
			return err
		}
		choice := int(pick[0]) % len(options)
		votes := make([]uint64, len(options))
		votes[choice] = 1
		b.want[choice]++
		cts, rs, err := elgamal.EncryptExpVector(t.rand, b.pk, votes)
		if err != nil {
			return err
		}
		sumR := group.NewScalar()
		for i, ct := range cts {
			p, err := zkp.ProveZeroOne(t.rand, b.fp, pk, zkp.Ciphertext(*ct), votes[i], rs[i], selectionBinding(i))
			if err != nil {
				return err
			}
			items = append(items, zkp.ZeroOneItem{Ciphertext: zkp.Ciphertext(*ct), Binding: selectionBinding(i), Proof: p})
			sumR.Add(sumR, rs[i])
		}
		sumCt := sum(cts)
		sp, err := zkp.ProveRange(t.rand, b.fp, pk, zkp.Ciphertext(*sumCt), 1, sumR, 1, 1, []byte("contest 1"))
		if err != nil {
			return err
		}
		sums = append(sums, zkp.RangeItem{Ciphertext: zkp.Ciphertext(*sumCt), Lo: 1, Hi: 1, Binding: []byte("contest 1"), Proof: sp})
		if b.totals, err = elgamal.AddVector(b.totals, cts); err != nil {
			return err
		}
	}
	made := time.Since(start)
	t.p.printf("  %d voters cast ballots (%d simulated here in %v).\n", tallyVoters, tallyVoters-1, roundDuration(made))
	start = time.Now()
	if err := zkp.BatchVerifyZeroOne(nil, b.fp, pk, items); err != nil {
		return fmt.Errorf("honest 0/1 proofs failed batch verification: %w", err)
	}
	zo := time.Since(start)
	start = time.Now()
	if err := zkp.BatchVerifyRange(nil, b.fp, pk, sums); err != nil {
		return fmt.Errorf("honest sum proofs failed batch verification: %w", err)
	}
	rg := time.Since(start)
	t.p.printf("  Batch verification of %d 0/1 proofs: %v (%v per proof), one multi-scalar\n", len(items), roundDuration(zo), roundDuration(zo/time.Duration(len(items))))
	t.p.printf("  multiplication over random 128-bit weights; %d sum proofs: %v.\n", len(sums), roundDuration(rg))
	// One forged proof in the batch is found and named.
	bad := items[len(items)/2]
	items[len(items)/2] = zkp.ZeroOneItem{Ciphertext: bad.Ciphertext, Binding: []byte("another option"), Proof: bad.Proof}
	err := zkp.BatchVerifyZeroOne(nil, b.fp, pk, items)
	items[len(items)/2] = bad
	var be *zkp.BatchError
	if !errors.As(err, &be) || len(be.Indices) != 1 || be.Indices[0] != len(items)/2 {
		return fmt.Errorf("a batch with one misbound proof was not reported as such: %v", err)
	}
	t.p.printf("  The same batch with one proof moved to another option: proof #%d named as invalid.\n", be.Indices[0])
	t.p.printf("  Homomorphic totals: the %d selection ciphertexts of each option added up;\n", tallyVoters)
	t.p.printf("  no single ballot is ever decrypted.\n")
	return nil
}

func (t *tour) decrypt() error {
	b := t.ballot
	x := b.sk.Scalar()
	X := b.pk.Element()
	As := make([]*group.Element, 0, len(b.totals)+len(b.writeIns))
	for _, ct := range b.totals {
		As = append(As, ct.A)
	}
	for _, ct := range b.writeIns {
		As = append(As, ct.A)
	}
	start := time.Now()
	Ds, proof, err := zkp.ProveDecryptionShares(t.rand, b.fp, x, X, As, []byte("trustee 1"))
	if err != nil {
		return err
	}
	if err := zkp.VerifyDecryptionShares(b.fp, X, As, Ds, []byte("trustee 1"), proof); err != nil {
		return fmt.Errorf("honest decryption shares failed verification: %w", err)
	}
	t.p.printf("  Decryption shares D_i = x·A_i for %d ciphertexts with one batched\n", len(As))
	t.p.printf("  Chaum-Pedersen proof (%d bytes), made and verified in %v.\n", len(proof.Bytes()), roundDuration(time.Since(start)))
	start = time.Now()
	table, err := elgamal.NewDLogTable(1 << 24)
	if err != nil {
		return err
	}
	t.p.printf("  Discrete-log table for totals up to 2^24 built in %v.\n", roundDuration(time.Since(start)))
	for i, ct := range b.totals {
		n, err := table.Solve(ct.Combine(Ds[i]))
		if err != nil {
			return err
		}
		if n != b.want[i] {
			return fmt.Errorf("option %d decrypted to %d, want %d", i, n, b.want[i])
		}
		t.p.printf("  %-12s %4d votes\n", options[i]+":", n)
	}
	for j, ct := range b.writeIns {
		msg, err := elgamal.DecodeBytes(ct.Combine(Ds[len(b.totals)+j]))
		if err != nil {
			return err
		}
		if string(msg) != demoWriteIn {
			return fmt.Errorf("the write-in decrypted to %q", msg)
		}
		t.p.printf("  write-in:    %q\n", msg)
	}
	t.p.printf("  The totals match the votes cast (checked). Anyone can check the proof;\n")
	t.p.printf("  in an election the key is shared among k-of-n trustees, each posting shares.\n")
	return nil
}
