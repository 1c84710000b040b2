//go:build unix

package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// workLock is an exclusive lock on an output's work folder, held for the
// whole job, so two runs never write the same output at once. It is an
// flock on a small file beside the output: the kernel drops it when the
// process dies, so the lock of a killed run never blocks --resume.
type workLock struct {
	f    *os.File
	path string
}

// lockPathFor names the lock file of an output: hidden, beside it.
func lockPathFor(output string) string {
	clean := filepath.Clean(output)
	return filepath.Join(filepath.Dir(clean), "."+filepath.Base(clean)+".deepdream.lock")
}

// LockedError reports an output that another running job is writing.
type LockedError struct {
	Output string
	PID    int // the other process (0: unknown)
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("another deepdream is writing %s (pid %d); wait for it or stop it first", e.Output, e.PID)
	}
	return fmt.Sprintf("another deepdream is writing %s; wait for it or stop it first", e.Output)
}

// lockWorkDir takes the lock of output without waiting.
func lockWorkDir(output string) (*workLock, error) {
	path := lockPathFor(output)
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("output folder %s does not exist", filepath.Dir(path))
	}
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			raw, _ := os.ReadFile(path)
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
				return nil, &LockedError{Output: filepath.Clean(output), PID: pid}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The previous holder may have removed the file between our open
		// and our flock; then we hold a lock nobody else can see.
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			f.Close()
			if attempt < 10 {
				continue
			}
			return nil, fmt.Errorf("lock %s: the lock file keeps changing", path)
		}
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &workLock{f: f, path: path}, nil
	}
}

// release removes the lock file and drops the lock; safe to call twice.
func (l *workLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = os.Remove(l.path)
	_ = l.f.Close()
	l.f = nil
}

// OutputBusy reports whether a running job holds the lock of output, and
// the PID written in the lock (0: unknown). It probes with a shared lock
// that it drops at once, so it never blocks a job for longer than the
// probe itself.
func OutputBusy(output string) (pid int, busy bool) {
	path := lockPathFor(output)
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		raw, _ := os.ReadFile(path)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(raw)))
		return pid, errors.Is(err, unix.EWOULDBLOCK)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return 0, false
}
