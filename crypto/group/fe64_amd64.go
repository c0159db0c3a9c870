//go:build amd64 && !purego

package group

// fe64Asm reports that this build has the fe64 assembly.
const fe64Asm = true

// fe64HaveADX reports whether the CPU has BMI2 (MULX) and ADX (ADCX, ADOX),
// which the fe64 assembly needs: CPUID leaf 7, subleaf 0, EBX bits 8 and 19.
var fe64HaveADX = func() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, ebx, _, _ := cpuid(7, 0)
	const bmi2, adx = 1 << 8, 1 << 19
	return ebx&bmi2 != 0 && ebx&adx != 0
}()

// cpuid executes the CPUID instruction with EAX = eaxArg and ECX = ecxArg.
//
//go:noescape
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// fe64MulADX sets out = a·b (BMI2+ADX). out may alias a or b.
//
//go:noescape
func fe64MulADX(out, a, b *fe64)

// fe64SquareADX sets out = a² (BMI2+ADX). out may alias a.
//
//go:noescape
func fe64SquareADX(out, a *fe64)

// fe64SquareNADX sets out = out^(2^n), n ≥ 1 squarings in place (BMI2+ADX).
//
//go:noescape
func fe64SquareNADX(out *fe64, n int)

// fe64SquareNMulADX sets out = a^(2^n)·b for n ≥ 1 (BMI2+ADX). out may alias
// a or b.
//
//go:noescape
func fe64SquareNMulADX(out, a *fe64, n int, b *fe64)
