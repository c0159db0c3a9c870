// Macros shared by fe64_amd64.s and fe64_point_amd64.s: the BMI2+ADX
// multiplication modulo 2^255 − 19 of the four-limb field (fe64.go) and its
// final fold.


// FOLD255 finishes a reduction: (l0, l1, l2, l3) + 2^256·top, top ≤ 38,
// becomes (l0, l1, l2, l3) + 38·top + 19·(bit 255 of l3), with bit 255
// cleared. t is scratch; top is clobbered.
#define FOLD255(l0, l1, l2, l3, top, t) \
	MOVQ   l3, t          \
	SHRQ   $63, t         \
	IMUL3Q $38, top, top  \
	IMUL3Q $19, t, t      \
	BTRQ   $63, l3        \
	ADDQ   t, top         \
	ADDQ   top, l0        \
	ADCQ   $0, l1         \
	ADCQ   $0, l2         \
	ADCQ   $0, l3

// MUL sets (SI, R10, R11, R12) to (SI, DI, R8, R9)·(0(BX) .. 24(BX)),
// loosely reduced. Row i adds a_i·b, the low halves on the OF chain and the
// high halves on the CF chain; a_i's register takes a product word once
// a_i is in DX. The product is in (SI, R10, R11, R12, R13, R14, R15, DI).
#define MUL \
	MOVQ   SI, DX          \
	MULXQ  0(BX), SI, R10  \
	MULXQ  8(BX), AX, R11  \
	ADDQ   AX, R10         \
	MULXQ  16(BX), AX, R12 \
	ADCQ   AX, R11         \
	MULXQ  24(BX), AX, R13 \
	ADCQ   AX, R12         \
	ADCQ   $0, R13         \
	                       \
	MOVQ   DI, DX          \
	XORQ   DI, DI          \
	MULXQ  0(BX), AX, CX   \
	ADOXQ  AX, R10         \
	ADCXQ  CX, R11         \
	MULXQ  8(BX), AX, CX   \
	ADOXQ  AX, R11         \
	ADCXQ  CX, R12         \
	MULXQ  16(BX), AX, CX  \
	ADOXQ  AX, R12         \
	ADCXQ  CX, R13         \
	MULXQ  24(BX), AX, R14 \
	ADOXQ  AX, R13         \
	ADCXQ  DI, R14         \
	ADOXQ  DI, R14         \
	                       \
	MOVQ   R8, DX          \
	XORQ   R8, R8          \
	MULXQ  0(BX), AX, CX   \
	ADOXQ  AX, R11         \
	ADCXQ  CX, R12         \
	MULXQ  8(BX), AX, CX   \
	ADOXQ  AX, R12         \
	ADCXQ  CX, R13         \
	MULXQ  16(BX), AX, CX  \
	ADOXQ  AX, R13         \
	ADCXQ  CX, R14         \
	MULXQ  24(BX), AX, R15 \
	ADOXQ  AX, R14         \
	ADCXQ  R8, R15         \
	ADOXQ  R8, R15         \
	                       \
	MOVQ   R9, DX          \
	XORQ   R9, R9          \
	MULXQ  0(BX), AX, CX   \
	ADOXQ  AX, R12         \
	ADCXQ  CX, R13         \
	MULXQ  8(BX), AX, CX   \
	ADOXQ  AX, R13         \
	ADCXQ  CX, R14         \
	MULXQ  16(BX), AX, CX  \
	ADOXQ  AX, R14         \
	ADCXQ  CX, R15         \
	MULXQ  24(BX), AX, DI  \
	ADOXQ  AX, R15         \
	ADCXQ  R9, DI          \
	ADOXQ  R9, DI          \
	                       \
	MOVQ   $38, DX         \
	XORQ   R9, R9          \
	MULXQ  R13, AX, R13    \
	ADOXQ  AX, SI          \
	MULXQ  R14, AX, R14    \
	ADCXQ  R13, AX         \
	ADOXQ  AX, R10         \
	MULXQ  R15, AX, R15    \
	ADCXQ  R14, AX         \
	ADOXQ  AX, R11         \
	MULXQ  DI, AX, DI      \
	ADCXQ  R15, AX         \
	ADOXQ  AX, R12         \
	ADCXQ  R9, DI          \
	ADOXQ  R9, DI          \
	FOLD255(SI, R10, R11, R12, DI, AX)
