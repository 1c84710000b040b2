//go:build !unix

package pipeline

// workLock does not exclude other runs on systems without flock: two runs
// on one output there are not detected.
type workLock struct{}

// LockedError reports an output that another running job is writing
// (never returned on this system).
type LockedError struct {
	Output string
	PID    int
}

func (e *LockedError) Error() string { return "another deepdream is writing " + e.Output }

func lockWorkDir(string) (*workLock, error) { return &workLock{}, nil }

func (l *workLock) release() {}

// OutputBusy cannot tell on this system and reports false.
func OutputBusy(string) (pid int, busy bool) { return 0, false }
