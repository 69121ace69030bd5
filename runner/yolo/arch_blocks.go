package yolo

import (
	"math"
	"strconv"
)

// The blocks below follow Ultralytics' nn/modules (conv.py, block.py,
// head.py): the same layers, channel arithmetic and order, so that the
// parameter and FLOP counts equal those of the fused PyTorch models.

func sc(scope, sub string) string { return scope + "/" + sub }

// bottleneck: cv1 (k1×k1, c2·e) → cv2 (k2×k2, c2), with a residual when
// shortcut is set and the channels agree.
func (b *builder) bottleneck(scope string, x value, c2 int, shortcut bool, k1, k2 int, e float64) value {
	c := int(float64(c2) * e)
	y := b.conv(sc(scope, "cv1"), x, c, convOpts{k: k1, act: true})
	y = b.conv(sc(scope, "cv2"), y, c2, convOpts{k: k2, act: true})
	if shortcut && x.c == c2 {
		return b.add(scope, x, y)
	}
	return y
}

// c2f is YOLOv8's C2f: cv1 to 2c channels, split, n bottlenecks each fed
// by the previous output, concat of all pieces, cv2.
func (b *builder) c2f(scope string, x value, c2, n int, shortcut bool, e float64) value {
	c := int(float64(c2) * e)
	y := b.conv(sc(scope, "cv1"), x, 2*c, convOpts{k: 1, act: true})
	parts := b.split(scope, y, c, c)
	for i := range n {
		m := sc(scope, "m."+strconv.Itoa(i))
		parts = append(parts, b.bottleneck(m, parts[len(parts)-1], c, shortcut, 3, 3, 1.0))
	}
	return b.conv(sc(scope, "cv2"), b.concat(scope, parts...), c2, convOpts{k: 1, act: true})
}

// c3k2 is YOLO11's C3k2: a C2f whose inner blocks are C3k (c3k set) or
// bottlenecks with e = 0.5.
func (b *builder) c3k2(scope string, x value, c2, n int, c3k bool, e float64) value {
	c := int(float64(c2) * e)
	y := b.conv(sc(scope, "cv1"), x, 2*c, convOpts{k: 1, act: true})
	parts := b.split(scope, y, c, c)
	for i := range n {
		m := sc(scope, "m."+strconv.Itoa(i))
		last := parts[len(parts)-1]
		if c3k {
			parts = append(parts, b.c3k(m, last, c, 2, true))
		} else {
			parts = append(parts, b.bottleneck(m, last, c, true, 3, 3, 0.5))
		}
	}
	return b.conv(sc(scope, "cv2"), b.concat(scope, parts...), c2, convOpts{k: 1, act: true})
}

// c3k is C3 with 3×3 bottlenecks: cv3(concat(m(cv1(x)), cv2(x))).
func (b *builder) c3k(scope string, x value, c2, n int, shortcut bool) value {
	c := int(float64(c2) * 0.5)
	y := b.conv(sc(scope, "cv1"), x, c, convOpts{k: 1, act: true})
	for i := range n {
		y = b.bottleneck(sc(scope, "m."+strconv.Itoa(i)), y, c, shortcut, 3, 3, 1.0)
	}
	z := b.conv(sc(scope, "cv2"), x, c, convOpts{k: 1, act: true})
	return b.conv(sc(scope, "cv3"), b.concat(scope, y, z), c2, convOpts{k: 1, act: true})
}

// sppf: cv1 to c1/2, three chained 5×5 max pools, concat of the four, cv2.
func (b *builder) sppf(scope string, x value, c2, k int) value {
	y := b.conv(sc(scope, "cv1"), x, x.c/2, convOpts{k: 1, act: true})
	parts := []value{y}
	for range 3 {
		parts = append(parts, b.maxpool(sc(scope, "m"), parts[len(parts)-1], k))
	}
	if y.pre != nil && !zeroPad {
		// On the 2×2 calibration map a 5×5 pool is a global max of four
		// values, while on a real input the three chained pools take the
		// max of 25, 81 and 169 neighbours. Calibrate on what those give:
		// per channel and position silu(mean + std·(E[max] + sd[max]·ẑ)),
		// ẑ the standardized value at that position.
		for i, p := range poolStats(y.pre, sppfMaxMean[:], sppfMaxSD[:]) {
			parts[1+i].cal = p
		}
	}
	return b.conv(sc(scope, "cv2"), b.concat(scope, parts...), c2, convOpts{k: 1, act: true})
}

// sppfMaxMean and sppfMaxSD are the mean and standard deviation of the
// max of n standard normals for n = 25, 81 and 169, the windows of SPPF's
// chained 5×5 pools (numerical integration).
var (
	sppfMaxMean = [3]float64{1.9653, 2.4313, 2.6897}
	sppfMaxSD   = [3]float64{0.5084, 0.4393, 0.4073}
)

// poolStats returns, for each (es[i], sds[i]), what a max pool of a large
// map would give on z's statistics: silu(mean + std·(e + sd·ẑ)) per channel
// and position, ẑ being z standardized per channel.
func poolStats(z calBatch, es, sds []float64) []calBatch {
	c := z[0].c
	n := float64(len(z) * z[0].h * z[0].w)
	mean := make([]float64, c)
	std := make([]float64, c)
	for ch := range c {
		var s float64
		for _, t := range z {
			for _, v := range t.plane(ch) {
				s += float64(v)
			}
		}
		mean[ch] = s / n
		var q float64
		for _, t := range z {
			for _, v := range t.plane(ch) {
				d := float64(v) - mean[ch]
				q += float64(d * d)
			}
		}
		std[ch] = math.Sqrt(q / n)
	}
	out := make([]calBatch, len(es))
	for i, e := range es {
		sd := sds[i]
		out[i] = z.each(func(t *calTensor) *calTensor {
			p := newCal(t.c, t.h, t.w)
			for ch := range c {
				src, dst := t.plane(ch), p.plane(ch)
				for j, v := range src {
					zs := 0.0
					if std[ch] > 0 {
						zs = (float64(v) - mean[ch]) / std[ch]
					}
					x := mean[ch] + float64(std[ch]*float64(e+float64(sd*zs)))
					dst[j] = float32(x / (1 + detExp(-x)))
				}
			}
			return p
		})
	}
	return out
}

// c2psa is YOLO11's C2PSA: cv1 to 2c, split, n PSA blocks on the second
// half, concat, cv2 back to c1 channels.
func (b *builder) c2psa(scope string, x value, n int) value {
	c := x.c / 2
	y := b.conv(sc(scope, "cv1"), x, 2*c, convOpts{k: 1, act: true})
	parts := b.split(scope, y, c, c)
	z := parts[1]
	for i := range n {
		z = b.psaBlock(sc(scope, "m."+strconv.Itoa(i)), z, c/64)
	}
	return b.conv(sc(scope, "cv2"), b.concat(scope, parts[0], z), x.c, convOpts{k: 1, act: true})
}

// psaBlock: x + attn(x), then x + ffn(x) with ffn = 1×1 to 2c (SiLU), 1×1 back.
func (b *builder) psaBlock(scope string, x value, heads int) value {
	x = b.add(scope, x, b.attention(sc(scope, "attn"), x, heads))
	f := b.conv(sc(scope, "ffn.0"), x, 2*x.c, convOpts{k: 1, act: true})
	f = b.conv(sc(scope, "ffn.1"), f, x.c, convOpts{k: 1})
	return b.add(scope, x, f)
}

// attention is Ultralytics' Attention with attn_ratio 0.5: a 1×1 qkv conv,
// per-head softmax(qᵀk·scale) applied to v, plus a depthwise 3×3 positional
// conv of v, and a 1×1 projection.
func (b *builder) attention(scope string, x value, heads int) value {
	headDim := x.c / heads
	keyDim := headDim / 2
	qkvC := x.c + 2*keyDim*heads
	qkv := b.conv(sc(scope, "qkv"), x, qkvC, convOpts{k: 1})
	shape := b.constInt64(dotted(scope)+".qkv_shape", []int64{4}, 0, int64(heads), int64(2*keyDim+headDim), -1)
	r := b.node1(scope, "Reshape", []string{qkv.name, shape})
	qkvParts := b.splitAxis(scope, value{name: r, h: x.h, w: x.w}, 2, keyDim, keyDim, headDim)
	q, k, v := qkvParts[0].name, qkvParts[1].name, qkvParts[2].name
	qt := b.node1(scope, "Transpose", []string{q}, intsAttr("perm", 0, 1, 3, 2))
	logits := b.node1(scope, "MatMul", []string{qt, k})
	n := float64(x.h) * float64(x.w)
	b.macs += float64(b.batch) * float64(heads) * n * n * float64(keyDim)
	scale := b.constFloat(dotted(scope)+".scale", nil, []float32{float32(1 / math.Sqrt(float64(keyDim)))})
	logits = b.node1(scope, "Mul", []string{logits, scale})
	attn := b.node1(scope, "Softmax", []string{logits}, intAttr("axis", -1))
	at := b.node1(scope, "Transpose", []string{attn}, intsAttr("perm", 0, 1, 3, 2))
	av := b.node1(scope, "MatMul", []string{v, at})
	b.macs += float64(b.batch) * float64(heads) * float64(headDim) * n * n
	xShape := b.node1(scope, "Shape", []string{x.name})
	attended := value{name: b.node1(scope, "Reshape", []string{av, xShape}), c: x.c, h: x.h, w: x.w}
	vImg := value{name: b.node1(scope, "Reshape", []string{v, xShape}), c: x.c, h: x.h, w: x.w}
	if qkv.cal != nil {
		attended.cal = make(calBatch, len(qkv.cal))
		vImg.cal = make(calBatch, len(qkv.cal))
		for i, t := range qkv.cal {
			attended.cal[i], vImg.cal[i] = attend(t, heads, keyDim, headDim)
		}
	}
	pe := b.conv(sc(scope, "pe"), vImg, x.c, convOpts{k: 3, g: x.c})
	return b.conv(sc(scope, "proj"), b.add(scope, attended, pe), x.c, convOpts{k: 1})
}
