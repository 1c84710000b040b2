package media

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuietAndDebugLog: nothing reaches the standard logger (ffmpeg-go's
// "compiled command" lines), while a debug
// Logger given in the options receives every command line.
func TestQuietAndDebugLog(t *testing.T) {
	needFFmpeg(t)
	var std bytes.Buffer
	prev, flags := log.Writer(), log.Flags()
	log.SetOutput(&std) // the test owns the standard logger; restored below
	defer func() { log.SetOutput(prev); log.SetFlags(flags) }()

	var dbg bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&dbg, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	src := clip(t, "mouse_mjpeg.avi")
	d, err := NewDecoder(ctx, src, DecodeOptions{Width: 64, MaxFrames: 2, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e, err := NewEncoder(ctx, filepath.Join(t.TempDir(), "q.gif"), EncodeOptions{
		Width: d.Width(), Height: d.Height(), FrameRate: d.FrameRate(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeAll(d, func(_ int, f []byte) { _ = e.WriteFrame(f) }); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if std.Len() != 0 {
		t.Errorf("standard logger got output: %q", std.String())
	}
	out := dbg.String()
	for _, want := range []string{"ffprobe", "-f rawvideo", "paletteuse"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
}
