// Package rusage reads the process's CPU time and peak memory for the
// benchmark runners (crypto/internal/rusage is the same for crypto/...,
// which may import only the standard library and crypto/...).
package rusage
