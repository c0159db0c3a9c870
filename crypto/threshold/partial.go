package threshold

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/transcript"
)

// Protocol labels of the partial decryption proof and of its prover's
// hedged nonces (docs/spec/threshold.md, section 4).
const (
	proofProtocol = "veche/threshold/partial-decryption/v1"
	nonceProtocol = "veche/threshold/nonce/v1"
)

// Sizes of the encodings, in bytes.
const (
	// ProofSize is the size of an encoded [Proof]: R_G || R_A || z.
	ProofSize = 2*group.ElementSize + group.ScalarSize
	// headerSize is u32(index) || u32(count).
	headerSize = 8
)

// MaxShares is the largest number of ciphertexts one partial decryption
// covers (the count field is a u32; 2^28 shares are 8 GiB).
const MaxShares = 1 << 28

var (
	// ErrMalformed is wrapped by every decoding failure: wrong length,
	// non-canonical encodings, an identity commitment R_G, index 0,
	// trailing bytes.
	ErrMalformed = errors.New("threshold: malformed partial decryption")
	// ErrInvalid is wrapped by every verification failure of a partial
	// decryption: wrong index, wrong number of shares, a proof that does
	// not hold.
	ErrInvalid = errors.New("threshold: invalid partial decryption")
)

// A Proof is a batched Chaum-Pedersen proof (Chaum, Pedersen, "Wallet
// databases with observers", Crypto 1992) that every share of a
// [PartialDecryption] is correct: log_{G'} Y_j = log_{A_i} D_i for all i,
// with G' = L·G. It is a proof of log_{G'} Y_j = log_{A*} D* for the
// combinations A* = Σ e_i·A_i and D* = Σ e_i·D_i with 128-bit weights e_i
// drawn from the transcript after every share is fixed.
type Proof struct {
	RG *group.Element // commitment k·G'; never the identity
	RA *group.Element // commitment k·A*
	Z  *group.Scalar  // response k + c·x_j/L
}

// A PartialDecryption is trustee Index's contribution to decrypting a list
// of ciphertexts (A_i, B_i): the scaled shares D_i = (x_j/L)·A_i, where x_j
// is the trustee's key share and L = (n−1)! ([Params.ScaleFactor]), and one
// proof that all of them are correct. The scaling by 1/L makes the
// combination cheap: see [Combine].
type PartialDecryption struct {
	Index  uint32
	Shares []*group.Element
	Proof  *Proof
}

// PartialDecrypt computes trustee index's partial decryption of cts with
// key share share = x_j (Y_j = x_j·G must hold), bound to the election
// fingerprint of p, the index and binding (which names the list, such as
// the hash of the tally it decrypts; the verifier gives it again). The
// shares are computed in constant time, in parallel on GOMAXPROCS cores;
// the proof's nonce comes from rand (nil means crypto/rand.Reader), hedged
// with the share and the statement.
func PartialDecrypt(rand io.Reader, p *Params, index uint32, share *group.Scalar, cts []*elgamal.Ciphertext, binding []byte) (*PartialDecryption, error) {
	if !p.validIndex(index) {
		return nil, fmt.Errorf("threshold: trustee index %d, want 1 to %d", index, p.n)
	}
	if share == nil {
		return nil, errors.New("threshold: missing key share")
	}
	if err := checkCiphertexts(cts); err != nil {
		return nil, err
	}
	if new(group.Element).ScalarBaseMult(share).Equal(p.keys[index-1]) != 1 {
		return nil, fmt.Errorf("threshold: the key share does not match the verification key of trustee %d", index)
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	var rnd [32]byte
	if _, err := io.ReadFull(rand, rnd[:]); err != nil {
		return nil, fmt.Errorf("threshold: reading randomness: %w", err)
	}
	xs := new(group.Scalar).Multiply(share, p.scaleInv) // x_j/L

	n := len(cts)
	aEnc := encodeElements(n, func(i int) *group.Element { return cts[i].A })
	elems := make([]group.Element, n)
	shares := make([]*group.Element, n)
	dEnc := make([]byte, n*group.ElementSize)
	forChunks(n, chunkSize(n, workChunk), func(lo, hi int) {
		var buf [group.ElementSize]byte
		for i := lo; i < hi; i++ {
			D := elems[i].ScalarMult(xs, cts[i].A)
			copy(dEnc[i*group.ElementSize:], D.AppendBytes(buf[:0]))
			shares[i] = D
		}
	})

	pr, err := p.prove(rnd, index, xs, cts, aEnc, dEnc, binding)
	if err != nil {
		return nil, err
	}
	return &PartialDecryption{Index: index, Shares: shares, Proof: pr}, nil
}

// prove makes the batched proof for the shares encoded in dEnc with the
// witness xs = x_j/L. It does not check the shares: a test uses it to make
// proofs of wrong shares.
func (p *Params) prove(rnd [32]byte, index uint32, xs *group.Scalar, cts []*elgamal.Ciphertext, aEnc, dEnc []byte, binding []byte) (*Proof, error) {
	// The proof transcript and the nonce transcript absorb the same
	// statement; hash them concurrently.
	nonceCh := make(chan *group.Scalar, 1)
	go func() {
		t := transcript.New(nonceProtocol)
		t.Bytes("protocol", []byte(proofProtocol))
		t.Bytes("fingerprint", p.fp[:])
		p.absorbStatement(t, index, binding, aEnc, dEnc)
		t.Scalars("witness", []*group.Scalar{xs})
		t.Bytes("random", rnd[:])
		nonceCh <- t.ChallengeScalars("nonces", 1)[0]
	}()
	n := len(cts)
	t := p.proofTranscript(index, binding, aEnc, dEnc)
	e := t.ChallengeBytes("e", 16*n)
	Astar := msm128(e, n, func(i int) *group.Element { return cts[i].A })
	k := <-nonceCh
	if k.IsZero() {
		return nil, errors.New("threshold: internal error: zero nonce")
	}
	pr := &Proof{
		RG: new(group.Element).ScalarMult(k, p.gen),
		RA: new(group.Element).ScalarMult(k, Astar),
	}
	t.Element("RG", pr.RG)
	t.Element("RA", pr.RA)
	c := t.Challenge("c")
	pr.Z = new(group.Scalar).MultiplyAdd(c, xs, k)
	return pr, nil
}

// generatorEnc is the encoding of G, computed once.
var generatorEnc = group.NewGeneratorElement().Bytes()

// proofTranscript starts the proof transcript and absorbs the statement,
// up to (not including) the weight challenge "e". It absorbs what
// transcript.NewProof(proofProtocol, fp, G, G') would, with cached
// generator encodings.
func (p *Params) proofTranscript(index uint32, binding, aEnc, dEnc []byte) *transcript.Transcript {
	t := transcript.New(proofProtocol)
	t.Bytes("fingerprint", p.fp[:])
	t.Bytes("group", []byte(group.Name))
	t.List("generators", 2)
	t.ElementBytes("", generatorEnc)
	t.ElementBytes("", p.genEnc)
	p.absorbStatement(t, index, binding, aEnc, dEnc)
	return t
}

// absorbStatement absorbs n, k, the index, the binding, Y_index, the list of
// the A_i and the list of the shares D_i.
func (p *Params) absorbStatement(t *transcript.Transcript, index uint32, binding, aEnc, dEnc []byte) {
	t.Uint64("n", uint64(p.n))
	t.Uint64("k", uint64(p.k))
	t.Uint64("index", uint64(index))
	t.Bytes("binding", binding)
	t.Element("Y", p.keys[index-1])
	absorbList(t, "A", aEnc)
	absorbList(t, "D", dEnc)
}

func absorbList(t *transcript.Transcript, label string, enc []byte) {
	n := len(enc) / group.ElementSize
	t.List(label, n)
	for i := range n {
		t.ElementBytes("", enc[i*group.ElementSize:(i+1)*group.ElementSize])
	}
}

// checkCiphertexts rejects an empty list and missing components.
func checkCiphertexts(cts []*elgamal.Ciphertext) error {
	if len(cts) == 0 {
		return errors.New("threshold: no ciphertexts")
	}
	if len(cts) > MaxShares {
		return fmt.Errorf("threshold: %d ciphertexts, at most %d", len(cts), MaxShares)
	}
	for i, ct := range cts {
		if ct == nil || ct.A == nil || ct.B == nil {
			return fmt.Errorf("threshold: ciphertext %d is missing or has a missing component", i)
		}
	}
	return nil
}

// Size returns the length of the encoding of pd.
func (pd *PartialDecryption) Size() int {
	return headerSize + len(pd.Shares)*group.ElementSize + ProofSize
}

// Bytes returns the encoding
//
//	u32(Index) || u32(len(Shares)) || Encode(D_1) || … || Encode(D_N) ||
//	Encode(R_G) || Encode(R_A) || z
//
// (big-endian integers, 32-byte canonical elements, z little-endian).
// Shares that were not decoded cost an encoding each (an inverse square
// root); long lists are encoded in parallel.
func (pd *PartialDecryption) Bytes() []byte {
	n := len(pd.Shares)
	out := make([]byte, 0, pd.Size())
	out = binary.BigEndian.AppendUint32(out, pd.Index)
	out = binary.BigEndian.AppendUint32(out, uint32(n))
	out = append(out, encodeElements(n, func(i int) *group.Element { return pd.Shares[i] })...)
	out = pd.Proof.RG.AppendBytes(out)
	out = pd.Proof.RA.AppendBytes(out)
	return append(out, pd.Proof.Z.Bytes()...)
}

// ParsePartialDecryption decodes the encoding of [PartialDecryption.Bytes].
// It rejects (with an error wrapping [ErrMalformed]) index 0, a count of 0
// or above [MaxShares], a length other than 8 + 32·count + 96,
// non-canonical elements, R_G = identity and a non-canonical z. Shares and
// R_A may be the identity: the share of a ciphertext with A = identity is
// the identity, and the proof decides whether each share is right. Long
// lists are decoded in parallel.
func ParsePartialDecryption(b []byte) (*PartialDecryption, error) {
	if len(b) < headerSize+group.ElementSize+ProofSize {
		return nil, malformed(fmt.Sprintf("%d bytes, at least %d needed", len(b), headerSize+group.ElementSize+ProofSize))
	}
	index := binary.BigEndian.Uint32(b[0:4])
	count := binary.BigEndian.Uint32(b[4:8])
	if index == 0 {
		return nil, malformed("trustee index 0")
	}
	if count == 0 || count > MaxShares {
		return nil, malformed(fmt.Sprintf("share count %d, want 1 to %d", count, MaxShares))
	}
	if want := headerSize + int(count)*group.ElementSize + ProofSize; len(b) != want {
		return nil, malformed(fmt.Sprintf("%d bytes for %d shares, want %d", len(b), count, want))
	}
	n := int(count)
	body := b[headerSize:]
	elems := make([]group.Element, n)
	shares := make([]*group.Element, n)
	var mu sync.Mutex
	firstBad := -1
	forChunks(n, chunkSize(n, workChunk*4), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if _, err := elems[i].SetCanonicalBytes(body[i*group.ElementSize : (i+1)*group.ElementSize]); err != nil {
				mu.Lock()
				if firstBad < 0 || i < firstBad {
					firstBad = i
				}
				mu.Unlock()
				return
			}
			shares[i] = &elems[i]
		}
	})
	if firstBad >= 0 {
		return nil, malformed(fmt.Sprintf("share %d is not a canonical element encoding", firstBad))
	}
	pr, err := parseProof(body[n*group.ElementSize:])
	if err != nil {
		return nil, err
	}
	return &PartialDecryption{Index: index, Shares: shares, Proof: pr}, nil
}

func parseProof(b []byte) (*Proof, error) {
	RG, err := group.ParseElement(b[:32])
	if err != nil {
		return nil, malformed("commitment R_G is not a canonical element encoding")
	}
	if RG.IsIdentity() {
		return nil, malformed("commitment R_G is the identity")
	}
	RA, err := group.ParseElement(b[32:64])
	if err != nil {
		return nil, malformed("commitment R_A is not a canonical element encoding")
	}
	z, err := new(group.Scalar).SetCanonicalBytes(b[64:96])
	if err != nil {
		return nil, malformed("response z is not a canonical scalar")
	}
	return &Proof{RG: RG, RA: RA, Z: z}, nil
}

func malformed(what string) error {
	return fmt.Errorf("threshold: partial decryption: %s: %w", what, ErrMalformed)
}

func invalid(index uint32, what string) error {
	return fmt.Errorf("threshold: partial decryption of trustee %d: %s: %w", index, what, ErrInvalid)
}
