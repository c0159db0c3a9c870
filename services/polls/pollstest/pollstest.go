// Package pollstest runs a poll of services/polls end to end on an
// in-memory board, for tests: the key ceremony (one trustee), the
// credentials, a real ballot box on a real store, the tally with the
// trustee's decryption, the results, and the universal verifier
// (tally/verify, what `veche verify` runs). It is used by the polls tests
// and by services/citytest; it is not for production use.
package pollstest

import (
	"context"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/crypto/elgamal"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/store"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

// Rand is the SHAKE256 stream of "veche/testrand/v1" || seed: deterministic
// randomness for tests.
func Rand(seed string) io.Reader {
	x := sha3.NewSHAKE256()
	x.Write([]byte("veche/testrand/v1"))
	x.Write([]byte(seed))
	return x
}

// Addresses of the parties of [Defaults].
var (
	Commission          = bulletin.Address{0xc0, 0x01}
	BallotBox           = bulletin.Address{0xc0, 0x02}
	CredentialAuthority = bulletin.Address{0xc0, 0x03}
	Trustee             = bulletin.Address{0xc0, 0x04}
)

// Defaults returns the parties of a test poll: the commission (the polls
// service's account), a ballot box with boxKey's receipt key, a
// credential authority and one trustee (threshold 1), no mixers.
func Defaults(boxKey *schnorr.PrivateKey) *polls.Defaults {
	return &polls.Defaults{
		Commission:          voting.Party{Name: "City hall", Address: Commission.String()},
		BallotBox:           voting.Party{Name: "Ballot box", Address: BallotBox.String()},
		BallotBoxKey:        fmt.Sprintf("%x", boxKey.Public().Bytes()),
		CredentialAuthority: voting.Party{Name: "Credential authority", Address: CredentialAuthority.String()},
		Trustees:            voting.Trustees{Threshold: 1, Members: []voting.Party{{Name: "Trustee", Address: Trustee.String()}}},
	}
}

// A Poll is a published poll being run.
type Poll struct {
	t     testing.TB
	seed  string
	Board *memboard.Board
	M     *voting.Manifest
	Creds []*voting.Credential
	PK    *elgamal.PublicKey
	Box   *ballotbox.Box

	share *group.Scalar
}

// Open runs published poll id (on board, made by the polls service
// posting as [Commission]) up to voting: the trustee's key ceremony,
// voters credentials posted, the poll opened, and a ballot box with
// boxKey on db.
func Open(t testing.TB, board *memboard.Board, id string, voters int, boxKey *schnorr.PrivateKey, db *store.DB) *Poll {
	t.Helper()
	ctx := context.Background()
	m, err := voting.ReadManifest(ctx, board, id)
	if err != nil {
		t.Fatal(err)
	}
	p := &Poll{t: t, seed: id, Board: board, M: m}
	commission := board.As(Commission)
	trustee := board.As(Trustee)
	key, err := hybrid.GenerateKey(Rand(id + " trustee"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := voting.Join(ctx, trustee, m, key, Rand(id+" join")); err != nil {
		t.Fatal(err)
	}
	p.phase(bulletin.PhaseKeyCeremony)
	st := &voting.MemoryStore{}
	for i := 0; ; i++ {
		res, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{Rand: Rand(fmt.Sprintf("%s keygen %d", id, i)), NoWait: true})
		if err != nil && !errors.Is(err, voting.ErrPending) {
			t.Fatal(err)
		}
		if res != nil {
			p.share = res.Share
		}
		pub, err := voting.CloseCeremony(ctx, commission, m, nil)
		if err == nil {
			if p.PK, err = elgamal.NewPublicKeyFromElement(pub.JointKey); err != nil {
				t.Fatal(err)
			}
			break
		}
		if !errors.Is(err, voting.ErrNotReady) || i == 5 {
			t.Fatalf("pollstest: closing the ceremony: %v", err)
		}
	}
	if p.share == nil {
		res, err := voting.RunKeygen(ctx, trustee, m, key, st, &voting.KeygenOptions{Rand: Rand(id + " keygen final"), NoWait: true})
		if err != nil {
			t.Fatal(err)
		}
		p.share = res.Share
	}
	creds, list, err := voting.GenerateCredentials(Rand(id+" credentials"), m, map[string]int{polls.District: voters})
	if err != nil {
		t.Fatal(err)
	}
	p.Creds = creds
	if err := voting.PostCredentials(ctx, board.As(CredentialAuthority), m, list); err != nil {
		t.Fatal(err)
	}
	p.phase(bulletin.PhaseOpen)
	p.Box, err = ballotbox.New(ctx, ballotbox.Config{Election: id, Board: board.As(BallotBox), DB: db, Key: boxKey, PhaseTTL: -1, Rand: Rand(id + " box")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Box.Close() })
	return p
}

func (p *Poll) phase(to bulletin.Phase) {
	p.t.Helper()
	if err := voting.SetPhase(context.Background(), p.Board.As(Commission), p.M.ID, to); err != nil {
		p.t.Fatal(err)
	}
}

// Vote casts a ballot with credential c choosing options and returns its
// receipt, checked against the manifest's receipt key.
func (p *Poll) Vote(c *voting.Credential, options ...string) *voting.Receipt {
	p.t.Helper()
	sel := voting.Selections{polls.ContestID: {Options: options}}
	b, _, err := voting.EncryptBallot(Rand(fmt.Sprintf("%s ballot %x %v", p.seed, c.Key.Public().Bytes(), options)), p.M, p.PK, c.Style, c.Key, sel)
	if err != nil {
		p.t.Fatal(err)
	}
	r, err := p.Box.Cast(context.Background(), b.Bytes())
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

// Finish posts the box's ballots, closes the poll, tallies it (weeding,
// homomorphic totals, the trustee's decryption), posts the results and
// publishes them, and returns the results as posted.
func (p *Poll) Finish() *tally.Results {
	t := p.t
	t.Helper()
	ctx := context.Background()
	if _, err := p.Box.Post(ctx); err != nil {
		t.Fatal(err)
	}
	p.phase(bulletin.PhaseClosed)
	commission := p.Board.As(Commission)
	list, err := voting.ReadCredentials(ctx, p.Board, p.M)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tally.Weed(ctx, p.Board, p.M, list, p.PK)
	if err != nil {
		t.Fatal(err)
	}
	if err := tally.PostTallyInputs(ctx, commission, p.M, w); err != nil {
		t.Fatal(err)
	}
	p.phase(bulletin.PhaseTallying)
	pub, err := voting.JointKey(ctx, p.Board, p.M)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tally.TrusteesOf(p.M, pub)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tally.CascadeOf(p.M, p.PK)
	if err != nil {
		t.Fatal(err)
	}
	lists, err := tally.ListsToDecrypt(ctx, p.Board, p.M, w, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lists {
		if err := tally.PostDecryption(ctx, Rand(p.seed+" decrypt "+l.Name), p.Board.As(Trustee), p.M.Topic(), tr, 1, p.share, l); err != nil {
			t.Fatal(err)
		}
	}
	res, err := tally.TallyResults(ctx, p.Board, p.M, w, tr, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := tally.PostResults(ctx, commission, p.M, res); err != nil {
		t.Fatal(err)
	}
	p.phase(bulletin.PhasePublished)
	posted, _, err := tally.ReadResults(ctx, p.Board, p.M, w.Refs.Closing.First+1)
	if err != nil {
		t.Fatal(err)
	}
	return posted
}

// Verify runs the universal verifier on the poll's record and fails the
// test unless it is verified.
func (p *Poll) Verify() *verify.Report {
	p.t.Helper()
	rep, err := verify.Verify(context.Background(), p.Board, p.M.ID, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := rep.Err(); err != nil || rep.Verdict != verify.Verified {
		p.t.Fatalf("pollstest: poll %s: verdict %s: %v", p.M.ID, rep.Verdict, err)
	}
	return rep
}
