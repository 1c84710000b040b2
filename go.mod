module github.com/deepdream-go/deepdream

go 1.22
