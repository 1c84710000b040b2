//go:build amd64 && !purego

#include "textflag.h"

// The kernels of matchRowSIMD (simd_amd64.go): matchRow's interior path on
// 8 pixels per step, one per lane, with the same float32 operations in the
// same order as the Go loop (additions and multiplications commute
// exactly, so operand order does not matter; there is no fused
// multiply-add).
//
// The constants below have 8 lanes each.
DATA matchLanes<>+0(SB)/8, $0x0000000100000000
DATA matchLanes<>+8(SB)/8, $0x0000000300000002
DATA matchLanes<>+16(SB)/8, $0x0000000500000004
DATA matchLanes<>+24(SB)/8, $0x0000000700000006
GLOBL matchLanes<>(SB), RODATA|NOPTR, $32 // 0..7 (int32): lane j is pixel x+j

DATA matchEight<>+0(SB)/8, $0x0000000800000008
DATA matchEight<>+8(SB)/8, $0x0000000800000008
DATA matchEight<>+16(SB)/8, $0x0000000800000008
DATA matchEight<>+24(SB)/8, $0x0000000800000008
GLOBL matchEight<>(SB), RODATA|NOPTR, $32 // 8 (int32): the next group

DATA matchOne<>+0(SB)/8, $0x0000000100000001
DATA matchOne<>+8(SB)/8, $0x0000000100000001
DATA matchOne<>+16(SB)/8, $0x0000000100000001
DATA matchOne<>+24(SB)/8, $0x0000000100000001
GLOBL matchOne<>(SB), RODATA|NOPTR, $32 // 1 (int32): occludedBit

DATA matchAbs<>+0(SB)/8, $0x7fffffff7fffffff
DATA matchAbs<>+8(SB)/8, $0x7fffffff7fffffff
DATA matchAbs<>+16(SB)/8, $0x7fffffff7fffffff
DATA matchAbs<>+24(SB)/8, $0x7fffffff7fffffff
GLOBL matchAbs<>(SB), RODATA|NOPTR, $32 // all bits but the sign (abs32)

// VPERMPS indices that put channel k of pixels 0..7 in lane order after
// the blends of the RGB kernel (see there).
DATA matchPerm0<>+0(SB)/8, $0x0000000300000000
DATA matchPerm0<>+8(SB)/8, $0x0000000100000006
DATA matchPerm0<>+16(SB)/8, $0x0000000700000004
DATA matchPerm0<>+24(SB)/8, $0x0000000500000002
GLOBL matchPerm0<>(SB), RODATA|NOPTR, $32 // 0 3 6 1 4 7 2 5

DATA matchPerm1<>+0(SB)/8, $0x0000000400000001
DATA matchPerm1<>+8(SB)/8, $0x0000000200000007
DATA matchPerm1<>+16(SB)/8, $0x0000000000000005
DATA matchPerm1<>+24(SB)/8, $0x0000000600000003
GLOBL matchPerm1<>(SB), RODATA|NOPTR, $32 // 1 4 7 2 5 0 3 6

DATA matchPerm2<>+0(SB)/8, $0x0000000500000002
DATA matchPerm2<>+8(SB)/8, $0x0000000300000000
DATA matchPerm2<>+16(SB)/8, $0x0000000100000006
DATA matchPerm2<>+24(SB)/8, $0x0000000700000004
GLOBL matchPerm2<>(SB), RODATA|NOPTR, $32 // 2 5 0 3 6 1 4 7

// The local frame of both kernels (hardware SP):
//
//	0(SP)    the 8 indices i0 (int32) of the current group
//	32(SP)   fy in 8 lanes
//	64(SP)   xi
//	96(SP)   yi
//	128(SP)  w (int32)
//	160(SP)  limit
//
// General registers: SI fu, R8 fv, R11 pb, R12 pb at the row below
// (pb + c*w values), BX the pixels done (the index into flags, fu, fv and,
// times c, pa); AX, CX, DX, DI and R9, R10, R13, R14 hold the indices i0 of
// pixels 0..3 and 4..7 of the group while its values of b are loaded
// (flags and pa are read from the arguments after that). Y15 holds x+j in
// lane j (int32).

// MATCHSETUP loads the arguments and fills the local frame.
#define MATCHSETUP \
	MOVQ fu+8(FP), SI; \
	MOVQ fv+16(FP), R8; \
	MOVQ pb+32(FP), R11; \
	XORQ BX, BX; \
	MOVQ x+48(FP), AX; \
	VMOVD AX, X15; \
	VPBROADCASTD X15, Y15; \
	VPADDD matchLanes<>(SB), Y15, Y15; \
	VBROADCASTSS fy+64(FP), Y0; \
	VMOVUPS Y0, 32(SP); \
	VBROADCASTSS xi+68(FP), Y0; \
	VMOVUPS Y0, 64(SP); \
	VBROADCASTSS yi+72(FP), Y0; \
	VMOVUPS Y0, 96(SP); \
	MOVQ w+56(FP), AX; \
	VMOVD AX, X0; \
	VPBROADCASTD X0, Y0; \
	VMOVDQU Y0, 128(SP); \
	VBROADCASTSS limit+76(FP), Y0; \
	VMOVUPS Y0, 160(SP)

// MATCHTEST computes, for the group of pixels BX.. of the row, with
// u, v their flow, tx = float32(x) + u and ty = fy + v, the mask of the
// lanes on the interior path (tx >= 0 && tx < xi && ty >= 0 && ty < yi,
// with ordered comparisons: false for NaN) and leaves its sign bits in AX
// (0xff: all 8 lanes). For such lanes it also leaves fx = tx -
// float32(int(tx)) in Y0, gy = ty - float32(int(ty)) in Y1 and y0*w + x0
// in Y3 (int32, below 1<<31: see matchRowSIMD).
//
// The Go loop first sets aside unknown vectors (!known32(u, v)); here no
// unknown vector passes the interior test anyway: a NaN or infinite
// component fails it, and with x, y, w and h below 1<<24 (matchRowSIMD
// checks), u >= UnknownThreshold = 1e9 gives tx >= 1e9 > xi and
// u <= -1e9 gives tx <= -1e9 + x < 0, likewise for v.
#define MATCHTEST \
	VMOVUPS (SI)(BX*4), Y0; \
	VMOVUPS (R8)(BX*4), Y1; \
	VCVTDQ2PS Y15, Y3; \
	VADDPS Y3, Y0, Y0; \
	VADDPS 32(SP), Y1, Y1; \
	VXORPS Y4, Y4, Y4; \
	VCMPPS $0x1d, Y4, Y0, Y2; \
	VCMPPS $0x11, 64(SP), Y0, Y3; \
	VANDPS Y3, Y2, Y2; \
	VCMPPS $0x1d, Y4, Y1, Y3; \
	VANDPS Y3, Y2, Y2; \
	VCMPPS $0x11, 96(SP), Y1, Y3; \
	VANDPS Y3, Y2, Y2; \
	VMOVMSKPS Y2, AX; \
	VCVTTPS2DQ Y0, Y2; \
	VCVTTPS2DQ Y1, Y3; \
	VCVTDQ2PS Y2, Y4; \
	VSUBPS Y4, Y0, Y0; \
	VCVTDQ2PS Y3, Y4; \
	VSUBPS Y4, Y1, Y1; \
	VPMULLD 128(SP), Y3, Y3; \
	VPADDD Y2, Y3, Y3

// MATCHINDICES loads the indices i0 of the group's pixels 0..7 from the
// frame into AX, CX, DX, DI, R9, R10, R13, R14.
#define MATCHINDICES \
	MOVL 0(SP), AX; \
	MOVL 4(SP), CX; \
	MOVL 8(SP), DX; \
	MOVL 12(SP), DI; \
	MOVL 16(SP), R9; \
	MOVL 20(SP), R10; \
	MOVL 24(SP), R13; \
	MOVL 28(SP), R14

// MATCHROWS loads 4 values of b for each pixel of the group, from
// off(base) + 4*i0 bytes: row j (j = 0..3) gets pixel j's in its low half
// and pixel j+4's in its high half. The transposes that follow (unpack
// pairs of rows, then pairs of the results) turn column k of the rows
// into value k of pixels 0..7 in lane order.
#define MATCHROWS(off, base, xa, ya, xb, yb, xc, yc, xd, yd) \
	VMOVUPS off(base)(AX*4), xa; \
	VINSERTF128 $1, off(base)(R9*4), ya, ya; \
	VMOVUPS off(base)(CX*4), xb; \
	VINSERTF128 $1, off(base)(R10*4), yb, yb; \
	VMOVUPS off(base)(DX*4), xc; \
	VINSERTF128 $1, off(base)(R13*4), yc, yc; \
	VMOVUPS off(base)(DI*4), xd; \
	VINSERTF128 $1, off(base)(R14*4), yd, yd

// MATCHFLAGS stores the flags of the group from the sums of differences
// in Y2: 0 where diff <= limit (ordered: false for NaN), occludedBit
// elsewhere, packed from 8 int32 to 8 bytes.
#define MATCHFLAGS \
	VCMPPS $0x12, 160(SP), Y2, Y2; \
	VPANDN matchOne<>(SB), Y2, Y2; \
	VEXTRACTI128 $1, Y2, X3; \
	VPACKUSDW X3, X2, X2; \
	VPACKUSWB X2, X2, X2; \
	MOVQ flags+0(FP), AX; \
	VMOVQ X2, (AX)(BX*1)

// func matchRGBAVX2(flags *uint8, fu, fv, pa, pb *float32, n, x, w int, fy, xi, yi, limit float32) int
//
// For a group of 8 pixels with (x0, y0) = (int(tx), int(ty)), p the 6
// values of b at (x0, y0) and (x0+1, y0), q those of the row below, and a
// the pixel's 3 values in a, for k = 0..2:
//
//	top = p[k] + fx*(p[k+3]-p[k]); bot = q[k] + fx*(q[k+3]-q[k])
//	s[k] = top + gy*(bot-top)
//	diff = (|a[0]-s[0]| + |a[1]-s[1]|) + |a[2]-s[2]|
//
// p[0..3] and p[2..5] are loaded as rows of 4 and transposed (of the
// second only columns 2 and 3, p[4] and p[5], are kept); likewise q. The
// group's 24 values of a (pixel j's channel k at 3j+k) are 3 vectors,
// L0, L1, L2; channel k of the 8 pixels is in 8 different positions of
// these, which two blends gather into one vector (channel 0: positions
// 0, 3, 6 of L0, 1, 4, 7 of L1, 2, 5 of L2) and a VPERMPS puts in lane
// order.
TEXT ·matchRGBAVX2(SB), NOSPLIT, $192-88
	MATCHSETUP
	MOVQ w+56(FP), AX
	LEAQ (AX)(AX*2), AX
	LEAQ (R11)(AX*4), R12 // pb + 3w values: q

rgbloop:
	MATCHTEST
	CMPL AX, $0xff
	JNE  rgbdone
	VPADDD Y3, Y3, Y2
	VPADDD Y2, Y3, Y3      // i0 = 3*(y0*w + x0)
	VMOVDQU Y3, 0(SP)
	MATCHINDICES

	MATCHROWS(0, R11, X2, Y2, X3, Y3, X4, Y4, X5, Y5) // p[0..3]
	VUNPCKLPS Y3, Y2, Y6   // p0 of rows 0 and 1 alternating, then p1
	VUNPCKHPS Y3, Y2, Y2   // p2, p3 of rows 0 and 1
	VUNPCKLPS Y5, Y4, Y7   // p0, p1 of rows 2 and 3
	VUNPCKHPS Y5, Y4, Y4   // p2, p3 of rows 2 and 3
	VUNPCKLPD Y7, Y6, Y3   // p0
	VUNPCKHPD Y7, Y6, Y5   // p1
	VUNPCKLPD Y4, Y2, Y6   // p2
	VUNPCKHPD Y4, Y2, Y7   // p3
	VSUBPS Y3, Y7, Y7
	VMULPS Y0, Y7, Y7
	VADDPS Y7, Y3, Y3      // top0 = p0 + fx*(p3-p0)

	MATCHROWS(8, R11, X2, Y2, X4, Y4, X7, Y7, X8, Y8) // p[2..5]
	VUNPCKHPS Y4, Y2, Y2
	VUNPCKHPS Y8, Y7, Y7
	VUNPCKLPD Y7, Y2, Y4   // p4
	VUNPCKHPD Y7, Y2, Y8   // p5
	VSUBPS Y5, Y4, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y4, Y5, Y5      // top1 = p1 + fx*(p4-p1)
	VSUBPS Y6, Y8, Y8
	VMULPS Y0, Y8, Y8
	VADDPS Y8, Y6, Y6      // top2 = p2 + fx*(p5-p2)

	MATCHROWS(0, R12, X2, Y2, X4, Y4, X7, Y7, X8, Y8) // q[0..3]
	VUNPCKLPS Y4, Y2, Y9
	VUNPCKHPS Y4, Y2, Y2
	VUNPCKLPS Y8, Y7, Y10
	VUNPCKHPS Y8, Y7, Y7
	VUNPCKLPD Y10, Y9, Y4  // q0
	VUNPCKHPD Y10, Y9, Y8  // q1
	VUNPCKLPD Y7, Y2, Y9   // q2
	VUNPCKHPD Y7, Y2, Y10  // q3
	VSUBPS Y4, Y10, Y10
	VMULPS Y0, Y10, Y10
	VADDPS Y10, Y4, Y4     // bot0 = q0 + fx*(q3-q0)
	VSUBPS Y3, Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS Y4, Y3, Y3      // s0 = top0 + gy*(bot0-top0)

	MATCHROWS(8, R12, X2, Y2, X4, Y4, X7, Y7, X10, Y10) // q[2..5]
	VUNPCKHPS Y4, Y2, Y2
	VUNPCKHPS Y10, Y7, Y7
	VUNPCKLPD Y7, Y2, Y4   // q4
	VUNPCKHPD Y7, Y2, Y10  // q5
	VSUBPS Y8, Y4, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y4, Y8, Y8      // bot1 = q1 + fx*(q4-q1)
	VSUBPS Y9, Y10, Y10
	VMULPS Y0, Y10, Y10
	VADDPS Y10, Y9, Y9     // bot2 = q2 + fx*(q5-q2)
	VSUBPS Y5, Y8, Y8
	VMULPS Y1, Y8, Y8
	VADDPS Y8, Y5, Y5      // s1 = top1 + gy*(bot1-top1)
	VSUBPS Y6, Y9, Y9
	VMULPS Y1, Y9, Y9
	VADDPS Y9, Y6, Y6      // s2 = top2 + gy*(bot2-top2)

	MOVQ pa+24(FP), AX
	LEAQ (BX)(BX*2), DX
	VMOVUPS (AX)(DX*4), Y7   // L0
	VMOVUPS 32(AX)(DX*4), Y8 // L1
	VMOVUPS 64(AX)(DX*4), Y9 // L2
	VBLENDPS $0x92, Y8, Y7, Y2
	VBLENDPS $0x24, Y9, Y2, Y2
	VMOVDQU matchPerm0<>(SB), Y4
	VPERMPS Y2, Y4, Y2     // a0
	VSUBPS Y3, Y2, Y2
	VANDPS matchAbs<>(SB), Y2, Y2 // diff = |a0-s0|
	VBLENDPS $0x24, Y8, Y7, Y3
	VBLENDPS $0x49, Y9, Y3, Y3
	VMOVDQU matchPerm1<>(SB), Y4
	VPERMPS Y3, Y4, Y3     // a1
	VSUBPS Y5, Y3, Y3
	VANDPS matchAbs<>(SB), Y3, Y3
	VADDPS Y3, Y2, Y2      // diff += |a1-s1|
	VBLENDPS $0x49, Y8, Y7, Y3
	VBLENDPS $0x92, Y9, Y3, Y3
	VMOVDQU matchPerm2<>(SB), Y4
	VPERMPS Y3, Y4, Y3     // a2
	VSUBPS Y6, Y3, Y3
	VANDPS matchAbs<>(SB), Y3, Y3
	VADDPS Y3, Y2, Y2      // diff += |a2-s2|
	MATCHFLAGS

	VPADDD matchEight<>(SB), Y15, Y15
	ADDQ $8, BX
	CMPQ BX, n+40(FP)
	JB   rgbloop

rgbdone:
	MOVQ BX, ret+80(FP)
	VZEROUPPER
	RET

// func matchGreyAVX2(flags *uint8, fu, fv, pa, pb *float32, n, x, w int, fy, xi, yi, limit float32) int
//
// matchRGBAVX2 for one channel: with p the values of b at (x0, y0) and
// (x0+1, y0) and q those of the row below,
//
//	top = p[0] + fx*(p[1]-p[0]); bot = q[0] + fx*(q[1]-q[0])
//	diff = |a - (top + gy*(bot-top))|
//
// p is loaded as b[i0 .. i0+3] and q as b[i1-2 .. i1+1] (b[i1+2] may be
// past the end of b), so p is columns 0 and 1 of the transposed rows and q
// columns 2 and 3.
TEXT ·matchGreyAVX2(SB), NOSPLIT, $192-88
	MATCHSETUP
	MOVQ w+56(FP), AX
	LEAQ (R11)(AX*4), R12 // pb + w values: q

greyloop:
	MATCHTEST
	CMPL AX, $0xff
	JNE  greydone
	VMOVDQU Y3, 0(SP)      // i0 = y0*w + x0
	MATCHINDICES

	MATCHROWS(0, R11, X2, Y2, X3, Y3, X4, Y4, X5, Y5) // p[0..3]
	VUNPCKLPS Y3, Y2, Y2
	VUNPCKLPS Y5, Y4, Y4
	VUNPCKLPD Y4, Y2, Y3   // p0
	VUNPCKHPD Y4, Y2, Y5   // p1
	VSUBPS Y3, Y5, Y5
	VMULPS Y0, Y5, Y5
	VADDPS Y5, Y3, Y3      // top = p0 + fx*(p1-p0)

	MATCHROWS(-8, R12, X2, Y2, X4, Y4, X5, Y5, X6, Y6) // q[-2..1]
	VUNPCKHPS Y4, Y2, Y2
	VUNPCKHPS Y6, Y5, Y5
	VUNPCKLPD Y5, Y2, Y4   // q0
	VUNPCKHPD Y5, Y2, Y6   // q1
	VSUBPS Y4, Y6, Y6
	VMULPS Y0, Y6, Y6
	VADDPS Y6, Y4, Y4      // bot = q0 + fx*(q1-q0)
	VSUBPS Y3, Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS Y4, Y3, Y3      // s = top + gy*(bot-top)

	MOVQ pa+24(FP), AX
	VMOVUPS (AX)(BX*4), Y2
	VSUBPS Y3, Y2, Y2
	VANDPS matchAbs<>(SB), Y2, Y2 // diff = |a-s|
	MATCHFLAGS

	VPADDD matchEight<>(SB), Y15, Y15
	ADDQ $8, BX
	CMPQ BX, n+40(FP)
	JB   greyloop

greydone:
	MOVQ BX, ret+80(FP)
	VZEROUPPER
	RET
