//go:build !amd64 || purego

package gemm

func extraImpls() []kernelImpl { return nil }

type peakLoop struct {
	name         string
	flopsPerIter int
	run          func(n int)
}

func peakLoops() []peakLoop { return nil }
