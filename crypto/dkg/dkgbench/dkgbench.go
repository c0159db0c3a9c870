// Package dkgbench measures a complete key ceremony of crypto/dkg in one
// process and reports it as a JSON line, for `veche bench trustees`:
//
//	{"operation":"dkg.ceremony","k":5,"n":9,"seconds":0.08,"deal_seconds":0.01,"receive_seconds":0.06,"finish_seconds":0.004,"verify_seconds":0.007,"board_bytes":12345,"cores":2}
//
// The ceremony is the computation of all n trustees run one after the
// other on this machine: every trustee deals; every trustee decodes and
// receives every message (checking every proof and its own shares); every
// trustee finishes; then an observer verifies the whole ceremony from the
// encoded messages. seconds is the sum of the four phases, board_bytes the
// total size of the messages posted. Nothing is parallelised, so the figure
// is the total CPU time the ceremony costs, not its wall-clock time on n
// machines (which is about seconds/n plus the board's latency).
package dkgbench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/crypto/zkp"
)

// Options select the ceremony to measure. K = N = 0 means k = 5, n = 9.
type Options struct {
	K, N int
	// Rounds is the number of ceremonies to run, one JSON line each;
	// 0 means 1.
	Rounds int
}

// Result is one measured ceremony: the JSON object Run writes.
type Result struct {
	Op             string  `json:"operation"`
	K              int     `json:"k"`
	N              int     `json:"n"`
	Seconds        float64 `json:"seconds"`
	DealSeconds    float64 `json:"deal_seconds"`
	ReceiveSeconds float64 `json:"receive_seconds"`
	FinishSeconds  float64 `json:"finish_seconds"`
	VerifySeconds  float64 `json:"verify_seconds"`
	BoardBytes     int     `json:"board_bytes"`
	Cores          int     `json:"cores"`
}

// Run measures o.Rounds ceremonies and writes one JSON line per ceremony
// to w.
func Run(w io.Writer, o Options) error {
	rounds := max(o.Rounds, 1)
	enc := json.NewEncoder(w)
	for range rounds {
		r, err := Measure(o)
		if err != nil {
			return err
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// Measure runs one ceremony with randomness from crypto/rand and returns
// its timings. It fails if the ceremony does not end with every trustee
// holding a share that matches the observer's result.
func Measure(o Options) (*Result, error) {
	k, n := o.K, o.N
	if k == 0 && n == 0 {
		k, n = 5, 9
	}
	var fp zkp.Fingerprint
	copy(fp[:], "veche dkgbench")
	params := &dkg.Params{Fingerprint: fp, Threshold: k, N: n}
	keys := make([]*hybrid.PrivateKey, n)
	for j := range keys {
		sk, err := hybrid.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		keys[j] = sk
		params.Participants = append(params.Participants, dkg.Participant{Index: uint32(j + 1), Key: sk.Public()})
	}
	trustees := make([]*dkg.Trustee, n)
	for j := range trustees {
		t, err := dkg.New(params, uint32(j+1), keys[j])
		if err != nil {
			return nil, fmt.Errorf("dkgbench: %w", err)
		}
		trustees[j] = t
	}
	res := &Result{Op: "dkg.ceremony", K: k, N: n, Cores: runtime.GOMAXPROCS(0)}

	start := time.Now()
	var board [][]byte
	for _, t := range trustees {
		cm, sh, err := t.Deal(nil)
		if err != nil {
			return nil, fmt.Errorf("dkgbench: %w", err)
		}
		board = append(board, cm.Bytes(), sh.Bytes())
	}
	deal := time.Since(start)

	start = time.Now()
	for _, t := range trustees {
		for _, b := range board {
			m, err := dkg.ParseMessage(b)
			if err != nil {
				return nil, fmt.Errorf("dkgbench: %w", err)
			}
			if err := t.Receive(m); err != nil {
				return nil, fmt.Errorf("dkgbench: trustee %d: %w", t.Index(), err)
			}
		}
		if cs, err := t.Complaints(nil); err != nil || len(cs) != 0 {
			return nil, fmt.Errorf("dkgbench: trustee %d complains in an honest ceremony (%v)", t.Index(), err)
		}
	}
	receive := time.Since(start)

	start = time.Now()
	results := make([]*dkg.Result, n)
	for j, t := range trustees {
		r, err := t.Finish()
		if err != nil {
			return nil, fmt.Errorf("dkgbench: %w", err)
		}
		results[j] = r
	}
	finish := time.Since(start)

	start = time.Now()
	msgs := make([]dkg.Message, len(board))
	for i, b := range board {
		m, err := dkg.ParseMessage(b)
		if err != nil {
			return nil, fmt.Errorf("dkgbench: %w", err)
		}
		msgs[i] = m
	}
	pub, err := dkg.VerifyCeremony(params, msgs)
	if err != nil {
		return nil, fmt.Errorf("dkgbench: %w", err)
	}
	verify := time.Since(start)

	for _, r := range results {
		if !r.Public.Equal(pub) || len(pub.Qualified) != n {
			return nil, errors.New("dkgbench: trustees and observer disagree on the result")
		}
	}
	for _, b := range board {
		res.BoardBytes += len(b)
	}
	res.DealSeconds = deal.Seconds()
	res.ReceiveSeconds = receive.Seconds()
	res.FinishSeconds = finish.Seconds()
	res.VerifySeconds = verify.Seconds()
	res.Seconds = res.DealSeconds + res.ReceiveSeconds + res.FinishSeconds + res.VerifySeconds
	return res, nil
}
