module github.com/deepdream-go/deepdream

go 1.25.0

require (
	github.com/schollz/progressbar/v3 v3.19.1
	github.com/u2takey/ffmpeg-go v0.5.0
	golang.org/x/image v0.24.0
	golang.org/x/sys v0.46.0
	golang.org/x/term v0.44.0
	gonum.org/v1/gonum v0.15.1
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/galeone/tfgo v0.0.0-20210204182614-84b9a5e77f79
	sigs.k8s.io/yaml v1.6.0
)

require go.yaml.in/yaml/v2 v2.4.2 // indirect

require golang.org/x/sync v0.19.0

require (
	github.com/aws/aws-sdk-go v1.38.20 // indirect
	github.com/galeone/tensorflow v2.4.0-rc0.0.20210202175351-640a390c2283+incompatible
	github.com/golang/protobuf v1.5.0 // indirect
	github.com/jmespath/go-jmespath v0.4.0 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/u2takey/go-utils v0.3.1 // indirect
)
