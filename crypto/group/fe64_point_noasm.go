//go:build !amd64 || purego

package group

// fe64MaddADX exists so that the dispatch in fe64_point.go compiles;
// fe64UseADX is never set here, so it is never called.
func fe64MaddADX(v *ext64, q *affine64, neg int) {
	panic("group: internal error: no fe64 assembly")
}

// fe64AddExtADX: see fe64MaddADX.
func fe64AddExtADX(v, w *ext64, d2 *fe64) {
	panic("group: internal error: no fe64 assembly")
}
