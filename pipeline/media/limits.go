package media

import "fmt"

// MaxSide is the largest frame side, in pixels, that the decoder produces
// and the encoder accepts: 8192 covers 8K video (7680×4320). A source or a
// requested size beyond it is refused before any work starts, so that a
// mistyped --width gives an error instead of an allocation that cannot
// succeed.
const MaxSide = 8192

// MaxGIFFrameRate is the fastest GIF rate that plays at its speed: GIF
// delays are in 1/100 s and browsers treat delays under 2/100 s as 10/100 s.
const MaxGIFFrameRate = 50

// EncodedSize returns the frame size format stores for w×h frames: H.264
// and VP9 (yuv420p) need even sides, so the encoder drops an odd last row
// or column; GIF and PNG keep the size.
func EncodedSize(format Format, w, h int) (int, int) {
	switch format {
	case FormatMP4, FormatMOV, FormatMKV, FormatWebM:
		return w &^ 1, h &^ 1
	}
	return w, h
}

// CheckFrameSize returns an error when a frame of w×h pixels is outside
// 1..MaxSide on either side. what names the size in the message (for
// example "frames of clip.mp4").
func CheckFrameSize(what string, w, h int) error {
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("%s would be %dx%d; each side must be 1..%d pixels", what, w, h, MaxSide)
	}
	return nil
}
