module github.com/deepdream-go/deepdream

go 1.22

require github.com/u2takey/ffmpeg-go v0.5.0

require (
	github.com/aws/aws-sdk-go v1.38.20 // indirect
	github.com/jmespath/go-jmespath v0.4.0 // indirect
	github.com/u2takey/go-utils v0.3.1 // indirect
)
