//go:build amd64 && !purego

#include "textflag.h"

// Arithmetic modulo p = 2^255 − 19 on four 64-bit limbs with BMI2 (MULXQ,
// which leaves the flags alone) and ADX (ADCXQ adds with the carry flag,
// ADOXQ with the overflow flag: two carry chains that run side by side).
// Inputs and outputs are "loosely reduced": any 256-bit value congruent to
// the element. The reduction of a 512-bit product h = l + 2^256·u (as in
// fe64_generic.go):
//
//   - l + 38·u, since 2^256 ≡ 38 (mod p): four limbs L and a fifth word
//     t ≤ 38;
//   - t·2^256 + L = c·2^255 + L' with c = 2t + bit 255 of L and L' < 2^255;
//     c·2^255 ≡ 19·c, and L' + 19·c < 2^255 + 19·77 fits in 256 bits, so
//     no carry leaves the last limb.
//
// Squaring chains are latency-bound, so the value stays in registers from
// one squaring to the next, and every carry chain starts from flags cleared
// by an XORQ that does not wait for the chain before it.
//
// No branch or memory address depends on the values. BP (the frame
// pointer) and globals are not used.

// SQUARE sets (SI, DI, R8, R9) to the square of (SI, DI, R8, R9) = (a0, a1,
// a2, a3), loosely reduced. It uses every general register but BP and SP:
// R10..R15 hold words 1..6 of the product, AX and CX are scratch (CX ends up
// holding word 7), BX is zero and DX feeds MULXQ.
//
// Phase 1 sums the cross products a_i·a_j (i < j) into words 1..6 (they
// total less than 2^448, so no carry leaves word 6). Phase 2 doubles them on
// the CF chain while it adds the squares a_i² on the OF chain, a0² landing
// in SI as word 0. Phase 3 reduces the words (SI, R10..R15, CX) into (SI,
// DI, R8, R9). (Computing the squares earlier, as the inputs die, measured
// slower: the cross products then wait for the multiplier.)
#define SQUARE \
	MOVQ    SI, DX       \
	MULXQ   DI, R10, AX  \
	MULXQ   R8, R11, R12 \
	XORQ    BX, BX       \
	ADCXQ   AX, R11      \
	MULXQ   R9, AX, R13  \
	ADCXQ   AX, R12      \
	ADCXQ   BX, R13      \
	MOVQ    DI, DX       \
	MULXQ   R8, AX, CX   \
	ADOXQ   AX, R12      \
	ADOXQ   CX, R13      \
	MULXQ   R9, AX, R14  \
	ADCXQ   AX, R13      \
	ADOXQ   BX, R14      \
	ADCXQ   BX, R14      \
	MOVQ    R8, DX       \
	MULXQ   R9, AX, R15  \
	ADCXQ   AX, R14      \
	ADCXQ   BX, R15      \
	                     \
	XORQ    BX, BX       \
	MOVQ    SI, DX       \
	MULXQ   DX, SI, AX   \
	ADCXQ   R10, R10     \
	ADOXQ   AX, R10      \
	MOVQ    DI, DX       \
	MULXQ   DX, AX, CX   \
	ADCXQ   R11, R11     \
	ADOXQ   AX, R11      \
	ADCXQ   R12, R12     \
	ADOXQ   CX, R12      \
	MOVQ    R8, DX       \
	MULXQ   DX, AX, CX   \
	ADCXQ   R13, R13     \
	ADOXQ   AX, R13      \
	ADCXQ   R14, R14     \
	ADOXQ   CX, R14      \
	MOVQ    R9, DX       \
	MULXQ   DX, AX, CX   \
	ADCXQ   R15, R15     \
	ADOXQ   AX, R15      \
	ADCXQ   BX, CX       \
	ADOXQ   BX, CX       \
	                     \
	MOVQ    $38, DX      \
	XORQ    BX, BX       \
	MULXQ   R13, AX, R13 \
	ADOXQ   AX, SI       \
	MULXQ   R14, DI, R14 \
	ADCXQ   R13, DI      \
	ADOXQ   R10, DI      \
	MULXQ   R15, R8, R15 \
	ADCXQ   R14, R8      \
	ADOXQ   R11, R8      \
	MULXQ   CX, R9, CX   \
	ADCXQ   R15, R9      \
	ADOXQ   R12, R9      \
	ADCXQ   BX, CX       \
	ADOXQ   BX, CX       \
	FOLD255(SI, DI, R8, R9, CX, AX)
#include "fe64_amd64.h"

#define LOAD(p) \
	MOVQ 0(p), SI  \
	MOVQ 8(p), DI  \
	MOVQ 16(p), R8 \
	MOVQ 24(p), R9

// func fe64MulADX(out, a, b *fe64)
TEXT ·fe64MulADX(SB), NOSPLIT, $0-24
	MOVQ a+8(FP), AX
	LOAD(AX)
	MOVQ b+16(FP), BX
	MUL
	MOVQ out+0(FP), AX
	MOVQ SI, 0(AX)
	MOVQ R10, 8(AX)
	MOVQ R11, 16(AX)
	MOVQ R12, 24(AX)
	RET

// func fe64SquareADX(out, a *fe64)
TEXT ·fe64SquareADX(SB), NOSPLIT, $0-16
	MOVQ a+8(FP), AX
	LOAD(AX)
	SQUARE
	MOVQ out+0(FP), AX
	MOVQ SI, 0(AX)
	MOVQ DI, 8(AX)
	MOVQ R8, 16(AX)
	MOVQ R9, 24(AX)
	RET

// func fe64SquareNADX(out *fe64, n int)
//
// n ≥ 1 squarings in place; the value stays in registers between them and
// the count in the frame.
TEXT ·fe64SquareNADX(SB), NOSPLIT, $8-16
	MOVQ n+8(FP), AX
	MOVQ AX, count-8(SP)
	MOVQ out+0(FP), AX
	LOAD(AX)

sqrloop:
	SQUARE
	DECQ count-8(SP)
	JNZ  sqrloop

	MOVQ out+0(FP), AX
	MOVQ SI, 0(AX)
	MOVQ DI, 8(AX)
	MOVQ R8, 16(AX)
	MOVQ R9, 24(AX)
	RET

// func fe64SquareNMulADX(out, a *fe64, n int, b *fe64)
//
// out = a^(2^n)·b for n ≥ 1: the step of an addition chain, with the value
// in registers throughout.
TEXT ·fe64SquareNMulADX(SB), NOSPLIT, $8-32
	MOVQ n+16(FP), AX
	MOVQ AX, count-8(SP)
	MOVQ a+8(FP), AX
	LOAD(AX)

sqrmulloop:
	SQUARE
	DECQ count-8(SP)
	JNZ  sqrmulloop

	MOVQ b+24(FP), BX
	MUL
	MOVQ out+0(FP), AX
	MOVQ SI, 0(AX)
	MOVQ R10, 8(AX)
	MOVQ R11, 16(AX)
	MOVQ R12, 24(AX)
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET
