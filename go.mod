module github.com/deepdream-go/deepdream

go 1.23

require (
	golang.org/x/sys v0.30.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/galeone/tensorflow v2.4.0-rc0.0.20210202175351-640a390c2283+incompatible
	github.com/golang/protobuf v1.5.0 // indirect
)
