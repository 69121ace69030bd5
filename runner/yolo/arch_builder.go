package yolo

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/yologate/yologate/runner/onnxmodel"
)

// value is a tensor of the graph being built: its name, channels, nominal
// spatial size (at the size the builder counts FLOPs for) and, unless the
// builder is dry, its activation on the calibration image.
type value struct {
	name string
	c    int
	h, w int
	cal  calBatch
	// pre is a convolution's calibration output before SiLU.
	pre calBatch
}

// builder appends nodes and initializers to a graph while counting
// parameters and multiply-adds. With dry set it only counts: no weights are
// drawn, which makes the architecture tables cheap to print.
type builder struct {
	dry   bool
	nodes []*onnxmodel.Node
	inits []*onnxmodel.Tensor
	rng   splitmix
	// params counts weights and biases; macs counts the multiply-adds of
	// convolutions and matrix products at the nominal input size.
	params int64
	macs   float64
	names  map[string]int
	// batch is the batch dimension used for FLOPs counting.
	batch int
	// trace, when set, keeps every convolution's calibration output by
	// value name (tests compare it with ONNX Runtime).
	trace map[string]calBatch
}

// splitmix is SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fully
// specified, so the weights are the same on every machine and Go release.
type splitmix struct{ s uint64 }

func (r *splitmix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns a float32 in [-1, 1) on a 2^-23 grid: exact in float32,
// never denormal, the same bits everywhere.
func (r *splitmix) uniform() float32 {
	return float32(int32(r.next()>>40)-(1<<23)) / (1 << 23)
}

// unique returns name, suffixed when already used, so node and value
// names stay unique whatever the block structure.
func (b *builder) unique(name string) string {
	k := b.names[name]
	b.names[name] = k + 1
	if k == 0 {
		return name
	}
	return name + "_" + strconv.Itoa(k)
}

func intsAttr(name string, v ...int64) *onnxmodel.Attribute {
	return &onnxmodel.Attribute{Name: name, Type: onnxmodel.AttrInts, Ints: v}
}

func intAttr(name string, v int64) *onnxmodel.Attribute {
	return &onnxmodel.Attribute{Name: name, Type: onnxmodel.AttrInt, I: v}
}

func strAttr(name, v string) *onnxmodel.Attribute {
	return &onnxmodel.Attribute{Name: name, Type: onnxmodel.AttrString, S: []byte(v)}
}

// node appends one node named scope/op and returns its output names.
func (b *builder) node(scope, op string, inputs []string, nOut int, attrs ...*onnxmodel.Attribute) []string {
	name := b.unique(scope + "/" + op)
	outs := make([]string, nOut)
	for i := range outs {
		outs[i] = name + "_output_" + strconv.Itoa(i)
	}
	if b.dry {
		return outs
	}
	b.nodes = append(b.nodes, &onnxmodel.Node{Name: name, OpType: op, Input: inputs, Output: outs, Attribute: attrs})
	return outs
}

func (b *builder) node1(scope, op string, inputs []string, attrs ...*onnxmodel.Attribute) string {
	return b.node(scope, op, inputs, 1, attrs...)[0]
}

// constInt64 adds an int64 initializer (shapes, split sizes, axes).
func (b *builder) constInt64(name string, dims []int64, v ...int64) string {
	name = b.unique(name)
	if b.dry {
		return name
	}
	raw := make([]byte, 0, 8*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(x))
	}
	b.inits = append(b.inits, &onnxmodel.Tensor{Name: name, DataType: onnxmodel.Int64, Dims: dims, RawData: raw})
	return name
}

// constFloat adds a float32 initializer.
func (b *builder) constFloat(name string, dims []int64, v []float32) string {
	name = b.unique(name)
	if !b.dry {
		b.addFloat(name, dims, v)
	}
	return name
}

// addFloat stores v as the float32 initializer name.
func (b *builder) addFloat(name string, dims []int64, v []float32) {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	b.inits = append(b.inits, &onnxmodel.Tensor{Name: name, DataType: onnxmodel.Float, Dims: dims, RawData: raw})
}

// draw returns n uniform values in [-a, a).
func (b *builder) draw(n int, a float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		// One multiply and one rounding: no fused multiply-add can change the bits.
		v[i] = float32(float64(b.rng.uniform()) * a)
	}
	return v
}

// convOpts are the knobs of one convolution.
type convOpts struct {
	k, s, g int
	act     bool
	// bias, when not nil, is every output channel's mean on the
	// calibration images (the class prior); otherwise each channel gets a
	// random beta.
	bias *float32
	// gain is the root second moment of the output (1 by default).
	gain float64
	// weightName replaces "<scope>.conv" as the initializer prefix (plain
	// nn.Conv2d layers of the head have no ".conv").
	weightName string
}

// Each channel's mean before SiLU (a trained batch norm's beta) is drawn
// uniformly from [betaCenter-betaRange, betaCenter+betaRange). Centred on 0
// the network drifts on inputs larger than the calibration image (mean
// errors pass through SiLU's linear side and add up over 40 layers);
// shifted to [0, 1) every activation stays within unit order at 320 and
// 640 (checked by the tests in ONNX Runtime).
const (
	betaCenter = 0.5
	betaRange  = 0.5
)

// conv appends Conv (batch norm already folded: weight and bias) and, with
// act, SiLU as x·sigmoid(x), the way an export writes it.
func (b *builder) conv(scope string, x value, c2 int, o convOpts) value {
	if o.g == 0 {
		o.g = 1
	}
	if o.s == 0 {
		o.s = 1
	}
	if o.gain == 0 {
		o.gain = 1
	}
	pad := o.k / 2
	h := (x.h+2*pad-o.k)/o.s + 1
	w := (x.w+2*pad-o.k)/o.s + 1
	cin := x.c / o.g
	fanIn := cin * o.k * o.k
	b.macs += float64(b.batch) * float64(c2) * float64(h) * float64(w) * float64(fanIn)
	b.params += int64(c2*fanIn + c2)
	prefix := o.weightName
	if prefix == "" {
		prefix = dotted(scope) + ".conv"
	}
	convScope := scope + "/conv"
	if o.weightName != "" {
		convScope = scope
	}
	wName := b.unique(prefix + ".weight")
	bName := b.unique(prefix + ".bias")
	out := value{c: c2, h: h, w: w}
	if !b.dry {
		// Fan-in scaled draw, scaled again by the input's measured second
		// moment, so that the output has E[z²] = gain² whatever the input;
		// center then folds the per-channel shift in.
		a := math.Sqrt(3 / float64(fanIn))
		if m2 := secondMoment(x.cal); m2 > 0 {
			a = float64(a*o.gain) / math.Sqrt(m2)
		}
		weights := b.draw(c2*fanIn, a)
		beta := make([]float64, c2)
		for i := range beta {
			if o.bias != nil {
				beta[i] = float64(*o.bias)
			} else {
				beta[i] = betaCenter + float64(float64(b.rng.uniform())*betaRange)
			}
		}
		bias := make([]float32, c2)
		z := x.cal.each(func(t *calTensor) *calTensor { return convForward(t, weights, c2, o.k, o.s, o.g) })
		center(z, bias, beta)
		if b.trace != nil {
			b.trace[convScope+"/Conv_output_0"] = z.each(func(t *calTensor) *calTensor {
				return &calTensor{c: t.c, h: t.h, w: t.w, d: append([]float32(nil), t.d...)}
			})
		}
		b.addFloat(wName, []int64{int64(c2), int64(cin), int64(o.k), int64(o.k)}, weights)
		b.addFloat(bName, []int64{int64(c2)}, bias)
		out.cal = z
	}
	out.name = b.node1(convScope, "Conv", []string{x.name, wName, bName},
		intsAttr("dilations", 1, 1), intAttr("group", int64(o.g)),
		intsAttr("kernel_shape", int64(o.k), int64(o.k)),
		intsAttr("pads", int64(pad), int64(pad), int64(pad), int64(pad)),
		intsAttr("strides", int64(o.s), int64(o.s)))
	if !o.act {
		return out
	}
	y := out.name
	sig := b.node1(scope+"/act", "Sigmoid", []string{y})
	out.name = b.node1(scope+"/act", "Mul", []string{y, sig})
	if out.cal != nil {
		out.pre = out.cal
		out.cal = out.pre.each(func(t *calTensor) *calTensor {
			c := &calTensor{c: t.c, h: t.h, w: t.w, d: append([]float32(nil), t.d...)}
			c.silu()
			return c
		})
	}
	return out
}

// dotted turns "/model.2/m.0/cv1" into "model.2.m.0.cv1" for initializer names.
func dotted(scope string) string {
	out := make([]byte, 0, len(scope))
	for i := 0; i < len(scope); i++ {
		switch {
		case scope[i] == '/' && len(out) == 0:
		case scope[i] == '/':
			out = append(out, '.')
		default:
			out = append(out, scope[i])
		}
	}
	return string(out)
}

// split cuts x along channels into parts.
func (b *builder) split(scope string, x value, parts ...int) []value {
	return b.splitAxis(scope, x, 1, parts...)
}

// splitAxis cuts x along axis into parts; calibration data follows only
// channel splits (axis 1).
func (b *builder) splitAxis(scope string, x value, axis int64, parts ...int) []value {
	sizes := make([]int64, len(parts))
	for i, p := range parts {
		sizes[i] = int64(p)
	}
	s := b.constInt64(dotted(scope)+".split", []int64{int64(len(parts))}, sizes...)
	names := b.node(scope, "Split", []string{x.name, s}, len(parts), intAttr("axis", axis))
	out := make([]value, len(parts))
	from := 0
	for i, p := range parts {
		out[i] = value{name: names[i], c: p, h: x.h, w: x.w}
		if x.cal != nil && axis == 1 {
			f := from
			out[i].cal = x.cal.each(func(t *calTensor) *calTensor { return t.channels(f, p) })
		}
		from += p
	}
	return out
}

// concat joins xs along channels.
func (b *builder) concat(scope string, xs ...value) value {
	names := make([]string, len(xs))
	cals := make([]calBatch, len(xs))
	c := 0
	for i, x := range xs {
		names[i] = x.name
		cals[i] = x.cal
		c += x.c
	}
	y := value{name: b.node1(scope, "Concat", names, intAttr("axis", 1)), c: c, h: xs[0].h, w: xs[0].w}
	if cals[0] != nil {
		y.cal = concatCal(cals...)
	}
	return y
}

func (b *builder) add(scope string, x, y value) value {
	z := value{name: b.node1(scope, "Add", []string{x.name, y.name}), c: x.c, h: x.h, w: x.w}
	if x.cal != nil {
		z.cal = make(calBatch, len(x.cal))
		for i := range z.cal {
			z.cal[i] = x.cal[i].add(y.cal[i])
		}
	}
	return z
}

// upsample doubles the spatial size (nearest neighbour), as nn.Upsample exports.
func (b *builder) upsample(scope string, x value) value {
	scales := b.constFloat(dotted(scope)+".scales", []int64{4}, []float32{1, 1, 2, 2})
	y := b.node1(scope, "Resize", []string{x.name, "", scales},
		strAttr("coordinate_transformation_mode", "asymmetric"), strAttr("mode", "nearest"),
		strAttr("nearest_mode", "floor"))
	out := value{name: y, c: x.c, h: 2 * x.h, w: 2 * x.w}
	if x.cal != nil {
		out.cal = x.cal.each((*calTensor).upsample2)
	}
	return out
}

func (b *builder) maxpool(scope string, x value, k int) value {
	p := int64(k / 2)
	y := b.node1(scope, "MaxPool", []string{x.name},
		intAttr("ceil_mode", 0), intsAttr("dilations", 1, 1), intsAttr("kernel_shape", int64(k), int64(k)),
		intsAttr("pads", p, p, p, p), intsAttr("strides", 1, 1))
	out := value{name: y, c: x.c, h: x.h, w: x.w}
	if x.cal != nil {
		out.cal = x.cal.each(func(t *calTensor) *calTensor { return t.maxpool(k) })
	}
	return out
}
