//go:build tensorflow

// Package tensorflow runs deepdream's networks on TensorFlow, through the
// TensorFlow Go bindings of github.com/galeone/tensorflow (the fork that
// github.com/galeone/tfgo builds on), linked against libtensorflow 2.x.
// Every file is behind the build tag `tensorflow`: a default build neither
// compiles nor downloads any of it.
//
// The Executor imports the same frozen GraphDef the native executor runs
// (after clearing device pins and rewriting the legacy Concat op to
// ConcatV2), maps pixels to the network input inside the graph, adds each
// objective and its gradient with TensorFlow's graph gradient API
// (TF_AddGradients), and keeps one session whose graph grows by one small
// subgraph per distinct objective shape. Gradients are returned in pixel
// units, exactly like models/native, and the objectives are defined as in
// models.TermKind.
//
// Testing: the tests compare this executor with models/native on small
// random graphs, the Inception5h op-set test graph and the built-in
// InceptionV3. A test binary built with `-tags tensorflow` links
// libtensorflow, so without the library installed it does not even build;
// the tests therefore run only where libtensorflow is present
// (`go test -tags tensorflow ./models/tensorflow`). Where it is absent the
// package can still be type-checked with `go vet -tags tensorflow ./...`,
// which needs only the C headers that ship inside the galeone/tensorflow
// module. The project's CI does that and does not run these tests.
package tensorflow
