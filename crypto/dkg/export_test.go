package dkg

import (
	"io"

	"github.com/veche/veche/crypto/group"
	"github.com/veche/veche/crypto/hybrid"
)

// Hooks for the tests of package dkg_test, which play malicious trustees.

// DealTampered deals like Deal, but passes each recipient's plaintext share
// through tamper before encrypting it, so a test can play a dealer that
// sends some trustees bad shares.
func DealTampered(t *Trustee, rand io.Reader, tamper func(j uint32, share []byte) []byte) (*Commitments, *Shares, error) {
	cm, sh, err := t.Deal(rand)
	if err != nil {
		return nil, nil, err
	}
	p := t.c.p
	for n, s := range sh.Shares {
		j := s.Recipient
		pt := tamper(j, evalPoly(t.poly, j).Bytes())
		ct, err := hybrid.Encrypt(rand, p.key(j), pt, p.shareAD(t.me, j))
		if err != nil {
			return nil, nil, err
		}
		sh.Shares[n].Ciphertext = ct
	}
	return cm, sh, nil
}

// Polynomial returns a copy of the trustee's dealt coefficients.
func Polynomial(t *Trustee) []*group.Scalar {
	out := make([]*group.Scalar, len(t.poly))
	for l, a := range t.poly {
		out[l] = new(group.Scalar).Set(a)
	}
	return out
}

// ShareAD, CommitmentsBinding and ComplaintBinding expose the bindings of
// params p (which must be valid).
func ShareAD(p *Params, i, j uint32) []byte {
	v, _ := p.validate()
	return v.shareAD(i, j)
}

func CommitmentsBinding(p *Params, i uint32, C []*group.Element) []byte {
	v, _ := p.validate()
	return v.commitmentsBinding(i, C)
}

func ComplaintBinding(p *Params, j, i uint32) []byte {
	v, _ := p.validate()
	return v.complaintBinding(j, i)
}
