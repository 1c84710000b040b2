//go:build !unix

package dream

func processCPU() int64 { return 0 }
