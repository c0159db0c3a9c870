//go:build amd64 && !purego

#include "textflag.h"

// func selectEntryAVX2(out, table *tableEntry, n int, idx uint64)
//
// out = table[idx]: every one of the n 128-byte entries is read, ANDed with
// the mask (j == idx ? all ones : 0) and ORed into the result, so that the
// memory accesses and the instructions do not depend on idx. n > 0.
TEXT ·selectEntryAVX2(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ table+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ idx+24(FP), AX

	MOVQ         AX, X15
	VPBROADCASTQ X15, Y15 // idx in every lane
	MOVQ         $1, DX
	MOVQ         DX, X13
	VPBROADCASTQ X13, Y13 // 1 in every lane
	VPXOR        Y14, Y14, Y14 // j = 0 in every lane
	VPXOR        Y0, Y0, Y0
	VPXOR        Y1, Y1, Y1
	VPXOR        Y2, Y2, Y2
	VPXOR        Y3, Y3, Y3

loop:
	VPCMPEQQ Y14, Y15, Y12 // mask = (j == idx)
	VPAND    (SI), Y12, Y4
	VPOR     Y4, Y0, Y0
	VPAND    32(SI), Y12, Y5
	VPOR     Y5, Y1, Y1
	VPAND    64(SI), Y12, Y6
	VPOR     Y6, Y2, Y2
	VPAND    96(SI), Y12, Y7
	VPOR     Y7, Y3, Y3
	VPADDQ   Y13, Y14, Y14 // j++
	ADDQ     $128, SI
	DECQ     CX
	JNZ      loop

	VMOVDQU Y0, (DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)
	VZEROUPPER
	RET
