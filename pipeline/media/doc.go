// Package media is the streaming ffmpeg layer of the pipeline: it probes a
// source clip, decodes it to rgb24 frames over a pipe, and encodes rgb24
// frames back into MP4, MOV, MKV, WebM, GIF or a directory of PNG frames,
// muxing the source audio in sync.
//
// Command lines are built with github.com/u2takey/ffmpeg-go (its stream
// graph and argument compiler), but this package starts and supervises the
// processes itself with os/exec: every process is bound to a
// context.Context, its stderr is kept in a bounded buffer so that errors can
// quote ffmpeg's last meaningful line, and Close/Abort always reap it, so
// no goroutine or process outlives its Decoder or Encoder.
//
// ffmpeg-go keeps two package-level variables (LogCompiledCommand and
// GlobalCommandOptions) that its own Compile/Run/Probe consult; because this
// package never calls those (it only asks ffmpeg-go for the argument list
// via Stream.GetArgs), ffmpeg-go never logs, and this package neither reads
// nor writes any global state. Compiled commands are reported at debug
// level to the *slog.Logger given in the options (nil: nothing is logged).
//
// # Geometry
//
// A source has a stored (coded) size, a sample aspect ratio (SAR) and an
// optional rotation (display matrix). Info carries all three and the
// resulting display size: the width is scaled by the SAR (the height is
// kept) and then the two are swapped for a rotation of ±90°/270°. The
// Decoder always delivers square-pixel frames at the display size (or at a
// requested size with the same aspect): ffmpeg's autorotate applies the
// rotation and a scale filter resolves the SAR.
//
// # Frame rate and variable-frame-rate sources
//
// Raw frames on a pipe carry no timestamps, so the pipeline works at a
// constant frame rate. For a constant-rate source that is the exact
// rational source rate. A variable-rate (VFR) source is resampled by
// ffmpeg's fps filter to its exact average rate (avg_frame_rate): frame i
// then shows the source picture at time i/rate, the clip keeps its
// duration, and the audio, cut with the same start and duration, stays in
// sync within one frame. Encoders write the frames at that rate.
//
// A start time is moved forward to the next frame boundary, and the audio
// is cut at that same instant, so the first frame and the first audio
// sample coincide.
//
// # Outputs
//
//   - MP4/MOV/MKV: libx264, yuv420p, CRF 18, preset medium, BT.709 tagged;
//     MP4/MOV get +faststart. WebM: libvpx-vp9 (CRF 32, constrained
//     quality). yuv420p needs even sizes: an odd last row or column is
//     cropped (one pixel, invisible; padding would add a black line).
//   - Audio: all audio streams of the source are muxed in, in order (5.1
//     stays 5.1). A stream is copied when the container accepts its codec
//     and the cut starts at 0; otherwise it is re-encoded (AAC for MP4/MOV,
//     Opus for WebM): stream copy after a seek would start at the demuxer's
//     seek point, out of sync. Copying AAC into MKV keeps its 21 ms encoder
//     priming audible as a delay (an ffmpeg limitation). Global metadata of
//     the source (e.g. a phone's GPS location) is not copied.
//   - GIF: one ffmpeg run with split → palettegen → paletteuse (dithered),
//     looping forever. ffmpeg holds every frame until the palette is known,
//     so memory grows with the GIF's length: keep GIFs small and short.
//   - PNG: a directory of frame_000001.png, frame_000002.png, ... (rgb24).
//
// Still images (PNG, JPEG) probe as one-frame videos with Info.StillImage
// set; callers that need a clip should reject them.
//
// # Requirements
//
// ffmpeg and ffprobe must be on PATH (or named in the options). Developed
// and tested with FFmpeg 5.1; the options used (-vsync passthrough, fps,
// palettegen/paletteuse, libx264, libvpx-vp9, libopus) exist from 4.x on.
package media
