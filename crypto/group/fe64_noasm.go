//go:build !amd64 || purego

package group

// fe64Asm reports that this build has no fe64 assembly.
const fe64Asm = false

// fe64HaveADX is false: there is no fe64 assembly for this architecture or
// build, and the pure-Go code runs.
const fe64HaveADX = false

// The assembly entry points exist so that the dispatch in fe64.go compiles;
// fe64UseADX is never set here, so they are never called.

func fe64MulADX(out, a, b *fe64)      { panic("group: internal error: no fe64 assembly") }
func fe64SquareADX(out, a *fe64)      { panic("group: internal error: no fe64 assembly") }
func fe64SquareNADX(out *fe64, n int) { panic("group: internal error: no fe64 assembly") }
func fe64SquareNMulADX(out, a *fe64, n int, b *fe64) {
	panic("group: internal error: no fe64 assembly")
}
