//go:build !amd64 || purego

package gemm

// bestImpl returns the fastest micro-kernel supported by this build: the
// portable Go kernel.
func bestImpl() kernelImpl { return genericImpl }

// supportedImpls returns the micro-kernels this build can run: only the
// portable one.
func supportedImpls() []kernelImpl { return []kernelImpl{genericImpl} }
