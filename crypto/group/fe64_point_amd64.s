//go:build amd64 && !purego

#include "textflag.h"

// The bucket addition of the variable-time multi-scalar multiplication
// (ext64.addAffine and subAffine in fe64_point.go) in one call: seven
// multiplications with the additions and subtractions between them, on the
// BMI2+ADX arithmetic of fe64_amd64.s, whose FOLD255 and MUL macros it
// shares through fe64_amd64.h; the additions and
// subtractions compute what fe64Add and fe64Sub compute (a + b, and
// a + 4p − b, then FOLD255). Branch-free, though its one caller is variable
// time.
#include "fe64_amd64.h"

// ADDFOLD sets (l0, l1, l2, l3) = (l0, l1, l2, l3) + b, loosely reduced,
// as fe64Add. top and t are scratch.
#define ADDFOLD(b0, b1, b2, b3, l0, l1, l2, l3, top, t) \
	XORQ top, top \
	ADDQ b0, l0   \
	ADCQ b1, l1   \
	ADCQ b2, l2   \
	ADCQ b3, l3   \
	ADCQ $0, top  \
	FOLD255(l0, l1, l2, l3, top, t)

// SUBFOLD sets (l0, l1, l2, l3) = a − b = a + 4p − b, loosely reduced, as
// fe64Sub, with 4p = 2^257 − 76. top and t are scratch.
#define SUBFOLD(a0, a1, a2, a3, b0, b1, b2, b3, l0, l1, l2, l3, top, t) \
	MOVQ $-76, l0 \
	MOVQ $-1, l1  \
	MOVQ $-1, l2  \
	MOVQ $-1, l3  \
	MOVQ $1, top  \
	SUBQ b0, l0   \
	SBBQ b1, l1   \
	SBBQ b2, l2   \
	SBBQ b3, l3   \
	SBBQ $0, top  \
	ADDQ a0, l0   \
	ADCQ a1, l1   \
	ADCQ a2, l2   \
	ADCQ a3, l3   \
	ADCQ $0, top  \
	FOLD255(l0, l1, l2, l3, top, t)

// LOADSP loads the fe64 at off(SP) into (SI, DI, R8, R9).
#define LOADSP(off) \
	MOVQ off+0(SP), SI  \
	MOVQ off+8(SP), DI  \
	MOVQ off+16(SP), R8 \
	MOVQ off+24(SP), R9

// STOREMUL stores (SI, R10, R11, R12), MUL's result, at off(AX).
#define STOREMUL(off) \
	MOVQ SI, off+0(AX)   \
	MOVQ R10, off+8(AX)  \
	MOVQ R11, off+16(AX) \
	MOVQ R12, off+24(AX)

// func fe64MaddADX(v *ext64, q *affine64, neg int)
//
// v = v + q (neg = 0) or v − q (neg ≠ 0): with A = (Y1+X1)·q1 and
// B = (Y1−X1)·q2, where (q1, q2) is (y+x, y−x) of q, swapped for −q, and
// C = T1·(d·x·y), the completed point is (A − B, A + B, Z1 ± C, Z1 ∓ C)
// and v = (X·T, Y·Z, Z·T, X·Y) of it. ext64 is X, Y, Z, T at 0, 32, 64, 96;
// affine64 is y+x, y−x, d·x·y at 0, 32, 64.
//
// Frame: A at 0(SP); the completed point's X, Y, Z, T at 32, 64, 96, 128.
TEXT ·fe64MaddADX(SB), NOSPLIT, $160-24
	// A = (Y1 + X1)·q1
	MOVQ v+0(FP), AX
	MOVQ 32(AX), SI
	MOVQ 40(AX), DI
	MOVQ 48(AX), R8
	MOVQ 56(AX), R9
	ADDFOLD(0(AX), 8(AX), 16(AX), 24(AX), SI, DI, R8, R9, CX, DX)
	MOVQ q+8(FP), BX
	LEAQ 32(BX), DX
	MOVQ neg+16(FP), CX
	TESTQ CX, CX
	CMOVQNE DX, BX
	MUL
	MOVQ SI, 0(SP)
	MOVQ R10, 8(SP)
	MOVQ R11, 16(SP)
	MOVQ R12, 24(SP)

	// B = (Y1 − X1)·q2
	MOVQ v+0(FP), AX
	SUBFOLD(32(AX), 40(AX), 48(AX), 56(AX), 0(AX), 8(AX), 16(AX), 24(AX), SI, DI, R8, R9, CX, DX)
	MOVQ q+8(FP), BX
	LEAQ 32(BX), DX
	MOVQ neg+16(FP), CX
	TESTQ CX, CX
	CMOVQEQ DX, BX
	MUL

	// X = A − B, Y = A + B
	SUBFOLD(0(SP), 8(SP), 16(SP), 24(SP), SI, R10, R11, R12, DI, R8, R9, AX, CX, DX)
	MOVQ DI, 32(SP)
	MOVQ R8, 40(SP)
	MOVQ R9, 48(SP)
	MOVQ AX, 56(SP)
	ADDFOLD(0(SP), 8(SP), 16(SP), 24(SP), SI, R10, R11, R12, CX, DX)
	MOVQ SI, 64(SP)
	MOVQ R10, 72(SP)
	MOVQ R11, 80(SP)
	MOVQ R12, 88(SP)

	// C = T1·(d·x·y)
	MOVQ v+0(FP), AX
	MOVQ 96(AX), SI
	MOVQ 104(AX), DI
	MOVQ 112(AX), R8
	MOVQ 120(AX), R9
	MOVQ q+8(FP), BX
	ADDQ $64, BX
	MUL

	// Z1 + C and Z1 − C go to (Z, T), or to (T, Z) for −q.
	LEAQ 96(SP), R13
	LEAQ 128(SP), R14
	MOVQ R13, R15
	MOVQ neg+16(FP), CX
	TESTQ CX, CX
	CMOVQNE R14, R13
	CMOVQNE R15, R14
	MOVQ v+0(FP), BX
	MOVQ 64(BX), DI
	MOVQ 72(BX), R8
	MOVQ 80(BX), R9
	MOVQ 88(BX), AX
	ADDFOLD(SI, R10, R11, R12, DI, R8, R9, AX, CX, DX)
	MOVQ DI, 0(R13)
	MOVQ R8, 8(R13)
	MOVQ R9, 16(R13)
	MOVQ AX, 24(R13)
	SUBFOLD(64(BX), 72(BX), 80(BX), 88(BX), SI, R10, R11, R12, DI, R8, R9, AX, CX, DX)
	MOVQ DI, 0(R14)
	MOVQ R8, 8(R14)
	MOVQ R9, 16(R14)
	MOVQ AX, 24(R14)

	// v = (X·T, Y·Z, Z·T, X·Y)
	LOADSP(32)
	LEAQ 128(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(0)
	LOADSP(64)
	LEAQ 96(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(32)
	LOADSP(96)
	LEAQ 128(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(64)
	LOADSP(32)
	LEAQ 64(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(96)
	RET

// func fe64AddExtADX(v, w *ext64, d2 *fe64)
//
// v = v + w (add-2008-hwcd-3 with w's cached form (Y+X, Y−X, Z, 2d·T)
// computed here, d2 = 2d): with A = (Y1+X1)·(Y2+X2), B = (Y1−X1)·(Y2−X2),
// C = T1·(2d·T2) and D = 2·Z1·Z2, the completed point is (A − B, A + B,
// D + C, D − C) and v = (X·T, Y·Z, Z·T, X·Y) of it. Nine multiplications.
// v may alias w: w is read before v is written.
//
// Frame: a scratch value at 0(SP), A at 32(SP), the completed point's X, Y,
// Z, T at 64, 96, 128, 160.
TEXT ·fe64AddExtADX(SB), NOSPLIT, $192-24
	// A = (Y1 + X1)·(Y2 + X2)
	MOVQ w+8(FP), AX
	MOVQ 32(AX), SI
	MOVQ 40(AX), DI
	MOVQ 48(AX), R8
	MOVQ 56(AX), R9
	ADDFOLD(0(AX), 8(AX), 16(AX), 24(AX), SI, DI, R8, R9, CX, DX)
	MOVQ SI, 0(SP)
	MOVQ DI, 8(SP)
	MOVQ R8, 16(SP)
	MOVQ R9, 24(SP)
	MOVQ v+0(FP), AX
	MOVQ 32(AX), SI
	MOVQ 40(AX), DI
	MOVQ 48(AX), R8
	MOVQ 56(AX), R9
	ADDFOLD(0(AX), 8(AX), 16(AX), 24(AX), SI, DI, R8, R9, CX, DX)
	LEAQ 0(SP), BX
	MUL
	MOVQ SI, 32(SP)
	MOVQ R10, 40(SP)
	MOVQ R11, 48(SP)
	MOVQ R12, 56(SP)

	// B = (Y1 − X1)·(Y2 − X2)
	MOVQ w+8(FP), AX
	SUBFOLD(32(AX), 40(AX), 48(AX), 56(AX), 0(AX), 8(AX), 16(AX), 24(AX), SI, DI, R8, R9, CX, DX)
	MOVQ SI, 0(SP)
	MOVQ DI, 8(SP)
	MOVQ R8, 16(SP)
	MOVQ R9, 24(SP)
	MOVQ v+0(FP), AX
	SUBFOLD(32(AX), 40(AX), 48(AX), 56(AX), 0(AX), 8(AX), 16(AX), 24(AX), SI, DI, R8, R9, CX, DX)
	LEAQ 0(SP), BX
	MUL

	// X = A − B, Y = A + B
	SUBFOLD(32(SP), 40(SP), 48(SP), 56(SP), SI, R10, R11, R12, DI, R8, R9, AX, CX, DX)
	MOVQ DI, 64(SP)
	MOVQ R8, 72(SP)
	MOVQ R9, 80(SP)
	MOVQ AX, 88(SP)
	ADDFOLD(32(SP), 40(SP), 48(SP), 56(SP), SI, R10, R11, R12, CX, DX)
	MOVQ SI, 96(SP)
	MOVQ R10, 104(SP)
	MOVQ R11, 112(SP)
	MOVQ R12, 120(SP)

	// C = T1·(2d·T2), at 0(SP)
	MOVQ w+8(FP), AX
	MOVQ 96(AX), SI
	MOVQ 104(AX), DI
	MOVQ 112(AX), R8
	MOVQ 120(AX), R9
	MOVQ d2+16(FP), BX
	MUL
	MOVQ SI, 0(SP)
	MOVQ R10, 8(SP)
	MOVQ R11, 16(SP)
	MOVQ R12, 24(SP)
	MOVQ v+0(FP), AX
	MOVQ 96(AX), SI
	MOVQ 104(AX), DI
	MOVQ 112(AX), R8
	MOVQ 120(AX), R9
	LEAQ 0(SP), BX
	MUL
	MOVQ SI, 0(SP)
	MOVQ R10, 8(SP)
	MOVQ R11, 16(SP)
	MOVQ R12, 24(SP)

	// D = 2·Z1·Z2, in (DI, R8, R9, AX)
	MOVQ v+0(FP), AX
	MOVQ 64(AX), SI
	MOVQ 72(AX), DI
	MOVQ 80(AX), R8
	MOVQ 88(AX), R9
	MOVQ w+8(FP), BX
	ADDQ $64, BX
	MUL
	MOVQ SI, DI
	MOVQ R10, R8
	MOVQ R11, R9
	MOVQ R12, AX
	ADDFOLD(SI, R10, R11, R12, DI, R8, R9, AX, CX, DX)

	// Z = D + C, T = D − C
	MOVQ DI, SI
	MOVQ R8, R10
	MOVQ R9, R11
	MOVQ AX, R12
	ADDFOLD(0(SP), 8(SP), 16(SP), 24(SP), SI, R10, R11, R12, CX, DX)
	MOVQ SI, 128(SP)
	MOVQ R10, 136(SP)
	MOVQ R11, 144(SP)
	MOVQ R12, 152(SP)
	SUBFOLD(DI, R8, R9, AX, 0(SP), 8(SP), 16(SP), 24(SP), SI, R10, R11, R12, CX, DX)
	MOVQ SI, 160(SP)
	MOVQ R10, 168(SP)
	MOVQ R11, 176(SP)
	MOVQ R12, 184(SP)

	// v = (X·T, Y·Z, Z·T, X·Y)
	LOADSP(64)
	LEAQ 160(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(0)
	LOADSP(96)
	LEAQ 128(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(32)
	LOADSP(128)
	LEAQ 160(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(64)
	LOADSP(64)
	LEAQ 96(SP), BX
	MUL
	MOVQ v+0(FP), AX
	STOREMUL(96)
	RET
