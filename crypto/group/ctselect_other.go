//go:build !amd64 || purego

package group

// selectEntry sets out = table[idx] for idx < n in constant time.
func selectEntry(out, table *tableEntry, n int, idx uint64) {
	selectEntryGeneric(out, table, n, idx)
}
