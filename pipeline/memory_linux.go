package pipeline

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// availableMemory returns the memory this process may still use and where
// that figure comes from, or 0 when it is unknown: the smallest of
// MemAvailable, the cgroup's limit less its usage, and RLIMIT_AS.
func availableMemory() (int64, string) {
	best, from := int64(0), ""
	take := func(v int64, what string) {
		if v > 0 && (best == 0 || v < best) {
			best, from = v, what
		}
	}
	take(fieldKB("/proc/meminfo", "MemAvailable:")<<10, "free memory")
	if limit := readInt("/sys/fs/cgroup/memory.max"); limit > 0 {
		take(limit-readInt("/sys/fs/cgroup/memory.current"), "cgroup memory.max")
	} else if limit := readInt("/sys/fs/cgroup/memory/memory.limit_in_bytes"); limit > 0 && limit < 1<<60 {
		take(limit-readInt("/sys/fs/cgroup/memory/memory.usage_in_bytes"), "cgroup memory limit")
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur < 1<<62 {
		take(int64(rl.Cur)-statusKB("VmSize:")<<10, "ulimit -v")
	}
	return best, from
}

// statusKB reads a field of /proc/self/status in kB.
func statusKB(field string) int64 { return fieldKB("/proc/self/status", field) }

// fieldKB reads a "Name: 123 kB" line of a /proc file; 0 when absent.
func fieldKB(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb
		}
	}
	return 0
}

// readInt reads a file holding one integer ("max" and errors give 0).
func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return v
}
