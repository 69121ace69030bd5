package yolo

import "fmt"

// Default post-processing settings: Ultralytics' default score threshold
// and maximum detections, and the IoU threshold its exports are usually
// checked with (the reference detections in testdata use 0.45).
const (
	DefaultScoreThreshold = 0.25
	DefaultIoUThreshold   = 0.45
	DefaultMaxDetections  = 300
	// DefaultMaxCandidates caps the boxes that enter NMS, as Ultralytics'
	// max_nms does, so that an untrained model scoring every anchor above
	// the threshold cannot make NMS quadratic in the anchor count.
	DefaultMaxCandidates = 30000
)

// Detection is one detected object. X1, Y1, X2, Y2 are its corners in
// original-image pixels, clipped to the image.
type Detection struct {
	// Class is the class index, 0 ≤ Class < number of classes.
	Class int
	// Score is the class score in [0, 1].
	Score          float32
	X1, Y1, X2, Y2 float32
}

// DecodeOptions are the post-processing settings; a zero field takes its
// default (DefaultScoreThreshold, DefaultIoUThreshold, DefaultMaxDetections,
// DefaultMaxCandidates).
type DecodeOptions struct {
	// ScoreThreshold keeps boxes whose best class score is strictly above it.
	ScoreThreshold float32
	// IoUThreshold suppresses a box whose IoU with a kept box of the same
	// class is strictly above it.
	IoUThreshold float32
	// MaxDetections is the most detections returned per image.
	MaxDetections int
	// MaxCandidates is the most boxes, best first, that enter NMS.
	MaxCandidates int
	// ClassAgnostic runs NMS across classes instead of per class.
	ClassAgnostic bool
}

func (o DecodeOptions) withDefaults() DecodeOptions {
	if o.ScoreThreshold == 0 {
		o.ScoreThreshold = DefaultScoreThreshold
	}
	if o.IoUThreshold == 0 {
		o.IoUThreshold = DefaultIoUThreshold
	}
	if o.MaxDetections <= 0 {
		o.MaxDetections = DefaultMaxDetections
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = DefaultMaxCandidates
	}
	return o
}

// DetectionDecoder turns a YOLO detection head's output into detections:
// best class per anchor, score threshold, class-aware NMS and scaling back
// to the original image. It keeps its scratch buffers between calls, so
// decoding frames of one model allocates nothing in steady state. The zero
// value uses the default options; a DetectionDecoder is not safe for
// concurrent use.
type DetectionDecoder struct {
	Options DecodeOptions
	best    []float32
	cls     []int32
	cands   []NMSBox
	keep    []int
}

// Decode decodes one image's output, out = [4+nc, n] row-major float32 (the
// layout of Ultralytics' output0 [B, 4+nc, N] for one batch element: rows
// cx, cy, w, h in model input pixels, then nc class scores), and appends the
// detections, best first, to dst[:0]. geom maps boxes back to the original
// image. For a batch, pass out[i*(4+nc)*n:] and image i's geometry.
func (d *DetectionDecoder) Decode(dst []Detection, out []float32, nc, n int, geom LetterboxGeometry) ([]Detection, error) {
	dst = dst[:0]
	if nc <= 0 || n <= 0 {
		return dst, fmt.Errorf("decode: need at least one class and one anchor, got %d classes and %d anchors", nc, n)
	}
	if len(out) < (4+nc)*n {
		return dst, fmt.Errorf("decode: output holds %d values, need (4+%d)x%d = %d", len(out), nc, n, (4+nc)*n)
	}
	if geom.Ratio <= 0 {
		return dst, fmt.Errorf("decode: letterbox geometry is unset")
	}
	o := d.Options.withDefaults()
	if cap(d.best) < n {
		d.best = make([]float32, n)
		d.cls = make([]int32, n)
	}
	best, cls := d.best[:n], d.cls[:n]
	thr := o.ScoreThreshold
	for a := range best {
		best[a] = thr
	}
	// Class-major scan: sequential reads, and a score above the threshold is
	// rare, so the inner branch is almost always predicted.
	for c := 0; c < nc; c++ {
		row := out[(4+c)*n : (5+c)*n]
		row = row[:len(best)]
		for a, s := range row {
			if s > thr && s > best[a] {
				best[a], cls[a] = s, int32(c)
			}
		}
	}
	cands := d.cands[:0]
	cx, cy := out[:n], out[n:2*n]
	bw, bh := out[2*n:3*n], out[3*n:4*n]
	for a, s := range best {
		if s > thr {
			hw, hh := bw[a]/2, bh[a]/2
			cands = append(cands, NMSBox{
				X1: cx[a] - hw, Y1: cy[a] - hh, X2: cx[a] + hw, Y2: cy[a] + hh,
				Score: s, Class: cls[a], Index: int32(a),
			})
		}
	}
	d.cands = cands
	keep := NMSInto(d.keep[:0], cands, o.IoUThreshold, o.MaxCandidates, o.MaxDetections, o.ClassAgnostic)
	d.keep = keep
	for _, i := range keep {
		b := cands[i]
		x1, y1 := geom.ToSource(b.X1, b.Y1)
		x2, y2 := geom.ToSource(b.X2, b.Y2)
		w, h := float32(geom.SrcW), float32(geom.SrcH)
		dst = append(dst, Detection{
			Class: int(b.Class), Score: b.Score,
			X1: clamp32(x1, 0, w), Y1: clamp32(y1, 0, h), X2: clamp32(x2, 0, w), Y2: clamp32(y2, 0, h),
		})
	}
	return dst, nil
}

func clamp32(v, lo, hi float32) float32 {
	return min(max(v, lo), hi)
}
