#!/usr/bin/env bash
# Rebuilds the sample inputs from ../shared and the showcase outputs with
# the tool itself. Run from the repository root: bash samples/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/testdata
ffmpeg -v error -y -ss 3 -t 2 -i "$shared/video/chaplin.mp4" -vf scale=320:-2 \
  -c:v libx264 -crf 22 -preset slow -c:a aac -b:a 64k -movflags +faststart samples/chaplin.mp4
install -m 644 "$shared/images/chelsea.png" samples/chelsea.png
go build -o deepdream ./cmd/deepdream
./deepdream image samples/chelsea.png -o samples/chelsea_dream.jpg --force --quality 90
./deepdream video samples/chaplin.mp4 -o samples/chaplin_dream.gif --force --gif-fps 12.5
./deepdream layers --preview samples/chelsea.png -o samples/layers_sheet.jpg --force --thumb 224
