//go:build amd64 && !purego

#include "textflag.h"

// func addAVX2(dst, src *float32, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
addloop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     addloop
	VZEROUPPER
	RET

// func biasReLUAVX2(row, bias *float32, n int)
TEXT ·biasReLUAVX2(SB), NOSPLIT, $0-24
	MOVQ   row+0(FP), DI
	MOVQ   bias+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y1, Y1, Y1
brloop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMAXPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     brloop
	VZEROUPPER
	RET

// func maskAVX2(dy, y *float32, n int)
// dy = y > 0 ? dy : 0, i.e. dy AND (0 < y).
TEXT ·maskAVX2(SB), NOSPLIT, $0-24
	MOVQ   dy+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y1, Y1, Y1
mloop:
	VMOVUPS (SI), Y2
	VCMPPS  $1, Y2, Y1, Y3 // Y3 = (0 < y), ordered: NaN gives false
	VANDPS  (DI), Y3, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     mloop
	VZEROUPPER
	RET

// func addScaledAVX2(dst, src *float32, n int, a float32)
TEXT ·addScaledAVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y1
asloop:
	VMULPS  (SI), Y1, Y2
	VADDPS  (DI), Y2, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     asloop
	VZEROUPPER
	RET

DATA iota8<>+0(SB)/4, $0
DATA iota8<>+4(SB)/4, $1
DATA iota8<>+8(SB)/4, $2
DATA iota8<>+12(SB)/4, $3
DATA iota8<>+16(SB)/4, $4
DATA iota8<>+20(SB)/4, $5
DATA iota8<>+24(SB)/4, $6
DATA iota8<>+28(SB)/4, $7
GLOBL iota8<>(SB), RODATA|NOPTR, $32

// func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32)
// Where src > dst: dst = src, arg = base + index.
TEXT ·maxArgAVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         arg+8(FP), DX
	MOVQ         src+16(FP), SI
	MOVQ         n+24(FP), CX
	MOVL         base+32(FP), AX
	VMOVD        AX, X4
	VPBROADCASTD X4, Y4
	VPADDD       iota8<>(SB), Y4, Y4 // Y4 = base + [0..7]
	MOVL         $8, AX
	VMOVD        AX, X5
	VPBROADCASTD X5, Y5
maloop:
	VMOVUPS   (DI), Y0
	VMOVUPS   (SI), Y1
	VCMPPS    $1, Y1, Y0, Y3 // Y3 = dst < src
	VBLENDVPS Y3, Y1, Y0, Y0 // dst = mask ? src : dst
	VMOVUPS   Y0, (DI)
	VMOVDQU   (DX), Y2
	VBLENDVPS Y3, Y4, Y2, Y2 // arg = mask ? index : arg
	VMOVDQU   Y2, (DX)
	VPADDD    Y5, Y4, Y4
	ADDQ      $32, DI
	ADDQ      $32, SI
	ADDQ      $32, DX
	SUBQ      $8, CX
	JNZ       maloop
	VZEROUPPER
	RET

// AVX-512 versions of the loops above, 16 values per iteration, with the
// same operations (and so the same results) per element.

// func addAVX512(dst, src *float32, n int)
TEXT ·addAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
add512:
	VMOVUPS (DI), Z0
	VADDPS  (SI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	SUBQ    $16, CX
	JNZ     add512
	VZEROUPPER
	RET

// func biasReLUAVX512(row, bias *float32, n int)
TEXT ·biasReLUAVX512(SB), NOSPLIT, $0-24
	MOVQ   row+0(FP), DI
	MOVQ   bias+8(FP), SI
	MOVQ   n+16(FP), CX
	VPXORD Z1, Z1, Z1
br512:
	VMOVUPS (DI), Z0
	VADDPS  (SI), Z0, Z0
	VMAXPS  Z1, Z0, Z0 // v > 0 ? v : 0, so NaN and -0 give +0
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	SUBQ    $16, CX
	JNZ     br512
	VZEROUPPER
	RET

// func maskAVX512(dy, y *float32, n int)
// dy = y > 0 ? dy : +0, with a zeroing masked load.
TEXT ·maskAVX512(SB), NOSPLIT, $0-24
	MOVQ   dy+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   n+16(FP), CX
	VPXORD Z1, Z1, Z1
m512:
	VMOVUPS   (SI), Z2
	VCMPPS    $1, Z2, Z1, K1 // K1 = (0 < y), ordered: NaN gives false
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $64, DI
	ADDQ      $64, SI
	SUBQ      $16, CX
	JNZ       m512
	VZEROUPPER
	RET
