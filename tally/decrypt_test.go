package tally_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/threshold"
	"github.com/veche/veche/tally"
)

// shamir splits the fixture's key among the manifest's 5 trustees with
// threshold 3 (a trusted dealer, for this test only: the election's key
// comes from the key ceremony).
func (f *fixture) trustees(t *testing.T) (*tally.Trustees, []*group.Scalar) {
	t.Helper()
	k, n := f.m.Trustees.Threshold, len(f.m.Trustees.Members)
	coef := []*group.Scalar{f.sk.Scalar()}
	for range k - 1 {
		c, err := group.RandomScalar(nil)
		if err != nil {
			t.Fatal(err)
		}
		coef = append(coef, c)
	}
	shares := make([]*group.Scalar, n)
	vks := make([]*group.Element, n)
	for j := range n {
		x := new(group.Scalar).SetUint64(uint64(j + 1))
		s := new(group.Scalar)
		for i := len(coef) - 1; i >= 0; i-- { // Horner
			s.Multiply(s, x)
			s.Add(s, coef[i])
		}
		shares[j] = s
		vks[j] = new(group.Element).ScalarBaseMult(s)
	}
	p, err := threshold.NewParams(f.cascade.Fingerprint, k, n, f.sk.Public().Element(), vks)
	if err != nil {
		t.Fatal(err)
	}
	tr := &tally.Trustees{Params: p}
	for _, m := range f.m.Trustees.Members {
		tr.Addresses = append(tr.Addresses, mustAddr(m.Address))
	}
	return tr, shares
}

// After the cascade, three of five trustees decrypt its output with
// proofs; the plaintexts are the input's, and a trustee's decryption of
// another list, or garbage, excludes it by name.
func TestDecryptCascadeOutput(t *testing.T) {
	f := newFixture(t, 40, 2)
	ctx := context.Background()
	for k := range 3 {
		if err := f.mixer(k).Run(ctx, "mayor"); err != nil {
			t.Fatal(err)
		}
	}
	rec := f.record(t)
	out, err := f.cascade.Verify(rec, "mayor", nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, shares := f.trustees(t)
	post := func(j int, l *tally.List) {
		t.Helper()
		if err := tally.PostDecryption(ctx, nil, f.board.As(tr.Addresses[j]), f.m.Topic(), tr, uint32(j+1), shares[j], l); err != nil {
			t.Fatalf("trustee %d: %v", j+1, err)
		}
	}
	decrypt := func() ([][]*group.Element, *threshold.Report, error) {
		posted, err := tally.ReadDecryptions(ctx, f.board, f.m.Topic())
		if err != nil {
			t.Fatal(err)
		}
		return tally.Decrypt(nil, tr, out, posted["mayor"])
	}

	// Trustee 1 decrypts the tally input instead (not the cascade's output).
	post(0, &rec.Inputs["mayor"].List)
	post(2, out)
	// Two valid of the three needed: no result, and the error says who.
	_, rep, err := decrypt()
	var qe *threshold.QuorumError
	if !errors.As(err, &qe) || rep == nil || len(rep.Excluded) != 1 || rep.Excluded[0].Index != 1 {
		t.Fatalf("with trustee 1 excluded and 2 missing: %v, report %+v", err, rep)
	}
	post(3, out)
	post(4, out)
	rows, rep, err := decrypt()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Excluded) != 1 || rep.Excluded[0].Index != 1 {
		t.Fatalf("report %+v: trustee 1 should be excluded", rep)
	}
	table, _ := elgamal.NewDLogTable(1 << 10)
	var got []uint64
	for _, r := range rows {
		for _, M := range r {
			v, err := table.Solve(M)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
	}
	slices.Sort(got)
	for i, v := range got {
		if v != uint64(i) {
			t.Fatalf("plaintext %d is %d: the decryption does not give back the ballots", i, v)
		}
	}

	// The board refuses a decryption share before the tally (the
	// election is in tallying here; a fresh one is closed).
	g := newFixtureClosed(t)
	gtr, gshares := g.trustees(t)
	in := &g.record(t).Inputs["mayor"].List
	err = tally.PostDecryption(ctx, nil, g.board.As(gtr.Addresses[0]), g.m.Topic(), gtr, 1, gshares[0], in)
	if !errors.Is(err, bulletin.ErrWrongPhase) {
		t.Fatalf("a decryption share while the election is closed: %v", err)
	}
}
