package dkg_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/internal/testrand"
	"github.com/veche/veche/crypto/zkp"
)

// board simulates a ceremony on a bulletin board: every posted message is
// encoded, decoded again and delivered, in order, to every simulated
// trustee, and the test fails if two trustees disagree about it.
type board struct {
	t        testing.TB
	r        io.Reader
	params   *dkg.Params
	keys     []*hybrid.PrivateKey // keys[j-1] is trustee j's long-term key
	trustees []*dkg.Trustee
	msgs     []dkg.Message
}

func fingerprint(s string) zkp.Fingerprint {
	var fp zkp.Fingerprint
	copy(fp[:], "veche dkg test: "+s)
	return fp
}

func newBoard(t testing.TB, seed string, k, n int) *board {
	t.Helper()
	b := &board{t: t, r: testrand.New(seed)}
	b.params = &dkg.Params{Fingerprint: fingerprint(seed), Threshold: k, N: n}
	for j := 1; j <= n; j++ {
		sk, err := hybrid.GenerateKey(b.r)
		if err != nil {
			t.Fatal(err)
		}
		b.keys = append(b.keys, sk)
		b.params.Participants = append(b.params.Participants, dkg.Participant{Index: uint32(j), Key: sk.Public()})
	}
	for j := 1; j <= n; j++ {
		tr, err := dkg.New(b.params, uint32(j), b.keys[j-1])
		if err != nil {
			t.Fatal(err)
		}
		b.trustees = append(b.trustees, tr)
	}
	return b
}

func (b *board) trustee(j uint32) *dkg.Trustee { return b.trustees[j-1] }

// post puts m on the board (encoded, then decoded again) and delivers it
// to every trustee. It returns the (common) error of Receive.
func (b *board) post(m dkg.Message) error {
	b.t.Helper()
	enc := m.Bytes()
	pm, err := dkg.ParseMessage(enc)
	if err != nil {
		b.t.Fatalf("a posted %s does not parse: %v", m.Type(), err)
	}
	if !bytes.Equal(pm.Bytes(), enc) {
		b.t.Fatalf("%s does not re-encode to its encoding", m.Type())
	}
	b.msgs = append(b.msgs, pm)
	return b.deliver(pm)
}

// deliver gives m, as is, to every trustee and checks that they agree.
func (b *board) deliver(m dkg.Message) error {
	b.t.Helper()
	var first error
	for n, tr := range b.trustees {
		err := tr.Receive(m)
		if n == 0 {
			first = err
		} else if fmt.Sprint(err) != fmt.Sprint(first) {
			b.t.Fatalf("trustees disagree on a %s from %d: trustee 1: %v, trustee %d: %v", m.Type(), m.Sender(), first, n+1, err)
		}
	}
	return first
}

func (b *board) mustPost(msgs ...dkg.Message) {
	b.t.Helper()
	for _, m := range msgs {
		if err := b.post(m); err != nil {
			b.t.Fatalf("posting %s from %d: %v", m.Type(), m.Sender(), err)
		}
	}
}

// dealAll makes every trustee not in skip deal and post both messages.
func (b *board) dealAll(skip ...uint32) {
	b.t.Helper()
	for _, tr := range b.trustees {
		if slices.Contains(skip, tr.Index()) {
			continue
		}
		cm, sh, err := tr.Deal(b.r)
		if err != nil {
			b.t.Fatal(err)
		}
		b.mustPost(cm, sh)
	}
}

// complainAll posts every complaint of the trustees not in skip and
// returns how many there were.
func (b *board) complainAll(skip ...uint32) int {
	b.t.Helper()
	count := 0
	for _, tr := range b.trustees {
		if slices.Contains(skip, tr.Index()) {
			continue
		}
		cs, err := tr.Complaints(b.r)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, c := range cs {
			b.mustPost(c)
			count++
		}
	}
	return count
}

// finish finishes the given trustees, checks that they and an observer
// agree on the public result, and returns their results.
func (b *board) finish(who ...uint32) []*dkg.Result {
	b.t.Helper()
	observer, err := dkg.VerifyCeremony(b.params, b.msgs)
	if err != nil {
		b.t.Fatalf("VerifyCeremony: %v", err)
	}
	var out []*dkg.Result
	for _, j := range who {
		res, err := b.trustee(j).Finish()
		if err != nil {
			b.t.Fatalf("trustee %d: Finish: %v", j, err)
		}
		if !res.Public.Equal(observer) {
			b.t.Fatalf("trustee %d's public result differs from the observer's", j)
		}
		if fmt.Sprint(res.Public.Blames) != fmt.Sprint(observer.Blames) {
			b.t.Fatalf("trustee %d blames %v, the observer %v", j, res.Public.Blames, observer.Blames)
		}
		if err := observer.CheckShare(j, res.Share); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

func all(n int) []uint32 {
	out := make([]uint32, n)
	for j := range out {
		out[j] = uint32(j + 1)
	}
	return out
}

// lagrange returns λ_j = Π_{m∈S, m≠j} m/(m−j), the coefficient of x_j in
// the interpolation of F(0) from the shares of S.
func lagrange(S []uint32, j uint32) *group.Scalar {
	num, den := new(group.Scalar).SetUint64(1), new(group.Scalar).SetUint64(1)
	for _, m := range S {
		if m == j {
			continue
		}
		ms := new(group.Scalar).SetUint64(uint64(m))
		num.Multiply(num, ms)
		den.Multiply(den, new(group.Scalar).Subtract(ms, new(group.Scalar).SetUint64(uint64(j))))
	}
	return num.Multiply(num, new(group.Scalar).Invert(den))
}

// decrypts encrypts a random element under the joint key and reports
// whether the trustees of results recover it by Lagrange interpolation of
// their partial decryptions x_j·A.
func decrypts(t testing.TB, r io.Reader, results []*dkg.Result) bool {
	t.Helper()
	Y := results[0].Public.JointKey
	rr, _ := group.RandomScalar(r)
	var seed [32]byte
	io.ReadFull(r, seed[:])
	M, _ := group.HashToElement([]byte("veche dkg test message"), seed[:])
	A := new(group.Element).ScalarBaseMult(rr)
	B := new(group.Element).Add(M, new(group.Element).ScalarMult(rr, Y))
	var S []uint32
	for _, res := range results {
		S = append(S, res.Index)
	}
	D := group.NewElement()
	for _, res := range results {
		share := new(group.Element).ScalarMult(res.Share, A)
		D.Add(D, share.ScalarMult(lagrange(S, res.Index), share))
	}
	return new(group.Element).Subtract(B, D).Equal(M) == 1
}

func pick(results []*dkg.Result, idx ...uint32) []*dkg.Result {
	var out []*dkg.Result
	for _, r := range results {
		if slices.Contains(idx, r.Index) {
			out = append(out, r)
		}
	}
	return out
}

func hasBlame(r *dkg.PublicResult, party uint32, f dkg.Fault, other uint32) bool {
	for _, b := range r.Blames {
		if b.Party == party && b.Fault == f && b.Other == other {
			return true
		}
	}
	return false
}

func TestCeremony(t *testing.T) {
	for _, tc := range []struct{ k, n int }{{1, 1}, {1, 3}, {2, 3}, {3, 3}, {5, 9}} {
		t.Run(fmt.Sprintf("%d-of-%d", tc.k, tc.n), func(t *testing.T) {
			b := newBoard(t, fmt.Sprintf("honest %d-of-%d", tc.k, tc.n), tc.k, tc.n)
			b.dealAll()
			if c := b.complainAll(); c != 0 {
				t.Fatalf("%d complaints in an honest ceremony", c)
			}
			res := b.finish(all(tc.n)...)
			pub := res[0].Public
			if !slices.Equal(pub.Qualified, all(tc.n)) || len(pub.Blames) != 0 {
				t.Fatalf("QUAL %v, blames %v; want everyone and none", pub.Qualified, pub.Blames)
			}
			if pub.Threshold != tc.k || pub.N != tc.n || len(pub.VerificationKeys) != tc.n || len(pub.Commitments) != tc.k {
				t.Fatalf("result shape k=%d n=%d |Y_j|=%d |A|=%d", pub.Threshold, pub.N, len(pub.VerificationKeys), len(pub.Commitments))
			}
			// The first k, the last k and every second trustee decrypt.
			subsets := [][]*dkg.Result{res[:tc.k], res[tc.n-tc.k:]}
			var alt []*dkg.Result
			for n := 0; n < tc.n && len(alt) < tc.k; n += 2 {
				alt = append(alt, res[n])
			}
			if len(alt) == tc.k {
				subsets = append(subsets, alt)
			}
			for _, s := range subsets {
				if !decrypts(t, b.r, s) {
					t.Fatalf("trustees %v cannot decrypt", s)
				}
			}
			if tc.k > 1 && decrypts(t, b.r, res[:tc.k-1]) {
				t.Fatal("k−1 trustees decrypt")
			}
		})
	}
}

func TestParamsRejected(t *testing.T) {
	r := testrand.New("params")
	var keys []*hybrid.PublicKey
	var sks []*hybrid.PrivateKey
	for range 4 {
		sk, _ := hybrid.GenerateKey(r)
		sks = append(sks, sk)
		keys = append(keys, sk.Public())
	}
	valid := func() *dkg.Params {
		p := &dkg.Params{Fingerprint: fingerprint("params"), Threshold: 2, N: 3}
		for j := range 3 {
			p.Participants = append(p.Participants, dkg.Participant{Index: uint32(j + 1), Key: keys[j]})
		}
		return p
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*dkg.Params)
		want   string
	}{
		{"index 0", func(p *dkg.Params) { p.Participants[0].Index = 0 }, "index 0"},
		{"index above n", func(p *dkg.Params) { p.Participants[2].Index = 4 }, "index 4 exceeds n = 3"},
		{"duplicate index", func(p *dkg.Params) { p.Participants[2].Index = 2 }, "index 2 listed twice"},
		{"duplicate key", func(p *dkg.Params) { p.Participants[2].Key = keys[0] }, "participants 1 and 3 registered the same key"},
		{"nil key", func(p *dkg.Params) { p.Participants[1].Key = nil }, "participant 2 has no key"},
		{"k = 0", func(p *dkg.Params) { p.Threshold = 0 }, "threshold k = 0"},
		{"k < 0", func(p *dkg.Params) { p.Threshold = -1 }, "threshold k = -1"},
		{"k > n", func(p *dkg.Params) { p.Threshold = 4 }, "threshold k = 4 exceeds n = 3"},
		{"n = 0", func(p *dkg.Params) { p.N, p.Participants = 0, nil }, "n = 0"},
		{"n over the cap", func(p *dkg.Params) { p.N = dkg.MaxParticipants + 1 }, "exceeds the maximum of 255"},
		{"fewer participants than n", func(p *dkg.Params) { p.Participants = p.Participants[:2] }, "2 participants listed for n = 3"},
		{"more participants than n", func(p *dkg.Params) {
			p.Participants = append(p.Participants, dkg.Participant{Index: 4, Key: keys[3]})
		}, "4 participants listed for n = 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.mutate(p)
			err := p.Validate()
			if !errors.Is(err, dkg.ErrParams) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrParams mentioning %q", err, tc.want)
			}
			if _, err := dkg.New(p, 1, sks[0]); !errors.Is(err, dkg.ErrParams) {
				t.Fatalf("New accepted invalid parameters: %v", err)
			}
			if _, err := dkg.NewCeremony(p); !errors.Is(err, dkg.ErrParams) {
				t.Fatalf("NewCeremony accepted invalid parameters: %v", err)
			}
			if _, err := dkg.VerifyCeremony(p, nil); !errors.Is(err, dkg.ErrParams) {
				t.Fatalf("VerifyCeremony accepted invalid parameters: %v", err)
			}
		})
	}
	t.Run("participants in any order", func(t *testing.T) {
		p := valid()
		q := valid()
		slices.Reverse(q.Participants)
		c1, _ := p.Context()
		c2, err := q.Context()
		if err != nil || c1 != c2 {
			t.Fatalf("order changes the context (%v)", err)
		}
	})
	t.Run("wrong private key", func(t *testing.T) {
		if _, err := dkg.New(valid(), 1, sks[1]); !errors.Is(err, dkg.ErrParams) {
			t.Fatalf("New accepted trustee 2's key for trustee 1: %v", err)
		}
	})
	t.Run("index out of range", func(t *testing.T) {
		for _, j := range []uint32{0, 4} {
			if _, err := dkg.New(valid(), j, sks[0]); !errors.Is(err, dkg.ErrParams) {
				t.Fatalf("New accepted index %d: %v", j, err)
			}
		}
	})
	t.Run("the cap itself is allowed", func(t *testing.T) {
		p := &dkg.Params{Threshold: 1, N: dkg.MaxParticipants}
		for j := 1; j <= dkg.MaxParticipants; j++ {
			e, _ := group.HashToElement([]byte("params cap"), []byte{byte(j)})
			pk, err := hybrid.NewPublicKey(e.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			p.Participants = append(p.Participants, dkg.Participant{Index: uint32(j), Key: pk})
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// A rogue dealer waits for the others' commitments and picks its C_0 so
// that the joint key becomes one it knows the secret of. It cannot prove
// knowledge of the secret of that C_0, so its commitments are rejected and
// it is named; the ceremony goes on without it.
func TestRogueKey(t *testing.T) {
	const k, n = 2, 4
	b := newBoard(t, "rogue key", k, n)
	var honest []*dkg.Shares
	var sum = group.NewElement()
	for j := uint32(1); j < n; j++ {
		cm, sh, err := b.trustee(j).Deal(b.r)
		if err != nil {
			t.Fatal(err)
		}
		b.mustPost(cm)
		sum.Add(sum, cm.Coefficients[0])
		honest = append(honest, sh)
	}
	// The attacker knows t and wants Y = t·G: C_0 = t·G − Σ others.
	rogue := b.trustee(n)
	own, _, err := rogue.Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := group.RandomScalar(b.r)
	target := new(group.Element).ScalarBaseMult(secret)
	C0 := new(group.Element).Subtract(target, sum)
	for _, tc := range []struct {
		name  string
		proof *zkp.KeyProof
	}{
		{"its own proof for another C_0", own.Proof},
		{"dealer 1's proof", b.msgs[0].(*dkg.Commitments).Proof},
		{"a proof of t for t·G", mustProveKey(t, b, secret, target, n, own.Coefficients)},
	} {
		m := &dkg.Commitments{Fingerprint: b.params.Fingerprint, Dealer: n, Coefficients: append([]*group.Element{C0}, own.Coefficients[1:]...), Proof: tc.proof}
		err := b.post(m)
		if !errors.Is(err, dkg.ErrRejected) || !strings.Contains(err.Error(), "from trustee 4") || !strings.Contains(err.Error(), "proof of knowledge") {
			t.Fatalf("%s: got %v, want a rejection naming trustee 4's proof", tc.name, err)
		}
	}
	// Copying dealer 1's whole message under index 4 fails too: the proof
	// is bound to the dealer's index.
	copied := *b.msgs[0].(*dkg.Commitments)
	copied.Dealer = n
	if err := b.post(&copied); !errors.Is(err, dkg.ErrRejected) {
		t.Fatalf("dealer 1's commitments replayed as dealer 4's: %v", err)
	}
	for _, sh := range honest {
		b.mustPost(sh)
	}
	b.complainAll()
	res := b.finish(1, 2, 3)
	pub := res[0].Public
	if !slices.Equal(pub.Qualified, []uint32{1, 2, 3}) {
		t.Fatalf("QUAL = %v, want [1 2 3]", pub.Qualified)
	}
	if pub.JointKey.Equal(target) == 1 {
		t.Fatal("the rogue dealer chose the joint key")
	}
	if !hasBlame(pub, n, dkg.FaultRejected, 0) || !hasBlame(pub, n, dkg.FaultNoCommitments, 0) {
		t.Fatalf("dealer 4 not blamed: %v", pub.Blames)
	}
	// Trustee 4 still holds a share of the key and can decrypt with others.
	// (Its commitments were never accepted: it is a recipient only.)
	if _, err := b.trustee(n).Finish(); err != nil {
		t.Fatalf("trustee 4 cannot finish as a recipient: %v", err)
	}
	if !decrypts(t, b.r, res[1:3]) {
		t.Fatal("trustees 2 and 3 cannot decrypt")
	}
}

// mustProveKey makes a valid key proof for the rogue dealer's target key
// t·G as if it were C_0 (it is not: C_0 = t·G − Σ others).
func mustProveKey(t *testing.T, b *board, x *group.Scalar, X *group.Element, i uint32, C []*group.Element) *zkp.KeyProof {
	p, err := zkp.ProveKey(b.r, b.params.Fingerprint, x, X, dkg.CommitmentsBinding(b.params, i, append([]*group.Element{X}, C[1:]...)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A dealer sends one trustee a share that does not match its commitments.
// That trustee complains, the dealer is disqualified, every honest trustee
// computes the same key, and any k honest trustees decrypt.
func TestInconsistentShares(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(share []byte) []byte
		detail string
	}{
		{"share off by one", func(s []byte) []byte {
			x, _ := new(group.Scalar).SetCanonicalBytes(s)
			return x.Add(x, new(group.Scalar).SetUint64(1)).Bytes()
		}, "share fails the Feldman check"},
		{"non-canonical scalar", func([]byte) []byte { return bytes.Repeat([]byte{0xff}, 32) }, "share is not a canonical scalar"},
		{"short plaintext", func(s []byte) []byte { return s[:31] }, "share is not a canonical scalar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const k, n, bad, victim = 3, 5, 2, 4
			b := newBoard(t, "inconsistent "+tc.name, k, n)
			for j := uint32(1); j <= n; j++ {
				if j != bad {
					cm, sh, err := b.trustee(j).Deal(b.r)
					if err != nil {
						t.Fatal(err)
					}
					b.mustPost(cm, sh)
					continue
				}
				cm, sh, err := dkg.DealTampered(b.trustee(j), b.r, func(r uint32, s []byte) []byte {
					if r == victim {
						return tc.tamper(s)
					}
					return s
				})
				if err != nil {
					t.Fatal(err)
				}
				if tc.name == "short plaintext" {
					// A 31-byte share makes a 143-byte ciphertext,
					// which the format does not allow: the whole
					// message is rejected and the dealer is out.
					b.mustPost(cm)
					if err := b.deliver(sh); !errors.Is(err, dkg.ErrMalformed) {
						t.Fatalf("a shares message with a short ciphertext: %v", err)
					}
					if _, err := dkg.ParseShares(sh.Bytes()); !errors.Is(err, dkg.ErrMalformed) {
						t.Fatalf("parsing a shares message with a short ciphertext: %v", err)
					}
					continue
				}
				b.mustPost(cm, sh)
			}
			if tc.name == "short plaintext" {
				return
			}
			cs, err := b.trustee(victim).Complaints(b.r)
			if err != nil || len(cs) != 1 || cs[0].Dealer != bad || cs[0].Complainer != victim {
				t.Fatalf("trustee %d's complaints: %v, %v; want one against dealer %d", victim, cs, err, bad)
			}
			again, _ := b.trustee(victim).Complaints(b.r)
			if len(again) != 1 || again[0] != cs[0] {
				t.Fatal("a second call to Complaints made a new complaint")
			}
			if c := b.complainAll(); c != 1 {
				t.Fatalf("%d complaints, want 1", c)
			}
			if again, _ := b.trustee(victim).Complaints(b.r); len(again) != 0 {
				t.Fatalf("complaints still pending after posting: %v", again)
			}
			res := b.finish(all(n)...)
			pub := res[0].Public
			if !slices.Equal(pub.Qualified, []uint32{1, 3, 4, 5}) {
				t.Fatalf("QUAL = %v, want [1 3 4 5]", pub.Qualified)
			}
			found := false
			for _, bl := range pub.Blames {
				if bl.Party == bad && bl.Fault == dkg.FaultBadShare && bl.Other == victim && bl.Detail == tc.detail {
					found = true
				}
			}
			if !found {
				t.Fatalf("blames %v lack dealer %d's bad share for %d (%s)", pub.Blames, bad, victim, tc.detail)
			}
			for _, s := range [][]uint32{{1, 3, 4}, {3, 4, 5}, {2, 4, 5}, {1, 2, 5}} {
				if !decrypts(t, b.r, pick(res, s...)) {
					t.Fatalf("trustees %v cannot decrypt", s)
				}
			}
		})
	}
}

// A ciphertext whose ephemeral-key proof is valid but whose sealed part
// does not open (only its dealer can make one) is a justified complaint.
func TestUndecryptableShare(t *testing.T) {
	const k, n, bad, victim = 2, 3, 1, 3
	b := newBoard(t, "undecryptable", k, n)
	cm, sh, err := b.trustee(bad).Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	// Re-seal trustee 3's ciphertext with a key derived from a wrong K,
	// with a valid proof of knowledge of e (the dealer knows e).
	ad := dkg.ShareAD(b.params, bad, victim)
	sh.Shares[1].Ciphertext = forgeCiphertext(t, b.r, b.keys[victim-1].Public(), ad, make([]byte, 48))
	b.mustPost(cm, sh)
	b.dealAll(bad)
	if c := b.complainAll(); c != 1 {
		t.Fatalf("%d complaints, want 1", c)
	}
	res := b.finish(all(n)...)
	if !slices.Equal(res[0].Public.Qualified, []uint32{2, 3}) || !hasBlame(res[0].Public, bad, dkg.FaultBadShare, victim) {
		t.Fatalf("QUAL %v, blames %v", res[0].Public.Qualified, res[0].Public.Blames)
	}
	if res[0].Public.Blames[0].Detail != "share does not decrypt" {
		t.Fatalf("blame detail %q", res[0].Public.Blames[0].Detail)
	}
}

// A complaint against an honest dealer is ignored and its sender named,
// whether its evidence is correct (the share is then shown valid) or not.
func TestFalseComplaint(t *testing.T) {
	const k, n, liar, dealer = 2, 4, 3, 1
	b := newBoard(t, "false complaint", k, n)
	b.dealAll()
	ct := b.msgs[1].(*dkg.Shares).Shares[1].Ciphertext // dealer 1's share for trustee 3
	ad := dkg.ShareAD(b.params, dealer, liar)
	sk := b.keys[liar-1]
	K, err := sk.SharedSecret(ct, ad)
	if err != nil {
		t.Fatal(err)
	}
	prove := func(K *group.Element, x *group.Scalar) *zkp.DLEQProof {
		p, err := zkp.ProveDLEQ(b.r, b.params.Fingerprint, x, new(group.Element).ScalarBaseMult(x), ct.E, K, dkg.ComplaintBinding(b.params, liar, dealer))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	honestEvidence := &dkg.Complaint{Fingerprint: b.params.Fingerprint, Complainer: liar, Dealer: dealer, SharedSecret: K, Proof: prove(K, sk.Scalar())}
	err = b.post(honestEvidence)
	if !errors.Is(err, dkg.ErrFalseComplaint) || !strings.Contains(err.Error(), "trustee 3") || !strings.Contains(err.Error(), "matches the dealer's commitments") {
		t.Fatalf("complaint with correct evidence about a valid share: %v", err)
	}
	// The same complaint again is a replay, ignored; a different one is
	// rejected.
	if err := b.post(honestEvidence); err != nil {
		t.Fatalf("replayed complaint: %v", err)
	}
	other := *honestEvidence
	other.Proof = prove(K, sk.Scalar())
	if err := b.post(&other); !errors.Is(err, dkg.ErrRejected) {
		t.Fatalf("a second, different complaint: %v", err)
	}
	// Trustee 2 complains about dealer 1 with a made-up K: its DLEQ proof
	// cannot hold (it is for another key).
	fakeK, _ := group.HashToElement([]byte("fake"), []byte("K"))
	x2 := b.keys[1].Scalar()
	p2, err := zkp.ProveDLEQ(b.r, b.params.Fingerprint, x2, b.keys[1].Public().Element(), fakeK, new(group.Element).ScalarMult(x2, fakeK), dkg.ComplaintBinding(b.params, 2, dealer))
	if err != nil {
		t.Fatal(err)
	}
	bogus := &dkg.Complaint{Fingerprint: b.params.Fingerprint, Complainer: 2, Dealer: dealer, SharedSecret: new(group.Element).ScalarMult(x2, fakeK), Proof: p2}
	if err := b.post(bogus); !errors.Is(err, dkg.ErrFalseComplaint) || !strings.Contains(err.Error(), "proof that K is the shared secret fails") {
		t.Fatalf("complaint with bad evidence: %v", err)
	}
	res := b.finish(all(n)...)
	pub := res[0].Public
	if !slices.Equal(pub.Qualified, all(n)) {
		t.Fatalf("QUAL = %v: a false complaint disqualified someone", pub.Qualified)
	}
	if !hasBlame(pub, liar, dkg.FaultFalseComplaint, dealer) || !hasBlame(pub, 2, dkg.FaultFalseComplaint, dealer) || !hasBlame(pub, liar, dkg.FaultRejected, 0) {
		t.Fatalf("blames %v do not name both complainers", pub.Blames)
	}
}

// A complaint posted before the dealer's shares, or against an unknown or
// its own dealer index, is rejected.
func TestComplaintOutOfOrder(t *testing.T) {
	b := newBoard(t, "complaint order", 2, 3)
	cm, sh, err := b.trustee(1).Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	ct := sh.Shares[0].Ciphertext // for trustee 2
	ad := dkg.ShareAD(b.params, 1, 2)
	K, _ := b.keys[1].SharedSecret(ct, ad)
	p, _ := zkp.ProveDLEQ(b.r, b.params.Fingerprint, b.keys[1].Scalar(), b.keys[1].Public().Element(), ct.E, K, dkg.ComplaintBinding(b.params, 2, 1))
	early := &dkg.Complaint{Fingerprint: b.params.Fingerprint, Complainer: 2, Dealer: 1, SharedSecret: K, Proof: p}
	b.mustPost(cm)
	if err := b.post(early); !errors.Is(err, dkg.ErrRejected) || !strings.Contains(err.Error(), "no accepted commitments and shares") {
		t.Fatalf("complaint before the shares: %v", err)
	}
	b.mustPost(sh)
	// Now the same complaint is considered (and is false: the share is
	// fine).
	if err := b.post(early); !errors.Is(err, dkg.ErrFalseComplaint) {
		t.Fatalf("complaint after the shares: %v", err)
	}
	unknown := *early
	unknown.Dealer = 9
	if err := b.post(&unknown); !errors.Is(err, dkg.ErrRejected) {
		t.Fatalf("complaint against dealer 9: %v", err)
	}
}

// Messages from another election fail on their fingerprint; with the
// fingerprint rewritten, on their proofs. Messages of the same election
// under other parameters fail on their proofs too.
func TestOtherElection(t *testing.T) {
	other := newBoard(t, "other election", 2, 3)
	other.dealAll()
	b := newBoard(t, "this election", 2, 3)
	// Same trustees and keys, another election.
	b.keys, b.params.Participants = other.keys, other.params.Participants
	for j := range b.trustees {
		b.trustees[j], _ = dkg.New(b.params, uint32(j+1), b.keys[j])
	}
	for _, m := range other.msgs {
		if err := b.post(m); !errors.Is(err, dkg.ErrWrongElection) || !strings.Contains(err.Error(), fmt.Sprintf("from trustee %d", m.Sender())) {
			t.Fatalf("%s from another election: %v", m.Type(), err)
		}
	}
	for _, m := range other.msgs {
		re, _ := dkg.ParseMessage(m.Bytes())
		switch m := re.(type) {
		case *dkg.Commitments:
			m.Fingerprint = b.params.Fingerprint
		case *dkg.Shares:
			m.Fingerprint = b.params.Fingerprint
		}
		if err := b.post(re); !errors.Is(err, dkg.ErrRejected) {
			t.Fatalf("%s with a rewritten fingerprint: %v", m.Type(), err)
		}
	}
	// Same election, other threshold: rejected on the count; other key
	// set (one trustee re-registered): rejected on the proofs.
	k3 := newBoard(t, "this election", 3, 3)
	k3.params.Fingerprint = b.params.Fingerprint
	k3.dealAll()
	if err := b.post(k3.msgs[0]); !errors.Is(err, dkg.ErrRejected) || !strings.Contains(err.Error(), "3 coefficients for threshold k = 2") {
		t.Fatalf("commitments for k = 3 in a k = 2 ceremony: %v", err)
	}
	rekeyed := newBoard(t, "this election", 2, 3)
	rekeyed.params.Fingerprint = b.params.Fingerprint
	for j := range rekeyed.trustees {
		rekeyed.trustees[j], _ = dkg.New(rekeyed.params, uint32(j+1), rekeyed.keys[j])
	}
	rekeyed.dealAll()
	for _, m := range rekeyed.msgs {
		if err := b.post(m); !errors.Is(err, dkg.ErrRejected) {
			t.Fatalf("%s made for other trustee keys: %v", m.Type(), err)
		}
	}
	if _, err := dkg.VerifyCeremony(b.params, b.msgs); !errors.Is(err, dkg.ErrTooFewQualified) {
		t.Fatalf("a ceremony of foreign messages only: %v", err)
	}
}

// A dealer's second, different commitments or shares are rejected and the
// first stay; identical replays are ignored.
func TestPostTwice(t *testing.T) {
	b := newBoard(t, "post twice", 2, 3)
	b.dealAll()
	first := b.msgs[0].(*dkg.Commitments)
	for _, m := range b.msgs {
		if err := b.post(m); err != nil {
			t.Fatalf("identical replay of a %s: %v", m.Type(), err)
		}
	}
	again, err := dkg.New(b.params, 1, b.keys[0])
	if err != nil {
		t.Fatal(err)
	}
	cm2, sh2, err := again.Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.post(cm2); !errors.Is(err, dkg.ErrRejected) || !strings.Contains(err.Error(), "key cannot change") {
		t.Fatalf("second commitments: %v", err)
	}
	if err := b.post(sh2); !errors.Is(err, dkg.ErrRejected) || !strings.Contains(err.Error(), "already posted different shares") {
		t.Fatalf("second shares: %v", err)
	}
	if _, _, err := b.trustee(1).Deal(b.r); err == nil {
		t.Fatal("a trustee dealt twice")
	}
	res := b.finish(all(3)...)
	// The joint key includes the first commitments, not the second.
	Y := group.NewElement()
	for _, m := range b.msgs[:6] {
		if cm, ok := m.(*dkg.Commitments); ok {
			Y.Add(Y, cm.Coefficients[0])
		}
	}
	if res[0].Public.JointKey.Equal(Y) != 1 || first.Coefficients[0].Equal(cm2.Coefficients[0]) == 1 {
		t.Fatal("the second commitments changed the joint key")
	}
	if !hasBlame(res[0].Public, 1, dkg.FaultRejected, 0) {
		t.Fatalf("dealer 1 not blamed for posting twice: %v", res[0].Public.Blames)
	}
}

// Dealers that post nothing, or only commitments, are not qualified; with
// fewer than k qualified the ceremony fails naming them.
func TestMissingDealers(t *testing.T) {
	b := newBoard(t, "missing", 3, 5)
	b.dealAll(4, 5)
	cm, _, err := b.trustee(5).Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	b.mustPost(cm)
	res := b.finish(all(5)...)
	pub := res[0].Public
	if !slices.Equal(pub.Qualified, []uint32{1, 2, 3}) || !hasBlame(pub, 4, dkg.FaultNoCommitments, 0) || !hasBlame(pub, 5, dkg.FaultNoShares, 0) {
		t.Fatalf("QUAL %v, blames %v", pub.Qualified, pub.Blames)
	}
	if !decrypts(t, b.r, pick(res, 2, 4, 5)) {
		t.Fatal("non-dealers' shares do not decrypt")
	}

	short := newBoard(t, "too few", 3, 5)
	short.dealAll(2, 4, 5)
	_, err = dkg.VerifyCeremony(short.params, short.msgs)
	if !errors.Is(err, dkg.ErrTooFewQualified) {
		t.Fatalf("2 of 3 dealers: %v", err)
	}
	for _, want := range []string{"2 qualified dealers [1 3], need k = 3", "trustee 2: no commitments", "trustee 4: no commitments"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
	if _, err := short.trustee(1).Finish(); !errors.Is(err, dkg.ErrTooFewQualified) {
		t.Fatalf("Finish with too few dealers: %v", err)
	}
}

// A trustee whose complaint does not reach the board before the close
// cannot finish; the others can.
func TestComplaintTooLate(t *testing.T) {
	const bad, victim = 1, 2
	b := newBoard(t, "late complaint", 2, 3)
	cm, sh, err := dkg.DealTampered(b.trustee(bad), b.r, func(j uint32, s []byte) []byte {
		if j == victim {
			s[0] ^= 1
		}
		return s
	})
	if err != nil {
		t.Fatal(err)
	}
	b.mustPost(cm, sh)
	b.dealAll(bad)
	b.finish(1, 3)
	_, err = b.trustee(victim).Finish()
	if err == nil || !strings.Contains(err.Error(), "qualified dealer 1's share is unusable") {
		t.Fatalf("victim finished without complaining: %v", err)
	}
}

// A trustee that restarts restores its polynomial and replays the board.
func TestRestoreDealerState(t *testing.T) {
	b := newBoard(t, "restore", 2, 3)
	b.dealAll()
	want := b.finish(2)[0]
	state, err := b.trustee(2).MarshalDealerState()
	if err != nil {
		t.Fatal(err)
	}
	restarted, _ := dkg.New(b.params, 2, b.keys[1])
	for _, m := range b.msgs {
		if err := restarted.Receive(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := restarted.Finish(); err == nil || !strings.Contains(err.Error(), "no polynomial") {
		t.Fatalf("Finish without the polynomial: %v", err)
	}
	other, _ := dkg.New(b.params, 3, b.keys[2])
	if err := other.RestoreDealerState(state); err == nil {
		t.Fatal("trustee 3 restored trustee 2's state")
	}
	for _, bad := range [][]byte{nil, state[:len(state)-1], append(slices.Clone(state), 0)} {
		if err := restarted.RestoreDealerState(bad); err == nil {
			t.Fatalf("restored %d bytes", len(bad))
		}
	}
	if err := restarted.RestoreDealerState(state); err != nil {
		t.Fatal(err)
	}
	got, err := restarted.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got.Share.Equal(want.Share) != 1 || !got.Public.Equal(want.Public) {
		t.Fatal("the restarted trustee computed another result")
	}
	// A trustee whose accepted commitments are not the polynomial it holds
	// (it dealt again after losing its state) cannot finish.
	lost, _ := dkg.New(b.params, 2, b.keys[1])
	if _, _, err := lost.Deal(b.r); err != nil {
		t.Fatal(err)
	}
	for _, m := range b.msgs {
		lost.Receive(m)
	}
	if _, err := lost.Finish(); err == nil || !strings.Contains(err.Error(), "not the ones it dealt") {
		t.Fatalf("Finish with a different polynomial: %v", err)
	}
}

func TestRedacted(t *testing.T) {
	b := newBoard(t, "redacted", 2, 2)
	b.dealAll()
	res := b.finish(1)[0]
	secrets := []string{fmt.Sprintf("%x", res.Share.Bytes())}
	for _, a := range dkg.Polynomial(b.trustee(1)) {
		secrets = append(secrets, fmt.Sprintf("%x", a.Bytes()))
	}
	for _, v := range []any{res, *res, b.trustee(1), struct{ R *dkg.Result }{res}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				if strings.Contains(out, s) || strings.Contains(out, fmt.Sprint(res.Share)) {
					t.Fatalf("%s of %T prints a secret: %s", verb, v, out)
				}
			}
		}
	}
	if s := fmt.Sprint(res); !strings.Contains(s, "REDACTED") || !strings.Contains(s, "Index: 1") {
		t.Fatalf("Result prints as %q", s)
	}
}

func TestPublicResultEncoding(t *testing.T) {
	b := newBoard(t, "result encoding", 3, 4)
	b.dealAll(2)
	pub := b.finish(1)[0].Public
	enc := pub.Bytes()
	got, err := dkg.ParsePublicResult(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(pub) || !bytes.Equal(got.Bytes(), enc) || got.JointKey.Equal(pub.JointKey) != 1 || !slices.Equal(got.Qualified, []uint32{1, 3, 4}) {
		t.Fatal("the result does not round-trip")
	}
	flip := func(off int) []byte { c := slices.Clone(enc); c[off] ^= 1; return c }
	yOff := len(enc) - 32 // Y_4
	for name, bad := range map[string][]byte{
		"truncated":        enc[:len(enc)-1],
		"trailing byte":    append(slices.Clone(enc), 0),
		"type":             flip(0),
		"k":                flip(36),
		"n":                flip(40),
		"count":            flip(44),
		"QUAL order":       append(append(slices.Clone(enc[:45]), 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4), enc[57:]...),
		"Y_4 inconsistent": append(slices.Clone(enc[:yOff]), group.NewGeneratorElement().Bytes()...),
		"empty":            nil,
	} {
		if _, err := dkg.ParsePublicResult(bad); !errors.Is(err, dkg.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := dkg.ParseMessage(enc); !errors.Is(err, dkg.ErrMalformed) {
		t.Fatal("a result parses as a message")
	}
}

// A malicious dealer copies an honest dealer's ciphertext (or its ephemeral
// key and proof) into its own shares, hoping that the recipient, unable to
// decrypt it, complains and so reveals the key of the honest ciphertext.
// The copied proof does not verify under the malicious dealer's binding,
// so the message is rejected publicly and nobody complains.
func TestCopiedEphemeralKey(t *testing.T) {
	const honest, thief, victim = 1, 2, 3
	b := newBoard(t, "copied ephemeral key", 2, 3)
	cm1, sh1, err := b.trustee(honest).Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	b.mustPost(cm1, sh1)
	target := sh1.Shares[1].Ciphertext // dealer 1's share for trustee 3
	cm2, sh2, err := b.trustee(thief).Deal(b.r)
	if err != nil {
		t.Fatal(err)
	}
	b.mustPost(cm2)
	for name, ct := range map[string]*hybrid.Ciphertext{
		"whole ciphertext": target,
		"E, R and z":       {E: target.E, R: target.R, Z: target.Z, Sealed: make([]byte, 48)},
	} {
		bad := *sh2
		bad.Shares = slices.Clone(sh2.Shares)
		bad.Shares[1].Ciphertext = ct // dealer 2's share for trustee 3
		err := b.post(&bad)
		if !errors.Is(err, dkg.ErrRejected) || !strings.Contains(err.Error(), "from trustee 2") || !strings.Contains(err.Error(), "ciphertext for trustee 3") {
			t.Fatalf("%s copied: %v", name, err)
		}
		if cs, err := b.trustee(victim).Complaints(b.r); err != nil || len(cs) != 0 {
			t.Fatalf("%s copied: trustee 3 complains: %v, %v", name, cs, err)
		}
	}
	b.dealAll(honest, thief)
	res := b.finish(all(3)...)
	if !slices.Equal(res[0].Public.Qualified, []uint32{1, 3}) || !hasBlame(res[0].Public, thief, dkg.FaultNoShares, 0) {
		t.Fatalf("QUAL %v, blames %v", res[0].Public.Qualified, res[0].Public.Blames)
	}
}

// A dealer that cheats two trustees is disqualified by the first
// complaint; the second trustee has nothing left to complain about.
func TestComplaintAfterDisqualification(t *testing.T) {
	b := newBoard(t, "two victims", 2, 4)
	cm, sh, err := dkg.DealTampered(b.trustee(1), b.r, func(j uint32, s []byte) []byte {
		if j == 2 || j == 3 {
			s[1] ^= 1
		}
		return s
	})
	if err != nil {
		t.Fatal(err)
	}
	b.mustPost(cm, sh)
	b.dealAll(1)
	c2, _ := b.trustee(2).Complaints(b.r)
	c3, _ := b.trustee(3).Complaints(b.r)
	if len(c2) != 1 || len(c3) != 1 {
		t.Fatalf("complaints %v, %v", c2, c3)
	}
	b.mustPost(c2[0])
	if c3, _ := b.trustee(3).Complaints(b.r); len(c3) != 0 {
		t.Fatalf("trustee 3 still complains about a disqualified dealer: %v", c3)
	}
	// A complaint made before and posted after is still evaluated: it is
	// justified too.
	b.mustPost(c3[0])
	res := b.finish(all(4)...)
	if !slices.Equal(res[0].Public.Qualified, []uint32{2, 3, 4}) || !hasBlame(res[0].Public, 1, dkg.FaultBadShare, 3) {
		t.Fatalf("QUAL %v, blames %v", res[0].Public.Qualified, res[0].Public.Blames)
	}
}
