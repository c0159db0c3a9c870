package documents_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/internal/golden"
	"github.com/veche/veche/services/documents"
)

// This file generates and checks testdata/documents.json, the vectors of
// docs/spec/documents.md. The commitment, the recipient leaves and the
// Merkle root are recomputed here from the spec's formulas with the
// standard library, and every payload is decoded and its signature checked,
// so the vectors check the package against the spec.

const vectorFile = "../../testdata/documents.json"

type vectors struct {
	Topic        string             `json:"topic"`
	TopicName    string             `json:"topic_name"`
	IssuerSecret string             `json:"issuer_secret_key"`
	IssuerKey    string             `json:"issuer_public_key"`
	Issuer       payloadVector      `json:"issuer_registration"`
	Commitment   commitmentVector   `json:"commitment"`
	Anchor       payloadVector      `json:"anchor"`
	Revocation   payloadVector      `json:"revocation"`
	Distribution distributionVector `json:"distribution"`
	File         string             `json:"file"`
}

type payloadVector struct {
	Context string `json:"context"`
	Payload string `json:"payload"`
	Size    int    `json:"size"`
}

type commitmentVector struct {
	Salt       string `json:"salt"`
	Content    string `json:"content_hex"`
	MediaType  string `json:"media_type"`
	Title      string `json:"title"`
	Digest     string `json:"content_digest"`
	Commitment string `json:"commitment"`
}

type distributionVector struct {
	Series     string        `json:"series"`
	Version    uint32        `json:"version"`
	Pseudonyms []string      `json:"pseudonyms"`
	Leaves     []string      `json:"sorted_leaves"`
	Root       string        `json:"root"`
	Payload    payloadVector `json:"entry"`
	Absent     string        `json:"absent_pseudonym"`
	AbsentLeaf string        `json:"absent_leaf"`
	Lower      uint32        `json:"absent_lower_index"`
}

func specCommitment(salt, content []byte, mediaType, title string) [32]byte {
	d := sha256.Sum256(content)
	var b []byte
	b = append(b, "veche/documents/v1/commitment"...)
	b = append(b, salt...)
	b = append(b, d[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(mediaType)))
	b = append(b, mediaType...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(title)))
	b = append(b, title...)
	return sha256.Sum256(b)
}

func specLeaf(series documents.Series, version uint32, p [32]byte) [32]byte {
	var b []byte
	b = append(b, "veche/documents/v1/recipient"...)
	b = append(b, series[:]...)
	b = binary.BigEndian.AppendUint32(b, version)
	b = append(b, p[:]...)
	return sha256.Sum256(b)
}

func specRoot(leaves [][32]byte) [32]byte {
	if len(leaves) == 1 {
		return sha256.Sum256(append([]byte{0}, leaves[0][:]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := specRoot(leaves[:k]), specRoot(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func TestVectors(t *testing.T) {
	rnd := testRand("documents vectors")
	sk, err := schnorr.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	v := vectors{Topic: documents.Topic().String(), TopicName: documents.TopicName,
		IssuerSecret: hex.EncodeToString(sk.Bytes()), IssuerKey: hex.EncodeToString(sk.Public().Bytes())}
	if documents.Topic() != bulletin.Keccak256([]byte("veche/topic/v1"), []byte(documents.TopicName)) && documents.Topic() != bulletin.NamedTopic(documents.TopicName) {
		t.Fatal("topic")
	}

	ie := must[*documents.IssuerEntry](t)(documents.NewIssuerEntry(rnd, sk, "City property registry"))
	v.Issuer = payloadVector{Context: documents.ContextIssuer, Payload: hex.EncodeToString(ie.Bytes()), Size: len(ie.Bytes())}

	salt := make([]byte, 32)
	rnd.Read(salt)
	content := []byte("Notice: owners' meeting of Lenina 5 on 1 April 2027, 19:00.\n")
	c := must[[32]byte](t)(documents.Commit(salt, content, "text/plain; charset=utf-8", "Owners' meeting, 1 April"))
	if c != specCommitment(salt, content, "text/plain; charset=utf-8", "Owners' meeting, 1 April") {
		t.Fatal("Commit does not follow the spec")
	}
	d := sha256.Sum256(content)
	v.Commitment = commitmentVector{Salt: hex.EncodeToString(salt), Content: hex.EncodeToString(content), MediaType: "text/plain; charset=utf-8",
		Title: "Owners' meeting, 1 April", Digest: hex.EncodeToString(d[:]), Commitment: hex.EncodeToString(c[:])}

	series := must[documents.Series](t)(documents.NewSeries(rnd))
	a := &documents.Anchor{Series: series, Version: 1, Type: documents.TypeMeetingNotice,
		ValidFrom: time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC), Commitment: c}
	if err := a.Sign(rnd, sk); err != nil {
		t.Fatal(err)
	}
	v.Anchor = payloadVector{Context: documents.ContextAnchor, Payload: hex.EncodeToString(a.Bytes()), Size: len(a.Bytes())}

	r := &documents.Revocation{Series: series, Version: 1, Reason: documents.ReasonWithdrawn, RevokedAt: time.Date(2027, 3, 20, 12, 0, 0, 0, time.UTC)}
	if err := r.Sign(rnd, sk); err != nil {
		t.Fatal(err)
	}
	v.Revocation = payloadVector{Context: documents.ContextRevoke, Payload: hex.EncodeToString(r.Bytes()), Size: len(r.Bytes())}

	var leaves [][32]byte
	dv := distributionVector{Series: series.String(), Version: 1}
	for range 5 {
		var p [32]byte
		rnd.Read(p[:])
		dv.Pseudonyms = append(dv.Pseudonyms, hex.EncodeToString(p[:]))
		l := documents.RecipientLeaf(series, 1, p)
		if l != specLeaf(series, 1, p) {
			t.Fatal("RecipientLeaf does not follow the spec")
		}
		leaves = append(leaves, l)
	}
	sorted := must[[][32]byte](t)(documents.SortLeaves(leaves))
	for i, l := range sorted {
		if i > 0 && bytes.Compare(sorted[i-1][:], l[:]) >= 0 {
			t.Fatal("not sorted")
		}
		dv.Leaves = append(dv.Leaves, hex.EncodeToString(l[:]))
	}
	root := documents.RecipientsRoot(sorted)
	if root != specRoot(sorted) {
		t.Fatal("RecipientsRoot does not follow the spec")
	}
	dv.Root = hex.EncodeToString(root[:])
	dist := &documents.Distribution{Series: series, Version: 1, Count: 5, Root: root}
	if err := dist.Sign(rnd, sk); err != nil {
		t.Fatal(err)
	}
	dv.Payload = payloadVector{Context: documents.ContextDistribution, Payload: hex.EncodeToString(dist.Bytes()), Size: len(dist.Bytes())}
	var absent [32]byte
	rnd.Read(absent[:])
	al := documents.RecipientLeaf(series, 1, absent)
	proof := must[*documents.MembershipProof](t)(documents.ProveMembership(sorted, al))
	if member, err := documents.VerifyMembership(proof, 5, root); err != nil || member {
		t.Fatalf("absent leaf: %v, %v", member, err)
	}
	dv.Absent, dv.AbsentLeaf = hex.EncodeToString(absent[:]), hex.EncodeToString(al[:])
	if proof.Lower != nil {
		dv.Lower = proof.Lower.Index
	} else {
		dv.Lower = 1<<32 - 1
	}
	v.Distribution = dv

	f := &documents.File{Format: documents.FileFormat, Topic: documents.Topic().String(), Seq: 1, Series: series.String(), Version: 1,
		Type: "meeting-notice", Title: v.Commitment.Title, MediaType: v.Commitment.MediaType, Salt: v.Commitment.Salt}
	f.Content = "Tm90aWNlOiBvd25lcnMnIG1lZXRpbmcgb2YgTGVuaW5hIDUgb24gMSBBcHJpbCAyMDI3LCAxOTowMC4K"
	if got, _ := f.ContentBytes(); !bytes.Equal(got, content) {
		t.Fatal("file content")
	}
	if fc, _ := f.Commitment(); fc != c {
		t.Fatal("the file does not open the commitment")
	}
	v.File = string(f.Bytes())

	// Decode every payload back, check signatures, and check the sizes the
	// spec gives.
	for _, p := range []struct {
		kind bulletin.Kind
		hex  string
		size int
	}{{bulletin.KindDocAnchor, v.Issuer.Payload, 1 + 32 + 2 + 22 + 64}, {bulletin.KindDocAnchor, v.Anchor.Payload, 167},
		{bulletin.KindDocRevoke, v.Revocation.Payload, 126}, {bulletin.KindDocDistribution, dv.Payload.Payload, 153}} {
		b, _ := hex.DecodeString(p.hex)
		if len(b) != p.size {
			t.Fatalf("%v payload is %d bytes, want %d", p.kind, len(b), p.size)
		}
		var err error
		switch p.kind {
		case bulletin.KindDocAnchor:
			var x any
			if x, err = documents.ParseAnchorPayload(b); err == nil {
				switch x := x.(type) {
				case *documents.IssuerEntry:
					err = x.Verify()
				case *documents.Anchor:
					err = x.Verify()
				}
			}
		case bulletin.KindDocRevoke:
			var x *documents.Revocation
			if x, err = documents.ParseRevocation(b); err == nil {
				err = x.Verify()
			}
		case bulletin.KindDocDistribution:
			var x *documents.Distribution
			if x, err = documents.ParseDistribution(b); err == nil {
				err = x.Verify()
			}
		}
		if err != nil {
			t.Fatalf("%v payload: %v", p.kind, err)
		}
	}
	golden.JSON(t, vectorFile, v)
}

func TestParsersRejectMalformedPayloads(t *testing.T) {
	rnd := testRand("malformed")
	sk, _ := schnorr.GenerateKey(rnd)
	a := &documents.Anchor{Version: 1, Type: documents.TypeOther, ValidFrom: time.Unix(100, 0)}
	if err := a.Sign(rnd, sk); err != nil {
		t.Fatal(err)
	}
	good := a.Bytes()
	bad := [][]byte{nil, {2}, good[:len(good)-1], append(bytes.Clone(good), 0), {9, 1, 2}}
	zeroVersion := bytes.Clone(good)
	zeroVersion[17], zeroVersion[18], zeroVersion[19], zeroVersion[20] = 0, 0, 0, 0
	badType := bytes.Clone(good)
	badType[21], badType[22] = 0, 99
	bad = append(bad, zeroVersion, badType)
	for i, b := range bad {
		if _, err := documents.ParseAnchorPayload(b); err == nil {
			t.Errorf("malformed anchor %d accepted", i)
		}
	}
	flipped := bytes.Clone(good)
	flipped[80] ^= 1 // in the commitment
	x, err := documents.ParseAnchorPayload(flipped)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.(*documents.Anchor).Verify(); err == nil {
		t.Fatal("an altered anchor verifies")
	}
	if _, err := documents.ParseRevocation(good); err == nil {
		t.Fatal("an anchor parses as a revocation")
	}
	if _, err := documents.ParseDistribution(good[:153]); err == nil {
		t.Fatal("an anchor's prefix parses as a distribution")
	}
	var v vectors
	fileText := func() string {
		b, _ := os.ReadFile(vectorFile)
		json.Unmarshal(b, &v)
		return v.File
	}()
	if _, err := documents.ParseFile([]byte(fileText)); err != nil {
		t.Fatalf("the vector file: %v", err)
	}
	repeated := strings.Replace(fileText, `"format": "veche-document/v1",`, `"format": "veche-document/v1", "format": "veche-document/v1",`, 1)
	for _, s := range []string{"{}", `{"format":"veche-document/v1"}`, "[]", "", `{"format":"x","format":"y"}`, repeated,
		strings.Replace(fileText, `"seq": 1`, `"seq": -1`, 1), strings.Replace(fileText, `"version": 1`, `"version": 0`, 1)} {
		if _, err := documents.ParseFile([]byte(s)); err == nil {
			t.Errorf("file %q accepted", s)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte(`{"format":"veche-document/v1","topic":"00","seq":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := documents.ParseFile(b)
		if err != nil {
			return
		}
		again, err := documents.ParseFile(file.Bytes())
		if err != nil || *again != *file {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzParsePayloads(f *testing.F) {
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := documents.ParseAnchorPayload(b); err == nil {
			switch x := x.(type) {
			case *documents.Anchor:
				if !bytes.Equal(x.Bytes(), b) {
					t.Fatal("anchor round trip")
				}
			case *documents.IssuerEntry:
				if !bytes.Equal(x.Bytes(), b) {
					t.Fatal("issuer round trip")
				}
			}
		}
		if r, err := documents.ParseRevocation(b); err == nil && !bytes.Equal(r.Bytes(), b) {
			t.Fatal("revocation round trip")
		}
		if d, err := documents.ParseDistribution(b); err == nil && !bytes.Equal(d.Bytes(), b) {
			t.Fatal("distribution round trip")
		}
	})
}
