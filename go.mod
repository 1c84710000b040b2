module github.com/deepdream-go/deepdream

go 1.22

require golang.org/x/image v0.24.0
