package runner

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// Detector runs a YOLO detection model on images, the way Ultralytics'
// predictor does: letterbox, one inference, decode and class-aware NMS,
// boxes in original-image pixels. It reuses its tensors and buffers, so a
// steady stream of same-sized frames allocates nothing. Use it from one
// goroutine.
type Detector struct {
	model *Model
	sess  *ort.Session
	size  Size
	// nc is the number of classes and anchors the number of boxes per image
	// in the output [batch, 4+nc, anchors].
	nc, anchors int
	in, out     []float32
	lb          yolo.Letterboxer
	dec         yolo.DetectionDecoder
	dets        []yolo.Detection
	// Names holds the class names, index = class.
	Names []string
}

// NewDetector creates a batch-1 session for m at size on the provider in cfg.
// The model must take a float32 image and give Ultralytics' detection
// output [1, 4+classes, anchors]; anything else is an input error.
func NewDetector(m *Model, size Size, cfg ort.Config, opts yolo.DecodeOptions) (*Detector, error) {
	if err := m.check(size, 1); err != nil {
		return nil, err
	}
	where := m.where()
	if t := m.inputs[m.image].Type; t != "float32" {
		return nil, errs.Inputf(where, "export the model with a float32 input (no half=True)", "end-to-end mode feeds float32 images; input is %s", t)
	}
	sess, err := m.newSession(slices.Clone(m.output), cfg)
	if err != nil {
		return nil, withWhere(err, m)
	}
	d := &Detector{model: m, sess: sess, size: size}
	d.dec.Options = opts
	if err := d.bind(); err != nil {
		sess.Close()
		return nil, err
	}
	d.Names = classNames(m, d.nc)
	return d, nil
}

// bind allocates the input, runs the first inference and checks the output.
func (d *Detector) bind() error {
	m, s := d.model, d.sess
	if err := s.Allocate([][]int64{m.inputShape(d.size, 1)}); err != nil {
		return withWhere(err, m)
	}
	d.in = float32View(s.InputData(m.image))
	// The first run learns the output shape; a grey frame keeps it realistic.
	for i := range d.in {
		d.in[i] = yolo.LetterboxPad / 255.0
	}
	if err := s.First(); err != nil {
		return err
	}
	nc, n, err := detectionShape(m, s.Outputs())
	if err != nil {
		return err
	}
	d.nc, d.anchors = nc, n
	d.out = float32View(s.OutputData(0))
	return nil
}

// detectionShape checks that output 0 is [batch, 4+nc, anchors] float32.
func detectionShape(m *Model, outs []ort.TensorInfo) (nc, anchors int, err error) {
	const fix = "use an Ultralytics detection export (output0 [batch, 4+classes, anchors], nms=False)"
	if len(outs) == 0 {
		return 0, 0, errs.Inputf(m.where(), fix, "the model has no outputs")
	}
	o := outs[0]
	if o.Type != "float32" || len(o.Shape) != 3 || o.Shape[1] < 5 || o.Shape[2] < 1 {
		return 0, 0, errs.Inputf(m.where(), fix, "output %s is not a detection head", o)
	}
	return int(o.Shape[1]) - 4, int(o.Shape[2]), nil
}

// float32View reinterprets a tensor's native-order bytes as float32s.
func float32View(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// classNames returns the model's class names from its Ultralytics "names"
// metadata; without it, COCO's for an 80-class model, else "class N".
func classNames(m *Model, nc int) []string {
	names := make([]string, nc)
	if parsed, ok := parseNames(m.Info.Metadata["names"]); ok {
		for i := range names {
			if n, ok := parsed[i]; ok {
				names[i] = n
			}
		}
	} else if coco := yolo.COCONames(); nc == len(coco) {
		copy(names, coco)
	}
	for i, n := range names {
		if n == "" {
			names[i] = fmt.Sprintf("class %d", i)
		}
	}
	return names
}

// Detect letterboxes img, runs the model and returns its detections, best
// first. The slice is reused by the next call.
func (d *Detector) Detect(img *yolo.RGBImage) ([]yolo.Detection, error) {
	g, err := d.lb.Into(d.in, img, d.size.Width, d.size.Height)
	if err != nil {
		return nil, errs.Inputf("image", "", "%v", err)
	}
	if err := d.sess.Run(); err != nil {
		return nil, err
	}
	d.dets, err = d.dec.Decode(d.dets, d.out, d.nc, d.anchors, g)
	return d.dets, err
}

// Output returns the raw output [1, 4+nc, anchors] of the last Detect; it
// is overwritten by the next.
func (d *Detector) Output() []float32 { return d.out[:(4+d.nc)*d.anchors] }

// SaveOutput writes the raw output of the last Detect to path as
// little-endian float32, atomically.
func (d *Detector) SaveOutput(path string) error {
	v := d.Output()
	buf := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(f))
	}
	return atomicfile.Write(path, buf, 0)
}

// DetectorModel reads the model file ref (an existing path, or any name
// ending in .onnx) or generates the standard model ref, and picks its
// input size: size when given, else the file's own, 640 for a standard
// model.
func DetectorModel(ref string, size Size) (*Model, Size, error) {
	if _, err := os.Stat(ref); err == nil || filepath.Ext(ref) == ".onnx" {
		m, err := LoadModelFile(ref)
		if err != nil {
			return nil, size, err
		}
		if size == (Size{}) {
			size = m.DefaultSize()
		}
		return m, size, nil
	}
	if size == (Size{}) {
		size = Size{Height: 640, Width: 640}
	}
	m, err := GenerateModel(ref, size, 1)
	return m, size, err
}

// Classes returns the number of classes of the model's output.
func (d *Detector) Classes() int { return d.nc }

// Close releases the session.
func (d *Detector) Close() error {
	if d.sess == nil {
		return nil
	}
	err := d.sess.Close()
	d.sess = nil
	return err
}

// DetectionResults converts detections to the results form, with names.
func DetectionResults(dets []yolo.Detection, names []string) []results.Detection {
	out := make([]results.Detection, len(dets))
	for i, x := range dets {
		out[i] = results.Detection{Class: x.Class, Score: float64(x.Score),
			X1: float64(x.X1), Y1: float64(x.Y1), X2: float64(x.X2), Y2: float64(x.Y2)}
		if x.Class < len(names) {
			out[i].Name = names[x.Class]
		}
	}
	return out
}

// where names the model in error messages: its file, or the --model flag.
func (m *Model) where() string {
	if m.Path != "" {
		return m.Path
	}
	return "--model " + m.Name
}

// parseNames reads Ultralytics' names metadata, a Python dict repr such as
// {0: 'person', 1: "traffic light"}. ok is false when s is not one.
func parseNames(s string) (names map[int]string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	names = map[int]string{}
	rest := strings.TrimSpace(s[1 : len(s)-1])
	for rest != "" {
		colon := strings.IndexByte(rest, ':')
		if colon < 0 {
			return nil, false
		}
		k, err := strconv.Atoi(strings.TrimSpace(rest[:colon]))
		if err != nil || k < 0 {
			return nil, false
		}
		rest = strings.TrimSpace(rest[colon+1:])
		if rest == "" || (rest[0] != '\'' && rest[0] != '"') {
			return nil, false
		}
		q := rest[0]
		var b strings.Builder
		i := 1
		for ; i < len(rest) && rest[i] != q; i++ {
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
			}
			b.WriteByte(rest[i])
		}
		if i >= len(rest) {
			return nil, false
		}
		names[k] = b.String()
		rest = strings.TrimSpace(rest[i+1:])
		if strings.HasPrefix(rest, ",") {
			rest = strings.TrimSpace(rest[1:])
		} else if rest != "" {
			return nil, false
		}
	}
	return names, true
}

// ReadFrames decodes each image file (JPEG or PNG) to RGB, so that a bad
// file fails before a model loads.
func ReadFrames(paths []string) ([]*yolo.RGBImage, error) {
	frames := make([]*yolo.RGBImage, len(paths))
	for i, path := range paths {
		img, err := ReadImage(path)
		if err != nil {
			return nil, err
		}
		frames[i] = yolo.ToRGB(img)
	}
	return frames, nil
}

// DetectAll runs the detector on each frame in order; paths name the
// frames in the results. It stops when ctx is done.
func (d *Detector) DetectAll(ctx context.Context, paths []string, frames []*yolo.RGBImage) ([]results.ImageDetections, error) {
	all := make([]results.ImageDetections, len(frames))
	for i, f := range frames {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dets, err := d.Detect(f)
		if err != nil {
			return nil, err
		}
		all[i] = results.ImageDetections{Image: paths[i], Width: f.W, Height: f.H, Detections: DetectionResults(dets, d.Names)}
	}
	return all, nil
}
