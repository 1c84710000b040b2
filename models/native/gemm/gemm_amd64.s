//go:build amd64 && !purego

#include "textflag.h"

// One K step of the 6×16 micro-kernel. The six rows of A are at (SI),
// (SI)(R8*1), (SI)(R8*2), (R9), (R9)(R8*1), (R9)(R8*2), each offset by aoff
// bytes; the 16 values of the packed B panel are at boff(DI). The products
// are accumulated into Y0..Y11 (two registers per row).
#define STEP(aoff, boff) \
	VMOVUPS boff(DI), Y12 \
	VMOVUPS boff+32(DI), Y13 \
	VBROADCASTSS aoff(SI), Y14 \
	VBROADCASTSS aoff(SI)(R8*1), Y15 \
	VFMADD231PS Y12, Y14, Y0 \
	VFMADD231PS Y13, Y14, Y1 \
	VFMADD231PS Y12, Y15, Y2 \
	VFMADD231PS Y13, Y15, Y3 \
	VBROADCASTSS aoff(SI)(R8*2), Y14 \
	VBROADCASTSS aoff(R9), Y15 \
	VFMADD231PS Y12, Y14, Y4 \
	VFMADD231PS Y13, Y14, Y5 \
	VFMADD231PS Y12, Y15, Y6 \
	VFMADD231PS Y13, Y15, Y7 \
	VBROADCASTSS aoff(R9)(R8*1), Y14 \
	VBROADCASTSS aoff(R9)(R8*2), Y15 \
	VFMADD231PS Y12, Y14, Y8 \
	VFMADD231PS Y13, Y14, Y9 \
	VFMADD231PS Y12, Y15, Y10 \
	VFMADD231PS Y13, Y15, Y11

// Full-width row of C at (reg): add the old values to lo, hi.
#define ADDROW(reg, lo, hi) \
	VADDPS (reg), lo, lo \
	VADDPS 32(reg), hi, hi

// Full-width row of C at (reg): store lo, hi.
#define STOREROW(reg, lo, hi) \
	VMOVUPS lo, (reg) \
	VMOVUPS hi, 32(reg)

// func kernel6x16(kc int, a *float32, lda int, b, c *float32, ldc int, accumulate bool)
TEXT ·kernel6x16(SB), NOSPLIT, $0-49
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	ADDQ SI, R9

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	// Main loop: four K steps per iteration.
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail

loop4:
	STEP(0, 0)
	STEP(4, 64)
	STEP(8, 128)
	STEP(12, 192)
	ADDQ $16, SI
	ADDQ $16, R9
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0, 0)
	ADDQ $4, SI
	ADDQ $4, R9
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

store:
	// Row addresses of C: DX, R10, R11, R12, R13, SI.
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	LEAQ (DX)(R8*1), R10
	LEAQ (DX)(R8*2), R11
	LEAQ (R10)(R8*2), R12
	LEAQ (DX)(R8*4), R13
	LEAQ (R10)(R8*4), SI

	MOVBLZX accumulate+48(FP), AX
	TESTL   AX, AX
	JZ      write

	ADDROW(DX, Y0, Y1)
	ADDROW(R10, Y2, Y3)
	ADDROW(R11, Y4, Y5)
	ADDROW(R12, Y6, Y7)
	ADDROW(R13, Y8, Y9)
	ADDROW(SI, Y10, Y11)

write:
	STOREROW(DX, Y0, Y1)
	STOREROW(R10, Y2, Y3)
	STOREROW(R11, Y4, Y5)
	STOREROW(R12, Y6, Y7)
	STOREROW(R13, Y8, Y9)
	STOREROW(SI, Y10, Y11)
	VZEROUPPER
	RET

// func packB16(kc int, b *float32, ldb int, dst *float32)
TEXT ·packB16(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	MOVQ dst+24(FP), DI
	SHLQ $2, R8

packloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     packloop
	VZEROUPPER
	RET
