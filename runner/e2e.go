package runner

import (
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/yolo"
)

// pipeline is one stream's end-to-end iteration: letterbox a batch of
// frames into the input tensor, run, decode and NMS each image. It keeps
// its buffers, so an iteration allocates nothing in steady state.
type pipeline struct {
	size        Size
	batch       int
	nc, anchors int
	in, out     []float32
	lbs         []yolo.Letterboxer // one per batch slot: each keeps its frame size's tables
	geoms       []yolo.LetterboxGeometry
	dec         yolo.DetectionDecoder
	dets        []yolo.Detection
	// detections counts all detections decoded, so the work stays observable.
	detections int
}

// newPipeline binds a pipeline to tensors t of model m, whose first output
// (after First) is outs[0].
func newPipeline(m *Model, outs []ort.TensorInfo, size Size, batch int, opts yolo.DecodeOptions, t tensors) (*pipeline, error) {
	nc, n, err := detectionShape(m, outs)
	if err != nil {
		return nil, err
	}
	if got := outs[0].Shape[0]; got != int64(batch) {
		return nil, errs.Inputf(m.where(), "", "output %s does not hold one result per image of batch %d", outs[0], batch)
	}
	p := &pipeline{size: size, batch: batch, nc: nc, anchors: n,
		in: float32View(t.InputData(m.image)), out: float32View(t.OutputData(0)),
		lbs: make([]yolo.Letterboxer, batch), geoms: make([]yolo.LetterboxGeometry, batch)}
	p.dec.Options = opts
	if len(p.in) < batch*3*size.Height*size.Width || len(p.out) < batch*(4+nc)*n {
		return nil, errs.Inputf(m.where(), "", "tensors are smaller than batch %d at %v needs", batch, size)
	}
	return p, nil
}

// iterate runs one iteration on frames starting at next and returns the
// next frame index and the three stage times in nanoseconds.
func (p *pipeline) iterate(frames []Frame, next int, t tensors) (int, [3]int64, error) {
	var st [3]int64
	t0 := time.Now()
	plane := 3 * p.size.Height * p.size.Width
	for b := 0; b < p.batch; b++ {
		g, err := p.lbs[b].Into(p.in[b*plane:(b+1)*plane], frames[next].Image, p.size.Width, p.size.Height)
		if err != nil {
			return next, st, errs.Inputf(frames[next].Path, "", "%v", err)
		}
		p.geoms[b] = g
		next++
		if next == len(frames) {
			next = 0
		}
	}
	t1 := time.Now()
	if err := t.Run(); err != nil {
		return next, st, err
	}
	t2 := time.Now()
	per := (4 + p.nc) * p.anchors
	for b := 0; b < p.batch; b++ {
		var err error
		p.dets, err = p.dec.Decode(p.dets, p.out[b*per:(b+1)*per], p.nc, p.anchors, p.geoms[b])
		if err != nil {
			return next, st, err
		}
		p.detections += len(p.dets)
	}
	t3 := time.Now()
	st[0], st[1], st[2] = int64(t1.Sub(t0)), int64(t2.Sub(t1)), int64(t3.Sub(t2))
	return next, st, nil
}
