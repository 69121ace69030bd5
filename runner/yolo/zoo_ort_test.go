package yolo

// ONNX Runtime helpers for the zoo tests. Only tests import
// onnxruntime_go here; runner/ort is the package that does so for real runs.

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	ortOnce sync.Once
	ortErr  error
	ortPath string
)

// ortLibrary finds libonnxruntime: $YOLOGATE_ORT_LIB, else the copy that
// `make setup` puts under the module root.
func ortLibrary() string {
	if p := os.Getenv("YOLOGATE_ORT_LIB"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".cache", "ort", "1.30.0", "libonnxruntime.so.1")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// needORT initializes ONNX Runtime once, or skips the test with the reason.
func needORT(t testing.TB) {
	t.Helper()
	ortOnce.Do(func() {
		ortPath = ortLibrary()
		if _, err := os.Stat(ortPath); err != nil {
			ortErr = err
			return
		}
		ort.SetSharedLibraryPath(ortPath)
		ortErr = ort.InitializeEnvironment()
	})
	if ortErr != nil {
		t.Skipf("ONNX Runtime library not usable (%v); run `make setup` or set YOLOGATE_ORT_LIB", ortErr)
	}
}

// ortSession is one CPU session on a model's bytes.
type ortSession struct {
	sess *ort.DynamicAdvancedSession
	opts *ort.SessionOptions
}

func newORTSession(t testing.TB, model []byte, config map[string]string) *ortSession {
	t.Helper()
	needORT(t)
	opts, err := ort.NewSessionOptions()
	if err != nil {
		t.Fatalf("session options: %v", err)
	}
	if err := opts.SetIntraOpNumThreads(2); err != nil {
		t.Fatal(err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		t.Fatal(err)
	}
	for k, v := range config {
		if err := opts.AddSessionConfigEntry(k, v); err != nil {
			t.Fatalf("session config %s=%s: %v", k, v, err)
		}
	}
	sess, err := ort.NewDynamicAdvancedSessionWithONNXData(model, []string{"images"}, []string{"output0"}, opts)
	if err != nil {
		opts.Destroy()
		t.Fatalf("ONNX Runtime rejected the model: %v", err)
	}
	s := &ortSession{sess: sess, opts: opts}
	t.Cleanup(func() {
		s.sess.Destroy()
		s.opts.Destroy()
	})
	return s
}

// randomImages returns batch×3×h×w pixels uniform in [0,1) from a fixed seed,
// the benchmark's default input.
func randomImages(batch, h, w int, seed uint64) []float32 {
	r := splitmix{s: seed}
	x := make([]float32, batch*3*h*w)
	for i := range x {
		x[i] = float32(r.next()>>40) / (1 << 24)
	}
	return x
}

// run runs the model on input of the given shape and returns output0 and its shape.
func (s *ortSession) run(t testing.TB, input []float32, shape []int64) ([]float32, []int64) {
	t.Helper()
	in, err := ort.NewTensor(ort.NewShape(shape...), input)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := s.sess.Run([]ort.Value{in}, outs); err != nil {
		t.Fatalf("run: %v", err)
	}
	defer outs[0].Destroy()
	out, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		t.Fatalf("output0 is %T, want float32 tensor", outs[0])
	}
	return append([]float32(nil), out.GetData()...), []int64(out.GetShape())
}

// checkOutput asserts finite, denormal-free values and returns, per image,
// the number of anchors whose best class scores above 0.25.
func checkOutput(t testing.TB, out []float32, shape []int64, nc int) []int {
	t.Helper()
	b, ch, anchors := int(shape[0]), int(shape[1]), int(shape[2])
	if ch != 4+nc {
		t.Fatalf("output channels %d, want %d", ch, 4+nc)
	}
	for i, v := range out {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Fatalf("output0[%d] = %v", i, v)
		}
		if v != 0 && math.Abs(f) < 0x1p-126 {
			t.Fatalf("output0[%d] = %g is denormal", i, v)
		}
	}
	counts := make([]int, b)
	for i := range b {
		img := out[i*ch*anchors:]
		for a := range anchors {
			best := float32(0)
			for c := range nc {
				best = max(best, img[(4+c)*anchors+a])
			}
			if best > 0.25 {
				counts[i]++
			}
		}
	}
	return counts
}

// runOutputs runs a model with one input and returns the named outputs.
func runOutputs(t testing.TB, model []byte, names []string, input []float32, shape []int64) [][]float32 {
	t.Helper()
	needORT(t)
	sess, err := ort.NewDynamicAdvancedSessionWithONNXData(model, []string{"images"}, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Destroy()
	in, err := ort.NewTensor(ort.NewShape(shape...), input)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Destroy()
	outs := make([]ort.Value, len(names))
	if err := sess.Run([]ort.Value{in}, outs); err != nil {
		t.Fatal(err)
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		res[i] = append([]float32(nil), o.(*ort.Tensor[float32]).GetData()...)
		o.Destroy()
	}
	return res
}

// BenchmarkDenormalAsZero times yolov8n at 640 in two sessions, one with
// ONNX Runtime flushing denormals to zero and one without, alternating
// ABBA run by run so that machine load hits both alike. Equal medians mean
// the weights and activations hold no denormals that would slow the CPU.
// It reports the median milliseconds of each and their ratio
// (docs/BENCHMARKS.md).
func BenchmarkDenormalAsZero(b *testing.B) {
	data, err := Generate("yolov8n", GenerateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	sessions := []*ortSession{
		newORTSession(b, data, map[string]string{"session.set_denormal_as_zero": "1"}),
		newORTSession(b, data, map[string]string{"session.set_denormal_as_zero": "0"}),
	}
	in, err := ort.NewTensor(ort.NewShape(1, 3, 640, 640), randomImages(1, 640, 640, 1))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Destroy()
	outs := make([][]ort.Value, 2)
	run := func(i int) time.Duration {
		start := time.Now()
		if err := sessions[i].sess.Run([]ort.Value{in}, outs[i]); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for i := range outs {
		outs[i] = []ort.Value{nil}
		run(i) // warm-up
	}
	var on, off []float64
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		order := []int{0, 1}
		if n%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			ms := float64(run(i).Microseconds()) / 1000
			if i == 0 {
				on = append(on, ms)
			} else {
				off = append(off, ms)
			}
		}
	}
	b.StopTimer()
	for _, o := range outs {
		o[0].Destroy()
	}
	mOn, mOff := median(on), median(off)
	b.ReportMetric(mOn, "ms-flush-on")
	b.ReportMetric(mOff, "ms-flush-off")
	b.ReportMetric(mOff/mOn, "off/on")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
