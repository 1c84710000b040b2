// Package flow computes dense optical flow between two video frames and the
// tools a temporally coherent video pipeline needs around it: backward
// warping of images by a flow field, forward–backward and photometric
// consistency (occlusion and motion-boundary masks with smooth confidence
// weights), a
// temporal-stability metric, Middlebury .flo encoding and decoding, and the
// standard flow colour wheel.
//
// The flow estimator (Compute) follows Dense Inverse Search (Kroeger,
// Timofte, Dai and Van Gool, "Fast Optical Flow using Dense Inverse Search",
// ECCV 2016): on every level of a coarse-to-fine image pyramid it aligns a
// regular grid of small patches by inverse-compositional Gauss–Newton,
// densifies the patch displacements by photometrically weighted averaging and
// refines the dense field with a variational energy (brightness and gradient
// constancy, optionally on all colour channels, plus robust smoothness that
// can weaken across image edges).
// Refinement can continue below the finest patch level down to full
// resolution.
//
// Three things keep it from failing badly on everyday footage: the patch
// cost and the densification weights are zero-mean and the refinement's
// brightness term is taken relative to its local mean, so an exposure
// change is not read as motion; patches with little texture (a night sky,
// a wall) carry little weight; and when the dominant motion is a pixel or
// more on the coarsest level (a fast pan), every patch starts from it.
//
// Presets and their average endpoint error on the eight Middlebury pairs
// with public ground truth (see TestMiddleburyEPE), and on the evaluation
// set of evalset_test.go (18 pairs from real photos and a video frame with
// known warps, exposure changes, noise, night skies and pans of up to 60 px;
// OpenCV 4.6 DIS MEDIUM: 0.606 on Middlebury, 1.197 on the set):
//
//	          Middlebury  set
//	Fast      0.59 px     0.91 px   patches down to 1/4 resolution, then upsampling
//	Medium    0.44 px     0.64 px   patches down to 1/2 resolution (the default)
//	Accurate  0.36 px     0.57 px   patches at full resolution, about 3x Medium's time
//
// For video, ComputeBidirectional gives the forward and backward flow of a
// frame pair at once; an Estimator gives the same flows over a sequence,
// preparing every frame once (Prepare) for the two pairs it belongs to and
// keeping its working memory between pairs (Flow gives one direction for
// half the work, and Recycle takes a result's memory back). Consistency
// turns the two flows into occlusion and motion-boundary masks and
// confidence weights (ConsistencyWeights only the weights, into the
// caller's buffer); MatchWeights gives such weights from one flow and the
// two frames, trusting a pixel where the frames match along the flow;
// Warp carries an image (for instance a hallucination layer) from the
// previous frame to the current one.
//
// Everything is Go, except for SIMD kernels on amd64, used where the CPU
// has AVX2 (AVX-512 for the refinement's linearised data terms) and left
// out by the purego build tag: the pyramid (grey conversion, downsampling,
// gradients), the patch search (patch loading and residuals) and its
// densification, the refinement's inner loops (data terms, smoothness and
// edge weights, SOR sweeps, the red-black split and merge) and warp, the
// flow's upsampling, and MatchWeights' and Consistency's row tests and
// blur. They do the same operations in the same order as the Go loops
// (sums over a patch go column by column in both), so results do not
// depend on them; the Go loops convert each product to float32 explicitly,
// which keeps the compiler from fusing multiply-adds (as it does with
// GOAMD64=v3) where the kernels do not. Work is split over GOMAXPROCS
// goroutines by rows; every output value is computed by exactly one
// goroutine in a fixed order, so results are bit-identical for the same
// input whatever GOMAXPROCS is.
// The package never touches files: .flo data goes through io.Reader and
// io.Writer.
//
// Conventions: a Field holds the flow from frame A to frame B; pixel (x, y)
// of A moves to (x+U, y+V) in B. Pixel centres are at integer coordinates.
package flow
