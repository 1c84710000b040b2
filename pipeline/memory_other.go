//go:build !linux

package pipeline

// availableMemory is unknown outside Linux: the memory check is skipped.
func availableMemory() (int64, string) { return 0, "" }
