package voting_test

import (
	"context"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/voting"
)

// This file generates and checks testdata/ceremony.json, the vectors of
// docs/spec/ceremony.md: a whole 2-of-3 key ceremony on the board, with
// entries that must be ignored and a justified complaint. The join
// bindings, key proofs and ready digests are recomputed here by an
// independent encoder of docs/spec/transcript.md, and every entry's
// verdict is checked against ReadCeremony's.

const ceremonyVectorFile = "../testdata/ceremony.json"

// specT is an independent implementation of the transcript framing:
// type (1) || u32(len(label)) || label || u64(len(value)) || value.
type specT struct{ in []byte }

func (t *specT) item(typ byte, label string, v []byte) *specT {
	t.in = append(t.in, typ)
	t.in = binary.BigEndian.AppendUint32(t.in, uint32(len(label)))
	t.in = append(t.in, label...)
	t.in = binary.BigEndian.AppendUint64(t.in, uint64(len(v)))
	t.in = append(t.in, v...)
	return t
}

func specNewT(protocol string) *specT {
	return new(specT).item(0x01, "veche/transcript/v1", []byte(protocol))
}

// challengeBytes appends a challenge item and returns the first n bytes of
// SHAKE256(SHA-512(input)).
func (t *specT) challengeBytes(label string, n int) []byte {
	t.item(0x07, label, nil)
	d := sha512.Sum512(t.in)
	out := make([]byte, n)
	x := sha3.NewSHAKE256()
	x.Write(d[:])
	x.Read(out)
	return out
}

func (t *specT) challenge(label string) *group.Scalar {
	t.item(0x07, label, nil)
	d := sha512.Sum512(t.in)
	s, _ := new(group.Scalar).SetUniformBytes(d[:])
	return s
}

type vecEntry struct {
	Seq        uint64 `json:"seq"`
	Kind       string `json:"kind"`
	Poster     string `json:"poster"`
	PayloadHex string `json:"payload_hex"`
	// Verdict: "manifest", "phase", "join", "ready", "result", "ignored",
	// or for a ceremony message the state machine's outcome prefixed with
	// "message: ".
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
}

type vecTrustee struct {
	Index              uint32 `json:"index"`
	Address            string `json:"address"`
	SecretKeyHex       string `json:"long_term_secret_hex"`
	PublicKeyHex       string `json:"long_term_public_hex"`
	JoinSeq            uint64 `json:"join_seq"`
	JoinBindingHex     string `json:"join_binding_hex"`
	ProofTranscriptHex string `json:"key_proof_transcript_input_hex"`
	ChallengeHex       string `json:"key_proof_challenge_c_hex"`
	ReadySeq           uint64 `json:"ready_seq"`
	ReadyMessages      uint32 `json:"ready_messages"`
	ReadyComplaints    uint32 `json:"ready_complaints"`
	SeenTranscriptHex  string `json:"seen_transcript_input_hex"`
	SeenDigestHex      string `json:"seen_digest_hex"`
	ShareFileHex       string `json:"trustee_share_hex"`
}

type ceremonyVectors struct {
	Comment        string       `json:"comment"`
	ManifestHex    string       `json:"manifest_hex"`
	Fingerprint    string       `json:"fingerprint_hex"`
	Threshold      int          `json:"threshold_k"`
	Commission     string       `json:"commission"`
	Trustees       []vecTrustee `json:"trustees"`
	Entries        []vecEntry   `json:"entries"`
	ResultSeq      uint64       `json:"result_seq"`
	ResultHex      string       `json:"result_hex"`
	Qualified      []uint32     `json:"qualified"`
	JointKeyHex    string       `json:"joint_key_hex"`
	Blames         []string     `json:"blames"`
	KeygenStateHex string       `json:"keygen_state_trustee_1_hex"`
}

// TestVectorsCeremony is named so that `go test -run TestVectors` (make
// generate) finds it next to the manifest's TestVectors.
func TestVectorsCeremony(t *testing.T) {
	ctx := context.Background()
	c := newCeremony(t, 2, 3, "vectors")
	addr := func(j int) bulletin.Address { return mustAddr(t, c.m.Trustees.Members[j-1].Address) }
	fp, _ := c.m.Fingerprint()

	// Joins: trustee 1; trustee 1's join copied by trustee 2's account;
	// trustee 2 with a proof made for index 3; trustees 2 and 3.
	c.join(1)
	j1, _ := voting.NewJoinEntry(testRand("vectors copy"), fp, 1, c.keys[0])
	c.post(addr(2), bulletin.KindTrusteeJoined, j1.Bytes())
	bad, _ := voting.NewJoinEntry(testRand("vectors bad proof"), fp, 3, c.keys[1])
	bad.Index = 2
	c.post(addr(2), bulletin.KindTrusteeJoined, bad.Bytes())
	c.join(2)
	c.join(3)
	c.phase(bulletin.PhaseKeyCeremony)
	// Dealer 1 deals; its commitments are copied by trustee 2's account.
	c.step(1, "deal")
	s := c.state()
	c.post(addr(2), bulletin.KindDKGCommitments, s.Messages[0].Message.Bytes())
	c.step(2, "deal")
	// Dealer 3 sends trustee 1 a bad share; it is ready at once.
	opts := c.opts(3, "deal")
	opts.NoWait = true
	if _, err := c.keygen(ctx, &tamperingBoard{Client: c.as(3), c: c, dealer: 3, victim: 1}, 3, opts); err == nil {
		t.Fatal("dealer 3 finished")
	}
	c.step(1, "complain and ready") // complains against dealer 3, then ready
	c.step(2, "ready")
	if _, err := voting.CloseCeremony(ctx, c.commission, c.m, nil); err != nil {
		t.Fatal(err)
	}
	results := []*dkg.Result{c.finish(1), c.finish(2), c.finish(3)}
	c.phase(bulletin.PhaseOpen)

	s = c.state()
	if !s.Matches() {
		t.Fatal("the vector ceremony's result does not match")
	}
	mb, _ := c.m.Bytes()
	v := ceremonyVectors{
		Comment: "A 2-of-3 key ceremony on the board (docs/spec/ceremony.md, section 9): joins (one copied by another trustee's account, one with a proof for another index), " +
			"DKG messages (dealer 1's commitments copied by trustee 2's account; dealer 3 sends trustee 1 a bad share, trustee 1 complains), ready entries, the result. " +
			"Generated by go test ./voting -run TestVectors -update.",
		ManifestHex: hex.EncodeToString(mb),
		Fingerprint: hex.EncodeToString(fp[:]),
		Threshold:   2,
		Commission:  c.m.Commission.Address,
		ResultSeq:   s.PostedSeq,
		ResultHex:   hex.EncodeToString(s.Posted.Bytes()),
		Qualified:   s.Result.Qualified,
		JointKeyHex: hex.EncodeToString(s.Result.JointKey.Bytes()),
	}
	for _, b := range s.Result.Blames {
		v.Blames = append(v.Blames, b.String())
	}
	_, count, _ := c.board.Head(ctx, c.m.Topic())
	es, err := c.board.Entries(ctx, c.m.Topic(), 0, count)
	if err != nil {
		t.Fatal(err)
	}
	var payloads [][]byte // ceremony messages, for the digests
	for _, e := range es {
		ve := vecEntry{Seq: e.Seq, Kind: e.Kind.String(), Poster: e.Poster.String(), PayloadHex: hex.EncodeToString(e.Payload)}
		switch reason := ignored(s, e.Seq); {
		case reason != "":
			ve.Verdict, ve.Reason = "ignored", reason
		case e.Kind == bulletin.KindManifest, e.Kind == bulletin.KindPhase:
			ve.Verdict = e.Kind.String()
		case e.Kind == bulletin.KindDKGResult:
			ve.Verdict = "result"
		case e.Kind == bulletin.KindTrusteeJoined && e.Payload[1] == 1:
			ve.Verdict = "join"
		case e.Kind == bulletin.KindTrusteeJoined:
			ve.Verdict = "ready"
		default:
			for _, m := range s.Messages {
				if m.Seq == e.Seq {
					ve.Verdict = "message: " + m.Outcome
				}
			}
			payloads = append(payloads, e.Payload)
		}
		v.Entries = append(v.Entries, ve)
	}
	for j, ts := range s.Trustees {
		index := uint32(j + 1)
		binding := binary.BigEndian.AppendUint32([]byte("veche/ceremony/v1/join"), index)
		join, err := voting.ParseJoinEntry(es[ts.JoinSeq].Payload)
		if err != nil {
			t.Fatal(err)
		}
		// The key proof of zkp-sigma.md section 4, recomputed.
		G := group.NewGeneratorElement()
		pt := specNewT("veche/zkp/key/v1").item(0x02, "fingerprint", fp[:]).item(0x02, "group", []byte("ristretto255")).
			item(0x06, "generators", binary.BigEndian.AppendUint64(nil, 1)).item(0x05, "", G.Bytes()).
			item(0x02, "binding", binding).item(0x05, "X", join.Key.Bytes()).item(0x05, "R", join.Proof.R.Bytes())
		cc := pt.challenge("c")
		lhs := new(group.Element).ScalarBaseMult(join.Proof.Z)
		rhs := new(group.Element).Add(join.Proof.R, new(group.Element).ScalarMult(cc, join.Key.Element()))
		if lhs.Equal(rhs) != 1 {
			t.Fatalf("trustee %d's join proof fails the spec's check", index)
		}
		// The ready digest of section 4, recomputed from the board.
		rd := ts.Ready
		st := specNewT("veche/ceremony/v1/seen").item(0x02, "fingerprint", fp[:]).item(0x06, "messages", binary.BigEndian.AppendUint64(nil, uint64(rd.Messages)))
		for _, p := range payloads[:rd.Messages] {
			st.item(0x02, "", p)
		}
		seenInput := append([]byte(nil), st.in...)
		digest := st.challengeBytes("digest", 32)
		if [32]byte(digest) != rd.Digest {
			t.Fatalf("trustee %d's ready digest is not the spec's", index)
		}
		v.Trustees = append(v.Trustees, vecTrustee{
			Index:              index,
			Address:            c.m.Trustees.Members[j].Address,
			SecretKeyHex:       hex.EncodeToString(c.keys[j].Bytes()),
			PublicKeyHex:       hex.EncodeToString(ts.Key.Bytes()),
			JoinSeq:            ts.JoinSeq,
			JoinBindingHex:     hex.EncodeToString(binding),
			ProofTranscriptHex: hex.EncodeToString(pt.in),
			ChallengeHex:       hex.EncodeToString(cc.Bytes()),
			ReadySeq:           ts.ReadySeq,
			ReadyMessages:      rd.Messages,
			ReadyComplaints:    rd.Complaints,
			SeenTranscriptHex:  hex.EncodeToString(seenInput),
			SeenDigestHex:      hex.EncodeToString(digest),
			ShareFileHex:       hex.EncodeToString(voting.NewTrusteeShare(results[j]).Bytes()),
		})
	}
	v.KeygenStateHex = hex.EncodeToString(c.stores[0].state)
	checkShares(t, s.Result, results)
	golden.JSON(t, ceremonyVectorFile, v)
}
