#!/bin/sh
# Regenerates samples/zoom_loop.gif: a 6-second looping zoom into dream
# structures, turning slowly (8 degrees a second), made from seeded noise
# with the built-in model (InceptionV3, layer mixed3, the zoom defaults:
# a keyframe every 3 frames, 2 octaves of 2 steps), 320x180 at 15 fps,
# kept under 3 MB.
# Run from the repository root. Takes a few minutes on a laptop CPU.
set -eu
go build -o /tmp/deepdream ./cmd/deepdream
/tmp/deepdream zoom -o samples/zoom_loop.gif --force \
	--size 320x180 --fps 15 --seconds 6 --loop \
	--rotate 8 --seed 7 --max-bytes 3MB "$@"
