package dkg_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
)

// seedCeremony is a 2-of-3 ceremony in which dealer 3 sends trustee 1 a bad
// share and trustee 1 complains: its messages seed the fuzz targets.
func seedCeremony(tb testing.TB) *board {
	tb.Helper()
	b := newBoard(tb, "fuzz seeds", 2, 3)
	b.dealAll(3)
	cm, sh, err := dkg.DealTampered(b.trustee(3), b.r, func(j uint32, s []byte) []byte {
		if j == 1 {
			s[0] ^= 1
		}
		return s
	})
	if err != nil {
		tb.Fatal(err)
	}
	b.mustPost(cm, sh)
	if b.complainAll() != 1 {
		tb.Fatal("no complaint in the seed ceremony")
	}
	return b
}

func seeds(f *testing.F, typ dkg.MessageType) {
	for _, m := range seedCeremony(f).msgs {
		if m.Type() == typ {
			enc := m.Bytes()
			f.Add(enc)
			f.Add(enc[:len(enc)-1])
			f.Add(append(slices.Clone(enc), 0))
			f.Add(enc[:dkg.HeaderSize])
		}
	}
	f.Add([]byte{byte(typ)})
	f.Add([]byte{})
}

// checkParsed is the property of every decoder: an error wraps
// ErrMalformed and comes without a value; an accepted input re-encodes to
// itself.
func checkParsed[M interface{ Bytes() []byte }](t *testing.T, in []byte, m M, isNil bool, err error) {
	t.Helper()
	if err != nil {
		if !isNil || !errors.Is(err, dkg.ErrMalformed) {
			t.Fatalf("error %v (value returned: %v) does not wrap ErrMalformed", err, !isNil)
		}
		return
	}
	if !bytes.Equal(m.Bytes(), in) {
		t.Fatalf("accepted %x, which re-encodes as %x", in, m.Bytes())
	}
}

func FuzzParseCommitments(f *testing.F) {
	seeds(f, dkg.TypeCommitments)
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := dkg.ParseCommitments(in)
		checkParsed(t, in, m, m == nil, err)
	})
}

func FuzzParseShares(f *testing.F) {
	seeds(f, dkg.TypeShares)
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := dkg.ParseShares(in)
		checkParsed(t, in, m, m == nil, err)
	})
}

func FuzzParseComplaint(f *testing.F) {
	seeds(f, dkg.TypeComplaint)
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := dkg.ParseComplaint(in)
		checkParsed(t, in, m, m == nil, err)
	})
}

func FuzzParsePublicResult(f *testing.F) {
	b := seedCeremony(f)
	pub, err := dkg.VerifyCeremony(b.params, b.msgs)
	if err != nil {
		f.Fatal(err)
	}
	enc := pub.Bytes()
	f.Add(enc)
	f.Add(enc[:len(enc)-32])
	f.Add(enc[:45])
	f.Add([]byte{4})
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := dkg.ParsePublicResult(in)
		checkParsed(t, in, r, r == nil, err)
		if err == nil && r.JointKey.IsIdentity() {
			t.Fatal("accepted the identity as joint key")
		}
	})
}

// FuzzReceive feeds any decodable message to a ceremony that has seen the
// whole seed board. It must not panic, and must accept nothing but exact
// replays of board messages: every message type is bound by proofs to its
// sender and the ceremony, and every dealer has already posted.
func FuzzReceive(f *testing.F) {
	b := seedCeremony(f)
	for _, m := range b.msgs {
		f.Add(m.Bytes())
	}
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := dkg.ParseMessage(in)
		if err != nil {
			if !errors.Is(err, dkg.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		c, _ := dkg.NewCeremony(b.params)
		for _, bm := range b.msgs {
			c.Receive(bm)
		}
		if err := c.Receive(m); err == nil {
			for _, bm := range b.msgs {
				if bytes.Equal(bm.Bytes(), in) {
					return
				}
			}
			t.Fatalf("accepted a message that is not on the board: %x", in)
		}
	})
}

// Every single-byte change of every board message is rejected, by the
// decoder or on receipt by a ceremony that has seen the board up to that
// message (so that proofs, not the one-message-per-sender rule, reject it).
func TestEveryByteMatters(t *testing.T) {
	b := seedCeremony(t)
	prefix := func(n int) *dkg.Ceremony {
		c, _ := dkg.NewCeremony(b.params)
		for _, m := range b.msgs[:n] {
			if err := c.Receive(m); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	for n, m := range b.msgs {
		enc := m.Bytes()
		c := prefix(n)
		for off := range enc {
			mut := slices.Clone(enc)
			mut[off] ^= 0x10
			pm, err := dkg.ParseMessage(mut)
			if err != nil {
				continue
			}
			if m.Type() == dkg.TypeComplaint {
				c = prefix(n) // a false complaint is recorded: start afresh
			}
			if err := c.Receive(pm); err == nil {
				t.Fatalf("%s from %d with byte %d changed is accepted", m.Type(), m.Sender(), off)
			}
		}
		if m.Type() == dkg.TypeComplaint {
			c = prefix(n)
		}
		if err := c.Receive(m); err != nil {
			t.Fatalf("the original %s is rejected after its mutations: %v", m.Type(), err)
		}
	}
}

// Messages built in memory with missing fields are rejected, not
// dereferenced.
func TestReceiveIncomplete(t *testing.T) {
	b := seedCeremony(t)
	c, _ := dkg.NewCeremony(b.params)
	fp := b.params.Fingerprint
	good := b.msgs[0].(*dkg.Commitments)
	for _, m := range []dkg.Message{
		nil,
		(*dkg.Commitments)(nil),
		(*dkg.Shares)(nil),
		(*dkg.Complaint)(nil),
		&dkg.Commitments{Fingerprint: fp, Dealer: 1},
		&dkg.Commitments{Fingerprint: fp, Dealer: 1, Coefficients: []*group.Element{nil, nil}, Proof: good.Proof},
		&dkg.Commitments{Fingerprint: fp, Dealer: 1, Coefficients: []*group.Element{group.NewElement(), good.Coefficients[1]}, Proof: good.Proof},
		&dkg.Shares{Fingerprint: fp, Dealer: 1, Shares: []dkg.EncryptedShare{{Recipient: 2}, {Recipient: 3}}},
		&dkg.Complaint{Fingerprint: fp, Complainer: 1, Dealer: 3},
	} {
		if err := c.Receive(m); !errors.Is(err, dkg.ErrMalformed) {
			t.Fatalf("%#v: %v", m, err)
		}
	}
	for _, m := range []dkg.Message{
		&dkg.Commitments{Fingerprint: fp, Dealer: 0, Coefficients: good.Coefficients, Proof: good.Proof},
		&dkg.Commitments{Fingerprint: fp, Dealer: 4, Coefficients: good.Coefficients, Proof: good.Proof},
	} {
		if err := c.Receive(m); !errors.Is(err, dkg.ErrRejected) {
			t.Fatalf("commitments from dealer %d: %v", m.Sender(), err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	b := seedCeremony(t)
	for _, m := range b.msgs {
		enc := m.Bytes()
		for l := range len(enc) {
			if _, err := dkg.ParseMessage(enc[:l]); !errors.Is(err, dkg.ErrMalformed) {
				t.Fatalf("%s truncated to %d bytes: %v", m.Type(), l, err)
			}
		}
		if _, err := dkg.ParseMessage(append(slices.Clone(enc), 0)); !errors.Is(err, dkg.ErrMalformed) {
			t.Fatalf("%s with a trailing byte: %v", m.Type(), err)
		}
	}
	cm := b.msgs[0].Bytes()
	sh := b.msgs[1].Bytes()
	cp := b.msgs[len(b.msgs)-1].Bytes()
	set := func(b []byte, off int, v ...byte) []byte { c := slices.Clone(b); copy(c[off:], v); return c }
	for name, in := range map[string][]byte{
		"unknown type":                   set(cm, 0, 9),
		"commitments: dealer 0":          set(cm, 33, 0, 0, 0, 0),
		"commitments: count 0":           set(cm, 37, 0, 0, 0, 0),
		"commitments: count 3":           set(cm, 37, 0, 0, 0, 3),
		"commitments: count huge":        set(cm, 37, 0xff, 0xff, 0xff, 0xff),
		"commitments: C_0 identity":      set(cm, 41, make([]byte, 32)...),
		"commitments: C_1 non-canonical": set(cm, 73, bytes.Repeat([]byte{0xff}, 32)...),
		"commitments: proof R identity":  set(cm, 105, make([]byte, 32)...),
		"shares: count 3":                set(sh, 37, 0, 0, 0, 3),
		"shares: count huge":             set(sh, 37, 0xff, 0xff, 0xff, 0xff),
		"shares: recipient 0":            set(sh, 41, 0, 0, 0, 0),
		"shares: dealer as recipient":    set(sh, 41, 0, 0, 0, 1),
		"shares: recipients descending":  set(set(sh, 41, 0, 0, 0, 3), 41+4+dkg.ShareCiphertextSize, 0, 0, 0, 2),
		"shares: identity E":             set(sh, 45, make([]byte, 32)...),
		"complaint: about itself":        set(cp, 37, cp[33:37]...),
		"complaint: dealer 0":            set(cp, 37, 0, 0, 0, 0),
		"complaint: K identity":          set(cp, 41, make([]byte, 32)...),
		"type of another message":        set(cm, 0, 2),
	} {
		if _, err := dkg.ParseMessage(in); !errors.Is(err, dkg.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzRestoreDealerState: stored state is trusted more than board input,
// but a corrupted file must still fail cleanly, and accepted state must be
// exactly what MarshalDealerState writes.
func FuzzRestoreDealerState(f *testing.F) {
	b := newBoard(f, "fuzz restore", 2, 3)
	if _, _, err := b.trustee(1).Deal(b.r); err != nil {
		f.Fatal(err)
	}
	state, _ := b.trustee(1).MarshalDealerState()
	f.Add(state)
	f.Add(state[:40])
	f.Add(append(slices.Clone(state[:len(state)-32]), bytes.Repeat([]byte{0xff}, 32)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, _ := dkg.New(b.params, 1, b.keys[0])
		if err := tr.RestoreDealerState(in); err != nil {
			return
		}
		out, err := tr.MarshalDealerState()
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("restored %x, which marshals as %x (%v)", in, out, err)
		}
	})
}
