//go:build unix

package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWorkLock(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "z.mp4")
	// A lock file left by a killed run holds no flock: it must not block.
	if err := os.WriteFile(lockPathFor(out), []byte("999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := lockWorkDir(out)
	if err != nil {
		t.Fatalf("a stale lock file blocked the job: %v", err)
	}
	_, err = lockWorkDir(out)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !strings.Contains(err.Error(), "another deepdream is writing") {
		t.Fatalf("second lock: got %v, want a LockedError naming pid %d", err, os.Getpid())
	}
	// A whole job on a locked output stops before touching anything.
	_, err = RunZoom(context.Background(), toyNet(t), toyZoom(out))
	if !errors.As(err, &le) {
		t.Fatalf("RunZoom on a locked output: got %v, want a LockedError", err)
	}
	if _, err := os.Stat(workDirFor(out)); !errors.Is(err, os.ErrNotExist) {
		t.Error("RunZoom on a locked output made a work folder")
	}
	l.release()
	if _, err := os.Stat(lockPathFor(out)); !errors.Is(err, os.ErrNotExist) {
		t.Error("release left the lock file behind")
	}
	l2, err := lockWorkDir(out)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.release()
}
