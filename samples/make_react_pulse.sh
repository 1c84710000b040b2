#!/bin/sh
# Regenerates samples/react_pulse.mp4 and samples/react_pulse.png: a 6-second
# zoom from seeded noise that surges on every kick of a 120 BPM loop
# (--react pulse), with the loop muxed in, and the plot of the loop's onset
# and loudness against the zoom rate and step size the preset makes of them.
# The loop is made by ffmpeg's aevalsrc, like the tests' click tracks: a
# kick drum (a 170->50 Hz sweep) on every beat, a hi-hat of noise on the
# off-beats and a soft 220 Hz tone. 320x180 at 25 fps, the zoom defaults.
# Run from the repository root. Takes a few minutes on a laptop CPU.
set -eu
go build -o /tmp/deepdream ./cmd/deepdream
track=$(mktemp -d)/loop.wav
ffmpeg -v error -y -f lavfi -i "aevalsrc=0.7*exp(-mod(t\,0.5)*18)*sin(2*PI*(50+120*exp(-mod(t\,0.5)*40))*mod(t\,0.5))+0.12*lt(mod(t+0.25\,0.5)\,0.04)*(random(0)*2-1)*(1-mod(t+0.25\,0.5)/0.04)+0.06*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*t/4)):s=44100:d=6" "$track"
/tmp/deepdream zoom -o samples/react_pulse.mp4 --force --audio "$track" --react pulse \
	--size 320x180 --fps 25 --seed 3 --crf 24 "$@"
/tmp/deepdream react "$track" -o samples/react_pulse.png --force --react pulse \
	--envelopes onset,rms --width 900
rm -r "$(dirname "$track")"
