package contract

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
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
