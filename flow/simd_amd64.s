//go:build amd64 && !purego

#include "textflag.h"

// func sorAVX2(cur, oth, coef *float32, n, q, hw, plane int, omega float32)
//
// sorRowGo on 8 entries per step: for each entry m, with P = plane entries
// between the arrays of du and dv and between coefficient arrays,
//
//	su = el*lu[m] + er*lu[m+1] + eu*uu[m] + ed*du[m] (likewise sv with dv)
//	d  = cu[m] + omega*(((c0+su) - c2*cv[m])*c3 - cu[m]); cu[m] = d
//	cv[m] = cv[m] + omega*(((c1+sv) - c2*d)*c4 - cv[m])
//
// with the same float32 operations in the same order (additions and
// multiplications commute exactly, so operand order does not matter).
TEXT ·sorAVX2(SB), NOSPLIT, $0-60
	MOVQ cur+0(FP), R8
	MOVQ oth+8(FP), R10
	MOVQ coef+16(FP), R12
	MOVQ n+24(FP), R11
	MOVQ q+32(FP), AX
	MOVQ hw+40(FP), DX
	MOVQ plane+48(FP), R13
	VBROADCASTSS omega+56(FP), Y14
	SHLQ $2, R13                // P in bytes
	SHLQ $2, DX                 // hw in bytes
	LEAQ (R8)(R13*1), R9        // cur dv
	LEAQ -4(R10)(AX*4), AX      // left neighbours, du (right ones 4 bytes on)
	LEAQ (AX)(R13*1), CX        // left neighbours, dv
	MOVQ R10, SI
	SUBQ DX, SI                 // upper neighbours, du (lower ones 2*hw on)
	LEAQ (SI)(R13*1), DI        // upper neighbours, dv
	LEAQ (R12)(R13*2), BX       // coefficient 2 (a12)
	LEAQ (BX)(R13*1), R10       // coefficient 3 (inv1)

sorloop:
	VMOVUPS (R10)(R13*2), Y0    // el (coefficient 5)
	VMOVUPS (BX)(R13*4), Y1     // er (6)
	VMOVUPS (R10)(R13*4), Y2    // eu (7)
	VMOVUPS (R12)(R13*8), Y3    // ed (8)

	VMULPS (AX), Y0, Y4         // su
	VMULPS 4(AX), Y1, Y5
	VADDPS Y5, Y4, Y4
	VMULPS (SI), Y2, Y5
	VADDPS Y5, Y4, Y4
	VMULPS (SI)(DX*2), Y3, Y5
	VADDPS Y5, Y4, Y4

	VMULPS (CX), Y0, Y6         // sv
	VMULPS 4(CX), Y1, Y7
	VADDPS Y7, Y6, Y6
	VMULPS (DI), Y2, Y7
	VADDPS Y7, Y6, Y6
	VMULPS (DI)(DX*2), Y3, Y7
	VADDPS Y7, Y6, Y6

	VMOVUPS (R8), Y8            // d
	VMOVUPS (R9), Y9            // e
	VMOVUPS (BX), Y10           // c2
	VADDPS (R12), Y4, Y4        // c0 + su
	VMULPS Y9, Y10, Y11         // c2*e
	VSUBPS Y11, Y4, Y4
	VMULPS (R10), Y4, Y4        // *c3
	VSUBPS Y8, Y4, Y4           // -d
	VMULPS Y14, Y4, Y4          // *omega
	VADDPS Y4, Y8, Y8           // d + ...
	VMOVUPS Y8, (R8)

	VADDPS (R12)(R13*1), Y6, Y6 // c1 + sv
	VMULPS Y8, Y10, Y11         // c2*d
	VSUBPS Y11, Y6, Y6
	VMULPS (R12)(R13*4), Y6, Y6 // *c4
	VSUBPS Y9, Y6, Y6           // -e
	VMULPS Y14, Y6, Y6          // *omega
	VADDPS Y6, Y9, Y9           // e + ...
	VMOVUPS Y9, (R9)

	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, AX
	ADDQ $32, CX
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R12
	ADDQ $32, BX
	ADDQ $32, R10
	SUBQ $8, R11
	JNZ  sorloop
	VZEROUPPER
	RET

// func dataAVX2(duv, dat, coef, cw *float32, n, K, plane int, eps float32)
//
// dataRowGo on 8 entries per step: with d1, d2 the increments and, for
// channel k, (ix, iy, iz) its terms and wk its weight,
//
//	r  = (iz + ix*d1) + iy*d2
//	ps = wk / sqrt(r*r + eps)
//	s11 += (ps*ix)*ix; s12 += (ps*ix)*iy; s22 += (ps*iy)*iy
//	t1 += (ps*ix)*iz; t2 += (ps*iy)*iz
//
// summed over k in order from zero, stored as coefficients 0..4 = s11,
// s22, t1, t2, s12.
TEXT ·dataAVX2(SB), NOSPLIT, $0-60
	MOVQ duv+0(FP), R8
	MOVQ dat+8(FP), R9
	MOVQ coef+16(FP), R12
	MOVQ cw+24(FP), R10
	MOVQ n+32(FP), R11
	MOVQ K+40(FP), CX
	MOVQ plane+48(FP), R13
	VBROADCASTSS eps+56(FP), Y13
	SHLQ $2, R13                // P in bytes
	LEAQ (R13)(R13*2), BX       // 3P

dataloop:
	VMOVUPS (R8), Y0            // d1
	VMOVUPS (R8)(R13*1), Y1     // d2
	VXORPS Y2, Y2, Y2           // s11
	VXORPS Y3, Y3, Y3           // s12
	VXORPS Y4, Y4, Y4           // s22
	VXORPS Y5, Y5, Y5           // t1
	VXORPS Y6, Y6, Y6           // t2
	MOVQ CX, DX
	MOVQ R9, SI
	MOVQ R10, DI

chanloop:
	VMOVUPS (SI), Y7            // ix
	VMOVUPS (SI)(R13*1), Y8     // iy
	VMOVUPS (SI)(R13*2), Y9     // iz
	VMULPS Y0, Y7, Y10          // ix*d1
	VADDPS Y10, Y9, Y10         // iz + ix*d1
	VMULPS Y1, Y8, Y11          // iy*d2
	VADDPS Y11, Y10, Y10        // r
	VMULPS Y10, Y10, Y10        // r*r
	VADDPS Y13, Y10, Y10        // + eps
	VSQRTPS Y10, Y10
	VBROADCASTSS (DI), Y11      // wk
	VDIVPS Y10, Y11, Y10        // ps = wk / sqrt
	VMULPS Y7, Y10, Y11         // ps*ix
	VMULPS Y7, Y11, Y12
	VADDPS Y12, Y2, Y2          // s11 += ps*ix*ix
	VMULPS Y8, Y11, Y12
	VADDPS Y12, Y3, Y3          // s12 += ps*ix*iy
	VMULPS Y9, Y11, Y12
	VADDPS Y12, Y5, Y5          // t1 += ps*ix*iz
	VMULPS Y8, Y10, Y11         // ps*iy
	VMULPS Y8, Y11, Y12
	VADDPS Y12, Y4, Y4          // s22 += ps*iy*iy
	VMULPS Y9, Y11, Y12
	VADDPS Y12, Y6, Y6          // t2 += ps*iy*iz
	ADDQ BX, SI
	ADDQ $4, DI
	DECQ DX
	JNZ  chanloop

	VMOVUPS Y2, (R12)
	VMOVUPS Y4, (R12)(R13*1)
	VMOVUPS Y5, (R12)(R13*2)
	VMOVUPS Y6, (R12)(BX*1)
	VMOVUPS Y3, (R12)(R13*4)
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R12
	SUBQ $8, R11
	JNZ  dataloop
	VZEROUPPER
	RET

DATA edgeHalf<>+0(SB)/4, $0.5
GLOBL edgeHalf<>(SB), RODATA|NOPTR, $4
DATA edgeOne<>+0(SB)/4, $1.0
GLOBL edgeOne<>(SB), RODATA|NOPTR, $4

// func edgesAVX2(cur, oth, coef *float32, n, q, hw, plane int, tiny float32)
//
// refine's edge pass on 8 entries per step: with pc, cu, cv the centre's
// psi, u, v and the neighbours (left, right, up, down) in turn,
//
//	e = 0.5*(psi_left + pc) (0.5*(pc + psi) for right and down); su += e*(u_n - cu); sv += e*(v_n - cv)
//	ws = ((el + er) + eu) + ed
//	inv1 = a11+ws > tiny ? 1/(a11+ws) : 0, likewise inv2 with a22
//	coefficients := su-b1, sv-b2, a12, inv1, inv2, el, er, eu, ed
//
// with su and sv summed from zero (additions and multiplications commute
// exactly, so operand order does not matter).
TEXT ·edgesAVX2(SB), NOSPLIT, $0-60
	MOVQ cur+0(FP), R8
	MOVQ oth+8(FP), R9
	MOVQ coef+16(FP), R12
	MOVQ n+24(FP), R11
	MOVQ q+32(FP), AX
	MOVQ hw+40(FP), DX
	MOVQ plane+48(FP), R13
	VBROADCASTSS tiny+56(FP), Y12
	VBROADCASTSS edgeHalf<>(SB), Y13
	VBROADCASTSS edgeOne<>(SB), Y11
	SHLQ $2, R13                // P in bytes
	SHLQ $2, DX                 // hw in bytes
	LEAQ -4(R9)(AX*4), AX       // left neighbours (right ones 4 bytes on)
	MOVQ R9, SI
	SUBQ DX, SI                 // upper neighbours
	LEAQ (R9)(DX*1), DI         // lower neighbours
	LEAQ (R12)(R13*2), BX       // coefficient 2
	LEAQ (BX)(R13*1), R10       // coefficient 3

edgeloop:
	VMOVUPS (R8)(R13*2), Y0     // pc
	VMOVUPS (R8), Y1            // cu
	VMOVUPS (R8)(R13*1), Y2     // cv
	VXORPS Y5, Y5, Y5           // su
	VXORPS Y7, Y7, Y7           // sv

	VADDPS (AX)(R13*2), Y0, Y3  // left
	VMULPS Y13, Y3, Y3          // el
	VMOVUPS (AX), Y4
	VSUBPS Y1, Y4, Y4
	VMULPS Y4, Y3, Y4
	VADDPS Y4, Y5, Y5
	VMOVUPS (AX)(R13*1), Y4
	VSUBPS Y2, Y4, Y4
	VMULPS Y4, Y3, Y4
	VADDPS Y4, Y7, Y7
	VMOVUPS Y3, (R10)(R13*2)    // coefficient 5

	VADDPS 4(AX)(R13*2), Y0, Y8 // right
	VMULPS Y13, Y8, Y8          // er
	VMOVUPS 4(AX), Y4
	VSUBPS Y1, Y4, Y4
	VMULPS Y4, Y8, Y4
	VADDPS Y4, Y5, Y5
	VMOVUPS 4(AX)(R13*1), Y4
	VSUBPS Y2, Y4, Y4
	VMULPS Y4, Y8, Y4
	VADDPS Y4, Y7, Y7
	VMOVUPS Y8, (BX)(R13*4)     // coefficient 6
	VADDPS Y8, Y3, Y3           // ws = el + er

	VADDPS (SI)(R13*2), Y0, Y9  // up
	VMULPS Y13, Y9, Y9          // eu
	VMOVUPS (SI), Y4
	VSUBPS Y1, Y4, Y4
	VMULPS Y4, Y9, Y4
	VADDPS Y4, Y5, Y5
	VMOVUPS (SI)(R13*1), Y4
	VSUBPS Y2, Y4, Y4
	VMULPS Y4, Y9, Y4
	VADDPS Y4, Y7, Y7
	VMOVUPS Y9, (R10)(R13*4)    // coefficient 7
	VADDPS Y9, Y3, Y3           // ws += eu

	VADDPS (DI)(R13*2), Y0, Y9  // down
	VMULPS Y13, Y9, Y9          // ed
	VMOVUPS (DI), Y4
	VSUBPS Y1, Y4, Y4
	VMULPS Y4, Y9, Y4
	VADDPS Y4, Y5, Y5
	VMOVUPS (DI)(R13*1), Y4
	VSUBPS Y2, Y4, Y4
	VMULPS Y4, Y9, Y4
	VADDPS Y4, Y7, Y7
	VMOVUPS Y9, (R12)(R13*8)    // coefficient 8
	VADDPS Y9, Y3, Y3           // ws += ed

	VMOVUPS (R12), Y4           // a11
	VADDPS Y3, Y4, Y4
	VCMPPS $0x1e, Y12, Y4, Y6   // a11+ws > tiny (ordered)
	VDIVPS Y4, Y11, Y4
	VANDPS Y6, Y4, Y4           // inv1
	VMOVUPS (R12)(R13*1), Y6    // a22
	VADDPS Y3, Y6, Y6
	VCMPPS $0x1e, Y12, Y6, Y8
	VDIVPS Y6, Y11, Y6
	VANDPS Y8, Y6, Y6           // inv2
	VSUBPS (BX), Y5, Y5         // su - b1
	VSUBPS (R10), Y7, Y7        // sv - b2
	VMOVUPS (R12)(R13*4), Y8    // a12
	VMOVUPS Y5, (R12)
	VMOVUPS Y7, (R12)(R13*1)
	VMOVUPS Y8, (BX)
	VMOVUPS Y4, (R10)
	VMOVUPS Y6, (R12)(R13*4)

	ADDQ $32, R8
	ADDQ $32, AX
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R12
	ADDQ $32, BX
	ADDQ $32, R10
	SUBQ $8, R11
	JNZ  edgeloop
	VZEROUPPER
	RET

// func psiAVX2(duvC, duvO, auxC, auxO *float32, n, q, hw, plane int, eps float32)
//
// refine's robust smoothness weights on 8 entries per step: with cu = u+du,
// cv = v+dv and the right (r) and lower (d) neighbours,
//
//	ux = (u_r + du_r) - cu, likewise vx, uy, vy
//	psi = alpha / sqrt((((ux*ux + uy*uy) + vx*vx) + vy*vy) + eps)
TEXT ·psiAVX2(SB), NOSPLIT, $0-68
	MOVQ duvC+0(FP), R8
	MOVQ duvO+8(FP), R9
	MOVQ auxC+16(FP), R10
	MOVQ auxO+24(FP), R12
	MOVQ n+32(FP), R11
	MOVQ q+40(FP), DX
	MOVQ hw+48(FP), BX
	MOVQ plane+56(FP), R13
	VBROADCASTSS eps+64(FP), Y13
	SHLQ $2, R13                // P in bytes
	SHLQ $2, BX                 // hw in bytes
	LEAQ (R9)(DX*4), AX         // right neighbours' increments
	LEAQ (R9)(BX*1), DI         // lower neighbours' increments
	LEAQ (R12)(DX*4), CX        // right neighbours' u, v
	LEAQ (R12)(BX*1), SI        // lower neighbours' u, v
	LEAQ (R10)(R13*1), BX       // alpha at BX + 2P

psiloop:
	VMOVUPS (R8), Y0            // du
	VMOVUPS (R8)(R13*1), Y1     // dv
	VADDPS (R10), Y0, Y2        // cu
	VADDPS (R10)(R13*1), Y1, Y3 // cv
	VMOVUPS (CX), Y4
	VADDPS (AX), Y4, Y4
	VSUBPS Y2, Y4, Y4           // ux
	VMOVUPS (CX)(R13*1), Y5
	VADDPS (AX)(R13*1), Y5, Y5
	VSUBPS Y3, Y5, Y5           // vx
	VMOVUPS (SI), Y6
	VADDPS (DI), Y6, Y6
	VSUBPS Y2, Y6, Y6           // uy
	VMOVUPS (SI)(R13*1), Y7
	VADDPS (DI)(R13*1), Y7, Y7
	VSUBPS Y3, Y7, Y7           // vy
	VMULPS Y4, Y4, Y4
	VMULPS Y6, Y6, Y6
	VADDPS Y6, Y4, Y4
	VMULPS Y5, Y5, Y5
	VADDPS Y5, Y4, Y4
	VMULPS Y7, Y7, Y7
	VADDPS Y7, Y4, Y4
	VADDPS Y13, Y4, Y4
	VSQRTPS Y4, Y4
	VMOVUPS (BX)(R13*2), Y5     // alpha
	VDIVPS Y4, Y5, Y5
	VMOVUPS Y5, (R10)(R13*2)    // psi

	ADDQ $32, R8
	ADDQ $32, AX
	ADDQ $32, DI
	ADDQ $32, R10
	ADDQ $32, BX
	ADDQ $32, CX
	ADDQ $32, SI
	SUBQ $8, R11
	JNZ  psiloop
	VZEROUPPER
	RET

DATA absMask<>+0(SB)/4, $0x7fffffff
GLOBL absMask<>(SB), RODATA|NOPTR, $4

// func weightsAVX2(out, res *float32, n int, m, conf float32)
//
// out = conf / max(|res - m|, 1), with VMAXPS taking the difference as its
// second source so that a NaN passes through as in Go's max.
TEXT ·weightsAVX2(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ res+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Y13
	VBROADCASTSS conf+28(FP), Y12
	VBROADCASTSS absMask<>(SB), Y11
	VBROADCASTSS edgeOne<>(SB), Y10

wloop:
	VMOVUPS (SI), Y0
	VSUBPS Y13, Y0, Y0          // res - m
	VANDPS Y11, Y0, Y0          // |.|
	VMAXPS Y0, Y10, Y0          // 1 > d ? 1 : d (NaN d stays)
	VDIVPS Y0, Y12, Y0          // conf / .
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  wloop
	VZEROUPPER
	RET

DATA constOne<>+0(SB)/8, $1.0
GLOBL constOne<>(SB), RODATA|NOPTR, $8

// func constancyAVX2(dA, dB, gx0, gx1, gy0, gy1, diff *float32, inside *bool, n, plane int, zeta float32)
//
// constancyRowGo on 16 pixels per step: for each pixel,
//
//	ix = 0.5*(gx0 + gx1); iy = 0.5*(gy0 + gy1); iz = diff
//	s  = float32(1 / sqrt(float64((ix*ix + iy*iy) + zeta)))
//	(ix*s, iy*s, iz*s), or zeros where !inside
//
// the sums and products in float32, the square root and the division in
// float64 (VCVTPS2PD, VSQRTPD, VDIVPD, VCVTPD2PS round like CVTSS2SD,
// SQRTSD, DIVSD, CVTSD2SS). The 16 results of each term are split into
// the 8 even pixels, stored at dA, and the 8 odd ones, stored at dB.
TEXT ·constancyAVX2(SB), NOSPLIT, $0-84
	MOVQ dA+0(FP), DI
	MOVQ dB+8(FP), SI
	MOVQ gx0+16(FP), R8
	MOVQ gx1+24(FP), R9
	MOVQ gy0+32(FP), R10
	MOVQ gy1+40(FP), R11
	MOVQ diff+48(FP), R12
	MOVQ inside+56(FP), R13
	MOVQ n+64(FP), CX
	MOVQ plane+72(FP), DX
	VBROADCASTSS zeta+80(FP), Y12
	VBROADCASTSD constOne<>(SB), Y13
	VBROADCASTSS edgeHalf<>(SB), Y14
	SHLQ $2, DX                 // P in bytes
	XORQ AX, AX                 // pixel

constloop:
	VMOVUPS (R8)(AX*4), Y0
	VADDPS (R9)(AX*4), Y0, Y0
	VMULPS Y14, Y0, Y0          // ix, pixels 0-7
	VMOVUPS 32(R8)(AX*4), Y1
	VADDPS 32(R9)(AX*4), Y1, Y1
	VMULPS Y14, Y1, Y1          // ix, pixels 8-15
	VMOVUPS (R10)(AX*4), Y2
	VADDPS (R11)(AX*4), Y2, Y2
	VMULPS Y14, Y2, Y2          // iy, 0-7
	VMOVUPS 32(R10)(AX*4), Y3
	VADDPS 32(R11)(AX*4), Y3, Y3
	VMULPS Y14, Y3, Y3          // iy, 8-15
	VMULPS Y0, Y0, Y4
	VMULPS Y2, Y2, Y5
	VADDPS Y5, Y4, Y4
	VADDPS Y12, Y4, Y4          // ix*ix + iy*iy + zeta, 0-7
	VMULPS Y1, Y1, Y5
	VMULPS Y3, Y3, Y6
	VADDPS Y6, Y5, Y5
	VADDPS Y12, Y5, Y5          // 8-15

	VCVTPS2PD X4, Y6            // in float64, 0-3
	VEXTRACTF128 $1, Y4, X4
	VCVTPS2PD X4, Y7            // 4-7
	VCVTPS2PD X5, Y8            // 8-11
	VEXTRACTF128 $1, Y5, X5
	VCVTPS2PD X5, Y9            // 12-15
	VSQRTPD Y6, Y6
	VSQRTPD Y7, Y7
	VSQRTPD Y8, Y8
	VSQRTPD Y9, Y9
	VDIVPD Y6, Y13, Y6          // 1 / sqrt
	VDIVPD Y7, Y13, Y7
	VDIVPD Y8, Y13, Y8
	VDIVPD Y9, Y13, Y9
	VCVTPD2PSY Y6, X6
	VCVTPD2PSY Y7, X7
	VINSERTF128 $1, X7, Y6, Y6  // s, 0-7
	VCVTPD2PSY Y8, X8
	VCVTPD2PSY Y9, X9
	VINSERTF128 $1, X9, Y8, Y8  // s, 8-15

	VPMOVZXBD (R13)(AX*1), Y10  // inside (0 or 1), 0-7
	VPSLLD $31, Y10, Y10
	VPSRAD $31, Y10, Y10        // all ones where inside
	VPMOVZXBD 8(R13)(AX*1), Y11 // 8-15
	VPSLLD $31, Y11, Y11
	VPSRAD $31, Y11, Y11

	VMULPS Y6, Y0, Y0           // ix*s
	VMULPS Y8, Y1, Y1
	VANDPS Y10, Y0, Y0
	VANDPS Y11, Y1, Y1
	VMULPS Y6, Y2, Y2           // iy*s
	VMULPS Y8, Y3, Y3
	VANDPS Y10, Y2, Y2
	VANDPS Y11, Y3, Y3
	VMULPS (R12)(AX*4), Y6, Y4  // iz*s
	VMULPS 32(R12)(AX*4), Y8, Y5
	VANDPS Y10, Y4, Y4
	VANDPS Y11, Y5, Y5

	// Even pixels to dA, odd ones to dB: within each 128-bit lane the
	// shuffles take pixels (0, 2, 8, 10 | 4, 6, 12, 14) and (1, 3, 9, 11
	// | 5, 7, 13, 15); the permutations order the pairs.
	VSHUFPS $0x88, Y1, Y0, Y6
	VSHUFPS $0xdd, Y1, Y0, Y7
	VPERMPD $0xd8, Y6, Y6
	VPERMPD $0xd8, Y7, Y7
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, (SI)
	VSHUFPS $0x88, Y3, Y2, Y6
	VSHUFPS $0xdd, Y3, Y2, Y7
	VPERMPD $0xd8, Y6, Y6
	VPERMPD $0xd8, Y7, Y7
	VMOVUPS Y6, (DI)(DX*1)
	VMOVUPS Y7, (SI)(DX*1)
	VSHUFPS $0x88, Y5, Y4, Y6
	VSHUFPS $0xdd, Y5, Y4, Y7
	VPERMPD $0xd8, Y6, Y6
	VPERMPD $0xd8, Y7, Y7
	VMOVUPS Y6, (DI)(DX*2)
	VMOVUPS Y7, (SI)(DX*2)

	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $16, AX
	CMPQ AX, CX
	JB   constloop
	VZEROUPPER
	RET

// Permutation indices of the even pixels of 32 (0, 2, ..., 30) for
// VPERMT2PS; those of the odd pixels are one more.
DATA constEven<>+0(SB)/4, $0
DATA constEven<>+4(SB)/4, $2
DATA constEven<>+8(SB)/4, $4
DATA constEven<>+12(SB)/4, $6
DATA constEven<>+16(SB)/4, $8
DATA constEven<>+20(SB)/4, $10
DATA constEven<>+24(SB)/4, $12
DATA constEven<>+28(SB)/4, $14
DATA constEven<>+32(SB)/4, $16
DATA constEven<>+36(SB)/4, $18
DATA constEven<>+40(SB)/4, $20
DATA constEven<>+44(SB)/4, $22
DATA constEven<>+48(SB)/4, $24
DATA constEven<>+52(SB)/4, $26
DATA constEven<>+56(SB)/4, $28
DATA constEven<>+60(SB)/4, $30
GLOBL constEven<>(SB), RODATA|NOPTR, $64

// func constancyAVX512(dA, dB, gx0, gx1, gy0, gy1, diff *float32, inside *bool, n, plane int, zeta float32)
//
// constancyAVX2 on 32 pixels per step with 512-bit vectors: the same
// operations per pixel, the flags as masks (zeroing the products where
// !inside) and the even and odd pixels picked out by VPERMT2PS.
TEXT ·constancyAVX512(SB), NOSPLIT, $0-84
	MOVQ dA+0(FP), DI
	MOVQ dB+8(FP), SI
	MOVQ gx0+16(FP), R8
	MOVQ gx1+24(FP), R9
	MOVQ gy0+32(FP), R10
	MOVQ gy1+40(FP), R11
	MOVQ diff+48(FP), R12
	MOVQ inside+56(FP), R13
	MOVQ n+64(FP), CX
	MOVQ plane+72(FP), DX
	VBROADCASTSS zeta+80(FP), Z12
	VBROADCASTSD constOne<>(SB), Z13
	VBROADCASTSS edgeHalf<>(SB), Z14
	VMOVDQU32 constEven<>(SB), Z16
	VPTERNLOGD $0xff, Z17, Z17, Z17 // all ones
	VPSRLD $31, Z17, Z17        // ones
	VPADDD Z17, Z16, Z17        // odd pixels' indices
	SHLQ $2, DX                 // P in bytes
	XORQ AX, AX                 // pixel

c512loop:
	VMOVUPS (R8)(AX*4), Z0
	VADDPS (R9)(AX*4), Z0, Z0
	VMULPS Z14, Z0, Z0          // ix, pixels 0-15
	VMOVUPS 64(R8)(AX*4), Z1
	VADDPS 64(R9)(AX*4), Z1, Z1
	VMULPS Z14, Z1, Z1          // ix, pixels 16-31
	VMOVUPS (R10)(AX*4), Z2
	VADDPS (R11)(AX*4), Z2, Z2
	VMULPS Z14, Z2, Z2          // iy, 0-15
	VMOVUPS 64(R10)(AX*4), Z3
	VADDPS 64(R11)(AX*4), Z3, Z3
	VMULPS Z14, Z3, Z3          // iy, 16-31
	VMULPS Z0, Z0, Z4
	VMULPS Z2, Z2, Z5
	VADDPS Z5, Z4, Z4
	VADDPS Z12, Z4, Z4          // ix*ix + iy*iy + zeta, 0-15
	VMULPS Z1, Z1, Z5
	VMULPS Z3, Z3, Z6
	VADDPS Z6, Z5, Z5
	VADDPS Z12, Z5, Z5          // 16-31

	VCVTPS2PD Y4, Z6            // in float64, 0-7
	VEXTRACTF64X4 $1, Z4, Y4
	VCVTPS2PD Y4, Z7            // 8-15
	VCVTPS2PD Y5, Z8            // 16-23
	VEXTRACTF64X4 $1, Z5, Y5
	VCVTPS2PD Y5, Z9            // 24-31
	VSQRTPD Z6, Z6
	VSQRTPD Z7, Z7
	VSQRTPD Z8, Z8
	VSQRTPD Z9, Z9
	VDIVPD Z6, Z13, Z6          // 1 / sqrt
	VDIVPD Z7, Z13, Z7
	VDIVPD Z8, Z13, Z8
	VDIVPD Z9, Z13, Z9
	VCVTPD2PS Z6, Y6
	VCVTPD2PS Z7, Y7
	VINSERTF64X4 $1, Y7, Z6, Z6 // s, 0-15
	VCVTPD2PS Z8, Y8
	VCVTPD2PS Z9, Y9
	VINSERTF64X4 $1, Y9, Z8, Z8 // s, 16-31

	VPMOVZXBD (R13)(AX*1), Z10
	VPTESTMD Z10, Z10, K1       // inside, 0-15
	VPMOVZXBD 16(R13)(AX*1), Z11
	VPTESTMD Z11, Z11, K2       // 16-31

	VMULPS.Z Z6, Z0, K1, Z0     // ix*s, zero where !inside
	VMULPS.Z Z8, Z1, K2, Z1
	VMULPS.Z Z6, Z2, K1, Z2     // iy*s
	VMULPS.Z Z8, Z3, K2, Z3
	VMULPS.Z (R12)(AX*4), Z6, K1, Z4 // iz*s
	VMULPS.Z 64(R12)(AX*4), Z8, K2, Z5

	// Even pixels to dA, odd ones to dB.
	VMOVAPS Z0, Z20
	VPERMT2PS Z1, Z16, Z20
	VPERMT2PS Z1, Z17, Z0
	VMOVUPS Z20, (DI)
	VMOVUPS Z0, (SI)
	VMOVAPS Z2, Z20
	VPERMT2PS Z3, Z16, Z20
	VPERMT2PS Z3, Z17, Z2
	VMOVUPS Z20, (DI)(DX*1)
	VMOVUPS Z2, (SI)(DX*1)
	VMOVAPS Z4, Z20
	VPERMT2PS Z5, Z16, Z20
	VPERMT2PS Z5, Z17, Z4
	VMOVUPS Z20, (DI)(DX*2)
	VMOVUPS Z4, (SI)(DX*2)

	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $32, AX
	CMPQ AX, CX
	JB   c512loop
	VZEROUPPER
	RET

DATA insideX<>+0(SB)/4, $0.0
DATA insideX<>+4(SB)/4, $1.0
DATA insideX<>+8(SB)/4, $2.0
DATA insideX<>+12(SB)/4, $3.0
DATA insideX<>+16(SB)/4, $4.0
DATA insideX<>+20(SB)/4, $5.0
DATA insideX<>+24(SB)/4, $6.0
DATA insideX<>+28(SB)/4, $7.0
GLOBL insideX<>(SB), RODATA|NOPTR, $32
DATA insideEight<>+0(SB)/4, $8.0
GLOBL insideEight<>(SB), RODATA|NOPTR, $4

// func insideAVX2(inside *bool, u, v *float32, n int, y, xmax, ymax float32)
//
// insideRowGo on 16 pixels per step: with x as float32 (exact, counted up
// in steps of 8 from 0..7),
//
//	tx = x + u; ty = y + v
//	inside = tx >= 0 && tx <= xmax && ty >= 0 && ty <= ymax
//
// the comparisons ordered (false for NaN); the 16 masks are packed into
// bytes of 1 or 0.
TEXT ·insideAVX2(SB), NOSPLIT, $0-44
	MOVQ inside+0(FP), DI
	MOVQ u+8(FP), R8
	MOVQ v+16(FP), R9
	MOVQ n+24(FP), CX
	VBROADCASTSS y+32(FP), Y12
	VBROADCASTSS xmax+36(FP), Y13
	VBROADCASTSS ymax+40(FP), Y14
	VMOVUPS insideX<>(SB), Y10  // x, pixels 0-7
	VBROADCASTSS insideEight<>(SB), Y11
	VXORPS Y9, Y9, Y9           // 0
	XORQ AX, AX                 // pixel

insideloop:
	VADDPS (R8)(AX*4), Y10, Y0  // tx, pixels 0-7
	VADDPS Y11, Y10, Y10
	VADDPS 32(R8)(AX*4), Y10, Y1 // tx, 8-15
	VADDPS Y11, Y10, Y10
	VADDPS (R9)(AX*4), Y12, Y2  // ty, 0-7
	VADDPS 32(R9)(AX*4), Y12, Y3 // ty, 8-15
	VCMPPS $0x1d, Y9, Y0, Y4    // tx >= 0 (ordered)
	VCMPPS $0x12, Y13, Y0, Y0   // tx <= xmax (ordered)
	VANDPS Y4, Y0, Y0
	VCMPPS $0x1d, Y9, Y2, Y4    // ty >= 0
	VANDPS Y4, Y0, Y0
	VCMPPS $0x12, Y14, Y2, Y2   // ty <= ymax
	VANDPS Y2, Y0, Y0           // inside, 0-7
	VCMPPS $0x1d, Y9, Y1, Y4
	VCMPPS $0x12, Y13, Y1, Y1
	VANDPS Y4, Y1, Y1
	VCMPPS $0x1d, Y9, Y3, Y4
	VANDPS Y4, Y1, Y1
	VCMPPS $0x12, Y14, Y3, Y3
	VANDPS Y3, Y1, Y1           // inside, 8-15
	VPACKSSDW Y1, Y0, Y0        // words: pixels 0-3, 8-11 | 4-7, 12-15
	VPERMQ $0xd8, Y0, Y0        // 0-15
	VEXTRACTI128 $1, Y0, X1
	VPACKSSWB X1, X0, X0        // bytes: -1 where inside, else 0
	VPABSB X0, X0               // 1 or 0
	VMOVDQU X0, (DI)(AX*1)
	ADDQ $16, AX
	CMPQ AX, CX
	JB   insideloop
	VZEROUPPER
	RET

// func splitAVX2(dA, dB, src *float32, n int)
//
// splitRowGo on 16 pixels per step: the even pixels to dA, the odd ones to
// dB (as in constancyAVX2).
TEXT ·splitAVX2(SB), NOSPLIT, $0-32
	MOVQ dA+0(FP), DI
	MOVQ dB+8(FP), SI
	MOVQ src+16(FP), R8
	MOVQ n+24(FP), CX
	XORQ AX, AX                 // pixel

splitloop:
	VMOVUPS (R8)(AX*4), Y0
	VMOVUPS 32(R8)(AX*4), Y1
	VSHUFPS $0x88, Y1, Y0, Y2   // pixels 0, 2, 8, 10 | 4, 6, 12, 14
	VSHUFPS $0xdd, Y1, Y0, Y3   // 1, 3, 9, 11 | 5, 7, 13, 15
	VPERMPD $0xd8, Y2, Y2
	VPERMPD $0xd8, Y3, Y3
	VMOVUPS Y2, (DI)(AX*2)
	VMOVUPS Y3, (SI)(AX*2)
	ADDQ $16, AX
	CMPQ AX, CX
	JB   splitloop
	VZEROUPPER
	RET

// func addMergedAVX2(dst, dA, dB *float32, n int)
//
// addMergedRowGo on 16 pixels per step: the entries of the even pixels
// (dA) and of the odd ones (dB) interleaved, then dst + entry.
TEXT ·addMergedAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), R8
	MOVQ dA+8(FP), DI
	MOVQ dB+16(FP), SI
	MOVQ n+24(FP), CX
	XORQ AX, AX                 // pixel

mergeloop:
	VMOVUPS (DI)(AX*2), Y0      // pixels 0, 2, ..., 14
	VMOVUPS (SI)(AX*2), Y1      // 1, 3, ..., 15
	VUNPCKLPS Y1, Y0, Y2        // 0-3 | 8-11
	VUNPCKHPS Y1, Y0, Y3        // 4-7 | 12-15
	VPERM2F128 $0x20, Y3, Y2, Y0 // 0-7
	VPERM2F128 $0x31, Y3, Y2, Y1 // 8-15
	VMOVUPS (R8)(AX*4), Y2
	VADDPS Y0, Y2, Y2
	VMOVUPS Y2, (R8)(AX*4)
	VMOVUPS 32(R8)(AX*4), Y3
	VADDPS Y1, Y3, Y3
	VMOVUPS Y3, 32(R8)(AX*4)
	ADDQ $16, AX
	CMPQ AX, CX
	JB   mergeloop
	VZEROUPPER
	RET
