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
