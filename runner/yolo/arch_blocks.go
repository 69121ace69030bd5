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
	base := y.m2
	for range 3 {
		p := b.maxpool(sc(scope, "m"), parts[len(parts)-1], k)
		// Chained pools widen the window; their E[x²] stays near one pool's.
		p.m2 = base * m2PoolGain
		parts = append(parts, p)
	}
	return b.conv(sc(scope, "cv2"), b.concat(scope, parts...), c2, convOpts{k: 1, act: true})
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
	qkvParts := b.splitAxis(scope, value{name: r, h: x.h, w: x.w, m2: qkv.m2}, 2, keyDim, keyDim, headDim)
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
	av = b.node1(scope, "Reshape", []string{av, xShape})
	vImg := b.node1(scope, "Reshape", []string{v, xShape})
	pe := b.conv(sc(scope, "pe"), value{name: vImg, c: x.c, h: x.h, w: x.w, m2: qkv.m2}, x.c, convOpts{k: 3, g: x.c})
	// The attention output averages v over positions: its E[x²] is small
	// next to pe's, so the sum keeps pe's scale.
	sum := b.add(scope, value{name: av, c: x.c, h: x.h, w: x.w, m2: 0}, pe)
	return b.conv(sc(scope, "proj"), sum, x.c, convOpts{k: 1})
}
