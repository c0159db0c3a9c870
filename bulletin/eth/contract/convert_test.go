package contract

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/veche/veche/bulletin"
)

// Every custom error of the contract has a readable description: kinds and
// phases by name, no Go struct dumps.
func TestDescribeErrors(t *testing.T) {
	topic := [32]byte{0xde, 0xad, 0xbe, 0xef}
	addr := common.HexToAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
	cases := map[string]any{
		"UnknownTopic: no topic deadbeef":                                          &BulletinBoardUnknownTopic{Topic: topic},
		"TopicExists: topic deadbeef already exists":                               &BulletinBoardTopicExists{Topic: topic},
		"InvalidInitialPhase: a topic cannot start in phase open":                  &BulletinBoardInvalidInitialPhase{Phase: 3},
		"NotOwner: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed is not the owner of": &BulletinBoardNotOwner{Topic: topic, Caller: addr},
		"ZeroAddress": &BulletinBoardZeroAddress{},
		"may not post ballot-batch to topic deadbeef":            &BulletinBoardNotAuthorized{Topic: topic, Poster: addr, Kind: 9},
		"WrongPhase: shuffle is not allowed in phase open":       &BulletinBoardWrongPhase{Topic: topic, Phase: 3, Kind: 12},
		"cannot move from phase open to published":               &BulletinBoardBadPhaseTransition{Topic: topic, From: 3, To: 6},
		"PayloadTooLarge: 200000 bytes, the limit is 122880":     &BulletinBoardPayloadTooLarge{Size: big.NewInt(200000), Limit: big.NewInt(122880)},
		"UnknownKind: kind 300 is not defined":                   &BulletinBoardUnknownKind{Kind: 300},
		"MalformedPayload: a chunk entry's payload is malformed": &BulletinBoardMalformedPayload{Kind: 129},
		"EmptyBatch":                             &BulletinBoardEmptyBatch{},
		"LengthMismatch: 2 kinds for 3 payloads": &BulletinBoardLengthMismatch{Kinds: big.NewInt(2), Payloads: big.NewInt(3)},
	}
	if n := len(NewBulletinBoard().GetABI().Errors); n != len(cases) {
		t.Fatalf("the contract has %d errors, the test covers %d", n, len(cases))
	}
	for want, reason := range cases {
		got := (&RevertError{Reason: reason}).Error()
		if !strings.Contains(got, want) || strings.Contains(got, "&{") {
			t.Errorf("%T: %q, want it to contain %q", reason, got, want)
		}
	}
}

// postedLog builds the topics and data the contract emits for an entry.
func postedLog(e bulletin.Entry) ([]common.Hash, []byte) {
	topics := []common.Hash{postedID, common.Hash(e.Topic), common.BigToHash(new(big.Int).SetUint64(e.Seq)), common.BytesToHash(e.Poster[:])}
	data := make([]byte, 128+(len(e.Payload)+31)&^31)
	data[31] = byte(e.Kind)
	data[30] = byte(e.Kind >> 8)
	data[63] = 0x60
	copy(data[64:96], e.Head[:])
	new(big.Int).SetInt64(int64(len(e.Payload))).FillBytes(data[96:128])
	copy(data[128:], e.Payload)
	return topics, data
}

func TestDecodePostedStrict(t *testing.T) {
	e := bulletin.Entry{Topic: bulletin.TopicID{7}, Seq: 1<<40 + 3, Kind: bulletin.KindBallotBatch, Payload: []byte("hello, board"),
		Head: [32]byte{9}, Poster: bulletin.Address{0xaa, 0xbb}}
	topics, data := postedLog(e)
	got, err := DecodePosted(topics, data)
	if err != nil || got.Seq != e.Seq || got.Kind != e.Kind || string(got.Payload) != "hello, board" || got.Head != e.Head || got.Poster != e.Poster || got.Topic != e.Topic {
		t.Fatalf("DecodePosted = %+v, %v", got, err)
	}
	mutate := map[string]func(t []common.Hash, d []byte) ([]common.Hash, []byte){
		"three topics":  func(t []common.Hash, d []byte) ([]common.Hash, []byte) { return t[:3], d },
		"other event":   func(t []common.Hash, d []byte) ([]common.Hash, []byte) { t[0][0] ^= 1; return t, d },
		"seq above u64": func(t []common.Hash, d []byte) ([]common.Hash, []byte) { t[2][23] = 1; return t, d },
		"dirty poster":  func(t []common.Hash, d []byte) ([]common.Hash, []byte) { t[3][0] = 1; return t, d },
		"kind above u16": func(t []common.Hash, d []byte) ([]common.Hash, []byte) {
			d[29] = 1
			return t, d
		},
		"offset":               func(t []common.Hash, d []byte) ([]common.Hash, []byte) { d[63] = 0x80; return t, d },
		"length past the data": func(t []common.Hash, d []byte) ([]common.Hash, []byte) { d[127] += 32; return t, d },
		"dirty padding":        func(t []common.Hash, d []byte) ([]common.Hash, []byte) { d[len(d)-1] = 1; return t, d },
		"trailing word":        func(t []common.Hash, d []byte) ([]common.Hash, []byte) { return t, append(d, make([]byte, 32)...) },
		"truncated":            func(t []common.Hash, d []byte) ([]common.Hash, []byte) { return t, d[:len(d)-32] },
		"short header":         func(t []common.Hash, d []byte) ([]common.Hash, []byte) { return t, d[:100] },
	}
	for name, f := range mutate {
		tp, d := postedLog(e)
		tp, d = f(tp, d)
		if _, err := DecodePosted(tp, d); !errors.Is(err, ErrNotPosted) {
			t.Errorf("%s: DecodePosted = %v", name, err)
		}
	}
}

func FuzzDecodePosted(f *testing.F) {
	_, data := postedLog(bulletin.Entry{Kind: 9, Payload: []byte("seed")})
	f.Add(data, uint64(5))
	f.Fuzz(func(t *testing.T, data []byte, seq uint64) {
		topics := []common.Hash{postedID, {1}, common.BigToHash(new(big.Int).SetUint64(seq)), {}}
		e, err := DecodePosted(topics, data)
		if err != nil {
			return
		}
		// Accepted data is exactly the contract's encoding of the entry.
		_, again := postedLog(e)
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted non-canonical event data")
		}
	})
}
