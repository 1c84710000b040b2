//go:build !linux

package gemm

// threadCPUTime is not available on this platform.
func threadCPUTime() (float64, bool) { return 0, false }
