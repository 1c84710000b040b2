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
// # Requirements
//
// ffmpeg and ffprobe must be on PATH (or named in the options). The
// commands use options available from FFmpeg 4.x through 7.x.
package media
