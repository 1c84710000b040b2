//go:build !amd64 || purego

package native

// winoTransformsFor returns the tile transforms that go with a GEMM
// kernel; without assembly they are always the Go ones.
func winoTransformsFor(kernel string) winoTransforms { return genericTransforms }
