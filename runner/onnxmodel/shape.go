package onnxmodel

import (
	"encoding/binary"
	"math"
)

// shapes propagates static shapes through a graph, far enough to count the
// multiply-adds of convolutions and matrix products. It knows the operators
// that YOLO exports use (and the shape arithmetic that dynamic exports do
// with Shape/Gather/Concat); a value whose shape it cannot tell stays
// unknown, and so does everything computed from it.
type shapes struct {
	shape map[string][]int64
	// konst holds the values of small int64/float constants (shape
	// arithmetic, Resize scales, Slice bounds).
	konst map[string][]float64
	macs  float64
	// counted and compute are the compute nodes (Conv, MatMul, Gemm, …)
	// whose MACs were counted, and all of them.
	counted, compute int
}

// maxConstElems bounds the constants shapes tracks by value: shape tensors are tiny.
const maxConstElems = 64

func tensorValues(t *Tensor) []float64 {
	n := t.NumElements()
	if n < 0 || n > maxConstElems || t.DataLocation == 1 {
		return nil
	}
	out := make([]float64, 0, n)
	switch {
	case len(t.RawData) > 0:
		switch t.DataType {
		case Int64:
			for i := 0; i+8 <= len(t.RawData); i += 8 {
				out = append(out, float64(int64(binary.LittleEndian.Uint64(t.RawData[i:]))))
			}
		case Int32:
			for i := 0; i+4 <= len(t.RawData); i += 4 {
				out = append(out, float64(int32(binary.LittleEndian.Uint32(t.RawData[i:]))))
			}
		case Float:
			for i := 0; i+4 <= len(t.RawData); i += 4 {
				out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[i:]))))
			}
		case Double:
			for i := 0; i+8 <= len(t.RawData); i += 8 {
				out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(t.RawData[i:])))
			}
		default:
			return nil
		}
	case len(t.Int64Data) > 0:
		for _, v := range t.Int64Data {
			out = append(out, float64(v))
		}
	case len(t.Int32Data) > 0 && t.DataType == Int32:
		for _, v := range t.Int32Data {
			out = append(out, float64(v))
		}
	case len(t.FloatData) > 0:
		for _, v := range t.FloatData {
			out = append(out, float64(v))
		}
	case len(t.DoubleData) > 0:
		out = append(out, t.DoubleData...)
	}
	if int64(len(out)) != n {
		return nil
	}
	return out
}

func (s *shapes) set(name string, shape []int64) {
	if name == "" || shape == nil {
		return
	}
	s.shape[name] = shape
}

func (s *shapes) get(n *Node, i int) []int64 {
	if i >= len(n.Input) || n.Input[i] == "" {
		return nil
	}
	return s.shape[n.Input[i]]
}

func (s *shapes) val(n *Node, i int) []float64 {
	if i >= len(n.Input) || n.Input[i] == "" {
		return nil
	}
	return s.konst[n.Input[i]]
}

func getInts(n *Node, name string, def []int64) []int64 {
	if a := n.Attr(name); a != nil && a.Type == AttrInts {
		return a.Ints
	}
	return def
}

func getInt(n *Node, name string, def int64) int64 {
	if a := n.Attr(name); a != nil && a.Type == AttrInt {
		return a.I
	}
	return def
}

func getString(n *Node, name string) string {
	if a := n.Attr(name); a != nil && a.Type == AttrString {
		return string(a.S)
	}
	return ""
}

func prod(dims []int64) float64 {
	p := 1.0
	for _, d := range dims {
		p *= float64(d)
	}
	return p
}

func axis(a, rank int64) (int64, bool) {
	if a < 0 {
		a += rank
	}
	return a, a >= 0 && a < rank
}

func toInts(v []float64) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func broadcast(a, b []int64) []int64 {
	if a == nil || b == nil {
		return nil
	}
	n := max(len(a), len(b))
	out := make([]int64, n)
	for i := range n {
		da, db := int64(1), int64(1)
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil
		}
	}
	return out
}

// windowOut is the output length of a convolution or pooling window.
func windowOut(in, k, stride, dil, padBegin, padEnd int64, autoPad string, ceil bool) int64 {
	if stride <= 0 {
		stride = 1
	}
	if dil <= 0 {
		dil = 1
	}
	switch autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		return (in + stride - 1) / stride
	case "VALID":
		padBegin, padEnd = 0, 0
	}
	span := (k-1)*dil + 1
	num := in + padBegin + padEnd - span
	if num < 0 {
		return -1
	}
	if ceil {
		return (num+stride-1)/stride + 1
	}
	return num/stride + 1
}

// window computes the output shape of Conv-like and pooling nodes: x is
// [N, C, spatial...], kernel the spatial kernel, outC the output channels.
func window(n *Node, x []int64, kernel []int64, outC int64) []int64 {
	sp := len(x) - 2
	if sp < 1 || len(kernel) != sp {
		return nil
	}
	strides := getInts(n, "strides", nil)
	dils := getInts(n, "dilations", nil)
	pads := getInts(n, "pads", nil)
	autoPad := getString(n, "auto_pad")
	ceil := getInt(n, "ceil_mode", 0) != 0
	out := []int64{x[0], outC}
	for i := range sp {
		st, dl, pb, pe := int64(1), int64(1), int64(0), int64(0)
		if i < len(strides) {
			st = strides[i]
		}
		if i < len(dils) {
			dl = dils[i]
		}
		if len(pads) == 2*sp {
			pb, pe = pads[i], pads[i+sp]
		}
		o := windowOut(x[2+i], kernel[i], st, dl, pb, pe, autoPad, ceil)
		if o < 0 {
			return nil
		}
		out = append(out, o)
	}
	return out
}

// isCompute reports whether op's multiply-adds are counted.
func isCompute(op string) bool {
	switch op {
	case "Conv", "ConvInteger", "QLinearConv", "ConvTranspose", "MatMul", "MatMulInteger", "QLinearMatMul", "Gemm":
		return true
	}
	return false
}

// shapeOps infers, per operator, the output shapes of a node from its
// input shapes (x is the first), and folds small constants; an operator
// not listed leaves its outputs unknown.
var shapeOps = map[string]func(s *shapes, n *Node, x []int64, out0 string){
	"Constant":              (*shapes).opConstant,
	"Conv":                  (*shapes).opConv,
	"ConvInteger":           (*shapes).opConv,
	"QLinearConv":           (*shapes).opConv,
	"ConvTranspose":         (*shapes).opConv,
	"MaxPool":               (*shapes).opPool,
	"AveragePool":           (*shapes).opPool,
	"LpPool":                (*shapes).opPool,
	"GlobalAveragePool":     (*shapes).opGlobalPool,
	"GlobalMaxPool":         (*shapes).opGlobalPool,
	"Sigmoid":               (*shapes).opSameShape,
	"Relu":                  (*shapes).opSameShape,
	"Cast":                  (*shapes).opSameShape,
	"Softmax":               (*shapes).opSameShape,
	"LogSoftmax":            (*shapes).opSameShape,
	"Identity":              (*shapes).opSameShape,
	"Exp":                   (*shapes).opSameShape,
	"Log":                   (*shapes).opSameShape,
	"Sqrt":                  (*shapes).opSameShape,
	"Neg":                   (*shapes).opSameShape,
	"Abs":                   (*shapes).opSameShape,
	"Tanh":                  (*shapes).opSameShape,
	"Erf":                   (*shapes).opSameShape,
	"HardSigmoid":           (*shapes).opSameShape,
	"HardSwish":             (*shapes).opSameShape,
	"LeakyRelu":             (*shapes).opSameShape,
	"Clip":                  (*shapes).opSameShape,
	"DequantizeLinear":      (*shapes).opSameShape,
	"QuantizeLinear":        (*shapes).opSameShape,
	"DynamicQuantizeLinear": (*shapes).opSameShape,
	"BatchNormalization":    (*shapes).opSameShape,
	"Reciprocal":            (*shapes).opSameShape,
	"Floor":                 (*shapes).opSameShape,
	"Ceil":                  (*shapes).opSameShape,
	"Round":                 (*shapes).opSameShape,
	"Not":                   (*shapes).opSameShape,
	"Elu":                   (*shapes).opSameShape,
	"Selu":                  (*shapes).opSameShape,
	"Softplus":              (*shapes).opSameShape,
	"Gelu":                  (*shapes).opSameShape,
	"Mish":                  (*shapes).opSameShape,
	"Sign":                  (*shapes).opSameShape,
	"LayerNormalization":    (*shapes).opSameShape,
	"InstanceNormalization": (*shapes).opSameShape,
	"Add":                   (*shapes).opBinary,
	"Sub":                   (*shapes).opBinary,
	"Mul":                   (*shapes).opBinary,
	"Div":                   (*shapes).opBinary,
	"Pow":                   (*shapes).opBinary,
	"Max":                   (*shapes).opBinary,
	"Min":                   (*shapes).opBinary,
	"Equal":                 (*shapes).opBinary,
	"Greater":               (*shapes).opBinary,
	"Less":                  (*shapes).opBinary,
	"And":                   (*shapes).opBinary,
	"Or":                    (*shapes).opBinary,
	"Mod":                   (*shapes).opBinary,
	"Where":                 (*shapes).opWhere,
	"Concat":                (*shapes).opConcat,
	"Split":                 (*shapes).opSplit,
	"Slice":                 (*shapes).opSlice,
	"Reshape":               (*shapes).opReshape,
	"Flatten":               (*shapes).opFlatten,
	"Transpose":             (*shapes).opTranspose,
	"Resize":                (*shapes).opResize,
	"Upsample":              (*shapes).opResize,
	"Shape":                 (*shapes).opShape,
	"Gather":                (*shapes).opGather,
	"Unsqueeze":             (*shapes).opSqueeze,
	"Squeeze":               (*shapes).opSqueeze,
	"MatMul":                (*shapes).opMatMul,
	"MatMulInteger":         (*shapes).opMatMul,
	"Gemm":                  (*shapes).opGemm,
}

func (s *shapes) node(n *Node) {
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return
	}
	if isCompute(n.OpType) {
		s.compute++
	}
	out0 := ""
	if len(n.Output) > 0 {
		out0 = n.Output[0]
	}
	if op := shapeOps[n.OpType]; op != nil {
		op(s, n, s.get(n, 0), out0)
	}
}

// opConstant records a Constant's shape and value.
func (s *shapes) opConstant(n *Node, x []int64, out0 string) {
	if a := n.Attr("value"); a != nil && a.T != nil {
		s.set(out0, append([]int64{}, a.T.Dims...))
		if v := tensorValues(a.T); v != nil {
			s.konst[out0] = v
		}
	} else if a := n.Attr("value_ints"); a != nil {
		s.set(out0, []int64{int64(len(a.Ints))})
		v := make([]float64, len(a.Ints))
		for i, x := range a.Ints {
			v[i] = float64(x)
		}
		s.konst[out0] = v
	} else if a := n.Attr("value_int"); a != nil {
		s.set(out0, []int64{})
		s.konst[out0] = []float64{float64(a.I)}
	} else if a := n.Attr("value_float"); a != nil {
		s.set(out0, []int64{})
		s.konst[out0] = []float64{float64(a.F)}
	}
}

// opConv sizes a convolution and counts its multiply-adds.
func (s *shapes) opConv(n *Node, x []int64, out0 string) {
	wi := 1
	if n.OpType == "QLinearConv" {
		wi = 3
	}
	w := s.get(n, wi)
	if x == nil || len(w) < 3 || len(x) != len(w) {
		return
	}
	if n.OpType == "ConvTranspose" {
		return // not in YOLO detectors; left uncounted
	}
	out := window(n, x, w[2:], w[0])
	if out == nil {
		return
	}
	s.set(out0, out)
	s.macs += prod(out) * float64(w[1]) * prod(w[2:])
	s.counted++
}

// opPool sizes a windowed pooling.
func (s *shapes) opPool(n *Node, x []int64, out0 string) {
	k := getInts(n, "kernel_shape", nil)
	if len(x) < 3 {
		return
	}
	s.set(out0, window(n, x, k, x[1]))
}

// opGlobalPool keeps batch and channels and sets every spatial dimension to 1.
func (s *shapes) opGlobalPool(n *Node, x []int64, out0 string) {
	if len(x) >= 3 {
		out := append([]int64{x[0], x[1]}, make([]int64, len(x)-2)...)
		for i := 2; i < len(out); i++ {
			out[i] = 1
		}
		s.set(out0, out)
	}
}

// opSameShape is an element-wise operator: its output has its input's shape.
func (s *shapes) opSameShape(n *Node, x []int64, out0 string) {
	s.set(out0, x)
	if n.OpType == "Cast" || n.OpType == "Identity" {
		if v := s.val(n, 0); v != nil {
			s.konst[out0] = v
		}
	}
	if n.OpType == "DynamicQuantizeLinear" && len(n.Output) == 3 {
		s.set(n.Output[1], []int64{})
		s.set(n.Output[2], []int64{})
	}
}

// opBinary broadcasts two inputs and folds constant arithmetic.
func (s *shapes) opBinary(n *Node, x []int64, out0 string) {
	out := broadcast(x, s.get(n, 1))
	s.set(out0, out)
	a, b := s.val(n, 0), s.val(n, 1)
	if a != nil && b != nil && (len(a) == len(b) || len(a) == 1 || len(b) == 1) {
		m := max(len(a), len(b))
		v := make([]float64, m)
		for i := range m {
			p, q := a[min(i, len(a)-1)], b[min(i, len(b)-1)]
			switch n.OpType {
			case "Add":
				v[i] = p + q
			case "Sub":
				v[i] = p - q
			case "Mul":
				v[i] = p * q
			case "Div":
				if q == 0 {
					return
				}
				v[i] = p / q
			default:
				return
			}
		}
		s.konst[out0] = v
	}
}

// opWhere broadcasts its three inputs.
func (s *shapes) opWhere(n *Node, x []int64, out0 string) {
	s.set(out0, broadcast(broadcast(x, s.get(n, 1)), s.get(n, 2)))
}

// opConcat adds up the inputs along the axis and joins constant vectors.
func (s *shapes) opConcat(n *Node, x []int64, out0 string) {
	if len(n.Input) == 0 {
		return
	}
	var out []int64
	var vals []float64
	allConst := true
	for i := range n.Input {
		sh := s.get(n, i)
		if sh == nil {
			return
		}
		if out == nil {
			out = append([]int64{}, sh...)
			ax, ok := axis(getInt(n, "axis", 0), int64(len(out)))
			if !ok {
				return
			}
			out[ax] = 0
		}
		ax, ok := axis(getInt(n, "axis", 0), int64(len(out)))
		if !ok || len(sh) != len(out) {
			return
		}
		out[ax] += sh[ax]
		if v := s.val(n, i); v != nil && len(sh) == 1 {
			vals = append(vals, v...)
		} else {
			allConst = false
		}
	}
	s.set(out0, out)
	if allConst && len(vals) <= maxConstElems {
		s.konst[out0] = vals
	}
}

// opSplit divides the input along the axis.
func (s *shapes) opSplit(n *Node, x []int64, out0 string) {
	if x == nil {
		return
	}
	ax, ok := axis(getInt(n, "axis", 0), int64(len(x)))
	if !ok {
		return
	}
	parts := getInts(n, "split", nil)
	if v := s.val(n, 1); v != nil {
		parts = toInts(v)
	}
	if parts == nil {
		k := int64(len(n.Output))
		if k == 0 || x[ax]%k != 0 {
			return
		}
		for range k {
			parts = append(parts, x[ax]/k)
		}
	}
	if len(parts) != len(n.Output) {
		return
	}
	for i, o := range n.Output {
		sh := append([]int64{}, x...)
		sh[ax] = parts[i]
		s.set(o, sh)
	}
}

// opSlice sizes a slice with constant starts, ends, axes and steps.
func (s *shapes) opSlice(n *Node, x []int64, out0 string) {
	starts, ends := s.val(n, 1), s.val(n, 2)
	if x == nil || starts == nil || ends == nil || len(starts) != len(ends) {
		return
	}
	axes := make([]int64, len(starts))
	for i := range axes {
		axes[i] = int64(i)
	}
	if v := s.val(n, 3); v != nil {
		axes = toInts(v)
	}
	steps := make([]int64, len(starts))
	for i := range steps {
		steps[i] = 1
	}
	if v := s.val(n, 4); v != nil {
		steps = toInts(v)
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return
	}
	out := append([]int64{}, x...)
	for i, a := range axes {
		ax, ok := axis(a, int64(len(x)))
		if !ok || steps[i] <= 0 {
			return
		}
		dim := x[ax]
		st, en := clampIndex(int64(starts[i]), dim), clampIndex(int64(ends[i]), dim)
		if en < st {
			en = st
		}
		out[ax] = (en - st + steps[i] - 1) / steps[i]
	}
	s.set(out0, out)
	if v := s.val(n, 0); v != nil && len(x) == 1 && steps[0] == 1 {
		st, en := clampIndex(int64(starts[0]), x[0]), clampIndex(int64(ends[0]), x[0])
		if st <= en && en <= int64(len(v)) {
			s.konst[out0] = v[st:en]
		}
	}
}

// opReshape resolves 0 and -1 in a constant target shape.
func (s *shapes) opReshape(n *Node, x []int64, out0 string) {
	target := s.val(n, 1)
	if target == nil {
		return
	}
	out := toInts(target)
	infer := -1
	known := 1.0
	for i, d := range out {
		switch {
		case d == 0 && getInt(n, "allowzero", 0) == 0:
			if x == nil || i >= len(x) {
				return
			}
			out[i] = x[i]
			known *= float64(x[i])
		case d == -1:
			if infer >= 0 {
				return
			}
			infer = i
		case d < 0:
			return
		default:
			known *= float64(d)
		}
	}
	if infer >= 0 {
		if x == nil || known == 0 {
			return
		}
		out[infer] = int64(prod(x) / known)
	}
	s.set(out0, out)
	if v := s.val(n, 0); v != nil {
		s.konst[out0] = v
	}
}

// opFlatten folds the dimensions before and after the axis.
func (s *shapes) opFlatten(n *Node, x []int64, out0 string) {
	if x == nil {
		return
	}
	ax := getInt(n, "axis", 1)
	if ax < 0 {
		ax += int64(len(x))
	}
	if ax < 0 || ax > int64(len(x)) {
		return
	}
	s.set(out0, []int64{int64(prod(x[:ax])), int64(prod(x[ax:]))})
}

// opTranspose permutes the dimensions.
func (s *shapes) opTranspose(n *Node, x []int64, out0 string) {
	if x == nil {
		return
	}
	perm := getInts(n, "perm", nil)
	if perm == nil {
		for i := len(x) - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != len(x) {
		return
	}
	out := make([]int64, len(x))
	for i, p := range perm {
		if p < 0 || p >= int64(len(x)) {
			return
		}
		out[i] = x[p]
	}
	s.set(out0, out)
}

// opResize scales or sets the dimensions.
func (s *shapes) opResize(n *Node, x []int64, out0 string) {
	if x == nil {
		return
	}
	scales := s.val(n, 2)
	if n.OpType == "Upsample" {
		scales = s.val(n, 1)
	}
	if sizes := s.val(n, 3); sizes != nil && len(sizes) == len(x) {
		s.set(out0, toInts(sizes))
		return
	}
	if len(scales) != len(x) {
		return
	}
	out := make([]int64, len(x))
	for i := range x {
		out[i] = int64(math.Floor(float64(x[i]) * scales[i]))
	}
	s.set(out0, out)
}

// opShape makes the input's shape a constant.
func (s *shapes) opShape(n *Node, x []int64, out0 string) {
	if x == nil {
		return
	}
	st, en := getInt(n, "start", 0), getInt(n, "end", int64(len(x)))
	st, en = clampIndex(st, int64(len(x))), clampIndex(en, int64(len(x)))
	if en < st {
		en = st
	}
	v := make([]float64, 0, en-st)
	for _, d := range x[st:en] {
		v = append(v, float64(d))
	}
	s.set(out0, []int64{int64(len(v))})
	s.konst[out0] = v
}

// opGather indexes along the axis and gathers constant vectors.
func (s *shapes) opGather(n *Node, x []int64, out0 string) {
	idx := s.get(n, 1)
	if x == nil || idx == nil {
		return
	}
	ax, ok := axis(getInt(n, "axis", 0), int64(len(x)))
	if !ok {
		return
	}
	out := append(append(append([]int64{}, x[:ax]...), idx...), x[ax+1:]...)
	s.set(out0, out)
	if v, iv := s.val(n, 0), s.val(n, 1); v != nil && iv != nil && len(x) == 1 {
		g := make([]float64, len(iv))
		for i, k := range iv {
			j := int(k)
			if j < 0 {
				j += len(v)
			}
			if j < 0 || j >= len(v) {
				return
			}
			g[i] = v[j]
		}
		s.konst[out0] = g
	}
}

// opSqueeze removes or inserts dimensions of size 1.
func (s *shapes) opSqueeze(n *Node, x []int64, out0 string) {
	if x == nil {
		return
	}
	axes := getInts(n, "axes", nil)
	if v := s.val(n, 1); v != nil {
		axes = toInts(v)
	}
	out, ok := squeeze(n.OpType == "Unsqueeze", x, axes)
	if !ok {
		return
	}
	s.set(out0, out)
	if v := s.val(n, 0); v != nil {
		s.konst[out0] = v
	}
}

// opMatMul sizes a batched matrix product and counts its multiply-adds.
func (s *shapes) opMatMul(n *Node, x []int64, out0 string) {
	y := s.get(n, 1)
	if len(x) < 2 || len(y) < 2 || x[len(x)-1] != y[len(y)-2] {
		return
	}
	batch := broadcast(x[:len(x)-2], y[:len(y)-2])
	if batch == nil {
		return
	}
	out := append(batch, x[len(x)-2], y[len(y)-1])
	s.set(out0, out)
	s.macs += prod(out) * float64(x[len(x)-1])
	s.counted++
}

// opGemm sizes a 2-D matrix product and counts its multiply-adds.
func (s *shapes) opGemm(n *Node, x []int64, out0 string) {
	y := s.get(n, 1)
	if len(x) != 2 || len(y) != 2 {
		return
	}
	m, k := x[0], x[1]
	if getInt(n, "transA", 0) != 0 {
		m, k = k, m
	}
	nn := y[1]
	if getInt(n, "transB", 0) != 0 {
		nn = y[0]
	}
	s.set(out0, []int64{m, nn})
	s.macs += float64(m) * float64(nn) * float64(k)
	s.counted++
}

func clampIndex(i, dim int64) int64 {
	if i < 0 {
		i += dim
	}
	return max(0, min(i, dim))
}

func squeeze(unsqueeze bool, x, axes []int64) ([]int64, bool) {
	if unsqueeze {
		rank := int64(len(x) + len(axes))
		add := map[int64]bool{}
		for _, a := range axes {
			ax, ok := axis(a, rank)
			if !ok {
				return nil, false
			}
			add[ax] = true
		}
		out := make([]int64, 0, rank)
		j := 0
		for i := range rank {
			if add[i] {
				out = append(out, 1)
			} else {
				if j >= len(x) {
					return nil, false
				}
				out = append(out, x[j])
				j++
			}
		}
		return out, true
	}
	drop := map[int64]bool{}
	for _, a := range axes {
		ax, ok := axis(a, int64(len(x)))
		if !ok {
			return nil, false
		}
		drop[ax] = true
	}
	out := []int64{}
	for i, d := range x {
		if (len(axes) == 0 && d == 1) || drop[int64(i)] {
			continue
		}
		out = append(out, d)
	}
	return out, true
}
