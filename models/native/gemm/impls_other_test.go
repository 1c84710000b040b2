//go:build !amd64 || purego

package gemm

type peakLoop struct {
	name         string
	flopsPerIter int
	run          func(n int)
}

func peakLoops() []peakLoop { return nil }
