package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// ErrToolNotFound is wrapped by errors returned when ffmpeg or ffprobe
// cannot be found.
var ErrToolNotFound = errors.New("not found")

// ErrNotVideo is wrapped by errors returned for inputs that are not media
// files with a video stream (text files, audio-only files, ...).
var ErrNotVideo = errors.New("not a video")

// ErrClosed is wrapped by the error Decoder.Next returns after Close, and
// by the one Encoder.WriteFrame returns after Close or Abort.
var ErrClosed = errors.New("closed")

// FrameError reports a failure tied to a frame: Frame is the 0-based index
// of the frame that could not be decoded or encoded.
type FrameError struct {
	Op    string // "decode" or "encode"
	Path  string // the media file
	Frame int    // 0-based frame index where the failure happened
	Err   error  // the cause; its text includes ffmpeg's last error line
}

// Error formats the failure on one line: op, path, frame index and cause.
func (e *FrameError) Error() string {
	return fmt.Sprintf("media: %s %s: frame %d: %v", e.Op, e.Path, e.Frame, e.Err)
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) works.
func (e *FrameError) Unwrap() error { return e.Err }

// lookTool resolves an ffmpeg tool binary, with an install hint on failure.
func lookTool(path, name string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("media: %s %w (looked for %q): install FFmpeg, e.g. `apt-get install ffmpeg`: %w", name, ErrToolNotFound, path, err)
	}
	return p, nil
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// lastLine returns the last meaningful line of ffmpeg's stderr output:
// blank lines, progress lines and generic trailers are skipped, and when
// the last line is a generic verdict ("Invalid data found when processing
// input") the specific line before it is put in front. Pointer addresses
// ("[h264 @ 0x55d5a85cfa80]") are dropped.
func lastLine(stderr string) string {
	lines := strings.Split(strings.ReplaceAll(stderr, "\r", "\n"), "\n")
	var picked []string
	for i := len(lines) - 1; i >= 0 && len(picked) < 2; i-- {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "",
			strings.HasPrefix(l, "frame="), strings.HasPrefix(l, "size="),
			strings.HasPrefix(l, "Conversion failed"),
			strings.HasPrefix(l, "Exiting normally"),
			strings.HasPrefix(l, "Press [q]"),
			strings.HasPrefix(l, "Last message repeated"):
			continue
		}
		picked = append(picked, ffmpegAddr.ReplaceAllString(l, "[$1]"))
		if len(picked) == 1 && !isGeneric(l) {
			break
		}
	}
	switch len(picked) {
	case 0:
		return ""
	case 1:
		return picked[0]
	default:
		return picked[1] + "; " + picked[0]
	}
}

var ffmpegAddr = regexp.MustCompile(`\[([^\]@]+?) @ 0x[0-9a-f]+\]`)

func isGeneric(line string) bool {
	for _, g := range []string{"Invalid data found when processing input", "Error opening input",
		"Error while decoding stream", "Error initializing output stream"} {
		if strings.Contains(line, g) {
			return true
		}
	}
	return false
}

// compileArgs turns an ffmpeg-go output stream into an argument list,
// converting ffmpeg-go's panics on malformed graphs into errors.
func compileArgs(s *ffmpeg.Stream) (args []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("media: build ffmpeg command: %v", r)
		}
	}()
	return s.GetArgs(), nil
}

// globalArgs returns the options put in front of every ffmpeg command:
// quiet and non-interactive.
func globalArgs() []string {
	return []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"}
}

// proc is one supervised ffmpeg process.
type proc struct {
	cmd      *exec.Cmd
	stderr   *tailBuffer
	ctx      context.Context
	waitOnce sync.Once
	waitErr  error
	killMu   sync.Mutex
	killed   bool
}

// newProc prepares (but does not start) bin with args, bound to ctx.
func newProc(ctx context.Context, log *slog.Logger, bin string, args []string) *proc {
	full := append(globalArgs(), args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	tb := &tailBuffer{max: 16 << 10}
	cmd.Stderr = tb
	// After the process exits, do not wait long for pipe copiers.
	cmd.WaitDelay = 2 * time.Second
	if log != nil {
		log.Debug("media: run", "cmd", bin+" "+strings.Join(full, " "))
	}
	return &proc{cmd: cmd, stderr: tb, ctx: ctx}
}

// wait reaps the process once; later calls return the same result.
func (p *proc) wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// kill stops the process (if it is still running) and reaps it.
func (p *proc) kill() {
	p.killMu.Lock()
	if !p.killed && p.cmd.Process != nil {
		p.killed = true
		_ = p.cmd.Process.Kill()
	}
	p.killMu.Unlock()
	_ = p.wait()
}

func (p *proc) wasKilled() bool {
	p.killMu.Lock()
	defer p.killMu.Unlock()
	return p.killed
}

// failure describes why the (already reaped) process failed, or returns
// nil if it exited cleanly. If the context was cancelled, that is the reason.
func (p *proc) failure() error {
	if p.waitErr == nil {
		return nil // finished before any cancellation took effect
	}
	if err := p.ctx.Err(); err != nil {
		return err
	}
	if line := lastLine(p.stderr.String()); line != "" {
		return fmt.Errorf("ffmpeg: %s (%w)", line, p.waitErr)
	}
	return fmt.Errorf("ffmpeg: %w", p.waitErr)
}

// stderrLine returns ffmpeg's last meaningful stderr line (may be empty).
func (p *proc) stderrLine() string { return lastLine(p.stderr.String()) }

// localPath keeps ffmpeg from reading a relative file name as an option
// ("-x.mp4") or a protocol ("clip:1.mp4") by prefixing "./".
func localPath(p string) string {
	if !filepath.IsAbs(p) && (strings.HasPrefix(p, "-") || strings.Contains(p, ":")) {
		return "." + string(filepath.Separator) + p
	}
	return p
}

// seconds formats d for ffmpeg's -ss/-t options.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.6f", d.Seconds())
}
