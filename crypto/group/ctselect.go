package group

import (
	"crypto/subtle"
	"unsafe"

	"filippo.io/edwards25519/field"
)

// A tableEntry is an affineCached point padded to 128 bytes, so that a
// constant-time table scan moves it as four 256-bit words (ctselect_amd64.s).
// Tables of entries hold the identity at index 0 and the multiples 1·P …
// 8·P after it: a signed radix-16 digit d selects entry |d| and then
// negates it if d < 0, every entry read whatever d is.
type tableEntry struct {
	affineCached
	_ [8]byte
}

// A multiplesTable holds the identity and 1·P … 8·P in affine cached form.
type multiplesTable [9]tableEntry

// The word views below rely on field.Element being five uint64 limbs.
var _ [1]struct{} = [unsafe.Sizeof(field.Element{}) - 39]struct{}{}
var _ [1]struct{} = [unsafe.Sizeof(tableEntry{}) - 127]struct{}{}

// words returns the entry as 16 64-bit words.
func (t *tableEntry) words() *[16]uint64 { return (*[16]uint64)(unsafe.Pointer(t)) }

// setIdentity sets t to the identity in the affine cached form with
// Z = 1/2: (y+x)/2 = (y−x)/2 = 1/2 and d·x·y = 0.
func (t *tableEntry) setIdentity() {
	*t = tableEntry{}
	t.YplusX.Set(feHalf)
	t.YminusX.Set(feHalf)
}

// selectSigned sets q = d·P for −8 ≤ d ≤ 8, where t holds the multiples of
// P, in constant time: it reads all nine entries (selectEntry) and then
// conditionally negates the result.
func (t *multiplesTable) selectSigned(q *affineCached, d int8) {
	sign := uint8(d) >> 7
	abs := uint8(d) ^ -sign // ones' complement when negative
	abs += sign             // two's complement
	var e tableEntry
	selectEntry(&e, &t[0], len(t), uint64(abs))
	*q = e.affineCached
	neg := int(sign)
	q.YplusX.Swap(&q.YminusX, neg)
	var n field.Element
	n.Negate(&q.T2d)
	q.T2d.Select(&n, &q.T2d, neg)
}

// selectEntryGeneric sets out = table[idx] for idx < n, reading every one
// of the n entries starting at table, with masks instead of branches.
func selectEntryGeneric(out, table *tableEntry, n int, idx uint64) {
	entries := unsafe.Slice(table, n)
	var acc [16]uint64
	for j := range entries {
		mask := -uint64(subtle.ConstantTimeEq(int32(j), int32(idx)))
		w := entries[j].words()
		for k := range acc {
			acc[k] |= w[k] & mask
		}
	}
	*out.words() = acc
}
