//go:build amd64 && !purego

#include "textflag.h"

// masktab holds 16 all-ones words followed by 16 zero words. The 16 words
// starting at word 16-cols form a store mask for the first cols columns.
DATA masktab<>+0x00(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x08(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x10(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x18(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x20(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x28(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x30(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x38(SB)/8, $0xffffffffffffffff
DATA masktab<>+0x40(SB)/8, $0
DATA masktab<>+0x48(SB)/8, $0
DATA masktab<>+0x50(SB)/8, $0
DATA masktab<>+0x58(SB)/8, $0
DATA masktab<>+0x60(SB)/8, $0
DATA masktab<>+0x68(SB)/8, $0
DATA masktab<>+0x70(SB)/8, $0
DATA masktab<>+0x78(SB)/8, $0
GLOBL masktab<>(SB), RODATA|NOPTR, $128

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

// Partial row of C at (reg) under the masks Y12 (columns 0-7) and Y13
// (columns 8-15): add the old values to lo, hi.
#define MADDROW(reg, lo, hi) \
	VMASKMOVPS (reg), Y12, Y14 \
	VMASKMOVPS 32(reg), Y13, Y15 \
	VADDPS Y14, lo, lo \
	VADDPS Y15, hi, hi

// Partial row of C at (reg) under the masks Y12, Y13: store lo, hi.
#define MSTOREROW(reg, lo, hi) \
	VMASKMOVPS lo, Y12, (reg) \
	VMASKMOVPS hi, Y13, 32(reg)

// func kernel6x16(kc int, a *float32, lda int, b, c *float32, ldc, cols int, accumulate bool)
TEXT ·kernel6x16(SB), NOSPLIT, $0-57
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

	MOVBLZX accumulate+56(FP), AX
	MOVQ    cols+48(FP), BX
	CMPQ    BX, $16
	JNE     partial

	TESTL AX, AX
	JZ    write

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

partial:
	// Load the column masks for the first cols (1..15) columns.
	NEGQ BX
	ADDQ $16, BX
	LEAQ masktab<>(SB), CX
	VMOVDQU (CX)(BX*4), Y12
	VMOVDQU 32(CX)(BX*4), Y13

	TESTL AX, AX
	JZ    mwrite

	MADDROW(DX, Y0, Y1)
	MADDROW(R10, Y2, Y3)
	MADDROW(R11, Y4, Y5)
	MADDROW(R12, Y6, Y7)
	MADDROW(R13, Y8, Y9)
	MADDROW(SI, Y10, Y11)

mwrite:
	MSTOREROW(DX, Y0, Y1)
	MSTOREROW(R10, Y2, Y3)
	MSTOREROW(R11, Y4, Y5)
	MSTOREROW(R12, Y6, Y7)
	MSTOREROW(R13, Y8, Y9)
	MSTOREROW(SI, Y10, Y11)
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
