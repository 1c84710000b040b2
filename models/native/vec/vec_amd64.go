//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2

// The kernels process n elements, n a positive multiple of 8.

//go:noescape
func addAVX2(dst, src *float32, n int)

//go:noescape
func biasReLUAVX2(row, bias *float32, n int)

//go:noescape
func maskAVX2(dy, y *float32, n int)

//go:noescape
func addScaledAVX2(dst, src *float32, n int, a float32)

//go:noescape
func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32)
