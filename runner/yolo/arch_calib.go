package yolo

import (
	"math"
	"runtime"
	"sync"
)

// Weight calibration.
//
// Random weights scaled by fan-in alone let activations drift by a factor
// per layer (SiLU's output statistics depend on each channel's offset), and
// after 20–40 layers the head sees values near 1e-3 or 1e3. A trained
// network does not: its batch norm, folded into each convolution, keeps
// every channel at unit scale. The builder does the same: while building
// the graph it runs the network forward on fixed random calibration images
// (periodic padding, so that every position of a small image has the
// statistics of a large image's interior), scales each convolution so that
// its output has unit second moment given its input's, and shifts each
// output channel's mean to a random beta, folding both into weight and bias.
// Every float operation here is an IEEE basic operation (+ − × ÷ √) whose
// rounding Go fixes: products of float32 values are exact in float64, other
// products are rounded explicitly before any addition (so no fused
// multiply-add can change a bit on any CPU), exp is computed below rather
// than by the math package (whose assembly differs by CPU), and the work is
// split across goroutines by output channel only. The weights are
// therefore the same bits on every machine.

// calSize is the side of the calibration images: the P5 level is 2×2 there,
// enough for the statistics the calibration uses (second moments and
// channel means), and the whole pass stays cheap.
const calSize = 64

// calTensor is one image's activation, channels × height × width.
type calTensor struct {
	c, h, w int
	d       []float32
}

func newCal(c, h, w int) *calTensor {
	return &calTensor{c: c, h: h, w: w, d: make([]float32, c*h*w)}
}

func (t *calTensor) plane(c int) []float32 { return t.d[c*t.h*t.w : (c+1)*t.h*t.w] }

// detExp is exp(x) for |x| ≤ 80, reproducible bit for bit: range reduction
// by ln 2 and a degree-12 Taylor polynomial, every product rounded.
func detExp(x float64) float64 {
	x = max(-80, min(80, x))
	k := math.Floor(x/math.Ln2 + 0.5)
	r := x - float64(k*math.Ln2)
	p := 1.0
	for i := 12; i >= 1; i-- {
		p = float64(float64(p*r)/float64(i)) + 1
	}
	return math.Ldexp(p, int(k))
}

// silu applies x·sigmoid(x) in place.
func (t *calTensor) silu() {
	for i, v := range t.d {
		x := float64(v)
		t.d[i] = float32(x / (1 + detExp(-x)))
	}
}

// parallel runs fn(i) for i in [0, n) on all CPUs; each i writes only its own output.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// zeroPad makes the calibration pass pad like ONNX Runtime (zeros for
// convolutions, nothing for pools) instead of wrapping around; tests use it
// to check the pass against ONNX Runtime value for value.
var zeroPad bool

// wrap maps i into [0, n) periodically.
func wrap(i, n int) int {
	i %= n
	if i < 0 {
		i += n
	}
	return i
}

// convForward computes a k×k convolution (stride s, groups g) of x with
// weights w [c2][c1/g][k][k], without bias. The calibration image is a
// torus: padding wraps around, so that every position has the statistics
// of the interior of a large image, which is what the weights must be
// calibrated for (zero padding would make a small image mostly border).
func convForward(x *calTensor, w []float32, c2, k, s, g int) *calTensor {
	pad := k / 2
	oh, ow := (x.h+2*pad-k)/s+1, (x.w+2*pad-k)/s+1
	out := newCal(c2, oh, ow)
	cin := x.c / g
	perGroup := c2 / g
	// Copy x once into a periodically padded buffer, so that the inner
	// loop reads contiguous rows without index arithmetic.
	ph, pw := x.h+2*pad, x.w+2*pad
	padded := make([]float64, x.c*ph*pw)
	for c := range x.c {
		src := x.plane(c)
		for y := range ph {
			row := src[wrap(y-pad, x.h)*x.w:]
			dst := padded[(c*ph+y)*pw : (c*ph+y+1)*pw]
			for i := range dst {
				if zeroPad && (y < pad || y >= x.h+pad || i < pad || i >= x.w+pad) {
					continue
				}
				dst[i] = float64(row[wrap(i-pad, x.w)])
			}
		}
	}
	parallel(c2, func(co int) {
		acc := make([]float64, oh*ow)
		g0 := (co / perGroup) * cin
		for ci := range cin {
			in := padded[(g0+ci)*ph*pw : (g0+ci+1)*ph*pw]
			for ky := range k {
				for kx := range k {
					wv := float64(w[((co*cin+ci)*k+ky)*k+kx])
					for oy := range oh {
						row := in[(oy*s+ky)*pw+kx:]
						a := acc[oy*ow : (oy+1)*ow]
						if s == 1 {
							row = row[:ow]
							for ox, v := range row {
								// float32 × float32 is exact in float64: fusing cannot change it.
								a[ox] += wv * v
							}
							continue
						}
						for ox := range a {
							a[ox] += wv * row[ox*s]
						}
					}
				}
			}
		}
		dst := out.plane(co)
		for i, v := range acc {
			dst[i] = float32(v)
		}
	})
	return out
}

// secondMoment is E[x²] over all images, channels and positions.
func secondMoment(x calBatch) float64 {
	var q float64
	var n int
	for _, t := range x {
		for _, v := range t.d {
			q += float64(v) * float64(v)
			n += 1
		}
	}
	return q / float64(n)
}

// center folds the shift part of a batch norm into bias: channel c of z
// (over all calibration images and positions) gets mean beta[c]. z is
// updated to the shifted output.
//
// The scale part is set before the convolution, from the input's second
// moment about zero (see conv): a variance measured on the few positions of
// a small calibration map would be biased, and dividing by it compounds
// from layer to layer, while E[x²] is measured well at any size.
func center(z calBatch, bias []float32, beta []float64) {
	n := float64(len(z) * z[0].h * z[0].w)
	for ch := range z[0].c {
		var s float64
		for _, t := range z {
			for _, v := range t.plane(ch) {
				s += float64(v)
			}
		}
		bias[ch] = float32(beta[ch] - s/n)
		for _, t := range z {
			p := t.plane(ch)
			for i, x := range p {
				p[i] = float32(float64(x) + float64(bias[ch]))
			}
		}
	}
}

// calBatch is the activation of every calibration image.
type calBatch []*calTensor

// each applies fn to every image.
func (b calBatch) each(fn func(t *calTensor) *calTensor) calBatch {
	out := make(calBatch, len(b))
	for i, t := range b {
		out[i] = fn(t)
	}
	return out
}

func (t *calTensor) add(u *calTensor) *calTensor {
	out := newCal(t.c, t.h, t.w)
	for i := range out.d {
		out.d[i] = t.d[i] + u.d[i]
	}
	return out
}

func concatCal(bs ...calBatch) calBatch {
	out := make(calBatch, len(bs[0]))
	for i := range out {
		ts := make([]*calTensor, len(bs))
		for j, b := range bs {
			ts[j] = b[i]
		}
		out[i] = concat1(ts...)
	}
	return out
}

func concat1(ts ...*calTensor) *calTensor {
	c := 0
	for _, t := range ts {
		c += t.c
	}
	out := newCal(c, ts[0].h, ts[0].w)
	off := 0
	for _, t := range ts {
		off += copy(out.d[off:], t.d)
	}
	return out
}

// channels returns channels [from, from+n) as a new tensor.
func (t *calTensor) channels(from, n int) *calTensor {
	out := newCal(n, t.h, t.w)
	copy(out.d, t.d[from*t.h*t.w:(from+n)*t.h*t.w])
	return out
}

func (t *calTensor) maxpool(k int) *calTensor {
	out := newCal(t.c, t.h, t.w)
	p := k / 2
	for c := range t.c {
		in, dst := t.plane(c), out.plane(c)
		for y := range t.h {
			for x := range t.w {
				m := float32(math.Inf(-1))
				for yy := y - p; yy <= y+p; yy++ {
					for xx := x - p; xx <= x+p; xx++ {
						if zeroPad && (yy < 0 || yy >= t.h || xx < 0 || xx >= t.w) {
							continue
						}
						m = max(m, in[wrap(yy, t.h)*t.w+wrap(xx, t.w)])
					}
				}
				dst[y*t.w+x] = m
			}
		}
	}
	return out
}

func (t *calTensor) upsample2() *calTensor {
	out := newCal(t.c, 2*t.h, 2*t.w)
	for c := range t.c {
		in, dst := t.plane(c), out.plane(c)
		for y := range out.h {
			for x := range out.w {
				dst[y*out.w+x] = in[(y/2)*t.w+x/2]
			}
		}
	}
	return out
}

// attend computes, per head, v·softmax(qᵀk·scale)ᵀ for the qkv layout of
// Ultralytics' Attention (channels per head: key, query… as q, k, v =
// keyDim, keyDim, headDim) and returns it as C×H×W, together with v
// reshaped to C×H×W.
func attend(qkv *calTensor, heads, keyDim, headDim int) (out, vImg *calTensor) {
	n := qkv.h * qkv.w
	c := heads * headDim
	out = newCal(c, qkv.h, qkv.w)
	vImg = newCal(c, qkv.h, qkv.w)
	per := 2*keyDim + headDim
	scale := 1 / math.Sqrt(float64(keyDim))
	for h := range heads {
		base := h * per
		logits := make([]float64, n*n)
		for i := range n {
			for j := range n {
				var s float64
				for d := range keyDim {
					s += float64(qkv.plane(base + d)[i]) * float64(qkv.plane(base + keyDim + d)[j])
				}
				logits[i*n+j] = float64(s * scale)
			}
		}
		for i := range n {
			row := logits[i*n : (i+1)*n]
			m := math.Inf(-1)
			for _, v := range row {
				m = max(m, v)
			}
			var sum float64
			for j, v := range row {
				row[j] = detExp(v - m)
				sum += row[j]
			}
			for j := range row {
				row[j] /= sum
			}
		}
		for d := range headDim {
			v := qkv.plane(base + 2*keyDim + d)
			copy(vImg.plane(h*headDim+d), v)
			dst := out.plane(h*headDim + d)
			for i := range n {
				var s float64
				for j := range n {
					s += float64(float64(v[j]) * logits[i*n+j])
				}
				dst[i] = float32(s)
			}
		}
	}
	return out, vImg
}
