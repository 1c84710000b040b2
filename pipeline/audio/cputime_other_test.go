//go:build !unix

package audio

func processCPU() int64 { return 0 }
