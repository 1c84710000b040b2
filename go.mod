module github.com/deepdream-go/deepdream

go 1.23

require (
	golang.org/x/image v0.24.0
	golang.org/x/sys v0.30.0
	google.golang.org/protobuf v1.36.12
)
