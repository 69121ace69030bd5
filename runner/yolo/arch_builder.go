package yolo

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/yologate/yologate/runner/onnxmodel"
)

// value is a tensor of the graph being built: its name, channels, nominal
// spatial size (at the size the builder counts FLOPs for) and the second
// moment E[x²] its elements are expected to have on the reference input.
type value struct {
	name string
	c    int
	h, w int
	m2   float64
}

// Second moments that the weight scaling tracks (E[x²] per element).
const (
	// m2Input is E[x²] of uniform [0,1] pixels: 1/3.
	m2Input = 1.0 / 3
	// m2SiLU is E[silu(z)²] for z ~ N(0,1), by numerical integration (0.3557).
	m2SiLU = 0.3557
	// m2PoolGain is how much a 5×5 max pool of SiLU features raises E[x²]
	// (the max of a neighbourhood sits near the upper tail).
	m2PoolGain = 3.0
)

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
	// trace, when set, records the expected E[x²] of every value the
	// builder tracks (tests compare it with what ONNX Runtime computes).
	trace map[string]float64
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
	if b.dry {
		return name
	}
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	b.inits = append(b.inits, &onnxmodel.Tensor{Name: name, DataType: onnxmodel.Float, Dims: dims, RawData: raw})
	return name
}

// randomFloat adds a float32 initializer of n uniform values in [-a, a).
func (b *builder) randomFloat(name string, dims []int64, a float64) string {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	b.params += int64(n)
	if b.dry {
		return name
	}
	raw := make([]byte, 4*n)
	for i := range n {
		// One multiply and one rounding: no fused multiply-add can change the bits.
		w := float32(float64(b.rng.uniform()) * a)
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(w))
	}
	b.inits = append(b.inits, &onnxmodel.Tensor{Name: name, DataType: onnxmodel.Float, Dims: dims, RawData: raw})
	return name
}

// convOpts are the knobs of one convolution.
type convOpts struct {
	k, s, g int
	act     bool
	// bias, when not nil, sets every bias element (the class prior);
	// otherwise biases are small and random.
	bias *float32
	// gain scales the pre-activation standard deviation (1 by default).
	gain float64
	// weightName replaces "<scope>.conv" as the initializer prefix (plain
	// nn.Conv2d layers of the head have no ".conv").
	weightName string
}

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
	prefix := o.weightName
	if prefix == "" {
		prefix = dotted(scope) + ".conv"
	}
	// Uniform weights of variance gain²/(fanIn·E[x²]) give the
	// pre-activation unit variance (times gain²): 3·gain²/(fanIn·m2) = a².
	a := math.Sqrt(float64(3*o.gain*o.gain) / float64(float64(fanIn)*x.m2))
	wName := b.randomFloat(prefix+".weight", []int64{int64(c2), int64(cin), int64(o.k), int64(o.k)}, a)
	var bName string
	if o.bias != nil {
		vals := make([]float32, c2)
		for i := range vals {
			vals[i] = *o.bias
		}
		b.params += int64(c2)
		bName = b.constFloat(prefix+".bias", []int64{int64(c2)}, vals)
	} else {
		bName = b.randomFloat(prefix+".bias", []int64{int64(c2)}, 0.1)
	}
	convScope := scope + "/conv"
	if o.weightName != "" {
		convScope = scope
	}
	y := b.node1(convScope, "Conv", []string{x.name, wName, bName},
		intsAttr("dilations", 1, 1), intAttr("group", int64(o.g)),
		intsAttr("kernel_shape", int64(o.k), int64(o.k)),
		intsAttr("pads", int64(pad), int64(pad), int64(pad), int64(pad)),
		intsAttr("strides", int64(o.s), int64(o.s)))
	out := value{name: y, c: c2, h: h, w: w, m2: o.gain * o.gain}
	b.record(out)
	if !o.act {
		return out
	}
	sig := b.node1(scope+"/act", "Sigmoid", []string{y})
	out.name = b.node1(scope+"/act", "Mul", []string{y, sig})
	out.m2 = m2SiLU
	b.record(out)
	return out
}

func (b *builder) record(v value) {
	if b.trace != nil {
		b.trace[v.name] = v.m2
	}
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

// splitAxis cuts x along axis into parts.
func (b *builder) splitAxis(scope string, x value, axis int64, parts ...int) []value {
	sizes := make([]int64, len(parts))
	for i, p := range parts {
		sizes[i] = int64(p)
	}
	s := b.constInt64(dotted(scope)+".split", []int64{int64(len(parts))}, sizes...)
	names := b.node(scope, "Split", []string{x.name, s}, len(parts), intAttr("axis", axis))
	out := make([]value, len(parts))
	for i := range parts {
		out[i] = value{name: names[i], c: parts[i], h: x.h, w: x.w, m2: x.m2}
	}
	return out
}

// concat joins xs along channels.
func (b *builder) concat(scope string, xs ...value) value {
	names := make([]string, len(xs))
	c, m := 0, 0.0
	for i, x := range xs {
		names[i] = x.name
		c += x.c
		m += float64(float64(x.c) * x.m2)
	}
	y := b.node1(scope, "Concat", names, intAttr("axis", 1))
	return value{name: y, c: c, h: xs[0].h, w: xs[0].w, m2: m / float64(c)}
}

func (b *builder) add(scope string, x, y value) value {
	z := b.node1(scope, "Add", []string{x.name, y.name})
	return value{name: z, c: x.c, h: x.h, w: x.w, m2: x.m2 + y.m2}
}

// upsample doubles the spatial size (nearest neighbour), as nn.Upsample exports.
func (b *builder) upsample(scope string, x value) value {
	scales := b.constFloat(dotted(scope)+".scales", []int64{4}, []float32{1, 1, 2, 2})
	y := b.node1(scope, "Resize", []string{x.name, "", scales},
		strAttr("coordinate_transformation_mode", "asymmetric"), strAttr("mode", "nearest"),
		strAttr("nearest_mode", "floor"))
	return value{name: y, c: x.c, h: 2 * x.h, w: 2 * x.w, m2: x.m2}
}

func (b *builder) maxpool(scope string, x value, k int) value {
	p := int64(k / 2)
	y := b.node1(scope, "MaxPool", []string{x.name},
		intAttr("ceil_mode", 0), intsAttr("dilations", 1, 1), intsAttr("kernel_shape", int64(k), int64(k)),
		intsAttr("pads", p, p, p, p), intsAttr("strides", 1, 1))
	return value{name: y, c: x.c, h: x.h, w: x.w, m2: x.m2 * m2PoolGain}
}
