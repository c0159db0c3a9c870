package group

import (
	"crypto/sha512"
	"errors"
)

// HashToElement hashes msg to a group element with domain separation tag
// dst, as hash_to_ristretto255 of RFC 9380, Section 6.8.1: 64 bytes from
// expand_message_xmd with SHA-512 (RFC 9380, Section 5.3.1) fed to the
// one-way map of RFC 9496, Section 4.3.4. dst must be 1 to 255 bytes.
func HashToElement(dst, msg []byte) (*Element, error) {
	u, err := ExpandMessageXMD(dst, msg, 64)
	if err != nil {
		return nil, err
	}
	return new(Element).SetUniformBytes(u)
}

// HashToScalar hashes msg to a scalar with domain separation tag dst: 64
// bytes from expand_message_xmd with SHA-512 reduced modulo ℓ.
func HashToScalar(dst, msg []byte) (*Scalar, error) {
	u, err := ExpandMessageXMD(dst, msg, 64)
	if err != nil {
		return nil, err
	}
	return new(Scalar).SetUniformBytes(u)
}

// ExpandMessageXMD implements expand_message_xmd of RFC 9380, Section
// 5.3.1, with SHA-512 (b_in_bytes = 64, s_in_bytes = 128).
func ExpandMessageXMD(dst, msg []byte, lenInBytes int) ([]byte, error) {
	const bInBytes, sInBytes = sha512.Size, sha512.BlockSize
	if len(dst) == 0 || len(dst) > 255 {
		return nil, errors.New("group: domain separation tag must be 1 to 255 bytes")
	}
	ell := (lenInBytes + bInBytes - 1) / bInBytes
	if lenInBytes <= 0 || ell > 255 || lenInBytes > 65535 {
		return nil, errors.New("group: expand_message_xmd output length out of range")
	}
	dstPrime := append(append([]byte{}, dst...), byte(len(dst)))
	h := sha512.New()
	var zPad [sInBytes]byte
	h.Write(zPad[:])
	h.Write(msg)
	h.Write([]byte{byte(lenInBytes >> 8), byte(lenInBytes), 0})
	h.Write(dstPrime)
	b0 := h.Sum(nil)

	h.Reset()
	h.Write(b0)
	h.Write([]byte{1})
	h.Write(dstPrime)
	bi := h.Sum(nil)
	out := append(make([]byte, 0, ell*bInBytes), bi...)
	for i := 2; i <= ell; i++ {
		x := make([]byte, bInBytes)
		for j := range x {
			x[j] = b0[j] ^ bi[j]
		}
		h.Reset()
		h.Write(x)
		h.Write([]byte{byte(i)})
		h.Write(dstPrime)
		bi = h.Sum(nil)
		out = append(out, bi...)
	}
	return out[:lenInBytes], nil
}

// GeneratorDST is the domain separation tag for [DeriveGenerators].
const GeneratorDST = "veche/generators/v1"

// DeriveGenerators returns n independent generators derived from a public
// seed: generator i (from 0) is HashToElement(GeneratorDST, msg) with
// msg = len(seed) as 4 bytes big-endian || seed || i as 8 bytes big-endian.
// Nobody knows a discrete-log relation between them or with the standard
// generator, and anyone can recompute them from the seed. It returns an
// error for a negative n or a seed over 1 MiB.
func DeriveGenerators(seed []byte, n int) ([]*Element, error) {
	if n < 0 || len(seed) > 1<<20 {
		return nil, errors.New("group: generator derivation: bad count or seed length")
	}
	out := make([]*Element, n)
	msg := make([]byte, 4+len(seed)+8)
	msg[0], msg[1], msg[2], msg[3] = byte(len(seed)>>24), byte(len(seed)>>16), byte(len(seed)>>8), byte(len(seed))
	copy(msg[4:], seed)
	for i := range out {
		for j := 0; j < 8; j++ {
			msg[4+len(seed)+j] = byte(uint64(i) >> (56 - 8*j))
		}
		e, err := HashToElement([]byte(GeneratorDST), msg)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}
