//go:build !amd64 || purego

package vec

const simd = scalarOnly

func addAVX2(dst, src *float32, n int)       { panic("unreachable") }
func biasReLUAVX2(row, bias *float32, n int) { panic("unreachable") }
func maskAVX2(dy, y *float32, n int)         { panic("unreachable") }

func addScaledAVX2(dst, src *float32, n int, a float32) { panic("unreachable") }

func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32) { panic("unreachable") }

func addAVX512(dst, src *float32, n int)       { panic("unreachable") }
func biasReLUAVX512(row, bias *float32, n int) { panic("unreachable") }
func maskAVX512(dy, y *float32, n int)         { panic("unreachable") }
