package yolo

import (
	"strconv"

	"github.com/yologate/yologate/runner/onnxmodel"
)

// scale is one row of a model family's scales table: depth multiple (in
// hundredths, so that the arithmetic is exact), width multiple (in
// quarters) and max channels, as in Ultralytics' yolov8.yaml and yolo11.yaml.
type scale struct {
	depth100 int
	width4   int
	maxCh    int
}

var (
	v8Scales = map[byte]scale{
		'n': {33, 1, 1024}, 's': {33, 2, 1024}, 'm': {67, 3, 768}, 'l': {100, 4, 512}, 'x': {100, 5, 512},
	}
	v11Scales = map[byte]scale{
		'n': {50, 1, 1024}, 's': {50, 2, 1024}, 'm': {50, 4, 512}, 'l': {100, 4, 512}, 'x': {100, 6, 512},
	}
)

// ch is the scaled channel count: make_divisible(min(c, max)·width, 8).
func (s scale) ch(c int) int {
	c = min(c, s.maxCh) * s.width4 // in quarters
	return (c + 31) / 32 * 8       // ceil(c/4/8)·8
}

// n is the scaled repeat count: max(round(n·depth), 1) for n > 1.
func (s scale) n(n int) int {
	if n <= 1 {
		return n
	}
	return max((n*s.depth100+50)/100, 1)
}

// Strides of the three detection levels (P3, P4, P5).
var strides = [3]int{8, 16, 32}

// arch describes the network to build.
type arch struct {
	family byte // '8' for YOLOv8, 'b' for YOLO11
	size   byte // n, s, m, l, x
	nc     int
	// clsBias is the prior logit of every class score.
	clsBias float32
}

func mscope(i int) string { return "/model." + strconv.Itoa(i) }

// build appends the whole network for an input of batch×3×h×w and returns
// the output value name.
func (b *builder) build(a arch, images value, dynamic bool) string {
	if a.family == '8' {
		return b.buildV8(a, images, dynamic)
	}
	return b.build11(a, images, dynamic)
}

func (b *builder) buildV8(a arch, x value, dynamic bool) string {
	s := v8Scales[a.size]
	act := func(k, st int) convOpts { return convOpts{k: k, s: st, act: true} }
	x0 := b.conv(mscope(0), x, s.ch(64), act(3, 2))
	x1 := b.conv(mscope(1), x0, s.ch(128), act(3, 2))
	x2 := b.c2f(mscope(2), x1, s.ch(128), s.n(3), true, 0.5)
	x3 := b.conv(mscope(3), x2, s.ch(256), act(3, 2))
	x4 := b.c2f(mscope(4), x3, s.ch(256), s.n(6), true, 0.5)
	x5 := b.conv(mscope(5), x4, s.ch(512), act(3, 2))
	x6 := b.c2f(mscope(6), x5, s.ch(512), s.n(6), true, 0.5)
	x7 := b.conv(mscope(7), x6, s.ch(1024), act(3, 2))
	x8 := b.c2f(mscope(8), x7, s.ch(1024), s.n(3), true, 0.5)
	x9 := b.sppf(mscope(9), x8, s.ch(1024), 5)
	x10 := b.upsample(mscope(10), x9)
	x11 := b.concat(mscope(11), x10, x6)
	x12 := b.c2f(mscope(12), x11, s.ch(512), s.n(3), false, 0.5)
	x13 := b.upsample(mscope(13), x12)
	x14 := b.concat(mscope(14), x13, x4)
	x15 := b.c2f(mscope(15), x14, s.ch(256), s.n(3), false, 0.5)
	x16 := b.conv(mscope(16), x15, s.ch(256), act(3, 2))
	x17 := b.concat(mscope(17), x16, x12)
	x18 := b.c2f(mscope(18), x17, s.ch(512), s.n(3), false, 0.5)
	x19 := b.conv(mscope(19), x18, s.ch(512), act(3, 2))
	x20 := b.concat(mscope(20), x19, x9)
	x21 := b.c2f(mscope(21), x20, s.ch(1024), s.n(3), false, 0.5)
	return b.detect(mscope(22), []value{x15, x18, x21}, a, true, dynamic)
}

func (b *builder) build11(a arch, x value, dynamic bool) string {
	s := v11Scales[a.size]
	act := func(k, st int) convOpts { return convOpts{k: k, s: st, act: true} }
	// parse_model turns c3k on for every C3k2 of the m, l and x scales.
	big := a.size == 'm' || a.size == 'l' || a.size == 'x'
	x0 := b.conv(mscope(0), x, s.ch(64), act(3, 2))
	x1 := b.conv(mscope(1), x0, s.ch(128), act(3, 2))
	x2 := b.c3k2(mscope(2), x1, s.ch(256), s.n(2), big, 0.25)
	x3 := b.conv(mscope(3), x2, s.ch(256), act(3, 2))
	x4 := b.c3k2(mscope(4), x3, s.ch(512), s.n(2), big, 0.25)
	x5 := b.conv(mscope(5), x4, s.ch(512), act(3, 2))
	x6 := b.c3k2(mscope(6), x5, s.ch(512), s.n(2), true, 0.5)
	x7 := b.conv(mscope(7), x6, s.ch(1024), act(3, 2))
	x8 := b.c3k2(mscope(8), x7, s.ch(1024), s.n(2), true, 0.5)
	x9 := b.sppf(mscope(9), x8, s.ch(1024), 5)
	x10 := b.c2psa(mscope(10), x9, s.n(2))
	x11 := b.upsample(mscope(11), x10)
	x12 := b.concat(mscope(12), x11, x6)
	x13 := b.c3k2(mscope(13), x12, s.ch(512), s.n(2), big, 0.5)
	x14 := b.upsample(mscope(14), x13)
	x15 := b.concat(mscope(15), x14, x4)
	x16 := b.c3k2(mscope(16), x15, s.ch(256), s.n(2), big, 0.5)
	x17 := b.conv(mscope(17), x16, s.ch(256), act(3, 2))
	x18 := b.concat(mscope(18), x17, x13)
	x19 := b.c3k2(mscope(19), x18, s.ch(512), s.n(2), big, 0.5)
	x20 := b.conv(mscope(20), x19, s.ch(512), act(3, 2))
	x21 := b.concat(mscope(21), x20, x10)
	x22 := b.c3k2(mscope(22), x21, s.ch(1024), s.n(2), true, 0.5)
	return b.detect(mscope(23), []value{x16, x19, x22}, a, false, dynamic)
}

// regMax is the number of DFL bins per box side.
const regMax = 16

// detect is Ultralytics' Detect head in its exported (inference) form:
// per level a box branch (two 3×3 convs, 1×1 to 4·16) and a class branch
// (two 3×3 convs for YOLOv8; depthwise 3×3 + 1×1, twice, for YOLO11),
// then DFL (softmax over 16 bins, expectation by a fixed 1×1 conv),
// dist2bbox to centre/size, × stride, and class sigmoid.
func (b *builder) detect(scope string, feats []value, a arch, legacy bool, dynamic bool) string {
	c2 := max(16, feats[0].c/4, 4*regMax)
	c3 := max(feats[0].c, min(a.nc, 100))
	act := func(k int) convOpts { return convOpts{k: k, act: true} }
	flat := make([]string, len(feats))
	for i, f := range feats {
		lvl := strconv.Itoa(i)
		bs := sc(scope, "cv2."+lvl)
		y := b.conv(sc(bs, "cv2."+lvl+".0"), f, c2, act(3))
		y = b.conv(sc(bs, "cv2."+lvl+".1"), y, c2, act(3))
		box := b.conv(sc(bs, "cv2."+lvl+".2"), y, 4*regMax, convOpts{k: 1, weightName: dotted(scope) + ".cv2." + lvl + ".2"})

		cs := sc(scope, "cv3."+lvl)
		var z value
		if legacy {
			z = b.conv(sc(cs, "cv3."+lvl+".0"), f, c3, act(3))
			z = b.conv(sc(cs, "cv3."+lvl+".1"), z, c3, act(3))
		} else {
			z = b.conv(sc(cs, "cv3."+lvl+".0.0"), f, f.c, convOpts{k: 3, g: f.c, act: true})
			z = b.conv(sc(cs, "cv3."+lvl+".0.1"), z, c3, act(1))
			z = b.conv(sc(cs, "cv3."+lvl+".1.0"), z, c3, convOpts{k: 3, g: c3, act: true})
			z = b.conv(sc(cs, "cv3."+lvl+".1.1"), z, c3, act(1))
		}
		bias := a.clsBias
		cls := b.conv(sc(cs, "cv3."+lvl+".2"), z, a.nc, convOpts{k: 1, bias: &bias, weightName: dotted(scope) + ".cv3." + lvl + ".2"})

		cat := b.concat(scope, box, cls)
		shape := b.constInt64(dotted(scope)+".flat_shape", []int64{3}, 0, int64(4*regMax+a.nc), -1)
		flat[i] = b.node1(scope, "Reshape", []string{cat.name, shape})
	}
	all := b.node1(scope, "Concat", flat, intAttr("axis", 2))
	splitSizes := b.constInt64(dotted(scope)+".split_box_cls", []int64{2}, 4*regMax, int64(a.nc))
	bc := b.node(scope, "Split", []string{all, splitSizes}, 2, intAttr("axis", 1))

	// DFL: [B,64,A] → [B,4,16,A] → [B,16,4,A] → softmax over bins → 1×1 conv with weights 0..15.
	dfl := sc(scope, "dfl")
	binShape := b.constInt64(dotted(dfl)+".shape", []int64{4}, 0, 4, regMax, -1)
	d := b.node1(dfl, "Reshape", []string{bc[0], binShape})
	d = b.node1(dfl, "Transpose", []string{d}, intsAttr("perm", 0, 2, 1, 3))
	d = b.node1(dfl, "Softmax", []string{d}, intAttr("axis", 1))
	bins := make([]float32, regMax)
	for i := range bins {
		bins[i] = float32(i)
	}
	w := b.constFloat(dotted(dfl)+".conv.weight", []int64{1, regMax, 1, 1}, bins)
	b.params += regMax
	d = b.node1(sc(dfl, "conv"), "Conv", []string{d, w},
		intsAttr("dilations", 1, 1), intAttr("group", 1), intsAttr("kernel_shape", 1, 1),
		intsAttr("pads", 0, 0, 0, 0), intsAttr("strides", 1, 1))
	var anchors float64
	for _, f := range feats {
		anchors += float64(f.h * f.w)
	}
	b.macs += float64(b.batch) * anchors * 4 * regMax
	distShape := b.constInt64(dotted(dfl)+".out_shape", []int64{3}, 0, 4, -1)
	dist := b.node1(dfl, "Reshape", []string{d, distShape})

	anc, str := b.anchors(scope, feats, dynamic)
	half := b.constInt64(dotted(scope)+".split_dist", []int64{2}, 2, 2)
	lr := b.node(scope, "Split", []string{dist, half}, 2, intAttr("axis", 1))
	x1y1 := b.node1(scope, "Sub", []string{anc, lr[0]})
	x2y2 := b.node1(scope, "Add", []string{anc, lr[1]})
	sum := b.node1(scope, "Add", []string{x1y1, x2y2})
	two := b.constFloat(dotted(scope)+".two", nil, []float32{2})
	cxy := b.node1(scope, "Div", []string{sum, two})
	wh := b.node1(scope, "Sub", []string{x2y2, x1y1})
	xywh := b.node1(scope, "Concat", []string{cxy, wh}, intAttr("axis", 1))
	dbox := b.node1(scope, "Mul", []string{xywh, str})
	scores := b.node1(scope, "Sigmoid", []string{bc[1]})
	out := b.node(scope, "Concat", []string{dbox, scores}, 1, intAttr("axis", 1))[0]
	return out
}

// anchors returns the anchor centres [2,A] (x, y in grid cells, +0.5) and
// the stride of each anchor [1,A]. A static model carries them as
// constants, as a static export folds them; a dynamic one computes them
// from the feature map shapes.
func (b *builder) anchors(scope string, feats []value, dynamic bool) (string, string) {
	if !dynamic {
		n := 0
		for _, f := range feats {
			n += f.h * f.w
		}
		xy := make([]float32, 2*n)
		st := make([]float32, n)
		k := 0
		for i, f := range feats {
			for y := range f.h {
				for x := range f.w {
					xy[k] = float32(x) + 0.5
					xy[n+k] = float32(y) + 0.5
					st[k] = float32(strides[i])
					k++
				}
			}
		}
		return b.constFloat(dotted(scope)+".anchors", []int64{2, int64(n)}, xy),
			b.constFloat(dotted(scope)+".strides", []int64{1, int64(n)}, st)
	}
	as := sc(scope, "anchors")
	zero := b.constFloat(dotted(as)+".zero", nil, []float32{0})
	half := b.constFloat(dotted(as)+".half", nil, []float32{0.5})
	one := b.constFloat(dotted(as)+".one", nil, []float32{1})
	idxH := b.constInt64(dotted(as)+".h_index", nil, 2)
	idxW := b.constInt64(dotted(as)+".w_index", nil, 3)
	ax0 := b.constInt64(dotted(as)+".axis0", []int64{1}, 0)
	ax1 := b.constInt64(dotted(as)+".axis1", []int64{1}, 1)
	row := b.constInt64(dotted(as)+".row_shape", []int64{2}, 1, -1)
	var xys, sts []string
	for i, f := range feats {
		shape := b.node1(as, "Shape", []string{f.name})
		h := b.node1(as, "Gather", []string{shape, idxH}, intAttr("axis", 0))
		w := b.node1(as, "Gather", []string{shape, idxW}, intAttr("axis", 0))
		hf := b.node1(as, "Cast", []string{h}, intAttr("to", int64(onnxmodel.Float)))
		wf := b.node1(as, "Cast", []string{w}, intAttr("to", int64(onnxmodel.Float)))
		sx := b.node1(as, "Range", []string{half, wf, one})
		sy := b.node1(as, "Range", []string{half, hf, one})
		gx := b.node1(as, "Unsqueeze", []string{sx, ax0}) // [1,w]
		gy := b.node1(as, "Unsqueeze", []string{sy, ax1}) // [h,1]
		zx := b.node1(as, "Mul", []string{gx, zero})
		zy := b.node1(as, "Mul", []string{gy, zero})
		axg := b.node1(as, "Reshape", []string{b.node1(as, "Add", []string{gx, zy}), row})
		ayg := b.node1(as, "Reshape", []string{b.node1(as, "Add", []string{gy, zx}), row})
		xys = append(xys, b.node1(as, "Concat", []string{axg, ayg}, intAttr("axis", 0)))
		stride := b.constFloat(dotted(as)+".stride", nil, []float32{float32(strides[i])})
		sts = append(sts, b.node1(as, "Add", []string{b.node1(as, "Mul", []string{axg, zero}), stride}))
	}
	return b.node1(as, "Concat", xys, intAttr("axis", 1)), b.node1(as, "Concat", sts, intAttr("axis", 1))
}
