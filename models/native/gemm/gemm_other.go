//go:build !amd64 || purego

package gemm

// bestImpl returns the fastest micro-kernel supported by this build: the
// portable Go kernel.
func bestImpl() kernelImpl { return genericImpl }

// asmImpl reports that no assembly micro-kernel exists in this build.
func asmImpl() (kernelImpl, bool) { return kernelImpl{}, false }
