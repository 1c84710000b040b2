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
