package dkg_test

import (
	"fmt"
	"testing"

	"github.com/veche/veche/crypto/dkg"
	"github.com/veche/veche/crypto/dkg/dkgbench"
)

// BenchmarkCeremony measures the whole computation of a ceremony: all n
// trustees deal, receive and check everything and finish, and an observer
// verifies it (the target for 5-of-9 is under 1 s in total). The phases are
// reported as extra metrics.
func BenchmarkCeremony(b *testing.B) {
	for _, kn := range [][2]int{{2, 3}, {5, 9}} {
		b.Run(fmt.Sprintf("%d-of-%d", kn[0], kn[1]), func(b *testing.B) {
			var deal, receive, finish, verify float64
			for b.Loop() {
				r, err := dkgbench.Measure(dkgbench.Options{K: kn[0], N: kn[1]})
				if err != nil {
					b.Fatal(err)
				}
				deal += r.DealSeconds
				receive += r.ReceiveSeconds
				finish += r.FinishSeconds
				verify += r.VerifySeconds
			}
			n := float64(b.N)
			b.ReportMetric(deal/n*1e3, "deal-ms")
			b.ReportMetric(receive/n*1e3, "receive-ms")
			b.ReportMetric(finish/n*1e3, "finish-ms")
			b.ReportMetric(verify/n*1e3, "verify-ms")
		})
	}
}

// BenchmarkDeal is one trustee's Deal in a 5-of-9 ceremony.
func BenchmarkDeal(b *testing.B) {
	bd := newBoard(b, "bench deal", 5, 9)
	params, key := bd.params, bd.keys[0]
	for b.Loop() {
		t, _ := dkg.New(params, 1, key)
		if _, _, err := t.Deal(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceive is one trustee decoding and receiving one dealer's two
// messages in a 5-of-9 ceremony (its key proof, eight ciphertext proofs,
// and the decryption and Feldman check of its own share).
func BenchmarkReceive(b *testing.B) {
	bd := newBoard(b, "bench receive", 5, 9)
	cm, sh, err := bd.trustee(1).Deal(bd.r)
	if err != nil {
		b.Fatal(err)
	}
	encs := [][]byte{cm.Bytes(), sh.Bytes()}
	for b.Loop() {
		t, _ := dkg.New(bd.params, 2, bd.keys[1])
		for _, e := range encs {
			m, err := dkg.ParseMessage(e)
			if err != nil {
				b.Fatal(err)
			}
			if err := t.Receive(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkComplaint is checking one justified complaint.
func BenchmarkComplaint(b *testing.B) {
	bd := newBoard(b, "bench complaint", 5, 9)
	cm, sh, err := dkg.DealTampered(bd.trustee(1), bd.r, func(j uint32, s []byte) []byte {
		if j == 2 {
			s[0] ^= 1
		}
		return s
	})
	if err != nil {
		b.Fatal(err)
	}
	bd.mustPost(cm, sh)
	cs, err := bd.trustee(2).Complaints(bd.r)
	if err != nil || len(cs) != 1 {
		b.Fatal(cs, err)
	}
	for b.Loop() {
		b.StopTimer()
		c, _ := dkg.NewCeremony(bd.params)
		c.Receive(cm)
		c.Receive(sh)
		b.StartTimer()
		if err := c.Receive(cs[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFinish is one trustee's Finish after a 5-of-9 ceremony.
func BenchmarkFinish(b *testing.B) {
	bd := newBoard(b, "bench finish", 5, 9)
	bd.dealAll()
	for b.Loop() {
		if _, err := bd.trustee(3).Finish(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCeremony is an observer's check of a 5-of-9 ceremony from
// its decoded messages.
func BenchmarkVerifyCeremony(b *testing.B) {
	bd := newBoard(b, "bench verify", 5, 9)
	bd.dealAll()
	for b.Loop() {
		if _, err := dkg.VerifyCeremony(bd.params, bd.msgs); err != nil {
			b.Fatal(err)
		}
	}
}
