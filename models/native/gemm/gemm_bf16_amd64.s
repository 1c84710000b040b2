//go:build amd64 && !purego

#include "textflag.h"

// AVX512_BF16 micro-kernel. The Go assembler does not know the BF16
// instructions, so they are written as bytes (encodings from GNU as 2.40):
// DPi is VDPBF16PS Zi, Z28|Z29, Z30|Z31 (Zi += pairwise bf16 dot product of
// the B vector Z28 for even i, Z29 for odd i, and the broadcast A pair Z30
// for rows 0, 2, 4, …, Z31 for rows 1, 3, …), exactly the registers of
// VFMADD231PS in STEP14 of gemm_avx512_amd64.s.

#define DP0 BYTE $0x62; BYTE $0x92; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xc6
#define DP1 BYTE $0x62; BYTE $0x92; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xce
#define DP2 BYTE $0x62; BYTE $0x92; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xd7
#define DP3 BYTE $0x62; BYTE $0x92; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xdf
#define DP4 BYTE $0x62; BYTE $0x92; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xe6
#define DP5 BYTE $0x62; BYTE $0x92; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xee
#define DP6 BYTE $0x62; BYTE $0x92; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xf7
#define DP7 BYTE $0x62; BYTE $0x92; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xff
#define DP8 BYTE $0x62; BYTE $0x12; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xc6
#define DP9 BYTE $0x62; BYTE $0x12; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xce
#define DP10 BYTE $0x62; BYTE $0x12; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xd7
#define DP11 BYTE $0x62; BYTE $0x12; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xdf
#define DP12 BYTE $0x62; BYTE $0x12; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xe6
#define DP13 BYTE $0x62; BYTE $0x12; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xee
#define DP14 BYTE $0x62; BYTE $0x12; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xf7
#define DP15 BYTE $0x62; BYTE $0x12; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xff
#define DP16 BYTE $0x62; BYTE $0x82; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xc6
#define DP17 BYTE $0x62; BYTE $0x82; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xce
#define DP18 BYTE $0x62; BYTE $0x82; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xd7
#define DP19 BYTE $0x62; BYTE $0x82; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xdf
#define DP20 BYTE $0x62; BYTE $0x82; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xe6
#define DP21 BYTE $0x62; BYTE $0x82; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xee
#define DP22 BYTE $0x62; BYTE $0x82; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xf7
#define DP23 BYTE $0x62; BYTE $0x82; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xff
#define DP24 BYTE $0x62; BYTE $0x02; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xc6
#define DP25 BYTE $0x62; BYTE $0x02; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xce
#define DP26 BYTE $0x62; BYTE $0x02; BYTE $0x1e; BYTE $0x40; BYTE $0x52; BYTE $0xd7
#define DP27 BYTE $0x62; BYTE $0x02; BYTE $0x16; BYTE $0x40; BYTE $0x52; BYTE $0xdf

// VCVTNE2PS2BF16 Z1, Z0, Z2: Z2 = the 16 values of Z0 rounded to bf16
// (low half), then the 16 of Z1 (high half).
#define CVT2 BYTE $0x62; BYTE $0xf2; BYTE $0x77; BYTE $0x48; BYTE $0x72; BYTE $0xd0

// One K pair of the 14×32 kernel: 32 columns × 2 K values of B (bf16
// pairs) at boff(DI), the pair of row r of A at aoff from the row addresses
// (SI, R12, R13 with strides R8 and R11 = 3·R8), as in STEP14.
#define STEPBF16(aoff, boff) \
	VMOVUPS boff(DI), Z28 \
	VMOVUPS boff+64(DI), Z29 \
	VBROADCASTSS aoff(SI), Z30 \
	DP0 \
	DP1 \
	VBROADCASTSS aoff(SI)(R8*1), Z31 \
	DP2 \
	DP3 \
	VBROADCASTSS aoff(SI)(R8*2), Z30 \
	DP4 \
	DP5 \
	VBROADCASTSS aoff(SI)(R11*1), Z31 \
	DP6 \
	DP7 \
	VBROADCASTSS aoff(SI)(R8*4), Z30 \
	DP8 \
	DP9 \
	VBROADCASTSS aoff(R12), Z31 \
	DP10 \
	DP11 \
	VBROADCASTSS aoff(R12)(R8*1), Z30 \
	DP12 \
	DP13 \
	VBROADCASTSS aoff(R12)(R8*2), Z31 \
	DP14 \
	DP15 \
	VBROADCASTSS aoff(R12)(R11*1), Z30 \
	DP16 \
	DP17 \
	VBROADCASTSS aoff(R12)(R8*4), Z31 \
	DP18 \
	DP19 \
	VBROADCASTSS aoff(R13), Z30 \
	DP20 \
	DP21 \
	VBROADCASTSS aoff(R13)(R8*1), Z31 \
	DP22 \
	DP23 \
	VBROADCASTSS aoff(R13)(R8*2), Z30 \
	DP24 \
	DP25 \
	VBROADCASTSS aoff(R13)(R11*1), Z31 \
	DP26 \
	DP27

// func kernel14x32bf16(kc2 int, a *uint32, lda int, b *uint32, c *float32, ldc int, accumulate bool)
TEXT ·kernel14x32bf16(SB), NOSPLIT, $0-49
	MOVQ kc2+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R11
	LEAQ (R8)(R8*4), R12
	LEAQ (SI)(R12*2), R13
	ADDQ SI, R12

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27

	// Main loop: four K pairs per iteration.
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tailbf

loopbf:
	STEPBF16(0, 0)
	STEPBF16(4, 128)
	STEPBF16(8, 256)
	STEPBF16(12, 384)
	ADDQ $16, SI
	ADDQ $16, R12
	ADDQ $16, R13
	ADDQ $512, DI
	DECQ BX
	JNZ  loopbf

tailbf:
	ANDQ $3, CX
	JZ   storebf

onebf:
	STEPBF16(0, 0)
	ADDQ $4, SI
	ADDQ $4, R12
	ADDQ $4, R13
	ADDQ $128, DI
	DECQ CX
	JNZ  onebf

storebf:
	// Rows of C: DX, R12 = DX+5·ldc and R13 = DX+10·ldc with strides R8
	// and R11 = 3·R8, as for A.
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R11
	LEAQ (R8)(R8*4), R12
	LEAQ (DX)(R12*2), R13
	ADDQ DX, R12

	MOVBLZX accumulate+48(FP), AX
	TESTL   AX, AX
	JZ      writebf

	VADDPS (DX), Z0, Z0
	VADDPS 64(DX), Z1, Z1
	VADDPS (DX)(R8*1), Z2, Z2
	VADDPS 64(DX)(R8*1), Z3, Z3
	VADDPS (DX)(R8*2), Z4, Z4
	VADDPS 64(DX)(R8*2), Z5, Z5
	VADDPS (DX)(R11*1), Z6, Z6
	VADDPS 64(DX)(R11*1), Z7, Z7
	VADDPS (DX)(R8*4), Z8, Z8
	VADDPS 64(DX)(R8*4), Z9, Z9
	VADDPS (R12), Z10, Z10
	VADDPS 64(R12), Z11, Z11
	VADDPS (R12)(R8*1), Z12, Z12
	VADDPS 64(R12)(R8*1), Z13, Z13
	VADDPS (R12)(R8*2), Z14, Z14
	VADDPS 64(R12)(R8*2), Z15, Z15
	VADDPS (R12)(R11*1), Z16, Z16
	VADDPS 64(R12)(R11*1), Z17, Z17
	VADDPS (R12)(R8*4), Z18, Z18
	VADDPS 64(R12)(R8*4), Z19, Z19
	VADDPS (R13), Z20, Z20
	VADDPS 64(R13), Z21, Z21
	VADDPS (R13)(R8*1), Z22, Z22
	VADDPS 64(R13)(R8*1), Z23, Z23
	VADDPS (R13)(R8*2), Z24, Z24
	VADDPS 64(R13)(R8*2), Z25, Z25
	VADDPS (R13)(R11*1), Z26, Z26
	VADDPS 64(R13)(R11*1), Z27, Z27

writebf:
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, (DX)(R8*1)
	VMOVUPS Z3, 64(DX)(R8*1)
	VMOVUPS Z4, (DX)(R8*2)
	VMOVUPS Z5, 64(DX)(R8*2)
	VMOVUPS Z6, (DX)(R11*1)
	VMOVUPS Z7, 64(DX)(R11*1)
	VMOVUPS Z8, (DX)(R8*4)
	VMOVUPS Z9, 64(DX)(R8*4)
	VMOVUPS Z10, (R12)
	VMOVUPS Z11, 64(R12)
	VMOVUPS Z12, (R12)(R8*1)
	VMOVUPS Z13, 64(R12)(R8*1)
	VMOVUPS Z14, (R12)(R8*2)
	VMOVUPS Z15, 64(R12)(R8*2)
	VMOVUPS Z16, (R12)(R11*1)
	VMOVUPS Z17, 64(R12)(R11*1)
	VMOVUPS Z18, (R12)(R8*4)
	VMOVUPS Z19, 64(R12)(R8*4)
	VMOVUPS Z20, (R13)
	VMOVUPS Z21, 64(R13)
	VMOVUPS Z22, (R13)(R8*1)
	VMOVUPS Z23, 64(R13)(R8*1)
	VMOVUPS Z24, (R13)(R8*2)
	VMOVUPS Z25, 64(R13)(R8*2)
	VMOVUPS Z26, (R13)(R11*1)
	VMOVUPS Z27, 64(R13)(R11*1)
	VZEROUPPER
	RET

// func cvtBF16(n int, src *float32, dst *uint32)
// Rounds the n values at src to bf16 and stores them, in order, at dst
// ((n+1)/2 words; an odd n is padded with a zero). The last n%32 values
// are read and written with masks, never beyond the ends. Requires n >= 1
// and AVX512_BF16.
TEXT ·cvtBF16(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ dst+16(FP), DI
	MOVQ CX, BX
	SHRQ $5, BX
	JZ   cvttail

cvt32:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	CVT2
	VMOVDQU32 Z2, (DI)
	ADDQ $128, SI
	ADDQ $64, DI
	DECQ BX
	JNZ  cvt32

cvttail:
	ANDQ $31, CX
	JZ   cvtdone
	// K1: the first min(r,16) values, K2: the rest (r-16 if r > 16),
	// K3: the ceil(r/2) words of the result.
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVD AX, K1
	SHRQ  $16, AX
	KMOVW AX, K2
	INCQ  CX
	SHRQ  $1, CX
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K3
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	CVT2
	VMOVDQU32 Z2, K3, (DI)

cvtdone:
	VZEROUPPER
	RET
