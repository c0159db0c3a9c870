package dkg_test

import (
	"fmt"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/internal/testrand"
)

// A 2-of-3 ceremony with every trustee honest. In a real election each
// trustee runs on its own machine and the board carries the messages; here
// one slice stands for the board.
func Example() {
	r := testrand.New("example") // use nil (crypto/rand) outside tests
	params := &dkg.Params{Threshold: 2, N: 3}
	copy(params.Fingerprint[:], "the election's manifest hash....")
	var keys []*hybrid.PrivateKey
	for j := uint32(1); j <= 3; j++ {
		sk, _ := hybrid.GenerateKey(r) // registered before the ceremony
		keys = append(keys, sk)
		params.Participants = append(params.Participants, dkg.Participant{Index: j, Key: sk.Public()})
	}
	var trustees []*dkg.Trustee
	for j, sk := range keys {
		t, err := dkg.New(params, uint32(j+1), sk)
		if err != nil {
			panic(err)
		}
		trustees = append(trustees, t)
	}

	var board [][]byte
	for _, t := range trustees {
		cm, sh, _ := t.Deal(r)
		board = append(board, cm.Bytes(), sh.Bytes())
	}
	var msgs []dkg.Message
	for _, entry := range board {
		m, err := dkg.ParseMessage(entry) // and check the entry's poster is m.Sender()
		if err != nil {
			continue
		}
		msgs = append(msgs, m)
		for _, t := range trustees {
			if err := t.Receive(m); err != nil {
				fmt.Println(err)
			}
		}
	}
	for _, t := range trustees {
		cs, _ := t.Complaints(r)
		fmt.Printf("trustee %d complains %d times\n", t.Index(), len(cs))
	}

	// The board closes the ceremony.
	observer, _ := dkg.VerifyCeremony(params, msgs)
	for _, t := range trustees {
		res, err := t.Finish()
		if err != nil {
			panic(err)
		}
		fmt.Printf("trustee %d: QUAL %v, same key as the observer: %v\n", res.Index, res.Public.Qualified, res.Public.Equal(observer))
	}
	// Output:
	// trustee 1 complains 0 times
	// trustee 2 complains 0 times
	// trustee 3 complains 0 times
	// trustee 1: QUAL [1 2 3], same key as the observer: true
	// trustee 2: QUAL [1 2 3], same key as the observer: true
	// trustee 3: QUAL [1 2 3], same key as the observer: true
}
