package media

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDecode measures decode throughput (frames/s) of chaplin.mp4 at
// 640×360 (its native size): ffmpeg H.264 decode, rgb24 conversion, pipe.
// It also reports ffmpeg's CPU time per frame, which stays meaningful on a
// loaded machine.
func BenchmarkDecode(b *testing.B) {
	needFFmpeg(b)
	path := clip(b, "chaplin.mp4")
	info, err := Probe(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	frames := 0
	var cpu time.Duration
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		d, err := NewDecoder(context.Background(), path, DecodeOptions{Info: info, Width: 640})
		if err != nil {
			b.Fatal(err)
		}
		n, err := decodeAll(d, nil)
		d.Close()
		if err != nil {
			b.Fatal(err)
		}
		frames += n
		cpu += procCPU(d.proc)
	}
	b.ReportMetric(float64(frames)/time.Since(start).Seconds(), "frames/s")
	b.ReportMetric(cpu.Seconds()*1000/float64(frames), "ffmpeg-cpu-ms/frame")
	b.SetBytes(int64(640 * 360 * 3 * frames / b.N))
}

// BenchmarkEncode measures encode throughput (frames/s) at 640×360 for each
// output format, from 100 chaplin.mp4 frames held in memory (no audio).
func BenchmarkEncode(b *testing.B) {
	needFFmpeg(b)
	path := clip(b, "chaplin.mp4")
	d, err := NewDecoder(context.Background(), path, DecodeOptions{Width: 640, MaxFrames: 100})
	if err != nil {
		b.Fatal(err)
	}
	var frames [][]byte
	if _, err := decodeAll(d, func(_ int, f []byte) { frames = append(frames, append([]byte(nil), f...)) }); err != nil {
		b.Fatal(err)
	}
	d.Close()
	for _, format := range []Format{FormatMP4, FormatWebM, FormatGIF, FormatPNG} {
		b.Run(string(format), func(b *testing.B) {
			dir := b.TempDir()
			var cpu time.Duration
			start := time.Now()
			for i := 0; i < b.N; i++ {
				e, err := NewEncoder(context.Background(), filepath.Join(dir, "out."+string(format)), EncodeOptions{
					Format: format, Width: 640, Height: 360, FrameRate: Rational{25, 1}})
				if err != nil {
					b.Fatal(err)
				}
				for _, f := range frames {
					if err := e.WriteFrame(f); err != nil {
						b.Fatal(err)
					}
				}
				if err := e.Close(); err != nil {
					b.Fatal(err)
				}
				cpu += procCPU(e.proc)
			}
			b.ReportMetric(float64(len(frames)*b.N)/time.Since(start).Seconds(), "frames/s")
			b.ReportMetric(cpu.Seconds()*1000/float64(len(frames)*b.N), "ffmpeg-cpu-ms/frame")
		})
	}
}

// procCPU is the user+system CPU time the (finished) ffmpeg process used:
// a figure that, unlike wall time, does not depend on other load.
func procCPU(p *proc) time.Duration {
	st := p.cmd.ProcessState
	if st == nil {
		return 0
	}
	return st.UserTime() + st.SystemTime()
}
