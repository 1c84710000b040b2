//go:build amd64 && !purego

#include "textflag.h"

// One K step of the 6×16 micro-kernel: load 16 values of the B panel at
// boff(DI), broadcast the 6 values of the A panel at aoff(SI) in turn and
// accumulate their products into Y0..Y11 (two registers per row).
#define STEP(aoff, boff) \
	VMOVUPS boff(DI), Y12 \
	VMOVUPS boff+32(DI), Y13 \
	VBROADCASTSS aoff(SI), Y14 \
	VBROADCASTSS aoff+4(SI), Y15 \
	VFMADD231PS Y12, Y14, Y0 \
	VFMADD231PS Y13, Y14, Y1 \
	VFMADD231PS Y12, Y15, Y2 \
	VFMADD231PS Y13, Y15, Y3 \
	VBROADCASTSS aoff+8(SI), Y14 \
	VBROADCASTSS aoff+12(SI), Y15 \
	VFMADD231PS Y12, Y14, Y4 \
	VFMADD231PS Y13, Y14, Y5 \
	VFMADD231PS Y12, Y15, Y6 \
	VFMADD231PS Y13, Y15, Y7 \
	VBROADCASTSS aoff+16(SI), Y14 \
	VBROADCASTSS aoff+20(SI), Y15 \
	VFMADD231PS Y12, Y14, Y8 \
	VFMADD231PS Y13, Y14, Y9 \
	VFMADD231PS Y12, Y15, Y10 \
	VFMADD231PS Y13, Y15, Y11

// Store (or add the tile's values to) one row of C at (reg) from lo, hi.
#define STOREROW(reg, lo, hi) \
	VMOVUPS lo, (reg) \
	VMOVUPS hi, 32(reg)

#define ADDROW(reg, lo, hi) \
	VADDPS (reg), lo, lo \
	VADDPS 32(reg), hi, hi

// func kernel6x16(kc int, a, b, c *float32, ldc int, accumulate bool)
TEXT ·kernel6x16(SB), NOSPLIT, $0-41
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

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
	STEP(24, 64)
	STEP(48, 128)
	STEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

store:
	// Row addresses: DX, DX+ldc, ..., DX+5*ldc.
	LEAQ (DX)(R8*1), R9
	LEAQ (DX)(R8*2), R10
	LEAQ (R9)(R8*2), R11
	LEAQ (DX)(R8*4), R12
	LEAQ (R9)(R8*4), R13

	MOVBLZX accumulate+40(FP), AX
	TESTL   AX, AX
	JZ      write

	ADDROW(DX, Y0, Y1)
	ADDROW(R9, Y2, Y3)
	ADDROW(R10, Y4, Y5)
	ADDROW(R11, Y6, Y7)
	ADDROW(R12, Y8, Y9)
	ADDROW(R13, Y10, Y11)

write:
	STOREROW(DX, Y0, Y1)
	STOREROW(R9, Y2, Y3)
	STOREROW(R10, Y4, Y5)
	STOREROW(R11, Y6, Y7)
	STOREROW(R12, Y8, Y9)
	STOREROW(R13, Y10, Y11)
	VZEROUPPER
	RET
