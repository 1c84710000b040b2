//go:build !tensorflow

package main

import (
	"errors"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/zoo"
)

func newTensorFlowExecutor(*zoo.Model) (models.Executor, error) {
	return nil, errors.New("this deepdream was built without TensorFlow; install libtensorflow and rebuild with `go build -tags tensorflow ./cmd/deepdream` (see README), or use --engine native")
}
