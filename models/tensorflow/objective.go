//go:build tensorflow

package tensorflow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tf "github.com/galeone/tensorflow/tensorflow/go"
	"github.com/galeone/tensorflow/tensorflow/go/op"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
)

// objective is the subgraph of one objective shape (the kinds, layers and
// channels of its terms): the value of each term, and the gradient of their
// weighted sum with respect to the pixels. Weights and guide vectors are
// fed, so one subgraph serves every objective of the same shape; the
// tensors fed last are kept and reused while the values stay the same.
type objective struct {
	weights tf.Output   // placeholder [terms]
	guides  []tf.Output // placeholder [len(guide)] per GuideDot term
	values  tf.Output   // [terms], unweighted term values
	// grad is d(sum of weighted terms)/d pixels, shape [1, H, W, 3]; nil
	// when no term depends on the input (the gradient is then zero).
	grad *tf.Output
	// channels of each term's layer when TensorFlow knows it before
	// running, else -1.
	channels []int64

	lastWeights []float32
	weightsT    *tf.Tensor
	lastGuides  [][]float32
	guideT      []*tf.Tensor
}

// objectiveKey identifies the shape of an objective.
func objectiveKey(obj models.Objective) string {
	var b strings.Builder
	for _, t := range obj.Terms {
		b.WriteString(strconv.Itoa(int(t.Kind)))
		b.WriteByte(' ')
		if t.Kind == models.MeanChannel {
			b.WriteString(strconv.Itoa(t.Channel))
		}
		b.WriteByte(' ')
		b.WriteString(t.Layer)
		b.WriteByte(0)
	}
	return b.String()
}

// objective returns the cached subgraph for obj's shape, building it on
// first use, and the tensors to feed it for obj.
func (e *Executor) objective(obj models.Objective) (*objective, map[tf.Output]*tf.Tensor, error) {
	if len(obj.Terms) == 0 {
		return nil, nil, fmt.Errorf("objective has no terms")
	}
	for _, t := range obj.Terms {
		switch t.Kind {
		case models.MeanSquare:
		case models.MeanChannel:
			if t.Channel < 0 {
				return nil, nil, fmt.Errorf("objective on %q: channel %d out of range", t.Layer, t.Channel)
			}
		case models.GuideDot:
			if len(t.Guide) == 0 {
				return nil, nil, fmt.Errorf("objective on %q: guide is empty", t.Layer)
			}
		default:
			return nil, nil, fmt.Errorf("objective on %q: unknown objective kind %d", t.Layer, t.Kind)
		}
	}
	key := objectiveKey(obj)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sess == nil {
		return nil, nil, fmt.Errorf("tensorflow executor is closed")
	}
	o := e.objs[key]
	if o == nil {
		// A fresh root scope per objective keeps a failed build from poisoning
		// later ones (op.Scope errors are shared by a root and its sub-scopes);
		// the counter keeps the name scopes apart.
		name := "objective_" + strconv.Itoa(len(e.objs)+e.failed)
		var err error
		o, err = buildObjective(op.NewScopeWithGraph(e.graph).SubScope(name), e, obj)
		if err != nil {
			e.failed++
			return nil, nil, err
		}
		e.objs[key] = o
	}
	feeds, err := o.feeds(obj)
	if err != nil {
		return nil, nil, err
	}
	return o, feeds, nil
}

// buildObjective adds the objective's subgraph to the executor's graph.
func buildObjective(s *op.Scope, e *Executor, obj models.Objective) (*objective, error) {
	n := len(obj.Terms)
	o := &objective{
		guides:     make([]tf.Output, n),
		channels:   make([]int64, n),
		lastGuides: make([][]float32, n),
		guideT:     make([]*tf.Tensor, n),
	}
	o.weights = op.Placeholder(s.SubScope("weights"), tf.Float, op.PlaceholderShape(tf.MakeShape(int64(n))))
	values := make([]tf.Output, n)
	dependent := false
	for i, t := range obj.Terms {
		a, err := e.layer(t.Layer)
		if err != nil {
			return nil, fmt.Errorf("objective on %q: %w", t.Layer, err)
		}
		if a.DataType() != tf.Float {
			return nil, fmt.Errorf("objective on %q: layer is of type %v, want float32", t.Layer, a.DataType())
		}
		if name, _, _, _ := graphdef.ParseInput(t.Layer); e.deps[name] {
			dependent = true
		}
		o.channels[i] = -1
		if sh := a.Shape(); sh.NumDimensions() > 0 {
			o.channels[i] = sh.Size(sh.NumDimensions() - 1)
		} else if sh.NumDimensions() == 0 {
			o.channels[i] = 1
		}
		ts := s.SubScope("term" + strconv.Itoa(i))
		switch t.Kind {
		case models.MeanSquare:
			values[i] = meanAll(ts, op.Square(ts, a))
		case models.MeanChannel:
			if c := o.channels[i]; c >= 0 && int64(t.Channel) >= c {
				return nil, fmt.Errorf("objective on %q: channel %d out of range 0..%d", t.Layer, t.Channel, c-1)
			}
			col := op.Slice(ts, byChannel(ts, a, o.channels[i]),
				op.Const(ts.SubScope("begin"), []int32{0, int32(t.Channel)}),
				op.Const(ts.SubScope("size"), []int32{-1, 1}))
			values[i] = meanAll(ts, col)
		case models.GuideDot:
			o.guides[i] = op.Placeholder(ts.SubScope("guide"), tf.Float, op.PlaceholderShape(tf.MakeShape(-1)))
			channels := channelCount(ts, a, o.channels[i])
			guide := op.Reshape(ts, o.guides[i], op.Pack(ts, []tf.Output{op.Const(ts.SubScope("rows"), int32(-1)), channels}))
			// [positions, guides]: the dot product of every position with every guide.
			dots := op.MatMul(ts, byChannel(ts, a, o.channels[i]), guide, op.MatMulTransposeB(true))
			best := op.Max(ts, dots, op.Const(ts.SubScope("guides"), []int32{1}))
			values[i] = meanAll(ts, best)
		}
	}
	o.values = op.Pack(s, values)
	total := op.Sum(s, op.Mul(s, o.weights, o.values), op.Const(s.SubScope("terms"), []int32{0}))
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("building the objective: %w", err)
	}
	if dependent {
		g := op.Gradients(s, []tf.Output{total}, []tf.Output{e.pixels})
		if err := s.Err(); err != nil {
			if e.concatNote != nil {
				return nil, fmt.Errorf("building the gradient of the objective: %w (%v)", cleanError(err), e.concatNote)
			}
			return nil, fmt.Errorf("building the gradient of the objective: %w", cleanError(err))
		}
		o.grad = &g[0]
	}
	return o, nil
}

// meanAll is the mean of every element of x, as a scalar.
func meanAll(s *op.Scope, x tf.Output) tf.Output {
	flat := op.Reshape(s, x, op.Const(s.SubScope("flat"), []int32{-1}))
	return op.Mean(s, flat, op.Const(s.SubScope("all"), []int32{0}))
}

// channelCount is the last dimension of a as an int32 scalar: a constant
// when known (static >= 0), else read from a's shape at run time.
func channelCount(s *op.Scope, a tf.Output, static int64) tf.Output {
	if static >= 0 {
		return op.Const(s.SubScope("channels"), int32(static))
	}
	shape := op.Shape(s, a, op.ShapeOutType(tf.Int32))
	return op.StridedSlice(s, shape,
		op.Const(s.SubScope("last"), []int32{-1}),
		op.Const(s.SubScope("end"), []int32{0}),
		op.Const(s.SubScope("stride"), []int32{1}),
		op.StridedSliceEndMask(1), op.StridedSliceShrinkAxisMask(1))
}

// byChannel reshapes a to [positions, channels].
func byChannel(s *op.Scope, a tf.Output, static int64) tf.Output {
	shape := op.Pack(s, []tf.Output{op.Const(s.SubScope("positions"), int32(-1)), channelCount(s, a, static)})
	return op.Reshape(s, a, shape)
}

// feeds returns the weight and guide tensors for obj, reusing those of the
// previous call where the values have not changed.
func (o *objective) feeds(obj models.Objective) (map[tf.Output]*tf.Tensor, error) {
	feeds := make(map[tf.Output]*tf.Tensor, 2+len(obj.Terms))
	w := make([]float32, len(obj.Terms))
	for i, t := range obj.Terms {
		w[i] = float32(weight(t))
	}
	if o.weightsT == nil || !slices.Equal(w, o.lastWeights) {
		t, err := newTensor(w, int64(len(w)))
		if err != nil {
			return nil, fmt.Errorf("objective weights: %w", err)
		}
		o.weightsT, o.lastWeights = t, w
	}
	feeds[o.weights] = o.weightsT
	for i, t := range obj.Terms {
		if t.Kind != models.GuideDot {
			continue
		}
		if c := o.channels[i]; c > 0 && int64(len(t.Guide))%c != 0 {
			return nil, fmt.Errorf("objective on %q: guide has %d values, want a multiple of the %d channels", t.Layer, len(t.Guide), c)
		}
		if o.guideT[i] == nil || !slices.Equal(t.Guide, o.lastGuides[i]) {
			g, err := newTensor(t.Guide, int64(len(t.Guide)))
			if err != nil {
				return nil, fmt.Errorf("objective on %q: guide: %w", t.Layer, err)
			}
			// Keep a copy: the caller may reuse its slice.
			o.guideT[i], o.lastGuides[i] = g, slices.Clone(t.Guide)
		}
		feeds[o.guides[i]] = o.guideT[i]
	}
	return feeds, nil
}
