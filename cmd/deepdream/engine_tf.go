//go:build tensorflow

package main

import (
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/tensorflow"
	"github.com/deepdream-go/deepdream/models/zoo"
)

// newTensorFlowExecutor runs the model on the linked libtensorflow.
func newTensorFlowExecutor(m *zoo.Model) (models.Executor, error) {
	return tensorflow.New(m.Graph, m.Spec, tensorflow.Options{})
}
