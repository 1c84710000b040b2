// Package pipeline runs whole deepdream jobs: a clip dreamed frame by frame
// with temporal coherence (RunVideo) and infinite-zoom animations (RunZoom).
// It streams frames through ffmpeg (package media), keeps memory flat in the
// clip length, checkpoints after every frame so an interrupted job resumes
// where it stopped with the same result, and writes the output to a
// temporary name that is renamed into place only when the job succeeds.
package pipeline
