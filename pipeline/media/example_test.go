package media_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// Example streams a clip through a per-frame transformation and writes it
// with the source audio, in sync. The output format comes from the final
// name even though ffmpeg writes to a temporary one.
func Example() {
	ctx := context.Background()
	const src, final, tmp = "clip.mp4", "dream.mp4", "dream.mp4.part"

	info, err := media.Probe(ctx, src)
	if err != nil {
		log.Fatal(err) // e.g. "media: ffprobe not found ...: install FFmpeg, e.g. `apt-get install ffmpeg`"
	}
	dec, err := media.NewDecoder(ctx, src, media.DecodeOptions{Info: info, Width: 640})
	if err != nil {
		log.Fatal(err)
	}
	defer dec.Close()

	format, err := media.FormatFromPath(final)
	if err != nil {
		log.Fatal(err)
	}
	enc, err := media.NewEncoder(ctx, tmp, media.EncodeOptions{
		Format: format, Width: dec.Width(), Height: dec.Height(),
		FrameRate: dec.FrameRate(), Audio: dec.AudioSource(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer enc.Abort() // no-op after a successful Close

	frame := make([]byte, dec.FrameSize())
	for {
		err := dec.Next(frame)
		if errors.Is(err, io.EOF) {
			break
		}
		var fe *media.FrameError
		if errors.As(err, &fe) {
			log.Fatalf("source broken at frame %d: %v", fe.Frame, err)
		} else if err != nil {
			log.Fatal(err)
		}
		invert(frame) // the dream goes here
		if err := enc.WriteFrame(frame); err != nil {
			log.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d frames at %v fps, %dx%d\n", enc.Frames(), dec.FrameRate(), dec.Width(), dec.Height())
	// then: os.Rename(tmp, final)
}

func invert(rgb []byte) {
	for i := range rgb {
		rgb[i] = 255 - rgb[i]
	}
}

// ExampleFormatFromPath shows how output names map to formats.
func ExampleFormatFromPath() {
	for _, name := range []string{"out.mp4", "loop.gif", "clip.webm", "frames/"} {
		f, _ := media.FormatFromPath(name)
		fmt.Println(name, f)
	}
	_, err := media.FormatFromPath("out.avi")
	fmt.Println(err)
	// Output:
	// out.mp4 mp4
	// loop.gif gif
	// clip.webm webm
	// frames/ png
	// media: unsupported output extension ".avi" (want .mp4, .mov, .mkv, .webm, .gif or a directory)
}
