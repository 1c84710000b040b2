// Package pipeline runs whole deepdream jobs: a clip dreamed frame by frame
// with temporal coherence (RunVideo) and infinite-zoom animations (RunZoom).
// It streams frames through ffmpeg (package media), keeps memory flat in the
// clip length, checkpoints after every frame so an interrupted job resumes
// where it stopped with the same result, and writes the output to a
// temporary name that is renamed into place only when the job succeeds.
//
// # Where things live
//
//   - job.go: the one runner (runJob). It locks the work folder
//     (lock_unix.go), checks the output (output.go), opens or resumes the
//     checkpoint (checkpoint.go), replays checkpointed frames into the sink
//     (sink.go: segments for video containers, one pass for GIF and PNG),
//     checkpoints and encodes every frame a producer emits, reports
//     progress, maps a stop to *InterruptedError and commits the output.
//   - A job kind is a producer (the interface in job.go): prepare (frame
//     size, checkpoint hash, encoder settings), produce (the missing frames,
//     in order, through emit), encodeAll (when frames are not encoded as
//     they come) and brokenInput. video.go is the clip producer, its
//     decode → flow → dream → write stages under an errgroup; zoom.go the
//     zoom producer (zoom_render.go, zoom_canvas.go, zoom_schedule.go,
//     zoom_warp.go, zoom_encode.go, gif_fit.go).
//   - Options (options.go, defaults.go): one struct per concern, each
//     with a Default… function and a validate method holding its checks:
//     EncodeOptions (video and zoom), CoherenceOptions and
//     FrameDreamOptions (video), ZoomMotion (zoom). VideoOptions and
//     ZoomOptions embed them (opt.CRF reads through) and add the job's own
//     fields; DefaultVideoOptions and DefaultZoomOptions compose the
//     defaults the command line maps its flags onto. Each job's validate
//     runs before anything is written. The checkpoint hash (key.go) covers
//     every option field by name, an embedded struct's fields named as the
//     job's own, except the fields on videoHashSkip / zoomHashSkip; a test
//     fails if a field escapes it. A new knob goes in its concern's struct,
//     its default and its check beside it.
//
// # Where the next features go
//
//   - A new job kind, or a part of a job for a cluster, is one more
//     producer or one more option handed to runJob, not a new lifecycle.
//     A frame range with warm-up frames belongs in the video producer's
//     produce (dream the warm-up frames without emitting them) and an
//     output name in jobSpec.
//   - Per-frame decisions of the clip producer (a scene cut dreamed as a
//     first frame, a new coherence method) go in videoProducer.dreamFrame,
//     which sees each frame's work item; per-frame parameter schedules for
//     zoom go where zoomRun.setup and dreamKey read the options.
//
// Errors are worded in library terms (option names such as Resume and
// Force, or typed errors such as *ResumeError, *ExistsError and
// *LockedError); the command line words them in its flags.
package pipeline
