//go:build amd64 && !purego

#include "textflag.h"

// func residuals8AVX2(img *float32, s int, w00, w01, w10, w11 float32, tpl, gxs, gys, res *float32, out *[4]float32)
//
// One row of the 8x8 patch per step, one column per lane: with a and b
// rows r and r+1 of img (stride s floats),
//
//	val = ((w00*a[c] + w01*a[c+1]) + w10*b[c]) + w11*b[c+1]
//	d = val - tpl; res = d
//	bx += gx*d; by += gy*d; sr += d; sr2 += d*d
//
// then each accumulator's lanes are added as reduce8 does: upper half onto
// lower, upper quarter onto lower, the last two.
TEXT ·residuals8AVX2(SB), NOSPLIT, $0-72
	MOVQ img+0(FP), SI
	MOVQ s+8(FP), DX
	SHLQ $2, DX                 // row stride in bytes
	VBROADCASTSS w00+16(FP), Y12
	VBROADCASTSS w01+20(FP), Y13
	VBROADCASTSS w10+24(FP), Y14
	VBROADCASTSS w11+28(FP), Y15
	MOVQ tpl+32(FP), R8
	MOVQ gxs+40(FP), R9
	MOVQ gys+48(FP), R10
	MOVQ res+56(FP), R11
	VXORPS Y8, Y8, Y8           // bx
	VXORPS Y9, Y9, Y9           // by
	VXORPS Y10, Y10, Y10        // sr
	VXORPS Y11, Y11, Y11        // sr2
	MOVQ $8, CX

rloop:
	VMULPS (SI), Y12, Y0        // w00*a[c]
	VMULPS 4(SI), Y13, Y1       // w01*a[c+1]
	VADDPS Y1, Y0, Y0
	VMULPS (SI)(DX*1), Y14, Y1  // w10*b[c]
	VADDPS Y1, Y0, Y0
	VMULPS 4(SI)(DX*1), Y15, Y1 // w11*b[c+1]
	VADDPS Y1, Y0, Y0           // val
	VSUBPS (R8), Y0, Y0         // d = val - tpl
	VMOVUPS Y0, (R11)
	VMULPS (R9), Y0, Y1
	VADDPS Y1, Y8, Y8
	VMULPS (R10), Y0, Y2
	VADDPS Y2, Y9, Y9
	VADDPS Y0, Y10, Y10
	VMULPS Y0, Y0, Y3
	VADDPS Y3, Y11, Y11
	ADDQ DX, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ CX
	JNZ  rloop

	MOVQ out+64(FP), DI

	VEXTRACTF128 $1, Y8, X1
	VADDPS X1, X8, X8           // s[i] = l[i] + l[i+4]
	VMOVHLPS X8, X8, X1
	VADDPS X1, X8, X8           // t0 = s0+s2, t1 = s1+s3
	VMOVSHDUP X8, X1
	VADDSS X1, X8, X8           // t0 + t1
	VMOVSS X8, 0(DI)

	VEXTRACTF128 $1, Y9, X1
	VADDPS X1, X9, X9
	VMOVHLPS X9, X9, X1
	VADDPS X1, X9, X9
	VMOVSHDUP X9, X1
	VADDSS X1, X9, X9
	VMOVSS X9, 4(DI)

	VEXTRACTF128 $1, Y10, X1
	VADDPS X1, X10, X10
	VMOVHLPS X10, X10, X1
	VADDPS X1, X10, X10
	VMOVSHDUP X10, X1
	VADDSS X1, X10, X10
	VMOVSS X10, 8(DI)

	VEXTRACTF128 $1, Y11, X1
	VADDPS X1, X11, X11
	VMOVHLPS X11, X11, X1
	VADDPS X1, X11, X11
	VMOVSHDUP X11, X1
	VADDSS X1, X11, X11
	VMOVSS X11, 12(DI)

	VZEROUPPER
	RET

// func densify8AVX2(su, sv, sw, wts *float32, rows, w int, du, dv float32)
//
// For each of rows rows r (sums w floats apart, weights 8 apart):
//
//	su[c] += wts[c]*du; sv[c] += wts[c]*dv; sw[c] += wts[c]
TEXT ·densify8AVX2(SB), NOSPLIT, $0-56
	MOVQ su+0(FP), DI
	MOVQ sv+8(FP), SI
	MOVQ sw+16(FP), DX
	MOVQ wts+24(FP), R8
	MOVQ rows+32(FP), CX
	MOVQ w+40(FP), R9
	SHLQ $2, R9                 // row stride in bytes
	VBROADCASTSS du+48(FP), Y14
	VBROADCASTSS dv+52(FP), Y15

dloop:
	VMOVUPS (R8), Y0            // weights
	VMULPS Y14, Y0, Y1
	VADDPS (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	VMULPS Y15, Y0, Y2
	VADDPS (SI), Y2, Y2
	VMOVUPS Y2, (SI)
	VADDPS (DX), Y0, Y3
	VMOVUPS Y3, (DX)
	ADDQ $32, R8
	ADDQ R9, DI
	ADDQ R9, SI
	ADDQ R9, DX
	DECQ CX
	JNZ  dloop
	VZEROUPPER
	RET

// REDUCE8(YR, XR, XT): the sum of YR's lanes in reduce8's order into the
// low lane of XR (YR's lower half), with XT as scratch.
#define REDUCE8(YR, XR, XT) \
	VEXTRACTF128 $1, YR, XT; \
	VADDPS XT, XR, XR; \
	VMOVHLPS XR, XR, XT; \
	VADDPS XT, XR, XR; \
	VMOVSHDUP XR, XT; \
	VADDSS XT, XR, XR

DATA inv64<>+0(SB)/4, $0x3c800000 // 1/64
GLOBL inv64<>(SB), RODATA|NOPTR, $4

// func center8AVX2(img, gx, gy *float32, w int, tpl, gxs, gys *float32, out *[3]float32)
//
// First pass, one row of the patch per step, one column per lane: copy
// the rows of img, gx and gy into tpl, gxs and gys and sum them per
// column; the means are the column sums added (REDUCE8) times 1/64. Second
// pass: take the means out of the copies and sum gx*gx, gx*gy and gy*gy
// per column, then add each as REDUCE8 does.
TEXT ·center8AVX2(SB), NOSPLIT, $0-64
	MOVQ img+0(FP), SI
	MOVQ gx+8(FP), R12
	MOVQ gy+16(FP), R13
	MOVQ w+24(FP), DX
	SHLQ $2, DX                 // row stride in bytes
	MOVQ tpl+32(FP), R8
	MOVQ gxs+40(FP), R9
	MOVQ gys+48(FP), R10
	VXORPS Y8, Y8, Y8           // column sums of img
	VXORPS Y9, Y9, Y9           // of gx
	VXORPS Y10, Y10, Y10        // of gy
	XORQ AX, AX                 // offset in the copies
	MOVQ $8, CX

cload:
	VMOVUPS (SI), Y0
	VMOVUPS (R12), Y1
	VMOVUPS (R13), Y2
	VMOVUPS Y0, (R8)(AX*1)
	VMOVUPS Y1, (R9)(AX*1)
	VMOVUPS Y2, (R10)(AX*1)
	VADDPS Y0, Y8, Y8
	VADDPS Y1, Y9, Y9
	VADDPS Y2, Y10, Y10
	ADDQ DX, SI
	ADDQ DX, R12
	ADDQ DX, R13
	ADDQ $32, AX
	DECQ CX
	JNZ  cload

	VMOVSS inv64<>(SB), X7
	REDUCE8(Y8, X8, X1)
	VMULSS X7, X8, X8
	VBROADCASTSS X8, Y8         // mean of img
	REDUCE8(Y9, X9, X1)
	VMULSS X7, X9, X9
	VBROADCASTSS X9, Y9         // mean of gx
	REDUCE8(Y10, X10, X1)
	VMULSS X7, X10, X10
	VBROADCASTSS X10, Y10       // mean of gy

	VXORPS Y11, Y11, Y11        // column sums of gx*gx
	VXORPS Y12, Y12, Y12        // gx*gy
	VXORPS Y13, Y13, Y13        // gy*gy
	XORQ AX, AX
	MOVQ $8, CX

ccentre:
	VMOVUPS (R8)(AX*1), Y0
	VSUBPS Y8, Y0, Y0
	VMOVUPS Y0, (R8)(AX*1)
	VMOVUPS (R9)(AX*1), Y1
	VSUBPS Y9, Y1, Y1
	VMOVUPS Y1, (R9)(AX*1)
	VMOVUPS (R10)(AX*1), Y2
	VSUBPS Y10, Y2, Y2
	VMOVUPS Y2, (R10)(AX*1)
	VMULPS Y1, Y1, Y3
	VADDPS Y3, Y11, Y11
	VMULPS Y2, Y1, Y4
	VADDPS Y4, Y12, Y12
	VMULPS Y2, Y2, Y5
	VADDPS Y5, Y13, Y13
	ADDQ $32, AX
	DECQ CX
	JNZ  ccentre

	MOVQ out+56(FP), DI
	REDUCE8(Y11, X11, X1)
	VMOVSS X11, 0(DI)
	REDUCE8(Y12, X12, X1)
	VMOVSS X12, 4(DI)
	REDUCE8(Y13, X13, X1)
	VMOVSS X13, 8(DI)
	VZEROUPPER
	RET

DATA half<>+0(SB)/4, $0x3f000000 // 0.5
GLOBL half<>(SB), RODATA|NOPTR, $4

// func gradientRowAVX2(ox, oy, row, up, dn *float32, ny, nx int)
//
// oy[i] = 0.5*(dn[i]-up[i]) for i < ny, then ox[1+i] = 0.5*(row[2+i]-row[i])
// for i < nx, 8 at a time.
TEXT ·gradientRowAVX2(SB), NOSPLIT, $0-56
	MOVQ ox+0(FP), DI
	MOVQ oy+8(FP), R8
	MOVQ row+16(FP), SI
	MOVQ up+24(FP), R9
	MOVQ dn+32(FP), R10
	MOVQ ny+40(FP), CX
	MOVQ nx+48(FP), DX
	VBROADCASTSS half<>(SB), Y15
	XORQ AX, AX

gyloop:
	VMOVUPS (R10)(AX*4), Y0
	VSUBPS (R9)(AX*4), Y0, Y0   // dn - up
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, (R8)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  gyloop

	XORQ AX, AX
	CMPQ AX, DX
	JGE  gdone

gxloop:
	VMOVUPS 8(SI)(AX*4), Y0
	VSUBPS (SI)(AX*4), Y0, Y0   // row[x+1] - row[x-1]
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, 4(DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, DX
	JLT  gxloop

gdone:
	VZEROUPPER
	RET

DATA grayCoef<>+0(SB)/4, $0.299
DATA grayCoef<>+4(SB)/4, $0.587
DATA grayCoef<>+8(SB)/4, $0.114
GLOBL grayCoef<>(SB), RODATA|NOPTR, $12

// The lane orders for de-interleaving 8 RGB pixels (see grayAVX2).
DATA grayPerm<>+0(SB)/4, $0
DATA grayPerm<>+4(SB)/4, $3
DATA grayPerm<>+8(SB)/4, $6
DATA grayPerm<>+12(SB)/4, $1
DATA grayPerm<>+16(SB)/4, $4
DATA grayPerm<>+20(SB)/4, $7
DATA grayPerm<>+24(SB)/4, $2
DATA grayPerm<>+28(SB)/4, $5
DATA grayPerm<>+32(SB)/4, $1
DATA grayPerm<>+36(SB)/4, $4
DATA grayPerm<>+40(SB)/4, $7
DATA grayPerm<>+44(SB)/4, $2
DATA grayPerm<>+48(SB)/4, $5
DATA grayPerm<>+52(SB)/4, $0
DATA grayPerm<>+56(SB)/4, $3
DATA grayPerm<>+60(SB)/4, $6
DATA grayPerm<>+64(SB)/4, $2
DATA grayPerm<>+68(SB)/4, $5
DATA grayPerm<>+72(SB)/4, $0
DATA grayPerm<>+76(SB)/4, $3
DATA grayPerm<>+80(SB)/4, $6
DATA grayPerm<>+84(SB)/4, $1
DATA grayPerm<>+88(SB)/4, $4
DATA grayPerm<>+92(SB)/4, $7
GLOBL grayPerm<>(SB), RODATA|NOPTR, $96

// func grayAVX2(dst, rgb *float32, n int)
//
// 8 pixels per step. Their 24 values v0 = r0 g0 b0 r1 g1 b1 r2 g2,
// v1 = b2 r3 g3 b3 r4 g4 b4 r5, v2 = g5 b5 r6 g6 b6 r7 g7 b7 hold each
// channel at lanes that no two of them share (red at 0,3,6 of v0, 1,4,7
// of v1, 2,5 of v2), so two blends gather a channel's 8 values and one
// permutation puts them in pixel order. Then
// dst = (0.299*r + 0.587*g) + 0.114*b, as grayPlane computes it.
TEXT ·grayAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ rgb+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS grayCoef<>+0(SB), Y13
	VBROADCASTSS grayCoef<>+4(SB), Y14
	VBROADCASTSS grayCoef<>+8(SB), Y15
	VMOVUPS grayPerm<>+0(SB), Y10
	VMOVUPS grayPerm<>+32(SB), Y11
	VMOVUPS grayPerm<>+64(SB), Y12

grayloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	// red: lanes 1,4,7 from v1 (mask 0x92), 2,5 from v2 (0x24)
	VBLENDPS $0x92, Y1, Y0, Y3
	VBLENDPS $0x24, Y2, Y3, Y3
	VPERMPS Y3, Y10, Y3
	// green: v0 at 1,4,7, v1 at 2,5, v2 at 0,3,6 (0x49)
	VBLENDPS $0x24, Y1, Y0, Y4
	VBLENDPS $0x49, Y2, Y4, Y4
	VPERMPS Y4, Y11, Y4
	// blue: v0 at 2,5, v1 at 0,3,6 (0x49), v2 at 1,4,7 (0x92)
	VBLENDPS $0x49, Y1, Y0, Y5
	VBLENDPS $0x92, Y2, Y5, Y5
	VPERMPS Y5, Y12, Y5
	VMULPS Y13, Y3, Y3
	VMULPS Y14, Y4, Y4
	VADDPS Y4, Y3, Y3
	VMULPS Y15, Y5, Y5
	VADDPS Y5, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $96, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  grayloop
	VZEROUPPER
	RET

DATA binom<>+0(SB)/4, $4.0
DATA binom<>+4(SB)/4, $6.0
DATA binom<>+8(SB)/4, $0.0625
GLOBL binom<>(SB), RODATA|NOPTR, $12

// EVENODD(off, YE, YO): the even and the odd entries of the 16 floats at
// off(SI), in order, into YE and YO (Y0, Y1 scratch). VSHUFPS picks them
// within 128-bit lanes; VPERMPD puts the lanes' halves in order.
#define EVENODD(off, YE, YO) \
	VMOVUPS off(SI), Y0; \
	VMOVUPS off+32(SI), Y1; \
	VSHUFPS $0x88, Y1, Y0, YE; \
	VSHUFPS $0xDD, Y1, Y0, YO; \
	VPERMPD $0xD8, YE, YE; \
	VPERMPD $0xD8, YO, YO

// func downsampleRowAVX2(out, row *float32, n int)
//
// Outputs x = 1.. 8 at a time; for output x, c = 2x. With A the 16 values
// from row[c-2] (of the group's first output), B from row[c], C from
// row[c+2]: even(A) = row[c-2], odd(A) = row[c-1], even(B) = row[c],
// odd(B) = row[c+1], even(C) = row[c+2] for each lane's output.
TEXT ·downsampleRowAVX2(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ row+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS binom<>+0(SB), Y13
	VBROADCASTSS binom<>+4(SB), Y14
	VBROADCASTSS binom<>+8(SB), Y15

dsrow:
	EVENODD(0, Y2, Y3)          // row[c-2], row[c-1]
	EVENODD(8, Y4, Y5)          // row[c], row[c+1]
	EVENODD(16, Y6, Y7)         // row[c+2]
	VADDPS Y6, Y2, Y2           // row[c-2] + row[c+2]
	VADDPS Y5, Y3, Y3           // row[c-1] + row[c+1]
	VMULPS Y13, Y3, Y3
	VADDPS Y3, Y2, Y2
	VMULPS Y14, Y4, Y4
	VADDPS Y4, Y2, Y2
	VMULPS Y15, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  dsrow
	VZEROUPPER
	RET

// func downsampleColsAVX2(out, r0, r1, r2, r3, r4 *float32, n int)
//
// out = (((r0 + r4) + 4*(r1+r3)) + 6*r2) * (1/16), 8 columns at a time.
TEXT ·downsampleColsAVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ r0+8(FP), R8
	MOVQ r1+16(FP), R9
	MOVQ r2+24(FP), R10
	MOVQ r3+32(FP), R11
	MOVQ r4+40(FP), R12
	MOVQ n+48(FP), CX
	VBROADCASTSS binom<>+0(SB), Y13
	VBROADCASTSS binom<>+4(SB), Y14
	VBROADCASTSS binom<>+8(SB), Y15
	XORQ AX, AX

dscol:
	VMOVUPS (R8)(AX*4), Y0
	VADDPS (R12)(AX*4), Y0, Y0  // r0 + r4
	VMOVUPS (R9)(AX*4), Y1
	VADDPS (R11)(AX*4), Y1, Y1  // r1 + r3
	VMULPS Y13, Y1, Y1
	VADDPS Y1, Y0, Y0
	VMULPS (R10)(AX*4), Y14, Y2 // 6*r2
	VADDPS Y2, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  dscol
	VZEROUPPER
	RET

DATA boundaryTol<>+0(SB)/4, $0.01
DATA boundaryTol<>+4(SB)/4, $0.002
GLOBL boundaryTol<>(SB), RODATA|NOPTR, $8

// func boundaryAVX2(flags *uint8, fu, fv, uu, vu, ud, vd *float32, n int)
//
// 8 pixels x per step: ux = 0.5*(fu[x+1]-fu[x-1]), likewise vx with fv,
// uy = 0.5*(ud[x]-uu[x]), vy = 0.5*(vd[x]-vu[x]); where
// ((ux*ux + uy*uy) + vx*vx) + vy*vy > 0.01*(u*u + v*v) + 0.002 the pixel's
// flag gets boundaryBit (2): the comparison's lanes, shifted to 2, are
// packed to bytes and ORed into the 8 flags.
TEXT ·boundaryAVX2(SB), NOSPLIT, $0-64
	MOVQ flags+0(FP), DI
	MOVQ fu+8(FP), R8
	MOVQ fv+16(FP), R9
	MOVQ uu+24(FP), R10
	MOVQ vu+32(FP), R11
	MOVQ ud+40(FP), R12
	MOVQ vd+48(FP), R13
	MOVQ n+56(FP), CX
	VBROADCASTSS half<>(SB), Y15
	VBROADCASTSS boundaryTol<>+0(SB), Y14
	VBROADCASTSS boundaryTol<>+4(SB), Y13
	XORQ AX, AX

bloop:
	VMOVUPS 4(R8)(AX*4), Y0
	VSUBPS -4(R8)(AX*4), Y0, Y0 // fu[x+1] - fu[x-1]
	VMULPS Y15, Y0, Y0          // ux
	VMOVUPS 4(R9)(AX*4), Y1
	VSUBPS -4(R9)(AX*4), Y1, Y1
	VMULPS Y15, Y1, Y1          // vx
	VMOVUPS (R12)(AX*4), Y2
	VSUBPS (R10)(AX*4), Y2, Y2  // ud - uu
	VMULPS Y15, Y2, Y2          // uy
	VMOVUPS (R13)(AX*4), Y3
	VSUBPS (R11)(AX*4), Y3, Y3
	VMULPS Y15, Y3, Y3          // vy
	VMULPS Y0, Y0, Y0
	VMULPS Y2, Y2, Y2
	VADDPS Y2, Y0, Y0           // ux*ux + uy*uy
	VMULPS Y1, Y1, Y1
	VADDPS Y1, Y0, Y0           // + vx*vx
	VMULPS Y3, Y3, Y3
	VADDPS Y3, Y0, Y0           // + vy*vy
	VMOVUPS (R8)(AX*4), Y4      // u
	VMOVUPS (R9)(AX*4), Y5      // v
	VMULPS Y4, Y4, Y4
	VMULPS Y5, Y5, Y5
	VADDPS Y5, Y4, Y4           // u*u + v*v
	VMULPS Y14, Y4, Y4          // 0.01*(.)
	VADDPS Y13, Y4, Y4          // + 0.002
	VCMPPS $0x1e, Y4, Y0, Y0    // lhs > rhs (ordered, quiet)
	VPSRLD $31, Y0, Y0
	VPSLLD $1, Y0, Y0           // boundaryBit where true
	VEXTRACTF128 $1, Y0, X1
	VPACKUSDW X1, X0, X0        // 8 words, in pixel order
	VPACKUSWB X0, X0, X0        // 8 bytes in the low half
	VMOVQ X0, DX
	ORQ  DX, (DI)(AX*1)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  bloop
	VZEROUPPER
	RET

// func upsampleRowAVX2(dst, r0, r1 *float32, n int)
//
// Coarse columns j, 8 per step from j = 1: with a, c = r0, r1 at j-1 and
// b, d at j, fine pixel 2j-2 = 0.5*(((a+a)+c)+c) and 2j-1 =
// 0.5*(((a+b)+c)+d); VUNPCKLPS/VUNPCKHPS and VPERM2F128 interleave them.
TEXT ·upsampleRowAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS half<>(SB), Y15

uploop:
	VMOVUPS (SI), Y0            // a
	VMOVUPS 4(SI), Y1           // b
	VMOVUPS (DX), Y2            // c
	VMOVUPS 4(DX), Y3           // d
	VADDPS Y0, Y0, Y4
	VADDPS Y2, Y4, Y4
	VADDPS Y2, Y4, Y4
	VMULPS Y15, Y4, Y4          // even pixels
	VADDPS Y1, Y0, Y5
	VADDPS Y2, Y5, Y5
	VADDPS Y3, Y5, Y5
	VMULPS Y15, Y5, Y5          // odd pixels
	VUNPCKLPS Y5, Y4, Y6        // e0 o0 e1 o1 | e4 o4 e5 o5
	VUNPCKHPS Y5, Y4, Y7        // e2 o2 e3 o3 | e6 o6 e7 o7
	VPERM2F128 $0x20, Y7, Y6, Y8
	VPERM2F128 $0x31, Y7, Y6, Y9
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $64, DI
	SUBQ $8, CX
	JNZ  uploop
	VZEROUPPER
	RET

DATA laneIndex<>+0(SB)/4, $0.0
DATA laneIndex<>+4(SB)/4, $1.0
DATA laneIndex<>+8(SB)/4, $2.0
DATA laneIndex<>+12(SB)/4, $3.0
DATA laneIndex<>+16(SB)/4, $4.0
DATA laneIndex<>+20(SB)/4, $5.0
DATA laneIndex<>+24(SB)/4, $6.0
DATA laneIndex<>+28(SB)/4, $7.0
GLOBL laneIndex<>(SB), RODATA|NOPTR, $32

DATA eight<>+0(SB)/4, $8.0
GLOBL eight<>(SB), RODATA|NOPTR, $4

// func warpAVX2(out, src, u, v *float32, n, y, w, h int)
//
// 8 pixels per step, as sampleClamp(x+u, y+v) computes them: tx, ty
// clamped to [0, w-1] and [0, h-1] (NaN and anything not >= 0 to 0: an
// ordered >= 0 mask ANDed in, then VMINPS), x0 = int(tx) (truncation),
// fx = tx - float(x0), x1 = min(x0+1, w-1), likewise for y; the four
// neighbours are gathered and
//
//	a = s00 + fx*(s01-s00); b = s10 + fx*(s11-s10); out = a + fy*(b-a)
//
// Clamping keeps every index in [0, w*h).
TEXT ·warpAVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ u+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ w+48(FP), AX
	MOVQ h+56(FP), BX
	VMOVUPS laneIndex<>(SB), Y15       // x as float32, per lane
	VBROADCASTSS eight<>(SB), Y14
	CVTSQ2SS y+40(FP), X13
	VBROADCASTSS X13, Y13              // y
	DECQ AX
	DECQ BX
	MOVQ AX, X0
	VPBROADCASTD X0, Y12               // w-1 (int32)
	CVTSQ2SS AX, X0
	VBROADCASTSS X0, Y11               // w-1 (float32)
	MOVQ BX, X0
	VPBROADCASTD X0, Y10               // h-1 (int32)
	CVTSQ2SS BX, X0
	VBROADCASTSS X0, Y9                // h-1 (float32)
	INCQ AX
	MOVQ AX, X0
	VPBROADCASTD X0, Y8                // w (int32)
	VXORPS Y7, Y7, Y7                  // zero

wloop:
	VADDPS (R8), Y15, Y0               // tx = x + u
	VCMPPS $0x1d, Y7, Y0, Y1           // tx >= 0 (ordered)
	VANDPS Y1, Y0, Y0
	VMINPS Y0, Y11, Y0                 // clamped tx (w-1 only if less than tx: -0 stays)
	VADDPS (R9), Y13, Y2               // ty = y + v
	VCMPPS $0x1d, Y7, Y2, Y3
	VANDPS Y3, Y2, Y2
	VMINPS Y2, Y9, Y2                  // clamped ty
	VCVTTPS2DQ Y0, Y4                  // x0
	VCVTTPS2DQ Y2, Y5                  // y0
	VCVTDQ2PS Y4, Y1
	VSUBPS Y1, Y0, Y0                  // fx
	VCVTDQ2PS Y5, Y3
	VSUBPS Y3, Y2, Y2                  // fy
	VPCMPEQD Y6, Y6, Y6                // all ones
	VPSUBD Y6, Y4, Y1                  // x0 + 1
	VPMINSD Y12, Y1, Y1                // x1
	VPSUBD Y6, Y5, Y3                  // y0 + 1
	VPMINSD Y10, Y3, Y3                // y1
	VPMULLD Y8, Y5, Y5                 // y0*w
	VPMULLD Y8, Y3, Y3                 // y1*w
	VPADDD Y4, Y5, Y6                  // i00
	VPADDD Y1, Y5, Y5                  // i01
	VPADDD Y4, Y3, Y4                  // i10
	VPADDD Y1, Y3, Y3                  // i11
	// Gather with Y7 as the mask (a gather clears it), each into a
	// register the index before it freed.
	VPCMPEQD Y7, Y7, Y7
	VGATHERDPS Y7, (SI)(Y6*4), Y1      // s00
	VPCMPEQD Y7, Y7, Y7
	VGATHERDPS Y7, (SI)(Y5*4), Y6      // s01
	VPCMPEQD Y7, Y7, Y7
	VGATHERDPS Y7, (SI)(Y4*4), Y5      // s10
	VPCMPEQD Y7, Y7, Y7
	VGATHERDPS Y7, (SI)(Y3*4), Y4      // s11
	VSUBPS Y1, Y6, Y6                  // s01 - s00
	VMULPS Y6, Y0, Y6
	VADDPS Y6, Y1, Y1                  // a
	VSUBPS Y5, Y4, Y4                  // s11 - s10
	VMULPS Y4, Y0, Y4
	VADDPS Y4, Y5, Y5                  // b
	VSUBPS Y1, Y5, Y5                  // b - a
	VMULPS Y5, Y2, Y5
	VADDPS Y5, Y1, Y1                  // a + fy*(b-a)
	VMOVUPS Y1, (DI)
	VXORPS Y7, Y7, Y7                  // zero again
	VADDPS Y14, Y15, Y15               // next 8 x
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  wloop
	VZEROUPPER
	RET

DATA bytesOne<>+0(SB)/1, $1
GLOBL bytesOne<>(SB), RODATA|NOPTR, $1

// func trustedAVX2(row *uint8, n int)
//
// row = row == 0 ? 1 : 0, 32 bytes per step.
TEXT ·trustedAVX2(SB), NOSPLIT, $0-16
	MOVQ row+0(FP), DI
	MOVQ n+8(FP), CX
	VPBROADCASTB bytesOne<>(SB), Y15
	VPXOR Y14, Y14, Y14

tloop:
	VPCMPEQB (DI), Y14, Y0      // 0xff where the flag is 0
	VPAND Y15, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ $32, DI
	SUBQ $32, CX
	JNZ  tloop
	VZEROUPPER
	RET

// func binomialAVX2(out, row *uint8, n int)
//
// out[i] = (r[i] + r[i+4]) + 4*(r[i+1] + r[i+3]) + 6*r[i+2] + 32*r[i+2]
// with r = row, in bytes (additions modulo 256 as Go's uint8 arithmetic;
// multiples by repeated doubling), 32 per step.
TEXT ·binomialAVX2(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ row+8(FP), SI
	MOVQ n+16(FP), CX

hbloop:
	VMOVDQU (SI), Y0
	VPADDB 4(SI), Y0, Y0        // r0 + r4
	VMOVDQU 1(SI), Y1
	VPADDB 3(SI), Y1, Y1        // r1 + r3
	VPADDB Y1, Y1, Y1
	VPADDB Y1, Y1, Y1           // 4*(r1 + r3)
	VPADDB Y1, Y0, Y0
	VMOVDQU 2(SI), Y2           // c
	VPADDB Y2, Y2, Y2           // 2c
	VPADDB Y2, Y2, Y3           // 4c
	VPADDB Y2, Y3, Y4           // 6c
	VPADDB Y4, Y0, Y0
	VPADDB Y3, Y3, Y3           // 8c
	VPADDB Y3, Y3, Y3           // 16c
	VPADDB Y3, Y3, Y3           // 32c
	VPADDB Y3, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $32, CX
	JNZ  hbloop
	VZEROUPPER
	RET

DATA blurConst<>+0(SB)/4, $31         // trustedBit - 1
DATA blurConst<>+4(SB)/4, $32         // trustedBit
DATA blurConst<>+8(SB)/4, $0x3b800000 // 1/256
GLOBL blurConst<>(SB), RODATA|NOPTR, $12

// func blurColsAVX2(out *float32, r0, r1, r2, r3, r4 *uint8, n int)
//
// 8 columns per step: the row sums widened to 32 bits and masked with
// trustedBit-1, k = (r0 + r4) + 4*(r1 + r3) + 6*r2 (exact in integers),
// out = float32(k) * (1/256) where r2 has trustedBit, +0 elsewhere.
TEXT ·blurColsAVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ r0+8(FP), R8
	MOVQ r1+16(FP), R9
	MOVQ r2+24(FP), R10
	MOVQ r3+32(FP), R11
	MOVQ r4+40(FP), R12
	MOVQ n+48(FP), CX
	VPBROADCASTD blurConst<>+0(SB), Y15
	VPBROADCASTD blurConst<>+4(SB), Y14
	VBROADCASTSS blurConst<>+8(SB), Y13
	XORQ AX, AX

vbloop:
	VPMOVZXBD (R8)(AX*1), Y0
	VPAND Y15, Y0, Y0           // r0 & m
	VPMOVZXBD (R12)(AX*1), Y1
	VPAND Y15, Y1, Y1           // r4 & m
	VPADDD Y1, Y0, Y0
	VPMOVZXBD (R9)(AX*1), Y1
	VPAND Y15, Y1, Y1
	VPMOVZXBD (R11)(AX*1), Y2
	VPAND Y15, Y2, Y2
	VPADDD Y2, Y1, Y1
	VPSLLD $2, Y1, Y1           // 4*((r1 & m) + (r3 & m))
	VPADDD Y1, Y0, Y0
	VPMOVZXBD (R10)(AX*1), Y3   // r2
	VPAND Y14, Y3, Y4
	VPCMPEQD Y14, Y4, Y4        // all ones where r2 has trustedBit
	VPAND Y15, Y3, Y3
	VPSLLD $1, Y3, Y2           // 2c
	VPSLLD $2, Y3, Y3           // 4c
	VPADDD Y2, Y3, Y3           // 6c
	VPADDD Y3, Y0, Y0           // k
	VCVTDQ2PS Y0, Y0
	VMULPS Y13, Y0, Y0
	VANDPS Y4, Y0, Y0           // +0 where r2 is not trusted
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  vbloop
	VZEROUPPER
	RET
