//go:build amd64 && !purego

package group

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// selectEntryAVX2 is selectEntryGeneric with 256-bit masks: it ANDs every
// entry with the mask (j == idx) and ORs the results (ctselect_amd64.s).
//
//go:noescape
func selectEntryAVX2(out, table *tableEntry, n int, idx uint64)

// selectEntry sets out = table[idx] for idx < n in constant time.
func selectEntry(out, table *tableEntry, n int, idx uint64) {
	if hasAVX2 {
		selectEntryAVX2(out, table, n, idx)
		return
	}
	selectEntryGeneric(out, table, n, idx)
}
