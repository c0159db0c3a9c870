// Package rusage reads the process's CPU time and peak memory for the
// benchmark runners of crypto/... (which may import only the standard
// library and crypto/...; internal/rusage is the same for the rest of the
// module).
package rusage
